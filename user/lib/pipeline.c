/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "pipeline.h"

struct sink {
	espy_sink_fn fn;
	void *ctx;
};

struct espy_pipeline {
	struct espy_pipeline_opts o;
	struct espy_proctab *procs;
	struct espy_names *names;
	struct espy_ecs ecs;
	struct espy_json json;
	espy_tap_fn tap;
	void *tap_ctx;
	espy_detect_fn detect;
	void *detect_ctx;
	struct sink sinks[ESPY_PIPE_MAX_SINKS];
	uint64_t next_id;
	void *align;			/* ESPY_REC_MAX bytes, 8-aligned */
	struct espy_pipeline_stats st;
};

static int64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int espy_pipeline_sync_clock(struct espy_pipeline *p)
{
	/* bracket the realtime read to keep the pair's skew small */
	int64_t b0 = clock_ns(CLOCK_BOOTTIME);
	int64_t r = clock_ns(CLOCK_REALTIME);
	int64_t b1 = clock_ns(CLOCK_BOOTTIME);

	espy_pipeline_set_clock_offset(p, r - (b0 + (b1 - b0) / 2));
	return 0;
}

void espy_pipeline_set_clock_offset(struct espy_pipeline *p, int64_t off_ns)
{
	p->o.clock_offset_ns = off_ns;
	p->o.have_clock_offset = 1;
	p->ecs.clock_offset_ns = off_ns;
	p->ecs.have_offset = 1;
}

int64_t espy_pipeline_clock_offset(const struct espy_pipeline *p)
{
	return p->o.clock_offset_ns;
}

int espy_pipeline_init(struct espy_pipeline **out,
		       const struct espy_pipeline_opts *opts)
{
	struct espy_pipeline *p;
	int err;

	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	if (opts)
		p->o = *opts;
	p->next_id = 1;
	if (posix_memalign(&p->align, 8, ESPY_REC_MAX)) {
		err = -ENOMEM;
		goto free_p;
	}
	err = espy_proctab_init(&p->procs, &p->o.proctab);
	if (err)
		goto free_align;
	if (p->o.host) {
		p->ecs.host = *p->o.host;
	} else {
		err = espy_host_load(&p->ecs.host);
		if (err)
			goto fini_procs;
	}
	p->o.host = NULL;	/* the caller's copy need not outlive init */
	if (p->o.resolve_names) {
		err = espy_names_init(&p->names);
		if (err)
			goto fini_procs;
		p->ecs.name_fn = espy_names_lookup;
		p->ecs.name_ctx = p->names;
	}
	p->ecs.procs = p->procs;
	if (p->o.have_clock_offset)
		espy_pipeline_set_clock_offset(p, p->o.clock_offset_ns);
	else
		espy_pipeline_sync_clock(p);
	espy_json_init(&p->json);
	*out = p;
	return 0;
fini_procs:
	espy_proctab_fini(p->procs);
free_align:
	free(p->align);
free_p:
	free(p);
	return err;
}

void espy_pipeline_fini(struct espy_pipeline *p)
{
	if (!p)
		return;
	espy_json_fini(&p->json);
	espy_names_fini(p->names);
	espy_proctab_fini(p->procs);
	free(p->align);
	free(p);
}

void espy_pipeline_set_tap(struct espy_pipeline *p, espy_tap_fn fn, void *ctx)
{
	p->tap = fn;
	p->tap_ctx = ctx;
}

void espy_pipeline_set_detect(struct espy_pipeline *p, espy_detect_fn fn,
			      void *ctx)
{
	p->detect = fn;
	p->detect_ctx = ctx;
}

int espy_pipeline_add_sink(struct espy_pipeline *p, const char *name,
			   espy_sink_fn fn, void *ctx)
{
	struct espy_sink_stats *ss;
	int i;

	if (!fn || !name || !*name)
		return -EINVAL;
	for (i = 0; i < ESPY_PIPE_MAX_SINKS; i++) {
		if (p->sinks[i].fn)
			continue;
		p->sinks[i].fn = fn;
		p->sinks[i].ctx = ctx;
		ss = &p->st.sinks[i];
		memset(ss, 0, sizeof(*ss));
		strncpy(ss->name, name, sizeof(ss->name) - 1);
		return i;
	}
	return -ENOSPC;
}

int espy_pipeline_del_sink(struct espy_pipeline *p, int id)
{
	if (id < 0 || id >= ESPY_PIPE_MAX_SINKS || !p->sinks[id].fn)
		return -ENOENT;
	p->sinks[id].fn = NULL;
	p->sinks[id].ctx = NULL;
	memset(&p->st.sinks[id], 0, sizeof(p->st.sinks[id]));
	return 0;
}

uint64_t espy_pipeline_next_id(struct espy_pipeline *p)
{
	return p->next_id++;
}

static int have_sinks(const struct espy_pipeline *p)
{
	int i;

	for (i = 0; i < ESPY_PIPE_MAX_SINKS; i++)
		if (p->sinks[i].fn)
			return 1;
	return 0;
}

int espy_pipeline_emit(struct espy_pipeline *p, struct espy_event *ev)
{
	struct espy_json *j = &p->json;
	int i, err;

	if (!ev->hdr)
		return -EINVAL;
	if (!ev->id)
		ev->id = espy_pipeline_next_id(p);
	if (!have_sinks(p))
		return 0;
	espy_json_reset(j);
	err = espy_ecs_encode(&p->ecs, ev, j);
	if (!err) {
		espy_json_raw(j, "\n", 1);
		espy_json_cstr(j);	/* NUL after the newline */
		err = espy_json_error(j);
	}
	if (err) {
		p->st.encode_errors++;
		return err;
	}
	p->st.emitted++;
	for (i = 0; i < ESPY_PIPE_MAX_SINKS; i++) {
		struct espy_sink_stats *ss = &p->st.sinks[i];

		if (!p->sinks[i].fn)
			continue;
		err = p->sinks[i].fn(p->sinks[i].ctx, ev, j->buf, j->len);
		if (err < 0) {
			ss->errors++;
			ss->last_err = err;
		} else {
			ss->events++;
		}
	}
	return 0;
}

/* A write to the account databases makes cached names stale. */
static void watch_accounts(struct espy_pipeline *p, const struct espy_event *ev)
{
	static const char *const files[] = { "/etc/passwd", "/etc/group" };
	const struct espy_str *s[2] = { &ev->path, &ev->path2 };
	size_t i, k;

	if (!p->names || !ev->file)
		return;
	if (ev->hdr->type == ESPY_EV_OPEN && !(ev->file->flags & 3))
		return;
	for (i = 0; i < 2; i++)
		for (k = 0; k < 2; k++)
			if (s[i]->len == strlen(files[k]) &&
			    !memcmp(s[i]->p, files[k], s[i]->len))
				espy_names_flush(p->names);
}

int espy_pipeline_feed(struct espy_pipeline *p, const void *rec, size_t len)
{
	struct espy_event ev;
	enum espy_decode_err why;
	const struct espy_hdr *h;
	int err, i;

	p->st.records++;
	if (p->tap && p->tap(p->tap_ctx, rec, len) < 0)
		p->st.tap_errors++;
	/* recordings need not keep records aligned; ring buffers do */
	if (((uintptr_t)rec & 7) && len <= ESPY_REC_MAX) {
		memcpy(p->align, rec, len);
		rec = p->align;
	}
	err = espy_record_decode(rec, len, &ev, &why);
	if (err) {
		p->st.decode_errors++;
		p->st.decode_by_reason[why < ESPY_DEC_NR ? why : 0]++;
		return err;
	}
	h = ev.hdr;
	if (p->o.self_tgid && h->tgid == p->o.self_tgid &&
	    !(h->flags & ESPY_F_NO_TASK) && h->type != ESPY_EV_LOST &&
	    h->type != ESPY_EV_PROC) {
		p->st.self++;
		return 0;
	}
	p->st.events++;
	p->st.by_type[h->type]++;
	ev.id = espy_pipeline_next_id(p);
	ev.wall_ns = (int64_t)h->ts_ns + p->o.clock_offset_ns;
	if (ev.lost) {
		p->st.lost_reported += ev.lost->total;
		for (i = 0; i < ESPY_EV_MAX; i++)
			p->st.lost_by_type[i] += ev.lost->by_type[i];
	}
	if (espy_proctab_apply(p->procs, &ev) < 0)
		p->st.proc_errors++;
	watch_accounts(p, &ev);
	if (p->detect && p->detect(p->detect_ctx, &ev) < 0)
		p->st.detect_errors++;
	if ((h->type == ESPY_EV_PROC && !p->o.emit_snapshots) ||
	    h->type == ESPY_EV_CTRL)
		return 0;
	espy_pipeline_emit(p, &ev);
	return 0;
}

int espy_pipeline_record_cb(void *pipeline, const void *rec, size_t len)
{
	/* a bad record is counted in the stats; the source reads on */
	espy_pipeline_feed(pipeline, rec, len);
	return 0;
}

int espy_pipeline_snapshot(struct espy_pipeline *p, const char *procroot)
{
	return espy_proc_snapshot(procroot, 0, espy_pipeline_record_cb, p);
}

int espy_pipeline_lost(struct espy_pipeline *p,
		       const uint64_t delta[ESPY_EV_MAX], uint64_t ts_ns)
{
	struct espy_lost l;
	int i;

	memset(&l, 0, sizeof(l));
	for (i = 0; i < ESPY_EV_MAX; i++) {
		l.total += delta[i];
		l.by_type[i] = delta[i] > UINT32_MAX ? UINT32_MAX : delta[i];
	}
	if (!l.total)
		return 0;
	l.hdr.type = ESPY_EV_LOST;
	l.hdr.size = sizeof(l);
	l.hdr.ts_ns = ts_ns;
	l.hdr.flags = ESPY_F_NO_TASK;
	l.hdr.auid = l.hdr.sessionid = (uint32_t)-1;
	return espy_pipeline_feed(p, &l, sizeof(l));
}

uint64_t espy_drops_delta(uint64_t seen[ESPY_EV_MAX],
			  const uint64_t cur[ESPY_EV_MAX],
			  uint64_t delta[ESPY_EV_MAX])
{
	uint64_t sum = 0;
	int i;

	for (i = 0; i < ESPY_EV_MAX; i++) {
		delta[i] = cur[i] >= seen[i] ? cur[i] - seen[i] : cur[i];
		seen[i] = cur[i];
		sum += delta[i];
	}
	return sum;
}

void espy_pipeline_flush_names(struct espy_pipeline *p)
{
	espy_names_flush(p->names);
}

const struct espy_pipeline_stats *
espy_pipeline_stats(const struct espy_pipeline *p)
{
	return &p->st;
}

struct espy_proctab *espy_pipeline_procs(struct espy_pipeline *p)
{
	return p->procs;
}

const struct espy_host *espy_pipeline_host(const struct espy_pipeline *p)
{
	return &p->ecs.host;
}
