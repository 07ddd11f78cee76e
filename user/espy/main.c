/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * espy: the operator's command.  Dispatches to one subcommand per file
 * (cmd_*.c); exit codes are listed in cmds.h and espy(8).
 */
#include <stdio.h>
#include <string.h>

#include "cmds.h"
#include "espy/abi.h"

struct subcmd {
	const char *name;
	int (*fn)(int, char **);
	const char *summary;
};

static void usage(FILE *f, const struct subcmd *cmds, int n)
{
	fprintf(f,
"Usage: espy COMMAND [OPTIONS]\n"
"       espy --help | --version\n"
"\n"
"Operate espyd, the espy host intrusion monitor.\n"
"\n"
"Commands:\n");
	for (int i = 0; i < n; i++)
		fprintf(f, "  %-10s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(f,
"\n"
"Run 'espy COMMAND --help' for a command's options.  The control socket is\n"
"/run/espy/espyd.sock unless --socket or $ESPY_SOCKET says otherwise.\n"
"\n"
"Exit status: 0 success, 1 failure, 2 usage error, 3 espyd not running,\n"
"4 permission denied, 5 event stream ended (espyd stopped or cut us off).\n"
"See espy(8).\n");
}

int main(int argc, char **argv)
{
	const struct subcmd cmds[] = {
		{ "tail", cmd_tail, "follow events live from espyd, or from a log file" },
		{ "status", cmd_status, "show driver, hooks, mode, rates, baseline, uptime" },
		{ "baseline", cmd_baseline, "show, switch, export, import or reset the baseline" },
		{ "replay", cmd_replay, "score a recording offline" },
	};
	const int n = sizeof(cmds) / sizeof(cmds[0]);
	static char name[32];

	if (argc < 2) {
		usage(stderr, cmds, n);
		return ESPY_EXIT_USAGE;
	}
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help")) {
		usage(stdout, cmds, n);
		return ESPY_EXIT_OK;
	}
	if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "-V")) {
		printf("espy %s (record ABI %d)\n", ESPY_VERSION, ESPY_ABI_VERSION);
		return ESPY_EXIT_OK;
	}
	for (int i = 0; i < n; i++) {
		if (strcmp(argv[1], cmds[i].name))
			continue;
		/* getopt's messages then name the subcommand: "espy tail: ..." */
		snprintf(name, sizeof(name), "espy %s", cmds[i].name);
		argv[1] = name;
		return cmds[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "espy: unknown command '%s' (see espy --help)\n", argv[1]);
	return ESPY_EXIT_USAGE;
}
