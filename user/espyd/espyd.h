/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * espyd's daemon-only glue: the state main() sets up and tears down, shared
 * by the few files that wire the library together.
 */
#ifndef ESPYD_H
#define ESPYD_H

#include <stdint.h>
#include "espy/abi.h"
#include "config.h"
#include "loop.h"
#include "output.h"
#include "pipeline.h"
#include "source.h"

#define ESPYD_DRAIN_MS		100	/* read latency bound with batched wakeups */
#define ESPYD_DROPS_MS		1000	/* how often kernel drop counters are read */
#define ESPYD_MAX_HOOKS		128
#define ESPYD_CTL_FLUSH_MS	1000	/* at stop: for tail clients to take the rest */

struct espyd_opts {
	int foreground;
	const char *events;		/* --events FILE|- (NULL: none) */
	enum espy_driver driver;
	uint32_t drain_ms;
	/* ops.c: the operator surface */
	const char *config;		/* -c FILE (default /etc/espy/espy.conf) */
	int config_given;		/* -c given: the file must exist */
	const char *metrics;		/* --metrics ADDR:PORT overrides the file */
	int driver_set;			/* --driver given: overrides the file */
	int check_config, print_config;
	/* detection.c */
	const char *record;		/* --record FILE */
	const char *mode;		/* --mode: overrides detection.mode */
	const char *state_dir;		/* --state-dir: overrides daemon.state_dir */
};

struct espyd_ops;
struct espyd_det;

struct espyd {
	struct espyd_opts o;
	struct espy_loop loop;
	struct espy_pipeline *pipe;
	struct espy_source src;
	int have_src;
	struct espy_out_file *events;
	int events_sink;
	uint64_t drops_seen[ESPY_EV_MAX];	/* cumulative, as last read */
	uint64_t drops_total;
	uint64_t drains;
	uint64_t ticks;				/* seconds of the drops timer */
	uint64_t drain_errors;			/* failed reads from the source */
	int drain_err;				/* last one, 0 after a good read */
	int drops_err;				/* last failed drop-count read */
	int hooks_attached, hooks_total;
	int detach_fd;				/* detach.c: verdict pipe */
	struct espy_config cfg;			/* in force (ops.c) */
	struct espyd_ops *ops;
	struct espyd_det *det;			/* detection.c */
};

/* driver.c: open the source the options ask for; on failure print why. */
int espyd_source_open(struct espyd *d);
void espyd_source_close(struct espyd *d);

/* detach.c: without -f, fork before anything records our pid; the parent
 * exits with the status espyd_detach_done() reports once started. */
int espyd_detach_begin(struct espyd *d);
void espyd_detach_done(struct espyd *d, int err);

/* stream.c: wire the source, timers and outputs into the loop. */
int espyd_stream_start(struct espyd *d);
/* Read all waiting records and new drop counts (also at shutdown). */
void espyd_stream_drain(struct espyd *d);
void espyd_stream_report(struct espyd *d, const char *why);

/*
 * ops.c: configuration, configured outputs, control socket, metrics.
 * espyd_config_load() before anything else (an invalid file stops espyd);
 * espyd_ops_start() once the pipeline and source run; stop in reverse.
 */
int espyd_config_load(struct espyd *d);
int espyd_config_overrides(struct espyd *d, struct espy_config *c);
int espyd_ops_start(struct espyd *d);
void espyd_ops_stop(struct espyd *d);
/* Write out what the configured outputs buffered (after each drain). */
void espyd_ops_flush(struct espyd *d);
struct espy_detect;
/* Detection wired in: its state in `espy status` and in the metrics. */
int espyd_ops_set_detect(struct espyd *d, struct espy_detect *det);
struct espy_ctl *espyd_ctl(struct espyd *d);		/* NULL: no socket */

/*
 * detection.c: the detection stage and its state directory, and --record.
 * Start right after the pipeline (before the first record is fed, so the
 * recording and the sessions see the /proc snapshot); register the
 * control command once ops run; stop (saving the baseline) before the
 * pipeline goes.
 */
int espyd_detection_start(struct espyd *d);
int espyd_detection_ops(struct espyd *d);
void espyd_detection_stop(struct espyd *d);
struct espy_metrics *espyd_metrics(struct espyd *d);

#endif /* ESPYD_H */
