/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event filters for `espy tail`: one definition used on both sides, by
 * espyd's control socket on the live stream (from the decoded event) and
 * by the CLI on a log file (from the JSON line), so that a filter means
 * the same thing whichever way the events arrive.
 *
 * Textual form, shared by the CLI options and the control protocol:
 *   min_score=N  severity=S  technique=T  pid=P  host=H  alerts=1
 * technique matches the id or any sub-technique of it ("T1003" matches
 * "T1003.008"); severity is a minimum.  All given conditions must hold.
 */
#ifndef ESPY_FILTER_H
#define ESPY_FILTER_H

#include <stddef.h>
#include <stdint.h>
#include "event.h"

#define ESPY_FILTER_TECH_LEN	24
#define ESPY_FILTER_HOST_LEN	256
#define ESPY_FILTER_VIEW_TECH	8

struct espy_filter {
	double min_score;		/* 0: any */
	int min_severity;		/* enum espy_severity; NONE: any */
	int alerts_only;
	uint32_t pid;			/* 0: any */
	char technique[ESPY_FILTER_TECH_LEN];	/* "": any */
	char host[ESPY_FILTER_HOST_LEN];	/* "": any */
};

/* The fields a filter looks at, taken from an event or a JSON line. */
struct espy_filter_view {
	double score;
	int severity;
	int alert;
	uint32_t pid;
	const char *host;		/* may be NULL */
	size_t host_len;
	int ntech;
	const char *tech[ESPY_FILTER_VIEW_TECH];
	size_t tech_len[ESPY_FILTER_VIEW_TECH];
};

void espy_filter_init(struct espy_filter *f);

/*
 * Set one condition from its textual key and value.  Returns 0 or -EINVAL
 * with a reason in why.
 */
int espy_filter_set(struct espy_filter *f, const char *key, const char *value,
		    char *why, size_t whylen);

/*
 * Parse "key=value key=value ..." (space separated, as sent on the control
 * socket).  Returns 0 or -EINVAL with a reason in why.
 */
int espy_filter_parse(struct espy_filter *f, const char *args, char *why,
		      size_t whylen);

/* The textual form of f ("" when it matches everything). */
int espy_filter_format(const struct espy_filter *f, char *buf, size_t len);

int espy_filter_match(const struct espy_filter *f,
		      const struct espy_filter_view *v);

/* View of a decoded event; host is the name the event is reported under. */
void espy_filter_view_event(struct espy_filter_view *v,
			    const struct espy_event *ev, const char *host);

/*
 * View of one ECS JSON line (as espyd writes them).  Strings in v point
 * into the parsed object held in *hold, which the caller releases with
 * espy_filter_view_release().  Returns 0 or -EINVAL for a line that is not
 * a JSON object.
 */
int espy_filter_view_json(struct espy_filter_view *v, const char *line,
			  size_t len, void **hold);
void espy_filter_view_release(void *hold);

#endif /* ESPY_FILTER_H */
