// SPDX-License-Identifier: GPL-2.0-only
/*
 * sys_exit: dispatch of the syscalls espy reports.
 *
 * Every record is built at sys_exit, as the eBPF sensors build theirs.
 * The result is known there and, on x86-64, pt_regs still hold the
 * arguments the syscall ran with (the return value goes to ax; di, si,
 * dx, r10, r8, r9 are left alone).  No probe on sys_enter: every syscall
 * of every task would pay for it.  The user memory the arguments point at
 * has just been read by the syscall itself, so it is resident: probes
 * cannot sleep, and read user memory without faulting pages in.  A DNS
 * query is seen after it left, with the local port its socket was bound
 * to.  32-bit compat syscalls are not decoded.
 */
#include <linux/kernel.h>
#include <linux/compat.h>
#include <linux/ptrace.h>
#include <linux/sched.h>
#include <asm/syscall.h>
#include <asm/unistd.h>

#include "espy.h"
#include "sys.h"

static bool espy_sys_prologue(struct pt_regs *regs, struct espy_sc *sc)
{
	if (in_compat_syscall())
		return false;
	if (espy_excluded(current->tgid))
		return false;
	syscall_get_arguments(current, regs, sc->a);
	return true;
}

void espy_probe_sys_exit(void *data, struct pt_regs *regs, long ret)
{
	struct espy_sc sc = { .ret = ret };
	void (*fn)(struct espy_sc *sc);

	if (!READ_ONCE(espy_active))
		return;
	sc.nr = syscall_get_nr(current, regs);
	fn = espy_sc_handler(sc.nr);
	if (!fn)
		return;
	preempt_disable();
	if (espy_sys_prologue(regs, &sc))
		fn(&sc);
	preempt_enable();
}

/* The handler of a syscall number, or NULL when espy does not report it. */
espy_sc_fn espy_sc_handler(long nr)
{
	switch (nr) {
	/* file */
	case __NR_open:
	case __NR_openat:
	case __NR_openat2:
	case __NR_creat:
		return espy_sc_open;
	case __NR_unlink:
	case __NR_unlinkat:
	case __NR_rmdir:
		return espy_sc_unlink;
	case __NR_rename:
	case __NR_renameat:
	case __NR_renameat2:
		return espy_sc_rename;
	case __NR_chmod:
	case __NR_fchmod:
	case __NR_fchmodat:
#ifdef __NR_fchmodat2
	case __NR_fchmodat2:
#endif
		return espy_sc_chmod;
	case __NR_chown:
	case __NR_fchown:
	case __NR_lchown:
	case __NR_fchownat:
		return espy_sc_chown;
	case __NR_truncate:
	case __NR_ftruncate:
		return espy_sc_truncate;
	case __NR_utimensat:
		return espy_sc_utimes;
	case __NR_link:
	case __NR_linkat:
	case __NR_symlink:
	case __NR_symlinkat:
		return espy_sc_link;
	case __NR_mkdir:
	case __NR_mkdirat:
		return espy_sc_mkdir;
	/* network */
	case __NR_connect:
		return espy_sc_connect;
	case __NR_accept:
	case __NR_accept4:
		return espy_sc_accept;
	case __NR_bind:
		return espy_sc_bind;
	case __NR_listen:
		return espy_sc_listen;
	case __NR_socket:
		return espy_sc_socket;
	case __NR_sendto:
		return espy_sc_sendto;
	case __NR_sendmsg:
	case __NR_sendmmsg:
		return espy_sc_sendmsg;
	/* privilege and tamper */
	case __NR_setuid:
	case __NR_setgid:
	case __NR_setreuid:
	case __NR_setregid:
	case __NR_setresuid:
	case __NR_setresgid:
	case __NR_setfsuid:
	case __NR_setfsgid:
		return espy_sc_setid;
	case __NR_capset:
		return espy_sc_capset;
	case __NR_ptrace:
		return espy_sc_ptrace;
	case __NR_process_vm_writev:
		return espy_sc_vm_write;
	case __NR_init_module:
	case __NR_finit_module:
		return espy_sc_module;
	case __NR_bpf:
		return espy_sc_bpf;
	case __NR_memfd_create:
		return espy_sc_memfd;
	case __NR_kill:
	case __NR_tkill:
	case __NR_tgkill:
		return espy_sc_kill;
	default:
		return NULL;
	}
}
