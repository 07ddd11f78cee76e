/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * espyd: load the sensors, read their records, write one ECS JSON line per
 * event.  Set-up order is the reverse of tear-down; every error on the way
 * up is explained on stderr and turned into an exit code here only.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "espyd.h"

static void usage(FILE *f)
{
	fprintf(f,
"Usage: espyd [OPTIONS]\n"
"Trace process, file and network activity and write one JSON event per line.\n"
"\n"
"  -f, --foreground        stay in the foreground, log to stderr\n"
"  -e, --events FILE       append ECS JSON Lines events to FILE (\"-\": stdout,\n"
"                          with -f) instead of log.file and log.stdout\n"
"  -d, --driver DRIVER     auto (eBPF, else the kernel module), bpf or kmod\n"
"  -c, --config FILE       configuration file (default " ESPY_CONFIG_PATH ";\n"
"                          without -c a missing default file means defaults)\n"
"      --metrics ADDR:PORT serve Prometheus metrics there (overrides\n"
"                          metrics.listen; \"off\" disables)\n"
"      --mode MODE         detection mode: learn, detect or auto (learn for\n"
"                          detection.learn_period, then detect); overrides\n"
"                          detection.mode\n"
"      --state-dir DIR     where the baseline is kept (default " ESPY_STATE_DIR ";\n"
"                          overrides daemon.state_dir)\n"
"      --record FILE       also write the raw record stream to FILE (zlib,\n"
"                          for `espy replay`)\n"
"      --check-config      check the configuration file and exit (0: valid)\n"
"      --print-config      print the configuration in force and exit\n"
"  -h, --help              show this help and exit\n"
"  -V, --version           show the version and exit\n"
"\n"
"espyd needs root.  SIGHUP reloads the configuration (a file with errors is\n"
"refused and the running one kept) and reopens the event logs; SIGTERM and\n"
"SIGINT stop it cleanly, logging the event and drop counts.  Exit status:\n"
"0 stopped cleanly, 1 failure (including an invalid configuration), 2 usage.\n"
"See espyd(8).\n");
}

static int parse_driver(const char *s, enum espy_driver *out)
{
	if (!strcmp(s, "auto"))
		*out = ESPY_DRIVER_AUTO;
	else if (!strcmp(s, "bpf"))
		*out = ESPY_DRIVER_BPF;
	else if (!strcmp(s, "kmod"))
		*out = ESPY_DRIVER_KMOD;
	else
		return -EINVAL;
	return 0;
}

/* 0: run; 1: exit 0 (help, version); 2: usage error */
static int parse_args(int argc, char **argv, struct espyd_opts *o)
{
	static const struct option longopts[] = {
		{ "foreground", no_argument, NULL, 'f' },
		{ "events", required_argument, NULL, 'e' },
		{ "driver", required_argument, NULL, 'd' },
		{ "config", required_argument, NULL, 'c' },
		{ "metrics", required_argument, NULL, 'M' },
		{ "check-config", no_argument, NULL, 'C' },
		{ "print-config", no_argument, NULL, 'P' },
		{ "mode", required_argument, NULL, 'm' },
		{ "state-dir", required_argument, NULL, 'S' },
		{ "record", required_argument, NULL, 'R' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "fe:d:c:hV", longopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			o->foreground = 1;
			break;
		case 'e':
			o->events = optarg;
			break;
		case 'd':
			if (parse_driver(optarg, &o->driver)) {
				fprintf(stderr, "espyd: --driver: '%s' is not "
					"one of auto, bpf, kmod\n", optarg);
				return 2;
			}
			o->driver_set = 1;
			break;
		case 'c':
			o->config = optarg;
			o->config_given = 1;
			break;
		case 'M':
			o->metrics = optarg;
			break;
		case 'C':
			o->check_config = 1;
			break;
		case 'P':
			o->print_config = 1;
			break;
		case 'm':
			o->mode = optarg;
			break;
		case 'S':
			o->state_dir = optarg;
			break;
		case 'R':
			o->record = optarg;
			break;
		case 'h':
			usage(stdout);
			return 1;
		case 'V':
			printf("espyd %s (record ABI %d)\n", ESPY_VERSION,
			       ESPY_ABI_VERSION);
			return 1;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "espyd: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	/* without --events: log.file and log.stdout of the configuration */
	if (!o->foreground && o->events && !strcmp(o->events, "-")) {
		fprintf(stderr, "espyd: --events - needs --foreground\n");
		return 2;
	}
	return 0;
}

static int open_outputs(struct espyd *d)
{
	struct espy_out_level lvl = { 0, 0 };
	int err;

	d->events_sink = -1;
	if (!d->o.events)
		return 0;
	err = espy_out_file_open(&d->events, d->o.events, &lvl);
	if (err) {
		fprintf(stderr, "espyd: cannot open %s: %s\n", d->o.events,
			strerror(-err));
		return err;
	}
	err = espy_pipeline_add_sink(d->pipe, "events", espy_out_file_sink,
				     d->events);
	if (err < 0) {
		espy_out_file_close(d->events);
		d->events = NULL;
		return err;
	}
	d->events_sink = err;
	return 0;
}

static void close_outputs(struct espyd *d)
{
	if (!d->events)
		return;
	espy_out_file_flush(d->events);
	espy_pipeline_del_sink(d->pipe, d->events_sink);
	espy_out_file_close(d->events);
	d->events = NULL;
}

static int run(struct espyd *d)
{
	struct espy_pipeline_opts po = { 0 };
	int err, n;

	d->detach_fd = -1;
	if (!d->o.foreground) {
		err = espyd_detach_begin(d);
		if (err) {
			fprintf(stderr, "espyd: cannot detach: %s\n",
				strerror(-err));
			goto out;
		}
	}
	po.self_tgid = getpid();
	po.resolve_names = 1;
	/* detection.max_processes: the process table and the engine's
	 * per-process state alike (a replay sizes both the same way) */
	po.proctab.max = d->cfg.detect.max_procs;
	err = espy_loop_init(&d->loop);
	if (err)
		goto out;
	err = espy_loop_signals(&d->loop);
	if (err)
		goto fini_loop;
	err = espy_pipeline_init(&d->pipe, &po);
	if (err)
		goto fini_loop;
	err = espyd_detection_start(d);
	if (err)
		goto stop_detection;
	err = open_outputs(d);
	if (err)
		goto stop_detection;
	err = espyd_source_open(d);
	if (err)
		goto close_outputs;
	/* Records queued since attach come first; then the /proc snapshot
	 * fills in every process older than the sensors. */
	espyd_stream_drain(d);
	n = espy_pipeline_snapshot(d->pipe, "/proc");
	if (n < 0) {
		err = n;
		fprintf(stderr, "espyd: cannot read /proc: %s\n", strerror(-n));
		goto close_source;
	}
	fprintf(stderr, "espyd: %d processes found in /proc\n", n);
	err = espyd_stream_start(d);
	if (err) {
		fprintf(stderr, "espyd: cannot start the event loop: %s\n",
			strerror(-err));
		goto close_source;
	}
	err = espyd_ops_start(d);
	if (err)
		goto stop_ops;
	err = espyd_detection_ops(d);
	if (err)
		goto stop_ops;
	fprintf(stderr, "espyd: running (pid %d)\n", getpid());
	espyd_detach_done(d, 0);
	err = espy_loop_run(&d->loop);
	espyd_stream_report(d, d->loop.last_signal ?
			    strsignal(d->loop.last_signal) : "stopped");
stop_ops:
	espyd_ops_stop(d);
close_source:
	espyd_source_close(d);
close_outputs:
	close_outputs(d);
stop_detection:
	espyd_detection_stop(d);
	espy_pipeline_fini(d->pipe);
fini_loop:
	espy_loop_fini(&d->loop);
out:
	espyd_detach_done(d, err);	/* a failed start: the parent exits 1 */
	return err;
}

int main(int argc, char **argv)
{
	struct espyd d;
	int r, err;

	memset(&d, 0, sizeof(d));
	r = parse_args(argc, argv, &d.o);
	if (r)
		return r == 1 ? 0 : 2;
	if (!d.o.config)
		d.o.config = ESPY_CONFIG_PATH;
	/* an invalid configuration stops espyd before anything starts */
	if (espyd_config_load(&d))
		return 1;
	if (d.o.check_config) {
		printf(access(d.o.config, F_OK) ? "%s: absent; the built-in defaults apply\n" :
		       "%s: configuration valid\n", d.o.config);
		return 0;
	}
	if (d.o.print_config)
		return espy_config_write(&d.cfg, stdout) ? 1 : 0;
	if (geteuid() != 0) {
		fprintf(stderr, "espyd: must run as root (loading eBPF programs "
			"or reading /dev/espy needs it)\n");
		return 1;
	}
	err = run(&d);
	return err ? 1 : 0;
}
