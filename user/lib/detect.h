/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The detection engine: the pipeline's detection stage.  For every event
 * it finds the process's session and host, runs the technique detectors,
 * measures how new each of the event's features is against the learned
 * baseline, and fills ev->verdict: a 0-100 score, a severity, the
 * techniques, the reasons, the session's accumulated score and, when a
 * session's chain of tactics crosses the alert threshold, an alert with
 * its evidence.
 *
 * Time is the records' own clock (ev->wall_ns), never the wall clock, and
 * there is no randomness: the same record stream and starting baseline
 * give the same verdicts, byte for byte.  Memory is fixed at creation
 * (struct espy_detect_config); the per-event path does not allocate.
 *
 * Modes: learn (build the baseline; no alerts, verdicts marked learning),
 * detect (alert; the baseline adapts slowly, never from suspicious
 * sessions), auto (learn for learn_period_s of record time from the
 * baseline's first observation, then detect).  A mode chosen at run time
 * (espy_detect_set_mode, e.g. from `espy baseline learn|detect`) is kept in
 * the state file so that it survives a restart in auto mode.
 */
#ifndef ESPY_DETECT_H
#define ESPY_DETECT_H

#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "config.h"
#include "baseline.h"
#include "detectors.h"

struct espy_detect;
struct espy_proctab;

#define ESPY_BASELINE_FILE	"baseline"	/* under the state directory */
#define ESPY_BASELINE_KIND	"baseline"

struct espy_detect_config {
	enum espy_mode mode;
	uint64_t learn_period_s;	/* auto: learn this long (record time) */
	struct espy_bl_params baseline;
	uint32_t max_procs;		/* per-process state slots */
	uint32_t max_sessions;
	uint32_t session_idle_s;	/* idle sessions without processes go */
	uint32_t tactic_half_life_s;	/* session memory of its tactics */
	double detect_rate;		/* baseline weight per event in detect mode */
	double suspicious;		/* sessions/events at or above: never learned */
	double alert_score;		/* session score for a chain alert */
	int chain_min;			/* distinct tactics for a chain alert */
	double tactic_min;		/* a tactic counts in a chain from here */
	double critical_event;		/* one event this high alerts on its own */
	double min_learned;		/* observations before a kind is mature */
	uint32_t fanout_window_s;
	uint32_t fanout_hosts;		/* distinct hosts in a window: a scan */
	uint32_t fanout_ports;		/* distinct ports on one host: a scan */
	uint32_t discovery_window_s;
	uint32_t discovery_burst;	/* distinct discovery techniques: a burst */
	uint64_t exfil_bytes;		/* bytes out of one connection worth a look */
	uint32_t hop_ttl_s;		/* connect <-> accept matching window */
	int explain_alerts_only;	/* reasons for alerts only (replay without
					 * JSON: nobody reads the others) */
};

void espy_detect_config_default(struct espy_detect_config *c);

/* Metrics and `espy status`. */
struct espy_detect_stats {
	uint64_t events;
	uint64_t scored;			/* events with score > 0 */
	uint64_t by_severity[ESPY_SEV_CRITICAL + 1];
	uint64_t alerts;
	uint64_t alerts_by_tech[ESPY_T_NR];
	uint64_t alerts_by_severity[ESPY_SEV_CRITICAL + 1];
	uint64_t hits_by_tech[ESPY_T_NR];
	uint64_t sessions;			/* live */
	uint64_t sessions_max;
	uint64_t sessions_created;
	uint64_t sessions_evicted;		/* idle */
	uint64_t sessions_pushed_out;		/* table full */
	uint64_t procs;				/* per-process states in use */
	uint64_t procs_max;
	uint64_t procs_exhausted;		/* events scored without state */
	uint64_t hops_linked;
	uint64_t lost_records;			/* reported by LOST records */
	uint64_t ctrl_changes;			/* operators' CTRL records applied */
	uint64_t baseline_imports;		/* CTRL: a baseline replaced from a
						 * file (not in the stream) */
	uint64_t learned;			/* events that taught the baseline */
	uint64_t not_learned_suspicious;	/* held back (poisoning guard) */
	uint64_t baseline_entries[ESPY_BL_MAX_KINDS];
	uint64_t baseline_evictions[ESPY_BL_MAX_KINDS];
	size_t memory_bytes;			/* everything allocated at init */
	int learning;				/* effective mode is learn */
	enum espy_mode mode;			/* effective: LEARN or DETECT */
	enum espy_mode configured;		/* AUTO, LEARN or DETECT */
};

int espy_detect_new(struct espy_detect **out, const struct espy_detect_config *c);
void espy_detect_free(struct espy_detect *d);

/*
 * Use the pipeline's process table: per-process state hangs off
 * espy_proc.session and is released through the table's evict hook.
 */
void espy_detect_attach(struct espy_detect *d, struct espy_proctab *t);

/* The stage itself (espy_detect_fn): ctx is the struct espy_detect. */
int espy_detect_event(void *ctx, struct espy_event *ev);
/*
 * A hint for a reader that knows @p's next record is near (replay): start
 * loading its session into the CPU cache.  Changes nothing else.
 */
void espy_detect_prefetch(const struct espy_detect *d,
			  const struct espy_proc *p);
/*
 * The same for a record a few ahead (raw, as read; its process not applied
 * yet): the tables its own fields key (classified paths, sockets).
 */
void espy_detect_prefetch_rec(const struct espy_detect *d, const void *rec,
			      size_t len);

/* Mode control (control socket, `espy baseline learn|detect`). */
int espy_detect_set_mode(struct espy_detect *d, enum espy_mode m);
enum espy_mode espy_detect_mode(const struct espy_detect *d);	/* effective */
enum espy_mode espy_detect_configured_mode(const struct espy_detect *d);

/* Forget the learned baseline (`espy baseline reset` on a live daemon). */
void espy_detect_reset_baseline(struct espy_detect *d);

/*
 * Load state_dir/baseline.  Returns 0 (loaded), -ENOENT (none yet: start
 * empty), or -EBADMSG when the file was damaged or foreign: it has been
 * moved aside (its new name and the reason in msg) and detection starts
 * empty.  read_only: report damage but do not move the file (replay).
 */
int espy_detect_load(struct espy_detect *d, const char *state_dir,
		     int read_only, char *msg, size_t msglen);
/* Write state_dir/baseline atomically (creating state_dir if needed). */
int espy_detect_save(struct espy_detect *d, const char *state_dir);
/* Load a baseline from any file (import) into a running engine. */
int espy_detect_import(struct espy_detect *d, const char *path, char *msg,
		       size_t msglen);

void espy_detect_stats(const struct espy_detect *d,
		       struct espy_detect_stats *st);
const struct espy_baseline *espy_detect_baseline(const struct espy_detect *d);

#endif /* ESPY_DETECT_H */
