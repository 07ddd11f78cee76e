/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpf tier, process events: exec (binary, script, memfd), fork, exit,
 * setuid, ptrace, bpf() program loads, signals aimed at espyd, packet
 * sockets.  A child performs the real syscalls; the records the sensors
 * wrote are asserted field by field.
 */
/* the harness's EXPECT_* compare mixed signedness and use setjmp */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
#include <arpa/inet.h>
#include <linux/bpf.h>
#include <pthread.h>
#include <pty.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/sendfile.h>
#include <sys/vfs.h>
#include <linux/magic.h>
#include <sys/syscall.h>
#include <linux/if_ether.h>

#include "kselftest_harness.h"
#include "bpf_util.h"

#define EXEC_STR(e, off, len) ((const char *)(e)->data + (off))

struct exec_view {
	const struct espy_exec *e;
	const char *path, *argv, *cwd, *script;
};

static struct exec_view exec_view(const struct espy_exec *e)
{
	struct exec_view v = { .e = e };

	v.path = (const char *)e->data;
	v.argv = v.path + e->path_len;
	v.cwd = v.argv + e->argv_len;
	v.script = v.cwd + e->cwd_len;
	return v;
}

FIXTURE(proc) {
	struct bpfu u;
};

FIXTURE_SETUP(proc)
{
	BPFU_SETUP(&self->u);
}

FIXTURE_TEARDOWN(proc)
{
	bpfu_close(&self->u);
}

/* ---- exec of a binary ----------------------------------------------------- */

struct exec_args {
	const char *dir;
	int stdout_sock;
};

static int child_exec_true(void *arg)
{
	const struct exec_args *a = arg;
	char *const argv[] = { "true", "a b", "c", NULL };
	char *const envp[] = { NULL };
	int sv[2];

	if (chdir(a->dir) < 0 || setsid() < 0)
		return 10;
	if (a->stdout_sock) {
		if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv) < 0 ||
		    dup2(sv[0], 1) < 0)
			return 11;
	}
	execve("/bin/true", argv, envp);
	return 12;
}

TEST_F(proc, exec_binary)
{
	struct exec_args a = { .dir = self->u.tmp, .stdout_sock = 1 };
	const struct espy_exec *e;
	struct exec_view v;
	char exe[PATH_MAX];
	struct statfs sfs;
	struct stat st;
	int status;
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	ASSERT_NE(NULL, realpath("/bin/true", exe));
	ASSERT_EQ(0, stat(exe, &st));
	ASSERT_EQ(0, statfs(exe, &sfs));
	pid = bpfu_run(child_exec_true, &a, &status);
	ASSERT_GT(pid, 0);
	ASSERT_EQ(0, status);
	e = bpfu_wait(&self->u, ESPY_EV_EXEC, pid, NULL, NULL, 1000);
	ASSERT_NE(NULL, e) TH_LOG("no exec record for pid %d", pid);
	v = exec_view(e);
	EXPECT_EQ(sizeof(*e) + e->path_len + e->argv_len + e->cwd_len +
		  e->script_len, e->hdr.size);
	EXPECT_EQ(pid, e->hdr.tgid);
	EXPECT_EQ(pid, e->hdr.tid);
	EXPECT_EQ(getpid(), e->hdr.ppid);
	EXPECT_EQ(0, e->hdr.uid);
	EXPECT_EQ(0, e->hdr.euid);
	EXPECT_NE(0, e->hdr.start_ns);
	EXPECT_NE(0, e->hdr.mntns);
	EXPECT_NE(0, e->hdr.netns);
	EXPECT_EQ(0, e->hdr.flags);
	EXPECT_EQ(0, strncmp(e->hdr.comm, "true", 16));
	EXPECT_TRUE(bpfu_streq(v.path, e->path_len, exe))
		TH_LOG("exe path '%.*s' want '%s'", e->path_len, v.path, exe);
	EXPECT_EQ(st.st_ino, e->exe_ino);
	EXPECT_EQ(bpfu_kdev(st.st_dev), e->exe_dev);
	EXPECT_EQ(3, e->argc);
	EXPECT_EQ(sizeof("true\0a b\0c") - 1, e->argv_len);
	EXPECT_EQ(0, memcmp(v.argv, "true\0a b\0c", e->argv_len));
	EXPECT_TRUE(bpfu_streq(v.cwd, e->cwd_len, self->u.tmp))
		TH_LOG("cwd '%.*s' want '%s'", e->cwd_len, v.cwd, self->u.tmp);
	EXPECT_EQ(0, e->script_len);
	/* setsid(): no controlling terminal; fd 1 is a socket, 0 and 2 not */
	EXPECT_EQ(0, e->tty_dev);
	/* (an initramfs keeps /bin/true on tmpfs: the vm tier) */
	EXPECT_EQ(ESPY_EXEC_STDOUT_SOCK |
		  (sfs.f_type == TMPFS_MAGIC ? ESPY_EXEC_UPPER_WRITABLE : 0),
		  e->flags);
}

/* ---- exec with a controlling terminal ------------------------------------- */

static int child_exec_tty(void *arg)
{
	const char *slave = arg;
	char *const argv[] = { "true", NULL };
	char *const envp[] = { NULL };
	int fd;

	if (setsid() < 0)
		return 10;
	fd = open(slave, O_RDWR);
	if (fd < 0 || ioctl(fd, TIOCSCTTY, 0) < 0)
		return 11;
	execve("/bin/true", argv, envp);
	return 12;
}

TEST_F(proc, exec_tty)
{
	const struct espy_exec *e;
	char slave[64];
	struct stat st;
	int master, status;
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	master = posix_openpt(O_RDWR | O_NOCTTY);
	ASSERT_GE(master, 0);
	ASSERT_EQ(0, grantpt(master));
	ASSERT_EQ(0, unlockpt(master));
	ASSERT_EQ(0, ptsname_r(master, slave, sizeof(slave)));
	ASSERT_EQ(0, stat(slave, &st));
	pid = bpfu_run(child_exec_tty, slave, &status);
	ASSERT_EQ(0, status);
	e = bpfu_wait(&self->u, ESPY_EV_EXEC, pid, NULL, NULL, 1000);
	ASSERT_NE(NULL, e);
	EXPECT_EQ(bpfu_kdev(st.st_rdev), e->tty_dev);
	/* the pty is not a socket */
	EXPECT_EQ(0, e->flags & (ESPY_EXEC_STDIN_SOCK | ESPY_EXEC_STDOUT_SOCK |
				 ESPY_EXEC_STDERR_SOCK));
	close(master);
}

/* ---- exec of a script ------------------------------------------------------ */

static int child_exec_script(void *arg)
{
	const char *dir = arg;
	char *const argv[] = { "s.sh", "x", NULL };
	char *const envp[] = { NULL };

	if (chdir(dir) < 0)
		return 10;
	execve("./s.sh", argv, envp);
	return 12;
}

TEST_F(proc, exec_script)
{
	const struct espy_exec *e;
	struct exec_view v;
	char script[PATH_MAX + 8], sh[PATH_MAX];
	int status;
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	snprintf(script, sizeof(script), "%s/s.sh", self->u.tmp);
	ASSERT_EQ(0, bpfu_write_file(script, "#!/bin/sh\nexit 0\n", 0755));
	ASSERT_NE(NULL, realpath("/bin/sh", sh));
	pid = bpfu_run(child_exec_script, self->u.tmp, &status);
	ASSERT_EQ(0, status);
	e = bpfu_wait(&self->u, ESPY_EV_EXEC, pid, NULL, NULL, 1000);
	ASSERT_NE(NULL, e);
	v = exec_view(e);
	/* the file mapped is the interpreter; the script is what was named */
	EXPECT_TRUE(bpfu_streq(v.path, e->path_len, sh))
		TH_LOG("exe '%.*s' want '%s'", e->path_len, v.path, sh);
	EXPECT_TRUE(bpfu_streq(v.script, e->script_len, "./s.sh"))
		TH_LOG("script '%.*s'", e->script_len, v.script);
	EXPECT_EQ(ESPY_EXEC_SCRIPT, e->flags & ESPY_EXEC_SCRIPT);
	/* binfmt_script: interpreter, script path, then the original args */
	EXPECT_EQ(3, e->argc);
	EXPECT_EQ(sizeof("/bin/sh\0./s.sh\0x") - 1, e->argv_len);
	EXPECT_EQ(0, memcmp(v.argv, "/bin/sh\0./s.sh\0x", e->argv_len));
	EXPECT_TRUE(bpfu_streq(v.cwd, e->cwd_len, self->u.tmp));
}

/* ---- memfd_create then exec of it -------------------------------------- */

static int child_memfd_exec(void *arg)
{
	/* argv[0] "true": busybox (the vm tier's /bin/true) runs by name */
	char *const argv[] = { "true", NULL };
	char *const envp[] = { NULL };
	struct stat st;
	int in, fd;

	(void)arg;
	in = open("/bin/true", O_RDONLY);
	fd = memfd_create("espy-test", 0);
	if (in < 0 || fd < 0 || fstat(in, &st) < 0)
		return 10;
	if (sendfile(fd, in, NULL, st.st_size) != st.st_size)
		return 11;
	fexecve(fd, argv, envp);
	return 12;
}

static int memfd_rec(const void *rec, const void *arg)
{
	const struct espy_priv *p = rec;

	(void)arg;
	return p->op == ESPY_OP_MEMFD_CREATE;
}

TEST_F(proc, memfd_exec)
{
	const struct espy_exec *e;
	const struct espy_priv *m;
	struct exec_view v;
	int status;
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	pid = bpfu_run(child_memfd_exec, NULL, &status);
	ASSERT_EQ(0, status);
	m = bpfu_wait(&self->u, ESPY_EV_MEMFD, pid, memfd_rec, NULL, 1000);
	ASSERT_NE(NULL, m);
	EXPECT_EQ(ESPY_OP_MEMFD_CREATE, m->op);
	EXPECT_EQ(0, m->args[0]);
	EXPECT_GE(m->ret, 0);
	EXPECT_TRUE(bpfu_streq((const char *)m->data, m->name_len, "espy-test"));
	e = bpfu_wait(&self->u, ESPY_EV_EXEC, pid, NULL, NULL, 1000);
	ASSERT_NE(NULL, e);
	v = exec_view(e);
	EXPECT_EQ(ESPY_EXEC_MEMFD | ESPY_EXEC_DELETED,
		  e->flags & (ESPY_EXEC_MEMFD | ESPY_EXEC_DELETED));
	EXPECT_TRUE(bpfu_streq(v.path, e->path_len, "/memfd:espy-test"))
		TH_LOG("exe '%.*s'", e->path_len, v.path);
	EXPECT_EQ(1, e->argc);
	EXPECT_TRUE(bpfu_streq(v.argv, e->argv_len, "true"));
}

/* ---- fork and exit ----------------------------------------------------------- */

static void *thread_noop(void *arg)
{
	return arg;
}

static int child_fork(void *arg)
{
	pid_t *gc = arg;	/* shared mapping: the grandchild's pid */
	pthread_t th;
	int st;

	/* a thread is not a process: no fork record for it */
	if (pthread_create(&th, NULL, thread_noop, NULL) ||
	    pthread_join(th, NULL))
		return 10;
	pid_t pid = fork();

	if (pid == 0)
		_exit(7);
	*gc = pid;
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return 11;
	return 42;
}

TEST_F(proc, fork_and_exit)
{
	const struct espy_fork *f;
	const struct espy_exit *x, *gx;
	pid_t *gc, pid;
	int status;

	if (BPFU_SKIPPED())
		return;
	gc = mmap(NULL, sizeof(*gc), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, gc);
	pid = bpfu_run(child_fork, gc, &status);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(42, WEXITSTATUS(status));
	x = bpfu_wait(&self->u, ESPY_EV_EXIT, pid, NULL, NULL, 1000);
	ASSERT_NE(NULL, x);

	/* exactly one fork by the child: the grandchild, not the thread */
	EXPECT_EQ(1, bpfu_count(&self->u, ESPY_EV_FORK, pid, NULL, NULL));
	f = bpfu_find(&self->u, ESPY_EV_FORK, pid, NULL, NULL, 0);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(*gc, f->child_tgid);
	EXPECT_NE(0, f->child_start_ns);
	EXPECT_GT(f->child_start_ns, f->hdr.start_ns);
	EXPECT_EQ(getpid(), f->hdr.ppid);
	EXPECT_EQ(sizeof(*f), f->hdr.size);

	/* one exit per process, with the wait status */
	EXPECT_EQ(1, bpfu_count(&self->u, ESPY_EV_EXIT, pid, NULL, NULL));
	EXPECT_EQ(42 << 8, x->exit_code);
	EXPECT_EQ(getpid(), x->hdr.ppid);
	gx = bpfu_find(&self->u, ESPY_EV_EXIT, *gc, NULL, NULL, 0);
	ASSERT_NE(NULL, gx);
	EXPECT_EQ(7 << 8, gx->exit_code);
	EXPECT_EQ(pid, gx->hdr.ppid);
	EXPECT_EQ(f->child_start_ns, gx->hdr.start_ns);
	munmap(gc, sizeof(*gc));
}

static int child_killed(void *arg)
{
	(void)arg;
	raise(SIGKILL);
	return 0;
}

TEST_F(proc, exit_by_signal)
{
	const struct espy_exit *x;
	int status;
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	pid = bpfu_run(child_killed, NULL, &status);
	ASSERT_TRUE(WIFSIGNALED(status));
	x = bpfu_wait(&self->u, ESPY_EV_EXIT, pid, NULL, NULL, 1000);
	ASSERT_NE(NULL, x);
	EXPECT_EQ(SIGKILL, x->exit_code);
}

/* ---- setuid ---------------------------------------------------------------- */

static int child_setuid(void *arg)
{
	(void)arg;
	if (setresgid(65534, 65534, 65534) < 0)
		return 10;
	if (setuid(65534) < 0)
		return 11;
	/* now unprivileged: this one fails */
	return setuid(0) == 0 ? 12 : 0;
}

static int setid_op(const void *rec, const void *arg)
{
	return ((const struct espy_priv *)rec)->op == *(const __u32 *)arg;
}

TEST_F(proc, setuid)
{
	const struct espy_priv *p, *p2, *g;
	__u32 op = ESPY_OP_SETUID, gop = ESPY_OP_SETRESGID;
	int status;
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	pid = bpfu_run(child_setuid, NULL, &status);
	ASSERT_EQ(0, status);
	bpfu_wait(&self->u, ESPY_EV_EXIT, pid, NULL, NULL, 1000);
	g = bpfu_find(&self->u, ESPY_EV_SETID, pid, setid_op, &gop, 0);
	ASSERT_NE(NULL, g);
	EXPECT_EQ(65534, g->args[0]);
	EXPECT_EQ(65534, g->args[1]);
	EXPECT_EQ(65534, g->args[2]);
	EXPECT_EQ(0, g->ret);
	p = bpfu_find(&self->u, ESPY_EV_SETID, pid, setid_op, &op, 0);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(65534, p->args[0]);
	EXPECT_EQ(0, p->ret);
	/* the header carries the credentials after the change */
	EXPECT_EQ(65534, p->hdr.uid);
	EXPECT_EQ(65534, p->hdr.euid);
	EXPECT_EQ(65534, p->hdr.gid);
	p2 = bpfu_find(&self->u, ESPY_EV_SETID, pid, setid_op, &op, 1);
	ASSERT_NE(NULL, p2);
	EXPECT_EQ(0, p2->args[0]);
	EXPECT_EQ(-EPERM, p2->ret);
	EXPECT_EQ(sizeof(*p2), p2->hdr.size);
}

/* ---- ptrace ---------------------------------------------------------------- */

static int child_ptrace(void *arg)
{
	pid_t *target = arg;
	int st, ok;

	pid_t pid = fork();

	if (pid == 0) {
		pause();
		_exit(0);
	}
	*target = pid;
	ok = ptrace(PTRACE_ATTACH, *target, 0, 0) == 0 &&
	     waitpid(*target, &st, 0) == *target;
	kill(*target, SIGKILL);
	ptrace(PTRACE_DETACH, *target, 0, 0);
	waitpid(*target, &st, 0);
	return ok ? 0 : 10;
}

TEST_F(proc, ptrace_attach)
{
	const struct espy_priv *p;
	pid_t *target, pid;
	int status;

	if (BPFU_SKIPPED())
		return;
	target = mmap(NULL, sizeof(*target), PROT_READ | PROT_WRITE,
		      MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, target);
	pid = bpfu_run(child_ptrace, target, &status);
	ASSERT_EQ(0, status);
	p = bpfu_wait(&self->u, ESPY_EV_PTRACE, pid, NULL, NULL, 1000);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(ESPY_OP_PTRACE, p->op);
	EXPECT_EQ(PTRACE_ATTACH, p->args[0]);
	EXPECT_EQ(*target, p->target_pid);
	EXPECT_EQ(0, p->ret);
	/* PTRACE_DETACH is not among the reported requests */
	EXPECT_EQ(1, bpfu_count(&self->u, ESPY_EV_PTRACE, pid, NULL, NULL));
	munmap(target, sizeof(*target));
}

/* ---- bpf() program load -------------------------------------------------- */

static int child_bpf_load(void *arg)
{
	struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	union bpf_attr attr;
	int fd;

	(void)arg;
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insns = (unsigned long)insns;
	attr.insn_cnt = 2;
	attr.license = (unsigned long)"GPL";
	strcpy(attr.prog_name, "espy_t");
	fd = syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	return fd >= 0 ? 0 : 10;
}

TEST_F(proc, bpf_prog_load)
{
	const struct espy_priv *p;
	int status;
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	pid = bpfu_run(child_bpf_load, NULL, &status);
	ASSERT_EQ(0, status);
	p = bpfu_wait(&self->u, ESPY_EV_BPF, pid, NULL, NULL, 1000);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(ESPY_OP_BPF_PROG_LOAD, p->op);
	EXPECT_EQ(BPF_PROG_TYPE_SOCKET_FILTER, p->args[0]);
	EXPECT_EQ(2, p->args[1]);
	EXPECT_GE(p->ret, 0);
	EXPECT_TRUE(bpfu_streq((const char *)p->data, p->name_len, "espy_t"));
	EXPECT_EQ(sizeof(*p) + p->name_len, p->hdr.size);
}

/* ---- signals aimed at espyd (here: the test process) ---------------------- */

static int child_kill_espyd(void *arg)
{
	pid_t espyd = *(const pid_t *)arg;

	/* signal 0: a probe, harmless, still a kill(2) aimed at espyd */
	if (kill(espyd, 0) < 0)
		return 10;
	if (syscall(SYS_tgkill, espyd, espyd, 0) < 0)
		return 11;
	/* aimed elsewhere: not reported */
	if (kill(getpid(), 0) < 0)
		return 12;
	return 0;
}

TEST_F(proc, kill_aimed_at_espyd)
{
	const struct espy_priv *k, *t;
	int status;
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	pid = bpfu_run(child_kill_espyd, &self->u.self, &status);
	ASSERT_EQ(0, status);
	k = bpfu_wait(&self->u, ESPY_EV_KILL, pid, NULL, NULL, 1000);
	ASSERT_NE(NULL, k);
	EXPECT_EQ(ESPY_OP_KILL, k->op);
	EXPECT_EQ(self->u.self, k->target_pid);
	EXPECT_EQ(0, k->args[0]);
	EXPECT_EQ(0, k->ret);
	t = bpfu_find(&self->u, ESPY_EV_KILL, pid, NULL, NULL, 1);
	ASSERT_NE(NULL, t);
	EXPECT_EQ(ESPY_OP_TGKILL, t->op);
	EXPECT_EQ(self->u.self, t->target_pid);
	EXPECT_EQ(2, bpfu_count(&self->u, ESPY_EV_KILL, pid, NULL, NULL));
}

/* ---- packet sockets -------------------------------------------------------- */

static int child_packet_socket(void *arg)
{
	int fd;

	(void)arg;
	fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (fd < 0)
		return 10;
	/* an ordinary socket is not reported */
	if (socket(AF_INET, SOCK_STREAM, 0) < 0)
		return 11;
	return 0;
}

TEST_F(proc, packet_socket)
{
	const struct espy_priv *p;
	int status;
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	pid = bpfu_run(child_packet_socket, NULL, &status);
	ASSERT_EQ(0, status);
	p = bpfu_wait(&self->u, ESPY_EV_SOCKET, pid, NULL, NULL, 1000);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(ESPY_OP_SOCKET, p->op);
	EXPECT_EQ(AF_PACKET, p->args[0]);
	EXPECT_EQ(SOCK_RAW, p->args[1]);
	EXPECT_EQ(htons(ETH_P_ALL), p->args[2]);
	EXPECT_GE(p->ret, 0);
	EXPECT_EQ(1, bpfu_count(&self->u, ESPY_EV_SOCKET, pid, NULL, NULL));
}

BPFU_MAIN
