/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Building synthetic raw records for tests, laid out exactly as the
 * sensors write them (include/espy/abi.h).  Each builder writes into an
 * 8-byte aligned buffer of ESPY_REC_MAX bytes and returns the record length.
 */
#ifndef ESPY_TEST_RECORDS_H
#define ESPY_TEST_RECORDS_H

#include <stdint.h>
#include <string.h>
#include "espy/abi.h"

struct trec {
	_Alignas(8) unsigned char b[ESPY_REC_MAX];
};

static inline void trec_hdr(struct espy_hdr *h, uint16_t type, uint64_t ts,
			    uint32_t tgid, uint64_t start, uint32_t ppid,
			    uint32_t uid)
{
	memset(h, 0, sizeof(*h));
	h->type = type;
	h->ts_ns = ts;
	h->tgid = h->tid = tgid;
	h->start_ns = start;
	h->ppid = ppid;
	h->uid = h->euid = uid;
	h->gid = h->egid = uid;
	h->auid = (uint32_t)-1;
	h->sessionid = (uint32_t)-1;
	h->mntns = 4026531841U;
	h->netns = 4026531840U;
	h->cgroup_id = 1;
	strncpy(h->comm, "test", sizeof(h->comm));
}

/* argv given as a NUL-separated buffer of argv_len bytes */
static inline size_t trec_exec(struct trec *r, uint16_t type, uint64_t ts,
			       uint32_t tgid, uint64_t start, uint32_t ppid,
			       uint32_t uid, const char *path,
			       const char *argv, size_t argv_len, uint32_t argc,
			       const char *cwd)
{
	struct espy_exec *x = (struct espy_exec *)r->b;
	size_t pl = path ? strlen(path) : 0, cl = cwd ? strlen(cwd) : 0;
	char *t = x->data;

	memset(x, 0, sizeof(*x));
	trec_hdr(&x->hdr, type, ts, tgid, start, ppid, uid);
	x->path_len = pl;
	x->argv_len = argv_len;
	x->cwd_len = cl;
	x->argc = argc;
	memcpy(t, path, pl);
	t += pl;
	memcpy(t, argv, argv_len);
	t += argv_len;
	memcpy(t, cwd, cl);
	t += cl;
	x->hdr.size = t - (char *)r->b;
	return x->hdr.size;
}

static inline size_t trec_fork(struct trec *r, uint64_t ts, uint32_t tgid,
			       uint64_t start, uint32_t ppid,
			       uint32_t child, uint64_t child_start)
{
	struct espy_fork *f = (struct espy_fork *)r->b;

	memset(f, 0, sizeof(*f));
	trec_hdr(&f->hdr, ESPY_EV_FORK, ts, tgid, start, ppid, 0);
	f->child_tgid = child;
	f->child_start_ns = child_start;
	f->hdr.size = sizeof(*f);
	return sizeof(*f);
}

static inline size_t trec_exit(struct trec *r, uint64_t ts, uint32_t tgid,
			       uint64_t start, uint32_t ppid, int32_t code)
{
	struct espy_exit *e = (struct espy_exit *)r->b;

	memset(e, 0, sizeof(*e));
	trec_hdr(&e->hdr, ESPY_EV_EXIT, ts, tgid, start, ppid, 0);
	e->exit_code = code;
	e->hdr.size = sizeof(*e);
	return sizeof(*e);
}

static inline size_t trec_file(struct trec *r, uint16_t type, uint64_t ts,
			       uint32_t tgid, uint64_t start, const char *path,
			       size_t path_len, const char *path2,
			       uint32_t flags, int64_t ret)
{
	struct espy_file *f = (struct espy_file *)r->b;
	size_t p2 = path2 ? strlen(path2) : 0;

	memset(f, 0, sizeof(*f));
	trec_hdr(&f->hdr, type, ts, tgid, start, 1, 0);
	f->flags = flags;
	f->ret = ret;
	f->path_len = path_len;
	f->path2_len = p2;
	memcpy(f->data, path, path_len);
	memcpy(f->data + path_len, path2, p2);
	f->hdr.size = sizeof(*f) + path_len + p2;
	return f->hdr.size;
}

static inline size_t trec_net(struct trec *r, uint16_t type, uint64_t ts,
			      uint32_t tgid, uint64_t start,
			      const uint8_t *raddr4, uint16_t rport,
			      const uint8_t *laddr4, uint16_t lport,
			      int64_t ret)
{
	struct espy_net *n = (struct espy_net *)r->b;

	memset(n, 0, sizeof(*n));
	trec_hdr(&n->hdr, type, ts, tgid, start, 1, 0);
	n->family = 2;		/* AF_INET */
	n->protocol = 6;	/* TCP */
	n->ret = ret;
	if (raddr4)
		memcpy(n->remote_addr, raddr4, 4);
	if (laddr4)
		memcpy(n->local_addr, laddr4, 4);
	n->remote_port = rport;
	n->local_port = lport;
	n->hdr.size = sizeof(*n);
	return sizeof(*n);
}

#endif /* ESPY_TEST_RECORDS_H */
