/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Bounded decayed-count tables with a count-min sketch behind them.
 * See baseline.h for the model.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "baseline.h"
#include "bigalloc.h"
#include "hash64.h"
#include "bytebuf.h"

#define BL_FILE_MAGIC	0x31764c42U	/* "BLv1" */

static uint32_t pow2_at_least(uint64_t v, uint32_t min)
{
	uint32_t p = min;

	while (p < v && p < (1U << 30))
		p <<= 1;
	return p;
}

void espy_bl_params_default(struct espy_bl_params *p)
{
	p->entries = 32768;
	p->cms_width = 16384;
	p->half_life_s = 14 * 24 * 3600;
	p->alpha = 1.0;
}

static inline double decay(const struct espy_baseline *bl, double c,
			   uint32_t then, uint32_t now)
{
	if (now <= then || c == 0.0)
		return c;
	return c * exp2(-(double)(now - then) * bl->inv_half_life);
}

int espy_bl_init(struct espy_baseline *bl, int nkinds,
		 const char *const *names, const struct espy_bl_params *p)
{
	struct espy_bl_params def;
	uint32_t nb, cms_w;
	int i;

	if (nkinds <= 0 || nkinds > ESPY_BL_MAX_KINDS)
		return -EINVAL;
	if (!p) {
		espy_bl_params_default(&def);
		p = &def;
	}
	memset(bl, 0, sizeof(*bl));
	bl->nkinds = nkinds;
	bl->half_life_s = p->half_life_s ? p->half_life_s : 1;
	bl->inv_half_life = 1.0 / bl->half_life_s;
	bl->alpha = p->alpha > 0 ? p->alpha : 1.0;
	nb = pow2_at_least((p->entries + ESPY_BL_WAYS - 1) / ESPY_BL_WAYS, 2);
	cms_w = pow2_at_least(p->cms_width ? p->cms_width : 1, 64);
	if (cms_w > 65536)
		cms_w = 65536;
	/* all kinds in one block each for buckets and sketches: big enough
	 * for huge pages, as every observation lands anywhere in them */
	bl->b_all_n = (size_t)nkinds * nb;
	bl->cms_all_n = (size_t)nkinds * ESPY_BL_CMS_DEPTH * cms_w;
	bl->b_all = espy_big_calloc(bl->b_all_n, sizeof(*bl->b_all));
	bl->cms_all = espy_big_calloc(bl->cms_all_n, sizeof(float));
	if (!bl->b_all || !bl->cms_all) {
		espy_bl_fini(bl);
		return -ENOMEM;
	}
	for (i = 0; i < nkinds; i++) {
		struct espy_bl_kind *k = &bl->k[i];

		snprintf(k->name, sizeof(k->name), "%s", names[i]);
		k->nbuckets = nb;
		k->cms_w = cms_w;
		k->b = bl->b_all + (size_t)i * nb;
		k->cms = bl->cms_all + (size_t)i * ESPY_BL_CMS_DEPTH * cms_w;
	}
	return 0;
}

void espy_bl_fini(struct espy_baseline *bl)
{
	int i;

	for (i = 0; i < bl->nkinds; i++) {
		bl->k[i].b = NULL;
		bl->k[i].cms = NULL;
	}
	espy_big_free(bl->b_all, bl->b_all_n, sizeof(*bl->b_all));
	espy_big_free(bl->cms_all, bl->cms_all_n, sizeof(float));
	bl->b_all = NULL;
	bl->cms_all = NULL;
	bl->nkinds = 0;
}

void espy_bl_reset(struct espy_baseline *bl)
{
	int i;

	for (i = 0; i < bl->nkinds; i++) {
		struct espy_bl_kind *k = &bl->k[i];

		memset(k->b, 0, (size_t)k->nbuckets * sizeof(*k->b));
		memset(k->cms, 0,
		       (size_t)ESPY_BL_CMS_DEPTH * k->cms_w * sizeof(float));
		k->used = 0;
		k->total = 0;
		k->total_ts = 0;
		k->cms_ts = 0;
		k->cms_distinct = 0;
		k->observations = k->inserts = k->evictions = 0;
	}
	bl->created_s = bl->updated_s = 0;
	bl->mode = 0;
}

size_t espy_bl_memory(const struct espy_baseline *bl)
{
	size_t m = sizeof(*bl);
	int i;

	for (i = 0; i < bl->nkinds; i++)
		m += (size_t)bl->k[i].nbuckets * sizeof(struct espy_bl_bucket) +
		     (size_t)ESPY_BL_CMS_DEPTH * bl->k[i].cms_w * sizeof(float);
	return m;
}

/* ---- count-min sketch ----------------------------------------------- */

static inline uint32_t cms_idx(const struct espy_bl_kind *k, uint64_t key,
			       int row)
{
	uint64_t h = espy_mix64(key ^ ESPY_H_K2);

	return ((uint32_t)(h >> (16 * row)) & (k->cms_w - 1)) +
	       (uint32_t)row * k->cms_w;
}

/*
 * The sketch decays as a whole, in steps of at least 1/16 of a half-life,
 * so the cost is amortised over many events.
 */
static void cms_age(struct espy_baseline *bl, struct espy_bl_kind *k,
		    uint32_t now)
{
	uint32_t step = bl->half_life_s / 16 ? bl->half_life_s / 16 : 1;
	float f;
	size_t i, n;

	if (k->cms_ts == 0 || now < k->cms_ts) {
		if (k->cms_ts == 0)
			k->cms_ts = now;
		return;
	}
	if (now - k->cms_ts < step)
		return;
	f = (float)exp2(-(double)(now - k->cms_ts) * bl->inv_half_life);
	n = (size_t)ESPY_BL_CMS_DEPTH * k->cms_w;
	for (i = 0; i < n; i++)
		k->cms[i] *= f;
	k->cms_distinct *= f;
	k->cms_ts = now;
}

static double cms_get(const struct espy_bl_kind *k, uint64_t key)
{
	float m = k->cms[cms_idx(k, key, 0)];
	int r;

	for (r = 1; r < ESPY_BL_CMS_DEPTH; r++) {
		float v = k->cms[cms_idx(k, key, r)];

		if (v < m)
			m = v;
	}
	return m;
}

/* Conservative update: raise each cell only up to the new estimate. */
static void cms_add(struct espy_bl_kind *k, uint64_t key, double c)
{
	float est = (float)(cms_get(k, key) + c);
	int r;

	for (r = 0; r < ESPY_BL_CMS_DEPTH; r++) {
		float *cell = &k->cms[cms_idx(k, key, r)];

		if (*cell < est)
			*cell = est;
	}
}

/* ---- exact table ---------------------------------------------------- */

static inline uint32_t bucket1(const struct espy_bl_kind *k, uint64_t key)
{
	return (uint32_t)key & (k->nbuckets - 1);
}

static inline uint32_t bucket2(const struct espy_bl_kind *k, uint64_t key)
{
	uint32_t b = (uint32_t)(key >> 32) & (k->nbuckets - 1);

	/* a distinct second choice whenever there is more than one bucket */
	return b == bucket1(k, key) ? (b ^ 1) & (k->nbuckets - 1) : b;
}

static int find_slot(struct espy_bl_kind *k, uint64_t key,
		     struct espy_bl_bucket **bp)
{
	struct espy_bl_bucket *b;
	int i;

	b = &k->b[bucket1(k, key)];
	for (i = 0; i < ESPY_BL_WAYS; i++)
		if (b->key[i] == key) {
			*bp = b;
			return i;
		}
	b = &k->b[bucket2(k, key)];
	for (i = 0; i < ESPY_BL_WAYS; i++)
		if (b->key[i] == key) {
			*bp = b;
			return i;
		}
	return -1;
}

static int free_way(const struct espy_bl_bucket *b, int *nused)
{
	int i, f = -1, n = 0;

	for (i = 0; i < ESPY_BL_WAYS; i++) {
		if (b->key[i])
			n++;
		else if (f < 0)
			f = i;
	}
	*nused = n;
	return f;
}

/* Make room for key: a free way in the emptier bucket, else evict. */
static int take_slot(struct espy_baseline *bl, struct espy_bl_kind *k,
		     uint64_t key, uint32_t now, struct espy_bl_bucket **bp)
{
	struct espy_bl_bucket *b1 = &k->b[bucket1(k, key)];
	struct espy_bl_bucket *b2 = &k->b[bucket2(k, key)];
	struct espy_bl_bucket *vb = NULL;
	int n1, n2, f1, f2, i, vi = -1;
	double vmin = 0;

	f1 = free_way(b1, &n1);
	f2 = free_way(b2, &n2);
	if (f1 >= 0 && (f2 < 0 || n1 <= n2)) {
		*bp = b1;
		return f1;
	}
	if (f2 >= 0) {
		*bp = b2;
		return f2;
	}
	for (i = 0; i < 2 * ESPY_BL_WAYS; i++) {
		struct espy_bl_bucket *b = i < ESPY_BL_WAYS ? b1 : b2;
		int w = i % ESPY_BL_WAYS;
		double c = decay(bl, b->cnt[w], b->last[w], now);

		if (vi < 0 || c < vmin) {
			vmin = c;
			vb = b;
			vi = w;
		}
	}
	cms_add(k, vb->key[vi], vmin);
	k->cms_distinct += 1.0;
	k->evictions++;
	k->used--;
	vb->key[vi] = 0;
	*bp = vb;
	return vi;
}

void espy_bl_prefetch(const struct espy_baseline *bl, int kind, uint64_t key)
{
	const struct espy_bl_kind *k = &bl->k[kind];
	const char *b1, *b2;

	if (!key)
		key = 1;
	b1 = (const char *)&k->b[bucket1(k, key)];
	b2 = (const char *)&k->b[bucket2(k, key)];
	/* the keys (64 bytes), then the counts and times of a found key,
	 * most often in the first bucket */
	__builtin_prefetch(b1, 1);
	__builtin_prefetch(b1 + 63, 1);
	__builtin_prefetch(b1 + 127, 1);
	__builtin_prefetch(b1 + sizeof(struct espy_bl_bucket) - 1, 1);
	__builtin_prefetch(b2);
	__builtin_prefetch(b2 + 63);
}

double espy_bl_total(const struct espy_baseline *bl, int kind, uint32_t now)
{
	const struct espy_bl_kind *k = &bl->k[kind];

	return decay(bl, k->total, k->total_ts, now);
}

/*
 * Add weight to the key in slot w of b, whose count decayed to now is c;
 * the kind's total is already decayed to now.
 */
static inline void add_weight(struct espy_baseline *bl,
			      struct espy_bl_kind *k, struct espy_bl_bucket *b,
			      int w, double c, uint32_t now, double weight)
{
	b->cnt[w] = (float)(c + weight);
	if (now > b->last[w])
		b->last[w] = now;
	k->total += weight;
	k->observations++;
	if (!bl->created_s || now < bl->created_s)
		bl->created_s = now;
	if (now > bl->updated_s)
		bl->updated_s = now;
}

void espy_bl_observe(struct espy_baseline *bl, int kind, uint64_t key,
		     uint32_t now, double weight, struct espy_bl_obs *obs)
{
	struct espy_bl_kind *k = &bl->k[kind];
	struct espy_bl_bucket *b = NULL;
	double c = 0, total, v;
	int w;

	if (!key)
		key = 1;	/* 0 marks a free slot */
	cms_age(bl, k, now);
	if (now > k->total_ts) {
		k->total = decay(bl, k->total, k->total_ts, now);
		k->total_ts = now;
	}
	total = k->total;
	w = find_slot(k, key, &b);
	if (w >= 0) {
		c = decay(bl, b->cnt[w], b->last[w], now);
	} else if (k->evictions) {
		c = cms_get(k, key);
	}
	if (obs) {
		obs->b = w >= 0 ? b : NULL;
		obs->w = w;
		obs->key = key;
		obs->count = c;
		obs->total = total;
		obs->exact = w >= 0;
		obs->seen = w >= 0 || c > 0.0;
		obs->first_s = w >= 0 ? b->first[w] : 0;
		v = (double)k->used + k->cms_distinct + 1.0;
		obs->distinct = v;
		if (total <= 0.0) {
			obs->bits = 0;
		} else {
			obs->bits = -log2((c + bl->alpha) /
					  (total + bl->alpha * v));
			if (obs->bits < 0)
				obs->bits = 0;
		}
	}
	if (weight <= 0)
		return;
	if (w < 0) {
		w = take_slot(bl, k, key, now, &b);
		b->key[w] = key;
		b->cnt[w] = (float)c;	/* an evicted key keeps its estimate */
		b->first[w] = now;
		b->last[w] = now;
		k->used++;
		k->inserts++;
	}
	add_weight(bl, k, b, w, c, now, weight);
}

void espy_bl_add(struct espy_baseline *bl, int kind,
		 const struct espy_bl_obs *obs, uint32_t now, double weight)
{
	struct espy_bl_kind *k = &bl->k[kind];
	struct espy_bl_bucket *b = obs->b;
	int w = obs->w;

	if (weight <= 0)
		return;
	if (!b || b->key[w] != obs->key) {
		espy_bl_observe(bl, kind, obs->key, now, weight, NULL);
		return;
	}
	if (now > k->total_ts) {
		k->total = decay(bl, k->total, k->total_ts, now);
		k->total_ts = now;
	}
	add_weight(bl, k, b, w, decay(bl, b->cnt[w], b->last[w], now), now,
		   weight);
}

/* ---- serialization -------------------------------------------------- */

int espy_bl_serialize(const struct espy_baseline *bl, void **out,
		      size_t *outlen)
{
	struct espy_bytebuf w;
	int i, j, r;

	espy_bb_init(&w);
	espy_bb_u32(&w, BL_FILE_MAGIC);
	espy_bb_u32(&w, (uint32_t)bl->nkinds);
	espy_bb_u32(&w, bl->half_life_s);
	espy_bb_u32(&w, bl->created_s);
	espy_bb_u32(&w, bl->updated_s);
	espy_bb_u32(&w, bl->mode);
	espy_bb_f64(&w, bl->alpha);
	for (i = 0; i < bl->nkinds; i++) {
		const struct espy_bl_kind *k = &bl->k[i];
		uint32_t n = 0;

		espy_bb_str(&w, k->name);
		espy_bb_f64(&w, k->total);
		espy_bb_u32(&w, k->total_ts);
		espy_bb_f64(&w, k->cms_distinct);
		espy_bb_u32(&w, k->cms_ts);
		espy_bb_u64(&w, k->observations);
		espy_bb_u64(&w, k->inserts);
		espy_bb_u64(&w, k->evictions);
		espy_bb_u32(&w, k->nbuckets);
		espy_bb_u32(&w, k->used);
		for (j = 0; j < (int)k->nbuckets; j++) {
			const struct espy_bl_bucket *b = &k->b[j];

			for (r = 0; r < ESPY_BL_WAYS; r++) {
				if (!b->key[r])
					continue;
				/* the slot, so that equal sizes restore exactly */
				espy_bb_u32(&w, (uint32_t)j * ESPY_BL_WAYS + r);
				espy_bb_u64(&w, b->key[r]);
				espy_bb_f32(&w, b->cnt[r]);
				espy_bb_u32(&w, b->last[r]);
				espy_bb_u32(&w, b->first[r]);
				n++;
			}
		}
		if (n != k->used) {
			espy_bb_fini(&w);
			return -EFAULT;
		}
		espy_bb_u32(&w, k->cms_w);
		for (j = 0; j < (int)(ESPY_BL_CMS_DEPTH * k->cms_w); j++)
			espy_bb_f32(&w, k->cms[j]);
	}
	if (w.err) {
		r = w.err;
		espy_bb_fini(&w);
		return r;
	}
	*out = w.buf;
	*outlen = w.len;
	return 0;
}

static int fail(struct espy_baseline *bl, char *err, size_t errlen,
		const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct espy_baseline *bl, char *err, size_t errlen,
		const char *fmt, ...)
{
	va_list ap;

	if (err && errlen) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	espy_bl_reset(bl);
	return -EBADMSG;
}

static int find_kind(const struct espy_baseline *bl, const char *name)
{
	int i;

	for (i = 0; i < bl->nkinds; i++)
		if (!strcmp(bl->k[i].name, name))
			return i;
	return -1;
}

/*
 * Put a loaded entry back, keeping its own times and count: in the slot it
 * had when the table has the file's size, else wherever it fits now.
 */
static void restore_entry(struct espy_baseline *bl, struct espy_bl_kind *k,
			  uint64_t key, float cnt, uint32_t last,
			  uint32_t first, int64_t slot)
{
	struct espy_bl_bucket *b;
	int w = find_slot(k, key, &b);

	if (w < 0 && slot >= 0) {
		b = &k->b[slot / ESPY_BL_WAYS];
		w = slot % ESPY_BL_WAYS;
		if (!b->key[w] && ((uint32_t)(slot / ESPY_BL_WAYS) ==
				   bucket1(k, key) ||
				   (uint32_t)(slot / ESPY_BL_WAYS) ==
				   bucket2(k, key))) {
			b->key[w] = key;
			k->used++;
		} else {
			w = -1;
		}
	}
	if (w < 0) {
		w = take_slot(bl, k, key, last, &b);
		b->key[w] = key;
		k->used++;
	}
	b->cnt[w] = cnt;
	b->last[w] = last;
	b->first[w] = first;
}

int espy_bl_deserialize(struct espy_baseline *bl, const void *buf, size_t len,
			char *err, size_t errlen)
{
	struct espy_bytecur c;
	uint32_t magic, nk, hl, mode, created, updated;
	double alpha;
	uint32_t i, j;
	char name[ESPY_BL_NAME_MAX];

	espy_bl_reset(bl);
	espy_bc_init(&c, buf, len);
	magic = espy_bc_u32(&c);
	nk = espy_bc_u32(&c);
	hl = espy_bc_u32(&c);
	created = espy_bc_u32(&c);
	updated = espy_bc_u32(&c);
	mode = espy_bc_u32(&c);
	alpha = espy_bc_f64(&c);
	if (c.err)
		return fail(bl, err, errlen, "baseline header cut short");
	if (magic != BL_FILE_MAGIC)
		return fail(bl, err, errlen, "not a baseline payload (magic %08x)",
			    magic);
	if (nk > 256)
		return fail(bl, err, errlen, "implausible kind count %u", nk);
	if (!isfinite(alpha) || alpha <= 0 || hl == 0)
		return fail(bl, err, errlen, "bad parameters (alpha %g, half-life %u)",
			    alpha, hl);
	for (i = 0; i < nk; i++) {
		struct espy_bl_kind *k;
		double total, distinct;
		uint32_t total_ts, cms_ts, used, cms_w, nbuckets;
		uint64_t obs, ins, ev;
		int ki;

		if (espy_bc_str(&c, name, sizeof(name)) < 0)
			return fail(bl, err, errlen, "kind %u: bad name", i);
		total = espy_bc_f64(&c);
		total_ts = espy_bc_u32(&c);
		distinct = espy_bc_f64(&c);
		cms_ts = espy_bc_u32(&c);
		obs = espy_bc_u64(&c);
		ins = espy_bc_u64(&c);
		ev = espy_bc_u64(&c);
		nbuckets = espy_bc_u32(&c);
		used = espy_bc_u32(&c);
		if (c.err)
			return fail(bl, err, errlen, "kind %s: cut short", name);
		if (!isfinite(total) || total < 0 || !isfinite(distinct) ||
		    distinct < 0)
			return fail(bl, err, errlen, "kind %s: bad totals", name);
		if ((uint64_t)used * 24 > espy_bc_left(&c))
			return fail(bl, err, errlen,
				    "kind %s: %u entries do not fit", name, used);
		ki = find_kind(bl, name);
		k = ki >= 0 ? &bl->k[ki] : NULL;
		if (k) {
			k->total = total;
			k->total_ts = total_ts;
			k->cms_distinct = distinct;
			k->cms_ts = cms_ts;
			k->observations = obs;
			k->inserts = ins;
			k->evictions = ev;
		}
		for (j = 0; j < used; j++) {
			uint32_t slot = espy_bc_u32(&c);
			uint64_t key = espy_bc_u64(&c);
			float cnt = espy_bc_f32(&c);
			uint32_t last = espy_bc_u32(&c);
			uint32_t first = espy_bc_u32(&c);

			if (!key || !isfinite(cnt) || cnt < 0 || first > last)
				return fail(bl, err, errlen,
					    "kind %s: bad entry %u", name, j);
			if (k)
				restore_entry(bl, k, key, cnt, last, first,
					      nbuckets == k->nbuckets &&
					      slot < nbuckets * ESPY_BL_WAYS ?
					      (int64_t)slot : -1);
		}
		cms_w = espy_bc_u32(&c);
		if (c.err || cms_w < 1 || cms_w > 65536 || (cms_w & (cms_w - 1)))
			return fail(bl, err, errlen, "kind %s: bad sketch width",
				    name);
		if ((uint64_t)cms_w * ESPY_BL_CMS_DEPTH * 4 > espy_bc_left(&c))
			return fail(bl, err, errlen, "kind %s: sketch cut short",
				    name);
		for (j = 0; j < cms_w * ESPY_BL_CMS_DEPTH; j++) {
			float v = espy_bc_f32(&c);
			uint32_t row = j / cms_w, col = j % cms_w;
			uint32_t x;

			if (!isfinite(v) || v < 0)
				return fail(bl, err, errlen,
					    "kind %s: bad sketch cell", name);
			if (!k)
				continue;
			/*
			 * Our width may differ: a cell of a wider sketch
			 * folds onto col mod our width (summing keeps the
			 * estimate an upper bound); a narrower one repeats.
			 */
			if (cms_w >= k->cms_w) {
				k->cms[row * k->cms_w + (col & (k->cms_w - 1))] += v;
			} else {
				for (x = col; x < k->cms_w; x += cms_w)
					k->cms[row * k->cms_w + x] = v;
			}
		}
	}
	if (espy_bc_left(&c))
		return fail(bl, err, errlen, "%zu bytes of trailing data",
			    espy_bc_left(&c));
	/* half-life and smoothing stay as configured here: the file's are
	 * only checked for sanity */
	bl->created_s = created;
	bl->updated_s = updated;
	bl->mode = mode;
	return 0;
}
