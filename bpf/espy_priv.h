// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Privilege and tamper events (struct espy_priv): id changes, capset,
 * ptrace, process_vm_writev, module and BPF program loads, memfd_create,
 * signals aimed at espyd, packet and raw sockets.  struct espy_call carries
 *   args[0..2] the record's args, args[3] target pid,
 *   args[4] a user pointer to the name for the tail (0: none),
 *   args[5] an fd whose path is the tail (finit_module).
 */
#ifndef ESPY_BPF_PRIV_H
#define ESPY_BPF_PRIV_H

#include "espy_common.h"
#include "espy_path.h"

#define ESPY_BPF_PROG_LOAD	5
#define ESPY_NO_FD		((__u64)-1)

/* ptrace requests that change the tracee or begin tracing */
#define ESPY_PTRACE_TRACEME	0
#define ESPY_PTRACE_POKETEXT	4
#define ESPY_PTRACE_POKEDATA	5
#define ESPY_PTRACE_POKEUSR	6
#define ESPY_PTRACE_SETREGS	13
#define ESPY_PTRACE_SETFPREGS	15
#define ESPY_PTRACE_ATTACH	16
#define ESPY_PTRACE_SETREGSET	0x4205
#define ESPY_PTRACE_SEIZE	0x4206

/* tampering with the kernel or with espyd: the reader is woken at once */
static __always_inline int espy_priv_urgent(__u32 type)
{
	return type == ESPY_EV_MODULE || type == ESPY_EV_BPF ||
	       type == ESPY_EV_KILL;
}

static __always_inline int espy_priv_exit(const struct espy_call *c, long ret)
{
	__u32 type = c->type, off = sizeof(struct espy_priv), len = 0;
	struct espy_scratch *s;
	struct espy_priv *p;

	s = espy_scratch();
	if (!s) {
		espy_count_drop(type);
		return 0;
	}
	p = (void *)s->rec;
	espy_fill_hdr(&p->hdr, type, 0);
	p->ret = ret;
	p->args[0] = c->args[0];
	p->args[1] = c->args[1];
	p->args[2] = c->args[2];
	p->op = c->op;
	p->target_pid = c->args[3];
	p->_pad0 = 0;
	p->_pad1 = 0;
	if (c->args[4]) {
		long n = bpf_probe_read_user_str(&s->rec[off & ESPY_REC_MASK],
						 ESPY_NAME_MAX,
						 (void *)c->args[4]);

		len = n > 0 ? n - 1 : 0;
		if (len == ESPY_NAME_MAX - 1)
			p->hdr.flags |= ESPY_F_TRUNC_NAME;
	} else if (c->args[5] != ESPY_NO_FD) {
		struct file *f = espy_fd_file(espy_task(), c->args[5]);
		struct espy_span sp;

		if (f) {
			espy_file_path(s, f, 0, &sp);
			len = espy_put_span(s, off, &sp);
			if (sp.flags & ESPY_F_TRUNC_PATH)
				p->hdr.flags |= ESPY_F_TRUNC_NAME;
			p->hdr.flags |= sp.flags & ESPY_F_PATH_DEPTH;
		}
	}
	p->name_len = len;
	off += len & ESPY_COPY_MASK;
	p->hdr.size = off;
	espy_emit(p, off, type, espy_priv_urgent(type));
	return 0;
}

#define ARG(i)	(A[i])

#define ESPY_SETID(name, op, a0, a1, a2)				\
	ESPY_SYSCALL(name, espy_priv_exit)				\
	{								\
		espy_call_set(c, ESPY_EV_SETID, op, a0, a1, a2, 0, 0,	\
			      ESPY_NO_FD);				\
	}

ESPY_SETID(setuid, ESPY_OP_SETUID, ARG(0), 0, 0)
ESPY_SETID(setgid, ESPY_OP_SETGID, ARG(0), 0, 0)
ESPY_SETID(setreuid, ESPY_OP_SETREUID, ARG(0), ARG(1), 0)
ESPY_SETID(setregid, ESPY_OP_SETREGID, ARG(0), ARG(1), 0)
ESPY_SETID(setresuid, ESPY_OP_SETRESUID, ARG(0), ARG(1), ARG(2))
ESPY_SETID(setresgid, ESPY_OP_SETRESGID, ARG(0), ARG(1), ARG(2))
ESPY_SETID(setfsuid, ESPY_OP_SETFSUID, ARG(0), 0, 0)
ESPY_SETID(setfsgid, ESPY_OP_SETFSGID, ARG(0), 0, 0)

/* capset(header, data): data[0] holds the low 32 bits, data[1] the high */
ESPY_SYSCALL(capset, espy_priv_exit)
{
	struct espy_u_cap_data d[2] = {};
	__u64 eff, prm, inh;

	bpf_probe_read_user(d, sizeof(d), (void *)ARG(1));
	eff = d[0].effective | (__u64)d[1].effective << 32;
	prm = d[0].permitted | (__u64)d[1].permitted << 32;
	inh = d[0].inheritable | (__u64)d[1].inheritable << 32;
	espy_call_set(c, ESPY_EV_CAPSET, ESPY_OP_CAPSET, eff, prm, inh,
		      0, 0, ESPY_NO_FD);
}

ESPY_SYSCALL(ptrace, espy_priv_exit)
{
	__u64 req = ARG(0);

	switch (req) {
	case ESPY_PTRACE_TRACEME:
	case ESPY_PTRACE_POKETEXT:
	case ESPY_PTRACE_POKEDATA:
	case ESPY_PTRACE_POKEUSR:
	case ESPY_PTRACE_SETREGS:
	case ESPY_PTRACE_SETFPREGS:
	case ESPY_PTRACE_ATTACH:
	case ESPY_PTRACE_SETREGSET:
	case ESPY_PTRACE_SEIZE:
		break;
	default:
		return;	/* reads (PEEK*, GETREGS...) are debugger noise */
	}
	espy_call_set(c, ESPY_EV_PTRACE, ESPY_OP_PTRACE, req,
		      ARG(2), 0, ARG(1), 0, ESPY_NO_FD);
}

/* process_vm_writev(pid, lvec, liovcnt, rvec, riovcnt, flags) */
ESPY_SYSCALL(process_vm_writev, espy_priv_exit)
{
	espy_call_set(c, ESPY_EV_VM_WRITE, ESPY_OP_PROCESS_VM_WRITEV,
		      ARG(4), 0, 0, ARG(0), 0, ESPY_NO_FD);
}

/* absent where CONFIG_MODULES is off: the attach failure is reported */
ESPY_SYSCALL(init_module, espy_priv_exit)
{
	espy_call_set(c, ESPY_EV_MODULE, ESPY_OP_INIT_MODULE,
		      ARG(1), 0, 0, 0, 0, ESPY_NO_FD);
}

ESPY_SYSCALL(finit_module, espy_priv_exit)
{
	espy_call_set(c, ESPY_EV_MODULE, ESPY_OP_FINIT_MODULE, ARG(0), ARG(2),
		      0, 0, 0, ARG(0));
}

/* bpf(BPF_PROG_LOAD, attr, size): type, instruction count, name */
ESPY_SYSCALL(bpf, espy_priv_exit)
{
	const __u32 name_off = ESPY_BPF_ATTR_PROG_NAME;
	__u32 v[2] = {};
	__u64 attr = ARG(1);
	__u64 uname = 0;

	if (ARG(0) != ESPY_BPF_PROG_LOAD)
		return;
	bpf_probe_read_user(v, sizeof(v), (void *)attr);
	if (ARG(2) >= name_off + 16)
		uname = attr + name_off;
	espy_call_set(c, ESPY_EV_BPF, ESPY_OP_BPF_PROG_LOAD, v[0], v[1],
		      0, 0, uname, ESPY_NO_FD);
}

ESPY_SYSCALL(memfd_create, espy_priv_exit)
{
	espy_call_set(c, ESPY_EV_MEMFD, ESPY_OP_MEMFD_CREATE,
		      ARG(1), 0, 0, 0, ARG(0), ESPY_NO_FD);
}

/* signals aimed at espyd (its tgid, or every process with -1) */
static __always_inline int espy_kill_target(long pid)
{
	return cfg_self_tgid && (pid == cfg_self_tgid || pid == -1);
}

ESPY_SYSCALL(kill, espy_priv_exit)
{
	long pid = ARG(0);

	if (!espy_kill_target(pid))
		return;
	espy_call_set(c, ESPY_EV_KILL, ESPY_OP_KILL, ARG(1), 0, 0,
		      pid, 0, ESPY_NO_FD);
}

ESPY_SYSCALL(tkill, espy_priv_exit)
{
	long tid = ARG(0);

	if (!cfg_self_tgid || tid != cfg_self_tgid)
		return;
	espy_call_set(c, ESPY_EV_KILL, ESPY_OP_TKILL, ARG(1), 0, 0,
		      tid, 0, ESPY_NO_FD);
}

ESPY_SYSCALL(tgkill, espy_priv_exit)
{
	long tgid = ARG(0);

	if (!cfg_self_tgid || tgid != cfg_self_tgid)
		return;
	espy_call_set(c, ESPY_EV_KILL, ESPY_OP_TGKILL, ARG(2), 0, 0,
		      tgid, 0, ESPY_NO_FD);
}

ESPY_SYSCALL(socket, espy_priv_exit)
{
	__u64 family = ARG(0), type = ARG(1);

	if (family != ESPY_AF_PACKET && (type & 0xf) != ESPY_SOCK_RAW)
		return;
	espy_call_set(c, ESPY_EV_SOCKET, ESPY_OP_SOCKET, family, type,
		      ARG(2), 0, 0, ESPY_NO_FD);
}

#undef ARG

#endif /* ESPY_BPF_PRIV_H */
