/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * JSON writer: hostile strings (quotes, backslashes, control bytes, invalid
 * UTF-8) always give valid JSON that decodes back to the intended text;
 * structure, numbers and errors behave.  Output is checked with the
 * independent reader in tests/json_check.h and, when installed, with jq.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
/* the harness compares as written: literals against size_t fields */
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "json_check.h"
#include "json.h"

static const char *doc_of(struct espy_json *j)
{
	return espy_json_cstr(j);
}

/* {"v": <s>} and return the decoded value */
static int roundtrip(const char *s, size_t n, char *out, size_t outsz,
		     char *raw, size_t rawsz)
{
	struct espy_json j;
	int r;

	espy_json_init(&j);
	espy_json_obj_begin(&j);
	espy_json_key(&j, "v");
	espy_json_str(&j, s, n);
	espy_json_obj_end(&j);
	if (espy_json_error(&j) || !jc_valid(j.buf, j.len)) {
		espy_json_fini(&j);
		return -1;
	}
	snprintf(raw, rawsz, "%s", doc_of(&j));
	r = jc_get_str(j.buf, "v", out, outsz);
	espy_json_fini(&j);
	return r;
}

TEST(quotes_backslashes_controls)
{
	static const char in[] = "a\"b\\c\n\t\r\b\f\x01\x1f\x7f/z";
	char out[256], raw[256];
	int n = roundtrip(in, sizeof(in) - 1, out, sizeof(out), raw, sizeof(raw));

	ASSERT_EQ((int)sizeof(in) - 1, n) TH_LOG("raw %s", raw);
	EXPECT_EQ(0, memcmp(in, out, n));
	/* the escapes are the short ones where JSON has them */
	EXPECT_NE(NULL, strstr(raw, "a\\\"b\\\\c\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f/z"));
}

TEST(embedded_nul_is_escaped)
{
	static const char in[] = "x\0y";
	char out[16], raw[64];
	int n = roundtrip(in, 3, out, sizeof(out), raw, sizeof(raw));

	ASSERT_EQ(3, n);
	EXPECT_EQ(0, memcmp(in, out, 3));
	EXPECT_NE(NULL, strstr(raw, "x\\u0000y"));
}

TEST(valid_utf8_passes_through)
{
	/* 2-, 3- and 4-byte sequences, U+2028, U+FFFF and U+10FFFF */
	static const char in[] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 "
				 "\xe2\x80\xa8 \xef\xbf\xbf \xf4\x8f\xbf\xbf";
	char out[128], raw[128];
	int n = roundtrip(in, sizeof(in) - 1, out, sizeof(out), raw, sizeof(raw));

	ASSERT_EQ((int)sizeof(in) - 1, n);
	EXPECT_EQ(0, memcmp(in, out, n));
	EXPECT_EQ(NULL, strstr(raw, "\\u"));
}

/* Each invalid byte becomes exactly one U+FFFD; what follows survives. */
TEST(invalid_utf8_becomes_replacement)
{
	static const struct { const char *in; size_t n; const char *want; } c[] = {
		{ "a\x80z", 3, "a\\ufffdz" },			/* stray continuation */
		{ "a\xc0\xafz", 4, "a\\ufffd\\ufffdz" },	/* overlong '/' */
		{ "a\xe0\x80\xafz", 5, "a\\ufffd\\ufffd\\ufffdz" }, /* overlong 3 */
		{ "a\xed\xa0\x80z", 5, "a\\ufffd\\ufffd\\ufffdz" }, /* surrogate */
		{ "a\xf4\x90\x80\x80z", 6, "a\\ufffd\\ufffd\\ufffd\\ufffdz" }, /* > U+10FFFF */
		{ "a\xf5z", 3, "a\\ufffdz" },
		{ "a\xffz", 3, "a\\ufffdz" },
		{ "a\xc3", 2, "a\\ufffd" },			/* cut at the end */
		{ "a\xe2\x82", 3, "a\\ufffd\\ufffd" },
		{ "\xc3\xa9\xc3", 3, "\xc3\xa9\\ufffd" },
	};
	size_t i;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		char out[64], raw[128], want[128];

		ASSERT_LE(0, roundtrip(c[i].in, c[i].n, out, sizeof(out), raw,
				       sizeof(raw))) TH_LOG("case %zu", i);
		snprintf(want, sizeof(want), "{\"v\":\"%s\"}", c[i].want);
		EXPECT_STREQ(want, raw) TH_LOG("case %zu", i);
	}
}

/* Every possible byte pair and a long random soup: always valid JSON. */
TEST(any_bytes_give_valid_json)
{
	struct espy_json j;
	unsigned char b[4096];
	uint64_t s = 88172645463325252ULL;
	int a, c, i, k;

	espy_json_init(&j);
	for (a = 0; a < 256; a++) {
		for (c = 0; c < 256; c++) {
			b[0] = a;
			b[1] = c;
			espy_json_reset(&j);
			espy_json_str(&j, (char *)b, 2);
			ASSERT_TRUE(jc_valid(j.buf, j.len)) TH_LOG("%02x %02x", a, c);
		}
	}
	for (k = 0; k < 200; k++) {
		for (i = 0; i < (int)sizeof(b); i++) {
			s ^= s << 13; s ^= s >> 7; s ^= s << 17;
			b[i] = s;
		}
		espy_json_reset(&j);
		espy_json_arr_begin(&j);
		espy_json_str(&j, (char *)b, sizeof(b));
		espy_json_str(&j, (char *)b + 7, 100);
		espy_json_arr_end(&j);
		ASSERT_EQ(0, espy_json_error(&j));
		ASSERT_TRUE(jc_valid(j.buf, j.len));
	}
	espy_json_fini(&j);
}

TEST(structure_and_numbers)
{
	struct espy_json j;
	const char *d;

	espy_json_init(&j);
	espy_json_obj_begin(&j);
	espy_json_key(&j, "a");
	espy_json_u64(&j, 18446744073709551615ULL);
	espy_json_key(&j, "b");
	espy_json_i64(&j, -9223372036854775807LL - 1);
	espy_json_key(&j, "o");
	espy_json_obj_begin(&j);
	espy_json_key(&j, "e");
	espy_json_obj_begin(&j);
	espy_json_obj_end(&j);
	espy_json_key(&j, "arr");
	espy_json_arr_begin(&j);
	espy_json_double(&j, 73.25, 2);
	espy_json_double(&j, 1.0 / 3.0, 3);
	espy_json_double(&j, -0.0001, 2);
	espy_json_double(&j, NAN, 2);
	espy_json_double(&j, INFINITY, 2);
	espy_json_bool(&j, 1);
	espy_json_null(&j);
	espy_json_arr_end(&j);
	espy_json_obj_end(&j);
	espy_json_key(&j, "f");
	espy_json_strf(&j, "%s-%d", "x\"", 5);
	espy_json_obj_end(&j);
	ASSERT_EQ(0, espy_json_error(&j));
	d = doc_of(&j);
	EXPECT_STREQ("{\"a\":18446744073709551615,\"b\":-9223372036854775808,"
		     "\"o\":{\"e\":{},\"arr\":[73.25,0.333,0,null,null,true,null]},"
		     "\"f\":\"x\\\"-5\"}", d);
	EXPECT_TRUE(jc_valid(d, strlen(d)));
	espy_json_fini(&j);
}

TEST(misuse_is_a_sticky_error)
{
	struct espy_json j;
	int i;

	espy_json_init(&j);
	espy_json_obj_end(&j);			/* nothing open */
	EXPECT_EQ(-EINVAL, espy_json_error(&j));
	espy_json_obj_begin(&j);		/* ignored after an error */
	EXPECT_EQ(-EINVAL, espy_json_error(&j));
	espy_json_reset(&j);
	EXPECT_EQ(0, espy_json_error(&j));
	for (i = 0; i < ESPY_JSON_MAX_DEPTH + 1; i++)
		espy_json_arr_begin(&j);
	EXPECT_EQ(-E2BIG, espy_json_error(&j));
	espy_json_reset(&j);
	espy_json_arr_begin(&j);
	espy_json_key(&j, "k");			/* a key inside an array */
	EXPECT_EQ(-EINVAL, espy_json_error(&j));
	espy_json_reset(&j);
	espy_json_obj_begin(&j);
	espy_json_u64(&j, 1);			/* a member without a key */
	EXPECT_EQ(-EINVAL, espy_json_error(&j));
	espy_json_reset(&j);
	espy_json_obj_begin(&j);
	espy_json_arr_end(&j);			/* closes the wrong kind */
	EXPECT_EQ(-EINVAL, espy_json_error(&j));
	espy_json_reset(&j);
	espy_json_obj_begin(&j);
	espy_json_key(&j, "a");
	espy_json_obj_end(&j);			/* key without a value */
	EXPECT_EQ(-EINVAL, espy_json_error(&j));
	espy_json_fini(&j);
}

TEST(large_strings_grow_the_buffer)
{
	struct espy_json j;
	char *s = malloc(1 << 20);
	char *out = malloc((1 << 20) + 16);

	ASSERT_NE(NULL, s);
	ASSERT_NE(NULL, out);
	memset(s, '"', 1 << 20);		/* doubles on escaping */
	espy_json_init(&j);
	espy_json_obj_begin(&j);
	espy_json_key(&j, "v");
	espy_json_str(&j, s, 1 << 20);
	espy_json_obj_end(&j);
	ASSERT_EQ(0, espy_json_error(&j));
	EXPECT_EQ(2 * (1 << 20) + 8, j.len);
	EXPECT_EQ(1 << 20, jc_get_str(j.buf, "v", out, (1 << 20) + 16));
	espy_json_fini(&j);
	free(s);
	free(out);
}

/* jq, when present, agrees that hostile output parses and decodes. */
TEST(jq_agrees)
{
	static const char in[] = "/tmp/\"evil\\\n\x1b[31m\xff\xfe\xc0\x80.sh";
	char cmd[256], path[] = "/tmp/espy-json-XXXXXX", line[256];
	struct espy_json j;
	FILE *f, *p;
	int fd;

	if (system("command -v jq >/dev/null 2>&1") != 0)
		SKIP(return, "jq is not installed");
	espy_json_init(&j);
	espy_json_obj_begin(&j);
	espy_json_key(&j, "path");
	espy_json_str(&j, in, sizeof(in) - 1);
	espy_json_obj_end(&j);
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	f = fdopen(fd, "w");
	fwrite(j.buf, 1, j.len, f);
	fputc('\n', f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "jq -j '.path | explode | map(tostring) | join(\",\")' %s", path);
	p = popen(cmd, "r");
	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, fgets(line, sizeof(line), p));
	EXPECT_EQ(0, pclose(p));
	unlink(path);
	/* code points: / t m p / " e v i l \ LF ESC [ 3 1 m FFFD FFFD FFFD FFFD . s h */
	EXPECT_STREQ("47,116,109,112,47,34,101,118,105,108,92,10,27,91,51,49,109,"
		     "65533,65533,65533,65533,46,115,104", line);
	espy_json_fini(&j);
}

TEST_HARNESS_MAIN
