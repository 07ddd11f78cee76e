/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ECS output: each record kind gives the ECS fields DESIGN.md section 7
 * names, nested so that `jq .process.pid` works; hostile paths stay valid
 * JSON; a verdict adds the espy.* and threat.* fields; output is
 * byte-for-byte deterministic for a given host and clock offset.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "json_check.h"
#include "records.h"
#include "pipeline.h"

#define SEC		1000000000ULL
/* 2024-05-01T12:00:00Z minus 100 s of boot time */
#define OFFSET		(1714564800LL * 1000000000LL - 100 * (int64_t)SEC)

struct lines {
	char *buf;
	size_t len;
	int n;
};

static int collect(void *ctx, const struct espy_event *ev, const char *json,
		   size_t len)
{
	struct lines *l = ctx;

	l->buf = realloc(l->buf, l->len + len + 1);
	memcpy(l->buf + l->len, json, len);
	l->len += len;
	l->buf[l->len] = '\0';
	l->n++;
	return 0;
}

/* the i-th line (0-based), NUL-terminated copy */
static char *line(struct lines *l, int i)
{
	static char out[65536];
	char *s = l->buf, *e;

	while (i-- > 0 && s && (s = strchr(s, '\n')))
		s++;
	if (!s || !*s)
		return NULL;
	e = strchr(s, '\n');
	snprintf(out, sizeof(out), "%.*s", (int)(e - s), s);
	return out;
}

static struct espy_pipeline *mkpipe(struct lines *l, int snapshots)
{
	struct espy_pipeline_opts po = { 0 };
	struct espy_host h = { .name = "lab1", .id = "0123456789abcdef" };
	struct espy_pipeline *p;

	po.host = &h;
	po.have_clock_offset = 1;
	po.clock_offset_ns = OFFSET;
	po.emit_snapshots = snapshots;
	if (espy_pipeline_init(&p, &po))
		return NULL;
	if (espy_pipeline_add_sink(p, "mem", collect, l) < 0)
		return NULL;
	return p;
}

FIXTURE(ecs) {
	struct lines l;
	struct espy_pipeline *p;
};

FIXTURE_SETUP(ecs)
{
	memset(&self->l, 0, sizeof(self->l));
	self->p = mkpipe(&self->l, 0);
	ASSERT_NE(NULL, self->p);
}

FIXTURE_TEARDOWN(ecs)
{
	espy_pipeline_fini(self->p);
	free(self->l.buf);
}

static char s[4096];

/* 0 when the raw JSON text at path is exactly want */
static int raw_is(const char *doc, const char *path, const char *want)
{
	const char *v;
	size_t vl;

	if (jc_get(doc, path, &v, &vl))
		return -1;
	return vl == strlen(want) && !memcmp(v, want, vl) ? 0 : 1;
}

#define STR(doc, path) (jc_get_str(doc, path, s, sizeof(s)) < 0 ? "<missing>" : s)

TEST_F(ecs, exec_fields)
{
	struct lines *l = &self->l;
	struct espy_pipeline *p = self->p;
	struct trec r;
	char *d, parent_id[4096];
	size_t len;

	len = trec_exec(&r, ESPY_EV_EXEC, 100 * SEC + 5, 100, 1 * SEC, 1, 0,
			"/bin/bash", "bash", 5, 1, "/root");
	ASSERT_EQ(0, espy_pipeline_feed(p, r.b, len));
	len = trec_exec(&r, ESPY_EV_EXEC, 101 * SEC, 200, 2 * SEC, 100, 1000,
			"/usr/bin/ssh", "ssh\0-i\0key \"x\"\0host", 20, 4, "/home/u");
	((struct espy_exec *)r.b)->tty_dev = (136 << 20) | 3;
	ASSERT_EQ(0, espy_pipeline_feed(p, r.b, len));
	ASSERT_EQ(2, l->n);
	d = line(l, 0);
	ASSERT_TRUE(jc_valid(d, strlen(d)));
	snprintf(parent_id, sizeof(parent_id), "%s", STR(d, "process.entity_id"));
	d = line(l, 1);
	ASSERT_TRUE(jc_valid(d, strlen(d))) TH_LOG("%s", d);
	EXPECT_STREQ("2024-05-01T12:00:01.000000000Z", STR(d, "@timestamp"));
	EXPECT_STREQ("event", STR(d, "event.kind"));
	EXPECT_STREQ("exec", STR(d, "event.action"));
	EXPECT_STREQ("process", STR(d, "event.category[0]"));
	EXPECT_STREQ("start", STR(d, "event.type[0]"));
	EXPECT_STREQ("2", STR(d, "event.id"));
	EXPECT_STREQ("success", STR(d, "event.outcome"));
	EXPECT_STREQ("lab1", STR(d, "host.name"));
	EXPECT_STREQ("0123456789abcdef", STR(d, "host.id"));
	EXPECT_EQ(200, jc_get_int(d, "process.pid", -1));
	EXPECT_EQ(200, jc_get_int(d, "process.thread.id", -1));
	EXPECT_STREQ("/usr/bin/ssh", STR(d, "process.executable"));
	EXPECT_STREQ("ssh", STR(d, "process.args[0]"));
	EXPECT_STREQ("key \"x\"", STR(d, "process.args[2]"));
	EXPECT_STREQ("host", STR(d, "process.args[3]"));
	EXPECT_FALSE(jc_has(d, "process.args[4]"));
	EXPECT_EQ(4, jc_get_int(d, "process.args_count", -1));
	EXPECT_STREQ("ssh -i key \"x\" host", STR(d, "process.command_line"));
	EXPECT_STREQ("/home/u", STR(d, "process.working_directory"));
	EXPECT_EQ(136, jc_get_int(d, "process.tty.char_device.major", -1));
	EXPECT_EQ(3, jc_get_int(d, "process.tty.char_device.minor", -1));
	EXPECT_STREQ("2024-05-01T11:58:22.000000000Z", STR(d, "process.start"));
	EXPECT_EQ(16, strlen(STR(d, "process.entity_id")));
	EXPECT_EQ(100, jc_get_int(d, "process.parent.pid", -1));
	EXPECT_STREQ("/bin/bash", STR(d, "process.parent.executable"));
	EXPECT_STREQ(parent_id, STR(d, "process.parent.entity_id"));
	EXPECT_STREQ("1000", STR(d, "user.id"));
	EXPECT_STREQ("1000", STR(d, "user.effective.id"));
	EXPECT_STREQ("1000", STR(d, "group.id"));
	EXPECT_STREQ("exec", STR(d, "espy.type"));
	EXPECT_EQ(4026531841LL, jc_get_int(d, "espy.mntns", -1));
	EXPECT_EQ(4026531840LL, jc_get_int(d, "espy.netns", -1));
	EXPECT_EQ(1, jc_get_int(d, "espy.cgroup_id", -1));
	EXPECT_FALSE(jc_has(d, "espy.auid"));	/* unset: (u32)-1 */
	EXPECT_FALSE(jc_has(d, "espy.score"));	/* not scored */
}

TEST_F(ecs, hostile_path_and_truncation)
{
	static const char path[] = "/tmp/\"a\\b\n\x01\xff\xc3(.sh";
	struct lines *l = &self->l;
	struct espy_pipeline *p = self->p;
	struct trec r;
	char *d;
	size_t len;

	len = trec_file(&r, ESPY_EV_OPEN, 100 * SEC, 300, 1, path,
			sizeof(path) - 1, NULL, 0x241 /* O_WRONLY|O_CREAT|O_TRUNC */, 3);
	((struct espy_file *)r.b)->hdr.flags = ESPY_F_TRUNC_PATH;
	((struct espy_file *)r.b)->mode = 0644;
	((struct espy_file *)r.b)->fflags = ESPY_FILE_CREATED;
	ASSERT_EQ(0, espy_pipeline_feed(p, r.b, len));
	d = line(l, 0);
	ASSERT_NE(NULL, d);
	ASSERT_TRUE(jc_valid(d, strlen(d))) TH_LOG("%s", d);
	EXPECT_STREQ("/tmp/\"a\\b\n\x01\xef\xbf\xbd\xef\xbf\xbd(.sh",
		     STR(d, "file.path"));
	EXPECT_STREQ("\"a\\b\n\x01\xef\xbf\xbd\xef\xbf\xbd(.sh", STR(d, "file.name"));
	EXPECT_STREQ("0644", STR(d, "file.mode"));
	EXPECT_STREQ("file", STR(d, "event.category[0]"));
	EXPECT_STREQ("creation", STR(d, "event.type[0]"));
	EXPECT_STREQ("O_WRONLY", STR(d, "espy.open_flags[0]"));
	EXPECT_STREQ("O_CREAT", STR(d, "espy.open_flags[1]"));
	EXPECT_STREQ("O_TRUNC", STR(d, "espy.open_flags[2]"));
	EXPECT_STREQ("trunc_path", STR(d, "espy.flags[0]"));
	EXPECT_EQ(0, raw_is(d, "espy.truncated", "true"));
	EXPECT_EQ(3, jc_get_int(d, "espy.ret", -1));
}

TEST_F(ecs, network_fields)
{
	struct lines *l = &self->l;
	struct espy_pipeline *p = self->p;
	uint8_t dst[4] = { 10, 0, 0, 7 }, src[4] = { 10, 0, 0, 1 };
	struct espy_net *n;
	struct trec r;
	char *d;
	size_t len;

	len = trec_net(&r, ESPY_EV_CONNECT, 100 * SEC, 400, 1, dst, 22, NULL, 0,
		       -ECONNREFUSED);
	ASSERT_EQ(0, espy_pipeline_feed(p, r.b, len));
	len = trec_net(&r, ESPY_EV_TCP_CLOSE, 100 * SEC, 400, 1, dst, 22, src,
		       40000, 0);
	n = (struct espy_net *)r.b;
	n->bytes_sent = 1000;
	n->bytes_recv = 24;
	ASSERT_EQ(0, espy_pipeline_feed(p, r.b, len));
	len = trec_net(&r, ESPY_EV_ACCEPT, 100 * SEC, 400, 1, dst, 5555, src,
		       22, 4);
	ASSERT_EQ(0, espy_pipeline_feed(p, r.b, len));

	len = trec_net(&r, ESPY_EV_CONNECT, 100 * SEC, 400, 1, dst, 22, NULL,
		       33920, -ECONNREFUSED);	/* port picked, address not */
	ASSERT_EQ(0, espy_pipeline_feed(p, r.b, len));
	/* a close in softirq: no task, but the socket's namespace */
	len = trec_net(&r, ESPY_EV_TCP_CLOSE, 100 * SEC, 0, 0, dst, 22, src,
		       40001, 0);
	n = (struct espy_net *)r.b;
	n->hdr.flags = ESPY_F_NO_TASK;
	n->hdr.ppid = n->hdr.uid = n->hdr.euid = n->hdr.gid = n->hdr.egid = 0;
	n->hdr.mntns = 0;
	n->hdr.netns = 4026532999U;
	n->hdr.cgroup_id = 0;
	memset(n->hdr.comm, 0, sizeof(n->hdr.comm));
	ASSERT_EQ(0, espy_pipeline_feed(p, r.b, len));
	d = line(l, 4);
	ASSERT_TRUE(jc_valid(d, strlen(d)));
	EXPECT_STREQ("tcp_close", STR(d, "event.action"));
	EXPECT_EQ(40001, jc_get_int(d, "source.port", -1));
	EXPECT_EQ(4026532999LL, jc_get_int(d, "espy.netns", -1));
	EXPECT_FALSE(jc_has(d, "espy.mntns"));	/* task fields: none */
	EXPECT_FALSE(jc_has(d, "process"));
	d = line(l, 3);
	EXPECT_EQ(33920, jc_get_int(d, "source.port", -1));
	EXPECT_FALSE(jc_has(d, "source.ip"));
	d = line(l, 0);
	ASSERT_TRUE(jc_valid(d, strlen(d)));
	EXPECT_STREQ("connect", STR(d, "event.action"));
	EXPECT_STREQ("failure", STR(d, "event.outcome"));
	EXPECT_STREQ("10.0.0.7", STR(d, "destination.ip"));
	EXPECT_EQ(22, jc_get_int(d, "destination.port", -1));
	EXPECT_FALSE(jc_has(d, "source"));	/* not bound yet */
	EXPECT_STREQ("tcp", STR(d, "network.transport"));
	EXPECT_STREQ("ipv4", STR(d, "network.type"));
	EXPECT_STREQ("egress", STR(d, "network.direction"));
	EXPECT_STREQ("ECONNREFUSED", STR(d, "espy.error"));
	d = line(l, 1);
	EXPECT_STREQ("tcp_close", STR(d, "event.action"));
	EXPECT_STREQ("10.0.0.1", STR(d, "source.ip"));
	EXPECT_EQ(40000, jc_get_int(d, "source.port", -1));
	EXPECT_EQ(1000, jc_get_int(d, "source.bytes", -1));
	EXPECT_EQ(24, jc_get_int(d, "destination.bytes", -1));
	EXPECT_EQ(1024, jc_get_int(d, "network.bytes", -1));
	d = line(l, 2);
	EXPECT_STREQ("accept", STR(d, "event.action"));
	EXPECT_STREQ("10.0.0.7", STR(d, "source.ip"));	/* the peer */
	EXPECT_EQ(22, jc_get_int(d, "destination.port", -1));
	EXPECT_STREQ("ingress", STR(d, "network.direction"));
}

static struct espy_verdict verdict;

static int detect(void *ctx, struct espy_event *ev)
{
	if (ev->hdr->type != ESPY_EV_OPEN)
		return 0;
	memset(&verdict, 0, sizeof(verdict));
	verdict.score = 87.5;
	verdict.severity = ESPY_SEV_HIGH;
	verdict.alert = 1;
	verdict.session_id = 18446744073709551615ULL;
	verdict.session_score = 91.25;
	verdict.ntech = 2;
	verdict.tech[0] = (struct espy_technique){ "T1003.008",
		"/etc/passwd and /etc/shadow", "credential-access" };
	verdict.tech[1] = (struct espy_technique){ "T1552.004", "Private Keys",
		"credential-access" };
	verdict.nreasons = 1;
	snprintf(verdict.reasons[0], sizeof(verdict.reasons[0]),
		 "first read of \"/etc/shadow\" by /usr/bin/python3");
	verdict.nevidence = 2;
	verdict.evidence[0] = 1;
	verdict.evidence[1] = ev->id;
	ev->verdict = &verdict;
	return 0;
}

TEST_F(ecs, verdict_fields)
{
	struct lines *l = &self->l;
	struct espy_pipeline *p = self->p;
	struct trec r;
	char *d;
	size_t len;

	espy_pipeline_set_detect(p, detect, NULL);
	len = trec_file(&r, ESPY_EV_OPEN, 100 * SEC, 500, 1, "/etc/shadow", 11,
			NULL, 0, 3);
	ASSERT_EQ(0, espy_pipeline_feed(p, r.b, len));
	d = line(l, 0);
	ASSERT_TRUE(jc_valid(d, strlen(d))) TH_LOG("%s", d);
	EXPECT_STREQ("alert", STR(d, "event.kind"));
	EXPECT_STREQ("access", STR(d, "event.type[0]"));
	EXPECT_EQ(3, jc_get_int(d, "event.severity", -1));
	EXPECT_EQ(0, raw_is(d, "espy.score", "87.5"));
	EXPECT_EQ(0, raw_is(d, "event.risk_score", "87.5"));
	EXPECT_EQ(0, raw_is(d, "espy.session.score", "91.25"));
	EXPECT_STREQ("high", STR(d, "espy.severity"));
	EXPECT_STREQ("first read of \"/etc/shadow\" by /usr/bin/python3",
		     STR(d, "espy.reasons[0]"));
	EXPECT_STREQ("18446744073709551615", STR(d, "espy.session.id"));
	EXPECT_STREQ("1", STR(d, "espy.evidence[0]"));
	EXPECT_STREQ("MITRE ATT&CK", STR(d, "threat.framework"));
	EXPECT_STREQ("T1003.008", STR(d, "threat.technique.id[0]"));
	EXPECT_STREQ("T1552.004", STR(d, "threat.technique.id[1]"));
	EXPECT_STREQ("Private Keys", STR(d, "threat.technique.name[1]"));
	EXPECT_STREQ("Credential Access", STR(d, "threat.tactic.name[0]"));
	EXPECT_FALSE(jc_has(d, "threat.tactic.name[1]"));	/* once */
	EXPECT_STREQ("TA0006", STR(d, "threat.tactic.id[0]"));
}

TEST(fork_exit_lost_and_snapshot)
{
	struct lines l = { 0 };
	struct espy_pipeline *p = mkpipe(&l, 1);
	uint64_t delta[ESPY_EV_MAX] = { 0 };
	struct trec r;
	char *d;
	size_t len;

	ASSERT_NE(NULL, p);
	len = trec_exec(&r, ESPY_EV_PROC, 90 * SEC, 600, 5 * ESPY_TICK_NS, 1, 0,
			"/usr/sbin/cron", "cron\0-f", 8, 2, "/");
	ASSERT_EQ(0, espy_pipeline_feed(p, r.b, len));
	len = trec_fork(&r, 100 * SEC, 600, 5 * ESPY_TICK_NS + 77, 1, 601, 99 * SEC);
	ASSERT_EQ(0, espy_pipeline_feed(p, r.b, len));
	len = trec_exit(&r, 101 * SEC, 601, 99 * SEC, 600, 9);	/* SIGKILL */
	ASSERT_EQ(0, espy_pipeline_feed(p, r.b, len));
	delta[ESPY_EV_OPEN] = 5;
	delta[ESPY_EV_EXEC] = 2;
	ASSERT_EQ(0, espy_pipeline_lost(p, delta, 102 * SEC));
	memset(delta, 0, sizeof(delta));
	ASSERT_EQ(0, espy_pipeline_lost(p, delta, 103 * SEC));	/* no-op */
	ASSERT_EQ(4, l.n);

	d = line(&l, 0);
	EXPECT_STREQ("process_snapshot", STR(d, "event.action"));
	EXPECT_STREQ("state", STR(d, "event.kind"));
	EXPECT_STREQ("cron -f", STR(d, "process.command_line"));
	d = line(&l, 1);
	EXPECT_STREQ("fork", STR(d, "event.action"));
	EXPECT_EQ(601, jc_get_int(d, "process.pid", -1));
	EXPECT_STREQ("/usr/sbin/cron", STR(d, "process.executable"));
	EXPECT_EQ(600, jc_get_int(d, "process.parent.pid", -1));
	d = line(&l, 2);
	EXPECT_STREQ("exit", STR(d, "event.action"));
	EXPECT_STREQ("end", STR(d, "event.type[0]"));
	EXPECT_EQ(137, jc_get_int(d, "process.exit_code", -1));
	EXPECT_EQ(9, jc_get_int(d, "espy.signal", -1));
	EXPECT_STREQ("/usr/sbin/cron", STR(d, "process.executable"));
	EXPECT_EQ(600, jc_get_int(d, "process.parent.pid", -1));
	d = line(&l, 3);
	EXPECT_STREQ("records_lost", STR(d, "event.action"));
	EXPECT_EQ(7, jc_get_int(d, "espy.lost.total", -1));
	EXPECT_EQ(5, jc_get_int(d, "espy.lost.by_type.open", -1));
	EXPECT_EQ(2, jc_get_int(d, "espy.lost.by_type.exec", -1));
	EXPECT_FALSE(jc_has(d, "process"));
	EXPECT_EQ(7, espy_pipeline_stats(p)->lost_reported);
	EXPECT_EQ(5, espy_pipeline_stats(p)->lost_by_type[ESPY_EV_OPEN]);
	espy_pipeline_fini(p);
	free(l.buf);
}

/* Same records, same host and offset: same bytes. */
TEST(deterministic_output)
{
	struct lines a = { 0 }, b = { 0 };
	struct espy_pipeline *p = mkpipe(&a, 0), *q = mkpipe(&b, 0);
	uint8_t dst[4] = { 192, 168, 1, 1 };
	struct trec r;
	int i;

	ASSERT_NE(NULL, p);
	ASSERT_NE(NULL, q);
	espy_pipeline_set_detect(p, detect, NULL);
	espy_pipeline_set_detect(q, detect, NULL);
	for (i = 0; i < 200; i++) {
		size_t len;

		switch (i % 4) {
		case 0:
			len = trec_exec(&r, ESPY_EV_EXEC, i * SEC, 1000 + i, i,
					1000 + i / 2, i, "/bin/x", "x\0y", 3, 2, "/");
			break;
		case 1:
			len = trec_fork(&r, i * SEC, 1000 + i - 1, i - 1, 1,
					2000 + i, i * SEC);
			break;
		case 2:
			len = trec_file(&r, ESPY_EV_OPEN, i * SEC, 1000 + i - 2,
					i - 2, "/etc/shadow", 11, NULL, 0, 3);
			break;
		default:
			len = trec_net(&r, ESPY_EV_CONNECT, i * SEC, 1000 + i - 3,
				       i - 3, dst, 443, NULL, 0, 0);
		}
		espy_pipeline_feed(p, r.b, len);
		espy_pipeline_feed(q, r.b, len);
	}
	ASSERT_EQ(200, a.n);
	ASSERT_EQ(a.len, b.len);
	EXPECT_EQ(0, memcmp(a.buf, b.buf, a.len));
	espy_pipeline_fini(p);
	espy_pipeline_fini(q);
	free(a.buf);
	free(b.buf);
}

TEST(entity_id_is_stable_and_tick_based)
{
	char a[17], b[17], c[17], d[17];

	espy_entity_id("host1", 42, 123 * ESPY_TICK_NS, a);
	espy_entity_id("host1", 42, 123 * ESPY_TICK_NS + 999, b);
	espy_entity_id("host1", 43, 123 * ESPY_TICK_NS, c);
	espy_entity_id("host2", 42, 123 * ESPY_TICK_NS, d);
	EXPECT_STREQ(a, b);
	EXPECT_STRNE(a, c);
	EXPECT_STRNE(a, d);
	EXPECT_EQ(16, strlen(a));
}

/* The hand-written calendar agrees with the C library's, second by second
 * across leap days, centuries and the epoch. */
TEST(rfc3339_matches_gmtime)
{
	static const int64_t probes[] = {
		0, 1, 59, 951782399, 951782400, 951868800, 4107542400LL,
		4107456000LL, 1709164800, 1735689599, 9223372035LL,	/* 2262 */
	};
	char got[64], want[64];
	uint64_t x = 12345;
	size_t i;
	int k;

	for (k = 0; k < 20000 + (int)(sizeof(probes) / sizeof(probes[0])); k++) {
		int64_t sec;
		struct tm tm;
		time_t t;

		if (k < (int)(sizeof(probes) / sizeof(probes[0]))) {
			sec = probes[k];
		} else {
			x ^= x << 13; x ^= x >> 7; x ^= x << 17;
			sec = x % 9223372036ULL;	/* int64 ns reach 2262 */
		}
		t = sec;
		ASSERT_NE(NULL, gmtime_r(&t, &tm));
		i = strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(want + i, sizeof(want) - i, ".%09dZ", 123456789);
		ASSERT_EQ(30, espy_rfc3339(sec * 1000000000LL + 123456789, got,
					    sizeof(got)));
		ASSERT_STREQ(want, got);
	}
	/* before the epoch the fraction still counts forwards */
	espy_rfc3339(-1, got, sizeof(got));
	EXPECT_STREQ("1969-12-31T23:59:59.999999999Z", got);
}

/* jq, when present, reads every line and finds the nested fields. */
TEST_F(ecs, jq_reads_the_stream)
{
	struct lines *l = &self->l;
	struct espy_pipeline *p = self->p;
	char path[] = "/tmp/espy-ecs-XXXXXX", cmd[256], out[256];
	struct trec r;
	FILE *f;
	int fd;

	if (system("command -v jq >/dev/null 2>&1") != 0)
		SKIP(return, "jq is not installed");
	espy_pipeline_feed(p, r.b, trec_exec(&r, ESPY_EV_EXEC, SEC, 7, 1, 1, 0,
					     "/bin/\xff\"q", "a\0\x01", 3, 2, "/"));
	espy_pipeline_feed(p, r.b, trec_file(&r, ESPY_EV_UNLINK, SEC, 7, 1,
					     "/x\ny", 4, NULL, 0, 0));
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	ASSERT_EQ(l->len, write(fd, l->buf, l->len));
	close(fd);
	snprintf(cmd, sizeof(cmd), "jq -c '[.process.pid, .event.action, "
		 ".process.executable, .file.path]' %s", path);
	f = popen(cmd, "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(out, sizeof(out), f));
	EXPECT_STREQ("[7,\"exec\",\"/bin/\xef\xbf\xbd\\\"q\",null]\n", out);
	ASSERT_NE(NULL, fgets(out, sizeof(out), f));
	EXPECT_STREQ("[7,\"unlink\",\"/bin/\xef\xbf\xbd\\\"q\",\"/x\\ny\"]\n", out);
	EXPECT_EQ(0, pclose(f));
	unlink(path);
}

TEST_HARNESS_MAIN
