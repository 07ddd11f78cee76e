/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The control socket protocol, driven in-process: a real Unix socket in a
 * temporary directory, real clients, espy_ctl_dispatch() as the daemon's
 * loop would call it.  Hostile input gets error replies and the server
 * goes on serving; a client that stops reading is cut off and counted.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

#include "kselftest_harness.h"
#include "ctl.h"
#include "event.h"

static int connect_to(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -1;
	strcpy(sa.sun_path, path);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Pump the server until fd has a whole line (or 2 s pass). */
static int read_line(struct espy_ctl *c, int fd, char *buf, size_t len)
{
	size_t n = 0;

	for (int spins = 0; spins < 2000; spins++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		espy_ctl_dispatch(c);
		if (poll(&p, 1, 1) == 1) {
			ssize_t r = recv(fd, buf + n, 1, 0);

			if (r <= 0)
				return n ? (int)n : -1;
			if (buf[n] == '\n') {
				buf[n] = '\0';
				return (int)n;
			}
			if (++n == len - 1) {
				buf[n] = '\0';
				return (int)n;
			}
		}
	}
	return -1;
}

static void send_str(int fd, const char *s, size_t n)
{
	size_t off = 0;

	while (off < n) {
		ssize_t w = send(fd, s + off, n - off, MSG_NOSIGNAL);

		if (w <= 0)
			return;
		off += w;
	}
}

/* espyd's answer to "ping" */
static const char PONG[] = "{\"ok\":true,\"cmd\":\"ping\"}";

/* Send cmd and read the line that answers it. */
static int ask(struct espy_ctl *c, int fd, const char *cmd, char *buf,
	       size_t len)
{
	send_str(fd, cmd, strlen(cmd));
	return read_line(c, fd, buf, len);
}

/* The peer closed (EOF) within a while of pumping the server. */
static int closed_by_server(struct espy_ctl *c, int fd)
{
	char b[4096];

	for (int spins = 0; spins < 2000; spins++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };

		espy_ctl_dispatch(c);
		if (poll(&p, 1, 1) == 1) {
			ssize_t r = recv(fd, b, sizeof(b), MSG_DONTWAIT);

			if (r == 0 || (r < 0 && errno == ECONNRESET))
				return 1;
		}
	}
	return 0;
}

FIXTURE(ctl) {
	char dir[64];
	char path[96];
	struct espy_ctl *c;
};

static int status_cmd(void *ctx, const char *args, struct espy_json *reply,
		      char *err, size_t errlen)
{
	if (*args) {
		snprintf(err, errlen, "status takes no arguments");
		return -EINVAL;
	}
	espy_json_key(reply, "mode");
	espy_json_cstring(reply, "learn");
	return 0;
}

FIXTURE_SETUP(ctl)
{
	struct espy_ctl_opts o = {
		.mode = 0600, .gid = (gid_t)-1, .max_clients = 4,
		.client_buffer = 64 * 1024, .host = "web1",
	};

	strcpy(self->dir, "/tmp/espy-ctl-XXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->path, sizeof(self->path), "%s/espyd.sock", self->dir);
	o.path = self->path;
	ASSERT_EQ(0, espy_ctl_open(&self->c, &o));
	ASSERT_EQ(0, espy_ctl_register(self->c, "status", "daemon status",
				       status_cmd, NULL));
}

FIXTURE_TEARDOWN(ctl)
{
	espy_ctl_close(self->c);
	rmdir(self->dir);
}

TEST_F(ctl, socket_is_private)
{
	struct stat st;

	ASSERT_EQ(0, lstat(self->path, &st));
	ASSERT_TRUE(S_ISSOCK(st.st_mode));
	ASSERT_EQ(0600U, st.st_mode & 0777);
}

TEST_F(ctl, second_server_refused_stale_replaced)
{
	struct espy_ctl_opts o = {
		.path = self->path, .mode = 0600, .gid = (gid_t)-1,
		.max_clients = 1, .client_buffer = 4096,
	};
	struct espy_ctl *c2;

	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char stale[128];
	int fd;

	/* a live server owns the path */
	ASSERT_EQ(-EADDRINUSE, espy_ctl_open(&c2, &o));
	/* a socket file nobody listens on (espyd killed) is replaced */
	snprintf(stale, sizeof(stale), "%s/stale.sock", self->dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	strcpy(sa.sun_path, stale);
	ASSERT_EQ(0, bind(fd, (struct sockaddr *)&sa, sizeof(sa)));
	close(fd);
	o.path = stale;
	ASSERT_EQ(0, espy_ctl_open(&c2, &o));
	espy_ctl_close(c2);
	ASSERT_NE(0, access(stale, F_OK));
	/* a regular file in the way is not removed */
	fd = open(stale, O_CREAT | O_WRONLY, 0600);
	ASSERT_GE(fd, 0);
	close(fd);
	ASSERT_EQ(-EEXIST, espy_ctl_open(&c2, &o));
	unlink(stale);
}

/* Another user is turned away even if the file permissions let it in. */
TEST_F(ctl, other_user_denied)
{
	char line[256];
	int sv[2];
	pid_t pid;

	if (geteuid() != 0)
		SKIP(return, "needs root to act as another user");
	chmod(self->path, 0666);
	chmod(self->dir, 0755);
	ASSERT_EQ(0, pipe(sv));
	pid = fork();
	ASSERT_GE(pid, 0);
	if (pid == 0) {
		int fd;
		ssize_t n = 0;

		close(sv[0]);
		if (setgid(65534) || setuid(65534))
			_exit(2);
		fd = connect_to(self->path);
		if (fd < 0)
			_exit(3);
		for (int i = 0; i < 200 && n <= 0; i++) {
			n = recv(fd, line, sizeof(line) - 1, MSG_DONTWAIT);
			usleep(10000);
		}
		if (n > 0)
			(void)!write(sv[1], line, n);
		_exit(0);
	}
	close(sv[1]);
	for (int i = 0; i < 300; i++) {
		espy_ctl_dispatch(self->c);
		usleep(5000);
		if (espy_ctl_stats(self->c)->denied)
			break;
	}
	{
		int st;
		ssize_t n;

		waitpid(pid, &st, 0);
		ASSERT_EQ(0, WEXITSTATUS(st));
		n = read(sv[0], line, sizeof(line) - 1);
		ASSERT_GT(n, 0);
		line[n] = '\0';
	}
	close(sv[0]);
	ASSERT_NE(NULL, strstr(line, "permission denied"));
	ASSERT_EQ(1U, espy_ctl_stats(self->c)->denied);
	ASSERT_EQ(0U, espy_ctl_stats(self->c)->accepted);
}

TEST_F(ctl, commands_and_replies)
{
	char line[4096];
	int fd = connect_to(self->path);

	ASSERT_GE(fd, 0);
	ASSERT_GT(ask(self->c, fd, "ping\n", line, sizeof(line)), 0);
	ASSERT_STREQ(PONG, line);
	ASSERT_GT(ask(self->c, fd, "status\r\n", line, sizeof(line)), 0);
	ASSERT_STREQ("{\"ok\":true,\"cmd\":\"status\",\"mode\":\"learn\"}", line);
	ASSERT_GT(ask(self->c, fd, "status now\n", line, sizeof(line)), 0);
	ASSERT_STREQ("{\"ok\":false,\"cmd\":\"status\",\"error\":\"status takes no arguments\"}", line);
	ASSERT_GT(ask(self->c, fd, "help\n", line, sizeof(line)), 0);
	ASSERT_NE(NULL, strstr(line, "\"subscribe\":"));
	ASSERT_NE(NULL, strstr(line, "\"status\":\"daemon status\""));
	ASSERT_GT(ask(self->c, fd, "quit\n", line, sizeof(line)), 0);
	ASSERT_TRUE(closed_by_server(self->c, fd));
	close(fd);
	ASSERT_EQ(0U, espy_ctl_stats(self->c)->clients);
}

/* A client that writes its command and half-closes still gets the reply. */
TEST_F(ctl, reply_after_half_close)
{
	char line[256];
	int fd = connect_to(self->path);

	ASSERT_GE(fd, 0);
	send_str(fd, "ping", 4);	/* no newline either */
	shutdown(fd, SHUT_WR);
	ASSERT_GT(read_line(self->c, fd, line, sizeof(line)), 0);
	ASSERT_STREQ(PONG, line);
	ASSERT_TRUE(closed_by_server(self->c, fd));
	close(fd);
}

/* A subscriber that half-closes keeps its stream; once it is gone for
 * good it is dropped (not left to spin on a hang-up). */
TEST_F(ctl, subscriber_gone_is_dropped)
{
	char line[256];
	int fd = connect_to(self->path);

	ASSERT_GE(fd, 0);
	ASSERT_GT(ask(self->c, fd, "subscribe\n", line, sizeof(line)), 0);
	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 20; i++)
		espy_ctl_dispatch(self->c);
	ASSERT_EQ(1U, espy_ctl_stats(self->c)->subscribers);
	close(fd);
	for (int i = 0; i < 200 && espy_ctl_stats(self->c)->clients; i++) {
		espy_ctl_dispatch(self->c);
		usleep(1000);
	}
	ASSERT_EQ(0U, espy_ctl_stats(self->c)->clients);
	ASSERT_EQ(0U, espy_ctl_stats(self->c)->subscribers);
}

TEST_F(ctl, hostile_input_gets_errors)
{
	static const struct { const char *cmd, *error; } bad[] = {
		{ "subscribe min_score=abc\n",
		  "min_score: expected a number from 0 to 100, not 'abc'" },
		{ "subscribe technique=T10;rm\n", "technique: expected an ATT&CK id" },
		{ "subscribe bogus=1\n", "unknown filter 'bogus'" },
	};
	char line[4096], big[3000];
	int fd = connect_to(self->path), fd2;

	ASSERT_GE(fd, 0);
	/* unknown verb, echoed escaped */
	ASSERT_GT(ask(self->c, fd, "rm\"-rf\n", line, sizeof(line)), 0);
	ASSERT_STREQ("{\"ok\":false,\"cmd\":\"rm\\\"-rf\",\"error\":\"unknown command 'rm\\\"-rf' (try help)\"}", line);
	/* binary bytes */
	send_str(fd, "pi\x00ng\xff\n", 7);
	ASSERT_GT(read_line(self->c, fd, line, sizeof(line)), 0);
	ASSERT_NE(NULL, strstr(line, "\"error\":\"byte 0x00 at offset 2: commands are printable ASCII text\""));
	/* an over-long line: one error, then the rest of it is skipped */
	memset(big, 'A', sizeof(big));
	send_str(fd, big, sizeof(big));
	ASSERT_GT(ask(self->c, fd, "\nping\n", line, sizeof(line)), 0);
	ASSERT_NE(NULL, strstr(line, "command longer than 1024 bytes"));
	ASSERT_GT(read_line(self->c, fd, line, sizeof(line)), 0);
	ASSERT_STREQ(PONG, line);
	/* bad filters */
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ASSERT_GT(ask(self->c, fd, bad[i].cmd, line, sizeof(line)), 0);
		ASSERT_NE(NULL, strstr(line, bad[i].error)) TH_LOG("%s", line);
	}
	ASSERT_EQ(0U, espy_ctl_stats(self->c)->subscribers);

	/* the server still serves others */
	fd2 = connect_to(self->path);
	ASSERT_GE(fd2, 0);
	ASSERT_GT(ask(self->c, fd2, "ping\n", line, sizeof(line)), 0);
	ASSERT_STREQ(PONG, line);
	close(fd2);
	close(fd);
	EXPECT_EQ(6U, espy_ctl_stats(self->c)->bad_commands);
}

/* A client that keeps sending garbage is dropped, the server goes on. */
TEST_F(ctl, persistent_garbage_drops_client)
{
	char line[256];
	int fd = connect_to(self->path), fd2;

	ASSERT_GE(fd, 0);
	for (int i = 0; i < 40; i++)
		send_str(fd, "\x01\x02\x03\n", 4);
	ASSERT_TRUE(closed_by_server(self->c, fd));
	close(fd);
	ASSERT_EQ(1U, espy_ctl_stats(self->c)->dropped_hostile);
	fd2 = connect_to(self->path);
	ASSERT_GE(fd2, 0);
	ASSERT_GT(ask(self->c, fd2, "ping\n", line, sizeof(line)), 0);
	ASSERT_STREQ(PONG, line);
	close(fd2);
}

TEST_F(ctl, max_clients_enforced)
{
	int fds[5];
	char line[256];

	for (int i = 0; i < 4; i++) {
		fds[i] = connect_to(self->path);
		ASSERT_GE(fds[i], 0);
		espy_ctl_dispatch(self->c);
	}
	fds[4] = connect_to(self->path);
	ASSERT_GE(fds[4], 0);
	ASSERT_GT(read_line(self->c, fds[4], line, sizeof(line)), 0);
	ASSERT_NE(NULL, strstr(line, "too many clients"));
	ASSERT_EQ(1U, espy_ctl_stats(self->c)->refused_full);
	for (int i = 0; i < 5; i++)
		close(fds[i]);
}

static struct espy_hdr hdr;
static struct espy_verdict verdict;

static void make_event(struct espy_event *ev, uint32_t pid, double score,
		       enum espy_severity sev, int alert, const char *tech)
{
	memset(ev, 0, sizeof(*ev));
	memset(&hdr, 0, sizeof(hdr));
	memset(&verdict, 0, sizeof(verdict));
	hdr.tgid = pid;
	hdr.type = ESPY_EV_OPEN;
	ev->hdr = &hdr;
	ev->verdict = &verdict;
	verdict.score = score;
	verdict.severity = sev;
	verdict.alert = alert;
	if (tech) {
		verdict.ntech = 1;
		verdict.tech[0].id = tech;
	}
}

TEST_F(ctl, subscribe_filters_stream)
{
	struct espy_event ev;
	char line[512];
	int all = connect_to(self->path), hi = connect_to(self->path);

	ASSERT_GE(all, 0);
	ASSERT_GE(hi, 0);
	ASSERT_GT(ask(self->c, all, "subscribe\n", line, sizeof(line)), 0);
	ASSERT_STREQ("{\"ok\":true,\"cmd\":\"subscribe\",\"filter\":\"\"}", line);
	ASSERT_GT(ask(self->c, hi, "subscribe min_score=50 technique=T1003 host=WEB1\n", line, sizeof(line)), 0);
	ASSERT_STREQ("{\"ok\":true,\"cmd\":\"subscribe\",\"filter\":\"min_score=50 technique=T1003 host=WEB1\"}", line);
	ASSERT_EQ(2U, espy_ctl_stats(self->c)->subscribers);

	make_event(&ev, 10, 20, ESPY_SEV_LOW, 0, "T1003.008");
	espy_ctl_sink(self->c, &ev, "{\"n\":1}\n", 8);
	make_event(&ev, 11, 80, ESPY_SEV_HIGH, 1, "T1003.008");
	espy_ctl_sink(self->c, &ev, "{\"n\":2}\n", 8);
	make_event(&ev, 12, 90, ESPY_SEV_HIGH, 1, "T1552.004");
	espy_ctl_sink(self->c, &ev, "{\"n\":3}\n", 8);

	ASSERT_GT(read_line(self->c, all, line, sizeof(line)), 0);
	ASSERT_STREQ("{\"n\":1}", line);
	ASSERT_GT(read_line(self->c, all, line, sizeof(line)), 0);
	ASSERT_STREQ("{\"n\":2}", line);
	ASSERT_GT(read_line(self->c, all, line, sizeof(line)), 0);
	ASSERT_STREQ("{\"n\":3}", line);
	ASSERT_GT(read_line(self->c, hi, line, sizeof(line)), 0);
	ASSERT_STREQ("{\"n\":2}", line);
	/* nothing else for hi */
	ASSERT_GT(ask(self->c, hi, "ping\n", line, sizeof(line)), 0);
	ASSERT_STREQ(PONG, line);
	EXPECT_EQ(4U, espy_ctl_stats(self->c)->events_sent);
	close(all);
	close(hi);
}

/* A len-byte event line: {"pad":"xx...x"} and a newline. */
static void pad_event(char *json, size_t len)
{
	memset(json, 'x', len);
	memcpy(json, "{\"pad\":\"", 8);
	memcpy(json + len - 3, "\"}\n", 3);
}

/* A subscriber that never reads is cut off once its queue passes the
 * bound; the sink never blocks and other subscribers keep receiving. */
TEST_F(ctl, stuck_client_cut_off)
{
	struct espy_event ev;
	char json[1024], line[2048];
	int stuck = connect_to(self->path), live = connect_to(self->path);
	int rcv = 4096;

	ASSERT_GE(stuck, 0);
	ASSERT_GE(live, 0);
	setsockopt(stuck, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	ASSERT_GT(ask(self->c, stuck, "subscribe\n", line, sizeof(line)), 0);
	ASSERT_GT(ask(self->c, live, "subscribe\n", line, sizeof(line)), 0);

	pad_event(json, sizeof(json));
	make_event(&ev, 1, 0, ESPY_SEV_NONE, 0, NULL);
	for (int i = 0; i < 2000 && espy_ctl_stats(self->c)->cut_off == 0; i++) {
		espy_ctl_sink(self->c, &ev, json, sizeof(json));
		espy_ctl_dispatch(self->c);
		/* live keeps reading */
		while (recv(live, line, sizeof(line), MSG_DONTWAIT) > 0)
			;
	}
	ASSERT_EQ(1U, espy_ctl_stats(self->c)->cut_off);
	ASSERT_EQ(1U, espy_ctl_stats(self->c)->subscribers);
	ASSERT_TRUE(closed_by_server(self->c, stuck));
	close(stuck);
	/* the live one is still served */
	send_str(live, "ping\n", 5);
	for (;;) {
		ASSERT_GT(read_line(self->c, live, line, sizeof(line)), 0);
		if (line[0] == '{' && line[1] == '"' && line[2] == 'o')
			break;
	}
	ASSERT_STREQ(PONG, line);
	close(live);
}

/* Everything a client gets until the server closes (pumping it meanwhile). */
static size_t read_to_eof(struct espy_ctl *c, int fd, char *buf, size_t len)
{
	size_t n = 0;

	for (int spins = 0; spins < 4000 && n < len; spins++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;

		if (c)
			espy_ctl_dispatch(c);
		if (poll(&p, 1, 1) != 1)
			continue;
		r = recv(fd, buf + n, len - n, MSG_DONTWAIT);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			break;
		if (r > 0)
			n += r;
	}
	return n;
}

/* Whole lines only, each a pad event but the last; returns that last one. */
static const char *last_of_whole_lines(char *buf, size_t n, int *events)
{
	char *line = buf, *nl, *last = NULL;

	*events = 0;
	if (!n || buf[n - 1] != '\n')
		return NULL;
	buf[n - 1] = '\0';
	for (;;) {
		nl = strchr(line, '\n');
		if (nl)
			*nl = '\0';
		if (last) {
			if (strncmp(last, "{\"pad\":\"", 8))
				return NULL;	/* an event line that is not whole */
			++*events;
		}
		last = line;
		if (!nl)
			return last;
		line = nl + 1;
	}
}

/*
 * The fixture's server again, with room to queue more than a socket
 * holds, and a subscriber with a small receive buffer that has 1 MB (1000
 * events) queued for it, unread.  Returns its fd, or -1.
 */
static int subscriber_behind(struct espy_ctl **c, const char *path)
{
	struct espy_ctl_opts o = {
		.path = path, .mode = 0600, .gid = (gid_t)-1, .max_clients = 4,
		.client_buffer = 4 << 20, .host = "web1",
	};
	struct espy_event ev;
	char json[1000], line[256];
	int fd, rcv = 4096;

	espy_ctl_close(*c);
	*c = NULL;
	if (espy_ctl_open(c, &o))
		return -1;
	fd = connect_to(path);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	if (ask(*c, fd, "subscribe\n", line, sizeof(line)) <= 0) {
		close(fd);
		return -1;
	}
	pad_event(json, sizeof(json));
	make_event(&ev, 1, 0, ESPY_SEV_NONE, 0, NULL);
	for (int i = 0; i < 1000; i++)
		espy_ctl_sink(*c, &ev, json, sizeof(json));
	return fd;
}

/* A cut-off client reads whole lines up to the notice that says why. */
TEST_F(ctl, cut_off_client_told_why_after_whole_lines)
{
	static char buf[1 << 20];
	struct espy_event ev;
	char json[1000], line[256];
	int fd = connect_to(self->path), rcv = 4096, events;
	const char *last;
	size_t n;

	ASSERT_GE(fd, 0);
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof(rcv));
	ASSERT_GT(ask(self->c, fd, "subscribe\n", line, sizeof(line)), 0);
	pad_event(json, sizeof(json));
	make_event(&ev, 1, 0, ESPY_SEV_NONE, 0, NULL);
	for (int i = 0; i < 2000 && espy_ctl_stats(self->c)->cut_off == 0; i++) {
		espy_ctl_sink(self->c, &ev, json, sizeof(json));
		espy_ctl_dispatch(self->c);
	}
	ASSERT_EQ(1U, espy_ctl_stats(self->c)->cut_off);
	n = read_to_eof(self->c, fd, buf, sizeof(buf));
	close(fd);
	last = last_of_whole_lines(buf, n, &events);
	ASSERT_NE(NULL, last);
	EXPECT_GT(events, 0);
	EXPECT_EQ(0, strncmp(last, "{\"ok\":false,\"cmd\":null,\"closing\":\"cut_off\","
			     "\"error\":\"cut off: reading too slowly", 72));
	EXPECT_EQ(0U, espy_ctl_stats(self->c)->clients);
}

/* At a stop every queued event reaches a slow reader, then the goodbye. */
TEST_F(ctl, shutdown_delivers_every_queued_line)
{
	static char buf[2 << 20];
	int fd, events, status, res[2];
	const char *last;
	pid_t child;
	size_t n;

	fd = subscriber_behind(&self->c, self->path);
	ASSERT_GE(fd, 0);
	ASSERT_EQ(0U, espy_ctl_stats(self->c)->cut_off);
	ASSERT_EQ(0, pipe(res));
	child = fork();
	ASSERT_GE(child, 0);
	if (child == 0) {
		usleep(100000);	/* the server is waiting by now */
		n = read_to_eof(NULL, fd, buf, sizeof(buf));
		last = last_of_whole_lines(buf, n, &events);
		if (!last || strcmp(last, "{\"ok\":true,\"cmd\":null,\"closing\":\"stopping\"}"))
			events = -1;
		_exit(write(res[1], &events, sizeof(events)) == sizeof(events) ? 0 : 1);
	}
	close(fd);
	close(res[1]);
	EXPECT_EQ(0, espy_ctl_shutdown(self->c, 5000));
	EXPECT_NE(0, access(self->path, F_OK));	/* no new clients */
	ASSERT_EQ(sizeof(events), (size_t)read(res[0], &events, sizeof(events)));
	close(res[0]);
	ASSERT_EQ(child, waitpid(child, &status, 0));
	EXPECT_EQ(1000, events);
}

/* A client that takes nothing does not hold a stop past the bound. */
TEST_F(ctl, shutdown_bounded_by_a_stuck_client)
{
	struct timespec t0, t1;
	int fd;
	long ms;

	fd = subscriber_behind(&self->c, self->path);
	ASSERT_GE(fd, 0);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	EXPECT_EQ(1, espy_ctl_shutdown(self->c, 300));
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	EXPECT_GE(ms, 250);
	EXPECT_LT(ms, 2000);
	EXPECT_EQ(0U, espy_ctl_stats(self->c)->clients);
	close(fd);
}

/* The goodbye ends event streams only: a client waiting for a reply must
 * not take it for one. */
TEST_F(ctl, shutdown_goodbye_only_to_subscribers)
{
	char line[256], buf[256];
	int fd = connect_to(self->path);

	ASSERT_GE(fd, 0);
	ASSERT_GT(ask(self->c, fd, "ping\n", line, sizeof(line)), 0);
	ASSERT_STREQ(PONG, line);
	EXPECT_EQ(0, espy_ctl_shutdown(self->c, 1000));
	EXPECT_EQ(0U, read_to_eof(NULL, fd, buf, sizeof(buf)));
	close(fd);
}

TEST_HARNESS_MAIN
