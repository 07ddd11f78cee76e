/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The record path around the decoder: the raw tap sees every record (bad
 * ones too, so recordings are faithful), espyd's own records are dropped
 * and counted, sink failures are counted per sink without starving the
 * others, /proc snapshot records fill the table without being emitted, and
 * wall-clock time comes from the given offset only.
 */
#include <errno.h>
#include <unistd.h>
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "records.h"
#include "pipeline.h"

struct tap {
	int n;
	size_t bytes;
};

static int tap_fn(void *ctx, const void *rec, size_t len)
{
	struct tap *t = ctx;

	t->n++;
	t->bytes += len;
	return t->n == 2 ? -EIO : 0;	/* one failing write, counted */
}

struct sink {
	int n;
	int fail;
	int64_t wall;
	uint64_t last_id;
};

static int sink_fn(void *ctx, const struct espy_event *ev, const char *json,
		   size_t len)
{
	struct sink *s = ctx;

	s->n++;
	s->wall = ev->wall_ns;
	s->last_id = ev->id;
	if (json[len - 1] != '\n' || json[len] != '\0')
		return -EINVAL;
	return s->fail ? -ENOSPC : 0;
}

static struct espy_pipeline *mk(uint32_t self)
{
	struct espy_pipeline_opts po = { 0 };
	struct espy_host h = { .name = "h", .id = "i" };
	struct espy_pipeline *p;

	po.host = &h;
	po.have_clock_offset = 1;
	po.clock_offset_ns = 1000;
	po.self_tgid = self;
	return espy_pipeline_init(&p, &po) ? NULL : p;
}

TEST(tap_self_sinks_and_clock)
{
	struct espy_pipeline *p = mk(4242);
	const struct espy_pipeline_stats *st;
	struct tap tap = { 0 };
	struct sink ok = { 0 }, bad = { .fail = 1 };
	struct trec r;
	int ida, idb;
	size_t len;

	ASSERT_NE(NULL, p);
	espy_pipeline_set_tap(p, tap_fn, &tap);
	ida = espy_pipeline_add_sink(p, "ok", sink_fn, &ok);
	idb = espy_pipeline_add_sink(p, "bad", sink_fn, &bad);
	ASSERT_LE(0, ida);
	ASSERT_LE(0, idb);
	EXPECT_EQ(-EINVAL, espy_pipeline_add_sink(p, "", sink_fn, &ok));

	len = trec_exit(&r, 5000, 10, 1, 1, 0);
	EXPECT_EQ(0, espy_pipeline_feed(p, r.b, len));
	EXPECT_EQ(6000, ok.wall);		/* ts + offset, no clock read */
	EXPECT_EQ(-EBADMSG, espy_pipeline_feed(p, r.b, len - 1));
	len = trec_exit(&r, 6000, 4242, 1, 1, 0);	/* espyd itself */
	EXPECT_EQ(0, espy_pipeline_feed(p, r.b, len));
	len = trec_exit(&r, 7000, 11, 1, 1, 0);
	EXPECT_EQ(0, espy_pipeline_feed(p, r.b, len));

	st = espy_pipeline_stats(p);
	EXPECT_EQ(4, tap.n);			/* the bad and the self one too */
	EXPECT_EQ(1, st->tap_errors);
	EXPECT_EQ(1, st->self);
	EXPECT_EQ(2, st->events);
	EXPECT_EQ(2, st->emitted);
	EXPECT_EQ(2, ok.n);
	EXPECT_EQ(2, bad.n);			/* still called after failing */
	EXPECT_EQ(2, st->sinks[ida].events);
	EXPECT_EQ(0, st->sinks[ida].errors);
	EXPECT_EQ(2, st->sinks[idb].errors);
	EXPECT_EQ(-ENOSPC, st->sinks[idb].last_err);
	EXPECT_STREQ("bad", st->sinks[idb].name);
	EXPECT_EQ(2, ok.last_id);		/* ids count events, not records */

	EXPECT_EQ(0, espy_pipeline_del_sink(p, idb));
	EXPECT_EQ(-ENOENT, espy_pipeline_del_sink(p, idb));
	EXPECT_EQ(0, espy_pipeline_feed(p, r.b, len));
	EXPECT_EQ(2, bad.n);
	EXPECT_EQ(3, ok.n);
	espy_pipeline_fini(p);
}

TEST(snapshot_fills_table_not_stream)
{
	struct espy_pipeline *p = mk(0);
	struct sink ok = { 0 };
	struct tap tap = { 0 };
	struct espy_proc *me;
	char exe[4096];
	ssize_t n;
	int procs;

	ASSERT_NE(NULL, p);
	ASSERT_LE(0, espy_pipeline_add_sink(p, "ok", sink_fn, &ok));
	espy_pipeline_set_tap(p, tap_fn, &tap);
	procs = espy_pipeline_snapshot(p, "/proc");
	ASSERT_LT(1, procs);
	EXPECT_EQ(procs, tap.n);		/* recordings carry the table */
	EXPECT_EQ(0, ok.n);			/* but the stream does not */
	EXPECT_EQ(procs, espy_pipeline_stats(p)->by_type[ESPY_EV_PROC]);
	me = espy_proctab_find_live(espy_pipeline_procs(p), getpid());
	ASSERT_NE(NULL, me);
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	ASSERT_LT(0, n);
	exe[n] = '\0';
	EXPECT_STREQ(exe, me->exe);
	espy_pipeline_fini(p);
}

static int detect_fail(void *ctx, struct espy_event *ev)
{
	(*(int *)ctx)++;
	return -ENOMEM;
}

TEST(detect_failure_is_counted_event_still_out)
{
	struct espy_pipeline *p = mk(0);
	struct sink ok = { 0 };
	struct trec r;
	int calls = 0;

	ASSERT_NE(NULL, p);
	ASSERT_LE(0, espy_pipeline_add_sink(p, "ok", sink_fn, &ok));
	espy_pipeline_set_detect(p, detect_fail, &calls);
	EXPECT_EQ(0, espy_pipeline_feed(p, r.b, trec_exit(&r, 1, 5, 1, 1, 0)));
	EXPECT_EQ(1, calls);
	EXPECT_EQ(1, ok.n);
	EXPECT_EQ(1, espy_pipeline_stats(p)->detect_errors);
	espy_pipeline_fini(p);
}

TEST(drop_counters_become_deltas)
{
	uint64_t seen[ESPY_EV_MAX] = { 0 }, cur[ESPY_EV_MAX] = { 0 };
	uint64_t delta[ESPY_EV_MAX];

	cur[ESPY_EV_OPEN] = 10;
	cur[ESPY_EV_EXEC] = 1;
	EXPECT_EQ(11, espy_drops_delta(seen, cur, delta));
	EXPECT_EQ(10, delta[ESPY_EV_OPEN]);
	EXPECT_EQ(0, espy_drops_delta(seen, cur, delta));	/* no growth */
	EXPECT_EQ(0, delta[ESPY_EV_OPEN]);
	cur[ESPY_EV_OPEN] = 15;
	EXPECT_EQ(5, espy_drops_delta(seen, cur, delta));
	EXPECT_EQ(5, delta[ESPY_EV_OPEN]);
	EXPECT_EQ(0, delta[ESPY_EV_EXEC]);
	cur[ESPY_EV_OPEN] = 3;		/* the source was reset */
	EXPECT_EQ(3, espy_drops_delta(seen, cur, delta));
	EXPECT_EQ(3, seen[ESPY_EV_OPEN]);
}

TEST_HARNESS_MAIN
