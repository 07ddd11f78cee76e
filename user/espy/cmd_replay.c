/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * espy replay: score a recording (espyd --record FILE) offline, as fast as
 * the CPU allows, deterministically: the same file, baseline and options
 * always print the same bytes.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmds.h"
#include "config.h"
#include "ecs.h"
#include "replay.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: espy replay FILE [OPTIONS]\n"
"Score a recording made with `espyd --record FILE` through the same\n"
"pipeline and detection engine as espyd, with the recorded clock and host.\n"
"Without --json, print one line per alert and a summary.\n"
"\n"
"  -j, --json             print every event as ECS JSON Lines, like espyd's\n"
"                         event log (the summary goes to stderr)\n"
"      --min-score N      with --json: only events scoring N or more (and\n"
"                         alerts)\n"
"  -b, --baseline DIR     start from the baseline in DIR (a state directory,\n"
"                         e.g. a copy of /var/lib/espy); read only\n"
"  -m, --mode MODE        learn, detect or auto (default detect)\n"
"  -c, --config FILE      the [detection] thresholds, rates, table sizes and\n"
"                         learn_period of that espyd configuration file\n"
"                         (default: the built-in ones, as espyd's)\n"
"      --learn-period SECS  auto mode: learn this long (record time)\n"
"      --save-baseline DIR  write the baseline as it is after the replay\n"
"  -o, --output FILE      write to FILE instead of stdout\n"
"      --max-procs N      processes tracked (default 32768, as espyd); a\n"
"                         replay matches the live run only with its sizes\n"
"      --max-sessions N   sessions tracked (default 8192, as espyd)\n"
"      --stats            print records per second to stderr\n"
"  -h, --help             show this help\n"
"\n"
"A damaged or truncated recording is scored up to the damage, which is\n"
"reported on stderr.  Exit status: 0 success, 1 failure or a damaged\n"
"recording, 2 usage error.\n");
}

static int parse_mode(const char *s, enum espy_mode *m)
{
	if (!strcmp(s, "learn"))
		*m = ESPY_MODE_LEARN;
	else if (!strcmp(s, "detect"))
		*m = ESPY_MODE_DETECT;
	else if (!strcmp(s, "auto"))
		*m = ESPY_MODE_AUTO;
	else
		return -EINVAL;
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void summary(FILE *f, const char *path,
		    const struct espy_replay_result *r)
{
	fprintf(f, "espy replay: %s (host %s, kernel %s): %llu records, "
		"%llu events, %llu malformed, %llu alerts; scored low %llu, "
		"medium %llu, high %llu, critical %llu\n", path,
		r->info.hostname[0] ? r->info.hostname : "?",
		r->info.kernel[0] ? r->info.kernel : "?",
		(unsigned long long)r->records, (unsigned long long)r->events,
		(unsigned long long)r->malformed, (unsigned long long)r->alerts,
		(unsigned long long)r->by_severity[ESPY_SEV_LOW],
		(unsigned long long)r->by_severity[ESPY_SEV_MEDIUM],
		(unsigned long long)r->by_severity[ESPY_SEV_HIGH],
		(unsigned long long)r->by_severity[ESPY_SEV_CRITICAL]);
	if (r->ctrl_changes)
		fprintf(f, "espy replay: %llu run-time change(s) of detection "
			"replayed where espyd made them\n",
			(unsigned long long)r->ctrl_changes);
	if (r->baseline_imports)
		fprintf(f, "espy replay: warning: espyd imported a baseline %llu "
			"time(s) during the recording; from there on this replay "
			"scores against its own baseline, not the imported one\n",
			(unsigned long long)r->baseline_imports);
}

int cmd_replay(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "min-score", required_argument, NULL, 's' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "mode", required_argument, NULL, 'm' },
		{ "learn-period", required_argument, NULL, 'L' },
		{ "save-baseline", required_argument, NULL, 'S' },
		{ "output", required_argument, NULL, 'o' },
		{ "stats", no_argument, NULL, 'T' },
		{ "max-procs", required_argument, NULL, 'P' },
		{ "max-sessions", required_argument, NULL, 'E' },
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct espy_replay_opts o = { 0 };
	struct espy_detect_config dc;
	const char *config = NULL;
	struct espy_replay_result r;
	const char *outpath = NULL;
	char err[1024], *end;
	static char obuf[1 << 20];
	double t0, dt;
	int c, stats = 0, ret;

	o.mode = ESPY_MODE_DETECT;
	optind = 0;
	while ((c = getopt_long(argc, argv, "js:b:m:o:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			config = optarg;
			break;
		case 'j':
			o.json = 1;
			break;
		case 's':
			o.min_score = strtod(optarg, &end);
			if (*end || o.min_score < 0 || o.min_score > 100) {
				fprintf(stderr, "espy replay: --min-score: '%s' is not 0..100\n",
					optarg);
				return ESPY_EXIT_USAGE;
			}
			break;
		case 'b':
			o.baseline_dir = optarg;
			break;
		case 'm':
			if (parse_mode(optarg, &o.mode)) {
				fprintf(stderr, "espy replay: --mode: '%s' is not one of learn, detect, auto\n",
					optarg);
				return ESPY_EXIT_USAGE;
			}
			break;
		case 'L':
			o.learn_period_s = strtoull(optarg, &end, 10);
			if (*end || !o.learn_period_s) {
				fprintf(stderr, "espy replay: --learn-period: '%s' is not a number of seconds\n",
					optarg);
				return ESPY_EXIT_USAGE;
			}
			break;
		case 'S':
			o.save_dir = optarg;
			break;
		case 'o':
			outpath = optarg;
			break;
		case 'T':
			stats = 1;
			break;
		case 'P':
		case 'E': {
			unsigned long v = strtoul(optarg, &end, 10);

			if (*end || v < 16 || v > (1UL << 24)) {
				fprintf(stderr, "espy replay: --%s: '%s' is not 16..16777216\n",
					c == 'P' ? "max-procs" : "max-sessions", optarg);
				return ESPY_EXIT_USAGE;
			}
			if (c == 'P')
				o.max_procs = v;
			else
				o.max_sessions = v;
			break;
		}
		case 'h':
		default:
			return espy_cli_usage(usage, c == 'h');
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "espy replay: give exactly one recording\n");
		usage(stderr);
		return ESPY_EXIT_USAGE;
	}
	o.path = argv[optind];
	if (config) {
		struct espy_config cfg;
		char cerr[4096];

		espy_config_defaults(&cfg);
		if (espy_config_load(&cfg, config, 0, cerr, sizeof(cerr))) {
			fprintf(stderr, "espy replay: %s", cerr);
			if (!*cerr || cerr[strlen(cerr) - 1] != '\n')
				fputc('\n', stderr);
			return ESPY_EXIT_USAGE;
		}
		espy_config_detect(&cfg, &dc);
		o.detect = &dc;
	}
	o.out = outpath ? fopen(outpath, "we") : stdout;
	if (!o.out) {
		fprintf(stderr, "espy replay: %s: %s\n", outpath, strerror(errno));
		return ESPY_EXIT_FAIL;
	}
	setvbuf(o.out, obuf, _IOFBF, sizeof(obuf));
	t0 = now_s();
	ret = espy_replay_run(&o, &r, err, sizeof(err));
	dt = now_s() - t0;
	if (ret) {
		fprintf(stderr, "espy replay: %s\n", err);
		if (outpath)
			fclose(o.out);
		return ESPY_EXIT_FAIL;
	}
	summary(o.json ? stderr : o.out, o.path, &r);
	if (fflush(o.out) || (outpath && fclose(o.out))) {
		fprintf(stderr, "espy replay: writing the output: %s\n",
			strerror(errno));
		return ESPY_EXIT_FAIL;
	}
	if (stats)
		fprintf(stderr, "espy replay: %llu records in %.3f s: %.0f records/s\n",
			(unsigned long long)r.records, dt,
			dt > 0 ? r.records / dt : 0.0);
	if (r.damaged) {
		fprintf(stderr, "espy replay: %s is damaged: %s; scored the %llu records before it\n",
			o.path, r.damage.msg,
			(unsigned long long)r.damage.records_before);
		return ESPY_EXIT_FAIL;
	}
	return ESPY_EXIT_OK;
}
