/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The baseline's arithmetic and bounds: smoothed rarity, first-seen,
 * decay by half-life, bounded tables that evict the least-counted entry
 * into the count-min sketch (so an evicted key comes back "seen", not
 * new), novelty and technique damping, and the serialized form.
 */
#include <math.h>
#include <stdlib.h>
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "baseline.h"
#include "score.h"
#include "hash64.h"
#include "near.h"

static const char *const names[] = { "a", "b" };

static void mk(struct espy_baseline *bl, uint32_t entries, uint32_t hl)
{
	struct espy_bl_params p;

	espy_bl_params_default(&p);
	p.entries = entries;
	p.half_life_s = hl;
	p.cms_width = 16384;
	if (espy_bl_init(bl, 2, names, &p))
		abort();
}

TEST(empty_baseline_calls_nothing_new)
{
	struct espy_baseline bl;
	struct espy_bl_obs o;

	mk(&bl, 64, 3600);
	espy_bl_observe(&bl, 0, 42, 1000, 0, &o);
	EXPECT_EQ(0, o.seen);
	EXPECT_EQ(0.0, o.bits);
	EXPECT_EQ(0.0, espy_novelty(&o, 10));
	espy_bl_fini(&bl);
}

TEST(rarity_is_smoothed_surprise)
{
	struct espy_baseline bl;
	struct espy_bl_obs o;
	int i;

	mk(&bl, 1024, 1000000);
	/* key 1 seen 90 times, keys 2..11 once each: N = 100, V = 11 */
	for (i = 0; i < 90; i++)
		espy_bl_observe(&bl, 0, 1, 1000, 1, NULL);
	for (i = 2; i <= 11; i++)
		espy_bl_observe(&bl, 0, i, 1000, 1, NULL);
	espy_bl_observe(&bl, 0, 1, 1000, 0, &o);
	/* -log2((90 + 1) / (100 + 1 * (11 + 1))) */
	EXPECT_NEAR(-log2(91.0 / 112.0), o.bits, 1e-9);
	EXPECT_EQ(1, o.seen);
	EXPECT_NEAR(90.0, o.count, 1e-9);
	espy_bl_observe(&bl, 0, 5, 1000, 0, &o);
	EXPECT_NEAR(-log2(2.0 / 112.0), o.bits, 1e-9);
	/* never seen: c = 0 */
	espy_bl_observe(&bl, 0, 999, 1000, 0, &o);
	EXPECT_EQ(0, o.seen);
	EXPECT_NEAR(-log2(1.0 / 112.0), o.bits, 1e-9);
	EXPECT_EQ(0, o.first_s);
	/* first-seen time is kept */
	espy_bl_observe(&bl, 0, 5, 1000, 0, &o);
	EXPECT_EQ(1000, o.first_s);
	espy_bl_fini(&bl);
}

TEST(counts_halve_every_half_life)
{
	struct espy_baseline bl;
	struct espy_bl_obs o;

	mk(&bl, 64, 100);
	espy_bl_observe(&bl, 0, 7, 1000, 8, NULL);
	espy_bl_observe(&bl, 0, 7, 1100, 0, &o);
	EXPECT_NEAR(4.0, o.count, 1e-6);
	EXPECT_NEAR(4.0, o.total, 1e-6);
	espy_bl_observe(&bl, 0, 7, 1300, 0, &o);
	EXPECT_NEAR(1.0, o.count, 1e-6);
	EXPECT_NEAR(1.0, espy_bl_total(&bl, 0, 1300), 1e-6);
	/* a clock that steps back does not grow counts */
	espy_bl_observe(&bl, 0, 7, 1300, 1, NULL);
	espy_bl_observe(&bl, 0, 7, 1200, 0, &o);
	EXPECT_NEAR(2.0, o.count, 1e-6);
	/* kinds are independent */
	espy_bl_observe(&bl, 1, 7, 1300, 0, &o);
	EXPECT_EQ(0, o.seen);
	espy_bl_fini(&bl);
}

TEST(bounded_table_evicts_least_counted_into_sketch)
{
	struct espy_baseline bl;
	struct espy_bl_obs o;
	uint64_t k;
	int i, heavy_kept = 0;

	mk(&bl, 64, 1000000);	/* 8 buckets x 8 ways */
	/* 16 heavy keys, then 5000 one-off keys: far beyond capacity */
	for (k = 1; k <= 16; k++)
		espy_bl_observe(&bl, 0, espy_hash_u64(k), 1000, 50, NULL);
	for (i = 0; i < 5000; i++)
		espy_bl_observe(&bl, 0, espy_hash_u64(100000 + i), 1000, 1, NULL);
	EXPECT_LE(bl.k[0].used, 64);
	EXPECT_GE(bl.k[0].evictions, 5000 + 16 - 64);
	EXPECT_LE(espy_bl_memory(&bl), 2 * 1024 * 1024);
	/* heavy keys survive eviction pressure */
	for (k = 1; k <= 16; k++) {
		espy_bl_observe(&bl, 0, espy_hash_u64(k), 1000, 0, &o);
		heavy_kept += o.exact;
		EXPECT_EQ(1, o.seen);
		EXPECT_GE(o.count, 49.0);
	}
	EXPECT_EQ(16, heavy_kept);
	/* an evicted one-off is still known, through the sketch */
	espy_bl_observe(&bl, 0, espy_hash_u64(100000), 1000, 0, &o);
	EXPECT_EQ(1, o.seen);
	EXPECT_GE(o.count, 1.0);
	/* a key never added is new (the sketch is not saturated) */
	espy_bl_observe(&bl, 0, espy_hash_u64(777777777), 1000, 0, &o);
	EXPECT_EQ(0, o.seen);
	espy_bl_fini(&bl);
}

TEST(novelty_and_damping)
{
	struct espy_bl_obs o = { 0 };
	double fam;

	o.total = 1000;
	o.bits = 2;
	EXPECT_EQ(0.0, espy_novelty(&o, 100));
	o.bits = 12;
	EXPECT_EQ(1.0, espy_novelty(&o, 100));
	o.bits = 7.5;
	EXPECT_NEAR(0.5, espy_novelty(&o, 100), 1e-9);
	/* an immature kind cannot be sure */
	o.total = 50;
	EXPECT_NEAR(0.25, espy_novelty(&o, 100), 1e-9);
	/* never seen on a mature baseline: raised; familiar: damped */
	EXPECT_NEAR(1.25, espy_tech_factor(0, 1, &fam), 1e-9);
	EXPECT_EQ(0.0, fam);
	EXPECT_NEAR(1.0, espy_tech_factor(0, 0, &fam), 1e-9);
	EXPECT_LT(espy_tech_factor(50, 1, &fam), 0.2);
	EXPECT_GT(fam, 0.9);
	EXPECT_NEAR(60.0, espy_prob_or(50, 20), 1e-9);
	EXPECT_EQ(ESPY_SEV_NONE, espy_severity_of(0));
	EXPECT_EQ(ESPY_SEV_LOW, espy_severity_of(10));
	EXPECT_EQ(ESPY_SEV_MEDIUM, espy_severity_of(50));
	EXPECT_EQ(ESPY_SEV_HIGH, espy_severity_of(70));
	EXPECT_EQ(ESPY_SEV_CRITICAL, espy_severity_of(95));
}

TEST(serialized_baseline_round_trips)
{
	struct espy_baseline a, b;
	struct espy_bl_obs o1, o2;
	char err[128];
	void *buf;
	size_t len;
	int i;

	mk(&a, 64, 3600);
	for (i = 0; i < 500; i++)
		espy_bl_observe(&a, i & 1, espy_hash_u64(i % 97), 1000 + i, 1, NULL);
	a.mode = 2;
	ASSERT_EQ(0, espy_bl_serialize(&a, &buf, &len));
	mk(&b, 64, 3600);
	ASSERT_EQ(0, espy_bl_deserialize(&b, buf, len, err, sizeof(err)));
	EXPECT_EQ(a.created_s, b.created_s);
	EXPECT_EQ(a.updated_s, b.updated_s);
	EXPECT_EQ(2, b.mode);
	for (i = 0; i < 2; i++) {
		EXPECT_EQ(a.k[i].used, b.k[i].used);
		EXPECT_EQ(a.k[i].evictions, b.k[i].evictions);
	}
	for (i = 0; i < 97; i++) {
		espy_bl_observe(&a, i & 1, espy_hash_u64(i), 2000, 0, &o1);
		espy_bl_observe(&b, i & 1, espy_hash_u64(i), 2000, 0, &o2);
		EXPECT_NEAR(o1.count, o2.count, 1e-4);
		EXPECT_NEAR(o1.bits, o2.bits, 1e-6);
		EXPECT_EQ(o1.seen, o2.seen);
	}
	/* into a larger table too (entries are re-inserted) */
	espy_bl_fini(&b);
	mk(&b, 4096, 3600);
	ASSERT_EQ(0, espy_bl_deserialize(&b, buf, len, err, sizeof(err)));
	EXPECT_EQ(a.k[0].used, b.k[0].used);
	/* every truncation is refused, with a reason, and leaves it empty */
	for (i = 0; i < (int)len; i += 1 + len / 300) {
		err[0] = 0;
		EXPECT_EQ(-EBADMSG, espy_bl_deserialize(&b, buf, i, err,
							sizeof(err)));
		EXPECT_NE(0, err[0]);
		EXPECT_EQ(0, b.k[0].used);
	}
	free(buf);
	espy_bl_fini(&a);
	espy_bl_fini(&b);
}

TEST_HARNESS_MAIN
