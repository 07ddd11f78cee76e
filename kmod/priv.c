// SPDX-License-Identifier: GPL-2.0-only
/*
 * Privilege and tamper syscalls: struct espy_priv records (see abi.h for
 * what args hold per type).
 */
#include <linux/kernel.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <linux/file.h>
#include <linux/ptrace.h>
#include <linux/uaccess.h>
#include <asm/unistd.h>

#include "espy.h"
#include "sys.h"

static struct espy_priv *espy_priv_begin(struct espy_ring **ring,
					 struct espy_sc *sc, u16 type, u32 op)
{
	struct espy_priv *r = espy_rec_begin(ring);

	if (!r)
		return NULL;
	espy_fill_hdr(&r->hdr, current, type);
	memset((u8 *)r + sizeof(r->hdr), 0, sizeof(*r) - sizeof(r->hdr));
	r->ret = sc->ret;
	r->op = op;
	r->hdr.size = sizeof(*r);
	return r;
}

/* Module, BPF and signal records wake the reader at once. */
static bool espy_priv_urgent(u16 type)
{
	return type == ESPY_EV_MODULE || type == ESPY_EV_BPF ||
	       type == ESPY_EV_KILL;
}

static void espy_priv_args(struct espy_sc *sc, u16 type, u32 op,
			   u64 a0, u64 a1, u64 a2, u32 target)
{
	struct espy_ring *ring;
	struct espy_priv *r = espy_priv_begin(&ring, sc, type, op);

	if (!r)
		return;
	r->args[0] = a0;
	r->args[1] = a1;
	r->args[2] = a2;
	r->target_pid = target;
	espy_rec_commit(ring, r, espy_priv_urgent(type));
}

void espy_sc_setid(struct espy_sc *sc)
{
	u32 op;

	switch (sc->nr) {
	case __NR_setuid:
		op = ESPY_OP_SETUID;
		break;
	case __NR_setgid:
		op = ESPY_OP_SETGID;
		break;
	case __NR_setreuid:
		op = ESPY_OP_SETREUID;
		break;
	case __NR_setregid:
		op = ESPY_OP_SETREGID;
		break;
	case __NR_setresuid:
		op = ESPY_OP_SETRESUID;
		break;
	case __NR_setresgid:
		op = ESPY_OP_SETRESGID;
		break;
	case __NR_setfsuid:
		op = ESPY_OP_SETFSUID;
		break;
	default:
		op = ESPY_OP_SETFSGID;
		break;
	}
	/* ids are 32-bit: (uid_t)-1 means "unchanged" and stays so */
	espy_priv_args(sc, ESPY_EV_SETID, op, (u32)sc->a[0],
		       op >= ESPY_OP_SETREUID && op <= ESPY_OP_SETRESGID ?
		       (u32)sc->a[1] : 0,
		       op == ESPY_OP_SETRESUID || op == ESPY_OP_SETRESGID ?
		       (u32)sc->a[2] : 0, 0);
}

/* capset(hdr, data): data[0] holds the low 32 bits, data[1] the high. */
void espy_sc_capset(struct espy_sc *sc)
{
	struct __user_cap_data_struct d[2];

	if (copy_from_user_nofault(d, (const void __user *)sc->a[1], sizeof(d)))
		memset(d, 0, sizeof(d));
	espy_priv_args(sc, ESPY_EV_CAPSET, ESPY_OP_CAPSET,
		       d[0].effective | (u64)d[1].effective << 32,
		       d[0].permitted | (u64)d[1].permitted << 32,
		       d[0].inheritable | (u64)d[1].inheritable << 32, 0);
}

/*
 * ptrace requests that change the tracee or begin tracing; reads (PEEK*,
 * GETREGS...) are debugger noise.
 */
static bool espy_ptrace_writes(unsigned long req)
{
	switch (req) {
	case PTRACE_TRACEME:
	case PTRACE_POKETEXT:
	case PTRACE_POKEDATA:
	case PTRACE_POKEUSR:
	case PTRACE_SETREGS:
	case PTRACE_SETFPREGS:
	case PTRACE_ATTACH:
	case PTRACE_SETREGSET:
	case PTRACE_SEIZE:
		return true;
	default:
		return false;
	}
}

void espy_sc_ptrace(struct espy_sc *sc)
{
	if (!espy_ptrace_writes(sc->a[0]))
		return;
	espy_priv_args(sc, ESPY_EV_PTRACE, ESPY_OP_PTRACE,
		       sc->a[0], sc->a[2], 0, sc->a[1]);
}

/* process_vm_writev(pid, lvec, liovcnt, rvec, riovcnt, flags) */
void espy_sc_vm_write(struct espy_sc *sc)
{
	espy_priv_args(sc, ESPY_EV_VM_WRITE, ESPY_OP_PROCESS_VM_WRITEV,
		       sc->a[4], 0, 0, sc->a[0]);
}

void espy_sc_module(struct espy_sc *sc)
{
	struct espy_ring *ring;
	struct espy_priv *r;
	struct file *f;

	if (sc->nr == __NR_init_module) {
		espy_priv_args(sc, ESPY_EV_MODULE, ESPY_OP_INIT_MODULE,
			       sc->a[1], 0, 0, 0);
		return;
	}
	r = espy_priv_begin(&ring, sc, ESPY_EV_MODULE, ESPY_OP_FINIT_MODULE);
	if (!r)
		return;
	r->args[0] = sc->a[0];
	r->args[1] = sc->a[2];
	f = fget_raw(sc->a[0]);
	if (f) {
		r->name_len = espy_put_dpath(r->data,
					     espy_room(sizeof(*r), ESPY_PATH_MAX),
					     &f->f_path, &r->hdr.flags,
					     ESPY_F_TRUNC_NAME);
		fput(f);
	}
	r->hdr.size = sizeof(*r) + r->name_len;
	espy_rec_commit(ring, r, true);
}

/* bpf(BPF_PROG_LOAD, attr, size): program type, size and name. */
void espy_sc_bpf(struct espy_sc *sc)
{
	const union bpf_attr __user *uattr = (const void __user *)sc->a[1];
	struct espy_ring *ring;
	struct espy_priv *r;
	struct {
		u32 prog_type;
		u32 insn_cnt;
	} head;
	char name[BPF_OBJ_NAME_LEN];
	size_t n;

	if (sc->a[0] != BPF_PROG_LOAD)
		return;
	r = espy_priv_begin(&ring, sc, ESPY_EV_BPF, ESPY_OP_BPF_PROG_LOAD);
	if (!r)
		return;
	if (!copy_from_user_nofault(&head, uattr, sizeof(head))) {
		r->args[0] = head.prog_type;
		r->args[1] = head.insn_cnt;
	}
	if (sc->a[2] >= offsetofend(union bpf_attr, prog_name) &&
	    !copy_from_user_nofault(name, &uattr->prog_name, sizeof(name))) {
		n = strnlen(name, sizeof(name));
		memcpy(r->data, name, n);
		r->name_len = n;
	}
	r->hdr.size = sizeof(*r) + r->name_len;
	espy_rec_commit(ring, r, true);
}

void espy_sc_memfd(struct espy_sc *sc)
{
	struct espy_ring *ring;
	struct espy_priv *r;

	r = espy_priv_begin(&ring, sc, ESPY_EV_MEMFD, ESPY_OP_MEMFD_CREATE);
	if (!r)
		return;
	r->args[0] = sc->a[1];
	r->name_len = espy_put_user_str(ring, r->data, ESPY_NAME_MAX - 1,
					(const char __user *)sc->a[0],
					&r->hdr.flags, ESPY_F_TRUNC_NAME);
	r->hdr.size = sizeof(*r) + r->name_len;
	espy_rec_commit(ring, r, false);
}

/*
 * kill/tkill/tgkill aimed at an excluded process (espyd), or kill(-1) at
 * every process while one is excluded.
 */
void espy_sc_kill(struct espy_sc *sc)
{
	long target = (int)sc->a[0];
	u64 sig = sc->nr == __NR_tgkill ? sc->a[2] : sc->a[1];
	u32 op;

	switch (sc->nr) {
	case __NR_kill:
		op = ESPY_OP_KILL;
		if (target == -1 ? !espy_excluding() :
		    target <= 0 || !espy_excluded(target))
			return;
		break;
	case __NR_tkill:
		op = ESPY_OP_TKILL;
		if (target <= 0 || !espy_excluded(target))
			return;
		break;
	default:
		op = ESPY_OP_TGKILL;
		if (target <= 0 || !espy_excluded(target))
			return;
		break;
	}
	espy_priv_args(sc, ESPY_EV_KILL, op, sig, 0, 0, target);
}
