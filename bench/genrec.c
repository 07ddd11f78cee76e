/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * genrec: write a synthetic espy recording for the replay benchmark.
 *
 *   genrec [-p PROCS] [-e EVENTS] [-s SEED] [-c] FILE
 *
 * A busy host in one file: a few hundred long-lived parents (found in /proc,
 * as espyd's start-up snapshot records them), then PROCS processes that
 * fork and exec from a pool of executables and users, all alive at once at
 * the peak, each doing EVENTS file and network events (opens of common and
 * of one-off paths, connects to a pool of destinations, accepts, unlinks),
 * then exiting.  Pools are skewed (a few executables and paths are common,
 * most are rare) so that the baseline sees both repetition and novelty, and
 * one-off paths and peers make its tables grow to their bounds.  The same
 * seed writes the same records (only the header's clock offset differs).
 *
 * Prints the number of records and processes written.  With -c it then
 * reads the file back and decodes every record as espyd would, and fails
 * unless all of them decode: a benchmark of rejected records measures
 * nothing.
 */
#include <errno.h>
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <time.h>

#include "espy/abi.h"
#include "record.h"
#include "recording.h"

#define NPARENTS	256
#define NEXES		400
#define NPATHS		4000
#define NDESTS		600
#define NUSERS		40
#define BASE_PID	2000
#define PID_SPACE	4000000

struct gen {
	struct espy_rec_writer *w;
	uint64_t rng;
	uint64_t now;			/* boot clock, ns */
	uint64_t records;
	char buf[ESPY_REC_MAX];
};

struct proc {
	uint64_t start_ns;
	uint32_t tgid, ppid, uid;
	uint16_t exe;
};

static const char *const dirs[] = {
	"/usr/bin", "/usr/sbin", "/usr/local/bin", "/opt/app/bin", "/usr/lib/app",
};
static const char *const fdirs[] = {
	"/etc", "/var/lib/db", "/var/lib/app", "/home/user", "/srv/www", "/tmp",
	"/usr/share/app", "/var/cache/app",
};

static uint64_t rnd(struct gen *g)
{
	/* xorshift64*: fast, and the same sequence for the same seed */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return g->rng * 2685821657736338717ULL;
}

/* A skewed pick in [0, n): small indices are far more frequent. */
static uint32_t skewed(struct gen *g, uint32_t n)
{
	uint64_t a = rnd(g) % n, b = rnd(g) % n;

	return (uint32_t)(a * b / n);
}

static void hdr_fill(struct gen *g, struct espy_hdr *h, uint16_t type,
		     size_t size, const struct proc *p, const char *comm)
{
	g->now += 1000 + rnd(g) % 20000;
	h->ts_ns = g->now;
	h->start_ns = p->start_ns;
	h->cgroup_id = 1;
	h->tgid = p->tgid;
	h->tid = p->tgid;
	h->ppid = p->ppid;
	h->uid = h->euid = p->uid;
	h->gid = h->egid = p->uid;
	h->auid = p->uid >= 1000 ? p->uid : (uint32_t)-1;
	h->sessionid = p->uid >= 1000 ? p->uid - 990 : (uint32_t)-1;
	h->mntns = 4026531841U;
	h->netns = 4026531840U;
	h->type = type;
	h->size = (uint16_t)size;
	h->cpu = p->tgid & 1;
	snprintf(h->comm, sizeof(h->comm), "%s", comm);
}

static int emit(struct gen *g, size_t len)
{
	g->records++;
	return espy_rec_write(g->w, g->buf, len);
}

static void exe_path(uint16_t exe, char *out, size_t len)
{
	snprintf(out, len, "%s/tool%u", dirs[exe % 5], exe);
}

static int emit_exec(struct gen *g, const struct proc *p, uint16_t type)
{
	struct espy_exec *e = (struct espy_exec *)g->buf;
	char path[64], argv[128], *d;
	const char *cwd = p->uid ? "/home/user" : "/";
	int plen, alen, clen = (int)strlen(cwd);

	memset(e, 0, sizeof(*e));
	exe_path(p->exe, path, sizeof(path));
	plen = (int)strlen(path);
	/* argv: NUL-separated, length counting the separators */
	alen = snprintf(argv, sizeof(argv), "tool%u%c--job%c%u", p->exe, 0, 0,
			(unsigned)(rnd(g) % 50)) + 1;
	d = e->data;
	memcpy(d, path, plen);
	memcpy(d + plen, argv, alen);
	memcpy(d + plen + alen, cwd, clen);
	e->exe_ino = 100000 + p->exe;
	e->exe_dev = 0x800001;
	e->argc = 3;
	e->path_len = plen;
	e->argv_len = alen;
	e->cwd_len = clen;
	hdr_fill(g, &e->hdr, type, sizeof(*e) + plen + alen + clen, p,
		 strrchr(path, '/') + 1);
	return emit(g, e->hdr.size);
}

static int emit_fork(struct gen *g, const struct proc *parent,
		     const struct proc *child)
{
	struct espy_fork *f = (struct espy_fork *)g->buf;

	memset(f, 0, sizeof(*f));
	f->child_start_ns = child->start_ns;
	f->child_tgid = child->tgid;
	hdr_fill(g, &f->hdr, ESPY_EV_FORK, sizeof(*f), parent, "parent");
	return emit(g, sizeof(*f));
}

static int emit_exit(struct gen *g, const struct proc *p)
{
	struct espy_exit *x = (struct espy_exit *)g->buf;

	memset(x, 0, sizeof(*x));
	x->exit_code = (rnd(g) % 20 == 0) ? 1 << 8 : 0;
	hdr_fill(g, &x->hdr, ESPY_EV_EXIT, sizeof(*x), p, "tool");
	return emit(g, sizeof(*x));
}

static int emit_file(struct gen *g, const struct proc *p, uint16_t type)
{
	struct espy_file *f = (struct espy_file *)g->buf;
	uint32_t r = (uint32_t)(rnd(g) % 100);
	int len;

	memset(f, 0, sizeof(*f));
	if (r < 85)	/* a path from the pool */
		len = sprintf(f->data, "%s/file%u.conf", fdirs[p->exe % 8],
			      skewed(g, NPATHS));
	else		/* a one-off path: the baseline's tables must bound it */
		len = sprintf(f->data, "/tmp/job.%016llx",
			      (unsigned long long)rnd(g));
	f->path_len = len;
	f->ino = rnd(g) & 0xffffff;
	f->dev = 0x800001;
	if (type == ESPY_EV_OPEN) {
		f->flags = r & 1 ? O_WRONLY | O_CREAT | O_TRUNC : O_RDONLY;
		f->mode = 0644;
		f->ret = 3 + r % 10;
		if (r & 1)
			f->fflags = ESPY_FILE_CREATED;
	}
	hdr_fill(g, &f->hdr, type, sizeof(*f) + len, p, "tool");
	return emit(g, f->hdr.size);
}

static int emit_net(struct gen *g, const struct proc *p, uint16_t type)
{
	struct espy_net *n = (struct espy_net *)g->buf;
	uint32_t dest = skewed(g, NDESTS);
	uint32_t ip = htonl(0x0a000000U | (dest * 7919U % 0xfffffU));

	memset(n, 0, sizeof(*n));
	n->family = AF_INET;
	n->protocol = 6;	/* TCP */
	n->sock_cookie = rnd(g);
	n->fd = 4;
	memcpy(n->local_addr, &(uint32_t){ htonl(0x0a000001U) }, 4);
	memcpy(n->remote_addr, &ip, 4);
	if (type == ESPY_EV_CONNECT) {
		static const uint16_t ports[] = { 443, 80, 9200, 5432, 6379, 8080 };

		n->remote_port = ports[dest % 6];
		n->local_port = 32768 + rnd(g) % 28000;
	} else {
		n->local_port = 8080;
		n->remote_port = 32768 + rnd(g) % 28000;
		n->ret = 5;
	}
	hdr_fill(g, &n->hdr, type, sizeof(*n), p, "tool");
	return emit(g, sizeof(*n));
}

static int emit_event(struct gen *g, const struct proc *p)
{
	uint32_t r = (uint32_t)(rnd(g) % 100);

	if (r < 70)
		return emit_file(g, p, ESPY_EV_OPEN);
	if (r < 78)
		return emit_file(g, p, ESPY_EV_UNLINK);
	if (r < 94)
		return emit_net(g, p, ESPY_EV_CONNECT);
	return emit_net(g, p, ESPY_EV_ACCEPT);
}

struct check {
	uint64_t good, bad;
	enum espy_decode_err first_err;
};

static int check_one(void *ctx, const void *rec, size_t len)
{
	struct check *c = ctx;
	enum espy_decode_err why;
	struct espy_event ev;

	if (espy_record_decode(rec, len, &ev, &why) == 0) {
		c->good++;
	} else {
		if (!c->bad)
			c->first_err = why;
		c->bad++;
	}
	return 0;
}

static int check_file(const char *path)
{
	struct espy_rec_damage damage = { 0 };
	struct espy_rec_info info;
	struct check c = { 0 };
	int err;

	err = espy_rec_replay_file(path, check_one, &c, &info, &damage);
	if (err) {
		fprintf(stderr, "genrec: reading %s back: %s\n", path,
			damage.kind ? damage.msg : strerror(-err));
		return 1;
	}
	printf("check: %llu records decode, %llu rejected\n",
	       (unsigned long long)c.good, (unsigned long long)c.bad);
	if (c.bad) {
		fprintf(stderr, "genrec: first rejection: %s\n",
			espy_decode_err_name(c.first_err));
		return 1;
	}
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: genrec [-p PROCS] [-e EVENTS_PER_PROC] [-s SEED] [-c] FILE\n");
}

int main(int argc, char **argv)
{
	struct proc parents[NPARENTS], *procs;
	struct espy_rec_info info;
	struct timespec ts;
	struct gen *g;
	long nprocs = 50000, nevents = 17, i, k;
	uint64_t seed = 1;
	int opt, err = 0, check = 0;

	while ((opt = getopt(argc, argv, "p:e:s:ch")) != -1) {
		switch (opt) {
		case 'c': check = 1; break;
		case 'p': nprocs = atol(optarg); break;
		case 'e': nevents = atol(optarg); break;
		case 's': seed = strtoull(optarg, NULL, 0); break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind + 1 != argc || nprocs < 1 || nprocs > PID_SPACE || nevents < 0) {
		usage(stderr);
		return 2;
	}
	g = calloc(1, sizeof(*g));
	procs = calloc(nprocs, sizeof(*procs));
	if (!g || !procs) {
		fprintf(stderr, "genrec: out of memory\n");
		return 1;
	}
	g->rng = seed * 0x9e3779b97f4a7c15ULL + 1;
	g->now = 3600ULL * 1000000000ULL;

	memset(&info, 0, sizeof(info));
	espy_rec_info_local(&info);
	info.format = ESPY_REC_FORMAT;
	info.abi_version = ESPY_ABI_VERSION;
	info.start_ts_ns = g->now;
	/* wall clock = boot clock + offset: the recording starts now */
	clock_gettime(CLOCK_REALTIME, &ts);
	info.clock_offset_ns = (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec -
			       (int64_t)g->now;
	snprintf(info.hostname, sizeof(info.hostname), "bench-synthetic");
	err = espy_rec_writer_open(&g->w, argv[optind], &info, ESPY_REC_BLOCK_DEFAULT);
	if (err) {
		fprintf(stderr, "genrec: %s: %s\n", argv[optind], strerror(-err));
		return 1;
	}

	/* long-lived parents, as espyd's /proc snapshot reports them */
	for (i = 0; i < NPARENTS && !err; i++) {
		parents[i] = (struct proc){
			.start_ns = 1000000000ULL + (uint64_t)i * 1000,
			.tgid = 100 + (uint32_t)i, .ppid = 1,
			.uid = i % 4 ? 0 : 1000 + (uint32_t)(i % NUSERS),
			.exe = (uint16_t)(NEXES + i % 16),
		};
		err = emit_exec(g, &parents[i], ESPY_EV_PROC);
	}
	/* every process forks and execs: all alive at once at the peak */
	for (i = 0; i < nprocs && !err; i++) {
		struct proc *par = &parents[skewed(g, NPARENTS)];
		struct proc *p = &procs[i];

		p->tgid = BASE_PID + (uint32_t)i;
		p->ppid = par->tgid;
		p->uid = par->uid;
		p->exe = (uint16_t)skewed(g, NEXES);
		p->start_ns = g->now + 1;
		err = emit_fork(g, par, p);
		if (!err)
			err = emit_exec(g, p, ESPY_EV_EXEC);
	}
	/* their events, interleaved across the live processes */
	for (k = 0; k < nevents * nprocs && !err; k++)
		err = emit_event(g, &procs[rnd(g) % nprocs]);
	for (i = 0; i < nprocs && !err; i++)
		err = emit_exit(g, &procs[i]);

	if (!err)
		err = espy_rec_writer_close(g->w);
	else
		espy_rec_writer_close(g->w);
	if (err) {
		fprintf(stderr, "genrec: writing %s: %s\n", argv[optind], strerror(-err));
		return 1;
	}
	printf("%llu records, %ld processes, %d parents\n",
	       (unsigned long long)g->records, nprocs, NPARENTS);
	free(procs);
	free(g);
	return check ? check_file(argv[optind]) : 0;
}
