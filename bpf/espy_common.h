// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Shared state of the espy eBPF sensors: configuration, maps, the record
 * header, emission with batched wakeups and drop counting, and the per-task
 * stash that carries syscall arguments from sys_enter_X to sys_exit_X.
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

/* Records lost, per record type: ring full, stash full, no scratch. */
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

/* Syscall arguments between sys_enter_X and sys_exit_X, keyed by tid. */
struct espy_stash {
	__u64 args[6];
	__u32 type;		/* enum espy_rec_type */
	__u32 op;		/* enum espy_priv_op or a variant of type */
};

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 32768);
	__type(key, __u32);
	__type(value, struct espy_stash);
} stash SEC(".maps");

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
 * Wake the reader only when enough is queued or the record is urgent;
 * otherwise the reader's poll timer picks the record up (bounded latency).
 */
static __always_inline __u64 espy_wake_flags(int urgent)
{
	if (urgent)
		return BPF_RB_FORCE_WAKEUP;
	if (bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA) >= cfg_wakeup_bytes)
		return BPF_RB_FORCE_WAKEUP;
	return BPF_RB_NO_WAKEUP;
}

static __always_inline void espy_emit(void *rec, __u32 size, __u32 type,
				      int urgent)
{
	size &= ESPY_REC_MASK;
	if (bpf_ringbuf_output(&events, rec, size, espy_wake_flags(urgent)))
		espy_count_drop(type);
}

static __always_inline void espy_submit(void *rec, int urgent)
{
	bpf_ringbuf_submit(rec, espy_wake_flags(urgent));
}

static __always_inline struct task_struct *espy_task(void)
{
	return (struct task_struct *)bpf_get_current_task();
}

/* The common header, from the current task. */
static __always_inline void espy_fill_hdr(struct espy_hdr *h, __u32 type,
					  __u32 size)
{
	struct task_struct *t = espy_task();
	const struct cred *cred = BPF_CORE_READ(t, cred);
	struct nsproxy *ns = BPF_CORE_READ(t, nsproxy);
	__u64 id = bpf_get_current_pid_tgid();

	h->ts_ns = bpf_ktime_get_boot_ns();
	h->start_ns = BPF_CORE_READ(t, group_leader, start_boottime);
	h->cgroup_id = bpf_get_current_cgroup_id();
	h->tgid = id >> 32;
	h->tid = (__u32)id;
	h->ppid = BPF_CORE_READ(t, real_parent, tgid);
	h->uid = BPF_CORE_READ(cred, uid.val);
	h->gid = BPF_CORE_READ(cred, gid.val);
	h->euid = BPF_CORE_READ(cred, euid.val);
	h->egid = BPF_CORE_READ(cred, egid.val);
	if (bpf_core_field_exists(t->loginuid)) {
		h->auid = BPF_CORE_READ(t, loginuid.val);
		h->sessionid = BPF_CORE_READ(t, sessionid);
	} else {
		h->auid = (__u32)-1;
		h->sessionid = (__u32)-1;
	}
	h->mntns = BPF_CORE_READ(ns, mnt_ns, ns.inum);
	h->netns = BPF_CORE_READ(ns, net_ns, ns.inum);
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

/* ---- stash ------------------------------------------------------------ */

static __always_inline void espy_stash_put(struct espy_stash *st)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();

	if (bpf_map_update_elem(&stash, &tid, st, BPF_ANY))
		espy_count_drop(st->type);
}

/* Take (copy and delete) this task's stash if it is of the given type. */
static __always_inline int espy_stash_take(__u32 type, struct espy_stash *out)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct espy_stash *st = bpf_map_lookup_elem(&stash, &tid);

	if (!st)
		return -1;
	if (st->type != type) {
		bpf_map_delete_elem(&stash, &tid);
		return -1;
	}
	__builtin_memcpy(out, st, sizeof(*out));
	bpf_map_delete_elem(&stash, &tid);
	return 0;
}

/* ---- files and sockets -------------------------------------------------- */

static __always_inline struct file *espy_fd_file(struct task_struct *t, int fd)
{
	struct fdtable *fdt = BPF_CORE_READ(t, files, fdt);
	struct file **arr;
	struct file *f = NULL;

	if (fd < 0 || (__u32)fd >= BPF_CORE_READ(fdt, max_fds))
		return NULL;
	arr = BPF_CORE_READ(fdt, fd);
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
