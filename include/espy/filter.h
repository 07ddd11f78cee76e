/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * espy in-kernel open filter: the layouts of the interest data that espyd
 * hands to a sensor.  Write and create opens are always reported; a
 * read-only open is reported only when its resolved absolute path
 *   (a) starts with one of the interesting prefixes, or
 *   (b) has a path component equal to one of the interesting names.
 * The eBPF sensors keep (a) in an LPM trie and (b) in a hash map with
 * exactly these keys; the kernel module takes the same keys through its
 * filter ioctl, so that espyd builds one representation for both.
 */
#ifndef ESPY_FILTER_H
#define ESPY_FILTER_H

#include "espy/abi.h"

/* A prefix longer than this cannot be expressed (LPM trie data limit). */
#define ESPY_FILTER_PREFIX_MAX		256
/* A component name longer than this never matches (NAME_MAX is 255, but
 * the names worth watching are short: ".ssh", "shadow", ".bash_history"). */
#define ESPY_FILTER_NAME_MAX		64
#define ESPY_FILTER_PREFIX_ENTRIES	1024
#define ESPY_FILTER_NAME_ENTRIES	1024

/*
 * LPM trie key (BPF_MAP_TYPE_LPM_TRIE layout): prefixlen counts BITS of
 * data that must match; data holds the path bytes, not NUL-terminated.
 * A lookup uses prefixlen = 8 * min(path length, ESPY_FILTER_PREFIX_MAX).
 * Matching is byte-wise: "/etc/shadow" also matches "/etc/shadow-", and a
 * directory should be given with its trailing '/' when only its contents
 * are meant.
 */
struct espy_filter_prefix_key {
	__u32 prefixlen;
	__u8 data[ESPY_FILTER_PREFIX_MAX];
};
ESPY_STATIC_ASSERT(sizeof(struct espy_filter_prefix_key) == 260,
		   "espy_filter_prefix_key size");

/* Hash key: one component name, zero-padded to the full width. */
struct espy_filter_name_key {
	char name[ESPY_FILTER_NAME_MAX];
};
ESPY_STATIC_ASSERT(sizeof(struct espy_filter_name_key) == 64,
		   "espy_filter_name_key size");

/*
 * Value of both maps: a non-zero tag chosen by espyd (e.g. the class of
 * file the entry stands for).  Sensors only test for presence.
 */
struct espy_filter_val {
	__u32 tag;
};

/*
 * Slots of the eBPF sensors' open_gen array (bpf/espy_file.h): the
 * generations that invalidate cached "not interesting" verdicts of
 * read-only opens, and the switch that turns the cache off.  FS is bumped
 * by the sensors; INTEREST and OFF are written by the loader only.
 */
enum espy_open_gen {
	ESPY_GEN_FS = 0,
	ESPY_GEN_INTEREST = 1,
	ESPY_GEN_OFF = 2,
	ESPY_GEN_MAX
};

#endif /* ESPY_FILTER_H */
