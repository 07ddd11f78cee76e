/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * espy record ABI: the one layout shared by the eBPF sensors (bpf/), the
 * kernel module (kmod/) and the daemon (user/).
 *
 * Rules: fixed-width types only, largest fields first, explicit padding,
 * no bool/long/pointers.  Every record starts with struct espy_hdr; hdr.size
 * is the exact byte length of the record including its variable tail.
 * Variable tails hold strings back to back in the order the fixed part lists
 * their lengths; strings are NOT NUL-terminated (argv is NUL-separated, the
 * length counting the separators).  A string that did not fit is cut and the
 * matching ESPY_F_TRUNC_* bit is set in hdr.flags: truncation is never silent.
 */
#ifndef ESPY_ABI_H
#define ESPY_ABI_H

#if defined(__KERNEL__)
#include <linux/types.h>
#include <linux/build_bug.h>
#define ESPY_STATIC_ASSERT(c, m) static_assert(c, m)
#elif defined(__BPF__) || defined(__bpf__)
/* vmlinux.h is included by the program before this header */
#define ESPY_STATIC_ASSERT(c, m) _Static_assert(c, m)
#else
#include <linux/types.h>
#include <stddef.h>
#define ESPY_STATIC_ASSERT(c, m) _Static_assert(c, m)
#endif

/* Bumped on any change to a layout or to the meaning of a field. */
#define ESPY_ABI_VERSION	1

#define ESPY_COMM_LEN		16
#define ESPY_PATH_MAX		4096	/* one path in a record tail */
#define ESPY_ARGV_MAX		8192	/* argv, NUL-separated */
#define ESPY_NAME_MAX		256	/* memfd names, bpf prog names, DNS names */
#define ESPY_REC_MAX		32768	/* no record is larger; a power of two */

enum espy_rec_type {
	ESPY_EV_NONE = 0,
	/* process */
	ESPY_EV_EXEC = 1,
	ESPY_EV_FORK = 2,
	ESPY_EV_EXIT = 3,
	/* privilege and tamper: struct espy_priv */
	ESPY_EV_SETID = 4,	/* setuid/setgid/setre*id/setres*id/setfs*id */
	ESPY_EV_CAPSET = 5,
	ESPY_EV_PTRACE = 6,
	ESPY_EV_VM_WRITE = 7,	/* process_vm_writev */
	ESPY_EV_MODULE = 8,	/* init_module, finit_module */
	ESPY_EV_BPF = 9,	/* bpf(BPF_PROG_LOAD) by another process */
	ESPY_EV_MEMFD = 10,	/* memfd_create */
	ESPY_EV_KILL = 11,	/* kill/tkill/tgkill aimed at espyd */
	ESPY_EV_SOCKET = 12,	/* AF_PACKET or SOCK_RAW sockets */
	/* file: struct espy_file */
	ESPY_EV_OPEN = 16,
	ESPY_EV_UNLINK = 17,
	ESPY_EV_RENAME = 18,
	ESPY_EV_CHMOD = 19,
	ESPY_EV_CHOWN = 20,
	ESPY_EV_TRUNCATE = 21,
	ESPY_EV_UTIMES = 22,
	ESPY_EV_LINK = 23,	/* link and symlink (ESPY_FILE_SYMLINK) */
	ESPY_EV_MKDIR = 24,
	/* network: struct espy_net */
	ESPY_EV_CONNECT = 32,
	ESPY_EV_ACCEPT = 33,
	ESPY_EV_BIND = 34,
	ESPY_EV_LISTEN = 35,
	ESPY_EV_TCP_CLOSE = 36,
	ESPY_EV_DNS = 37,	/* a UDP/53 query; the question name in the tail */
	/* synthesised in user space, never by a sensor */
	ESPY_EV_LOST = 48,	/* struct espy_lost */
	ESPY_EV_PROC = 49,	/* struct espy_exec: a process found in /proc at
				 * start, so that recordings carry the table */
	ESPY_EV_CTRL = 50,	/* struct espy_ctrl: an operator's change to
				 * detection, in stream order */
	ESPY_EV_MAX = 64,
};

/* hdr.flags */
#define ESPY_F_TRUNC_PATH	(1U << 0)	/* first path / exe path */
#define ESPY_F_TRUNC_PATH2	(1U << 1)	/* second path (rename/link) */
#define ESPY_F_TRUNC_ARGV	(1U << 2)
#define ESPY_F_TRUNC_CWD	(1U << 3)
#define ESPY_F_TRUNC_SCRIPT	(1U << 4)
#define ESPY_F_TRUNC_NAME	(1U << 5)
#define ESPY_F_PATH_DEPTH	(1U << 6)	/* dentry walk hit its depth bound */
#define ESPY_F_KMOD		(1U << 7)	/* emitted by espy.ko */
#define ESPY_F_NO_TASK		(1U << 8)	/* no owning task (softirq): hdr task fields are 0 */

/*
 * Common header.  ts_ns and start_ns are CLOCK_BOOTTIME nanoseconds;
 * (tgid, start_ns) identifies a process even across pid reuse.
 * start_ns is the thread group leader's start_boottime.
 */
struct espy_hdr {
	__u64 ts_ns;
	__u64 start_ns;
	__u64 cgroup_id;
	__u32 tgid;
	__u32 tid;
	__u32 ppid;		/* tgid of the real parent */
	__u32 uid;		/* real ids */
	__u32 gid;
	__u32 euid;
	__u32 egid;
	__u32 auid;		/* login uid; (__u32)-1 when unset */
	__u32 sessionid;	/* audit session id; (__u32)-1 when unset */
	__u32 mntns;		/* mount namespace inode */
	__u32 netns;		/* network namespace inode */
	__u16 type;		/* enum espy_rec_type */
	__u16 size;		/* whole record, bytes */
	__u16 flags;		/* ESPY_F_* */
	__u16 cpu;
	__u32 _pad0;
	char comm[ESPY_COMM_LEN];
};
ESPY_STATIC_ASSERT(sizeof(struct espy_hdr) == 96, "espy_hdr size");
ESPY_STATIC_ASSERT(offsetof(struct espy_hdr, type) == 68, "espy_hdr.type");
ESPY_STATIC_ASSERT(offsetof(struct espy_hdr, comm) == 80, "espy_hdr.comm");

/* espy_exec.flags */
#define ESPY_EXEC_MEMFD		(1U << 0)	/* executable lives in a memfd */
#define ESPY_EXEC_DELETED	(1U << 1)	/* executable is unlinked */
#define ESPY_EXEC_STDIN_SOCK	(1U << 2)
#define ESPY_EXEC_STDOUT_SOCK	(1U << 3)
#define ESPY_EXEC_STDERR_SOCK	(1U << 4)
#define ESPY_EXEC_SCRIPT	(1U << 5)	/* interpreter exec'd for a script */
#define ESPY_EXEC_SETUID	(1U << 6)	/* euid changed across exec */
#define ESPY_EXEC_UPPER_WRITABLE (1U << 7)	/* exe on tmpfs (writable dir) */

/*
 * ESPY_EV_EXEC, after a successful execve/execveat.
 * tail: path[path_len] argv[argv_len] cwd[cwd_len] script[script_len]
 * path is the executable actually mapped (the interpreter for a script);
 * script is the file name passed to execve when it differs (scripts).
 */
struct espy_exec {
	struct espy_hdr hdr;
	__u64 exe_ino;
	__u32 exe_dev;		/* kernel dev_t of the exe's superblock */
	__u32 flags;		/* ESPY_EXEC_* */
	__u32 tty_dev;		/* kernel dev_t of the controlling tty, 0 if none */
	__u32 argc;
	__u16 path_len;
	__u16 argv_len;
	__u16 cwd_len;
	__u16 script_len;
	char data[];
};
ESPY_STATIC_ASSERT(sizeof(struct espy_exec) == 128, "espy_exec size");

/* ESPY_EV_FORK: hdr is the parent; a new process (not a thread). */
struct espy_fork {
	struct espy_hdr hdr;
	__u64 child_start_ns;
	__u32 child_tgid;
	__u32 _pad0;
};
ESPY_STATIC_ASSERT(sizeof(struct espy_fork) == 112, "espy_fork size");

/* ESPY_EV_EXIT: the last thread of a process exits. */
struct espy_exit {
	struct espy_hdr hdr;
	__s32 exit_code;	/* wait status: (code << 8) | signal */
	__u32 _pad0;
};
ESPY_STATIC_ASSERT(sizeof(struct espy_exit) == 104, "espy_exit size");

/*
 * struct espy_priv serves the privilege and tamper events.  args hold the
 * syscall arguments that matter, by type:
 *   SETID:    op = syscall (ESPY_OP_*), args[0..2] = ids as passed
 *   CAPSET:   args[0] = effective, args[1] = permitted, args[2] = inheritable
 *             (low 32 bits of caps[0], high from caps[1])
 *   PTRACE:   args[0] = request, args[1] = addr; target_pid
 *   VM_WRITE: args[0] = iovec count; target_pid; ret = bytes written
 *   MODULE:   op = ESPY_OP_INIT_MODULE|FINIT_MODULE; args[0] = len or fd;
 *             tail = module file path (finit) or empty
 *   BPF:      args[0] = prog_type, args[1] = insn count; tail = prog name
 *   MEMFD:    args[0] = flags; ret = fd; tail = name
 *   KILL:     args[0] = signal; target_pid (the espyd it was aimed at)
 *   SOCKET:   args[0] = family, args[1] = type, args[2] = protocol; ret = fd
 */
enum espy_priv_op {
	ESPY_OP_NONE = 0,
	ESPY_OP_SETUID, ESPY_OP_SETGID, ESPY_OP_SETREUID, ESPY_OP_SETREGID,
	ESPY_OP_SETRESUID, ESPY_OP_SETRESGID, ESPY_OP_SETFSUID, ESPY_OP_SETFSGID,
	ESPY_OP_CAPSET,
	ESPY_OP_PTRACE, ESPY_OP_PROCESS_VM_WRITEV,
	ESPY_OP_INIT_MODULE, ESPY_OP_FINIT_MODULE,
	ESPY_OP_BPF_PROG_LOAD, ESPY_OP_MEMFD_CREATE,
	ESPY_OP_KILL, ESPY_OP_TKILL, ESPY_OP_TGKILL,
	ESPY_OP_SOCKET,
	ESPY_OP_MAX,
};

struct espy_priv {
	struct espy_hdr hdr;
	__s64 ret;
	__u64 args[3];
	__u32 op;		/* enum espy_priv_op */
	__u32 target_pid;
	__u16 name_len;
	__u16 _pad0;
	__u32 _pad1;
	char data[];
};
ESPY_STATIC_ASSERT(sizeof(struct espy_priv) == 144, "espy_priv size");

/* espy_file.fflags */
#define ESPY_FILE_SYMLINK	(1U << 0)	/* LINK: a symlink; path2 is the target as given */
#define ESPY_FILE_DIR		(1U << 1)	/* UNLINK: rmdir */
#define ESPY_FILE_CREATED	(1U << 2)	/* OPEN: O_CREAT made a new file */
#define ESPY_FILE_PATH_RAW	(1U << 3)	/* path is the user's string, not resolved */

/*
 * ESPY_EV_OPEN .. ESPY_EV_MKDIR.  tail: path[path_len] path2[path2_len]
 * path is absolute and resolved by the kernel where the object could be
 * reached (opened file, surviving dentry); otherwise the user's string with
 * ESPY_FILE_PATH_RAW.  path2 is the destination of rename/link.
 *   OPEN:     flags = open flags, mode = create mode, ret = fd or -errno
 *   CHMOD:    mode = new mode
 *   CHOWN:    uid/gid = new owner ((__u32)-1 = unchanged)
 *   TRUNCATE: size = new length
 *   UTIMES:   atime_ns/mtime_ns as requested (UTIME_NOW/OMIT kept in
 *             atime_nsec style: ESPY_UTIME_NOW/OMIT), flags = AT_* flags
 */
#define ESPY_UTIME_NOW		((__s64)-1)
#define ESPY_UTIME_OMIT		((__s64)-2)

struct espy_file {
	struct espy_hdr hdr;
	__s64 ret;
	__s64 size;
	__s64 atime_ns;
	__s64 mtime_ns;
	__u64 ino;
	__u32 dev;
	__u32 flags;
	__u32 mode;
	__u32 uid;
	__u32 gid;
	__u32 fflags;		/* ESPY_FILE_* */
	__u16 path_len;
	__u16 path2_len;
	__u32 _pad0;
	char data[];
};
ESPY_STATIC_ASSERT(sizeof(struct espy_file) == 168, "espy_file size");

/*
 * ESPY_EV_CONNECT .. ESPY_EV_DNS.  Addresses in network byte order, IPv4 in
 * the first 4 bytes; ports in host byte order.  "local" is our end.
 *   CONNECT:   ret = 0, -EINPROGRESS or -errno; remote = destination
 *   ACCEPT:    ret = new fd; remote = peer of the new socket
 *   BIND:      local = requested address
 *   LISTEN:    local = bound address; backlog
 *   TCP_CLOSE: both ends; bytes_sent/bytes_recv over the connection's life
 *   DNS:       remote = resolver; tail = question name (dotted), qtype
 */
struct espy_net {
	struct espy_hdr hdr;
	__s64 ret;
	__u64 bytes_sent;
	__u64 bytes_recv;
	__u64 sock_cookie;
	__u8 local_addr[16];
	__u8 remote_addr[16];
	__u16 local_port;
	__u16 remote_port;
	__u16 family;		/* AF_INET, AF_INET6, AF_UNIX */
	__u16 protocol;		/* IPPROTO_TCP, IPPROTO_UDP */
	__u32 fd;
	__s32 backlog;
	__u16 qtype;		/* DNS */
	__u16 name_len;
	__u32 _pad0;
	char data[];
};
ESPY_STATIC_ASSERT(sizeof(struct espy_net) == 184, "espy_net size");

/*
 * ESPY_EV_LOST: written by espyd into its record stream (and recordings)
 * when it learns that the kernel dropped records: the per-type counts of
 * drops since the previous LOST record.  Never produced by a sensor.
 */
struct espy_lost {
	struct espy_hdr hdr;
	__u64 total;
	__u32 by_type[ESPY_EV_MAX];
};
ESPY_STATIC_ASSERT(sizeof(struct espy_lost) == 360, "espy_lost size");

/*
 * ESPY_EV_CTRL: written by espyd into its record stream (and recordings)
 * when an operator changes detection at run time, at the point between
 * the records scored before and after the change, so that a replay scores
 * as the daemon did.  Never produced by a sensor; hdr.tgid is 0.
 */
enum espy_ctrl_op {
	ESPY_CTRL_MODE = 1,		/* arg: enum espy_ctrl_mode */
	ESPY_CTRL_BASELINE_RESET = 2,
	ESPY_CTRL_BASELINE_IMPORT = 3,	/* contents not in the stream */
};

/* the values of the daemon's enum espy_mode (asserted where it is used) */
enum espy_ctrl_mode {
	ESPY_CTRL_MODE_AUTO = 0,
	ESPY_CTRL_MODE_LEARN = 1,
	ESPY_CTRL_MODE_DETECT = 2,
};

struct espy_ctrl {
	struct espy_hdr hdr;
	__u32 op;			/* enum espy_ctrl_op */
	__u32 arg;
};
ESPY_STATIC_ASSERT(sizeof(struct espy_ctrl) == 104, "espy_ctrl size");

#endif /* ESPY_ABI_H */
