// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Privilege and tamper events (struct espy_priv): id changes, capset,
 * ptrace, process_vm_writev, module and BPF program loads, memfd_create,
 * signals aimed at espyd, packet and raw sockets.  The stash carries
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

static __always_inline int espy_priv_enter(__u32 type, __u32 op, __u64 a0,
					   __u64 a1, __u64 a2, __u64 target,
					   __u64 uname, __u64 fd)
{
	struct espy_stash st = {
		.args = { a0, a1, a2, target, uname, fd },
		.type = type,
		.op = op,
	};

	if (espy_is_self())
		return 0;
	espy_stash_put(&st);
	return 0;
}

static __always_inline int espy_priv_exit(__u32 type, long ret, int urgent)
{
	struct espy_scratch *s;
	struct espy_priv *p;
	struct espy_stash st;
	__u32 off = sizeof(*p), len = 0;

	if (espy_stash_take(type, &st))
		return 0;
	s = espy_scratch();
	if (!s) {
		espy_count_drop(type);
		return 0;
	}
	p = (void *)s->rec;
	espy_fill_hdr(&p->hdr, type, 0);
	p->ret = ret;
	p->args[0] = st.args[0];
	p->args[1] = st.args[1];
	p->args[2] = st.args[2];
	p->op = st.op;
	p->target_pid = st.args[3];
	p->_pad0 = 0;
	p->_pad1 = 0;
	if (st.args[4]) {
		long n = bpf_probe_read_user_str(&s->rec[off & ESPY_REC_MASK],
						 ESPY_NAME_MAX,
						 (void *)st.args[4]);

		len = n > 0 ? n - 1 : 0;
		if (len == ESPY_NAME_MAX - 1)
			p->hdr.flags |= ESPY_F_TRUNC_NAME;
	} else if (st.args[5] != ESPY_NO_FD) {
		struct file *f = espy_fd_file(espy_task(), st.args[5]);
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
	espy_emit(p, off, type, urgent);
	return 0;
}

#define ESPY_PRIV_ENTER(name)						\
	SEC("tracepoint/syscalls/sys_enter_" #name)			\
	int espy_enter_##name(struct trace_event_raw_sys_enter *ctx)
#define ESPY_PRIV_EXIT(name, type, urgent)				\
	SEC("tracepoint/syscalls/sys_exit_" #name)			\
	int espy_exit_##name(struct trace_event_raw_sys_exit *ctx)	\
	{								\
		return espy_priv_exit(type, ctx->ret, urgent);		\
	}

#define ESPY_SETID(name, op, a0, a1, a2)				\
	ESPY_PRIV_ENTER(name)						\
	{								\
		return espy_priv_enter(ESPY_EV_SETID, op, a0, a1, a2,	\
				       0, 0, ESPY_NO_FD);		\
	}								\
	ESPY_PRIV_EXIT(name, ESPY_EV_SETID, 0)

ESPY_SETID(setuid, ESPY_OP_SETUID, ctx->args[0], 0, 0)
ESPY_SETID(setgid, ESPY_OP_SETGID, ctx->args[0], 0, 0)
ESPY_SETID(setreuid, ESPY_OP_SETREUID, ctx->args[0], ctx->args[1], 0)
ESPY_SETID(setregid, ESPY_OP_SETREGID, ctx->args[0], ctx->args[1], 0)
ESPY_SETID(setresuid, ESPY_OP_SETRESUID, ctx->args[0], ctx->args[1],
	   ctx->args[2])
ESPY_SETID(setresgid, ESPY_OP_SETRESGID, ctx->args[0], ctx->args[1],
	   ctx->args[2])
ESPY_SETID(setfsuid, ESPY_OP_SETFSUID, ctx->args[0], 0, 0)
ESPY_SETID(setfsgid, ESPY_OP_SETFSGID, ctx->args[0], 0, 0)

/* capset(header, data): data[0] holds the low 32 bits, data[1] the high */
ESPY_PRIV_ENTER(capset)
{
	struct espy_u_cap_data d[2] = {};
	__u64 eff, prm, inh;

	bpf_probe_read_user(d, sizeof(d), (void *)ctx->args[1]);
	eff = d[0].effective | (__u64)d[1].effective << 32;
	prm = d[0].permitted | (__u64)d[1].permitted << 32;
	inh = d[0].inheritable | (__u64)d[1].inheritable << 32;
	return espy_priv_enter(ESPY_EV_CAPSET, ESPY_OP_CAPSET, eff, prm, inh,
			       0, 0, ESPY_NO_FD);
}
ESPY_PRIV_EXIT(capset, ESPY_EV_CAPSET, 0)

ESPY_PRIV_ENTER(ptrace)
{
	__u64 req = ctx->args[0];

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
		return 0;	/* reads (PEEK*, GETREGS...) are debugger noise */
	}
	return espy_priv_enter(ESPY_EV_PTRACE, ESPY_OP_PTRACE, req,
			       ctx->args[2], 0, ctx->args[1], 0, ESPY_NO_FD);
}
ESPY_PRIV_EXIT(ptrace, ESPY_EV_PTRACE, 0)

/* process_vm_writev(pid, lvec, liovcnt, rvec, riovcnt, flags) */
ESPY_PRIV_ENTER(process_vm_writev)
{
	return espy_priv_enter(ESPY_EV_VM_WRITE, ESPY_OP_PROCESS_VM_WRITEV,
			       ctx->args[4], 0, 0, ctx->args[0], 0, ESPY_NO_FD);
}
ESPY_PRIV_EXIT(process_vm_writev, ESPY_EV_VM_WRITE, 0)

/* absent where CONFIG_MODULES is off: the attach failure is reported */
ESPY_PRIV_ENTER(init_module)
{
	return espy_priv_enter(ESPY_EV_MODULE, ESPY_OP_INIT_MODULE,
			       ctx->args[1], 0, 0, 0, 0, ESPY_NO_FD);
}
ESPY_PRIV_EXIT(init_module, ESPY_EV_MODULE, 1)

ESPY_PRIV_ENTER(finit_module)
{
	return espy_priv_enter(ESPY_EV_MODULE, ESPY_OP_FINIT_MODULE,
			       ctx->args[0], ctx->args[2], 0, 0, 0,
			       ctx->args[0]);
}
ESPY_PRIV_EXIT(finit_module, ESPY_EV_MODULE, 1)

/* bpf(BPF_PROG_LOAD, attr, size): type, instruction count, name */
ESPY_PRIV_ENTER(bpf)
{
	const __u32 name_off = ESPY_BPF_ATTR_PROG_NAME;
	__u32 v[2] = {};
	__u64 attr = ctx->args[1];
	__u64 uname = 0;

	if (ctx->args[0] != ESPY_BPF_PROG_LOAD)
		return 0;
	bpf_probe_read_user(v, sizeof(v), (void *)attr);
	if (ctx->args[2] >= name_off + 16)
		uname = attr + name_off;
	return espy_priv_enter(ESPY_EV_BPF, ESPY_OP_BPF_PROG_LOAD, v[0], v[1],
			       0, 0, uname, ESPY_NO_FD);
}
ESPY_PRIV_EXIT(bpf, ESPY_EV_BPF, 1)

ESPY_PRIV_ENTER(memfd_create)
{
	return espy_priv_enter(ESPY_EV_MEMFD, ESPY_OP_MEMFD_CREATE,
			       ctx->args[1], 0, 0, 0, ctx->args[0], ESPY_NO_FD);
}
ESPY_PRIV_EXIT(memfd_create, ESPY_EV_MEMFD, 0)

/* signals aimed at espyd (its tgid, or every process with -1) */
static __always_inline int espy_kill_target(long pid)
{
	return cfg_self_tgid && (pid == cfg_self_tgid || pid == -1);
}

ESPY_PRIV_ENTER(kill)
{
	long pid = ctx->args[0];

	if (!espy_kill_target(pid))
		return 0;
	return espy_priv_enter(ESPY_EV_KILL, ESPY_OP_KILL, ctx->args[1], 0, 0,
			       pid, 0, ESPY_NO_FD);
}
ESPY_PRIV_EXIT(kill, ESPY_EV_KILL, 1)

ESPY_PRIV_ENTER(tkill)
{
	long tid = ctx->args[0];

	if (!cfg_self_tgid || tid != cfg_self_tgid)
		return 0;
	return espy_priv_enter(ESPY_EV_KILL, ESPY_OP_TKILL, ctx->args[1], 0, 0,
			       tid, 0, ESPY_NO_FD);
}
ESPY_PRIV_EXIT(tkill, ESPY_EV_KILL, 1)

ESPY_PRIV_ENTER(tgkill)
{
	long tgid = ctx->args[0];

	if (!cfg_self_tgid || tgid != cfg_self_tgid)
		return 0;
	return espy_priv_enter(ESPY_EV_KILL, ESPY_OP_TGKILL, ctx->args[2], 0, 0,
			       tgid, 0, ESPY_NO_FD);
}
ESPY_PRIV_EXIT(tgkill, ESPY_EV_KILL, 1)

ESPY_PRIV_ENTER(socket)
{
	__u64 family = ctx->args[0], type = ctx->args[1];

	if (family != ESPY_AF_PACKET && (type & 0xf) != ESPY_SOCK_RAW)
		return 0;
	return espy_priv_enter(ESPY_EV_SOCKET, ESPY_OP_SOCKET, family, type,
			       ctx->args[2], 0, 0, ESPY_NO_FD);
}
ESPY_PRIV_EXIT(socket, ESPY_EV_SOCKET, 0)

#endif /* ESPY_BPF_PRIV_H */
