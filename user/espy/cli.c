/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmds.h"
#include "config.h"
#include "ctl_client.h"

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

int espy_cli_connect(const char *prog, const char *path)
{
	int fd = espy_ctl_connect(path);

	if (fd >= 0)
		return fd;
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
