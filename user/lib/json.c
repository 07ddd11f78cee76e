/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * JSON writer.  The only subtle part is string escaping: paths and argv come
 * from anyone who can name a file or run a program, so the output must be
 * valid JSON for every byte sequence.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "json.h"

void espy_json_init(struct espy_json *j)
{
	memset(j, 0, sizeof(*j));
}

void espy_json_fini(struct espy_json *j)
{
	free(j->buf);
	memset(j, 0, sizeof(*j));
}

void espy_json_reset(struct espy_json *j)
{
	j->len = 0;
	j->err = 0;
	j->depth = 0;
	j->after_key = 0;
	memset(j->nonempty, 0, sizeof(j->nonempty));
}

static int grow(struct espy_json *j, size_t need)
{
	char *nb = espy_grow(j->buf, &j->cap, need, 1024);

	if (!nb) {
		j->err = -ENOMEM;
		return j->err;
	}
	j->buf = nb;
	return 0;
}

/* room for more bytes and a NUL; the common case stays inline */
static inline int reserve(struct espy_json *j, size_t more)
{
	if (j->err)
		return j->err;
	if (j->len + more + 1 <= j->cap)
		return 0;
	return grow(j, j->len + more + 1);
}

static inline void put(struct espy_json *j, const char *s, size_t n)
{
	if (reserve(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

static inline void putc1(struct espy_json *j, char c)
{
	if (reserve(j, 1))
		return;
	j->buf[j->len++] = c;
}

const char *espy_json_cstr(struct espy_json *j)
{
	if (reserve(j, 0))
		return "";
	j->buf[j->len] = '\0';
	return j->buf;
}

void espy_json_raw(struct espy_json *j, const char *s, size_t n)
{
	put(j, s, n);
}

/* Separator before a value: a comma between array elements; nothing after
 * a key (the key wrote its own comma). */
static void pre_value(struct espy_json *j)
{
	if (j->err)
		return;
	if (j->after_key) {
		j->after_key = 0;
		return;
	}
	if (j->depth > 0) {
		if (!j->is_array[j->depth - 1]) {	/* object member without key */
			j->err = -EINVAL;
			return;
		}
		if (j->nonempty[j->depth - 1])
			putc1(j, ',');
		j->nonempty[j->depth - 1] = 1;
	}
}

static void open_level(struct espy_json *j, char c)
{
	pre_value(j);
	if (j->err)
		return;
	if (j->depth >= ESPY_JSON_MAX_DEPTH) {
		j->err = -E2BIG;
		return;
	}
	putc1(j, c);
	j->is_array[j->depth] = c == '[';
	j->nonempty[j->depth++] = 0;
}

static void close_level(struct espy_json *j, char c)
{
	if (j->err)
		return;
	if (j->depth <= 0 || j->after_key ||
	    j->is_array[j->depth - 1] != (c == ']')) {
		j->err = -EINVAL;
		return;
	}
	j->depth--;
	putc1(j, c);
}

void espy_json_obj_begin(struct espy_json *j) { open_level(j, '{'); }
void espy_json_obj_end(struct espy_json *j) { close_level(j, '}'); }
void espy_json_arr_begin(struct espy_json *j) { open_level(j, '['); }
void espy_json_arr_end(struct espy_json *j) { close_level(j, ']'); }

/* Length of the valid UTF-8 sequence at s (1..4), or 0 when s[0] does not
 * start one.  Rejects overlong forms, surrogates and code points above
 * U+10FFFF, as RFC 3629 requires. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len, i;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		len = 2;
	else if (c >= 0xe0 && c <= 0xef)
		len = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	/* the second byte's range carries the overlong/surrogate rules */
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	return len;
}

/* 0: printable ASCII copied as is; 1: escaped; 2: starts a multi-byte
 * sequence (or is invalid) */
static const unsigned char byte_class[256] = {
	[0 ... 0x1f] = 1, ['"'] = 1, ['\\'] = 1, [0x7f] = 1,
	[0x80 ... 0xff] = 2,
};

void espy_json_escape(struct espy_json *j, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run;

	if (!s)
		n = 0;
	while (i < n && !j->err) {
		/* copy runs of bytes that need no escaping in one go */
		run = 0;
		while (i + run < n) {
			unsigned char cls = byte_class[s[i + run]];
			size_t l;

			if (!cls) {
				run++;
				continue;
			}
			if (cls == 1)
				break;
			l = utf8_seq(s + i + run, n - i - run);
			if (!l)
				break;
			run += l;
		}
		if (run) {
			put(j, (const char *)s + i, run);
			i += run;
			continue;
		}
		unsigned char c = s[i];
		char e[7];

		switch (c) {
		case '"':  put(j, "\\\"", 2); break;
		case '\\': put(j, "\\\\", 2); break;
		case '\n': put(j, "\\n", 2); break;
		case '\t': put(j, "\\t", 2); break;
		case '\r': put(j, "\\r", 2); break;
		case '\b': put(j, "\\b", 2); break;
		case '\f': put(j, "\\f", 2); break;
		default:
			if (c < 0x80) {		/* other controls and DEL */
				e[0] = '\\'; e[1] = 'u'; e[2] = '0'; e[3] = '0';
				e[4] = hex[c >> 4]; e[5] = hex[c & 15];
				put(j, e, 6);
			} else {		/* one invalid byte */
				put(j, "\\ufffd", 6);
			}
		}
		i++;
	}
}

void espy_json_key(struct espy_json *j, const char *key)
{
	if (j->err)
		return;
	if (j->depth <= 0 || j->after_key || j->is_array[j->depth - 1]) {
		j->err = -EINVAL;
		return;
	}
	if (j->nonempty[j->depth - 1])
		putc1(j, ',');
	j->nonempty[j->depth - 1] = 1;
	putc1(j, '"');
	espy_json_escape(j, key, strlen(key));
	put(j, "\":", 2);
	j->after_key = 1;
}

void espy_json_str(struct espy_json *j, const char *s, size_t n)
{
	pre_value(j);
	putc1(j, '"');
	espy_json_escape(j, s, n);
	putc1(j, '"');
}

void espy_json_str_begin(struct espy_json *j)
{
	pre_value(j);
	putc1(j, '"');
}

void espy_json_str_append(struct espy_json *j, const char *s, size_t n)
{
	espy_json_escape(j, s, n);
}

void espy_json_str_end(struct espy_json *j)
{
	putc1(j, '"');
}

void espy_json_cstring(struct espy_json *j, const char *s)
{
	if (!s)
		espy_json_null(j);
	else
		espy_json_str(j, s, strlen(s));
}

void espy_json_strf(struct espy_json *j, const char *fmt, ...)
{
	char small[256], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0) {
		if (!j->err)
			j->err = -EINVAL;
		return;
	}
	if ((size_t)n < sizeof(small)) {
		espy_json_str(j, small, n);
		return;
	}
	big = malloc(n + 1);
	if (!big) {
		if (!j->err)
			j->err = -ENOMEM;
		return;
	}
	va_start(ap, fmt);
	vsnprintf(big, n + 1, fmt, ap);
	va_end(ap);
	espy_json_str(j, big, n);
	free(big);
}

/* decimal digits of v, right-aligned in b[24]; returns the first */
static char *utoa(uint64_t v, char b[24])
{
	char *p = b + 24;

	do
		*--p = '0' + v % 10;
	while (v /= 10);
	return p;
}

void espy_json_u64(struct espy_json *j, uint64_t v)
{
	char b[24], *p = utoa(v, b);

	pre_value(j);
	put(j, p, b + 24 - p);
}

void espy_json_i64(struct espy_json *j, int64_t v)
{
	char b[24], *p = utoa(v < 0 ? -(uint64_t)v : (uint64_t)v, b);

	if (v < 0)
		*--p = '-';
	pre_value(j);
	put(j, p, b + 24 - p);
}

void espy_json_u64_str(struct espy_json *j, uint64_t v)
{
	char b[24], *p = utoa(v, b);

	pre_value(j);
	putc1(j, '"');
	put(j, p, b + 24 - p);
	putc1(j, '"');
}

void espy_json_double(struct espy_json *j, double v, int decimals)
{
	char b[64];
	int n;

	if (isnan(v) || isinf(v) || fabs(v) > 1e18) {
		espy_json_null(j);
		return;
	}
	if (decimals < 0)
		decimals = 0;
	if (decimals > 9)
		decimals = 9;
	n = snprintf(b, sizeof(b), "%.*f", decimals, v);
	if (decimals > 0) {
		while (n > 0 && b[n - 1] == '0')
			n--;
		if (n > 0 && b[n - 1] == '.')
			n--;
	}
	/* "-0" is valid JSON but reads oddly in a score */
	if (n == 2 && b[0] == '-' && b[1] == '0') {
		b[0] = '0';
		n = 1;
	}
	pre_value(j);
	put(j, b, n);
}

void espy_json_bool(struct espy_json *j, int v)
{
	pre_value(j);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void espy_json_null(struct espy_json *j)
{
	pre_value(j);
	put(j, "null", 4);
}

/* ---- members: a key and its value in one call ---- */

void espy_json_kv_str(struct espy_json *j, const char *k, const char *s,
		      size_t n)
{
	espy_json_key(j, k);
	espy_json_str(j, s, n);
}

void espy_json_kv_cstr(struct espy_json *j, const char *k, const char *s)
{
	espy_json_key(j, k);
	espy_json_cstring(j, s);
}

void espy_json_kv_u64(struct espy_json *j, const char *k, uint64_t v)
{
	espy_json_key(j, k);
	espy_json_u64(j, v);
}

void espy_json_kv_i64(struct espy_json *j, const char *k, int64_t v)
{
	espy_json_key(j, k);
	espy_json_i64(j, v);
}

void espy_json_kv_double(struct espy_json *j, const char *k, double v,
			 int decimals)
{
	espy_json_key(j, k);
	espy_json_double(j, v, decimals);
}

void espy_json_kv_bool(struct espy_json *j, const char *k, int v)
{
	espy_json_key(j, k);
	espy_json_bool(j, v);
}
