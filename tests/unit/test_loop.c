/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The event loop: fds dispatch with their context, timers fire with their
 * expiration count, SIGHUP runs the reload hooks and SIGTERM stops the
 * loop (through the signalfd, not a handler), stop hooks run once, and a
 * callback may delete another handler that is ready in the same batch.
 */
#include <signal.h>
#include <unistd.h>
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "loop.h"

struct counts {
	int reads, timer, reload, stopped;
	uint64_t exp;
	int other_fd;
};

static void on_read(struct espy_loop *l, int fd, uint32_t ev, void *ctx)
{
	struct counts *c = ctx;
	char b[16];

	if (read(fd, b, sizeof(b)) > 0)
		c->reads++;
}

static void on_timer(struct espy_loop *l, uint64_t exp, void *ctx)
{
	struct counts *c = ctx;

	c->timer++;
	c->exp += exp;
	if (c->timer == 3)
		espy_loop_stop(l, 7);
}

static void on_reload(struct espy_loop *l, void *ctx)
{
	((struct counts *)ctx)->reload++;
}

static void on_stop(struct espy_loop *l, void *ctx)
{
	((struct counts *)ctx)->stopped++;
}

TEST(fd_and_timer_dispatch)
{
	struct espy_loop l;
	struct counts c = { 0 };
	int p[2], t;

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, espy_loop_init(&l));
	ASSERT_EQ(0, espy_loop_add(&l, p[0], EPOLLIN, on_read, &c));
	EXPECT_EQ(-EEXIST, espy_loop_add(&l, p[0], EPOLLIN, on_read, &c));
	ASSERT_EQ(1, write(p[1], "x", 1));
	t = espy_loop_add_timer(&l, 20000000, 20000000, on_timer, &c);
	ASSERT_LE(0, t);
	ASSERT_EQ(0, espy_loop_on_stop(&l, on_stop, &c));
	EXPECT_EQ(7, espy_loop_run(&l));	/* the timer stops it, 3rd tick */
	EXPECT_EQ(1, c.reads);
	EXPECT_EQ(3, c.timer);
	EXPECT_LE(3, c.exp);
	EXPECT_EQ(1, c.stopped);
	EXPECT_EQ(0, espy_loop_del(&l, t));
	EXPECT_EQ(-ENOENT, espy_loop_del(&l, t));
	EXPECT_EQ(0, espy_loop_del(&l, p[0]));
	espy_loop_fini(&l);
	/* the caller's fd stays open: the loop does not own it */
	EXPECT_EQ(1, write(p[1], "y", 1));
	close(p[0]);
	close(p[1]);
}

TEST(signals_through_signalfd)
{
	struct espy_loop l;
	struct counts c = { 0 };
	int i;

	ASSERT_EQ(0, espy_loop_init(&l));
	ASSERT_EQ(0, espy_loop_signals(&l));
	ASSERT_EQ(0, espy_loop_on_reload(&l, on_reload, &c));
	ASSERT_EQ(0, espy_loop_on_reload(&l, on_reload, &c));	/* two hooks */
	ASSERT_EQ(0, espy_loop_on_stop(&l, on_stop, &c));
	ASSERT_EQ(0, raise(SIGHUP));	/* blocked: waits in the signalfd */
	ASSERT_EQ(0, raise(SIGPIPE));	/* ignored: must not kill us */
	for (i = 0; i < 10 && !c.reload; i++)
		ASSERT_LE(0, espy_loop_run_once(&l, 100));
	EXPECT_EQ(2, c.reload);
	EXPECT_EQ(1, l.hups);
	EXPECT_EQ(0, l.stop);
	ASSERT_EQ(0, raise(SIGTERM));
	EXPECT_EQ(0, espy_loop_run(&l));
	EXPECT_EQ(SIGTERM, l.last_signal);
	EXPECT_EQ(1, c.stopped);
	espy_loop_fini(&l);
}

static void del_other(struct espy_loop *l, int fd, uint32_t ev, void *ctx)
{
	struct counts *c = ctx;
	char b[16];

	if (read(fd, b, sizeof(b)) > 0)
		c->reads++;
	if (c->other_fd >= 0) {
		espy_loop_del(l, c->other_fd);
		c->other_fd = -1;
	}
}

TEST(delete_during_dispatch)
{
	struct espy_loop l;
	struct counts a = { 0 }, b = { 0 };
	int p[2], q[2], i;

	ASSERT_EQ(0, pipe(p));
	ASSERT_EQ(0, pipe(q));
	ASSERT_EQ(0, espy_loop_init(&l));
	/* whichever runs first deletes the other; the other must not run */
	a.other_fd = q[0];
	b.other_fd = p[0];
	ASSERT_EQ(0, espy_loop_add(&l, p[0], EPOLLIN, del_other, &a));
	ASSERT_EQ(0, espy_loop_add(&l, q[0], EPOLLIN, del_other, &b));
	ASSERT_EQ(1, write(p[1], "x", 1));
	ASSERT_EQ(1, write(q[1], "x", 1));
	ASSERT_EQ(2, espy_loop_run_once(&l, 1000));	/* both in one batch */
	EXPECT_EQ(1, a.reads + b.reads);
	for (i = 0; i < 3; i++)
		espy_loop_run_once(&l, 10);
	EXPECT_EQ(1, a.reads + b.reads);
	espy_loop_fini(&l);
	close(p[0]); close(p[1]); close(q[0]); close(q[1]);
}

TEST_HARNESS_MAIN
