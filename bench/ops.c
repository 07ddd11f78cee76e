/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * ops: nanoseconds per operation for the syscalls a host monitor traces.
 *
 *   ops [-c CPU] [-n BATCHES] [-m MS] [-p PATH] [-s PATH] [-d DIR] [OP...]
 *   ops [-c CPU] [-n RUNS] [-l LABEL] run CMD [ARG...]
 *
 * OPs: exec open open_secret create connect getpid (default: all of them).
 * Each op is calibrated so that one batch lasts about MS milliseconds, warmed
 * up with one such batch, then timed over BATCHES batches; the figure printed
 * is the median of the per-batch means, so one preemption or one slow
 * writeback spoils one batch, not the result.  "run" times a whole command
 * RUNS times (fork+exec+wait) and prints the median wall time of one run.
 *
 * The process pins itself to one CPU (default: the last one) so that the
 * monitor under test can be given the other CPUs: a monitor's reader then
 * costs the workload only what it costs in the kernel, on the workload's own
 * syscalls, which is the figure we want.
 *
 * Output: one line per op, "NAME NS_PER_OP BATCHES ITERS_PER_BATCH", after a
 * "#" header line.  Exit 0, or 1 with a message when an op fails.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_BATCHES	101

struct bench {
	const char *plain_path;		/* uninteresting read-only open */
	const char *secret_path;	/* a path the in-kernel filter reports */
	char tmp_path[4096];		/* create+write+unlink target */
	int listen_fd;
	struct sockaddr_in listen_addr;
	char *const *cmd;		/* "run" mode */
};

struct op {
	const char *name;
	int (*setup)(struct bench *b);
	int (*fn)(struct bench *b);
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	/* CLOCK_MONOTONIC is served by the vDSO: no syscall, nothing traced */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* search: look the command up in PATH with the caller's environment (for
 * "run"); otherwise exec the given path with an empty environment. */
static int spawn_wait(char *const argv[], int search)
{
	static char *const envp[] = { NULL };
	int status;
	pid_t pid;

	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		if (search)
			execvp(argv[0], argv);
		else
			execve(argv[0], argv, envp);
		_exit(127);
	}
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		return -ECHILD;
	return 0;
}

static int op_exec(struct bench *b)
{
	static char *const argv[] = { "/bin/true", NULL };

	(void)b;
	return spawn_wait(argv, 0);
}

static int open_close(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int op_open(struct bench *b)
{
	return open_close(b->plain_path);
}

static int op_open_secret(struct bench *b)
{
	return open_close(b->secret_path);
}

static int op_create(struct bench *b)
{
	static const char buf[64] = "espy bench: create+write+unlink\n";
	ssize_t n;
	int fd, err = 0;

	fd = open(b->tmp_path, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	n = write(fd, buf, sizeof(buf));
	if (n != (ssize_t)sizeof(buf))
		err = n < 0 ? -errno : -EIO;
	close(fd);
	if (unlink(b->tmp_path) < 0 && !err)
		err = -errno;
	return err;
}

static int setup_listener(struct bench *b)
{
	socklen_t len = sizeof(b->listen_addr);
	int fd;

	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	memset(&b->listen_addr, 0, sizeof(b->listen_addr));
	b->listen_addr.sin_family = AF_INET;
	b->listen_addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&b->listen_addr, sizeof(b->listen_addr)) < 0 ||
	    listen(fd, 128) < 0 ||
	    getsockname(fd, (struct sockaddr *)&b->listen_addr, &len) < 0) {
		int err = -errno;

		close(fd);
		return err;
	}
	b->listen_fd = fd;
	return 0;
}

/* A blocking connect on loopback completes in the caller's context (the
 * handshake runs in softirq on this CPU), so one thread can do both ends. */
static int op_connect(struct bench *b)
{
	int c, a, err = 0;

	c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0)
		return -errno;
	if (connect(c, (struct sockaddr *)&b->listen_addr, sizeof(b->listen_addr)) < 0) {
		err = -errno;
		goto close_client;
	}
	a = accept4(b->listen_fd, NULL, NULL, SOCK_CLOEXEC);
	if (a < 0) {
		err = -errno;
		goto close_client;
	}
	close(a);
close_client:
	close(c);
	return err;
}

static int op_getpid(struct bench *b)
{
	(void)b;
	/* the raw syscall: glibc no longer caches getpid, but be explicit */
	syscall(SYS_getpid);
	return 0;
}

static int op_run(struct bench *b)
{
	return spawn_wait(b->cmd, 1);
}

static const struct op ops[] = {
	{ "exec",        NULL,           op_exec },
	{ "open",        NULL,           op_open },
	{ "open_secret", NULL,           op_open_secret },
	{ "create",      NULL,           op_create },
	{ "connect",     setup_listener, op_connect },
	{ "getpid",      NULL,           op_getpid },
};

#define NOPS	(sizeof(ops) / sizeof(ops[0]))

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int run_batch(const struct op *op, struct bench *b, long iters,
		     double *ns_per_op)
{
	uint64_t t0, t1;
	long i;
	int err;

	t0 = now_ns();
	for (i = 0; i < iters; i++) {
		err = op->fn(b);
		if (err)
			return err;
	}
	t1 = now_ns();
	*ns_per_op = (double)(t1 - t0) / (double)iters;
	return 0;
}

/*
 * Size a batch to last about target_ns: start from one op, then grow until a
 * batch is long enough to be measured well, which also serves as warm-up.
 */
static int calibrate(const struct op *op, struct bench *b, uint64_t target_ns,
		     long *iters)
{
	double per_op;
	long n = 1;
	int err;

	for (;;) {
		uint64_t t0 = now_ns();

		err = run_batch(op, b, n, &per_op);
		if (err)
			return err;
		if (now_ns() - t0 >= target_ns / 4 || n >= 100000000L)
			break;
		n *= 8;
	}
	n = (long)((double)target_ns / (per_op > 1.0 ? per_op : 1.0));
	if (n < 1)
		n = 1;
	/* one full-size warm-up batch, not counted */
	err = run_batch(op, b, n, &per_op);
	if (err)
		return err;
	*iters = n;
	return 0;
}

static int measure(const struct op *op, const char *label, struct bench *b,
		   int batches, uint64_t target_ns)
{
	double samples[MAX_BATCHES];
	long iters;
	int i, err;

	if (op->setup) {
		err = op->setup(b);
		if (err)
			return err;
	}
	err = calibrate(op, b, target_ns, &iters);
	if (err)
		return err;
	for (i = 0; i < batches; i++) {
		err = run_batch(op, b, iters, &samples[i]);
		if (err)
			return err;
	}
	qsort(samples, batches, sizeof(samples[0]), cmp_double);
	printf("%s %.1f %d %ld\n", label, samples[batches / 2], batches, iters);
	fflush(stdout);
	return 0;
}

static int measure_runs(const char *label, struct bench *b, int runs)
{
	static const struct op run = { "run", NULL, op_run };
	double samples[MAX_BATCHES];
	int i, err;

	/* one untimed run warms the page cache and the dentry cache */
	err = op_run(b);
	if (err)
		return err;
	for (i = 0; i < runs; i++) {
		err = run_batch(&run, b, 1, &samples[i]);
		if (err)
			return err;
	}
	qsort(samples, runs, sizeof(samples[0]), cmp_double);
	printf("%s %.1f %d 1\n", label, samples[runs / 2], runs);
	fflush(stdout);
	return 0;
}

static int pin_cpu(int cpu)
{
	cpu_set_t set;

	if (cpu < 0) {
		long n = sysconf(_SC_NPROCESSORS_ONLN);

		cpu = n > 0 ? (int)n - 1 : 0;
	}
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set) < 0)
		return -errno;
	return cpu;
}

static void usage(FILE *f)
{
	size_t i;

	fprintf(f,
		"usage: ops [-c CPU] [-n BATCHES] [-m MS] [-p PATH] [-s PATH] [-d DIR] [OP...]\n"
		"       ops [-c CPU] [-n RUNS] [-l LABEL] run CMD [ARG...]\n"
		"  -c CPU    pin to this CPU (default: the last online CPU)\n"
		"  -n N      timed batches (runs for 'run'), odd, at most %d (default 11)\n"
		"  -m MS     target length of one batch in ms (default 20)\n"
		"  -p PATH   uninteresting file for 'open' (default /usr/lib/os-release)\n"
		"  -s PATH   interesting file for 'open_secret' (default /etc/shadow)\n"
		"  -d DIR    directory for 'create' (default /tmp)\n"
		"  -l LABEL  name printed for 'run' (default: the command's basename)\n"
		"OPs:", MAX_BATCHES);
	for (i = 0; i < NOPS; i++)
		fprintf(f, " %s", ops[i].name);
	fprintf(f, "\n");
}

int main(int argc, char **argv)
{
	struct bench b = {
		.plain_path = "/usr/lib/os-release",
		.secret_path = "/etc/shadow",
		.listen_fd = -1,
	};
	const char *tmpdir = "/tmp", *label = NULL;
	int batches = 11, batch_ms = 20, cpu = -1;
	int opt, i, err;
	size_t k;

	while ((opt = getopt(argc, argv, "+c:n:m:p:s:d:l:h")) != -1) {
		switch (opt) {
		case 'c': cpu = atoi(optarg); break;
		case 'n': batches = atoi(optarg); break;
		case 'm': batch_ms = atoi(optarg); break;
		case 'p': b.plain_path = optarg; break;
		case 's': b.secret_path = optarg; break;
		case 'd': tmpdir = optarg; break;
		case 'l': label = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (batches < 1 || batches > MAX_BATCHES || batch_ms < 1) {
		usage(stderr);
		return 2;
	}
	snprintf(b.tmp_path, sizeof(b.tmp_path), "%s/espy-bench-ops.%d",
		 tmpdir, (int)getpid());

	cpu = pin_cpu(cpu);
	if (cpu < 0) {
		fprintf(stderr, "ops: sched_setaffinity: %s\n", strerror(-cpu));
		return 1;
	}
	printf("# op ns_per_op batches iters_per_batch (cpu %d)\n", cpu);

	if (optind < argc && !strcmp(argv[optind], "run")) {
		if (optind + 1 >= argc) {
			usage(stderr);
			return 2;
		}
		b.cmd = &argv[optind + 1];
		if (!label) {
			label = strrchr(b.cmd[0], '/');
			label = label ? label + 1 : b.cmd[0];
		}
		err = measure_runs(label, &b, batches);
		if (err) {
			fprintf(stderr, "ops: run %s: %s\n", b.cmd[0],
				err == -ECHILD ? "command failed" : strerror(-err));
			return 1;
		}
		return 0;
	}

	for (i = optind; i < argc; i++) {
		for (k = 0; k < NOPS && strcmp(argv[i], ops[k].name); k++)
			;
		if (k == NOPS) {
			fprintf(stderr, "ops: unknown op '%s'\n", argv[i]);
			return 2;
		}
	}
	for (k = 0; k < NOPS; k++) {
		int wanted = optind == argc;

		for (i = optind; i < argc && !wanted; i++)
			wanted = !strcmp(argv[i], ops[k].name);
		if (!wanted)
			continue;
		err = measure(&ops[k], ops[k].name, &b, batches,
			      (uint64_t)batch_ms * 1000000ULL);
		if (err) {
			fprintf(stderr, "ops: %s: %s\n", ops[k].name,
				err == -ECHILD ? "child failed" : strerror(-err));
			unlink(b.tmp_path);
			return 1;
		}
	}
	if (b.listen_fd >= 0)
		close(b.listen_fd);
	return 0;
}
