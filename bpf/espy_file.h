// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * File events from per-syscall sys_exit tracepoints.  Each syscall's
 * arguments are normalised per record type into a struct espy_call:
 *   args[0] dfd (or fd)      args[1] user path (0: the fd itself)
 *   args[2] second dfd       args[3] second user path / times / flags
 *   args[4] mode, uid, length, flags   args[5] gid, open mode
 */
#ifndef ESPY_BPF_FILE_H
#define ESPY_BPF_FILE_H

#include "espy_common.h"
#include "espy_path.h"

/* espy_call.op for the variants that change how a record is built */
enum espy_file_op {
	ESPY_FOP_PLAIN = 0,
	ESPY_FOP_RMDIR,
	ESPY_FOP_SYMLINK,
};

#define ESPY_AT_REMOVEDIR	0x200
#define ESPY_UTIME_NOW_NS	((1L << 30) - 1)
#define ESPY_UTIME_OMIT_NS	((1L << 30) - 2)

/*
 * Paths of unlink/rmdir victims resolved by the LSM hooks where the kernel
 * allows them (richer than the user's string); keyed by tid, taken at
 * sys_exit.
 */
struct espy_rich_path {
	__u32 len;
	__u32 flags;
	char path[ESPY_PATH_MAX];
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 1024);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, __u32);
	__type(value, struct espy_rich_path);
} rich_path SEC(".maps");

static __always_inline struct espy_file *espy_file_init(struct espy_scratch *s,
							__u32 type, long ret)
{
	struct espy_file *fr = (void *)s->rec;

	espy_fill_hdr(&fr->hdr, type, 0);
	fr->ret = ret;
	fr->size = 0;
	fr->atime_ns = 0;
	fr->mtime_ns = 0;
	fr->ino = 0;
	fr->dev = 0;
	fr->flags = 0;
	fr->mode = 0;
	fr->uid = (__u32)-1;
	fr->gid = (__u32)-1;
	fr->fflags = 0;
	fr->path_len = 0;
	fr->path2_len = 0;
	fr->_pad0 = 0;
	return fr;
}

static __always_inline void espy_file_inode(struct espy_file *fr,
					    struct file *f)
{
	struct inode *inode = BPF_CORE_READ(f, f_inode);

	fr->ino = BPF_CORE_READ(inode, i_ino);
	fr->dev = BPF_CORE_READ(inode, i_sb, s_dev);
}

/*
 * Append the path named by (dfd, upath) -- or the file of fd dfd when
 * upath is 0 -- at off; returns its length.  second: it is path2.
 */
static __always_inline __u32 espy_rec_path(struct espy_scratch *s,
					   struct espy_file *fr, __u32 off,
					   int dfd, const char *upath,
					   int second)
{
	struct espy_span sp;
	__u32 len;

	if (upath) {
		if (espy_path_at(s, dfd, upath, &sp))
			return 0;
	} else {
		struct file *f = espy_fd_file(espy_task(), dfd);

		if (!f)
			return 0;
		espy_file_path(s, f, 0, &sp);
		espy_file_inode(fr, f);
	}
	len = espy_put_span(s, off, &sp);
	if (second) {
		if (sp.flags & ESPY_F_TRUNC_PATH)
			fr->hdr.flags |= ESPY_F_TRUNC_PATH2;
		fr->hdr.flags |= sp.flags & ESPY_F_PATH_DEPTH;
	} else {
		fr->hdr.flags |= sp.flags;
	}
	if (sp.raw)
		fr->fflags |= ESPY_FILE_PATH_RAW;
	return len;
}

/* The victim's path from the LSM hook, when it ran for this syscall. */
static __always_inline __u32 espy_rich_take(struct espy_scratch *s,
					    struct espy_file *fr, __u32 off)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct espy_rich_path *rp = bpf_map_lookup_elem(&rich_path, &tid);
	__u32 len;

	if (!rp)
		return 0;
	len = rp->len;
	if (len > ESPY_PATH_MAX)
		len = ESPY_PATH_MAX;
	espy_barrier_var(len);
	bpf_probe_read_kernel(&s->rec[off & ESPY_REC_MASK],
			      len & (2 * ESPY_PATH_MAX - 1), rp->path);
	fr->hdr.flags |= rp->flags;
	bpf_map_delete_elem(&rich_path, &tid);
	return len;
}

static __always_inline void espy_utimes(struct espy_file *fr, __u64 utimes)
{
	struct espy_u_timespec ts[2] = {};
	__s64 t[2];
	int i;

	if (!utimes) {
		fr->atime_ns = ESPY_UTIME_NOW;
		fr->mtime_ns = ESPY_UTIME_NOW;
		return;
	}
	bpf_probe_read_user(ts, sizeof(ts), (void *)utimes);
	for (i = 0; i < 2; i++) {
		if (ts[i].tv_nsec == ESPY_UTIME_NOW_NS)
			t[i] = ESPY_UTIME_NOW;
		else if (ts[i].tv_nsec == ESPY_UTIME_OMIT_NS)
			t[i] = ESPY_UTIME_OMIT;
		else
			t[i] = ts[i].tv_sec * 1000000000LL + ts[i].tv_nsec;
	}
	fr->atime_ns = t[0];
	fr->mtime_ns = t[1];
}

/* Everything but open: a record for every result. */
/* ---- open ---------------------------------------------------------------- */

/*
 * Negative verdict cache for read-only opens: the dentry walk is most of
 * what a dropped open costs, and the same uninteresting files are opened
 * over and over.  A key names everything the verdict depends on: the
 * file's dentry and mount (plus its inode, name hash and parent, so that a
 * dentry freed and reallocated at the same address for another file does
 * not inherit the verdict), the task's root (chroot changes the path), and
 * two generations: open_gen[ESPY_GEN_FS], bumped here after every
 * successful rename/link/symlink and mount/umount/move_mount/pivot_root
 * (the path of an existing dentry or its ancestors may have changed), and
 * open_gen[ESPY_GEN_INTEREST], written only by the loader after it adds to
 * the interest set.  Positive verdicts are never cached.  The loader sets
 * open_gen[ESPY_GEN_OFF] when one of the bumping hooks did not attach:
 * then nothing is cached at all.
 *
 * Limit: an open racing with a rename or a mount may hit an entry in the
 * instant between the change taking effect and its sys_exit.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, ESPY_GEN_MAX);
	__type(key, __u32);
	__type(value, __u64);
} open_gen SEC(".maps");

struct espy_neg_key {
	__u64 dentry;
	__u64 mnt;
	__u64 inode;
	__u64 parent;
	__u64 root_dentry;
	__u64 root_mnt;
	__u64 gen_fs;
	__u64 gen_interest;
	__u64 hash_len;		/* d_name.hash_len: name hash and length */
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct espy_neg_key);
	__type(value, __u8);
} open_neg SEC(".maps");

static __always_inline __u64 espy_gen(__u32 idx)
{
	__u64 *g = bpf_map_lookup_elem(&open_gen, &idx);

	return g ? *g : 0;
}

/* Paths may have changed: forget every negative verdict. */
static __always_inline void espy_gen_bump(long ret)
{
	__u32 idx = ESPY_GEN_FS;
	__u64 *g;

	if (ret != 0)
		return;
	g = bpf_map_lookup_elem(&open_gen, &idx);
	if (g)
		__sync_fetch_and_add(g, 1);
}

static __always_inline void espy_neg_key(struct espy_neg_key *k,
					 struct file *f)
{
	struct fs_struct *fs = espy_task()->fs;
	struct espy_dfields df;
	struct path fp = {};

	/* generations first: a walk that races with a bump files its verdict
	 * under the old generation, where no later lookup looks */
	k->gen_fs = espy_gen(ESPY_GEN_FS);
	k->gen_interest = espy_gen(ESPY_GEN_INTEREST);
	/* every probe read counts on this path: whole struct paths */
	bpf_core_read(&fp, sizeof(fp), &f->f_path);
	espy_dentry_fields(fp.dentry, &df);
	k->dentry = (__u64)fp.dentry;
	k->mnt = (__u64)fp.mnt;
	k->inode = (__u64)df.inode;
	k->parent = (__u64)df.parent;
	k->hash_len = df.hash_len;
	k->root_dentry = (__u64)fs->root.dentry;
	k->root_mnt = (__u64)fs->root.mnt;
}

static __always_inline int espy_file_exit(const struct espy_call *c, long ret)
{
	__u32 type = c->type, off = sizeof(struct espy_file), len = 0;
	struct espy_scratch *s;
	struct espy_file *fr;

	/* the path of an existing dentry or its ancestors may have changed */
	if (type == ESPY_EV_RENAME || type == ESPY_EV_LINK)
		espy_gen_bump(ret);
	s = espy_scratch();
	if (!s) {
		espy_count_drop(type);
		return 0;
	}
	fr = espy_file_init(s, type, ret);
	if (type == ESPY_EV_UNLINK)
		len = espy_rich_take(s, fr, off);
	if (!len)
		len = espy_rec_path(s, fr, off, c->args[0],
				    (const char *)c->args[1], 0);
	fr->path_len = len;
	off += len;

	switch (type) {
	case ESPY_EV_UNLINK:
		if (c->op == ESPY_FOP_RMDIR)
			fr->fflags |= ESPY_FILE_DIR;
		break;
	case ESPY_EV_RENAME:
	case ESPY_EV_LINK:
		fr->flags = c->args[4];
		if (c->op == ESPY_FOP_SYMLINK) {
			long n = bpf_probe_read_user_str(
				&s->rec[off & ESPY_REC_MASK], ESPY_PATH_MAX,
				(void *)c->args[3]);

			fr->fflags |= ESPY_FILE_SYMLINK;
			len = n > 0 ? n - 1 : 0;
			if (len == ESPY_PATH_MAX - 1)
				fr->hdr.flags |= ESPY_F_TRUNC_PATH2;
		} else {
			len = espy_rec_path(s, fr, off, c->args[2],
					    (const char *)c->args[3], 1);
		}
		fr->path2_len = len;
		off += len & ESPY_COPY_MASK;
		break;
	case ESPY_EV_CHMOD:
	case ESPY_EV_MKDIR:
		fr->mode = c->args[4];
		break;
	case ESPY_EV_CHOWN:
		fr->uid = c->args[4];
		fr->gid = c->args[5];
		fr->flags = c->args[3];
		break;
	case ESPY_EV_TRUNCATE:
		fr->size = c->args[4];
		break;
	case ESPY_EV_UTIMES:
		espy_utimes(fr, c->args[3]);
		fr->flags = c->args[4];
		break;
	}
	fr->hdr.size = off;
	espy_emit(fr, off, type, 0);
	return 0;
}

static __always_inline int espy_open_is_write(__u64 flags)
{
	return (flags & (ESPY_O_ACCMODE | ESPY_O_CREAT | ESPY_O_TRUNC)) != 0;
}

/*
 * Successful opens: the path comes from the opened file, so relative
 * paths, dirfds, ".." and symlinks are resolved as the kernel did.
 * Read-only opens pass the filter or are dropped here, silently by design
 * (they are not losses); drops are remembered in open_neg.  Failed opens carry the user's string.
 */
static __always_inline int espy_open_exit(const struct espy_call *c, long ret)
{
	struct task_struct *t = espy_task();
	struct espy_scratch *s;
	struct espy_file *fr;
	struct espy_neg_key nk;
	struct espy_span sp;
	__u32 off = sizeof(*fr);
	int write, cache;

	write = espy_open_is_write(c->args[4]);
	s = espy_scratch();
	if (!s) {
		espy_count_drop(ESPY_EV_OPEN);
		return 0;
	}
	if (ret >= 0) {
		struct file *f = espy_fd_file(t, ret);

		if (!f)
			return 0;
		cache = !write && !espy_gen(ESPY_GEN_OFF);
		if (cache) {
			espy_neg_key(&nk, f);
			if (bpf_map_lookup_elem(&open_neg, &nk))
				return 0;
		}
		espy_file_path(s, f, !write, &sp);
		if (!write && !s->walk.matched && !espy_prefix_match(s, &sp)) {
			__u8 no = 0;

			if (cache)
				bpf_map_update_elem(&open_neg, &nk, &no,
						    BPF_ANY);
			return 0;
		}
		fr = espy_file_init(s, ESPY_EV_OPEN, ret);
		espy_file_inode(fr, f);
		if (BPF_CORE_READ(f, f_mode) & ESPY_FMODE_CREATED)
			fr->fflags |= ESPY_FILE_CREATED;
	} else {
		if (!write) {
			/* a failed read-only open is worth a record only when
			 * its absolute string is interesting: no walk */
			char first = 0;

			bpf_probe_read_user(&first, 1, (void *)c->args[1]);
			if (first != '/')
				return 0;
		}
		if (espy_path_at(s, c->args[0], (const char *)c->args[1], &sp))
			return 0;
		if (!write && !espy_prefix_match(s, &sp))
			return 0;
		fr = espy_file_init(s, ESPY_EV_OPEN, ret);
	}
	fr->hdr.flags |= sp.flags;
	if (sp.raw)
		fr->fflags |= ESPY_FILE_PATH_RAW;
	fr->flags = c->args[4];
	fr->mode = c->args[5];
	fr->path_len = espy_put_span(s, off, &sp);
	off += fr->path_len;
	fr->hdr.size = off;
	espy_emit(fr, off, ESPY_EV_OPEN, 0);
	return 0;
}

#define ARG(i)	(A[i])

ESPY_SYSCALL(open, espy_open_exit)
{
	espy_call_set(c, ESPY_EV_OPEN, 0, ESPY_AT_FDCWD, ARG(0), 0, 0, ARG(1),
		      ARG(2));
}

ESPY_SYSCALL(creat, espy_open_exit)
{
	espy_call_set(c, ESPY_EV_OPEN, 0, ESPY_AT_FDCWD, ARG(0), 0, 0,
		      ESPY_O_CREAT | ESPY_O_WRONLY | ESPY_O_TRUNC, ARG(1));
}

ESPY_SYSCALL(openat, espy_open_exit)
{
	espy_call_set(c, ESPY_EV_OPEN, 0, ARG(0), ARG(1), 0, 0, ARG(2), ARG(3));
}

ESPY_SYSCALL(openat2, espy_open_exit)
{
	struct espy_u_open_how how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)ARG(2));
	espy_call_set(c, ESPY_EV_OPEN, 0, ARG(0), ARG(1), 0, 0, how.flags,
		      how.mode);
}

ESPY_SYSCALL(unlink, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_UNLINK, ESPY_FOP_PLAIN, ESPY_AT_FDCWD, ARG(0),
		      0, 0, 0, 0);
}

ESPY_SYSCALL(unlinkat, espy_file_exit)
{
	__u32 op = (ARG(2) & ESPY_AT_REMOVEDIR) ? ESPY_FOP_RMDIR :
						  ESPY_FOP_PLAIN;

	espy_call_set(c, ESPY_EV_UNLINK, op, ARG(0), ARG(1), 0, 0, 0, 0);
}

ESPY_SYSCALL(rmdir, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_UNLINK, ESPY_FOP_RMDIR, ESPY_AT_FDCWD, ARG(0),
		      0, 0, 0, 0);
}

ESPY_SYSCALL(rename, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_RENAME, 0, ESPY_AT_FDCWD, ARG(0),
		      ESPY_AT_FDCWD, ARG(1), 0, 0);
}

ESPY_SYSCALL(renameat, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_RENAME, 0, ARG(0), ARG(1), ARG(2), ARG(3), 0,
		      0);
}

ESPY_SYSCALL(renameat2, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_RENAME, 0, ARG(0), ARG(1), ARG(2), ARG(3),
		      ARG(4), 0);
}

ESPY_SYSCALL(chmod, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_CHMOD, 0, ESPY_AT_FDCWD, ARG(0), 0, 0, ARG(1),
		      0);
}

ESPY_SYSCALL(fchmod, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_CHMOD, 0, ARG(0), 0, 0, 0, ARG(1), 0);
}

ESPY_SYSCALL(fchmodat, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_CHMOD, 0, ARG(0), ARG(1), 0, 0, ARG(2), 0);
}

/* 6.6+; elsewhere the attach fails and is reported */
ESPY_SYSCALL(fchmodat2, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_CHMOD, 0, ARG(0), ARG(1), 0, 0, ARG(2), 0);
}

ESPY_SYSCALL(chown, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_CHOWN, 0, ESPY_AT_FDCWD, ARG(0), 0, 0, ARG(1),
		      ARG(2));
}

ESPY_SYSCALL(lchown, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_CHOWN, 0, ESPY_AT_FDCWD, ARG(0), 0,
		      0x100 /* AT_SYMLINK_NOFOLLOW */, ARG(1), ARG(2));
}

ESPY_SYSCALL(fchown, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_CHOWN, 0, ARG(0), 0, 0, 0, ARG(1), ARG(2));
}

ESPY_SYSCALL(fchownat, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_CHOWN, 0, ARG(0), ARG(1), 0, ARG(4), ARG(2),
		      ARG(3));
}

ESPY_SYSCALL(truncate, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_TRUNCATE, 0, ESPY_AT_FDCWD, ARG(0), 0, 0,
		      ARG(1), 0);
}

ESPY_SYSCALL(ftruncate, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_TRUNCATE, 0, ARG(0), 0, 0, 0, ARG(1), 0);
}

/* a NULL path means the dfd itself (futimens) */
ESPY_SYSCALL(utimensat, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_UTIMES, 0, ARG(0), ARG(1), 0, ARG(2), ARG(3),
		      0);
}

ESPY_SYSCALL(link, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_LINK, 0, ESPY_AT_FDCWD, ARG(0), ESPY_AT_FDCWD,
		      ARG(1), 0, 0);
}

ESPY_SYSCALL(linkat, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_LINK, 0, ARG(0), ARG(1), ARG(2), ARG(3),
		      ARG(4), 0);
}

/* path: the new link; path2: its target exactly as given */
ESPY_SYSCALL(symlink, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_LINK, ESPY_FOP_SYMLINK, ESPY_AT_FDCWD, ARG(1),
		      0, ARG(0), 0, 0);
}

ESPY_SYSCALL(symlinkat, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_LINK, ESPY_FOP_SYMLINK, ARG(1), ARG(2), 0,
		      ARG(0), 0, 0);
}

ESPY_SYSCALL(mkdir, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_MKDIR, 0, ESPY_AT_FDCWD, ARG(0), 0, 0, ARG(1),
		      0);
}

ESPY_SYSCALL(mkdirat, espy_file_exit)
{
	espy_call_set(c, ESPY_EV_MKDIR, 0, ARG(0), ARG(1), 0, 0, ARG(2), 0);
}

/* Mounts move paths too (no record of their own yet): see open_neg. */
#define ESPY_MOUNT_SYSCALL(name)					\
	SEC("tracepoint/syscalls/sys_exit_" #name)			\
	int espy_exit_##name(struct trace_event_raw_sys_exit *ctx)	\
	{								\
		espy_gen_bump(ctx->ret);				\
		return 0;						\
	}

ESPY_MOUNT_SYSCALL(mount)
ESPY_MOUNT_SYSCALL(umount)	/* umount2(2) on x86-64 and arm64 */
ESPY_MOUNT_SYSCALL(move_mount)
ESPY_MOUNT_SYSCALL(pivot_root)

#undef ARG

/*
 * Richer hooks, where the kernel allows BPF LSM programs (not on hardened
 * hosts): the victim of unlink/rmdir resolved from its dentry and the
 * parent's mount, instead of the user's string.  Only inside the unlink
 * syscalls whose sys_exit takes it: an io_uring unlink or a kernel user
 * such as cachefiles would leave it behind for the task's next unlink.
 */
static __always_inline int espy_rich_unlink(const struct path *dir,
					    struct dentry *dentry)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct espy_scratch *s;
	struct espy_rich_path *rp;
	struct espy_span sp;
	long nr;

	if (espy_is_self())
		return 0;
	nr = espy_sys_nr();
	if (nr != cfg_nr_unlink && nr != cfg_nr_unlinkat && nr != cfg_nr_rmdir)
		return 0;
	s = espy_scratch();
	if (!s)
		return 0;
	espy_walk(s, dentry, BPF_CORE_READ(dir, mnt), 0);
	espy_walk_span(s, &sp);
	/* build the value in the record area (unused until sys_exit) */
	rp = (void *)s->rec;
	rp->len = espy_put_span(s, offsetof(struct espy_rich_path, path), &sp);
	rp->flags = sp.flags;
	bpf_map_update_elem(&rich_path, &tid, rp, BPF_ANY);
	return 0;
}

SEC("lsm/path_unlink")
int BPF_PROG(espy_lsm_unlink, const struct path *dir, struct dentry *dentry)
{
	return espy_rich_unlink(dir, dentry);
}

SEC("lsm/path_rmdir")
int BPF_PROG(espy_lsm_rmdir, const struct path *dir, struct dentry *dentry)
{
	return espy_rich_unlink(dir, dentry);
}

#endif /* ESPY_BPF_FILE_H */
