/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A small JSON writer into a growable buffer.  Strings are escaped so that
 * any byte sequence yields valid JSON: quotes and backslashes are escaped,
 * control bytes and DEL become \uXXXX (or \n, \t ...), valid UTF-8 passes
 * through, and every byte that does not start a valid UTF-8 sequence
 * (overlong forms, surrogates, > U+10FFFF, stray continuation bytes) becomes
 * one \ufffd.  Output is deterministic: same calls, same bytes.
 *
 * Errors are sticky: after an allocation failure or a misuse (e.g. nesting
 * deeper than ESPY_JSON_MAX_DEPTH) every call is a no-op and
 * espy_json_error() returns the first -errno.
 */
#ifndef ESPY_JSON_H
#define ESPY_JSON_H

#include <stddef.h>
#include <stdint.h>

#define ESPY_JSON_MAX_DEPTH	32

struct espy_json {
	char *buf;
	size_t len;
	size_t cap;
	int err;
	int depth;
	int after_key;			/* a key was written, value pending */
	uint8_t nonempty[ESPY_JSON_MAX_DEPTH];	/* per level: needs a comma */
	uint8_t is_array[ESPY_JSON_MAX_DEPTH];
};

void espy_json_init(struct espy_json *j);
void espy_json_fini(struct espy_json *j);
/* Empty the buffer (keeping its memory) and clear the error. */
void espy_json_reset(struct espy_json *j);
static inline int espy_json_error(const struct espy_json *j) { return j->err; }
/* NUL-terminated view of the output (valid until the next write). */
const char *espy_json_cstr(struct espy_json *j);

void espy_json_obj_begin(struct espy_json *j);
void espy_json_obj_end(struct espy_json *j);
void espy_json_arr_begin(struct espy_json *j);
void espy_json_arr_end(struct espy_json *j);
/* A member name inside an object; the next call writes its value. */
void espy_json_key(struct espy_json *j, const char *key);

void espy_json_str(struct espy_json *j, const char *s, size_t n);
void espy_json_cstring(struct espy_json *j, const char *s);	/* NULL -> null */
void espy_json_u64(struct espy_json *j, uint64_t v);
void espy_json_i64(struct espy_json *j, int64_t v);
/* an unsigned number as a string ("42"): ECS keeps ids as keywords, and
 * JSON readers lose precision above 2^53 */
void espy_json_u64_str(struct espy_json *j, uint64_t v);
/* Fixed-point with up to `decimals` digits, trailing zeros trimmed;
 * NaN and infinities become null (JSON has neither). */
void espy_json_double(struct espy_json *j, double v, int decimals);
void espy_json_bool(struct espy_json *j, int v);
void espy_json_null(struct espy_json *j);
/* printf into a string value (escaped like espy_json_str). */
void espy_json_strf(struct espy_json *j, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A string value written in pieces: begin, any number of appends (each
 * escaped like espy_json_str), end. */
void espy_json_str_begin(struct espy_json *j);
void espy_json_str_append(struct espy_json *j, const char *s, size_t n);
void espy_json_str_end(struct espy_json *j);

/* An object member in one call: espy_json_key() and the value. */
void espy_json_kv_str(struct espy_json *j, const char *k, const char *s,
		      size_t n);
void espy_json_kv_cstr(struct espy_json *j, const char *k, const char *s);
void espy_json_kv_u64(struct espy_json *j, const char *k, uint64_t v);
void espy_json_kv_i64(struct espy_json *j, const char *k, int64_t v);
void espy_json_kv_double(struct espy_json *j, const char *k, double v,
			 int decimals);
void espy_json_kv_bool(struct espy_json *j, const char *k, int v);

/* Append raw bytes (a newline after a document, preformatted JSON). */
void espy_json_raw(struct espy_json *j, const char *s, size_t n);

/* Escape only: append the escaped body of s (no quotes) to j. */
void espy_json_escape(struct espy_json *j, const char *s, size_t n);

#endif /* ESPY_JSON_H */
