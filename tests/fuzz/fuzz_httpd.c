// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the metrics HTTP server with arbitrary request bytes over a real
 * loopback connection: the answer is always an HTTP/1.0 status line (or a
 * plain close for an incomplete request), and the server then still serves
 * GET /metrics.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "httpd.h"

static struct espy_httpd *h;

static int render(void *ctx, struct espy_prom *p)
{
	espy_prom_reset(p);
	espy_prom_family(p, "espy_fuzz_total", "counter", "Fuzz.");
	espy_prom_u64(p, "espy_fuzz_total", 1, NULL);
	return p->err;
}

static size_t request(const void *req, size_t len, char *out, size_t cap)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t got = 0, off = 0;

	/* Close with a reset where that still helps; a client that has seen
	 * the server's FIN after its own is in TIME_WAIT already, so tens of
	 * thousands of runs exhaust the ephemeral ports all the same (28,000
	 * TIME_WAIT sockets measured): connect() then waits for one below. */
	struct linger lg = { .l_onoff = 1, .l_linger = 0 };

	sa.sin_port = htons(espy_httpd_port(h));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)))
		abort();
	while (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		/* no free local port: the harness's doing, not the server's;
		 * anything else (refused: no listener) fails */
		if (errno != EADDRNOTAVAIL && errno != EAGAIN && errno != EINTR) {
			fprintf(stderr, "fuzz_httpd: connect: %s\n",
				strerror(errno));
			abort();
		}
		espy_httpd_dispatch(h);
		usleep(1000);
	}
	while (off < len) {
		ssize_t w = send(fd, (const char *)req + off, len - off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno != EAGAIN)
				break;
			espy_httpd_dispatch(h);
			continue;
		}
		off += w;
	}
	shutdown(fd, SHUT_WR);
	for (int spins = 0; spins < 20000; spins++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		espy_httpd_dispatch(h);
		if (poll(&p, 1, 0) != 1)
			continue;
		n = recv(fd, out + got, cap - 1 - got, MSG_DONTWAIT);
		if (n <= 0)
			break;
		got += n;
	}
	out[got] = '\0';
	close(fd);
	return got;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const char get[] = "GET /metrics HTTP/1.0\r\n\r\n";
	static char out[65536];
	size_t n;

	if (!h) {
		struct espy_listen l = { .enabled = 1, .host = "127.0.0.1", .port = 0 };

		if (espy_httpd_open(&h, &l, render, NULL))
			abort();
	}
	n = request(data, size, out, sizeof(out));
	if (n && strncmp(out, "HTTP/1.0 ", 9))
		abort();
	n = request(get, sizeof(get) - 1, out, sizeof(out));
	if (!strstr(out, "\r\n\r\n# HELP espy_fuzz_total Fuzz.\n"))
		abort();
	return 0;
}
