/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The control interface of espy.ko's misc device /dev/espy.
 *
 * Records: read() returns whole records only, as many as fit, each starting
 * on an 8-byte boundary of the buffer (hdr.size is exact; the gap up to the
 * next boundary is zero).  A buffer smaller than ESPY_REC_MAX is refused
 * with EINVAL, so that any record fits.  Records of the per-CPU buffers are
 * merged by hdr.ts_ns.  read() blocks unless O_NONBLOCK; poll() reports
 * POLLIN when any record waits, but a sleeping reader is woken only once
 * wakeup_kib are queued on a CPU (or for an urgent record): readers poll
 * with a short timeout as well.
 *
 * One opener at a time (EBUSY otherwise).  Opening clears the buffers, the
 * counters, the filter and the excluded pids; records are produced only
 * while the device is open.
 *
 * Same layout rules as abi.h: fixed-width types, explicit padding, user
 * pointers carried as __u64.
 */
#ifndef ESPY_IOCTL_H
#define ESPY_IOCTL_H

#if defined(__KERNEL__)
#include <linux/types.h>
#include <linux/ioctl.h>
#include <linux/build_bug.h>
#else
#include <linux/types.h>
#include <linux/ioctl.h>
#include <stddef.h>
#endif
#include "espy/abi.h"
#include "espy/filter.h"

#define ESPY_DEV_PATH		"/dev/espy"
#define ESPY_DEV_NAME		"espy"

/* Bumped on any change to the structures or commands below. */
#define ESPY_IOCTL_VERSION	1

#define ESPY_IOC_MAGIC		0xE5

/* Limits of the excluded pids and of the hook report. */
#define ESPY_KEXCLUDE_MAX	16
#define ESPY_KHOOK_MAX		8
#define ESPY_KHOOK_NAME_LEN	32

struct espy_ioc_version {
	__u32 abi_version;	/* ESPY_ABI_VERSION the module was built with */
	__u32 ioctl_version;	/* ESPY_IOCTL_VERSION */
	__u32 buf_kib;		/* per-CPU buffer size */
	__u32 nr_cpus;		/* buffers (possible CPUs) */
};
ESPY_STATIC_ASSERT(sizeof(struct espy_ioc_version) == 16, "espy_ioc_version");

/*
 * The interest filter for read-only opens, with the eBPF sensors' keys
 * (espy/filter.h) and their meaning: opens for writing or creating are
 * always reported; a read-only open only when its resolved path starts
 * with one of the prefixes (the first prefixlen / 8 bytes of data) or one
 * of its components equals one of the names.  prefixes and names are user
 * addresses of nprefix and nname keys.  nprefix = nname = 0 (the state
 * after open) reports no read-only open.  A failed read-only open is
 * reported only when its string is absolute and matches a prefix.
 * Replaces the filter.
 */
struct espy_ioc_filter {
	__u64 prefixes;		/* struct espy_filter_prefix_key[nprefix] */
	__u64 names;		/* struct espy_filter_name_key[nname] */
	__u32 nprefix;		/* <= ESPY_FILTER_PREFIX_ENTRIES */
	__u32 nname;		/* <= ESPY_FILTER_NAME_ENTRIES */
};
ESPY_STATIC_ASSERT(sizeof(struct espy_ioc_filter) == 24, "espy_ioc_filter");

/*
 * Processes (tgids) whose own syscalls are not reported: espyd itself.
 * Signals sent to them are reported (ESPY_EV_KILL).  Replaces the set.
 */
struct espy_ioc_pids {
	__u32 count;
	__u32 _pad0;
	__u32 tgid[ESPY_KEXCLUDE_MAX];
};
ESPY_STATIC_ASSERT(sizeof(struct espy_ioc_pids) == 72, "espy_ioc_pids");

/* Counters since open, summed over CPUs, indexed by enum espy_rec_type. */
struct espy_ioc_stats {
	__u64 records[ESPY_EV_MAX];	/* written to the buffers */
	__u64 drops[ESPY_EV_MAX];	/* lost: buffer full */
	__u64 faults;		/* user memory that could not be read */
	__u64 nested;		/* records lost to a probe re-entering a CPU */
};
ESPY_STATIC_ASSERT(sizeof(struct espy_ioc_stats) == 1040, "espy_ioc_stats");

struct espy_ioc_hook {
	char name[ESPY_KHOOK_NAME_LEN];	/* tracepoint name */
	__s32 err;		/* 0 when attached, else -errno */
	__u32 attached;
};

struct espy_ioc_hooks {
	__u32 count;
	__u32 _pad0;
	struct espy_ioc_hook hook[ESPY_KHOOK_MAX];
};
ESPY_STATIC_ASSERT(sizeof(struct espy_ioc_hooks) == 328, "espy_ioc_hooks");

#define ESPY_IOC_VERSION	_IOR(ESPY_IOC_MAGIC, 1, struct espy_ioc_version)
#define ESPY_IOC_SET_FILTER	_IOW(ESPY_IOC_MAGIC, 2, struct espy_ioc_filter)
#define ESPY_IOC_SET_EXCLUDE	_IOW(ESPY_IOC_MAGIC, 3, struct espy_ioc_pids)
#define ESPY_IOC_STATS		_IOR(ESPY_IOC_MAGIC, 4, struct espy_ioc_stats)
#define ESPY_IOC_HOOKS		_IOR(ESPY_IOC_MAGIC, 5, struct espy_ioc_hooks)

#endif /* ESPY_IOCTL_H */
