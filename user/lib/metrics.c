/* SPDX-License-Identifier: GPL-2.0-only */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>

#include "bytebuf.h"
#include "config.h"
#include "ctl.h"
#include "metrics.h"
#include "output.h"
#include "pipeline.h"
#include "record.h"
#include "source.h"

#ifndef ESPY_VERSION
#define ESPY_VERSION "unknown"
#endif

/* ---- text writer --------------------------------------------------------- */

void espy_prom_init(struct espy_prom *p)
{
	memset(p, 0, sizeof(*p));
}

void espy_prom_fini(struct espy_prom *p)
{
	free(p->buf);
	memset(p, 0, sizeof(*p));
}

void espy_prom_reset(struct espy_prom *p)
{
	p->len = 0;
	p->err = 0;
}

static void put(struct espy_prom *p, const char *s, size_t n)
{
	if (p->err)
		return;
	if (p->len + n + 1 > p->cap) {
		char *nb = espy_grow(p->buf, &p->cap, p->len + n + 1, 16384);

		if (!nb) {
			p->err = -ENOMEM;
			return;
		}
		p->buf = nb;
	}
	memcpy(p->buf + p->len, s, n);
	p->len += n;
	p->buf[p->len] = '\0';
}

static void puts_(struct espy_prom *p, const char *s)
{
	put(p, s, strlen(s));
}

static void printf_(struct espy_prom *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

static void printf_(struct espy_prom *p, const char *fmt, ...)
{
	char buf[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(p, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1);
}

/* HELP text escapes \ and newline; label values also escape ". */
static void escaped(struct espy_prom *p, const char *s, int quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			puts_(p, "\\\\");
		else if (*s == '\n')
			puts_(p, "\\n");
		else if (quote && *s == '"')
			puts_(p, "\\\"");
		else
			put(p, s, 1);
	}
}

void espy_prom_family(struct espy_prom *p, const char *name, const char *type,
		      const char *help)
{
	puts_(p, "# HELP ");
	puts_(p, name);
	put(p, " ", 1);
	escaped(p, help, 0);
	puts_(p, "\n# TYPE ");
	puts_(p, name);
	put(p, " ", 1);
	puts_(p, type);
	put(p, "\n", 1);
}

static void labels(struct espy_prom *p, va_list ap)
{
	const char *k = va_arg(ap, const char *);
	int first = 1;

	while (k) {
		const char *v = va_arg(ap, const char *);

		put(p, first ? "{" : ",", 1);
		first = 0;
		puts_(p, k);
		puts_(p, "=\"");
		escaped(p, v ? v : "", 1);
		put(p, "\"", 1);
		k = va_arg(ap, const char *);
	}
	if (!first)
		put(p, "}", 1);
}

void espy_prom_u64(struct espy_prom *p, const char *name, uint64_t v, ...)
{
	va_list ap;

	puts_(p, name);
	va_start(ap, v);
	labels(p, ap);
	va_end(ap);
	printf_(p, " %llu\n", (unsigned long long)v);
}

static void single(struct espy_prom *p, const char *name, const char *type,
		   const char *help, uint64_t v)
{
	espy_prom_family(p, name, type, help);
	espy_prom_u64(p, name, v, NULL);
}

void espy_prom_counter(struct espy_prom *p, const char *name, const char *help,
		       uint64_t v)
{
	single(p, name, "counter", help, v);
}

void espy_prom_gauge(struct espy_prom *p, const char *name, const char *help,
		     uint64_t v)
{
	single(p, name, "gauge", help, v);
}

static void f64(struct espy_prom *p, double v)
{
	if (v != v)
		puts_(p, "NaN");
	else if (v > 1e308)
		puts_(p, "+Inf");
	else if (v < -1e308)
		puts_(p, "-Inf");
	else
		printf_(p, "%.17g", v);
}

void espy_prom_f64(struct espy_prom *p, const char *name, double v, ...)
{
	va_list ap;

	puts_(p, name);
	va_start(ap, v);
	labels(p, ap);
	va_end(ap);
	put(p, " ", 1);
	f64(p, v);
	put(p, "\n", 1);
}

/* ---- histograms ----------------------------------------------------------- */

void espy_hist_init(struct espy_hist *h, const double *le, int nb)
{
	memset(h, 0, sizeof(*h));
	if (nb > ESPY_HIST_MAX_BUCKETS)
		nb = ESPY_HIST_MAX_BUCKETS;
	h->nb = nb;
	memcpy(h->le, le, nb * sizeof(*le));
}

void espy_hist_observe(struct espy_hist *h, double v)
{
	int i;

	for (i = 0; i < h->nb; i++)
		if (v <= h->le[i])
			break;
	if (i < h->nb)
		h->count[i]++;
	else
		h->inf++;
	h->n++;
	h->sum += v;
}

void espy_prom_hist(struct espy_prom *p, const char *name, const char *help,
		    const struct espy_hist *h)
{
	char bname[128], le[32];
	uint64_t cum = 0;

	espy_prom_family(p, name, "histogram", help);
	snprintf(bname, sizeof(bname), "%s_bucket", name);
	for (int i = 0; i < h->nb; i++) {
		cum += h->count[i];
		snprintf(le, sizeof(le), "%g", h->le[i]);
		espy_prom_u64(p, bname, cum, "le", le, NULL);
	}
	espy_prom_u64(p, bname, cum + h->inf, "le", "+Inf", NULL);
	snprintf(bname, sizeof(bname), "%s_sum", name);
	espy_prom_f64(p, bname, h->sum, NULL);
	snprintf(bname, sizeof(bname), "%s_count", name);
	espy_prom_u64(p, bname, h->n, NULL);
}

/* ---- the event stream ------------------------------------------------------ */

static const double score_le[] = { 10, 20, 30, 40, 50, 60, 70, 80, 90, 100 };
static const double latency_le[] = {
	0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
};

void espy_metrics_init(struct espy_metrics *m)
{
	memset(m, 0, sizeof(*m));
	espy_hist_init(&m->stream.score, score_le,
		       sizeof(score_le) / sizeof(score_le[0]));
	espy_hist_init(&m->stream.latency, latency_le,
		       sizeof(latency_le) / sizeof(latency_le[0]));
}

int espy_metrics_add_extra(struct espy_metrics *m, espy_metrics_fn fn, void *ctx)
{
	if (m->nextra >= (int)(sizeof(m->extra) / sizeof(m->extra[0])))
		return -ENOSPC;
	m->extra[m->nextra].fn = fn;
	m->extra[m->nextra++].ctx = ctx;
	return 0;
}

static void count_alert(struct espy_metrics_stream *s, const char *tech, int sev)
{
	int i;

	for (i = 0; i < s->nalerts; i++)
		if (s->by_tech[i].severity == sev &&
		    (s->by_tech[i].technique == tech ||
		     !strcmp(s->by_tech[i].technique, tech)))
			break;
	if (i == s->nalerts) {
		if (s->nalerts == ESPY_METRICS_MAX_TECH) {
			s->tech_overflow++;
			return;
		}
		s->by_tech[i].technique = tech;
		s->by_tech[i].severity = sev;
		s->nalerts++;
	}
	s->by_tech[i].n++;
}

void espy_metrics_observe(struct espy_metrics_stream *s,
			  const struct espy_event *ev, uint64_t now_boot_ns)
{
	const struct espy_verdict *v = ev->verdict;
	int sev;

	if (!v)
		return;
	sev = v->severity <= ESPY_SEV_CRITICAL ? (int)v->severity : ESPY_SEV_CRITICAL;
	s->scored[sev]++;
	if (v->learning)
		s->learning++;
	if (v->after_drops)
		s->after_drops++;
	espy_hist_observe(&s->score, v->score);
	if (!v->alert)
		return;
	s->alerts++;
	if (v->ntech == 0)
		count_alert(s, "none", sev);
	for (int i = 0; i < v->ntech && i < ESPY_VERDICT_MAX_TECH; i++)
		count_alert(s, v->tech[i].id ? v->tech[i].id : "none", sev);
	if (ev->hdr && now_boot_ns >= ev->hdr->ts_ns)
		espy_hist_observe(&s->latency, (now_boot_ns - ev->hdr->ts_ns) / 1e9);
}

int espy_metrics_sink(void *ctx, const struct espy_event *ev, const char *json,
		      size_t len)
{
	struct espy_metrics *m = ctx;
	struct timespec ts = { 0, 0 };

	if (ev->verdict && ev->verdict->alert)
		clock_gettime(CLOCK_BOOTTIME, &ts);
	espy_metrics_observe(&m->stream, ev,
			     (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec);
	return 0;
}

/* ---- own process ------------------------------------------------------------ */

int espy_self_stats(struct espy_self_stats *s)
{
	char buf[1024], *p;
	unsigned long long utime, stime, starttime, vsize;
	long long rss;
	long tck = sysconf(_SC_CLK_TCK), page = sysconf(_SC_PAGESIZE);
	struct rlimit rl;
	struct timespec now, boot;
	DIR *d;
	FILE *f;
	size_t n;

	memset(s, 0, sizeof(*s));
	f = fopen("/proc/self/stat", "re");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	/* comm may hold spaces and parentheses: fields start after the last ')' */
	p = strrchr(buf, ')');
	if (!p || sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu "
			 "%*d %*d %*d %*d %*d %*d %llu %llu %lld",
			 &utime, &stime, &starttime, &vsize, &rss) != 5)
		return -EINVAL;
	s->cpu_seconds = (double)(utime + stime) / tck;
	s->rss_bytes = (uint64_t)rss * page;
	s->vsize_bytes = vsize;
	clock_gettime(CLOCK_REALTIME, &now);
	clock_gettime(CLOCK_BOOTTIME, &boot);
	s->start_time = (now.tv_sec + now.tv_nsec / 1e9) -
			(boot.tv_sec + boot.tv_nsec / 1e9) +
			(double)starttime / tck;
	d = opendir("/proc/self/fd");
	if (d) {
		while (readdir(d))
			s->open_fds++;
		closedir(d);
		s->open_fds -= s->open_fds >= 3 ? 3 : s->open_fds; /* ., .., the dir's fd */
	}
	if (!getrlimit(RLIMIT_NOFILE, &rl))
		s->max_fds = rl.rlim_cur;
	return 0;
}

/* ---- rendering ----------------------------------------------------------- */

static void render_process(struct espy_metrics *m, struct espy_prom *p)
{
	struct espy_self_stats s;
	char abi[16];

	snprintf(abi, sizeof(abi), "%d", ESPY_ABI_VERSION);
	espy_prom_family(p, "espy_build_info", "gauge",
			 "espyd version, record ABI and driver; always 1.");
	espy_prom_u64(p, "espy_build_info", 1, "version", ESPY_VERSION,
		      "abi", abi, "driver", m->driver ? m->driver : "none", NULL);
	if (espy_self_stats(&s))
		return;
	espy_prom_family(p, "process_cpu_seconds_total", "counter",
			 "User and system CPU time spent by espyd, in seconds.");
	espy_prom_f64(p, "process_cpu_seconds_total", s.cpu_seconds, NULL);
	espy_prom_gauge(p, "process_resident_memory_bytes",
			"Resident memory of espyd, in bytes.",
			s.rss_bytes);
	espy_prom_gauge(p, "process_virtual_memory_bytes",
			"Virtual memory of espyd, in bytes.",
			s.vsize_bytes);
	espy_prom_family(p, "process_start_time_seconds", "gauge",
			 "Start time of espyd since the Unix epoch, in seconds.");
	espy_prom_f64(p, "process_start_time_seconds", s.start_time, NULL);
	espy_prom_gauge(p, "process_open_fds",
			"File descriptors open in espyd.",
			s.open_fds);
	espy_prom_gauge(p, "process_max_fds",
			"Limit on open file descriptors of espyd.",
			s.max_fds);
}

static void render_pipeline(struct espy_metrics *m, struct espy_prom *p)
{
	const struct espy_pipeline_stats *st;
	struct espy_proctab_stats pt;

	if (!m->pipeline)
		return;
	st = espy_pipeline_stats(m->pipeline);
	espy_prom_counter(p, "espy_records_total",
			  "Raw records read from the driver (before decoding).",
			  st->records);
	espy_prom_family(p, "espy_events_total", "counter",
			 "Events decoded and processed, by record type.");
	for (unsigned int t = 0; t < ESPY_EV_MAX; t++) {
		const char *name = espy_rec_type_name(t);

		if (name)
			espy_prom_u64(p, "espy_events_total", st->by_type[t],
				      "type", name, NULL);
	}
	espy_prom_family(p, "espy_decode_errors_total", "counter",
			 "Records rejected by the decoder, by reason.");
	for (unsigned int r = 1; r < ESPY_DEC_NR; r++)
		espy_prom_u64(p, "espy_decode_errors_total", st->decode_by_reason[r],
			      "reason", espy_decode_err_name(r), NULL);
	espy_prom_family(p, "espy_pipeline_errors_total", "counter",
			 "Events that a pipeline stage could not handle (still emitted where possible), by stage.");
	espy_prom_u64(p, "espy_pipeline_errors_total", st->proc_errors, "stage", "proctab", NULL);
	espy_prom_u64(p, "espy_pipeline_errors_total", st->detect_errors, "stage", "detect", NULL);
	espy_prom_u64(p, "espy_pipeline_errors_total", st->encode_errors, "stage", "encode", NULL);
	espy_prom_u64(p, "espy_pipeline_errors_total", st->tap_errors, "stage", "record", NULL);
	espy_prom_counter(p, "espy_self_records_total",
			  "Records about espyd itself, discarded.",
			  st->self);
	espy_prom_family(p, "espy_sink_events_total", "counter",
			 "Event lines handed to each output sink.");
	for (int i = 0; i < ESPY_PIPE_MAX_SINKS; i++)
		if (st->sinks[i].name[0])
			espy_prom_u64(p, "espy_sink_events_total", st->sinks[i].events,
				      "sink", st->sinks[i].name, NULL);
	espy_prom_family(p, "espy_sink_errors_total", "counter",
			 "Event lines an output sink failed on.");
	for (int i = 0; i < ESPY_PIPE_MAX_SINKS; i++)
		if (st->sinks[i].name[0])
			espy_prom_u64(p, "espy_sink_errors_total", st->sinks[i].errors,
				      "sink", st->sinks[i].name, NULL);

	espy_proctab_stats(espy_pipeline_procs(m->pipeline), &pt);
	espy_prom_gauge(p, "espy_processes_tracked",
			"Processes in espyd's process table.",
			pt.entries);
	espy_prom_gauge(p, "espy_process_table_capacity",
			"Size bound of the process table.",
			pt.max);
	espy_prom_family(p, "espy_process_table_evictions_total", "counter",
			 "Process table entries evicted; state=live means the table is too small.");
	espy_prom_u64(p, "espy_process_table_evictions_total", pt.evicted_exited,
		      "state", "exited", NULL);
	espy_prom_u64(p, "espy_process_table_evictions_total", pt.evicted_live,
		      "state", "live", NULL);
}

static void render_source(struct espy_metrics *m, struct espy_prom *p)
{
	struct espy_source *src = m->source;
	uint64_t drops[ESPY_EV_MAX] = { 0 };
	struct espy_hook_status hooks[128];
	int n;

	if (!src || !src->ops)
		return;
	if (src->ops->drops && src->ops->drops(src->priv, drops) == 0) {
		espy_prom_family(p, "espy_kernel_drops_total", "counter",
				 "Records the kernel could not queue, by record type and reason.");
		for (unsigned int t = 0; t < ESPY_EV_MAX; t++) {
			const char *name = espy_rec_type_name(t);

			if (name && t != ESPY_EV_LOST && t != ESPY_EV_PROC &&
			    t != ESPY_EV_CTRL)
				espy_prom_u64(p, "espy_kernel_drops_total", drops[t],
					      "type", name, "reason", "buffer_full", NULL);
		}
	}
	if (src->ops->hooks) {
		n = src->ops->hooks(src->priv, hooks, 128);
		if (n > 128)
			n = 128;
		espy_prom_family(p, "espy_hook_attached", "gauge",
				 "Whether each kernel hook is attached (1) or not (0).");
		for (int i = 0; i < n; i++)
			espy_prom_u64(p, "espy_hook_attached", hooks[i].attached ? 1 : 0,
				      "hook", hooks[i].name ? hooks[i].name : "unknown",
				      NULL);
	}
}

static void render_stream(struct espy_metrics *m, struct espy_prom *p)
{
	const struct espy_metrics_stream *s = &m->stream;

	espy_prom_family(p, "espy_scored_events_total", "counter",
			 "Events scored by detection, by severity.");
	for (int i = 0; i <= ESPY_SEV_CRITICAL; i++)
		espy_prom_u64(p, "espy_scored_events_total", s->scored[i],
			      "severity", espy_conf_severity_name(i), NULL);
	espy_prom_family(p, "espy_alerts_total", "counter",
			 "Alerts raised, by ATT&CK technique and severity.");
	for (int i = 0; i < s->nalerts; i++)
		espy_prom_u64(p, "espy_alerts_total", s->by_tech[i].n,
			      "technique", s->by_tech[i].technique,
			      "severity", espy_conf_severity_name(s->by_tech[i].severity),
			      NULL);
	espy_prom_counter(p, "espy_alerts_uncounted_total",
			  "Alerts left out of espy_alerts_total: more technique and severity pairs than it keeps.",
			  s->tech_overflow);
	espy_prom_counter(p, "espy_events_after_drops_total",
			  "Scored events in sessions where the kernel had dropped records.",
			  s->after_drops);
	espy_prom_hist(p, "espy_event_score", "Score of each scored event (0-100).",
		       &s->score);
	espy_prom_hist(p, "espy_alert_latency_seconds",
		       "Time from the kernel event to the alert leaving espyd, in seconds.",
		       &s->latency);
}

static void render_outputs(struct espy_metrics *m, struct espy_prom *p)
{
	static const struct { const char *name, *help; } fam[] = {
		{ "espy_output_events_total", "Events written by each output." },
		{ "espy_output_filtered_total",
		  "Events below an output's minimum score or severity, not written." },
		{ "espy_output_errors_total",
		  "Events an output lost to write or send errors." },
	};
	const struct { const char *name; const struct espy_out_stats *st; } out[] = {
		{ "file", m->log_file ? espy_out_file_stats(m->log_file) : NULL },
		{ "stdout", m->log_stdout ? espy_out_file_stats(m->log_stdout) : NULL },
		{ "syslog", m->log_syslog ? espy_out_syslog_stats(m->log_syslog) : NULL },
	};

	if (!out[0].st && !out[1].st && !out[2].st)
		return;
	for (int f = 0; f < 3; f++) {
		espy_prom_family(p, fam[f].name, "counter", fam[f].help);
		for (int i = 0; i < 3; i++) {
			const struct espy_out_stats *st = out[i].st;

			if (st)
				espy_prom_u64(p, fam[f].name, f == 0 ? st->written :
					      f == 1 ? st->filtered : st->errors,
					      "output", out[i].name, NULL);
		}
	}
}

static void render_ctl(struct espy_metrics *m, struct espy_prom *p)
{
	const struct espy_ctl_stats *st;

	if (!m->ctl)
		return;
	st = espy_ctl_stats(m->ctl);
	espy_prom_gauge(p, "espy_control_clients",
			"Clients connected to the control socket.",
			st->clients);
	espy_prom_gauge(p, "espy_tail_clients",
			"Control clients subscribed to the event stream (espy tail).",
			st->subscribers);
	espy_prom_counter(p, "espy_tail_clients_cut_off_total",
			  "Clients cut off because they did not read their stream fast enough.",
			  st->cut_off);
	espy_prom_family(p, "espy_control_denied_total", "counter",
			 "Control connections refused, by reason.");
	espy_prom_u64(p, "espy_control_denied_total", st->denied, "reason", "credentials", NULL);
	espy_prom_u64(p, "espy_control_denied_total", st->refused_full, "reason", "too_many_clients", NULL);
	espy_prom_family(p, "espy_control_commands_total", "counter",
			 "Control commands received, by result.");
	espy_prom_u64(p, "espy_control_commands_total", st->commands - st->bad_commands,
		      "result", "ok", NULL);
	espy_prom_u64(p, "espy_control_commands_total", st->bad_commands,
		      "result", "error", NULL);
	espy_prom_counter(p, "espy_control_clients_dropped_total",
			  "Control clients dropped after too many bad commands.",
			  st->dropped_hostile);
}

int espy_metrics_render(struct espy_metrics *m, struct espy_prom *p)
{
	espy_prom_reset(p);
	render_process(m, p);
	render_pipeline(m, p);
	render_source(m, p);
	render_stream(m, p);
	render_outputs(m, p);
	render_ctl(m, p);
	espy_prom_family(p, "espy_config_reloads_total", "counter",
			 "Configuration reloads (SIGHUP), by result; a failed one keeps the old configuration.");
	espy_prom_u64(p, "espy_config_reloads_total", m->reloads_ok, "result", "ok", NULL);
	espy_prom_u64(p, "espy_config_reloads_total", m->reloads_failed, "result", "error", NULL);
	espy_prom_counter(p, "espy_metrics_scrapes_total",
			  "Requests for /metrics served.",
			  m->scrapes);
	espy_prom_counter(p, "espy_metrics_http_errors_total",
			  "Metrics requests answered with an error, timed out or refused.",
			  m->http_errors);
	for (int i = 0; i < m->nextra; i++)
		m->extra[i].fn(m->extra[i].ctx, p);
	return p->err;
}
