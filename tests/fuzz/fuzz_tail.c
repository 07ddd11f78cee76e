// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz what `espy tail -f` reads from a log file anyone may have written:
 * the JSON view used by the filters and the one-line format.  Output stays
 * within its buffer, is NUL-terminated and holds no control bytes other
 * than our own colour escapes.  The same input as filter text must parse
 * or be refused with a reason.
 */
#include <stdlib.h>
#include <string.h>

#include "filter.h"
#include "tailfmt.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct espy_filter_view v;
	struct espy_filter f;
	char out[512], why[256], *args;
	void *hold;

	if (espy_filter_view_json(&v, (const char *)data, size, &hold) == 0) {
		espy_filter_init(&f);
		if (!espy_filter_match(&f, &v))
			abort();	/* the empty filter matches everything */
		espy_filter_view_release(hold);
	}
	espy_tail_format((const char *)data, size, 0, out, sizeof(out));
	if (strlen(out) >= sizeof(out))
		abort();
	for (const char *p = out; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			abort();
	args = malloc(size + 1);
	if (!args)
		return 0;
	memcpy(args, data, size);
	args[size] = '\0';
	why[0] = '\0';
	if (espy_filter_parse(&f, args, why, sizeof(why)) && !why[0])
		abort();
	free(args);
	return 0;
}
