/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Driver choice: eBPF sensors (sensor_bpf.c) or the kernel module
 * (sensor_kmod.c).  "auto" tries eBPF first and falls back to the module.
 * A driver counts as working only when at least one hook attached.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "espyd.h"
#include "interest.h"

#if __has_include("sensor_bpf.h")
#include "sensor_bpf.h"
#define HAVE_BPF 1
#endif
#if __has_include("sensor_kmod.h")
#include "sensor_kmod.h"
#define HAVE_KMOD 1
#endif

#define BTF_PATH	"/sys/kernel/btf/vmlinux"

static int open_bpf(struct espyd *d)
{
	if (access(BTF_PATH, R_OK) < 0) {
		fprintf(stderr, "espyd: bpf: %s is missing: this kernel has no "
			"BTF (CONFIG_DEBUG_INFO_BTF), so the eBPF sensors cannot "
			"load; use --driver kmod\n", BTF_PATH);
		return -ENOENT;
	}
#ifdef HAVE_BPF
	{
		struct espy_bpf_opts bo = { 0 };
		int err;

		bo.self_tgid = getpid();
		err = espy_bpf_open(&d->src, &bo);
		if (err)
			fprintf(stderr, "espyd: bpf: cannot load the sensors: %s\n",
				strerror(-err));
		return err;
	}
#else
	fprintf(stderr, "espyd: bpf: this espyd was built without the eBPF "
		"sensors\n");
	return -EOPNOTSUPP;
#endif
}

static int open_kmod(struct espyd *d)
{
#ifdef HAVE_KMOD
	struct espy_kmod_opts ko = { 0 };
	int err;

	ko.self_tgid = getpid();
	err = espy_kmod_open(&d->src, &ko);
	if (err)
		fprintf(stderr, "espyd: kmod: cannot use /dev/espy: %s "
			"(is espy.ko loaded?)\n", strerror(-err));
	return err;
#else
	fprintf(stderr, "espyd: kmod: this espyd was built without the "
		"kernel-module driver\n");
	return -EOPNOTSUPP;
#endif
}

/* Count and log the hooks; refuse a source with none attached. */
static int check_hooks(struct espyd *d)
{
	struct espy_hook_status hs[ESPYD_MAX_HOOKS];
	int n, i, ok = 0, shown;

	if (!d->src.ops->hooks)
		return 0;
	n = d->src.ops->hooks(d->src.priv, hs, ESPYD_MAX_HOOKS);
	if (n < 0) {
		fprintf(stderr, "espyd: %s: cannot list hooks: %s\n",
			d->src.ops->name, strerror(-n));
		return n;
	}
	shown = n < ESPYD_MAX_HOOKS ? n : ESPYD_MAX_HOOKS;
	for (i = 0; i < shown; i++)
		ok += hs[i].attached ? 1 : 0;
	d->hooks_attached = ok;
	d->hooks_total = n;
	fprintf(stderr, "espyd: driver %s: %d of %d hooks attached\n",
		d->src.ops->name, ok, n);
	for (i = 0; i < shown; i++)
		if (!hs[i].attached)
			fprintf(stderr, "espyd:   not attached: %s (%s)\n",
				hs[i].name, strerror(-hs[i].err));
	if (!ok) {
		fprintf(stderr, "espyd: %s: no hook could attach\n",
			d->src.ops->name);
		return -ENODEV;
	}
	return 0;
}

static int try_driver(struct espyd *d, enum espy_driver drv)
{
	int err = drv == ESPY_DRIVER_KMOD ? open_kmod(d) : open_bpf(d);

	if (err)
		return err;
	d->have_src = 1;
	err = check_hooks(d);
	if (err) {
		espyd_source_close(d);
		return err;
	}
	return 0;
}

int espyd_source_open(struct espyd *d)
{
	int err;

	if (d->o.driver == ESPY_DRIVER_AUTO) {
		err = try_driver(d, ESPY_DRIVER_BPF);
		if (err) {
			fprintf(stderr, "espyd: eBPF unavailable, trying the "
				"kernel module\n");
			err = try_driver(d, ESPY_DRIVER_KMOD);
		}
	} else {
		err = try_driver(d, d->o.driver);
	}
	if (err) {
		fprintf(stderr, "espyd: no event source could start; not "
			"running\n");
		return err;
	}
	if (d->src.ops->set_interest) {
		err = d->src.ops->set_interest(d->src.priv,
					       espy_interest_prefixes,
					       espy_interest_nprefixes,
					       espy_interest_names,
					       espy_interest_nnames);
		if (err) {
			fprintf(stderr, "espyd: %s: cannot set the read-open "
				"filter: %s\n", d->src.ops->name, strerror(-err));
			espyd_source_close(d);
			return err;
		}
	}
	return 0;
}

void espyd_source_close(struct espyd *d)
{
	if (!d->have_src)
		return;
	d->src.ops->close(d->src.priv);
	d->have_src = 0;
	memset(&d->src, 0, sizeof(d->src));
}
