/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Recordings: records come back exactly as written (bad ones too), with
 * the header's clock offset and host identity; a file cut anywhere, or
 * corrupted in a block, yields every record before the damage and then a
 * damage report naming the block, the offset and the kind of damage.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "recording.h"
#include "fileio.h"

#define NREC 20000

FIXTURE(rec)
{
	char dir[64];
	char path[128];
	char cut[128];
};

static size_t rec_len(int i)
{
	return 8 + (i * 37) % 300;
}

static void rec_fill(unsigned char *b, int i)
{
	size_t j, n = rec_len(i);

	for (j = 0; j < n; j++)
		b[j] = (unsigned char)(i + j * 13);
}

FIXTURE_SETUP(rec)
{
	struct espy_rec_writer *w;
	struct espy_rec_info info = { 0 };
	unsigned char b[512];
	int i;

	snprintf(self->dir, sizeof(self->dir), "/tmp/espy-rec-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/r.espy", self->dir);
	snprintf(self->cut, sizeof(self->cut), "%s/cut.espy", self->dir);
	info.clock_offset_ns = 1700000000123456789LL;
	info.start_ts_ns = 42;
	snprintf(info.hostname, sizeof(info.hostname), "web-1");
	snprintf(info.host_id, sizeof(info.host_id), "abcdef");
	ASSERT_EQ(0, espy_rec_writer_open(&w, self->path, &info, 65536 + 64));
	for (i = 0; i < NREC; i++) {
		rec_fill(b, i);
		ASSERT_EQ(0, espy_rec_write(w, b, rec_len(i)));
	}
	ASSERT_EQ(0, espy_rec_writer_close(w));
}

FIXTURE_TEARDOWN(rec)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (system(cmd))
		TH_LOG("cleanup failed");
}

/* Read all; return the count of good records (checked byte for byte). */
static int read_all(const char *path, struct espy_rec_damage *dmg, int *ret)
{
	struct espy_rec_reader *r;
	struct espy_rec_info info;
	unsigned char b[512];
	const void *p;
	size_t len;
	int n = 0, rc;

	memset(dmg, 0, sizeof(*dmg));
	rc = espy_rec_reader_open(&r, path, &info, dmg);
	if (rc) {
		*ret = rc;
		return -1;
	}
	while ((rc = espy_rec_next(r, &p, &len)) > 0) {
		if (((uintptr_t)p & 7) || len != rec_len(n))
			return -2;
		rec_fill(b, n);
		if (memcmp(p, b, len))
			return -3;
		n++;
	}
	*ret = rc;
	if (rc < 0)
		*dmg = *espy_rec_reader_damage(r);
	espy_rec_reader_close(r);
	return n;
}

static void copy_cut(const char *from, const char *to, size_t keep,
		     long flip)
{
	void *buf;
	size_t n;
	int fd;

	if (espy_read_file(from, &buf, &n, 1 << 26))
		abort();
	if (flip >= 0)
		((unsigned char *)buf)[flip] ^= 0x20;
	fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || espy_write_all(fd, buf, keep < n ? keep : n))
		abort();
	close(fd);
	free(buf);
}

TEST_F(rec, round_trip_keeps_records_and_header)
{
	struct espy_rec_reader *r;
	struct espy_rec_info info;
	struct espy_rec_damage d;
	int ret;

	ASSERT_EQ(0, espy_rec_reader_open(&r, self->path, &info, &d));
	EXPECT_EQ(1700000000123456789LL, info.clock_offset_ns);
	EXPECT_EQ(42, info.start_ts_ns);
	EXPECT_STREQ("web-1", info.hostname);
	EXPECT_STREQ("abcdef", info.host_id);
	espy_rec_reader_close(r);
	EXPECT_EQ(NREC, read_all(self->path, &d, &ret));
	EXPECT_EQ(0, ret);
	EXPECT_EQ(ESPY_RECD_NONE, d.kind);
}

TEST_F(rec, truncation_anywhere_keeps_what_came_before)
{
	struct espy_rec_damage d;
	struct stat st;
	size_t cut;
	int ret, n, last = -1;

	ASSERT_EQ(0, stat(self->path, &st));
	for (cut = 512; cut < (size_t)st.st_size; cut += st.st_size / 23) {
		copy_cut(self->path, self->cut, cut, -1);
		n = read_all(self->cut, &d, &ret);
		ASSERT_GE(n, 0);
		EXPECT_EQ(-EBADMSG, ret);
		EXPECT_LT(n, NREC);
		EXPECT_GE(n, last);	/* more file, never fewer records */
		EXPECT_EQ(n, d.records_before);
		EXPECT_TRUE(d.kind == ESPY_RECD_BLOCK_SHORT ||
			    d.kind == ESPY_RECD_BLOCK_TRUNC ||
			    d.kind == ESPY_RECD_NO_END);
		EXPECT_NE(NULL, strstr(d.msg, "offset"));
		last = n;
	}
	EXPECT_GT(last, NREC / 2);
	/* the end block alone missing: every record, and still reported */
	copy_cut(self->path, self->cut, st.st_size - 24, -1);
	EXPECT_EQ(NREC, read_all(self->cut, &d, &ret));
	EXPECT_EQ(ESPY_RECD_NO_END, d.kind);
}

TEST_F(rec, corruption_stops_at_the_damaged_block)
{
	struct espy_rec_damage d;
	struct stat st;
	int ret, n;

	ASSERT_EQ(0, stat(self->path, &st));
	/* inside the data of a middle block */
	copy_cut(self->path, self->cut, st.st_size, st.st_size / 2);
	n = read_all(self->cut, &d, &ret);
	EXPECT_EQ(-EBADMSG, ret);
	EXPECT_GT(n, 0);
	EXPECT_LT(n, NREC);
	EXPECT_TRUE(d.kind == ESPY_RECD_BLOCK_CRC ||
		    d.kind == ESPY_RECD_BLOCK_HDR_CRC ||
		    d.kind == ESPY_RECD_BLOCK_MAGIC);
	TH_LOG("damage: %s", d.msg);
	/* the first block header */
	copy_cut(self->path, self->cut, st.st_size, 512 + 2);
	EXPECT_EQ(0, read_all(self->cut, &d, &ret));
	EXPECT_EQ(ESPY_RECD_BLOCK_MAGIC, d.kind);
	EXPECT_EQ(0, d.block);
	/* the file header: refused at open */
	copy_cut(self->path, self->cut, st.st_size, 100);
	EXPECT_EQ(-1, read_all(self->cut, &d, &ret));
	EXPECT_EQ(-EBADMSG, ret);
	EXPECT_EQ(ESPY_RECD_HDR_CRC, d.kind);
	copy_cut(self->path, self->cut, st.st_size, 0);
	EXPECT_EQ(-1, read_all(self->cut, &d, &ret));
	EXPECT_EQ(ESPY_RECD_HDR_MAGIC, d.kind);
	copy_cut(self->path, self->cut, 200, -1);
	EXPECT_EQ(-1, read_all(self->cut, &d, &ret));
	EXPECT_EQ(ESPY_RECD_HDR_SHORT, d.kind);
}

TEST_HARNESS_MAIN
