/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small bounded table of recent facts keyed by a 64-bit hash, each with
 * a timestamp and a fixed payload: connects waiting for their accept,
 * files recently written to writable directories.  Four ways per bucket;
 * an insert into a full bucket replaces the oldest entry, and entries
 * older than the table's ttl are ignored (and reused).  No allocation
 * after init; time is record time.
 */
#ifndef ESPY_RECENT_H
#define ESPY_RECENT_H

#include <stddef.h>
#include <stdint.h>

#define ESPY_RECENT_WAYS	4
#define ESPY_RECENT_DATA	56

struct espy_recent_ent {
	uint64_t key;			/* 0: free */
	uint64_t ts_ms;
	unsigned char data[ESPY_RECENT_DATA];
};

struct espy_recent {
	struct espy_recent_ent *e;
	uint32_t nbuckets;		/* power of two */
	uint64_t ttl_ms;
	uint64_t inserts, replaced_live;
};

int espy_recent_init(struct espy_recent *r, uint32_t entries, uint64_t ttl_ms);
void espy_recent_fini(struct espy_recent *r);
void espy_recent_clear(struct espy_recent *r);
/* The live entry for key, or NULL. */
struct espy_recent_ent *espy_recent_get(struct espy_recent *r, uint64_t key,
					uint64_t now_ms);
/* The entry for key, created (data zeroed) or refreshed; never NULL. */
struct espy_recent_ent *espy_recent_put(struct espy_recent *r, uint64_t key,
					uint64_t now_ms);
void espy_recent_del(struct espy_recent_ent *e);
/* Start loading key's bucket into the CPU cache (a hint, nothing else). */
void espy_recent_prefetch(const struct espy_recent *r, uint64_t key);

#endif /* ESPY_RECENT_H */
