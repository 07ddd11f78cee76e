/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The learned baseline: for each feature kind, decayed counts of the
 * observations seen on this host, in bounded memory.
 *
 * Each kind keeps an exact table (set-associative: two candidate buckets of
 * ESPY_BL_WAYS slots per key) of decayed counts with first- and last-seen
 * times.  When both buckets of a new key are full, the slot with the lowest
 * decayed count is evicted and its count folded into a count-min sketch, so
 * that an evicted observation comes back as "seen before, about this often"
 * rather than as new.  Counts decay with a half-life: a count c last
 * touched at t is c * 2^-((now - t) / half_life) at now.
 *
 * Rarity of an observation with decayed count c in a kind with decayed
 * total N over V distinct values is the smoothed surprise
 *	bits = -log2((c + a) / (N + a * V))
 * with a the additive smoothing constant.  A baseline with nothing learned
 * has rarity 0 for everything: it cannot call anything new.
 *
 * Time is whatever the caller passes (seconds of record time), never the
 * wall clock, so that replays are deterministic.  No allocation after init.
 */
#ifndef ESPY_BASELINE_H
#define ESPY_BASELINE_H

#include <stddef.h>
#include <stdint.h>

#define ESPY_BL_WAYS		8
#define ESPY_BL_CMS_DEPTH	4
#define ESPY_BL_MAX_KINDS	32
#define ESPY_BL_NAME_MAX	32

struct espy_bl_bucket {
	uint64_t key[ESPY_BL_WAYS];	/* 0 = free */
	float cnt[ESPY_BL_WAYS];	/* decayed count as of last[] */
	uint32_t last[ESPY_BL_WAYS];
	uint32_t first[ESPY_BL_WAYS];
};

struct espy_bl_kind {
	char name[ESPY_BL_NAME_MAX];
	struct espy_bl_bucket *b;
	uint32_t nbuckets;		/* power of two */
	uint32_t used;			/* occupied slots */
	double total;			/* decayed sum of weights, as of total_ts */
	uint32_t total_ts;
	float *cms;			/* ESPY_BL_CMS_DEPTH rows of cms_w */
	uint32_t cms_w;			/* power of two, <= 65536 */
	uint32_t cms_ts;		/* last time the sketch was decayed */
	double cms_distinct;		/* decayed number of evicted keys */
	uint64_t observations;		/* adds with weight > 0 */
	uint64_t inserts;
	uint64_t evictions;
};

struct espy_baseline {
	int nkinds;
	uint32_t half_life_s;
	double inv_half_life;
	double alpha;
	uint32_t created_s;		/* first learned observation (0: none) */
	uint32_t updated_s;		/* last learned observation */
	uint32_t mode;			/* persisted run-time mode choice, 0 none */
	uint32_t _pad;
	struct espy_bl_kind k[ESPY_BL_MAX_KINDS];
	/* the kinds' tables, one block each (k[i].b and .cms point in) */
	struct espy_bl_bucket *b_all;
	float *cms_all;
	size_t b_all_n, cms_all_n;
};

struct espy_bl_params {
	uint32_t entries;		/* exact slots per kind (rounded up) */
	uint32_t cms_width;		/* per row (rounded up to a power of 2) */
	uint32_t half_life_s;
	double alpha;
};

/* What the baseline knew about one observation before it was added. */
struct espy_bl_obs {
	double count;			/* decayed count of this key */
	double total;			/* decayed total of the kind */
	double distinct;		/* V */
	double bits;			/* smoothed rarity, >= 0 */
	int seen;			/* in the table or the sketch */
	int exact;			/* found in the exact table */
	uint32_t first_s;		/* first seen (exact only), else 0 */
	/* where the key sat, so that espy_bl_add() need not look again */
	struct espy_bl_bucket *b;
	int w;
	uint64_t key;
};

void espy_bl_params_default(struct espy_bl_params *p);

/* names: nkinds kind names (kept in the file so kinds can be added). */
int espy_bl_init(struct espy_baseline *bl, int nkinds,
		 const char *const *names, const struct espy_bl_params *p);
void espy_bl_fini(struct espy_baseline *bl);
/* Forget everything learned (keeps the memory). */
void espy_bl_reset(struct espy_baseline *bl);

/*
 * Look key up in kind, fill *obs (may be NULL) with what was known before,
 * then add weight (0: query only).  now: seconds of record time.
 */
void espy_bl_observe(struct espy_baseline *bl, int kind, uint64_t key,
		     uint32_t now, double weight, struct espy_bl_obs *obs);

/*
 * Add weight for the key of an earlier espy_bl_observe() (its obs), in
 * the slot it found when that is still the key's, else by a new lookup.
 */
void espy_bl_add(struct espy_baseline *bl, int kind,
		 const struct espy_bl_obs *obs, uint32_t now, double weight);

/* Start loading key's two candidate buckets into the CPU cache (a hint). */
void espy_bl_prefetch(const struct espy_baseline *bl, int kind, uint64_t key);

/* Decayed total of a kind at now. */
double espy_bl_total(const struct espy_baseline *bl, int kind, uint32_t now);

/* Memory the tables take, bytes (for the README and metrics). */
size_t espy_bl_memory(const struct espy_baseline *bl);

/* Serialize into a malloc'd buffer (*out, *outlen), little-endian. */
int espy_bl_serialize(const struct espy_baseline *bl, void **out,
		      size_t *outlen);
/*
 * Load a serialized baseline into bl (initialised with this build's kinds
 * and sizes).  Kinds the file lacks stay empty, kinds this build does not
 * know are skipped; entries are re-inserted so the table sizes may differ.
 * On error bl is reset and -EBADMSG is returned with a reason in err.
 */
int espy_bl_deserialize(struct espy_baseline *bl, const void *buf, size_t len,
			char *err, size_t errlen);

#endif /* ESPY_BASELINE_H */
