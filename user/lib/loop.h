/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * espyd's one event loop: epoll over every fd the daemon waits on (ring
 * buffer or /dev/espy, signalfd, timerfds, control and metrics sockets).
 * Signals arrive through a signalfd, so no work ever runs in a signal
 * handler: SIGTERM and SIGINT stop the loop, SIGHUP runs the registered
 * reload hooks in registration order, SIGPIPE is ignored.
 *
 * Callbacks may add or delete any fd, including their own, while the loop
 * dispatches: deleted handlers are freed only after the current batch.
 */
#ifndef ESPY_LOOP_H
#define ESPY_LOOP_H

#include <stdint.h>
#include <sys/epoll.h>

struct espy_loop;
struct espy_loop_handler;

/* events: the EPOLL* bits that fired. */
typedef void (*espy_loop_fn)(struct espy_loop *loop, int fd, uint32_t events,
			     void *ctx);
/* expirations: timer ticks since the last call (>= 1). */
typedef void (*espy_timer_fn)(struct espy_loop *loop, uint64_t expirations,
			      void *ctx);
/* a hook run from the loop (reload on SIGHUP, shutdown on stop) */
typedef void (*espy_hook_fn)(struct espy_loop *loop, void *ctx);

#define ESPY_LOOP_MAX_HOOKS	16

struct espy_loop_hook {
	espy_hook_fn fn;
	void *ctx;
};

struct espy_loop {
	int epfd;
	int sigfd;		/* -1 until espy_loop_signals() */
	int stop;		/* set by espy_loop_stop() */
	int status;		/* value espy_loop_run() returns */
	int last_signal;	/* signo that stopped the loop, 0 if none */
	int nhup, nstop;
	struct espy_loop_hook hup[ESPY_LOOP_MAX_HOOKS];
	struct espy_loop_hook on_stop[ESPY_LOOP_MAX_HOOKS];
	struct espy_loop_handler *handlers;	/* live */
	struct espy_loop_handler *dead;		/* freed after the batch */
	uint64_t hups;		/* SIGHUPs handled */
};

int espy_loop_init(struct espy_loop *l);
void espy_loop_fini(struct espy_loop *l);

/* Watch fd for events (EPOLLIN...).  The caller keeps owning fd. */
int espy_loop_add(struct espy_loop *l, int fd, uint32_t events,
		  espy_loop_fn fn, void *ctx);
int espy_loop_mod(struct espy_loop *l, int fd, uint32_t events);
/* Stop watching fd; closes it when the loop created it (timers). */
int espy_loop_del(struct espy_loop *l, int fd);

/*
 * Block SIGTERM, SIGINT and SIGHUP, ignore SIGPIPE, and read them through
 * a signalfd in the loop.  Child processes inherit the mask: reset it
 * before exec.
 */
int espy_loop_signals(struct espy_loop *l);
/* Run fn on every SIGHUP (reload configuration, reopen logs). */
int espy_loop_on_reload(struct espy_loop *l, espy_hook_fn fn, void *ctx);
/* Run fn once when the loop is asked to stop (before run() returns). */
int espy_loop_on_stop(struct espy_loop *l, espy_hook_fn fn, void *ctx);
/* Run the reload hooks now, as a SIGHUP would (control socket, tests). */
void espy_loop_reload(struct espy_loop *l);

/*
 * A periodic timer on CLOCK_MONOTONIC: first after first_ns, then every
 * interval_ns (0: one-shot).  Returns the timerfd (for espy_loop_del) or
 * -errno.
 */
int espy_loop_add_timer(struct espy_loop *l, uint64_t first_ns,
			uint64_t interval_ns, espy_timer_fn fn, void *ctx);

/* Dispatch until espy_loop_stop(); returns the status given to it. */
int espy_loop_run(struct espy_loop *l);
/* Wait up to timeout_ms (-1: forever) and dispatch one batch; returns
 * the number of fds dispatched or -errno. */
int espy_loop_run_once(struct espy_loop *l, int timeout_ms);
void espy_loop_stop(struct espy_loop *l, int status);

#endif /* ESPY_LOOP_H */
