/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * eBPF record source.  open -> configure (rodata, map sizes) -> choose hook
 * variants by probing -> load (degrading on failure) -> attach each program
 * on its own -> ring buffer + poll timer behind one epoll fd.
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/syscall.h>
#include <sys/mount.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "espy/abi.h"
#include "espy/filter.h"
#include "sensor_bpf.h"
#include "espy.skel.h"

#define TRACEFS		"/sys/kernel/tracing"
#define VMLINUX_BTF	"/sys/kernel/btf/vmlinux"
#define LSM_LIST	"/sys/kernel/security/lsm"

/* (struct espy_bpf is the skeleton: bpftool names it after the object) */
struct bpf_sensor {
	struct espy_bpf *skel;
	struct ring_buffer *rb;
	int epfd;
	int timerfd;
	int nprogs;
	struct bpf_link **links;
	struct espy_hook_status *hooks;
	char **hook_names;
	int nhooks;
	int ncpus;
	espy_log_fn log;
	void *log_ctx;
	/* drain state */
	espy_record_fn fn;
	void *fn_ctx;
	int delivered;
	int stopped;
};

static void log_stderr(void *ctx, int level, const char *msg)
{
	(void)ctx;
	(void)level;
	fprintf(stderr, "espy-bpf: %s\n", msg);
}

__attribute__((format(printf, 3, 4)))
static void blog(const struct bpf_sensor *b, int level, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	b->log(b->log_ctx, level, msg);
}

/* libbpf's own messages (verifier logs on failure) go to our logger while
 * we load; libbpf's print hook is global and has no context pointer. */
static const struct bpf_sensor *libbpf_log_to;

static int libbpf_print(enum libbpf_print_level level, const char *fmt,
			va_list ap)
{
	char *msg = NULL;
	size_t n;

	if (!libbpf_log_to || level == LIBBPF_DEBUG)
		return 0;
	/* verifier logs are long: no fixed buffer */
	if (vasprintf(&msg, fmt, ap) < 0)
		return 0;
	n = strlen(msg);
	while (n && msg[n - 1] == '\n')
		msg[--n] = '\0';
	libbpf_log_to->log(libbpf_log_to->log_ctx,
			   level == LIBBPF_WARN ? ESPY_LOG_WARN : ESPY_LOG_INFO,
			   msg);
	free(msg);
	return 0;
}

/* ---- probing -------------------------------------------------------------- */

static int ensure_tracefs(struct bpf_sensor *b)
{
	struct stat st;

	if (stat(TRACEFS "/events", &st) == 0)
		return 0;
	if (mount("tracefs", TRACEFS, "tracefs", 0, NULL) < 0) {
		int err = -errno;

		blog(b, ESPY_LOG_WARN,
		     "cannot mount tracefs on %s (%s): classic tracepoints will not attach",
		     TRACEFS, strerror(-err));
		return err;
	}
	blog(b, ESPY_LOG_INFO, "mounted tracefs on %s", TRACEFS);
	return 0;
}

/* Can a minimal program of this type attach to btf_name?  0 or -errno. */
static int probe_btf_prog(const struct btf *vmlinux, enum bpf_prog_type type,
			  enum bpf_attach_type attach, const char *btf_name,
			  int kind)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o);
	int id, fd;

	id = btf__find_by_name_kind(vmlinux, btf_name, kind);
	if (id < 0)
		return -ENOENT;
	o.expected_attach_type = attach;
	o.attach_btf_id = id;
	fd = bpf_prog_load(type, NULL, "GPL", insns, 2, &o);
	if (fd < 0)
		return fd;
	close(fd);
	return 0;
}

/* BPF LSM programs load where "bpf" is not an active LSM, but never run. */
static int lsm_bpf_active(void)
{
	char buf[512];
	ssize_t n;
	int fd = open(LSM_LIST, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return 1;	/* securityfs not mounted: cannot tell */
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return 1;
	buf[n] = '\0';
	for (char *tok = strtok(buf, ",\n"); tok; tok = strtok(NULL, ",\n"))
		if (strcmp(tok, "bpf") == 0)
			return 1;
	return 0;
}

struct variant_plan {
	int tp_btf_err;		/* 0: tp_btf programs may load */
	int lsm_err;		/* 0: lsm programs may load */
};

static int has_prefix(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

/* ---- hooks table ---------------------------------------------------------- */

static int hook_add(struct bpf_sensor *b, const char *name, int attached,
		    int err)
{
	struct espy_hook_status *h;
	char **names;

	h = realloc(b->hooks, (b->nhooks + 1) * sizeof(*h));
	if (!h)
		return -ENOMEM;
	b->hooks = h;
	names = realloc(b->hook_names, (b->nhooks + 1) * sizeof(*names));
	if (!names)
		return -ENOMEM;
	b->hook_names = names;
	names[b->nhooks] = strdup(name);
	if (!names[b->nhooks])
		return -ENOMEM;
	h[b->nhooks].name = names[b->nhooks];
	h[b->nhooks].attached = attached;
	h[b->nhooks].err = err;
	b->nhooks++;
	return 0;
}

/* ---- load ----------------------------------------------------------------- */

static int in_list(const char *s, size_t len, const char *const *list, int n)
{
	for (int i = 0; i < n; i++)
		if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0)
			return 1;
	return 0;
}

/*
 * The syscalls whose success bumps the negative open cache's generation
 * (bpf/espy_file.h, open_neg).  One of them that exists in this kernel
 * but could not be hooked would leave cached verdicts stale: then the
 * cache is switched off (ESPY_GEN_OFF).  -ENOENT: the syscall does not
 * exist here, so it cannot move a path either.
 */
static int guard_open_cache(struct bpf_sensor *b)
{
	static const char *const bumpers[] = {
		"rename", "renameat", "renameat2", "link", "linkat",
		"symlink", "symlinkat", "mount", "umount", "move_mount",
		"pivot_root",
	};
	const char *pfx = "tracepoint/syscalls/sys_exit_";
	size_t plen = strlen(pfx);
	__u32 key = ESPY_GEN_OFF;
	__u64 off = 1;

	for (int i = 0; i < b->nhooks; i++) {
		const struct espy_hook_status *h = &b->hooks[i];

		if (h->attached || h->err == -ENOENT ||
		    strncmp(h->name, pfx, plen) ||
		    !in_list(h->name + plen, strlen(h->name + plen), bumpers,
			     sizeof(bumpers) / sizeof(bumpers[0])))
			continue;
		blog(b, ESPY_LOG_WARN,
		     "%s not attached: read-only opens are filtered without "
		     "the verdict cache", h->name);
		if (bpf_map_update_elem(bpf_map__fd(b->skel->maps.open_gen),
					&key, &off, BPF_ANY) < 0)
			return -errno;
		return 0;
	}
	return 0;
}

static unsigned int pow2_at_least(size_t v, size_t min)
{
	size_t p = min;

	while (p < v && p < (1u << 30))
		p <<= 1;
	return p;
}

/* The LSM unlink hooks act only inside these syscalls (their sys_exit). */
static void set_syscall_nrs(struct espy_bpf *sk)
{
#ifdef SYS_unlink
	sk->rodata->cfg_nr_unlink = SYS_unlink;
#endif
#ifdef SYS_rmdir
	sk->rodata->cfg_nr_rmdir = SYS_rmdir;
#endif
	sk->rodata->cfg_nr_unlinkat = SYS_unlinkat;
}

static int configure(struct bpf_sensor *b, const struct espy_bpf_opts *o,
		     const struct variant_plan *plan)
{
	struct espy_bpf *sk = b->skel;
	size_t page = sysconf(_SC_PAGESIZE);
	size_t ring = o->ring_bytes ? o->ring_bytes : ESPY_BPF_RING_DEFAULT;
	size_t wake = o->wakeup_bytes;
	struct bpf_program *prog;
	uint64_t key = 0;
	int err;

	ring = pow2_at_least(ring, page);
	if (!wake) {
		wake = ring / 4;
		if (wake > ESPY_BPF_WAKEUP_DEFAULT)
			wake = ESPY_BPF_WAKEUP_DEFAULT;
	}
	if (getrandom(&key, sizeof(key), 0) != sizeof(key))
		key = (uint64_t)getpid() * 0x9e3779b97f4a7c15ULL;
	sk->rodata->cfg_self_tgid = o->self_tgid ? o->self_tgid : getpid();
	sk->rodata->cfg_wakeup_bytes = wake;
	sk->rodata->cfg_cookie_key = key;
	set_syscall_nrs(sk);

	err = bpf_map__set_max_entries(sk->maps.events, ring);
	if (!err)
		err = bpf_map__set_max_entries(sk->maps.scratch, b->ncpus);
	if (err)
		return err;

	bpf_object__for_each_program(prog, sk->obj) {
		const char *sec = bpf_program__section_name(prog);
		int on = 1;

		if (has_prefix(sec, "tp_btf/"))
			on = !plan->tp_btf_err;
		else if (has_prefix(sec, "lsm/"))
			on = !plan->lsm_err;
		err = bpf_program__set_autoload(prog, on);
		if (err)
			return err;
	}
	return 0;
}

/* The index of prog's tp_btf twin when prog is its classic fallback. */
static int twin_of(struct bpf_program **progs, int n, int i)
{
	const char *name = bpf_program__name(progs[i]);
	size_t len = strlen(name);
	char twin[128];
	int k;

	if (len < 3 || len + 2 > sizeof(twin) || strcmp(name + len - 3, "_tp"))
		return -1;
	snprintf(twin, sizeof(twin), "%.*s_btf", (int)(len - 3), name);
	for (k = 0; k < n; k++)
		if (strcmp(bpf_program__name(progs[k]), twin) == 0)
			return bpf_program__autoload(progs[k]) ? k : -1;
	return -1;
}

static int attach_one(struct bpf_sensor *b, struct bpf_program *prog, int slot)
{
	const char *sec = bpf_program__section_name(prog);
	struct bpf_link *link = bpf_program__attach(prog);

	if (!link) {
		int err = -errno;

		blog(b, ESPY_LOG_WARN, "%s: not attached: %s", sec,
		     strerror(-err));
		return hook_add(b, sec, 0, err);
	}
	b->links[slot] = link;
	return hook_add(b, sec, 1, 0);
}

/* Attach every loaded program; a classic fallback only where its tp_btf
 * twin did not attach.  Returns the number attached or -errno. */
static int attach_all(struct bpf_sensor *b, const struct variant_plan *plan)
{
	struct bpf_object *obj = b->skel->obj;
	struct bpf_program **progs, *prog;
	int n = 0, i, attached = 0, err = 0;

	bpf_object__for_each_program(prog, obj)
		n++;
	progs = calloc(n, sizeof(*progs));
	b->links = calloc(n, sizeof(*b->links));
	if (!progs || !b->links) {
		free(progs);
		return -ENOMEM;
	}
	b->nprogs = n;
	i = 0;
	bpf_object__for_each_program(prog, obj)
		progs[i++] = prog;

	for (i = 0; i < n && !err; i++) {
		const char *sec = bpf_program__section_name(progs[i]);

		if (!bpf_program__autoload(progs[i])) {
			/* refused by the probe: reported, never silent */
			if (has_prefix(sec, "lsm/") && plan->lsm_err)
				err = hook_add(b, sec, 0, plan->lsm_err);
			continue;
		}
		if (twin_of(progs, n, i) >= 0)
			continue;
		err = attach_one(b, progs[i], i);
	}
	for (i = 0; i < n && !err; i++) {
		int t = twin_of(progs, n, i);

		if (t < 0 || b->links[t])
			continue;
		blog(b, ESPY_LOG_INFO, "%s: falling back to %s",
		     bpf_program__section_name(progs[t]),
		     bpf_program__section_name(progs[i]));
		err = attach_one(b, progs[i], i);
	}
	free(progs);
	if (err)
		return err;
	for (i = 0; i < b->nhooks; i++)
		attached += b->hooks[i].attached;
	return attached;
}

static int setup_reader(struct bpf_sensor *b, unsigned int poll_ms);

static int sample_cb(void *ctx, void *data, size_t size)
{
	struct bpf_sensor *b = ctx;
	int ret;

	b->delivered++;
	ret = b->fn(b->fn_ctx, data, size);
	if (ret < 0) {
		b->stopped = 1;
		return ret;
	}
	return 0;
}

static void bpf_close(void *src);

int espy_bpf_open(struct espy_source *src, const struct espy_bpf_opts *opts)
{
	static const struct espy_bpf_opts defaults;
	const struct espy_bpf_opts *o = opts ? opts : &defaults;
	libbpf_print_fn_t old_print;
	struct variant_plan plan = { 0 };
	struct btf *vmlinux;
	struct bpf_sensor *b;
	int err, attached = 0;

	b = calloc(1, sizeof(*b));
	if (!b)
		return -ENOMEM;
	b->epfd = -1;
	b->timerfd = -1;
	b->log = o->log ? o->log : log_stderr;
	b->log_ctx = o->log_ctx;

	if (access(VMLINUX_BTF, R_OK) < 0) {
		blog(b, ESPY_LOG_ERR, "%s missing: the kernel has no BTF (CONFIG_DEBUG_INFO_BTF)",
		     VMLINUX_BTF);
		free(b);
		return -ENOENT;
	}
	b->ncpus = libbpf_num_possible_cpus();
	if (b->ncpus <= 0) {
		err = b->ncpus ? b->ncpus : -EINVAL;
		free(b);
		return err;
	}
	ensure_tracefs(b);

	vmlinux = btf__load_vmlinux_btf();
	if (!vmlinux) {
		err = -errno;
		blog(b, ESPY_LOG_ERR, "cannot read kernel BTF: %s", strerror(-err));
		free(b);
		return err;
	}
	plan.tp_btf_err = probe_btf_prog(vmlinux, BPF_PROG_TYPE_TRACING,
					 BPF_TRACE_RAW_TP,
					 "btf_trace_sched_process_exec",
					 BTF_KIND_TYPEDEF);
	plan.lsm_err = probe_btf_prog(vmlinux, BPF_PROG_TYPE_LSM, BPF_LSM_MAC,
				      "bpf_lsm_path_unlink", BTF_KIND_FUNC);
	btf__free(vmlinux);
	if (!plan.lsm_err && !lsm_bpf_active())
		plan.lsm_err = -EOPNOTSUPP;
	if (o->flags & ESPY_BPF_NO_TP_BTF)
		plan.tp_btf_err = -ECANCELED;
	if (o->flags & ESPY_BPF_NO_LSM)
		plan.lsm_err = -ECANCELED;
	if (plan.tp_btf_err)
		blog(b, ESPY_LOG_INFO, "tp_btf programs unavailable (%s): classic tracepoints",
		     strerror(-plan.tp_btf_err));
	if (plan.lsm_err)
		blog(b, ESPY_LOG_INFO, "lsm programs unavailable (%s)",
		     strerror(-plan.lsm_err));

	old_print = libbpf_set_print(libbpf_print);
	libbpf_log_to = b;
	/* degrade step by step: without LSM, then without tp_btf */
	for (;;) {
		b->skel = espy_bpf__open();
		if (!b->skel) {
			err = -errno;
			break;
		}
		err = configure(b, o, &plan);
		if (!err)
			err = espy_bpf__load(b->skel);
		if (!err)
			break;
		blog(b, ESPY_LOG_WARN, "load failed: %s", strerror(-err));
		espy_bpf__destroy(b->skel);
		b->skel = NULL;
		if (!plan.lsm_err) {
			plan.lsm_err = err;
		} else if (!plan.tp_btf_err) {
			plan.tp_btf_err = err;
		} else {
			break;
		}
		blog(b, ESPY_LOG_INFO, "retrying without %s programs",
		     plan.tp_btf_err ? "tp_btf" : "lsm");
	}
	if (!err)
		attached = attach_all(b, &plan);
	libbpf_log_to = NULL;
	libbpf_set_print(old_print);
	if (err)
		goto err_free;
	if (attached < 0) {
		err = attached;
		goto err_free;
	}
	if (attached == 0) {
		blog(b, ESPY_LOG_ERR, "no hook could attach");
		err = -ENODEV;
		goto err_free;
	}
	blog(b, ESPY_LOG_INFO, "%d of %d hooks attached", attached, b->nhooks);
	err = guard_open_cache(b);
	if (err)
		goto err_free;

	err = setup_reader(b, o->poll_ms ? o->poll_ms : ESPY_BPF_POLL_MS_DEFAULT);
	if (err)
		goto err_free;
	src->ops = &espy_bpf_ops;
	src->priv = b;
	return 0;

err_free:
	bpf_close(b);
	return err;
}

static int setup_reader(struct bpf_sensor *b, unsigned int poll_ms)
{
	struct itimerspec its = {
		.it_interval = { poll_ms / 1000, (poll_ms % 1000) * 1000000L },
		.it_value = { poll_ms / 1000, (poll_ms % 1000) * 1000000L },
	};
	struct epoll_event ev = { .events = EPOLLIN };

	b->rb = ring_buffer__new(bpf_map__fd(b->skel->maps.events), sample_cb,
				 b, NULL);
	if (!b->rb)
		return -errno;
	b->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (b->epfd < 0)
		return -errno;
	b->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (b->timerfd < 0)
		return -errno;
	if (timerfd_settime(b->timerfd, 0, &its, NULL) < 0)
		return -errno;
	if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, ring_buffer__epoll_fd(b->rb),
		      &ev) < 0)
		return -errno;
	if (epoll_ctl(b->epfd, EPOLL_CTL_ADD, b->timerfd, &ev) < 0)
		return -errno;
	return 0;
}

/* ---- source ops ----------------------------------------------------------- */

static int bpf_fd(void *src)
{
	return ((struct bpf_sensor *)src)->epfd;
}

static int bpf_drain(void *src, espy_record_fn fn, void *ctx)
{
	struct bpf_sensor *b = src;
	uint64_t ticks;
	int n;

	/* the timer is level-triggered in our epoll set: clear it */
	if (read(b->timerfd, &ticks, sizeof(ticks)) < 0 && errno != EAGAIN)
		return -errno;

	b->fn = fn;
	b->fn_ctx = ctx;
	b->delivered = 0;
	b->stopped = 0;
	n = ring_buffer__consume(b->rb);
	if (n < 0 && !b->stopped)
		return n;
	return b->delivered;
}

static int bpf_drops(void *src, uint64_t by_type[ESPY_EV_MAX])
{
	struct bpf_sensor *b = src;
	int fd = bpf_map__fd(b->skel->maps.drops);
	uint64_t *vals;
	uint32_t t;
	int c;

	vals = calloc(b->ncpus, sizeof(*vals));
	if (!vals)
		return -ENOMEM;
	for (t = 0; t < ESPY_EV_MAX; t++) {
		by_type[t] = 0;
		if (bpf_map_lookup_elem(fd, &t, vals) < 0) {
			int err = -errno;

			free(vals);
			return err;
		}
		for (c = 0; c < b->ncpus; c++)
			by_type[t] += vals[c];
	}
	free(vals);
	return 0;
}

static int bpf_hooks(void *src, struct espy_hook_status *out, int max)
{
	struct bpf_sensor *b = src;
	int i;

	for (i = 0; i < b->nhooks && i < max; i++)
		out[i] = b->hooks[i];
	return b->nhooks;
}

/* Invalidate the in-kernel negative verdicts of read-only opens (open_neg
 * in bpf/espy_file.h).  The loader is the only writer of this slot. */
static int bump_interest_gen(struct bpf_sensor *b)
{
	int fd = bpf_map__fd(b->skel->maps.open_gen);
	__u32 key = ESPY_GEN_INTEREST;
	__u64 gen;

	if (bpf_map_lookup_elem(fd, &key, &gen) < 0)
		return -errno;
	gen++;
	if (bpf_map_update_elem(fd, &key, &gen, BPF_ANY) < 0)
		return -errno;
	return 0;
}

/* Add the new set, then remove what is not in it: no window without a
 * filter.  Entries are validated before anything changes. */
static int bpf_set_interest(void *src, const char *const *prefixes,
			    int nprefix, const char *const *names, int nname)
{
	struct bpf_sensor *b = src;
	int pfd = bpf_map__fd(b->skel->maps.filter_prefix);
	int nfd = bpf_map__fd(b->skel->maps.filter_name);
	struct espy_filter_val val = { .tag = 1 };
	struct espy_filter_prefix_key pk, pnext;
	struct espy_filter_name_key nk, nnext;
	int i, err;

	if (nprefix > ESPY_FILTER_PREFIX_ENTRIES ||
	    nname > ESPY_FILTER_NAME_ENTRIES)
		return -E2BIG;
	for (i = 0; i < nprefix; i++)
		if (strlen(prefixes[i]) > ESPY_FILTER_PREFIX_MAX)
			return -ENAMETOOLONG;
	for (i = 0; i < nname; i++)
		if (!names[i][0] || strlen(names[i]) >= ESPY_FILTER_NAME_MAX ||
		    strchr(names[i], '/'))
			return -EINVAL;

	for (i = 0; i < nprefix; i++) {
		memset(&pk, 0, sizeof(pk));
		pk.prefixlen = 8 * strlen(prefixes[i]);
		memcpy(pk.data, prefixes[i], strlen(prefixes[i]));
		if (bpf_map_update_elem(pfd, &pk, &val, BPF_ANY) < 0)
			return -errno;
	}
	for (i = 0; i < nname; i++) {
		memset(&nk, 0, sizeof(nk));
		memcpy(nk.name, names[i], strlen(names[i]));
		if (bpf_map_update_elem(nfd, &nk, &val, BPF_ANY) < 0)
			return -errno;
	}
	/* what was dropped may be interesting now; removals below only
	 * narrow the set, so the negative verdicts cached meanwhile hold */
	err = bump_interest_gen(b);
	if (err)
		return err;

	/* deleting the current key restarts the walk from the first one */
	err = bpf_map_get_next_key(pfd, NULL, &pk);
	while (!err) {
		int keep = in_list((const char *)pk.data, pk.prefixlen / 8,
				   prefixes, nprefix);

		err = bpf_map_get_next_key(pfd, &pk, &pnext);
		if (!keep && bpf_map_delete_elem(pfd, &pk) < 0)
			return -errno;
		pk = pnext;
	}
	err = bpf_map_get_next_key(nfd, NULL, &nk);
	while (!err) {
		int keep = in_list(nk.name, strnlen(nk.name, sizeof(nk.name)),
				   names, nname);

		err = bpf_map_get_next_key(nfd, &nk, &nnext);
		if (!keep && bpf_map_delete_elem(nfd, &nk) < 0)
			return -errno;
		nk = nnext;
	}
	return 0;
}

#define DETACH_THREADS	128

struct detach_job {
	struct bpf_link **links;
	int n, first, stride;
};

static void *detach_some(void *arg)
{
	struct detach_job *j = arg;

	for (int i = j->first; i < j->n; i += j->stride)
		bpf_link__destroy(j->links[i]);
	return NULL;
}

/*
 * Each tracepoint detach waits for a grace period: one after the other, a
 * hundred hooks take seconds (measured 3-5 s); one thread each, ~50 ms.
 */
static void detach_all(struct bpf_link **links, int n)
{
	struct detach_job jobs[DETACH_THREADS];
	pthread_t th[DETACH_THREADS];
	int started[DETACH_THREADS] = { 0 };
	int k, nth = n < DETACH_THREADS ? n : DETACH_THREADS;
	pthread_attr_t attr;
	int have_attr = pthread_attr_init(&attr) == 0;

	if (have_attr)
		pthread_attr_setstacksize(&attr, 64 << 10);
	for (k = 0; k < nth; k++) {
		jobs[k] = (struct detach_job){ links, n, k, nth };
		started[k] = pthread_create(&th[k], have_attr ? &attr : NULL,
					    detach_some, &jobs[k]) == 0;
		if (!started[k])
			detach_some(&jobs[k]);
	}
	for (k = 0; k < nth; k++)
		if (started[k])
			pthread_join(th[k], NULL);
	if (have_attr)
		pthread_attr_destroy(&attr);
}

static void bpf_close(void *src)
{
	struct bpf_sensor *b = src;
	int i;

	if (!b)
		return;
	if (b->timerfd >= 0)
		close(b->timerfd);
	if (b->epfd >= 0)
		close(b->epfd);
	ring_buffer__free(b->rb);
	if (b->links)
		detach_all(b->links, b->nprogs);
	free(b->links);
	espy_bpf__destroy(b->skel);
	for (i = 0; i < b->nhooks; i++)
		free(b->hook_names[i]);
	free(b->hook_names);
	free(b->hooks);
	free(b);
}

const struct espy_source_ops espy_bpf_ops = {
	.name = "bpf",
	.fd = bpf_fd,
	.drain = bpf_drain,
	.drops = bpf_drops,
	.hooks = bpf_hooks,
	.set_interest = bpf_set_interest,
	.close = bpf_close,
};
