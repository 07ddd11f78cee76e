/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Internals of the detection engine shared by its files (session.c,
 * hops.c, detectors.c, score.c, detect.c) and by the unit tests.  Not an
 * interface for anything else: use detect.h.
 */
#ifndef ESPY_DETECT_INT_H
#define ESPY_DETECT_INT_H

#include <stddef.h>
#include <stdint.h>
#include "espy/abi.h"
#include "event.h"
#include "proctab.h"
#include "baseline.h"
#include "detect.h"
#include "detectors.h"
#include "feats.h"
#include "recent.h"

/* ---- per-process state (hangs off espy_proc.session) ---------------- */

#define ESPY_DP_SSH_ODD_KEY	(1U << 0)	/* ssh -i KEY from a writable dir */
#define ESPY_DP_HAS_PEER	(1U << 1)	/* peer below is valid */
#define ESPY_DP_PROG_KNOWN	(1U << 2)	/* prog computed from an exe */

/* The remote end a process serves (from an accept), inherited by children. */
struct espy_peer {
	uint8_t addr[16];
	uint16_t port;
	uint16_t family;
	uint16_t local_port;
	uint16_t _pad;
	uint64_t tuple;			/* 4-tuple hash, for late hop links */
	uint64_t hop_from;		/* session that connected (0: unknown) */
	float hop_score;		/* its score when it connected */
	uint32_t hop_netns;
};

struct espy_dproc {
	uint64_t sess_id;		/* 0: not resolved yet */
	uint32_t sess_idx;
	uint32_t flags;			/* ESPY_DP_* */
	uint64_t prog;			/* program key (feats.h) */
	uint64_t pprog;			/* parent's program key */
	uint64_t exec_ns;		/* proc->exec_ns prog was taken from */
	uint32_t tool;			/* ESPY_TOOL_* of prog */
	int16_t disc_tech;		/* discovery technique of the tool, -1 */
	int16_t _pad;
	struct espy_peer peer;
	struct espy_dproc *next_free;
};

/* ---- sessions -------------------------------------------------------- */

#define ESPY_S_LOGIN		(1U << 0)	/* auid/session id login session */
#define ESPY_S_REMOTE		(1U << 1)	/* has a remote peer */
#define ESPY_S_DROPS		(1U << 2)	/* lived through kernel drops */
#define ESPY_S_HOP		(1U << 3)	/* opened from a linked session */

#define ESPY_SESS_EVIDENCE	16
/* techniques a session teaches the baseline, once each per window */
#define ESPY_SESS_TAUGHT	16
#define ESPY_SESS_TAUGHT_S	3600
#define ESPY_FAN_HOSTS		16
#define ESPY_FAN_PAIRS		32
#define ESPY_DNS_SUBS		32

struct espy_session {
	uint64_t id;			/* 0: free slot */
	uint64_t parent_id;		/* session it was spawned from */
	uint64_t hop_from;		/* session on the other end of a hop */
	uint64_t peer_tuple;
	uint64_t lost_gen;		/* engine's drop generation last seen */
	uint64_t lost_at_start;
	uint32_t first_s, last_s;
	uint32_t netns, mntns;
	uint32_t auid, sessionid;
	uint32_t root_tgid;
	uint32_t nprocs;
	uint32_t flags;			/* ESPY_S_* */
	uint16_t peer_port, peer_family;
	uint8_t peer[16];
	/* tactics, each a decayed maximum of technique scores */
	float tv[ESPY_TA_NR];
	uint32_t tts[ESPY_TA_NR];
	float anom;			/* decayed maximum of feature anomaly */
	uint32_t anom_ts;
	float inherited;		/* suspicion carried over a hop */
	uint32_t inherited_ts;
	float score;
	uint32_t alerted_mask;		/* tactics already in an alert */
	uint64_t tech_alerted;		/* techniques already alerted alone */
	uint32_t nalerts;
	uint32_t nev;
	uint64_t ev_id[ESPY_SESS_EVIDENCE];
	float ev_score[ESPY_SESS_EVIDENCE];
	int16_t ev_tech[ESPY_SESS_EVIDENCE];
	/* fan-out window */
	uint64_t fan_start_ms;
	uint32_t nfan_hosts, nfan_pairs;
	uint32_t fan_host[ESPY_FAN_HOSTS];
	uint32_t fan_pair[ESPY_FAN_PAIRS];
	/* discovery window */
	uint64_t disc_start_ms;
	uint32_t disc_mask;		/* bit per discovery technique */
	uint32_t disc_n;
	/* DNS window: distinct names under one domain */
	uint64_t dns_start_ms;
	uint64_t dns_domain;
	uint32_t ndns;
	uint32_t dns_sub[ESPY_DNS_SUBS];
	/* technique keys (program and lineage) this session has taught the
	 * baseline in the window from taught_s: the baseline counts how many
	 * sessions do a thing, not how often one does (a flood would make
	 * the technique look routine everywhere its lineage runs) */
	uint32_t taught_s;
	uint32_t ntaught;
	uint32_t taught[ESPY_SESS_TAUGHT];
};

/* ---- the engine ------------------------------------------------------ */

#define ESPY_DECAY_TAB		4096

struct espy_detect {
	struct espy_detect_config cfg;
	struct espy_baseline bl;
	struct espy_proctab *pt;

	struct espy_dproc *dprocs;
	struct espy_dproc *dp_free;	/* released, to reuse first */
	uint32_t dp_next;		/* dprocs[dp_next..] never used yet */
	uint32_t dp_used;

	struct espy_session *sess;	/* cfg.max_sessions slots */
	uint32_t *sidx;			/* open addressing: slot + 1, 0 empty */
	uint32_t sidx_mask;
	uint32_t nsess;
	uint32_t *sess_free;		/* stack of free slots */
	uint32_t nfree;
	uint32_t sweep_cursor;
	uint64_t next_sweep_ms;

	struct espy_recent conn;	/* outbound connects by 4-tuple */
	struct espy_recent conn_dst;	/* ... by destination only (no local port) */
	struct espy_recent acc;		/* accepts that came before their connect */
	struct espy_recent links;	/* 4-tuples linked late: for new sessions */
	struct espy_recent socks;	/* socket cookie -> connecting process */
	struct espy_recent files;	/* files written where tools land */

	enum espy_mode cfg_mode;	/* as configured */
	enum espy_mode rt_mode;		/* set at run time; AUTO = none */
	int learning;			/* effective mode of the current event */

	uint64_t now_ms;		/* record clock, monotonic */
	uint32_t now_s;
	uint64_t lost_gen, lost_total;
	uint64_t last_lost_ms;

	/* classified paths by hash: paths repeat, classifying costs */
	struct espy_path_cache *pcache;

	struct espy_verdict v;
	struct espy_detect_stats st;

	/* 2^(-dt / decay_hl) for dt < ESPY_DECAY_TAB seconds: session scores
	 * decay on every event, and exp2() is most of what that costs */
	uint32_t decay_hl;
	double decay_tab[ESPY_DECAY_TAB];
};

/* a busy host opens tens of thousands of distinct paths: 16384 slots
 * (1.8 MB) keep most of the repeats classified */
#define ESPY_PCACHE_SLOTS	16384

struct espy_path_cache {
	uint64_t h;			/* hash of the path, 0: empty */
	struct espy_pathinfo pi;
};

static inline uint32_t espy_popcount(uint64_t x)
{
	/* without -mpopcnt the builtin is a library call, on every event */
	x -= (x >> 1) & 0x5555555555555555ULL;
	x = (x & 0x3333333333333333ULL) + ((x >> 2) & 0x3333333333333333ULL);
	x = (x + (x >> 4)) & 0x0f0f0f0f0f0f0f0fULL;
	return (uint32_t)((x * 0x0101010101010101ULL) >> 56);
}

/* Decay v from then to now with half-life hl (all seconds). */
double espy_decay(double v, uint32_t then, uint32_t now, uint32_t hl);
/* Fill d's table of decay factors for half-life hl. */
void espy_decay_tab_init(struct espy_detect *d, uint32_t hl);

/*
 * espy_decay() to d's now with the tactic half-life, through the table:
 * the same factor, computed once, so the same result to the bit.
 */
static inline double espy_sdecay(const struct espy_detect *d, double v,
				 uint32_t then)
{
	uint32_t now = d->now_s, hl = d->cfg.tactic_half_life_s;

	if (now <= then || v == 0.0 || !hl)
		return v;
	if (hl == d->decay_hl && now - then < ESPY_DECAY_TAB)
		return v * d->decay_tab[now - then];
	return espy_decay(v, then, now, hl);
}

/* session.c */
int espy_sessions_init(struct espy_detect *d);
void espy_sessions_fini(struct espy_detect *d);
struct espy_dproc *espy_dproc_get(struct espy_detect *d, struct espy_proc *p);
void espy_dproc_release(void *ctx, struct espy_proc *p);
void espy_dproc_refresh_prog(struct espy_detect *d, struct espy_proc *p,
			     struct espy_dproc *dp);
struct espy_session *espy_session_find(struct espy_detect *d, uint64_t id);
struct espy_session *espy_session_of(struct espy_detect *d,
				     struct espy_proc *p,
				     struct espy_dproc *dp,
				     const struct espy_hdr *h, int *created);
/* dp's session as it stands (no resolution), or NULL. */
struct espy_session *espy_session_current(struct espy_detect *d,
					  const struct espy_dproc *dp);
void espy_session_sweep(struct espy_detect *d);
/* Tactic value now (decayed). */
double espy_session_tactic(const struct espy_detect *d,
			   const struct espy_session *s, int ta);
/* Mask of tactics at or above cfg.tactic_min now. */
uint32_t espy_session_chain(const struct espy_detect *d,
			    const struct espy_session *s);
/* Recompute s->score from tactics, anomaly and inheritance; the chain
 * (espy_session_chain()) in *chain when not NULL. */
double espy_session_rescore(struct espy_detect *d, struct espy_session *s,
			    uint32_t *chain);
void espy_session_add_evidence(struct espy_session *s, uint64_t id,
			       double score, int tech);
/* Carry suspicion from src (may be NULL: score only) into s. */
void espy_session_inherit(struct espy_detect *d, struct espy_session *s,
			  const struct espy_session *src, double score);

/* hops.c */
uint64_t espy_hop_tuple(uint16_t family, const uint8_t *src, uint16_t sport,
			const uint8_t *dst, uint16_t dport);
/* An outbound connect by a process of session s. */
void espy_hop_connect(struct espy_detect *d, const struct espy_net *n,
		      struct espy_session *s);
/*
 * An accept by dp's process: sets dp->peer (remote end, and the session
 * that connected when the connect is known).  Returns 1 when linked.
 */
int espy_hop_accept(struct espy_detect *d, const struct espy_net *n,
		    struct espy_proc *p, struct espy_dproc *dp);
/* Start loading the tables a connect or accept will look in (a hint). */
void espy_hop_prefetch(const struct espy_detect *d, const struct espy_net *n);
/* A peer whose connect came after its accept: fill in the link now. */
void espy_hop_resolve(struct espy_detect *d, struct espy_peer *peer);

/* detectors.c: what one event shows, given its context. */
struct espy_dctx {
	struct espy_detect *d;
	const struct espy_event *ev;
	struct espy_proc *proc;
	struct espy_dproc *dp;
	struct espy_session *sess;
	uint32_t tool;			/* ESPY_TOOL_* of the process's program */
	struct espy_pathinfo pi;	/* file events: path */
	struct espy_pathinfo pi2;	/* rename/link destination */
	int write;			/* file event that writes or changes path */
	enum espy_dst_class dst;	/* network events: remote class */
};

void espy_detectors_run(struct espy_dctx *c, struct espy_hits *hs);

/* ---- one event on its way through the stage (detect.c and helpers) ---- */

#define ESPY_FOBS_MAX	8

/* A feature observation of the event, and what the baseline said of it. */
struct espy_fobs {
	int kind;
	uint64_t key;
	struct espy_bl_obs o;
	double novelty;
	double contrib;
	/* what the label needs */
	uint32_t n1, n2;
	uint64_t x;
};

struct espy_evstate {
	struct espy_dctx c;
	struct espy_hits hits;
	double ts[ESPY_MAX_HITS];	/* technique scores after damping */
	double tcount[ESPY_MAX_HITS];
	struct espy_bl_obs tobs[ESPY_MAX_HITS][2];	/* program, lineage */
	uint8_t teach[ESPY_MAX_HITS][2];	/* may add to tobs' keys */
	struct espy_fobs f[ESPY_FOBS_MAX];
	int nf;
	int created;			/* the event opened its session */
};

/* what a file event does to its path (a feature of its own) */
enum { ESPY_FOP_READ, ESPY_FOP_WRITE, ESPY_FOP_DELETE, ESPY_FOP_META,
       ESPY_FOP_RENAME };

static inline unsigned int espy_log2_bucket(uint64_t v)
{
	return v ? 64 - __builtin_clzll(v) : 0;
}

void espy_ev_add_feat(struct espy_evstate *es, int kind, uint64_t key,
		      uint32_t n1, uint32_t n2, uint64_t x);

/* trackers.c: detectors that need memory across events */
void espy_ev_classify(struct espy_detect *d, const char *p, size_t n,
		      struct espy_pathinfo *pi);
void espy_sock_note(struct espy_detect *d, const struct espy_net *n,
		    const struct espy_proc *p);
struct espy_proc *espy_sock_owner(struct espy_detect *d,
				  const struct espy_net *n);
void espy_track_written(struct espy_detect *d, struct espy_evstate *es);
void espy_track_exec(struct espy_detect *d, struct espy_evstate *es);
void espy_track_fanout(struct espy_detect *d, struct espy_evstate *es);
void espy_track_dns(struct espy_detect *d, struct espy_evstate *es);
void espy_track_discovery(struct espy_detect *d, struct espy_evstate *es);
void espy_track_exfil(struct espy_detect *d, struct espy_evstate *es);

/* Why an event is an alert. */
enum {
	ESPY_ALERT_NONE,
	ESPY_ALERT_CHAIN,	/* the session's chain reached a new tactic */
	ESPY_ALERT_CRITICAL,	/* the event alone scores critical */
	ESPY_ALERT_GROWS,	/* a new technique joins an alerting chain */
};

/* explain.c: reasons, techniques and evidence of a verdict */
int espy_add_reason(struct espy_verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void espy_explain(struct espy_detect *d, struct espy_evstate *es,
		  struct espy_verdict *v, uint32_t chain, int alert_kind);
void espy_fill_techs(struct espy_verdict *v, struct espy_evstate *es,
		     const struct espy_session *s, int alert);
void espy_fill_evidence(struct espy_verdict *v, const struct espy_session *s,
			uint64_t self);

#endif /* ESPY_DETECT_INT_H */
