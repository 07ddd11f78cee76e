/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The one-line human format of `espy tail`, from an ECS JSON event line:
 *
 *   12:00:00.123 HIGH  87 ALERT open       cat[4242] alice /etc/shadow T1003.008 -- reason; ...
 *
 * time of day (UTC, from @timestamp), severity, score, ALERT for alerts,
 * event.action, process name[pid], user, what the event touched (file
 * path, peer address, DNS name or command line), techniques, and for
 * alerts or scored events the reasons.  Colour (ANSI) only when asked.
 */
#ifndef ESPY_TAILFMT_H
#define ESPY_TAILFMT_H

#include <stddef.h>
#include <stdio.h>

/*
 * Format one JSON line into out (NUL-terminated, no newline).  Returns
 * the length, or -EINVAL when the line is not a JSON object (out then
 * holds the line itself, so nothing is lost).  Control bytes from the
 * event (paths may hold any byte) are shown as '?' so that the terminal
 * cannot be driven by event content.
 */
int espy_tail_format(const char *line, size_t len, int color, char *out,
		     size_t outlen);

#endif /* ESPY_TAILFMT_H */
