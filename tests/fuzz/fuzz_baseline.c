// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz baseline files (the state directory, `espy baseline import`): any
 * bytes as a state file container (checked header, CRC-32s, zlib) and,
 * when the first byte says so, as a decompressed baseline payload.  Damage
 * must come back as -EBADMSG with a reason and an empty baseline, never a
 * crash or a half-loaded table.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "baseline.h"
#include "feats.h"
#include "statefile.h"

static struct espy_baseline bl;
static int ready;
static char path[64];

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	struct espy_bl_params p;
	enum espy_state_damage why;
	char err[256];
	void *out = NULL;
	size_t outlen;
	int fd, ret, i;

	if (!ready) {
		espy_bl_params_default(&p);
		p.entries = 512;
		p.cms_width = 64;
		if (espy_bl_init(&bl, ESPY_FEAT_NR, espy_feat_names, &p))
			abort();
		snprintf(path, sizeof(path), "/dev/shm/espy-fuzz-bl-%d",
			 (int)getpid());
		ready = 1;
	}
	if (size && (data[0] & 1)) {
		/* the payload itself */
		err[0] = 0;
		ret = espy_bl_deserialize(&bl, data + 1, size - 1, err,
					  sizeof(err));
		if (ret && (ret != -EBADMSG || !err[0]))
			abort();
		if (ret)
			for (i = 0; i < bl.nkinds; i++)
				if (bl.k[i].used)
					abort();	/* damage left entries */
		return 0;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	close(fd);
	ret = espy_state_read(path, "baseline", &out, &outlen, &why, err,
			      sizeof(err));
	if (ret == -EBADMSG && (why == ESPY_STATE_OK || !err[0]))
		abort();
	if (ret == 0) {
		espy_bl_deserialize(&bl, out, outlen, err, sizeof(err));
		free(out);
	}
	return 0;
}
