/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * espy status: what espyd is doing, from its `status` control command.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmds.h"
#include "ctl_client.h"
#include "jpath.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: espy status [OPTIONS]\n"
"Show espyd's driver, hooks attached and failed, detection mode, event and\n"
"drop rates, baseline size and uptime.\n"
"\n"
"  -j, --json             print espyd's answer as one JSON object\n"
"  -s, --socket PATH      espyd's control socket (default /run/espy/espyd.sock,\n"
"                         or $ESPY_SOCKET)\n"
"  -h, --help             show this help\n"
"\n"
"Exit status: 0 espyd answered, 1 failure, 2 usage error, 3 espyd not\n"
"running, 4 permission denied, 5 espyd went away before answering.\n");
}

static const char *s(struct json_object *o, const char *path)
{
	struct json_object *x = espy_jpath(o, path);

	return x ? json_object_get_string(x) : "?";
}

static long long i(struct json_object *o, const char *path)
{
	return json_object_get_int64(espy_jpath(o, path));
}

static double d(struct json_object *o, const char *path)
{
	return json_object_get_double(espy_jpath(o, path));
}

static const char *nonempty(struct json_object *o, const char *path)
{
	const char *v = espy_jpath_str(o, path);

	return v && *v ? v : NULL;
}

static void duration(char *buf, size_t len, long long secs)
{
	if (secs >= 86400)
		snprintf(buf, len, "%lldd %02lldh %02lldm", secs / 86400,
			 secs % 86400 / 3600, secs % 3600 / 60);
	else if (secs >= 3600)
		snprintf(buf, len, "%lldh %02lldm %02llds", secs / 3600,
			 secs % 3600 / 60, secs % 60);
	else
		snprintf(buf, len, "%lldm %02llds", secs / 60, secs % 60);
}

static void print_status(struct json_object *st)
{
	struct json_object *hooks = espy_jpath(st, "hooks.failed"), *x;
	const char *v;
	char up[64];

	duration(up, sizeof(up), i(st, "uptime_s"));
	printf("espyd %s, pid %lld, up %s\n", s(st, "version"), i(st, "pid"), up);
	printf("driver:      %s, %lld of %lld hooks attached\n", s(st, "driver"),
	       i(st, "hooks.attached"), i(st, "hooks.total"));
	if (hooks && json_object_is_type(hooks, json_type_array)) {
		size_t n = json_object_array_length(hooks);

		for (size_t k = 0; k < n; k++) {
			struct json_object *h = json_object_array_get_idx(hooks, k);

			printf("  not attached: %s (%s)\n", s(h, "name"), s(h, "error"));
		}
	}
	printf("mode:        %s", s(st, "mode"));
	if ((x = espy_jpath(st, "configured_mode")) && strcmp(json_object_get_string(x), s(st, "mode")))
		printf(" (configured: %s)", json_object_get_string(x));
	if ((x = espy_jpath(st, "learning")) && json_object_get_boolean(x))
		printf(", learning the baseline: no alerts yet");
	printf("\n");
	printf("events:      %lld total, %.1f/s over the last %llds\n",
	       i(st, "events.total"), d(st, "events.rate"), i(st, "rate_window_s"));
	printf("drops:       %lld total, %.1f/s", i(st, "drops.total"), d(st, "drops.rate"));
	if (i(st, "drops.total"))
		printf("  (the kernel ring buffer overflowed: events were lost)");
	printf("\n");
	printf("malformed:   %lld records\n", i(st, "decode_errors"));
	if ((x = espy_jpath(st, "baseline.entries")))
		printf("baseline:    %lld entries, %lld events learned\n",
		       (long long)json_object_get_int64(x), i(st, "baseline.learned"));
	else
		printf("baseline:    not available in this espyd\n");
	printf("processes:   %lld tracked\n", i(st, "processes"));
	if ((x = espy_jpath(st, "sessions")))
		printf("sessions:    %lld tracked, %lld alerts since start\n",
		       (long long)json_object_get_int64(x), i(st, "alerts"));
	printf("tail:        %lld clients, %lld cut off since start\n",
	       i(st, "tail.clients"), i(st, "tail.cut_off"));
	if ((v = nonempty(st, "log.file")))
		printf("log:         %s (%lld written, %lld errors)\n",
		       v, i(st, "log.written"), i(st, "log.errors"));
	if ((v = nonempty(st, "metrics")))
		printf("metrics:     http://%s/metrics\n", v);
	printf("config:      %s (%lld reloads, %lld failed)\n", s(st, "config.path"),
	       i(st, "config.reloads"), i(st, "config.failed"));
	if ((v = nonempty(st, "config.last_error")))
		printf("  last reload error: %s\n", v);
}

int cmd_status(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct espy_lines l;
	struct json_object *st;
	const char *sock = NULL;
	char *reply;
	int c, json = 0, rc;

	optind = 1;
	while ((c = getopt_long(argc, argv, "js:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 's':
			sock = optarg;
			break;
		case 'h':
		default:
			return espy_cli_usage(usage, c == 'h');
		}
	}
	rc = espy_cli_no_more_args("espy status", argc, argv);
	if (rc)
		return rc;
	rc = espy_cli_request(&l, "espy status", espy_cli_socket(sock), "status",
			      1 << 20, &reply, 0);
	if (rc)
		return rc;
	if (json) {
		printf("%s\n", reply);
	} else if (espy_jparse_object(reply, strlen(reply), &st)) {
		fprintf(stderr, "espy status: espyd's answer is not a JSON object\n");
		rc = ESPY_EXIT_FAIL;
	} else {
		print_status(st);
		json_object_put(st);
	}
	espy_cli_hangup(&l);
	return rc;
}
