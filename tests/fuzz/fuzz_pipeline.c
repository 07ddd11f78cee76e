// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the whole record path, not just the decoder: a stream of hostile
 * records goes through decode, the process table (forks that form cycles,
 * pid reuse, exits of unknown processes, a tiny table under pressure) and
 * the ECS encoder.  Every line that comes out must be valid JSON.
 * Input: records back to back, each preceded by a 2-byte length.
 */
#include <stdlib.h>
#include <string.h>
#include "json_check.h"
#include "pipeline.h"

static int check_line(void *ctx, const struct espy_event *ev,
		      const char *json, size_t len)
{
	if (!len || json[len - 1] != '\n' || !jc_valid(json, len - 1))
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static _Alignas(8) unsigned char rec[ESPY_REC_MAX];
	struct espy_pipeline_opts po = { 0 };
	struct espy_host h = { .name = "fuzz", .id = "f" };
	struct espy_proctab_stats st;
	struct espy_pipeline *p;
	size_t off = 0;

	po.host = &h;
	po.have_clock_offset = 1;
	po.proctab.max = 8;		/* eviction on almost every record */
	po.proctab.linger_ns = 1000;
	po.emit_snapshots = 1;
	if (espy_pipeline_init(&p, &po))
		return 0;
	espy_pipeline_add_sink(p, "check", check_line, NULL);
	while (off + 2 <= size) {
		size_t len = data[off] | (size_t)data[off + 1] << 8;

		off += 2;
		if (len > size - off)
			len = size - off;
		if (len > sizeof(rec))
			len = sizeof(rec);
		memcpy(rec, data + off, len);
		off += len;
		/* the header claims the delivered length most of the time,
		 * so that the fuzzer gets past the size check */
		if (len >= sizeof(struct espy_hdr) && (data[off - 1] & 1))
			((struct espy_hdr *)rec)->size = len;
		espy_pipeline_feed(p, rec, len);
	}
	espy_proctab_stats(espy_pipeline_procs(p), &st);
	if (st.entries > 8)
		abort();
	espy_pipeline_fini(p);
	return 0;
}
