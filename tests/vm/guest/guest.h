/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers of the vm tier's guest tests: open a record source by driver
 * name, collect its records, find them again.  The guest tests run as
 * static binaries in a busybox initramfs (tests/vm/guest/init).
 */
#ifndef ESPY_VM_GUEST_H
#define ESPY_VM_GUEST_H

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "espy/abi.h"
#include "source.h"
#include "sensor_kmod.h"
#ifdef ESPY_HAVE_BPF
#include "sensor_bpf.h"
#endif

struct coll {
	struct espy_source src;
	int open;
	size_t n, cap;
	struct espy_hdr **rec;
};

static inline int coll_cb(void *ctx, const void *data, size_t len)
{
	struct coll *c = ctx;
	struct espy_hdr *copy;

	if (len < sizeof(struct espy_hdr))
		return 0;
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 1024;
		struct espy_hdr **r = realloc(c->rec, cap * sizeof(*r));

		if (!r)
			return -ENOMEM;
		c->rec = r;
		c->cap = cap;
	}
	copy = aligned_alloc(8, (len + 7) & ~(size_t)7);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	c->rec[c->n++] = copy;
	return 0;
}

static inline void coll_quiet_log(void *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

#ifdef ESPY_HAVE_BPF
/* The loader's last detailed lines (a verifier log), shown on failure. */
#define COLL_LOG_LINES	40
static char coll_log[COLL_LOG_LINES][160];
static unsigned int coll_log_n;

static inline void coll_bpf_log(void *ctx, int level, const char *msg)
{
	(void)ctx;
	if (level <= ESPY_LOG_WARN)
		fprintf(stderr, "# espy-bpf: %s\n", msg);
	else
		snprintf(coll_log[coll_log_n++ % COLL_LOG_LINES],
			 sizeof(coll_log[0]), "%s", msg);
}

static inline void coll_bpf_log_dump(void)
{
	unsigned int i = coll_log_n > COLL_LOG_LINES ?
			 coll_log_n - COLL_LOG_LINES : 0;

	for (; i < coll_log_n; i++)
		fprintf(stderr, "# espy-bpf (detail): %s\n",
			coll_log[i % COLL_LOG_LINES]);
}
#endif

/*
 * Open driver "kmod" or "bpf", excluding this process.  Returns 0, or
 * -errno with a reason for a skip in why.
 */
static inline int coll_open(struct coll *c, const char *driver, char *why,
			    size_t whylen)
{
	int err;

	memset(c, 0, sizeof(*c));
	if (!strcmp(driver, "kmod")) {
		struct espy_kmod_opts o = { .self_tgid = getpid(), .poll_ms = 20 };

		err = espy_kmod_open(&c->src, &o);
		if (err)
			snprintf(why, whylen, "/dev/espy: %s", strerror(-err));
	} else {
#ifdef ESPY_HAVE_BPF
		struct espy_bpf_opts o = { .self_tgid = getpid(), .poll_ms = 20,
					   .log = coll_bpf_log };

		err = espy_bpf_open(&c->src, &o);
		if (err) {
			coll_bpf_log_dump();
			snprintf(why, whylen, "eBPF sensors: %s", strerror(-err));
		}
#else
		err = -EOPNOTSUPP;
		snprintf(why, whylen, "built without the eBPF sensors");
#endif
	}
	c->open = !err;
	return err;
}

static inline void coll_reset(struct coll *c)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		free(c->rec[i]);
	c->n = 0;
}

static inline void coll_close(struct coll *c)
{
	coll_reset(c);
	free(c->rec);
	c->rec = NULL;
	c->cap = 0;
	if (c->open)
		c->src.ops->close(c->src.priv);
	c->open = 0;
}

static inline uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Drain for about ms milliseconds. */
static inline int coll_pump(struct coll *c, int ms)
{
	uint64_t end = mono_ms() + ms;
	struct pollfd p = { .fd = c->src.ops->fd(c->src.priv), .events = POLLIN };
	int n;

	do {
		poll(&p, 1, 10);
		n = c->src.ops->drain(c->src.priv, coll_cb, c);
		if (n < 0)
			return n;
	} while (mono_ms() < end);
	return 0;
}

/* The i-th record (from 0) of type from tgid, or NULL. */
static inline const struct espy_hdr *coll_nth(const struct coll *c,
					      uint16_t type, uint32_t tgid,
					      int nth)
{
	size_t i;

	for (i = 0; i < c->n; i++)
		if (c->rec[i]->type == type && c->rec[i]->tgid == tgid &&
		    nth-- == 0)
			return c->rec[i];
	return NULL;
}

static inline size_t coll_count(const struct coll *c, uint16_t type,
				uint32_t tgid)
{
	size_t i, n = 0;

	for (i = 0; i < c->n; i++)
		if (c->rec[i]->type == type && c->rec[i]->tgid == tgid)
			n++;
	return n;
}

/* The kernel's dev_t of a user-space st_dev. */
static inline uint32_t kdev(dev_t d)
{
	return (major(d) << 20) | minor(d);
}

static inline uint32_t ns_inode(const char *which)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/self/ns/%s", which);
	return stat(path, &st) ? 0 : (uint32_t)st.st_ino;
}

/* Tail strings of a record, in order, as (pointer, length). */
struct tails {
	const char *p[4];
	uint32_t len[4];
};

static inline void rec_tails(const struct espy_hdr *h, struct tails *t)
{
	const char *d = NULL;
	uint32_t l[4] = { 0 };
	int i;

	memset(t, 0, sizeof(*t));
	switch (h->type) {
	case ESPY_EV_EXEC: {
		const struct espy_exec *x = (const void *)h;

		d = x->data;
		l[0] = x->path_len;
		l[1] = x->argv_len;
		l[2] = x->cwd_len;
		l[3] = x->script_len;
		break;
	}
	case ESPY_EV_SETID ... ESPY_EV_SOCKET: {
		const struct espy_priv *p = (const void *)h;

		d = p->data;
		l[0] = p->name_len;
		break;
	}
	case ESPY_EV_OPEN ... ESPY_EV_MKDIR: {
		const struct espy_file *f = (const void *)h;

		d = f->data;
		l[0] = f->path_len;
		l[1] = f->path2_len;
		break;
	}
	case ESPY_EV_CONNECT ... ESPY_EV_DNS: {
		const struct espy_net *n = (const void *)h;

		d = n->data;
		l[0] = n->name_len;
		break;
	}
	default:
		return;
	}
	for (i = 0; i < 4; i++) {
		t->p[i] = d;
		t->len[i] = l[i];
		d += l[i];
	}
}

static inline int tail_is(const struct tails *t, int i, const char *s)
{
	size_t n = strlen(s);

	if (t->len[i] == n && !memcmp(t->p[i], s, n))
		return 1;
	fprintf(stderr, "# tail %d is \"%.*s\", expected \"%s\"\n", i,
		(int)t->len[i], t->p[i] ? t->p[i] : "", s);
	return 0;
}

/* One line per record of tgid (0: all) on stderr, for the console log. */
static inline void coll_dump(const struct coll *c, uint32_t tgid)
{
	size_t i;
	int j;

	for (i = 0; i < c->n; i++) {
		const struct espy_hdr *h = c->rec[i];
		const struct espy_file *f = (const void *)h;
		struct tails t;
		char s[4][96];

		if (tgid && h->tgid != tgid)
			continue;
		rec_tails(h, &t);
		for (j = 0; j < 4; j++) {
			size_t k, n = t.len[j] < 95 ? t.len[j] : 95;

			for (k = 0; k < n; k++)
				s[j][k] = t.p[j][k] >= 32 && t.p[j][k] < 127 ?
					  t.p[j][k] : '.';
			s[j][n] = '\0';
		}
		fprintf(stderr, "# rec %zu: type %u tgid %u size %u flags %#x "
			"[%s] [%s] [%s] [%s]\n", i, h->type, h->tgid, h->size,
			h->flags, s[0], s[1], s[2], s[3]);
		if (h->type >= ESPY_EV_OPEN && h->type <= ESPY_EV_MKDIR)
			fprintf(stderr, "#   file ret %lld flags %#x mode %#o "
				"fflags %#x ino %llu\n", (long long)f->ret,
				f->flags, f->mode, f->fflags,
				(unsigned long long)f->ino);
		if (h->type >= ESPY_EV_CONNECT && h->type <= ESPY_EV_DNS) {
			const struct espy_net *n = (const void *)h;

			fprintf(stderr, "#   net ret %lld fam %u proto %u fd %u "
				"local %u.%u.%u.%u:%u remote %u.%u.%u.%u:%u "
				"sent %llu recv %llu backlog %d qtype %u\n",
				(long long)n->ret, n->family, n->protocol, n->fd,
				n->local_addr[0], n->local_addr[1],
				n->local_addr[2], n->local_addr[3], n->local_port,
				n->remote_addr[0], n->remote_addr[1],
				n->remote_addr[2], n->remote_addr[3],
				n->remote_port,
				(unsigned long long)n->bytes_sent,
				(unsigned long long)n->bytes_recv, n->backlog,
				n->qtype);
		}
	}
}

#endif /* ESPY_VM_GUEST_H */
