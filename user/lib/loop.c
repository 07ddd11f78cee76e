/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>

#include "loop.h"

struct espy_loop_handler {
	int fd;
	int owned;		/* the loop created fd and closes it */
	int dead;
	espy_loop_fn fn;
	espy_timer_fn tfn;
	void *ctx;
	struct espy_loop_handler *next;
};

int espy_loop_init(struct espy_loop *l)
{
	memset(l, 0, sizeof(*l));
	l->sigfd = -1;
	l->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (l->epfd < 0)
		return -errno;
	return 0;
}

static void free_list(struct espy_loop_handler *h)
{
	struct espy_loop_handler *n;

	for (; h; h = n) {
		n = h->next;
		if (h->owned && h->fd >= 0)
			close(h->fd);
		free(h);
	}
}

void espy_loop_fini(struct espy_loop *l)
{
	free_list(l->handlers);
	free_list(l->dead);
	l->handlers = l->dead = NULL;
	if (l->epfd >= 0)
		close(l->epfd);
	l->epfd = -1;
	l->sigfd = -1;		/* closed with its handler */
}

static struct espy_loop_handler *find(struct espy_loop *l, int fd)
{
	struct espy_loop_handler *h;

	for (h = l->handlers; h; h = h->next)
		if (h->fd == fd)
			return h;
	return NULL;
}

static int add_handler(struct espy_loop *l, int fd, uint32_t events,
		       struct espy_loop_handler *h)
{
	struct epoll_event ev = { .events = events, .data.ptr = h };

	if (find(l, fd))
		return -EEXIST;
	if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -errno;
	h->next = l->handlers;
	l->handlers = h;
	return 0;
}

static int add_fd(struct espy_loop *l, int fd, uint32_t events, int owned,
		  espy_loop_fn fn, espy_timer_fn tfn, void *ctx)
{
	struct espy_loop_handler *h;
	int err;

	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->fd = fd;
	h->owned = owned;
	h->fn = fn;
	h->tfn = tfn;
	h->ctx = ctx;
	err = add_handler(l, fd, events, h);
	if (err)
		free(h);
	return err;
}

int espy_loop_add(struct espy_loop *l, int fd, uint32_t events,
		  espy_loop_fn fn, void *ctx)
{
	if (fd < 0 || !fn)
		return -EINVAL;
	return add_fd(l, fd, events, 0, fn, NULL, ctx);
}

int espy_loop_mod(struct espy_loop *l, int fd, uint32_t events)
{
	struct espy_loop_handler *h = find(l, fd);
	struct epoll_event ev = { .events = events };

	if (!h)
		return -ENOENT;
	ev.data.ptr = h;
	if (epoll_ctl(l->epfd, EPOLL_CTL_MOD, fd, &ev) < 0)
		return -errno;
	return 0;
}

int espy_loop_del(struct espy_loop *l, int fd)
{
	struct espy_loop_handler **pp, *h;

	for (pp = &l->handlers; (h = *pp); pp = &h->next)
		if (h->fd == fd)
			break;
	if (!h)
		return -ENOENT;
	*pp = h->next;
	epoll_ctl(l->epfd, EPOLL_CTL_DEL, fd, NULL);
	if (h->owned) {
		close(h->fd);
		if (l->sigfd == h->fd)
			l->sigfd = -1;
	}
	/* an event for h may still sit in the current batch: free it later */
	h->fd = -1;
	h->dead = 1;
	h->next = l->dead;
	l->dead = h;
	return 0;
}

static void run_hooks(struct espy_loop *l, struct espy_loop_hook *hk, int n)
{
	int i;

	for (i = 0; i < n; i++)
		hk[i].fn(l, hk[i].ctx);
}

void espy_loop_reload(struct espy_loop *l)
{
	l->hups++;
	run_hooks(l, l->hup, l->nhup);
}

static void on_signal(struct espy_loop *l, int fd, uint32_t events, void *ctx)
{
	struct signalfd_siginfo si;
	ssize_t n;

	for (;;) {
		n = read(fd, &si, sizeof(si));
		if (n != sizeof(si))
			return;		/* EAGAIN: drained */
		switch (si.ssi_signo) {
		case SIGHUP:
			espy_loop_reload(l);
			break;
		case SIGTERM:
		case SIGINT:
			l->last_signal = si.ssi_signo;
			espy_loop_stop(l, 0);
			break;
		}
	}
}

int espy_loop_signals(struct espy_loop *l)
{
	sigset_t set;
	int fd, err;

	if (l->sigfd >= 0)
		return -EALREADY;
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0)
		return -errno;
	fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	if (fd < 0) {
		err = -errno;
		goto unblock;
	}
	err = add_fd(l, fd, EPOLLIN, 1, on_signal, NULL, NULL);
	if (err) {
		close(fd);
		goto unblock;
	}
	l->sigfd = fd;
	return 0;
unblock:
	/* nobody reads them through a signalfd: let them act as usual */
	sigprocmask(SIG_UNBLOCK, &set, NULL);
	return err;
}

static int add_hook(struct espy_loop_hook *hk, int *n, espy_hook_fn fn,
		    void *ctx)
{
	if (!fn)
		return -EINVAL;
	if (*n >= ESPY_LOOP_MAX_HOOKS)
		return -ENOSPC;
	hk[*n].fn = fn;
	hk[*n].ctx = ctx;
	(*n)++;
	return 0;
}

int espy_loop_on_reload(struct espy_loop *l, espy_hook_fn fn, void *ctx)
{
	return add_hook(l->hup, &l->nhup, fn, ctx);
}

int espy_loop_on_stop(struct espy_loop *l, espy_hook_fn fn, void *ctx)
{
	return add_hook(l->on_stop, &l->nstop, fn, ctx);
}

/* Timers are dispatched by the loop itself: read the expiration count,
 * then call the user's function with it. */
static void fire_timer(struct espy_loop *l, struct espy_loop_handler *h)
{
	uint64_t exp = 0;

	if (read(h->fd, &exp, sizeof(exp)) != sizeof(exp) || !exp)
		return;
	h->tfn(l, exp, h->ctx);
}

int espy_loop_add_timer(struct espy_loop *l, uint64_t first_ns,
			uint64_t interval_ns, espy_timer_fn fn, void *ctx)
{
	struct itimerspec its = { 0 };
	int fd, err;

	if (!fn)
		return -EINVAL;
	if (!first_ns)
		first_ns = 1;	/* 0 would disarm the timer */
	its.it_value.tv_sec = first_ns / 1000000000ULL;
	its.it_value.tv_nsec = first_ns % 1000000000ULL;
	its.it_interval.tv_sec = interval_ns / 1000000000ULL;
	its.it_interval.tv_nsec = interval_ns % 1000000000ULL;
	fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (timerfd_settime(fd, 0, &its, NULL) < 0)
		err = -errno;
	else
		err = add_fd(l, fd, EPOLLIN, 1, NULL, fn, ctx);
	if (err) {
		close(fd);
		return err;
	}
	return fd;
}

void espy_loop_stop(struct espy_loop *l, int status)
{
	if (l->stop)
		return;
	l->stop = 1;
	l->status = status;
}

#define BATCH 32

int espy_loop_run_once(struct espy_loop *l, int timeout_ms)
{
	struct epoll_event evs[BATCH];
	int n, i;

	n = epoll_wait(l->epfd, evs, BATCH, timeout_ms);
	if (n < 0)
		return errno == EINTR ? 0 : -errno;
	for (i = 0; i < n; i++) {
		struct espy_loop_handler *h = evs[i].data.ptr;

		if (h->dead)
			continue;
		if (h->tfn)
			fire_timer(l, h);
		else
			h->fn(l, h->fd, evs[i].events, h->ctx);
	}
	free_list(l->dead);
	l->dead = NULL;
	return n;
}

int espy_loop_run(struct espy_loop *l)
{
	int err;

	while (!l->stop) {
		err = espy_loop_run_once(l, -1);
		if (err < 0) {
			espy_loop_stop(l, err);
			break;
		}
	}
	run_hooks(l, l->on_stop, l->nstop);
	return l->status;
}
