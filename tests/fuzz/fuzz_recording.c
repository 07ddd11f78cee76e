// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz recordings (`espy replay FILE`): any bytes as a file, read through
 * the recording reader and every record it yields through the pipeline and
 * the detection engine, as a replay would.  The reader must stop at damage
 * with a report, never read outside its blocks; detection must take
 * whatever the decoder lets through.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "detect.h"
#include "pipeline.h"
#include "recording.h"

static struct espy_pipeline *pipe_;
static struct espy_detect *det;
static char path[64];

static void setup(void)
{
	struct espy_pipeline_opts po = { 0 };
	struct espy_detect_config c;
	static const struct espy_host h = { .name = "fuzz", .id = "f" };

	po.host = &h;
	po.have_clock_offset = 1;
	po.proctab.max = 256;
	if (espy_pipeline_init(&pipe_, &po))
		abort();
	espy_detect_config_default(&c);
	c.mode = ESPY_MODE_DETECT;
	c.baseline.entries = 256;
	c.baseline.cms_width = 64;
	c.max_procs = 256;
	c.max_sessions = 32;
	if (espy_detect_new(&det, &c))
		abort();
	espy_detect_attach(det, espy_pipeline_procs(pipe_));
	espy_pipeline_set_detect(pipe_, espy_detect_event, det);
	snprintf(path, sizeof(path), "/dev/shm/espy-fuzz-rec-%d", (int)getpid());
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct espy_rec_reader *r;
	struct espy_rec_info info;
	struct espy_rec_damage dmg;
	const void *rec;
	size_t len;
	int fd, ret;

	if (!pipe_)
		setup();
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	ret = espy_rec_reader_open(&r, path, &info, &dmg);
	if (ret) {
		if (ret == -EBADMSG && dmg.kind == ESPY_RECD_NONE)
			abort();	/* refused without saying why */
		return 0;
	}
	while ((ret = espy_rec_next(r, &rec, &len)) > 0) {
		if (((uintptr_t)rec & 7) || len > ESPY_REC_BLOCK_MAX)
			abort();
		espy_pipeline_feed(pipe_, rec, len);
	}
	if (ret < 0 && !espy_rec_reader_damage(r))
		abort();
	espy_rec_reader_close(r);
	return 0;
}
