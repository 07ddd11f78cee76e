// SPDX-License-Identifier: GPL-2.0-only
/*
 * The common record header and the helpers that fill record tails.
 *
 * Everything here runs inside a probe with preemption disabled: nothing
 * may sleep, so user memory is read with the _nofault accessors (a page
 * that is not resident is counted as a fault, never waited for) and paths
 * are resolved with d_path() on objects the caller holds.
 */
#include <linux/kernel.h>
#include <linux/audit.h>
#include <linux/cgroup.h>
#include <linux/cred.h>
#include <linux/dcache.h>
#include <linux/fcntl.h>
#include <linux/file.h>
#include <linux/fs_struct.h>
#include <linux/nsproxy.h>
#include <linux/ns_common.h>
#include <linux/path.h>
#include <linux/sched/signal.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <net/net_namespace.h>

#include "espy.h"

/*
 * struct mnt_namespace is private to fs/; its struct ns_common is its first
 * member in every kernel this module supports (checked against
 * /proc/self/ns/mnt by the vm tests).
 */
static u32 espy_mntns_inum(struct nsproxy *ns)
{
	const struct ns_common *nc = (const void *)ns->mnt_ns;

	return nc ? nc->inum : 0;
}

void espy_fill_hdr(struct espy_hdr *h, struct task_struct *t, u16 type)
{
	const struct cred *cred;
	struct nsproxy *ns;

	memset(h, 0, sizeof(*h));
	h->ts_ns = ktime_get_boot_fast_ns();
	h->start_ns = t->group_leader->start_boottime;
	h->tgid = t->tgid;
	h->tid = t->pid;
	h->type = type;
	h->flags = ESPY_F_KMOD;
	h->cpu = smp_processor_id();

	rcu_read_lock();
	h->ppid = rcu_dereference(t->real_parent)->tgid;
	cred = rcu_dereference(t->cred);
	h->uid = __kuid_val(cred->uid);
	h->gid = __kgid_val(cred->gid);
	h->euid = __kuid_val(cred->euid);
	h->egid = __kgid_val(cred->egid);
#ifdef CONFIG_CGROUPS
	h->cgroup_id = cgroup_id(task_dfl_cgroup(t));
#endif
	rcu_read_unlock();

	h->auid = __kuid_val(audit_get_loginuid(t));
	h->sessionid = audit_get_sessionid(t);

	/* nsproxy goes away only when t itself exits, after our probes */
	ns = t->nsproxy;
	if (ns) {
		h->mntns = espy_mntns_inum(ns);
		h->netns = ns->net_ns->ns.inum;
	}
	strscpy_pad(h->comm, t->comm, sizeof(h->comm));
}

/*
 * Write the absolute path of p into dst (not NUL-terminated) and return
 * its length.  d_path() builds the name at the end of the buffer it is
 * given; the result is moved to the front.  " (deleted)" is not part of
 * the name: records flag unlinked objects separately.
 */
u16 espy_put_dpath(char *dst, u16 room, const struct path *p, u16 *flags,
		   u16 trunc_flag)
{
	static const char deleted[] = " (deleted)";
	size_t dl = sizeof(deleted) - 1;
	char *s;
	size_t n;

	if (!p->dentry || !p->mnt || room < 2)
		return 0;
	s = d_path(p, dst, room);
	if (IS_ERR(s)) {
		*flags |= trunc_flag;
		return 0;
	}
	n = strlen(s);
	/*
	 * d_path() marks unlinked dentries; simple_dname() (memfd and other
	 * pseudo files) marks every name.
	 */
	if ((d_unlinked(p->dentry) ||
	     (p->dentry->d_op && p->dentry->d_op->d_dname)) &&
	    n > dl && !strcmp(s + n - dl, deleted))
		n -= dl;
	memmove(dst, s, n);
	return n;
}

/*
 * Copy the NUL-terminated user string src into dst, at most room bytes,
 * one page at a time so that a string ending before an unmapped page is
 * read whole.  Returns its length; a fault counts and yields what was read.
 */
u16 espy_put_user_str(struct espy_ring *ring, char *dst, u16 room,
		      const char __user *src, u16 *flags, u16 trunc_flag)
{
	size_t n = 0;

	if (!src)
		return 0;
	while (n < room) {
		unsigned long addr = (unsigned long)src + n;
		size_t chunk = min_t(size_t, room - n,
				     PAGE_SIZE - offset_in_page(addr));
		char *nul;

		if (copy_from_user_nofault(dst + n, src + n, chunk)) {
			espy_rec_fault(ring);
			return n;
		}
		nul = memchr(dst + n, '\0', chunk);
		if (nul)
			return nul - dst;
		n += chunk;
	}
	*flags |= trunc_flag;
	return n;
}

/*
 * The current working directory.  fs->lock keeps fs->pwd pinned while
 * d_path() walks it; taking a reference instead would need a path_put()
 * that may sleep.
 */
u16 espy_put_cwd(char *dst, u16 room, u16 *flags)
{
	struct fs_struct *fs = current->fs;
	struct path pwd;
	u16 n;

	if (!fs)
		return 0;
	spin_lock(&fs->lock);
	pwd = fs->pwd;
	n = espy_put_dpath(dst, room, &pwd, flags, ESPY_F_TRUNC_CWD);
	spin_unlock(&fs->lock);
	return n;
}

/* Bytes left for a tail string after used bytes, capped at max. */
u16 espy_room(u16 used, u16 max)
{
	return min_t(u16, max, ESPY_REC_MAX - used);
}

/*
 * The object a syscall named by (dfd, user string), as the eBPF sensors
 * report it when it cannot be reached from an open file: the user's string
 * when absolute, otherwise joined to the resolved dfd (or cwd) with
 * ESPY_FILE_PATH_RAW set; an empty string (AT_EMPTY_PATH) is the dfd
 * itself, resolved.  Path walks may sleep, so nothing is looked up.
 */
u16 espy_put_path_at(struct espy_ring *ring, char *dst, u16 room, int dfd,
		     const char __user *upath, u16 *flags, u16 trunc_flag,
		     u32 *fflags)
{
	u64 faults = ring->faults;
	char *s = ring->tmp;
	u16 tflags = 0, n, d;

	n = espy_put_user_str(ring, s, ESPY_PATH_MAX - 1, upath, &tflags,
			      trunc_flag);
	if (ring->faults != faults && !n)
		return 0;	/* unreadable: no path rather than a wrong one */
	if (n && s[0] == '/') {
		*fflags |= ESPY_FILE_PATH_RAW;
		if (n > room) {
			n = room;
			tflags |= trunc_flag;
		}
		memcpy(dst, s, n);
		*flags |= tflags;
		return n;
	}
	if (dfd == AT_FDCWD) {
		d = espy_put_cwd(dst, room, flags);
	} else {
		struct file *f = fget_raw(dfd);

		if (!f) {
			/* a bad dfd: the syscall failed, keep the string */
			*fflags |= ESPY_FILE_PATH_RAW;
			n = min(n, room);
			memcpy(dst, s, n);
			*flags |= tflags;
			return n;
		}
		d = espy_put_dpath(dst, room, &f->f_path, flags, trunc_flag);
		fput(f);
	}
	if (!n)
		return d;	/* no string or AT_EMPTY_PATH: the dfd itself */
	*fflags |= ESPY_FILE_PATH_RAW;
	if (d == 1 && dst[0] == '/')
		d = 0;		/* the root joins as "/name" */
	if (d < room)
		dst[d++] = '/';
	if (n > room - d) {
		n = room - d;
		tflags |= trunc_flag;
	}
	memcpy(dst + d, s, n);
	*flags |= tflags;
	return d + n;
}
