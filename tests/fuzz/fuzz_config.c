// SPDX-License-Identifier: GPL-2.0-only
/*
 * Fuzz the configuration parser (espy.conf through inih): any text is either
 * accepted or rejected with a "FILE:LINE: message", and a rejected text leaves
 * the configuration exactly as it was.
 */
#include <stdlib.h>
#include <string.h>
#include "config.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static struct espy_config c, before;
	char *text = malloc(size + 1);
	char err[4096];
	int ret;

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	espy_config_defaults(&c);
	before = c;
	ret = espy_config_load_string(&c, text, "fuzz.conf", err, sizeof(err));
	if (ret < 0) {
		if (memcmp(&c, &before, sizeof(c)) != 0)
			abort();
		if (strncmp(err, "fuzz.conf:", 10) != 0)
			abort();
	}
	free(text);
	return 0;
}
