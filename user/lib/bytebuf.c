/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"

void *espy_grow(void *buf, size_t *cap, size_t need, size_t min)
{
	size_t c = *cap ? *cap : min;
	void *nb;

	while (c < need) {
		if (c > SIZE_MAX / 2)
			return NULL;
		c *= 2;
	}
	nb = realloc(buf, c);
	if (nb)
		*cap = c;
	return nb;
}

void espy_bb_init(struct espy_bytebuf *b)
{
	memset(b, 0, sizeof(*b));
}

void espy_bb_fini(struct espy_bytebuf *b)
{
	free(b->buf);
	memset(b, 0, sizeof(*b));
}

void espy_bb_put(struct espy_bytebuf *b, const void *p, size_t n)
{
	if (b->err)
		return;
	if (b->len + n > b->cap) {
		unsigned char *nb = espy_grow(b->buf, &b->cap, b->len + n, 4096);

		if (!nb) {
			b->err = -ENOMEM;
			return;
		}
		b->buf = nb;
	}
	memcpy(b->buf + b->len, p, n);
	b->len += n;
}

void espy_bb_u8(struct espy_bytebuf *b, uint8_t v)
{
	espy_bb_put(b, &v, 1);
}

void espy_bb_u16(struct espy_bytebuf *b, uint16_t v)
{
	unsigned char x[2] = { v, v >> 8 };

	espy_bb_put(b, x, 2);
}

void espy_bb_u32(struct espy_bytebuf *b, uint32_t v)
{
	unsigned char x[4];

	espy_le32_put(x, v);
	espy_bb_put(b, x, 4);
}

void espy_bb_u64(struct espy_bytebuf *b, uint64_t v)
{
	unsigned char x[8];

	espy_le64_put(x, v);
	espy_bb_put(b, x, 8);
}

void espy_bb_f32(struct espy_bytebuf *b, float v)
{
	uint32_t u;

	memcpy(&u, &v, 4);
	espy_bb_u32(b, u);
}

void espy_bb_f64(struct espy_bytebuf *b, double v)
{
	uint64_t u;

	memcpy(&u, &v, 8);
	espy_bb_u64(b, u);
}

void espy_bb_str(struct espy_bytebuf *b, const char *s)
{
	size_t n = strlen(s);

	if (n > 0xffff) {
		if (!b->err)
			b->err = -ENAMETOOLONG;
		return;
	}
	espy_bb_u16(b, (uint16_t)n);
	espy_bb_put(b, s, n);
}

void espy_bc_init(struct espy_bytecur *c, const void *p, size_t len)
{
	c->p = p;
	c->len = len;
	c->off = 0;
	c->err = 0;
}

int espy_bc_get(struct espy_bytecur *c, void *out, size_t n)
{
	if (c->err || n > c->len - c->off) {
		c->err = -EBADMSG;
		memset(out, 0, n);
		return c->err;
	}
	memcpy(out, c->p + c->off, n);
	c->off += n;
	return 0;
}

uint8_t espy_bc_u8(struct espy_bytecur *c)
{
	uint8_t v;

	espy_bc_get(c, &v, 1);
	return v;
}

uint16_t espy_bc_u16(struct espy_bytecur *c)
{
	unsigned char x[2];

	espy_bc_get(c, x, 2);
	return x[0] | x[1] << 8;
}

uint32_t espy_bc_u32(struct espy_bytecur *c)
{
	unsigned char x[4];

	espy_bc_get(c, x, 4);
	return espy_le32_get(x);
}

uint64_t espy_bc_u64(struct espy_bytecur *c)
{
	unsigned char x[8];

	espy_bc_get(c, x, 8);
	return espy_le64_get(x);
}

float espy_bc_f32(struct espy_bytecur *c)
{
	uint32_t u = espy_bc_u32(c);
	float v;

	memcpy(&v, &u, 4);
	return v;
}

double espy_bc_f64(struct espy_bytecur *c)
{
	uint64_t u = espy_bc_u64(c);
	double v;

	memcpy(&v, &u, 8);
	return v;
}

int espy_bc_str(struct espy_bytecur *c, char *out, size_t outsz)
{
	uint16_t n = espy_bc_u16(c);

	if (c->err || n >= outsz || n > c->len - c->off) {
		c->err = -EBADMSG;
		if (outsz)
			out[0] = 0;
		return -EBADMSG;
	}
	memcpy(out, c->p + c->off, n);
	out[n] = 0;
	c->off += n;
	if (memchr(out, 0, n)) {
		c->err = -EBADMSG;
		return -EBADMSG;
	}
	return 0;
}
