// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Shared state of the espy eBPF sensors: configuration, maps, the record
 * header, emission with batched wakeups and drop counting, and the
 * exit-only syscall programs that read their arguments back from the
 * task's saved registers.
 */
#ifndef ESPY_BPF_COMMON_H
#define ESPY_BPF_COMMON_H

#include "vmlinux.h"
/* a constant expression, for the ABI's static asserts (libbpf's is not) */
#define offsetof(type, member)	__builtin_offsetof(type, member)
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "espy/abi.h"
#include "espy/filter.h"

/* uapi constants that vmlinux.h (types only) does not carry */
#define ESPY_AT_FDCWD		-100
#define ESPY_O_ACCMODE		00000003
#define ESPY_O_WRONLY		00000001
#define ESPY_O_RDWR		00000002
#define ESPY_O_CREAT		00000100
#define ESPY_O_TRUNC		00001000
#define ESPY_S_IFMT		00170000
#define ESPY_S_IFSOCK		0140000
#define ESPY_AF_UNIX		1
#define ESPY_AF_INET		2
#define ESPY_AF_INET6		10
#define ESPY_AF_PACKET		17
#define ESPY_SOCK_RAW		3
#define ESPY_IPPROTO_TCP	6
#define ESPY_IPPROTO_UDP	17
#define ESPY_TCP_CLOSE		7
#define ESPY_TCP_LISTEN		10
#define ESPY_PF_KTHREAD		0x00200000
#define ESPY_TMPFS_MAGIC	0x01021994
#define ESPY_FMODE_CREATED	0x100000
#define ESPY_MINORBITS		20

/*
 * User-space ABI structures read from user memory.  Their layout is fixed
 * by the syscall ABI, so they are declared here without CO-RE relocations
 * (vmlinux.h's copies would tie loading to their presence in kernel BTF).
 */
struct espy_u_timespec {
	__s64 tv_sec;
	__s64 tv_nsec;
};

struct espy_u_open_how {
	__u64 flags;
	__u64 mode;
	__u64 resolve;
};

struct espy_u_cap_data {
	__u32 effective;
	__u32 permitted;
	__u32 inheritable;
};

struct espy_u_iovec {
	__u64 iov_base;
	__u64 iov_len;
};

struct espy_u_msghdr {
	__u64 msg_name;
	__s32 msg_namelen;
	__u32 _pad;
	__u64 msg_iov;
	__u64 msg_iovlen;
	__u64 msg_control;
	__u64 msg_controllen;
	__u32 msg_flags;
};

/* union bpf_attr, BPF_PROG_LOAD: where the fields espy reports sit */
#define ESPY_BPF_ATTR_PROG_NAME	48
_Static_assert(ESPY_BPF_ATTR_PROG_NAME == offsetof(union bpf_attr, prog_name),
	       "bpf_attr.prog_name");

/*
 * Sizes of the per-CPU scratch areas.  Offsets into them are masked so
 * that the verifier can bound every access: a record is built at offsets
 * below ESPY_REC_MAX and a single copy is at most ESPY_COPY_MAX bytes,
 * hence the record area is twice ESPY_REC_MAX.
 */
#define ESPY_REC_MASK		(ESPY_REC_MAX - 1)
#define ESPY_SCRATCH_REC	(2 * ESPY_REC_MAX)
#define ESPY_COPY_MASK		(2 * ESPY_ARGV_MAX - 1)
/*
 * Path area: a dentry walk writes components backwards so that the path
 * ends at ESPY_PATH_END; a user string may be appended after it (joined
 * to the resolved directory), hence room for two paths and a name.
 */
#define ESPY_PATH_END		ESPY_PATH_MAX
#define ESPY_PATH_MASK		(ESPY_PATH_MAX - 1)
#define ESPY_SCRATCH_PATH	(4 * ESPY_PATH_MAX)
#define ESPY_PATH_DEPTH		96

/*
 * Keep a clamped length opaque to the compiler so that the mask after it
 * survives optimisation: the verifier needs to see the mask.
 */
#define espy_barrier_var(v)	asm volatile("" : "+r"(v))

/* Set by the loader before load (rodata: constant for the verifier). */
const volatile __u32 cfg_self_tgid = 0;		/* espyd: excluded, protected */
const volatile __u64 cfg_wakeup_bytes = 65536;	/* wake reader above this */
const volatile __u64 cfg_cookie_key = 0;		/* hides kernel addresses */
/* from the C library's <sys/syscall.h>; -1 where the arch has none */
const volatile __s32 cfg_nr_unlink = -1;
const volatile __s32 cfg_nr_unlinkat = -1;
const volatile __s32 cfg_nr_rmdir = -1;

/*
 * State of a bpf_loop walk.  It lives in the scratch map rather than on
 * the stack: the verifier then sees unknown scalars on every iteration and
 * the callback converges, where precise stack values never would.
 */
struct espy_walk {
	__u64 dentry;		/* struct dentry *, read with probe reads */
	__u64 vfsmnt;		/* struct vfsmount * */
	__u64 root_dentry;
	__u64 root_mnt;
	__u32 pos;		/* path is [pos, ESPY_PATH_END) */
	__u32 flags;		/* ESPY_F_TRUNC_PATH, ESPY_F_PATH_DEPTH */
	__u32 want_names;
	__u32 matched;		/* a component is in filter_name */
	__u32 done;
	/* DNS question name */
	__u32 in;		/* offset in the packet */
	__u32 out;		/* name bytes written */
	__u32 off;		/* record offset of the name */
	__u32 trunc;
	__u32 _pad;
};

struct espy_scratch {
	struct espy_walk walk;
	__u8 rec[ESPY_SCRATCH_REC];
	__u8 path[ESPY_SCRATCH_PATH];
	struct espy_filter_prefix_key pkey;
	struct espy_filter_name_key nkey;
	__u8 _slack[2 * ESPY_FILTER_PREFIX_MAX];	/* masked copies may overrun */
};

/*
 * The scratch is an ARRAY indexed by CPU rather than a PERCPU_ARRAY, whose
 * values are limited to 32 KiB; the loader sets max_entries to the number
 * of possible CPUs.  Programs that can run in softirq (inet_sock_set_state)
 * must not use it: they would clobber a record being built by the task
 * they interrupted.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct espy_scratch);
} scratch SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 16 << 20);
} events SEC(".maps");

/* Records lost, per record type: ring full, no scratch. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, ESPY_EV_MAX);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, ESPY_FILTER_PREFIX_ENTRIES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct espy_filter_prefix_key);
	__type(value, struct espy_filter_val);
} filter_prefix SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ESPY_FILTER_NAME_ENTRIES);
	__type(key, struct espy_filter_name_key);
	__type(value, struct espy_filter_val);
} filter_name SEC(".maps");

static __always_inline struct espy_scratch *espy_scratch(void)
{
	__u32 cpu = bpf_get_smp_processor_id();

	return bpf_map_lookup_elem(&scratch, &cpu);
}

static __always_inline void espy_count_drop(__u32 type)
{
	__u64 *n;

	if (type >= ESPY_EV_MAX)
		type = ESPY_EV_NONE;
	n = bpf_map_lookup_elem(&drops, &type);
	if (n)
		*n += 1;
}

static __always_inline int espy_is_self(void)
{
	return (bpf_get_current_pid_tgid() >> 32) == cfg_self_tgid;
}

static __always_inline __u64 espy_sock_cookie(const void *sk)
{
	__u64 addr = 0;

	/* through memory: the verifier forbids arithmetic on BTF pointers */
	bpf_probe_read_kernel(&addr, sizeof(addr), &sk);
	/* multiplication by an odd constant is a bijection: cookies stay
	 * unique per live socket without exposing the address */
	return (addr ^ cfg_cookie_key) * 0x9e3779b97f4a7c15ULL;
}

/*
 * Wake the reader once per crossing of cfg_wakeup_bytes, or for an urgent
 * record; otherwise the reader's poll timer picks records up (bounded
 * latency).  Waking on every record above the mark would send the CPU a
 * self-IPI per record until the reader has run and drained the ring: the
 * most expensive thing a producer can do in a VM.  size: bytes this record
 * adds (header included), already counted in AVAIL_DATA when reserved.
 */
static __always_inline __u64 espy_wake_flags(int urgent, __u64 size,
					     int reserved)
{
	__u64 avail;

	if (urgent)
		return BPF_RB_FORCE_WAKEUP;
	avail = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	if (!reserved)
		avail += size;
	if (avail >= cfg_wakeup_bytes && avail - size < cfg_wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void espy_emit(void *rec, __u32 size, __u32 type,
				      int urgent)
{
	size &= ESPY_REC_MASK;
	if (bpf_ringbuf_output(&events, rec, size,
			       espy_wake_flags(urgent, size + BPF_RINGBUF_HDR_SZ, 0)))
		espy_count_drop(type);
}

static __always_inline void espy_submit(void *rec, __u32 size, int urgent)
{
	bpf_ringbuf_submit(rec, espy_wake_flags(urgent,
						size + BPF_RINGBUF_HDR_SZ, 1));
}

/*
 * A BTF-typed task: fields read through it are plain loads (the JIT
 * guards them), not a helper call per field as with bpf_probe_read.
 */
static __always_inline struct task_struct *espy_task(void)
{
	return bpf_get_current_task_btf();
}

/* The common header, from the current task. */
static __always_inline void espy_fill_hdr(struct espy_hdr *h, __u32 type,
					  __u32 size)
{
	struct task_struct *t = espy_task();
	const struct cred *cred = t->cred;
	struct nsproxy *ns = t->nsproxy;
	__u64 id = bpf_get_current_pid_tgid();

	h->ts_ns = bpf_ktime_get_boot_ns();
	h->start_ns = t->group_leader->start_boottime;
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->tgid = id >> 32;
	h->tid = (__u32)id;
	h->ppid = t->real_parent->tgid;
	h->uid = cred->uid.val;
	h->gid = cred->gid.val;
	h->euid = cred->euid.val;
	h->egid = cred->egid.val;
	if (bpf_core_field_exists(t->loginuid)) {
		h->auid = t->loginuid.val;
		h->sessionid = t->sessionid;
	} else {
		h->auid = (__u32)-1;
		h->sessionid = (__u32)-1;
	}
	/* a task past exit_task_namespaces() has none */
	if (ns) {
		h->mntns = ns->mnt_ns->ns.inum;
		h->netns = ns->net_ns->ns.inum;
	} else {
		h->mntns = 0;
		h->netns = 0;
	}
	h->type = type;
	h->size = size;
	h->flags = 0;
	h->cpu = bpf_get_smp_processor_id();
	h->_pad0 = 0;
	/* Older kernels (6.1) copy the name without zero-filling the rest,
	 * and h lives in a reused per-CPU scratch buffer. */
	__builtin_memset(h->comm, 0, sizeof(h->comm));
	bpf_get_current_comm(h->comm, sizeof(h->comm));
}

/* ---- syscalls ----------------------------------------------------------- */

/*
 * Syscalls are traced at sys_exit only.  Their arguments are read back
 * from the user registers that the entry code saved: syscalls get them
 * through a pointer and leave them be (the return value register aside),
 * and ptrace changes made at syscall entry are already in them.  Hence one
 * program per syscall, no per-thread map carrying arguments from sys_enter,
 * and no sys_enter tracepoint enabled at all, a cost every syscall of every
 * task would pay.  Compat (32-bit) syscalls do not fire these tracepoints.
 */
struct espy_call {
	__u64 args[6];		/* normalised per family, see its header */
	__u32 type;		/* enum espy_rec_type; ESPY_EV_NONE: skip */
	__u32 op;		/* a variant of type */
};

static __always_inline struct pt_regs *espy_user_regs(void)
{
	return (struct pt_regs *)bpf_task_pt_regs(bpf_get_current_task_btf());
}

static __always_inline void espy_sys_args(__u64 *a)
{
	struct pt_regs *r = espy_user_regs();

#if defined(__TARGET_ARCH_x86)
	a[0] = r->di;
	a[1] = r->si;
	a[2] = r->dx;
	a[3] = r->r10;
	a[4] = r->r8;
	a[5] = r->r9;
#elif defined(__TARGET_ARCH_arm64)
	a[0] = r->orig_x0;	/* x0 holds the return value by now */
	a[1] = r->regs[1];
	a[2] = r->regs[2];
	a[3] = r->regs[3];
	a[4] = r->regs[4];
	a[5] = r->regs[5];
#else
#error "espy: syscall argument registers unknown for this architecture"
#endif
}

/* The number of the syscall the current task is in (from any hook). */
static __always_inline long espy_sys_nr(void)
{
	struct pt_regs *r = espy_user_regs();

#if defined(__TARGET_ARCH_x86)
	return r->orig_ax;
#else
	return r->syscallno;
#endif
}

static __always_inline void espy_call_set(struct espy_call *c, __u32 type,
					  __u32 op, __u64 a0, __u64 a1,
					  __u64 a2, __u64 a3, __u64 a4,
					  __u64 a5)
{
	c->args[0] = a0;
	c->args[1] = a1;
	c->args[2] = a2;
	c->args[3] = a3;
	c->args[4] = a4;
	c->args[5] = a5;
	c->type = type;
	c->op = op;
}

/*
 * The sys_exit program of syscall name.  The body that follows the macro
 * normalises the raw arguments A[] into c (or leaves c->type at
 * ESPY_EV_NONE to skip the call); handler(c, ret) builds the record.
 */
#define ESPY_SYSCALL(name, handler)						static __always_inline void espy_args_##name(struct espy_call *c, 						     const __u64 *A);		SEC("tracepoint/syscalls/sys_exit_" #name)				int espy_exit_##name(struct trace_event_raw_sys_exit *ctx)		{										struct espy_call c = {};						__u64 A[6];																	if (espy_is_self())								return 0;							espy_sys_args(A);							espy_args_##name(&c, A);						if (c.type == ESPY_EV_NONE)							return 0;							return handler(&c, ctx->ret);					}									static __always_inline void espy_args_##name(struct espy_call *c, 						     const __u64 *A)

/* ---- files and sockets -------------------------------------------------- */

static __always_inline struct file *espy_fd_file(struct task_struct *t, int fd)
{
	struct fdtable *fdt = t->files->fdt;
	struct file **arr;
	struct file *f = NULL;

	if (fd < 0 || (__u32)fd >= fdt->max_fds)
		return NULL;
	arr = fdt->fd;
	bpf_probe_read_kernel(&f, sizeof(f), &arr[fd]);
	return f;
}

static __always_inline int espy_file_is_sock(struct file *f)
{
	__u16 mode = BPF_CORE_READ(f, f_inode, i_mode);

	return f && (mode & ESPY_S_IFMT) == ESPY_S_IFSOCK;
}

static __always_inline struct sock *espy_fd_sock(struct task_struct *t, int fd)
{
	struct file *f = espy_fd_file(t, fd);
	struct socket *so;

	if (!f || !espy_file_is_sock(f))
		return NULL;
	so = BPF_CORE_READ(f, private_data);
	return BPF_CORE_READ(so, sk);
}

#endif /* ESPY_BPF_COMMON_H */
