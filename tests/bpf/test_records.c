/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The vm tier's record-level suite on the host, for the eBPF driver: the
 * same file as the guests run (tests/vm/guest/records.c).  Its kmod
 * variants and the tests that need both drivers skip here unless
 * /dev/espy is present.
 */
#ifndef ESPY_HAVE_BPF
#define ESPY_HAVE_BPF 1	/* the bpf tier is built with the sensors */
#endif
#include "../vm/guest/records.c"
