/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fileio.h"

int espy_write_all(int fd, const void *buf, size_t len)
{
	const char *p = buf;

	while (len) {
		ssize_t n = write(fd, p, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		p += n;
		len -= n;
	}
	return 0;
}

int espy_read_file(const char *path, void **buf, size_t *len, size_t max)
{
	struct stat st;
	char *b = NULL;
	size_t cap, n = 0;
	int fd, ret = 0;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) < 0) {
		ret = -errno;
		goto close_fd;
	}
	if (!S_ISREG(st.st_mode)) {
		ret = -EINVAL;
		goto close_fd;
	}
	if ((uint64_t)st.st_size > max) {
		ret = -EFBIG;
		goto close_fd;
	}
	cap = st.st_size + 1;
	b = malloc(cap);
	if (!b) {
		ret = -ENOMEM;
		goto close_fd;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *nb;

			if (cap > max) {
				ret = -EFBIG;
				goto free_b;
			}
			nb = realloc(b, cap * 2);
			if (!nb) {
				ret = -ENOMEM;
				goto free_b;
			}
			b = nb;
			cap *= 2;
		}
		r = read(fd, b + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto free_b;
		}
		if (r == 0)
			break;
		n += r;
	}
	if (n > max) {
		ret = -EFBIG;
		goto free_b;
	}
	*buf = b;
	*len = n;
	close(fd);
	return 0;
free_b:
	free(b);
close_fd:
	close(fd);
	return ret;
}

int espy_fsync_dir_of(const char *path)
{
	char dir[PATH_MAX];
	char *slash;
	int fd, ret = 0;

	if (snprintf(dir, sizeof(dir), "%s", path) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (!slash)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fsync(fd) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

int espy_mkdir_p(const char *dir, unsigned int mode)
{
	char p[PATH_MAX];
	size_t i, n;

	n = strlen(dir);
	if (n == 0 || n >= sizeof(p))
		return -EINVAL;
	memcpy(p, dir, n + 1);
	for (i = 1; i <= n; i++) {
		if (p[i] != '/' && p[i] != 0)
			continue;
		p[i] = 0;
		if (mkdir(p, mode) < 0 && errno != EEXIST)
			return -errno;
		if (i < n)
			p[i] = '/';
	}
	return 0;
}
