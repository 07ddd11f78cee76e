/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sessions and per-process detection state.
 *
 * A process belongs to a login session when it carries an audit login uid
 * and session id, otherwise to the service session of its process tree: a
 * child stays in its parent's session, except that children of pid 1 or of
 * a service manager (cron, atd ...) root a new one.  A session also has
 * one host, the (network, mount) namespace pair: a process that moves to
 * another host starts a new session there, which inherits the old one's
 * suspicion like a hop does.
 *
 * Per-process state comes from a fixed pool and hangs off the process
 * table entry; the table's evict hook returns it.  Sessions live in a
 * fixed array indexed by an open-addressed hash of their id; idle ones
 * without processes are swept out in small steps of record time.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bigalloc.h"
#include "detect_int.h"
#include "hash64.h"

#define SWEEP_STEP_MS	10000
#define SWEEP_SLOTS	256
#define PUSH_SAMPLE	32

double espy_decay(double v, uint32_t then, uint32_t now, uint32_t hl)
{
	if (now <= then || v == 0.0 || !hl)
		return v;
	return v * exp2(-(double)(now - then) / hl);
}

void espy_decay_tab_init(struct espy_detect *d, uint32_t hl)
{
	uint32_t dt;

	d->decay_hl = hl;
	/* exactly espy_decay()'s factor, so that using it changes nothing */
	for (dt = 0; dt < ESPY_DECAY_TAB && hl; dt++)
		d->decay_tab[dt] = exp2(-(double)dt / hl);
}

static inline uint32_t sidx_home(const struct espy_detect *d, uint64_t id)
{
	return (uint32_t)espy_mix64(id) & d->sidx_mask;
}

int espy_sessions_init(struct espy_detect *d)
{
	uint32_t n = d->cfg.max_sessions, cap = 16, i;

	while (cap < 2 * n)
		cap <<= 1;
	d->sess = espy_big_calloc(n, sizeof(*d->sess));
	d->sidx = calloc(cap, sizeof(*d->sidx));
	d->sess_free = calloc(n, sizeof(*d->sess_free));
	d->dprocs = espy_big_calloc(d->cfg.max_procs, sizeof(*d->dprocs));
	if (!d->sess || !d->sidx || !d->sess_free || !d->dprocs)
		return -ENOMEM;
	d->sidx_mask = cap - 1;
	/* pop order: slot 0 first */
	for (i = 0; i < n; i++)
		d->sess_free[i] = n - 1 - i;
	d->nfree = n;
	/* dprocs are handed out in order as first needed (d->dp_next), so
	 * that the pool's pages are touched only as far as it is used */
	d->dp_free = NULL;
	d->dp_next = 0;
	return 0;
}

void espy_sessions_fini(struct espy_detect *d)
{
	espy_big_free(d->sess, d->cfg.max_sessions, sizeof(*d->sess));
	free(d->sidx);
	free(d->sess_free);
	espy_big_free(d->dprocs, d->cfg.max_procs, sizeof(*d->dprocs));
	d->sess = NULL;
	d->sidx = NULL;
	d->sess_free = NULL;
	d->dprocs = NULL;
}

struct espy_session *espy_session_find(struct espy_detect *d, uint64_t id)
{
	uint32_t i = sidx_home(d, id);

	if (!id)
		return NULL;
	while (d->sidx[i]) {
		struct espy_session *s = &d->sess[d->sidx[i] - 1];

		if (s->id == id)
			return s;
		i = (i + 1) & d->sidx_mask;
	}
	return NULL;
}

static void sidx_delete(struct espy_detect *d, uint64_t id)
{
	uint32_t i = sidx_home(d, id), j, k;

	while (d->sidx[i] && d->sess[d->sidx[i] - 1].id != id)
		i = (i + 1) & d->sidx_mask;
	if (!d->sidx[i])
		return;
	d->sidx[i] = 0;
	/* backward shift: keep every later key reachable from its home */
	j = i;
	for (;;) {
		j = (j + 1) & d->sidx_mask;
		if (!d->sidx[j])
			break;
		k = sidx_home(d, d->sess[d->sidx[j] - 1].id);
		if (i <= j ? (i < k && k <= j) : (i < k || k <= j))
			continue;
		d->sidx[i] = d->sidx[j];
		d->sidx[j] = 0;
		i = j;
	}
}

static void session_free(struct espy_detect *d, struct espy_session *s)
{
	sidx_delete(d, s->id);
	memset(s, 0, sizeof(*s));
	d->sess_free[d->nfree++] = (uint32_t)(s - d->sess);
	d->nsess--;
}

static int idle(const struct espy_detect *d, const struct espy_session *s,
		uint32_t factor)
{
	return s->last_s + (uint64_t)d->cfg.session_idle_s * factor < d->now_s;
}

void espy_session_sweep(struct espy_detect *d)
{
	uint32_t i, n = d->cfg.max_sessions;

	if (d->now_ms < d->next_sweep_ms)
		return;
	d->next_sweep_ms = d->now_ms + SWEEP_STEP_MS;
	for (i = 0; i < SWEEP_SLOTS && i < n; i++) {
		struct espy_session *s = &d->sess[d->sweep_cursor];

		d->sweep_cursor = (d->sweep_cursor + 1) % n;
		/* a session whose processes all went is forgotten when idle;
		 * one that still counts processes (their exits lost) later */
		if (s->id && ((!s->nprocs && idle(d, s, 1)) || idle(d, s, 8))) {
			session_free(d, s);
			d->st.sessions_evicted++;
		}
	}
}

/* The table is full: push out the least recently active of a sample. */
static void push_out(struct espy_detect *d)
{
	uint32_t i, n = d->cfg.max_sessions;
	struct espy_session *v = NULL;

	for (i = 0; i < PUSH_SAMPLE && i < n; i++) {
		struct espy_session *s = &d->sess[d->sweep_cursor];

		d->sweep_cursor = (d->sweep_cursor + 1) % n;
		if (!s->id)
			continue;
		if (!v || (s->nprocs == 0) > (v->nprocs == 0) ||
		    ((s->nprocs == 0) == (v->nprocs == 0) &&
		     s->last_s < v->last_s))
			v = s;
	}
	if (!v)
		v = &d->sess[0];
	session_free(d, v);
	d->st.sessions_pushed_out++;
}

static struct espy_session *session_new(struct espy_detect *d, uint64_t id,
					const struct espy_hdr *h)
{
	struct espy_session *s;
	uint32_t slot, i;

	if (!d->nfree)
		push_out(d);
	slot = d->sess_free[--d->nfree];
	s = &d->sess[slot];
	memset(s, 0, sizeof(*s));
	s->id = id;
	s->first_s = s->last_s = d->now_s;
	s->netns = h->netns;
	s->mntns = h->mntns;
	s->auid = h->auid;
	s->sessionid = h->sessionid;
	s->root_tgid = h->tgid;
	s->lost_gen = d->lost_gen;
	s->lost_at_start = d->lost_total;
	i = sidx_home(d, id);
	while (d->sidx[i])
		i = (i + 1) & d->sidx_mask;
	d->sidx[i] = slot + 1;
	d->nsess++;
	d->st.sessions_created++;
	return s;
}

/* ---- per-process state ------------------------------------------------ */

static struct espy_session *dp_session(struct espy_detect *d,
				       const struct espy_dproc *dp)
{
	struct espy_session *s;

	if (!dp->sess_id)
		return NULL;
	s = &d->sess[dp->sess_idx];
	if (s->id == dp->sess_id)
		return s;
	return NULL;
}

struct espy_session *espy_session_current(struct espy_detect *d,
					  const struct espy_dproc *dp)
{
	return dp_session(d, dp);
}

static void dp_attach(struct espy_detect *d, struct espy_dproc *dp,
		      struct espy_session *s)
{
	struct espy_session *old = dp_session(d, dp);

	if (old == s)
		return;
	if (old && old->nprocs)
		old->nprocs--;
	dp->sess_id = s ? s->id : 0;
	dp->sess_idx = s ? (uint32_t)(s - d->sess) : 0;
	if (s)
		s->nprocs++;
}

void espy_dproc_release(void *ctx, struct espy_proc *p)
{
	struct espy_detect *d = ctx;
	struct espy_dproc *dp = p->session;

	if (!dp)
		return;
	dp_attach(d, dp, NULL);
	memset(dp, 0, sizeof(*dp));
	dp->next_free = d->dp_free;
	d->dp_free = dp;
	d->dp_used--;
	p->session = NULL;
}

static void set_prog(struct espy_dproc *dp, const char *path, size_t len,
		     const char *argv, size_t argvlen)
{
	const struct espy_tool *t;
	const char *b;
	size_t bl;

	dp->prog = espy_program_key(path, len, NULL, 0);
	b = espy_basename(path, len, &bl);
	/* busybox and friends: the applet is argv[0] */
	if (bl == 7 && !memcmp(b, "busybox", 7) && argv &&
	    espy_argv_nth(argv, argvlen, 0, &b, &bl) == 0)
		b = espy_basename(b, bl, &bl);
	t = espy_tool_lookup(b, bl);
	dp->tool = t ? t->flags : 0;
	dp->disc_tech = t ? t->tech : -1;
	dp->flags |= ESPY_DP_PROG_KNOWN;
}

void espy_dproc_refresh_prog(struct espy_detect *d, struct espy_proc *p,
			     struct espy_dproc *dp)
{
	if (!p->exe)
		return;
	set_prog(dp, p->exe, p->exe_len, p->argv, p->argv_len);
	dp->exec_ns = p->exec_ns;
}

/* A parent whose children start sessions of their own. */
static int session_root_parent(const struct espy_proc *pp,
			       const struct espy_dproc *pdp)
{
	return pp->tgid <= 2 || (pdp && (pdp->tool & ESPY_TOOL_SERVICE_MGR));
}

struct espy_dproc *espy_dproc_get(struct espy_detect *d, struct espy_proc *p)
{
	struct espy_dproc *dp = p->session, *pdp = NULL;
	struct espy_proc *pp;

	if (dp)
		return dp;
	if (d->dp_free) {
		dp = d->dp_free;
		d->dp_free = dp->next_free;
	} else if (d->dp_next < d->cfg.max_procs) {
		dp = &d->dprocs[d->dp_next++];
	} else {
		d->st.procs_exhausted++;
		return NULL;
	}
	memset(dp, 0, sizeof(*dp));
	dp->disc_tech = -1;
	d->dp_used++;
	p->session = dp;

	pp = d->pt ? espy_proctab_parent(d->pt, p) : NULL;
	if (pp && pp->session)
		pdp = pp->session;
	if (pdp) {
		dp->pprog = pdp->prog;
		if (pdp->flags & ESPY_DP_HAS_PEER) {
			dp->peer = pdp->peer;
			dp->flags |= ESPY_DP_HAS_PEER;
		}
		if (!session_root_parent(pp, pdp))
			dp_attach(d, dp, dp_session(d, pdp));
	} else if (pp && pp->exe) {
		dp->pprog = espy_program_key(pp->exe, pp->exe_len, NULL, 0);
	}
	if (p->exe && (p->flags & (ESPY_PROC_EXECED | ESPY_PROC_FROM_PROC))) {
		espy_dproc_refresh_prog(d, p, dp);
	} else if (pdp && (pdp->flags & ESPY_DP_PROG_KNOWN)) {
		/* a forked child runs its parent's image until it execs */
		dp->prog = pdp->prog;
		dp->tool = pdp->tool;
		dp->disc_tech = -1;
		dp->flags |= ESPY_DP_PROG_KNOWN;
		dp->exec_ns = p->exec_ns;
		dp->pprog = pdp->prog;
	} else if (p->exe) {
		espy_dproc_refresh_prog(d, p, dp);
	} else {
		dp->prog = espy_hash_bytes(p->comm, strnlen(p->comm,
					   ESPY_COMM_LEN), 0x434f4d4dULL);
	}
	return dp;
}

/* ---- session resolution ---------------------------------------------- */

static int login_hdr(const struct espy_hdr *h)
{
	return h->auid != (uint32_t)-1 && h->sessionid != (uint32_t)-1 &&
	       h->sessionid != 0;
}

static int session_fits(const struct espy_session *s,
			const struct espy_hdr *h, int login)
{
	if (s->netns != h->netns || s->mntns != h->mntns)
		return 0;
	if (login)
		return (s->flags & ESPY_S_LOGIN) && s->sessionid == h->sessionid;
	return !(s->flags & ESPY_S_LOGIN);
}

struct espy_session *espy_session_of(struct espy_detect *d,
				     struct espy_proc *p,
				     struct espy_dproc *dp,
				     const struct espy_hdr *h, int *created)
{
	struct espy_session *s = dp_session(d, dp), *from = s, *src;
	int login = login_hdr(h);
	uint64_t id;

	*created = 0;
	if (s && session_fits(s, h, login))
		goto touch;
	if (login)
		id = espy_hash_pair(espy_hash_u64(0x4c4f47494eULL ^ h->sessionid),
				    ((uint64_t)h->netns << 32) | h->mntns);
	else
		id = espy_hash_pair(espy_hash_u64(((uint64_t)p->tgid << 32) ^
						   (p->start_ns / ESPY_TICK_NS)),
				    ((uint64_t)h->netns << 32) | h->mntns);
	if (!id)
		id = 1;
	s = espy_session_find(d, id);
	if (!s) {
		s = session_new(d, id, h);
		*created = 1;
		if (login)
			s->flags |= ESPY_S_LOGIN;
		if (from)
			s->parent_id = from->id;
		/* the remote end this process serves opens the session */
		if (dp->flags & ESPY_DP_HAS_PEER) {
			espy_hop_resolve(d, &dp->peer);
			memcpy(s->peer, dp->peer.addr, 16);
			s->peer_port = dp->peer.port;
			s->peer_family = dp->peer.family;
			s->peer_tuple = dp->peer.tuple;
			s->flags |= ESPY_S_REMOTE;
			if (dp->peer.hop_from) {
				src = espy_session_find(d, dp->peer.hop_from);
				espy_session_inherit(d, s, src,
						     src ? src->score
							 : dp->peer.hop_score);
				s->hop_from = dp->peer.hop_from;
			}
		}
		/* moving to another host is a hop of its own */
		if (from && (from->netns != h->netns || from->mntns != h->mntns))
			espy_session_inherit(d, s, from, from->score);
	}
	dp_attach(d, dp, s);
touch:
	if (d->now_s > s->last_s)
		s->last_s = d->now_s;
	if (s->lost_gen != d->lost_gen) {
		/* records were lost while this session was live */
		s->flags |= ESPY_S_DROPS;
		s->lost_gen = d->lost_gen;
	}
	return s;
}

/* ---- tactics, chain, score ------------------------------------------- */

double espy_session_tactic(const struct espy_detect *d,
			   const struct espy_session *s, int ta)
{
	return espy_sdecay(d, s->tv[ta], s->tts[ta]);
}

uint32_t espy_session_chain(const struct espy_detect *d,
			    const struct espy_session *s)
{
	uint32_t m = 0;
	int t;

	for (t = 0; t < ESPY_TA_NR; t++)
		if (s->tv[t] >= d->cfg.tactic_min &&
		    espy_session_tactic(d, s, t) >= d->cfg.tactic_min)
			m |= 1U << t;
	return m;
}

double espy_session_rescore(struct espy_detect *d, struct espy_session *s,
			    uint32_t *chain)
{
	double keep = 1.0, sc, inh;
	uint32_t k, m = 0;
	int t;

	for (t = 0; t < ESPY_TA_NR; t++) {
		double v;

		/* a tactic never reached leaves keep as it is (v is 0) */
		if (s->tv[t] == 0) {
			if (0 >= d->cfg.tactic_min)
				m |= 1U << t;
			continue;
		}
		v = espy_session_tactic(d, s, t);
		keep *= 1.0 - 0.75 * v / 100.0;
		/* espy_session_chain(), from the same decayed value */
		if (s->tv[t] >= d->cfg.tactic_min && v >= d->cfg.tactic_min)
			m |= 1U << t;
	}
	sc = 100.0 * (1.0 - keep);
	sc = 100.0 - (100.0 - sc) *
	     (1.0 - 0.3 * espy_sdecay(d, s->anom, s->anom_ts) / 100.0);
	/* a chain across tactics is worth far more than its parts */
	k = espy_popcount(m);
	if (chain)
		*chain = m;
	if (k >= 2)
		sc += (100.0 - sc) * fmin(1.0, 0.15 * (k - 1));
	inh = espy_sdecay(d, s->inherited, s->inherited_ts);
	if (inh > sc)
		sc = inh;
	if (sc > 100)
		sc = 100;
	s->score = (float)sc;
	return sc;
}

void espy_session_add_evidence(struct espy_session *s, uint64_t id,
			       double score, int tech)
{
	uint32_t i, lo = 0;

	for (i = 0; i < s->nev; i++)
		if (s->ev_id[i] == id)
			return;
	if (s->nev < ESPY_SESS_EVIDENCE) {
		i = s->nev++;
	} else {
		for (i = 1; i < ESPY_SESS_EVIDENCE; i++)
			if (s->ev_score[i] < s->ev_score[lo])
				lo = i;
		if (s->ev_score[lo] >= score)
			return;
		i = lo;
	}
	s->ev_id[i] = id;
	s->ev_score[i] = (float)score;
	s->ev_tech[i] = (int16_t)tech;
}

void espy_session_inherit(struct espy_detect *d, struct espy_session *s,
			  const struct espy_session *src, double score)
{
	double inh = espy_sdecay(d, s->inherited, s->inherited_ts);
	uint32_t i;
	int t;

	if (0.9 * score > inh) {
		s->inherited = (float)(0.9 * score);
		s->inherited_ts = d->now_s;
	}
	s->flags |= ESPY_S_HOP;
	if (!src)
		return;
	s->hop_from = src->id;
	for (t = 0; t < ESPY_TA_NR; t++) {
		double v = 0.9 * espy_session_tactic(d, src, t);

		if (v > espy_session_tactic(d, s, t)) {
			s->tv[t] = (float)v;
			s->tts[t] = d->now_s;
		}
	}
	for (i = 0; i < src->nev; i++)
		espy_session_add_evidence(s, src->ev_id[i], src->ev_score[i],
					  src->ev_tech[i]);
	if (src->flags & ESPY_S_DROPS)
		s->flags |= ESPY_S_DROPS;
}
