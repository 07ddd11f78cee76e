/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "ctl_client.h"

int espy_ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd, r;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

void espy_lines_init(struct espy_lines *l, int fd, size_t max)
{
	memset(l, 0, sizeof(*l));
	l->fd = fd;
	l->max = max ? max : 1 << 20;
}

void espy_lines_fini(struct espy_lines *l)
{
	free(l->buf);
	memset(l, 0, sizeof(*l));
	l->fd = -1;
}

static long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000L + ts.tv_nsec / 1000000;
}

long espy_lines_next(struct espy_lines *l, char **line, int timeout_ms)
{
	long deadline = timeout_ms >= 0 ? now_ms() + timeout_ms : 0;

	for (;;) {
		char *nl = l->len > l->start ?
			   memchr(l->buf + l->start, '\n', l->len - l->start) : NULL;
		struct pollfd p = { .fd = l->fd, .events = POLLIN };
		ssize_t r;
		int wait;

		if (nl) {
			size_t n = nl - (l->buf + l->start);

			*nl = '\0';
			*line = l->buf + l->start;
			l->start += n + 1;
			l->partial = 0;
			return (long)n;
		}
		if (l->len - l->start > l->max)
			return -E2BIG;
		/* compact, then grow */
		if (l->start) {
			memmove(l->buf, l->buf + l->start, l->len - l->start);
			l->len -= l->start;
			l->start = 0;
		}
		if (l->cap - l->len < 4096) {
			size_t cap = l->cap ? l->cap * 2 : 65536;
			char *nb = realloc(l->buf, cap + 1);

			if (!nb)
				return -ENOMEM;
			l->buf = nb;
			l->cap = cap;
		}
		wait = timeout_ms < 0 ? -1 : (int)(deadline - now_ms());
		if (timeout_ms >= 0 && wait <= 0)
			return -ETIMEDOUT;
		r = poll(&p, 1, wait);
		if (r < 0)
			return -errno;	/* -EINTR too: the caller may be stopping */
		if (r == 0)
			return -ETIMEDOUT;
		r = read(l->fd, l->buf + l->len, l->cap - l->len);
		if (r < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return -errno;
		}
		if (r == 0) {
			size_t n = l->len - l->start;

			if (!n)
				return -EPIPE;
			/* the last line had no newline */
			l->buf[l->len] = '\0';
			*line = l->buf + l->start;
			l->start = l->len;
			l->partial = 1;
			return (long)n;
		}
		l->len += r;
	}
}

int espy_ctl_send(int fd, const char *s)
{
	size_t n = strlen(s), off = 0;
	char *msg = malloc(n + 1);

	if (!msg)
		return -ENOMEM;
	memcpy(msg, s, n);
	msg[n++] = '\n';
	while (off < n) {
		ssize_t w = send(fd, msg + off, n - off, MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			free(msg);
			return -errno;
		}
		off += w;
	}
	free(msg);
	return 0;
}

long espy_ctl_call(struct espy_lines *l, const char *cmd, char **reply,
		   int timeout_ms)
{
	int r = espy_ctl_send(l->fd, cmd);

	if (r)
		return r;
	for (;;) {
		long n = espy_lines_next(l, reply, timeout_ms);

		if (n < 0)
			return n;
		/* replies lead with "ok"; event lines never do */
		if (!strncmp(*reply, "{\"ok\":", 6))
			return n;
	}
}
