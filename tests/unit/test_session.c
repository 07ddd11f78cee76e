/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Sessions and hops: processes group into login sessions (audit session
 * id) or service trees (children of pid 1), per host (namespaces); a
 * session accumulates tactics that decay with time; an outbound ssh
 * connect matched by 4-tuple to an accept on another host hands its
 * session's suspicion and evidence to the login it opens (whichever record
 * comes first); drops are flagged on the sessions that lived through
 * them; tables stay bounded under pressure; detect mode does not learn
 * from a suspicious session.
 */
#include <stdlib.h>
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "synth.h"
#include "near.h"
#include "hash64.h"

static void mkworld(struct synth_world *w, uint32_t max_sessions,
		    uint32_t max_procs, enum espy_mode mode)
{
	struct espy_detect_config c;

	espy_detect_config_default(&c);
	c.mode = mode;
	c.max_sessions = max_sessions;
	c.max_procs = max_procs;
	c.baseline.entries = 1024;
	if (synth_world_init(w, &c))
		abort();
}

static void fini(struct synth_world *w)
{
	synth_world_fini(w);
}

/* A login via sshd on host h from peer: returns the shell. */
static void login(struct synth_world *w, struct synth_proc *sshd,
		  const char *local, const char *peer, uint16_t pport,
		  uint32_t sid, struct synth_proc *sh)
{
	synth_ssh_login_at(w, sshd, sh, local, peer, pport, 1000, sid);
}

static struct espy_session *sess_of(struct synth_world *w,
				    const struct synth_proc *p)
{
	struct espy_proc *e = espy_proctab_find(espy_pipeline_procs(w->p),
						p->tgid, p->start_ns);
	struct espy_dproc *dp = e ? e->session : NULL;

	return dp ? espy_session_find(w->d, dp->sess_id) : NULL;
}

TEST(processes_group_into_login_and_service_sessions)
{
	struct synth_world w;
	struct synth_host a = SYNTH_HOST_A, b = SYNTH_HOST_B;
	struct synth_proc init, sshd, cron, job, sh, sub, other, nsproc;
	struct espy_session *s1, *s2;

	mkworld(&w, 64, 256, ESPY_MODE_DETECT);
	synth_existing(&w, &init, 1, 0, 0, a, "/usr/lib/systemd/systemd", "init");
	synth_existing(&w, &sshd, 500, 1, 0, a, "/usr/sbin/sshd", "sshd");
	synth_existing(&w, &cron, 600, 1, 0, a, "/usr/sbin/cron", "cron -f");
	/* two services: two sessions */
	ASSERT_NE(NULL, sess_of(&w, &sshd));
	ASSERT_NE(NULL, sess_of(&w, &cron));
	EXPECT_NE(sess_of(&w, &sshd)->id, sess_of(&w, &cron)->id);
	/* cron's job (a child of a service manager) roots its own */
	synth_spawn(&w, &cron, &job, "/usr/bin/sh", "sh -c backup", 0);
	EXPECT_NE(sess_of(&w, &cron)->id, sess_of(&w, &job)->id);
	/* a login session: its processes share it, and it has the peer */
	login(&w, &sshd, "10.0.0.2", "10.0.0.5", 40000, 31, &sh);
	synth_spawn(&w, &sh, &sub, "/usr/bin/make", "make", 0);
	s1 = sess_of(&w, &sh);
	s2 = sess_of(&w, &sub);
	ASSERT_NE(NULL, s1);
	EXPECT_EQ(s1, s2);
	EXPECT_TRUE(s1->flags & ESPY_S_LOGIN);
	EXPECT_TRUE(s1->flags & ESPY_S_REMOTE);
	EXPECT_EQ(5, s1->peer[3]);
	EXPECT_EQ(40000, s1->peer_port);
	EXPECT_EQ(sess_of(&w, &sshd)->id, s1->parent_id);
	/* another login: another session */
	login(&w, &sshd, "10.0.0.2", "10.0.0.6", 40001, 32, &other);
	EXPECT_NE(s1->id, sess_of(&w, &other)->id);
	/* moving to another host (namespaces) is a new session there */
	synth_spawn(&w, &sh, &nsproc, "/usr/bin/ip", "ip netns exec b sh", 0);
	nsproc.host = b;
	synth_file(&w.r, ESPY_EV_OPEN, w.ts, &nsproc, "/etc/hostname", NULL,
		   0, 0, 3);
	synth_feed(&w, 1);
	EXPECT_NE(s1->id, sess_of(&w, &nsproc)->id);
	EXPECT_EQ(b.netns, sess_of(&w, &nsproc)->netns);
	fini(&w);
}

TEST(session_accumulates_tactics_with_decay)
{
	struct synth_world w;
	struct synth_host a = SYNTH_HOST_A;
	struct synth_proc init, sshd, sh, c;
	struct espy_session *s;
	double v0, v1, sc_one, sc_chain;

	mkworld(&w, 64, 256, ESPY_MODE_DETECT);
	synth_existing(&w, &init, 1, 0, 0, a, "/usr/lib/systemd/systemd", "init");
	synth_existing(&w, &sshd, 500, 1, 0, a, "/usr/sbin/sshd", "sshd");
	login(&w, &sshd, "10.0.0.2", "10.0.0.5", 40000, 41, &sh);
	synth_spawn(&w, &sh, &c, "/usr/bin/cat", "cat /etc/shadow", 0);
	synth_file(&w.r, ESPY_EV_OPEN, w.ts, &c, "/etc/shadow", NULL, 0, 0, 3);
	synth_feed(&w, 1);
	s = sess_of(&w, &sh);
	ASSERT_NE(NULL, s);
	v0 = espy_session_tactic(w.d, s, ESPY_TA_CREDENTIAL_ACCESS);
	EXPECT_GE(v0, 50);
	EXPECT_EQ(1U << ESPY_TA_CREDENTIAL_ACCESS, espy_session_chain(w.d, s));
	sc_one = w.last.session_score;
	/* one tactic half-life later: half */
	w.ts += 3600ULL * 1000000000ULL;
	synth_run(&w, &sh, "/usr/bin/true", "true", NULL);
	v1 = espy_session_tactic(w.d, s, ESPY_TA_CREDENTIAL_ACCESS);
	EXPECT_NEAR(v0 / 2, v1, 0.5);
	/* fresh tactics chain: the session scores above its parts */
	synth_spawn(&w, &sh, &c, "/usr/bin/cat", "cat /home/x/.ssh/id_rsa", 0);
	synth_file(&w.r, ESPY_EV_OPEN, w.ts, &c, "/home/x/.ssh/id_rsa", NULL, 0,
		   0, 3);
	synth_feed(&w, 1);
	synth_run(&w, &sh, "/usr/bin/nmap", "nmap 10.0.0.0/24", NULL);
	synth_spawn(&w, &sh, &c, "/usr/bin/bash", "bash -i",
		    ESPY_EXEC_STDIN_SOCK | ESPY_EXEC_STDOUT_SOCK);
	sc_chain = w.last.session_score;
	EXPECT_GE(espy_popcount(espy_session_chain(w.d, s)), 3);
	EXPECT_GT(sc_chain, sc_one + 20);
	EXPECT_GE(w.nalerts, 1);
	EXPECT_EQ(1, w.last_alert.alert);
	EXPECT_GE(w.last_alert.nevidence, 3);
	fini(&w);
}

/* Host A's suspicious session ssh-es into host B (another netns). */
static void hop_world(struct synth_world *w, int accept_first,
		      int no_local_port, struct espy_session **src,
		      struct espy_session **dst, struct synth_proc *bsh)
{
	struct synth_host a = SYNTH_HOST_A, b = SYNTH_HOST_B;
	struct synth_proc init, sshd_a, sshd_b, sh, c, ssh, child;

	synth_existing(w, &init, 1, 0, 0, a, "/usr/lib/systemd/systemd", "init");
	synth_existing(w, &sshd_a, 500, 1, 0, a, "/usr/sbin/sshd", "sshd");
	synth_existing(w, &sshd_b, 501, 1, 0, b, "/usr/sbin/sshd", "sshd");
	login(w, &sshd_a, "10.0.0.1", "10.0.0.66", 40000, 51, &sh);
	synth_run(w, &sh, "/usr/bin/uname", "uname -a", NULL);
	synth_run(w, &sh, "/usr/bin/nmap", "nmap -sn 10.0.0.0/24", NULL);
	synth_spawn(w, &sh, &c, "/usr/bin/cat", "cat /etc/shadow", 0);
	synth_file(&w->r, ESPY_EV_OPEN, w->ts, &c, "/etc/shadow", NULL, 0, 0, 3);
	synth_feed(w, 1);
	synth_spawn(w, &sh, &ssh, "/usr/bin/ssh", "ssh 10.0.0.2", 0);
	if (!accept_first) {
		synth_net(&w->r, ESPY_EV_CONNECT, w->ts, &ssh, "10.0.0.1",
			  no_local_port ? 0 : 45678, "10.0.0.2", 22, 0, 0);
		synth_feed(w, 1);
	}
	synth_net(&w->r, ESPY_EV_ACCEPT, w->ts, &sshd_b, "10.0.0.2", 22,
		  "10.0.0.1", 45678, 5, 0);
	synth_feed(w, 1);
	child = sshd_b;
	child.tgid = w->next_pid++;
	child.ppid = sshd_b.tgid;
	child.start_ns = w->ts;
	synth_fork(&w->r, w->ts, &sshd_b, &child);
	synth_feed(w, 1);
	if (accept_first) {
		synth_net(&w->r, ESPY_EV_CONNECT, w->ts, &ssh, "10.0.0.1", 45678,
			  "10.0.0.2", 22, 0, 0);
		synth_feed(w, 1);
	}
	child.auid = child.uid = 1000;
	child.sessionid = 52;
	synth_spawn(w, &child, bsh, "/usr/bin/bash", "-bash", 0);
	*src = sess_of(w, &sh);
	*dst = sess_of(w, bsh);
}

TEST(hop_carries_suspicion_connect_first)
{
	struct synth_world w;
	struct espy_session *src, *dst;
	struct synth_proc bsh;

	mkworld(&w, 64, 256, ESPY_MODE_DETECT);
	hop_world(&w, 0, 0, &src, &dst, &bsh);
	ASSERT_NE(NULL, src);
	ASSERT_NE(NULL, dst);
	EXPECT_NE(src->id, dst->id);
	EXPECT_NE(src->netns, dst->netns);
	EXPECT_EQ(src->id, dst->hop_from);
	EXPECT_TRUE(dst->flags & ESPY_S_HOP);
	EXPECT_GE(dst->inherited, 0.8 * src->score);
	/* the tactics and evidence came along */
	EXPECT_GT(espy_session_tactic(w.d, dst, ESPY_TA_CREDENTIAL_ACCESS), 30);
	EXPECT_GE(dst->nev, 2);
	EXPECT_EQ(1, w.d->st.hops_linked);
	/* the chain alerted on A; the login on B, lateral movement from a
	 * watched session, alerts on B with A's evidence */
	EXPECT_GE(w.nalerts, 2);
	EXPECT_TRUE(synth_has_tech(&w.last_alert, "T1021.004"));
	EXPECT_TRUE(synth_has_tech(&w.last_alert, "T1003.008"));
	EXPECT_EQ(dst->id, w.last_alert.session_id);
	fini(&w);
}

TEST(hop_carries_suspicion_accept_first)
{
	struct synth_world w;
	struct espy_session *src, *dst;
	struct synth_proc bsh;

	mkworld(&w, 64, 256, ESPY_MODE_DETECT);
	hop_world(&w, 1, 0, &src, &dst, &bsh);
	ASSERT_NE(NULL, dst);
	EXPECT_EQ(src->id, dst->hop_from);
	EXPECT_GT(espy_session_tactic(w.d, dst, ESPY_TA_CREDENTIAL_ACCESS), 30);
	fini(&w);
}

TEST(hop_matches_by_destination_without_local_port)
{
	struct synth_world w;
	struct espy_session *src, *dst;
	struct synth_proc bsh;

	mkworld(&w, 64, 256, ESPY_MODE_DETECT);
	hop_world(&w, 0, 1, &src, &dst, &bsh);
	ASSERT_NE(NULL, dst);
	EXPECT_EQ(src->id, dst->hop_from);
	fini(&w);
}

TEST(unrelated_login_is_not_linked)
{
	struct synth_world w;
	struct synth_host a = SYNTH_HOST_A;
	struct synth_proc init, sshd, sh;

	mkworld(&w, 64, 256, ESPY_MODE_DETECT);
	synth_existing(&w, &init, 1, 0, 0, a, "/usr/lib/systemd/systemd", "init");
	synth_existing(&w, &sshd, 500, 1, 0, a, "/usr/sbin/sshd", "sshd");
	login(&w, &sshd, "10.0.0.2", "10.0.0.5", 40000, 61, &sh);
	EXPECT_EQ(0, sess_of(&w, &sh)->hop_from);
	EXPECT_EQ(0, w.d->st.hops_linked);
	fini(&w);
}

TEST(drops_are_flagged_on_live_sessions)
{
	struct synth_world w;
	struct synth_host a = SYNTH_HOST_A;
	struct synth_proc init, sshd, sh, late;

	mkworld(&w, 64, 256, ESPY_MODE_DETECT);
	synth_existing(&w, &init, 1, 0, 0, a, "/usr/lib/systemd/systemd", "init");
	synth_existing(&w, &sshd, 500, 1, 0, a, "/usr/sbin/sshd", "sshd");
	login(&w, &sshd, "10.0.0.2", "10.0.0.5", 40000, 71, &sh);
	synth_run(&w, &sh, "/usr/bin/ls", "ls", NULL);
	EXPECT_EQ(0, w.last.after_drops);
	synth_lost(&w.r, w.ts, 250);
	synth_feed(&w, 1);
	EXPECT_EQ(1, w.last.after_drops);
	EXPECT_NE(NULL, strstr(w.last.reasons[0], "250"));
	synth_run(&w, &sh, "/usr/bin/ls", "ls", NULL);
	EXPECT_EQ(1, w.last.after_drops);
	EXPECT_TRUE(w.last.nreasons >= 1);
	EXPECT_NE(NULL, strstr(w.last.reasons[w.last.nreasons - 1], "dropped 250"));
	/* a session that began after the drop missed nothing */
	w.ts += 120ULL * 1000000000ULL;
	login(&w, &sshd, "10.0.0.2", "10.0.0.6", 40001, 72, &late);
	EXPECT_EQ(0, w.last.after_drops);
	EXPECT_EQ(250, w.d->st.lost_records);
	fini(&w);
}

TEST(tables_stay_bounded_under_pressure)
{
	struct synth_world w;
	struct synth_host a = SYNTH_HOST_A;
	struct synth_proc init, sshd, sh;
	struct espy_detect_stats st;
	int i;

	/* sessions: 200 logins through a table of 16 */
	mkworld(&w, 16, 4096, ESPY_MODE_LEARN);
	synth_existing(&w, &init, 1, 0, 0, a, "/usr/lib/systemd/systemd", "init");
	synth_existing(&w, &sshd, 500, 1, 0, a, "/usr/sbin/sshd", "sshd");
	for (i = 0; i < 200; i++) {
		char peer[32];

		snprintf(peer, sizeof(peer), "10.0.%d.%d", i / 250, i % 250 + 1);
		login(&w, &sshd, "10.0.0.2", peer, 40000 + i, 100 + i, &sh);
		synth_run(&w, &sh, "/usr/bin/ls", "ls", NULL);
	}
	espy_detect_stats(w.d, &st);
	EXPECT_LE(st.sessions, 16);
	EXPECT_GT(st.sessions_pushed_out, 150);
	EXPECT_EQ(0, st.procs_exhausted);
	/* stale sessions are swept as record time passes */
	w.ts += 9ULL * 3600 * 1000000000ULL;
	for (i = 0; i < 10; i++) {
		synth_file(&w.r, ESPY_EV_OPEN, w.ts, &init, "/etc/hostname",
			   NULL, 0, 0, 3);
		synth_feed(&w, 20000);
	}
	espy_detect_stats(w.d, &st);
	EXPECT_GE(st.sessions_evicted, 14);
	EXPECT_LE(st.sessions, 2);
	fini(&w);

	/* per-process state: a pool of 64 */
	mkworld(&w, 512, 64, ESPY_MODE_LEARN);
	synth_existing(&w, &init, 1, 0, 0, a, "/usr/lib/systemd/systemd", "init");
	synth_existing(&w, &sshd, 500, 1, 0, a, "/usr/sbin/sshd", "sshd");
	for (i = 0; i < 100; i++)
		login(&w, &sshd, "10.0.0.2", "10.0.0.9", 40000 + i, 300 + i, &sh);
	espy_detect_stats(w.d, &st);
	EXPECT_LE(st.procs, 64);
	EXPECT_GT(st.procs_exhausted, 0);
	EXPECT_LT(w.last.score, 100.1);	/* still scored, without state */
	fini(&w);
}

TEST(detect_mode_never_learns_from_a_suspicious_session)
{
	struct synth_world w;
	struct synth_host a = SYNTH_HOST_A;
	struct synth_proc init, sshd, bad, good, c;
	struct espy_bl_obs o;
	uint64_t k_bad, k_good;
	int i;

	mkworld(&w, 64, 1024, ESPY_MODE_DETECT);
	synth_existing(&w, &init, 1, 0, 0, a, "/usr/lib/systemd/systemd", "init");
	synth_existing(&w, &sshd, 500, 1, 0, a, "/usr/sbin/sshd", "sshd");
	login(&w, &sshd, "10.0.0.2", "10.0.0.66", 40000, 81, &bad);
	synth_spawn(&w, &bad, &c, "/usr/bin/cat", "cat /etc/shadow", 0);
	synth_file(&w.r, ESPY_EV_OPEN, w.ts, &c, "/etc/shadow", NULL, 0, 0, 3);
	synth_feed(&w, 1);
	synth_run(&w, &bad, "/usr/bin/nmap", "nmap 10.0.0.0/24", NULL);
	ASSERT_GE(sess_of(&w, &bad)->score, w.d->cfg.suspicious);
	login(&w, &sshd, "10.0.0.2", "10.0.0.5", 40001, 82, &good);
	for (i = 0; i < 20; i++) {
		synth_run(&w, &bad, "/usr/bin/strings", "strings x", NULL);
		synth_run(&w, &good, "/usr/bin/wc", "wc x", NULL);
	}
	/* user->exe keys of the two programs */
	k_bad = espy_hash_pair(espy_hash_u64(1000),
			       espy_program_key("/usr/bin/strings", 16, NULL, 0));
	k_good = espy_hash_pair(espy_hash_u64(1000),
				espy_program_key("/usr/bin/wc", 11, NULL, 0));
	espy_bl_observe(&w.d->bl, ESPY_FEAT_USER_EXE, k_bad, w.d->now_s, 0, &o);
	EXPECT_EQ(0, o.seen);
	espy_bl_observe(&w.d->bl, ESPY_FEAT_USER_EXE, k_good, w.d->now_s, 0, &o);
	EXPECT_EQ(1, o.seen);
	EXPECT_NEAR(20 * w.d->cfg.detect_rate, o.count, 0.05);
	EXPECT_GT(w.d->st.not_learned_suspicious, 20);
	fini(&w);
}

TEST(learn_mode_never_alerts_and_auto_switches_after_the_period)
{
	struct synth_world w;
	struct espy_detect_config c;
	struct synth_host a = SYNTH_HOST_A;
	struct synth_proc init, sshd, sh;

	espy_detect_config_default(&c);
	c.mode = ESPY_MODE_AUTO;
	c.learn_period_s = 600;
	c.baseline.entries = 1024;
	ASSERT_EQ(0, synth_world_init(&w, &c));
	synth_existing(&w, &init, 1, 0, 0, a, "/usr/lib/systemd/systemd", "init");
	synth_existing(&w, &sshd, 500, 1, 0, a, "/usr/sbin/sshd", "sshd");
	login(&w, &sshd, "10.0.0.2", "10.0.0.5", 40000, 91, &sh);
	synth_run(&w, &sh, "/usr/bin/ls", "ls", NULL);
	EXPECT_EQ(ESPY_MODE_LEARN, espy_detect_mode(w.d));
	synth_run(&w, &sh, "/usr/bin/bash", "bash -i", 0);
	{
		struct synth_proc r;

		synth_spawn(&w, &sh, &r, "/usr/bin/bash", "bash -i",
			    ESPY_EXEC_STDIN_SOCK | ESPY_EXEC_STDOUT_SOCK);
	}
	EXPECT_EQ(1, w.last.learning);
	EXPECT_GT(w.last.score, 50);
	EXPECT_EQ(0, w.nalerts);
	w.ts += 601ULL * 1000000000ULL;
	synth_run(&w, &sh, "/usr/bin/ls", "ls", NULL);
	EXPECT_EQ(ESPY_MODE_DETECT, espy_detect_mode(w.d));
	EXPECT_EQ(0, w.last.learning);
	/* a run-time choice wins over auto */
	ASSERT_EQ(0, espy_detect_set_mode(w.d, ESPY_MODE_LEARN));
	synth_run(&w, &sh, "/usr/bin/ls", "ls", NULL);
	EXPECT_EQ(1, w.last.learning);
	fini(&w);
}

TEST_HARNESS_MAIN
