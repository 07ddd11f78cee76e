/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The detection stage: one event in, one verdict out.  See detect.h.
 *
 * Per event: resolve process state and session; run the detectors; add
 * the stateful ones (tool transfer then execution, fan-out, discovery
 * bursts, DNS names per domain, bytes out); look each feature up in the
 * baseline; damp or raise each technique by what the baseline saw of it;
 * combine; update the session's tactics; decide on an alert; teach the
 * baseline (fully in learn mode, slowly and never from suspicious sessions
 * in detect mode); explain.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bigalloc.h"
#include "detect_int.h"
#include "score.h"
#include "hash64.h"
#include "statefile.h"
#include "fileio.h"

void espy_detect_config_default(struct espy_detect_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = ESPY_MODE_AUTO;
	c->learn_period_s = 7 * 24 * 3600;
	espy_bl_params_default(&c->baseline);
	c->max_procs = 32768;
	c->max_sessions = 8192;
	c->session_idle_s = 3600;
	c->tactic_half_life_s = 3600;
	c->detect_rate = 0.05;
	c->suspicious = 40;
	c->alert_score = 60;
	c->chain_min = 3;
	c->tactic_min = 20;
	c->critical_event = 90;
	c->min_learned = 200;
	c->fanout_window_s = 60;
	c->fanout_hosts = 10;
	c->fanout_ports = 15;
	c->discovery_window_s = 300;
	c->discovery_burst = 4;
	c->exfil_bytes = 1 << 20;
	c->hop_ttl_s = 120;
}

int espy_detect_new(struct espy_detect **out, const struct espy_detect_config *c)
{
	struct espy_detect_config def;
	struct espy_detect *d;
	uint64_t ttl;
	int ret;

	if (!c) {
		espy_detect_config_default(&def);
		c = &def;
	}
	if (!c->max_sessions || !c->max_procs || c->chain_min < 1 ||
	    c->fanout_hosts > ESPY_FAN_HOSTS || c->fanout_ports > ESPY_FAN_PAIRS)
		return -EINVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	d->cfg = *c;
	d->cfg_mode = c->mode;
	d->rt_mode = ESPY_MODE_AUTO;
	ttl = (uint64_t)c->hop_ttl_s * 1000;
	ret = espy_bl_init(&d->bl, ESPY_FEAT_NR, espy_feat_names, &c->baseline);
	if (ret)
		goto free_d;
	ret = espy_sessions_init(d);
	if (ret)
		goto fini_sessions;
	espy_decay_tab_init(d, c->tactic_half_life_s);
	d->pcache = espy_big_calloc(ESPY_PCACHE_SLOTS, sizeof(*d->pcache));
	if (!d->pcache) {
		ret = -ENOMEM;
		goto fini_sessions;
	}
	ret = espy_recent_init(&d->conn, 4096, ttl);
	if (!ret)
		ret = espy_recent_init(&d->conn_dst, 1024, 5000);
	if (!ret)
		ret = espy_recent_init(&d->acc, 1024, ttl);
	if (!ret)
		ret = espy_recent_init(&d->links, 1024, ttl);
	if (!ret)
		ret = espy_recent_init(&d->socks, 8192, 24ULL * 3600 * 1000);
	if (!ret)
		ret = espy_recent_init(&d->files, 8192, 24ULL * 3600 * 1000);
	if (ret)
		goto fini_recent;
	*out = d;
	return 0;
fini_recent:
	espy_recent_fini(&d->socks);
	espy_recent_fini(&d->links);
	espy_recent_fini(&d->files);
	espy_recent_fini(&d->acc);
	espy_recent_fini(&d->conn_dst);
	espy_recent_fini(&d->conn);
fini_sessions:
	espy_big_free(d->pcache, ESPY_PCACHE_SLOTS, sizeof(*d->pcache));
	espy_sessions_fini(d);
	espy_bl_fini(&d->bl);
free_d:
	free(d);
	return ret;
}

static int release_one(void *ctx, struct espy_proc *p)
{
	espy_dproc_release(ctx, p);
	return 0;
}

void espy_detect_prefetch(const struct espy_detect *d,
			  const struct espy_proc *p)
{
	const struct espy_dproc *dp = p->session;
	const char *s;

	if (!dp || !dp->sess_id || dp->sess_idx >= d->cfg.max_sessions)
		return;
	/* every event reads and writes its first four lines: id, host,
	 * flags, times, tactics, anomaly, score */
	s = (const char *)&d->sess[dp->sess_idx];
	__builtin_prefetch(s, 1);
	__builtin_prefetch(s + 64, 1);
	__builtin_prefetch(s + 128, 1);
	__builtin_prefetch(s + 192, 1);
}

void espy_detect_prefetch_rec(const struct espy_detect *d, const void *rec,
			      size_t len)
{
	const struct espy_hdr *h = rec;
	const struct espy_file *f = rec;
	const struct espy_net *n = rec;
	const char *c;
	uint64_t ph;

	/* the raw record, checked only as far as these reads need: decoding
	 * it twice would cost more than the misses it saves */
	if (len < sizeof(*h))
		return;
	switch (h->type) {
	case ESPY_EV_OPEN ... ESPY_EV_MKDIR:
		if (len < sizeof(*f) || f->path_len > len - sizeof(*f))
			break;
		/* espy_ev_classify()'s slot */
		ph = espy_hash_bytes(f->data, f->path_len, 0x50434143ULL) | 1;
		c = (const char *)&d->pcache[ph & (ESPY_PCACHE_SLOTS - 1)];
		__builtin_prefetch(c, 1);
		__builtin_prefetch(c + 64, 1);
		__builtin_prefetch(c + sizeof(struct espy_path_cache) - 1, 1);
		break;
	case ESPY_EV_CONNECT:
	case ESPY_EV_ACCEPT:
	case ESPY_EV_TCP_CLOSE:
		if (len < sizeof(*n))
			break;
		/* espy_sock_note() and espy_sock_owner() */
		if (n->sock_cookie && h->type != ESPY_EV_ACCEPT)
			espy_recent_prefetch(&d->socks, n->sock_cookie);
		/* espy_hop_connect() and espy_hop_accept() */
		if (h->type != ESPY_EV_TCP_CLOSE)
			espy_hop_prefetch(d, n);
		break;
	default:
		break;
	}
}

void espy_detect_free(struct espy_detect *d)
{
	if (!d)
		return;
	if (d->pt) {
		espy_proctab_for_each(d->pt, release_one, d);
		espy_proctab_set_evict_hook(d->pt, NULL, NULL);
	}
	espy_recent_fini(&d->socks);
	espy_recent_fini(&d->links);
	espy_recent_fini(&d->files);
	espy_recent_fini(&d->acc);
	espy_recent_fini(&d->conn_dst);
	espy_recent_fini(&d->conn);
	espy_big_free(d->pcache, ESPY_PCACHE_SLOTS, sizeof(*d->pcache));
	espy_sessions_fini(d);
	espy_bl_fini(&d->bl);
	free(d);
}

void espy_detect_attach(struct espy_detect *d, struct espy_proctab *t)
{
	d->pt = t;
	espy_proctab_set_evict_hook(t, espy_dproc_release, d);
}

/* ---- modes ------------------------------------------------------------ */

static int effective_learning(const struct espy_detect *d)
{
	enum espy_mode m = d->rt_mode != ESPY_MODE_AUTO ? d->rt_mode
							: d->cfg_mode;

	if (m == ESPY_MODE_LEARN)
		return 1;
	if (m == ESPY_MODE_DETECT)
		return 0;
	if (!d->bl.created_s)
		return 1;
	return (uint64_t)d->now_s <
	       (uint64_t)d->bl.created_s + d->cfg.learn_period_s;
}

int espy_detect_set_mode(struct espy_detect *d, enum espy_mode m)
{
	if (m != ESPY_MODE_AUTO && m != ESPY_MODE_LEARN && m != ESPY_MODE_DETECT)
		return -EINVAL;
	d->rt_mode = m;
	d->bl.mode = (uint32_t)m;
	d->learning = effective_learning(d);
	return 0;
}

enum espy_mode espy_detect_mode(const struct espy_detect *d)
{
	return effective_learning(d) ? ESPY_MODE_LEARN : ESPY_MODE_DETECT;
}

enum espy_mode espy_detect_configured_mode(const struct espy_detect *d)
{
	return d->cfg_mode;
}

void espy_detect_reset_baseline(struct espy_detect *d)
{
	uint32_t mode = d->bl.mode;

	espy_bl_reset(&d->bl);
	d->bl.mode = mode;
}

/* How much a new value of each feature kind weighs in an event's score. */
static const double feat_weight[ESPY_FEAT_NR] = {
	[ESPY_FEAT_PARENT_EXE] = 30,
	[ESPY_FEAT_USER_EXE] = 20,
	[ESPY_FEAT_EXE_FILE] = 15,
	[ESPY_FEAT_EXE_DSTCLASS] = 30,
	[ESPY_FEAT_EXE_DST] = 10,
	[ESPY_FEAT_LISTEN] = 30,
	[ESPY_FEAT_INBOUND] = 20,
	[ESPY_FEAT_LOGIN] = 35,
	[ESPY_FEAT_FANOUT] = 35,
	[ESPY_FEAT_BYTES] = 30,
	[ESPY_FEAT_DNS] = 10,
};

/* ---- per-event context ------------------------------------------------ */

void espy_ev_add_feat(struct espy_evstate *es, int kind, uint64_t key, uint32_t n1,
		     uint32_t n2, uint64_t x)
{
	struct espy_fobs *f;

	if (es->nf == ESPY_FOBS_MAX)
		return;
	f = &es->f[es->nf++];
	/* f->o is filled by the lookup (score_features()), before any read */
	f->kind = kind;
	f->key = key;
	f->n1 = n1;
	f->n2 = n2;
	f->x = x;
	f->novelty = 0;
	f->contrib = 0;
}

static int file_writes(const struct espy_file *f)
{
	if (f->hdr.type != ESPY_EV_OPEN)
		return 1;
	return (f->flags & O_ACCMODE) != O_RDONLY ||
	       (f->flags & (O_CREAT | O_TRUNC));
}

static uint32_t file_op(const struct espy_file *f, int write)
{
	switch (f->hdr.type) {
	case ESPY_EV_OPEN:
		return write ? ESPY_FOP_WRITE : ESPY_FOP_READ;
	case ESPY_EV_UNLINK:
		return ESPY_FOP_DELETE;
	case ESPY_EV_RENAME:
	case ESPY_EV_LINK:
		return ESPY_FOP_RENAME;
	case ESPY_EV_TRUNCATE:
		return ESPY_FOP_WRITE;
	default:
		return ESPY_FOP_META;
	}
}

/* ---- features ---------------------------------------------------------- */

static void collect_features(struct espy_detect *d, struct espy_evstate *es)
{
	struct espy_dctx *c = &es->c;
	const struct espy_event *ev = c->ev;
	const struct espy_hdr *h = ev->hdr;
	uint64_t prog = c->dp ? c->dp->prog : 0;

	switch (h->type) {
	case ESPY_EV_EXEC:
		if (!c->dp)
			break;
		espy_ev_add_feat(es, ESPY_FEAT_PARENT_EXE,
			 espy_hash_pair(c->dp->pprog, prog), 0, 0, 0);
		espy_ev_add_feat(es, ESPY_FEAT_USER_EXE,
			 espy_hash_pair(espy_hash_u64(h->uid), prog), h->uid, 0, 0);
		break;
	case ESPY_EV_OPEN ... ESPY_EV_MKDIR: {
		uint32_t op = file_op(ev->file, c->write);

		espy_ev_add_feat(es, ESPY_FEAT_EXE_FILE,
			 espy_hash_pair(prog, espy_hash_pair(c->pi.class_hash, op)),
			 op, 0, 0);
		if (ev->path2.len && (h->type == ESPY_EV_RENAME ||
				      (h->type == ESPY_EV_LINK &&
				       !(ev->file->fflags & ESPY_FILE_SYMLINK))))
			espy_ev_add_feat(es, ESPY_FEAT_EXE_FILE,
				 espy_hash_pair(prog, espy_hash_pair(c->pi2.class_hash,
								     ESPY_FOP_WRITE)),
				 ESPY_FOP_WRITE, 1, 0);
		break;
	}
	case ESPY_EV_CONNECT: {
		const struct espy_net *n = ev->net;

		if (n->family != AF_INET && n->family != AF_INET6)
			break;
		espy_ev_add_feat(es, ESPY_FEAT_EXE_DSTCLASS,
			 espy_hash_pair(prog, (uint64_t)c->dst << 32 |
				        espy_port_class(n->remote_port)),
			 c->dst, n->remote_port, 0);
		if (c->dst == ESPY_DST_PRIVATE || c->dst == ESPY_DST_PUBLIC ||
		    c->dst == ESPY_DST_LINKLOCAL) {
			uint64_t ah = espy_addr_hash(n->family, n->remote_addr);

			espy_ev_add_feat(es, ESPY_FEAT_EXE_DST,
				 espy_hash_pair(prog, espy_hash_pair(ah,
					        n->remote_port)),
				 n->remote_port, 0, 0);
			if (n->remote_port == 22)
				espy_ev_add_feat(es, ESPY_FEAT_LOGIN,
					 espy_hash_pair(espy_hash_u64(h->uid), ah),
					 h->uid, 0, 0);
		}
		break;
	}
	case ESPY_EV_ACCEPT: {
		const struct espy_net *n = ev->net;

		if (n->family != AF_INET && n->family != AF_INET6)
			break;
		espy_ev_add_feat(es, ESPY_FEAT_INBOUND,
			 espy_hash_pair(prog, espy_hash_pair(n->local_port,
				        espy_addr_hash(n->family, n->remote_addr))),
			 n->local_port, 0, 0);
		break;
	}
	case ESPY_EV_LISTEN:
		espy_ev_add_feat(es, ESPY_FEAT_LISTEN,
			 espy_hash_pair(prog, espy_port_class(ev->net->local_port)),
			 ev->net->local_port, 0, 0);
		break;
	case ESPY_EV_TCP_CLOSE: {
		const struct espy_net *n = ev->net;

		if (!n->bytes_sent || c->dst == ESPY_DST_LOOPBACK ||
		    c->dst == ESPY_DST_UNSPEC || c->dst == ESPY_DST_UNIX)
			break;
		espy_ev_add_feat(es, ESPY_FEAT_BYTES,
			 espy_hash_pair(prog, espy_hash_pair(
				 (uint64_t)c->dst << 32 |
				 espy_port_class(n->remote_port),
				 espy_log2_bucket(n->bytes_sent))),
			 n->remote_port, 0, n->bytes_sent);
		break;
	}
	default:
		break;
	}
	/* a login from another host opens this session */
	if (es->created && c->sess && (c->sess->flags & ESPY_S_LOGIN) &&
	    (c->sess->flags & ESPY_S_REMOTE))
		espy_ev_add_feat(es, ESPY_FEAT_LOGIN,
			 espy_hash_pair(espy_hash_u64(h->auid | (1ULL << 40)),
					espy_addr_hash(c->sess->peer_family,
						       c->sess->peer)),
			 h->auid, 1, 0);
}

/*
 * The baseline buckets of the event's main features, as collect_features()
 * will key them: a miss each, which the detectors and trackers that run
 * first can overlap.  Only the cache sees this.
 */
static void prefetch_features(struct espy_detect *d,
			      const struct espy_evstate *es)
{
	const struct espy_dctx *c = &es->c;
	const struct espy_event *ev = c->ev;
	uint64_t prog = c->dp ? c->dp->prog : 0;
	uint32_t op;

	switch (ev->hdr->type) {
	case ESPY_EV_OPEN ... ESPY_EV_MKDIR:
		op = file_op(ev->file, c->write);
		espy_bl_prefetch(&d->bl, ESPY_FEAT_EXE_FILE,
			espy_hash_pair(prog, espy_hash_pair(c->pi.class_hash, op)));
		/* espy_track_written() will note this one */
		if (ev->hdr->type == ESPY_EV_OPEN && c->write &&
		    ev->file->ret >= 0 &&
		    (c->pi.cat & (ESPY_PC_WRITABLE | ESPY_PC_HOME)))
			espy_recent_prefetch(&d->files,
				espy_hash_bytes(ev->path.p, ev->path.len,
						0x46494c45ULL));
		break;
	case ESPY_EV_CONNECT: {
		const struct espy_net *n = ev->net;

		if (n->family != AF_INET && n->family != AF_INET6)
			break;
		espy_bl_prefetch(&d->bl, ESPY_FEAT_EXE_DSTCLASS,
			espy_hash_pair(prog, (uint64_t)c->dst << 32 |
				       espy_port_class(n->remote_port)));
		break;
	}
	default:
		break;
	}
}

/* ---- scoring ------------------------------------------------------------ */

static double overall_maturity(const struct espy_detect *d)
{
	return espy_maturity(espy_bl_total(&d->bl, ESPY_FEAT_PARENT_EXE,
					   d->now_s), d->cfg.min_learned);
}

static void score_features(struct espy_detect *d, struct espy_evstate *es,
			   double learn_w)
{
	int i;

	for (i = 0; i < es->nf; i++) {
		struct espy_fobs *f = &es->f[i];

		espy_bl_observe(&d->bl, f->kind, f->key, d->now_s, learn_w, &f->o);
		f->novelty = espy_novelty(&f->o, d->cfg.min_learned);
		f->contrib = feat_weight[f->kind] * f->novelty;
	}
}

/* A technique as the baseline knows it: with its variant. */
static inline uint64_t tech_key(const struct espy_hit *h)
{
	return (uint64_t)h->tech | (uint64_t)h->variant << 16;
}

/*
 * Whether session s may teach the baseline technique key k now: once per
 * key and window.  No session (a process without one): always.
 */
static int session_teaches(const struct espy_detect *d, struct espy_session *s,
			   uint64_t k)
{
	uint32_t h = (uint32_t)(k ^ k >> 32) | 1, i;

	if (!s)
		return 1;
	if (d->now_s - s->taught_s >= ESPY_SESS_TAUGHT_S) {
		s->taught_s = d->now_s;
		s->ntaught = 0;
	}
	for (i = 0; i < s->ntaught && i < ESPY_SESS_TAUGHT; i++)
		if (s->taught[i] == h)
			return 0;
	/* full: the oldest key makes room (it may count again) */
	if (s->ntaught >= ESPY_SESS_TAUGHT) {
		memmove(s->taught, s->taught + 1,
			(ESPY_SESS_TAUGHT - 1) * sizeof(s->taught[0]));
		s->ntaught = ESPY_SESS_TAUGHT - 1;
	}
	s->taught[s->ntaught++] = h;
	return 1;
}

static void score_techs(struct espy_detect *d, struct espy_evstate *es,
			struct espy_session *s, double learn_w)
{
	uint64_t prog = es->c.dp ? es->c.dp->prog : 0;
	uint64_t pprog = es->c.dp ? es->c.dp->pprog : 0;
	double mat;
	int i;

	if (!es->hits.n)
		return;		/* most events: no technique, nothing to damp */
	mat = overall_maturity(d);

	for (i = 0; i < es->hits.n; i++) {
		struct espy_bl_obs o1, o2;
		int t = es->hits.h[i].tech;
		uint64_t tk = tech_key(&es->hits.h[i]);
		double f;

		uint64_t k1 = espy_hash_pair(prog, tk);
		uint64_t k2 = espy_hash_pair(pprog, tk);

		es->teach[i][0] = session_teaches(d, s, k1 ^ ESPY_FEAT_TECH);
		es->teach[i][1] = session_teaches(d, s,
						  k2 ^ ESPY_FEAT_LINEAGE_TECH);
		espy_bl_observe(&d->bl, ESPY_FEAT_TECH, k1, d->now_s,
				es->teach[i][0] ? learn_w : 0, &o1);
		espy_bl_observe(&d->bl, ESPY_FEAT_LINEAGE_TECH, k2, d->now_s,
				es->teach[i][1] ? learn_w : 0, &o2);
		es->tobs[i][0] = o1;
		es->tobs[i][1] = o2;
		es->tcount[i] = fmax(o1.count, o2.count);
		f = espy_tech_factor(es->tcount[i], mat, NULL);
		es->ts[i] = fmin(100.0, es->hits.h[i].weight * f);
		d->st.hits_by_tech[t]++;
	}
}

/* Teach the baseline after the fact (detect mode). */
static void learn_late(struct espy_detect *d, struct espy_evstate *es, double w)
{
	int i;

	for (i = 0; i < es->nf; i++)
		espy_bl_add(&d->bl, es->f[i].kind, &es->f[i].o, d->now_s, w);
	for (i = 0; i < es->hits.n; i++) {
		if (es->teach[i][0])
			espy_bl_add(&d->bl, ESPY_FEAT_TECH, &es->tobs[i][0],
				    d->now_s, w);
		if (es->teach[i][1])
			espy_bl_add(&d->bl, ESPY_FEAT_LINEAGE_TECH,
				    &es->tobs[i][1], d->now_s, w);
	}
}

/* ---- the stage ---------------------------------------------------------- */

/* An unclassified path: what a cleared struct reads as (its class is "") */
static inline void pathinfo_clear(struct espy_pathinfo *pi)
{
	pi->cat = 0;
	pi->proc_pid = 0;
	pi->class_hash = 0;
	pi->cls[0] = '\0';
}

static void verdict_reset(struct espy_detect *d, struct espy_verdict *v)
{
	v->score = 0;
	v->severity = ESPY_SEV_NONE;
	v->alert = 0;
	v->learning = d->learning;
	v->after_drops = 0;
	v->session_id = 0;
	v->session_score = 0;
	v->ntech = 0;
	v->nreasons = 0;
	v->nevidence = 0;
}

/*
 * An operator's change to detection, where it sits in the record stream:
 * live and in a replay of the recording alike.  Unknown ops and modes are
 * counted and otherwise ignored (a newer espyd's recording).
 */
_Static_assert(ESPY_CTRL_MODE_AUTO == (int)ESPY_MODE_AUTO &&
	       ESPY_CTRL_MODE_LEARN == (int)ESPY_MODE_LEARN &&
	       ESPY_CTRL_MODE_DETECT == (int)ESPY_MODE_DETECT,
	       "a CTRL record's mode is an enum espy_mode");

static void on_ctrl(struct espy_detect *d, const struct espy_ctrl *c)
{
	switch (c->op) {
	case ESPY_CTRL_MODE:
		/* refuses what is not a mode */
		if (espy_detect_set_mode(d, (enum espy_mode)c->arg))
			return;
		break;
	case ESPY_CTRL_BASELINE_RESET:
		espy_detect_reset_baseline(d);
		break;
	case ESPY_CTRL_BASELINE_IMPORT:
		d->st.baseline_imports++;
		break;
	default:
		return;
	}
	d->st.ctrl_changes++;
}

static void on_lost(struct espy_detect *d, struct espy_event *ev)
{
	struct espy_verdict *v = &d->v;

	if (!ev->lost->total)
		return;
	d->lost_gen++;
	d->lost_total += ev->lost->total;
	d->st.lost_records += ev->lost->total;
	d->last_lost_ms = d->now_ms;
	v->after_drops = 1;
	espy_add_reason(v, "the kernel dropped %llu records: sessions live now may miss events",
		   (unsigned long long)ev->lost->total);
}

static void on_exec(struct espy_detect *d, struct espy_event *ev,
		    struct espy_proc *p, struct espy_dproc *dp)
{
	/* the fork told us the lineage; look only when it did not */
	struct espy_proc *pp = d->pt && !dp->pprog ?
			       espy_proctab_parent(d->pt, p) : NULL;
	const char *path = ev->path.p, *argv = ev->argv.p;
	size_t len = ev->path.len;

	/* a script is the program; its interpreter is the means */
	if (ev->script.len && ev->script.p[0] == '/') {
		path = ev->script.p;
		len = ev->script.len;
	}
	dp->flags &= ~ESPY_DP_SSH_ODD_KEY;
	if (len) {
		const struct espy_tool *t;
		const char *b;
		size_t bl;

		dp->prog = espy_program_key(path, len, NULL, 0);
		b = espy_basename(ev->path.p, ev->path.len, &bl);
		if (bl == 7 && !memcmp(b, "busybox", 7) &&
		    espy_argv_nth(argv, ev->argv.len, 0, &b, &bl) == 0)
			b = espy_basename(b, bl, &bl);
		else if (path != ev->path.p)
			b = espy_basename(path, len, &bl);
		t = espy_tool_lookup(b, bl);
		dp->tool = t ? t->flags : 0;
		dp->disc_tech = t ? t->tech : -1;
		dp->flags |= ESPY_DP_PROG_KNOWN;
	}
	dp->exec_ns = p->exec_ns;
	if (pp && pp->session)
		dp->pprog = ((struct espy_dproc *)pp->session)->prog;
}

int espy_detect_event(void *ctx, struct espy_event *ev)
{
	struct espy_detect *d = ctx;
	const struct espy_hdr *h = ev->hdr;
	struct espy_verdict *v = &d->v;
	struct espy_proc *p = ev->proc;
	struct espy_dproc *dp = NULL;
	struct espy_session *s = NULL;
	struct espy_evstate es;
	uint64_t t_ms;
	double T = 0, A = 0, own, fin, learn_w, S = 0;
	uint32_t chain = 0, newta;
	int i, alert_kind = 0, top = -1;

	if (!h)
		return -EINVAL;
	t_ms = (uint64_t)(ev->wall_ns > 0 ? ev->wall_ns : (int64_t)h->ts_ns) /
	       1000000ULL;
	if (t_ms > d->now_ms) {
		d->now_ms = t_ms;
		d->now_s = (uint32_t)(t_ms / 1000);
	}
	d->learning = effective_learning(d);
	verdict_reset(d, v);
	ev->verdict = v;
	d->st.events++;
	espy_session_sweep(d);

	if (h->type == ESPY_EV_LOST) {
		if (ev->lost)
			on_lost(d, ev);
		return 0;
	}
	if (h->type == ESPY_EV_CTRL) {
		if (ev->ctrl)
			on_ctrl(d, ev->ctrl);
		return 0;
	}
	if (!p && h->type == ESPY_EV_TCP_CLOSE)
		p = espy_sock_owner(d, ev->net);
	else if (p && h->type == ESPY_EV_TCP_CLOSE)
		espy_sock_owner(d, ev->net);	/* forget it */
	if (p)
		dp = espy_dproc_get(d, p);
	if (dp && h->type == ESPY_EV_FORK && d->pt) {
		struct espy_proc *child = espy_proctab_find(d->pt,
				ev->fork->child_tgid, ev->fork->child_start_ns);

		if (child)
			espy_dproc_get(d, child);
	}
	if (dp && (h->type == ESPY_EV_EXEC || h->type == ESPY_EV_PROC))
		on_exec(d, ev, p, dp);

	/* every field of es.c is set below; clearing its 280 bytes
	 * (two path classes) on every event was a tenth of this stage */
	pathinfo_clear(&es.c.pi);
	pathinfo_clear(&es.c.pi2);
	es.c.write = 0;
	es.c.dst = ESPY_DST_UNSPEC;
	es.hits.n = 0;
	es.nf = 0;
	es.created = 0;
	if (dp && p != ev->proc)	/* a taskless record, owner found */
		s = espy_session_current(d, dp);
	else if (dp)
		s = espy_session_of(d, p, dp, h, &es.created);
	if (s) {
		v->session_id = s->id;
		v->after_drops = !!(s->flags & ESPY_S_DROPS);
	} else if (d->lost_gen && d->now_ms - d->last_lost_ms < 60000) {
		v->after_drops = 1;
	}
	if (h->type == ESPY_EV_PROC) {
		v->session_score = s ? espy_round1(s->score) : 0;
		return 0;	/* the starting table: nothing happened */
	}

	es.c.d = d;
	es.c.ev = ev;
	es.c.proc = p;
	es.c.dp = dp;
	es.c.sess = s;
	es.c.tool = dp ? dp->tool : 0;
	switch (h->type) {
	case ESPY_EV_OPEN ... ESPY_EV_MKDIR:
		espy_ev_classify(d, ev->path.p, ev->path.len, &es.c.pi);
		if (ev->path2.len)
			espy_ev_classify(d, ev->path2.p, ev->path2.len, &es.c.pi2);
		es.c.write = file_writes(ev->file);
		break;
	case ESPY_EV_CONNECT ... ESPY_EV_DNS:
		es.c.dst = espy_dst_classify(ev->net->family,
					     h->type == ESPY_EV_BIND ||
					     h->type == ESPY_EV_LISTEN ?
					     ev->net->local_addr :
					     ev->net->remote_addr);
		break;
	default:
		break;
	}

	prefetch_features(d, &es);

	/* detectors, stateless then stateful */
	espy_detectors_run(&es.c, &es.hits);
	switch (h->type) {
	case ESPY_EV_EXEC:
		if (dp)
			espy_track_exec(d, &es);
		break;
	case ESPY_EV_OPEN ... ESPY_EV_MKDIR:
		espy_track_written(d, &es);
		break;
	case ESPY_EV_CONNECT:
		espy_track_fanout(d, &es);
		break;
	case ESPY_EV_ACCEPT:
		if (dp && espy_hop_accept(d, ev->net, p, dp) && s &&
		    (s->flags & ESPY_S_LOGIN)) {
			/* accepted inside a login session: link it now */
			struct espy_session *src =
				espy_session_find(d, dp->peer.hop_from);

			espy_session_inherit(d, s, src, dp->peer.hop_score);
		}
		break;
	case ESPY_EV_DNS:
		espy_track_dns(d, &es);
		break;
	default:
		break;
	}
	espy_track_discovery(d, &es);
	if (es.created && s && (s->flags & ESPY_S_LOGIN) &&
	    (s->flags & ESPY_S_REMOTE)) {
		enum espy_dst_class pc = espy_dst_classify(s->peer_family,
							   s->peer);
		/* opened from a session that scores as suspicious: a form of
		 * its own, never learned from the routine's linked logins */
		int watched = s->hop_from && s->inherited >= d->cfg.suspicious;
		char addr[64];

		espy_addr_str(s->peer_family, s->peer, addr, sizeof(addr));
		/* a routine login alone stays below a chain's tactic
		 * threshold; one opened from a watched session not */
		if (pc == ESPY_DST_PRIVATE || pc == ESPY_DST_LINKLOCAL ||
		    pc == ESPY_DST_PUBLIC || watched)
			espy_hits_addv(&es.hits, ESPY_T_SSH_LATERAL,
				       watched ? ESPY_V_HOP : ESPY_V_PLAIN,
				       watched ? 35 : 15,
				       "login session from %s%s", addr,
				       watched ? ", opened by a watched session"
					       : "");
	}
	collect_features(d, &es);

	/* scoring: in learn mode one pass both reads and teaches */
	learn_w = d->learning ? 1.0 : 0.0;
	score_features(d, &es, learn_w);
	if (h->type == ESPY_EV_TCP_CLOSE)
		espy_track_exfil(d, &es);
	score_techs(d, &es, s, learn_w);
	for (i = 0; i < es.hits.n; i++) {
		T = espy_prob_or(T, es.ts[i]);
		if (top < 0 || es.ts[i] > es.ts[top])
			top = i;
	}
	for (i = 0; i < es.nf; i++)
		A = espy_prob_or(A, es.f[i].contrib);
	own = espy_prob_or(T, A);
	fin = own;

	if (s) {
		for (i = 0; i < es.hits.n; i++) {
			int t = es.hits.h[i].tech, ta = espy_techs[t].tactic;

			if (es.ts[i] >= 5 &&
			    es.ts[i] > espy_session_tactic(d, s, ta)) {
				s->tv[ta] = (float)es.ts[i];
				s->tts[ta] = d->now_s;
			}
		}
		if (A > espy_sdecay(d, s->anom, s->anom_ts)) {
			s->anom = (float)A;
			s->anom_ts = d->now_s;
		}
		S = espy_session_rescore(d, s, &chain);
		if (es.hits.n && espy_popcount(chain) >= 2) {
			double k = espy_popcount(chain) - 1;

			fin = own + (100.0 - own) * fmin(1.0, k / d->cfg.chain_min) *
			      0.5 * fmin(1.0, own / 20.0);
		}
		if (top >= 0 && es.ts[top] >= 15)
			espy_session_add_evidence(s, ev->id, fin,
						  es.hits.h[top].tech);
		else if (fin >= 30)
			espy_session_add_evidence(s, ev->id, fin, -1);
	}
	fin = espy_round1(fmin(100.0, fin));

	if (!d->learning && s) {
		int ready = (int)espy_popcount(chain) >= d->cfg.chain_min &&
			    S >= d->cfg.alert_score;
		uint64_t tbit = top >= 0 ? 1ULL << es.hits.h[top].tech : 0;

		newta = chain & ~s->alerted_mask;
		if (ready && newta &&
		    (es.hits.n || (es.created && s->hop_from))) {
			alert_kind = ESPY_ALERT_CHAIN;
			s->alerted_mask |= chain;
		} else if (fin >= d->cfg.critical_event && tbit &&
			   !(s->tech_alerted & tbit)) {
			alert_kind = ESPY_ALERT_CRITICAL;
		} else if (ready && tbit && !(s->tech_alerted & tbit) &&
			   es.ts[top] >= d->cfg.tactic_min &&
			   fin >= d->cfg.alert_score) {
			/* a new technique joins a chain already alerting */
			alert_kind = ESPY_ALERT_GROWS;
		}
		if (alert_kind) {
			s->nalerts++;
			for (i = 0; i < es.hits.n; i++)
				s->tech_alerted |= 1ULL << es.hits.h[i].tech;
		}
	} else if (!d->learning && !s && fin >= d->cfg.critical_event) {
		alert_kind = ESPY_ALERT_CRITICAL;
	}

	/* teach the baseline: slowly, and never from what looks bad */
	if (d->learning) {
		d->st.learned++;
	} else if (fin < d->cfg.suspicious && S < d->cfg.suspicious) {
		learn_late(d, &es, d->cfg.detect_rate);
		d->st.learned++;
	} else {
		d->st.not_learned_suspicious++;
	}
	if (h->type == ESPY_EV_CONNECT && s)
		espy_hop_connect(d, ev->net, s);
	if (h->type == ESPY_EV_CONNECT && p)
		espy_sock_note(d, ev->net, p);

	v->score = fin;
	v->severity = espy_severity_of(fin);
	v->session_score = s ? espy_round1(S) : 0;
	v->alert = alert_kind != 0;
	if (alert_kind && v->severity < espy_severity_of(S))
		v->severity = espy_severity_of(S);
	espy_fill_techs(v, &es, s, alert_kind);
	if (alert_kind && s)
		espy_fill_evidence(v, s, ev->id);
	if (alert_kind || (!d->cfg.explain_alerts_only &&
			   (fin >= 1 || v->after_drops)))
		espy_explain(d, &es, v, chain, alert_kind);

	if (fin >= 1)
		d->st.scored++;
	d->st.by_severity[v->severity]++;
	if (alert_kind) {
		d->st.alerts++;
		d->st.alerts_by_severity[v->severity]++;
		for (i = 0; i < v->ntech; i++) {
			int t = espy_tech_find(v->tech[i].id);

			if (t >= 0)
				d->st.alerts_by_tech[t]++;
		}
	}
	return 0;
}

/* ---- state ---------------------------------------------------------------- */

static int state_path(const char *dir, char *out, size_t outsz)
{
	if (snprintf(out, outsz, "%s/%s", dir, ESPY_BASELINE_FILE) >= (int)outsz)
		return -ENAMETOOLONG;
	return 0;
}

static void after_load(struct espy_detect *d)
{
	/* an explicit --mode wins over a run-time choice kept in the file */
	if (d->cfg_mode != ESPY_MODE_AUTO)
		d->bl.mode = 0;
	d->rt_mode = d->bl.mode == ESPY_MODE_LEARN ? ESPY_MODE_LEARN :
		     d->bl.mode == ESPY_MODE_DETECT ? ESPY_MODE_DETECT :
		     ESPY_MODE_AUTO;
}

/* Read and check a baseline file into bl (initialised like d's). */
static int read_baseline(const char *path, struct espy_baseline *bl,
			 char *msg, size_t msglen)
{
	enum espy_state_damage why;
	char err[160];
	void *buf = NULL;
	size_t len;
	int ret;

	ret = espy_state_read(path, ESPY_BASELINE_KIND, &buf, &len, &why, err,
			      sizeof(err));
	if (ret == -EBADMSG) {
		snprintf(msg, msglen, "%s: %s", path, err);
		return ret;
	}
	if (ret) {
		snprintf(msg, msglen, "%s: %s", path, strerror(-ret));
		return ret;
	}
	ret = espy_bl_deserialize(bl, buf, len, err, sizeof(err));
	free(buf);
	if (ret)
		snprintf(msg, msglen, "%s: %s: %s", path,
			 espy_state_damage_str(ESPY_STATE_CONTENT), err);
	return ret;
}

int espy_detect_load(struct espy_detect *d, const char *state_dir,
		     int read_only, char *msg, size_t msglen)
{
	char path[PATH_MAX], moved[PATH_MAX + 16];
	char tmp[3 * PATH_MAX];
	size_t n;
	int ret, q;

	if (msg && msglen)
		msg[0] = 0;
	ret = state_path(state_dir, path, sizeof(path));
	if (ret)
		return ret;
	ret = read_baseline(path, &d->bl, tmp, sizeof(tmp));
	if (ret == -ENOENT)
		return ret;
	if (ret == -EBADMSG) {
		espy_bl_reset(&d->bl);
		if (!read_only) {
			q = espy_state_quarantine(path, moved, sizeof(moved));
			n = strlen(tmp);
			if (q == 0)
				snprintf(tmp + n, sizeof(tmp) - n,
					 "; moved aside to %s", moved);
			else
				snprintf(tmp + n, sizeof(tmp) - n,
					 "; could not move it aside: %s",
					 strerror(-q));
		}
	}
	if (msg && msglen)
		snprintf(msg, msglen, "%s", tmp);
	if (!ret)
		after_load(d);
	return ret;
}

int espy_detect_save(struct espy_detect *d, const char *state_dir)
{
	char path[PATH_MAX];
	void *buf;
	size_t len;
	int ret;

	ret = state_path(state_dir, path, sizeof(path));
	if (ret)
		return ret;
	ret = espy_mkdir_p(state_dir, 0700);
	if (ret)
		return ret;
	ret = espy_bl_serialize(&d->bl, &buf, &len);
	if (ret)
		return ret;
	ret = espy_state_write(path, ESPY_BASELINE_KIND, buf, len);
	free(buf);
	return ret;
}

int espy_detect_import(struct espy_detect *d, const char *path, char *msg,
		       size_t msglen)
{
	struct espy_baseline nb;
	int ret;

	if (msg && msglen)
		msg[0] = 0;
	ret = espy_bl_init(&nb, ESPY_FEAT_NR, espy_feat_names,
			   &d->cfg.baseline);
	if (ret)
		return ret;
	ret = read_baseline(path, &nb, msg, msglen);
	if (ret) {
		espy_bl_fini(&nb);
		return ret;
	}
	nb.mode = d->bl.mode;
	espy_bl_fini(&d->bl);
	d->bl = nb;
	return 0;
}

void espy_detect_stats(const struct espy_detect *d,
		       struct espy_detect_stats *st)
{
	int i;

	*st = d->st;
	st->sessions = d->nsess;
	st->sessions_max = d->cfg.max_sessions;
	st->procs = d->dp_used;
	st->procs_max = d->cfg.max_procs;
	for (i = 0; i < d->bl.nkinds && i < ESPY_BL_MAX_KINDS; i++) {
		st->baseline_entries[i] = d->bl.k[i].used;
		st->baseline_evictions[i] = d->bl.k[i].evictions;
	}
	st->memory_bytes = sizeof(*d) + espy_bl_memory(&d->bl) +
			   (size_t)d->cfg.max_sessions *
			   (sizeof(struct espy_session) + 3 * sizeof(uint32_t)) +
			   (size_t)d->cfg.max_procs * sizeof(struct espy_dproc) +
			   ESPY_PCACHE_SLOTS * sizeof(struct espy_path_cache) +
			   ((size_t)d->conn.nbuckets + d->conn_dst.nbuckets +
			    d->acc.nbuckets + d->files.nbuckets +
			    d->links.nbuckets + d->socks.nbuckets) *
			   ESPY_RECENT_WAYS * sizeof(struct espy_recent_ent);
	st->learning = effective_learning(d);
	st->mode = st->learning ? ESPY_MODE_LEARN : ESPY_MODE_DETECT;
	st->configured = d->cfg_mode;
}

const struct espy_baseline *espy_detect_baseline(const struct espy_detect *d)
{
	return &d->bl;
}
