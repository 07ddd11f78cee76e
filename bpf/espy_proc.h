// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Process lifecycle: exec, fork (processes, not threads), exit (the last
 * thread of a process).  tp_btf programs are preferred; the classic
 * tracepoint variants serve when BTF-typed tracepoints cannot attach.
 */
#ifndef ESPY_BPF_PROC_H
#define ESPY_BPF_PROC_H

#include "espy_common.h"
#include "espy_path.h"

static __always_inline __u32 espy_stdio_sock_flags(struct task_struct *t)
{
	__u32 flags = 0;
	struct file *f;

	f = espy_fd_file(t, 0);
	if (f && espy_file_is_sock(f))
		flags |= ESPY_EXEC_STDIN_SOCK;
	f = espy_fd_file(t, 1);
	if (f && espy_file_is_sock(f))
		flags |= ESPY_EXEC_STDOUT_SOCK;
	f = espy_fd_file(t, 2);
	if (f && espy_file_is_sock(f))
		flags |= ESPY_EXEC_STDERR_SOCK;
	return flags;
}

static __always_inline __u32 espy_tty_dev(struct task_struct *t)
{
	struct tty_struct *tty = BPF_CORE_READ(t, signal, tty);
	__u32 major, minor;

	if (!tty)
		return 0;
	major = BPF_CORE_READ(tty, driver, major);
	minor = BPF_CORE_READ(tty, driver, minor_start) +
		BPF_CORE_READ(tty, index);
	return (major << ESPY_MINORBITS) | minor;
}

/* The executable: path, inode, and what kind of file it is. */
static __always_inline __u32 espy_exec_exe(struct espy_scratch *s,
					   struct espy_exec *e, struct file *exe,
					   __u32 off, __u32 *hflags)
{
	struct inode *inode = BPF_CORE_READ(exe, f_inode);
	struct super_block *sb = BPF_CORE_READ(inode, i_sb);
	const unsigned char *name;
	struct espy_span sp;
	char pfx[6] = {};
	__u32 len;

	espy_file_path(s, exe, 0, &sp);
	len = espy_put_span(s, off, &sp);
	*hflags |= sp.flags;
	e->exe_ino = BPF_CORE_READ(inode, i_ino);
	e->exe_dev = BPF_CORE_READ(sb, s_dev);
	if (BPF_CORE_READ(inode, i_nlink) == 0)
		e->flags |= ESPY_EXEC_DELETED;
	if (BPF_CORE_READ(sb, s_magic) == ESPY_TMPFS_MAGIC)
		e->flags |= ESPY_EXEC_UPPER_WRITABLE;
	/* memfd_create names its file "memfd:<name>" on an internal mount */
	name = BPF_CORE_READ(exe, f_path.dentry, d_name.name);
	bpf_probe_read_kernel(pfx, sizeof(pfx), name);
	if (pfx[0] == 'm' && pfx[1] == 'e' && pfx[2] == 'm' && pfx[3] == 'f' &&
	    pfx[4] == 'd' && pfx[5] == ':')
		e->flags |= ESPY_EXEC_MEMFD;
	return len;
}

/*
 * One exec record.  bprm is NULL in the classic tracepoint variant: argc
 * then comes from the new stack and the script name is unknown.
 */
static __always_inline int espy_exec(struct linux_binprm *bprm)
{
	struct task_struct *t = espy_task();
	struct espy_scratch *s;
	struct mm_struct *mm;
	struct fs_struct *fs;
	struct file *exe;
	struct espy_exec *e;
	struct espy_span sp;
	__u32 off = sizeof(*e), hflags = 0, len;
	__u64 start, end;

	if (espy_is_self())
		return 0;
	s = espy_scratch();
	if (!s) {
		espy_count_drop(ESPY_EV_EXEC);
		return 0;
	}
	e = (void *)s->rec;
	espy_fill_hdr(&e->hdr, ESPY_EV_EXEC, 0);
	e->exe_ino = 0;
	e->exe_dev = 0;
	e->flags = 0;
	e->path_len = 0;
	e->argv_len = 0;
	e->cwd_len = 0;
	e->script_len = 0;

	mm = BPF_CORE_READ(t, mm);
	exe = BPF_CORE_READ(mm, exe_file);
	if (exe) {
		len = espy_exec_exe(s, e, exe, off, &hflags);
		e->path_len = len;
		off += len;
	}

	/* argv: NUL-separated, without the last terminator */
	start = BPF_CORE_READ(mm, arg_start);
	end = BPF_CORE_READ(mm, arg_end);
	len = 0;
	if (end > start + 1) {
		__u64 n = end - start - 1;

		if (n > ESPY_ARGV_MAX) {
			n = ESPY_ARGV_MAX;
			hflags |= ESPY_F_TRUNC_ARGV;
		}
		len = n;
		espy_barrier_var(len);
		if (bpf_probe_read_user(&s->rec[off & ESPY_REC_MASK],
					len & ESPY_COPY_MASK, (void *)start)) {
			len = 0;
			hflags |= ESPY_F_TRUNC_ARGV;
		}
	}
	e->argv_len = len;
	off += len;
	if (bprm) {
		e->argc = BPF_CORE_READ(bprm, argc);
	} else {
		/* the ELF loader leaves argc at the new stack pointer */
		__u64 argc = 0;

		bpf_probe_read_user(&argc, sizeof(argc),
				    (void *)BPF_CORE_READ(mm, start_stack));
		e->argc = argc;
	}

	fs = BPF_CORE_READ(t, fs);
	espy_walk(s, BPF_CORE_READ(fs, pwd.dentry), BPF_CORE_READ(fs, pwd.mnt),
		  0);
	espy_walk_span(s, &sp);
	if (sp.flags & ESPY_F_TRUNC_PATH)
		hflags |= ESPY_F_TRUNC_CWD;
	hflags |= sp.flags & ESPY_F_PATH_DEPTH;
	len = espy_put_span(s, off, &sp);
	e->cwd_len = len;
	off += len;

	if (bprm) {
		const char *filename = BPF_CORE_READ(bprm, filename);
		const char *interp = BPF_CORE_READ(bprm, interp);

		/* binfmt_script points interp at the interpreter's name */
		if (filename && interp != filename) {
			long n = bpf_probe_read_kernel_str(
				&s->rec[off & ESPY_REC_MASK], ESPY_PATH_MAX,
				filename);

			e->flags |= ESPY_EXEC_SCRIPT;
			if (n > 0) {
				len = n - 1;
				if (len == ESPY_PATH_MAX - 1)
					hflags |= ESPY_F_TRUNC_SCRIPT;
				e->script_len = len;
				off += len & ESPY_COPY_MASK;
			}
		}
	}

	e->tty_dev = espy_tty_dev(t);
	e->flags |= espy_stdio_sock_flags(t);
	if (e->hdr.euid != e->hdr.uid)
		e->flags |= ESPY_EXEC_SETUID;
	e->hdr.flags = hflags;
	e->hdr.size = off;
	espy_emit(e, off, ESPY_EV_EXEC, 0);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(espy_exec_btf, struct task_struct *p, pid_t old_pid,
	     struct linux_binprm *bprm)
{
	return espy_exec(bprm);
}

SEC("tracepoint/sched/sched_process_exec")
int espy_exec_tp(struct trace_event_raw_sched_process_exec *ctx)
{
	return espy_exec(NULL);
}

static __always_inline int espy_fork(struct task_struct *child)
{
	struct espy_fork *f;

	if (espy_is_self())
		return 0;
	/* threads share the tgid; kernel threads are not processes to watch */
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(child, tgid) ||
	    (BPF_CORE_READ(child, flags) & ESPY_PF_KTHREAD))
		return 0;
	f = bpf_ringbuf_reserve(&events, sizeof(*f), 0);
	if (!f) {
		espy_count_drop(ESPY_EV_FORK);
		return 0;
	}
	espy_fill_hdr(&f->hdr, ESPY_EV_FORK, sizeof(*f));
	f->child_start_ns = BPF_CORE_READ(child, start_boottime);
	f->child_tgid = BPF_CORE_READ(child, tgid);
	f->_pad0 = 0;
	espy_submit(f, sizeof(*f), 0);
	return 0;
}

SEC("tp_btf/sched_process_fork")
int BPF_PROG(espy_fork_btf, struct task_struct *parent,
	     struct task_struct *child)
{
	return espy_fork(child);
}

/*
 * The classic tracepoint gives only pids.  A new process (not a thread,
 * not CLONE_PARENT) has just been added at the tail of current->children:
 * take it from there when its pid matches.
 */
SEC("tracepoint/sched/sched_process_fork")
int espy_fork_tp(struct trace_event_raw_sched_process_fork *ctx)
{
	struct task_struct *t = espy_task();
	struct list_head *last = BPF_CORE_READ(t, children.prev);
	struct task_struct *child;

	if (last == (void *)t + bpf_core_field_offset(struct task_struct,
						      children))
		return 0;
	child = (void *)last - bpf_core_field_offset(struct task_struct,
						     sibling);
	if (BPF_CORE_READ(child, pid) != BPF_CORE_READ(ctx, child_pid))
		return 0;
	return espy_fork(child);
}

static __always_inline int espy_exit(void)
{
	struct task_struct *t = espy_task();
	struct espy_exit *x;

	if (espy_is_self())
		return 0;
	/* do_exit() has already counted this thread out of signal->live */
	if (BPF_CORE_READ(t, signal, live.counter) != 0 ||
	    (BPF_CORE_READ(t, flags) & ESPY_PF_KTHREAD))
		return 0;
	x = bpf_ringbuf_reserve(&events, sizeof(*x), 0);
	if (!x) {
		espy_count_drop(ESPY_EV_EXIT);
		return 0;
	}
	espy_fill_hdr(&x->hdr, ESPY_EV_EXIT, sizeof(*x));
	x->exit_code = BPF_CORE_READ(t, exit_code);
	x->_pad0 = 0;
	espy_submit(x, sizeof(*x), 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(espy_exit_btf, struct task_struct *p)
{
	return espy_exit();
}

SEC("tracepoint/sched/sched_process_exit")
int espy_exit_tp(struct trace_event_raw_sched_process_template *ctx)
{
	return espy_exit();
}

#endif /* ESPY_BPF_PROC_H */
