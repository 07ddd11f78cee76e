// SPDX-License-Identifier: GPL-2.0-only
/*
 * Configuration from the reader: the interest filter for read-only opens
 * and the excluded processes.  Each is replaced as a whole under a mutex
 * and read by the probes through an RCU pointer; probes run with
 * preemption disabled, so synchronize_rcu() waits for every reader of the
 * one replaced.
 *
 * The filter means what the eBPF sensors' LPM trie and name hash mean
 * (espy/filter.h): a prefix matches the first prefixlen bits of the path
 * (of at most ESPY_FILTER_PREFIX_MAX bytes), a name matches any component.
 * The module scans the entries linearly: espyd's lists are short.
 */
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "espy.h"

static struct espy_fset __rcu *espy_fset;
static struct espy_pidset __rcu *espy_pidset;
static DEFINE_MUTEX(espy_cfg_lock);

static void espy_fset_free(struct espy_fset *fs)
{
	if (!fs)
		return;
	kvfree(fs->prefix);
	kvfree(fs->name);
	kvfree(fs->name_len);
	kfree(fs);
}

static void espy_fset_install(struct espy_fset *fs)
{
	struct espy_fset *old;

	mutex_lock(&espy_cfg_lock);
	old = rcu_replace_pointer(espy_fset, fs,
				  lockdep_is_held(&espy_cfg_lock));
	mutex_unlock(&espy_cfg_lock);
	synchronize_rcu();
	espy_fset_free(old);
}

static void espy_pidset_install(struct espy_pidset *ps)
{
	struct espy_pidset *old;

	mutex_lock(&espy_cfg_lock);
	old = rcu_replace_pointer(espy_pidset, ps,
				  lockdep_is_held(&espy_cfg_lock));
	mutex_unlock(&espy_cfg_lock);
	synchronize_rcu();
	kfree(old);
}

/* Back to the state of a fresh open: no filter, nothing excluded. */
int espy_cfg_reset(void)
{
	espy_fset_install(NULL);
	espy_pidset_install(NULL);
	return 0;
}

int espy_cfg_init(void)
{
	return 0;
}

void espy_cfg_exit(void)
{
	espy_cfg_reset();
}

static void *espy_dup_array(u64 uaddr, u32 n, size_t size)
{
	void *p;

	p = kvmalloc_array(n, size, GFP_KERNEL);
	if (!p)
		return ERR_PTR(-ENOMEM);
	if (copy_from_user(p, u64_to_user_ptr(uaddr), n * size)) {
		kvfree(p);
		return ERR_PTR(-EFAULT);
	}
	return p;
}

static int espy_fset_check(struct espy_fset *fs)
{
	u32 i;

	for (i = 0; i < fs->nprefix; i++)
		if (fs->prefix[i].prefixlen > 8 * ESPY_FILTER_PREFIX_MAX)
			return -EINVAL;
	for (i = 0; i < fs->nname; i++) {
		size_t len = strnlen(fs->name[i].name, ESPY_FILTER_NAME_MAX);

		/* the sensors compare names of at most NAME_MAX - 1 bytes */
		if (!len || len == ESPY_FILTER_NAME_MAX)
			return -EINVAL;
		fs->name_len[i] = len;
	}
	return 0;
}

int espy_cfg_set_filter(const struct espy_ioc_filter *f)
{
	struct espy_fset *fs;
	int err;

	if (f->nprefix > ESPY_FILTER_PREFIX_ENTRIES ||
	    f->nname > ESPY_FILTER_NAME_ENTRIES)
		return -EINVAL;
	if (!f->nprefix && !f->nname) {
		espy_fset_install(NULL);
		return 0;
	}
	fs = kzalloc(sizeof(*fs), GFP_KERNEL);
	if (!fs)
		return -ENOMEM;
	fs->nprefix = f->nprefix;
	fs->nname = f->nname;
	if (f->nprefix) {
		fs->prefix = espy_dup_array(f->prefixes, f->nprefix,
					    sizeof(*fs->prefix));
		if (IS_ERR(fs->prefix)) {
			err = PTR_ERR(fs->prefix);
			fs->prefix = NULL;
			goto free_fset;
		}
	}
	if (f->nname) {
		fs->name = espy_dup_array(f->names, f->nname,
					  sizeof(*fs->name));
		if (IS_ERR(fs->name)) {
			err = PTR_ERR(fs->name);
			fs->name = NULL;
			goto free_fset;
		}
		fs->name_len = kvmalloc(f->nname, GFP_KERNEL);
		err = -ENOMEM;
		if (!fs->name_len)
			goto free_fset;
	}
	err = espy_fset_check(fs);
	if (err)
		goto free_fset;
	espy_fset_install(fs);
	return 0;

free_fset:
	espy_fset_free(fs);
	return err;
}

int espy_cfg_set_exclude(const struct espy_ioc_pids *p)
{
	struct espy_pidset *ps;
	u32 i;

	if (p->count > ESPY_KEXCLUDE_MAX || p->_pad0)
		return -EINVAL;
	for (i = 0; i < p->count; i++)
		if (!p->tgid[i])
			return -EINVAL;
	ps = kzalloc(sizeof(*ps), GFP_KERNEL);
	if (!ps)
		return -ENOMEM;
	ps->count = p->count;
	memcpy(ps->tgid, p->tgid, p->count * sizeof(p->tgid[0]));
	espy_pidset_install(ps);
	return 0;
}

/* Probe side: preemption is disabled by the caller. */
bool espy_excluded(u32 tgid)
{
	struct espy_pidset *ps = rcu_dereference_sched(espy_pidset);
	u32 i;

	if (!ps)
		return false;
	for (i = 0; i < ps->count; i++)
		if (ps->tgid[i] == tgid)
			return true;
	return false;
}

bool espy_excluding(void)
{
	struct espy_pidset *ps = rcu_dereference_sched(espy_pidset);

	return ps && ps->count;
}

static bool espy_prefix_match(const struct espy_filter_prefix_key *k,
			      const char *path, size_t len)
{
	u32 bytes = k->prefixlen / 8, bits = k->prefixlen % 8;

	if (len > ESPY_FILTER_PREFIX_MAX)
		len = ESPY_FILTER_PREFIX_MAX;
	if (k->prefixlen > 8 * len)
		return false;
	if (memcmp(k->data, path, bytes))
		return false;
	if (bits) {
		u8 mask = 0xff << (8 - bits);

		return !((k->data[bytes] ^ path[bytes]) & mask);
	}
	return true;
}

static bool espy_name_match(const struct espy_fset *fs, const char *c,
			    size_t len)
{
	u32 i;

	if (!len || len >= ESPY_FILTER_NAME_MAX)
		return false;
	for (i = 0; i < fs->nname; i++)
		if (fs->name_len[i] == len && !memcmp(fs->name[i].name, c, len))
			return true;
	return false;
}

static bool espy_interesting_name(const struct espy_fset *fs,
				  const char *path, size_t len)
{
	size_t i, start;

	if (!fs->nname)
		return false;
	for (start = 0, i = 0; i <= len; i++) {
		if (i < len && path[i] != '/')
			continue;
		if (espy_name_match(fs, path + start, i - start))
			return true;
		start = i + 1;
	}
	return false;
}

static bool espy_interesting_fset(const struct espy_fset *fs,
				  const char *path, size_t len)
{
	u32 k;

	for (k = 0; k < fs->nprefix; k++)
		if (espy_prefix_match(&fs->prefix[k], path, len))
			return true;
	return false;
}

/*
 * A read-only open is worth a record when a prefix or a component of its
 * path matches.  Without a filter, none is (as with empty eBPF maps).
 */
bool espy_interesting(const char *path, size_t len)
{
	struct espy_fset *fs = rcu_dereference_sched(espy_fset);

	return fs && (espy_interesting_fset(fs, path, len) ||
		      espy_interesting_name(fs, path, len));
}

/* Prefixes only: a failed open's string is not a resolved path. */
bool espy_interesting_prefix(const char *path, size_t len)
{
	struct espy_fset *fs = rcu_dereference_sched(espy_fset);

	return fs && espy_interesting_fset(fs, path, len);
}
