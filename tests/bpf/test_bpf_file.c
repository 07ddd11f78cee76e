/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpf tier, file events: opens resolved in the kernel (dirfd, "..",
 * symlinks), creation, unlink, rename, chmod, chown, truncate, utimensat,
 * link/symlink, mkdir, and the in-kernel filter of read-only opens.
 */
/* the harness's EXPECT_* compare mixed signedness and use setjmp */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
/* paths under a short mkdtemp() directory */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <sys/mount.h>
#include <sys/syscall.h>

#include "kselftest_harness.h"
#include "bpf_util.h"

struct file_view {
	const struct espy_file *f;
	const char *path, *path2;
};

static struct file_view file_view(const struct espy_file *f)
{
	struct file_view v = { .f = f };

	v.path = (const char *)f->data;
	v.path2 = v.path + f->path_len;
	return v;
}

static int path_is(const void *rec, const void *arg)
{
	const struct espy_file *f = rec;

	return bpfu_streq((const char *)f->data, f->path_len, arg);
}

#define TMP(buf, fmt, ...) \
	snprintf(buf, sizeof(buf), "%s/" fmt, self->u.tmp, ##__VA_ARGS__)

FIXTURE(file) {
	struct bpfu u;
	char sub[2 * PATH_MAX];	/* tmp/d, with tmp/d/sub inside */
};

FIXTURE_SETUP(file)
{
	char p[2 * PATH_MAX];

	BPFU_SETUP(&self->u);
	snprintf(self->sub, sizeof(self->sub), "%s/d", self->u.tmp);
	ASSERT_EQ(0, mkdir(self->sub, 0755));
	snprintf(p, sizeof(p), "%s/sub", self->sub);
	ASSERT_EQ(0, mkdir(p, 0755));
}

FIXTURE_TEARDOWN(file)
{
	bpfu_close(&self->u);
}

/* ---- open ------------------------------------------------------------------ */

struct open_args {
	const char *dir;	/* tmp/d */
	const char *link;	/* tmp/link -> tmp/d/f */
	int fd1, fd2;
};

static int child_open(void *arg)
{
	struct open_args *a = arg;
	int dfd, fd;

	dfd = open(a->dir, O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return 10;
	/* relative to a dirfd, through "..": creates tmp/d/f */
	fd = openat(dfd, "sub/../f", O_WRONLY | O_CREAT | O_EXCL, 0640);
	if (fd < 0)
		return 11;
	/* the same file through a symlink, existing: not created */
	fd = open(a->link, O_WRONLY | O_CREAT | O_APPEND, 0600);
	if (fd < 0)
		return 12;
	/* a failing write open: the user's string, the error */
	if (openat(dfd, "nodir/x", O_WRONLY | O_CREAT, 0600) >= 0 ||
	    errno != ENOENT)
		return 13;
	return 0;
}

TEST_F(file, open_dirfd_symlink_create)
{
	struct open_args a = { .dir = self->sub };
	char f[2 * PATH_MAX], link[2 * PATH_MAX], raw[2 * PATH_MAX];
	const struct espy_file *o1, *o2, *o3;
	struct stat st;
	int status;
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	snprintf(f, sizeof(f), "%s/f", self->sub);
	TMP(link, "link");
	ASSERT_EQ(0, symlink(f, link));
	a.link = link;
	pid = bpfu_run(child_open, &a, &status);
	ASSERT_EQ(0, status);
	ASSERT_EQ(0, stat(f, &st));
	bpfu_wait(&self->u, ESPY_EV_EXIT, pid, NULL, NULL, 1000);

	o1 = bpfu_find(&self->u, ESPY_EV_OPEN, pid, path_is, f, 0);
	ASSERT_NE(NULL, o1) TH_LOG("no open of %s", f);
	EXPECT_EQ(O_WRONLY | O_CREAT | O_EXCL, o1->flags & ~O_LARGEFILE);
	EXPECT_EQ(0640, o1->mode);
	EXPECT_GE(o1->ret, 0);
	EXPECT_EQ(ESPY_FILE_CREATED, o1->fflags);
	EXPECT_EQ(st.st_ino, o1->ino);
	EXPECT_EQ(bpfu_kdev(st.st_dev), o1->dev);
	EXPECT_EQ(0, o1->path2_len);
	EXPECT_EQ(sizeof(*o1) + o1->path_len, o1->hdr.size);
	EXPECT_EQ(pid, o1->hdr.tgid);
	EXPECT_EQ(getpid(), o1->hdr.ppid);

	/* through the symlink: the same resolved path, not created */
	o2 = bpfu_find(&self->u, ESPY_EV_OPEN, pid, path_is, f, 1);
	ASSERT_NE(NULL, o2);
	EXPECT_EQ(O_WRONLY | O_CREAT | O_APPEND, o2->flags & ~O_LARGEFILE);
	EXPECT_EQ(0, o2->fflags);
	EXPECT_EQ(st.st_ino, o2->ino);

	snprintf(raw, sizeof(raw), "%s/nodir/x", self->sub);
	o3 = bpfu_find(&self->u, ESPY_EV_OPEN, pid, path_is, raw, 0);
	ASSERT_NE(NULL, o3) TH_LOG("no failed open of %s", raw);
	EXPECT_EQ(-ENOENT, o3->ret);
	EXPECT_EQ(ESPY_FILE_PATH_RAW, o3->fflags);
	EXPECT_EQ(0, o3->ino);
}

/* ---- the read-only filter ----------------------------------------------- */

struct filter_args {
	const char *boring, *secret, *named, *missing;
};

static int child_filter(void *arg)
{
	const struct filter_args *a = arg;

	if (open(a->boring, O_RDONLY) < 0 || open(a->secret, O_RDONLY) < 0 ||
	    open(a->named, O_RDONLY) < 0)
		return 10;
	if (open(a->missing, O_RDONLY) >= 0)
		return 11;
	return 0;
}

TEST_F(file, filter_read_only_opens)
{
	char boring[2 * PATH_MAX], secret[2 * PATH_MAX], named[2 * PATH_MAX];
	char missing[2 * PATH_MAX], pfx[2 * PATH_MAX], dir[2 * PATH_MAX];
	struct filter_args a = { boring, secret, named, missing };
	const char *prefixes[1] = { pfx };
	const char *names[2] = { ".espy_names", "unused" };
	const struct espy_file *o;
	int status;
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	TMP(boring, "boring.txt");
	TMP(dir, "secret");
	TMP(secret, "secret/key");
	TMP(pfx, "secret/");
	TMP(missing, "secret/none");
	ASSERT_EQ(0, mkdir(dir, 0700));
	TMP(dir, ".espy_names");
	ASSERT_EQ(0, mkdir(dir, 0700));
	TMP(named, ".espy_names/hist");
	ASSERT_EQ(0, bpfu_write_file(boring, "b", 0600));
	ASSERT_EQ(0, bpfu_write_file(secret, "s", 0600));
	ASSERT_EQ(0, bpfu_write_file(named, "n", 0600));
	ASSERT_EQ(0, self->u.src.ops->set_interest(self->u.src.priv, prefixes,
						   1, names, 2));
	pid = bpfu_run(child_filter, &a, &status);
	ASSERT_EQ(0, status);
	bpfu_wait(&self->u, ESPY_EV_EXIT, pid, NULL, NULL, 1000);

	EXPECT_EQ(NULL, bpfu_find(&self->u, ESPY_EV_OPEN, pid, path_is, boring, 0));
	o = bpfu_find(&self->u, ESPY_EV_OPEN, pid, path_is, secret, 0);
	ASSERT_NE(NULL, o) TH_LOG("prefix match not reported");
	EXPECT_EQ(O_RDONLY, o->flags & O_ACCMODE);
	EXPECT_GE(o->ret, 0);
	o = bpfu_find(&self->u, ESPY_EV_OPEN, pid, path_is, named, 0);
	ASSERT_NE(NULL, o) TH_LOG("component name match not reported");
	o = bpfu_find(&self->u, ESPY_EV_OPEN, pid, path_is, missing, 0);
	ASSERT_NE(NULL, o) TH_LOG("failed interesting open not reported");
	EXPECT_EQ(-ENOENT, o->ret);
	EXPECT_EQ(ESPY_FILE_PATH_RAW, o->fflags);
	/* exactly the three interesting ones */
	EXPECT_EQ(3, bpfu_count(&self->u, ESPY_EV_OPEN, pid, NULL, NULL));

	/* replacing the interest set removes what is not in it */
	ASSERT_EQ(0, self->u.src.ops->set_interest(self->u.src.priv, NULL, 0,
						   NULL, 0));
	pid = bpfu_run(child_filter, &a, &status);
	ASSERT_EQ(0, status);
	bpfu_wait(&self->u, ESPY_EV_EXIT, pid, NULL, NULL, 1000);
	EXPECT_EQ(0, bpfu_count(&self->u, ESPY_EV_OPEN, pid, NULL, NULL));
	/* bad interest data is refused */
	names[0] = "a/b";
	EXPECT_EQ(-EINVAL, self->u.src.ops->set_interest(self->u.src.priv,
							 NULL, 0, names, 1));
}

/*
 * Dropped read-only opens are remembered in the kernel (open_neg); what
 * makes a file interesting later must reach the next open of it.
 */
struct reopen_args {
	const char *path[2];
	int times;
};

static int child_reopen(void *arg)
{
	const struct reopen_args *a = arg;
	int i, j, fd;

	for (i = 0; i < a->times; i++)
		for (j = 0; j < 2 && a->path[j]; j++) {
			fd = open(a->path[j], O_RDONLY);
			if (fd < 0)
				return 10 + j;
			close(fd);
		}
	return 0;
}

static pid_t reopen(struct bpfu *u, const char *p0, const char *p1, int times)
{
	struct reopen_args a = { { p0, p1 }, times };
	int status;
	pid_t pid = bpfu_run(child_reopen, &a, &status);

	if (pid < 0 || status != 0)
		return -1;
	bpfu_wait(u, ESPY_EV_EXIT, pid, NULL, NULL, 1000);
	return pid;
}

TEST_F(file, filter_cache_invalidated)
{
	char plain[2 * PATH_MAX], watched[2 * PATH_MAX], pfx[2 * PATH_MAX];
	char x[2 * PATH_MAX], wx[2 * PATH_MAX], other[2 * PATH_MAX];
	char y[2 * PATH_MAX], z[2 * PATH_MAX], wz[2 * PATH_MAX];
	const char *prefixes[1] = { pfx };
	const char *names[1] = { "other" };
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	TMP(plain, "plain");
	TMP(watched, "watched");
	TMP(pfx, "watched/");
	TMP(x, "plain/x");
	TMP(wx, "watched/x");
	TMP(z, "plain/z");
	TMP(wz, "watched/z");
	TMP(other, "other");
	TMP(y, "other/y");
	ASSERT_EQ(0, mkdir(plain, 0700));
	ASSERT_EQ(0, mkdir(other, 0700));
	ASSERT_EQ(0, bpfu_write_file(x, "x", 0600));
	ASSERT_EQ(0, bpfu_write_file(z, "z", 0600));
	ASSERT_EQ(0, bpfu_write_file(y, "y", 0600));
	ASSERT_EQ(0, self->u.src.ops->set_interest(self->u.src.priv, prefixes,
						   1, NULL, 0));

	/* uninteresting, twice: the second open can only hit the cache */
	pid = reopen(&self->u, x, y, 2);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(0, bpfu_count(&self->u, ESPY_EV_OPEN, pid, NULL, NULL));

	/* renaming an ancestor changes neither the file's dentry, its name
	 * nor its parent: only the generation bump can tell */
	ASSERT_EQ(0, rename(plain, watched));
	pid = reopen(&self->u, wx, NULL, 1);
	ASSERT_GT(pid, 0);
	EXPECT_NE(NULL, bpfu_find(&self->u, ESPY_EV_OPEN, pid, path_is, wx, 0))
		TH_LOG("open after a directory rename not reported");
	EXPECT_EQ(1, bpfu_count(&self->u, ESPY_EV_OPEN, pid, NULL, NULL));

	/* the same through renameat2(RENAME_EXCHANGE), after re-caching: the
	 * directories swap, x is dull again and then interesting again */
	ASSERT_EQ(0, mkdir(plain, 0700));
	ASSERT_EQ(0, syscall(SYS_renameat2, AT_FDCWD, plain, AT_FDCWD,
			     watched, 2 /* RENAME_EXCHANGE */));
	pid = reopen(&self->u, x, NULL, 2);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(0, bpfu_count(&self->u, ESPY_EV_OPEN, pid, NULL, NULL));
	ASSERT_EQ(0, syscall(SYS_renameat2, AT_FDCWD, plain, AT_FDCWD,
			     watched, 2 /* RENAME_EXCHANGE */));
	pid = reopen(&self->u, wx, wz, 1);
	ASSERT_GT(pid, 0);
	EXPECT_NE(NULL, bpfu_find(&self->u, ESPY_EV_OPEN, pid, path_is, wx, 0));
	EXPECT_NE(NULL, bpfu_find(&self->u, ESPY_EV_OPEN, pid, path_is, wz, 0));

	/* y was dropped and cached; a new interest set must reach it */
	ASSERT_EQ(0, self->u.src.ops->set_interest(self->u.src.priv, prefixes,
						   1, names, 1));
	pid = reopen(&self->u, y, NULL, 1);
	ASSERT_GT(pid, 0);
	EXPECT_NE(NULL, bpfu_find(&self->u, ESPY_EV_OPEN, pid, path_is, y, 0))
		TH_LOG("interest change did not reach a cached file");
	EXPECT_EQ(1, bpfu_count(&self->u, ESPY_EV_OPEN, pid, NULL, NULL));

	/* and narrowing it drops y again */
	ASSERT_EQ(0, self->u.src.ops->set_interest(self->u.src.priv, prefixes,
						   1, NULL, 0));
	pid = reopen(&self->u, y, NULL, 2);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(0, bpfu_count(&self->u, ESPY_EV_OPEN, pid, NULL, NULL));
}

/*
 * A mount moved under a watched directory moves the paths of its files
 * without changing their dentry or vfsmount: only the generation bump of
 * the mount hooks can tell the cache.
 */
TEST_F(file, filter_cache_mount_moved)
{
	char pfx[2 * PATH_MAX], watched[2 * PATH_MAX], m[2 * PATH_MAX];
	char wm[2 * PATH_MAX], f[2 * PATH_MAX], wf[2 * PATH_MAX];
	const char *prefixes[1] = { pfx };
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	TMP(watched, "watched");
	TMP(pfx, "watched/");
	TMP(m, "mnt");
	TMP(wm, "watched/mnt");
	TMP(f, "mnt/f");
	TMP(wf, "watched/mnt/f");
	ASSERT_EQ(0, mkdir(watched, 0700));
	ASSERT_EQ(0, mkdir(m, 0700));
	ASSERT_EQ(0, mkdir(wm, 0700));
	if (mount("espy-test", m, "tmpfs", 0, "size=64k") < 0)
		SKIP(return, "cannot mount a tmpfs here: %s", strerror(errno));
	ASSERT_EQ(0, bpfu_write_file(f, "f", 0600));
	ASSERT_EQ(0, self->u.src.ops->set_interest(self->u.src.priv, prefixes,
						   1, NULL, 0));
	/* dull, twice: the second open can only hit the cache */
	pid = reopen(&self->u, f, NULL, 2);
	ASSERT_GT(pid, 0);
	EXPECT_EQ(0, bpfu_count(&self->u, ESPY_EV_OPEN, pid, NULL, NULL));

	ASSERT_EQ(0, mount(m, wm, NULL, MS_MOVE, NULL));
	pid = reopen(&self->u, wf, NULL, 1);
	EXPECT_GT(pid, 0);
	EXPECT_NE(NULL, bpfu_find(&self->u, ESPY_EV_OPEN, pid, path_is, wf, 0))
		TH_LOG("open after a mount move not reported");
	EXPECT_EQ(0, umount2(wm, MNT_DETACH));
}

/* ---- unlink, rmdir, rename, link, symlink, mkdir ------------------------- */

static int child_names(void *arg)
{
	const char *tmp = arg;
	int dfd;

	if (chdir(tmp) < 0)
		return 10;
	dfd = open("d", O_RDONLY | O_DIRECTORY);
	if (dfd < 0)
		return 11;
	if (mkdir("m", 0711) < 0 || rmdir("m") < 0)
		return 12;
	if (bpfu_write_file("d/a", "a", 0600) < 0)
		return 13;
	if (renameat(dfd, "a", AT_FDCWD, "b") < 0)
		return 14;
	if (link("b", "d/hard") < 0 || symlink("../b", "d/soft") < 0)
		return 15;
	if (unlink("b") < 0 || unlinkat(dfd, "hard", 0) < 0)
		return 16;
	if (unlink("nonexistent") == 0)
		return 17;
	return 0;
}

TEST_F(file, names)
{
	char p[2 * PATH_MAX], p2[2 * PATH_MAX];
	const struct espy_file *r;
	struct file_view v;
	int status, rich_unlink, rich_rmdir;
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	rich_unlink = bpfu_attached(&self->u, "lsm/path_unlink");
	rich_rmdir = bpfu_attached(&self->u, "lsm/path_rmdir");
	TH_LOG("lsm unlink/rmdir hooks attached: %d/%d", rich_unlink, rich_rmdir);
	pid = bpfu_run(child_names, self->u.tmp, &status);
	ASSERT_EQ(0, status);
	bpfu_wait(&self->u, ESPY_EV_EXIT, pid, NULL, NULL, 1000);

	TMP(p, "m");
	r = bpfu_find(&self->u, ESPY_EV_MKDIR, pid, path_is, p, 0);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(0711, r->mode);
	EXPECT_EQ(0, r->ret);
	EXPECT_EQ(ESPY_FILE_PATH_RAW, r->fflags);
	r = bpfu_find(&self->u, ESPY_EV_UNLINK, pid, path_is, p, 0);
	ASSERT_NE(NULL, r);
	/* where BPF LSM runs, the victim's path is resolved, not raw */
	EXPECT_EQ(ESPY_FILE_DIR | (rich_rmdir ? 0 : ESPY_FILE_PATH_RAW),
		  r->fflags);
	EXPECT_EQ(0, r->ret);

	TMP(p, "d/a");
	TMP(p2, "b");
	r = bpfu_find(&self->u, ESPY_EV_RENAME, pid, path_is, p, 0);
	ASSERT_NE(NULL, r);
	v = file_view(r);
	EXPECT_TRUE(bpfu_streq(v.path2, r->path2_len, p2))
		TH_LOG("rename to '%.*s'", r->path2_len, v.path2);
	EXPECT_EQ(0, r->ret);
	EXPECT_EQ(sizeof(*r) + r->path_len + r->path2_len, r->hdr.size);

	r = bpfu_find(&self->u, ESPY_EV_LINK, pid, path_is, p2, 0);
	ASSERT_NE(NULL, r);
	v = file_view(r);
	TMP(p, "d/hard");
	EXPECT_TRUE(bpfu_streq(v.path2, r->path2_len, p));
	EXPECT_EQ(0, r->fflags & ESPY_FILE_SYMLINK);
	TMP(p, "d/soft");
	r = bpfu_find(&self->u, ESPY_EV_LINK, pid, path_is, p, 0);
	ASSERT_NE(NULL, r);
	v = file_view(r);
	EXPECT_TRUE(bpfu_streq(v.path2, r->path2_len, "../b"));
	EXPECT_EQ(ESPY_FILE_SYMLINK, r->fflags & ESPY_FILE_SYMLINK);

	r = bpfu_find(&self->u, ESPY_EV_UNLINK, pid, path_is, p2, 0);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(0, r->ret);
	EXPECT_EQ(rich_unlink ? 0 : ESPY_FILE_PATH_RAW, r->fflags);
	TMP(p, "d/hard");
	r = bpfu_find(&self->u, ESPY_EV_UNLINK, pid, path_is, p, 0);
	ASSERT_NE(NULL, r) TH_LOG("unlinkat relative to a dirfd");
	TMP(p, "nonexistent");
	r = bpfu_find(&self->u, ESPY_EV_UNLINK, pid, path_is, p, 0);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(-ENOENT, r->ret);
	/* the lookup failed before any LSM hook: the user's string */
	EXPECT_EQ(ESPY_FILE_PATH_RAW, r->fflags);
}

/* ---- chmod, chown, truncate, utimensat -------------------------------------- */

static int child_attrs(void *arg)
{
	const char *f = arg;
	struct timespec ts[2] = { { 1000, 5 }, { 0, UTIME_NOW } };
	int fd;

	if (chmod(f, 04755) < 0)
		return 10;
	fd = open(f, O_RDONLY);
	if (fd < 0 || fchmod(fd, 0600) < 0)
		return 11;
	if (chown(f, 65534, -1) < 0 || fchown(fd, -1, 65534) < 0)
		return 12;
	if (truncate(f, 12345) < 0)
		return 13;
	if (utimensat(AT_FDCWD, f, ts, 0) < 0)
		return 14;
	/* futimens: no path, the fd's file; NULL times: now */
	if (syscall(SYS_utimensat, fd, NULL, NULL, 0) < 0)
		return 15;
	return 0;
}

TEST_F(file, attributes)
{
	char f[2 * PATH_MAX];
	const struct espy_file *r;
	struct stat st;
	int status;
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	TMP(f, "attr");
	ASSERT_EQ(0, bpfu_write_file(f, "x", 0644));
	ASSERT_EQ(0, stat(f, &st));
	pid = bpfu_run(child_attrs, f, &status);
	ASSERT_EQ(0, status);
	bpfu_wait(&self->u, ESPY_EV_EXIT, pid, NULL, NULL, 1000);

	/* chmod u+s by name */
	r = bpfu_find(&self->u, ESPY_EV_CHMOD, pid, path_is, f, 0);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(04755, r->mode);
	EXPECT_EQ(0, r->ret);
	EXPECT_EQ(ESPY_FILE_PATH_RAW, r->fflags);
	/* fchmod: resolved from the fd, with the inode */
	r = bpfu_find(&self->u, ESPY_EV_CHMOD, pid, path_is, f, 1);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(0600, r->mode);
	EXPECT_EQ(0, r->fflags);
	EXPECT_EQ(st.st_ino, r->ino);

	r = bpfu_find(&self->u, ESPY_EV_CHOWN, pid, path_is, f, 0);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(65534, r->uid);
	EXPECT_EQ((__u32)-1, r->gid);
	r = bpfu_find(&self->u, ESPY_EV_CHOWN, pid, path_is, f, 1);
	ASSERT_NE(NULL, r);
	EXPECT_EQ((__u32)-1, r->uid);
	EXPECT_EQ(65534, r->gid);

	r = bpfu_find(&self->u, ESPY_EV_TRUNCATE, pid, path_is, f, 0);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(12345, r->size);
	EXPECT_EQ(0, r->ret);

	/* timestomping: the times as requested */
	r = bpfu_find(&self->u, ESPY_EV_UTIMES, pid, path_is, f, 0);
	ASSERT_NE(NULL, r);
	EXPECT_EQ(1000000000005LL, r->atime_ns);
	EXPECT_EQ(ESPY_UTIME_NOW, r->mtime_ns);
	EXPECT_EQ(0, r->ret);
	r = bpfu_find(&self->u, ESPY_EV_UTIMES, pid, path_is, f, 1);
	ASSERT_NE(NULL, r) TH_LOG("futimens not resolved from the fd");
	EXPECT_EQ(ESPY_UTIME_NOW, r->atime_ns);
	EXPECT_EQ(ESPY_UTIME_NOW, r->mtime_ns);
	EXPECT_EQ(st.st_ino, r->ino);
}

BPFU_MAIN
