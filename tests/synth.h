/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Synthetic record streams for the detection tests: processes with their
 * users, login sessions and hosts (namespaces), and builders for every
 * record kind laid out as the sensors write them.  A synth_world feeds the
 * records through the real pipeline (decode, process table) into a real
 * detection engine and keeps the verdict of each event, so that tests
 * assert on what espyd itself would output.
 */
#ifndef ESPY_TEST_SYNTH_H
#define ESPY_TEST_SYNTH_H

#include <arpa/inet.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "espy/abi.h"
#include "pipeline.h"
#include "record.h"
#include "detect.h"
#include "detect_int.h"

#define SYNTH_HOST_A	{ 4026532001U, 4026532101U }
#define SYNTH_HOST_B	{ 4026532002U, 4026532102U }
#define SYNTH_EPOCH_NS	1700000000000000000LL	/* boot -> wall offset */

struct synth_host {
	uint32_t netns, mntns;
};

struct synth_proc {
	uint32_t tgid, ppid, uid, auid, sessionid;
	uint64_t start_ns;
	struct synth_host host;
	char comm[16];
};

struct synth_rec {
	_Alignas(8) unsigned char b[ESPY_REC_MAX];
	size_t len;
};

static inline void synth_hdr(struct espy_hdr *h, uint16_t type, uint64_t ts,
			     const struct synth_proc *p)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->ts_ns = ts;
	if (!p) {
		h->flags = ESPY_F_NO_TASK;
		h->auid = h->sessionid = (uint32_t)-1;
		return;
	}
	h->tgid = h->tid = p->tgid;
	h->start_ns = p->start_ns;
	h->ppid = p->ppid;
	h->uid = h->euid = h->gid = h->egid = p->uid;
	h->auid = p->auid;
	h->sessionid = p->sessionid;
	h->netns = p->host.netns;
	h->mntns = p->host.mntns;
	h->cgroup_id = 1;
	strncpy(h->comm, p->comm, sizeof(h->comm));
}

/* argv as one string, words separated by single spaces. */
static inline size_t synth_exec(struct synth_rec *r, uint16_t type,
				uint64_t ts, const struct synth_proc *p,
				const char *path, const char *argv,
				uint32_t xflags)
{
	struct espy_exec *x = (struct espy_exec *)r->b;
	size_t pl = strlen(path), al = argv ? strlen(argv) + 1 : 0, i;
	char *t = x->data;
	uint32_t argc = 0;

	memset(x, 0, sizeof(*x));
	synth_hdr(&x->hdr, type, ts, p);
	x->flags = xflags;
	memcpy(t, path, pl);
	t += pl;
	for (i = 0; i < al; i++) {
		t[i] = argv[i] == ' ' ? 0 : argv[i];
		if (!t[i])
			argc++;
	}
	t += al;
	memcpy(t, "/", 1);
	t += 1;
	x->path_len = pl;
	x->argv_len = al;
	x->cwd_len = 1;
	x->argc = argc;
	x->hdr.size = t - (char *)r->b;
	return r->len = x->hdr.size;
}

static inline size_t synth_fork(struct synth_rec *r, uint64_t ts,
				const struct synth_proc *parent,
				const struct synth_proc *child)
{
	struct espy_fork *f = (struct espy_fork *)r->b;

	memset(f, 0, sizeof(*f));
	synth_hdr(&f->hdr, ESPY_EV_FORK, ts, parent);
	f->child_tgid = child->tgid;
	f->child_start_ns = child->start_ns;
	f->hdr.size = sizeof(*f);
	return r->len = sizeof(*f);
}

static inline size_t synth_exit(struct synth_rec *r, uint64_t ts,
				const struct synth_proc *p, int32_t code)
{
	struct espy_exit *e = (struct espy_exit *)r->b;

	memset(e, 0, sizeof(*e));
	synth_hdr(&e->hdr, ESPY_EV_EXIT, ts, p);
	e->exit_code = code;
	e->hdr.size = sizeof(*e);
	return r->len = sizeof(*e);
}

static inline size_t synth_file(struct synth_rec *r, uint16_t type,
				uint64_t ts, const struct synth_proc *p,
				const char *path, const char *path2,
				uint32_t flags, uint32_t mode, int64_t ret)
{
	struct espy_file *f = (struct espy_file *)r->b;
	size_t pl = strlen(path), p2 = path2 ? strlen(path2) : 0;

	memset(f, 0, sizeof(*f));
	synth_hdr(&f->hdr, type, ts, p);
	f->flags = flags;
	f->mode = mode;
	f->ret = ret;
	f->atime_ns = f->mtime_ns = ESPY_UTIME_NOW;
	f->path_len = pl;
	f->path2_len = p2;
	memcpy(f->data, path, pl);
	if (p2)
		memcpy(f->data + pl, path2, p2);
	f->hdr.size = sizeof(*f) + pl + p2;
	return r->len = f->hdr.size;
}

static inline size_t synth_net(struct synth_rec *r, uint16_t type, uint64_t ts,
			       const struct synth_proc *p, const char *laddr,
			       uint16_t lport, const char *raddr,
			       uint16_t rport, int64_t ret, uint64_t sent)
{
	struct espy_net *n = (struct espy_net *)r->b;

	memset(n, 0, sizeof(*n));
	synth_hdr(&n->hdr, type, ts, p);
	n->family = AF_INET;
	n->protocol = type == ESPY_EV_DNS ? 17 : 6;
	n->ret = ret;
	if (laddr)
		inet_pton(AF_INET, laddr, n->local_addr);
	if (raddr)
		inet_pton(AF_INET, raddr, n->remote_addr);
	n->local_port = lport;
	n->remote_port = rport;
	n->bytes_sent = sent;
	n->hdr.size = sizeof(*n);
	return r->len = sizeof(*n);
}

static inline size_t synth_dns(struct synth_rec *r, uint64_t ts,
			       const struct synth_proc *p, const char *name)
{
	struct espy_net *n = (struct espy_net *)r->b;
	size_t nl = strlen(name);

	synth_net(r, ESPY_EV_DNS, ts, p, "10.0.0.1", 40000, "10.0.0.53", 53,
		  0, 0);
	n->name_len = nl;
	n->qtype = 1;
	memcpy(n->data, name, nl);
	n->hdr.size = sizeof(*n) + nl;
	return r->len = n->hdr.size;
}

static inline size_t synth_priv(struct synth_rec *r, uint16_t type,
				uint64_t ts, const struct synth_proc *p,
				uint32_t op, uint64_t a0, uint64_t a1,
				uint32_t target)
{
	struct espy_priv *v = (struct espy_priv *)r->b;

	memset(v, 0, sizeof(*v));
	synth_hdr(&v->hdr, type, ts, p);
	v->op = op;
	v->args[0] = a0;
	v->args[1] = a1;
	v->target_pid = target;
	v->hdr.size = sizeof(*v);
	return r->len = sizeof(*v);
}

static inline size_t synth_lost(struct synth_rec *r, uint64_t ts,
				uint64_t total)
{
	struct espy_lost *l = (struct espy_lost *)r->b;

	memset(l, 0, sizeof(*l));
	synth_hdr(&l->hdr, ESPY_EV_LOST, ts, NULL);
	l->total = total;
	l->by_type[ESPY_EV_OPEN] = total;
	l->hdr.size = sizeof(*l);
	return r->len = sizeof(*l);
}

/* An operator's change, as espyd feeds it (ESPY_EV_CTRL). */
static inline size_t synth_ctrl(struct synth_rec *r, uint64_t ts, uint32_t op,
				uint32_t arg)
{
	espy_ctrl_init((struct espy_ctrl *)r->b, ts, op, arg);
	return r->len = sizeof(struct espy_ctrl);
}

/* ---- a world: pipeline + engine, verdicts kept per event ---------------- */

struct synth_world {
	struct espy_pipeline *p;
	struct espy_detect *d;
	uint64_t ts;			/* record clock, ns since boot */
	uint32_t next_pid;
	struct synth_rec r;
	/* verdict of the last event fed */
	struct espy_verdict last;
	uint64_t last_id;
	int nalerts;
	struct espy_verdict last_alert;
	/* optional raw sink for recordings */
	int (*tap)(void *ctx, const void *rec, size_t len);
	void *tap_ctx;
};

static inline int synth_detect_cb(void *ctx, struct espy_event *ev)
{
	struct synth_world *w = ctx;
	int ret = espy_detect_event(w->d, ev);

	if (ev->verdict) {
		w->last = *ev->verdict;
		w->last_id = ev->id;
		if (ev->verdict->alert) {
			w->nalerts++;
			w->last_alert = *ev->verdict;
		}
	}
	return ret;
}

static inline int synth_world_init(struct synth_world *w,
				   const struct espy_detect_config *cfg)
{
	struct espy_pipeline_opts po = { 0 };
	static const struct espy_host h = { .name = "synth", .id = "0123456789abcdef" };
	int ret;

	memset(w, 0, sizeof(*w));
	po.host = &h;
	po.have_clock_offset = 1;
	po.clock_offset_ns = SYNTH_EPOCH_NS;
	ret = espy_pipeline_init(&w->p, &po);
	if (ret)
		return ret;
	ret = espy_detect_new(&w->d, cfg);
	if (ret) {
		espy_pipeline_fini(w->p);
		return ret;
	}
	espy_detect_attach(w->d, espy_pipeline_procs(w->p));
	espy_pipeline_set_detect(w->p, synth_detect_cb, w);
	w->ts = 1000000000ULL;
	w->next_pid = 1000;
	return 0;
}

static inline void synth_world_fini(struct synth_world *w)
{
	/* the engine lets go of the process table before the table goes */
	espy_detect_free(w->d);
	espy_pipeline_fini(w->p);
}

/* Feed the record just built; advance the clock by step_ms. */
static inline int synth_feed(struct synth_world *w, unsigned int step_ms)
{
	w->ts += (uint64_t)step_ms * 1000000ULL;
	if (w->tap)
		w->tap(w->tap_ctx, w->r.b, w->r.len);
	return espy_pipeline_feed(w->p, w->r.b, w->r.len);
}

/* A process that exists from the start (as a /proc snapshot record). */
static inline void synth_existing(struct synth_world *w, struct synth_proc *p,
				  uint32_t tgid, uint32_t ppid, uint32_t uid,
				  struct synth_host host, const char *exe,
				  const char *argv)
{
	memset(p, 0, sizeof(*p));
	p->tgid = tgid;
	p->ppid = ppid;
	p->uid = uid;
	p->auid = p->sessionid = (uint32_t)-1;
	p->start_ns = (uint64_t)tgid * 10000000ULL;
	p->host = host;
	snprintf(p->comm, sizeof(p->comm), "%s", strrchr(exe, '/') + 1);
	synth_exec(&w->r, ESPY_EV_PROC, w->ts, p, exe, argv, 0);
	synth_feed(w, 0);
}

/* parent forks a child, which execs exe with argv (and xflags). */
static inline void synth_spawn(struct synth_world *w,
			       const struct synth_proc *parent,
			       struct synth_proc *child, const char *exe,
			       const char *argv, uint32_t xflags)
{
	*child = *parent;
	child->tgid = w->next_pid++;
	child->ppid = parent->tgid;
	child->start_ns = w->ts + 1000;
	synth_fork(&w->r, w->ts, parent, child);
	synth_feed(w, 1);
	snprintf(child->comm, sizeof(child->comm), "%s", strrchr(exe, '/') + 1);
	synth_exec(&w->r, ESPY_EV_EXEC, w->ts, child, exe, argv, xflags);
	synth_feed(w, 1);
}

/*
 * An ssh login: sshd accepts peer:pport on local:22, forks the session's
 * process, which takes the user's login ids and becomes a login shell (*sh).
 */
static inline void synth_ssh_login_at(struct synth_world *w,
				      const struct synth_proc *sshd,
				      struct synth_proc *sh, const char *local,
				      const char *peer, uint16_t pport,
				      uint32_t uid, uint32_t sessionid)
{
	struct synth_proc child;

	synth_net(&w->r, ESPY_EV_ACCEPT, w->ts, sshd, local, 22, peer, pport,
		  5, 0);
	synth_feed(w, 1);
	child = *sshd;
	child.tgid = w->next_pid++;
	child.ppid = sshd->tgid;
	child.start_ns = w->ts;
	synth_fork(&w->r, w->ts, sshd, &child);
	synth_feed(w, 1);
	child.auid = child.uid = uid;
	child.sessionid = sessionid;
	synth_spawn(w, &child, sh, "/usr/bin/bash", "-bash", 0);
}

/* the same on 10.0.0.2:22 from peer port 41000 */
static inline void synth_ssh_login(struct synth_world *w,
				   const struct synth_proc *sshd,
				   struct synth_proc *sh, const char *peer,
				   uint32_t uid, uint32_t sessionid)
{
	synth_ssh_login_at(w, sshd, sh, "10.0.0.2", peer, 41000, uid,
			   sessionid);
}

/* Run a short-lived command: spawn, then exit. */
static inline void synth_run(struct synth_world *w,
			     const struct synth_proc *parent, const char *exe,
			     const char *argv, struct espy_verdict *exec_v)
{
	struct synth_proc c;

	synth_spawn(w, parent, &c, exe, argv, 0);
	if (exec_v)
		*exec_v = w->last;
	synth_exit(&w->r, w->ts, &c, 0);
	synth_feed(w, 1);
}

static inline int synth_has_tech(const struct espy_verdict *v, const char *id)
{
	int i;

	for (i = 0; i < v->ntech; i++)
		if (!strcmp(v->tech[i].id, id))
			return 1;
	return 0;
}

static inline void synth_dump(const char *what, const struct espy_verdict *v)
{
	int i;

	fprintf(stderr, "# %s: score %.1f sev %d alert %d session %.1f\n", what,
		v->score, v->severity, v->alert, v->session_score);
	for (i = 0; i < v->ntech; i++)
		fprintf(stderr, "#   tech %s %s\n", v->tech[i].id,
			v->tech[i].tactic);
	for (i = 0; i < v->nreasons; i++)
		fprintf(stderr, "#   reason %s\n", v->reasons[i]);
}

#endif /* ESPY_TEST_SYNTH_H */
