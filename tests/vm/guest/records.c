/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Record-level assertions, the same for both drivers: the eBPF sensors and
 * espy.ko's /dev/espy (fixture variants bpf and kmod).  Each test runs a
 * scripted workload in a child (tests/vm/guest/workload.h) and checks
 * every field of the records it caused.  Runs in the vm tier's guests
 * and, for the eBPF driver, on the host in the bpf tier
 * (tests/bpf/test_records.c): what differs between machines -- the
 * shell's executable and file system, terminal, login, cgroup, module
 * support -- is read from the machine, never assumed.
 */
#include <limits.h>
#include <mntent.h>
#include <stdio.h>
#include <linux/magic.h>
#include <sys/vfs.h>

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

/*
 * The drivers are opened once, by main() before the harness forks its
 * tests: loading the eBPF sensors under software emulation takes seconds.
 * The tests' processes share the sources (the kernel keeps the read
 * positions); main's own process is the excluded "espyd".
 */
struct driver {
	const char *name;
	struct coll c;
	int err;
	char why[256];
};

static struct driver drivers[] = {
	{ .name = "bpf" },
	{ .name = "kmod" },
};

static pid_t espyd_pid;

/* A number from a one-line /proc file, or dflt where there is none. */
static uint32_t proc_u32(const char *path, uint32_t dflt)
{
	unsigned int v;
	FILE *f = fopen(path, "r");
	int n;

	if (!f)
		return dflt;
	n = fscanf(f, "%u", &v);
	fclose(f);
	return n == 1 ? v : dflt;
}

/* Where the cgroup v2 hierarchy is mounted, or -ENOENT. */
static int cgroup2_mount(char *dir, size_t len)
{
	struct mntent *m;
	int err = -ENOENT;
	FILE *f;

	f = setmntent("/proc/self/mounts", "r");
	if (!f)
		return -errno;
	while ((m = getmntent(f)))
		if (!strcmp(m->mnt_type, "cgroup2")) {
			snprintf(dir, len, "%s", m->mnt_dir);
			err = 0;
			break;
		}
	endmntent(f);
	return err;
}

/*
 * The cgroup (v2) this process is in, as the sensors report it: the
 * inode of its directory in the cgroup2 mount, wherever that is (the
 * guests': /sys/fs/cgroup; a hybrid host's: /sys/fs/cgroup/unified,
 * under a tmpfs).  0 where the hierarchy is not mounted.
 */
static uint64_t cgroup_here(void)
{
	char line[PATH_MAX], mnt[PATH_MAX], path[2 * PATH_MAX];
	uint64_t id = 0;
	struct stat st;
	FILE *f;

	if (cgroup2_mount(mnt, sizeof(mnt)))
		return 0;
	f = fopen("/proc/self/cgroup", "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, "0::", 3))
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, sizeof(path), "%s%s", mnt, line + 3);
		if (!stat(path, &st))
			id = st.st_ino;
		break;
	}
	fclose(f);
	return id;
}

/*
 * The controlling terminal this process (and so the workload) has, as the
 * sensors encode it: the kernel's dev_t.  /proc/<pid>/stat gives it in
 * the user-space encoding, field 7.  -errno if unreadable.
 */
static int64_t ctty_here(void)
{
	char buf[1024], *p;
	unsigned int tty_nr;
	size_t n;
	FILE *f;

	f = fopen("/proc/self/stat", "r");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* after the comm, which may hold anything but ends at the last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %u", &tty_nr) != 1)
		return -EINVAL;
	return tty_nr ? kdev((dev_t)tty_nr) : 0;
}

static void drivers_open(void)
{
	size_t i;

	setup_tree();
	espyd_pid = getpid();
	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++) {
		struct driver *d = &drivers[i];
		uint64_t t0 = mono_ms();

		d->err = coll_open(&d->c, d->name, d->why, sizeof(d->why));
		if (!d->err)
			d->err = d->c.src.ops->set_interest(d->c.src.priv,
					interest_prefixes, 1, interest_names, 1);
		if (d->err && !d->why[0])
			snprintf(d->why, sizeof(d->why), "set_interest: %s",
				 strerror(-d->err));
		fprintf(stderr, "# %s driver: %s in %llu ms\n", d->name,
			d->err ? d->why : "opened",
			(unsigned long long)(mono_ms() - t0));
	}
}

static void drivers_close(void)
{
	size_t i;

	for (i = 0; i < sizeof(drivers) / sizeof(drivers[0]); i++)
		coll_close(&drivers[i].c);
}

FIXTURE(rec) {
	struct coll *cp;
	struct coll c;
	struct wl_out *o;
	pid_t self;
	int kmod;
	char comm[ESPY_COMM_LEN];	/* ours, as the kernel has it */
	uint32_t auid, sessionid;
	uint64_t cgroup_id;
};

FIXTURE_VARIANT(rec) {
	int driver;
};

FIXTURE_VARIANT_ADD(rec, bpf) {
	.driver = 0,
};

FIXTURE_VARIANT_ADD(rec, kmod) {
	.driver = 1,
};

FIXTURE_SETUP(rec)
{
	struct driver *d = &drivers[variant->driver];

	FILE *f;

	self->self = getpid();
	self->kmod = !strcmp(d->name, "kmod");
	f = fopen("/proc/self/comm", "r");
	ASSERT_NE(NULL, f);
	ASSERT_NE(NULL, fgets(self->comm, sizeof(self->comm), f));
	fclose(f);
	self->comm[strcspn(self->comm, "\n")] = '\0';
	/* nobody logged in on the guests; a login session on a host */
	self->auid = proc_u32("/proc/self/loginuid", (uint32_t)-1);
	self->sessionid = proc_u32("/proc/self/sessionid", (uint32_t)-1);
	self->cgroup_id = cgroup_here();
	if (!self->cgroup_id)
		TH_LOG("cgroup ids not checked: no cgroup2 mount shows ours");
	self->o = wl_shared();
	ASSERT_NE(NULL, self->o);
	self->o->espyd = espyd_pid;
	if (d->err)
		SKIP(return, "%s", d->why);
	self->c = d->c;
}

FIXTURE_TEARDOWN(rec)
{
	coll_reset(&self->c);
	free(self->c.rec);
}

/* The driver's hook of that name: 1 attached, 0 not, -1 not listed. */
static int hook_state(struct coll *c, const char *name)
{
	struct espy_hook_status hs[256];
	int n = c->src.ops->hooks(c->src.priv, hs, 256), i;

	for (i = 0; i < n && i < 256; i++)
		if (!strcmp(hs[i].name, name))
			return !!hs[i].attached;
	return -1;
}

static int hook_attached(struct coll *c, const char *name)
{
	return hook_state(c, name) == 1;
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
	ASSERT_NE(NULL, h);
	EXPECT_EQ((uint32_t)pid, h->tgid);
	EXPECT_EQ((uint32_t)pid, h->tid);
	EXPECT_EQ((uint32_t)self->self, h->ppid);
	EXPECT_EQ(0U, h->uid);
	EXPECT_EQ(0U, h->gid);
	EXPECT_EQ(0U, h->euid);
	EXPECT_EQ(0U, h->egid);
	EXPECT_EQ(self->auid, h->auid);
	EXPECT_EQ(self->sessionid, h->sessionid);
	EXPECT_EQ(ns_inode("mnt"), h->mntns);
	EXPECT_EQ(ns_inode("net"), h->netns);
	if (self->cgroup_id)
		EXPECT_EQ(self->cgroup_id, h->cgroup_id);
	EXPECT_NE(0ULL, h->start_ns);
	EXPECT_LE(h->start_ns, h->ts_ns);
	EXPECT_EQ(0, h->cpu);	/* pinned */
	EXPECT_EQ(self->kmod ? ESPY_F_KMOD : 0, h->flags & ESPY_F_KMOD);
	if (comm)
		EXPECT_STREQ(comm, h->comm);
}

/*
 * The flags of the exec record the workload's shell must cause here.  The
 * sensors mark an executable whose file system is tmpfs (the guests'
 * initramfs; not a host's disk) as living somewhere writable, and note
 * which of fds 0-2, inherited from this process, are sockets.
 */
static uint32_t exec_flags_here(const struct statfs *exe_fs)
{
	static const uint32_t sock_flag[3] = {
		ESPY_EXEC_STDIN_SOCK, ESPY_EXEC_STDOUT_SOCK,
		ESPY_EXEC_STDERR_SOCK,
	};
	uint32_t flags = 0;
	struct stat st;
	int fd;

	if (exe_fs->f_type == TMPFS_MAGIC)
		flags |= ESPY_EXEC_UPPER_WRITABLE;
	for (fd = 0; fd < 3; fd++)
		if (!fstat(fd, &st) && S_ISSOCK(st.st_mode))
			flags |= sock_flag[fd];
	return flags;
}

TEST_F(rec, exec_fork_exit)
{
	const struct espy_exec *x;
	const struct espy_fork *f;
	const struct espy_exit *e;
	char exe[PATH_MAX];
	struct statfs fs;
	struct stat st;
	struct tails t;
	int64_t tty;
	int status;
	pid_t pid;

	if (_metadata->skip)
		return;	/* the 6.1 harness runs a test whose setup skipped */
	/* the file the kernel maps for execve("/bin/sh"): busybox on the
	 * guests, a distribution's shell on a host */
	ASSERT_NE(NULL, realpath("/bin/sh", exe));
	ASSERT_EQ(0, stat(exe, &st));
	ASSERT_EQ(0, statfs(exe, &fs));
	tty = ctty_here();
	ASSERT_LE(0, tty);
	TH_LOG("/bin/sh is %s on a file system of magic %#lx, tty %#llx",
	       exe, (unsigned long)fs.f_type, (unsigned long long)tty);
	pid = run_and_collect(_metadata, self, wl_proc, &status);
	ASSERT_EQ(0, self->o->errors);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(5, WEXITSTATUS(status));

	f = (const void *)coll_nth(&self->c, ESPY_EV_FORK, pid, 0);
	check_hdr(_metadata, self, &f->hdr, pid, self->comm);
	EXPECT_EQ(sizeof(*f), f->hdr.size);
	EXPECT_EQ((uint32_t)self->o->grandchild, f->child_tgid);
	EXPECT_LE(f->hdr.start_ns, f->child_start_ns);
	/* nothing at all from the excluded process */
	EXPECT_EQ(0U, coll_count(&self->c, ESPY_EV_EXEC, espyd_pid));
	EXPECT_EQ(0U, coll_count(&self->c, ESPY_EV_FORK, espyd_pid));
	EXPECT_EQ(0U, coll_count(&self->c, ESPY_EV_OPEN, espyd_pid));

	e = (const void *)coll_nth(&self->c, ESPY_EV_EXIT,
				   self->o->grandchild, 0);
	ASSERT_NE(NULL, e);
	EXPECT_EQ((uint32_t)pid, e->hdr.ppid);
	EXPECT_EQ(3 << 8, e->exit_code);
	EXPECT_EQ(f->child_start_ns, e->hdr.start_ns);

	x = (const void *)coll_nth(&self->c, ESPY_EV_EXEC, pid, 0);
	check_hdr(_metadata, self, &x->hdr, pid, "sh");
	EXPECT_EQ((uint64_t)st.st_ino, x->exe_ino);
	EXPECT_EQ(kdev(st.st_dev), x->exe_dev);
	EXPECT_EQ(3U, x->argc);
	EXPECT_EQ(exec_flags_here(&fs), x->flags);
	EXPECT_EQ((uint64_t)tty, x->tty_dev);
	EXPECT_EQ(f->hdr.start_ns, x->hdr.start_ns);
	rec_tails(&x->hdr, &t);
	EXPECT_TRUE(tail_is(&t, 0, exe));
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

	if (_metadata->skip)
		return;	/* the 6.1 harness runs a test whose setup skipped */
	pid = run_and_collect(_metadata, self, wl_files, &status);
	ASSERT_EQ(0, self->o->errors);

	/* openat(AT_FDCWD, "created", O_CREAT|O_WRONLY|O_TRUNC, 0640) */
	f = file_rec(self, ESPY_EV_OPEN, pid, 0, &t);
	check_hdr(_metadata, self, &f->hdr, pid, self->comm);
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
	/* where BPF LSM runs, the victim's path came from its dentry: the
	 * hook recognised the unlink syscall it ran in */
	if (!self->kmod && hook_attached(&self->c, "lsm/path_unlink"))
		EXPECT_EQ(0U, f->fflags & ESPY_FILE_PATH_RAW);
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

	if (_metadata->skip)
		return;	/* the 6.1 harness runs a test whose setup skipped */
	pid = run_and_collect(_metadata, self, wl_reads, &status);
	ASSERT_EQ(0, self->o->errors);

	f = file_rec(self, ESPY_EV_OPEN, pid, 0, &t);
	check_hdr(_metadata, self, &f->hdr, pid, self->comm);
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

	if (_metadata->skip)
		return;	/* the 6.1 harness runs a test whose setup skipped */
	pid = run_and_collect(_metadata, self, wl_net, &status);
	ASSERT_EQ(0, self->o->errors);

	n = (const void *)coll_nth(&self->c, ESPY_EV_BIND, pid, 0);
	check_hdr(_metadata, self, &n->hdr, pid, self->comm);
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

	if (_metadata->skip)
		return;	/* the 6.1 harness runs a test whose setup skipped */
	pid = run_and_collect(_metadata, self, wl_priv, &status);
	ASSERT_EQ(0, self->o->errors);

	p = (const void *)coll_nth(&self->c, ESPY_EV_SETID, pid, 0);
	check_hdr(_metadata, self, &p->hdr, pid, self->comm);
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

	/*
	 * A kernel without module support (no /proc/modules) has no
	 * finit_module tracepoint: then the eBPF driver must say its hook
	 * is not attached, and nothing may claim the call happened.
	 */
	p = (const void *)coll_nth(&self->c, ESPY_EV_MODULE, pid, 0);
	if (access("/proc/modules", F_OK)) {
		TH_LOG("no finit_module record expected: this kernel has no "
		       "module support");
		EXPECT_EQ(NULL, p);
		if (!self->kmod)
			EXPECT_EQ(0, hook_state(&self->c,
				"tracepoint/syscalls/sys_exit_finit_module"));
	} else {
		ASSERT_NE(NULL, p);
		EXPECT_EQ((uint32_t)ESPY_OP_FINIT_MODULE, p->op);
		EXPECT_GT(0, p->ret);
		EXPECT_EQ((uint64_t)self->o->memfd, p->args[0]);
		rec_tails(&p->hdr, &t);
		EXPECT_TRUE(tail_is(&t, 0, "/memfd:espy-vm-memfd"));
	}

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
	EXPECT_EQ((uint32_t)espyd_pid, p->target_pid);
	EXPECT_EQ(0ULL, p->args[0]);

	p = (const void *)coll_nth(&self->c, ESPY_EV_PTRACE, pid, 0);
	ASSERT_NE(NULL, p);
	EXPECT_EQ((uint64_t)PTRACE_TRACEME, p->args[0]);
	EXPECT_EQ(0, p->ret);
}

/* ---- parity: one workload, both drivers at once ------------------------- */

static void wl_all(struct wl_out *o)
{
	wl_extra(o);
	wl_files(o);
	wl_reads(o);
	wl_net(o);
	wl_priv(o);
	wl_proc(o);
}

/* Records of the workload (pid and its child), in arrival order. */
static size_t pick(const struct coll *c, pid_t pid, const struct wl_out *o,
		   const struct espy_hdr **out, size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < c->n && n < max; i++) {
		const struct espy_hdr *h = c->rec[i];

		if (h->flags & ESPY_F_NO_TASK)
			continue;
		if (h->tgid == (uint32_t)pid ||
		    h->tgid == (uint32_t)o->grandchild ||
		    h->tgid == (uint32_t)o->grandchild2)
			out[n++] = h;
	}
	return n;
}

/* TCP closes without an owning task (softirq): on whichever CPU. */
static size_t pick_no_task(const struct coll *c, const struct espy_hdr **out,
			   size_t max)
{
	size_t i, n = 0;

	for (i = 0; i < c->n && n < max; i++)
		if (c->rec[i]->flags & ESPY_F_NO_TASK)
			out[n++] = c->rec[i];
	return n;
}

/*
 * A copy of h without what may differ between drivers: the timestamp,
 * the driver flag and the socket cookie (each driver keys its own).
 */
static void normalise(const struct espy_hdr *h, unsigned char *buf)
{
	struct espy_hdr *c = (void *)buf;

	memcpy(buf, h, h->size);
	c->ts_ns = 0;
	c->flags &= ~ESPY_F_KMOD;
	if (c->type >= ESPY_EV_CONNECT && c->type <= ESPY_EV_DNS)
		((struct espy_net *)buf)->sock_cookie = 0;
}

/*
 * Where the eBPF LSM hook resolved an unlink victim, its record carries
 * the path from the dentry without ESPY_FILE_PATH_RAW; the module can only
 * report the user's string.  The same string is the same record.
 */
static void unlink_raw_equal(unsigned char *a, unsigned char *b)
{
	struct espy_file *fa = (void *)a, *fb = (void *)b;

	if (fa->hdr.type != ESPY_EV_UNLINK || fb->hdr.type != ESPY_EV_UNLINK ||
	    fa->hdr.size != fb->hdr.size ||
	    memcmp(fa->data, fb->data, fa->hdr.size - sizeof(*fa)))
		return;
	fa->fflags &= ~ESPY_FILE_PATH_RAW;
	fb->fflags &= ~ESPY_FILE_PATH_RAW;
}

static const char *field_at(unsigned int type, size_t off)
{
	static const struct { size_t off; const char *name; } hdr[] = {
		{ offsetof(struct espy_hdr, ts_ns), "ts_ns" },
		{ offsetof(struct espy_hdr, start_ns), "start_ns" },
		{ offsetof(struct espy_hdr, cgroup_id), "cgroup_id" },
		{ offsetof(struct espy_hdr, tgid), "tgid" },
		{ offsetof(struct espy_hdr, tid), "tid" },
		{ offsetof(struct espy_hdr, ppid), "ppid" },
		{ offsetof(struct espy_hdr, uid), "uid..egid" },
		{ offsetof(struct espy_hdr, auid), "auid" },
		{ offsetof(struct espy_hdr, sessionid), "sessionid" },
		{ offsetof(struct espy_hdr, mntns), "mntns" },
		{ offsetof(struct espy_hdr, netns), "netns" },
		{ offsetof(struct espy_hdr, type), "type" },
		{ offsetof(struct espy_hdr, size), "size" },
		{ offsetof(struct espy_hdr, flags), "flags" },
		{ offsetof(struct espy_hdr, cpu), "cpu" },
		{ offsetof(struct espy_hdr, comm), "comm" },
		{ sizeof(struct espy_hdr), "body" },
	};
	size_t i;

	(void)type;
	for (i = sizeof(hdr) / sizeof(hdr[0]); i-- > 0;)
		if (off >= hdr[i].off)
			return hdr[i].name;
	return "?";
}

/* The workload reaches every record type a syscall causes. */
static void check_types(struct __test_metadata *_metadata,
			const struct espy_hdr **r, size_t n)
{
	static const uint16_t types[] = {
		ESPY_EV_EXEC, ESPY_EV_FORK, ESPY_EV_EXIT, ESPY_EV_SETID,
		ESPY_EV_CAPSET, ESPY_EV_PTRACE, ESPY_EV_VM_WRITE,
		ESPY_EV_MODULE, ESPY_EV_BPF, ESPY_EV_MEMFD, ESPY_EV_KILL,
		ESPY_EV_SOCKET, ESPY_EV_OPEN, ESPY_EV_UNLINK, ESPY_EV_RENAME,
		ESPY_EV_CHMOD, ESPY_EV_CHOWN, ESPY_EV_TRUNCATE, ESPY_EV_UTIMES,
		ESPY_EV_LINK, ESPY_EV_MKDIR, ESPY_EV_CONNECT, ESPY_EV_ACCEPT,
		ESPY_EV_BIND, ESPY_EV_LISTEN, ESPY_EV_DNS,
	};
	size_t t, j;

	for (t = 0; t < sizeof(types) / sizeof(types[0]); t++) {
		size_t seen = 0;

		for (j = 0; j < n; j++)
			seen += r[j]->type == types[t];
		EXPECT_NE(0U, seen) TH_LOG("no record of type %u", types[t]);
	}
}

TEST(parity)
{
	const struct espy_hdr **rb, **rk;
	struct coll *cb = &drivers[0].c, *ck = &drivers[1].c;
	unsigned char *na, *nb;
	struct wl_out *o;
	size_t nbpf, nkmod, i, diffs = 0;
	int status, k;
	pid_t pid;

	if (drivers[0].err || drivers[1].err)
		SKIP(return, "needs both drivers: bpf: %s; kmod: %s",
		     drivers[0].err ? drivers[0].why : "ok",
		     drivers[1].err ? drivers[1].why : "ok");
	o = wl_shared();
	ASSERT_NE(NULL, o);
	o->espyd = espyd_pid;
	coll_pump(cb, 50);
	coll_pump(ck, 50);
	coll_reset(cb);
	coll_reset(ck);
	pid = wl_run(wl_all, o, &status);
	for (k = 0; k < 100; k++) {
		coll_pump(cb, 20);
		coll_pump(ck, 20);
		if (coll_nth(cb, ESPY_EV_EXIT, pid, 0) &&
		    coll_nth(ck, ESPY_EV_EXIT, pid, 0))
			break;
	}
	coll_pump(cb, 60);
	coll_pump(ck, 60);
	ASSERT_EQ(0, o->errors) TH_LOG("workload: %s", o->err);

	rb = calloc(4096, sizeof(*rb));
	rk = calloc(4096, sizeof(*rk));
	na = aligned_alloc(8, ESPY_REC_MAX);
	nb = aligned_alloc(8, ESPY_REC_MAX);
	ASSERT_TRUE(rb && rk && na && nb);
	nbpf = pick(cb, pid, o, rb, 4096);
	nkmod = pick(ck, pid, o, rk, 4096);
	TH_LOG("workload records: bpf %zu, kmod %zu", nbpf, nkmod);
	EXPECT_LT(60U, nbpf);
	check_types(_metadata, rk, nkmod);
	for (i = 0; i < nbpf && i < nkmod; i++) {
		size_t off;

		normalise(rb[i], na);
		normalise(rk[i], nb);
		unlink_raw_equal(na, nb);
		if (rb[i]->size == rk[i]->size && !memcmp(na, nb, rb[i]->size))
			continue;
		for (off = 0; off < rb[i]->size && off < rk[i]->size; off++)
			if (na[off] != nb[off])
				break;
		if (diffs++ < 8) {
			fprintf(stderr, "# record %zu differs (type %u/%u) first at "
				"byte %zu (%s):\n", i, rb[i]->type, rk[i]->type,
				off, field_at(rb[i]->type, off));
			fprintf(stderr, "# bpf:\n");
			coll_dump(&(struct coll){ .n = 1,
				.rec = (struct espy_hdr **)&rb[i] }, 0);
			fprintf(stderr, "# kmod:\n");
			coll_dump(&(struct coll){ .n = 1,
				.rec = (struct espy_hdr **)&rk[i] }, 0);
		}
	}
	EXPECT_EQ(0U, diffs);

	/* closes without an owning task: the same, in any order */
	nbpf = pick_no_task(cb, rb, 4096);
	nkmod = pick_no_task(ck, rk, 4096);
	EXPECT_EQ(nbpf, nkmod);
	for (i = 0; i < nbpf; i++) {
		size_t j;

		normalise(rb[i], na);
		((struct espy_hdr *)na)->cpu = 0;
		for (j = 0; j < nkmod; j++) {
			if (!rk[j])
				continue;
			normalise(rk[j], nb);
			((struct espy_hdr *)nb)->cpu = 0;
			if (rb[i]->size == rk[j]->size &&
			    !memcmp(na, nb, rb[i]->size)) {
				rk[j] = NULL;
				break;
			}
		}
		EXPECT_LT(j, nkmod) {
			fprintf(stderr, "# bpf's close without a task has no "
				"twin from kmod:\n");
			coll_dump(&(struct coll){ .n = 1,
				.rec = (struct espy_hdr **)&rb[i] }, 0);
		}
	}
	free(rb);
	free(rk);
	free(na);
	free(nb);
}

/* ---- drops: a flood the module's buffer cannot hold ------------------- */

static long flood_n;

static void wl_flood(struct wl_out *o)
{
	long i;

	for (i = 0; i < flood_n; i++)
		if (setuid(0))
			wl_fail(o, "setuid");
}

TEST(kmod_flood_drops)
{
	struct coll *c = &drivers[1].c;
	struct espy_ioc_stats *s0, *s1;
	struct espy_ioc_version v;
	uint64_t by_type[ESPY_EV_MAX];
	uint64_t rec, drop;
	struct wl_out *o;
	int status, k;
	size_t got;
	pid_t pid;

	if (drivers[1].err)
		SKIP(return, "%s", drivers[1].why);
	ASSERT_EQ(0, espy_kmod_version(&c->src, &v));
	/* three times what one CPU's buffer holds of 144-byte records */
	flood_n = 3L * v.buf_kib * 1024 / sizeof(struct espy_priv);
	o = wl_shared();
	s0 = calloc(1, sizeof(*s0));
	s1 = calloc(1, sizeof(*s1));
	ASSERT_TRUE(o && s0 && s1);
	coll_pump(c, 50);
	coll_reset(c);
	ASSERT_EQ(0, espy_kmod_stats(&c->src, s0));
	pid = wl_run(wl_flood, o, &status);
	ASSERT_EQ(0, o->errors) TH_LOG("workload: %s", o->err);
	ASSERT_EQ(0, espy_kmod_stats(&c->src, s1));
	for (k = 0; k < 200; k++) {
		size_t before = c->n;

		coll_pump(c, 20);
		if (c->n == before && coll_nth(c, ESPY_EV_EXIT, pid, 0))
			break;
	}
	rec = s1->records[ESPY_EV_SETID] - s0->records[ESPY_EV_SETID];
	drop = s1->drops[ESPY_EV_SETID] - s0->drops[ESPY_EV_SETID];
	got = coll_count(c, ESPY_EV_SETID, pid);
	TH_LOG("%ld setuid calls on one CPU, %u KiB buffer: %llu written, "
	       "%llu dropped, %zu read", flood_n, v.buf_kib,
	       (unsigned long long)rec, (unsigned long long)drop, got);
	EXPECT_LT(0ULL, drop);
	/* every call is accounted for, exactly */
	EXPECT_EQ((uint64_t)flood_n, rec + drop);
	EXPECT_EQ(rec, (uint64_t)got);
	/* the child's exit came after the flood: read, or counted as lost */
	EXPECT_TRUE(coll_nth(c, ESPY_EV_EXIT, pid, 0) ||
		    s1->drops[ESPY_EV_EXIT] > s0->drops[ESPY_EV_EXIT]);
	/* the source's drop counters are the module's */
	ASSERT_EQ(0, c->src.ops->drops(c->src.priv, by_type));
	EXPECT_EQ(s1->drops[ESPY_EV_SETID], by_type[ESPY_EV_SETID]);
	EXPECT_EQ(0ULL, s1->faults);
	coll_reset(c);
	free(s0);
	free(s1);
}

static void __attribute__((constructor)) __constructor_order_last(void)
{
	if (!__constructor_order)
		__constructor_order = _CONSTRUCTOR_ORDER_BACKWARD;
}

int main(int argc, char **argv)
{
	int ret;

	drivers_open();
	ret = test_harness_run(argc, argv);
	drivers_close();
	return ret;
}
