/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Zeroed allocations for the large tables that every record reaches into
 * at random (process slabs, per-process detection state, sessions, the
 * baseline): at a replay's pace of a million records a second, with tens
 * of thousands of processes interleaved, the TLB misses of 4 KiB pages
 * cost as much as the cache misses.  Allocations of a megabyte or more are
 * mapped on their own, 2 MiB aligned, and advised for transparent huge
 * pages (MADV_HUGEPAGE: a hint the kernel may ignore, e.g. when THP is
 * "never"); smaller ones are plain calloc().  Pages are still only
 * resident once touched.
 */
#ifndef ESPY_BIGALLOC_H
#define ESPY_BIGALLOC_H

#include <stddef.h>

/* n * size zeroed bytes, or NULL (also when n * size overflows). */
void *espy_big_calloc(size_t n, size_t size);
/* Free what espy_big_calloc(n, size) returned (same n and size). */
void espy_big_free(void *p, size_t n, size_t size);

#endif /* ESPY_BIGALLOC_H */
