/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Record decoding: good records decode with every tail in place; each kind
 * of malformed record is rejected with its own counted reason; a good
 * record after bad ones is still decoded; random damage never crashes and
 * never yields a view outside the record.
 */
#include <errno.h>
#include <stdlib.h>
/* the harness compares as written: literals against size_t fields */
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "records.h"
#include "record.h"
#include "pipeline.h"

static const char ARGV[] = "ls\0-l\0/tmp";	/* argv_len 11, argc 3 */

TEST(exec_decodes_with_tails)
{
	struct trec r;
	struct espy_event ev;
	enum espy_decode_err why = ESPY_DEC_NR;
	size_t len = trec_exec(&r, ESPY_EV_EXEC, 10, 100, 5, 1, 0, "/bin/ls",
			       ARGV, sizeof(ARGV), 3, "/home");

	ASSERT_EQ(0, espy_record_decode(r.b, len, &ev, &why));
	EXPECT_EQ(ESPY_DEC_OK, why);
	EXPECT_EQ((void *)r.b, (void *)ev.hdr);
	EXPECT_EQ((void *)r.b, (void *)ev.exec);
	EXPECT_EQ(NULL, ev.file);
	EXPECT_EQ(7, ev.path.len);
	EXPECT_EQ(0, memcmp(ev.path.p, "/bin/ls", 7));
	EXPECT_EQ(sizeof(ARGV), ev.argv.len);
	EXPECT_EQ(0, memcmp(ev.argv.p, ARGV, sizeof(ARGV)));
	EXPECT_EQ(5, ev.cwd.len);
	EXPECT_EQ(0, memcmp(ev.cwd.p, "/home", 5));
	EXPECT_EQ(0, ev.script.len);
	EXPECT_EQ(len, ev.len);
}

TEST(file_net_fork_exit_decode)
{
	struct trec r;
	struct espy_event ev;
	uint8_t a[4] = { 10, 0, 0, 1 };
	size_t len;

	len = trec_file(&r, ESPY_EV_RENAME, 1, 7, 1, "/a", 2, "/b/c", 0, 0);
	ASSERT_EQ(0, espy_record_decode(r.b, len, &ev, NULL));
	EXPECT_NE(NULL, ev.file);
	EXPECT_EQ(0, memcmp(ev.path.p, "/a", 2));
	EXPECT_EQ(4, ev.path2.len);
	EXPECT_EQ(0, memcmp(ev.path2.p, "/b/c", 4));

	len = trec_net(&r, ESPY_EV_CONNECT, 1, 7, 1, a, 22, NULL, 0, 0);
	ASSERT_EQ(0, espy_record_decode(r.b, len, &ev, NULL));
	EXPECT_NE(NULL, ev.net);

	len = trec_fork(&r, 1, 7, 1, 1, 8, 2);
	ASSERT_EQ(0, espy_record_decode(r.b, len, &ev, NULL));
	EXPECT_NE(NULL, ev.fork);

	len = trec_exit(&r, 1, 7, 1, 1, 256);
	ASSERT_EQ(0, espy_record_decode(r.b, len, &ev, NULL));
	EXPECT_NE(NULL, ev.exit);
}

/* Build one record damaged in a given way; returns its length. */
static size_t damaged(struct trec *r, enum espy_decode_err kind)
{
	struct espy_exec *x = (struct espy_exec *)r->b;
	size_t len = trec_exec(r, ESPY_EV_EXEC, 1, 100, 5, 1, 0, "/bin/ls",
			       ARGV, sizeof(ARGV), 3, "/");

	switch (kind) {
	case ESPY_DEC_SHORT:
		return sizeof(struct espy_hdr) - 1;
	case ESPY_DEC_OVERSIZE:
		return ESPY_REC_MAX + 1;
	case ESPY_DEC_SIZE:
		x->hdr.size = len + 8;		/* claims more than delivered */
		return len;
	case ESPY_DEC_TYPE:
		x->hdr.type = 13;		/* a hole in the enum */
		return len;
	case ESPY_DEC_FIXED:
		/* an exec header with only half the fixed part */
		x->hdr.size = sizeof(struct espy_hdr) + 8;
		return sizeof(struct espy_hdr) + 8;
	case ESPY_DEC_FIELD_MAX:
		/* lengths that add up but one is above its maximum */
		x->path_len = ESPY_PATH_MAX + 1;
		x->argv_len = 0;
		x->cwd_len = 0;
		x->hdr.size = sizeof(*x) + ESPY_PATH_MAX + 1;
		return x->hdr.size;
	case ESPY_DEC_TAIL:
		x->cwd_len += 3;		/* runs past the record */
		return len;
	default:
		return len;
	}
}

TEST(every_reason_rejected_and_named)
{
	static unsigned char big[ESPY_REC_MAX + 16] __attribute__((aligned(8)));
	struct trec r;
	struct espy_event ev;
	enum espy_decode_err why, k;
	const char *names[ESPY_DEC_NR] = { 0 };
	size_t len;

	for (k = ESPY_DEC_SHORT; k < ESPY_DEC_NR; k++) {
		const void *data = r.b;

		if (k == ESPY_DEC_ALIGN)
			continue;	/* below */
		len = damaged(&r, k);
		if (k == ESPY_DEC_OVERSIZE) {
			memcpy(big, r.b, 200);
			data = big;
		}
		why = ESPY_DEC_OK;
		EXPECT_EQ(-EBADMSG, espy_record_decode(data, len, &ev, &why));
		EXPECT_EQ(k, why) TH_LOG("expected %s, got %s",
					 espy_decode_err_name(k),
					 espy_decode_err_name(why));
		EXPECT_EQ(NULL, ev.hdr);
		names[k] = espy_decode_err_name(k);
	}
	/* misaligned input is the caller's bug, reported as such */
	len = trec_exit(&r, 1, 7, 1, 1, 0);
	memmove(big + 1, r.b, len);
	EXPECT_EQ(-EINVAL, espy_record_decode(big + 1, len, &ev, &why));
	EXPECT_EQ(ESPY_DEC_ALIGN, why);
	/* names are distinct (they become metric labels) */
	for (k = ESPY_DEC_SHORT; k < ESPY_DEC_NR; k++) {
		enum espy_decode_err m;

		for (m = k + 1; k != ESPY_DEC_ALIGN && m < ESPY_DEC_NR; m++)
			if (names[k] && names[m])
				EXPECT_NE(0, strcmp(names[k], names[m]));
	}
}

TEST(fixed_size_types_reject_a_tail)
{
	struct trec r;
	struct espy_event ev;
	enum espy_decode_err why;
	size_t len = trec_fork(&r, 1, 7, 1, 1, 8, 2);
	struct espy_hdr *h = (struct espy_hdr *)r.b;

	h->size = len + 8;
	EXPECT_EQ(-EBADMSG, espy_record_decode(r.b, len + 8, &ev, &why));
	EXPECT_EQ(ESPY_DEC_TAIL, why);
}

TEST(name_limits_depend_on_type)
{
	struct trec r;
	struct espy_priv *x = (struct espy_priv *)r.b;
	struct espy_event ev;
	enum espy_decode_err why;

	/* a module path may be a whole path; a memfd name may not */
	memset(x, 0, sizeof(*x));
	trec_hdr(&x->hdr, ESPY_EV_MODULE, 1, 5, 1, 1, 0);
	x->name_len = 1000;
	x->hdr.size = sizeof(*x) + 1000;
	EXPECT_EQ(0, espy_record_decode(r.b, x->hdr.size, &ev, &why));
	x->hdr.type = ESPY_EV_MEMFD;
	EXPECT_EQ(-EBADMSG, espy_record_decode(r.b, x->hdr.size, &ev, &why));
	EXPECT_EQ(ESPY_DEC_FIELD_MAX, why);
}

static int count_sink(void *ctx, const struct espy_event *ev, const char *json,
		      size_t len)
{
	(*(int *)ctx)++;
	return 0;
}

/* The pipeline counts each rejection by reason and keeps going. */
TEST(pipeline_counts_and_survives)
{
	struct espy_pipeline_opts po = { 0 };
	const struct espy_pipeline_stats *st;
	struct espy_pipeline *p;
	struct trec r;
	enum espy_decode_err k;
	int got = 0;
	size_t len;

	po.have_clock_offset = 1;
	ASSERT_EQ(0, espy_pipeline_init(&p, &po));
	ASSERT_LE(0, espy_pipeline_add_sink(p, "count", count_sink, &got));
	for (k = ESPY_DEC_SHORT; k < ESPY_DEC_NR; k++) {
		if (k == ESPY_DEC_OVERSIZE || k == ESPY_DEC_ALIGN)
			continue;
		len = damaged(&r, k);
		EXPECT_EQ(-EBADMSG, espy_pipeline_feed(p, r.b, len));
		/* a good record right after each bad one */
		len = trec_exec(&r, ESPY_EV_EXEC, 2, 200 + k, 5, 1, 0, "/bin/x",
				ARGV, sizeof(ARGV), 3, "/");
		EXPECT_EQ(0, espy_pipeline_feed(p, r.b, len));
	}
	/* misaligned input is copied and decoded, not rejected */
	{
		static unsigned char buf[1024] __attribute__((aligned(8)));

		len = trec_exit(&r, 3, 300, 5, 1, 0);
		memcpy(buf + 3, r.b, len);
		EXPECT_EQ(0, espy_pipeline_feed(p, buf + 3, len));
	}
	st = espy_pipeline_stats(p);
	EXPECT_EQ(6, st->decode_errors);
	for (k = ESPY_DEC_SHORT; k < ESPY_DEC_NR; k++)
		EXPECT_EQ(k == ESPY_DEC_OVERSIZE || k == ESPY_DEC_ALIGN ? 0 : 1,
			  st->decode_by_reason[k]) TH_LOG("%s",
						espy_decode_err_name(k));
	EXPECT_EQ(7, st->events);
	EXPECT_EQ(6, st->by_type[ESPY_EV_EXEC]);
	EXPECT_EQ(1, st->by_type[ESPY_EV_EXIT]);
	EXPECT_EQ(13, st->records);
	EXPECT_EQ(7, got);
	espy_pipeline_fini(p);
}

/* xorshift: reproducible damage */
static uint64_t rnd(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static int inside(const struct espy_str *s, const unsigned char *b, size_t len)
{
	if (!s->len)
		return 1;
	return (const unsigned char *)s->p >= b &&
	       (const unsigned char *)s->p + s->len <= b + len;
}

TEST(random_damage_never_escapes)
{
	struct trec r;
	struct espy_event ev;
	uint64_t seed = 0x9e3779b97f4a7c15ULL;
	int i, ok = 0, bad = 0;

	for (i = 0; i < 200000; i++) {
		size_t len, pos;
		int flips, f;

		switch (i % 4) {
		case 0:
			len = trec_exec(&r, ESPY_EV_EXEC, 1, 5, 1, 1, 0,
					"/usr/bin/thing", ARGV, sizeof(ARGV), 3,
					"/var");
			break;
		case 1:
			len = trec_file(&r, ESPY_EV_OPEN, 1, 5, 1, "/etc/x", 6,
					NULL, 0, 3);
			break;
		case 2:
			len = trec_fork(&r, 1, 5, 1, 1, 6, 2);
			break;
		default:
			len = trec_net(&r, ESPY_EV_DNS, 1, 5, 1, NULL, 53,
				       NULL, 0, 0);
		}
		flips = 1 + rnd(&seed) % 4;
		for (f = 0; f < flips; f++) {
			/* aim at the header and length fields most of the time */
			pos = rnd(&seed) % (rnd(&seed) % 2 ? 200 : len + 16);
			r.b[pos] ^= 1 << (rnd(&seed) % 8);
		}
		if (rnd(&seed) % 8 == 0)
			len = rnd(&seed) % (len + 64);
		if (espy_record_decode(r.b, len, &ev, NULL)) {
			bad++;
			continue;
		}
		ok++;
		ASSERT_EQ(ev.hdr->size, len);
		ASSERT_TRUE(inside(&ev.path, r.b, len));
		ASSERT_TRUE(inside(&ev.path2, r.b, len));
		ASSERT_TRUE(inside(&ev.argv, r.b, len));
		ASSERT_TRUE(inside(&ev.cwd, r.b, len));
		ASSERT_TRUE(inside(&ev.script, r.b, len));
		ASSERT_TRUE(inside(&ev.name, r.b, len));
	}
	/* both outcomes happened: the damage was real, decoding not blanket */
	EXPECT_LT(1000, ok);
	EXPECT_LT(1000, bad);
}

TEST_HARNESS_MAIN
