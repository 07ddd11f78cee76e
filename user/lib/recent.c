/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "recent.h"
#include "hash64.h"

int espy_recent_init(struct espy_recent *r, uint32_t entries, uint64_t ttl_ms)
{
	uint32_t nb = 1;

	while (nb * ESPY_RECENT_WAYS < entries && nb < (1U << 24))
		nb <<= 1;
	memset(r, 0, sizeof(*r));
	r->e = calloc((size_t)nb * ESPY_RECENT_WAYS, sizeof(*r->e));
	if (!r->e)
		return -ENOMEM;
	r->nbuckets = nb;
	r->ttl_ms = ttl_ms;
	return 0;
}

void espy_recent_fini(struct espy_recent *r)
{
	free(r->e);
	r->e = NULL;
}

void espy_recent_clear(struct espy_recent *r)
{
	memset(r->e, 0, (size_t)r->nbuckets * ESPY_RECENT_WAYS * sizeof(*r->e));
}

static inline struct espy_recent_ent *bucket(struct espy_recent *r,
					     uint64_t key)
{
	return &r->e[(espy_mix64(key) & (r->nbuckets - 1)) * ESPY_RECENT_WAYS];
}

static inline int live(const struct espy_recent *r,
		       const struct espy_recent_ent *e, uint64_t now_ms)
{
	return e->key && (now_ms < e->ts_ms || now_ms - e->ts_ms <= r->ttl_ms);
}

struct espy_recent_ent *espy_recent_get(struct espy_recent *r, uint64_t key,
					uint64_t now_ms)
{
	struct espy_recent_ent *b;
	int i;

	if (!key)
		key = 1;
	b = bucket(r, key);
	for (i = 0; i < ESPY_RECENT_WAYS; i++)
		if (b[i].key == key && live(r, &b[i], now_ms))
			return &b[i];
	return NULL;
}

struct espy_recent_ent *espy_recent_put(struct espy_recent *r, uint64_t key,
					uint64_t now_ms)
{
	struct espy_recent_ent *b, *v = NULL;
	int i;

	if (!key)
		key = 1;
	b = bucket(r, key);
	for (i = 0; i < ESPY_RECENT_WAYS; i++) {
		if (b[i].key == key) {
			b[i].ts_ms = now_ms;
			return &b[i];
		}
	}
	for (i = 0; i < ESPY_RECENT_WAYS; i++) {
		if (!live(r, &b[i], now_ms)) {
			v = &b[i];
			break;
		}
		if (!v || b[i].ts_ms < v->ts_ms)
			v = &b[i];
	}
	if (live(r, v, now_ms))
		r->replaced_live++;
	memset(v, 0, sizeof(*v));
	v->key = key;
	v->ts_ms = now_ms;
	r->inserts++;
	return v;
}

void espy_recent_prefetch(const struct espy_recent *r, uint64_t key)
{
	const char *b;

	if (!key)
		key = 1;
	b = (const char *)&r->e[(espy_mix64(key) & (r->nbuckets - 1)) *
				ESPY_RECENT_WAYS];
	/* four ways of 72 bytes: the keys are on every line */
	__builtin_prefetch(b, 1);
	__builtin_prefetch(b + 64, 1);
	__builtin_prefetch(b + 128, 1);
	__builtin_prefetch(b + 192, 1);
	__builtin_prefetch(b + 287, 1);
}

void espy_recent_del(struct espy_recent_ent *e)
{
	memset(e, 0, sizeof(*e));
}
