/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event outputs: the log file (levels, batching, reopen after logrotate
 * moved it) and RFC 5424 syslog (message format, delivery to a Unix
 * datagram socket and to UDP, drops counted when nobody listens).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include "kselftest_harness.h"
#include "output.h"

static struct espy_hdr hdr;
static struct espy_verdict vd;

static struct espy_event *event(double score, enum espy_severity sev, int alert)
{
	static struct espy_event ev;

	memset(&ev, 0, sizeof(ev));
	memset(&vd, 0, sizeof(vd));
	hdr.type = ESPY_EV_OPEN;
	ev.hdr = &hdr;
	/* 2024-05-01T12:34:56.789012345Z */
	ev.wall_ns = 1714566896789012345LL;
	vd.score = score;
	vd.severity = sev;
	vd.alert = alert;
	ev.verdict = score >= 0 ? &vd : NULL;
	return &ev;
}

static char *slurp(const char *path)
{
	static char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

TEST(file_levels_and_reopen)
{
	char dir[] = "/tmp/espy-out-XXXXXX", path[128], moved[128];
	struct espy_out_level lvl = { .min_score = 50, .min_severity = ESPY_SEV_MEDIUM };
	struct espy_out_file *o;
	struct stat st;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sub/events.json", dir);
	snprintf(moved, sizeof(moved), "%s/sub/events.json.1", dir);
	ASSERT_EQ(0, espy_out_file_open(&o, path, &lvl));
	ASSERT_EQ(0, stat(path, &st));
	ASSERT_EQ(0640U, st.st_mode & 0777);
	espy_out_file_sink(o, event(-1, 0, 0), "{\"n\":0}\n", 8);		/* unscored */
	espy_out_file_sink(o, event(60, ESPY_SEV_LOW, 0), "{\"n\":1}\n", 8);	/* severity too low */
	espy_out_file_sink(o, event(40, ESPY_SEV_HIGH, 1), "{\"n\":2}\n", 8);	/* score too low */
	espy_out_file_sink(o, event(50, ESPY_SEV_MEDIUM, 0), "{\"n\":3}\n", 8);
	espy_out_file_sink(o, event(90, ESPY_SEV_CRITICAL, 1), "{\"n\":4}\n", 8);
	/* batched: nothing written until a flush */
	ASSERT_STREQ("", slurp(path));
	ASSERT_EQ(0, espy_out_file_flush(o));
	ASSERT_STREQ("{\"n\":3}\n{\"n\":4}\n", slurp(path));
	EXPECT_EQ(2U, espy_out_file_stats(o)->written);
	EXPECT_EQ(3U, espy_out_file_stats(o)->filtered);

	/* logrotate: move the file away, reopen, go on in a new file */
	espy_out_file_sink(o, event(99, ESPY_SEV_CRITICAL, 1), "{\"n\":5}\n", 8);
	ASSERT_EQ(0, rename(path, moved));
	ASSERT_EQ(0, espy_out_file_reopen(o, NULL));
	espy_out_file_sink(o, event(99, ESPY_SEV_CRITICAL, 1), "{\"n\":6}\n", 8);
	espy_out_file_close(o);
	ASSERT_STREQ("{\"n\":3}\n{\"n\":4}\n{\"n\":5}\n", slurp(moved));
	ASSERT_STREQ("{\"n\":6}\n", slurp(path));
	unlink(path);
	unlink(moved);
	snprintf(moved, sizeof(moved), "%s/sub", dir);
	rmdir(moved);
	rmdir(dir);
}

TEST(file_reopen_failure_keeps_old)
{
	char dir[] = "/tmp/espy-out-XXXXXX", path[128];
	struct espy_out_level lvl = { 0 };
	struct espy_out_file *o;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/events.json", dir);
	ASSERT_EQ(0, espy_out_file_open(&o, path, &lvl));
	ASSERT_GT(0, espy_out_file_reopen(o, "/proc/no/such/dir/x.json"));
	ASSERT_STREQ(path, espy_out_file_path(o));
	espy_out_file_sink(o, event(-1, 0, 0), "{}\n", 3);
	espy_out_file_close(o);
	ASSERT_STREQ("{}\n", slurp(path));
	unlink(path);
	rmdir(dir);
}

TEST(syslog_format_rfc5424)
{
	char buf[512];
	size_t n;

	n = espy_syslog_format(buf, sizeof(buf), 3, event(92, ESPY_SEV_CRITICAL, 1),
			       "web 1", 77, "{\"a\":1}\n", 8);
	buf[n] = '\0';
	/* PRI = daemon(3) * 8 + crit(2); six fractional digits at most */
	ASSERT_STREQ("<26>1 2024-05-01T12:34:56.789012Z web_1 espyd 77 alert - {\"a\":1}", buf);
	n = espy_syslog_format(buf, sizeof(buf), 16, event(-1, 0, 0), "h", 5, "{}", 2);
	buf[n] = '\0';
	/* local0(16) * 8 + info(6) */
	ASSERT_STREQ("<134>1 2024-05-01T12:34:56.789012Z h espyd 5 event - {}", buf);
	/* too small a buffer says how much was needed */
	ASSERT_GT(espy_syslog_format(buf, 10, 3, event(-1, 0, 0), "h", 5, "{}", 2), 10U);
}

TEST(syslog_unix_and_udp)
{
	char dir[] = "/tmp/espy-syslog-XXXXXX", target[160], buf[1024];
	struct espy_out_level lvl = { .min_severity = ESPY_SEV_HIGH };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_in in = { .sin_family = AF_INET };
	socklen_t sl = sizeof(in);
	struct espy_out_syslog *o;
	int fd, ufd;
	ssize_t n;

	ASSERT_NE(NULL, mkdtemp(dir));
	snprintf(un.sun_path, sizeof(un.sun_path), "%s/log", dir);
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&un, sizeof(un)));
	snprintf(target, sizeof(target), "unix:%s", un.sun_path);
	ASSERT_EQ(0, espy_out_syslog_open(&o, target, 4, &lvl));
	ASSERT_EQ(0, espy_out_syslog_sink(o, event(30, ESPY_SEV_LOW, 0), "{\"low\":1}\n", 10));
	ASSERT_EQ(0, espy_out_syslog_sink(o, event(80, ESPY_SEV_HIGH, 1), "{\"hi\":1}\n", 9));
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ASSERT_GT(n, 0);
	buf[n] = '\0';
	/* auth(4) * 8 + err(3) = 35 */
	ASSERT_EQ(0, strncmp(buf, "<35>1 2024-05-01T12:34:56.789012Z ", 34));
	ASSERT_NE(NULL, strstr(buf, " espyd "));
	ASSERT_NE(NULL, strstr(buf, " alert - {\"hi\":1}"));
	ASSERT_GT(0, recv(fd, buf, sizeof(buf), MSG_DONTWAIT));	/* the low one was filtered */
	EXPECT_EQ(1U, espy_out_syslog_stats(o)->written);
	EXPECT_EQ(1U, espy_out_syslog_stats(o)->filtered);

	/* the receiver goes away: sends fail, are counted, nothing blocks */
	close(fd);
	unlink(un.sun_path);
	ASSERT_GT(0, espy_out_syslog_sink(o, event(80, ESPY_SEV_HIGH, 1), "{}\n", 3));
	EXPECT_EQ(1U, espy_out_syslog_stats(o)->errors);
	/* ... and comes back: espyd reconnects by itself */
	fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&un, sizeof(un)));
	ASSERT_EQ(0, espy_out_syslog_sink(o, event(80, ESPY_SEV_HIGH, 1), "{\"back\":1}\n", 11));
	n = recv(fd, buf, sizeof(buf) - 1, MSG_DONTWAIT);
	ASSERT_GT(n, 0);
	buf[n] = '\0';
	ASSERT_NE(NULL, strstr(buf, "{\"back\":1}"));
	espy_out_syslog_close(o);
	close(fd);
	unlink(un.sun_path);
	rmdir(dir);

	/* UDP (RFC 5426) */
	ufd = socket(AF_INET, SOCK_DGRAM, 0);
	in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ASSERT_EQ(0, bind(ufd, (struct sockaddr *)&in, sizeof(in)));
	ASSERT_EQ(0, getsockname(ufd, (struct sockaddr *)&in, &sl));
	snprintf(target, sizeof(target), "udp:127.0.0.1:%u", ntohs(in.sin_port));
	ASSERT_EQ(0, espy_out_syslog_open(&o, target, 23, &lvl));
	ASSERT_EQ(0, espy_out_syslog_sink(o, event(95, ESPY_SEV_CRITICAL, 1), "{\"u\":1}\n", 8));
	n = recv(ufd, buf, sizeof(buf) - 1, 0);
	ASSERT_GT(n, 0);
	buf[n] = '\0';
	/* local7(23) * 8 + crit(2) = 186 */
	ASSERT_EQ(0, strncmp(buf, "<186>1 ", 7));
	ASSERT_NE(NULL, strstr(buf, "{\"u\":1}"));
	espy_out_syslog_close(o);
	close(ufd);
}

TEST_HARNESS_MAIN
