/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Offline scoring of a recording: the recorded records go through the same
 * pipeline and detection engine as in espyd, with the recorded clock
 * offset and host identity, so that a replay is deterministic (same file,
 * same starting baseline, same options: the same bytes out) and, from the
 * same starting baseline and mode, scores as the live daemon did.
 */
#ifndef ESPY_REPLAY_H
#define ESPY_REPLAY_H

#include <stdint.h>
#include <stdio.h>
#include "config.h"
#include "detect.h"
#include "recording.h"

struct espy_replay_opts {
	const char *path;
	const char *baseline_dir;	/* NULL: start from an empty baseline */
	enum espy_mode mode;		/* default LEARN/DETECT/AUTO as given */
	uint64_t learn_period_s;	/* auto mode; 0: the default */
	int json;			/* every event as ECS JSON (else alerts) */
	double min_score;		/* JSON: only events scoring this much */
	FILE *out;
	const char *save_dir;		/* write the resulting baseline here */
	uint32_t max_procs;		/* process table and state; 0: default */
	uint32_t max_sessions;		/* 0: default */
	int explain_all;		/* reasons for every scored event, also
					 * without JSON (else alerts only) */
	/* thresholds, rates and sizes (e.g. from an espyd configuration);
	 * NULL: the defaults.  The fields above override it when set. */
	const struct espy_detect_config *detect;
};

struct espy_replay_result {
	struct espy_rec_info info;
	uint64_t records;		/* read from the file */
	uint64_t events;		/* decoded and scored */
	uint64_t malformed;		/* rejected by the decoder */
	uint64_t alerts;
	uint64_t by_severity[ESPY_SEV_CRITICAL + 1];
	int damaged;			/* the file was damaged: see damage */
	struct espy_rec_damage damage;
	char baseline_msg[512];		/* why the baseline was not used */
	uint64_t ctrl_changes;		/* operators' run-time changes replayed */
	uint64_t baseline_imports;	/* baselines imported at run time: their
					 * contents are not in the recording */
};

/*
 * Replay o->path.  Returns 0 (also for a damaged file: r->damaged says),
 * or -errno when it could not run at all (message in err).
 */
int espy_replay_run(const struct espy_replay_opts *o,
		    struct espy_replay_result *r, char *err, size_t errlen);

/* One line for an alert in the readable form (no newline). */
int espy_replay_alert_line(const struct espy_event *ev, const char *host,
			   char *buf, size_t len);

#endif /* ESPY_REPLAY_H */
