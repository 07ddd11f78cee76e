/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A record source: where espyd's raw records come from.  The eBPF sensors
 * (sensor_bpf.c), the kernel module (sensor_kmod.c) and a recording
 * (recording.c) all present this one interface, so that everything after
 * the read is one code path.
 */
#ifndef ESPY_SOURCE_H
#define ESPY_SOURCE_H

#include <stddef.h>
#include <stdint.h>
#include "espy/abi.h"

/* Called once per raw record; data points at a struct espy_hdr candidate of
 * len bytes (not yet validated).  Return 0 to go on, <0 to stop the drain. */
typedef int (*espy_record_fn)(void *ctx, const void *data, size_t len);

struct espy_hook_status {
	const char *name;	/* e.g. "tp_btf/sched_process_exec" */
	int attached;		/* 1 attached, 0 not */
	int err;		/* -errno when not attached */
};

struct espy_source_ops {
	const char *name;	/* "bpf", "kmod", "replay" */
	/* fd to put in espyd's epoll set (readable when records wait) */
	int (*fd)(void *src);
	/* deliver waiting records to fn, without blocking; returns the number
	 * delivered or -errno */
	int (*drain)(void *src, espy_record_fn fn, void *ctx);
	/* kernel drop counters, cumulative, per record type */
	int (*drops)(void *src, uint64_t by_type[ESPY_EV_MAX]);
	/* hooks and whether each attached; returns count, fills up to max */
	int (*hooks)(void *src, struct espy_hook_status *out, int max);
	/* the set of read-only paths worth reporting (prefixes and names) */
	int (*set_interest)(void *src, const char *const *prefixes, int nprefix,
			    const char *const *names, int nname);
	void (*close)(void *src);
};

struct espy_source {
	const struct espy_source_ops *ops;
	void *priv;
};

#endif /* ESPY_SOURCE_H */
