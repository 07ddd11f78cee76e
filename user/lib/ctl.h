/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * espyd's control socket: a Unix stream socket, root-only by default
 * (mode 0600 and an SO_PEERCRED check on every connection).
 *
 * Protocol: one command per line, printable ASCII, at most
 * ESPY_CTL_LINE_MAX bytes:  VERB [ARG ...]\n
 * Every command gets exactly one reply line, a JSON object with "ok"
 * (true/false), "cmd" and, on failure, "error".  After `subscribe`, the
 * stream's ECS event lines (JSON objects without "ok") follow on the same
 * connection, interleaved with later replies.
 *
 * Built in: help, ping, subscribe [FILTER...], unsubscribe, quit.  The
 * daemon registers the rest (status, baseline ...).
 *
 * Nothing here blocks: output is queued per client and written when the
 * socket is writable; a client whose queue would exceed the configured
 * bound (a stuck or slow `espy tail`) is cut off and counted.  Hostile
 * input gets an error reply; a client that keeps sending it is dropped.
 *
 * Every line the server writes is whole.  An event stream (a subscribed
 * connection) that the server closes ends with a line that says why, with
 * "cmd":null and "closing":
 *   {"ok":true,"cmd":null,"closing":"stopping"}   espyd is stopping; every
 *       event queued for this client was written before it
 *   {"ok":false,"cmd":null,"closing":"cut_off","error":"..."}   this client
 *       read too slowly: the events after it were not sent
 * A stream that ends without such a line (or mid-line) was broken off.
 *
 * The server keeps its sockets in an epoll set of its own: the daemon
 * watches espy_ctl_fd() and calls espy_ctl_dispatch() when it is readable.
 */
#ifndef ESPY_CTL_H
#define ESPY_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "event.h"
#include "json.h"

#define ESPY_CTL_LINE_MAX	1024
#define ESPY_CTL_MAX_ERRORS	16	/* bad commands before a client is dropped */
#define ESPY_CTL_MAX_CMDS	16
#define ESPY_CTL_LAST_WORDS_MS	1000	/* a closing client's last line, at most */
#define ESPY_CTL_STOPPING	"stopping"	/* "closing" values, see above */
#define ESPY_CTL_CUT_OFF	"cut_off"

struct espy_ctl;

struct espy_ctl_opts {
	const char *path;
	unsigned int mode;		/* socket file permissions, e.g. 0600 */
	gid_t gid;			/* group allowed besides root; (gid_t)-1: none */
	int max_clients;
	size_t client_buffer;		/* queued bytes before a cut-off */
	const char *host;		/* host.name for host= filters */
};

struct espy_ctl_stats {
	uint64_t accepted;		/* connections let in */
	uint64_t denied;		/* refused by the credentials check */
	uint64_t refused_full;		/* refused: max_clients reached */
	uint64_t commands;		/* command lines handled */
	uint64_t bad_commands;		/* ... of which errors */
	uint64_t dropped_hostile;	/* clients dropped after too many errors */
	uint64_t cut_off;		/* clients cut off: queue over the bound */
	uint64_t events_sent;		/* event lines queued to subscribers */
	uint64_t bytes_sent;
	uint32_t clients;		/* connected now */
	uint32_t subscribers;		/* ... of which subscribed */
};

/*
 * A command handler.  args: the text after the verb ("" if none).  The
 * handler adds members to reply, an object already holding "ok" and
 * "cmd".  Returns 0, or -errno with a message in err (then the members it
 * added are discarded and the reply is {"ok":false,"cmd":..,"error":err}).
 */
typedef int (*espy_ctl_cmd_fn)(void *ctx, const char *args,
			       struct espy_json *reply, char *err, size_t errlen);

int espy_ctl_open(struct espy_ctl **out, const struct espy_ctl_opts *opts);
/*
 * Before a stop: remove the socket file, end every stream with the
 * "stopping" line and wait up to timeout_ms for the clients to take what
 * is queued (non-blocking writes, poll).  Returns how many clients did not
 * take all of it in time (they are closed too, and logged).
 */
int espy_ctl_shutdown(struct espy_ctl *c, int timeout_ms);
/* Stop listening, drop every client, remove the socket file. */
void espy_ctl_close(struct espy_ctl *c);

int espy_ctl_fd(const struct espy_ctl *c);
/* Handle whatever is ready (accepts, commands, pending output). */
void espy_ctl_dispatch(struct espy_ctl *c);
/* Close clients whose last line did not go out in time (call every second). */
void espy_ctl_tick(struct espy_ctl *c);

int espy_ctl_register(struct espy_ctl *c, const char *verb, const char *help,
		      espy_ctl_cmd_fn fn, void *ctx);

/* New bounds on reload; the socket path and mode take a restart. */
void espy_ctl_set_limits(struct espy_ctl *c, int max_clients,
			 size_t client_buffer);

/* Pipeline sink: queue ev's JSON line to every matching subscriber. */
int espy_ctl_sink(void *ctl, const struct espy_event *ev, const char *json,
		  size_t len);

const struct espy_ctl_stats *espy_ctl_stats(const struct espy_ctl *c);

#endif /* ESPY_CTL_H */
