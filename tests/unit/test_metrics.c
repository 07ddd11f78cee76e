/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Metrics: the exposition text from real components (a pipeline fed real
 * records, a control server, outputs, a source's drop and hook reports),
 * checked line by line and by `promtool check metrics`; and the HTTP
 * server that serves it, including malformed requests.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include "kselftest_harness.h"
#include "detect.h"
#include "httpd.h"
#include "metrics.h"
#include "output.h"
#include "pipeline.h"
#include "source.h"

/* ---- a fake source: what a driver reports about drops and hooks ---- */

static int fake_drops(void *src, uint64_t by_type[ESPY_EV_MAX])
{
	memset(by_type, 0, ESPY_EV_MAX * sizeof(*by_type));
	by_type[ESPY_EV_OPEN] = 7;
	by_type[ESPY_EV_EXEC] = 2;
	return 0;
}

static int fake_hooks(void *src, struct espy_hook_status *out, int max)
{
	static const struct espy_hook_status h[] = {
		{ "tp_btf/sched_process_exec", 1, 0 },
		{ "fentry/security_file_open", 0, -EPERM },
	};

	for (int i = 0; i < 2 && i < max; i++)
		out[i] = h[i];
	return 2;
}

static const struct espy_source_ops fake_ops = {
	.name = "fake", .drops = fake_drops, .hooks = fake_hooks,
};

static void exit_record(struct espy_exit *r, uint32_t pid)
{
	memset(r, 0, sizeof(*r));
	r->hdr.type = ESPY_EV_EXIT;
	r->hdr.size = sizeof(*r);
	r->hdr.tgid = r->hdr.tid = pid;
	r->hdr.ppid = 1;
	r->hdr.ts_ns = 1000000000ULL;
	r->hdr.start_ns = 500000000ULL;
	r->hdr.auid = r->hdr.sessionid = (uint32_t)-1;
	memcpy(r->hdr.comm, "true", 4);
}

static int has_line(const char *text, const char *line)
{
	size_t n = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p += n)
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
	return 0;
}

static int run_promtool(const char *text, size_t len, char *out, size_t outlen)
{
	int in[2], res[2], st;
	pid_t pid;
	ssize_t n, got = 0;

	if (pipe(in) || pipe(res))
		return -1;
	pid = fork();
	if (pid == 0) {
		dup2(in[0], 0);
		dup2(res[1], 1);
		dup2(res[1], 2);
		close(in[1]);
		close(res[0]);
		execlp("promtool", "promtool", "check", "metrics", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(res[1]);
	(void)!write(in[1], text, len);
	close(in[1]);
	while ((n = read(res[0], out + got, outlen - 1 - got)) > 0)
		got += n;
	out[got] = '\0';
	close(res[0]);
	waitpid(pid, &st, 0);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

FIXTURE(render) {
	struct espy_metrics m;
	struct espy_prom p;
	struct espy_pipeline *pipe;
	struct espy_source src;
	struct espy_out_file *log;
};

FIXTURE_SETUP(render)
{
	struct espy_pipeline_opts o = { 0 };
	struct espy_out_level lvl = { .min_score = 50 };
	struct espy_exit r;
	char path[] = "/tmp/espy-metrics-log-XXXXXX";
	int fd = mkstemp(path);

	ASSERT_GE(fd, 0);
	close(fd);
	espy_metrics_init(&self->m);
	espy_prom_init(&self->p);
	ASSERT_EQ(0, espy_pipeline_init(&self->pipe, &o));
	for (uint32_t pid = 100; pid < 103; pid++) {
		exit_record(&r, pid);
		ASSERT_EQ(0, espy_pipeline_feed(self->pipe, &r, sizeof(r)));
	}
	/* one record that does not decode */
	exit_record(&r, 104);
	r.hdr.size = 7;
	ASSERT_NE(0, espy_pipeline_feed(self->pipe, &r, sizeof(r)));
	self->src.ops = &fake_ops;
	ASSERT_EQ(0, espy_out_file_open(&self->log, path, &lvl));
	unlink(path);
	self->m.pipeline = self->pipe;
	self->m.source = &self->src;
	self->m.log_file = self->log;
	self->m.driver = "bpf";
}

FIXTURE_TEARDOWN(render)
{
	espy_out_file_close(self->log);
	espy_pipeline_fini(self->pipe);
	espy_prom_fini(&self->p);
}

static void observe(struct espy_metrics *m, double score, enum espy_severity sev,
		    int alert, const char *tech, uint64_t lat_ns)
{
	struct espy_hdr h = { .ts_ns = 5000000000ULL, .type = ESPY_EV_OPEN };
	struct espy_verdict v = { .score = score, .severity = sev, .alert = alert };
	struct espy_event ev = { .hdr = &h, .verdict = &v };

	if (tech) {
		v.ntech = 1;
		v.tech[0].id = tech;
	}
	espy_metrics_observe(&m->stream, &ev, h.ts_ns + lat_ns);
}

TEST_F(render, families_and_values)
{
	const char *t;

	observe(&self->m, 5, ESPY_SEV_NONE, 0, NULL, 0);
	observe(&self->m, 45, ESPY_SEV_MEDIUM, 0, NULL, 0);
	observe(&self->m, 92, ESPY_SEV_CRITICAL, 1, "T1003.008", 3000000);	/* 3 ms */
	observe(&self->m, 95, ESPY_SEV_CRITICAL, 1, "T1003.008", 700000000);	/* 0.7 s */
	self->m.reloads_failed = 1;
	ASSERT_EQ(0, espy_metrics_render(&self->m, &self->p));
	t = self->p.buf;

	ASSERT_TRUE(has_line(t, "# TYPE espy_events_total counter"));
	ASSERT_TRUE(has_line(t, "espy_events_total{type=\"exit\"} 3")) TH_LOG("%s", t);
	ASSERT_TRUE(has_line(t, "espy_events_total{type=\"exec\"} 0"));
	ASSERT_TRUE(has_line(t, "espy_records_total 4"));
	ASSERT_TRUE(has_line(t, "espy_decode_errors_total{reason=\"size_mismatch\"} 1"));
	ASSERT_TRUE(has_line(t, "espy_kernel_drops_total{type=\"open\",reason=\"buffer_full\"} 7"));
	ASSERT_TRUE(has_line(t, "espy_kernel_drops_total{type=\"exec\",reason=\"buffer_full\"} 2"));
	ASSERT_TRUE(has_line(t, "espy_hook_attached{hook=\"tp_btf/sched_process_exec\"} 1"));
	ASSERT_TRUE(has_line(t, "espy_hook_attached{hook=\"fentry/security_file_open\"} 0"));
	ASSERT_TRUE(has_line(t, "espy_scored_events_total{severity=\"critical\"} 2"));
	ASSERT_TRUE(has_line(t, "espy_scored_events_total{severity=\"medium\"} 1"));
	ASSERT_TRUE(has_line(t, "espy_alerts_total{technique=\"T1003.008\",severity=\"critical\"} 2"));
	ASSERT_TRUE(has_line(t, "# TYPE espy_event_score histogram"));
	ASSERT_TRUE(has_line(t, "espy_event_score_bucket{le=\"10\"} 1"));
	ASSERT_TRUE(has_line(t, "espy_event_score_bucket{le=\"50\"} 2"));
	ASSERT_TRUE(has_line(t, "espy_event_score_bucket{le=\"+Inf\"} 4"));
	ASSERT_TRUE(has_line(t, "espy_event_score_sum 237"));
	ASSERT_TRUE(has_line(t, "espy_event_score_count 4"));
	ASSERT_TRUE(has_line(t, "espy_alert_latency_seconds_bucket{le=\"0.0025\"} 0"));
	ASSERT_TRUE(has_line(t, "espy_alert_latency_seconds_bucket{le=\"0.005\"} 1"));
	ASSERT_TRUE(has_line(t, "espy_alert_latency_seconds_bucket{le=\"1\"} 2"));
	ASSERT_TRUE(has_line(t, "espy_alert_latency_seconds_count 2"));
	ASSERT_TRUE(has_line(t, "espy_processes_tracked 0") ||
		    strstr(t, "\nespy_processes_tracked "));
	ASSERT_TRUE(has_line(t, "espy_config_reloads_total{result=\"error\"} 1"));
	ASSERT_NE(NULL, strstr(t, "espy_build_info{version=\""));
	ASSERT_NE(NULL, strstr(t, "\nprocess_cpu_seconds_total "));
	ASSERT_NE(NULL, strstr(t, "\nprocess_resident_memory_bytes "));
	/* the log filters below score 50: unscored exits were filtered */
	ASSERT_TRUE(has_line(t, "espy_output_events_total{output=\"file\"} 0"));
	/* every sample's family has HELP and TYPE */
	for (const char *l = t; *l; l = strchr(l, '\n') + 1) {
		char fam[128], pat[160];
		size_t n = strcspn(l, "{ ");

		if (*l != '#') {
			ASSERT_LT(n, sizeof(fam));
			memcpy(fam, l, n);
			fam[n] = '\0';
			/* histogram series belong to the base family */
			for (const char *suf = "_bucket\0_sum\0_count\0"; *suf; suf += strlen(suf) + 1) {
				size_t sl = strlen(suf);

				if (n > sl && !strcmp(fam + n - sl, suf)) {
					char base[128];

					snprintf(base, sizeof(base), "%.*s", (int)(n - sl), fam);
					snprintf(pat, sizeof(pat), "# TYPE %s histogram", base);
					if (strstr(t, pat))
						strcpy(fam, base);
				}
			}
			snprintf(pat, sizeof(pat), "# HELP %s ", fam);
			EXPECT_NE(NULL, strstr(t, pat)) TH_LOG("no HELP for %s", fam);
		}
		if (!strchr(l, '\n'))
			break;
	}
}

/* What the tables cannot hold, and the server's failures, still show. */
TEST_F(render, overflow_and_http_errors_counted)
{
	static char tech[ESPY_METRICS_MAX_TECH + 3][16];

	for (int i = 0; i < ESPY_METRICS_MAX_TECH + 3; i++) {
		snprintf(tech[i], sizeof(tech[i]), "T%04d", 1000 + i);
		observe(&self->m, 90, ESPY_SEV_HIGH, 1, tech[i], 0);
	}
	self->m.http_errors = 5;
	ASSERT_EQ(0, espy_metrics_render(&self->m, &self->p));
	EXPECT_TRUE(has_line(self->p.buf, "espy_alerts_uncounted_total 3"));
	EXPECT_TRUE(has_line(self->p.buf, "espy_metrics_http_errors_total 5"));
	EXPECT_TRUE(has_line(self->p.buf,
			     "espy_alerts_total{technique=\"T1000\",severity=\"high\"} 1"));
}

TEST_F(render, label_values_escaped)
{
	observe(&self->m, 90, ESPY_SEV_HIGH, 1, "T\"1\\0\n1", 0);
	ASSERT_EQ(0, espy_metrics_render(&self->m, &self->p));
	ASSERT_NE(NULL, strstr(self->p.buf, "technique=\"T\\\"1\\\\0\\n1\""));
}

TEST_F(render, promtool_accepts)
{
	char out[8192];
	int r;

	if (system("command -v promtool >/dev/null 2>&1"))
		SKIP(return, "promtool not installed (Debian package prometheus)");
	observe(&self->m, 92, ESPY_SEV_CRITICAL, 1, "T1003.008", 3000000);
	observe(&self->m, 30, ESPY_SEV_LOW, 0, NULL, 0);
	ASSERT_EQ(0, espy_metrics_render(&self->m, &self->p));
	r = run_promtool(self->p.buf, self->p.len, out, sizeof(out));
	ASSERT_EQ(0, r) TH_LOG("promtool: %s", out);
	/* promtool lints too: no findings at all */
	ASSERT_EQ(0U, strlen(out)) TH_LOG("promtool: %s", out);
}

/* The detection engine's families, from a real engine's stats. */
TEST_F(render, detection_families)
{
	struct espy_detect_config dc;
	struct espy_detect *det;
	char out[8192];
	const char *t;

	espy_detect_config_default(&dc);
	dc.mode = ESPY_MODE_LEARN;
	ASSERT_EQ(0, espy_detect_new(&det, &dc));
	ASSERT_EQ(0, espy_metrics_add_extra(&self->m, espy_metrics_detect, det));
	ASSERT_EQ(0, espy_metrics_render(&self->m, &self->p));
	t = self->p.buf;
	EXPECT_TRUE(has_line(t, "espy_learning 1"));
	EXPECT_TRUE(has_line(t, "espy_detection_mode{mode=\"learn\"} 1"));
	EXPECT_TRUE(has_line(t, "espy_detection_mode{mode=\"detect\"} 0"));
	EXPECT_TRUE(has_line(t, "espy_sessions_tracked 0"));
	EXPECT_NE(NULL, strstr(t, "\nespy_baseline_entries{kind=\""));
	EXPECT_TRUE(has_line(t, "espy_technique_hits_total{technique=\"T1003.008\"} 0"));
	if (!system("command -v promtool >/dev/null 2>&1")) {
		ASSERT_EQ(0, run_promtool(t, self->p.len, out, sizeof(out))) TH_LOG("%s", out);
		ASSERT_EQ(0U, strlen(out)) TH_LOG("promtool: %s", out);
	}
	espy_detect_free(det);
}

/* ---- HTTP ---- */

static int render_cb(void *ctx, struct espy_prom *p)
{
	espy_prom_reset(p);
	espy_prom_family(p, "espy_test_total", "counter", "A test counter.");
	espy_prom_u64(p, "espy_test_total", 42, NULL);
	return p->err;
}

/* Send req, pump the server, return the whole response. */
static int http(struct espy_httpd *h, const char *req, size_t reqlen,
		char *out, size_t outlen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	size_t got = 0;

	sa.sin_port = htons(espy_httpd_port(h));
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)))
		return -1;
	(void)!send(fd, req, reqlen, MSG_NOSIGNAL);
	for (int spins = 0; spins < 3000; spins++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		espy_httpd_dispatch(h);
		if (poll(&p, 1, 1) != 1)
			continue;
		n = recv(fd, out + got, outlen - 1 - got, 0);
		if (n <= 0)
			break;
		got += n;
	}
	out[got] = '\0';
	close(fd);
	return (int)got;
}

FIXTURE(httpd) {
	struct espy_httpd *h;
};

FIXTURE_SETUP(httpd)
{
	struct espy_listen l = { .enabled = 1, .host = "127.0.0.1", .port = 0 };

	ASSERT_EQ(0, espy_httpd_open(&self->h, &l, render_cb, NULL));
	ASSERT_NE(0, espy_httpd_port(self->h));
}

FIXTURE_TEARDOWN(httpd)
{
	espy_httpd_close(self->h);
}

#define REQ(s) s, sizeof(s) - 1

TEST_F(httpd, get_metrics)
{
	char out[4096];

	ASSERT_GT(http(self->h, REQ("GET /metrics HTTP/1.1\r\nHost: x\r\nAccept: */*\r\n\r\n"),
		       out, sizeof(out)), 0);
	ASSERT_EQ(0, strncmp(out, "HTTP/1.0 200 OK\r\n", 17));
	ASSERT_NE(NULL, strstr(out, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	ASSERT_NE(NULL, strstr(out, "\r\n\r\n# HELP espy_test_total A test counter.\n"
				    "# TYPE espy_test_total counter\nespy_test_total 42\n"));
	ASSERT_NE(NULL, strstr(out, "Content-Length: 89\r\n"));
	ASSERT_EQ(1U, espy_httpd_stats(self->h)->scrapes);
}

TEST_F(httpd, bad_requests)
{
	char out[4096], big[ESPY_HTTPD_REQ_MAX + 100];

	ASSERT_GT(http(self->h, REQ("GET /nope HTTP/1.0\r\n\r\n"), out, sizeof(out)), 0);
	ASSERT_EQ(0, strncmp(out, "HTTP/1.0 404 Not Found\r\n", 24));
	ASSERT_GT(http(self->h, REQ("POST /metrics HTTP/1.0\r\n\r\n"), out, sizeof(out)), 0);
	ASSERT_EQ(0, strncmp(out, "HTTP/1.0 405 ", 13));
	ASSERT_GT(http(self->h, REQ("\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03\n\n"), out, sizeof(out)), 0);
	ASSERT_EQ(0, strncmp(out, "HTTP/1.0 400 Bad Request\r\n", 26));
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	ASSERT_GT(http(self->h, big, sizeof(big), out, sizeof(out)), 0);
	ASSERT_EQ(0, strncmp(out, "HTTP/1.0 431 ", 13));
	ASSERT_GT(http(self->h, REQ("HEAD /metrics HTTP/1.0\r\n\r\n"), out, sizeof(out)), 0);
	ASSERT_EQ(0, strncmp(out, "HTTP/1.0 200 OK\r\n", 17));
	ASSERT_NE(NULL, strstr(out, "\r\n\r\n"));
	ASSERT_EQ('\0', strstr(out, "\r\n\r\n")[4]);
	/* and it still serves */
	ASSERT_GT(http(self->h, REQ("GET /metrics?x=1 HTTP/1.0\r\n\r\n"), out, sizeof(out)), 0);
	ASSERT_EQ(0, strncmp(out, "HTTP/1.0 200 OK\r\n", 17));
	ASSERT_EQ(4U, espy_httpd_stats(self->h)->errors);
}

TEST_F(httpd, port_in_use)
{
	struct espy_listen l = { .enabled = 1, .host = "127.0.0.1" };
	struct espy_httpd *h2;

	l.port = espy_httpd_port(self->h);
	ASSERT_EQ(-EADDRINUSE, espy_httpd_open(&h2, &l, render_cb, NULL));
}

TEST_HARNESS_MAIN
