/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The configuration parser: defaults without a file, every key settable,
 * and every kind of error reported with file and line, leaving the
 * previous configuration untouched.
 */
/* the harness's EXPECT_* compare mixed signedness */
#pragma GCC diagnostic ignored "-Wsign-compare"
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "kselftest_harness.h"
#include "config.h"
#include "detect.h"
#include "event.h"

static int load(struct espy_config *c, const char *text, char *err, size_t len)
{
	return espy_config_load_string(c, text, "t.conf", err, len);
}

/* The error text for text must contain want (e.g. "t.conf:3: unknown key"). */
#define EXPECT_CONF_ERROR(text, want) do {				\
	struct espy_config c, before;					\
	char err[2048];							\
	espy_config_defaults(&c);					\
	before = c;							\
	ASSERT_EQ(-EINVAL, load(&c, text, err, sizeof(err)));		\
	if (!strstr(err, want))						\
		TH_LOG("got: %s", err);					\
	ASSERT_NE(NULL, strstr(err, want));				\
	ASSERT_EQ(0, memcmp(&c, &before, sizeof(c)));			\
} while (0)

TEST(defaults_without_file)
{
	struct espy_config c, d;
	char err[256];

	espy_config_defaults(&d);
	c = d;
	ASSERT_EQ(0, espy_config_load(&c, "/nonexistent/espy.conf", 1, err, sizeof(err)));
	ASSERT_EQ(0, memcmp(&c, &d, sizeof(c)));
	ASSERT_STREQ("/var/log/espy/events.json", c.log_file);
	ASSERT_STREQ("/run/espy/espyd.sock", c.ctl_socket);
	ASSERT_EQ(0600U, c.ctl_mode);
	ASSERT_STREQ("127.0.0.1", c.metrics.host);
	ASSERT_EQ(ESPY_METRICS_PORT, c.metrics.port);
	ASSERT_EQ(7ULL * 86400, c.learn_period_s);
	/* an explicitly named file that is missing is an error */
	ASSERT_EQ(-ENOENT, espy_config_load(&c, "/nonexistent/espy.conf", 0, err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "/nonexistent/espy.conf: cannot open"));
}

TEST(every_key_parses)
{
	struct espy_config c;
	char err[1024];
	const char *text =
		"# comment\n"
		"; another\n"
		"[daemon]\n"
		"driver = kmod\n"
		"state_dir = /srv/espy\n"
		"[detection]\n"
		"mode = learn\n"
		"learn_period = 36h\n"
		"[log]\n"
		"file = /tmp/x/events.json\n"
		"min_score = 40\n"
		"min_severity = medium\n"
		"stdout = no\n"
		"[syslog]\n"
		"enabled = yes\n"
		"target = udp:192.0.2.1:514\n"
		"facility = local3\n"
		"min_score = 70\n"
		"min_severity = critical\n"
		"[control]\n"
		"socket = /run/x.sock\n"
		"mode = 0660\n"
		"group = espy-ops\n"
		"max_clients = 4\n"
		"client_buffer = 512K\n"
		"[metrics]\n"
		"listen = [::1]:9999\n";

	espy_config_defaults(&c);
	ASSERT_EQ(0, load(&c, text, err, sizeof(err)));
	ASSERT_EQ(ESPY_DRIVER_KMOD, (int)c.driver);
	ASSERT_STREQ("/srv/espy", c.state_dir);
	ASSERT_EQ(ESPY_MODE_LEARN, (int)c.mode);
	ASSERT_EQ(36ULL * 3600, c.learn_period_s);
	ASSERT_STREQ("/tmp/x/events.json", c.log_file);
	ASSERT_EQ(40, c.log_min_score);
	ASSERT_EQ(ESPY_SEV_MEDIUM, c.log_min_severity);
	ASSERT_EQ(ESPY_NO, c.log_stdout);
	ASSERT_EQ(1, c.syslog_enabled);
	ASSERT_STREQ("udp:192.0.2.1:514", c.syslog_target);
	ASSERT_EQ(19, c.syslog_facility);
	ASSERT_EQ(70, c.syslog_min_score);
	ASSERT_EQ(ESPY_SEV_CRITICAL, c.syslog_min_severity);
	ASSERT_STREQ("/run/x.sock", c.ctl_socket);
	ASSERT_EQ(0660U, c.ctl_mode);
	ASSERT_STREQ("espy-ops", c.ctl_group);
	ASSERT_EQ(4, c.ctl_max_clients);
	ASSERT_EQ(512ULL * 1024, c.ctl_client_buffer);
	ASSERT_EQ(1, c.metrics.enabled);
	ASSERT_STREQ("::1", c.metrics.host);
	ASSERT_EQ(9999, c.metrics.port);
}

/* What espy_config_write() prints loads back to the same configuration. */
TEST(write_round_trip)
{
	struct espy_config c, back;
	char err[256], *text = NULL;
	size_t len = 0;
	FILE *f;

	espy_config_defaults(&c);
	ASSERT_EQ(0, espy_config_set(&c, "metrics.listen", "off", err, sizeof(err)));
	ASSERT_EQ(0, espy_config_set(&c, "log.file", "", err, sizeof(err)));
	ASSERT_EQ(0, espy_config_set(&c, "detection.learn_period", "90m", err, sizeof(err)));
	f = open_memstream(&text, &len);
	ASSERT_NE(NULL, f);
	ASSERT_EQ(0, espy_config_write(&c, f));
	fclose(f);
	espy_config_defaults(&back);
	ASSERT_EQ(0, load(&back, text, err, sizeof(err))) TH_LOG("%s\n%s", err, text);
	ASSERT_EQ(0, memcmp(&c, &back, sizeof(c)));
	ASSERT_EQ(0, back.metrics.enabled);
	ASSERT_EQ(5400ULL, back.learn_period_s);
	free(text);
}

/* etc/espy.conf documents every key, and loads cleanly. */
TEST(example_file_documents_every_key)
{
	struct espy_config c;
	char err[1024], name[64], *text = NULL;
	const char *path = "etc/espy.conf";
	size_t cap = 0;
	ssize_t n;
	FILE *f = fopen(path, "r");

	if (!f)
		SKIP(return, "%s not found (run from the source tree)", path);
	n = getdelim(&text, &cap, '\0', f);
	fclose(f);
	ASSERT_GT(n, 0);
	for (int i = 0; i < espy_config_nkeys(); i++) {
		char *dot, sec[40], pat[80];
		const char *start, *end, *hit;

		espy_config_key_name(i, name, sizeof(name));
		dot = strchr(name, '.');
		snprintf(sec, sizeof(sec), "\n[%.*s]\n", (int)(dot - name), name);
		/* commented out as "#key =" inside its own [section] */
		snprintf(pat, sizeof(pat), "\n#%s =", dot + 1);
		start = strstr(text, sec);
		ASSERT_NE(NULL, start) TH_LOG("section of %s missing", name);
		end = strstr(start + 1, "\n[");
		hit = strstr(start, pat);
		EXPECT_TRUE(hit && (!end || hit < end)) TH_LOG("%s is not documented", name);
	}
	espy_config_defaults(&c);
	ASSERT_EQ(0, espy_config_load(&c, path, 0, err, sizeof(err))) TH_LOG("%s", err);
	free(text);
}

/*
 * [detection] thresholds and table sizes: the defaults are the engine's
 * own, every key reaches the engine's configuration, bad values are
 * refused.
 */
TEST(detection_tuning)
{
	struct espy_detect_config def, dc;
	struct espy_detect *d = NULL;
	struct espy_config c;
	char err[1024];
	const char *text =
		"[detection]\n"
		"alert_score = 72.5\n"
		"chain_min = 4\n"
		"tactic_min = 25\n"
		"critical_event = 95\n"
		"suspicious = 35\n"
		"min_learned = 500\n"
		"detect_rate = 0.01\n"
		"tactic_half_life = 2h\n"
		"max_processes = 65536\n"
		"max_sessions = 4096\n"
		"session_idle = 30m\n"
		"baseline_entries = 131072\n"
		"baseline_half_life = 4w\n"
		"fanout_window = 2m\n"
		"fanout_hosts = 12\n"
		"fanout_ports = 20\n"
		"discovery_window = 10m\n"
		"discovery_burst = 5\n"
		"exfil_bytes = 8M\n"
		"hop_ttl = 90s\n";

	espy_detect_config_default(&def);
	espy_config_defaults(&c);
	espy_config_detect(&c, &dc);
	ASSERT_EQ(0, memcmp(&def, &dc, sizeof(dc)));

	ASSERT_EQ(0, load(&c, text, err, sizeof(err))) TH_LOG("%s", err);
	espy_config_detect(&c, &dc);
	EXPECT_EQ(72.5, dc.alert_score);
	EXPECT_EQ(4, dc.chain_min);
	EXPECT_EQ(25, dc.tactic_min);
	EXPECT_EQ(95, dc.critical_event);
	EXPECT_EQ(35, dc.suspicious);
	EXPECT_EQ(500, dc.min_learned);
	EXPECT_EQ(0.01, dc.detect_rate);
	EXPECT_EQ(7200U, dc.tactic_half_life_s);
	EXPECT_EQ(65536U, dc.max_procs);
	EXPECT_EQ(4096U, dc.max_sessions);
	EXPECT_EQ(1800U, dc.session_idle_s);
	EXPECT_EQ(131072U, dc.baseline.entries);
	EXPECT_EQ(28U * 86400, dc.baseline.half_life_s);
	EXPECT_EQ(120U, dc.fanout_window_s);
	EXPECT_EQ(12U, dc.fanout_hosts);
	EXPECT_EQ(20U, dc.fanout_ports);
	EXPECT_EQ(600U, dc.discovery_window_s);
	EXPECT_EQ(5U, dc.discovery_burst);
	EXPECT_EQ(8ULL << 20, dc.exfil_bytes);
	EXPECT_EQ(90U, dc.hop_ttl_s);
	/* what the engine does not take from the file stays its default */
	EXPECT_EQ(def.baseline.cms_width, dc.baseline.cms_width);
	EXPECT_EQ(def.baseline.alpha, dc.baseline.alpha);
	/* and the engine accepts the whole set */
	ASSERT_EQ(0, espy_detect_new(&d, &dc));
	espy_detect_free(d);

	EXPECT_CONF_ERROR("[detection]\nalert_score = 0\n",
			  "t.conf:2: bad value '0' for detection.alert_score: expected a number from 1 to 100");
	EXPECT_CONF_ERROR("[detection]\nalert_score = nan\n", "for detection.alert_score");
	EXPECT_CONF_ERROR("[detection]\ndetect_rate = 2\n", "for detection.detect_rate");
	EXPECT_CONF_ERROR("[detection]\nfanout_hosts = 17\n", "for detection.fanout_hosts");
	EXPECT_CONF_ERROR("[detection]\nmax_processes = 10\n", "for detection.max_processes");
	EXPECT_CONF_ERROR("[detection]\nhop_ttl = 2h\n", "for detection.hop_ttl");
	EXPECT_CONF_ERROR("[detection]\nexfil_bytes = 1K\n", "for detection.exfil_bytes");
}

TEST(error_unknown_key)
{
	EXPECT_CONF_ERROR("[log]\nfile = /a\nfiel = /b\n",
			  "t.conf:3: unknown key 'fiel' in section [log]");
}

TEST(error_unknown_section)
{
	EXPECT_CONF_ERROR("[daemon]\ndriver = bpf\n\n[logging]\nfile = /x\n",
			  "t.conf:4: unknown section [logging]");
}

TEST(error_key_outside_section)
{
	EXPECT_CONF_ERROR("driver = bpf\n", "t.conf:1: key 'driver' outside of any [section]");
}

TEST(error_duplicate_key)
{
	EXPECT_CONF_ERROR("[log]\nmin_score = 1\nmin_score = 2\n",
			  "t.conf:3: duplicate key 'min_score' in section [log]");
}

TEST(error_syntax)
{
	EXPECT_CONF_ERROR("[log]\njust words\n",
			  "t.conf:2: expected 'key = value', '[section]' or a comment");
	EXPECT_CONF_ERROR("[log\n", "t.conf:1: section header without closing ']'");
	EXPECT_CONF_ERROR("[log] junk\n", "t.conf:1: text after section header");
	EXPECT_CONF_ERROR("[log]\nfile = /a\n  continued\n",
			  "t.conf:3: indented line");
}

TEST(error_long_line_and_binary)
{
	char text[1024];

	snprintf(text, sizeof(text), "[log]\nfile = /%0400d\nmin_score = 1\n", 0);
	EXPECT_CONF_ERROR(text, "t.conf:2: line longer than");
	EXPECT_CONF_ERROR("[log]\nmin_score = \x01\x02\n", "t.conf:2: control character 0x01 in line");
}

TEST(error_bad_values)
{
	EXPECT_CONF_ERROR("[daemon]\ndriver = ebpf\n",
			  "t.conf:2: bad value 'ebpf' for daemon.driver: expected one of: auto bpf kmod");
	EXPECT_CONF_ERROR("[daemon]\nstate_dir = relative/dir\n",
			  "t.conf:2: bad value 'relative/dir' for daemon.state_dir: expected an absolute path");
	EXPECT_CONF_ERROR("[daemon]\nstate_dir =\n", "for daemon.state_dir");
	EXPECT_CONF_ERROR("[detection]\nlearn_period = 3 days\n",
			  "t.conf:2: bad value '3 days' for detection.learn_period: expected a duration");
	EXPECT_CONF_ERROR("[detection]\nlearn_period = 400d\n", "for detection.learn_period");
	EXPECT_CONF_ERROR("[log]\nmin_score = 101\n",
			  "t.conf:2: bad value '101' for log.min_score: expected an integer from 0 to 100");
	EXPECT_CONF_ERROR("[log]\nmin_score = 5x\n", "for log.min_score");
	EXPECT_CONF_ERROR("[log]\nmin_score = 99999999999999999999\n", "for log.min_score");
	EXPECT_CONF_ERROR("[log]\nmin_severity = severe\n",
			  "t.conf:2: bad value 'severe' for log.min_severity: expected none, low, medium, high or critical");
	EXPECT_CONF_ERROR("[log]\nstdout = maybe\n", "expected auto, yes or no");
	EXPECT_CONF_ERROR("[syslog]\nenabled = 2\n", "t.conf:2: bad value '2' for syslog.enabled: expected yes or no");
	EXPECT_CONF_ERROR("[syslog]\ntarget = tcp:1.2.3.4:514\n", "for syslog.target");
	EXPECT_CONF_ERROR("[syslog]\ntarget = udp:logs.example:514\n", "for syslog.target");
	EXPECT_CONF_ERROR("[syslog]\nfacility = local9\n", "for syslog.facility");
	EXPECT_CONF_ERROR("[control]\nmode = 600\n", "expected octal permission bits");
	EXPECT_CONF_ERROR("[control]\nmode = 01777\n", "for control.mode");
	EXPECT_CONF_ERROR("[control]\ngroup = Wheel!\n", "for control.group");
	EXPECT_CONF_ERROR("[control]\nmax_clients = 0\n", "for control.max_clients");
	EXPECT_CONF_ERROR("[control]\nclient_buffer = 12\n", "for control.client_buffer");
	EXPECT_CONF_ERROR("[control]\nclient_buffer = 4T\n", "for control.client_buffer");
	EXPECT_CONF_ERROR("[metrics]\nlisten = localhost:9847\n",
			  "t.conf:2: bad value 'localhost:9847' for metrics.listen: expected ADDRESS:PORT");
	EXPECT_CONF_ERROR("[metrics]\nlisten = 127.0.0.1:0\n", "for metrics.listen");
	EXPECT_CONF_ERROR("[metrics]\nlisten = 127.0.0.1:65536\n", "for metrics.listen");
	EXPECT_CONF_ERROR("[metrics]\nlisten = ::1:9847\n", "for metrics.listen");
}

TEST(error_cross_key)
{
	EXPECT_CONF_ERROR("[control]\nmode = 0666\n",
			  "t.conf:2: control.mode 0666 gives other users access");
	EXPECT_CONF_ERROR("[control]\n\ngroup = adm\n",
			  "t.conf:3: control.group is set but control.mode 0600 gives the group no access");
}

/* Every error is reported, each with its own line, not just the first. */
TEST(all_errors_listed)
{
	struct espy_config c;
	char err[2048];

	espy_config_defaults(&c);
	ASSERT_EQ(-EINVAL, load(&c, "[log]\nmin_score = x\nbogus = 1\n[metrics]\nlisten = nope\n",
				err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "t.conf:2: bad value 'x'"));
	ASSERT_NE(NULL, strstr(err, "t.conf:3: unknown key 'bogus'"));
	ASSERT_NE(NULL, strstr(err, "t.conf:5: bad value 'nope'"));
}

/* A real file on disk: the name in messages is its path. */
TEST(file_errors_name_the_file)
{
	struct espy_config c;
	char path[] = "/tmp/espy-conf-XXXXXX", err[512];
	int fd = mkstemp(path);

	ASSERT_GE(fd, 0);
	ASSERT_EQ(32, write(fd, "[metrics]\n\n\nlisten = 10.0.0.1:x\n", 32));
	close(fd);
	espy_config_defaults(&c);
	ASSERT_EQ(-EINVAL, espy_config_load(&c, path, 0, err, sizeof(err)));
	unlink(path);
	{
		char want[128];

		snprintf(want, sizeof(want), "%s:4: bad value '10.0.0.1:x'", path);
		ASSERT_NE(NULL, strstr(err, want)) TH_LOG("%s", err);
	}
}

TEST(set_override)
{
	struct espy_config c;
	char err[256];

	espy_config_defaults(&c);
	ASSERT_EQ(0, espy_config_set(&c, "metrics.listen", "127.0.0.1:9901", err, sizeof(err)));
	ASSERT_EQ(9901, c.metrics.port);
	ASSERT_EQ(-EINVAL, espy_config_set(&c, "metrics.listen", "9901", err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "bad value '9901' for metrics.listen"));
	ASSERT_EQ(9901, c.metrics.port);
	ASSERT_EQ(-EINVAL, espy_config_set(&c, "metrics.port", "1", err, sizeof(err)));
	ASSERT_NE(NULL, strstr(err, "unknown key 'metrics.port'"));
}

/* A listen address as the metrics server and syslog over UDP bind to it. */
TEST(listen_sockaddr)
{
	struct espy_listen l;
	struct sockaddr_storage ss;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

	ASSERT_EQ(0, espy_conf_parse_listen("10.1.2.3:514", &l));
	ASSERT_EQ((int)sizeof(*s4), espy_listen_sockaddr(&l, &ss));
	EXPECT_EQ(AF_INET, s4->sin_family);
	EXPECT_EQ(514, ntohs(s4->sin_port));
	EXPECT_EQ(htonl(0x0a010203), s4->sin_addr.s_addr);
	ASSERT_EQ(0, espy_conf_parse_listen("[::1]:9847", &l));
	ASSERT_EQ((int)sizeof(*s6), espy_listen_sockaddr(&l, &ss));
	EXPECT_EQ(AF_INET6, s6->sin6_family);
	EXPECT_EQ(9847, ntohs(s6->sin6_port));
	EXPECT_TRUE(IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr));
	/* not numeric: refused, never looked up */
	strcpy(l.host, "localhost");
	EXPECT_EQ(-EINVAL, espy_listen_sockaddr(&l, &ss));
}

TEST_HARNESS_MAIN
