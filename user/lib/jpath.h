/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading espy's JSON lines back (the CLI, and filters over a log file)
 * with json-c: one line as one object, and dotted paths into the nested
 * form, as jq names them ("process.pid").
 */
#ifndef ESPY_JPATH_H
#define ESPY_JPATH_H

#include <stddef.h>
#include <json-c/json.h>

/*
 * Parse len bytes as one JSON object into *out (release it with
 * json_object_put()).  Returns 0, -EINVAL when the bytes are not a JSON
 * object, or -ENOMEM.
 */
int espy_jparse_object(const char *s, size_t len, struct json_object **out);

/* o.a.b.c: NULL when a step is missing or is not an object. */
struct json_object *espy_jpath(struct json_object *o, const char *path);

/* The string at path; NULL when absent or not a string. */
const char *espy_jpath_str(struct json_object *o, const char *path);

#endif /* ESPY_JPATH_H */
