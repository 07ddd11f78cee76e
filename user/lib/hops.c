/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Hops: an outbound TCP connect on one host and the accept of the same
 * connection on another (a network namespace or container on this kernel)
 * share their 4-tuple.  espy links them so that the session the accept
 * opens (e.g. an ssh login) inherits the suspicion of the session that
 * connected.  Either record may come first: connects wait for their
 * accept, and accepts for their connect, for cfg.hop_ttl_s.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "detect_int.h"
#include "hash64.h"

#define ESPY_EINPROGRESS	115

struct hop_conn {
	uint64_t sess_id;
	float score;
	uint32_t netns;
};

struct hop_acc {
	uint64_t start_ns;
	uint32_t tgid;
};

_Static_assert(sizeof(struct hop_conn) <= ESPY_RECENT_DATA, "hop_conn");
_Static_assert(sizeof(struct hop_acc) <= ESPY_RECENT_DATA, "hop_acc");

/* IPv4-mapped IPv6 (a v6 socket accepting v4) hashes like plain IPv4. */
static const uint8_t *norm_addr(uint16_t family, const uint8_t *a, int *v4)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
					    0xff, 0xff };

	*v4 = family == AF_INET;
	if (family == AF_INET6 && !memcmp(a, mapped, 12)) {
		*v4 = 1;
		return a + 12;
	}
	return a;
}

uint64_t espy_hop_tuple(uint16_t family, const uint8_t *src, uint16_t sport,
			const uint8_t *dst, uint16_t dport)
{
	int v4s, v4d;
	const uint8_t *s = norm_addr(family, src, &v4s);
	const uint8_t *t = norm_addr(family, dst, &v4d);
	uint64_t h;

	h = espy_hash_bytes(s, v4s ? 4 : 16, 0x484f5053ULL + sport);
	h = espy_hash_pair(h, espy_hash_bytes(t, v4d ? 4 : 16,
					      0x484f5044ULL + dport));
	return h ? h : 1;
}

static uint64_t dst_key(uint16_t family, const uint8_t *dst, uint16_t dport)
{
	int v4;
	const uint8_t *t = norm_addr(family, dst, &v4);

	return espy_hash_bytes(t, v4 ? 4 : 16, 0x44535400ULL + dport);
}

static int tcp_inet(const struct espy_net *n)
{
	return (n->family == AF_INET || n->family == AF_INET6) &&
	       (n->protocol == 6 || n->protocol == 0);
}

/* An accept seen before its connect: give its process the link now. */
static void late_link(struct espy_detect *d, const struct hop_acc *a,
		      uint64_t tuple, struct espy_session *from)
{
	struct espy_proc *p = d->pt ? espy_proctab_find(d->pt, a->tgid,
							a->start_ns) : NULL;
	struct espy_dproc *dp = p ? p->session : NULL;
	uint32_t i;

	struct espy_recent_ent *e;
	struct hop_conn c = { from->id, from->score, from->netns };

	if (dp && dp->peer.tuple == tuple) {
		dp->peer.hop_from = from->id;
		dp->peer.hop_score = from->score;
		dp->peer.hop_netns = from->netns;
	}
	/* children that took the peer before the link was known */
	e = espy_recent_put(&d->links, tuple, d->now_ms);
	memcpy(e->data, &c, sizeof(c));
	/* sessions the accept already opened (rare: scan) */
	for (i = 0; i < d->cfg.max_sessions; i++) {
		struct espy_session *s = &d->sess[i];

		if (s->id && s->id != from->id && s->peer_tuple == tuple &&
		    !s->hop_from)
			espy_session_inherit(d, s, from, from->score);
	}
	d->st.hops_linked++;
}

void espy_hop_connect(struct espy_detect *d, const struct espy_net *n,
		      struct espy_session *s)
{
	struct espy_recent_ent *e;
	struct hop_conn c;
	uint64_t tuple;

	if (!s || !tcp_inet(n) || (n->ret != 0 && n->ret != -ESPY_EINPROGRESS))
		return;
	c.sess_id = s->id;
	c.score = s->score;
	c.netns = n->hdr.netns;
	if (n->local_port) {
		tuple = espy_hop_tuple(n->family, n->local_addr, n->local_port,
				       n->remote_addr, n->remote_port);
		e = espy_recent_get(&d->acc, tuple, d->now_ms);
		if (e) {
			struct hop_acc a;

			memcpy(&a, e->data, sizeof(a));
			espy_recent_del(e);
			late_link(d, &a, tuple, s);
		}
		e = espy_recent_put(&d->conn, tuple, d->now_ms);
		memcpy(e->data, &c, sizeof(c));
	} else {
		/* the sensor could not tell our port: match by destination */
		e = espy_recent_put(&d->conn_dst,
				    dst_key(n->family, n->remote_addr,
					    n->remote_port), d->now_ms);
		memcpy(e->data, &c, sizeof(c));
	}
}

void espy_hop_resolve(struct espy_detect *d, struct espy_peer *peer)
{
	struct espy_recent_ent *e;
	struct hop_conn c;

	if (peer->hop_from || !peer->tuple)
		return;
	e = espy_recent_get(&d->links, peer->tuple, d->now_ms);
	if (!e)
		return;
	memcpy(&c, e->data, sizeof(c));
	peer->hop_from = c.sess_id;
	peer->hop_score = c.score;
	peer->hop_netns = c.netns;
}

void espy_hop_prefetch(const struct espy_detect *d, const struct espy_net *n)
{
	uint64_t tuple;

	if (!tcp_inet(n))
		return;
	if (n->hdr.type == ESPY_EV_CONNECT && n->local_port) {
		tuple = espy_hop_tuple(n->family, n->local_addr, n->local_port,
				       n->remote_addr, n->remote_port);
		espy_recent_prefetch(&d->acc, tuple);
		espy_recent_prefetch(&d->conn, tuple);
	} else if (n->hdr.type == ESPY_EV_CONNECT) {
		espy_recent_prefetch(&d->conn_dst, dst_key(n->family,
							   n->remote_addr,
							   n->remote_port));
	} else if (n->hdr.type == ESPY_EV_ACCEPT) {
		tuple = espy_hop_tuple(n->family, n->remote_addr, n->remote_port,
				       n->local_addr, n->local_port);
		espy_recent_prefetch(&d->conn, tuple);
		espy_recent_prefetch(&d->acc, tuple);
	}
}

int espy_hop_accept(struct espy_detect *d, const struct espy_net *n,
		    struct espy_proc *p, struct espy_dproc *dp)
{
	struct espy_recent_ent *e;
	struct espy_session *src;
	struct hop_conn c;
	uint64_t tuple;

	if (!tcp_inet(n) || n->ret < 0)
		return 0;
	tuple = espy_hop_tuple(n->family, n->remote_addr, n->remote_port,
			       n->local_addr, n->local_port);
	memset(&dp->peer, 0, sizeof(dp->peer));
	memcpy(dp->peer.addr, n->remote_addr, 16);
	dp->peer.port = n->remote_port;
	dp->peer.family = n->family;
	dp->peer.local_port = n->local_port;
	dp->peer.tuple = tuple;
	dp->flags |= ESPY_DP_HAS_PEER;

	e = espy_recent_get(&d->conn, tuple, d->now_ms);
	if (!e)
		e = espy_recent_get(&d->conn_dst,
				    dst_key(n->family, n->local_addr,
					    n->local_port), d->now_ms);
	if (!e) {
		struct hop_acc a = { .start_ns = p->start_ns, .tgid = p->tgid };

		e = espy_recent_put(&d->acc, tuple, d->now_ms);
		memcpy(e->data, &a, sizeof(a));
		return 0;
	}
	memcpy(&c, e->data, sizeof(c));
	espy_recent_del(e);
	src = espy_session_find(d, c.sess_id);
	dp->peer.hop_from = c.sess_id;
	dp->peer.hop_score = src ? src->score : c.score;
	dp->peer.hop_netns = c.netns;
	d->st.hops_linked++;
	return 1;
}
