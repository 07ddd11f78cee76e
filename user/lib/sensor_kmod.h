/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel-module record source: /dev/espy of espy.ko presented as a
 * struct espy_source.
 *
 * Opening checks that the module speaks this build's record ABI (and
 * refuses it with a clear message otherwise), excludes the daemon and
 * starts the flow of records.  Like the eBPF source, the module wakes a
 * sleeping reader only once enough records are queued; the source's fd
 * (an epoll set of /dev/espy and a timer) also becomes readable every
 * poll_ms, so that a record waits at most poll_ms before drain() sees it.
 */
#ifndef ESPY_SENSOR_KMOD_H
#define ESPY_SENSOR_KMOD_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "source.h"
#include "espy/ioctl.h"

#define ESPY_KMOD_POLL_MS_DEFAULT	100
#define ESPY_KMOD_READ_BYTES		(256u << 10)

typedef void (*espy_kmod_log_fn)(void *ctx, const char *msg);

struct espy_kmod_opts {
	const char *dev_path;	/* NULL: ESPY_DEV_PATH */
	pid_t self_tgid;	/* excluded and protected; 0: getpid() */
	unsigned int poll_ms;	/* 0: default */
	espy_kmod_log_fn log;	/* NULL: stderr, "espy-kmod: " prefix */
	void *log_ctx;
};

/*
 * Open the device; on success src is ready (src->ops->close frees it).
 * Returns -errno: -ENOENT when the device does not exist (module not
 * loaded), -EBUSY when another reader has it, -EPROTO when the module
 * speaks another ABI.
 */
int espy_kmod_open(struct espy_source *src, const struct espy_kmod_opts *opts);

/* The module's full counters (records, drops, faults) since open. */
int espy_kmod_stats(struct espy_source *src, struct espy_ioc_stats *st);

/* Module facts: ABI and ioctl versions, buffer size, CPUs. */
int espy_kmod_version(struct espy_source *src, struct espy_ioc_version *v);

/*
 * Hand the records framed in buf[off, len) -- as read() from /dev/espy
 * returns them, each at an 8-byte boundary -- to fn one by one.  A frame
 * whose size does not fit is handed over with all the bytes left, for the
 * decoder to reject.  Stops early when fn returns < 0 (*stopped = 1).
 * Returns the offset to resume from; *delivered counts the calls.
 */
size_t espy_kmod_split(const void *buf, size_t len, size_t off,
		       espy_record_fn fn, void *ctx, int *delivered,
		       int *stopped);

extern const struct espy_source_ops espy_kmod_ops;

#endif /* ESPY_SENSOR_KMOD_H */
