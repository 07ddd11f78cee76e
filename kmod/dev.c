// SPDX-License-Identifier: GPL-2.0-only
/*
 * /dev/espy: the reader's end.  One opener at a time; records flow only
 * while it is open.  See include/espy/ioctl.h for the protocol.
 */
#include <linux/kernel.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mutex.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/tracepoint.h>
#include <linux/uaccess.h>

#include "espy.h"

static atomic_t espy_opened = ATOMIC_INIT(0);
static DEFINE_MUTEX(espy_read_lock);

static int espy_open(struct inode *inode, struct file *file)
{
	int err;

	if (atomic_cmpxchg(&espy_opened, 0, 1))
		return -EBUSY;
	/*
	 * Start clean: the previous reader's leftovers, counters and
	 * configuration are not this reader's.  Probes are idle
	 * (espy_active is clear) once the synchronize returns.
	 */
	WRITE_ONCE(espy_active, 0);
	tracepoint_synchronize_unregister();
	err = espy_cfg_reset();
	if (err) {
		atomic_set(&espy_opened, 0);
		return err;
	}
	mutex_lock(&espy_read_lock);
	espy_rings_reset();
	mutex_unlock(&espy_read_lock);
	WRITE_ONCE(espy_active, 1);
	return stream_open(inode, file);
}

static int espy_release(struct inode *inode, struct file *file)
{
	WRITE_ONCE(espy_active, 0);
	atomic_set(&espy_opened, 0);
	return 0;
}

static ssize_t espy_read(struct file *file, char __user *buf, size_t count,
			 loff_t *ppos)
{
	ssize_t n;

	if (count < ESPY_REC_MAX)
		return -EINVAL;
	for (;;) {
		if (mutex_lock_interruptible(&espy_read_lock))
			return -ERESTARTSYS;
		n = espy_rings_read(buf, count);
		mutex_unlock(&espy_read_lock);
		if (n)
			return n;
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		if (wait_event_interruptible(espy_read_wq, !espy_rings_empty()))
			return -ERESTARTSYS;
	}
}

static __poll_t espy_poll(struct file *file, struct poll_table_struct *wait)
{
	poll_wait(file, &espy_read_wq, wait);
	return espy_rings_empty() ? 0 : EPOLLIN | EPOLLRDNORM;
}

static long espy_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case ESPY_IOC_VERSION: {
		struct espy_ioc_version v = {
			.abi_version = ESPY_ABI_VERSION,
			.ioctl_version = ESPY_IOCTL_VERSION,
			.buf_kib = espy_buf_kib,
			.nr_cpus = num_possible_cpus(),
		};

		return copy_to_user(uarg, &v, sizeof(v)) ? -EFAULT : 0;
	}
	case ESPY_IOC_SET_FILTER: {
		struct espy_ioc_filter f;

		if (copy_from_user(&f, uarg, sizeof(f)))
			return -EFAULT;
		return espy_cfg_set_filter(&f);
	}
	case ESPY_IOC_SET_EXCLUDE: {
		struct espy_ioc_pids p;

		if (copy_from_user(&p, uarg, sizeof(p)))
			return -EFAULT;
		return espy_cfg_set_exclude(&p);
	}
	case ESPY_IOC_STATS: {
		struct espy_ioc_stats *st;
		long err = 0;

		/* 1 KiB: too large for the stack */
		st = kmalloc(sizeof(*st), GFP_KERNEL);
		if (!st)
			return -ENOMEM;
		espy_rings_stats(st);
		if (copy_to_user(uarg, st, sizeof(*st)))
			err = -EFAULT;
		kfree(st);
		return err;
	}
	case ESPY_IOC_HOOKS: {
		struct espy_ioc_hooks h;

		espy_hooks_status(&h);
		return copy_to_user(uarg, &h, sizeof(h)) ? -EFAULT : 0;
	}
	default:
		return -ENOTTY;
	}
}

static const struct file_operations espy_fops = {
	.owner = THIS_MODULE,
	.open = espy_open,
	.release = espy_release,
	.read = espy_read,
	.poll = espy_poll,
	.unlocked_ioctl = espy_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice espy_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = ESPY_DEV_NAME,
	.fops = &espy_fops,
	.mode = 0600,
};

int espy_dev_init(void)
{
	return misc_register(&espy_misc);
}

void espy_dev_exit(void)
{
	misc_deregister(&espy_misc);
}
