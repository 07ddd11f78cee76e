/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * espy baseline: look at and manage the learned baseline.
 *   show, export, import, reset  work on the state directory (offline);
 *                                import and reset go through a running
 *                                espyd instead, so that it takes them in
 *   learn, detect, auto          switch a running espyd's mode; without a
 *                                daemon, store the choice in the state file
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "cmds.h"
#include "config.h"
#include "ctl_client.h"
#include "baseline.h"
#include "detect.h"
#include "ecs.h"
#include "feats.h"
#include "jpath.h"
#include "json.h"
#include "statefile.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: espy baseline show [--json]\n"
"       espy baseline learn | detect | auto\n"
"       espy baseline export FILE\n"
"       espy baseline import FILE\n"
"       espy baseline reset\n"
"Show or manage espyd's learned baseline.\n"
"\n"
"  show           what the baseline holds, per feature kind\n"
"  learn, detect  switch a running espyd to learning or detecting (auto:\n"
"  auto           back to the configured mode); without espyd, store the\n"
"                 choice in the state file for its next start\n"
"  export FILE    write a checked copy of the baseline to FILE (to learn on\n"
"                 a golden host and import across a fleet)\n"
"  import FILE    check FILE and make it the baseline (a running espyd\n"
"                 takes it in at once)\n"
"  reset          forget everything learned\n"
"\n"
"  -d, --state-dir DIR    the state directory (default: daemon.state_dir of\n"
"                         the configuration, else " ESPY_STATE_DIR ")\n"
"  -c, --config FILE      configuration file (default " ESPY_CONFIG_PATH ")\n"
"  -j, --json             show: one JSON object\n"
"  -s, --socket PATH      espyd's control socket (default $ESPY_SOCKET, else\n"
"                         control.socket of the configuration)\n"
"  -h, --help             show this help\n"
"\n"
"Exit status: 0 success, 1 failure (a damaged or foreign baseline file is\n"
"one: it is reported, never used), 2 usage error, 3 espyd not running\n"
"(learn/detect with --live), 4 permission denied.\n");
}

struct bopts {
	char state_dir[PATH_MAX];
	char path[PATH_MAX + 16];
	const char *socket;
	int json;
};

/* Read, check and decode a baseline file; payload kept for copies. */
static int load_file(const char *path, struct espy_baseline *bl,
		     void **payload, size_t *plen)
{
	struct espy_bl_params p;
	enum espy_state_damage why;
	char msg[256];
	int ret;

	espy_bl_params_default(&p);
	ret = espy_bl_init(bl, ESPY_FEAT_NR, espy_feat_names, &p);
	if (ret) {
		fprintf(stderr, "espy baseline: %s\n", strerror(-ret));
		return ret;
	}
	ret = espy_state_read(path, ESPY_BASELINE_KIND, payload, plen, &why,
			      msg, sizeof(msg));
	if (ret == -EBADMSG) {
		fprintf(stderr, "espy baseline: %s is damaged or foreign: %s\n",
			path, msg);
	} else if (ret == -ENOENT) {
		fprintf(stderr, "espy baseline: no baseline at %s\n", path);
	} else if (ret) {
		fprintf(stderr, "espy baseline: %s: %s\n", path, strerror(-ret));
	} else {
		ret = espy_bl_deserialize(bl, *payload, *plen, msg, sizeof(msg));
		if (ret)
			fprintf(stderr, "espy baseline: %s: %s: %s\n", path,
				espy_state_damage_str(ESPY_STATE_CONTENT), msg);
	}
	if (ret) {
		free(*payload);
		*payload = NULL;
		espy_bl_fini(bl);
	}
	return ret;
}

static void when(uint32_t s, char *buf, size_t len)
{
	if (!s)
		snprintf(buf, len, "never");
	else
		espy_rfc3339((int64_t)s * 1000000000LL, buf, len);
}

static const char *mode_name(uint32_t m)
{
	return m == ESPY_MODE_LEARN ? "learn" : m == ESPY_MODE_DETECT ?
	       "detect" : "none";
}

static int show(struct bopts *o)
{
	struct espy_baseline bl;
	struct espy_json j;
	char c[48], u[48];
	void *payload = NULL;
	size_t plen;
	int i, ret;

	ret = load_file(o->path, &bl, &payload, &plen);
	if (ret)
		return ret == -ENOENT || ret == -EBADMSG ? ESPY_EXIT_FAIL
							 : espy_cli_exit_code(ret);
	when(bl.created_s, c, sizeof(c));
	when(bl.updated_s, u, sizeof(u));
	if (o->json) {
		espy_json_init(&j);
		espy_json_obj_begin(&j);
		espy_json_key(&j, "path");
		espy_json_cstring(&j, o->path);
		espy_json_key(&j, "bytes");
		espy_json_u64(&j, plen);
		espy_json_key(&j, "created");
		espy_json_cstring(&j, c);
		espy_json_key(&j, "updated");
		espy_json_cstring(&j, u);
		espy_json_key(&j, "mode_chosen");
		espy_json_cstring(&j, mode_name(bl.mode));
		espy_json_key(&j, "kinds");
		espy_json_obj_begin(&j);
		for (i = 0; i < bl.nkinds; i++) {
			espy_json_key(&j, bl.k[i].name);
			espy_json_obj_begin(&j);
			espy_json_key(&j, "entries");
			espy_json_u64(&j, bl.k[i].used);
			espy_json_key(&j, "observations");
			espy_json_u64(&j, bl.k[i].observations);
			espy_json_key(&j, "evictions");
			espy_json_u64(&j, bl.k[i].evictions);
			espy_json_key(&j, "weight");
			espy_json_double(&j, espy_bl_total(&bl, i, bl.updated_s), 1);
			espy_json_obj_end(&j);
		}
		espy_json_obj_end(&j);
		espy_json_obj_end(&j);
		printf("%s\n", espy_json_cstr(&j));
		espy_json_fini(&j);
	} else {
		printf("baseline %s (%zu bytes uncompressed)\n", o->path, plen);
		printf("  learning since  %s\n  last update     %s\n", c, u);
		printf("  mode chosen at run time: %s\n", mode_name(bl.mode));
		printf("  %-18s %10s %14s %10s %12s\n", "kind", "entries",
		       "observations", "evictions", "weight now");
		for (i = 0; i < bl.nkinds; i++)
			printf("  %-18s %10u %14llu %10llu %12.1f\n", bl.k[i].name,
			       bl.k[i].used,
			       (unsigned long long)bl.k[i].observations,
			       (unsigned long long)bl.k[i].evictions,
			       espy_bl_total(&bl, i, bl.updated_s));
	}
	free(payload);
	espy_bl_fini(&bl);
	return ESPY_EXIT_OK;
}

/*
 * Send a baseline command to espyd.  Returns the exit code:
 * ESPY_EXIT_NODAEMON, with nothing printed, when no espyd listens.
 */
static int live(struct bopts *o, const char *cmd, int quiet)
{
	struct espy_lines l;
	struct json_object *r;
	const char *mode;
	char *reply;
	int code;

	code = espy_cli_request(&l, "espy baseline", espy_cli_socket(o->socket),
				cmd, 1 << 20, &reply, ESPY_CLI_QUIET_ABSENT);
	if (code)
		return code;
	if (!quiet && !espy_jparse_object(reply, strlen(reply), &r)) {
		mode = espy_jpath_str(r, "mode");
		if (mode)
			printf("espyd: %s done; detection mode now %s\n", cmd, mode);
		json_object_put(r);
	}
	espy_cli_hangup(&l);
	return ESPY_EXIT_OK;
}

static int set_mode_offline(struct bopts *o, const char *m)
{
	struct espy_baseline bl;
	void *payload = NULL, *out;
	size_t plen, olen;
	int ret;

	ret = load_file(o->path, &bl, &payload, &plen);
	if (ret)
		return ESPY_EXIT_FAIL;
	bl.mode = m[0] == 'l' ? ESPY_MODE_LEARN : m[0] == 'd' ?
		  ESPY_MODE_DETECT : ESPY_MODE_AUTO;
	ret = espy_bl_serialize(&bl, &out, &olen);
	if (!ret) {
		ret = espy_state_write(o->path, ESPY_BASELINE_KIND, out, olen);
		free(out);
	}
	free(payload);
	espy_bl_fini(&bl);
	if (ret) {
		fprintf(stderr, "espy baseline: writing %s: %s\n", o->path,
			strerror(-ret));
		return espy_cli_exit_code(ret);
	}
	printf("espyd is not running: stored '%s' in %s; it applies when espyd starts in auto mode\n",
	       m, o->path);
	return ESPY_EXIT_OK;
}

/* Check src and write it (same payload) to dst atomically. */
static int copy_checked(const char *src, const char *dst)
{
	struct espy_baseline bl;
	void *payload = NULL;
	size_t plen;
	int ret;

	ret = load_file(src, &bl, &payload, &plen);
	if (ret)
		return ESPY_EXIT_FAIL;
	espy_bl_fini(&bl);
	ret = espy_state_write(dst, ESPY_BASELINE_KIND, payload, plen);
	free(payload);
	if (ret) {
		fprintf(stderr, "espy baseline: writing %s: %s\n", dst,
			strerror(-ret));
		return espy_cli_exit_code(ret);
	}
	return ESPY_EXIT_OK;
}

int cmd_baseline(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "state-dir", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "json", no_argument, NULL, 'j' },
		{ "socket", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct bopts o = { 0 };
	struct espy_config cfg;
	const char *config = NULL, *dir = NULL, *verb, *arg = NULL;
	char err[2048], cmd[PATH_MAX + 32], abs[PATH_MAX];
	int c, code;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:c:js:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'c':
			config = optarg;
			break;
		case 'j':
			o.json = 1;
			break;
		case 's':
			o.socket = optarg;
			break;
		case 'h':
		default:
			return espy_cli_usage(usage, c == 'h');
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return ESPY_EXIT_USAGE;
	}
	verb = argv[optind++];
	if (optind < argc)
		arg = argv[optind++];
	code = espy_cli_no_more_args("espy baseline", argc, argv);
	if (code)
		return code;
	espy_config_defaults(&cfg);
	/* the espyd of that configuration: its state and its socket (else
	 * a running espyd on another socket would look absent, and the state
	 * file be changed under it) */
	if (!dir || config) {
		if (espy_config_load(&cfg, config ? config : ESPY_CONFIG_PATH,
				     !config, err, sizeof(err))) {
			fprintf(stderr, "espy baseline: %s", err);
			return ESPY_EXIT_FAIL;
		}
		if (!dir)
			dir = cfg.state_dir;
		if (!o.socket && !getenv("ESPY_SOCKET") && cfg.ctl_socket[0])
			o.socket = cfg.ctl_socket;
	}
	snprintf(o.state_dir, sizeof(o.state_dir), "%s", dir);
	snprintf(o.path, sizeof(o.path), "%s/%s", dir, ESPY_BASELINE_FILE);

	if (!strcmp(verb, "show") && !arg)
		return show(&o);
	if ((!strcmp(verb, "learn") || !strcmp(verb, "detect") ||
	     !strcmp(verb, "auto")) && !arg) {
		snprintf(cmd, sizeof(cmd), "baseline %s", verb);
		code = live(&o, cmd, 0);
		return code == ESPY_EXIT_NODAEMON ? set_mode_offline(&o, verb) : code;
	}
	if (!strcmp(verb, "export") && arg) {
		/* a running espyd writes out what it holds first */
		live(&o, "baseline save", 1);
		code = copy_checked(o.path, arg);
		if (code == ESPY_EXIT_OK)
			printf("exported %s to %s\n", o.path, arg);
		return code;
	}
	if (!strcmp(verb, "import") && arg) {
		if (!realpath(arg, abs)) {
			fprintf(stderr, "espy baseline: %s: %s\n", arg,
				strerror(errno));
			return ESPY_EXIT_FAIL;
		}
		snprintf(cmd, sizeof(cmd), "baseline import %s", abs);
		code = live(&o, cmd, 0);
		if (code != ESPY_EXIT_NODAEMON)
			return code;
		code = copy_checked(abs, o.path);
		if (code == ESPY_EXIT_OK)
			printf("imported %s into %s\n", abs, o.path);
		return code;
	}
	if (!strcmp(verb, "reset") && !arg) {
		code = live(&o, "baseline reset", 0);
		if (code != ESPY_EXIT_NODAEMON)
			return code;
		if (unlink(o.path) && errno != ENOENT) {
			fprintf(stderr, "espy baseline: removing %s: %s\n",
				o.path, strerror(errno));
			return espy_cli_exit_code(-errno);
		}
		printf("removed %s: espyd starts learning afresh\n", o.path);
		return ESPY_EXIT_OK;
	}
	usage(stderr);
	return ESPY_EXIT_USAGE;
}
