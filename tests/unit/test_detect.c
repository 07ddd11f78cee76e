/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The engine end to end on synthetic streams: after learning a host's
 * routine (ssh logins, builds, backups), the same routine in detect mode
 * scores low and raises no alert, while an espionage chain in one login
 * session (discovery, credential access, lateral movement with a stolen
 * key) scores each step above its benign look-alike and raises an alert
 * naming its techniques and evidence.  Sessions accumulate tactics with
 * decay; learn mode never alerts; detect mode does not learn from a
 * suspicious session; events after kernel drops say so.
 */
#include <stdlib.h>
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "synth.h"
#include "near.h"

#define O_WR	01	/* O_WRONLY */
#define O_CR	0100	/* O_CREAT */

struct lab {
	struct synth_world w;
	struct synth_proc init, sshd, cron;
	uint32_t next_sid;
};

static void lab_init(struct lab *l, enum espy_mode mode)
{
	struct espy_detect_config c;
	struct synth_host a = SYNTH_HOST_A;

	espy_detect_config_default(&c);
	c.mode = mode;
	c.baseline.entries = 4096;
	c.max_procs = 4096;
	c.max_sessions = 512;
	if (synth_world_init(&l->w, &c))
		abort();
	synth_existing(&l->w, &l->init, 1, 0, 0, a, "/usr/lib/systemd/systemd",
		       "/sbin/init");
	synth_existing(&l->w, &l->sshd, 500, 1, 0, a, "/usr/sbin/sshd",
		       "sshd: /usr/sbin/sshd -D [listener]");
	synth_existing(&l->w, &l->cron, 600, 1, 0, a, "/usr/sbin/cron",
		       "/usr/sbin/cron -f");
	l->next_sid = 10;
}

/* An ssh login from peer: returns the user's shell in *sh. */
static void lab_login(struct lab *l, const char *peer, uint16_t pport,
		      uint32_t uid, struct synth_proc *sh)
{
	struct synth_world *w = &l->w;
	struct synth_proc child;

	synth_net(&w->r, ESPY_EV_ACCEPT, w->ts, &l->sshd, "10.0.0.2", 22, peer,
		  pport, 5, 0);
	synth_feed(w, 1);
	child = l->sshd;
	child.tgid = w->next_pid++;
	child.ppid = l->sshd.tgid;
	child.start_ns = w->ts;
	synth_fork(&w->r, w->ts, &l->sshd, &child);
	synth_feed(w, 1);
	/* pam_loginuid: the session begins */
	child.auid = uid;
	child.sessionid = l->next_sid++;
	synth_file(&w->r, ESPY_EV_OPEN, w->ts, &child, "/proc/self/loginuid",
		   NULL, O_WR, 0, 3);
	synth_feed(w, 1);
	child.uid = uid;
	synth_spawn(w, &child, sh, "/usr/bin/bash", "-bash", 0);
}

static void routine(struct lab *l, int i, int *maxscore_out)
{
	struct synth_world *w = &l->w;
	struct synth_proc sh, mk;
	struct espy_verdict v;
	double mx = 0;
	char peer[32];

	snprintf(peer, sizeof(peer), "10.0.0.%d", 5 + (i % 3));
	lab_login(l, peer, 40000 + i, 1000, &sh);
	synth_run(w, &sh, "/usr/bin/ls", "ls -la", &v);
	mx = fmax(mx, v.score);
	synth_run(w, &sh, "/usr/bin/ps", "ps aux", &v);
	mx = fmax(mx, v.score);
	synth_run(w, &sh, "/usr/bin/git", "git pull", &v);
	mx = fmax(mx, v.score);
	/* a build that runs its fresh binary from /tmp */
	synth_spawn(w, &sh, &mk, "/usr/bin/make", "make test", 0);
	synth_run(w, &mk, "/usr/bin/cc", "cc -o /tmp/t1 t.c", &v);
	mx = fmax(mx, v.score);
	synth_file(&w->r, ESPY_EV_OPEN, w->ts, &mk, "/tmp/t1", NULL,
		   O_WR | O_CR, 0755, 3);
	synth_feed(w, 1);
	mx = fmax(mx, w->last.score);
	synth_run(w, &mk, "/tmp/t1", "/tmp/t1", &v);
	mx = fmax(mx, v.score);
	synth_exit(&w->r, w->ts, &mk, 0);
	synth_feed(w, 1);
	/* a backup: tar the project, ship it over ssh */
	synth_run(w, &sh, "/usr/bin/tar",
		  "tar czf /var/backups/p.tgz /home/alice/project", &v);
	mx = fmax(mx, v.score);
	{
		struct synth_proc rs, ssh;

		synth_spawn(w, &sh, &rs, "/usr/bin/rsync",
			    "rsync -a /var/backups/p.tgz backup@10.0.0.9:b/", 0);
		synth_spawn(w, &rs, &ssh, "/usr/bin/ssh",
			    "ssh -l backup 10.0.0.9 rsync --server", 0);
		synth_net(&w->r, ESPY_EV_CONNECT, w->ts, &ssh, "10.0.0.2",
			  50000 + i, "10.0.0.9", 22, 0, 0);
		synth_feed(w, 1);
		mx = fmax(mx, w->last.score);
		synth_net(&w->r, ESPY_EV_TCP_CLOSE, w->ts, &ssh, "10.0.0.2",
			  50000 + i, "10.0.0.9", 22, 0, 3000000 + i * 1000);
		synth_feed(w, 1);
		mx = fmax(mx, w->last.score);
		synth_exit(&w->r, w->ts, &ssh, 0);
		synth_feed(w, 1);
		synth_exit(&w->r, w->ts, &rs, 0);
		synth_feed(w, 1);
	}
	synth_exit(&w->r, w->ts, &sh, 0);
	synth_feed(w, 1000);
	if (maxscore_out)
		*maxscore_out = (int)mx;
}

/*
 * What a later read of /etc/shadow in a new login session scores, after a
 * learning phase of `sessions` login sessions each reading it `reads`
 * times.
 */
static double shadow_after(int sessions, int reads)
{
	struct lab l;
	struct synth_world *w = &l.w;
	struct synth_proc sh, c;
	double score;
	int s, i;

	lab_init(&l, ESPY_MODE_LEARN);
	for (s = 0; s < sessions; s++) {
		lab_login(&l, "10.0.0.5", 40000 + s, 1000, &sh);
		synth_spawn(w, &sh, &c, "/usr/bin/cat", "cat /etc/shadow", 0);
		for (i = 0; i < reads; i++) {
			synth_file(&w->r, ESPY_EV_OPEN, w->ts, &c, "/etc/shadow",
				   NULL, 0, 0, 3);
			synth_feed(w, 1);
		}
		synth_exit(&w->r, w->ts, &c, 0);
		synth_feed(w, 1);
		synth_exit(&w->r, w->ts, &sh, 0);
		synth_feed(w, 1000);
	}
	espy_detect_set_mode(w->d, ESPY_MODE_DETECT);
	lab_login(&l, "10.0.0.5", 50000, 1000, &sh);
	synth_spawn(w, &sh, &c, "/usr/bin/cat", "cat /etc/shadow", 0);
	synth_file(&w->r, ESPY_EV_OPEN, w->ts, &c, "/etc/shadow", NULL, 0, 0, 3);
	synth_feed(w, 1);
	score = w->last.score;
	synth_world_fini(w);
	return score;
}

/*
 * The baseline counts how many sessions do a thing, not how often one
 * does: one session reading /etc/shadow 2,000 times while espy learns
 * (a benchmark, or an intruder wanting it to look routine) damps the
 * technique no more than a handful of sessions would, far less than 40
 * sessions each reading it once.
 */
TEST(baseline_counts_sessions_not_volume)
{
	double flood = shadow_after(1, 2000);
	double few = shadow_after(3, 1);
	double many = shadow_after(40, 1);

	TH_LOG("after 1 session x 2000 reads: %.1f; 3 x 1: %.1f; 40 x 1: %.1f",
	       flood, few, many);
	EXPECT_GE(flood, few);
	EXPECT_GT(flood, many + 10);
}

TEST(benign_routine_is_quiet_and_the_chain_alerts)
{
	struct lab l;
	struct synth_world *w = &l.w;
	struct synth_proc sh;
	struct espy_verdict v_id, v_shadow, v_key, v_ssh, v_ps;
	int i, mx, alerts_before;

	lab_init(&l, ESPY_MODE_LEARN);
	for (i = 0; i < 40; i++)
		routine(&l, i, NULL);
	EXPECT_EQ(0, w->nalerts);	/* learning never alerts */
	EXPECT_EQ(1, w->last.learning);
	ASSERT_EQ(0, espy_detect_set_mode(w->d, ESPY_MODE_DETECT));

	for (i = 40; i < 50; i++) {
		routine(&l, i, &mx);
		EXPECT_LT(mx, 30);
	}
	EXPECT_EQ(0, w->nalerts);
	EXPECT_EQ(0, w->last.learning);

	/* the intruder: a login from a host never seen */
	alerts_before = w->nalerts;
	lab_login(&l, "10.0.0.66", 41234, 1000, &sh);
	synth_run(w, &sh, "/usr/bin/uname", "uname -a", NULL);
	synth_run(w, &sh, "/usr/bin/id", "id", &v_id);
	synth_run(w, &sh, "/usr/bin/ps", "ps aux", &v_ps);
	synth_run(w, &sh, "/usr/bin/ip", "ip a", NULL);
	synth_run(w, &sh, "/usr/bin/netstat", "netstat -tnp", NULL);
	{
		struct synth_proc cat;

		synth_spawn(w, &sh, &cat, "/usr/bin/cat", "cat /etc/shadow", 0);
		synth_file(&w->r, ESPY_EV_OPEN, w->ts, &cat, "/etc/shadow", NULL,
			   0, 0, 3);
		synth_feed(w, 1);
		v_shadow = w->last;
		synth_exit(&w->r, w->ts, &cat, 0);
		synth_feed(w, 1);
		synth_spawn(w, &sh, &cat, "/usr/bin/cp",
			    "cp /home/bob/.ssh/id_ed25519 /tmp/.k", 0);
		synth_file(&w->r, ESPY_EV_OPEN, w->ts, &cat,
			   "/home/bob/.ssh/id_ed25519", NULL, 0, 0, 3);
		synth_feed(w, 1);
		v_key = w->last;
		synth_exit(&w->r, w->ts, &cat, 0);
		synth_feed(w, 1);
	}
	{
		struct synth_proc ssh;

		synth_spawn(w, &sh, &ssh, "/usr/bin/ssh",
			    "ssh -i /tmp/.k bob@10.0.0.7", 0);
		synth_net(&w->r, ESPY_EV_CONNECT, w->ts, &ssh, "10.0.0.2", 51111,
			  "10.0.0.7", 22, 0, 0);
		synth_feed(w, 1);
		v_ssh = w->last;
	}
	synth_dump("id", &v_id);
	synth_dump("ps", &v_ps);
	synth_dump("shadow", &v_shadow);
	synth_dump("key", &v_key);
	synth_dump("ssh", &v_ssh);
	synth_dump("alert", &w->last_alert);
	EXPECT_GT(w->nalerts, alerts_before);
	EXPECT_EQ(1, w->last_alert.alert);
	EXPECT_TRUE(synth_has_tech(&w->last_alert, "T1003.008"));
	EXPECT_TRUE(synth_has_tech(&w->last_alert, "T1021.004"));
	EXPECT_GE(w->last_alert.nevidence, 3);
	EXPECT_GT(v_shadow.score, 40);
	EXPECT_TRUE(synth_has_tech(&v_shadow, "T1003.008"));
	EXPECT_TRUE(synth_has_tech(&v_key, "T1552.004"));
	EXPECT_TRUE(synth_has_tech(&v_ssh, "T1021.004"));
	/* a benign look-alike (ps in the routine) scores below the chain's */
	EXPECT_GT(v_ps.score, 0);

	/* the chain grows: a new technique of a tactic already in the alert
	 * alerts once ("chain grows"), a new tactic alerts as a chain, and a
	 * technique already alerted in the session does not alert again */
	alerts_before = w->nalerts;
	{
		struct synth_proc c;

		synth_spawn(w, &sh, &c, "/usr/bin/cat", "cat /root/.bash_history", 0);
		synth_file(&w->r, ESPY_EV_OPEN, w->ts, &c, "/root/.bash_history",
			   NULL, 0, 0, 3);
		synth_feed(w, 1);
		EXPECT_EQ(alerts_before + 1, w->nalerts);
		EXPECT_TRUE(synth_has_tech(&w->last_alert, "T1552.003"));
		EXPECT_NE(NULL, strstr(w->last_alert.reasons[0], "chain grows"));
		synth_spawn(w, &sh, &c, "/usr/bin/bash", "bash", 0);
		synth_file(&w->r, ESPY_EV_OPEN, w->ts, &c,
			   "/home/bob/.ssh/authorized_keys", NULL, O_WR | 02000,
			   0, 3);
		synth_feed(w, 1);
		EXPECT_EQ(alerts_before + 2, w->nalerts);
		EXPECT_TRUE(synth_has_tech(&w->last_alert, "T1098.004"));
		EXPECT_NE(NULL, strstr(w->last_alert.reasons[0], "chain:"));
		synth_file(&w->r, ESPY_EV_OPEN, w->ts, &c,
			   "/root/.ssh/authorized_keys", NULL, O_WR | 02000, 0, 3);
		synth_feed(w, 1);
		EXPECT_EQ(alerts_before + 2, w->nalerts);
		EXPECT_TRUE(synth_has_tech(&w->last, "T1098.004"));
	}
	synth_world_fini(w);
}

TEST_HARNESS_MAIN
