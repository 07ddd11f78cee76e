/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>

#include "config.h"
#include "event.h"
#include "jpath.h"
#include "tailfmt.h"

#define C_RESET		"\033[0m"
#define C_BOLD		"\033[1m"
#define C_DIM		"\033[2m"
#define C_RED		"\033[31m"
#define C_BRED		"\033[1;31m"
#define C_YELLOW	"\033[33m"
#define C_CYAN		"\033[36m"
#define C_MAGENTA	"\033[35m"

struct out {
	char *p;
	size_t len, n;
	int color;
};

static void add(struct out *o, const char *s, size_t n)
{
	for (size_t i = 0; i < n && o->n + 1 < o->len; i++) {
		unsigned char c = s[i];

		/* event content never reaches the terminal as control bytes */
		o->p[o->n++] = (c < 0x20 || c == 0x7f) ? '?' : c;
	}
	o->p[o->n] = '\0';
}

static void addf(struct out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void addf(struct out *o, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		add(o, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* Escape sequences are ours, added raw. */
static void esc(struct out *o, const char *seq)
{
	size_t n = strlen(seq);

	if (!o->color || o->n + n + 1 >= o->len)
		return;
	memcpy(o->p + o->n, seq, n);
	o->n += n;
	o->p[o->n] = '\0';
}

static struct json_object *array_at(struct json_object *o, const char *path)
{
	struct json_object *x = espy_jpath(o, path);

	return json_object_is_type(x, json_type_array) ? x : NULL;
}

static void sev_field(struct out *o, const char *sev)
{
	static const struct { const char *name, *label, *color; } m[] = {
		{ "critical", "CRIT", C_BRED },
		{ "high", "HIGH", C_RED },
		{ "medium", "MED ", C_YELLOW },
		{ "low", "LOW ", C_CYAN },
		{ "none", "-   ", C_DIM },
	};

	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++) {
		if (sev && !strcmp(sev, m[i].name)) {
			esc(o, m[i].color);
			add(o, m[i].label, 4);
			esc(o, C_RESET);
			return;
		}
	}
	add(o, "-   ", 4);
}

/* What the event is about, in one short field. */
static void subject(struct out *o, struct json_object *ev)
{
	const char *s, *t;
	struct json_object *x;

	if ((s = espy_jpath_str(ev, "file.path"))) {
		if ((t = espy_jpath_str(ev, "file.original_path")))
			addf(o, " %s -> %s", t, s);	/* rename: from -> to */
		else if ((t = espy_jpath_str(ev, "file.target_path")))
			addf(o, " %s -> %s", s, t);	/* link: name -> target */
		else
			addf(o, " %s", s);
		return;
	}
	if ((s = espy_jpath_str(ev, "dns.question.name"))) {
		addf(o, " dns %s", s);
		return;
	}
	if ((s = espy_jpath_str(ev, "destination.ip"))) {
		const char *src = espy_jpath_str(ev, "source.ip");
		struct json_object *dp = espy_jpath(ev, "destination.port");
		struct json_object *sp = espy_jpath(ev, "source.port");
		const char *dir = espy_jpath_str(ev, "network.direction");

		if (dir && !strcmp(dir, "ingress") && src) {
			addf(o, " from %s", src);
			if (sp)
				addf(o, ":%d", json_object_get_int(sp));
		} else {
			addf(o, " %s%s%s", strchr(s, ':') ? "[" : "", s,
			     strchr(s, ':') ? "]" : "");
			if (dp)
				addf(o, ":%d", json_object_get_int(dp));
		}
		return;
	}
	if ((x = array_at(ev, "process.args"))) {
		size_t n = json_object_array_length(x);

		for (size_t i = 0; i < n && o->n + 1 < o->len; i++) {
			const char *a = json_object_get_string(json_object_array_get_idx(x, i));

			addf(o, " %s", a ? a : "");
		}
		return;
	}
	if ((s = espy_jpath_str(ev, "process.executable")))
		addf(o, " %s", s);
}

int espy_tail_format(const char *line, size_t len, int color, char *out,
		     size_t outlen)
{
	struct json_object *ev, *x;
	struct out o = { .p = out, .len = outlen, .color = color };
	const char *ts, *s, *sev;
	int alert, r;

	if (!outlen)
		return -ENOSPC;
	out[0] = '\0';
	r = espy_jparse_object(line, len, &ev);
	if (r) {
		add(&o, line, len);	/* shown as it is: nothing lost */
		return r;
	}
	ts = espy_jpath_str(ev, "@timestamp");
	if (ts && strlen(ts) >= 23 && ts[10] == 'T')
		add(&o, ts + 11, 12);
	else
		add(&o, "--:--:--.---", 12);
	add(&o, " ", 1);
	sev = espy_jpath_str(ev, "espy.severity");
	sev_field(&o, sev);
	if ((x = espy_jpath(ev, "espy.score")))
		addf(&o, " %3.0f", json_object_get_double(x));
	else
		add(&o, "   -", 4);
	s = espy_jpath_str(ev, "event.kind");
	alert = s && !strcmp(s, "alert");
	if (alert) {
		esc(&o, C_BRED);
		add(&o, " ALERT", 6);
		esc(&o, C_RESET);
	} else {
		add(&o, "      ", 6);
	}
	s = espy_jpath_str(ev, "event.action");
	esc(&o, C_BOLD);
	addf(&o, " %-10s", s ? s : "?");
	esc(&o, C_RESET);
	s = espy_jpath_str(ev, "process.name");
	if ((x = espy_jpath(ev, "process.pid")))
		addf(&o, " %s[%d]", s ? s : "?", json_object_get_int(x));
	if ((s = espy_jpath_str(ev, "user.name")))
		addf(&o, " %s", s);
	else if ((x = espy_jpath(ev, "user.id")))
		addf(&o, " uid=%s", json_object_get_string(x));
	subject(&o, ev);
	if ((x = array_at(ev, "threat.technique.id"))) {
		size_t n = json_object_array_length(x);

		esc(&o, C_MAGENTA);
		for (size_t i = 0; i < n; i++)
			addf(&o, " %s", json_object_get_string(json_object_array_get_idx(x, i)));
		esc(&o, C_RESET);
	}
	if ((x = array_at(ev, "espy.reasons")) &&
	    json_object_array_length(x) && (alert || (sev && strcmp(sev, "none")))) {
		size_t n = json_object_array_length(x);

		esc(&o, C_DIM);
		add(&o, " --", 3);
		for (size_t i = 0; i < n; i++)
			addf(&o, "%s %s", i ? ";" : "",
			     json_object_get_string(json_object_array_get_idx(x, i)));
		esc(&o, C_RESET);
	}
	json_object_put(ev);
	return (int)o.n;
}
