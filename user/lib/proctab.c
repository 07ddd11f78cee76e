/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Process table: a hash on tgid (a pid has few incarnations alive at once)
 * plus two LRU lists, live processes by last record and exited ones by exit
 * time.  Memory is bounded by opts.max entries and opts.argv_max bytes of
 * argv per entry (exe and cwd are at most ESPY_PATH_MAX each).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bigalloc.h"
#include "proctab.h"

#define DEF_MAX		32768
#define DEF_LINGER_NS	(30ULL * 1000000000ULL)
#define DEF_ARGV_MAX	1024
#define MIN_MAX		4

/* internal: start_ns is known only to the tick */
#define PROC_APPROX_START	(1U << 31)

struct lru {
	struct espy_proc *head, *tail;
};

/*
 * Entries come from slabs of SLAB_ENTS (fewer for a small table), made
 * as the table grows and kept until fini: no malloc per process, and at
 * a 64-byte stride the fields every record touches are two cache lines.
 * At most opts.max entries exist at once, so the slabs are bounded too.
 */
#define SLAB_ENTS	8192
#define ENT_STRIDE	((sizeof(struct espy_proc) + 63) & ~(size_t)63)

struct espy_proctab {
	struct espy_proctab_opts o;
	char **slabs;
	uint32_t nslabs, max_slabs;
	uint32_t slab_ents, slab_used;	/* entries per slab, used in the last */
	struct espy_proc *free_ents;	/* linked through hnext */
	struct espy_proc **bucket;
	uint32_t nbucket;		/* power of two */
	uint32_t hshift;		/* 32 - log2(nbucket) */
	uint32_t n;
	struct lru live, exited;
	uint64_t now;			/* newest record time seen */
	struct espy_proc *pin[2];	/* never evicted while applying */
	espy_proc_evict_fn evict_fn;
	void *evict_ctx;
	struct espy_proctab_stats st;
};

static void lru_del(struct lru *l, struct espy_proc *p)
{
	if (p->lprev)
		p->lprev->lnext = p->lnext;
	else
		l->head = p->lnext;
	if (p->lnext)
		p->lnext->lprev = p->lprev;
	else
		l->tail = p->lprev;
	p->lprev = p->lnext = NULL;
}

static void lru_add_tail(struct lru *l, struct espy_proc *p)
{
	p->lnext = NULL;
	p->lprev = l->tail;
	if (l->tail)
		l->tail->lnext = p;
	else
		l->head = p;
	l->tail = p;
}

static struct lru *lru_of(struct espy_proctab *t, struct espy_proc *p)
{
	return (p->flags & ESPY_PROC_EXITED) ? &t->exited : &t->live;
}

static uint32_t hash_tgid(const struct espy_proctab *t, uint32_t tgid)
{
	/*
	 * Fibonacci hashing: the product's high bits mix every bit of the
	 * tgid, its low bits only the tgid's low bits, which left sequential
	 * tgids in long chains.
	 */
	return (uint32_t)(tgid * 2654435761U) >> t->hshift;
}

int espy_proctab_init(struct espy_proctab **out,
		      const struct espy_proctab_opts *opts)
{
	struct espy_proctab *t;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	if (opts)
		t->o = *opts;
	if (!t->o.max)
		t->o.max = DEF_MAX;
	if (t->o.max < MIN_MAX)
		t->o.max = MIN_MAX;
	if (!t->o.linger_ns)
		t->o.linger_ns = DEF_LINGER_NS;
	if (!t->o.argv_max)
		t->o.argv_max = DEF_ARGV_MAX;
	if (t->o.argv_max > ESPY_ARGV_MAX)
		t->o.argv_max = ESPY_ARGV_MAX;
	t->nbucket = 64;
	t->hshift = 32 - 6;
	while (t->nbucket < t->o.max && t->nbucket < (1U << 24)) {
		t->nbucket <<= 1;
		t->hshift--;
	}
	t->slab_ents = t->o.max < SLAB_ENTS ? t->o.max : SLAB_ENTS;
	t->max_slabs = (t->o.max + t->slab_ents - 1) / t->slab_ents;
	t->bucket = calloc(t->nbucket, sizeof(*t->bucket));
	t->slabs = calloc(t->max_slabs, sizeof(*t->slabs));
	if (!t->bucket || !t->slabs) {
		free(t->bucket);
		free(t->slabs);
		free(t);
		return -ENOMEM;
	}
	t->st.max = t->o.max;
	*out = t;
	return 0;
}

/* A zeroed entry, or NULL when out of memory. */
static struct espy_proc *alloc_proc(struct espy_proctab *t)
{
	struct espy_proc *p = t->free_ents;
	char *slab;

	if (p) {
		t->free_ents = p->hnext;
		memset(p, 0, sizeof(*p));
		return p;
	}
	if (!t->nslabs || t->slab_used == t->slab_ents) {
		if (t->nslabs == t->max_slabs)
			return NULL;	/* cannot happen: max entries at once */
		slab = espy_big_calloc(t->slab_ents, ENT_STRIDE);
		if (!slab)
			return NULL;
		t->slabs[t->nslabs++] = slab;
		t->slab_used = 0;
	}
	slab = t->slabs[t->nslabs - 1];
	return (struct espy_proc *)(slab + ENT_STRIDE * t->slab_used++);
}

static void free_strings(struct espy_proc *p)
{
	free(p->exe);
	free(p->argv);
	free(p->cwd);
}

static void free_proc(struct espy_proctab *t, struct espy_proc *p)
{
	free_strings(p);
	p->hnext = t->free_ents;
	t->free_ents = p;
}

void espy_proctab_fini(struct espy_proctab *t)
{
	struct espy_proc *p, *n;
	uint32_t i;

	if (!t)
		return;
	for (i = 0; i < t->nbucket; i++) {
		for (p = t->bucket[i]; p; p = n) {
			n = p->hnext;
			if (t->evict_fn)
				t->evict_fn(t->evict_ctx, p);
			free_strings(p);
		}
	}
	for (i = 0; i < t->nslabs; i++)
		espy_big_free(t->slabs[i], t->slab_ents, ENT_STRIDE);
	free(t->slabs);
	free(t->bucket);
	free(t);
}

void espy_proctab_set_evict_hook(struct espy_proctab *t, espy_proc_evict_fn fn,
				 void *ctx)
{
	t->evict_fn = fn;
	t->evict_ctx = ctx;
}

void espy_proctab_stats(const struct espy_proctab *t,
			struct espy_proctab_stats *st)
{
	*st = t->st;
	st->entries = t->n;
}

static void evict(struct espy_proctab *t, struct espy_proc *p)
{
	struct espy_proc **pp;

	for (pp = &t->bucket[hash_tgid(t, p->tgid)]; *pp; pp = &(*pp)->hnext) {
		if (*pp == p) {
			*pp = p->hnext;
			break;
		}
	}
	lru_del(lru_of(t, p), p);
	if (p->flags & ESPY_PROC_EXITED)
		t->st.evicted_exited++;
	else
		t->st.evicted_live++;
	t->n--;
	if (t->evict_fn)
		t->evict_fn(t->evict_ctx, p);
	free_proc(t, p);
}

static int pinned(const struct espy_proctab *t, const struct espy_proc *p)
{
	return p == t->pin[0] || p == t->pin[1];
}

/* Drop exited processes whose linger time has passed. */
static void expire(struct espy_proctab *t)
{
	struct espy_proc *p;

	while ((p = t->exited.head) && !pinned(t, p) &&
	       p->exit_ns + t->o.linger_ns < t->now)
		evict(t, p);
}

/* Make room for one entry: oldest exited first, then least recent live. */
static int make_room(struct espy_proctab *t)
{
	struct lru *lists[2] = { &t->exited, &t->live };
	struct espy_proc *p;
	int i;

	if (t->n < t->o.max)
		return 0;
	for (i = 0; i < 2; i++) {
		for (p = lists[i]->head; p; p = p->lnext) {
			if (!pinned(t, p)) {
				evict(t, p);
				return 0;
			}
		}
	}
	return -ENOSPC;
}

static int start_match(const struct espy_proc *p, uint64_t start_ns,
		       int approx)
{
	if (p->start_ns == start_ns)
		return 1;
	if ((p->flags & PROC_APPROX_START) || approx)
		return p->start_ns / ESPY_TICK_NS == start_ns / ESPY_TICK_NS;
	return 0;
}

static struct espy_proc *lookup(struct espy_proctab *t, uint32_t tgid,
				uint64_t start_ns, int approx)
{
	struct espy_proc *p;

	for (p = t->bucket[hash_tgid(t, tgid)]; p; p = p->hnext)
		if (p->tgid == tgid && start_match(p, start_ns, approx))
			return p;
	return NULL;
}

void espy_proctab_prefetch(const struct espy_proctab *t, uint32_t tgid,
			   int level)
{
	struct espy_proc *const *b = &t->bucket[hash_tgid(t, tgid)];

	if (level == 0) {
		__builtin_prefetch(b);
		return;
	}
	if (!*b)
		return;
	if (level == 1) {
		/* the fields every record touches: the first 128 bytes,
		 * two lines in a huge slab, three in a small calloc'd one */
		__builtin_prefetch(*b, 1);
		__builtin_prefetch((const char *)*b + 64, 1);
		__builtin_prefetch((const char *)*b + 127, 1);
	} else if ((*b)->tgid == tgid) {
		/* its record relinks it in the LRU: its neighbours are
		 * written, and they are anywhere in memory */
		if ((*b)->session) {
			/* its first 64 bytes, wherever they start */
			__builtin_prefetch((*b)->session, 1);
			__builtin_prefetch((const char *)(*b)->session + 63, 1);
		}
		if ((*b)->lprev)
			__builtin_prefetch((*b)->lprev, 1);
		if ((*b)->lnext)
			__builtin_prefetch((*b)->lnext, 1);
	}
}

struct espy_proc *espy_proctab_peek(const struct espy_proctab *t,
				    uint32_t tgid)
{
	struct espy_proc *p = t->bucket[hash_tgid(t, tgid)];

	return p && p->tgid == tgid ? p : NULL;
}

struct espy_proc *espy_proctab_find(struct espy_proctab *t, uint32_t tgid,
				    uint64_t start_ns)
{
	return lookup(t, tgid, start_ns, 0);
}

struct espy_proc *espy_proctab_find_live(struct espy_proctab *t, uint32_t tgid)
{
	struct espy_proc *p, *best = NULL;

	for (p = t->bucket[hash_tgid(t, tgid)]; p; p = p->hnext) {
		if (p->tgid != tgid || (p->flags & ESPY_PROC_EXITED))
			continue;
		if (!best || p->start_ns > best->start_ns)
			best = p;
	}
	return best;
}

struct espy_proc *espy_proctab_parent(struct espy_proctab *t,
				      const struct espy_proc *p)
{
	struct espy_proc *pp;

	if (!p->ppid || p->ppid == p->tgid)
		return NULL;
	if (p->parent_start_ns)
		return lookup(t, p->ppid, p->parent_start_ns, 0);
	/* parent not pinned down yet: the live process with that pid, if it
	 * is older than p (a younger one is a reuse of the pid) */
	pp = espy_proctab_find_live(t, p->ppid);
	if (pp && pp->start_ns / ESPY_TICK_NS > p->start_ns / ESPY_TICK_NS)
		return NULL;
	return pp;
}

int espy_proctab_ancestors(struct espy_proctab *t, const struct espy_proc *p,
			   struct espy_proc **out, int max)
{
	struct espy_proc *a;
	int n = 0;

	while (n < max && (a = espy_proctab_parent(t, p))) {
		out[n++] = a;
		if (a->tgid == 1)
			break;
		p = a;
	}
	return n;
}

int espy_proctab_for_each(struct espy_proctab *t,
			  int (*fn)(void *ctx, struct espy_proc *p), void *ctx)
{
	struct espy_proc *p, *n;
	uint32_t i;
	int r;

	for (i = 0; i < t->nbucket; i++) {
		for (p = t->bucket[i]; p; p = n) {
			n = p->hnext;
			r = fn(ctx, p);
			if (r)
				return r;
		}
	}
	return 0;
}

static struct espy_proc *get(struct espy_proctab *t, uint32_t tgid,
			     uint64_t start_ns, int approx, int *created)
{
	struct espy_proc *p;
	uint32_t b;

	*created = 0;
	p = lookup(t, tgid, start_ns, approx);
	if (p) {
		/* the kernel's exact start replaces the tick-rounded one */
		if ((p->flags & PROC_APPROX_START) && !approx) {
			p->start_ns = start_ns;
			p->flags &= ~PROC_APPROX_START;
		}
		return p;
	}
	if (make_room(t)) {
		t->st.alloc_failures++;
		return NULL;
	}
	p = alloc_proc(t);
	if (!p) {
		t->st.alloc_failures++;
		return NULL;
	}
	p->tgid = tgid;
	p->start_ns = start_ns;
	p->auid = p->sessionid = (uint32_t)-1;
	if (approx)
		p->flags |= PROC_APPROX_START;
	b = hash_tgid(t, tgid);
	p->hnext = t->bucket[b];
	t->bucket[b] = p;
	lru_add_tail(&t->live, p);
	t->n++;
	t->st.inserted++;
	*created = 1;
	return p;
}

/* Copy n bytes of s as a NUL-terminated string, at most max bytes kept. */
static int set_str(char **dst, uint32_t *dlen, const char *s, uint32_t n,
		   uint32_t max, int *cut)
{
	char *c;

	if (n > max) {
		n = max;
		*cut = 1;
	}
	c = malloc(n + 1);
	if (!c)
		return -ENOMEM;
	if (n)
		memcpy(c, s, n);
	c[n] = '\0';
	free(*dst);
	*dst = c;
	*dlen = n;
	return 0;
}

static void refresh(struct espy_proctab *t, struct espy_proc *p,
		    const struct espy_hdr *h)
{
	p->uid = h->uid;
	p->gid = h->gid;
	p->euid = h->euid;
	p->egid = h->egid;
	p->auid = h->auid;
	p->sessionid = h->sessionid;
	p->mntns = h->mntns;
	p->netns = h->netns;
	p->cgroup_id = h->cgroup_id;
	if (h->ppid != p->ppid) {
		/* reparented (or first sight): the old parent key is stale */
		p->ppid = h->ppid;
		p->parent_start_ns = 0;
	}
	/* threads name themselves ("worker-3"): the process is its leader */
	if (h->tid == h->tgid || !p->comm[0]) {
		memcpy(p->comm, h->comm, ESPY_COMM_LEN);
		p->comm[ESPY_COMM_LEN] = '\0';
	}
	if (h->ts_ns > p->last_ns)
		p->last_ns = h->ts_ns;
	/* already the newest: relinking would only touch its neighbours */
	if (!(p->flags & ESPY_PROC_EXITED) && t->live.tail != p) {
		lru_del(&t->live, p);
		lru_add_tail(&t->live, p);
	}
}

static struct espy_proc *touch(struct espy_proctab *t,
			       const struct espy_hdr *h, int approx)
{
	struct espy_proc *p;
	int created;

	p = get(t, h->tgid, h->start_ns, approx, &created);
	if (!p)
		return NULL;
	if (created)
		p->flags |= ESPY_PROC_PARTIAL;
	refresh(t, p, h);
	return p;
}

static void pin_parent(struct espy_proctab *t, struct espy_proc *p, int count)
{
	struct espy_proc *pp;

	if (p->parent_start_ns)
		return;
	pp = espy_proctab_parent(t, p);
	if (pp)
		p->parent_start_ns = pp->start_ns;
	else if (count && p->ppid && p->tgid != 1)
		t->st.unknown_parent++;
}

static void set_flag(struct espy_proc *p, uint32_t flag, int on)
{
	if (on)
		p->flags |= flag;
	else
		p->flags &= ~flag;
}

static int apply_exec(struct espy_proctab *t, struct espy_event *ev)
{
	const struct espy_exec *x = ev->exec;
	int is_snap = x->hdr.type == ESPY_EV_PROC;
	struct espy_proc *p;
	int cut = 0, err = 0;

	p = touch(t, &x->hdr, is_snap);
	ev->proc = p;
	if (!p)
		return -ENOSPC;
	/* a snapshot never overrides what the sensors told us already */
	if (is_snap && (p->flags & (ESPY_PROC_EXECED | ESPY_PROC_FORKED)) &&
	    !(p->flags & ESPY_PROC_FROM_PROC))
		return 0;
	err |= set_str(&p->exe, &p->exe_len, ev->path.p, ev->path.len,
		       ESPY_PATH_MAX, &cut);
	set_flag(p, ESPY_PROC_TRUNC_EXE, cut || (x->hdr.flags & ESPY_F_TRUNC_PATH));
	cut = 0;
	err |= set_str(&p->argv, &p->argv_len, ev->argv.p, ev->argv.len,
		       t->o.argv_max, &cut);
	set_flag(p, ESPY_PROC_TRUNC_ARGV, cut || (x->hdr.flags & ESPY_F_TRUNC_ARGV));
	cut = 0;
	err |= set_str(&p->cwd, &p->cwd_len, ev->cwd.p, ev->cwd.len,
		       ESPY_PATH_MAX, &cut);
	p->argc = x->argc;
	p->tty_dev = x->tty_dev;
	p->exec_flags = x->flags;
	p->flags &= ~(ESPY_PROC_PARTIAL | ESPY_PROC_FORKED);
	if (is_snap) {
		p->flags |= ESPY_PROC_FROM_PROC;
		if (!ev->path.len && !ev->argv.len)
			p->flags |= ESPY_PROC_KTHREAD;
	} else {
		p->flags |= ESPY_PROC_EXECED;
		p->flags &= ~(ESPY_PROC_FROM_PROC | ESPY_PROC_KTHREAD);
		p->exec_ns = x->hdr.ts_ns;
	}
	pin_parent(t, p, !is_snap);
	return err ? -ENOMEM : 0;
}

static int dup_str(char **dst, uint32_t *dlen, const char *s, uint32_t n)
{
	int cut = 0;

	if (!s)
		return 0;
	return set_str(dst, dlen, s, n, n, &cut);
}

static int apply_fork(struct espy_proctab *t, struct espy_event *ev)
{
	const struct espy_fork *f = ev->fork;
	struct espy_proc *parent, *c;
	int created, err = 0;

	parent = touch(t, &f->hdr, 0);
	ev->proc = parent;
	if (!parent)
		return -ENOSPC;
	t->pin[1] = parent;
	c = get(t, f->child_tgid, f->child_start_ns, 0, &created);
	if (!c)
		return -ENOSPC;
	if (!created && !(c->flags & ESPY_PROC_PARTIAL))
		return 0;	/* the child's own records came first */
	/* until it execs, the child runs its parent's image */
	err |= dup_str(&c->exe, &c->exe_len, parent->exe, parent->exe_len);
	err |= dup_str(&c->argv, &c->argv_len, parent->argv, parent->argv_len);
	err |= dup_str(&c->cwd, &c->cwd_len, parent->cwd, parent->cwd_len);
	if (!created)
		goto link;
	c->uid = parent->uid;
	c->gid = parent->gid;
	c->euid = parent->euid;
	c->egid = parent->egid;
	c->auid = parent->auid;
	c->sessionid = parent->sessionid;
	c->mntns = parent->mntns;
	c->netns = parent->netns;
	c->cgroup_id = parent->cgroup_id;
	memcpy(c->comm, parent->comm, sizeof(c->comm));
	c->last_ns = f->hdr.ts_ns;
link:
	c->argc = parent->argc;
	c->tty_dev = parent->tty_dev;
	c->exec_flags = parent->exec_flags;
	c->flags &= ~ESPY_PROC_PARTIAL;
	c->flags |= ESPY_PROC_FORKED |
		    (parent->flags & (ESPY_PROC_TRUNC_ARGV | ESPY_PROC_TRUNC_EXE));
	c->ppid = parent->tgid;
	c->parent_start_ns = parent->start_ns;
	return err ? -ENOMEM : 0;
}

static int apply_exit(struct espy_proctab *t, struct espy_event *ev)
{
	struct espy_proc *p = touch(t, &ev->exit->hdr, 0);

	ev->proc = p;
	if (!p)
		return -ENOSPC;
	if (p->flags & ESPY_PROC_EXITED)
		return 0;
	lru_del(&t->live, p);
	p->flags |= ESPY_PROC_EXITED;
	p->exit_ns = ev->exit->hdr.ts_ns;
	p->exit_code = ev->exit->exit_code;
	lru_add_tail(&t->exited, p);
	return 0;
}

int espy_proctab_apply(struct espy_proctab *t, struct espy_event *ev)
{
	const struct espy_hdr *h = ev->hdr;
	int err = 0;

	ev->proc = NULL;
	if (!h)
		return -EINVAL;
	if (h->ts_ns > t->now)
		t->now = h->ts_ns;
	expire(t);
	if (h->type == ESPY_EV_LOST || (h->flags & ESPY_F_NO_TASK) || !h->tgid)
		return 0;
	switch (h->type) {
	case ESPY_EV_EXEC:
	case ESPY_EV_PROC:
		err = apply_exec(t, ev);
		break;
	case ESPY_EV_FORK:
		err = apply_fork(t, ev);
		break;
	case ESPY_EV_EXIT:
		err = apply_exit(t, ev);
		break;
	default:
		ev->proc = touch(t, h, 0);
		if (!ev->proc)
			err = -ENOSPC;
		else
			pin_parent(t, ev->proc, 0);
		break;
	}
	t->pin[0] = t->pin[1] = NULL;
	return err;
}
