/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * RFC 5424 syslog output.  libc's syslog(3) writes the old BSD format and
 * may block on a stalled /dev/log, so espyd formats its own messages and
 * sends them on a non-blocking datagram socket: a message the receiver
 * cannot take right now is dropped and counted, never waited for.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "config.h"
#include "output.h"

#define SYSLOG_MSG_MAX	(64 * 1024)

struct espy_out_syslog {
	int fd;
	int facility;
	char target[PATH_MAX];
	struct sockaddr_storage sa;
	socklen_t salen;
	char host[256];
	struct espy_out_level lvl;
	struct espy_out_stats st;
	char buf[SYSLOG_MSG_MAX];
};

/* espy severity -> syslog severity (RFC 5424 section 6.2.1) */
static int syslog_severity(const struct espy_event *ev)
{
	if (!ev->verdict)
		return 6;			/* informational */
	switch (ev->verdict->severity) {
	case ESPY_SEV_CRITICAL:
		return 2;			/* critical */
	case ESPY_SEV_HIGH:
		return 3;			/* error */
	case ESPY_SEV_MEDIUM:
		return 4;			/* warning */
	case ESPY_SEV_LOW:
		return 5;			/* notice */
	default:
		return 6;
	}
}

/* Printable US-ASCII without spaces, as HOSTNAME and friends must be. */
static void header_field(char *dst, size_t len, const char *src)
{
	size_t n = 0;

	for (; *src && n + 1 < len; src++)
		dst[n++] = (*src > 32 && *src < 127) ? *src : '_';
	if (!n && len > 1)
		dst[n++] = '-';
	dst[n] = '\0';
}

size_t espy_syslog_format(char *buf, size_t len, int facility,
			  const struct espy_event *ev, const char *host,
			  int pid, const char *json, size_t jlen)
{
	char ts[96] = "-", hostf[256];
	int64_t ns = ev->wall_ns;
	struct tm tm;
	time_t secs;
	int n;

	if (ns > 0) {
		/* RFC 5424 allows at most six fractional digits */
		secs = ns / 1000000000;
		if (gmtime_r(&secs, &tm))
			snprintf(ts, sizeof(ts), "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
				 tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
				 tm.tm_hour, tm.tm_min, tm.tm_sec,
				 (int)(ns % 1000000000 / 1000));
	}
	header_field(hostf, sizeof(hostf), host);
	while (jlen && (json[jlen - 1] == '\n' || json[jlen - 1] == '\r'))
		jlen--;
	n = snprintf(buf, len, "<%d>1 %s %s espyd %d %s - ",
		     facility * 8 + syslog_severity(ev), ts, hostf, pid,
		     ev->verdict && ev->verdict->alert ? "alert" : "event");
	if (n < 0)
		return 0;
	if ((size_t)n + jlen <= len)
		memcpy(buf + n, json, jlen);
	return n + jlen;
}

static int parse_target(struct espy_out_syslog *o, const char *t)
{
	memset(&o->sa, 0, sizeof(o->sa));
	if (*t == '/' || !strncmp(t, "unix:", 5)) {
		struct sockaddr_un *un = (struct sockaddr_un *)&o->sa;
		const char *p = *t == '/' ? t : t + 5;

		if (strlen(p) >= sizeof(un->sun_path))
			return -ENAMETOOLONG;
		un->sun_family = AF_UNIX;
		strcpy(un->sun_path, p);
		o->salen = sizeof(*un);
		return 0;
	}
	if (!strncmp(t, "udp:", 4)) {
		struct espy_listen l;
		int r;

		if (espy_conf_parse_listen(t + 4, &l) || !l.enabled)
			return -EINVAL;
		r = espy_listen_sockaddr(&l, &o->sa);
		if (r < 0)
			return r;
		o->salen = r;
		return 0;
	}
	return -EINVAL;
}

static int syslog_connect(struct espy_out_syslog *o)
{
	int fd;

	if (o->fd >= 0) {
		close(o->fd);
		o->fd = -1;
	}
	fd = socket(o->sa.ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&o->sa, o->salen)) {
		int r = -errno;

		close(fd);
		return r;
	}
	o->fd = fd;
	return 0;
}

int espy_out_syslog_open(struct espy_out_syslog **out, const char *target,
			 int facility, const struct espy_out_level *lvl)
{
	struct espy_out_syslog *o;
	int r;

	if (facility < 0 || facility > 23 || strlen(target) >= PATH_MAX)
		return -EINVAL;
	o = calloc(1, sizeof(*o));
	if (!o)
		return -ENOMEM;
	o->fd = -1;
	o->facility = facility;
	o->lvl = *lvl;
	strcpy(o->target, target);
	if (gethostname(o->host, sizeof(o->host) - 1))
		strcpy(o->host, "-");
	r = parse_target(o, target);
	if (r) {
		free(o);
		return r;
	}
	/* a syslog daemon that is not up yet is not fatal: retried per message */
	r = syslog_connect(o);
	if (r)
		o->st.last_err = r;
	*out = o;
	return 0;
}

int espy_out_syslog_sink(void *ctx, const struct espy_event *ev,
			 const char *json, size_t len)
{
	struct espy_out_syslog *o = ctx;
	size_t n;
	int r = 0;

	if (!espy_out_level_pass(&o->lvl, ev)) {
		o->st.filtered++;
		return 0;
	}
	n = espy_syslog_format(o->buf, sizeof(o->buf), o->facility, ev,
			       o->host, getpid(), json, len);
	if (n > sizeof(o->buf)) {
		r = -EMSGSIZE;
		goto err;
	}
	for (int attempt = 0; attempt < 2; attempt++) {
		if (o->fd < 0 && (r = syslog_connect(o)))
			goto err;
		if (send(o->fd, o->buf, n, MSG_DONTWAIT | MSG_NOSIGNAL) >= 0) {
			o->st.written++;
			o->st.bytes += n;
			o->st.last_err = 0;
			return 0;
		}
		r = -errno;
		/* the receiver restarted: its socket is new, connect again */
		if (r != -ECONNREFUSED && r != -ENOTCONN && r != -EDESTADDRREQ)
			break;
		close(o->fd);
		o->fd = -1;
	}
err:
	o->st.errors++;
	if (o->st.last_err != r)
		fprintf(stderr, "espyd: syslog %s: %s (events are dropped and counted)\n",
			o->target, strerror(-r));
	o->st.last_err = r;
	return r;
}

void espy_out_syslog_set_level(struct espy_out_syslog *o,
			       const struct espy_out_level *lvl)
{
	o->lvl = *lvl;
}

const struct espy_out_stats *
espy_out_syslog_stats(const struct espy_out_syslog *o)
{
	return &o->st;
}

void espy_out_syslog_close(struct espy_out_syslog *o)
{
	if (!o)
		return;
	if (o->fd >= 0)
		close(o->fd);
	free(o);
}
