/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event outputs: pipeline sinks that write the ECS JSON lines somewhere.
 *
 *  - file:   JSON Lines appended to a file (default /var/log/espy/events.json),
 *            reopened on SIGHUP so that logrotate can move it away; or to
 *            stdout ("-") when espyd runs in the foreground.
 *  - syslog: one RFC 5424 message per event, MSG being the JSON object, to
 *            /dev/log, another Unix datagram socket, or UDP (RFC 5426).
 *
 * Each output has a level: a minimum score and a minimum severity; events
 * below either are not written (and counted as filtered).  Nothing here
 * blocks the daemon on a slow syslog: a message that cannot be sent at once
 * is dropped and counted.
 */
#ifndef ESPY_OUTPUT_H
#define ESPY_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include "event.h"

struct espy_out_level {
	int min_score;		/* 0..100 */
	int min_severity;	/* enum espy_severity */
};

struct espy_out_stats {
	uint64_t written;	/* events written / sent */
	uint64_t filtered;	/* below the level */
	uint64_t errors;	/* events lost to write/send errors */
	uint64_t bytes;
	uint64_t reopens;
	int last_err;		/* -errno of the last failure, 0 after success */
};

/* 1 when ev passes lvl (unscored events have score 0, severity none). */
int espy_out_level_pass(const struct espy_out_level *lvl,
			const struct espy_event *ev);

/* ---- file / stdout ---- */
struct espy_out_file;

/*
 * path "-" writes to stdout (never reopened).  A file's directory is
 * created (mode 0750) when missing; the file is created mode 0640.
 */
int espy_out_file_open(struct espy_out_file **out, const char *path,
		       const struct espy_out_level *lvl);
void espy_out_file_close(struct espy_out_file *o);
/* Reopen (after logrotate moved the file) or switch to a new path
 * (NULL: same path).  On failure the old file stays in use. */
int espy_out_file_reopen(struct espy_out_file *o, const char *path);
void espy_out_file_set_level(struct espy_out_file *o,
			     const struct espy_out_level *lvl);
/* Lines are buffered; flush after each batch and on a timer. */
int espy_out_file_flush(struct espy_out_file *o);
int espy_out_file_sink(void *ctx, const struct espy_event *ev,
		       const char *json, size_t len);
const struct espy_out_stats *espy_out_file_stats(const struct espy_out_file *o);
const char *espy_out_file_path(const struct espy_out_file *o);

/* ---- syslog ---- */
struct espy_out_syslog;

/* target: "/dev/log", "unix:/path" or "udp:ADDR:PORT"; facility 0..23. */
int espy_out_syslog_open(struct espy_out_syslog **out, const char *target,
			 int facility, const struct espy_out_level *lvl);
void espy_out_syslog_close(struct espy_out_syslog *o);
void espy_out_syslog_set_level(struct espy_out_syslog *o,
			       const struct espy_out_level *lvl);
int espy_out_syslog_sink(void *ctx, const struct espy_event *ev,
			 const char *json, size_t len);
const struct espy_out_stats *
espy_out_syslog_stats(const struct espy_out_syslog *o);

/*
 * Format one RFC 5424 message into buf: <PRI>1 TIMESTAMP HOST APP PROCID
 * MSGID - JSON.  Returns its length (> len when it did not fit).
 * Exposed for tests.
 */
size_t espy_syslog_format(char *buf, size_t len, int facility,
			  const struct espy_event *ev, const char *host,
			  int pid, const char *json, size_t jlen);

#endif /* ESPY_OUTPUT_H */
