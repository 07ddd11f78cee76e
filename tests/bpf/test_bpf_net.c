/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * bpf tier, network events: connect (success, refused, in progress),
 * accept with the peer's address, bind, listen, TCP close with byte
 * counts, DNS question names from UDP/53 datagrams.
 */
/* the harness's EXPECT_* compare mixed signedness and use setjmp */
#pragma GCC diagnostic ignored "-Wsign-compare"
#pragma GCC diagnostic ignored "-Wclobbered"
/* paths under a short mkdtemp() directory */
#pragma GCC diagnostic ignored "-Wformat-truncation"
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/un.h>

#include "kselftest_harness.h"
#include "bpf_util.h"

/* Ports and fds the child learned, shared with the test through mmap. */
struct net_seen {
	int lport;		/* listener */
	int cport;		/* client's local port */
	int aport;		/* accepted socket's local port */
	int fd, afd;
	int closed_port;
};

static struct net_seen *seen_map(void)
{
	struct net_seen *s = mmap(NULL, sizeof(*s), PROT_READ | PROT_WRITE,
				  MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	return s == MAP_FAILED ? NULL : s;
}

static int local_port(int fd)
{
	struct sockaddr_in a;
	socklen_t len = sizeof(a);

	if (getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		return -1;
	return ntohs(a.sin_port);
}

static int listener(int backlog)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(fd, backlog) < 0)
		return -1;
	return fd;
}

static int connect_to(int fd, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET };

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	return connect(fd, (struct sockaddr *)&a, sizeof(a));
}

static const __u8 loopback[4] = { 127, 0, 0, 1 };

FIXTURE(net) {
	struct bpfu u;
	struct net_seen *s;
};

FIXTURE_SETUP(net)
{
	BPFU_SETUP(&self->u);
	self->s = seen_map();
	ASSERT_NE(NULL, self->s);
}

FIXTURE_TEARDOWN(net)
{
	if (self->s)
		munmap(self->s, sizeof(*self->s));
	bpfu_close(&self->u);
}

/* ---- connect, accept, bind, listen, close --------------------------------- */

#define NBYTES 12345

static int child_tcp(void *arg)
{
	struct net_seen *s = arg;
	static char buf[NBYTES];
	int l, c, a, n, got = 0;

	l = listener(7);
	if (l < 0)
		return 10;
	s->lport = local_port(l);
	c = socket(AF_INET, SOCK_STREAM, 0);
	if (c < 0 || connect_to(c, s->lport) < 0)
		return 11;
	s->fd = c;
	s->cport = local_port(c);
	a = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	if (a < 0)
		return 12;
	s->afd = a;
	s->aport = local_port(a);
	memset(buf, 'x', sizeof(buf));
	if (write(c, buf, sizeof(buf)) != sizeof(buf))
		return 13;
	while (got < NBYTES) {
		n = read(a, buf, sizeof(buf));
		if (n <= 0)
			return 14;
		got += n;
	}
	/* client closes first (TIME_WAIT side), then the server */
	close(c);
	if (read(a, buf, 1) != 0)
		return 15;
	close(a);
	return 0;
}

struct ports {
	int local, remote;
};

static int close_ports(const void *rec, const void *arg)
{
	const struct espy_net *n = rec;
	const struct ports *p = arg;

	return n->local_port == p->local && n->remote_port == p->remote;
}

TEST_F(net, tcp_connect_accept_close)
{
	const struct espy_net *n, *b, *cl, *sv;
	struct ports cp, sp;
	int status;
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	pid = bpfu_run(child_tcp, self->s, &status);
	ASSERT_EQ(0, status);
	bpfu_wait(&self->u, ESPY_EV_EXIT, pid, NULL, NULL, 1000);

	b = bpfu_find(&self->u, ESPY_EV_BIND, pid, NULL, NULL, 0);
	ASSERT_NE(NULL, b);
	EXPECT_EQ(AF_INET, b->family);
	EXPECT_EQ(IPPROTO_TCP, b->protocol);
	EXPECT_EQ(0, memcmp(b->local_addr, loopback, 4));
	EXPECT_EQ(0, b->local_port);	/* as requested: any port */
	EXPECT_EQ(0, b->ret);

	n = bpfu_find(&self->u, ESPY_EV_LISTEN, pid, NULL, NULL, 0);
	ASSERT_NE(NULL, n);
	EXPECT_EQ(7, n->backlog);
	EXPECT_EQ(self->s->lport, n->local_port);
	EXPECT_EQ(0, memcmp(n->local_addr, loopback, 4));
	EXPECT_EQ(0, n->ret);
	EXPECT_EQ(b->sock_cookie, n->sock_cookie);

	n = bpfu_find(&self->u, ESPY_EV_CONNECT, pid, NULL, NULL, 0);
	ASSERT_NE(NULL, n);
	EXPECT_EQ(0, n->ret);
	EXPECT_EQ(AF_INET, n->family);
	EXPECT_EQ(IPPROTO_TCP, n->protocol);
	EXPECT_EQ(0, memcmp(n->remote_addr, loopback, 4));
	EXPECT_EQ(self->s->lport, n->remote_port);
	EXPECT_EQ(self->s->cport, n->local_port);
	EXPECT_EQ(self->s->fd, n->fd);
	EXPECT_EQ(sizeof(*n), n->hdr.size);

	n = bpfu_find(&self->u, ESPY_EV_ACCEPT, pid, NULL, NULL, 0);
	ASSERT_NE(NULL, n);
	EXPECT_EQ(self->s->afd, n->ret);
	EXPECT_EQ(self->s->afd, n->fd);
	EXPECT_EQ(0, memcmp(n->remote_addr, loopback, 4));
	EXPECT_EQ(self->s->cport, n->remote_port);	/* the peer */
	EXPECT_EQ(self->s->lport, n->local_port);

	/* TCP close, both ends; possibly from softirq, so match by ports */
	cp.local = self->s->cport;
	cp.remote = self->s->lport;
	sp.local = self->s->lport;
	sp.remote = self->s->cport;
	cl = bpfu_wait(&self->u, ESPY_EV_TCP_CLOSE, 0, close_ports, &cp, 2000);
	sv = bpfu_wait(&self->u, ESPY_EV_TCP_CLOSE, 0, close_ports, &sp, 2000);
	if (!cl || !sv) {
		const struct espy_net *t;

		for (int i = 0; (t = bpfu_find(&self->u, ESPY_EV_TCP_CLOSE, 0,
					       NULL, NULL, i)); i++)
			TH_LOG("tcp close %u -> %u sent %llu recv %llu flags %x",
			       t->local_port, t->remote_port,
			       (unsigned long long)t->bytes_sent,
			       (unsigned long long)t->bytes_recv, t->hdr.flags);
	}
	ASSERT_NE(NULL, cl);
	ASSERT_NE(NULL, sv);
	EXPECT_EQ(NBYTES, cl->bytes_sent);
	EXPECT_EQ(0, cl->bytes_recv);
	EXPECT_EQ(0, sv->bytes_sent);
	EXPECT_EQ(NBYTES, sv->bytes_recv);
	EXPECT_EQ(n->sock_cookie, sv->sock_cookie);
	/* a record either names its task or says it has none */
	EXPECT_TRUE((cl->hdr.flags & ESPY_F_NO_TASK) ? cl->hdr.tgid == 0 :
						       cl->hdr.tgid == pid);
	EXPECT_TRUE((sv->hdr.flags & ESPY_F_NO_TASK) ? sv->hdr.tgid == 0 :
						       sv->hdr.tgid == pid);
	EXPECT_EQ(1, bpfu_count(&self->u, ESPY_EV_TCP_CLOSE, 0, close_ports, &cp));
}

/* ---- refused and in-progress connects --------------------------------------- */

static int child_refused(void *arg)
{
	struct net_seen *s = arg;
	int fd, l;

	/* a port nobody listens on: bind one, learn it, close it */
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || connect_to(fd, 0) == 0)
		return 10;
	l = listener(1);
	if (l < 0)
		return 11;
	s->closed_port = local_port(l);
	close(l);
	if (connect_to(fd, s->closed_port) == 0 || errno != ECONNREFUSED)
		return 12;
	/* non-blocking to a listener: in progress */
	l = listener(1);
	s->lport = local_port(l);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (connect_to(fd, s->lport) == 0 || errno != EINPROGRESS)
		return 13;
	s->fd = fd;
	return 0;
}

static int remote_port_is(const void *rec, const void *arg)
{
	return ((const struct espy_net *)rec)->remote_port == *(const int *)arg;
}

TEST_F(net, connect_refused_and_in_progress)
{
	const struct espy_net *n;
	int status;
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	pid = bpfu_run(child_refused, self->s, &status);
	ASSERT_EQ(0, status);
	bpfu_wait(&self->u, ESPY_EV_EXIT, pid, NULL, NULL, 1000);
	n = bpfu_find(&self->u, ESPY_EV_CONNECT, pid, remote_port_is,
		      &self->s->closed_port, 0);
	ASSERT_NE(NULL, n);
	EXPECT_EQ(-ECONNREFUSED, n->ret);
	EXPECT_EQ(0, memcmp(n->remote_addr, loopback, 4));
	n = bpfu_find(&self->u, ESPY_EV_CONNECT, pid, remote_port_is,
		      &self->s->lport, 0);
	ASSERT_NE(NULL, n);
	EXPECT_EQ(-EINPROGRESS, n->ret);
	EXPECT_EQ(self->s->fd, n->fd);
}

/* ---- AF_UNIX connect: the path in the tail -------------------------------- */

static int child_unix(void *arg)
{
	const char *path = arg;
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int l = socket(AF_UNIX, SOCK_STREAM, 0), c;

	strncpy(a.sun_path, path, sizeof(a.sun_path) - 1);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(l, 1) < 0)
		return 10;
	c = socket(AF_UNIX, SOCK_STREAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
		return 11;
	return 0;
}

TEST_F(net, unix_connect)
{
	const struct espy_net *n;
	char path[100];
	int status;
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	snprintf(path, sizeof(path), "%s/sock", self->u.tmp);
	pid = bpfu_run(child_unix, path, &status);
	ASSERT_EQ(0, status);
	n = bpfu_wait(&self->u, ESPY_EV_CONNECT, pid, NULL, NULL, 1000);
	ASSERT_NE(NULL, n);
	EXPECT_EQ(AF_UNIX, n->family);
	EXPECT_EQ(0, n->ret);
	EXPECT_TRUE(bpfu_streq((const char *)n->data, n->name_len, path))
		TH_LOG("unix path '%.*s'", n->name_len, (const char *)n->data);
	EXPECT_EQ(sizeof(*n) + n->name_len, n->hdr.size);
}

/* ---- DNS -------------------------------------------------------------------- */

/* A query for www.example.com, type A (and AAAA in the second message). */
static size_t dns_query(unsigned char *buf, int qtype)
{
	static const unsigned char q[] = {
		0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
		3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e',
		3, 'c', 'o', 'm', 0,
	};

	memcpy(buf, q, sizeof(q));
	buf[sizeof(q)] = 0;
	buf[sizeof(q) + 1] = qtype;
	buf[sizeof(q) + 2] = 0;
	buf[sizeof(q) + 3] = 1;
	return sizeof(q) + 4;
}

static int child_dns(void *arg)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(53) };
	unsigned char b1[64], b2[64];
	struct iovec iov[2] = { { b1, 0 }, { b2, 0 } };
	struct mmsghdr mm[2];
	int fd, c;

	(void)arg;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	/* sendto with an address */
	fd = socket(AF_INET, SOCK_DGRAM, 0);
	if (fd < 0)
		return 10;
	if (sendto(fd, b1, dns_query(b1, 1), 0, (struct sockaddr *)&a,
		   sizeof(a)) < 0)
		return 11;
	/* glibc's way: a connected socket and sendmmsg, A then AAAA */
	c = socket(AF_INET, SOCK_DGRAM, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) < 0)
		return 12;
	iov[0].iov_len = dns_query(b1, 1);
	iov[1].iov_len = dns_query(b2, 28);
	memset(mm, 0, sizeof(mm));
	mm[0].msg_hdr.msg_iov = &iov[0];
	mm[0].msg_hdr.msg_iovlen = 1;
	mm[1].msg_hdr.msg_iov = &iov[1];
	mm[1].msg_hdr.msg_iovlen = 1;
	if (sendmmsg(c, mm, 2, 0) < 0)
		return 13;
	/* not port 53: nothing */
	a.sin_port = htons(5353);
	sendto(fd, b1, dns_query(b1, 1), 0, (struct sockaddr *)&a, sizeof(a));
	return 0;
}

TEST_F(net, dns_question)
{
	const struct espy_net *n;
	int status, i;
	pid_t pid;

	if (BPFU_SKIPPED())
		return;
	pid = bpfu_run(child_dns, NULL, &status);
	ASSERT_EQ(0, status);
	bpfu_wait(&self->u, ESPY_EV_EXIT, pid, NULL, NULL, 1000);
	EXPECT_EQ(2, bpfu_count(&self->u, ESPY_EV_DNS, pid, NULL, NULL));
	for (i = 0; i < 2; i++) {
		n = bpfu_find(&self->u, ESPY_EV_DNS, pid, NULL, NULL, i);
		ASSERT_NE(NULL, n);
		EXPECT_TRUE(bpfu_streq((const char *)n->data, n->name_len,
				       "www.example.com"))
			TH_LOG("name '%.*s'", n->name_len, (const char *)n->data);
		EXPECT_EQ(1, n->qtype);
		EXPECT_EQ(53, n->remote_port);
		EXPECT_EQ(0, memcmp(n->remote_addr, loopback, 4));
		EXPECT_EQ(IPPROTO_UDP, n->protocol);
		EXPECT_EQ(AF_INET, n->family);
		EXPECT_EQ(sizeof(*n) + n->name_len, n->hdr.size);
	}
}

BPFU_MAIN
