/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Detectors that need memory across events: files written where tools
 * land and their later execution (tool transfer), fan-out of connections,
 * bursts of discovery and of DNS names, bytes out against the baseline,
 * and which process owns a socket whose close the kernel reports without
 * a task.  Plus the path classification cache.  All state lives in the
 * engine's bounded tables; time is record time.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "detect_int.h"
#include "hash64.h"

#define DNS_SUB_BURST	20	/* distinct names under one domain */

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

struct sock_owner {
	uint64_t start_ns;
	uint32_t tgid;
};

/* A connecting socket's owner, for its close (often in softirq, taskless). */
void espy_sock_note(struct espy_detect *d, const struct espy_net *n,
			const struct espy_proc *p)
{
	struct espy_recent_ent *e;
	struct sock_owner o = { p->start_ns, p->tgid };

	if (!n->sock_cookie)
		return;
	e = espy_recent_put(&d->socks, n->sock_cookie, d->now_ms);
	memcpy(e->data, &o, sizeof(o));
}

struct espy_proc * espy_sock_owner(struct espy_detect *d,
				      const struct espy_net *n)
{
	struct espy_recent_ent *e;
	struct sock_owner o;

	if (!n->sock_cookie || !d->pt)
		return NULL;
	e = espy_recent_get(&d->socks, n->sock_cookie, d->now_ms);
	if (!e)
		return NULL;
	memcpy(&o, e->data, sizeof(o));
	espy_recent_del(e);
	return espy_proctab_find(d->pt, o.tgid, o.start_ns);
}

/* Classify a path, through the cache. */
void espy_ev_classify(struct espy_detect *d, const char *p, size_t n,
		     struct espy_pathinfo *pi)
{
	uint64_t h = espy_hash_bytes(p, n, 0x50434143ULL) | 1;
	struct espy_path_cache *c = &d->pcache[h & (ESPY_PCACHE_SLOTS - 1)];

	if (c->h != h) {
		espy_path_classify(p, n, &c->pi);
		c->h = h;
	}
	*pi = c->pi;
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

static void note_written(struct espy_detect *d, struct espy_evstate *es,
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

void espy_track_written(struct espy_detect *d, struct espy_evstate *es)
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

void espy_track_exec(struct espy_detect *d, struct espy_evstate *es)
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
	/* linked here by a compiler: a build, not a transfer */
	if (fe.tool & ESPY_TOOL_COMPILER)
		return;
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
	} else if (fe.tool & (ESPY_TOOL_TRANSFER | ESPY_TOOL_NETCAT)) {
		espy_hits_add(&es->hits, ESPY_T_TOOL_XFER,
			      espy_techs[ESPY_T_TOOL_XFER].weight + 5,
			      "runs %.*s, downloaded %.0fs earlier", (int)n, p,
			      ago);
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

/* n reached the threshold t, or 2t, 4t ... (sets saturate at their size) */
static int crossing(uint32_t n, uint32_t t)
{
	while (t && t < n)
		t *= 2;
	return t && n == t;
}

void espy_track_fanout(struct espy_detect *d, struct espy_evstate *es)
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
	if (grew && (nh >= 4 || np >= 4))
		espy_ev_add_feat(es, ESPY_FEAT_FANOUT,
			 espy_hash_pair(es->c.dp ? es->c.dp->prog : 0,
					espy_log2_bucket(nh) << 8 | espy_log2_bucket(np)),
			 nh, np, 0);
	/* at the threshold and at each doubling, not at every new peer */
	if (grew && crossing(nh, d->cfg.fanout_hosts))
		espy_hits_add(&es->hits, ESPY_T_NETSCAN,
			      espy_techs[ESPY_T_NETSCAN].weight,
			      "connections to %u hosts within %us", nh,
			      d->cfg.fanout_window_s);
	else if (grew && nh < d->cfg.fanout_hosts &&
		 crossing(np, d->cfg.fanout_ports))	/* ports, few hosts */
		espy_hits_add(&es->hits, ESPY_T_NETSCAN,
			      espy_techs[ESPY_T_NETSCAN].weight,
			      "connections to %u host:port pairs within %us", np,
			      d->cfg.fanout_window_s);
}

void espy_track_dns(struct espy_detect *d, struct espy_evstate *es)
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
	espy_ev_add_feat(es, ESPY_FEAT_DNS,
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
void espy_track_discovery(struct espy_detect *d, struct espy_evstate *es)
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

/* Bytes out of one connection, against what this program usually sends. */
void espy_track_exfil(struct espy_detect *d, struct espy_evstate *es)
{
	const struct espy_net *n = es->c.ev->net;
	char addr[64];
	int i;

	if (n->bytes_sent < d->cfg.exfil_bytes)
		return;
	for (i = 0; i < es->nf; i++) {
		struct espy_fobs *f = &es->f[i];
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
