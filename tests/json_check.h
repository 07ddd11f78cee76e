/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A strict, tiny JSON reader for tests: validates a document (RFC 8259)
 * and fetches values by a dotted path ("process.parent.pid",
 * "process.args[1]"), so tests assert on real output without an external
 * parser.  Independent from user/lib/json.c on purpose: the writer must not
 * be checked by its own assumptions.
 */
#ifndef ESPY_TEST_JSON_CHECK_H
#define ESPY_TEST_JSON_CHECK_H

#include <ctype.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct jc {
	const char *p, *end;
	int depth;
};

static int jc_value(struct jc *c);

static void jc_ws(struct jc *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
				 *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int jc_hex4(const char *p, unsigned *v)
{
	int i;

	*v = 0;
	for (i = 0; i < 4; i++) {
		if (!isxdigit((unsigned char)p[i]))
			return -1;
		*v = *v * 16 + (isdigit((unsigned char)p[i]) ? p[i] - '0' :
				(tolower((unsigned char)p[i]) - 'a' + 10));
	}
	return 0;
}

/* length of a valid UTF-8 sequence at p, 0 if invalid (RFC 3629) */
static int jc_utf8(const unsigned char *p, const unsigned char *end)
{
	unsigned cp;
	int n, i;

	if (p[0] < 0x80)
		return 1;
	if ((p[0] & 0xe0) == 0xc0) { n = 2; cp = p[0] & 0x1f; }
	else if ((p[0] & 0xf0) == 0xe0) { n = 3; cp = p[0] & 0x0f; }
	else if ((p[0] & 0xf8) == 0xf0) { n = 4; cp = p[0] & 0x07; }
	else return 0;
	if (end - p < n)
		return 0;
	for (i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	if ((n == 2 && cp < 0x80) || (n == 3 && cp < 0x800) ||
	    (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static int jc_string(struct jc *c)
{
	unsigned v;
	int n;

	if (c->p >= c->end || *c->p != '"')
		return -1;
	c->p++;
	while (c->p < c->end) {
		unsigned char ch = *c->p;

		if (ch == '"') {
			c->p++;
			return 0;
		}
		if (ch < 0x20)
			return -1;
		if (ch == '\\') {
			if (c->end - c->p < 2)
				return -1;
			switch (c->p[1]) {
			case '"': case '\\': case '/': case 'b': case 'f':
			case 'n': case 'r': case 't':
				c->p += 2;
				continue;
			case 'u':
				if (c->end - c->p < 6 || jc_hex4(c->p + 2, &v))
					return -1;
				c->p += 6;
				continue;
			}
			return -1;
		}
		n = jc_utf8((const unsigned char *)c->p,
			    (const unsigned char *)c->end);
		if (!n)
			return -1;
		c->p += n;
	}
	return -1;
}

static int jc_number(struct jc *c)
{
	const char *s = c->p;

	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p >= c->end || !isdigit((unsigned char)*c->p))
		return -1;
	if (*c->p == '0')
		c->p++;
	else
		while (c->p < c->end && isdigit((unsigned char)*c->p))
			c->p++;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (c->p >= c->end || !isdigit((unsigned char)*c->p))
			return -1;
		while (c->p < c->end && isdigit((unsigned char)*c->p))
			c->p++;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (c->p >= c->end || !isdigit((unsigned char)*c->p))
			return -1;
		while (c->p < c->end && isdigit((unsigned char)*c->p))
			c->p++;
	}
	return c->p > s ? 0 : -1;
}

static int jc_lit(struct jc *c, const char *w)
{
	size_t n = strlen(w);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, w, n))
		return -1;
	c->p += n;
	return 0;
}

static int jc_container(struct jc *c, char open, char close)
{
	if (++c->depth > 64)
		return -1;
	c->p++;			/* open */
	jc_ws(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		c->depth--;
		return 0;
	}
	for (;;) {
		jc_ws(c);
		if (open == '{') {
			if (jc_string(c))
				return -1;
			jc_ws(c);
			if (c->p >= c->end || *c->p != ':')
				return -1;
			c->p++;
			jc_ws(c);
		}
		if (jc_value(c))
			return -1;
		jc_ws(c);
		if (c->p >= c->end)
			return -1;
		if (*c->p == ',') {
			c->p++;
			continue;
		}
		if (*c->p == close) {
			c->p++;
			c->depth--;
			return 0;
		}
		return -1;
	}
}

static int jc_value(struct jc *c)
{
	jc_ws(c);
	if (c->p >= c->end)
		return -1;
	switch (*c->p) {
	case '{': return jc_container(c, '{', '}');
	case '[': return jc_container(c, '[', ']');
	case '"': return jc_string(c);
	case 't': return jc_lit(c, "true");
	case 'f': return jc_lit(c, "false");
	case 'n': return jc_lit(c, "null");
	default: return jc_number(c);
	}
}

/* 1 when s[0..n) is exactly one valid JSON value (whitespace around ok) */
static inline int jc_valid(const char *s, size_t n)
{
	struct jc c = { s, s + n, 0 };

	if (jc_value(&c))
		return 0;
	jc_ws(&c);
	return c.p == c.end;
}

/*
 * Find path in doc; on success val and vlen hold the raw JSON text of the
 * value.  Path: keys separated by '.', array elements as [N].
 */
static inline int jc_get(const char *doc, const char *path, const char **val,
			 size_t *vlen)
{
	struct jc c = { doc, doc + strlen(doc), 0 };
	const char *seg = path;

	jc_ws(&c);
	while (*seg) {
		char key[128];
		size_t kl;
		int idx = -1, found = 0, i;

		if (*seg == '[') {
			idx = atoi(seg + 1);
			seg = strchr(seg, ']');
			if (!seg)
				return -1;
			seg++;
			if (*seg == '.')
				seg++;
		} else {
			kl = strcspn(seg, ".[");
			if (kl >= sizeof(key))
				return -1;
			memcpy(key, seg, kl);
			key[kl] = '\0';
			seg += kl;
			if (*seg == '.')
				seg++;
		}
		jc_ws(&c);
		if (idx >= 0) {
			if (c.p >= c.end || *c.p != '[')
				return -1;
			c.p++;
			for (i = 0; ; i++) {
				jc_ws(&c);
				if (c.p < c.end && *c.p == ']')
					return -1;
				if (i == idx) {
					found = 1;
					break;
				}
				if (jc_value(&c))
					return -1;
				jc_ws(&c);
				if (c.p >= c.end || *c.p != ',')
					return -1;
				c.p++;
			}
		} else {
			if (c.p >= c.end || *c.p != '{')
				return -1;
			c.p++;
			for (;;) {
				const char *ks, *ke;
				size_t kl2 = strlen(key);

				jc_ws(&c);
				if (c.p >= c.end || *c.p == '}')
					return -1;
				ks = c.p;
				if (jc_string(&c))
					return -1;
				ke = c.p;
				jc_ws(&c);
				if (c.p >= c.end || *c.p != ':')
					return -1;
				c.p++;
				jc_ws(&c);
				if ((size_t)(ke - ks) == kl2 + 2 &&
				    !memcmp(ks + 1, key, kl2)) {
					found = 1;
					break;
				}
				if (jc_value(&c))
					return -1;
				jc_ws(&c);
				if (c.p < c.end && *c.p == ',')
					c.p++;
			}
		}
		if (!found)
			return -1;
	}
	jc_ws(&c);
	{
		const char *s = c.p;

		if (jc_value(&c))
			return -1;
		*val = s;
		*vlen = c.p - s;
	}
	return 0;
}

/* Decode the JSON string at path into out (UTF-8, NUL-terminated;
 * \u0000 stays as a NUL inside).  Returns the decoded length or -1. */
static inline int jc_get_str(const char *doc, const char *path, char *out,
			     size_t outsz)
{
	const char *v, *p, *end;
	size_t vl, n = 0;
	unsigned u, lo;

	if (jc_get(doc, path, &v, &vl) || vl < 2 || *v != '"')
		return -1;
	p = v + 1;
	end = v + vl - 1;
	while (p < end && n + 4 < outsz) {
		if (*p != '\\') {
			out[n++] = *p++;
			continue;
		}
		p++;
		switch (*p) {
		case 'n': out[n++] = '\n'; p++; break;
		case 't': out[n++] = '\t'; p++; break;
		case 'r': out[n++] = '\r'; p++; break;
		case 'b': out[n++] = '\b'; p++; break;
		case 'f': out[n++] = '\f'; p++; break;
		case 'u':
			jc_hex4(p + 1, &u);
			p += 5;
			if (u >= 0xd800 && u < 0xdc00 && p[0] == '\\' &&
			    p[1] == 'u' && !jc_hex4(p + 2, &lo)) {
				u = 0x10000 + ((u - 0xd800) << 10) + (lo - 0xdc00);
				p += 6;
			}
			if (u < 0x80) {
				out[n++] = u;
			} else if (u < 0x800) {
				out[n++] = 0xc0 | (u >> 6);
				out[n++] = 0x80 | (u & 0x3f);
			} else if (u < 0x10000) {
				out[n++] = 0xe0 | (u >> 12);
				out[n++] = 0x80 | ((u >> 6) & 0x3f);
				out[n++] = 0x80 | (u & 0x3f);
			} else {
				out[n++] = 0xf0 | (u >> 18);
				out[n++] = 0x80 | ((u >> 12) & 0x3f);
				out[n++] = 0x80 | ((u >> 6) & 0x3f);
				out[n++] = 0x80 | (u & 0x3f);
			}
			break;
		default: out[n++] = *p++; break;
		}
	}
	out[n] = '\0';
	return n;
}

/* The number at path, or def when absent or not a number. */
static inline long long jc_get_int(const char *doc, const char *path,
				   long long def)
{
	const char *v;
	size_t vl;
	char *e;
	long long r;

	if (jc_get(doc, path, &v, &vl) || !vl)
		return def;
	r = strtoll(v, &e, 10);
	return e == v ? def : r;
}

/* 1 when path exists */
static inline int jc_has(const char *doc, const char *path)
{
	const char *v;
	size_t vl;

	return !jc_get(doc, path, &v, &vl);
}

#endif /* ESPY_TEST_JSON_CHECK_H */
