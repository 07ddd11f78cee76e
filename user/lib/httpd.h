/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A minimal HTTP/1.0 server for the Prometheus exposition: GET /metrics
 * (and HEAD), a short index at /, 404/405/400 otherwise; one response per
 * connection, then close.  Non-blocking, bounded: at most
 * ESPY_HTTPD_MAX_CONNS connections, requests up to ESPY_HTTPD_REQ_MAX
 * bytes, and a connection idle for ESPY_HTTPD_TIMEOUT_S seconds is closed.
 *
 * Like the control socket it keeps its own epoll set (with a timerfd for
 * the timeouts): the daemon watches espy_httpd_fd() and calls
 * espy_httpd_dispatch() when it is readable.
 */
#ifndef ESPY_HTTPD_H
#define ESPY_HTTPD_H

#include <stdint.h>
#include "config.h"
#include "metrics.h"

#define ESPY_HTTPD_MAX_CONNS	16
#define ESPY_HTTPD_REQ_MAX	8192
#define ESPY_HTTPD_TIMEOUT_S	10

struct espy_httpd;

/* Renders the body of /metrics into p; returns 0 or -errno. */
typedef int (*espy_httpd_render_fn)(void *ctx, struct espy_prom *p);

/* Bind l (numeric address).  Returns -errno, e.g. -EADDRINUSE. */
int espy_httpd_open(struct espy_httpd **out, const struct espy_listen *l,
		    espy_httpd_render_fn render, void *ctx);
void espy_httpd_close(struct espy_httpd *h);
int espy_httpd_fd(const struct espy_httpd *h);
void espy_httpd_dispatch(struct espy_httpd *h);
/* The bound port (useful with port 0 in tests). */
uint16_t espy_httpd_port(const struct espy_httpd *h);

struct espy_httpd_stats {
	uint64_t requests;
	uint64_t scrapes;	/* 200 on /metrics */
	uint64_t errors;	/* 4xx/5xx answered, timeouts, refused */
	uint64_t timeouts;
};
const struct espy_httpd_stats *espy_httpd_stats(const struct espy_httpd *h);

#endif /* ESPY_HTTPD_H */
