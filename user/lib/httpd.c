/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include "httpd.h"

struct conn {
	int fd;			/* -1: free slot */
	int responding;
	time_t deadline;	/* CLOCK_MONOTONIC seconds */
	size_t inlen;
	char in[ESPY_HTTPD_REQ_MAX];
	char *out;		/* response being written */
	size_t off, len;
};

struct espy_httpd {
	int epfd, lfd, tfd;
	uint16_t port;
	espy_httpd_render_fn render;
	void *ctx;
	struct espy_prom body;
	struct espy_httpd_stats st;
	struct conn conns[ESPY_HTTPD_MAX_CONNS];
};

/* epoll tags: conns by index, the listener and timer as sentinels */
#define TAG_LISTEN	((uint64_t)-1)
#define TAG_TIMER	((uint64_t)-2)

static time_t mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec;
}

int espy_httpd_open(struct espy_httpd **out, const struct espy_listen *l,
		    espy_httpd_render_fn render, void *ctx)
{
	struct itimerspec its = { .it_interval = { 1, 0 }, .it_value = { 1, 0 } };
	struct epoll_event ev = { .events = EPOLLIN };
	struct sockaddr_storage ss;
	socklen_t sl;
	struct espy_httpd *h;
	int one = 1, r;

	if (!l->enabled)
		return -EINVAL;
	h = calloc(1, sizeof(*h));
	if (!h)
		return -ENOMEM;
	h->render = render;
	h->ctx = ctx;
	espy_prom_init(&h->body);
	for (int i = 0; i < ESPY_HTTPD_MAX_CONNS; i++)
		h->conns[i].fd = -1;
	h->epfd = h->lfd = h->tfd = -1;

	r = espy_listen_sockaddr(l, &ss);
	if (r < 0)
		goto err_free;
	sl = r;
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (h->epfd < 0) {
		r = -errno;
		goto err_free;
	}
	h->lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (h->lfd < 0) {
		r = -errno;
		goto err_close_ep;
	}
	setsockopt(h->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(h->lfd, (struct sockaddr *)&ss, sl) || listen(h->lfd, 16)) {
		r = -errno;
		goto err_close_sock;
	}
	if (getsockname(h->lfd, (struct sockaddr *)&ss, &sl) == 0)
		h->port = ntohs(ss.ss_family == AF_INET6 ?
				((struct sockaddr_in6 *)&ss)->sin6_port :
				((struct sockaddr_in *)&ss)->sin_port);
	h->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (h->tfd < 0 || timerfd_settime(h->tfd, 0, &its, NULL)) {
		r = -errno;
		goto err_close_timer;
	}
	ev.data.u64 = TAG_LISTEN;
	if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->lfd, &ev)) {
		r = -errno;
		goto err_close_timer;
	}
	ev.data.u64 = TAG_TIMER;
	if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->tfd, &ev)) {
		r = -errno;
		goto err_close_timer;
	}
	*out = h;
	return 0;

err_close_timer:
	if (h->tfd >= 0)
		close(h->tfd);
err_close_sock:
	close(h->lfd);
err_close_ep:
	close(h->epfd);
err_free:
	espy_prom_fini(&h->body);
	free(h);
	return r;
}

int espy_httpd_fd(const struct espy_httpd *h)
{
	return h->epfd;
}

uint16_t espy_httpd_port(const struct espy_httpd *h)
{
	return h->port;
}

const struct espy_httpd_stats *espy_httpd_stats(const struct espy_httpd *h)
{
	return &h->st;
}

static void conn_close(struct espy_httpd *h, struct conn *c)
{
	epoll_ctl(h->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->out);
	c->out = NULL;
	c->fd = -1;
	c->inlen = c->off = c->len = 0;
	c->responding = 0;
}

static void conn_write(struct espy_httpd *h, struct conn *c)
{
	while (c->off < c->len) {
		ssize_t w = send(c->fd, c->out + c->off, c->len - c->off,
				 MSG_DONTWAIT | MSG_NOSIGNAL);

		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			conn_close(h, c);
			return;
		}
		c->off += w;
	}
	/* HTTP/1.0: the response ends with the connection */
	conn_close(h, c);
}

static void respond(struct espy_httpd *h, struct conn *c, int code,
		    const char *reason, const char *ctype, const char *body,
		    size_t blen, int head_only)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u64 = c - h->conns };
	char hdr[256];
	int n;

	if (code >= 400)
		h->st.errors++;
	n = snprintf(hdr, sizeof(hdr),
		     "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
		     "Connection: close\r\n\r\n",
		     code, reason, ctype, blen);
	c->out = malloc(n + (head_only ? 0 : blen));
	if (!c->out) {
		conn_close(h, c);
		return;
	}
	memcpy(c->out, hdr, n);
	if (!head_only)
		memcpy(c->out + n, body, blen);
	c->len = n + (head_only ? 0 : blen);
	c->off = 0;
	c->responding = 1;
	epoll_ctl(h->epfd, EPOLL_CTL_MOD, c->fd, &ev);
	conn_write(h, c);
}

static void error_page(struct espy_httpd *h, struct conn *c, int code,
		       const char *reason)
{
	char body[128];
	int n = snprintf(body, sizeof(body), "%d %s\n", code, reason);

	respond(h, c, code, reason, "text/plain; charset=utf-8", body, n, 0);
}

static void handle_request(struct espy_httpd *h, struct conn *c)
{
	static const char index_body[] =
		"<html><head><title>espyd</title></head><body>"
		"<h1>espyd</h1><p><a href=\"/metrics\">Metrics</a></p></body></html>\n";
	char method[8], target[256];
	char *sp1, *sp2, *eol;
	int head;

	h->st.requests++;
	eol = memchr(c->in, '\n', c->inlen);
	sp1 = memchr(c->in, ' ', eol - c->in);
	if (!sp1 || sp1 - c->in >= (long)sizeof(method)) {
		error_page(h, c, 400, "Bad Request");
		return;
	}
	sp2 = memchr(sp1 + 1, ' ', eol - sp1 - 1);
	if (!sp2 || sp2 - sp1 - 1 >= (long)sizeof(target) ||
	    strncmp(sp2 + 1, "HTTP/1.", 7)) {
		error_page(h, c, 400, "Bad Request");
		return;
	}
	memcpy(method, c->in, sp1 - c->in);
	method[sp1 - c->in] = '\0';
	memcpy(target, sp1 + 1, sp2 - sp1 - 1);
	target[sp2 - sp1 - 1] = '\0';
	head = !strcmp(method, "HEAD");
	if (strcmp(method, "GET") && !head) {
		error_page(h, c, 405, "Method Not Allowed");
		return;
	}
	/* a query string (?name[]=...) is accepted and ignored */
	target[strcspn(target, "?")] = '\0';
	if (!strcmp(target, "/metrics")) {
		if (h->render(h->ctx, &h->body)) {
			error_page(h, c, 500, "Internal Server Error");
			return;
		}
		h->st.scrapes++;
		respond(h, c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8",
			h->body.buf ? h->body.buf : "", h->body.len, head);
	} else if (!strcmp(target, "/")) {
		respond(h, c, 200, "OK", "text/html; charset=utf-8", index_body,
			sizeof(index_body) - 1, head);
	} else {
		error_page(h, c, 404, "Not Found");
	}
}

static void conn_read(struct espy_httpd *h, struct conn *c)
{
	for (;;) {
		ssize_t r;

		if (c->inlen == sizeof(c->in)) {
			error_page(h, c, 431, "Request Header Fields Too Large");
			return;
		}
		r = recv(c->fd, c->in + c->inlen, sizeof(c->in) - c->inlen,
			 MSG_DONTWAIT);
		if (r < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return;
			conn_close(h, c);
			return;
		}
		if (r == 0) {
			conn_close(h, c);
			return;
		}
		c->inlen += r;
		/* the request ends at the first empty line */
		for (size_t i = 0; i + 1 < c->inlen; i++) {
			if (c->in[i] != '\n')
				continue;
			if (c->in[i + 1] == '\n' ||
			    (c->in[i + 1] == '\r' && i + 2 < c->inlen && c->in[i + 2] == '\n')) {
				handle_request(h, c);
				return;
			}
		}
	}
}

static void accept_conns(struct espy_httpd *h)
{
	for (int rounds = 0; rounds < 64; rounds++) {
		struct epoll_event ev = { .events = EPOLLIN };
		int fd, i;

		fd = accept4(h->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED)
				h->st.errors++;		/* EMFILE and the like */
			return;
		}
		for (i = 0; i < ESPY_HTTPD_MAX_CONNS; i++)
			if (h->conns[i].fd < 0)
				break;
		if (i == ESPY_HTTPD_MAX_CONNS) {
			static const char busy[] =
				"HTTP/1.0 503 Service Unavailable\r\nContent-Length: 0\r\n"
				"Connection: close\r\n\r\n";

			h->st.errors++;
			(void)!send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL);
			close(fd);
			continue;
		}
		ev.data.u64 = i;
		if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev)) {
			h->st.errors++;
			close(fd);
			continue;
		}
		h->conns[i].fd = fd;
		h->conns[i].deadline = mono_now() + ESPY_HTTPD_TIMEOUT_S;
	}
}

static void sweep(struct espy_httpd *h)
{
	time_t now = mono_now();
	uint64_t ticks;

	(void)!read(h->tfd, &ticks, sizeof(ticks));
	for (int i = 0; i < ESPY_HTTPD_MAX_CONNS; i++) {
		struct conn *c = &h->conns[i];

		if (c->fd >= 0 && now >= c->deadline) {
			h->st.timeouts++;
			h->st.errors++;
			conn_close(h, c);
		}
	}
}

void espy_httpd_dispatch(struct espy_httpd *h)
{
	struct epoll_event evs[ESPY_HTTPD_MAX_CONNS + 2];
	int n = epoll_wait(h->epfd, evs, ESPY_HTTPD_MAX_CONNS + 2, 0);

	for (int i = 0; i < n; i++) {
		uint64_t tag = evs[i].data.u64;
		struct conn *c;

		if (tag == TAG_LISTEN) {
			accept_conns(h);
			continue;
		}
		if (tag == TAG_TIMER) {
			sweep(h);
			continue;
		}
		c = &h->conns[tag];
		if (c->fd < 0)
			continue;
		if (c->responding)
			conn_write(h, c);
		else
			conn_read(h, c);
	}
}

void espy_httpd_close(struct espy_httpd *h)
{
	if (!h)
		return;
	for (int i = 0; i < ESPY_HTTPD_MAX_CONNS; i++)
		if (h->conns[i].fd >= 0)
			conn_close(h, &h->conns[i]);
	close(h->tfd);
	close(h->lfd);
	close(h->epfd);
	espy_prom_fini(&h->body);
	free(h);
}
