// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Absolute paths resolved in the kernel: a dentry walk towards the task's
 * root, crossing mounts, written backwards into the scratch path area so
 * that the path ends at ESPY_PATH_END.  The same walk looks each component
 * up in the filter's name map when asked (read-only opens).
 */
#ifndef ESPY_BPF_PATH_H
#define ESPY_BPF_PATH_H

#include "espy_common.h"

/* A resolved path in the scratch path area, ready to be copied. */
struct espy_span {
	__u32 start;
	__u32 len;
	__u32 flags;		/* ESPY_F_* for the header (first path) */
	__u32 raw;		/* contains the user's unresolved string */
};

/* The fields of a dentry a walk needs. */
struct espy_dfields {
	struct dentry *parent;
	__u64 hash_len;			/* hashlen_len(): the top 32 bits */
	const unsigned char *name;
	struct inode *inode;
};

/*
 * d_parent, d_name and d_inode, adjacent in every kernel espy has met:
 * one probe read for the lot (a walk makes several per component), else
 * one each.  The offsets are CO-RE constants, so the verifier sees only
 * the branch this kernel takes.
 */
static __always_inline void espy_dentry_fields(struct dentry *d,
					       struct espy_dfields *df)
{
	__u32 po = bpf_core_field_offset(struct dentry, d_parent);
	__u32 no = bpf_core_field_offset(struct dentry, d_name);
	__u32 io = bpf_core_field_offset(struct dentry, d_inode);

	if (no == po + 8 && io == no + 16) {
		bpf_probe_read_kernel(df, sizeof(*df), (void *)d + po);
	} else {
		df->parent = BPF_CORE_READ(d, d_parent);
		df->hash_len = BPF_CORE_READ(d, d_name.hash_len);
		df->name = BPF_CORE_READ(d, d_name.name);
		df->inode = BPF_CORE_READ(d, d_inode);
	}
}

static long espy_walk_step(__u32 i, void *arg)
{
	struct espy_scratch *s = espy_scratch();
	struct dentry *d, *mnt_root;
	struct espy_dfields df;
	struct vfsmount *vm;
	struct espy_walk *w;
	__u32 len, pos;

	if (!s)
		return 1;
	w = &s->walk;
	d = (void *)w->dentry;
	vm = (void *)w->vfsmnt;
	if (!d || !vm)
		goto done;
	if (w->dentry == w->root_dentry && w->vfsmnt == w->root_mnt)
		goto done;
	mnt_root = BPF_CORE_READ(vm, mnt_root);
	if (d == mnt_root) {
		struct mount *m, *mp;

		m = (void *)vm - bpf_core_field_offset(struct mount, mnt);
		mp = BPF_CORE_READ(m, mnt_parent);
		if (m == mp)
			goto done;	/* the namespace's root mount */
		w->dentry = (__u64)BPF_CORE_READ(m, mnt_mountpoint);
		w->vfsmnt = (__u64)((void *)mp +
				    bpf_core_field_offset(struct mount, mnt));
		return 0;
	}
	espy_dentry_fields(d, &df);
	len = df.hash_len >> 32;
	if (len > 255)
		len = 255;
	espy_barrier_var(len);
	len &= 255;
	if (len + 1 > w->pos) {
		/* keep the leaf side: the end of a long path says most */
		w->flags |= ESPY_F_TRUNC_PATH;
		goto done;
	}
	pos = w->pos - len - 1;
	bpf_probe_read_kernel(&s->path[(pos + 1) & ESPY_PATH_MASK], len,
			      df.name);
	s->path[pos & ESPY_PATH_MASK] = '/';
	w->pos = pos;
	if (w->want_names && !w->matched && len < ESPY_FILTER_NAME_MAX) {
		__builtin_memset(&s->nkey, 0, sizeof(s->nkey));
		bpf_probe_read_kernel(s->nkey.name, len & (ESPY_FILTER_NAME_MAX - 1),
				      df.name);
		if (bpf_map_lookup_elem(&filter_name, &s->nkey))
			w->matched = 1;
	}
	/* a root that is not its mount's root: a pseudo file (memfd,
	 * pipe) or a disconnected dentry; its name alone, like d_dname */
	if (d == df.parent)
		goto done;
	w->dentry = (__u64)df.parent;
	return 0;
done:
	w->done = 1;
	return 1;
}

/* Walk (d, m) up to the current task's root into s->path / s->walk. */
static __always_inline void espy_walk(struct espy_scratch *s, struct dentry *d,
				      struct vfsmount *m, int want_names)
{
	struct fs_struct *fs = espy_task()->fs;
	struct espy_walk *w = &s->walk;

	w->dentry = (__u64)d;
	w->vfsmnt = (__u64)m;
	w->root_dentry = (__u64)fs->root.dentry;
	w->root_mnt = (__u64)fs->root.mnt;
	w->pos = ESPY_PATH_END;
	w->flags = 0;
	w->want_names = want_names;
	w->matched = 0;
	w->done = 0;
	bpf_loop(ESPY_PATH_DEPTH, espy_walk_step, NULL, 0);
	if (!w->done)
		w->flags |= ESPY_F_PATH_DEPTH;
}

/* The walked path as a span; "/" for the root itself. */
static __always_inline void espy_walk_span(struct espy_scratch *s,
					   struct espy_span *sp)
{
	__u32 pos = s->walk.pos;

	if (pos >= ESPY_PATH_END) {
		pos = ESPY_PATH_END - 1;
		s->path[ESPY_PATH_END - 1] = '/';
	}
	sp->start = pos;
	sp->len = ESPY_PATH_END - pos;
	sp->flags = s->walk.flags;
	sp->raw = 0;
}

/* The path of an open file; s->walk.matched tells the name filter. */
static __always_inline void espy_file_path(struct espy_scratch *s,
					   struct file *f, int want_names,
					   struct espy_span *sp)
{
	struct path fp = {};

	bpf_core_read(&fp, sizeof(fp), &f->f_path);
	espy_walk(s, fp.dentry, fp.mnt, want_names);
	espy_walk_span(s, sp);
}

/*
 * The object a syscall named by (dfd, user string), for operations after
 * which it cannot be reached from a file (unlink, rename...): the user's
 * string when absolute, else joined to the resolved dfd (or cwd).  The
 * last components are as the user wrote them: sp->raw is set.
 */
static __always_inline int espy_path_at(struct espy_scratch *s, int dfd,
					const char *upath, struct espy_span *sp)
{
	struct task_struct *t = espy_task();
	const __u32 base = ESPY_PATH_END + 1;
	struct dentry *d;
	struct vfsmount *m;
	__u32 pos;
	long n;

	sp->flags = 0;
	sp->raw = 1;
	n = bpf_probe_read_user_str(&s->path[base], ESPY_PATH_MAX, upath);
	if (n < 1)
		return -1;
	n -= 1;
	if (n > 0 && s->path[base] == '/') {
		sp->start = base;
		sp->len = n;
		return 0;
	}
	if (dfd == ESPY_AT_FDCWD) {
		struct fs_struct *fs = t->fs;

		d = fs->pwd.dentry;
		m = fs->pwd.mnt;
	} else {
		struct file *f = espy_fd_file(t, dfd);

		if (!f) {
			sp->start = base;
			sp->len = n;
			return 0;
		}
		d = BPF_CORE_READ(f, f_path.dentry);
		m = BPF_CORE_READ(f, f_path.mnt);
	}
	espy_walk(s, d, m, 0);
	if (n == 0) {
		/* AT_EMPTY_PATH: the dfd itself, fully resolved */
		espy_walk_span(s, sp);
		return 0;
	}
	sp->flags = s->walk.flags;
	pos = s->walk.pos;
	if (pos > ESPY_PATH_END)
		pos = ESPY_PATH_END;
	s->path[ESPY_PATH_END] = '/';
	sp->start = pos;
	sp->len = base + n - pos;
	if (sp->len > ESPY_PATH_MAX) {
		sp->len = ESPY_PATH_MAX;
		sp->flags |= ESPY_F_TRUNC_PATH;
	}
	return 0;
}

/* Copy a span into the record at off; returns the bytes copied. */
static __always_inline __u32 espy_put_span(struct espy_scratch *s, __u32 off,
					   const struct espy_span *sp)
{
	__u32 len = sp->len;

	if (len > ESPY_PATH_MAX)
		len = ESPY_PATH_MAX;
	espy_barrier_var(len);
	bpf_probe_read_kernel(&s->rec[off & ESPY_REC_MASK],
			      len & (2 * ESPY_PATH_MAX - 1),
			      &s->path[sp->start & (ESPY_SCRATCH_PATH - 1)]);
	return len;
}

/* Is a resolved path interesting to the read-only open filter? */
static __always_inline int espy_prefix_match(struct espy_scratch *s,
					     const struct espy_span *sp)
{
	__u32 len = sp->len;

	if (len > ESPY_FILTER_PREFIX_MAX)
		len = ESPY_FILTER_PREFIX_MAX;
	espy_barrier_var(len);
	s->pkey.prefixlen = (len & (2 * ESPY_FILTER_PREFIX_MAX - 1)) * 8;
	bpf_probe_read_kernel(s->pkey.data, len & (2 * ESPY_FILTER_PREFIX_MAX - 1),
			      &s->path[sp->start & (ESPY_SCRATCH_PATH - 1)]);
	return bpf_map_lookup_elem(&filter_prefix, &s->pkey) != NULL;
}

#endif /* ESPY_BPF_PATH_H */
