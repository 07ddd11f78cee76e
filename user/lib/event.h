/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The decoded view of one record as it travels through espyd:
 * source -> record_decode() -> proctab -> detection -> outputs.
 * The view points into the raw record; nothing here owns memory except
 * where noted.
 */
#ifndef ESPY_EVENT_H
#define ESPY_EVENT_H

#include <stddef.h>
#include <stdint.h>
#include "espy/abi.h"

struct espy_proc;	/* proctab.h */

/* A string from a record tail: not NUL-terminated. */
struct espy_str {
	const char *p;
	uint32_t len;
};

enum espy_severity {
	ESPY_SEV_NONE = 0,	/* score 0: nothing unusual */
	ESPY_SEV_LOW,
	ESPY_SEV_MEDIUM,
	ESPY_SEV_HIGH,
	ESPY_SEV_CRITICAL,
};

#define ESPY_VERDICT_MAX_TECH		8
#define ESPY_VERDICT_MAX_REASONS	8
#define ESPY_VERDICT_REASON_LEN		160
#define ESPY_VERDICT_MAX_EVIDENCE	16

struct espy_technique {
	const char *id;		/* "T1003.008" (static storage) */
	const char *name;	/* "/etc/passwd and /etc/shadow" */
	const char *tactic;	/* "credential-access" (ATT&CK tactic short name) */
};

/* What detection concluded about one event (filled by the detection engine). */
struct espy_verdict {
	double score;				/* 0..100 */
	enum espy_severity severity;
	int alert;				/* 1: this is an alert (event.kind "alert") */
	int learning;				/* baseline was learning when scored */
	int after_drops;			/* kernel dropped records in this session */
	uint64_t session_id;
	double session_score;
	int ntech;
	struct espy_technique tech[ESPY_VERDICT_MAX_TECH];
	int nreasons;
	char reasons[ESPY_VERDICT_MAX_REASONS][ESPY_VERDICT_REASON_LEN];
	int nevidence;
	uint64_t evidence[ESPY_VERDICT_MAX_EVIDENCE];	/* event ids */
};

struct espy_event {
	const struct espy_hdr *hdr;
	size_t len;
	uint64_t id;			/* event.id: sequence number in this stream */
	int64_t wall_ns;		/* hdr->ts_ns converted to CLOCK_REALTIME */
	/* typed views; exactly one is non-NULL, matching hdr->type */
	const struct espy_exec *exec;
	const struct espy_fork *fork;
	const struct espy_exit *exit;
	const struct espy_priv *priv;
	const struct espy_file *file;
	const struct espy_net *net;
	const struct espy_lost *lost;
	const struct espy_ctrl *ctrl;
	/* tails (len 0 when absent) */
	struct espy_str path, path2, argv, cwd, script, name;
	/* process-table entry of hdr->tgid after this event was applied (may be
	 * NULL when the table is full) and of its parent */
	struct espy_proc *proc;
	/* NULL until the detection engine scores the event */
	struct espy_verdict *verdict;
};

#endif /* ESPY_EVENT_H */
