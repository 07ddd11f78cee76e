/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The eBPF record source: loads the espy skeleton, picks the hook variants
 * the running kernel supports, attaches each program on its own and
 * presents the ring buffer as a struct espy_source.
 *
 * Latency: records are committed at once but the kernel wakes the reader
 * only when wakeup_bytes are queued or a record is urgent; the source's fd
 * also becomes readable every poll_ms, so a record waits at most poll_ms
 * (plus the reader's own loop time) before drain() sees it.
 */
#ifndef ESPY_SENSOR_BPF_H
#define ESPY_SENSOR_BPF_H

#include <stddef.h>
#include <sys/types.h>
#include "source.h"

#define ESPY_BPF_RING_DEFAULT	(16u << 20)
#define ESPY_BPF_WAKEUP_DEFAULT	(64u << 10)
#define ESPY_BPF_POLL_MS_DEFAULT 100

enum espy_log_level { ESPY_LOG_ERR, ESPY_LOG_WARN, ESPY_LOG_INFO, ESPY_LOG_DEBUG };

typedef void (*espy_log_fn)(void *ctx, int level, const char *msg);

/* Variant choices, for tests and for kernels where a rich hook misbehaves. */
#define ESPY_BPF_NO_LSM		(1u << 0)	/* never try lsm/ programs */
#define ESPY_BPF_NO_TP_BTF	(1u << 1)	/* classic tracepoints only */

struct espy_bpf_opts {
	size_t ring_bytes;	/* power of two >= page size; 0: default */
	size_t wakeup_bytes;	/* 0: min(64 KiB, ring / 4) */
	unsigned int poll_ms;	/* 0: default; bounds the record latency */
	pid_t self_tgid;	/* excluded and protected; 0: getpid() */
	unsigned int flags;	/* ESPY_BPF_* */
	espy_log_fn log;	/* NULL: stderr, "espy-bpf: " prefix */
	void *log_ctx;
};

/* Load and attach; on success src is ready (src->ops->close frees it).
 * Returns -errno: -ENOENT without kernel BTF, -ENODEV when nothing could
 * attach, other errors from libbpf. */
int espy_bpf_open(struct espy_source *src, const struct espy_bpf_opts *opts);

extern const struct espy_source_ops espy_bpf_ops;

#endif /* ESPY_SENSOR_BPF_H */
