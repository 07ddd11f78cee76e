/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <limits.h>
#include <string.h>

#include "jpath.h"

int espy_jparse_object(const char *s, size_t len, struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *o;

	*out = NULL;
	if (len > INT_MAX)
		return -EINVAL;
	tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	o = json_tokener_parse_ex(tok, s, (int)len);
	json_tokener_free(tok);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return -EINVAL;
	}
	*out = o;
	return 0;
}

struct json_object *espy_jpath(struct json_object *o, const char *path)
{
	char part[64];
	const char *p = path;

	while (o && *p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		struct json_object *next;

		if (n >= sizeof(part) || !json_object_is_type(o, json_type_object))
			return NULL;
		memcpy(part, p, n);
		part[n] = '\0';
		if (!json_object_object_get_ex(o, part, &next))
			return NULL;
		o = next;
		p += n + (dot ? 1 : 0);
	}
	return o;
}

const char *espy_jpath_str(struct json_object *o, const char *path)
{
	struct json_object *x = espy_jpath(o, path);

	return x && json_object_is_type(x, json_type_string) ?
	       json_object_get_string(x) : NULL;
}
