/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The record stream: the source's fd and a short timer both drain the ring
 * into the pipeline (the sensors batch their wakeups, so the timer bounds
 * the latency), and a slower timer turns growth of the kernel's drop
 * counters into ESPY_EV_LOST records in the stream.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "espyd.h"
#include "record.h"

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void poll_drops(struct espyd *d)
{
	uint64_t cur[ESPY_EV_MAX] = { 0 }, delta[ESPY_EV_MAX];
	uint64_t sum;
	int err;

	if (!d->src.ops->drops)
		return;
	err = d->src.ops->drops(d->src.priv, cur);
	if (err < 0) {
		/* said once per new error, like a failed drain */
		if (err != d->drops_err)
			fprintf(stderr, "espyd: %s: reading the drop counters "
				"failed: %s\n", d->src.ops->name, strerror(-err));
		d->drops_err = err;
		return;
	}
	d->drops_err = 0;
	sum = espy_drops_delta(d->drops_seen, cur, delta);
	if (!sum)
		return;
	if (!d->drops_total)
		fprintf(stderr, "espyd: the kernel dropped %llu records (ring "
			"buffer full); reported as records_lost events\n",
			(unsigned long long)sum);
	d->drops_total += sum;
	espy_pipeline_lost(d->pipe, delta, boot_ns());
}

void espyd_stream_drain(struct espyd *d)
{
	int n;

	if (!d->have_src)
		return;
	d->drains++;
	n = d->src.ops->drain(d->src.priv, espy_pipeline_record_cb, d->pipe);
	if (n < 0 && n != -EAGAIN && n != -EINTR) {
		/* said once per new error, not every 100 ms */
		if (n != d->drain_err)
			fprintf(stderr, "espyd: %s: reading records failed: %s\n",
				d->src.ops->name, strerror(-n));
		d->drain_errors++;
		d->drain_err = n;
	} else {
		d->drain_err = 0;
	}
	espy_out_file_flush(d->events);
	espyd_ops_flush(d);
}

static void on_ready(struct espy_loop *l, int fd, uint32_t events, void *ctx)
{
	espyd_stream_drain(ctx);
}

static void on_drain_timer(struct espy_loop *l, uint64_t exp, void *ctx)
{
	espyd_stream_drain(ctx);
}

/*
 * Wall time = boot time + an offset measured at start.  Recordings keep that
 * offset so that replays print the same timestamps; it is changed only when
 * the wall clock was stepped (NTP's first sync after boot, an admin), not
 * for the slow drift of slewing.
 */
#define CLOCK_STEP_NS	1000000000LL

static void check_clock(struct espyd *d)
{
	int64_t old = espy_pipeline_clock_offset(d->pipe), now;

	espy_pipeline_sync_clock(d->pipe);
	now = espy_pipeline_clock_offset(d->pipe);
	if (now - old > CLOCK_STEP_NS || old - now > CLOCK_STEP_NS) {
		fprintf(stderr, "espyd: the wall clock stepped by %+.3f s; "
			"timestamps follow it from now on\n",
			(now - old) / 1e9);
		return;
	}
	espy_pipeline_set_clock_offset(d->pipe, old);
}

static void on_drops_timer(struct espy_loop *l, uint64_t exp, void *ctx)
{
	struct espyd *d = ctx;

	if (++d->ticks % 60 == 0)
		check_clock(d);
	poll_drops(d);
	espy_out_file_flush(d->events);
}

/* SIGHUP: logrotate moved the event log away */
static void on_reload(struct espy_loop *l, void *ctx)
{
	struct espyd *d = ctx;
	int err;

	if (d->events) {
		err = espy_out_file_reopen(d->events, NULL);
		if (err)
			fprintf(stderr, "espyd: cannot reopen %s: %s\n",
				espy_out_file_path(d->events), strerror(-err));
	}
	espy_pipeline_flush_names(d->pipe);
	check_clock(d);
}

/* The loop is stopping: take in what is still queued, and the last drops. */
static void on_stop(struct espy_loop *l, void *ctx)
{
	struct espyd *d = ctx;

	espyd_stream_drain(d);
	poll_drops(d);
	espy_out_file_flush(d->events);
}

int espyd_stream_start(struct espyd *d)
{
	uint64_t ms = d->o.drain_ms ? d->o.drain_ms : ESPYD_DRAIN_MS;
	int fd, err;

	fd = d->src.ops->fd ? d->src.ops->fd(d->src.priv) : -1;
	if (fd >= 0) {
		err = espy_loop_add(&d->loop, fd, EPOLLIN, on_ready, d);
		if (err)
			return err;
	}
	err = espy_loop_add_timer(&d->loop, ms * 1000000ULL, ms * 1000000ULL,
				  on_drain_timer, d);
	if (err < 0)
		return err;
	err = espy_loop_add_timer(&d->loop, ESPYD_DROPS_MS * 1000000ULL,
				  ESPYD_DROPS_MS * 1000000ULL, on_drops_timer, d);
	if (err < 0)
		return err;
	err = espy_loop_on_reload(&d->loop, on_reload, d);
	if (err)
		return err;
	return espy_loop_on_stop(&d->loop, on_stop, d);
}

void espyd_stream_report(struct espyd *d, const char *why)
{
	const struct espy_pipeline_stats *st = espy_pipeline_stats(d->pipe);
	uint64_t drops = 0;
	int i, first = 1;

	for (i = 0; i < ESPY_EV_MAX; i++)
		drops += d->drops_seen[i];
	fprintf(stderr, "espyd: %s: %llu events, %llu records read, "
		"%llu malformed, %llu dropped by the kernel",
		why, (unsigned long long)st->events,
		(unsigned long long)st->records,
		(unsigned long long)st->decode_errors,
		(unsigned long long)drops);
	for (i = 0; i < ESPY_EV_MAX; i++) {
		const char *n = espy_rec_type_name(i);

		if (!d->drops_seen[i])
			continue;
		fprintf(stderr, "%s%s=%llu", first ? " (" : ", ",
			n ? n : "?", (unsigned long long)d->drops_seen[i]);
		first = 0;
	}
	fprintf(stderr, "%s\n", first ? "" : ")");
	for (i = 0; i < ESPY_DEC_NR; i++)
		if (st->decode_by_reason[i])
			fprintf(stderr, "espyd:   malformed %s: %llu\n",
				espy_decode_err_name(i),
				(unsigned long long)st->decode_by_reason[i]);
	for (i = 0; i < ESPY_PIPE_MAX_SINKS; i++)
		if (st->sinks[i].name[0] && st->sinks[i].errors)
			fprintf(stderr, "espyd:   output %s: %llu write errors "
				"(last: %s)\n", st->sinks[i].name,
				(unsigned long long)st->sinks[i].errors,
				strerror(-st->sinks[i].last_err));
}
