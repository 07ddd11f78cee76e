/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The process table: what espyd knows about each process, keyed by
 * (tgid, start_ns) so that a reused pid is a different process.
 *
 * Filled at start from /proc (through ESPY_EV_PROC records, so that
 * recordings carry the initial table and replay rebuilds it), then kept up
 * to date from EXEC, FORK and EXIT records; every record with a task
 * refreshes the ids, namespaces and comm of its process (so a SETID shows
 * in the next record of that process).
 *
 * /proc gives start times in clock ticks (USER_HZ), the sensors in exact
 * nanoseconds: an entry made from /proc matches the kernel's key when both
 * fall in the same tick, and then takes the exact value.
 *
 * Bounded: at most opts.max entries.  Exited processes linger for
 * opts.linger_ns of record time (late events still resolve), then go; when
 * full, the oldest exited entry goes first, then the least recently seen
 * live one.  Evictions are counted.  Time is the records' own clock, so a
 * replay evicts exactly as the live run did.
 */
#ifndef ESPY_PROCTAB_H
#define ESPY_PROCTAB_H

#include <stddef.h>
#include <stdint.h>
#include "espy/abi.h"
#include "event.h"
#include "source.h"

#define ESPY_TICK_NS		10000000ULL	/* 1 / USER_HZ (100) */

/* espy_proc.flags */
#define ESPY_PROC_EXITED	(1U << 0)
#define ESPY_PROC_FROM_PROC	(1U << 1)	/* known from /proc, start_ns in ticks */
#define ESPY_PROC_EXECED	(1U << 2)	/* seen exec (or /proc): exe/argv are its own */
#define ESPY_PROC_FORKED	(1U << 3)	/* seen fork: exe/argv copied from parent */
#define ESPY_PROC_PARTIAL	(1U << 4)	/* first seen in a record: exe unknown */
#define ESPY_PROC_TRUNC_ARGV	(1U << 5)	/* argv cut (record or table bound) */
#define ESPY_PROC_TRUNC_EXE	(1U << 6)
#define ESPY_PROC_KTHREAD	(1U << 7)	/* kernel thread (from /proc) */

struct espy_proctab;

/*
 * Every record reads and writes the first two cache lines (key, table
 * links, ids, comm): they come first, so that a replay touching tens of
 * thousands of processes in turn misses on two lines per record, not four.
 */
struct espy_proc {
	/* key */
	uint32_t tgid;
	uint32_t flags;			/* ESPY_PROC_* */
	uint64_t start_ns;		/* CLOCK_BOOTTIME ns */
	/* table internals */
	struct espy_proc *hnext;
	struct espy_proc *lprev, *lnext;
	/* for the detection engine: freed through the table's evict hook */
	void *session;
	uint64_t last_ns;		/* last record of this process */
	/* parent: ppid and, when resolved, its start time (0 unknown) */
	uint32_t ppid;
	uint32_t uid, gid, euid, egid;
	uint32_t auid, sessionid;
	uint32_t mntns, netns;		/* "host": (netns, mntns) */
	char comm[ESPY_COMM_LEN + 1];
	uint64_t parent_start_ns;
	uint64_t cgroup_id;
	/* 128 bytes so far */
	uint32_t tty_dev;
	uint32_t exec_flags;		/* ESPY_EXEC_* of the last exec */
	uint32_t argc;
	/* owned, NUL-terminated copies (NULL when unknown); argv keeps its
	 * NUL separators, argv_len counts them */
	char *exe;
	char *argv;
	char *cwd;
	uint32_t exe_len, argv_len, cwd_len;
	uint64_t exec_ns;		/* last exec, 0 if none seen */
	uint64_t exit_ns;
	int32_t exit_code;
};

struct espy_proctab_opts {
	uint32_t max;			/* entries; 0: default 32768 */
	uint64_t linger_ns;		/* 0: default 30 s */
	uint32_t argv_max;		/* bytes kept per argv; 0: default 1024 */
};

struct espy_proctab_stats {
	uint64_t entries;
	uint64_t max;
	uint64_t inserted;
	uint64_t evicted_exited;	/* lingered long enough, or pressure */
	uint64_t evicted_live;		/* live process pushed out: table too small */
	uint64_t alloc_failures;
	uint64_t unknown_parent;	/* fork/exec whose parent was not in the table */
};

/* Called before an entry is freed, e.g. to release p->session. */
typedef void (*espy_proc_evict_fn)(void *ctx, struct espy_proc *p);

int espy_proctab_init(struct espy_proctab **out,
		      const struct espy_proctab_opts *opts);
void espy_proctab_fini(struct espy_proctab *t);
void espy_proctab_set_evict_hook(struct espy_proctab *t, espy_proc_evict_fn fn,
				 void *ctx);
void espy_proctab_stats(const struct espy_proctab *t,
			struct espy_proctab_stats *st);

/* The entry for (tgid, start_ns), or NULL. */
struct espy_proc *espy_proctab_find(struct espy_proctab *t, uint32_t tgid,
				    uint64_t start_ns);
/* The most recent process with this tgid that has not exited, or NULL. */
struct espy_proc *espy_proctab_find_live(struct espy_proctab *t, uint32_t tgid);
/*
 * Hints for a reader that knows which processes come next (replay): level 0
 * prefetches @tgid's hash bucket, level 1 the first entry in it, level 2
 * that entry's detection state and its LRU neighbours.  Give each level a
 * record or two after the one before; nothing changes but what is in the
 * CPU cache.
 */
void espy_proctab_prefetch(const struct espy_proctab *t, uint32_t tgid,
			   int level);
/* The first entry of @tgid's bucket if it is @tgid's, for such hints. */
struct espy_proc *espy_proctab_peek(const struct espy_proctab *t,
				    uint32_t tgid);
/* p's parent entry, or NULL when unknown or gone. */
struct espy_proc *espy_proctab_parent(struct espy_proctab *t,
				      const struct espy_proc *p);
/*
 * Walk from p's parent upwards, filling out[0..max) (out[0] = parent);
 * returns the number found.  Stops at pid 1, at an unknown parent, or at
 * max (loops are impossible past max).
 */
int espy_proctab_ancestors(struct espy_proctab *t, const struct espy_proc *p,
			   struct espy_proc **out, int max);
/* Visit every entry; fn returns non-zero to stop. */
int espy_proctab_for_each(struct espy_proctab *t,
			  int (*fn)(void *ctx, struct espy_proc *p), void *ctx);

/*
 * Apply a decoded record.  Returns 0 and sets ev->proc to the entry of
 * hdr->tgid (NULL when the record has no task or the table could not make
 * room), or -errno.
 */
int espy_proctab_apply(struct espy_proctab *t, struct espy_event *ev);

/*
 * Read /proc (procroot, normally "/proc") and call fn once per process with
 * an ESPY_EV_PROC record (struct espy_exec layout; hdr.start_ns in whole
 * ticks, hdr.ts_ns = now on CLOCK_BOOTTIME unless ts_ns != 0 is given).
 * Processes that vanish during the walk are skipped.  Kernel threads are
 * included with empty exe and argv.  Returns the number of records or
 * -errno (fn's negative return stops the walk and is returned).
 */
int espy_proc_snapshot(const char *procroot, uint64_t ts_ns,
		       espy_record_fn fn, void *ctx);
/* One process: build its ESPY_EV_PROC record into buf (ESPY_REC_MAX bytes,
 * 8-byte aligned); returns the record length or -errno. */
int espy_proc_snapshot_one(const char *procroot, uint32_t pid, uint64_t ts_ns,
			   void *buf, size_t bufsz);

#endif /* ESPY_PROCTAB_H */
