/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Process table: exec/fork/exit keep entries right, ancestry resolves,
 * pid reuse is told apart, exited processes linger then go, the bound holds
 * under pressure with the right victims, and the /proc snapshot of this
 * very test process carries its real exe, parent and user.
 */
#include <errno.h>
#include <stdlib.h>
#include <unistd.h>
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "records.h"
#include "record.h"
#include "proctab.h"

#define SEC	1000000000ULL

static int feed(struct espy_proctab *t, struct trec *r, size_t len,
		struct espy_event *ev)
{
	int err = espy_record_decode(r->b, len, ev, NULL);

	if (err)
		return err;
	return espy_proctab_apply(t, ev);
}

static int exec_rec(struct espy_proctab *t, uint64_t ts, uint32_t tgid,
		    uint64_t start, uint32_t ppid, const char *exe)
{
	struct trec r;
	struct espy_event ev;
	char argv[64];
	size_t n = snprintf(argv, sizeof(argv), "%s", exe) + 1;

	n += snprintf(argv + n, sizeof(argv) - n, "-x") + 1;
	return feed(t, &r, trec_exec(&r, ESPY_EV_EXEC, ts, tgid, start, ppid,
				     1000, exe, argv, n, 2, "/work"), &ev);
}

TEST(exec_fork_exit_and_ancestry)
{
	struct espy_proctab *t;
	struct espy_proc *p, *c, *anc[8];
	struct espy_event ev;
	struct trec r;

	ASSERT_EQ(0, espy_proctab_init(&t, NULL));
	ASSERT_EQ(0, exec_rec(t, 1, 1, 100, 0, "/sbin/init"));
	ASSERT_EQ(0, feed(t, &r, trec_fork(&r, 2, 1, 100, 0, 500, 2000), &ev));
	EXPECT_EQ(1, ev.proc->tgid);		/* the record's task: the parent */
	c = espy_proctab_find(t, 500, 2000);
	ASSERT_NE(NULL, c);
	/* before exec the child runs its parent's image */
	EXPECT_STREQ("/sbin/init", c->exe);
	EXPECT_TRUE(c->flags & ESPY_PROC_FORKED);
	EXPECT_EQ(1, c->ppid);
	EXPECT_EQ(100, c->parent_start_ns);
	ASSERT_EQ(0, exec_rec(t, 3, 500, 2000, 1, "/bin/bash"));
	EXPECT_STREQ("/bin/bash", c->exe);
	EXPECT_EQ(0, memcmp(c->argv, "/bin/bash\0-x", 13));
	EXPECT_EQ(2, c->argc);
	EXPECT_STREQ("/work", c->cwd);
	EXPECT_TRUE(c->flags & ESPY_PROC_EXECED);
	EXPECT_FALSE(c->flags & ESPY_PROC_FORKED);
	EXPECT_EQ(1000, c->uid);
	/* grandchild, then the ancestry walk */
	ASSERT_EQ(0, feed(t, &r, trec_fork(&r, 4, 500, 2000, 1, 600, 3000), &ev));
	ASSERT_EQ(0, exec_rec(t, 5, 600, 3000, 500, "/usr/bin/curl"));
	p = espy_proctab_find(t, 600, 3000);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(2, espy_proctab_ancestors(t, p, anc, 8));
	EXPECT_STREQ("/bin/bash", anc[0]->exe);
	EXPECT_STREQ("/sbin/init", anc[1]->exe);
	EXPECT_EQ(1, espy_proctab_ancestors(t, p, anc, 1));
	/* exit marks, keeps (lingers) and remembers the code */
	ASSERT_EQ(0, feed(t, &r, trec_exit(&r, 6, 600, 3000, 500, 1 << 8), &ev));
	p = espy_proctab_find(t, 600, 3000);
	ASSERT_NE(NULL, p);
	EXPECT_TRUE(p->flags & ESPY_PROC_EXITED);
	EXPECT_EQ(256, p->exit_code);
	EXPECT_EQ(NULL, espy_proctab_find_live(t, 600));
	espy_proctab_fini(t);
}

TEST(pid_reuse_is_a_new_process)
{
	struct espy_proctab *t;
	struct espy_proc *a, *b;
	struct espy_event ev;
	struct trec r;

	ASSERT_EQ(0, espy_proctab_init(&t, NULL));
	ASSERT_EQ(0, exec_rec(t, 1, 700, 1 * SEC, 1, "/bin/old"));
	ASSERT_EQ(0, feed(t, &r, trec_exit(&r, 2, 700, 1 * SEC, 1, 0), &ev));
	ASSERT_EQ(0, exec_rec(t, 3, 700, 2 * SEC, 1, "/bin/new"));
	a = espy_proctab_find(t, 700, 1 * SEC);
	b = espy_proctab_find(t, 700, 2 * SEC);
	ASSERT_NE(NULL, a);
	ASSERT_NE(NULL, b);
	EXPECT_NE(a, b);
	EXPECT_STREQ("/bin/old", a->exe);
	EXPECT_STREQ("/bin/new", b->exe);
	EXPECT_EQ(b, espy_proctab_find_live(t, 700));
	/* a process younger than pid 700's current holder is not its child */
	ASSERT_EQ(0, exec_rec(t, 4, 800, 1 * SEC + 5, 700, "/bin/child"));
	EXPECT_EQ(NULL, espy_proctab_parent(t, espy_proctab_find(t, 800, 1 * SEC + 5)));
	espy_proctab_fini(t);
}

TEST(linger_then_evict_on_record_time)
{
	struct espy_proctab_opts o = { .linger_ns = 5 * SEC };
	struct espy_proctab_stats st;
	struct espy_proctab *t;
	struct espy_event ev;
	struct trec r;

	ASSERT_EQ(0, espy_proctab_init(&t, &o));
	ASSERT_EQ(0, exec_rec(t, 10 * SEC, 900, 1, 1, "/bin/short"));
	ASSERT_EQ(0, feed(t, &r, trec_exit(&r, 11 * SEC, 900, 1, 1, 0), &ev));
	/* a late event 4 s after the exit still resolves */
	ASSERT_EQ(0, exec_rec(t, 15 * SEC, 901, 2, 1, "/bin/other"));
	EXPECT_NE(NULL, espy_proctab_find(t, 900, 1));
	/* 6 s after the exit it is gone */
	ASSERT_EQ(0, exec_rec(t, 17 * SEC, 902, 3, 1, "/bin/third"));
	EXPECT_EQ(NULL, espy_proctab_find(t, 900, 1));
	espy_proctab_stats(t, &st);
	EXPECT_EQ(1, st.evicted_exited);
	EXPECT_EQ(0, st.evicted_live);
	EXPECT_EQ(2, st.entries);
	espy_proctab_fini(t);
}

static int evicted_sessions;

static void on_evict(void *ctx, struct espy_proc *p)
{
	if (p->session == ctx)
		evicted_sessions++;
}

TEST(bounded_under_pressure_with_lru_victims)
{
	struct espy_proctab_opts o = { .max = 16 };
	struct espy_proctab_stats st;
	struct espy_proctab *t;
	struct espy_event ev;
	struct trec r;
	int i, marker;

	ASSERT_EQ(0, espy_proctab_init(&t, &o));
	espy_proctab_set_evict_hook(t, on_evict, &marker);
	for (i = 0; i < 16; i++)
		ASSERT_EQ(0, exec_rec(t, 1 + i, 1000 + i, 1, 1, "/bin/sleep"));
	espy_proctab_find(t, 1000, 1)->session = &marker;
	espy_proctab_find(t, 1001, 1)->session = &marker;
	/* 1002 exits: under pressure it goes first, before older live ones */
	ASSERT_EQ(0, feed(t, &r, trec_exit(&r, 20, 1002, 1, 1, 0), &ev));
	/* 1000 is busy: a record moves it to the young end */
	ASSERT_EQ(0, feed(t, &r, trec_file(&r, ESPY_EV_OPEN, 21, 1000, 1,
					   "/etc/x", 6, NULL, 0, 3), &ev));
	ASSERT_EQ(0, exec_rec(t, 30, 2000, 1, 1, "/bin/new1"));
	EXPECT_EQ(NULL, espy_proctab_find(t, 1002, 1));	/* the exited one */
	EXPECT_NE(NULL, espy_proctab_find(t, 1001, 1));
	ASSERT_EQ(0, exec_rec(t, 31, 2001, 1, 1, "/bin/new2"));
	EXPECT_EQ(NULL, espy_proctab_find(t, 1001, 1));	/* least recent live */
	EXPECT_NE(NULL, espy_proctab_find(t, 1000, 1));	/* touched: kept */
	for (i = 0; i < 100; i++)
		ASSERT_EQ(0, exec_rec(t, 40 + i, 3000 + i, 1, 1, "/bin/flood"));
	espy_proctab_stats(t, &st);
	EXPECT_EQ(16, st.entries);
	EXPECT_EQ(1, st.evicted_exited);
	EXPECT_EQ(101, st.evicted_live);
	EXPECT_EQ(2, evicted_sessions);		/* hook saw both sessions go */
	EXPECT_NE(NULL, espy_proctab_find(t, 3099, 1));
	espy_proctab_fini(t);
}

TEST(fork_under_pressure_keeps_the_parent)
{
	struct espy_proctab_opts o = { .max = 4 };
	struct espy_proctab *t;
	struct espy_event ev;
	struct trec r;
	int i;

	ASSERT_EQ(0, espy_proctab_init(&t, &o));
	ASSERT_EQ(0, exec_rec(t, 1, 10, 1, 1, "/bin/parent"));
	for (i = 0; i < 3; i++)
		ASSERT_EQ(0, exec_rec(t, 2 + i, 20 + i, 1, 1, "/bin/x"));
	/* the parent is the oldest entry, yet the fork must not evict it */
	ASSERT_EQ(0, feed(t, &r, trec_fork(&r, 10, 10, 1, 1, 30, 5), &ev));
	ASSERT_NE(NULL, ev.proc);
	EXPECT_EQ(10, ev.proc->tgid);
	EXPECT_STREQ("/bin/parent", ev.proc->exe);
	EXPECT_STREQ("/bin/parent", espy_proctab_find(t, 30, 5)->exe);
	espy_proctab_fini(t);
}

TEST(tick_rounded_start_matches_exact)
{
	struct espy_proctab *t;
	struct espy_proc *p;
	struct espy_event ev;
	struct trec r;
	uint64_t exact = 123 * ESPY_TICK_NS + 4567;

	ASSERT_EQ(0, espy_proctab_init(&t, NULL));
	/* what /proc says: the start in whole ticks */
	ASSERT_EQ(0, feed(t, &r, trec_exec(&r, ESPY_EV_PROC, 1, 42,
					   123 * ESPY_TICK_NS, 1, 0, "/usr/sbin/sshd",
					   "sshd", 5, 1, "/"), &ev));
	p = ev.proc;
	ASSERT_NE(NULL, p);
	EXPECT_TRUE(p->flags & ESPY_PROC_FROM_PROC);
	/* the kernel's first record for it carries the exact start */
	ASSERT_EQ(0, feed(t, &r, trec_file(&r, ESPY_EV_OPEN, 2, 42, exact,
					   "/etc/shadow", 11, NULL, 0, 3), &ev));
	EXPECT_EQ(p, ev.proc);
	EXPECT_EQ(exact, p->start_ns);
	EXPECT_STREQ("/usr/sbin/sshd", p->exe);
	EXPECT_EQ(p, espy_proctab_find(t, 42, exact));
	/* a different tick is a different process */
	EXPECT_EQ(NULL, espy_proctab_find(t, 42, exact + ESPY_TICK_NS));
	espy_proctab_fini(t);
}

TEST(argv_is_bounded_and_flagged)
{
	struct espy_proctab_opts o = { .argv_max = 8 };
	struct espy_proctab *t;
	struct espy_event ev;
	struct trec r;

	ASSERT_EQ(0, espy_proctab_init(&t, &o));
	ASSERT_EQ(0, feed(t, &r, trec_exec(&r, ESPY_EV_EXEC, 1, 5, 1, 1, 0,
					   "/bin/echo", "echo\0hello\0world", 17,
					   3, "/"), &ev));
	EXPECT_EQ(8, ev.proc->argv_len);
	EXPECT_EQ(0, memcmp(ev.proc->argv, "echo\0hel", 8));
	EXPECT_EQ('\0', ev.proc->argv[8]);
	EXPECT_TRUE(ev.proc->flags & ESPY_PROC_TRUNC_ARGV);
	espy_proctab_fini(t);
}

TEST(snapshot_of_this_process)
{
	static unsigned char buf[ESPY_REC_MAX] __attribute__((aligned(8)));
	char exe[4096], cwd[4096];
	struct espy_proctab *t;
	struct espy_event ev;
	struct espy_proc *p;
	ssize_t n;
	int len;

	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_LT(0, n);
	exe[n] = '\0';
	ASSERT_NE(NULL, getcwd(cwd, sizeof(cwd)));
	len = espy_proc_snapshot_one("/proc", getpid(), 77, buf, sizeof(buf));
	ASSERT_LT(0, len);
	ASSERT_EQ(0, espy_record_decode(buf, len, &ev, NULL));
	EXPECT_EQ(ESPY_EV_PROC, ev.hdr->type);
	EXPECT_EQ(77, ev.hdr->ts_ns);
	EXPECT_EQ(getpid(), ev.hdr->tgid);
	EXPECT_EQ(getppid(), ev.hdr->ppid);
	EXPECT_EQ(getuid(), ev.hdr->uid);
	EXPECT_EQ(geteuid(), ev.hdr->euid);
	EXPECT_EQ(getgid(), ev.hdr->gid);
	EXPECT_EQ(0, ev.hdr->start_ns % ESPY_TICK_NS);
	EXPECT_NE(0, ev.hdr->mntns);
	EXPECT_NE(0, ev.hdr->netns);
	ASSERT_EQ(strlen(exe), ev.path.len);
	EXPECT_EQ(0, memcmp(exe, ev.path.p, ev.path.len));
	EXPECT_EQ(strlen(cwd), ev.cwd.len);
	EXPECT_LE(1, ev.exec->argc);
	ASSERT_EQ(0, espy_proctab_init(&t, NULL));
	ASSERT_EQ(0, espy_proctab_apply(t, &ev));
	p = espy_proctab_find_live(t, getpid());
	ASSERT_NE(NULL, p);
	EXPECT_STREQ(exe, p->exe);
	EXPECT_EQ(getppid(), p->ppid);
	EXPECT_EQ(getuid(), p->uid);
	espy_proctab_fini(t);
}

struct walk {
	struct espy_proctab *t;
	int n, self;
};

static int apply_cb(void *ctx, const void *rec, size_t len)
{
	struct walk *w = ctx;
	struct espy_event ev;

	if (espy_record_decode(rec, len, &ev, NULL))
		return -EBADMSG;
	w->n++;
	if (ev.hdr->tgid == (uint32_t)getpid())
		w->self = 1;
	return espy_proctab_apply(w->t, &ev);
}

TEST(whole_proc_walk_resolves_parent)
{
	struct walk w = { 0 };
	struct espy_proc *p, *pp;
	int n;

	ASSERT_EQ(0, espy_proctab_init(&w.t, NULL));
	n = espy_proc_snapshot("/proc", 0, apply_cb, &w);
	ASSERT_LT(0, n);
	EXPECT_EQ(n, w.n);
	EXPECT_TRUE(w.self);
	p = espy_proctab_find_live(w.t, getpid());
	ASSERT_NE(NULL, p);
	pp = espy_proctab_parent(w.t, p);
	ASSERT_NE(NULL, pp) TH_LOG("parent %d not in the table", getppid());
	EXPECT_EQ(getppid(), pp->tgid);
	EXPECT_EQ(-ENOENT, espy_proc_snapshot("/nonexistent", 0, apply_cb, &w));
	espy_proctab_fini(w.t);
}

TEST_HARNESS_MAIN
