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
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "detect_int.h"
#include "score.h"
#include "hash64.h"
#include "statefile.h"
#include "fileio.h"

#define FOBS_MAX	8
#define DNS_SUB_BURST	20

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

static const char *const feat_what[ESPY_FEAT_NR] = {
	[ESPY_FEAT_PARENT_EXE] = "parent->exe",
	[ESPY_FEAT_USER_EXE] = "user->exe",
	[ESPY_FEAT_EXE_FILE] = "exe->file",
	[ESPY_FEAT_EXE_DSTCLASS] = "exe->destination class",
	[ESPY_FEAT_EXE_DST] = "exe->destination",
	[ESPY_FEAT_LISTEN] = "listening port",
	[ESPY_FEAT_INBOUND] = "inbound peer",
	[ESPY_FEAT_LOGIN] = "login",
	[ESPY_FEAT_FANOUT] = "fan-out",
	[ESPY_FEAT_BYTES] = "bytes out",
	[ESPY_FEAT_DNS] = "DNS domain",
};

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
	ret = espy_recent_init(&d->conn, 4096, ttl);
	if (!ret)
		ret = espy_recent_init(&d->conn_dst, 1024, 5000);
	if (!ret)
		ret = espy_recent_init(&d->acc, 1024, ttl);
	if (!ret)
		ret = espy_recent_init(&d->links, 1024, ttl);
	if (!ret)
		ret = espy_recent_init(&d->files, 8192, 24ULL * 3600 * 1000);
	if (ret)
		goto fini_recent;
	*out = d;
	return 0;
fini_recent:
	espy_recent_fini(&d->links);
	espy_recent_fini(&d->files);
	espy_recent_fini(&d->acc);
	espy_recent_fini(&d->conn_dst);
	espy_recent_fini(&d->conn);
fini_sessions:
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

void espy_detect_free(struct espy_detect *d)
{
	if (!d)
		return;
	if (d->pt) {
		espy_proctab_for_each(d->pt, release_one, d);
		espy_proctab_set_evict_hook(d->pt, NULL, NULL);
	}
	espy_recent_fini(&d->links);
	espy_recent_fini(&d->files);
	espy_recent_fini(&d->acc);
	espy_recent_fini(&d->conn_dst);
	espy_recent_fini(&d->conn);
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

/* ---- per-event context ------------------------------------------------ */

struct fobs {
	int kind;
	uint64_t key;
	struct espy_bl_obs o;
	double novelty;
	double contrib;
	/* what the label needs */
	uint32_t n1, n2;
	uint64_t x;
};

struct evstate {
	struct espy_dctx c;
	struct espy_hits hits;
	double ts[ESPY_MAX_HITS];	/* technique scores after damping */
	double fam[ESPY_MAX_HITS];
	double tcount[ESPY_MAX_HITS];
	struct fobs f[FOBS_MAX];
	int nf;
	int created;			/* the event opened its session */
	uint32_t fan_hosts, fan_pairs;
};

static void add_feat(struct evstate *es, int kind, uint64_t key, uint32_t n1,
		     uint32_t n2, uint64_t x)
{
	struct fobs *f;

	if (es->nf == FOBS_MAX)
		return;
	f = &es->f[es->nf++];
	memset(f, 0, sizeof(*f));
	f->kind = kind;
	f->key = key;
	f->n1 = n1;
	f->n2 = n2;
	f->x = x;
}

static int file_writes(const struct espy_file *f)
{
	if (f->hdr.type != ESPY_EV_OPEN)
		return 1;
	return (f->flags & O_ACCMODE) != O_RDONLY ||
	       (f->flags & (O_CREAT | O_TRUNC));
}

enum { OP_READ, OP_WRITE, OP_DELETE, OP_META, OP_RENAME };

static uint32_t file_op(const struct espy_file *f, int write)
{
	switch (f->hdr.type) {
	case ESPY_EV_OPEN:
		return write ? OP_WRITE : OP_READ;
	case ESPY_EV_UNLINK:
		return OP_DELETE;
	case ESPY_EV_RENAME:
	case ESPY_EV_LINK:
		return OP_RENAME;
	case ESPY_EV_TRUNCATE:
		return OP_WRITE;
	default:
		return OP_META;
	}
}

static const char *const op_names[] = { "reads", "writes", "deletes",
					"changes", "renames" };

static unsigned int log2_bucket(uint64_t v)
{
	return v ? 64 - __builtin_clzll(v) : 0;
}

/* The last two labels of a DNS name ("a.b.example.com" -> "example.com"). */
static void dns_domain(const char *s, size_t n, const char **dom, size_t *dl)
{
	size_t i, dots = 0;

	while (n && s[n - 1] == '.')
		n--;
	for (i = n; i > 0; i--) {
		if (s[i - 1] == '.' && ++dots == 2)
			break;
	}
	*dom = s + i;
	*dl = n - i;
}

/* ---- stateful detectors ------------------------------------------------ */

#define FILE_REMOTE	(1U << 0)	/* written by a session with a remote peer */
#define FILE_INTERNAL	(1U << 1)	/* ... whose peer is an internal host */

struct file_ent {
	uint64_t sess_id;
	uint64_t prog;
	uint32_t tool;
	uint32_t flags;
	uint64_t at_ms;
};

_Static_assert(sizeof(struct file_ent) <= ESPY_RECENT_DATA, "file_ent");

static void note_written(struct espy_detect *d, struct evstate *es,
			 const char *path, size_t len)
{
	struct espy_dctx *c = &es->c;
	struct espy_recent_ent *e;
	struct file_ent fe = { 0 };

	e = espy_recent_put(&d->files, espy_hash_bytes(path, len, 0x46494c45ULL),
			    d->now_ms);
	fe.sess_id = c->sess ? c->sess->id : 0;
	fe.prog = c->dp ? c->dp->prog : 0;
	fe.tool = c->tool;
	fe.at_ms = d->now_ms;
	if (c->sess && (c->sess->flags & ESPY_S_REMOTE)) {
		fe.flags |= FILE_REMOTE;
		if (espy_dst_classify(c->sess->peer_family, c->sess->peer) ==
		    ESPY_DST_PRIVATE)
			fe.flags |= FILE_INTERNAL;
	}
	memcpy(e->data, &fe, sizeof(fe));
}

static void det_files_written(struct espy_detect *d, struct evstate *es)
{
	const struct espy_event *ev = es->c.ev;
	const struct espy_file *f = ev->file;

	if (f->ret < 0 || !es->c.write)
		return;
	if (f->hdr.type == ESPY_EV_OPEN &&
	    (es->c.pi.cat & (ESPY_PC_WRITABLE | ESPY_PC_HOME)))
		note_written(d, es, ev->path.p, ev->path.len);
	else if (f->hdr.type == ESPY_EV_RENAME &&
		 (es->c.pi2.cat & (ESPY_PC_WRITABLE | ESPY_PC_HOME)))
		note_written(d, es, ev->path2.p, ev->path2.len);
}

static void det_exec_transferred(struct espy_detect *d, struct evstate *es)
{
	const struct espy_event *ev = es->c.ev;
	struct espy_recent_ent *e;
	struct file_ent fe;
	const char *p = ev->path.p;
	size_t n = ev->path.len;
	double ago;

	e = espy_recent_get(&d->files, espy_hash_bytes(p, n, 0x46494c45ULL),
			    d->now_ms);
	if (!e && ev->script.len && ev->script.p[0] == '/') {
		p = ev->script.p;
		n = ev->script.len;
		e = espy_recent_get(&d->files,
				    espy_hash_bytes(p, n, 0x46494c45ULL),
				    d->now_ms);
	}
	if (!e)
		return;
	memcpy(&fe, e->data, sizeof(fe));
	ago = (double)(d->now_ms - fe.at_ms) / 1000.0;
	if (n > 60) {
		p += n - 60;
		n = 60;
	}
	if ((fe.flags & FILE_INTERNAL) ||
	    ((fe.tool & ESPY_TOOL_TRANSFER) && (fe.flags & FILE_REMOTE))) {
		espy_hits_add(&es->hits, ESPY_T_LATERAL_XFER,
			      espy_techs[ESPY_T_LATERAL_XFER].weight,
			      "runs %.*s, copied in from another host %.0fs earlier",
			      (int)n, p, ago);
		es->c.dp->flags |= ESPY_DP_XFER_TOOL;
	} else if (fe.tool & (ESPY_TOOL_TRANSFER | ESPY_TOOL_NETCAT)) {
		espy_hits_add(&es->hits, ESPY_T_TOOL_XFER,
			      espy_techs[ESPY_T_TOOL_XFER].weight + 5,
			      "runs %.*s, downloaded %.0fs earlier", (int)n, p,
			      ago);
		es->c.dp->flags |= ESPY_DP_XFER_TOOL;
	} else if (fe.flags & FILE_REMOTE) {
		espy_hits_add(&es->hits, ESPY_T_TOOL_XFER, 35,
			      "runs %.*s, written by a remote session %.0fs earlier",
			      (int)n, p, ago);
	}
}

static int set_add(uint32_t *set, uint32_t *n, uint32_t cap, uint32_t v)
{
	uint32_t i;

	if (!v)
		v = 1;
	for (i = 0; i < *n && i < cap; i++)
		if (set[i] == v)
			return 0;
	if (*n < cap)
		set[*n] = v;
	(*n)++;
	return 1;
}

static void det_fanout(struct espy_detect *d, struct evstate *es)
{
	const struct espy_net *n = es->c.ev->net;
	struct espy_session *s = es->c.sess;
	uint64_t ah;
	uint32_t nh, np;
	int grew;

	if (!s || (n->family != AF_INET && n->family != AF_INET6) ||
	    es->c.dst == ESPY_DST_LOOPBACK || es->c.dst == ESPY_DST_UNSPEC)
		return;
	if (d->now_ms - s->fan_start_ms > d->cfg.fanout_window_s * 1000ULL) {
		s->fan_start_ms = d->now_ms;
		s->nfan_hosts = s->nfan_pairs = 0;
	}
	ah = espy_addr_hash(n->family, n->remote_addr);
	grew = set_add(s->fan_host, &s->nfan_hosts, ESPY_FAN_HOSTS, (uint32_t)ah);
	grew |= set_add(s->fan_pair, &s->nfan_pairs, ESPY_FAN_PAIRS,
			(uint32_t)espy_hash_pair(ah, n->remote_port));
	nh = s->nfan_hosts;
	np = s->nfan_pairs;
	es->fan_hosts = nh;
	es->fan_pairs = np;
	if (grew && (nh >= 4 || np >= 4))
		add_feat(es, ESPY_FEAT_FANOUT,
			 espy_hash_pair(es->c.dp ? es->c.dp->prog : 0,
					log2_bucket(nh) << 8 | log2_bucket(np)),
			 nh, np, 0);
	if (grew && nh >= d->cfg.fanout_hosts)
		espy_hits_add(&es->hits, ESPY_T_NETSCAN,
			      espy_techs[ESPY_T_NETSCAN].weight,
			      "connections to %u hosts within %us", nh,
			      d->cfg.fanout_window_s);
	else if (grew && np >= d->cfg.fanout_ports)
		espy_hits_add(&es->hits, ESPY_T_NETSCAN,
			      espy_techs[ESPY_T_NETSCAN].weight,
			      "connections to %u host:port pairs within %us", np,
			      d->cfg.fanout_window_s);
}

static void det_dns_burst(struct espy_detect *d, struct evstate *es)
{
	const struct espy_event *ev = es->c.ev;
	struct espy_session *s = es->c.sess;
	const char *dom;
	size_t dl;
	uint64_t dh;

	if (!s || !ev->name.len)
		return;
	dns_domain(ev->name.p, ev->name.len, &dom, &dl);
	dh = espy_hash_bytes(dom, dl, 0x444e53ULL);
	add_feat(es, ESPY_FEAT_DNS,
		 espy_hash_pair(es->c.dp ? es->c.dp->prog : 0, dh), 0, 0, 0);
	if (dh != s->dns_domain ||
	    d->now_ms - s->dns_start_ms > d->cfg.fanout_window_s * 1000ULL) {
		s->dns_domain = dh;
		s->dns_start_ms = d->now_ms;
		s->ndns = 0;
	}
	if (set_add(s->dns_sub, &s->ndns, ESPY_DNS_SUBS,
		    (uint32_t)espy_hash_bytes(ev->name.p, ev->name.len, 7)) &&
	    s->ndns >= DNS_SUB_BURST)
		espy_hits_add(&es->hits, ESPY_T_DNS_EXFIL,
			      espy_techs[ESPY_T_DNS_EXFIL].weight,
			      "%u distinct names under %.*s within %us", s->ndns,
			      (int)(dl > 60 ? 60 : dl), dom,
			      d->cfg.fanout_window_s);
}

/* Several kinds of discovery in a short time are worth more than each. */
static void det_discovery_burst(struct espy_detect *d, struct evstate *es)
{
	struct espy_session *s = es->c.sess;
	uint32_t before;
	int i, n = es->hits.n;

	if (!s)
		return;
	for (i = 0; i < n; i++) {
		int t = es->hits.h[i].tech;

		if (espy_techs[t].tactic != ESPY_TA_DISCOVERY)
			continue;
		if (d->now_ms - s->disc_start_ms >
		    d->cfg.discovery_window_s * 1000ULL) {
			s->disc_start_ms = d->now_ms;
			s->disc_mask = 0;
			s->disc_n = 0;
		}
		before = s->disc_mask;
		s->disc_mask |= 1U << t;
		s->disc_n++;
		if (s->disc_mask != before &&
		    espy_popcount(s->disc_mask) >= d->cfg.discovery_burst)
			espy_hits_addv(&es->hits, t, ESPY_V_BURST, 45,
				      "discovery burst: %u kinds of discovery within %us",
				      espy_popcount(s->disc_mask),
				      d->cfg.discovery_window_s);
	}
}

/* ---- features ---------------------------------------------------------- */

static void collect_features(struct espy_detect *d, struct evstate *es)
{
	struct espy_dctx *c = &es->c;
	const struct espy_event *ev = c->ev;
	const struct espy_hdr *h = ev->hdr;
	uint64_t prog = c->dp ? c->dp->prog : 0;

	switch (h->type) {
	case ESPY_EV_EXEC:
		if (!c->dp)
			break;
		add_feat(es, ESPY_FEAT_PARENT_EXE,
			 espy_hash_pair(c->dp->pprog, prog), 0, 0, 0);
		add_feat(es, ESPY_FEAT_USER_EXE,
			 espy_hash_pair(espy_hash_u64(h->uid), prog), h->uid, 0, 0);
		break;
	case ESPY_EV_OPEN ... ESPY_EV_MKDIR: {
		uint32_t op = file_op(ev->file, c->write);

		add_feat(es, ESPY_FEAT_EXE_FILE,
			 espy_hash_pair(prog, espy_hash_pair(c->pi.class_hash, op)),
			 op, 0, 0);
		if (ev->path2.len && (h->type == ESPY_EV_RENAME ||
				      (h->type == ESPY_EV_LINK &&
				       !(ev->file->fflags & ESPY_FILE_SYMLINK))))
			add_feat(es, ESPY_FEAT_EXE_FILE,
				 espy_hash_pair(prog, espy_hash_pair(c->pi2.class_hash,
								     OP_WRITE)),
				 OP_WRITE, 1, 0);
		break;
	}
	case ESPY_EV_CONNECT: {
		const struct espy_net *n = ev->net;

		if (n->family != AF_INET && n->family != AF_INET6)
			break;
		add_feat(es, ESPY_FEAT_EXE_DSTCLASS,
			 espy_hash_pair(prog, (uint64_t)c->dst << 32 |
				        espy_port_class(n->remote_port)),
			 c->dst, n->remote_port, 0);
		if (c->dst == ESPY_DST_PRIVATE || c->dst == ESPY_DST_PUBLIC ||
		    c->dst == ESPY_DST_LINKLOCAL) {
			uint64_t ah = espy_addr_hash(n->family, n->remote_addr);

			add_feat(es, ESPY_FEAT_EXE_DST,
				 espy_hash_pair(prog, espy_hash_pair(ah,
					        n->remote_port)),
				 n->remote_port, 0, 0);
			if (n->remote_port == 22)
				add_feat(es, ESPY_FEAT_LOGIN,
					 espy_hash_pair(espy_hash_u64(h->uid), ah),
					 h->uid, 0, 0);
		}
		break;
	}
	case ESPY_EV_ACCEPT: {
		const struct espy_net *n = ev->net;

		if (n->family != AF_INET && n->family != AF_INET6)
			break;
		add_feat(es, ESPY_FEAT_INBOUND,
			 espy_hash_pair(prog, espy_hash_pair(n->local_port,
				        espy_addr_hash(n->family, n->remote_addr))),
			 n->local_port, 0, 0);
		break;
	}
	case ESPY_EV_LISTEN:
		add_feat(es, ESPY_FEAT_LISTEN,
			 espy_hash_pair(prog, espy_port_class(ev->net->local_port)),
			 ev->net->local_port, 0, 0);
		break;
	case ESPY_EV_TCP_CLOSE: {
		const struct espy_net *n = ev->net;

		if (!n->bytes_sent || c->dst == ESPY_DST_LOOPBACK ||
		    c->dst == ESPY_DST_UNSPEC || c->dst == ESPY_DST_UNIX)
			break;
		add_feat(es, ESPY_FEAT_BYTES,
			 espy_hash_pair(prog, espy_hash_pair(
				 (uint64_t)c->dst << 32 |
				 espy_port_class(n->remote_port),
				 log2_bucket(n->bytes_sent))),
			 n->remote_port, 0, n->bytes_sent);
		break;
	}
	default:
		break;
	}
	/* a login from another host opens this session */
	if (es->created && c->sess && (c->sess->flags & ESPY_S_LOGIN) &&
	    (c->sess->flags & ESPY_S_REMOTE))
		add_feat(es, ESPY_FEAT_LOGIN,
			 espy_hash_pair(espy_hash_u64(h->auid | (1ULL << 40)),
					espy_addr_hash(c->sess->peer_family,
						       c->sess->peer)),
			 h->auid, 1, 0);
}

/* Bytes out of one connection, against what this program usually sends. */
static void det_exfil(struct espy_detect *d, struct evstate *es)
{
	const struct espy_net *n = es->c.ev->net;
	char addr[64];
	int i;

	if (n->bytes_sent < d->cfg.exfil_bytes)
		return;
	for (i = 0; i < es->nf; i++) {
		struct fobs *f = &es->f[i];
		double over, w;

		if (f->kind != ESPY_FEAT_BYTES)
			continue;
		if (f->o.seen && f->novelty < 0.25)
			return;
		over = log2((double)n->bytes_sent / d->cfg.exfil_bytes);
		w = 35 + 25 * fmin(1.0, over / 6.0);
		espy_addr_str(n->family, n->remote_addr, addr, sizeof(addr));
		espy_hits_add(&es->hits, ESPY_T_EXFIL, w,
			      "sent %.1f MiB to %s:%u, %s for this program",
			      n->bytes_sent / 1048576.0, addr, n->remote_port,
			      f->o.seen ? "a rare volume" : "a volume never seen");
		return;
	}
}

/* ---- scoring ------------------------------------------------------------ */

static double overall_maturity(const struct espy_detect *d)
{
	return espy_maturity(espy_bl_total(&d->bl, ESPY_FEAT_PARENT_EXE,
					   d->now_s), d->cfg.min_learned);
}

static void score_features(struct espy_detect *d, struct evstate *es,
			   double learn_w)
{
	int i;

	for (i = 0; i < es->nf; i++) {
		struct fobs *f = &es->f[i];

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

static void score_techs(struct espy_detect *d, struct evstate *es,
			double learn_w)
{
	uint64_t prog = es->c.dp ? es->c.dp->prog : 0;
	uint64_t pprog = es->c.dp ? es->c.dp->pprog : 0;
	double mat = overall_maturity(d);
	int i;

	for (i = 0; i < es->hits.n; i++) {
		struct espy_bl_obs o1, o2;
		int t = es->hits.h[i].tech;
		uint64_t tk = tech_key(&es->hits.h[i]);
		double f;

		espy_bl_observe(&d->bl, ESPY_FEAT_TECH, espy_hash_pair(prog, tk),
				d->now_s, learn_w, &o1);
		espy_bl_observe(&d->bl, ESPY_FEAT_LINEAGE_TECH,
				espy_hash_pair(pprog, tk), d->now_s, learn_w, &o2);
		es->tcount[i] = fmax(o1.count, o2.count);
		f = espy_tech_factor(es->tcount[i], mat, &es->fam[i]);
		es->ts[i] = fmin(100.0, es->hits.h[i].weight * f);
		d->st.hits_by_tech[t]++;
	}
}

/* Teach the baseline after the fact (detect mode). */
static void learn_late(struct espy_detect *d, struct evstate *es, double w)
{
	uint64_t prog = es->c.dp ? es->c.dp->prog : 0;
	uint64_t pprog = es->c.dp ? es->c.dp->pprog : 0;
	int i;

	for (i = 0; i < es->nf; i++)
		espy_bl_observe(&d->bl, es->f[i].kind, es->f[i].key, d->now_s, w,
				NULL);
	for (i = 0; i < es->hits.n; i++) {
		uint64_t tk = tech_key(&es->hits.h[i]);

		espy_bl_observe(&d->bl, ESPY_FEAT_TECH, espy_hash_pair(prog, tk),
				d->now_s, w, NULL);
		espy_bl_observe(&d->bl, ESPY_FEAT_LINEAGE_TECH,
				espy_hash_pair(pprog, tk), d->now_s, w, NULL);
	}
}

/* ---- explanations ------------------------------------------------------- */

static const char *short_path(const char *p, uint32_t n, int max, int *outn)
{
	if (!p) {
		*outn = 1;
		return "?";
	}
	if ((int)n > max) {
		*outn = max;
		return p + n - max;
	}
	*outn = (int)n;
	return p;
}

static int add_reason(struct espy_verdict *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static int add_reason(struct espy_verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (v->nreasons >= ESPY_VERDICT_MAX_REASONS)
		return -ENOSPC;
	va_start(ap, fmt);
	vsnprintf(v->reasons[v->nreasons++], ESPY_VERDICT_REASON_LEN, fmt, ap);
	va_end(ap);
	return 0;
}

static void feat_label(struct espy_detect *d, struct evstate *es,
		       const struct fobs *f, char *buf, size_t len)
{
	struct espy_dctx *c = &es->c;
	const struct espy_event *ev = c->ev;
	struct espy_proc *pp = NULL;
	const char *e, *pe;
	int en, pen;
	char addr[64];

	e = short_path(c->proc ? c->proc->exe : NULL,
		       c->proc ? c->proc->exe_len : 0, 40, &en);
	switch (f->kind) {
	case ESPY_FEAT_PARENT_EXE:
		if (c->proc && d->pt)
			pp = espy_proctab_parent(d->pt, c->proc);
		pe = short_path(pp ? pp->exe : NULL, pp ? pp->exe_len : 0, 40,
				&pen);
		snprintf(buf, len, "%.*s -> %.*s", pen, pe, en, e);
		break;
	case ESPY_FEAT_USER_EXE:
		snprintf(buf, len, "uid %u -> %.*s", f->n1, en, e);
		break;
	case ESPY_FEAT_EXE_FILE:
		snprintf(buf, len, "%.*s %s %.60s", en, e, op_names[f->n1],
			 f->n2 ? c->pi2.cls : c->pi.cls);
		break;
	case ESPY_FEAT_EXE_DSTCLASS:
		snprintf(buf, len, "%.*s -> %s port %u", en, e,
			 espy_dst_class_names[f->n1], f->n2);
		break;
	case ESPY_FEAT_EXE_DST:
		espy_addr_str(ev->net->family, ev->net->remote_addr, addr,
			      sizeof(addr));
		snprintf(buf, len, "%.*s -> %s:%u", en, e, addr, f->n1);
		break;
	case ESPY_FEAT_LISTEN:
		snprintf(buf, len, "%.*s listens on port %u", en, e, f->n1);
		break;
	case ESPY_FEAT_INBOUND:
		espy_addr_str(ev->net->family, ev->net->remote_addr, addr,
			      sizeof(addr));
		snprintf(buf, len, "%.*s port %u <- %s", en, e, f->n1, addr);
		break;
	case ESPY_FEAT_LOGIN:
		if (f->n2) {
			espy_addr_str(c->sess->peer_family, c->sess->peer, addr,
				      sizeof(addr));
			snprintf(buf, len, "uid %u logs in from %s", f->n1, addr);
		} else {
			espy_addr_str(ev->net->family, ev->net->remote_addr,
				      addr, sizeof(addr));
			snprintf(buf, len, "uid %u logs in to %s", f->n1, addr);
		}
		break;
	case ESPY_FEAT_FANOUT:
		snprintf(buf, len, "%.*s reached %u hosts, %u host:port pairs",
			 en, e, f->n1, f->n2);
		break;
	case ESPY_FEAT_BYTES:
		espy_addr_str(ev->net->family, ev->net->remote_addr, addr,
			      sizeof(addr));
		snprintf(buf, len, "%.*s sent %llu bytes to %s:%u", en, e,
			 (unsigned long long)f->x, addr, f->n1);
		break;
	case ESPY_FEAT_DNS:
		snprintf(buf, len, "%.*s resolves %.*s", en, e,
			 (int)(ev->name.len > 60 ? 60 : ev->name.len),
			 ev->name.p);
		break;
	default:
		snprintf(buf, len, "?");
	}
}

static void explain(struct espy_detect *d, struct evstate *es,
		    struct espy_verdict *v, uint32_t chain, int alert_kind)
{
	struct espy_session *s = es->c.sess;
	int order[ESPY_MAX_HITS], fo[FOBS_MAX];
	int i, j, n = es->hits.n;
	char label[128];

	if (alert_kind == 1) {
		char tl[128];
		int o = 0, t;

		tl[0] = 0;
		for (t = 0; t < ESPY_TA_NR && o < (int)sizeof(tl); t++)
			if (chain & (1U << t))
				o += snprintf(tl + o, sizeof(tl) - o, "%s%s",
					      o ? ", " : "", espy_tactic_names[t]);
		add_reason(v, "chain: %s (%u tactics) raise the session to %.0f",
			   tl, espy_popcount(chain), s ? s->score : 0.0);
	} else if (alert_kind == 2) {
		add_reason(v, "critical: this event alone scores %.0f", v->score);
	}
	/* techniques, strongest first */
	for (i = 0; i < n; i++)
		order[i] = i;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && es->ts[order[j]] > es->ts[order[j - 1]]; j--) {
			int x = order[j];

			order[j] = order[j - 1];
			order[j - 1] = x;
		}
	for (i = 0; i < n; i++) {
		const struct espy_hit *h = &es->hits.h[order[i]];
		const struct espy_tech_info *ti = &espy_techs[h->tech];
		double c = es->tcount[order[i]];

		if (c >= 0.05)
			add_reason(v, "%s %s: %s; seen before from this program or its parent (weight %.2g, x%.2f)",
				   ti->t.id, ti->t.tactic, h->why, c,
				   es->ts[order[i]] / h->weight);
		else
			add_reason(v, "%s %s: %s; never seen from this program (x%.2f)",
				   ti->t.id, ti->t.tactic, h->why,
				   es->ts[order[i]] / h->weight);
	}
	if (s && s->hop_from && (es->created || alert_kind)) {
		char addr[64];

		espy_addr_str(s->peer_family, s->peer, addr, sizeof(addr));
		add_reason(v, "hop: session opened from %s by session %016llx, carrying %.0f",
			   addr, (unsigned long long)s->hop_from, s->inherited);
	}
	/* features, most telling first */
	n = 0;
	for (i = 0; i < es->nf; i++)
		if (es->f[i].contrib >= 3)
			fo[n++] = i;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && es->f[fo[j]].contrib > es->f[fo[j - 1]].contrib;
		     j--) {
			int x = fo[j];

			fo[j] = fo[j - 1];
			fo[j - 1] = x;
		}
	for (i = 0; i < n; i++) {
		const struct fobs *f = &es->f[fo[i]];

		feat_label(d, es, f, label, sizeof(label));
		if (!f->o.seen)
			add_reason(v, "new %s: %s (first seen, %.1f bits)",
				   feat_what[f->kind], label, f->o.bits);
		else
			add_reason(v, "rare %s: %s (%.1f bits, about 1 in %.0f)",
				   feat_what[f->kind], label, f->o.bits,
				   exp2(f->o.bits));
	}
	if (v->after_drops && s)
		add_reason(v, "after drops: the kernel dropped %llu records while this session was live; events may be missing",
			   (unsigned long long)(d->lost_total - s->lost_at_start));
	else if (v->after_drops)
		add_reason(v, "after drops: the kernel dropped records just before this event");
}

static void fill_techs(struct espy_verdict *v, struct evstate *es,
		       const struct espy_session *s, int alert)
{
	int used[ESPY_T_NR] = { 0 };
	int i, j, best;

	/* this event's techniques, strongest first */
	for (;;) {
		best = -1;
		for (i = 0; i < es->hits.n; i++)
			if (!used[es->hits.h[i].tech] &&
			    (best < 0 || es->ts[i] > es->ts[best]))
				best = i;
		if (best < 0 || v->ntech == ESPY_VERDICT_MAX_TECH)
			break;
		used[es->hits.h[best].tech] = 1;
		v->tech[v->ntech++] = espy_techs[es->hits.h[best].tech].t;
	}
	if (!alert || !s)
		return;
	/* an alert names the chain's techniques too */
	for (;;) {
		best = -1;
		for (j = 0; j < (int)s->nev; j++)
			if (s->ev_tech[j] >= 0 && !used[s->ev_tech[j]] &&
			    (best < 0 || s->ev_score[j] > s->ev_score[best]))
				best = j;
		if (best < 0 || v->ntech == ESPY_VERDICT_MAX_TECH)
			break;
		used[s->ev_tech[best]] = 1;
		v->tech[v->ntech++] = espy_techs[s->ev_tech[best]].t;
	}
}

static void fill_evidence(struct espy_verdict *v, const struct espy_session *s,
			  uint64_t self)
{
	uint64_t ids[ESPY_SESS_EVIDENCE + 1];
	uint32_t i, j, n = 0;

	for (i = 0; i < s->nev; i++)
		ids[n++] = s->ev_id[i];
	for (i = 0; i < n && ids[i] != self; i++)
		;
	if (i == n)
		ids[n++] = self;
	for (i = 1; i < n; i++)
		for (j = i; j > 0 && ids[j] < ids[j - 1]; j--) {
			uint64_t x = ids[j];

			ids[j] = ids[j - 1];
			ids[j - 1] = x;
		}
	/* keep the most recent when there are more than fit */
	j = n > ESPY_VERDICT_MAX_EVIDENCE ? n - ESPY_VERDICT_MAX_EVIDENCE : 0;
	for (i = j; i < n; i++)
		v->evidence[v->nevidence++] = ids[i];
}

/* ---- the stage ---------------------------------------------------------- */

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
	add_reason(v, "the kernel dropped %llu records: sessions live now may miss events",
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
	dp->flags &= ~(ESPY_DP_SSH_ODD_KEY | ESPY_DP_XFER_TOOL);
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
	struct evstate es;
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

	memset(&es, 0, sizeof(es.c));
	es.hits.n = 0;
	es.nf = 0;
	es.created = 0;
	if (dp)
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
		espy_path_classify(ev->path.p, ev->path.len, &es.c.pi);
		if (ev->path2.len)
			espy_path_classify(ev->path2.p, ev->path2.len, &es.c.pi2);
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

	/* detectors, stateless then stateful */
	espy_detectors_run(&es.c, &es.hits);
	switch (h->type) {
	case ESPY_EV_EXEC:
		if (dp)
			det_exec_transferred(d, &es);
		break;
	case ESPY_EV_OPEN ... ESPY_EV_MKDIR:
		det_files_written(d, &es);
		break;
	case ESPY_EV_CONNECT:
		det_fanout(d, &es);
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
		det_dns_burst(d, &es);
		break;
	default:
		break;
	}
	det_discovery_burst(d, &es);
	if (es.created && s && (s->flags & ESPY_S_LOGIN) &&
	    (s->flags & ESPY_S_REMOTE)) {
		enum espy_dst_class pc = espy_dst_classify(s->peer_family,
							   s->peer);
		char addr[64];

		espy_addr_str(s->peer_family, s->peer, addr, sizeof(addr));
		if (pc == ESPY_DST_PRIVATE || pc == ESPY_DST_LINKLOCAL ||
		    pc == ESPY_DST_PUBLIC || s->hop_from)
			/* a routine login alone stays below a chain's tactic
			 * threshold; one opened from a watched session not */
			espy_hits_addv(&es.hits, ESPY_T_SSH_LATERAL,
				       s->hop_from ? ESPY_V_HOP : ESPY_V_PLAIN,
				       s->hop_from ? 35 : 15,
				      "login session from %s%s", addr,
				      s->hop_from ? ", opened by a watched session"
						  : "");
	}
	collect_features(d, &es);

	/* scoring: in learn mode one pass both reads and teaches */
	learn_w = d->learning ? 1.0 : 0.0;
	score_features(d, &es, learn_w);
	if (h->type == ESPY_EV_TCP_CLOSE)
		det_exfil(d, &es);
	score_techs(d, &es, learn_w);
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
		if (A > espy_decay(s->anom, s->anom_ts, d->now_s,
				   d->cfg.tactic_half_life_s)) {
			s->anom = (float)A;
			s->anom_ts = d->now_s;
		}
		S = espy_session_rescore(d, s);
		chain = espy_session_chain(d, s);
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
		newta = chain & ~s->alerted_mask;
		if ((int)espy_popcount(chain) >= d->cfg.chain_min &&
		    S >= d->cfg.alert_score && newta &&
		    (es.hits.n || (es.created && s->hop_from))) {
			alert_kind = 1;
			s->alerted_mask |= chain;
		} else if (fin >= d->cfg.critical_event && top >= 0 &&
			   !(s->tech_alerted & (1ULL << es.hits.h[top].tech))) {
			alert_kind = 2;
			s->tech_alerted |= 1ULL << es.hits.h[top].tech;
		}
		if (alert_kind)
			s->nalerts++;
	} else if (!d->learning && !s && fin >= d->cfg.critical_event) {
		alert_kind = 2;
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

	v->score = fin;
	v->severity = espy_severity_of(fin);
	v->session_score = s ? espy_round1(S) : 0;
	v->alert = alert_kind != 0;
	if (alert_kind && v->severity < espy_severity_of(S))
		v->severity = espy_severity_of(S);
	fill_techs(v, &es, s, alert_kind);
	if (alert_kind && s)
		fill_evidence(v, s, ev->id);
	if (alert_kind || (!d->cfg.explain_alerts_only &&
			   (fin >= 1 || v->after_drops)))
		explain(d, &es, v, chain, alert_kind);

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
			   ((size_t)d->conn.nbuckets + d->conn_dst.nbuckets +
			    d->acc.nbuckets + d->files.nbuckets +
			    d->links.nbuckets) *
			   ESPY_RECENT_WAYS * sizeof(struct espy_recent_ent);
	st->learning = effective_learning(d);
	st->mode = st->learning ? ESPY_MODE_LEARN : ESPY_MODE_DETECT;
	st->configured = d->cfg_mode;
}

const struct espy_baseline *espy_detect_baseline(const struct espy_detect *d)
{
	return &d->bl;
}
