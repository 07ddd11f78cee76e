/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpf tier, the sensor as a whole: hooks reported with their outcome,
 * the classic tracepoint fallbacks, exact drop accounting with a tiny
 * ring buffer, and the reader's wakeups (urgent records, poll timer).
 */
/* the harness's EXPECT_* compare mixed signedness and use setjmp */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <string.h>

#include "kselftest_harness.h"
#include "bpf_util.h"

static const struct espy_hook_status *hook(const struct espy_hook_status *hs,
					   int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(hs[i].name, name) == 0)
			return &hs[i];
	return NULL;
}

static int child_true(void *arg)
{
	char *const argv[] = { "true", "x", "y", NULL };
	char *const envp[] = { NULL };

	(void)arg;
	execve("/bin/true", argv, envp);
	return 12;
}

/* ---- hooks ------------------------------------------------------------------ */

FIXTURE(sensor) {
	struct bpfu u;
};

FIXTURE_SETUP(sensor)
{
	BPFU_SETUP(&self->u);
}

FIXTURE_TEARDOWN(sensor)
{
	bpfu_close(&self->u);
}

TEST_F(sensor, hooks_reported)
{
	static const char *const bumpers[] = {
		"tracepoint/syscalls/sys_exit_renameat2",
		"tracepoint/syscalls/sys_exit_linkat",
		"tracepoint/syscalls/sys_exit_symlinkat",
		"tracepoint/syscalls/sys_exit_mount",
		"tracepoint/syscalls/sys_exit_umount",
		"tracepoint/syscalls/sys_exit_move_mount",
		"tracepoint/syscalls/sys_exit_pivot_root",
	};
	struct espy_hook_status hs[256];
	const struct espy_hook_status *h;
	int n, i, attached = 0;

	if (BPFU_SKIPPED())
		return;
	n = self->u.src.ops->hooks(self->u.src.priv, hs, 256);
	ASSERT_GT(n, 0);
	ASSERT_LE(n, 256);
	for (i = 0; i < n; i++) {
		/* never silent: a hook that is not attached says why */
		EXPECT_TRUE(hs[i].attached ? hs[i].err == 0 : hs[i].err < 0)
			TH_LOG("%s attached=%d err=%d", hs[i].name,
			       hs[i].attached, hs[i].err);
		attached += hs[i].attached;
		/* exit-only syscall tracing: no sys_enter tracepoint is
		 * enabled, which every syscall of every task would pay */
		EXPECT_EQ(NULL, strstr(hs[i].name, "sys_enter"))
			TH_LOG("%s", hs[i].name);
	}
	EXPECT_GT(attached, 50);
	/* BTF-typed tracepoints win; their classic twins are not attached */
	h = hook(hs, n, "tp_btf/sched_process_exec");
	ASSERT_NE(NULL, h);
	EXPECT_EQ(1, h->attached);
	EXPECT_EQ(NULL, hook(hs, n, "tracepoint/sched/sched_process_exec"));
	h = hook(hs, n, "tracepoint/syscalls/sys_exit_openat");
	ASSERT_NE(NULL, h);
	EXPECT_EQ(1, h->attached);
	/* the hooks that keep the open verdict cache honest all exist here:
	 * one missing would switch the cache off */
	for (i = 0; i < (int)(sizeof(bumpers) / sizeof(bumpers[0])); i++) {
		h = hook(hs, n, bumpers[i]);
		ASSERT_NE(NULL, h) TH_LOG("%s", bumpers[i]);
		EXPECT_EQ(1, h->attached) TH_LOG("%s", bumpers[i]);
	}
	/* the rich LSM hook is tried: attached where allowed, else an error */
	h = hook(hs, n, "lsm/path_unlink");
	ASSERT_NE(NULL, h);
	TH_LOG("lsm/path_unlink: attached=%d err=%d", h->attached, h->err);
}

/*
 * Tests that load their own sensors (other options than the shared ones):
 * a load and detach take seconds under QEMU's emulation, hence the
 * generous timeout.
 */
FIXTURE(own) {
	int unused;
};

FIXTURE_SETUP(own)
{
}

FIXTURE_TEARDOWN(own)
{
}

#define OWN_TIMEOUT 180

/* ---- wakeups --------------------------------------------------------------- */

static int child_kill_parent(void *arg)
{
	(void)arg;
	return kill(getppid(), 0) < 0;
}

static int readable_within(int fd, int ms)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int ep = epoll_create1(0), n;

	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0)
		return -1;
	n = epoll_wait(ep, &ev, 1, ms);
	close(ep);
	return n;
}

TEST_F_TIMEOUT(own, urgent_record_wakes_reader, OWN_TIMEOUT)
{
	struct espy_bpf_opts o = { .poll_ms = 10000 };
	struct bpfu u = {};
	const char *why = bpfu_unsupported();
	int fd, status = -1;
	pid_t pid;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, bpfu_open(&u, &o)) TH_LOG("%s", u.log);
	fd = u.src.ops->fd(u.src.priv);
	bpfu_drain(&u);
	pid = bpfu_run(child_kill_parent, NULL, &status);
	ASSERT_EQ(0, status);
	/* a signal aimed at espyd wakes it at once, not at the 10 s timer */
	EXPECT_EQ(1, readable_within(fd, 2000));
	bpfu_drain(&u);
	EXPECT_NE(NULL, bpfu_find(&u, ESPY_EV_KILL, pid, NULL, NULL, 0));
	bpfu_close(&u);
}

TEST_F_TIMEOUT(own, poll_timer_bounds_latency, OWN_TIMEOUT)
{
	struct espy_bpf_opts o = { .poll_ms = 100 };
	struct bpfu u = {};
	const char *why = bpfu_unsupported();
	struct timespec t0, t1;
	int fd, status = -1, waited = 0;
	pid_t pid;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, bpfu_open(&u, &o)) TH_LOG("%s", u.log);
	fd = u.src.ops->fd(u.src.priv);
	pid = bpfu_run(child_true, NULL, &status);
	ASSERT_EQ(0, status);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	/* an ordinary exec record: the reader learns of it by the timer */
	while (!bpfu_find(&u, ESPY_EV_EXEC, pid, NULL, NULL, 0) && waited < 5) {
		ASSERT_EQ(1, readable_within(fd, 1000));
		bpfu_drain(&u);
		waited++;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ASSERT_NE(NULL, bpfu_find(&u, ESPY_EV_EXEC, pid, NULL, NULL, 0));
	EXPECT_LT((t1.tv_sec - t0.tv_sec) * 1000 +
		  (t1.tv_nsec - t0.tv_nsec) / 1000000, 2 * o.poll_ms + 50);
	bpfu_close(&u);
}

/* ---- drops ------------------------------------------------------------------ */

#define NKILL 400

static int child_kill_many(void *arg)
{
	(void)arg;
	for (int i = 0; i < NKILL; i++)
		if (kill(getppid(), 0) < 0)
			return 10;
	return 0;
}

TEST_F_TIMEOUT(own, drops_counted_exactly, OWN_TIMEOUT)
{
	/* one page: room for a few dozen records, none drained meanwhile */
	struct espy_bpf_opts o = { .ring_bytes = 4096, .poll_ms = 10000 };
	struct bpfu u = {};
	const char *why = bpfu_unsupported();
	__u64 before, dropped;
	size_t emitted;
	int status = -1;
	pid_t pid;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, bpfu_open(&u, &o)) TH_LOG("%s", u.log);
	bpfu_drain(&u);
	before = bpfu_drop_count(&u, ESPY_EV_KILL);
	ASSERT_NE((__u64)-1, before);
	pid = bpfu_run(child_kill_many, NULL, &status);
	ASSERT_EQ(0, status);
	bpfu_drain(&u);
	emitted = bpfu_count(&u, ESPY_EV_KILL, pid, NULL, NULL);
	dropped = bpfu_drop_count(&u, ESPY_EV_KILL) - before;
	TH_LOG("kill records: %zu emitted, %llu dropped", emitted,
	       (unsigned long long)dropped);
	/* only this child signals the test process: the books balance */
	EXPECT_EQ(NKILL, emitted + dropped);
	EXPECT_GT(dropped, 0);
	EXPECT_EQ(0, u.bad);

	/* once drained, records flow again */
	pid = bpfu_run(child_kill_parent, NULL, &status);
	ASSERT_EQ(0, status);
	bpfu_drain(&u);
	EXPECT_EQ(1, bpfu_count(&u, ESPY_EV_KILL, pid, NULL, NULL));
	bpfu_close(&u);
}

/* ---- classic tracepoint fallbacks ----------------------------------------- */

static int child_fork_exec(void *arg)
{
	pid_t pid = fork();
	int st;

	(void)arg;
	if (pid == 0)
		_exit(child_true(NULL));
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 10;
	return WIFEXITED(st) && WEXITSTATUS(st) == 0 ? 3 : 11;
}

struct tcp_ports {
	int lport, cport;
};

static int child_tcp_pair(void *arg)
{
	struct tcp_ports *p = arg;
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof(a);
	char buf[100] = { 0 };
	int l, c, s;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(l, 1) < 0 || getsockname(l, (struct sockaddr *)&a, &len) < 0)
		return 10;
	p->lport = ntohs(a.sin_port);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
		return 11;
	len = sizeof(a);
	if (getsockname(c, (struct sockaddr *)&a, &len) < 0)
		return 12;
	p->cport = ntohs(a.sin_port);
	s = accept(l, NULL, NULL);
	if (s < 0 || write(c, buf, sizeof(buf)) != sizeof(buf) ||
	    read(s, buf, sizeof(buf)) != sizeof(buf))
		return 13;
	close(c);
	if (read(s, buf, 1) != 0)
		return 14;
	close(s);
	return 0;
}

static int close_of(const void *rec, const void *arg)
{
	const struct espy_net *n = rec;
	const struct tcp_ports *p = arg;

	return n->local_port == p->cport && n->remote_port == p->lport;
}

TEST_F_TIMEOUT(own, classic_tracepoint_fallbacks, OWN_TIMEOUT)
{
	struct espy_bpf_opts o = { .flags = ESPY_BPF_NO_TP_BTF };
	struct espy_hook_status hs[256];
	const struct espy_hook_status *h;
	const struct espy_exec *e;
	const struct espy_fork *f;
	const struct espy_exit *x;
	const struct espy_net *n;
	struct tcp_ports *ports;
	struct bpfu u = {};
	const char *why = bpfu_unsupported();
	char exe[PATH_MAX];
	int nh, status = -1, i;
	pid_t pid, gc;

	if (why)
		SKIP(return, "%s", why);
	ASSERT_EQ(0, bpfu_open(&u, &o)) TH_LOG("%s", u.log);
	nh = u.src.ops->hooks(u.src.priv, hs, 256);
	for (i = 0; i < nh; i++)
		EXPECT_NE(0, strncmp(hs[i].name, "tp_btf/", 7));
	h = hook(hs, nh, "tracepoint/sched/sched_process_exec");
	ASSERT_NE(NULL, h);
	EXPECT_EQ(1, h->attached);

	pid = bpfu_run(child_fork_exec, NULL, &status);
	ASSERT_EQ(3, WEXITSTATUS(status));
	x = bpfu_wait(&u, ESPY_EV_EXIT, pid, NULL, NULL, 1000);
	ASSERT_NE(NULL, x);
	EXPECT_EQ(3 << 8, x->exit_code);
	f = bpfu_find(&u, ESPY_EV_FORK, pid, NULL, NULL, 0);
	ASSERT_NE(NULL, f);
	gc = f->child_tgid;
	EXPECT_NE(0, f->child_start_ns);
	e = bpfu_find(&u, ESPY_EV_EXEC, gc, NULL, NULL, 0);
	ASSERT_NE(NULL, e);
	ASSERT_NE(NULL, realpath("/bin/true", exe));
	EXPECT_TRUE(bpfu_streq((const char *)e->data, e->path_len, exe));
	/* argc from the new stack, argv from the new mm */
	EXPECT_EQ(3, e->argc);
	EXPECT_EQ(sizeof("true\0x\0y") - 1, e->argv_len);
	EXPECT_EQ(0, memcmp(e->data + e->path_len, "true\0x\0y", e->argv_len));
	EXPECT_EQ(pid, e->hdr.ppid);
	EXPECT_EQ(f->child_start_ns, e->hdr.start_ns);

	ports = mmap(NULL, sizeof(*ports), PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, ports);
	pid = bpfu_run(child_tcp_pair, ports, &status);
	ASSERT_EQ(0, status);
	n = bpfu_wait(&u, ESPY_EV_TCP_CLOSE, 0, close_of, ports, 2000);
	ASSERT_NE(NULL, n);
	EXPECT_EQ(100, n->bytes_sent);
	EXPECT_EQ(0, n->bytes_recv);
	munmap(ports, sizeof(*ports));
	bpfu_close(&u);
}

BPFU_MAIN
