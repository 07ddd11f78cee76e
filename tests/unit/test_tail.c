/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * `espy tail` filters and format: the filter syntax shared by the CLI and
 * the control protocol, the same decision from a decoded event and from its
 * JSON line, and the one-line format with and without colour.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kselftest_harness.h"
#include "filter.h"
#include "tailfmt.h"

static const char alert_line[] =
	"{\"@timestamp\":\"2024-05-01T12:34:56.789012345Z\","
	"\"event\":{\"kind\":\"alert\",\"action\":\"open\"},"
	"\"host\":{\"name\":\"web1\"},"
	"\"process\":{\"pid\":4242,\"name\":\"cat\"},"
	"\"user\":{\"id\":\"1000\",\"name\":\"alice\"},"
	"\"file\":{\"path\":\"/etc/shadow\"},"
	"\"threat\":{\"technique\":{\"id\":[\"T1003.008\",\"T1552\"]}},"
	"\"espy\":{\"score\":87.5,\"severity\":\"high\",\"reasons\":[\"new file class for cat\",\"rare user\"]}}";

static const char plain_line[] =
	"{\"@timestamp\":\"2024-05-01T12:34:57.000000001Z\","
	"\"event\":{\"kind\":\"event\",\"action\":\"connect\"},"
	"\"host\":{\"name\":\"db2\"},"
	"\"process\":{\"pid\":77,\"name\":\"curl\"},"
	"\"user\":{\"id\":\"0\"},"
	"\"destination\":{\"ip\":\"10.0.0.5\",\"port\":443},"
	"\"network\":{\"direction\":\"egress\"}}";

static int match_json(const struct espy_filter *f, const char *line)
{
	struct espy_filter_view v;
	void *hold;
	int r;

	if (espy_filter_view_json(&v, line, strlen(line), &hold))
		return -1;
	r = espy_filter_match(f, &v);
	espy_filter_view_release(hold);
	return r;
}

static int match_args(const char *args, const char *line)
{
	struct espy_filter f;
	char why[256];

	if (espy_filter_parse(&f, args, why, sizeof(why)))
		return -2;
	return match_json(&f, line);
}

TEST(filters_on_json)
{
	ASSERT_EQ(1, match_args("", alert_line));
	ASSERT_EQ(1, match_args("", plain_line));
	ASSERT_EQ(1, match_args("alerts=1", alert_line));
	ASSERT_EQ(0, match_args("alerts=1", plain_line));
	ASSERT_EQ(1, match_args("min_score=87.5", alert_line));
	ASSERT_EQ(0, match_args("min_score=88", alert_line));
	ASSERT_EQ(0, match_args("min_score=1", plain_line));	/* unscored = 0 */
	ASSERT_EQ(1, match_args("severity=medium", alert_line));
	ASSERT_EQ(1, match_args("severity=high", alert_line));
	ASSERT_EQ(0, match_args("severity=critical", alert_line));
	ASSERT_EQ(0, match_args("severity=low", plain_line));
	ASSERT_EQ(1, match_args("technique=T1003", alert_line));	/* parent */
	ASSERT_EQ(1, match_args("technique=T1003.008", alert_line));
	ASSERT_EQ(1, match_args("technique=t1552", alert_line));
	ASSERT_EQ(0, match_args("technique=T1003.007", alert_line));
	ASSERT_EQ(0, match_args("technique=T1000", alert_line));	/* not a prefix match */
	ASSERT_EQ(0, match_args("technique=T1003", plain_line));
	ASSERT_EQ(1, match_args("pid=4242", alert_line));
	ASSERT_EQ(0, match_args("pid=424", alert_line));
	ASSERT_EQ(1, match_args("host=WEB1", alert_line));		/* host names: any case */
	ASSERT_EQ(0, match_args("host=web", alert_line));
	ASSERT_EQ(0, match_args("host=web1", plain_line));
	ASSERT_EQ(1, match_args("severity=high technique=T1003 pid=4242 host=web1 alerts=1 min_score=50",
				alert_line));
	ASSERT_EQ(0, match_args("severity=high pid=1", alert_line));
	/* the flat "a.b" key form some shippers write matches too */
	ASSERT_EQ(1, match_args("pid=9", "{\"process.pid\":9}"));
	ASSERT_EQ(-1, match_args("", "not json"));
	ASSERT_EQ(-1, match_args("", "[1,2]"));
}

TEST(filter_syntax_errors)
{
	struct espy_filter f;
	char why[256];

	ASSERT_EQ(-EINVAL, espy_filter_parse(&f, "min_score=101", why, sizeof(why)));
	ASSERT_NE(NULL, strstr(why, "min_score: expected a number from 0 to 100, not '101'"));
	ASSERT_EQ(-EINVAL, espy_filter_parse(&f, "min_score=nan", why, sizeof(why)));
	ASSERT_EQ(-EINVAL, espy_filter_parse(&f, "severity=urgent", why, sizeof(why)));
	ASSERT_EQ(-EINVAL, espy_filter_parse(&f, "technique=T10", why, sizeof(why)));
	ASSERT_EQ(-EINVAL, espy_filter_parse(&f, "technique=T1003.8", why, sizeof(why)));
	ASSERT_EQ(-EINVAL, espy_filter_parse(&f, "pid=0", why, sizeof(why)));
	ASSERT_EQ(-EINVAL, espy_filter_parse(&f, "pid=-5", why, sizeof(why)));
	ASSERT_EQ(-EINVAL, espy_filter_parse(&f, "pid=12abc", why, sizeof(why)));
	ASSERT_EQ(-EINVAL, espy_filter_parse(&f, "alerts=yes", why, sizeof(why)));
	ASSERT_EQ(-EINVAL, espy_filter_parse(&f, "colour=red", why, sizeof(why)));
	ASSERT_NE(NULL, strstr(why, "unknown filter 'colour'"));
	ASSERT_EQ(-EINVAL, espy_filter_parse(&f, "pid", why, sizeof(why)));
	ASSERT_NE(NULL, strstr(why, "expected key=value"));
}

/* The textual form round-trips through the parser (CLI -> socket). */
TEST(filter_format_round_trip)
{
	struct espy_filter f, g;
	char why[256], text[512];

	ASSERT_EQ(0, espy_filter_parse(&f, "alerts=1 pid=7 technique=t1021.004 severity=medium min_score=12.5 host=h",
				       why, sizeof(why)));
	ASSERT_GT(espy_filter_format(&f, text, sizeof(text)), 0);
	ASSERT_STREQ("min_score=12.5 severity=medium technique=T1021.004 pid=7 host=h alerts=1", text);
	ASSERT_EQ(0, espy_filter_parse(&g, text, why, sizeof(why)));
	ASSERT_EQ(0, memcmp(&f, &g, sizeof(f)));
	espy_filter_init(&f);
	ASSERT_EQ(0, espy_filter_format(&f, text, sizeof(text)));
	ASSERT_STREQ("", text);
}

/* The live path (decoded event) and the file path (JSON) agree. */
TEST(event_view_matches_json_view)
{
	struct espy_hdr h = { .tgid = 4242, .type = ESPY_EV_OPEN };
	struct espy_verdict vd = { .score = 87.5, .severity = ESPY_SEV_HIGH, .alert = 1,
				   .ntech = 2 };
	struct espy_event ev = { .hdr = &h, .verdict = &vd };
	static const char *const filters[] = {
		"", "alerts=1", "min_score=87.5", "min_score=88", "severity=high",
		"severity=critical", "technique=T1003", "technique=T1552.001",
		"pid=4242", "pid=1", "host=web1", "host=db2",
	};
	struct espy_filter_view v;

	vd.tech[0].id = "T1003.008";
	vd.tech[1].id = "T1552";
	espy_filter_view_event(&v, &ev, "web1");
	for (size_t i = 0; i < sizeof(filters) / sizeof(filters[0]); i++) {
		struct espy_filter f;
		char why[128];

		ASSERT_EQ(0, espy_filter_parse(&f, filters[i], why, sizeof(why)));
		EXPECT_EQ(match_json(&f, alert_line), espy_filter_match(&f, &v))
			TH_LOG("filter '%s'", filters[i]);
	}
}

TEST(format_plain)
{
	char out[1024];

	ASSERT_GT(espy_tail_format(alert_line, strlen(alert_line), 0, out, sizeof(out)), 0);
	ASSERT_STREQ("12:34:56.789 HIGH  88 ALERT open       cat[4242] alice /etc/shadow"
		     " T1003.008 T1552 -- new file class for cat; rare user", out);
	ASSERT_GT(espy_tail_format(plain_line, strlen(plain_line), 0, out, sizeof(out)), 0);
	ASSERT_STREQ("12:34:57.000 -      -       connect    curl[77] uid=0 10.0.0.5:443", out);
	ASSERT_EQ(NULL, strchr(out, '\033'));
}

TEST(format_color)
{
	char out[1024];

	ASSERT_GT(espy_tail_format(alert_line, strlen(alert_line), 1, out, sizeof(out)), 0);
	ASSERT_NE(NULL, strstr(out, "\033[31mHIGH\033[0m"));
	ASSERT_NE(NULL, strstr(out, "\033[1;31m ALERT\033[0m"));
}

/* Event content cannot drive the terminal, and junk is shown, not lost. */
TEST(format_hostile)
{
	static const char evil[] =
		"{\"event\":{\"action\":\"open\"},\"file\":{\"path\":\"/tmp/\\u001b]0;owned\\u0007x\"}}";
	char out[256];

	ASSERT_GT(espy_tail_format(evil, strlen(evil), 1, out, sizeof(out)), 0);
	ASSERT_NE(NULL, strstr(out, "/tmp/?]0;owned?x"));
	ASSERT_EQ(-EINVAL, espy_tail_format("garbage\x1b", 8, 0, out, sizeof(out)));
	ASSERT_STREQ("garbage?", out);
	/* a tiny buffer truncates, never overflows */
	ASSERT_GT(espy_tail_format(alert_line, strlen(alert_line), 1, out, 16), 0);
	ASSERT_EQ(15U, strlen(out));
}

TEST_HARNESS_MAIN
