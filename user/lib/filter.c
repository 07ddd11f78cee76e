/* SPDX-License-Identifier: GPL-2.0-only */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "filter.h"
#include "jpath.h"

void espy_filter_init(struct espy_filter *f)
{
	memset(f, 0, sizeof(*f));
	f->min_severity = ESPY_SEV_NONE;
}

static int valid_technique(const char *s)
{
	/* T + 4 digits, optionally . + 3 digits: what ATT&CK ids look like */
	if ((s[0] != 'T' && s[0] != 't') || strlen(s) >= ESPY_FILTER_TECH_LEN)
		return 0;
	for (int i = 1; i <= 4; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	if (!s[5])
		return 1;
	if (s[5] != '.')
		return 0;
	for (int i = 6; i <= 8; i++)
		if (!isdigit((unsigned char)s[i]))
			return 0;
	return !s[9];
}

int espy_filter_set(struct espy_filter *f, const char *key, const char *value,
		    char *why, size_t whylen)
{
	char *end;

	if (!strcmp(key, "min_score") || !strcmp(key, "min-score")) {
		double d;

		errno = 0;
		d = strtod(value, &end);
		if (!*value || *end || errno || !(d >= 0 && d <= 100)) {
			snprintf(why, whylen, "min_score: expected a number from 0 to 100, not '%s'",
				 value);
			return -EINVAL;
		}
		f->min_score = d;
	} else if (!strcmp(key, "severity")) {
		int s = espy_conf_parse_severity(value);

		if (s < 0) {
			snprintf(why, whylen, "severity: expected low, medium, high or critical, not '%s'",
				 value);
			return -EINVAL;
		}
		f->min_severity = s;
	} else if (!strcmp(key, "technique")) {
		if (!valid_technique(value)) {
			snprintf(why, whylen, "technique: expected an ATT&CK id such as T1003 or T1003.008, not '%s'",
				 value);
			return -EINVAL;
		}
		strcpy(f->technique, value);
		f->technique[0] = 'T';
	} else if (!strcmp(key, "pid")) {
		unsigned long p;

		errno = 0;
		p = strtoul(value, &end, 10);
		if (!isdigit((unsigned char)*value) || *end || errno || p == 0 ||
		    p > 0x3fffffff) {
			snprintf(why, whylen, "pid: expected a process id, not '%s'", value);
			return -EINVAL;
		}
		f->pid = p;
	} else if (!strcmp(key, "host")) {
		size_t n = strlen(value);

		if (!n || n >= sizeof(f->host) || strpbrk(value, " \t\r\n")) {
			snprintf(why, whylen, "host: expected a host name without spaces");
			return -EINVAL;
		}
		strcpy(f->host, value);
	} else if (!strcmp(key, "alerts")) {
		if (strcmp(value, "0") && strcmp(value, "1")) {
			snprintf(why, whylen, "alerts: expected 0 or 1, not '%s'", value);
			return -EINVAL;
		}
		f->alerts_only = *value == '1';
	} else {
		snprintf(why, whylen, "unknown filter '%s' (known: min_score severity technique pid host alerts)",
			 key);
		return -EINVAL;
	}
	return 0;
}

int espy_filter_parse(struct espy_filter *f, const char *args, char *why,
		      size_t whylen)
{
	struct espy_filter tmp;
	char *copy, *tok, *save = NULL;
	int r = 0;

	espy_filter_init(&tmp);
	copy = strdup(args);
	if (!copy) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	for (tok = strtok_r(copy, " \t", &save); tok;
	     tok = strtok_r(NULL, " \t", &save)) {
		char *eq = strchr(tok, '=');

		if (!eq) {
			snprintf(why, whylen, "expected key=value, not '%.40s'", tok);
			r = -EINVAL;
			break;
		}
		*eq = '\0';
		r = espy_filter_set(&tmp, tok, eq + 1, why, whylen);
		if (r)
			break;
	}
	free(copy);
	if (!r)
		*f = tmp;
	return r;
}

int espy_filter_format(const struct espy_filter *f, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
#define ADD(...) do { \
		int w = snprintf(buf + n, len - n, "%s", n ? " " : ""); \
		if (w > 0 && (size_t)w < len - n) n += w; \
		w = snprintf(buf + n, len - n, __VA_ARGS__); \
		if (w < 0 || (size_t)w >= len - n) return -ENOSPC; \
		n += w; \
	} while (0)
	if (f->min_score > 0)
		ADD("min_score=%g", f->min_score);
	if (f->min_severity > ESPY_SEV_NONE)
		ADD("severity=%s", espy_conf_severity_name(f->min_severity));
	if (f->technique[0])
		ADD("technique=%s", f->technique);
	if (f->pid)
		ADD("pid=%u", f->pid);
	if (f->host[0])
		ADD("host=%s", f->host);
	if (f->alerts_only)
		ADD("alerts=1");
#undef ADD
	return (int)n;
}

static int tech_match(const char *want, const char *id, size_t len)
{
	size_t wl = strlen(want);

	if (len < wl || strncmp(id, want, wl))
		return 0;
	return len == wl || id[wl] == '.';
}

int espy_filter_match(const struct espy_filter *f,
		      const struct espy_filter_view *v)
{
	if (f->alerts_only && !v->alert)
		return 0;
	if (f->min_score > 0 && v->score < f->min_score)
		return 0;
	if (f->min_severity > ESPY_SEV_NONE && v->severity < f->min_severity)
		return 0;
	if (f->pid && v->pid != f->pid)
		return 0;
	if (f->host[0] && (!v->host || v->host_len != strlen(f->host) ||
			   strncasecmp(v->host, f->host, v->host_len)))
		return 0;
	if (f->technique[0]) {
		int i;

		for (i = 0; i < v->ntech; i++)
			if (tech_match(f->technique, v->tech[i], v->tech_len[i]))
				break;
		if (i == v->ntech)
			return 0;
	}
	return 1;
}

void espy_filter_view_event(struct espy_filter_view *v,
			    const struct espy_event *ev, const char *host)
{
	const struct espy_verdict *vd = ev->verdict;

	memset(v, 0, sizeof(*v));
	/* as process.pid in the JSON: a fork is reported as the child */
	v->pid = ev->fork ? ev->fork->child_tgid : ev->hdr ? ev->hdr->tgid : 0;
	v->host = host;
	v->host_len = host ? strlen(host) : 0;
	if (!vd)
		return;
	v->score = vd->score;
	v->severity = vd->severity;
	v->alert = vd->alert;
	for (int i = 0; i < vd->ntech && i < ESPY_FILTER_VIEW_TECH; i++) {
		if (!vd->tech[i].id)
			continue;
		v->tech[v->ntech] = vd->tech[i].id;
		v->tech_len[v->ntech++] = strlen(vd->tech[i].id);
	}
}

/* obj.a.b.c in the nested form, or the flat "a.b.c" key some tools write. */
static struct json_object *path_get(struct json_object *o, const char *path)
{
	struct json_object *flat;

	if (json_object_object_get_ex(o, path, &flat))
		return flat;
	return espy_jpath(o, path);
}

static void add_tech(struct espy_filter_view *v, struct json_object *s)
{
	if (v->ntech < ESPY_FILTER_VIEW_TECH && json_object_is_type(s, json_type_string)) {
		v->tech[v->ntech] = json_object_get_string(s);
		v->tech_len[v->ntech++] = json_object_get_string_len(s);
	}
}

int espy_filter_view_json(struct espy_filter_view *v, const char *line,
			  size_t len, void **hold)
{
	struct json_object *o, *x;
	int r;

	memset(v, 0, sizeof(*v));
	*hold = NULL;
	r = espy_jparse_object(line, len, &o);
	if (r)
		return r;
	*hold = o;
	if ((x = path_get(o, "espy.score")))
		v->score = json_object_get_double(x);
	if ((x = path_get(o, "espy.severity"))) {
		if (json_object_is_type(x, json_type_string)) {
			int s = espy_conf_parse_severity(json_object_get_string(x));

			v->severity = s < 0 ? ESPY_SEV_NONE : s;
		} else {
			v->severity = json_object_get_int(x);
		}
	}
	if ((x = path_get(o, "event.kind")))
		v->alert = json_object_is_type(x, json_type_string) &&
			   !strcmp(json_object_get_string(x), "alert");
	if ((x = path_get(o, "process.pid")))
		v->pid = (uint32_t)json_object_get_int64(x);
	if ((x = path_get(o, "host.name")) && json_object_is_type(x, json_type_string)) {
		v->host = json_object_get_string(x);
		v->host_len = json_object_get_string_len(x);
	}
	if ((x = path_get(o, "threat.technique.id"))) {
		if (json_object_is_type(x, json_type_array)) {
			size_t n = json_object_array_length(x);

			for (size_t i = 0; i < n; i++)
				add_tech(v, json_object_array_get_idx(x, i));
		} else {
			add_tech(v, x);
		}
	}
	return 0;
}

void espy_filter_view_release(void *hold)
{
	json_object_put(hold);
}
