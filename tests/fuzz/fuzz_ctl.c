// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz espyd's control socket with arbitrary client bytes: a real server on
 * a Unix socket, one connection per input.  Every byte sequence must get
 * only well-formed replies (one JSON object per line, each with "ok"), and
 * the server must go on serving: a ping on a fresh connection answers.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <json-c/json.h>

#include "ctl.h"
#include "ctl_client.h"

static struct espy_ctl *ctl;
static char path[108];

static int cmd_echo(void *ctx, const char *args, struct espy_json *j,
		    char *err, size_t errlen)
{
	if (!strcmp(args, "fail")) {
		snprintf(err, errlen, "asked to fail");
		return -EINVAL;
	}
	espy_json_key(j, "args");
	espy_json_cstring(j, args);
	return 0;
}

static void setup(void)
{
	struct espy_ctl_opts o = {
		.mode = 0600, .gid = (gid_t)-1, .max_clients = 4,
		.client_buffer = 1 << 20, .host = "fuzz",
	};

	snprintf(path, sizeof(path), "/tmp/espy-fuzz-ctl-%d.sock", (int)getpid());
	unlink(path);
	o.path = path;
	if (espy_ctl_open(&ctl, &o) || espy_ctl_register(ctl, "echo", "", cmd_echo, NULL))
		abort();
}

/* Pump the server until the client sees end of stream; returns the bytes. */
static size_t exchange(int fd, char *out, size_t cap)
{
	size_t got = 0;

	for (int spins = 0; spins < 20000; spins++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		espy_ctl_dispatch(ctl);
		if (poll(&p, 1, 0) != 1)
			continue;
		n = recv(fd, out + got, cap - 1 - got, MSG_DONTWAIT);
		if (n == 0 || (n < 0 && errno != EAGAIN))
			break;
		if (n > 0)
			got += n;
		if (got == cap - 1)
			break;
	}
	out[got] = '\0';
	return got;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static char out[1 << 20];
	char *line, *save = NULL;
	int fd;

	if (!ctl)
		setup();
	fd = espy_ctl_connect(path);
	if (fd < 0)
		abort();
	/* the whole input, then end of stream (as `printf ... | nc -U`) */
	for (size_t off = 0; off < size;) {
		ssize_t w = send(fd, data + off, size - off, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			espy_ctl_dispatch(ctl);
			continue;
		}
		off += w;
	}
	shutdown(fd, SHUT_WR);
	exchange(fd, out, sizeof(out));
	close(fd);
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		struct json_object *o = json_tokener_parse(line), *ok;

		/* subscribed streams carry no events here: every line is a reply */
		if (!o || !json_object_object_get_ex(o, "ok", &ok))
			abort();
		json_object_put(o);
	}
	/* the server still answers */
	fd = espy_ctl_connect(path);
	if (fd < 0 || espy_ctl_send(fd, "ping"))
		abort();
	shutdown(fd, SHUT_WR);
	exchange(fd, out, sizeof(out));
	close(fd);
	if (strcmp(out, "{\"ok\":true,\"cmd\":\"ping\"}\n"))
		abort();
	return 0;
}
