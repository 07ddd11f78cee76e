/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every verdict explains itself: which techniques and why, whether the
 * baseline had seen them from this program, which features were new or
 * how rare (in bits), the session's chain and hop, and kernel drops.  An
 * alert also names its chain's techniques and evidence events.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "detect_int.h"

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

static const char *const op_names[] = { "reads", "writes", "deletes",
					"changes", "renames" };

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

int espy_add_reason(struct espy_verdict *v, const char *fmt, ...)
{
	va_list ap;

	if (v->nreasons >= ESPY_VERDICT_MAX_REASONS)
		return -ENOSPC;
	va_start(ap, fmt);
	vsnprintf(v->reasons[v->nreasons++], ESPY_VERDICT_REASON_LEN, fmt, ap);
	va_end(ap);
	return 0;
}

static void feat_label(struct espy_detect *d, struct espy_evstate *es,
		       const struct espy_fobs *f, char *buf, size_t len)
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

/* "discovery, credential-access, ..." for the tactics set in chain. */
static void tactic_list(uint32_t chain, char *tl, size_t len)
{
	int o = 0, t;

	tl[0] = 0;
	for (t = 0; t < ESPY_TA_NR && o < (int)len; t++)
		if (chain & (1U << t))
			o += snprintf(tl + o, len - o, "%s%s",
				      o ? ", " : "", espy_tactic_names[t]);
}

void espy_explain(struct espy_detect *d, struct espy_evstate *es,
		    struct espy_verdict *v, uint32_t chain, int alert_kind)
{
	struct espy_session *s = es->c.sess;
	int order[ESPY_MAX_HITS], fo[ESPY_FOBS_MAX];
	int i, j, n = es->hits.n;
	char label[128];

	if (alert_kind == ESPY_ALERT_CHAIN) {
		char tl[128];

		tactic_list(chain, tl, sizeof(tl));
		espy_add_reason(v, "chain: %s (%u tactics) raise the session to %.0f",
			   tl, espy_popcount(chain), s ? s->score : 0.0);
	} else if (alert_kind == ESPY_ALERT_CRITICAL) {
		espy_add_reason(v, "critical: this event alone scores %.0f", v->score);
	} else if (alert_kind == ESPY_ALERT_GROWS) {
		char tl[128];

		tactic_list(chain, tl, sizeof(tl));
		espy_add_reason(v, "chain grows: a new technique in a session already alerting (%s; session %.0f)",
				tl, s ? s->score : 0.0);
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
			espy_add_reason(v, "%s %s: %s; seen before from this program or its parent (weight %.2g, x%.2f)",
				   ti->t.id, ti->t.tactic, h->why, c,
				   es->ts[order[i]] / h->weight);
		else
			espy_add_reason(v, "%s %s: %s; never seen from this program (x%.2f)",
				   ti->t.id, ti->t.tactic, h->why,
				   es->ts[order[i]] / h->weight);
	}
	if (s && s->hop_from && (es->created || alert_kind)) {
		char addr[64];

		espy_addr_str(s->peer_family, s->peer, addr, sizeof(addr));
		espy_add_reason(v, "hop: session opened from %s by session %016llx, carrying %.0f",
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
		const struct espy_fobs *f = &es->f[fo[i]];

		feat_label(d, es, f, label, sizeof(label));
		if (!f->o.seen)
			espy_add_reason(v, "new %s: %s (first seen, %.1f bits)",
				   feat_what[f->kind], label, f->o.bits);
		else
			espy_add_reason(v, "rare %s: %s (%.1f bits, about 1 in %.0f)",
				   feat_what[f->kind], label, f->o.bits,
				   exp2(f->o.bits));
	}
	if (v->after_drops && s)
		espy_add_reason(v, "after drops: the kernel dropped %llu records while this session was live; events may be missing",
			   (unsigned long long)(d->lost_total - s->lost_at_start));
	else if (v->after_drops)
		espy_add_reason(v, "after drops: the kernel dropped records just before this event");
}

void espy_fill_techs(struct espy_verdict *v, struct espy_evstate *es,
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

void espy_fill_evidence(struct espy_verdict *v, const struct espy_session *s,
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
