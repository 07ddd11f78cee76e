/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The JSON Lines log file.  Lines are gathered in a buffer and written in
 * batches: one write per drained batch rather than one per event.  A line
 * is never split across two writes unless it is larger than the buffer, so
 * a reader following the file sees whole lines.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "output.h"

#define OUT_BUF		(256 * 1024)
#define OUT_FLUSH_AT	(192 * 1024)

struct espy_out_file {
	int fd;
	int is_stdout;
	char path[PATH_MAX];
	struct espy_out_level lvl;
	struct espy_out_stats st;
	size_t len;
	char buf[OUT_BUF];
};

int espy_out_level_pass(const struct espy_out_level *lvl,
			const struct espy_event *ev)
{
	double score = ev->verdict ? ev->verdict->score : 0;
	int sev = ev->verdict ? (int)ev->verdict->severity : ESPY_SEV_NONE;

	return score >= lvl->min_score && sev >= lvl->min_severity;
}

static int make_parent(const char *path)
{
	char dir[PATH_MAX];
	char *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	if (mkdir(dir, 0750) && errno != EEXIST)
		return -errno;
	return 0;
}

static int open_log(const char *path)
{
	int fd, r;

	r = make_parent(path);
	if (r)
		return r;
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOCTTY, 0640);
	return fd < 0 ? -errno : fd;
}

int espy_out_file_open(struct espy_out_file **out, const char *path,
		       const struct espy_out_level *lvl)
{
	struct espy_out_file *o;

	if (strlen(path) >= sizeof(o->path))
		return -ENAMETOOLONG;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	strcpy(o->path, path);
	o->lvl = *lvl;
	if (!strcmp(path, "-")) {
		o->fd = STDOUT_FILENO;
		o->is_stdout = 1;
	} else {
		o->fd = open_log(path);
		if (o->fd < 0) {
			int r = o->fd;

			free(o);
			return r;
		}
	}
	*out = o;
	return 0;
}

/* *done: the bytes written, also when an error stops the write */
static int write_all(int fd, const char *p, size_t n, size_t *done)
{
	*done = 0;
	while (*done < n) {
		ssize_t w = write(fd, p + *done, n - *done);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		*done += w;
	}
	return 0;
}

int espy_out_file_flush(struct espy_out_file *o)
{
	size_t done;
	int r;

	if (!o || !o->len)
		return 0;
	r = write_all(o->fd, o->buf, o->len, &done);
	if (r) {
		/* the lines not (wholly) written are lost: count them, go on */
		for (size_t i = done; i < o->len; i++)
			if (o->buf[i] == '\n')
				o->st.errors++;
		if (o->st.last_err != r)
			fprintf(stderr, "espyd: %s: write failed: %s\n",
				o->is_stdout ? "stdout" : o->path, strerror(-r));
		o->st.last_err = r;
	} else {
		o->st.last_err = 0;
	}
	o->len = 0;
	return r;
}

int espy_out_file_sink(void *ctx, const struct espy_event *ev,
		       const char *json, size_t len)
{
	struct espy_out_file *o = ctx;
	size_t done;
	int r = 0;

	if (!espy_out_level_pass(&o->lvl, ev)) {
		o->st.filtered++;
		return 0;
	}
	if (o->len + len > sizeof(o->buf))
		r = espy_out_file_flush(o);
	if (len > sizeof(o->buf)) {
		r = write_all(o->fd, json, len, &done);
		if (r) {
			o->st.errors++;
			o->st.last_err = r;
			return r;
		}
	} else {
		memcpy(o->buf + o->len, json, len);
		o->len += len;
	}
	o->st.written++;
	o->st.bytes += len;
	/* stdout is for a person watching: no batching delay there */
	if (o->len >= OUT_FLUSH_AT || o->is_stdout)
		r = espy_out_file_flush(o);
	return r;
}

int espy_out_file_reopen(struct espy_out_file *o, const char *path)
{
	const char *p = path ? path : o->path;
	int fd;

	if (o->is_stdout)
		return 0;
	if (strlen(p) >= sizeof(o->path))
		return -ENAMETOOLONG;
	espy_out_file_flush(o);
	fd = open_log(p);
	if (fd < 0)
		return fd;
	close(o->fd);
	o->fd = fd;
	if (p != o->path)
		strcpy(o->path, p);
	o->st.reopens++;
	return 0;
}

void espy_out_file_set_level(struct espy_out_file *o,
			     const struct espy_out_level *lvl)
{
	o->lvl = *lvl;
}

const struct espy_out_stats *espy_out_file_stats(const struct espy_out_file *o)
{
	return &o->st;
}

const char *espy_out_file_path(const struct espy_out_file *o)
{
	return o->path;
}

void espy_out_file_close(struct espy_out_file *o)
{
	if (!o)
		return;
	espy_out_file_flush(o);
	if (!o->is_stdout)
		close(o->fd);
	free(o);
}
