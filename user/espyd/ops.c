/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The operator surface of espyd: configuration (load, SIGHUP reload), the
 * configured outputs (log file, stdout, syslog), the control socket with
 * its commands, and the Prometheus endpoint.  Everything here hangs off
 * the one event loop; nothing blocks it.
 */
#include <errno.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include "espyd.h"
#include "ctl.h"
#include "detect.h"
#include "httpd.h"
#include "metrics.h"
#include "record.h"

#define RATE_SAMPLES	11	/* one a second: rates over the last 10 s */

struct rate_sample {
	uint64_t events, drops;
	double t;
};

struct espyd_ops {
	struct espyd *d;
	struct espy_metrics m;
	struct espy_ctl *ctl;
	struct espy_httpd *httpd;
	struct espy_out_file *log;	/* log.file */
	struct espy_out_file *out;	/* stdout */
	struct espy_out_syslog *sys;
	int log_sink, out_sink, sys_sink, ctl_sink, metrics_sink;
	char log_path[PATH_MAX];
	double started;
	struct rate_sample rs[RATE_SAMPLES];
	int nrs, rs_next;
	char last_error[4096];
	struct espy_detect *det;	/* NULL until detection is wired in */
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int espyd_config_load(struct espyd *d)
{
	char err[4096];
	int r;

	espy_config_defaults(&d->cfg);
	r = espy_config_load(&d->cfg, d->o.config, d->o.config_given ? 0 : 1,
			     err, sizeof(err));
	if (r) {
		fprintf(stderr, "espyd: invalid configuration, not starting:\n%s", err);
		return r;
	}
	return espyd_config_overrides(d, &d->cfg);
}

int espyd_config_overrides(struct espyd *d, struct espy_config *c)
{
	const struct { const char *opt, *key, *value; } ov[] = {
		{ "--metrics", "metrics.listen", d->o.metrics },
		{ "--mode", "detection.mode", d->o.mode },
		{ "--state-dir", "daemon.state_dir", d->o.state_dir },
	};
	char err[256];

	for (size_t i = 0; i < sizeof(ov) / sizeof(ov[0]); i++) {
		if (ov[i].value &&
		    espy_config_set(c, ov[i].key, ov[i].value, err, sizeof(err))) {
			fprintf(stderr, "espyd: %s: %s\n", ov[i].opt, err);
			return -EINVAL;
		}
	}
	if (!d->o.driver_set)
		d->o.driver = c->driver;
	return 0;
}

static struct espy_out_level level(int score, int sev)
{
	struct espy_out_level l = { .min_score = score, .min_severity = sev };

	return l;
}

/* ---- outputs ------------------------------------------------------------- */

static int want_stdout(const struct espyd *d, const struct espy_config *c)
{
	if (d->o.events)		/* --events chose the output */
		return 0;
	if (c->log_stdout == ESPY_AUTO)
		return d->o.foreground && isatty(STDOUT_FILENO);
	return c->log_stdout;
}

/* An output and its pipeline sink come and go together. */
static int file_start(struct espyd_ops *ops, struct espy_out_file **o,
		      int *sink, const char *name, const char *path,
		      const struct espy_out_level *lvl)
{
	int r = espy_out_file_open(o, path, lvl);

	if (r)
		return r;
	r = espy_pipeline_add_sink(ops->d->pipe, name, espy_out_file_sink, *o);
	if (r < 0) {
		espy_out_file_close(*o);
		*o = NULL;
		return r;
	}
	*sink = r;
	return 0;
}

static void file_stop(struct espyd_ops *ops, struct espy_out_file **o,
		      int *sink)
{
	if (*sink >= 0)
		espy_pipeline_del_sink(ops->d->pipe, *sink);
	espy_out_file_close(*o);
	*o = NULL;
	*sink = -1;
}

static int syslog_start(struct espyd_ops *ops, const struct espy_config *c,
			const struct espy_out_level *lvl)
{
	int r = espy_out_syslog_open(&ops->sys, c->syslog_target,
				     c->syslog_facility, lvl);

	if (r)
		return r;
	r = espy_pipeline_add_sink(ops->d->pipe, "syslog", espy_out_syslog_sink,
				   ops->sys);
	if (r < 0) {
		espy_out_syslog_close(ops->sys);
		ops->sys = NULL;
		return r;
	}
	ops->sys_sink = r;
	return 0;
}

static void syslog_stop(struct espyd_ops *ops)
{
	if (ops->sys_sink >= 0)
		espy_pipeline_del_sink(ops->d->pipe, ops->sys_sink);
	espy_out_syslog_close(ops->sys);
	ops->sys = NULL;
	ops->sys_sink = -1;
}

static void close_log(struct espyd_ops *ops)
{
	syslog_stop(ops);
	file_stop(ops, &ops->out, &ops->out_sink);
	file_stop(ops, &ops->log, &ops->log_sink);
}

/*
 * SIGHUP: reopen the outputs (logrotate moved the file) and take the new
 * settings, in place, so that their counters go on.  The log file comes
 * first: if the new one cannot be opened nothing has changed yet.
 */
static int apply_outputs(struct espyd_ops *ops, const struct espy_config *c)
{
	struct espyd *d = ops->d;
	struct espy_out_level ll = level(c->log_min_score, c->log_min_severity);
	struct espy_out_level sl = level(c->syslog_min_score, c->syslog_min_severity);
	int r;

	if (d->events)
		espy_out_file_set_level(d->events, &ll);
	if (!d->o.events && c->log_file[0]) {
		if (ops->log)
			r = espy_out_file_reopen(ops->log, c->log_file);
		else
			r = file_start(ops, &ops->log, &ops->log_sink, "log",
				       c->log_file, &ll);
		if (r) {
			snprintf(ops->last_error, sizeof(ops->last_error),
				 "cannot open the event log %.3000s: %s", c->log_file, strerror(-r));
			return r;
		}
		espy_out_file_set_level(ops->log, &ll);
	} else if (ops->log) {
		file_stop(ops, &ops->log, &ops->log_sink);
	}
	/* stdout and syslog are extras: without them espyd still runs */
	if (want_stdout(d, c) && !ops->out) {
		r = file_start(ops, &ops->out, &ops->out_sink, "stdout", "-", &ll);
		if (r)
			fprintf(stderr, "espyd: stdout output: %s (stdout off)\n",
				strerror(-r));
	} else if (!want_stdout(d, c) && ops->out) {
		file_stop(ops, &ops->out, &ops->out_sink);
	}
	if (ops->out)
		espy_out_file_set_level(ops->out, &ll);
	if (ops->sys && (!c->syslog_enabled || c->syslog_facility != d->cfg.syslog_facility ||
			 strcmp(c->syslog_target, d->cfg.syslog_target)))
		syslog_stop(ops);
	if (c->syslog_enabled && !ops->sys) {
		r = syslog_start(ops, c, &sl);
		if (r)
			fprintf(stderr, "espyd: syslog %s: %s (syslog off)\n",
				c->syslog_target, strerror(-r));
	}
	if (ops->sys)
		espy_out_syslog_set_level(ops->sys, &sl);
	ops->m.log_file = ops->log ? ops->log : d->events;
	ops->m.log_stdout = ops->out;
	ops->m.log_syslog = ops->sys;
	return 0;
}

/* ---- status ---------------------------------------------------------------- */

static void sample_rates(struct espyd_ops *ops)
{
	struct rate_sample *s = &ops->rs[ops->rs_next];

	s->events = espy_pipeline_stats(ops->d->pipe)->events;
	s->drops = ops->d->drops_total;
	s->t = mono_s();
	ops->rs_next = (ops->rs_next + 1) % RATE_SAMPLES;
	if (ops->nrs < RATE_SAMPLES)
		ops->nrs++;
}

static void rates(struct espyd_ops *ops, double *ev, double *dr, double *window)
{
	const struct rate_sample *newest, *oldest;

	*ev = *dr = *window = 0;
	if (ops->nrs < 2)
		return;
	newest = &ops->rs[(ops->rs_next + RATE_SAMPLES - 1) % RATE_SAMPLES];
	oldest = &ops->rs[ops->nrs < RATE_SAMPLES ? 0 : ops->rs_next];
	*window = newest->t - oldest->t;
	if (*window <= 0)
		return;
	*ev = (newest->events - oldest->events) / *window;
	*dr = (newest->drops - oldest->drops) / *window;
}

/* The metrics listener as host:port, [v6]:port for IPv6 */
static void metrics_addr(const struct espyd_ops *ops, char *buf, size_t len)
{
	const char *host = ops->d->cfg.metrics.host;

	snprintf(buf, len, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host,
		 espy_httpd_port(ops->httpd));
}

static void total_and_rate(struct espy_json *j, const char *k, uint64_t total,
			   double rate)
{
	espy_json_key(j, k);
	espy_json_obj_begin(j);
	espy_json_kv_u64(j, "total", total);
	espy_json_kv_double(j, "rate", rate, 1);
	espy_json_obj_end(j);
}

static void status_hooks(struct espy_json *j, struct espyd *d)
{
	struct espy_hook_status hs[ESPYD_MAX_HOOKS];
	int n = 0;

	if (d->have_src && d->src.ops->hooks)
		n = d->src.ops->hooks(d->src.priv, hs, ESPYD_MAX_HOOKS);
	if (n > ESPYD_MAX_HOOKS)
		n = ESPYD_MAX_HOOKS;
	espy_json_key(j, "hooks");
	espy_json_obj_begin(j);
	espy_json_kv_u64(j, "attached", d->hooks_attached);
	espy_json_kv_u64(j, "total", d->hooks_total);
	espy_json_key(j, "failed");
	espy_json_arr_begin(j);
	for (int i = 0; i < n; i++) {
		if (hs[i].attached)
			continue;
		espy_json_obj_begin(j);
		espy_json_kv_cstr(j, "name", hs[i].name);
		espy_json_kv_cstr(j, "error", strerror(-hs[i].err));
		espy_json_obj_end(j);
	}
	espy_json_arr_end(j);
	espy_json_obj_end(j);
}

static void status_detection(struct espy_json *j, struct espyd_ops *ops)
{
	struct espy_detect_stats ds;
	uint64_t entries = 0;

	if (!ops->det) {
		/* no detection stage in this espyd: the configured mode only */
		espy_json_kv_cstr(j, "mode", espy_conf_mode_name(ops->d->cfg.mode));
		return;
	}
	espy_detect_stats(ops->det, &ds);
	for (int i = 0; i < ESPY_BL_MAX_KINDS; i++)
		entries += ds.baseline_entries[i];
	espy_json_kv_cstr(j, "mode", espy_conf_mode_name(ds.mode));
	espy_json_kv_cstr(j, "configured_mode", espy_conf_mode_name(ds.configured));
	espy_json_kv_bool(j, "learning", ds.learning);
	espy_json_key(j, "baseline");
	espy_json_obj_begin(j);
	espy_json_kv_u64(j, "entries", entries);
	espy_json_kv_u64(j, "learned", ds.learned);
	espy_json_obj_end(j);
	espy_json_kv_u64(j, "sessions", ds.sessions);
	espy_json_kv_u64(j, "alerts", ds.alerts);
}

static int cmd_status(void *ctx, const char *args, struct espy_json *j,
		      char *err, size_t errlen)
{
	struct espyd_ops *ops = ctx;
	struct espyd *d = ops->d;
	const struct espy_pipeline_stats *st = espy_pipeline_stats(d->pipe);
	const struct espy_ctl_stats *cs = espy_ctl_stats(ops->ctl);
	const struct espy_out_file *lf = ops->log ? ops->log : d->events;
	const struct espy_out_stats *ls = lf ? espy_out_file_stats(lf) : NULL;
	struct espy_proctab_stats pt;
	double evr, drr, win;
	char addr[96] = "";

	if (*args) {
		snprintf(err, errlen, "status takes no arguments");
		return -EINVAL;
	}
	espy_json_kv_cstr(j, "version", ESPY_VERSION);
	espy_json_kv_u64(j, "pid", getpid());
	espy_json_kv_u64(j, "uptime_s", (uint64_t)(mono_s() - ops->started));
	espy_json_kv_cstr(j, "driver", d->have_src ? d->src.ops->name : "none");
	status_hooks(j, d);
	status_detection(j, ops);
	rates(ops, &evr, &drr, &win);
	espy_json_kv_u64(j, "rate_window_s", (uint64_t)(win + 0.5));
	total_and_rate(j, "events", st->events, evr);
	total_and_rate(j, "drops", d->drops_total, drr);
	espy_json_kv_u64(j, "decode_errors", st->decode_errors);
	espy_proctab_stats(espy_pipeline_procs(d->pipe), &pt);
	espy_json_kv_u64(j, "processes", pt.entries);
	espy_json_key(j, "tail");
	espy_json_obj_begin(j);
	espy_json_kv_u64(j, "clients", cs->subscribers);
	espy_json_kv_u64(j, "cut_off", cs->cut_off);
	espy_json_obj_end(j);
	espy_json_key(j, "log");
	espy_json_obj_begin(j);
	espy_json_kv_cstr(j, "file", lf ? espy_out_file_path(lf) : "");
	espy_json_kv_u64(j, "written", ls ? ls->written : 0);
	espy_json_kv_u64(j, "errors", ls ? ls->errors : 0);
	espy_json_obj_end(j);
	if (ops->httpd)
		metrics_addr(ops, addr, sizeof(addr));
	espy_json_kv_cstr(j, "metrics", addr);
	espy_json_key(j, "config");
	espy_json_obj_begin(j);
	espy_json_kv_cstr(j, "path", d->o.config);
	espy_json_kv_u64(j, "reloads", ops->m.reloads_ok + ops->m.reloads_failed);
	espy_json_kv_u64(j, "failed", ops->m.reloads_failed);
	espy_json_kv_cstr(j, "last_error", ops->last_error);
	espy_json_obj_end(j);
	return 0;
}

static int cmd_reload(void *ctx, const char *args, struct espy_json *j,
		      char *err, size_t errlen)
{
	struct espyd_ops *ops = ctx;
	uint64_t failed = ops->m.reloads_failed;

	espy_loop_reload(&ops->d->loop);
	espy_json_key(j, "reloaded");
	espy_json_bool(j, ops->m.reloads_failed == failed);
	if (ops->m.reloads_failed != failed) {
		snprintf(err, errlen, "%s", ops->last_error);
		return -EINVAL;
	}
	return 0;
}

/* ---- loop glue --------------------------------------------------------------- */

static void on_ctl(struct espy_loop *l, int fd, uint32_t events, void *ctx)
{
	espy_ctl_dispatch(ctx);
}

static int render(void *ctx, struct espy_prom *p)
{
	struct espyd_ops *ops = ctx;
	const struct espy_httpd_stats *hs = espy_httpd_stats(ops->httpd);

	/* this scrape is served only after the text is made: count it now */
	ops->m.scrapes = hs->scrapes + 1;
	ops->m.http_errors = hs->errors;
	return espy_metrics_render(&ops->m, p);
}

static void on_http(struct espy_loop *l, int fd, uint32_t events, void *ctx)
{
	espy_httpd_dispatch(ctx);
}

static void on_tick(struct espy_loop *l, uint64_t exp, void *ctx)
{
	struct espyd_ops *ops = ctx;

	sample_rates(ops);
	espy_out_file_flush(ops->log);
	if (ops->ctl)
		espy_ctl_tick(ops->ctl);
}

/* SIGHUP: a new configuration, or the old one and a log line saying why. */
static void on_reload(struct espy_loop *l, void *ctx)
{
	struct espyd_ops *ops = ctx;
	struct espyd *d = ops->d;
	struct espy_config c;
	char err[4096];
	int r;

	espy_config_defaults(&c);
	r = espy_config_load(&c, d->o.config, d->o.config_given ? 0 : 1, err, sizeof(err));
	if (!r)
		r = espyd_config_overrides(d, &c);
	if (r) {
		ops->m.reloads_failed++;
		snprintf(ops->last_error, sizeof(ops->last_error), "%s", err);
		/* one line per problem, then the verdict */
		fprintf(stderr, "espyd: reload: %s has errors:\n%s"
			"espyd: reload: keeping the previous configuration\n",
			d->o.config, err);
		return;
	}
	if (strcmp(c.ctl_socket, d->cfg.ctl_socket) || c.ctl_mode != d->cfg.ctl_mode ||
	    strcmp(c.ctl_group, d->cfg.ctl_group) ||
	    memcmp(&c.metrics, &d->cfg.metrics, sizeof(c.metrics)) ||
	    c.driver != d->cfg.driver || strcmp(c.state_dir, d->cfg.state_dir) ||
	    c.mode != d->cfg.mode || c.learn_period_s != d->cfg.learn_period_s ||
	    memcmp(&c.detect, &d->cfg.detect, sizeof(c.detect)))
		fprintf(stderr, "espyd: reload: changes to the control socket, metrics "
			"address, driver, state directory or [detection] take effect "
			"at the next start\n");
	r = apply_outputs(ops, &c);
	if (r) {
		ops->m.reloads_failed++;
		fprintf(stderr, "espyd: reload: %s; keeping the previous configuration\n",
			ops->last_error);
		return;
	}
	if (ops->ctl)
		espy_ctl_set_limits(ops->ctl, c.ctl_max_clients, c.ctl_client_buffer);
	/* keys that need a restart keep their running values */
	c.mode = d->cfg.mode;
	c.learn_period_s = d->cfg.learn_period_s;
	c.detect = d->cfg.detect;
	strcpy(c.ctl_socket, d->cfg.ctl_socket);
	c.ctl_mode = d->cfg.ctl_mode;
	strcpy(c.ctl_group, d->cfg.ctl_group);
	c.metrics = d->cfg.metrics;
	c.driver = d->cfg.driver;
	strcpy(c.state_dir, d->cfg.state_dir);
	d->cfg = c;
	ops->m.reloads_ok++;
	ops->last_error[0] = '\0';
	fprintf(stderr, "espyd: reload: configuration %s loaded\n", d->o.config);
}

static int start_ctl(struct espyd_ops *ops)
{
	struct espyd *d = ops->d;
	struct espy_ctl_opts co = {
		.path = d->cfg.ctl_socket,
		.mode = d->cfg.ctl_mode,
		.gid = (gid_t)-1,
		.max_clients = d->cfg.ctl_max_clients,
		.client_buffer = d->cfg.ctl_client_buffer,
		.host = espy_pipeline_host(d->pipe)->name,
	};
	char dir[PATH_MAX], *slash;
	int r;

	if (!d->cfg.ctl_socket[0])
		return 0;
	if (d->cfg.ctl_group[0]) {
		struct group *g = getgrnam(d->cfg.ctl_group);

		if (!g) {
			fprintf(stderr, "espyd: control.group: no group '%s'\n",
				d->cfg.ctl_group);
			return -ENOENT;
		}
		co.gid = g->gr_gid;
	}
	/* /run/espy: systemd's RuntimeDirectory makes it; by hand, we do */
	snprintf(dir, sizeof(dir), "%s", d->cfg.ctl_socket);
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		if (mkdir(dir, 0755) && errno != EEXIST) {
			r = -errno;
			fprintf(stderr, "espyd: cannot create %s: %s\n", dir, strerror(errno));
			return r;
		}
	}
	r = espy_ctl_open(&ops->ctl, &co);
	if (r) {
		fprintf(stderr, "espyd: control socket %s: %s%s\n", d->cfg.ctl_socket,
			strerror(-r), r == -EADDRINUSE ? " (is another espyd running?)" : "");
		return r;
	}
	r = espy_ctl_register(ops->ctl, "status",
			      "driver, hooks, mode, rates, baseline, uptime",
			      cmd_status, ops);
	if (!r)
		r = espy_ctl_register(ops->ctl, "reload",
				      "reload the configuration (as SIGHUP)",
				      cmd_reload, ops);
	if (!r)
		r = espy_loop_add(&d->loop, espy_ctl_fd(ops->ctl), EPOLLIN,
				  on_ctl, ops->ctl);
	if (!r) {
		ops->ctl_sink = espy_pipeline_add_sink(d->pipe, "tail",
						       espy_ctl_sink, ops->ctl);
		r = ops->ctl_sink < 0 ? ops->ctl_sink : 0;
	}
	if (r)
		fprintf(stderr, "espyd: control socket %s: cannot serve it: %s\n",
			d->cfg.ctl_socket, strerror(-r));
	return r;
}

static int start_metrics(struct espyd_ops *ops)
{
	struct espyd *d = ops->d;
	char addr[96];
	int r;

	ops->m.pipeline = d->pipe;
	ops->m.source = d->have_src ? &d->src : NULL;
	ops->m.driver = d->have_src ? d->src.ops->name : NULL;
	ops->m.ctl = ops->ctl;
	/* the outputs: apply_outputs() keeps them current */
	ops->metrics_sink = espy_pipeline_add_sink(d->pipe, "metrics",
						   espy_metrics_sink, &ops->m);
	if (ops->metrics_sink < 0) {
		fprintf(stderr, "espyd: metrics: %s\n", strerror(-ops->metrics_sink));
		return ops->metrics_sink;
	}
	if (!d->cfg.metrics.enabled)
		return 0;
	r = espy_httpd_open(&ops->httpd, &d->cfg.metrics, render, ops);
	if (r) {
		fprintf(stderr, "espyd: metrics listener %s:%u: %s\n", d->cfg.metrics.host,
			d->cfg.metrics.port, strerror(-r));
		return r;
	}
	metrics_addr(ops, addr, sizeof(addr));
	fprintf(stderr, "espyd: metrics at http://%s/metrics\n", addr);
	return espy_loop_add(&d->loop, espy_httpd_fd(ops->httpd), EPOLLIN, on_http,
			     ops->httpd);
}

int espyd_ops_start(struct espyd *d)
{
	struct espyd_ops *ops;
	int r;

	ops = calloc(1, sizeof(*ops));
	if (!ops)
		return -ENOMEM;
	d->ops = ops;
	ops->d = d;
	ops->ctl_sink = ops->metrics_sink = -1;
	ops->started = mono_s();
	espy_metrics_init(&ops->m);
	ops->log_sink = ops->out_sink = ops->sys_sink = -1;
	r = apply_outputs(ops, &d->cfg);
	if (r) {
		fprintf(stderr, "espyd: %s\n", ops->last_error);
		return r;
	}
	r = start_ctl(ops);
	if (r)
		return r;
	r = start_metrics(ops);
	if (r)
		return r;
	sample_rates(ops);
	r = espy_loop_add_timer(&d->loop, 1000000000ULL, 1000000000ULL, on_tick, ops);
	if (r >= 0)
		r = espy_loop_on_reload(&d->loop, on_reload, ops);
	if (r < 0) {
		fprintf(stderr, "espyd: cannot schedule rates and reloads: %s\n",
			strerror(-r));
		return r;
	}
	return 0;
}

void espyd_ops_stop(struct espyd *d)
{
	struct espyd_ops *ops = d->ops;

	if (!ops)
		return;
	if (ops->httpd) {
		espy_loop_del(&d->loop, espy_httpd_fd(ops->httpd));
		espy_httpd_close(ops->httpd);
	}
	if (ops->metrics_sink >= 0)
		espy_pipeline_del_sink(d->pipe, ops->metrics_sink);
	if (ops->ctl) {
		if (ops->ctl_sink >= 0)
			espy_pipeline_del_sink(d->pipe, ops->ctl_sink);
		espy_loop_del(&d->loop, espy_ctl_fd(ops->ctl));
		/* the last events reach every `espy tail`, in whole lines */
		espy_ctl_shutdown(ops->ctl, ESPYD_CTL_FLUSH_MS);
		espy_ctl_close(ops->ctl);
	}
	close_log(ops);
	free(ops);
	d->ops = NULL;
}

void espyd_ops_flush(struct espyd *d)
{
	if (d->ops)
		espy_out_file_flush(d->ops->log);
}

int espyd_ops_set_detect(struct espyd *d, struct espy_detect *det)
{
	if (!d->ops)
		return -EINVAL;
	d->ops->det = det;
	return espy_metrics_add_extra(&d->ops->m, espy_metrics_detect, det);
}

struct espy_ctl *espyd_ctl(struct espyd *d)
{
	return d->ops ? d->ops->ctl : NULL;
}

struct espy_metrics *espyd_metrics(struct espyd *d)
{
	return d->ops ? &d->ops->m : NULL;
}
