/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * /proc -> ESPY_EV_PROC records.  espyd feeds them through the pipeline at
 * start, so the process table knows processes older than the daemon and a
 * recording carries that table.  Everything read here can change or vanish
 * under us: a process that exits mid-read is skipped, a field that cannot be
 * read stays at its "unknown" value.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "proctab.h"

/* the kernel's internal dev_t, as the sensors report it */
static uint32_t kdev(dev_t d)
{
	return (major(d) << 20) | (minor(d) & 0xfffff);
}

/* read a small file into buf (NUL-terminated); returns bytes or -errno */
static ssize_t read_file(int dirfd, const char *name, char *buf, size_t sz)
{
	ssize_t n, tot = 0;
	int fd;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while ((size_t)tot < sz - 1) {
		n = read(fd, buf + tot, sz - 1 - tot);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			tot = -errno;
			break;
		}
		if (n == 0)
			break;
		tot += n;
	}
	close(fd);
	if (tot >= 0)
		buf[tot] = '\0';
	return tot;
}

static ssize_t read_link(int dirfd, const char *name, char *buf, size_t sz)
{
	ssize_t n = readlinkat(dirfd, name, buf, sz);

	if (n < 0)
		return -errno;
	return n;		/* n == sz: cut */
}

struct stat_fields {
	uint32_t ppid;
	uint32_t tty_nr;
	uint64_t start_ticks;
	char comm[ESPY_COMM_LEN];
};

/* /proc/PID/stat: "pid (comm) state ppid pgrp session tty_nr ... starttime"
 * comm may hold spaces and ')': the fields start after the last ')'. */
static int parse_stat(const char *s, struct stat_fields *f)
{
	const char *open = strchr(s, '('), *close = strrchr(s, ')');
	unsigned long long v[20];
	const char *p;
	char *end;
	size_t clen;
	int i;

	if (!open || !close || close < open)
		return -EINVAL;
	clen = close - open - 1;
	if (clen > ESPY_COMM_LEN - 1)
		clen = ESPY_COMM_LEN - 1;
	memset(f->comm, 0, sizeof(f->comm));
	memcpy(f->comm, open + 1, clen);
	p = close + 1;
	/* field 3 (state) is a letter; fields 4.. are numbers; 22 = starttime */
	while (*p == ' ')
		p++;
	if (!*p)
		return -EINVAL;
	p++;
	for (i = 0; i < 19; i++) {
		errno = 0;
		v[i] = strtoull(p, &end, 10);
		if (end == p || errno)
			return -EINVAL;
		p = end;
	}
	f->ppid = v[0];
	f->tty_nr = v[3];
	f->start_ticks = v[18];
	return 0;
}

/* "Uid:\treal\teff\tsaved\tfs" */
static int parse_ids(const char *status, const char *key, uint32_t *real,
		     uint32_t *eff)
{
	const char *p = strstr(status, key);
	unsigned long r, e;

	if (!p || sscanf(p + strlen(key), "%lu %lu", &r, &e) != 2)
		return -EINVAL;
	*real = r;
	*eff = e;
	return 0;
}

static uint32_t read_u32_file(int dirfd, const char *name, uint32_t dflt)
{
	char buf[32];
	char *end;
	unsigned long v;

	if (read_file(dirfd, name, buf, sizeof(buf)) <= 0)
		return dflt;
	errno = 0;
	v = strtoul(buf, &end, 10);
	if (end == buf || errno)
		return dflt;
	return v;
}

static uint32_t ns_ino(int dirfd, const char *name)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, 0) < 0)
		return 0;
	return st.st_ino;
}

/* cgroup v2: the id the kernel reports is the inode of the cgroup dir */
static uint64_t cgroup_id(int dirfd)
{
	char buf[PATH_MAX], path[PATH_MAX + 32];
	struct stat st;
	char *p, *nl;

	if (read_file(dirfd, "cgroup", buf, sizeof(buf)) <= 0)
		return 0;
	p = strstr(buf, "0::");
	if (!p || (p != buf && p[-1] != '\n'))
		return 0;
	p += 3;
	nl = strchr(p, '\n');
	if (nl)
		*nl = '\0';
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s", p);
	if (stat(path, &st) < 0)
		return 0;
	return st.st_ino;
}

static uint64_t boot_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void fill_exe(int pfd, struct espy_exec *x, char *tail, size_t *off)
{
	static const char deleted[] = " (deleted)";
	char *p = tail + *off;
	struct stat st;
	ssize_t n;

	n = read_link(pfd, "exe", p, ESPY_PATH_MAX);
	if (n <= 0)
		return;		/* kernel thread, or not ours to read */
	if (n == ESPY_PATH_MAX)
		x->hdr.flags |= ESPY_F_TRUNC_PATH;
	if ((size_t)n > sizeof(deleted) - 1 &&
	    !memcmp(p + n - (sizeof(deleted) - 1), deleted, sizeof(deleted) - 1)) {
		x->flags |= ESPY_EXEC_DELETED;
		n -= sizeof(deleted) - 1;
	}
	if (n >= 7 && !memcmp(p, "/memfd:", 7))
		x->flags |= ESPY_EXEC_MEMFD;
	if (fstatat(pfd, "exe", &st, 0) == 0) {
		x->exe_ino = st.st_ino;
		x->exe_dev = kdev(st.st_dev);
	}
	x->path_len = n;
	*off += n;
}

static void fill_argv(int pfd, struct espy_exec *x, char *tail, size_t *off)
{
	char *p = tail + *off;
	ssize_t n, i;
	int fd;

	fd = openat(pfd, "cmdline", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	n = 0;
	for (;;) {
		ssize_t r = read(fd, p + n, ESPY_ARGV_MAX - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += r;
		if (n == ESPY_ARGV_MAX) {
			char c;

			if (read(fd, &c, 1) == 1)
				x->hdr.flags |= ESPY_F_TRUNC_ARGV;
			break;
		}
	}
	close(fd);
	for (i = 0; i < n; i++)
		if (!p[i])
			x->argc++;
	if (n && p[n - 1])
		x->argc++;	/* last argument cut, or argv rewritten */
	x->argv_len = n;
	*off += n;
}

static void fill_cwd(int pfd, struct espy_exec *x, char *tail, size_t *off)
{
	ssize_t n = read_link(pfd, "cwd", tail + *off, ESPY_PATH_MAX);

	if (n <= 0)
		return;
	if (n == ESPY_PATH_MAX)
		x->hdr.flags |= ESPY_F_TRUNC_CWD;
	x->cwd_len = n;
	*off += n;
}

int espy_proc_snapshot_one(const char *procroot, uint32_t pid, uint64_t ts_ns,
			   void *buf, size_t bufsz)
{
	struct espy_exec *x = buf;
	char path[PATH_MAX], sbuf[1024], status[4096];
	struct stat_fields sf;
	uint32_t maj, min;
	size_t off = 0;
	int pfd, err;

	/* exe + argv + cwd at their maxima fit in ESPY_REC_MAX */
	if (bufsz < ESPY_REC_MAX || ((uintptr_t)buf & 7))
		return -EINVAL;
	snprintf(path, sizeof(path), "%s/%u", procroot, pid);
	pfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0)
		return -errno;
	memset(x, 0, sizeof(*x));
	if (read_file(pfd, "stat", sbuf, sizeof(sbuf)) <= 0 ||
	    parse_stat(sbuf, &sf)) {
		err = -ESRCH;
		goto close_pfd;
	}
	if (read_file(pfd, "status", status, sizeof(status)) <= 0 ||
	    parse_ids(status, "\nUid:", &x->hdr.uid, &x->hdr.euid) ||
	    parse_ids(status, "\nGid:", &x->hdr.gid, &x->hdr.egid)) {
		err = -ESRCH;
		goto close_pfd;
	}
	x->hdr.type = ESPY_EV_PROC;
	x->hdr.ts_ns = ts_ns ? ts_ns : boot_now();
	x->hdr.start_ns = sf.start_ticks * ESPY_TICK_NS;
	x->hdr.tgid = x->hdr.tid = pid;
	x->hdr.ppid = sf.ppid;
	x->hdr.auid = read_u32_file(pfd, "loginuid", (uint32_t)-1);
	x->hdr.sessionid = read_u32_file(pfd, "sessionid", (uint32_t)-1);
	x->hdr.mntns = ns_ino(pfd, "ns/mnt");
	x->hdr.netns = ns_ino(pfd, "ns/net");
	x->hdr.cgroup_id = cgroup_id(pfd);
	memcpy(x->hdr.comm, sf.comm, ESPY_COMM_LEN);
	/* tty_nr is the user-space dev_t encoding; records carry the kernel's */
	maj = (sf.tty_nr >> 8) & 0xfff;
	min = (sf.tty_nr & 0xff) | ((sf.tty_nr >> 12) & 0xfff00);
	x->tty_dev = sf.tty_nr ? (maj << 20) | min : 0;
	fill_exe(pfd, x, x->data, &off);
	fill_argv(pfd, x, x->data, &off);
	fill_cwd(pfd, x, x->data, &off);
	x->hdr.size = sizeof(*x) + off;
	err = x->hdr.size;
close_pfd:
	close(pfd);
	return err;
}

int espy_proc_snapshot(const char *procroot, uint64_t ts_ns,
		       espy_record_fn fn, void *ctx)
{
	struct dirent *de;
	void *buf;
	DIR *d;
	int n = 0, len, err = 0;

	if (posix_memalign(&buf, 8, ESPY_REC_MAX))
		return -ENOMEM;
	d = opendir(procroot);
	if (!d) {
		err = -errno;
		goto free_buf;
	}
	if (!ts_ns)
		ts_ns = boot_now();
	while ((de = readdir(d))) {
		char *end;
		unsigned long pid;

		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		pid = strtoul(de->d_name, &end, 10);
		if (*end || !pid || pid > UINT32_MAX)
			continue;
		len = espy_proc_snapshot_one(procroot, pid, ts_ns, buf,
					     ESPY_REC_MAX);
		if (len < 0)
			continue;	/* gone, or unreadable */
		err = fn(ctx, buf, len);
		if (err < 0)
			break;
		n++;
	}
	closedir(d);
free_buf:
	free(buf);
	return err < 0 ? err : n;
}
