/* SPDX-License-Identifier: GPL-2.0-only */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>

#include "bigalloc.h"

#define BIG_MIN		(1UL << 20)
#define HUGE_SZ		(2UL << 20)

static size_t round_huge(size_t len)
{
	return (len + HUGE_SZ - 1) & ~(HUGE_SZ - 1);
}

void *espy_big_calloc(size_t n, size_t size)
{
	size_t len, map;
	uintptr_t start, aligned;
	void *p;

	if (size && n > SIZE_MAX / size)
		return NULL;
	len = n * size;
	if (len < BIG_MIN)
		return calloc(n ? n : 1, size ? size : 1);
	len = round_huge(len);
	/* one huge page more, to cut a 2 MiB aligned range out of it */
	map = len + HUGE_SZ;
	p = mmap(NULL, map, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	start = (uintptr_t)p;
	aligned = (start + HUGE_SZ - 1) & ~(uintptr_t)(HUGE_SZ - 1);
	if (aligned > start)
		munmap(p, aligned - start);
	if (start + map > aligned + len)
		munmap((void *)(aligned + len), start + map - (aligned + len));
	/* a hint: without THP the mapping works the same */
	madvise((void *)aligned, len, MADV_HUGEPAGE);
	return (void *)aligned;
}

void espy_big_free(void *p, size_t n, size_t size)
{
	size_t len = n * size;

	if (!p)
		return;
	if (len < BIG_MIN)
		free(p);
	else
		munmap(p, round_huge(len));
}
