/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * 64-bit hashing for the detection engine's tables.  Unkeyed and fixed so
 * that a baseline file means the same on every host (fleet export/import)
 * and a replay hashes exactly as the live run did; the tables it feeds are
 * bounded and set-associative, so crafted collisions can only evict
 * within one bucket.
 */
#ifndef ESPY_HASH64_H
#define ESPY_HASH64_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define ESPY_H_K1	0x9e3779b97f4a7c15ULL
#define ESPY_H_K2	0xd6e8feb86659fd93ULL

static inline uint64_t espy_mix64(uint64_t x)
{
	x ^= x >> 32;
	x *= ESPY_H_K2;
	x ^= x >> 32;
	x *= ESPY_H_K2;
	x ^= x >> 32;
	return x;
}

static inline uint64_t espy_hash_bytes(const void *p, size_t n, uint64_t seed)
{
	const unsigned char *s = p;
	uint64_t h = seed ^ (n * ESPY_H_K1);
	uint64_t w;

	while (n >= 8) {
		memcpy(&w, s, 8);
		h = (h ^ espy_mix64(w)) * ESPY_H_K1;
		s += 8;
		n -= 8;
	}
	if (n) {
		w = 0;
		memcpy(&w, s, n);
		h = (h ^ espy_mix64(w ^ ((uint64_t)n << 59))) * ESPY_H_K1;
	}
	return espy_mix64(h);
}

static inline uint64_t espy_hash_str(const char *s, uint64_t seed)
{
	return espy_hash_bytes(s, strlen(s), seed);
}

/* Combine two hashes into one key (order matters: a -> b != b -> a). */
static inline uint64_t espy_hash_pair(uint64_t a, uint64_t b)
{
	return espy_mix64(a * ESPY_H_K1 + espy_mix64(b ^ ESPY_H_K2));
}

static inline uint64_t espy_hash_u64(uint64_t v)
{
	return espy_mix64(v ^ ESPY_H_K1);
}

#endif /* ESPY_HASH64_H */
