/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Little-endian serialization helpers: a growable write buffer with a
 * sticky error, and a bounds-checked read cursor with a sticky error, for
 * the state files and recordings (untrusted input on the way back in).
 */
#ifndef ESPY_BYTEBUF_H
#define ESPY_BYTEBUF_H

#include <stddef.h>
#include <stdint.h>

/*
 * Grow buf (capacity *cap) to hold at least need bytes, doubling from
 * *cap, or from min (> 0) for a new buffer.  Returns the new buffer with
 * *cap updated, or NULL, buf and *cap untouched, when out of memory.
 */
void *espy_grow(void *buf, size_t *cap, size_t need, size_t min);

struct espy_bytebuf {
	unsigned char *buf;
	size_t len, cap;
	int err;		/* first -errno */
};

void espy_bb_init(struct espy_bytebuf *b);
void espy_bb_fini(struct espy_bytebuf *b);
void espy_bb_put(struct espy_bytebuf *b, const void *p, size_t n);
void espy_bb_u8(struct espy_bytebuf *b, uint8_t v);
void espy_bb_u16(struct espy_bytebuf *b, uint16_t v);
void espy_bb_u32(struct espy_bytebuf *b, uint32_t v);
void espy_bb_u64(struct espy_bytebuf *b, uint64_t v);
void espy_bb_f32(struct espy_bytebuf *b, float v);
void espy_bb_f64(struct espy_bytebuf *b, double v);
/* u16 length + bytes */
void espy_bb_str(struct espy_bytebuf *b, const char *s);

struct espy_bytecur {
	const unsigned char *p;
	size_t len, off;
	int err;		/* -EBADMSG once a read ran past the end */
};

void espy_bc_init(struct espy_bytecur *c, const void *p, size_t len);
static inline size_t espy_bc_left(const struct espy_bytecur *c)
{
	return c->err ? 0 : c->len - c->off;
}
int espy_bc_get(struct espy_bytecur *c, void *out, size_t n);
uint8_t espy_bc_u8(struct espy_bytecur *c);
uint16_t espy_bc_u16(struct espy_bytecur *c);
uint32_t espy_bc_u32(struct espy_bytecur *c);
uint64_t espy_bc_u64(struct espy_bytecur *c);
float espy_bc_f32(struct espy_bytecur *c);
double espy_bc_f64(struct espy_bytecur *c);
/* u16 length + bytes into a NUL-terminated out; -EBADMSG when it does not
 * fit or holds a NUL. */
int espy_bc_str(struct espy_bytecur *c, char *out, size_t outsz);

/* Raw little-endian loads and stores for fixed headers. */
static inline void espy_le32_put(unsigned char *p, uint32_t v)
{
	p[0] = v; p[1] = v >> 8; p[2] = v >> 16; p[3] = v >> 24;
}

static inline uint32_t espy_le32_get(const unsigned char *p)
{
	return p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static inline void espy_le64_put(unsigned char *p, uint64_t v)
{
	espy_le32_put(p, (uint32_t)v);
	espy_le32_put(p + 4, (uint32_t)(v >> 32));
}

static inline uint64_t espy_le64_get(const unsigned char *p)
{
	return espy_le32_get(p) | (uint64_t)espy_le32_get(p + 4) << 32;
}

#endif /* ESPY_BYTEBUF_H */
