// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * File events from per-syscall tracepoints.  sys_enter_X stashes the
 * arguments normalised per record type; sys_exit_X builds the record with
 * the result:
 *   args[0] dfd (or fd)      args[1] user path (0: the fd itself)
 *   args[2] second dfd       args[3] second user path / times / flags
 *   args[4] mode, uid, length, flags   args[5] gid, open mode
 */
#ifndef ESPY_BPF_FILE_H
#define ESPY_BPF_FILE_H

#include "espy_common.h"
#include "espy_path.h"

/* stash.op for the variants that change how a record is built */
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

static __always_inline int espy_file_enter(__u32 type, __u32 op, __u64 a0,
					   __u64 a1, __u64 a2, __u64 a3,
					   __u64 a4, __u64 a5)
{
	struct espy_stash st = {
		.args = { a0, a1, a2, a3, a4, a5 },
		.type = type,
		.op = op,
	};

	if (espy_is_self())
		return 0;
	espy_stash_put(&st);
	return 0;
}

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

/* Everything but open: the record is built at sys_exit for every result. */
static __always_inline int espy_file_exit(__u32 type, long ret)
{
	struct espy_scratch *s;
	struct espy_file *fr;
	struct espy_stash st;
	__u32 off = sizeof(*fr), len = 0;

	if (espy_stash_take(type, &st))
		return 0;
	s = espy_scratch();
	if (!s) {
		espy_count_drop(type);
		return 0;
	}
	fr = espy_file_init(s, type, ret);
	if (type == ESPY_EV_UNLINK)
		len = espy_rich_take(s, fr, off);
	if (!len)
		len = espy_rec_path(s, fr, off, st.args[0],
				    (const char *)st.args[1], 0);
	fr->path_len = len;
	off += len;

	switch (type) {
	case ESPY_EV_UNLINK:
		if (st.op == ESPY_FOP_RMDIR)
			fr->fflags |= ESPY_FILE_DIR;
		break;
	case ESPY_EV_RENAME:
	case ESPY_EV_LINK:
		fr->flags = st.args[4];
		if (st.op == ESPY_FOP_SYMLINK) {
			long n = bpf_probe_read_user_str(
				&s->rec[off & ESPY_REC_MASK], ESPY_PATH_MAX,
				(void *)st.args[3]);

			fr->fflags |= ESPY_FILE_SYMLINK;
			len = n > 0 ? n - 1 : 0;
			if (len == ESPY_PATH_MAX - 1)
				fr->hdr.flags |= ESPY_F_TRUNC_PATH2;
		} else {
			len = espy_rec_path(s, fr, off, st.args[2],
					    (const char *)st.args[3], 1);
		}
		fr->path2_len = len;
		off += len & ESPY_COPY_MASK;
		break;
	case ESPY_EV_CHMOD:
	case ESPY_EV_MKDIR:
		fr->mode = st.args[4];
		break;
	case ESPY_EV_CHOWN:
		fr->uid = st.args[4];
		fr->gid = st.args[5];
		fr->flags = st.args[3];
		break;
	case ESPY_EV_TRUNCATE:
		fr->size = st.args[4];
		break;
	case ESPY_EV_UTIMES:
		espy_utimes(fr, st.args[3]);
		fr->flags = st.args[4];
		break;
	}
	fr->hdr.size = off;
	espy_emit(fr, off, type, 0);
	return 0;
}

/* ---- open ---------------------------------------------------------------- */

/*
 * Negative verdict cache for read-only opens: the dentry walk is most of
 * what a dropped open costs, and the same uninteresting files are opened
 * over and over.  A key names everything the verdict depends on: the
 * file's dentry and mount (plus its inode, name hash and parent, so that a
 * dentry freed and reallocated at the same address for another file does
 * not inherit the verdict), the task's root (chroot changes the path), and
 * two generations: open_gen[ESPY_GEN_FS], bumped here after every
 * successful rename/link/symlink (the path of an existing dentry or its
 * ancestors may have changed), and open_gen[ESPY_GEN_INTEREST], written
 * only by the loader after it adds to the interest set.  Positive verdicts
 * are never cached.
 *
 * Limits: mounts and unmounts are not traced, so a file whose path changes
 * because a mount appears over or disappears from one of its ancestors
 * keeps its verdict until the next generation bump or LRU eviction; and an
 * open racing with a rename may hit an entry in the instant between the
 * rename taking effect and its sys_exit.
 */
enum { ESPY_GEN_FS = 0, ESPY_GEN_INTEREST = 1, ESPY_GEN_MAX };

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
	struct fs_struct *fs = BPF_CORE_READ(espy_task(), fs);
	struct path fp = {}, root = {};
	struct dentry *d;

	/* generations first: a walk that races with a bump files its verdict
	 * under the old generation, where no later lookup looks */
	k->gen_fs = espy_gen(ESPY_GEN_FS);
	k->gen_interest = espy_gen(ESPY_GEN_INTEREST);
	/* every probe read counts on this path: whole struct paths */
	bpf_core_read(&fp, sizeof(fp), &f->f_path);
	bpf_core_read(&root, sizeof(root), &fs->root);
	d = fp.dentry;
	k->dentry = (__u64)d;
	k->mnt = (__u64)fp.mnt;
	k->inode = (__u64)BPF_CORE_READ(d, d_inode);
	k->parent = (__u64)BPF_CORE_READ(d, d_parent);
	k->hash_len = BPF_CORE_READ(d, d_name.hash_len);
	k->root_dentry = (__u64)root.dentry;
	k->root_mnt = (__u64)root.mnt;
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
static __always_inline int espy_open_exit(long ret)
{
	struct task_struct *t = espy_task();
	struct espy_scratch *s;
	struct espy_file *fr;
	struct espy_stash st;
	struct espy_neg_key nk;
	struct espy_span sp;
	__u32 off = sizeof(*fr);
	int write;

	if (espy_stash_take(ESPY_EV_OPEN, &st))
		return 0;
	write = espy_open_is_write(st.args[4]);
	s = espy_scratch();
	if (!s) {
		espy_count_drop(ESPY_EV_OPEN);
		return 0;
	}
	if (ret >= 0) {
		struct file *f = espy_fd_file(t, ret);

		if (!f)
			return 0;
		if (!write) {
			espy_neg_key(&nk, f);
			if (bpf_map_lookup_elem(&open_neg, &nk))
				return 0;
		}
		espy_file_path(s, f, !write, &sp);
		if (!write && !s->walk.matched && !espy_prefix_match(s, &sp)) {
			__u8 no = 0;

			bpf_map_update_elem(&open_neg, &nk, &no, BPF_ANY);
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
			char c = 0;

			bpf_probe_read_user(&c, 1, (void *)st.args[1]);
			if (c != '/')
				return 0;
		}
		if (espy_path_at(s, st.args[0], (const char *)st.args[1], &sp))
			return 0;
		if (!write && !espy_prefix_match(s, &sp))
			return 0;
		fr = espy_file_init(s, ESPY_EV_OPEN, ret);
	}
	fr->hdr.flags |= sp.flags;
	if (sp.raw)
		fr->fflags |= ESPY_FILE_PATH_RAW;
	fr->flags = st.args[4];
	fr->mode = st.args[5];
	fr->path_len = espy_put_span(s, off, &sp);
	off += fr->path_len;
	fr->hdr.size = off;
	espy_emit(fr, off, ESPY_EV_OPEN, 0);
	return 0;
}

#define ESPY_SYS_ENTER(name)						\
	SEC("tracepoint/syscalls/sys_enter_" #name)			\
	int espy_enter_##name(struct trace_event_raw_sys_enter *ctx)
#define ESPY_SYS_EXIT(name)						\
	SEC("tracepoint/syscalls/sys_exit_" #name)			\
	int espy_exit_##name(struct trace_event_raw_sys_exit *ctx)
#define ARG(i)	(ctx->args[i])
#define RET	(ctx->ret)

ESPY_SYS_ENTER(open)
{
	return espy_file_enter(ESPY_EV_OPEN, 0, ESPY_AT_FDCWD, ARG(0), 0, 0,
			       ARG(1), ARG(2));
}
ESPY_SYS_EXIT(open) { return espy_open_exit(RET); }

ESPY_SYS_ENTER(creat)
{
	return espy_file_enter(ESPY_EV_OPEN, 0, ESPY_AT_FDCWD, ARG(0), 0, 0,
			       ESPY_O_CREAT | ESPY_O_WRONLY | ESPY_O_TRUNC,
			       ARG(1));
}
ESPY_SYS_EXIT(creat) { return espy_open_exit(RET); }

ESPY_SYS_ENTER(openat)
{
	return espy_file_enter(ESPY_EV_OPEN, 0, ARG(0), ARG(1), 0, 0, ARG(2),
			       ARG(3));
}
ESPY_SYS_EXIT(openat) { return espy_open_exit(RET); }

ESPY_SYS_ENTER(openat2)
{
	struct espy_u_open_how how = {};

	bpf_probe_read_user(&how, sizeof(how), (void *)ARG(2));
	return espy_file_enter(ESPY_EV_OPEN, 0, ARG(0), ARG(1), 0, 0,
			       how.flags, how.mode);
}
ESPY_SYS_EXIT(openat2) { return espy_open_exit(RET); }

ESPY_SYS_ENTER(unlink)
{
	return espy_file_enter(ESPY_EV_UNLINK, ESPY_FOP_PLAIN, ESPY_AT_FDCWD,
			       ARG(0), 0, 0, 0, 0);
}
ESPY_SYS_EXIT(unlink) { return espy_file_exit(ESPY_EV_UNLINK, RET); }

ESPY_SYS_ENTER(unlinkat)
{
	__u32 op = (ARG(2) & ESPY_AT_REMOVEDIR) ? ESPY_FOP_RMDIR :
						  ESPY_FOP_PLAIN;

	return espy_file_enter(ESPY_EV_UNLINK, op, ARG(0), ARG(1), 0, 0, 0, 0);
}
ESPY_SYS_EXIT(unlinkat) { return espy_file_exit(ESPY_EV_UNLINK, RET); }

ESPY_SYS_ENTER(rmdir)
{
	return espy_file_enter(ESPY_EV_UNLINK, ESPY_FOP_RMDIR, ESPY_AT_FDCWD,
			       ARG(0), 0, 0, 0, 0);
}
ESPY_SYS_EXIT(rmdir) { return espy_file_exit(ESPY_EV_UNLINK, RET); }

ESPY_SYS_ENTER(rename)
{
	return espy_file_enter(ESPY_EV_RENAME, 0, ESPY_AT_FDCWD, ARG(0),
			       ESPY_AT_FDCWD, ARG(1), 0, 0);
}
ESPY_SYS_EXIT(rename)
{
	espy_gen_bump(RET);
	return espy_file_exit(ESPY_EV_RENAME, RET);
}

ESPY_SYS_ENTER(renameat)
{
	return espy_file_enter(ESPY_EV_RENAME, 0, ARG(0), ARG(1), ARG(2),
			       ARG(3), 0, 0);
}
ESPY_SYS_EXIT(renameat)
{
	espy_gen_bump(RET);
	return espy_file_exit(ESPY_EV_RENAME, RET);
}

ESPY_SYS_ENTER(renameat2)
{
	return espy_file_enter(ESPY_EV_RENAME, 0, ARG(0), ARG(1), ARG(2),
			       ARG(3), ARG(4), 0);
}
ESPY_SYS_EXIT(renameat2)
{
	espy_gen_bump(RET);
	return espy_file_exit(ESPY_EV_RENAME, RET);
}

ESPY_SYS_ENTER(chmod)
{
	return espy_file_enter(ESPY_EV_CHMOD, 0, ESPY_AT_FDCWD, ARG(0), 0, 0,
			       ARG(1), 0);
}
ESPY_SYS_EXIT(chmod) { return espy_file_exit(ESPY_EV_CHMOD, RET); }

ESPY_SYS_ENTER(fchmod)
{
	return espy_file_enter(ESPY_EV_CHMOD, 0, ARG(0), 0, 0, 0, ARG(1), 0);
}
ESPY_SYS_EXIT(fchmod) { return espy_file_exit(ESPY_EV_CHMOD, RET); }

ESPY_SYS_ENTER(fchmodat)
{
	return espy_file_enter(ESPY_EV_CHMOD, 0, ARG(0), ARG(1), 0, 0, ARG(2),
			       0);
}
ESPY_SYS_EXIT(fchmodat) { return espy_file_exit(ESPY_EV_CHMOD, RET); }

/* 6.6+; elsewhere the attach fails and is reported */
ESPY_SYS_ENTER(fchmodat2)
{
	return espy_file_enter(ESPY_EV_CHMOD, 0, ARG(0), ARG(1), 0, 0, ARG(2),
			       0);
}
ESPY_SYS_EXIT(fchmodat2) { return espy_file_exit(ESPY_EV_CHMOD, RET); }

ESPY_SYS_ENTER(chown)
{
	return espy_file_enter(ESPY_EV_CHOWN, 0, ESPY_AT_FDCWD, ARG(0), 0, 0,
			       ARG(1), ARG(2));
}
ESPY_SYS_EXIT(chown) { return espy_file_exit(ESPY_EV_CHOWN, RET); }

ESPY_SYS_ENTER(lchown)
{
	return espy_file_enter(ESPY_EV_CHOWN, 0, ESPY_AT_FDCWD, ARG(0), 0,
			       0x100 /* AT_SYMLINK_NOFOLLOW */, ARG(1), ARG(2));
}
ESPY_SYS_EXIT(lchown) { return espy_file_exit(ESPY_EV_CHOWN, RET); }

ESPY_SYS_ENTER(fchown)
{
	return espy_file_enter(ESPY_EV_CHOWN, 0, ARG(0), 0, 0, 0, ARG(1),
			       ARG(2));
}
ESPY_SYS_EXIT(fchown) { return espy_file_exit(ESPY_EV_CHOWN, RET); }

ESPY_SYS_ENTER(fchownat)
{
	return espy_file_enter(ESPY_EV_CHOWN, 0, ARG(0), ARG(1), 0, ARG(4),
			       ARG(2), ARG(3));
}
ESPY_SYS_EXIT(fchownat) { return espy_file_exit(ESPY_EV_CHOWN, RET); }

ESPY_SYS_ENTER(truncate)
{
	return espy_file_enter(ESPY_EV_TRUNCATE, 0, ESPY_AT_FDCWD, ARG(0), 0,
			       0, ARG(1), 0);
}
ESPY_SYS_EXIT(truncate) { return espy_file_exit(ESPY_EV_TRUNCATE, RET); }

ESPY_SYS_ENTER(ftruncate)
{
	return espy_file_enter(ESPY_EV_TRUNCATE, 0, ARG(0), 0, 0, 0, ARG(1), 0);
}
ESPY_SYS_EXIT(ftruncate) { return espy_file_exit(ESPY_EV_TRUNCATE, RET); }

/* a NULL path means the dfd itself (futimens) */
ESPY_SYS_ENTER(utimensat)
{
	return espy_file_enter(ESPY_EV_UTIMES, 0, ARG(0), ARG(1), 0, ARG(2),
			       ARG(3), 0);
}
ESPY_SYS_EXIT(utimensat) { return espy_file_exit(ESPY_EV_UTIMES, RET); }

ESPY_SYS_ENTER(link)
{
	return espy_file_enter(ESPY_EV_LINK, 0, ESPY_AT_FDCWD, ARG(0),
			       ESPY_AT_FDCWD, ARG(1), 0, 0);
}
ESPY_SYS_EXIT(link)
{
	espy_gen_bump(RET);
	return espy_file_exit(ESPY_EV_LINK, RET);
}

ESPY_SYS_ENTER(linkat)
{
	return espy_file_enter(ESPY_EV_LINK, 0, ARG(0), ARG(1), ARG(2), ARG(3),
			       ARG(4), 0);
}
ESPY_SYS_EXIT(linkat)
{
	espy_gen_bump(RET);
	return espy_file_exit(ESPY_EV_LINK, RET);
}

/* path: the new link; path2: its target exactly as given */
ESPY_SYS_ENTER(symlink)
{
	return espy_file_enter(ESPY_EV_LINK, ESPY_FOP_SYMLINK, ESPY_AT_FDCWD,
			       ARG(1), 0, ARG(0), 0, 0);
}
ESPY_SYS_EXIT(symlink)
{
	espy_gen_bump(RET);
	return espy_file_exit(ESPY_EV_LINK, RET);
}

ESPY_SYS_ENTER(symlinkat)
{
	return espy_file_enter(ESPY_EV_LINK, ESPY_FOP_SYMLINK, ARG(1), ARG(2),
			       0, ARG(0), 0, 0);
}
ESPY_SYS_EXIT(symlinkat)
{
	espy_gen_bump(RET);
	return espy_file_exit(ESPY_EV_LINK, RET);
}

ESPY_SYS_ENTER(mkdir)
{
	return espy_file_enter(ESPY_EV_MKDIR, 0, ESPY_AT_FDCWD, ARG(0), 0, 0,
			       ARG(1), 0);
}
ESPY_SYS_EXIT(mkdir) { return espy_file_exit(ESPY_EV_MKDIR, RET); }

ESPY_SYS_ENTER(mkdirat)
{
	return espy_file_enter(ESPY_EV_MKDIR, 0, ARG(0), ARG(1), 0, 0, ARG(2),
			       0);
}
ESPY_SYS_EXIT(mkdirat) { return espy_file_exit(ESPY_EV_MKDIR, RET); }

/*
 * Richer hooks, where the kernel allows BPF LSM programs (not on hardened
 * hosts): the victim of unlink/rmdir resolved from its dentry and the
 * parent's mount, instead of the user's string.  Only while this task is
 * inside an unlink-family syscall that the tracepoints stashed.
 */
static __always_inline int espy_rich_unlink(const struct path *dir,
					    struct dentry *dentry)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct espy_stash *st = bpf_map_lookup_elem(&stash, &tid);
	struct espy_scratch *s;
	struct espy_rich_path *rp;
	struct espy_span sp;

	if (!st || st->type != ESPY_EV_UNLINK)
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
