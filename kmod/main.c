// SPDX-License-Identifier: GPL-2.0-only
/*
 * espy.ko: the kernel-module driver of espy.  It emits the records of
 * include/espy/abi.h, as the eBPF sensors do, for kernels where eBPF cannot
 * serve, and hands them to espyd through /dev/espy.
 */
#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "espy.h"

unsigned int espy_buf_kib = 2048;
module_param_named(buf_kib, espy_buf_kib, uint, 0444);
MODULE_PARM_DESC(buf_kib, "Record buffer per CPU in KiB (power of two, >= 64; default 2048)");

unsigned int espy_wakeup_kib = 64;
module_param_named(wakeup_kib, espy_wakeup_kib, uint, 0444);
MODULE_PARM_DESC(wakeup_kib, "Wake a sleeping reader once this many KiB wait on a CPU (0: every record; default 64)");

static int __init espy_init(void)
{
	int err;

	espy_net_init();
	err = espy_rings_init();
	if (err)
		return err;
	err = espy_cfg_init();
	if (err)
		goto free_rings;
	err = espy_hooks_init();
	if (err)
		goto free_cfg;
	err = espy_dev_init();
	if (err)
		goto unregister_hooks;
	pr_info("espy: loaded, ABI %d, %u KiB buffer per CPU\n",
		ESPY_ABI_VERSION, espy_buf_kib);
	return 0;

unregister_hooks:
	espy_hooks_exit();
free_cfg:
	espy_cfg_exit();
free_rings:
	espy_rings_exit();
	return err;
}

static void __exit espy_exit(void)
{
	espy_dev_exit();
	espy_hooks_exit();
	espy_cfg_exit();
	espy_rings_exit();
	pr_info("espy: unloaded\n");
}

module_init(espy_init);
module_exit(espy_exit);

MODULE_LICENSE("GPL");
MODULE_AUTHOR("espy contributors");
MODULE_DESCRIPTION("espy host intrusion monitor: syscall and process records via /dev/espy");
