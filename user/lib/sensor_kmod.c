/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The kernel-module record source over /dev/espy (see sensor_kmod.h and
 * include/espy/ioctl.h for the device protocol).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/timerfd.h>

#include "sensor_kmod.h"
#include "espy/filter.h"

struct espy_kmod {
	int dev;		/* /dev/espy */
	int timer;		/* timerfd: bounds the record latency */
	int ep;			/* epoll set of both: what fd() hands out */
	espy_kmod_log_fn log;
	void *log_ctx;
	/* records read but not yet delivered (a callback stopped a drain) */
	unsigned char *buf;
	size_t len;
	size_t off;
	int nhooks;
	char hook_names[ESPY_KHOOK_MAX][ESPY_KHOOK_NAME_LEN + 8];
	struct espy_ioc_hooks hooks;
};

static void kmod_log(struct espy_kmod *k, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (k->log)
		k->log(k->log_ctx, msg);
	else
		fprintf(stderr, "espy-kmod: %s\n", msg);
}

static void kmod_free(struct espy_kmod *k)
{
	if (k->ep >= 0)
		close(k->ep);
	if (k->timer >= 0)
		close(k->timer);
	if (k->dev >= 0)
		close(k->dev);
	free(k->buf);
	free(k);
}

static int kmod_check_version(struct espy_kmod *k, const char *path)
{
	struct espy_ioc_version v;

	if (ioctl(k->dev, ESPY_IOC_VERSION, &v) < 0) {
		int err = -errno;

		kmod_log(k, "%s: version query failed: %s (not espy.ko?)",
			 path, strerror(errno));
		return err;
	}
	if (v.abi_version != ESPY_ABI_VERSION) {
		kmod_log(k, "%s: espy.ko speaks record ABI %u but this program "
			 "speaks ABI %u: load the espy.ko built from the same "
			 "source as espyd", path, v.abi_version,
			 ESPY_ABI_VERSION);
		return -EPROTO;
	}
	if (v.ioctl_version != ESPY_IOCTL_VERSION) {
		kmod_log(k, "%s: espy.ko has control interface %u but this "
			 "program expects %u: load the espy.ko built from the "
			 "same source as espyd", path, v.ioctl_version,
			 ESPY_IOCTL_VERSION);
		return -EPROTO;
	}
	return 0;
}

static int kmod_exclude(struct espy_kmod *k, pid_t tgid)
{
	struct espy_ioc_pids p = { .count = 1 };

	p.tgid[0] = tgid;
	return ioctl(k->dev, ESPY_IOC_SET_EXCLUDE, &p) < 0 ? -errno : 0;
}

static int kmod_load_hooks(struct espy_kmod *k)
{
	unsigned int i;

	if (ioctl(k->dev, ESPY_IOC_HOOKS, &k->hooks) < 0)
		return -errno;
	if (k->hooks.count > ESPY_KHOOK_MAX)
		k->hooks.count = ESPY_KHOOK_MAX;
	k->nhooks = k->hooks.count;
	for (i = 0; i < k->hooks.count; i++) {
		const char *name = k->hooks.hook[i].name;
		size_t n = strnlen(name, ESPY_KHOOK_NAME_LEN - 1);

		memcpy(k->hook_names[i], "kmod/", 5);
		memcpy(k->hook_names[i] + 5, name, n);
		k->hook_names[i][5 + n] = '\0';
	}
	return 0;
}

static int kmod_setup_poll(struct espy_kmod *k, unsigned int poll_ms)
{
	struct itimerspec its = { 0 };
	struct epoll_event ev = { .events = EPOLLIN };

	k->timer = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	k->ep = epoll_create1(EPOLL_CLOEXEC);
	if (k->timer < 0 || k->ep < 0)
		return -errno;
	its.it_interval.tv_sec = poll_ms / 1000;
	its.it_interval.tv_nsec = (long)(poll_ms % 1000) * 1000000L;
	its.it_value = its.it_interval;
	if (timerfd_settime(k->timer, 0, &its, NULL) < 0)
		return -errno;
	ev.data.fd = k->dev;
	if (epoll_ctl(k->ep, EPOLL_CTL_ADD, k->dev, &ev) < 0)
		return -errno;
	ev.data.fd = k->timer;
	if (epoll_ctl(k->ep, EPOLL_CTL_ADD, k->timer, &ev) < 0)
		return -errno;
	return 0;
}

int espy_kmod_open(struct espy_source *src, const struct espy_kmod_opts *opts)
{
	const char *path = opts && opts->dev_path ? opts->dev_path : ESPY_DEV_PATH;
	unsigned int poll_ms = opts && opts->poll_ms ? opts->poll_ms :
			       ESPY_KMOD_POLL_MS_DEFAULT;
	pid_t self = opts && opts->self_tgid ? opts->self_tgid : getpid();
	struct espy_kmod *k;
	int err;

	k = calloc(1, sizeof(*k));
	if (!k)
		return -ENOMEM;
	k->dev = k->timer = k->ep = -1;
	if (opts) {
		k->log = opts->log;
		k->log_ctx = opts->log_ctx;
	}
	/* ESPY_REC_MAX alignment keeps every record 8-byte aligned */
	k->buf = aligned_alloc(ESPY_REC_MAX, ESPY_KMOD_READ_BYTES);
	if (!k->buf) {
		err = -ENOMEM;
		goto free_kmod;
	}
	k->dev = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (k->dev < 0) {
		err = -errno;
		if (errno == ENOENT)
			kmod_log(k, "%s does not exist: load espy.ko first "
				 "(insmod espy.ko)", path);
		else if (errno == EBUSY)
			kmod_log(k, "%s is in use by another reader", path);
		else
			kmod_log(k, "cannot open %s: %s", path, strerror(errno));
		goto free_kmod;
	}
	err = kmod_check_version(k, path);
	if (err)
		goto free_kmod;
	err = kmod_exclude(k, self);
	if (err) {
		kmod_log(k, "cannot exclude pid %d: %s", (int)self,
			 strerror(-err));
		goto free_kmod;
	}
	err = kmod_load_hooks(k);
	if (err) {
		kmod_log(k, "cannot list hooks: %s", strerror(-err));
		goto free_kmod;
	}
	err = kmod_setup_poll(k, poll_ms);
	if (err) {
		kmod_log(k, "cannot set up polling: %s", strerror(-err));
		goto free_kmod;
	}
	src->ops = &espy_kmod_ops;
	src->priv = k;
	return 0;

free_kmod:
	kmod_free(k);
	return err;
}

static int kmod_fd(void *priv)
{
	struct espy_kmod *k = priv;

	return k->ep;
}

size_t espy_kmod_split(const void *buf, size_t len, size_t off,
		       espy_record_fn fn, void *ctx, int *delivered,
		       int *stopped)
{
	const unsigned char *b = buf;

	*stopped = 0;
	while (off < len) {
		const struct espy_hdr *h = (const void *)(b + off);
		size_t left = len - off, size;

		/*
		 * The module frames records; a frame that does not add up is
		 * handed over whole for the decoder to reject and count, and
		 * the rest of this read is given up: it cannot be re-framed.
		 */
		if (left < sizeof(*h) || h->size < sizeof(*h) || h->size > left) {
			(*delivered)++;
			if (fn(ctx, h, left) < 0)
				*stopped = 1;
			return len;
		}
		size = h->size;
		off += (size + 7) & ~(size_t)7;
		if (off > len)
			off = len;
		(*delivered)++;
		if (fn(ctx, h, size) < 0) {
			*stopped = 1;
			return off;
		}
	}
	return off;
}

/* Deliver the records left in k->buf; 1 when the callback stopped. */
static int kmod_deliver(struct espy_kmod *k, espy_record_fn fn, void *ctx,
			int *delivered)
{
	int stopped;

	k->off = espy_kmod_split(k->buf, k->len, k->off, fn, ctx, delivered,
				 &stopped);
	return stopped;
}

static int kmod_drain(void *priv, espy_record_fn fn, void *ctx)
{
	struct espy_kmod *k = priv;
	uint64_t ticks;
	int delivered = 0, reads;

	/* the timer only wakes the loop: clear it */
	while (read(k->timer, &ticks, sizeof(ticks)) > 0)
		;
	if (kmod_deliver(k, fn, ctx, &delivered))
		return delivered;
	/* bounded, so a flood cannot starve the rest of the loop */
	for (reads = 0; reads < 16; reads++) {
		ssize_t n = read(k->dev, k->buf, ESPY_KMOD_READ_BYTES);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				break;
			return delivered ? delivered : -errno;
		}
		if (n == 0)
			break;
		k->len = n;
		k->off = 0;
		if (kmod_deliver(k, fn, ctx, &delivered))
			break;
	}
	return delivered;
}

int espy_kmod_stats(struct espy_source *src, struct espy_ioc_stats *st)
{
	struct espy_kmod *k = src->priv;

	return ioctl(k->dev, ESPY_IOC_STATS, st) < 0 ? -errno : 0;
}

int espy_kmod_version(struct espy_source *src, struct espy_ioc_version *v)
{
	struct espy_kmod *k = src->priv;

	return ioctl(k->dev, ESPY_IOC_VERSION, v) < 0 ? -errno : 0;
}

static int kmod_drops(void *priv, uint64_t by_type[ESPY_EV_MAX])
{
	struct espy_source src = { .priv = priv };
	struct espy_ioc_stats st;
	int err, i;

	err = espy_kmod_stats(&src, &st);
	if (err)
		return err;
	for (i = 0; i < ESPY_EV_MAX; i++)
		by_type[i] = st.drops[i];
	/* a record lost to a re-entered probe has no type yet */
	by_type[ESPY_EV_NONE] += st.nested;
	return 0;
}

static int kmod_hooks(void *priv, struct espy_hook_status *out, int max)
{
	struct espy_kmod *k = priv;
	int i;

	for (i = 0; i < k->nhooks && i < max; i++) {
		out[i].name = k->hook_names[i];
		out[i].attached = !!k->hooks.hook[i].attached;
		out[i].err = k->hooks.hook[i].err;
	}
	return k->nhooks;
}

/* The eBPF sensors' keys (espy/filter.h), handed to the module as is. */
static int kmod_set_interest(void *priv, const char *const *prefixes,
			     int nprefix, const char *const *names, int nname)
{
	struct espy_kmod *k = priv;
	struct espy_filter_prefix_key *pk = NULL;
	struct espy_filter_name_key *nk = NULL;
	struct espy_ioc_filter f = { 0 };
	int i, err = 0;

	if (nprefix < 0 || nname < 0 || nprefix > ESPY_FILTER_PREFIX_ENTRIES ||
	    nname > ESPY_FILTER_NAME_ENTRIES)
		return -EINVAL;
	pk = calloc(nprefix ? nprefix : 1, sizeof(*pk));
	nk = calloc(nname ? nname : 1, sizeof(*nk));
	if (!pk || !nk) {
		err = -ENOMEM;
		goto out;
	}
	for (i = 0; i < nprefix; i++) {
		size_t len = strlen(prefixes[i]);

		if (!len || len > ESPY_FILTER_PREFIX_MAX) {
			err = -EINVAL;
			goto out;
		}
		pk[i].prefixlen = 8 * len;
		memcpy(pk[i].data, prefixes[i], len);
	}
	for (i = 0; i < nname; i++) {
		size_t len = strlen(names[i]);

		if (!len || len >= ESPY_FILTER_NAME_MAX) {
			err = -EINVAL;
			goto out;
		}
		memcpy(nk[i].name, names[i], len);
	}
	f.prefixes = (uintptr_t)pk;
	f.names = (uintptr_t)nk;
	f.nprefix = nprefix;
	f.nname = nname;
	if (ioctl(k->dev, ESPY_IOC_SET_FILTER, &f) < 0)
		err = -errno;
out:
	free(pk);
	free(nk);
	return err;
}

static void kmod_close(void *priv)
{
	kmod_free(priv);
}

const struct espy_source_ops espy_kmod_ops = {
	.name = "kmod",
	.fd = kmod_fd,
	.drain = kmod_drain,
	.drops = kmod_drops,
	.hooks = kmod_hooks,
	.set_interest = kmod_set_interest,
	.close = kmod_close,
};
