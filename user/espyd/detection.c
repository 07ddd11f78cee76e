/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * espyd's detection glue: the engine as the pipeline's detection stage,
 * its baseline loaded from and saved to the state directory (periodically
 * and on exit), the `baseline` control command, and `--record FILE`.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "espyd.h"
#include "ctl.h"
#include "detect.h"
#include "record.h"
#include "recording.h"

#define SAVE_EVERY_S	300
#define REC_FLUSH_MS	1000

struct espyd_det {
	struct espy_detect *det;
	struct espy_rec_writer *rec;
	char state_dir[PATH_MAX];
	uint64_t saves, save_errors;
};

static uint64_t boot_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static int save(struct espyd *d, const char *why)
{
	struct espyd_det *x = d->det;
	int err = espy_detect_save(x->det, x->state_dir);

	if (err) {
		x->save_errors++;
		fprintf(stderr, "espyd: saving the baseline to %s (%s): %s\n",
			x->state_dir, why, strerror(-err));
		return err;
	}
	x->saves++;
	return 0;
}

static void on_save_timer(struct espy_loop *l, uint64_t exp, void *ctx)
{
	save(ctx, "periodic");
}

static void on_flush_timer(struct espy_loop *l, uint64_t exp, void *ctx)
{
	struct espyd *d = ctx;

	if (d->det->rec && espy_rec_flush(d->det->rec))
		fprintf(stderr, "espyd: writing the recording failed\n");
}

/*
 * An operator's change goes through the record stream: the detection
 * engine applies it where it sits, and a recording keeps it there, so
 * that a replay scores as this daemon did.
 */
static int feed_ctrl(struct espyd *d, uint32_t op, uint32_t arg)
{
	struct espy_ctrl c;

	espy_ctrl_init(&c, boot_ns(), op, arg);
	return espy_pipeline_feed(d->pipe, &c, sizeof(c));
}

static int open_recording(struct espyd *d)
{
	struct espy_rec_info info = { 0 };
	int err;

	info.abi_version = ESPY_ABI_VERSION;
	info.clock_offset_ns = espy_pipeline_clock_offset(d->pipe);
	info.start_ts_ns = boot_ns();
	espy_rec_info_local(&info);
	snprintf(info.hostname, sizeof(info.hostname), "%s",
		 espy_pipeline_host(d->pipe)->name);
	snprintf(info.host_id, sizeof(info.host_id), "%s",
		 espy_pipeline_host(d->pipe)->id);
	err = espy_rec_writer_open(&d->det->rec, d->o.record, &info, 0);
	if (err) {
		fprintf(stderr, "espyd: --record %s: %s\n", d->o.record,
			strerror(-err));
		return err;
	}
	/* everything fed from now on, the /proc snapshot first */
	espy_pipeline_set_tap(d->pipe, espy_rec_tap, d->det->rec);
	err = espy_loop_add_timer(&d->loop, REC_FLUSH_MS * 1000000ULL,
				  REC_FLUSH_MS * 1000000ULL, on_flush_timer, d);
	return err < 0 ? err : 0;
}

int espyd_detection_start(struct espyd *d)
{
	struct espy_detect_config c;
	struct espyd_det *x;
	char msg[3 * PATH_MAX];
	int err;

	x = calloc(1, sizeof(*x));
	if (!x)
		return -ENOMEM;
	d->det = x;
	snprintf(x->state_dir, sizeof(x->state_dir), "%s", d->cfg.state_dir);
	espy_config_detect(&d->cfg, &c);
	err = espy_detect_new(&x->det, &c);
	if (err) {
		fprintf(stderr, "espyd: cannot set up detection: %s\n",
			strerror(-err));
		return err;
	}
	err = espy_detect_load(x->det, x->state_dir, 0, msg, sizeof(msg));
	if (err == -ENOENT)
		fprintf(stderr, "espyd: no baseline in %s yet: starting to learn\n",
			x->state_dir);
	else if (err == -EBADMSG)
		fprintf(stderr, "espyd: baseline damaged, starting empty: %s\n",
			msg);
	else if (err)
		fprintf(stderr, "espyd: cannot read the baseline in %s: %s\n",
			x->state_dir, msg);
	/* a state directory we cannot use is found now, not at exit */
	err = save(d, "start");
	if (err)
		return err;
	espy_detect_attach(x->det, espy_pipeline_procs(d->pipe));
	espy_pipeline_set_detect(d->pipe, espy_detect_event, x->det);
	fprintf(stderr, "espyd: detection %s (configured %s), baseline in %s\n",
		espy_conf_mode_name(espy_detect_mode(x->det)),
		espy_conf_mode_name(d->cfg.mode), x->state_dir);
	err = espy_loop_add_timer(&d->loop, SAVE_EVERY_S * 1000000000ULL,
				  SAVE_EVERY_S * 1000000000ULL, on_save_timer, d);
	if (err < 0)
		return err;
	if (d->o.record)
		return open_recording(d);
	return 0;
}

/* ---- the `baseline` control command ------------------------------------ */

static void describe(struct espyd *d, struct espy_json *j)
{
	const struct espy_baseline *bl = espy_detect_baseline(d->det->det);
	struct espy_detect_stats st;
	int i;

	espy_detect_stats(d->det->det, &st);
	espy_json_key(j, "mode");
	espy_json_cstring(j, espy_conf_mode_name(st.mode));
	espy_json_key(j, "configured_mode");
	espy_json_cstring(j, espy_conf_mode_name(st.configured));
	espy_json_key(j, "state_dir");
	espy_json_cstring(j, d->det->state_dir);
	espy_json_key(j, "created");
	espy_json_u64(j, bl->created_s);
	espy_json_key(j, "updated");
	espy_json_u64(j, bl->updated_s);
	espy_json_key(j, "saves");
	espy_json_u64(j, d->det->saves);
	espy_json_key(j, "save_errors");
	espy_json_u64(j, d->det->save_errors);
	espy_json_key(j, "kinds");
	espy_json_obj_begin(j);
	for (i = 0; i < bl->nkinds; i++) {
		espy_json_key(j, bl->k[i].name);
		espy_json_obj_begin(j);
		espy_json_key(j, "entries");
		espy_json_u64(j, bl->k[i].used);
		espy_json_key(j, "observations");
		espy_json_u64(j, bl->k[i].observations);
		espy_json_key(j, "evictions");
		espy_json_u64(j, bl->k[i].evictions);
		espy_json_obj_end(j);
	}
	espy_json_obj_end(j);
}

static int cmd_baseline(void *ctx, const char *args, struct espy_json *reply,
			char *err, size_t errlen)
{
	struct espyd *d = ctx;
	struct espy_detect *det = d->det->det;
	char msg[3 * PATH_MAX];
	int r = 0;

	while (*args == ' ')
		args++;
	if (!*args || !strcmp(args, "show")) {
		describe(d, reply);
		return 0;
	}
	if (!strcmp(args, "learn") || !strcmp(args, "detect") ||
	    !strcmp(args, "auto")) {
		enum espy_mode m = args[0] == 'l' ? ESPY_MODE_LEARN :
				   args[0] == 'd' ? ESPY_MODE_DETECT :
				   ESPY_MODE_AUTO;

		/* enum espy_ctrl_mode has enum espy_mode's values */
		r = feed_ctrl(d, ESPY_CTRL_MODE, m);
		if (r)
			goto refused;
		fprintf(stderr, "espyd: detection mode set to %s at run time\n",
			args);
	} else if (!strcmp(args, "save")) {
		/* nothing more: saved below */
	} else if (!strcmp(args, "reset")) {
		r = feed_ctrl(d, ESPY_CTRL_BASELINE_RESET, 0);
		if (r)
			goto refused;
		fprintf(stderr, "espyd: baseline reset at run time\n");
	} else if (!strncmp(args, "import ", 7)) {
		r = espy_detect_import(det, args + 7, msg, sizeof(msg));
		if (r) {
			snprintf(err, errlen, "import refused: %s", msg);
			return r;
		}
		/* the stream only says where: a replay warns */
		feed_ctrl(d, ESPY_CTRL_BASELINE_IMPORT, 0);
		fprintf(stderr, "espyd: baseline imported from %s\n", args + 7);
	} else {
		snprintf(err, errlen, "usage: baseline [show|learn|detect|auto|save|reset|import PATH]");
		return -EINVAL;
	}
	r = save(d, args);
	if (r) {
		snprintf(err, errlen, "saving to %s: %s", d->det->state_dir,
			 strerror(-r));
		return r;
	}
	describe(d, reply);
	return 0;
refused:
	snprintf(err, errlen, "cannot apply: %s", strerror(-r));
	return r;
}

int espyd_detection_ops(struct espyd *d)
{
	struct espy_ctl *ctl = espyd_ctl(d);
	int err;

	err = espyd_ops_set_detect(d, d->det->det);
	if (err)
		return err;
	if (!ctl)
		return 0;
	return espy_ctl_register(ctl, "baseline",
				 "show, learn, detect, auto, save, reset, import PATH",
				 cmd_baseline, d);
}

void espyd_detection_stop(struct espyd *d)
{
	struct espyd_det *x = d->det;
	int err;

	if (!x)
		return;
	if (x->rec) {
		espy_pipeline_set_tap(d->pipe, NULL, NULL);
		err = espy_rec_writer_close(x->rec);
		if (err)
			fprintf(stderr, "espyd: the recording %s is incomplete: %s\n",
				d->o.record, strerror(-err));
	}
	if (x->det) {
		save(d, "exit");
		espy_pipeline_set_detect(d->pipe, NULL, NULL);
		espy_detect_free(x->det);
	}
	free(x);
	d->det = NULL;
}
