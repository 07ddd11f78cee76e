/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * espy status: what espyd is doing, from its `status` control command.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>

#include "cmds.h"
#include "ctl_client.h"

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
"running, 4 permission denied.\n");
}

static struct json_object *get(struct json_object *o, const char *path)
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

static const char *s(struct json_object *o, const char *path)
{
	struct json_object *x = get(o, path);

	return x ? json_object_get_string(x) : "?";
}

static long long i(struct json_object *o, const char *path)
{
	return json_object_get_int64(get(o, path));
}

static double d(struct json_object *o, const char *path)
{
	return json_object_get_double(get(o, path));
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
	struct json_object *hooks = get(st, "hooks.failed"), *x;
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
	if ((x = get(st, "configured_mode")) && strcmp(json_object_get_string(x), s(st, "mode")))
		printf(" (configured: %s)", json_object_get_string(x));
	if ((x = get(st, "learning")) && json_object_get_boolean(x))
		printf(", learning the baseline: no alerts yet");
	printf("\n");
	printf("events:      %lld total, %.1f/s over the last %llds\n",
	       i(st, "events.total"), d(st, "events.rate"), i(st, "rate_window_s"));
	printf("drops:       %lld total, %.1f/s", i(st, "drops.total"), d(st, "drops.rate"));
	if (i(st, "drops.total"))
		printf("  (the kernel ring buffer overflowed: events were lost)");
	printf("\n");
	printf("malformed:   %lld records\n", i(st, "decode_errors"));
	if ((x = get(st, "baseline.entries")))
		printf("baseline:    %lld entries, %lld events learned\n",
		       (long long)json_object_get_int64(x), i(st, "baseline.learned"));
	else
		printf("baseline:    not available in this espyd\n");
	printf("processes:   %lld tracked\n", i(st, "processes"));
	if ((x = get(st, "sessions")))
		printf("sessions:    %lld tracked, %lld alerts since start\n",
		       (long long)json_object_get_int64(x), i(st, "alerts"));
	printf("tail:        %lld clients, %lld cut off since start\n",
	       i(st, "tail.clients"), i(st, "tail.cut_off"));
	if ((x = get(st, "log.file")) && *json_object_get_string(x))
		printf("log:         %s (%lld written, %lld errors)\n",
		       json_object_get_string(x), i(st, "log.written"), i(st, "log.errors"));
	if ((x = get(st, "metrics")) && *json_object_get_string(x))
		printf("metrics:     http://%s/metrics\n", json_object_get_string(x));
	printf("config:      %s (%lld reloads, %lld failed)\n", s(st, "config.path"),
	       i(st, "config.reloads"), i(st, "config.failed"));
	if ((x = get(st, "config.last_error")) && *json_object_get_string(x))
		printf("  last reload error: %s\n", json_object_get_string(x));
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
	int c, fd, json = 0, rc = ESPY_EXIT_OK;
	long n;

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
			usage(stdout);
			return ESPY_EXIT_OK;
		default:
			usage(stderr);
			return ESPY_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "espy status: unexpected argument '%s'\n", argv[optind]);
		return ESPY_EXIT_USAGE;
	}
	fd = espy_cli_connect("espy status", espy_cli_socket(sock));
	if (fd < 0)
		return -fd;
	espy_lines_init(&l, fd, 1 << 20);
	n = espy_ctl_call(&l, "status", &reply, 5000);
	if (n < 0) {
		fprintf(stderr, "espy status: no answer from espyd: %s\n", strerror(-n));
		rc = ESPY_EXIT_FAIL;
		goto out;
	}
	st = json_tokener_parse(reply);
	if (!st || !json_object_get_boolean(get(st, "ok"))) {
		fprintf(stderr, "espy status: espyd: %s\n",
			st && get(st, "error") ? s(st, "error") : reply);
		rc = st && strstr(s(st, "error"), "permission denied") ?
		     ESPY_EXIT_DENIED : ESPY_EXIT_FAIL;
		json_object_put(st);
		goto out;
	}
	if (json)
		printf("%s\n", reply);
	else
		print_status(st);
	json_object_put(st);
out:
	espy_lines_fini(&l);
	close(fd);
	return rc;
}
