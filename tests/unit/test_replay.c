/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Record and replay: a synthetic stream (a /proc snapshot, a benign login,
 * an espionage chain, kernel drops) is scored live through the pipeline
 * while the raw tap records it; replaying the file prints the same JSON
 * lines, byte for byte, as the live run, and again on a second replay.
 * An operator's run-time mode switch (ESPY_EV_CTRL) is replayed where it
 * happened.  A truncated recording is scored up to the damage: its output is exactly
 * the beginning of the full output, and the damage is reported.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "synth.h"
#include "recording.h"
#include "replay.h"
#include "fileio.h"

#define O_WR	01
#define O_CR	0100

struct live {
	char *buf;
	size_t len;
	FILE *f;
};

static int live_sink(void *ctx, const struct espy_event *ev, const char *json,
		     size_t len)
{
	struct live *l = ctx;

	return fwrite(json, 1, len, l->f) == len ? 0 : -EIO;
}

/* espyd flushes its recording every second: blocks of a few records */
static int tap_flushing(void *ctx, const void *rec, size_t len)
{
	static int n;
	int ret = espy_rec_write(ctx, rec, len);

	if (!ret && ++n % 8 == 0)
		ret = espy_rec_flush(ctx);
	return ret;
}

/* The scenario: what happened on the host while espyd recorded. */
static void scenario(struct synth_world *w)
{
	struct synth_host a = SYNTH_HOST_A;
	struct synth_proc init, sshd, child, sh, c;
	int i;

	synth_existing(w, &init, 1, 0, 0, a, "/usr/lib/systemd/systemd", "/sbin/init");
	synth_existing(w, &sshd, 500, 1, 0, a, "/usr/sbin/sshd", "/usr/sbin/sshd -D");
	for (i = 0; i < 3; i++) {
		synth_net(&w->r, ESPY_EV_ACCEPT, w->ts, &sshd, "10.0.0.2", 22,
			  i == 2 ? "10.0.0.66" : "10.0.0.5", 40000 + i, 5, 0);
		synth_feed(w, 1);
		child = sshd;
		child.tgid = w->next_pid++;
		child.start_ns = w->ts;
		child.ppid = 500;
		synth_fork(&w->r, w->ts, &sshd, &child);
		synth_feed(w, 1);
		child.auid = child.uid = 1000;
		child.sessionid = 20 + i;
		/* the operator has the second login learned, then detects
		 * again: a replay must switch where espyd did */
		if (i == 1) {
			synth_ctrl(&w->r, w->ts, ESPY_CTRL_MODE,
				   ESPY_CTRL_MODE_LEARN);
			synth_feed(w, 1);
		}
		synth_spawn(w, &child, &sh, "/usr/bin/bash", "-bash", 0);
		synth_run(w, &sh, "/usr/bin/ls", "ls", NULL);
		if (i == 1) {
			synth_ctrl(&w->r, w->ts, ESPY_CTRL_MODE,
				   ESPY_CTRL_MODE_DETECT);
			synth_feed(w, 1);
		}
		if (i < 2)
			continue;
		synth_run(w, &sh, "/usr/bin/uname", "uname -a", NULL);
		synth_run(w, &sh, "/usr/bin/id", "id", NULL);
		synth_run(w, &sh, "/usr/bin/ps", "ps aux", NULL);
		synth_run(w, &sh, "/usr/sbin/ip", "ip a", NULL);
		synth_lost(&w->r, w->ts, 17);
		synth_feed(w, 1);
		synth_spawn(w, &sh, &c, "/usr/bin/cat", "cat /etc/shadow", 0);
		synth_file(&w->r, ESPY_EV_OPEN, w->ts, &c, "/etc/shadow", NULL,
			   0, 0, 3);
		synth_feed(w, 1);
		synth_spawn(w, &sh, &c, "/usr/bin/ssh", "ssh -i /tmp/.k bob@10.0.0.7", 0);
		synth_net(&w->r, ESPY_EV_CONNECT, w->ts, &c, "10.0.0.2", 51111,
			  "10.0.0.7", 22, 0, 0);
		synth_feed(w, 1);
		synth_spawn(w, &sh, &c, "/usr/bin/tar", "tar czf /tmp/l.tgz /home/bob/.ssh", 0);
		synth_file(&w->r, ESPY_EV_OPEN, w->ts, &c, "/tmp/l.tgz", NULL,
			   O_WR | O_CR, 0644, 3);
		synth_feed(w, 1);
	}
	/* a malformed record: recorded faithfully, rejected the same way */
	w->r.len = 40;
	synth_feed(w, 1);
}

FIXTURE(rp)
{
	char dir[64];
	char path[128];
	char cut[128];
	struct live live;
	int live_alerts;
};

FIXTURE_SETUP(rp)
{
	struct espy_detect_config c;
	struct espy_rec_info info = { 0 };
	struct espy_rec_writer *wr;
	struct synth_world w;

	snprintf(self->dir, sizeof(self->dir), "/tmp/espy-rp-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/run.espy", self->dir);
	snprintf(self->cut, sizeof(self->cut), "%s/cut.espy", self->dir);
	info.clock_offset_ns = SYNTH_EPOCH_NS;
	snprintf(info.hostname, sizeof(info.hostname), "synth");
	snprintf(info.host_id, sizeof(info.host_id), "0123456789abcdef");
	ASSERT_EQ(0, espy_rec_writer_open(&wr, self->path, &info, 0));

	espy_detect_config_default(&c);
	c.mode = ESPY_MODE_DETECT;
	ASSERT_EQ(0, synth_world_init(&w, &c));
	w.tap = tap_flushing;
	w.tap_ctx = wr;
	self->live.f = open_memstream(&self->live.buf, &self->live.len);
	ASSERT_LE(0, espy_pipeline_add_sink(w.p, "live", live_sink, &self->live));
	scenario(&w);
	self->live_alerts = w.nalerts;
	fclose(self->live.f);
	synth_world_fini(&w);
	ASSERT_EQ(0, espy_rec_writer_close(wr));
}

FIXTURE_TEARDOWN(rp)
{
	char cmd[128];

	free(self->live.buf);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (system(cmd))
		TH_LOG("cleanup failed");
}

static int replay(const char *path, int json, char **out, size_t *outlen,
		  struct espy_replay_result *r)
{
	struct espy_replay_opts o = { 0 };
	char err[512];
	int ret;

	o.path = path;
	o.json = json;
	o.mode = ESPY_MODE_DETECT;
	o.out = open_memstream(out, outlen);
	ret = espy_replay_run(&o, r, err, sizeof(err));
	fclose(o.out);
	if (ret)
		fprintf(stderr, "# replay: %s\n", err);
	return ret;
}

TEST_F(rp, replay_equals_live_and_itself)
{
	struct espy_replay_result r1, r2;
	char *a, *b;
	size_t al, bl;

	ASSERT_GT(self->live_alerts, 0);
	ASSERT_EQ(0, replay(self->path, 1, &a, &al, &r1));
	ASSERT_EQ(0, replay(self->path, 1, &b, &bl, &r2));
	EXPECT_EQ(0, r1.damaged);
	EXPECT_EQ(1, r1.malformed);
	EXPECT_EQ(self->live_alerts, r1.alerts);
	EXPECT_GT(al, 1000);
	EXPECT_NE(NULL, strstr(a, "\"kind\":\"alert\""));
	/* the run-time switch to learn and back, live and replayed */
	EXPECT_NE(NULL, strstr(self->live.buf, "\"learning\":true"));
	EXPECT_EQ(2, r1.ctrl_changes);
	EXPECT_EQ(0, r1.baseline_imports);
	/* byte for byte: live, first replay, second replay */
	ASSERT_EQ(self->live.len, al);
	EXPECT_EQ(0, memcmp(self->live.buf, a, al));
	ASSERT_EQ(al, bl);
	EXPECT_EQ(0, memcmp(a, b, al));
	free(a);
	free(b);
	/* the readable form names the alert too */
	ASSERT_EQ(0, replay(self->path, 0, &a, &al, &r1));
	EXPECT_NE(NULL, strstr(a, " ALERT "));
	EXPECT_NE(NULL, strstr(a, "T1003.008"));
	free(a);
}

TEST_F(rp, truncated_recording_scores_up_to_the_damage)
{
	struct espy_replay_result full, part;
	char *a, *b;
	size_t al, bl;
	void *buf;
	size_t n;
	int fd;

	ASSERT_EQ(0, replay(self->path, 1, &a, &al, &full));
	ASSERT_EQ(0, espy_read_file(self->path, &buf, &n, 1 << 24));
	fd = open(self->cut, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(0, espy_write_all(fd, buf, n - 30));	/* into the last block */
	close(fd);
	free(buf);
	ASSERT_EQ(0, replay(self->cut, 1, &b, &bl, &part));
	EXPECT_EQ(1, part.damaged);
	EXPECT_TRUE(part.damage.kind == ESPY_RECD_BLOCK_TRUNC ||
		    part.damage.kind == ESPY_RECD_BLOCK_SHORT);
	EXPECT_EQ(part.records, part.damage.records_before);
	TH_LOG("damage: %s (%llu of %llu records)", part.damage.msg,
	       (unsigned long long)part.records,
	       (unsigned long long)full.records);
	EXPECT_LT(part.records, full.records);
	EXPECT_GT(part.records, full.records / 2);
	EXPECT_GT(bl, 0);
	/* what was scored is exactly what the full replay scored first */
	EXPECT_LE(bl, al);
	EXPECT_EQ(0, memcmp(a, b, bl));
	free(a);
	free(b);
}

TEST_HARNESS_MAIN
