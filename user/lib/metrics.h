/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Prometheus metrics, pull model: nothing is pushed or copied while events
 * flow, except what only the event stream knows (scores, alerts, latency),
 * which espy_metrics_sink() folds into counters and histograms.  Everything
 * else is read from the components' own stats structs when scraped.
 *
 * The text is the Prometheus exposition format 0.0.4: every family has
 * HELP and TYPE lines, label values are escaped, histograms have
 * cumulative _bucket{le=...} series with +Inf, _sum and _count.
 */
#ifndef ESPY_METRICS_H
#define ESPY_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include "espy/abi.h"
#include "event.h"

/* ---- the text writer ---------------------------------------------------- */

struct espy_prom {
	char *buf;
	size_t len, cap;
	int err;		/* sticky -ENOMEM */
};

void espy_prom_init(struct espy_prom *p);
void espy_prom_fini(struct espy_prom *p);
void espy_prom_reset(struct espy_prom *p);
/* # HELP and # TYPE lines; type is "counter", "gauge" or "histogram". */
void espy_prom_family(struct espy_prom *p, const char *name, const char *type,
		      const char *help);
/* One sample; the variadic part is label name/value pairs ending in NULL. */
void espy_prom_u64(struct espy_prom *p, const char *name, uint64_t v, ...)
	__attribute__((sentinel));
void espy_prom_f64(struct espy_prom *p, const char *name, double v, ...)
	__attribute__((sentinel));
/* A whole family of one unlabelled sample: HELP, TYPE and the value. */
void espy_prom_counter(struct espy_prom *p, const char *name, const char *help,
		       uint64_t v);
void espy_prom_gauge(struct espy_prom *p, const char *name, const char *help,
		     uint64_t v);

/* ---- histograms ----------------------------------------------------------- */

#define ESPY_HIST_MAX_BUCKETS	16

struct espy_hist {
	int nb;
	double le[ESPY_HIST_MAX_BUCKETS];	/* upper bounds, ascending */
	uint64_t count[ESPY_HIST_MAX_BUCKETS];	/* per bucket, not cumulative */
	uint64_t inf;				/* above the last bound */
	uint64_t n;
	double sum;
};

void espy_hist_init(struct espy_hist *h, const double *le, int nb);
void espy_hist_observe(struct espy_hist *h, double v);
/* The whole family: HELP, TYPE, buckets, _sum, _count. */
void espy_prom_hist(struct espy_prom *p, const char *name, const char *help,
		    const struct espy_hist *h);

/* ---- what the event stream tells ------------------------------------------ */

#define ESPY_METRICS_MAX_TECH	128

struct espy_metrics_alerts {
	const char *technique;	/* static storage (detector tables) */
	int severity;
	uint64_t n;
};

struct espy_metrics_stream {
	uint64_t scored[ESPY_SEV_CRITICAL + 1];	/* events with a verdict */
	uint64_t alerts;
	uint64_t learning;			/* scored while learning */
	uint64_t after_drops;			/* scored after kernel drops */
	int nalerts;
	struct espy_metrics_alerts by_tech[ESPY_METRICS_MAX_TECH];
	uint64_t tech_overflow;			/* pairs beyond the table */
	struct espy_hist score;
	struct espy_hist latency;		/* seconds, kernel event -> alert out */
};

/* ---- the sources read at scrape time -------------------------------------- */

struct espy_pipeline;
struct espy_source;
struct espy_ctl;
struct espy_out_file;
struct espy_out_syslog;

/* Families a component writes itself (detection: espy_metrics_detect). */
typedef void (*espy_metrics_fn)(void *ctx, struct espy_prom *p);

struct espy_metrics {
	struct espy_metrics_stream stream;
	/* any of these may be NULL: its families are then left out */
	struct espy_pipeline *pipeline;
	struct espy_source *source;
	const struct espy_ctl *ctl;
	const struct espy_out_file *log_file;
	const struct espy_out_file *log_stdout;
	const struct espy_out_syslog *log_syslog;
	const char *driver;		/* build_info label */
	/* configuration reloads (SIGHUP), kept by the daemon */
	uint64_t reloads_ok, reloads_failed;
	/* HTTP exposition counters, kept by the server */
	uint64_t scrapes, http_errors;
	int nextra;
	struct { espy_metrics_fn fn; void *ctx; } extra[4];
};

void espy_metrics_init(struct espy_metrics *m);
int espy_metrics_add_extra(struct espy_metrics *m, espy_metrics_fn fn, void *ctx);

/* Pipeline sink: folds scores, alerts and latency into m->stream. */
int espy_metrics_sink(void *m, const struct espy_event *ev, const char *json,
		      size_t len);
/* As the sink, with the time the alert went out (boot clock ns). */
void espy_metrics_observe(struct espy_metrics_stream *s,
			  const struct espy_event *ev, uint64_t now_boot_ns);

/* The whole exposition text into p (reset first). */
int espy_metrics_render(struct espy_metrics *m, struct espy_prom *p);

/*
 * The detection engine's families (an espy_metrics_fn; ctx is the struct
 * espy_detect): learning mode, sessions, baseline size by feature kind,
 * learning and poisoning-guard counts, hops, technique hits, memory.
 */
void espy_metrics_detect(void *detect, struct espy_prom *p);

/* Own process: CPU seconds, resident bytes, start time (for tests too). */
struct espy_self_stats {
	double cpu_seconds;
	uint64_t rss_bytes;
	uint64_t vsize_bytes;
	double start_time;	/* seconds since the epoch */
	uint64_t open_fds;
	uint64_t max_fds;
};
int espy_self_stats(struct espy_self_stats *s);

#endif /* ESPY_METRICS_H */
