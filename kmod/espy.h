/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * espy.ko internals: per-CPU record buffers, configuration, hooks and the
 * record builders shared by the probes.
 */
#ifndef ESPY_KMOD_H
#define ESPY_KMOD_H

#include <linux/stddef.h>
#include <linux/types.h>
#include <linux/irq_work.h>
#include <linux/wait.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/version.h>

#include "espy/abi.h"
#include "espy/ioctl.h"

struct path;
struct pt_regs;
struct linux_binprm;

#define ESPY_RING_ALIGN		8

/* Module parameters (main.c). */
extern unsigned int espy_buf_kib;
extern unsigned int espy_wakeup_kib;

/*
 * One single-producer single-consumer byte ring per possible CPU.  The
 * producer is whatever probe runs on that CPU with preemption disabled;
 * the consumer is the one reader of /dev/espy, under espy_read_lock.
 * head and tail only grow; positions are taken modulo the size.
 */
struct espy_ring {
	u64 head;		/* written by the producer */
	u64 tail;		/* written by the consumer */
	u32 mask;
	u32 busy;		/* a probe is building a record on this CPU */
	u8 *data;
	u8 *scratch;		/* ESPY_REC_MAX bytes to build one record in */
	u8 *tmp;		/* ESPY_PATH_MAX bytes: a user string to join */
	u64 records[ESPY_EV_MAX];
	u64 drops[ESPY_EV_MAX];
	u64 faults;
	u64 nested;
	struct irq_work wake;
};

/* ring.c */
int espy_rings_init(void);
void espy_rings_exit(void);
void espy_rings_reset(void);
void *espy_rec_begin(struct espy_ring **ringp);
void espy_rec_commit(struct espy_ring *ring, void *rec, bool urgent);
void espy_rec_abort(struct espy_ring *ring);
void espy_rec_emit(const void *rec);
void espy_rec_fault(struct espy_ring *ring);
bool espy_rings_empty(void);
ssize_t espy_rings_read(char __user *buf, size_t count);
void espy_rings_stats(struct espy_ioc_stats *st);
extern wait_queue_head_t espy_read_wq;

/*
 * Configuration set by the reader through ioctls: the read-only open
 * filter (the eBPF sensors' keys, espy/filter.h) and the excluded
 * processes.  Each is replaced as a whole and read by the probes under RCU
 * (probes run with preemption disabled).
 */
struct espy_fset {
	u32 nprefix;
	u32 nname;
	struct espy_filter_prefix_key *prefix;
	struct espy_filter_name_key *name;
	u8 *name_len;
};

struct espy_pidset {
	u32 count;
	u32 tgid[ESPY_KEXCLUDE_MAX];
};

/* cfg.c */
int espy_cfg_init(void);
void espy_cfg_exit(void);
int espy_cfg_reset(void);
int espy_cfg_set_filter(const struct espy_ioc_filter *f);
int espy_cfg_set_exclude(const struct espy_ioc_pids *p);
bool espy_excluded(u32 tgid);
bool espy_excluding(void);
bool espy_interesting(const char *path, size_t len);
bool espy_interesting_prefix(const char *path, size_t len);

/* hooks.c */
int espy_hooks_init(void);
void espy_hooks_exit(void);
void espy_hooks_status(struct espy_ioc_hooks *out);
extern int espy_active;

/* dev.c */
int espy_dev_init(void);
void espy_dev_exit(void);

/* rec.c: common header and tail helpers */
void espy_fill_hdr(struct espy_hdr *h, struct task_struct *t, u16 type);
u16 espy_put_dpath(char *dst, u16 room, const struct path *p, u16 *flags,
		   u16 trunc_flag);
u16 espy_put_user_str(struct espy_ring *ring, char *dst, u16 room,
		      const char __user *src, u16 *flags, u16 trunc_flag);
u16 espy_put_cwd(char *dst, u16 room, u16 *flags);
u16 espy_put_path_at(struct espy_ring *ring, char *dst, u16 room, int dfd,
		     const char __user *upath, u16 *flags, u16 trunc_flag,
		     u32 *fflags);
u16 espy_room(u16 used, u16 max);
static inline u16 espy_rec_size(size_t fixed, size_t tail)
{
	return (u16)(fixed + tail);
}

/* proc.c */
void espy_probe_exec(void *data, struct task_struct *p, pid_t old_pid,
		     struct linux_binprm *bprm);
void espy_probe_fork(void *data, struct task_struct *parent,
		     struct task_struct *child);
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 14, 0)
void espy_probe_exit(void *data, struct task_struct *p, bool group_dead);
#else
void espy_probe_exit(void *data, struct task_struct *p);
#endif

/* net.c */
struct sock;
void espy_net_init(void);
void espy_probe_sock_state(void *data, const struct sock *sk, int oldstate,
			   int newstate);

/* sys.c */
void espy_probe_sys_exit(void *data, struct pt_regs *regs, long ret);

#endif /* ESPY_KMOD_H */
