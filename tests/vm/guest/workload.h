/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The scripted workloads of the vm tier: each runs in a child process
 * pinned to CPU 0 (so that every driver sees its records in program
 * order) and leaves what it did -- fds, inodes, pids -- in shared memory
 * for the assertions.
 */
#ifndef ESPY_VM_WORKLOAD_H
#define ESPY_VM_WORKLOAD_H

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <sys/fsuid.h>
#include <linux/openat2.h>
#include <linux/bpf.h>
#include <linux/if_ether.h>

#define WL_DIR		"/tmp/espy-vm"
#define WL_SECRET	WL_DIR "/secret/"
#define WL_PORT		7411

/* What the workload did, for the assertions. */
struct wl_out {
	pid_t espyd;		/* the excluded process, target of kill */
	pid_t grandchild;
	pid_t grandchild2;	/* wl_extra's script */
	int create_fd;
	ino_t create_ino;
	ino_t secret_ino;
	int memfd;
	int pkt_fd;
	int conn_fd;
	int acc_fd;
	int lst_fd;
	uint16_t conn_lport;
	int errors;		/* a step the workload could not do */
	char err[128];
};

static inline struct wl_out *wl_shared(void)
{
	void *p = mmap(NULL, sizeof(struct wl_out), PROT_READ | PROT_WRITE,
		       MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0, sizeof(struct wl_out));
	return p;
}

static inline void wl_fail(struct wl_out *o, const char *what)
{
	if (!o->errors++)
		snprintf(o->err, sizeof(o->err), "%s: %s", what, strerror(errno));
}

static inline void wl_pin_cpu0(void)
{
	cpu_set_t set;

	CPU_ZERO(&set);
	CPU_SET(0, &set);
	sched_setaffinity(0, sizeof(set), &set);
}

/* Run fn in a child pinned to CPU 0; returns its pid after it exited. */
static inline pid_t wl_run(void (*fn)(struct wl_out *), struct wl_out *o,
			   int *status)
{
	pid_t pid = fork();

	if (pid < 0)
		return -1;
	if (!pid) {
		wl_pin_cpu0();
		fn(o);
		_exit(0);
	}
	waitpid(pid, status, 0);
	return pid;
}

/* ---- process: fork a grandchild that exits 3, then exec a shell -------- */

static inline void wl_proc(struct wl_out *o)
{
	char *argv[] = { "sh", "-c", "exit 5", NULL };
	char *envp[] = { "PATH=/bin", NULL };
	pid_t g;

	if (chdir(WL_DIR))
		wl_fail(o, "chdir");
	g = fork();
	if (!g)
		_exit(3);
	o->grandchild = g;
	waitpid(g, NULL, 0);
	execve("/bin/sh", argv, envp);
	wl_fail(o, "execve");
}

/* ---- files ----------------------------------------------------------------- */

static inline void wl_files(struct wl_out *o)
{
	struct timespec ts[2] = { { 1000000000, 5 }, { 0, UTIME_OMIT } };
	struct stat st;
	int fd;

	if (chdir(WL_DIR))
		wl_fail(o, "chdir");
	fd = openat(AT_FDCWD, "created", O_CREAT | O_WRONLY | O_TRUNC, 0640);
	if (fd < 0)
		wl_fail(o, "openat created");
	o->create_fd = fd;
	if (fd >= 0 && !fstat(fd, &st))
		o->create_ino = st.st_ino;
	if (fchmod(fd, 04755))
		wl_fail(o, "fchmod");
	if (ftruncate(fd, 4096))
		wl_fail(o, "ftruncate");
	close(fd);
	if (chmod(WL_DIR "/created", 0600))
		wl_fail(o, "chmod");
	if (chown("created", 1000, -1))
		wl_fail(o, "chown");
	if (truncate(WL_DIR "/created", 10))
		wl_fail(o, "truncate");
	if (utimensat(AT_FDCWD, "created", ts, AT_SYMLINK_NOFOLLOW))
		wl_fail(o, "utimensat");
	if (mkdir("sub", 0700))
		wl_fail(o, "mkdir");
	if (rename("created", "sub/moved"))
		wl_fail(o, "rename");
	if (link(WL_DIR "/sub/moved", WL_DIR "/hard"))
		wl_fail(o, "link");
	if (symlink("../etc/passwd", "soft"))
		wl_fail(o, "symlink");
	if (unlink(WL_DIR "/soft"))
		wl_fail(o, "unlink");
	if (unlink(WL_DIR "/hard") || unlink(WL_DIR "/sub/moved"))
		wl_fail(o, "unlink");
	if (rmdir(WL_DIR "/sub"))
		wl_fail(o, "rmdir");
	/* a failed create: reported with the string it named */
	if (open(WL_DIR "/nodir/x", O_CREAT | O_WRONLY, 0600) >= 0 ||
	    errno != ENOENT)
		wl_fail(o, "open nodir");
}

/* ---- the read-only open filter ------------------------------------------ */

static inline void wl_reads(struct wl_out *o)
{
	struct stat st;
	int fd;

	/* interesting by prefix, resolved through a relative path */
	if (chdir(WL_SECRET))
		wl_fail(o, "chdir");
	fd = open("key", O_RDONLY);
	if (fd < 0 || fstat(fd, &st))
		wl_fail(o, "open key");
	else
		o->secret_ino = st.st_ino;
	close(fd);
	/* interesting by a component name */
	fd = open(WL_DIR "/home/.ssh/id", O_RDONLY);
	if (fd < 0)
		wl_fail(o, "open .ssh/id");
	close(fd);
	/* boring: not reported */
	fd = open(WL_DIR "/boring", O_RDONLY);
	if (fd < 0)
		wl_fail(o, "open boring");
	close(fd);
	/* failed, absolute, under a prefix: reported with the string */
	if (open(WL_SECRET "missing", O_RDONLY) >= 0)
		wl_fail(o, "open missing");
	/* failed and boring: not reported */
	if (open(WL_DIR "/missing", O_RDONLY) >= 0)
		wl_fail(o, "open missing");
}

/* ---- network ----------------------------------------------------------------- */

static inline void wl_net(struct wl_out *o)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons(WL_PORT),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	struct sockaddr_in dns = { .sin_family = AF_INET,
				   .sin_port = htons(53),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	/* a query for www.example.org, type A */
	static const unsigned char q[] = {
		0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		3, 'o', 'r', 'g', 0, 0, 1, 0, 1,
	};
	struct sockaddr_in l;
	socklen_t ll = sizeof(l);
	char buf[64] = "hello";
	unsigned char pkt[sizeof(q)];
	int one = 1, u;

	o->lst_fd = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(o->lst_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(o->lst_fd, (void *)&a, sizeof(a)))
		wl_fail(o, "bind");
	if (listen(o->lst_fd, 7))
		wl_fail(o, "listen");
	o->conn_fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(o->conn_fd, (void *)&a, sizeof(a)))
		wl_fail(o, "connect");
	getsockname(o->conn_fd, (void *)&l, &ll);
	o->conn_lport = ntohs(l.sin_port);
	o->acc_fd = accept(o->lst_fd, NULL, NULL);
	if (o->acc_fd < 0)
		wl_fail(o, "accept");
	if (write(o->conn_fd, buf, 5) != 5 || read(o->acc_fd, buf, 5) != 5)
		wl_fail(o, "tcp data");
	close(o->conn_fd);
	close(o->acc_fd);
	close(o->lst_fd);
	/* a refused connect is reported with its error */
	a.sin_port = htons(WL_PORT + 1);
	u = socket(AF_INET, SOCK_STREAM, 0);
	if (!connect(u, (void *)&a, sizeof(a)) || errno != ECONNREFUSED)
		wl_fail(o, "refused connect");
	close(u);
	/* built in memory the process wrote, as a resolver does: a probe
	 * cannot fault in a page the process never touched */
	memcpy(pkt, q, sizeof(q));
	u = socket(AF_INET, SOCK_DGRAM, 0);
	if (sendto(u, pkt, sizeof(pkt), 0, (void *)&dns, sizeof(dns)) < 0)
		wl_fail(o, "dns sendto");
	close(u);
}

/* ---- privilege and tamper ------------------------------------------------ */

static inline void wl_priv(struct wl_out *o)
{
	struct __user_cap_header_struct ch = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct cd[2];
	union bpf_attr attr;
	char name[] = "espy-vm-memfd";

	if (setuid(0))
		wl_fail(o, "setuid");
	if (setresgid(0, 0, 0))
		wl_fail(o, "setresgid");
	if (syscall(SYS_capget, &ch, cd))
		wl_fail(o, "capget");
	if (syscall(SYS_capset, &ch, cd))
		wl_fail(o, "capset");
	o->memfd = syscall(SYS_memfd_create, name, 1 /* MFD_CLOEXEC */);
	if (o->memfd < 0)
		wl_fail(o, "memfd_create");
	o->pkt_fd = socket(AF_PACKET, SOCK_RAW, htons(ETH_P_ALL));
	if (o->pkt_fd < 0)
		wl_fail(o, "packet socket");
	/* a bogus module image and program: refused, still reported */
	if (!syscall(SYS_finit_module, o->memfd, "", 0))
		wl_fail(o, "finit_module accepted an empty file");
	memset(&attr, 0, sizeof(attr));
	attr.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	attr.insn_cnt = 0;
	strcpy(attr.prog_name, "espy_vm_prog");
	syscall(SYS_bpf, BPF_PROG_LOAD, &attr, sizeof(attr));
	/* signal 0 at the excluded process: a probe of espyd */
	if (kill(o->espyd, 0))
		wl_fail(o, "kill");
	if (ptrace(PTRACE_TRACEME, 0, 0, 0))
		wl_fail(o, "ptrace");
}

/* ---- the rest of the syscall families, for the parity test ------------ */

static inline void wl_extra(struct wl_out *o)
{
	struct open_how how = { .flags = O_CREAT | O_RDWR, .mode = 0600 };
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	struct sockaddr_in6 a6 = { .sin6_family = AF_INET6,
				   .sin6_port = htons(WL_PORT + 2),
				   .sin6_addr = IN6ADDR_LOOPBACK_INIT };
	static const unsigned char q[] = {
		0x43, 0x21, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		4, 'm', 'a', 'i', 'l', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		3, 'c', 'o', 'm', 0, 0, 28, 0, 1,
	};
	struct sockaddr_in dns = { .sin_family = AF_INET,
				   .sin_port = htons(53),
				   .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	unsigned char pkt[sizeof(q)];
	struct iovec iov = { pkt, sizeof(pkt) }, liov, riov;
	struct msghdr mh = { .msg_name = &dns, .msg_namelen = sizeof(dns),
			     .msg_iov = &iov, .msg_iovlen = 1 };
	char *argv[] = { WL_DIR "/script.sh", "arg", NULL };
	char *envp[] = { "PATH=/bin", NULL };
	char buf[8] = "abc", dst[8];
	int fd, sv[2];
	pid_t c;

	if (chdir(WL_DIR))
		wl_fail(o, "chdir");
	fd = syscall(SYS_openat2, AT_FDCWD, "o2", &how, sizeof(how));
	if (fd < 0)
		wl_fail(o, "openat2");
	close(fd);
	fd = creat("cr", 0644);
	close(fd);
	if (mkdirat(AT_FDCWD, "d2", 0755))
		wl_fail(o, "mkdirat");
	fd = open(WL_DIR, O_RDONLY | O_DIRECTORY);
	if (syscall(SYS_renameat2, fd, "o2", fd, "d2/o3", 0))
		wl_fail(o, "renameat2");
	if (linkat(fd, "cr", AT_FDCWD, "cr2", 0))
		wl_fail(o, "linkat");
	if (symlinkat("cr", fd, "sl"))
		wl_fail(o, "symlinkat");
	if (fchownat(fd, "cr", 0, 0, 0) || lchown("sl", 0, 0))
		wl_fail(o, "fchownat");
	if (unlinkat(fd, "d2/o3", 0) || unlinkat(fd, "d2", AT_REMOVEDIR))
		wl_fail(o, "unlinkat");
	unlink("sl");
	unlink("cr2");
	unlink("cr");
	close(fd);
	if (setreuid(0, 0) || setregid(-1, 0) || setfsuid(0) < 0)
		wl_fail(o, "setreuid");
	liov.iov_base = buf;
	liov.iov_len = 3;
	riov.iov_base = dst;
	riov.iov_len = 3;
	if (syscall(SYS_process_vm_writev, getpid(), &liov, 1, &riov, 1, 0) != 3)
		wl_fail(o, "process_vm_writev");
	if (syscall(SYS_tgkill, o->espyd, o->espyd, 0))
		wl_fail(o, "tgkill");
	/* AF_UNIX and IPv6 connects that find nobody */
	strcpy(un.sun_path, WL_DIR "/nosock");
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	connect(fd, (void *)&un, sizeof(un));
	close(fd);
	fd = socket(AF_INET6, SOCK_STREAM, 0);
	connect(fd, (void *)&a6, sizeof(a6));
	close(fd);
	memcpy(pkt, q, sizeof(q));
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (sendmsg(fd, &mh, 0) < 0)
		wl_fail(o, "sendmsg");
	close(fd);
	/* a script run with its stdout on a socket */
	fd = open(WL_DIR "/script.sh", O_CREAT | O_WRONLY | O_TRUNC, 0755);
	if (fd < 0 || write(fd, "#!/bin/sh\nexit 0\n", 17) != 17)
		wl_fail(o, "script");
	close(fd);
	socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	c = fork();
	if (!c) {
		dup2(sv[1], 1);
		execve(argv[0], argv, envp);
		_exit(127);
	}
	waitpid(c, NULL, 0);
	o->grandchild2 = c;
	close(sv[0]);
	close(sv[1]);
}

#endif /* ESPY_VM_WORKLOAD_H */
