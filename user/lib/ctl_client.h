/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The client side of espyd's control socket (see ctl.h for the protocol),
 * used by the espy CLI: connect, send a command, read reply and event
 * lines.
 */
#ifndef ESPY_CTL_CLIENT_H
#define ESPY_CTL_CLIENT_H

#include <stddef.h>

/*
 * Connect to the socket at path.  Returns the fd, or -ENOENT /
 * -ECONNREFUSED when no espyd listens there, -EACCES when the socket is
 * not ours to use, another -errno otherwise.
 */
int espy_ctl_connect(const char *path);

/* Line reader over a stream socket or file. */
struct espy_lines {
	int fd;
	char *buf;
	size_t start, len, cap;
	size_t max;		/* a longer line is an error (-E2BIG) */
	int partial;		/* the line last returned had no newline: the
				 * stream ended in the middle of it */
};

void espy_lines_init(struct espy_lines *l, int fd, size_t max);
void espy_lines_fini(struct espy_lines *l);
/*
 * Next line without its newline, NUL-terminated, valid until the next
 * call.  timeout_ms < 0 waits forever.  Returns the length, -ETIMEDOUT,
 * -EPIPE at end of stream (a last unterminated line is returned first,
 * with l->partial set), -E2BIG for a line over max, or -errno.
 */
long espy_lines_next(struct espy_lines *l, char **line, int timeout_ms);

/* Write all of s, then a newline. */
int espy_ctl_send(int fd, const char *s);

/*
 * Send cmd and wait for its reply (a JSON object with "ok"), skipping
 * event lines that may precede it.  *reply points into l.  Returns the
 * reply length or -errno.
 */
long espy_ctl_call(struct espy_lines *l, const char *cmd, char **reply,
		   int timeout_ms);

#endif /* ESPY_CTL_CLIENT_H */
