// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the record decoder: every byte string a kernel driver or a recording
 * could hand espyd.  A decoded record must have every view and tail inside
 * the input.
 */
#include <stdlib.h>
#include <string.h>
#include "record.h"

static void check_tail(const struct espy_str *s, const char *lo, const char *hi)
{
	if (s->len && (s->p < lo || s->p + s->len > hi))
		abort();
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static _Alignas(8) unsigned char buf[ESPY_REC_MAX + 64];
	struct espy_event ev;
	enum espy_decode_err why;
	const char *lo = (const char *)buf;

	if (size > sizeof(buf))
		size = sizeof(buf);
	memcpy(buf, data, size);
	if (espy_record_decode(buf, size, &ev, &why) == 0) {
		if (ev.hdr != (const void *)buf || ev.len != size)
			abort();
		check_tail(&ev.path, lo, lo + size);
		check_tail(&ev.path2, lo, lo + size);
		check_tail(&ev.argv, lo, lo + size);
		check_tail(&ev.cwd, lo, lo + size);
		check_tail(&ev.script, lo, lo + size);
		check_tail(&ev.name, lo, lo + size);
	} else if (why == ESPY_DEC_OK || why >= ESPY_DEC_NR) {
		abort();
	}
	return 0;
}
