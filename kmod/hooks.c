// SPDX-License-Identifier: GPL-2.0-only
/*
 * Tracepoint hooks.  sys_exit and sched_process_* are not
 * exported to modules, so they are found by name among the kernel's
 * tracepoints and registered with tracepoint_probe_register().  A hook
 * that cannot be found or registered is reported, not fatal: the others
 * still serve.
 */
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/tracepoint.h>

#include "espy.h"

int espy_active;

struct espy_hook {
	const char *name;
	void *probe;
	struct tracepoint *tp;
	int err;
	bool attached;
};

static struct espy_hook espy_hooks[] = {
	{ .name = "sched_process_exec", .probe = espy_probe_exec },
	{ .name = "sched_process_fork", .probe = espy_probe_fork },
	{ .name = "sched_process_exit", .probe = espy_probe_exit },
	{ .name = "sys_exit", .probe = espy_probe_sys_exit },
	{ .name = "inet_sock_set_state", .probe = espy_probe_sock_state },
};

static_assert(ARRAY_SIZE(espy_hooks) <= ESPY_KHOOK_MAX);

static void espy_hook_match(struct tracepoint *tp, void *priv)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(espy_hooks); i++)
		if (!strcmp(tp->name, espy_hooks[i].name))
			espy_hooks[i].tp = tp;
}

int espy_hooks_init(void)
{
	size_t i, attached = 0;

	for_each_kernel_tracepoint(espy_hook_match, NULL);
	for (i = 0; i < ARRAY_SIZE(espy_hooks); i++) {
		struct espy_hook *h = &espy_hooks[i];

		if (!h->tp) {
			h->err = -ENOENT;
			pr_warn("espy: tracepoint %s not found\n", h->name);
			continue;
		}
		h->err = tracepoint_probe_register(h->tp, h->probe, NULL);
		if (h->err) {
			pr_warn("espy: tracepoint %s: register failed (%d)\n",
				h->name, h->err);
			continue;
		}
		h->attached = true;
		attached++;
	}
	if (!attached)
		return -ENOENT;
	return 0;
}

void espy_hooks_exit(void)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(espy_hooks); i++) {
		struct espy_hook *h = &espy_hooks[i];

		if (!h->attached)
			continue;
		WARN_ON(tracepoint_probe_unregister(h->tp, h->probe, NULL));
		h->attached = false;
	}
	/* No probe may still be running once this returns. */
	tracepoint_synchronize_unregister();
}

void espy_hooks_status(struct espy_ioc_hooks *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	out->count = ARRAY_SIZE(espy_hooks);
	for (i = 0; i < ARRAY_SIZE(espy_hooks); i++) {
		strscpy(out->hook[i].name, espy_hooks[i].name,
			sizeof(out->hook[i].name));
		out->hook[i].err = espy_hooks[i].err;
		out->hook[i].attached = espy_hooks[i].attached;
	}
}
