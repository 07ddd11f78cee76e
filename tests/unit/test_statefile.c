/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * State files: an atomic round trip, and every kind of damaged or foreign
 * file told apart (short, bad magic, foreign version, header checksum,
 * another kind, truncated, trailing bytes, payload checksum, bad zlib,
 * wrong length), each reported with a reason; the engine moves a damaged
 * baseline aside and starts empty, never trusting or overwriting it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "statefile.h"
#include "fileio.h"
#include "bytebuf.h"
#include "detect.h"
#include "detect_int.h"
#include "hash64.h"

FIXTURE(sf)
{
	char dir[64];
	char path[128];
	unsigned char good[4096];
	size_t goodlen;
};

FIXTURE_SETUP(sf)
{
	unsigned char payload[1000];
	void *buf;
	int i;

	snprintf(self->dir, sizeof(self->dir), "/tmp/espy-sf-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/state", self->dir);
	for (i = 0; i < (int)sizeof(payload); i++)
		payload[i] = (unsigned char)(i * 7);
	ASSERT_EQ(0, espy_state_write(self->path, "test", payload,
				      sizeof(payload)));
	ASSERT_EQ(0, espy_read_file(self->path, &buf, &self->goodlen, 4096));
	memcpy(self->good, buf, self->goodlen);
	free(buf);
}

FIXTURE_TEARDOWN(sf)
{
	char cmd[160];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (system(cmd))
		TH_LOG("cleanup of %s failed", self->dir);
}

static void put(const char *path, const void *b, size_t n)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0 || espy_write_all(fd, b, n))
		abort();
	close(fd);
}

static enum espy_state_damage damage_of(const char *path, const char *kind)
{
	enum espy_state_damage why = ESPY_STATE_OK;
	char msg[200];
	void *data = NULL;
	size_t len;
	int ret;

	ret = espy_state_read(path, kind, &data, &len, &why, msg, sizeof(msg));
	free(data);
	if (ret == 0)
		return ESPY_STATE_OK;
	if (ret != -EBADMSG || !msg[0])
		return ESPY_STATE_NR;	/* not a damage report */
	return why;
}

TEST_F(sf, round_trip_is_exact_and_leaves_no_temporary)
{
	enum espy_state_damage why;
	unsigned char *data;
	size_t len;
	char tmp[160];
	int i;

	ASSERT_EQ(0, espy_state_read(self->path, "test", (void **)&data, &len,
				     &why, NULL, 0));
	ASSERT_EQ(1000, len);
	for (i = 0; i < 1000; i++)
		ASSERT_EQ((unsigned char)(i * 7), data[i]);
	free(data);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", self->path, (int)getpid());
	EXPECT_NE(0, access(tmp, F_OK));
	EXPECT_EQ(-ENOENT, espy_state_read("/nonexistent/x", "test",
					   (void **)&data, &len, &why, NULL, 0));
}

TEST_F(sf, every_damage_is_told_apart)
{
	unsigned char b[4096];
	size_t n = self->goodlen;

	/* short */
	put(self->path, self->good, 30);
	EXPECT_EQ(ESPY_STATE_SHORT, damage_of(self->path, "test"));
	/* bad magic */
	memcpy(b, self->good, n);
	b[0] ^= 0xff;
	put(self->path, b, n);
	EXPECT_EQ(ESPY_STATE_MAGIC, damage_of(self->path, "test"));
	/* a foreign format version */
	memcpy(b, self->good, n);
	espy_le32_put(b + 8, 99);
	put(self->path, b, n);
	EXPECT_EQ(ESPY_STATE_VERSION_FOREIGN, damage_of(self->path, "test"));
	/* header bit flip */
	memcpy(b, self->good, n);
	b[33] ^= 1;
	put(self->path, b, n);
	EXPECT_EQ(ESPY_STATE_HDR_CRC, damage_of(self->path, "test"));
	/* another kind of state file */
	put(self->path, self->good, n);
	EXPECT_EQ(ESPY_STATE_KIND, damage_of(self->path, "baseline"));
	/* truncated payload */
	put(self->path, self->good, n - 5);
	EXPECT_EQ(ESPY_STATE_TRUNCATED, damage_of(self->path, "test"));
	/* trailing garbage */
	memcpy(b, self->good, n);
	memcpy(b + n, "junk", 4);
	put(self->path, b, n + 4);
	EXPECT_EQ(ESPY_STATE_TRAILING, damage_of(self->path, "test"));
	/* payload bit flip */
	memcpy(b, self->good, n);
	b[n - 3] ^= 0x10;
	put(self->path, b, n);
	EXPECT_EQ(ESPY_STATE_CRC, damage_of(self->path, "test"));
}

/* A consistent container around bytes that are not zlib. */
TEST_F(sf, bad_zlib_and_wrong_length)
{
	unsigned char b[4096], z[64];
	uLongf zl = sizeof(z);
	const char raw[] = "hello hello hello";

	memcpy(b, self->good, 64);
	memset(b + 64, 0x5a, 40);
	espy_le64_put(b + 40, 40);
	espy_le32_put(b + 48, crc32(0, b + 64, 40));
	espy_le32_put(b + 60, crc32(0, b, 60));
	put(self->path, b, 104);
	EXPECT_EQ(ESPY_STATE_ZLIB, damage_of(self->path, "test"));

	/* valid zlib, but the header claims another raw length */
	ASSERT_EQ(Z_OK, compress2(z, &zl, (const Bytef *)raw, sizeof(raw), 6));
	memcpy(b + 64, z, zl);
	espy_le64_put(b + 32, sizeof(raw) + 10);
	espy_le64_put(b + 40, zl);
	espy_le32_put(b + 48, crc32(0, z, zl));
	espy_le32_put(b + 60, crc32(0, b, 60));
	put(self->path, b, 64 + zl);
	EXPECT_EQ(ESPY_STATE_LENGTH, damage_of(self->path, "test"));
}

TEST_F(sf, quarantine_never_overwrites_earlier_evidence)
{
	char moved[256], expect[256];

	put(self->path, "one", 3);
	ASSERT_EQ(0, espy_state_quarantine(self->path, moved, sizeof(moved)));
	snprintf(expect, sizeof(expect), "%s.bad", self->path);
	EXPECT_STREQ(expect, moved);
	put(self->path, "two", 3);
	ASSERT_EQ(0, espy_state_quarantine(self->path, moved, sizeof(moved)));
	snprintf(expect, sizeof(expect), "%s.bad.1", self->path);
	EXPECT_STREQ(expect, moved);
	EXPECT_NE(0, access(self->path, F_OK));
}

static void teach(struct espy_detect *d)
{
	int i;

	for (i = 0; i < 300; i++)
		espy_bl_observe(&d->bl, ESPY_FEAT_PARENT_EXE, espy_hash_u64(i % 30),
				1700000000 + i, 1, NULL);
}

TEST_F(sf, engine_saves_loads_and_sets_damage_aside)
{
	struct espy_detect_config c;
	struct espy_detect *d, *e;
	char msg[600], bp[160], moved[200];
	unsigned char b[1 << 16];
	void *buf;
	size_t n;

	espy_detect_config_default(&c);
	c.baseline.entries = 1024;
	ASSERT_EQ(0, espy_detect_new(&d, &c));
	ASSERT_EQ(-ENOENT, espy_detect_load(d, self->dir, 0, msg, sizeof(msg)));
	teach(d);
	ASSERT_EQ(0, espy_detect_set_mode(d, ESPY_MODE_DETECT));
	ASSERT_EQ(0, espy_detect_save(d, self->dir));

	ASSERT_EQ(0, espy_detect_new(&e, &c));
	ASSERT_EQ(0, espy_detect_load(e, self->dir, 0, msg, sizeof(msg)));
	EXPECT_EQ(d->bl.k[ESPY_FEAT_PARENT_EXE].used,
		  e->bl.k[ESPY_FEAT_PARENT_EXE].used);
	EXPECT_EQ(1700000000, e->bl.created_s);
	/* the run-time mode choice survives a restart in auto mode */
	EXPECT_EQ(ESPY_MODE_DETECT, espy_detect_mode(e));
	espy_detect_free(e);

	/* damage it: reported, moved aside, engine starts empty */
	snprintf(bp, sizeof(bp), "%s/baseline", self->dir);
	ASSERT_EQ(0, espy_read_file(bp, &buf, &n, sizeof(b)));
	memcpy(b, buf, n);
	free(buf);
	b[n / 2] ^= 0x40;
	put(bp, b, n);
	ASSERT_EQ(0, espy_detect_new(&e, &c));
	teach(e);
	EXPECT_EQ(-EBADMSG, espy_detect_load(e, self->dir, 0, msg, sizeof(msg)));
	TH_LOG("load said: %s", msg);
	EXPECT_NE(NULL, strstr(msg, "checksum"));
	EXPECT_NE(NULL, strstr(msg, "moved aside"));
	EXPECT_EQ(0, e->bl.k[ESPY_FEAT_PARENT_EXE].used);
	snprintf(moved, sizeof(moved), "%s.bad", bp);
	EXPECT_EQ(0, access(moved, F_OK));
	EXPECT_NE(0, access(bp, F_OK));
	/* read-only (replay) reports without moving */
	put(bp, b, n);
	EXPECT_EQ(-EBADMSG, espy_detect_load(e, self->dir, 1, msg, sizeof(msg)));
	EXPECT_EQ(0, access(bp, F_OK));
	espy_detect_free(e);
	espy_detect_free(d);
}

TEST_HARNESS_MAIN
