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
 *   5  espyd stopped: the event stream ended cleanly, after espyd said
 *      it was stopping (every event queued for this client came first)
 *   6  the event stream was cut off: espyd dropped this client because it
 *      read too slowly, or the connection broke (reset, ended in the middle
 *      of a line, or ended without espyd's goodbye)
 */
#ifndef ESPY_CMDS_H
#define ESPY_CMDS_H

#include <stddef.h>
#include <stdio.h>

#define ESPY_EXIT_OK		0
#define ESPY_EXIT_FAIL		1
#define ESPY_EXIT_USAGE		2
#define ESPY_EXIT_NODAEMON	3
#define ESPY_EXIT_DENIED	4
#define ESPY_EXIT_EOF		5
#define ESPY_EXIT_CUT		6

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
/*
 * After getopt: -h (asked) prints the usage on stdout and is a success,
 * anything else prints it on stderr and is a usage error.  Returns the
 * exit code.
 */
int espy_cli_usage(void (*usage)(FILE *f), int asked);
/* Operands left after the options: said, and ESPY_EXIT_USAGE; else 0. */
int espy_cli_no_more_args(const char *prog, int argc, char **argv);

struct espy_lines;
/* espy_cli_request() flags */
#define ESPY_CLI_QUIET_ABSENT	(1 << 0)	/* no espyd: say nothing */

/*
 * Connect, send cmd and wait for espyd's reply (*reply points into l).
 * Returns ESPY_EXIT_OK with the connection open in l (close it with
 * espy_cli_hangup()), or the exit code to use, having said why on stderr
 * and closed the connection.  With ESPY_CLI_QUIET_ABSENT, no espyd
 * listening is ESPY_EXIT_NODAEMON without a word (the caller has another
 * way), and only then.
 */
int espy_cli_request(struct espy_lines *l, const char *prog, const char *sock,
		     const char *cmd, size_t line_max, char **reply,
		     unsigned int flags);
void espy_cli_hangup(struct espy_lines *l);

#endif /* ESPY_CMDS_H */
