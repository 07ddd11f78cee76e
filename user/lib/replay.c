/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "replay.h"
#include "detect.h"
#include "ecs.h"
#include "pipeline.h"
#include "proctab.h"

struct replay {
	const struct espy_replay_opts *o;
	struct espy_replay_result *r;
	struct espy_detect *det;
	const struct espy_host *host;
};

int espy_replay_alert_line(const struct espy_event *ev, const char *host,
			   char *buf, size_t len)
{
	const struct espy_verdict *v = ev->verdict;
	const struct espy_proc *p = ev->proc;
	char ts[48];
	int n, i;

	espy_rfc3339(ev->wall_ns, ts, sizeof(ts));
	n = snprintf(buf, len, "%s ALERT %s %.1f host=%s session=%016llx "
		     "event=%llu pid=%u exe=%s techniques=", ts,
		     espy_severity_name(v->severity), v->score, host,
		     (unsigned long long)v->session_id,
		     (unsigned long long)ev->id, ev->hdr->tgid,
		     p && p->exe ? p->exe : "?");
	for (i = 0; i < v->ntech && n > 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - n, "%s%s", i ? "," : "",
			      v->tech[i].id);
	for (i = 0; i < v->nevidence && n > 0 && (size_t)n < len; i++)
		n += snprintf(buf + n, len - n, "%s%llu", i ? "," : " evidence=",
			      (unsigned long long)v->evidence[i]);
	if (v->nreasons && n > 0 && (size_t)n < len)
		n += snprintf(buf + n, len - n, " : %s", v->reasons[0]);
	return n;
}

/* Detection, then the readable alert line when not writing JSON. */
static int detect_cb(void *ctx, struct espy_event *ev)
{
	struct replay *rp = ctx;
	int ret = espy_detect_event(rp->det, ev);
	const struct espy_verdict *v = ev->verdict;
	char line[1024];

	if (!v)
		return ret;
	if (ev->hdr->type != ESPY_EV_PROC)
		rp->r->by_severity[v->severity]++;
	if (v->alert) {
		rp->r->alerts++;
		if (!rp->o->json) {
			espy_replay_alert_line(ev, rp->host->name, line,
					       sizeof(line));
			fprintf(rp->o->out, "%s\n", line);
		}
	}
	return ret;
}

static int json_sink(void *ctx, const struct espy_event *ev, const char *json,
		     size_t len)
{
	struct replay *rp = ctx;

	if (rp->o->min_score > 0 &&
	    (!ev->verdict || ev->verdict->score < rp->o->min_score) &&
	    !(ev->verdict && ev->verdict->alert))
		return 0;
	if (fwrite(json, 1, len, rp->o->out) != len)
		return -EIO;
	return 0;
}

/*
 * A recording of a busy host interleaves tens of thousands of processes, so
 * each record's process entry, and the detection state behind it, is a
 * cache miss, one after the other.  The records ahead are already in memory:
 * start those loads a few records early.  Only the cache sees this.
 */
#define AHEAD	12		/* records looked ahead: the largest dist[] */

struct lookahead {
	const void *rec[AHEAD];	/* ring: the records after the current one */
	size_t len[AHEAD];
	unsigned int head, n;
};

/* rec (len bytes) is the record about to be fed: keep AHEAD after it. */
static void lookahead_step(struct lookahead *la,
			   const struct espy_rec_reader *rd, const void *rec,
			   size_t len)
{
	const void *last = rec;
	size_t last_len = len;
	unsigned int tail;

	if (la->n && la->rec[la->head] == rec) {
		la->head = (la->head + 1) % AHEAD;
		la->n--;
	} else {
		la->n = 0;	/* a new block: walk again from rec */
	}
	if (la->n) {
		tail = (la->head + la->n - 1) % AHEAD;
		last = la->rec[tail];
		last_len = la->len[tail];
	}
	while (la->n < AHEAD) {
		tail = (la->head + la->n) % AHEAD;
		if (!espy_rec_peek_after(rd, last, last_len, &la->rec[tail],
					 &la->len[tail]))
			break;
		last = la->rec[tail];
		last_len = la->len[tail];
		la->n++;
	}
}

static void prefetch_ahead(const struct lookahead *la,
			   const struct espy_proctab *pt,
			   const struct espy_detect *det)
{
	/* how many records ahead: bucket, entry, detection state, session,
	 * and the engine's tables keyed by the record's own fields */
	static const unsigned int dist[] = { 12, 8, 4, 2, 4 };
	const struct espy_hdr *h;
	const struct espy_proc *proc;
	unsigned int level, i;

	for (level = 0; level < 5; level++) {
		i = (la->head + dist[level] - 1) % AHEAD;
		if (dist[level] > la->n || la->len[i] < sizeof(*h))
			continue;
		h = la->rec[i];
		if (level < 3) {
			espy_proctab_prefetch(pt, h->tgid, level);
		} else if (!det) {
			break;
		} else if (level == 3) {
			proc = espy_proctab_peek(pt, h->tgid);
			if (proc)
				espy_detect_prefetch(det, proc);
		} else if (!((uintptr_t)h & 7)) {
			espy_detect_prefetch_rec(det, h, la->len[i]);
		}
	}
}

int espy_replay_run(const struct espy_replay_opts *o,
		    struct espy_replay_result *r, char *err, size_t errlen)
{
	struct espy_pipeline_opts po = { 0 };
	struct espy_detect_config dc;
	struct espy_rec_reader *rd;
	struct espy_pipeline *p;
	struct espy_proctab *pt;
	struct espy_host host;
	struct replay rp = { o, r, NULL, NULL };
	const struct espy_pipeline_stats *ps;
	struct lookahead la = { .n = 0 };
	const void *rec;
	size_t len;
	int ret, n;

	memset(r, 0, sizeof(*r));
	ret = espy_rec_reader_open(&rd, o->path, &r->info, &r->damage);
	if (ret) {
		if (ret == -EBADMSG)
			snprintf(err, errlen, "%s: not a readable recording: %s",
				 o->path, r->damage.msg);
		else
			snprintf(err, errlen, "%s: %s", o->path, strerror(-ret));
		return ret;
	}
	memset(&host, 0, sizeof(host));
	snprintf(host.name, sizeof(host.name), "%s", r->info.hostname);
	snprintf(host.id, sizeof(host.id), "%s", r->info.host_id);
	po.host = &host;
	po.have_clock_offset = 1;
	po.clock_offset_ns = r->info.clock_offset_ns;
	if (o->detect)
		dc = *o->detect;
	else
		espy_detect_config_default(&dc);
	dc.mode = o->mode;
	if (o->learn_period_s)
		dc.learn_period_s = o->learn_period_s;
	if (o->max_procs)
		dc.max_procs = o->max_procs;
	if (o->max_sessions)
		dc.max_sessions = o->max_sessions;
	dc.explain_alerts_only = !o->json && !o->explain_all;
	po.resolve_names = 0;
	/* one size for the process table and the engine, as in espyd */
	po.proctab.max = dc.max_procs;
	ret = espy_pipeline_init(&p, &po);
	if (ret) {
		snprintf(err, errlen, "cannot set up the pipeline: %s",
			 strerror(-ret));
		goto close_reader;
	}
	ret = espy_detect_new(&rp.det, &dc);
	if (ret) {
		snprintf(err, errlen, "cannot set up detection: %s",
			 strerror(-ret));
		goto fini_pipe;
	}
	if (o->baseline_dir) {
		ret = espy_detect_load(rp.det, o->baseline_dir, 1,
				       r->baseline_msg, sizeof(r->baseline_msg));
		if (ret) {
			/* a replay that silently started empty would mislead */
			snprintf(err, errlen, "baseline %s: %s", o->baseline_dir,
				 ret == -ENOENT ? "no baseline there" :
				 r->baseline_msg);
			goto free_det;
		}
	}
	espy_detect_attach(rp.det, espy_pipeline_procs(p));
	espy_pipeline_set_detect(p, detect_cb, &rp);
	rp.host = espy_pipeline_host(p);
	if (o->json && espy_pipeline_add_sink(p, "replay", json_sink, &rp) < 0) {
		ret = -ENOSPC;
		goto free_det;
	}
	pt = espy_pipeline_procs(p);
	while ((n = espy_rec_next(rd, &rec, &len)) > 0) {
		lookahead_step(&la, rd, rec, len);
		prefetch_ahead(&la, pt, rp.det);
		espy_pipeline_feed(p, rec, len);
	}
	if (n < 0) {
		r->damaged = 1;
		r->damage = *espy_rec_reader_damage(rd);
	}
	ps = espy_pipeline_stats(p);
	r->records = espy_rec_reader_records(rd);
	r->events = ps->events;
	r->malformed = ps->decode_errors;
	{
		struct espy_detect_stats st;

		espy_detect_stats(rp.det, &st);
		r->ctrl_changes = st.ctrl_changes;
		r->baseline_imports = st.baseline_imports;
	}
	ret = 0;
	if (fflush(o->out)) {
		ret = -errno;
		snprintf(err, errlen, "writing the output: %s", strerror(errno));
	}
	if (!ret && o->save_dir) {
		ret = espy_detect_save(rp.det, o->save_dir);
		if (ret)
			snprintf(err, errlen, "saving the baseline to %s: %s",
				 o->save_dir, strerror(-ret));
	}
free_det:
	/* the engine lets go of the pipeline's process table first */
	espy_detect_free(rp.det);
fini_pipe:
	espy_pipeline_fini(p);
close_reader:
	espy_rec_reader_close(rd);
	return ret;
}
