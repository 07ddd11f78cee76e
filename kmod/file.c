// SPDX-License-Identifier: GPL-2.0-only
/*
 * File syscalls: struct espy_file records, built at sys_exit.
 */
#include <linux/kernel.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/openat2.h>
#include <linux/stat.h>
#include <linux/time64.h>
#include <linux/uaccess.h>
#include <asm/unistd.h>

#include "espy.h"
#include "sys.h"

/* What a handler found out; the record is built from it. */
struct espy_fop {
	u16 type;
	int dfd;
	const char __user *path;	/* NULL: the object is fd */
	int fd;
	int dfd2;
	const char __user *path2;	/* rename/link destination */
	bool path2_as_given;		/* symlink target: copied verbatim */
	u32 fflags;
	u32 flags;
	u32 mode;
	u32 uid;
	u32 gid;
	s64 size;
	s64 atime_ns;
	s64 mtime_ns;
};

static void espy_file_fill_inode(struct espy_file *r, struct file *f)
{
	struct inode *inode = file_inode(f);

	r->ino = inode->i_ino;
	r->dev = inode->i_sb->s_dev;
}

static struct espy_file *espy_file_begin(struct espy_ring **ring,
					 struct espy_sc *sc,
					 const struct espy_fop *op)
{
	struct espy_file *r = espy_rec_begin(ring);

	if (!r)
		return NULL;
	espy_fill_hdr(&r->hdr, current, op->type);
	memset((u8 *)r + sizeof(r->hdr), 0, sizeof(*r) - sizeof(r->hdr));
	r->ret = sc->ret;
	r->size = op->size;
	r->atime_ns = op->atime_ns;
	r->mtime_ns = op->mtime_ns;
	r->flags = op->flags;
	r->mode = op->mode;
	r->uid = op->uid;
	r->gid = op->gid;
	r->fflags = op->fflags;
	return r;
}

/* Fields a syscall does not set: ids "unchanged", times zero. */
static void espy_fop_init(struct espy_fop *op, u16 type)
{
	memset(op, 0, sizeof(*op));
	op->type = type;
	op->dfd = AT_FDCWD;
	op->dfd2 = AT_FDCWD;
	op->uid = (u32)-1;
	op->gid = (u32)-1;
}

/* A file record for a path-based (or fd-based) operation. */
static void espy_file_emit(struct espy_sc *sc, const struct espy_fop *op)
{
	struct espy_ring *ring;
	struct espy_file *r;
	u16 off;

	r = espy_file_begin(&ring, sc, op);
	if (!r)
		return;
	if (op->path) {
		r->path_len = espy_put_path_at(ring, r->data,
					       espy_room(sizeof(*r), ESPY_PATH_MAX),
					       op->dfd, op->path, &r->hdr.flags,
					       ESPY_F_TRUNC_PATH, &r->fflags);
	} else {
		struct file *f = fget_raw(op->fd);

		if (f) {
			u16 room = espy_room(sizeof(*r), ESPY_PATH_MAX);

			espy_file_fill_inode(r, f);
			r->path_len = espy_put_dpath(r->data, room, &f->f_path,
						     &r->hdr.flags,
						     ESPY_F_TRUNC_PATH);
			fput(f);
		}
	}
	off = sizeof(*r) + r->path_len;
	if (op->path2 && op->path2_as_given) {
		u16 flags = 0;

		r->path2_len = espy_put_user_str(ring, (char *)r + off,
						 espy_room(off, ESPY_PATH_MAX),
						 op->path2, &flags,
						 ESPY_F_TRUNC_PATH2);
		r->hdr.flags |= flags;
	} else if (op->path2) {
		r->path2_len = espy_put_path_at(ring, (char *)r + off,
						espy_room(off, ESPY_PATH_MAX),
						op->dfd2, op->path2,
						&r->hdr.flags,
						ESPY_F_TRUNC_PATH2, &r->fflags);
	}
	r->hdr.size = off + r->path2_len;
	espy_rec_commit(ring, r, false);
}

static bool espy_open_writes(u32 flags)
{
	return flags & (O_ACCMODE | O_CREAT | O_TRUNC);
}

/*
 * open/openat/openat2/creat.  A successful open is reported with the path
 * of the file it opened; a failed one with the path it named.  Read-only
 * opens pass the interest filter first.
 */
void espy_sc_open(struct espy_sc *sc)
{
	struct espy_ring *ring;
	struct espy_file *r;
	struct espy_fop op;
	struct file *f;

	espy_fop_init(&op, ESPY_EV_OPEN);
	switch (sc->nr) {
	case __NR_open:
		op.path = (const char __user *)sc->a[0];
		op.flags = sc->a[1];
		op.mode = sc->a[2];
		break;
	case __NR_creat:
		op.path = (const char __user *)sc->a[0];
		op.flags = O_CREAT | O_WRONLY | O_TRUNC;
		op.mode = sc->a[1];
		break;
	case __NR_openat:
		op.dfd = sc->a[0];
		op.path = (const char __user *)sc->a[1];
		op.flags = sc->a[2];
		op.mode = sc->a[3];
		break;
	case __NR_openat2: {
		struct open_how how;

		op.dfd = sc->a[0];
		op.path = (const char __user *)sc->a[1];
		if (sc->a[3] < sizeof(how) ||
		    copy_from_user_nofault(&how, (const void __user *)sc->a[2],
					   sizeof(how)))
			break;
		op.flags = how.flags;
		op.mode = how.mode;
		break;
	}
	}

	if (sc->ret < 0) {
		/*
		 * The path it named; read-only: only an absolute string
		 * that matches a prefix.
		 */
		char c = 0;

		if (espy_open_writes(op.flags)) {
			espy_file_emit(sc, &op);
			return;
		}
		if (copy_from_user_nofault(&c, op.path, 1) || c != '/')
			return;
		r = espy_file_begin(&ring, sc, &op);
		if (!r)
			return;
		r->path_len = espy_put_path_at(ring, r->data,
					       espy_room(sizeof(*r), ESPY_PATH_MAX),
					       op.dfd, op.path, &r->hdr.flags,
					       ESPY_F_TRUNC_PATH, &r->fflags);
		if (!espy_interesting_prefix(r->data, r->path_len)) {
			espy_rec_abort(ring);
			return;
		}
		r->hdr.size = sizeof(*r) + r->path_len;
		espy_rec_commit(ring, r, false);
		return;
	}

	f = fget_raw(sc->ret);
	if (!f)
		return;		/* closed by another thread already */
	r = espy_file_begin(&ring, sc, &op);
	if (!r)
		goto put_file;
	espy_file_fill_inode(r, f);
	if (f->f_mode & FMODE_CREATED)
		r->fflags |= ESPY_FILE_CREATED;
	r->path_len = espy_put_dpath(r->data,
				     espy_room(sizeof(*r), ESPY_PATH_MAX),
				     &f->f_path, &r->hdr.flags,
				     ESPY_F_TRUNC_PATH);
	if (!espy_open_writes(op.flags) &&
	    !espy_interesting(r->data, r->path_len)) {
		espy_rec_abort(ring);
		goto put_file;
	}
	r->hdr.size = sizeof(*r) + r->path_len;
	espy_rec_commit(ring, r, false);
put_file:
	fput(f);
}

void espy_sc_unlink(struct espy_sc *sc)
{
	struct espy_fop op;

	espy_fop_init(&op, ESPY_EV_UNLINK);
	switch (sc->nr) {
	case __NR_unlink:
		op.path = (const char __user *)sc->a[0];
		break;
	case __NR_rmdir:
		op.path = (const char __user *)sc->a[0];
		op.fflags = ESPY_FILE_DIR;
		break;
	case __NR_unlinkat:
		op.dfd = sc->a[0];
		op.path = (const char __user *)sc->a[1];
		if (sc->a[2] & AT_REMOVEDIR)
			op.fflags = ESPY_FILE_DIR;
		break;
	}
	espy_file_emit(sc, &op);
}

void espy_sc_rename(struct espy_sc *sc)
{
	struct espy_fop op;

	espy_fop_init(&op, ESPY_EV_RENAME);
	switch (sc->nr) {
	case __NR_rename:
		op.path = (const char __user *)sc->a[0];
		op.path2 = (const char __user *)sc->a[1];
		break;
	case __NR_renameat:
	case __NR_renameat2:
		op.dfd = sc->a[0];
		op.path = (const char __user *)sc->a[1];
		op.dfd2 = sc->a[2];
		op.path2 = (const char __user *)sc->a[3];
		if (sc->nr == __NR_renameat2)
			op.flags = sc->a[4];
		break;
	}
	espy_file_emit(sc, &op);
}

void espy_sc_chmod(struct espy_sc *sc)
{
	struct espy_fop op;

	espy_fop_init(&op, ESPY_EV_CHMOD);
	switch (sc->nr) {
	case __NR_chmod:
		op.path = (const char __user *)sc->a[0];
		op.mode = sc->a[1];
		break;
	case __NR_fchmod:
		op.fd = sc->a[0];
		op.mode = sc->a[1];
		break;
	default:	/* fchmodat, fchmodat2 */
		op.dfd = sc->a[0];
		op.path = (const char __user *)sc->a[1];
		op.mode = sc->a[2];
		break;
	}
	espy_file_emit(sc, &op);
}

void espy_sc_chown(struct espy_sc *sc)
{
	struct espy_fop op;

	espy_fop_init(&op, ESPY_EV_CHOWN);
	switch (sc->nr) {
	case __NR_chown:
	case __NR_lchown:
		op.path = (const char __user *)sc->a[0];
		op.uid = sc->a[1];
		op.gid = sc->a[2];
		if (sc->nr == __NR_lchown)
			op.flags = AT_SYMLINK_NOFOLLOW;
		break;
	case __NR_fchown:
		op.fd = sc->a[0];
		op.uid = sc->a[1];
		op.gid = sc->a[2];
		break;
	case __NR_fchownat:
		op.dfd = sc->a[0];
		op.path = (const char __user *)sc->a[1];
		op.uid = sc->a[2];
		op.gid = sc->a[3];
		op.flags = sc->a[4];
		break;
	}
	espy_file_emit(sc, &op);
}

void espy_sc_truncate(struct espy_sc *sc)
{
	struct espy_fop op;

	espy_fop_init(&op, ESPY_EV_TRUNCATE);
	if (sc->nr == __NR_truncate)
		op.path = (const char __user *)sc->a[0];
	else
		op.fd = sc->a[0];
	op.size = sc->a[1];
	espy_file_emit(sc, &op);
}

static s64 espy_utime_ns(const struct __kernel_timespec *ts)
{
	if (ts->tv_nsec == UTIME_NOW)
		return ESPY_UTIME_NOW;
	if (ts->tv_nsec == UTIME_OMIT)
		return ESPY_UTIME_OMIT;
	return ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

/* utimensat(dfd, path, times, flags); path NULL is futimens(dfd). */
void espy_sc_utimes(struct espy_sc *sc)
{
	const void __user *times = (const void __user *)sc->a[2];
	struct __kernel_timespec ts[2];
	struct espy_fop op;

	espy_fop_init(&op, ESPY_EV_UTIMES);
	op.dfd = sc->a[0];
	op.fd = sc->a[0];
	op.path = (const char __user *)sc->a[1];
	op.flags = sc->a[3];
	op.atime_ns = ESPY_UTIME_NOW;
	op.mtime_ns = ESPY_UTIME_NOW;
	if (times) {
		if (copy_from_user_nofault(ts, times, sizeof(ts)))
			memset(ts, 0, sizeof(ts));
		op.atime_ns = espy_utime_ns(&ts[0]);
		op.mtime_ns = espy_utime_ns(&ts[1]);
	}
	espy_file_emit(sc, &op);
}

/*
 * link: path is the existing file, path2 the new name; symlink: path is
 * the new link and path2 its target as given.
 */
void espy_sc_link(struct espy_sc *sc)
{
	struct espy_fop op;

	espy_fop_init(&op, ESPY_EV_LINK);
	switch (sc->nr) {
	case __NR_link:
		op.path = (const char __user *)sc->a[0];
		op.path2 = (const char __user *)sc->a[1];
		break;
	case __NR_linkat:
		op.dfd = sc->a[0];
		op.path = (const char __user *)sc->a[1];
		op.dfd2 = sc->a[2];
		op.path2 = (const char __user *)sc->a[3];
		op.flags = sc->a[4];
		break;
	case __NR_symlink:
		op.path2 = (const char __user *)sc->a[0];
		op.path = (const char __user *)sc->a[1];
		op.path2_as_given = true;
		op.fflags = ESPY_FILE_SYMLINK;
		break;
	case __NR_symlinkat:
		op.path2 = (const char __user *)sc->a[0];
		op.dfd = sc->a[1];
		op.path = (const char __user *)sc->a[2];
		op.path2_as_given = true;
		op.fflags = ESPY_FILE_SYMLINK;
		break;
	}
	espy_file_emit(sc, &op);
}

void espy_sc_mkdir(struct espy_sc *sc)
{
	struct espy_fop op;

	espy_fop_init(&op, ESPY_EV_MKDIR);
	if (sc->nr == __NR_mkdir) {
		op.path = (const char __user *)sc->a[0];
		op.mode = sc->a[1];
	} else {
		op.dfd = sc->a[0];
		op.path = (const char __user *)sc->a[1];
		op.mode = sc->a[2];
	}
	espy_file_emit(sc, &op);
}
