/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The record path, shared by espyd and offline replay:
 *
 *   raw record -> [raw tap] -> espy_record_decode -> [self filter]
 *     -> proctab update -> [detection stage: fills ev->verdict]
 *     -> ECS JSON line -> every sink
 *
 * Everything that reaches the process table or the outputs goes through
 * espy_pipeline_feed(), including the /proc snapshot (ESPY_EV_PROC) and the
 * drop reports (ESPY_EV_LOST) that espyd synthesises, so that the raw tap
 * (recording) captures the whole stream and a replay rebuilds the same
 * state.  The pipeline reads no clock once a clock offset is set, so a
 * replay with the recorded offset and host writes the same bytes.
 *
 * ESPY_EV_PROC records update the table and go to the detection stage
 * (so that it can seed sessions) but are not written to the sinks unless
 * opts.emit_snapshots is set; then their event.action is "process_snapshot"
 * and event.kind "state".
 *
 * Counters are kept in struct espy_pipeline_stats, which metrics code reads
 * when it is scraped (pull model); single-threaded, no locks.
 */
#ifndef ESPY_PIPELINE_H
#define ESPY_PIPELINE_H

#include <stddef.h>
#include <stdint.h>
#include "espy/abi.h"
#include "event.h"
#include "record.h"
#include "proctab.h"
#include "ecs.h"

struct espy_pipeline;

/* Called with every raw record before it is decoded, good or bad (this is
 * what `espyd --record` writes).  A negative return is counted, not fatal. */
typedef int (*espy_tap_fn)(void *ctx, const void *rec, size_t len);

/* The detection stage: may set ev->verdict (pointing at storage it owns
 * that stays valid until the sinks have run).  A negative return is
 * counted and the event still goes out, unscored. */
typedef int (*espy_detect_fn)(void *ctx, struct espy_event *ev);

/* A sink gets each event with its JSON line: json[len - 1] is '\n' and
 * json[len] is NUL.  A negative return is counted per sink. */
typedef int (*espy_sink_fn)(void *ctx, const struct espy_event *ev,
			    const char *json, size_t len);

#define ESPY_PIPE_MAX_SINKS	8
#define ESPY_SINK_NAME_MAX	32

struct espy_sink_stats {
	char name[ESPY_SINK_NAME_MAX];	/* "" for a free slot */
	uint64_t events;
	uint64_t errors;
	int last_err;
};

struct espy_pipeline_stats {
	uint64_t records;			/* raw records fed */
	uint64_t events;			/* decoded and processed */
	uint64_t by_type[ESPY_EV_MAX];		/* decoded, per record type */
	uint64_t decode_errors;			/* sum of by_reason */
	uint64_t decode_by_reason[ESPY_DEC_NR];
	uint64_t self;				/* espyd's own records, dropped */
	uint64_t proc_errors;			/* process table could not apply */
	uint64_t detect_errors;
	uint64_t encode_errors;			/* JSON could not be built */
	uint64_t tap_errors;
	uint64_t emitted;			/* JSON lines handed to sinks */
	uint64_t lost_reported;			/* sum of LOST records' totals */
	uint64_t lost_by_type[ESPY_EV_MAX];
	struct espy_sink_stats sinks[ESPY_PIPE_MAX_SINKS];
};

struct espy_pipeline_opts {
	struct espy_proctab_opts proctab;
	/* host.name / host.id; NULL: this machine (espy_host_load) */
	const struct espy_host *host;
	/* boot -> wall clock: wall = ts_ns + clock_offset_ns.  When
	 * have_clock_offset is 0 the pipeline measures it at init (and on
	 * espy_pipeline_sync_clock); replay passes the recorded offset. */
	int have_clock_offset;
	int64_t clock_offset_ns;
	/* records of this tgid are counted in stats.self and dropped (the
	 * sensors exclude espyd already; this is the second line) */
	uint32_t self_tgid;
	int emit_snapshots;
	/* user.name / group.name through getpwuid_r (live espyd); replay
	 * leaves it 0 so output does not depend on the replaying host */
	int resolve_names;
};

int espy_pipeline_init(struct espy_pipeline **out,
		       const struct espy_pipeline_opts *opts);
void espy_pipeline_fini(struct espy_pipeline *p);

void espy_pipeline_set_tap(struct espy_pipeline *p, espy_tap_fn fn, void *ctx);
void espy_pipeline_set_detect(struct espy_pipeline *p, espy_detect_fn fn,
			      void *ctx);
/* Returns a sink id >= 0 or -ENOSPC. */
int espy_pipeline_add_sink(struct espy_pipeline *p, const char *name,
			   espy_sink_fn fn, void *ctx);
int espy_pipeline_del_sink(struct espy_pipeline *p, int id);

/*
 * Feed one raw record.  Returns 0 when it was processed, or the negative
 * error for a rejected record (counted; the caller just goes on).
 */
int espy_pipeline_feed(struct espy_pipeline *p, const void *rec, size_t len);
/* espy_record_fn adapter for source drains: never stops the drain. */
int espy_pipeline_record_cb(void *pipeline, const void *rec, size_t len);

/*
 * Encode and fan out an event the detection stage made itself (e.g. an
 * alert that summarises a session).  ev->hdr must be set; ev->id 0 gets the
 * next id.  Not to be called from a sink.
 */
int espy_pipeline_emit(struct espy_pipeline *p, struct espy_event *ev);
uint64_t espy_pipeline_next_id(struct espy_pipeline *p);

/* Snapshot procroot (normally "/proc") through espy_pipeline_feed().
 * Returns the number of processes or -errno. */
int espy_pipeline_snapshot(struct espy_pipeline *p, const char *procroot);

/*
 * Report kernel drops: feeds an ESPY_EV_LOST record carrying delta
 * (records lost per type since the previous report) stamped ts_ns (boot
 * clock).  Does nothing when delta is all zero.
 */
int espy_pipeline_lost(struct espy_pipeline *p,
		       const uint64_t delta[ESPY_EV_MAX], uint64_t ts_ns);

/*
 * Turn a source's cumulative drop counters into the increase since the last
 * reading: delta = cur - seen per type (a counter that went down was reset,
 * so all of cur is new), then seen = cur.  Returns the total increase.
 */
uint64_t espy_drops_delta(uint64_t seen[ESPY_EV_MAX],
			  const uint64_t cur[ESPY_EV_MAX],
			  uint64_t delta[ESPY_EV_MAX]);

/* Re-measure the boot -> wall offset (live only; after clock steps). */
int espy_pipeline_sync_clock(struct espy_pipeline *p);
void espy_pipeline_set_clock_offset(struct espy_pipeline *p, int64_t off_ns);
int64_t espy_pipeline_clock_offset(const struct espy_pipeline *p);

/* Forget cached user/group names (after /etc/passwd changes, SIGHUP). */
void espy_pipeline_flush_names(struct espy_pipeline *p);

const struct espy_pipeline_stats *
espy_pipeline_stats(const struct espy_pipeline *p);
struct espy_proctab *espy_pipeline_procs(struct espy_pipeline *p);
const struct espy_host *espy_pipeline_host(const struct espy_pipeline *p);

#endif /* ESPY_PIPELINE_H */
