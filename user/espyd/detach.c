/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Going to the background.  espyd must fork before anything learns its pid
 * (the sensors exclude and protect that pid), yet a start that fails later
 * (no BTF, nothing attached) must still exit non-zero on the caller's
 * terminal.  So the parent waits on a pipe for the child's verdict.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <sys/wait.h>

#include "espyd.h"

int espyd_detach_begin(struct espyd *d)
{
	int p[2];
	pid_t pid;
	unsigned char st;
	ssize_t n;

	d->detach_fd = -1;
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		close(p[0]);
		close(p[1]);
		return -errno;
	}
	if (pid == 0) {
		close(p[0]);
		d->detach_fd = p[1];
		if (setsid() < 0)
			return -errno;
		return 0;
	}
	/* parent: the child's status byte, or its death, decides */
	close(p[1]);
	do
		n = read(p[0], &st, 1);
	while (n < 0 && errno == EINTR);
	if (n == 1)
		_exit(st);
	waitpid(pid, NULL, WNOHANG);
	_exit(1);
}

void espyd_detach_done(struct espyd *d, int err)
{
	unsigned char st = err ? 1 : 0;
	int fd;

	if (d->detach_fd < 0)
		return;
	if (!err) {
		/* from here on, stdio of a daemon leads nowhere */
		fd = open("/dev/null", O_RDWR | O_CLOEXEC);
		if (fd >= 0) {
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
		if (chdir("/") < 0)
			st = 1;
	}
	if (write(d->detach_fd, &st, 1) < 0)
		err = -errno;	/* the parent is gone; nothing to tell */
	close(d->detach_fd);
	d->detach_fd = -1;
}
