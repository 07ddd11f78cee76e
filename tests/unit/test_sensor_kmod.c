/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel-module source without the module: framing of what read()
 * returns from /dev/espy (records back to back at 8-byte boundaries, bad
 * frames handed to the decoder, resuming after a callback stopped), and
 * the errors espy_kmod_open() gives where there is no espy.ko to talk to.
 * The module itself is exercised in the vm tier.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
/* the harness compares as written: literals against size_t fields */
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "sensor_kmod.h"

struct seen {
	int n;
	int stop_at;		/* return -1 on this call (1-based), 0: never */
	const void *p[8];
	size_t len[8];
};

static int cb(void *ctx, const void *data, size_t len)
{
	struct seen *s = ctx;

	if (s->n < 8) {
		s->p[s->n] = data;
		s->len[s->n] = len;
	}
	s->n++;
	return s->stop_at && s->n == s->stop_at ? -1 : 0;
}

/* A record of size bytes (type from the size) at buf + off; returns the
 * offset of the next frame. */
static size_t put(unsigned char *buf, size_t off, uint16_t size)
{
	struct espy_hdr *h = (void *)(buf + off);

	memset(h, 0, size);
	h->type = ESPY_EV_EXIT;
	h->size = size;
	return off + ((size + 7u) & ~7u);
}

static _Alignas(8) unsigned char buf[4096];

TEST(records_back_to_back_at_8_byte_boundaries)
{
	struct seen s = { 0 };
	size_t len, end;
	int n = 0, stopped = 1;

	len = put(buf, 0, sizeof(struct espy_exit));	/* 104 */
	len = put(buf, len, sizeof(struct espy_file) + 15);	/* 183 -> 184 */
	len = put(buf, len, sizeof(struct espy_hdr));	/* 96 */
	end = espy_kmod_split(buf, len, 0, cb, &s, &n, &stopped);
	EXPECT_EQ(len, end);
	EXPECT_EQ(0, stopped);
	EXPECT_EQ(3, n);
	ASSERT_EQ(3, s.n);
	EXPECT_EQ((const void *)buf, s.p[0]);
	EXPECT_EQ(104, s.len[0]);
	EXPECT_EQ((const void *)(buf + 104), s.p[1]);
	EXPECT_EQ(183, s.len[1]);
	EXPECT_EQ((const void *)(buf + 104 + 184), s.p[2]);
	EXPECT_EQ(96, s.len[2]);
}

TEST(a_stopped_drain_resumes_at_the_next_record)
{
	struct seen s = { .stop_at = 1 };
	size_t len, off;
	int n = 0, stopped = 0;

	len = put(buf, 0, 104);
	len = put(buf, len, 112);
	off = espy_kmod_split(buf, len, 0, cb, &s, &n, &stopped);
	EXPECT_EQ(1, stopped);
	EXPECT_EQ(104, off);
	s.stop_at = 0;
	off = espy_kmod_split(buf, len, off, cb, &s, &n, &stopped);
	EXPECT_EQ(0, stopped);
	EXPECT_EQ(len, off);
	ASSERT_EQ(2, s.n);
	EXPECT_EQ((const void *)(buf + 104), s.p[1]);
	EXPECT_EQ(112, s.len[1]);
}

TEST(a_frame_shorter_than_a_header_goes_to_the_decoder_whole)
{
	struct seen s = { 0 };
	size_t len, off;
	int n = 0, stopped = 0;
	struct espy_hdr *h;

	len = put(buf, 0, 104);
	h = (void *)(buf + len);
	memset(h, 0, sizeof(*h));
	h->size = 40;		/* impossible */
	len += 200;
	off = espy_kmod_split(buf, len, 0, cb, &s, &n, &stopped);
	EXPECT_EQ(len, off);
	ASSERT_EQ(2, s.n);
	EXPECT_EQ(104, s.len[0]);
	/* all that is left, so that the decoder's size check rejects it */
	EXPECT_EQ((const void *)(buf + 104), s.p[1]);
	EXPECT_EQ(200, s.len[1]);
}

TEST(a_frame_past_the_end_goes_to_the_decoder_whole)
{
	struct seen s = { 0 };
	size_t off;
	int n = 0, stopped = 0;
	struct espy_hdr *h = (void *)buf;

	memset(h, 0, sizeof(*h));
	h->size = 4000;		/* more than the 500 bytes read */
	off = espy_kmod_split(buf, 500, 0, cb, &s, &n, &stopped);
	EXPECT_EQ(500, off);
	ASSERT_EQ(1, s.n);
	EXPECT_EQ(500, s.len[0]);
}

TEST(a_tail_too_short_for_a_header_is_not_read_past)
{
	struct seen s = { 0 };
	size_t len, off;
	int n = 0, stopped = 0;

	len = put(buf, 0, 104);
	off = espy_kmod_split(buf, len + 8, 0, cb, &s, &n, &stopped);
	EXPECT_EQ(len + 8, off);
	ASSERT_EQ(2, s.n);
	EXPECT_EQ(8, s.len[1]);
}

static char logged[512];

static void log_to(void *ctx, const char *msg)
{
	(void)ctx;
	snprintf(logged, sizeof(logged), "%s", msg);
}

TEST(no_device_says_to_load_the_module)
{
	struct espy_kmod_opts o = {
		.dev_path = "/nonexistent/espy", .log = log_to,
	};
	struct espy_source src = { 0 };

	logged[0] = '\0';
	EXPECT_EQ(-ENOENT, espy_kmod_open(&src, &o));
	EXPECT_NE(NULL, strstr(logged, "load espy.ko")) TH_LOG("%s", logged);
	EXPECT_EQ(NULL, src.ops);
}

TEST(a_device_that_is_not_espy_is_refused)
{
	struct espy_kmod_opts o = { .dev_path = "/dev/null", .log = log_to };
	struct espy_source src = { 0 };

	logged[0] = '\0';
	EXPECT_EQ(-ENOTTY, espy_kmod_open(&src, &o));
	EXPECT_NE(NULL, strstr(logged, "not espy.ko")) TH_LOG("%s", logged);
	EXPECT_EQ(NULL, src.ops);
}

TEST_HARNESS_MAIN
