// SPDX-License-Identifier: GPL-2.0-only
/*
 * Process lifecycle probes: sched_process_exec, _fork and _exit.
 */
#include <linux/kernel.h>
#include <linux/binfmts.h>
#include <linux/cred.h>
#include <linux/fdtable.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mm_types.h>
#include <linux/sched/signal.h>
#include <linux/spinlock.h>
#include <linux/tty.h>
#include <linux/uaccess.h>
#include <linux/version.h>

#include "espy.h"

static u32 espy_tty_dev(void)
{
	struct signal_struct *sig = current->signal;
	unsigned long irqf;
	u32 dev = 0;

	/* siglock keeps signal->tty (and its reference) in place */
	spin_lock_irqsave(&current->sighand->siglock, irqf);
	if (sig->tty)
		dev = tty_devnum(sig->tty);
	spin_unlock_irqrestore(&current->sighand->siglock, irqf);
	return dev;
}

static struct file *espy_fd_file_rcu(struct files_struct *files, unsigned int fd)
{
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 7, 0)
	return files_lookup_fd_raw(files, fd);
#else
	return files_lookup_fd_rcu(files, fd);
#endif
}

/* Which of fd 0, 1, 2 are sockets: a shell wired to a connection. */
static u32 espy_std_sockets(void)
{
	static const u32 bit[3] = {
		ESPY_EXEC_STDIN_SOCK, ESPY_EXEC_STDOUT_SOCK, ESPY_EXEC_STDERR_SOCK,
	};
	struct files_struct *files = current->files;
	u32 flags = 0;
	unsigned int fd;

	if (!files)
		return 0;
	rcu_read_lock();
	for (fd = 0; fd < 3; fd++) {
		struct file *f = espy_fd_file_rcu(files, fd);

		if (f && S_ISSOCK(file_inode(f)->i_mode))
			flags |= bit[fd];
	}
	rcu_read_unlock();
	return flags;
}

/*
 * argv as the new image sees it: the NUL-separated block on its stack,
 * without the last terminator.
 */
static u16 espy_put_argv(struct espy_ring *ring, char *dst, u16 room, u16 *flags)
{
	struct mm_struct *mm = current->mm;
	unsigned long start, len;

	if (!mm || mm->arg_end <= mm->arg_start + 1)
		return 0;
	start = mm->arg_start;
	len = mm->arg_end - start - 1;
	if (len > room) {
		len = room;
		*flags |= ESPY_F_TRUNC_ARGV;
	}
	if (copy_from_user_nofault(dst, (const void __user *)start, len)) {
		espy_rec_fault(ring);
		*flags |= ESPY_F_TRUNC_ARGV;
		return 0;
	}
	return len;
}

/* memfd_create names its file "memfd:<name>" on an internal mount */
static bool espy_is_memfd(struct file *f)
{
	return !strncmp(f->f_path.dentry->d_name.name, "memfd:", 6);
}

void espy_probe_exec(void *data, struct task_struct *p, pid_t old_pid,
		     struct linux_binprm *bprm)
{
	struct espy_ring *ring;
	struct espy_exec *x;
	struct inode *inode;
	const struct cred *cred;
	u16 off = 0, room;
	char *tail;

	if (!READ_ONCE(espy_active))
		return;
	preempt_disable();
	if (espy_excluded(current->tgid))
		goto out;
	x = espy_rec_begin(&ring);
	if (!x)
		goto out;
	espy_fill_hdr(&x->hdr, current, ESPY_EV_EXEC);
	memset((u8 *)x + sizeof(x->hdr), 0, sizeof(*x) - sizeof(x->hdr));
	tail = x->data;
	room = ESPY_REC_MAX - sizeof(*x);

	inode = file_inode(bprm->file);
	x->exe_ino = inode->i_ino;
	x->exe_dev = inode->i_sb->s_dev;
	x->argc = bprm->argc;
	x->tty_dev = espy_tty_dev();
	x->flags = espy_std_sockets();
	if (inode->i_sb->s_magic == TMPFS_MAGIC)
		x->flags |= ESPY_EXEC_UPPER_WRITABLE;
	if (!inode->i_nlink)
		x->flags |= ESPY_EXEC_DELETED;
	if (espy_is_memfd(bprm->file))
		x->flags |= ESPY_EXEC_MEMFD;
	cred = current_cred();
	if (!uid_eq(cred->uid, cred->euid))
		x->flags |= ESPY_EXEC_SETUID;

	x->path_len = espy_put_dpath(tail, min_t(u16, room, ESPY_PATH_MAX),
				     &bprm->file->f_path, &x->hdr.flags,
				     ESPY_F_TRUNC_PATH);
	off += x->path_len;

	x->argv_len = espy_put_argv(ring, tail + off,
				    min_t(u16, room - off, ESPY_ARGV_MAX),
				    &x->hdr.flags);
	off += x->argv_len;

	x->cwd_len = espy_put_cwd(tail + off,
				  min_t(u16, room - off, ESPY_PATH_MAX),
				  &x->hdr.flags);
	off += x->cwd_len;

	/* binfmt_script replaced interp with the interpreter's name */
	if (bprm->interp != bprm->filename) {
		size_t n = strlen(bprm->filename);
		u16 max = min_t(u16, room - off, ESPY_PATH_MAX);

		x->flags |= ESPY_EXEC_SCRIPT;
		if (n > max) {
			n = max;
			x->hdr.flags |= ESPY_F_TRUNC_SCRIPT;
		}
		memcpy(tail + off, bprm->filename, n);
		x->script_len = n;
		off += n;
	}

	x->hdr.size = sizeof(*x) + off;
	espy_rec_commit(ring, x, false);
out:
	preempt_enable();
}

void espy_probe_fork(void *data, struct task_struct *parent,
		     struct task_struct *child)
{
	struct espy_ring *ring;
	struct espy_fork *f;

	/* threads are not processes, kernel threads not ones to watch */
	if (!READ_ONCE(espy_active) || child->pid != child->tgid ||
	    (child->flags & PF_KTHREAD))
		return;
	preempt_disable();
	if (espy_excluded(current->tgid))
		goto out;
	f = espy_rec_begin(&ring);
	if (!f)
		goto out;
	espy_fill_hdr(&f->hdr, current, ESPY_EV_FORK);
	f->child_start_ns = child->start_boottime;
	f->child_tgid = child->tgid;
	f->_pad0 = 0;
	f->hdr.size = sizeof(*f);
	espy_rec_commit(ring, f, false);
out:
	preempt_enable();
}

static void espy_exit_rec(struct task_struct *p)
{
	struct espy_ring *ring;
	struct espy_exit *e;

	preempt_disable();
	if (espy_excluded(p->tgid))
		goto out;
	e = espy_rec_begin(&ring);
	if (!e)
		goto out;
	espy_fill_hdr(&e->hdr, p, ESPY_EV_EXIT);
	e->exit_code = p->exit_code;
	e->_pad0 = 0;
	e->hdr.size = sizeof(*e);
	espy_rec_commit(ring, e, false);
out:
	preempt_enable();
}

#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
void espy_probe_exit(void *data, struct task_struct *p, bool group_dead)
{
	if (READ_ONCE(espy_active) && group_dead && !(p->flags & PF_KTHREAD))
		espy_exit_rec(p);
}
#else
void espy_probe_exit(void *data, struct task_struct *p)
{
	/* do_exit() dropped signal->live before the tracepoint */
	if (READ_ONCE(espy_active) && !atomic_read(&p->signal->live) &&
	    !(p->flags & PF_KTHREAD))
		espy_exit_rec(p);
}
#endif
