/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * espy subcommands and what they share.  Each cmd_*() gets argv with
 * argv[0] the subcommand name and returns the process exit status.
 *
 * Exit codes (documented in espy(8); scripts rely on them):
 *   0  success
 *   1  failure: espyd answered with an error, or an I/O error
 *   2  usage error: bad option or argument
 *   3  espyd is not running (no control socket, or nobody listening)
 *   4  permission denied on the control socket (espy needs root, or the
 *      group set in control.group)
 *   5  the event stream ended: espyd stopped, or cut this client off
 *      because it read too slowly
 */
#ifndef ESPY_CMDS_H
#define ESPY_CMDS_H

#include <stddef.h>

#define ESPY_EXIT_OK		0
#define ESPY_EXIT_FAIL		1
#define ESPY_EXIT_USAGE		2
#define ESPY_EXIT_NODAEMON	3
#define ESPY_EXIT_DENIED	4
#define ESPY_EXIT_EOF		5

int cmd_tail(int argc, char **argv);
int cmd_status(int argc, char **argv);
int cmd_baseline(int argc, char **argv);
int cmd_replay(int argc, char **argv);

/* cli.c */

/* The control socket: --socket, else $ESPY_SOCKET, else the default. */
const char *espy_cli_socket(const char *opt);
/*
 * Connect, printing why not on stderr ("espy tail: ...").  Returns the
 * fd, or minus the exit code to use (-ESPY_EXIT_NODAEMON ...).
 */
int espy_cli_connect(const char *prog, const char *path);
/* Exit code for a -errno from the control socket. */
int espy_cli_exit_code(int err);

struct espy_lines;
/*
 * Connect, send cmd and wait for espyd's reply (*reply points into l).
 * Returns ESPY_EXIT_OK with the connection open in l (close it with
 * espy_cli_hangup()), or the exit code to use, having said why on stderr
 * and closed the connection.
 */
int espy_cli_request(struct espy_lines *l, const char *prog, const char *sock,
		     const char *cmd, size_t line_max, char **reply);
void espy_cli_hangup(struct espy_lines *l);

#endif /* ESPY_CMDS_H */
