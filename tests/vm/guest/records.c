/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Record-level assertions, the same for both drivers: the eBPF sensors and
 * espy.ko's /dev/espy (fixture variants bpf and kmod).  Each test runs a
 * scripted workload in a child (tests/vm/guest/workload.h) and checks
 * every field of the records it caused.  Runs in the vm tier's guests.
 */
#include "workload.h"
#include "guest.h"
#include "kselftest_harness.h"

static const char *const interest_prefixes[] = { WL_SECRET };
static const char *const interest_names[] = { ".ssh" };

static void setup_tree(void)
{
	int fd;

	mkdir(WL_DIR, 0755);
	mkdir(WL_DIR "/secret", 0755);
	mkdir(WL_DIR "/home", 0755);
	mkdir(WL_DIR "/home/.ssh", 0700);
	fd = open(WL_SECRET "key", O_CREAT | O_WRONLY, 0600);
	close(fd);
	fd = open(WL_DIR "/home/.ssh/id", O_CREAT | O_WRONLY, 0600);
	close(fd);
	fd = open(WL_DIR "/boring", O_CREAT | O_WRONLY, 0644);
	close(fd);
}

FIXTURE(rec) {
	struct coll c;
	struct wl_out *o;
	pid_t self;
	int kmod;
};

FIXTURE_VARIANT(rec) {
	const char *driver;
};

FIXTURE_VARIANT_ADD(rec, bpf) {
	.driver = "bpf",
};

FIXTURE_VARIANT_ADD(rec, kmod) {
	.driver = "kmod",
};

FIXTURE_SETUP(rec)
{
	uint64_t t0 = mono_ms();
	char why[256];

	setup_tree();
	self->self = getpid();
	self->kmod = !strcmp(variant->driver, "kmod");
	self->o = wl_shared();
	ASSERT_NE(NULL, self->o);
	if (coll_open(&self->c, variant->driver, why, sizeof(why)))
		SKIP(return, "%s", why);
	TH_LOG("%s driver opened in %llu ms", variant->driver,
	       (unsigned long long)(mono_ms() - t0));
	ASSERT_EQ(0, self->c.src.ops->set_interest(self->c.src.priv,
			interest_prefixes, 1, interest_names, 1));
}

FIXTURE_TEARDOWN(rec)
{
	coll_close(&self->c);
}

/* Run a workload and collect until its exit record is in. */
static pid_t run_and_collect(struct __test_metadata *_metadata,
			     FIXTURE_DATA(rec) *self,
			     void (*fn)(struct wl_out *), int *status)
{
	pid_t pid;
	int i;

	coll_pump(&self->c, 50);
	coll_reset(&self->c);
	pid = wl_run(fn, self->o, status);
	for (i = 0; i < 100 && !coll_nth(&self->c, ESPY_EV_EXIT, pid, 0); i++)
		coll_pump(&self->c, 30);
	coll_pump(&self->c, 60);
	if (self->o->errors)
		TH_LOG("workload: %d failed step(s), first: %s",
		       self->o->errors, self->o->err);
	coll_dump(&self->c, pid);
	return pid;
}

/* The common header of a record caused by the workload process pid. */
static void check_hdr(struct __test_metadata *_metadata,
		      FIXTURE_DATA(rec) *self, const struct espy_hdr *h,
		      pid_t pid, const char *comm)
{
	struct stat cg;

	ASSERT_NE(NULL, h);
	EXPECT_EQ((uint32_t)pid, h->tgid);
	EXPECT_EQ((uint32_t)pid, h->tid);
	EXPECT_EQ((uint32_t)self->self, h->ppid);
	EXPECT_EQ(0U, h->uid);
	EXPECT_EQ(0U, h->gid);
	EXPECT_EQ(0U, h->euid);
	EXPECT_EQ(0U, h->egid);
	/* nobody logged in on the guest */
	EXPECT_EQ((uint32_t)-1, h->auid);
	EXPECT_EQ((uint32_t)-1, h->sessionid);
	EXPECT_EQ(ns_inode("mnt"), h->mntns);
	EXPECT_EQ(ns_inode("net"), h->netns);
	if (!stat("/sys/fs/cgroup", &cg))
		EXPECT_EQ((uint64_t)cg.st_ino, h->cgroup_id);
	EXPECT_NE(0ULL, h->start_ns);
	EXPECT_LE(h->start_ns, h->ts_ns);
	EXPECT_EQ(0, h->cpu);	/* pinned */
	EXPECT_EQ(self->kmod ? ESPY_F_KMOD : 0, h->flags & ESPY_F_KMOD);
	if (comm)
		EXPECT_STREQ(comm, h->comm);
}

TEST_F(rec, exec_fork_exit)
{
	const struct espy_exec *x;
	const struct espy_fork *f;
	const struct espy_exit *e;
	struct stat bb;
	struct tails t;
	int status;
	pid_t pid;

	pid = run_and_collect(_metadata, self, wl_proc, &status);
	ASSERT_EQ(0, self->o->errors);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(5, WEXITSTATUS(status));

	f = (const void *)coll_nth(&self->c, ESPY_EV_FORK, pid, 0);
	check_hdr(_metadata, self, &f->hdr, pid, "records");
	EXPECT_EQ(sizeof(*f), f->hdr.size);
	EXPECT_EQ((uint32_t)self->o->grandchild, f->child_tgid);
	EXPECT_LE(f->hdr.start_ns, f->child_start_ns);
	/* nothing from this (excluded) process, no fork record for pid */
	EXPECT_EQ(0U, coll_count(&self->c, ESPY_EV_FORK, self->self));

	e = (const void *)coll_nth(&self->c, ESPY_EV_EXIT,
				   self->o->grandchild, 0);
	ASSERT_NE(NULL, e);
	EXPECT_EQ((uint32_t)pid, e->hdr.ppid);
	EXPECT_EQ(3 << 8, e->exit_code);
	EXPECT_EQ(f->child_start_ns, e->hdr.start_ns);

	x = (const void *)coll_nth(&self->c, ESPY_EV_EXEC, pid, 0);
	check_hdr(_metadata, self, &x->hdr, pid, "sh");
	ASSERT_EQ(0, stat("/bin/busybox", &bb));
	EXPECT_EQ((uint64_t)bb.st_ino, x->exe_ino);
	EXPECT_EQ(kdev(bb.st_dev), x->exe_dev);
	EXPECT_EQ(3U, x->argc);
	/* the initramfs is a tmpfs: a writable place */
	EXPECT_EQ(ESPY_EXEC_UPPER_WRITABLE, x->flags);
	EXPECT_EQ(0U, x->tty_dev);
	EXPECT_EQ(f->hdr.start_ns, x->hdr.start_ns);
	rec_tails(&x->hdr, &t);
	EXPECT_TRUE(tail_is(&t, 0, "/bin/busybox"));
	EXPECT_EQ(sizeof("sh\0-c\0exit 5") - 1, t.len[1]);
	EXPECT_EQ(0, memcmp(t.p[1], "sh\0-c\0exit 5", t.len[1]));
	EXPECT_TRUE(tail_is(&t, 2, WL_DIR));
	EXPECT_EQ(0U, x->script_len);
	EXPECT_EQ(sizeof(*x) + x->path_len + x->argv_len + x->cwd_len,
		  x->hdr.size);

	e = (const void *)coll_nth(&self->c, ESPY_EV_EXIT, pid, 0);
	check_hdr(_metadata, self, &e->hdr, pid, "sh");
	EXPECT_EQ(5 << 8, e->exit_code);
	EXPECT_EQ(sizeof(*e), e->hdr.size);
}

/* The n-th file record of type from pid, with its tails. */
static const struct espy_file *file_rec(FIXTURE_DATA(rec) *self, uint16_t type,
					pid_t pid, int nth, struct tails *t)
{
	const struct espy_file *f;

	f = (const void *)coll_nth(&self->c, type, pid, nth);
	if (f)
		rec_tails(&f->hdr, t);
	return f;
}

TEST_F(rec, file_ops)
{
	const struct espy_file *f;
	struct tails t;
	int status;
	pid_t pid;

	pid = run_and_collect(_metadata, self, wl_files, &status);
	ASSERT_EQ(0, self->o->errors);

	/* openat(AT_FDCWD, "created", O_CREAT|O_WRONLY|O_TRUNC, 0640) */
	f = file_rec(self, ESPY_EV_OPEN, pid, 0, &t);
	check_hdr(_metadata, self, &f->hdr, pid, "records");
	EXPECT_EQ(self->o->create_fd, f->ret);
	EXPECT_EQ((unsigned)(O_CREAT | O_WRONLY | O_TRUNC), f->flags);
	EXPECT_EQ(0640U, f->mode);
	EXPECT_EQ(ESPY_FILE_CREATED, f->fflags);
	EXPECT_EQ((uint64_t)self->o->create_ino, f->ino);
	EXPECT_NE(0U, f->dev);
	EXPECT_EQ((uint32_t)-1, f->uid);
	EXPECT_TRUE(tail_is(&t, 0, WL_DIR "/created"));
	EXPECT_EQ(0U, f->path2_len);
	EXPECT_EQ(sizeof(*f) + f->path_len, f->hdr.size);

	/* fchmod(fd, 04755): resolved from the fd */
	f = file_rec(self, ESPY_EV_CHMOD, pid, 0, &t);
	check_hdr(_metadata, self, &f->hdr, pid, NULL);
	EXPECT_EQ(0, f->ret);
	EXPECT_EQ(04755U, f->mode);
	EXPECT_EQ((uint64_t)self->o->create_ino, f->ino);
	EXPECT_EQ(0U, f->fflags);
	EXPECT_TRUE(tail_is(&t, 0, WL_DIR "/created"));

	/* ftruncate(fd, 4096), then truncate(path, 10) */
	f = file_rec(self, ESPY_EV_TRUNCATE, pid, 0, &t);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(4096, f->size);
	EXPECT_EQ((uint64_t)self->o->create_ino, f->ino);
	EXPECT_TRUE(tail_is(&t, 0, WL_DIR "/created"));
	f = file_rec(self, ESPY_EV_TRUNCATE, pid, 1, &t);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(10, f->size);
	EXPECT_EQ(ESPY_FILE_PATH_RAW, f->fflags);
	EXPECT_TRUE(tail_is(&t, 0, WL_DIR "/created"));

	/* chmod(absolute path, 0600) */
	f = file_rec(self, ESPY_EV_CHMOD, pid, 1, &t);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(0600U, f->mode);
	EXPECT_EQ(ESPY_FILE_PATH_RAW, f->fflags);
	EXPECT_EQ(0ULL, f->ino);
	EXPECT_TRUE(tail_is(&t, 0, WL_DIR "/created"));

	/* chown("created", 1000, -1): relative, joined to the cwd */
	f = file_rec(self, ESPY_EV_CHOWN, pid, 0, &t);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(0, f->ret);
	EXPECT_EQ(1000U, f->uid);
	EXPECT_EQ((uint32_t)-1, f->gid);
	EXPECT_EQ(ESPY_FILE_PATH_RAW, f->fflags);
	EXPECT_TRUE(tail_is(&t, 0, WL_DIR "/created"));

	f = file_rec(self, ESPY_EV_UTIMES, pid, 0, &t);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(1000000000LL * 1000000000LL + 5, f->atime_ns);
	EXPECT_EQ(ESPY_UTIME_OMIT, f->mtime_ns);
	EXPECT_EQ((unsigned)AT_SYMLINK_NOFOLLOW, f->flags);
	EXPECT_TRUE(tail_is(&t, 0, WL_DIR "/created"));

	f = file_rec(self, ESPY_EV_MKDIR, pid, 0, &t);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(0700U, f->mode);
	EXPECT_TRUE(tail_is(&t, 0, WL_DIR "/sub"));

	f = file_rec(self, ESPY_EV_RENAME, pid, 0, &t);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(0, f->ret);
	EXPECT_TRUE(tail_is(&t, 0, WL_DIR "/created"));
	EXPECT_TRUE(tail_is(&t, 1, WL_DIR "/sub/moved"));
	EXPECT_EQ(sizeof(*f) + f->path_len + f->path2_len, f->hdr.size);

	f = file_rec(self, ESPY_EV_LINK, pid, 0, &t);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(0U, f->fflags & ESPY_FILE_SYMLINK);
	EXPECT_TRUE(tail_is(&t, 0, WL_DIR "/sub/moved"));
	EXPECT_TRUE(tail_is(&t, 1, WL_DIR "/hard"));

	f = file_rec(self, ESPY_EV_LINK, pid, 1, &t);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(ESPY_FILE_SYMLINK, f->fflags & ESPY_FILE_SYMLINK);
	EXPECT_TRUE(tail_is(&t, 0, WL_DIR "/soft"));
	EXPECT_TRUE(tail_is(&t, 1, "../etc/passwd"));

	f = file_rec(self, ESPY_EV_UNLINK, pid, 0, &t);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(0, f->ret);
	EXPECT_EQ(0U, f->fflags & ESPY_FILE_DIR);
	EXPECT_TRUE(tail_is(&t, 0, WL_DIR "/soft"));
	f = file_rec(self, ESPY_EV_UNLINK, pid, 3, &t);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(ESPY_FILE_DIR, f->fflags & ESPY_FILE_DIR);
	EXPECT_TRUE(tail_is(&t, 0, WL_DIR "/sub"));

	/* the failed create: the user's string and the error */
	f = file_rec(self, ESPY_EV_OPEN, pid, 1, &t);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(-ENOENT, f->ret);
	EXPECT_EQ(ESPY_FILE_PATH_RAW, f->fflags);
	EXPECT_EQ(0ULL, f->ino);
	EXPECT_TRUE(tail_is(&t, 0, WL_DIR "/nodir/x"));
	EXPECT_EQ(2U, coll_count(&self->c, ESPY_EV_OPEN, pid));
}

TEST_F(rec, open_filter)
{
	const struct espy_file *f;
	struct tails t;
	int status;
	pid_t pid;

	pid = run_and_collect(_metadata, self, wl_reads, &status);
	ASSERT_EQ(0, self->o->errors);

	f = file_rec(self, ESPY_EV_OPEN, pid, 0, &t);
	check_hdr(_metadata, self, &f->hdr, pid, "records");
	EXPECT_LE(0, f->ret);
	EXPECT_EQ((unsigned)O_RDONLY, f->flags);
	EXPECT_EQ(0U, f->fflags);
	EXPECT_EQ((uint64_t)self->o->secret_ino, f->ino);
	EXPECT_TRUE(tail_is(&t, 0, WL_SECRET "key"));

	f = file_rec(self, ESPY_EV_OPEN, pid, 1, &t);
	ASSERT_NE(NULL, f);
	EXPECT_TRUE(tail_is(&t, 0, WL_DIR "/home/.ssh/id"));

	f = file_rec(self, ESPY_EV_OPEN, pid, 2, &t);
	ASSERT_NE(NULL, f);
	EXPECT_EQ(-ENOENT, f->ret);
	EXPECT_EQ(ESPY_FILE_PATH_RAW, f->fflags);
	EXPECT_TRUE(tail_is(&t, 0, WL_SECRET "missing"));

	/* "boring" and the boring failure were filtered out */
	EXPECT_EQ(3U, coll_count(&self->c, ESPY_EV_OPEN, pid));
}

TEST_F(rec, net)
{
	const unsigned char lo[4] = { 127, 0, 0, 1 };
	const struct espy_net *n;
	struct tails t;
	size_t i;
	int status, closes = 0;
	pid_t pid;

	pid = run_and_collect(_metadata, self, wl_net, &status);
	ASSERT_EQ(0, self->o->errors);

	n = (const void *)coll_nth(&self->c, ESPY_EV_BIND, pid, 0);
	check_hdr(_metadata, self, &n->hdr, pid, "records");
	EXPECT_EQ(0, n->ret);
	EXPECT_EQ(AF_INET, n->family);
	EXPECT_EQ(IPPROTO_TCP, n->protocol);
	EXPECT_EQ(WL_PORT, n->local_port);
	EXPECT_EQ(0, memcmp(n->local_addr, lo, 4));
	EXPECT_EQ((uint32_t)self->o->lst_fd, n->fd);

	n = (const void *)coll_nth(&self->c, ESPY_EV_LISTEN, pid, 0);
	ASSERT_NE(NULL, n);
	EXPECT_EQ(7, n->backlog);
	EXPECT_EQ(WL_PORT, n->local_port);
	EXPECT_EQ(0, memcmp(n->local_addr, lo, 4));

	n = (const void *)coll_nth(&self->c, ESPY_EV_CONNECT, pid, 0);
	ASSERT_NE(NULL, n);
	EXPECT_EQ(0, n->ret);
	EXPECT_EQ(WL_PORT, n->remote_port);
	EXPECT_EQ(0, memcmp(n->remote_addr, lo, 4));
	EXPECT_EQ(self->o->conn_lport, n->local_port);
	EXPECT_EQ((uint32_t)self->o->conn_fd, n->fd);
	EXPECT_NE(0ULL, n->sock_cookie);

	n = (const void *)coll_nth(&self->c, ESPY_EV_ACCEPT, pid, 0);
	ASSERT_NE(NULL, n);
	EXPECT_EQ(self->o->acc_fd, n->ret);
	EXPECT_EQ((uint32_t)self->o->acc_fd, n->fd);
	EXPECT_EQ(WL_PORT, n->local_port);
	EXPECT_EQ(self->o->conn_lport, n->remote_port);
	EXPECT_EQ(0, memcmp(n->remote_addr, lo, 4));

	n = (const void *)coll_nth(&self->c, ESPY_EV_CONNECT, pid, 1);
	ASSERT_NE(NULL, n);
	EXPECT_EQ(-ECONNREFUSED, n->ret);
	EXPECT_EQ(WL_PORT + 1, n->remote_port);

	n = (const void *)coll_nth(&self->c, ESPY_EV_DNS, pid, 0);
	ASSERT_NE(NULL, n);
	EXPECT_EQ(IPPROTO_UDP, n->protocol);
	EXPECT_EQ(53, n->remote_port);
	EXPECT_EQ(1, n->qtype);
	rec_tails(&n->hdr, &t);
	EXPECT_TRUE(tail_is(&t, 0, "www.example.org"));

	/* both ends of the connection closed, with their byte counts */
	for (i = 0; i < self->c.n; i++) {
		n = (const void *)self->c.rec[i];
		if (n->hdr.type != ESPY_EV_TCP_CLOSE)
			continue;
		if (n->local_port == self->o->conn_lport &&
		    n->remote_port == WL_PORT) {
			EXPECT_EQ(5ULL, n->bytes_sent);
			closes++;
		} else if (n->local_port == WL_PORT &&
			   n->remote_port == self->o->conn_lport) {
			EXPECT_EQ(5ULL, n->bytes_recv);
			closes++;
		} else {
			continue;
		}
		EXPECT_EQ(self->kmod ? ESPY_F_KMOD : 0,
			  n->hdr.flags & ESPY_F_KMOD);
		if (!(n->hdr.flags & ESPY_F_NO_TASK))
			EXPECT_EQ((uint32_t)pid, n->hdr.tgid);
	}
	EXPECT_EQ(2, closes);
}

TEST_F(rec, priv)
{
	const struct espy_priv *p;
	struct tails t;
	int status;
	pid_t pid;

	pid = run_and_collect(_metadata, self, wl_priv, &status);
	ASSERT_EQ(0, self->o->errors);

	p = (const void *)coll_nth(&self->c, ESPY_EV_SETID, pid, 0);
	check_hdr(_metadata, self, &p->hdr, pid, "records");
	EXPECT_EQ((uint32_t)ESPY_OP_SETUID, p->op);
	EXPECT_EQ(0, p->ret);
	EXPECT_EQ(0ULL, p->args[0]);
	p = (const void *)coll_nth(&self->c, ESPY_EV_SETID, pid, 1);
	ASSERT_NE(NULL, p);
	EXPECT_EQ((uint32_t)ESPY_OP_SETRESGID, p->op);

	p = (const void *)coll_nth(&self->c, ESPY_EV_CAPSET, pid, 0);
	ASSERT_NE(NULL, p);
	EXPECT_EQ((uint32_t)ESPY_OP_CAPSET, p->op);
	EXPECT_NE(0ULL, p->args[0]);	/* root's effective set */

	p = (const void *)coll_nth(&self->c, ESPY_EV_MEMFD, pid, 0);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(self->o->memfd, p->ret);
	EXPECT_EQ(1ULL, p->args[0]);
	rec_tails(&p->hdr, &t);
	EXPECT_TRUE(tail_is(&t, 0, "espy-vm-memfd"));

	p = (const void *)coll_nth(&self->c, ESPY_EV_SOCKET, pid, 0);
	ASSERT_NE(NULL, p);
	EXPECT_EQ(self->o->pkt_fd, p->ret);
	EXPECT_EQ((uint64_t)AF_PACKET, p->args[0]);
	EXPECT_EQ((uint64_t)SOCK_RAW, p->args[1]);

	p = (const void *)coll_nth(&self->c, ESPY_EV_MODULE, pid, 0);
	ASSERT_NE(NULL, p);
	EXPECT_EQ((uint32_t)ESPY_OP_FINIT_MODULE, p->op);
	EXPECT_GT(0, p->ret);
	EXPECT_EQ((uint64_t)self->o->memfd, p->args[0]);
	rec_tails(&p->hdr, &t);
	EXPECT_TRUE(tail_is(&t, 0, "/memfd:espy-vm-memfd"));

	p = (const void *)coll_nth(&self->c, ESPY_EV_BPF, pid, 0);
	ASSERT_NE(NULL, p);
	EXPECT_EQ((uint64_t)BPF_PROG_TYPE_SOCKET_FILTER, p->args[0]);
	EXPECT_EQ(0ULL, p->args[1]);
	EXPECT_GT(0, p->ret);
	rec_tails(&p->hdr, &t);
	EXPECT_TRUE(tail_is(&t, 0, "espy_vm_prog"));

	p = (const void *)coll_nth(&self->c, ESPY_EV_KILL, pid, 0);
	ASSERT_NE(NULL, p);
	EXPECT_EQ((uint32_t)ESPY_OP_KILL, p->op);
	EXPECT_EQ((uint32_t)self->self, p->target_pid);
	EXPECT_EQ(0ULL, p->args[0]);

	p = (const void *)coll_nth(&self->c, ESPY_EV_PTRACE, pid, 0);
	ASSERT_NE(NULL, p);
	EXPECT_EQ((uint64_t)PTRACE_TRACEME, p->args[0]);
	EXPECT_EQ(0, p->ret);
}

TEST_HARNESS_MAIN
