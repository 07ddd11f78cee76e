/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>

#include "bytebuf.h"
#include "ctl.h"
#include "filter.h"

struct client {
	struct client *next, *prev;
	int fd;
	int dead;		/* closed; freed at the next dispatch */
	int eof;		/* peer closed its write side */
	int close_after_flush;
	int subscribed;
	int discarding;		/* skipping the rest of an over-long line */
	int nerrors;
	int want_out;		/* EPOLLOUT currently requested */
	int midline;		/* the socket got part of a line, not its end */
	int closing;		/* last words queued: closed once they went out */
	uint64_t deadline_ms;	/* ... or at this time */
	pid_t pid;
	uid_t uid;
	struct espy_filter filter;
	size_t inlen;
	char in[ESPY_CTL_LINE_MAX + 1];
	char *out;
	size_t off, len, cap;	/* queued bytes are out[off..len) */
};

struct cmd {
	char verb[24];
	const char *help;
	espy_ctl_cmd_fn fn;
	void *ctx;
};

struct espy_ctl {
	int epfd;
	int lfd;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	gid_t gid;
	int max_clients;
	size_t client_buffer;
	char host[256];
	struct client *clients;
	struct client *graveyard;
	int nclosing;		/* clients with a deadline */
	int ncmds;
	struct cmd cmds[ESPY_CTL_MAX_CMDS];
	struct espy_ctl_stats st;
	struct espy_json j;	/* reply scratch */
};

static void ctl_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void ctl_log(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("espyd: control: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- socket setup ------------------------------------------------------ */

/* A socket file left by a previous espyd is removed; a live one is not. */
static int clear_stale(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct stat st;
	int fd, r;

	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -EEXIST;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	strcpy(sa.sun_path, path);
	r = connect(fd, (struct sockaddr *)&sa, sizeof(sa));
	close(fd);
	if (r == 0)
		return -EADDRINUSE;
	if (unlink(path) && errno != ENOENT)
		return -errno;
	return 0;
}

int espy_ctl_open(struct espy_ctl **out, const struct espy_ctl_opts *o)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct epoll_event ev = { .events = EPOLLIN };
	struct espy_ctl *c;
	mode_t old_umask;
	int r;

	if (!o->path || !*o->path || strlen(o->path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->epfd = -1;
	c->lfd = -1;
	strcpy(c->path, o->path);
	c->gid = o->gid;
	c->max_clients = o->max_clients > 0 ? o->max_clients : 32;
	c->client_buffer = o->client_buffer ? o->client_buffer : 4 << 20;
	snprintf(c->host, sizeof(c->host), "%s", o->host ? o->host : "");
	espy_json_init(&c->j);

	r = clear_stale(c->path);
	if (r)
		goto err_free;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0) {
		r = -errno;
		goto err_free;
	}
	c->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->lfd < 0) {
		r = -errno;
		goto err_close_ep;
	}
	strcpy(sa.sun_path, c->path);
	/* the file must never exist with looser permissions, even briefly */
	old_umask = umask(0777 & ~o->mode);
	r = bind(c->lfd, (struct sockaddr *)&sa, sizeof(sa)) ? -errno : 0;
	umask(old_umask);
	if (r)
		goto err_close_sock;
	if (chmod(c->path, o->mode) ||
	    (o->gid != (gid_t)-1 && chown(c->path, (uid_t)-1, o->gid)) ||
	    listen(c->lfd, 64)) {
		r = -errno;
		goto err_unlink;
	}
	ev.data.ptr = NULL;	/* NULL tags the listener */
	if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, c->lfd, &ev)) {
		r = -errno;
		goto err_unlink;
	}
	*out = c;
	return 0;

err_unlink:
	unlink(c->path);
err_close_sock:
	close(c->lfd);
err_close_ep:
	close(c->epfd);
err_free:
	espy_json_fini(&c->j);
	free(c);
	return r;
}

int espy_ctl_fd(const struct espy_ctl *c)
{
	return c->epfd;
}

void espy_ctl_set_limits(struct espy_ctl *c, int max_clients,
			 size_t client_buffer)
{
	if (max_clients > 0)
		c->max_clients = max_clients;
	if (client_buffer)
		c->client_buffer = client_buffer;
}

const struct espy_ctl_stats *espy_ctl_stats(const struct espy_ctl *c)
{
	return &c->st;
}

int espy_ctl_register(struct espy_ctl *c, const char *verb, const char *help,
		      espy_ctl_cmd_fn fn, void *ctx)
{
	struct cmd *cmd;

	if (strlen(verb) >= sizeof(cmd->verb))
		return -ENAMETOOLONG;
	for (int i = 0; i < c->ncmds; i++)
		if (!strcmp(c->cmds[i].verb, verb))
			return -EEXIST;
	if (c->ncmds >= ESPY_CTL_MAX_CMDS)
		return -ENOSPC;
	cmd = &c->cmds[c->ncmds++];
	strcpy(cmd->verb, verb);
	cmd->help = help;
	cmd->fn = fn;
	cmd->ctx = ctx;
	return 0;
}

/* ---- clients ----------------------------------------------------------- */

static void unsubscribe(struct espy_ctl *c, struct client *cl)
{
	if (!cl->subscribed)
		return;
	cl->subscribed = 0;
	c->st.subscribers--;
}

static void client_kill(struct espy_ctl *c, struct client *cl)
{
	if (cl->dead)
		return;
	epoll_ctl(c->epfd, EPOLL_CTL_DEL, cl->fd, NULL);
	close(cl->fd);
	cl->dead = 1;
	if (cl->closing)
		c->nclosing--;
	unsubscribe(c, cl);
	c->st.clients--;
	/* unlink from the live list; freed later so that pointers held by
	 * the current epoll batch stay valid */
	if (cl->prev)
		cl->prev->next = cl->next;
	else
		c->clients = cl->next;
	if (cl->next)
		cl->next->prev = cl->prev;
	cl->next = c->graveyard;
	c->graveyard = cl;
}

static void bury(struct espy_ctl *c)
{
	while (c->graveyard) {
		struct client *cl = c->graveyard;

		c->graveyard = cl->next;
		free(cl->out);
		free(cl);
	}
}

static void update_interest(struct espy_ctl *c, struct client *cl)
{
	struct epoll_event ev = { .data.ptr = cl };
	int want_out = cl->len > cl->off;

	ev.events = (cl->eof ? 0 : EPOLLIN) | (want_out ? EPOLLOUT : 0);
	if (epoll_ctl(c->epfd, EPOLL_CTL_MOD, cl->fd, &ev) == 0)
		cl->want_out = want_out;
}

/* Hand the socket what it takes now: 0 when all went or it is full,
 * -errno when the peer is gone. */
static int send_queued(struct client *cl)
{
	while (cl->len > cl->off) {
		ssize_t w = send(cl->fd, cl->out + cl->off, cl->len - cl->off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		cl->off += w;
		cl->midline = w > 0 && cl->out[cl->off - 1] != '\n';
	}
	return 0;
}

/* Append bytes to cl's queue, whatever the bound (callers check it). */
static int queue_append(struct espy_ctl *c, struct client *cl, const char *s,
			size_t n)
{
	size_t pending = cl->len - cl->off;

	if (cl->off && cl->len + n > cl->cap) {
		memmove(cl->out, cl->out + cl->off, pending);
		cl->len = pending;
		cl->off = 0;
	}
	if (cl->len + n > cl->cap) {
		char *nb = espy_grow(cl->out, &cl->cap, cl->len + n, 16384);

		if (!nb) {
			client_kill(c, cl);
			return -ENOMEM;
		}
		cl->out = nb;
	}
	memcpy(cl->out + cl->len, s, n);
	cl->len += n;
	c->st.bytes_sent += n;
	if (!cl->want_out)
		update_interest(c, cl);
	return 0;
}

static void client_flush(struct espy_ctl *c, struct client *cl)
{
	if (send_queued(cl)) {
		client_kill(c, cl);
		return;
	}
	if (cl->off == cl->len) {
		cl->off = cl->len = 0;
		if (cl->close_after_flush ||
		    (cl->eof && !cl->subscribed)) {
			client_kill(c, cl);
			return;
		}
	}
	if (cl->want_out != (cl->len > cl->off))
		update_interest(c, cl);
}

/*
 * Say a last line to cl (none when n is 0) and close once what is queued
 * went out: nothing more is queued, and commands are no longer read.  A
 * peer that does not take it within ESPY_CTL_LAST_WORDS_MS is closed
 * anyway (espy_ctl_tick()).
 */
static void last_words(struct espy_ctl *c, struct client *cl, const char *s,
		       size_t n)
{
	if (cl->dead || cl->closing)
		return;
	unsubscribe(c, cl);
	if (n && queue_append(c, cl, s, n))
		return;
	cl->closing = 1;
	c->nclosing++;
	cl->deadline_ms = now_ms() + ESPY_CTL_LAST_WORDS_MS;
	cl->close_after_flush = 1;
	cl->eof = 1;
	update_interest(c, cl);
	client_flush(c, cl);
}

/*
 * A subscriber whose queue would pass the bound is not reading: cut it
 * off rather than hold memory or block.  The lines it has not started on
 * are dropped; the one the socket already has a part of is finished, so
 * that the client reads whole lines up to the notice that says why.
 */
static void client_cut_off(struct espy_ctl *c, struct client *cl,
			   size_t wanted)
{
	char msg[256];
	size_t keep = 0;
	int n;

	c->st.cut_off++;
	ctl_log("client pid %d uid %u cut off: %zu bytes queued (bound %zu)",
		(int)cl->pid, (unsigned int)cl->uid, wanted, c->client_buffer);
	if (cl->midline) {
		const char *rest = cl->out + cl->off;
		const char *nl = memchr(rest, '\n', cl->len - cl->off);

		keep = nl ? (size_t)(nl + 1 - rest) : cl->len - cl->off;
	}
	cl->len = cl->off + keep;
	n = snprintf(msg, sizeof(msg),
		     "{\"ok\":false,\"cmd\":null,\"closing\":\"" ESPY_CTL_CUT_OFF
		     "\",\"error\":\"cut off: reading too slowly (%zu bytes "
		     "queued, bound %zu); events after this were not sent\"}\n",
		     wanted, c->client_buffer);
	last_words(c, cl, msg, n);
}

/* Queue bytes for cl, cutting it off when they would pass the bound. */
static int client_queue(struct espy_ctl *c, struct client *cl, const char *s,
			size_t n)
{
	size_t pending = cl->len - cl->off;

	if (cl->dead || cl->closing)
		return -EPIPE;
	if (pending + n > c->client_buffer && pending) {
		/* a burst (one drain of the ring buffer) may outrun the loop's
		 * next EPOLLOUT: hand the socket what it takes now first; a
		 * dead peer is found by client_flush() */
		send_queued(cl);
		pending = cl->len - cl->off;
	}
	if (pending + n > c->client_buffer) {
		client_cut_off(c, cl, pending + n);
		return -ENOBUFS;
	}
	return queue_append(c, cl, s, n);
}

/* ---- replies ----------------------------------------------------------- */

static void reply_begin(struct espy_ctl *c, int ok, const char *verb)
{
	espy_json_reset(&c->j);
	espy_json_obj_begin(&c->j);
	espy_json_kv_bool(&c->j, "ok", ok);
	espy_json_kv_cstr(&c->j, "cmd", verb);
}

/* Close the reply object and end its line: 0, or -errno if it broke. */
static int reply_end(struct espy_ctl *c)
{
	espy_json_obj_end(&c->j);
	espy_json_raw(&c->j, "\n", 1);
	return espy_json_error(&c->j);
}

static void reply_send(struct espy_ctl *c, struct client *cl)
{
	if (reply_end(c)) {
		static const char oom[] = "{\"ok\":false,\"error\":\"reply could not be built\"}\n";

		client_queue(c, cl, oom, sizeof(oom) - 1);
		return;
	}
	client_queue(c, cl, c->j.buf, c->j.len);
}

static void reply_error(struct espy_ctl *c, struct client *cl, const char *verb,
			const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static void reply_error(struct espy_ctl *c, struct client *cl, const char *verb,
			const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->st.bad_commands++;
	reply_begin(c, 0, verb);
	espy_json_kv_cstr(&c->j, "error", msg);
	reply_send(c, cl);
	if (cl->dead)
		return;
	if (++cl->nerrors >= ESPY_CTL_MAX_ERRORS) {
		c->st.dropped_hostile++;
		ctl_log("client pid %d uid %u dropped after %d bad commands",
			(int)cl->pid, (unsigned int)cl->uid, cl->nerrors);
		reply_begin(c, 0, NULL);
		espy_json_kv_cstr(&c->j, "error", "too many bad commands, closing");
		if (!reply_end(c))
			last_words(c, cl, c->j.buf, c->j.len);
		else
			client_kill(c, cl);
	}
}

/* ---- commands ---------------------------------------------------------- */

static void cmd_help(struct espy_ctl *c, struct client *cl)
{
	static const struct { const char *v, *h; } builtin[] = {
		{ "help", "list commands" },
		{ "ping", "check that espyd answers" },
		{ "subscribe", "stream events: subscribe [min_score=N] [severity=S] "
			       "[technique=T] [pid=P] [host=H] [alerts=1]" },
		{ "unsubscribe", "stop the event stream" },
		{ "quit", "close the connection" },
	};

	reply_begin(c, 1, "help");
	espy_json_key(&c->j, "commands");
	espy_json_obj_begin(&c->j);
	for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
		espy_json_kv_cstr(&c->j, builtin[i].v, builtin[i].h);
	for (int i = 0; i < c->ncmds; i++)
		espy_json_kv_cstr(&c->j, c->cmds[i].verb,
				  c->cmds[i].help ? c->cmds[i].help : "");
	espy_json_obj_end(&c->j);
	reply_send(c, cl);
}

static void cmd_subscribe(struct espy_ctl *c, struct client *cl, const char *args)
{
	struct espy_filter f;
	char why[200], text[512];

	if (espy_filter_parse(&f, args, why, sizeof(why))) {
		reply_error(c, cl, "subscribe", "%s", why);
		return;
	}
	cl->filter = f;
	if (!cl->subscribed) {
		cl->subscribed = 1;
		c->st.subscribers++;
	}
	espy_filter_format(&f, text, sizeof(text));
	reply_begin(c, 1, "subscribe");
	espy_json_kv_cstr(&c->j, "filter", text);
	reply_send(c, cl);
}

static int printable(const char *s, size_t n, size_t *bad)
{
	for (size_t i = 0; i < n; i++) {
		unsigned char b = s[i];

		if ((b < 0x20 && b != '\t') || b > 0x7e) {
			*bad = i;
			return 0;
		}
	}
	return 1;
}

static void handle_line(struct espy_ctl *c, struct client *cl, char *line,
			size_t n)
{
	char verb[24], err[256];
	const char *args;
	size_t vlen, bad;

	if (n && line[n - 1] == '\r')
		line[--n] = '\0';
	c->st.commands++;
	if (!printable(line, n, &bad)) {
		reply_error(c, cl, NULL,
			    "byte 0x%02x at offset %zu: commands are printable ASCII text",
			    (unsigned char)line[bad], bad);
		return;
	}
	while (*line == ' ' || *line == '\t')
		line++;
	if (!*line) {
		c->st.commands--;	/* an empty line is no command */
		return;
	}
	vlen = strcspn(line, " \t");
	args = line + vlen;
	while (*args == ' ' || *args == '\t')
		args++;
	if (vlen >= sizeof(verb)) {
		reply_error(c, cl, NULL, "unknown command '%.23s...' (try help)", line);
		return;
	}
	memcpy(verb, line, vlen);
	verb[vlen] = '\0';

	if (!strcmp(verb, "help")) {
		cmd_help(c, cl);
	} else if (!strcmp(verb, "ping")) {
		reply_begin(c, 1, verb);
		reply_send(c, cl);
	} else if (!strcmp(verb, "subscribe")) {
		cmd_subscribe(c, cl, args);
	} else if (!strcmp(verb, "unsubscribe")) {
		unsubscribe(c, cl);
		reply_begin(c, 1, verb);
		reply_send(c, cl);
	} else if (!strcmp(verb, "quit")) {
		reply_begin(c, 1, verb);
		reply_send(c, cl);
		if (!cl->dead) {
			cl->close_after_flush = 1;
			unsubscribe(c, cl);
		}
	} else {
		int i;

		for (i = 0; i < c->ncmds; i++)
			if (!strcmp(c->cmds[i].verb, verb))
				break;
		if (i == c->ncmds) {
			reply_error(c, cl, verb, "unknown command '%s' (try help)", verb);
			return;
		}
		reply_begin(c, 1, verb);
		err[0] = '\0';
		if (c->cmds[i].fn(c->cmds[i].ctx, args, &c->j, err, sizeof(err))) {
			reply_error(c, cl, verb, "%s", err[0] ? err : "failed");
			return;
		}
		reply_send(c, cl);
	}
}

static void client_read(struct espy_ctl *c, struct client *cl)
{
	/* a bounded share per dispatch: one chatty client cannot hold the
	 * loop (epoll is level-triggered, the rest is read next time) */
	for (int rounds = 0; rounds < 16; rounds++) {
		ssize_t r = read(cl->fd, cl->in + cl->inlen,
				 ESPY_CTL_LINE_MAX - cl->inlen);
		size_t start = 0;

		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			client_kill(c, cl);
			return;
		}
		if (r == 0) {
			/* a last line without its newline still counts */
			if (cl->inlen && !cl->discarding) {
				cl->in[cl->inlen] = '\0';
				handle_line(c, cl, cl->in, cl->inlen);
			}
			cl->inlen = 0;
			if (cl->dead)
				return;
			cl->eof = 1;
			update_interest(c, cl);
			client_flush(c, cl);
			return;
		}
		cl->inlen += r;
		for (size_t i = 0; i < cl->inlen && !cl->dead &&
				   !cl->close_after_flush; i++) {
			if (cl->in[i] != '\n')
				continue;
			if (cl->discarding) {
				cl->discarding = 0;
			} else {
				cl->in[i] = '\0';
				handle_line(c, cl, cl->in + start, i - start);
			}
			start = i + 1;
		}
		if (cl->dead)
			return;
		if (cl->close_after_flush) {
			cl->inlen = 0;
			return;
		}
		memmove(cl->in, cl->in + start, cl->inlen - start);
		cl->inlen -= start;
		if (cl->inlen == ESPY_CTL_LINE_MAX) {
			if (!cl->discarding) {
				c->st.commands++;
				reply_error(c, cl, NULL, "command longer than %d bytes",
					    ESPY_CTL_LINE_MAX);
			}
			cl->discarding = 1;
			cl->inlen = 0;
			if (cl->dead)
				return;
		}
	}
}

/* Root, espyd's own user, or a member of the configured group. */
static int peer_allowed(const struct espy_ctl *c, const struct ucred *cr)
{
	char path[64], line[4096];
	FILE *f;
	int ok = 0;

	if (cr->uid == 0 || cr->uid == geteuid())
		return 1;
	if (c->gid == (gid_t)-1)
		return 0;
	if (cr->gid == c->gid)
		return 1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)cr->pid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		char *p, *end;

		if (strncmp(line, "Groups:", 7))
			continue;
		for (p = line + 7;; p = end) {
			unsigned long g = strtoul(p, &end, 10);

			if (end == p)
				break;
			if (g == c->gid)
				ok = 1;
		}
		break;
	}
	fclose(f);
	return ok;
}

static void refuse(int fd, const char *msg)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "{\"ok\":false,\"cmd\":null,\"error\":\"%s\"}\n", msg);

	if (n > 0)
		(void)!send(fd, buf, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	close(fd);
}

static void accept_clients(struct espy_ctl *c)
{
	for (int rounds = 0; rounds < 64; rounds++) {
		struct epoll_event ev = { .events = EPOLLIN };
		struct ucred cr = { .pid = 0, .uid = (uid_t)-1, .gid = (gid_t)-1 };
		socklen_t crlen = sizeof(cr);
		struct client *cl;
		int fd;

		fd = accept4(c->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				ctl_log("accept: %s", strerror(errno));
			return;
		}
		if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &crlen) ||
		    !peer_allowed(c, &cr)) {
			c->st.denied++;
			ctl_log("connection from uid %u pid %d denied",
				(unsigned int)cr.uid, (int)cr.pid);
			refuse(fd, "permission denied");
			continue;
		}
		if ((int)c->st.clients >= c->max_clients) {
			c->st.refused_full++;
			refuse(fd, "too many clients");
			continue;
		}
		cl = calloc(1, sizeof(*cl));
		if (!cl) {
			ctl_log("connection from pid %d refused: out of memory",
				(int)cr.pid);
			refuse(fd, "out of memory");
			continue;
		}
		cl->fd = fd;
		cl->pid = cr.pid;
		cl->uid = cr.uid;
		espy_filter_init(&cl->filter);
		ev.data.ptr = cl;
		if (epoll_ctl(c->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			ctl_log("connection from pid %d refused: epoll: %s",
				(int)cr.pid, strerror(errno));
			free(cl);
			refuse(fd, "internal error");
			continue;
		}
		cl->next = c->clients;
		if (c->clients)
			c->clients->prev = cl;
		c->clients = cl;
		c->st.clients++;
		c->st.accepted++;
	}
}

static void handle_events(struct espy_ctl *c, struct epoll_event *evs, int n)
{
	for (int i = 0; i < n; i++) {
		struct client *cl = evs[i].data.ptr;

		if (!cl) {
			accept_clients(c);
			continue;
		}
		if (cl->dead)
			continue;
		if (evs[i].events & (EPOLLHUP | EPOLLERR)) {
			/* both directions are gone: nothing can be delivered, and
			 * a level-triggered HUP would otherwise fire forever */
			client_kill(c, cl);
			continue;
		}
		if (evs[i].events & EPOLLIN)
			client_read(c, cl);
		if (!cl->dead && (evs[i].events & EPOLLOUT))
			client_flush(c, cl);
	}
}

void espy_ctl_dispatch(struct espy_ctl *c)
{
	struct epoll_event evs[32];
	int n;

	bury(c);
	n = epoll_wait(c->epfd, evs, 32, 0);
	handle_events(c, evs, n);
	bury(c);
}

void espy_ctl_tick(struct espy_ctl *c)
{
	struct client *cl, *next;
	uint64_t now;

	if (!c->nclosing)
		return;
	now = now_ms();
	for (cl = c->clients; cl; cl = next) {
		next = cl->next;
		if (cl->closing && now >= cl->deadline_ms)
			client_kill(c, cl);
	}
	bury(c);
}

int espy_ctl_sink(void *ctl, const struct espy_event *ev, const char *json,
		  size_t len)
{
	struct espy_ctl *c = ctl;
	struct espy_filter_view v;
	struct client *cl, *next;
	int have_view = 0;

	if (!c->st.subscribers)
		return 0;
	for (cl = c->clients; cl; cl = next) {
		next = cl->next;
		if (!cl->subscribed || cl->close_after_flush)
			continue;
		if (!have_view) {
			espy_filter_view_event(&v, ev, c->host);
			have_view = 1;
		}
		if (!espy_filter_match(&cl->filter, &v))
			continue;
		if (client_queue(c, cl, json, len) == 0)
			c->st.events_sent++;
	}
	return 0;
}

static void stop_listening(struct espy_ctl *c)
{
	if (c->lfd < 0)
		return;
	epoll_ctl(c->epfd, EPOLL_CTL_DEL, c->lfd, NULL);
	close(c->lfd);
	c->lfd = -1;
	unlink(c->path);
}

int espy_ctl_shutdown(struct espy_ctl *c, int timeout_ms)
{
	static const char bye[] = "{\"ok\":true,\"cmd\":null,\"closing\":\""
				  ESPY_CTL_STOPPING "\"}\n";
	uint64_t deadline = now_ms() + (timeout_ms > 0 ? timeout_ms : 0);
	struct client *cl, *next;
	int left = 0;

	stop_listening(c);
	bury(c);
	for (cl = c->clients; cl; cl = next) {
		next = cl->next;
		/* the end of an event stream is said; a client waiting for a
		 * reply must not take the goodbye for one */
		last_words(c, cl, bye, cl->subscribed ? sizeof(bye) - 1 : 0);
	}
	/* the loop no longer runs: wait here, on the clients alone */
	while (c->clients) {
		struct epoll_event evs[32];
		uint64_t now = now_ms();
		int n;

		if (now >= deadline)
			break;
		n = epoll_wait(c->epfd, evs, 32, (int)(deadline - now));
		if (n < 0 && errno != EINTR)
			break;
		handle_events(c, evs, n > 0 ? n : 0);
		bury(c);
	}
	for (cl = c->clients; cl; cl = next) {
		next = cl->next;
		ctl_log("client pid %d uid %u: %zu bytes not delivered at stop",
			(int)cl->pid, (unsigned int)cl->uid, cl->len - cl->off);
		client_kill(c, cl);
		left++;
	}
	bury(c);
	return left;
}

void espy_ctl_close(struct espy_ctl *c)
{
	if (!c)
		return;
	while (c->clients)
		client_kill(c, c->clients);
	bury(c);
	stop_listening(c);
	close(c->epfd);
	espy_json_fini(&c->j);
	free(c);
}
