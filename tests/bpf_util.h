/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Helpers for the bpf test tier: load the eBPF sensors through
 * sensor_bpf, run a syscall scenario in a forked child, collect the raw
 * records the kernel wrote, and look records up by type and process.
 * Records are matched by the child's pid so background activity on the
 * host does not matter.
 */
#ifndef ESPY_TESTS_BPF_UTIL_H
#define ESPY_TESTS_BPF_UTIL_H

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/wait.h>

#include "espy/abi.h"
#include "sensor_bpf.h"

struct bpfu {
	struct espy_source src;
	int loaded;		/* this struct owns the loaded sensors */
	int borrowed;		/* uses the binary's shared sensors */
	pid_t self;		/* the tgid the sensors exclude (espyd's role) */
	void **recs;		/* copies of every record drained */
	size_t nrec, cap;
	size_t bad;		/* records whose size disagreed with hdr.size */
	char log[16384];	/* loader messages, shown when a test fails */
	size_t loglen;
	char tmp[PATH_MAX];	/* a fresh, resolved temporary directory */
};

static void bpfu_log(void *ctx, int level, const char *msg)
{
	struct bpfu *u = ctx;
	int n;

	(void)level;
	n = snprintf(u->log + u->loglen, sizeof(u->log) - u->loglen, "# %s\n",
		     msg);
	if (n > 0 && (size_t)n < sizeof(u->log) - u->loglen)
		u->loglen += n;
}

/* Why this host cannot run the bpf tier, or NULL. */
static inline const char *bpfu_unsupported(void)
{
	if (geteuid() != 0)
		return "needs root (loads eBPF programs)";
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0)
		return "kernel has no BTF (/sys/kernel/btf/vmlinux)";
	return NULL;
}

static inline int bpfu_mktmp(struct bpfu *u)
{
	char tmpl[] = "/tmp/espy-bpf-XXXXXX";

	if (!mkdtemp(tmpl) || !realpath(tmpl, u->tmp))
		return -errno;
	return 0;
}

static inline int bpfu_open(struct bpfu *u, const struct espy_bpf_opts *opts)
{
	struct espy_bpf_opts o = {};

	if (opts)
		o = *opts;
	o.log = bpfu_log;
	o.log_ctx = u;
	if (bpfu_mktmp(u))
		return -errno;
	if (!o.poll_ms)
		o.poll_ms = 20;
	u->self = o.self_tgid ? o.self_tgid : getpid();
	if (espy_bpf_open(&u->src, &o) == 0)
		u->loaded = 1;
	return u->loaded ? 0 : -1;
}

/*
 * Loading and detaching ~100 hooks costs seconds (much more under QEMU's
 * emulation), so a test binary may load once, before the harness forks
 * each test: BPFU_MAIN.  The tests then borrow the sensors; only the
 * owner detaches them (a child detaching perf-event links would disable
 * them for everyone).  The sensors exclude the harness's main process.
 */
static struct bpfu bpfu_shared;

static inline int bpfu_borrow(struct bpfu *u)
{
	if (!bpfu_shared.loaded)
		return -1;
	u->src = bpfu_shared.src;
	u->self = bpfu_shared.self;
	u->borrowed = 1;
	return bpfu_mktmp(u);
}

#define BPFU_MAIN							\
	static void __attribute__((constructor))			\
	__constructor_order_last(void)					\
	{								\
		if (!__constructor_order)				\
			__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD; \
	}								\
	int main(int argc, char **argv)					\
	{								\
		int ret;						\
									\
		if (!bpfu_unsupported())				\
			bpfu_open(&bpfu_shared, NULL);			\
		ret = test_harness_run(argc, argv);			\
		bpfu_close(&bpfu_shared);				\
		return ret;						\
	}

static int bpfu_keep(void *ctx, const void *data, size_t len)
{
	struct bpfu *u = ctx;
	const struct espy_hdr *h = data;
	void *copy;

	if (len < sizeof(*h) || h->size != len) {
		u->bad++;
		return 0;
	}
	if (u->nrec == u->cap) {
		size_t cap = u->cap ? 2 * u->cap : 1024;
		void **v = realloc(u->recs, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		u->recs = v;
		u->cap = cap;
	}
	copy = malloc(len);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, data, len);
	u->recs[u->nrec++] = copy;
	return 0;
}

static inline int bpfu_drain(struct bpfu *u)
{
	return u->src.ops->drain(u->src.priv, bpfu_keep, u);
}

static inline void bpfu_close(struct bpfu *u)
{
	size_t i;

	if (u->loaded)
		u->src.ops->close(u->src.priv);
	u->loaded = 0;
	for (i = 0; i < u->nrec; i++)
		free(u->recs[i]);
	free(u->recs);
	u->recs = NULL;
	u->nrec = u->cap = 0;
	if (u->tmp[0]) {
		char cmd[PATH_MAX + 16];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", u->tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "# could not remove %s\n", u->tmp);
	}
}

typedef int (*bpfu_match_fn)(const void *rec, const void *arg);

/* The nth (0-based) record of type from tgid (0: any) accepted by match. */
static inline const void *bpfu_find(struct bpfu *u, int type, pid_t tgid,
				    bpfu_match_fn match, const void *arg,
				    int nth)
{
	size_t i;

	for (i = 0; i < u->nrec; i++) {
		const struct espy_hdr *h = u->recs[i];

		if (h->type != type || (tgid && h->tgid != (__u32)tgid))
			continue;
		if (match && !match(h, arg))
			continue;
		if (nth-- == 0)
			return h;
	}
	return NULL;
}

static inline size_t bpfu_count(struct bpfu *u, int type, pid_t tgid,
				bpfu_match_fn match, const void *arg)
{
	size_t i, n = 0;

	for (i = 0; i < u->nrec; i++) {
		const struct espy_hdr *h = u->recs[i];

		if (h->type == type && (!tgid || h->tgid == (__u32)tgid) &&
		    (!match || match(h, arg)))
			n++;
	}
	return n;
}

/* Drain until a matching record shows up or timeout_ms passes (records
 * from softirq, like TCP close, may trail the syscall that caused them). */
static inline const void *bpfu_wait(struct bpfu *u, int type, pid_t tgid,
				    bpfu_match_fn match, const void *arg,
				    int timeout_ms)
{
	const void *r;
	int waited = 0;

	for (;;) {
		bpfu_drain(u);
		r = bpfu_find(u, type, tgid, match, arg, 0);
		if (r || waited >= timeout_ms)
			return r;
		usleep(10000);
		waited += 10;
	}
}

/* Run fn(arg) in a child; returns its pid once it has been reaped, its
 * wait status in *status.  The child exits with fn's return value. */
static inline pid_t bpfu_run(int (*fn)(void *), void *arg, int *status)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0)
		_exit(fn(arg));
	if (waitpid(pid, &st, 0) != pid)
		return -1;
	if (status)
		*status = st;
	return pid;
}

/* Tail strings of records. */
static inline const char *bpfu_tail(const void *rec, size_t fixed, size_t skip)
{
	return (const char *)rec + fixed + skip;
}

/* Compare a not-NUL-terminated record string with a C string. */
static inline int bpfu_streq(const char *p, size_t len, const char *want)
{
	return strlen(want) == len && memcmp(p, want, len) == 0;
}

/* userspace dev_t -> the kernel's internal encoding used in records */
static inline __u32 bpfu_kdev(dev_t d)
{
	return (major(d) << 20) | minor(d);
}

static inline __u64 bpfu_drop_count(struct bpfu *u, int type)
{
	uint64_t by_type[ESPY_EV_MAX] = {};

	if (u->src.ops->drops(u->src.priv, by_type))
		return (__u64)-1;
	return by_type[type];
}

/* Did the named hook (e.g. "lsm/path_unlink") attach? */
static inline int bpfu_attached(struct bpfu *u, const char *name)
{
	struct espy_hook_status hs[256];
	int n = u->src.ops->hooks(u->src.priv, hs, 256);

	for (int i = 0; i < n && i < 256; i++)
		if (strcmp(hs[i].name, name) == 0)
			return hs[i].attached;
	return 0;
}

/* Write a whole file. */
static inline int bpfu_write_file(const char *path, const char *data,
				  mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = write(fd, data, strlen(data));
	close(fd);
	return n == (ssize_t)strlen(data) ? 0 : -1;
}

/*
 * The common fixture body: skip when the host cannot run eBPF, borrow the
 * binary's sensors (BPFU_MAIN) or fail with the loader's messages.
 */
#define BPFU_SETUP(u)							\
	do {								\
		const char *why = bpfu_unsupported();			\
		if (why)						\
			SKIP(return, "%s", why);			\
		if (bpfu_borrow(u)) {					\
			fprintf(stderr, "%s", bpfu_shared.log);		\
			ASSERT_EQ(0, -1) TH_LOG("sensors did not load");\
		}							\
	} while (0)

/* SKIP in a 6.1 harness fixture setup does not stop the test body. */
#define BPFU_SKIPPED()	(_metadata->skip)

#endif /* ESPY_TESTS_BPF_UTIL_H */
