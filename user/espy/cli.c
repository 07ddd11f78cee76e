/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "config.h"
#include "ctl_client.h"
#include "jpath.h"

/* long enough for a baseline import or save on a large baseline */
#define REPLY_TIMEOUT_MS	10000

const char *espy_cli_socket(const char *opt)
{
	const char *env = getenv("ESPY_SOCKET");

	if (opt && *opt)
		return opt;
	if (env && *env)
		return env;
	return ESPY_CTL_PATH;
}

int espy_cli_exit_code(int err)
{
	switch (err) {
	case 0:
		return ESPY_EXIT_OK;
	case -ENOENT:
	case -ECONNREFUSED:
		return ESPY_EXIT_NODAEMON;
	case -EACCES:
	case -EPERM:
		return ESPY_EXIT_DENIED;
	case -EPIPE:
	case -ECONNRESET:
		return ESPY_EXIT_EOF;
	default:
		return ESPY_EXIT_FAIL;
	}
}

int espy_cli_usage(void (*usage)(FILE *f), int asked)
{
	usage(asked ? stdout : stderr);
	return asked ? ESPY_EXIT_OK : ESPY_EXIT_USAGE;
}

int espy_cli_no_more_args(const char *prog, int argc, char **argv)
{
	if (optind >= argc)
		return 0;
	fprintf(stderr, "%s: unexpected argument '%s'\n", prog, argv[optind]);
	return ESPY_EXIT_USAGE;
}

static int is_absent(int err)
{
	return err == -ENOENT || err == -ECONNREFUSED;
}

/* Say why fd (a -errno) is no connection; returns minus the exit code. */
static int connect_failed(const char *prog, const char *path, int fd)
{
	switch (fd) {
	case -ENOENT:
	case -ECONNREFUSED:
		fprintf(stderr, "%s: espyd is not running (no control socket at %s)\n",
			prog, path);
		break;
	case -EACCES:
	case -EPERM:
		fprintf(stderr, "%s: permission denied on %s (run as root, or as a member of "
			"the group set in control.group)\n", prog, path);
		break;
	default:
		fprintf(stderr, "%s: cannot connect to %s: %s\n", prog, path,
			strerror(-fd));
	}
	return -espy_cli_exit_code(fd);
}

int espy_cli_connect(const char *prog, const char *path)
{
	int fd = espy_ctl_connect(path);

	return fd >= 0 ? fd : connect_failed(prog, path, fd);
}

int espy_cli_request(struct espy_lines *l, const char *prog, const char *sock,
		     const char *cmd, size_t line_max, char **reply,
		     unsigned int flags)
{
	struct json_object *r;
	const char *why;
	long n;
	int fd, code;

	fd = espy_ctl_connect(sock);
	if (fd < 0 && is_absent(fd) && (flags & ESPY_CLI_QUIET_ABSENT))
		return ESPY_EXIT_NODAEMON;
	if (fd < 0)
		return -connect_failed(prog, sock, fd);
	espy_lines_init(l, fd, line_max);
	n = espy_ctl_call(l, cmd, reply, REPLY_TIMEOUT_MS);
	if (n < 0) {
		fprintf(stderr, "%s: no answer from espyd: %s\n", prog,
			strerror(-n));
		espy_cli_hangup(l);
		return espy_cli_exit_code(n);
	}
	if (!strncmp(*reply, "{\"ok\":true", 10))
		return ESPY_EXIT_OK;
	/* say espyd's own words when the reply is readable */
	espy_jparse_object(*reply, n, &r);
	why = espy_jpath_str(r, "error");
	fprintf(stderr, "%s: espyd refused: %s\n", prog, why ? why : *reply);
	code = why && strstr(why, "permission denied") ? ESPY_EXIT_DENIED :
							  ESPY_EXIT_FAIL;
	json_object_put(r);
	espy_cli_hangup(l);
	return code;
}

void espy_cli_hangup(struct espy_lines *l)
{
	int fd = l->fd;

	espy_lines_fini(l);
	if (fd >= 0)
		close(fd);
}
