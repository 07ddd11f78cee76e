// SPDX-License-Identifier: GPL-2.0-only
/*
 * Network records (struct espy_net): connect, bind, accept, listen and
 * DNS questions from UDP datagrams to port 53 at sys_exit (the local port
 * is the one the datagram left from, as the eBPF sensors see it); TCP
 * close with payload byte counts from inet_sock_set_state.  Field by field as the
 * eBPF sensors fill them: addresses in network byte order, ports in host
 * byte order, the local port from the socket's bound number.
 */
#include <linux/kernel.h>
#include <linux/file.h>
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/net.h>
#include <linux/preempt.h>
#include <linux/random.h>
#include <linux/socket.h>
#include <linux/tcp.h>
#include <linux/uaccess.h>
#include <linux/un.h>
#include <net/inet_sock.h>
#include <net/sock.h>
#include <net/tcp_states.h>
#include <asm/unistd.h>

#include "espy.h"
#include "sys.h"

#define ESPY_DNS_PKT_MAX	512
#define ESPY_DNS_NAME_MAX	255
#define ESPY_UNIX_PATH_MAX	108

static u64 espy_cookie_key;

void espy_net_init(void)
{
	espy_cookie_key = get_random_u64();
}

/*
 * A stable identifier of a live socket that does not expose its address:
 * multiplying by an odd constant is a bijection.
 */
static u64 espy_sock_cookie(const struct sock *sk)
{
	return ((u64)(unsigned long)sk ^ espy_cookie_key) *
	       0x9e3779b97f4a7c15ULL;
}

/* Both ends, protocol and cookie from a socket. */
static void espy_sk_fill(struct espy_net *n, const struct sock *sk)
{
	n->family = sk->sk_family;
	n->protocol = sk->sk_protocol;
	n->sock_cookie = espy_sock_cookie(sk);
	/* inet_sport, not skc_num: the port is released before TCP_CLOSE */
	n->local_port = ntohs(inet_sk(sk)->inet_sport);
	n->remote_port = ntohs(sk->sk_dport);
	if (sk->sk_family == AF_INET) {
		memcpy(n->local_addr, &sk->sk_rcv_saddr, 4);
		memcpy(n->remote_addr, &sk->sk_daddr, 4);
	}
#if IS_ENABLED(CONFIG_IPV6)
	else if (sk->sk_family == AF_INET6) {
		memcpy(n->local_addr, &sk->sk_v6_rcv_saddr, 16);
		memcpy(n->remote_addr, &sk->sk_v6_daddr, 16);
	}
#endif
}

/*
 * The socket behind fd with a reference on its file (dropped by the
 * caller with fput), or NULL.
 */
static struct sock *espy_fd_sock(unsigned int fd, struct file **filep)
{
	struct file *f = fget_raw(fd);
	struct socket *sock;

	if (!f)
		return NULL;
	sock = sock_from_file(f);
	if (!sock || !sock->sk) {
		fput(f);
		return NULL;
	}
	*filep = f;
	return sock->sk;
}

static bool espy_inet(const struct sock *sk)
{
	return sk->sk_family == AF_INET || sk->sk_family == AF_INET6;
}

/*
 * A user sockaddr into one end of the record; AF_UNIX paths go to the tail
 * (abstract names as given, leading NUL kept).  Returns the family, or 0
 * when it is not one espy reports.
 */
static u16 espy_sockaddr(struct espy_ring *ring, struct espy_net *n,
			 const void __user *uaddr, u32 alen, bool remote)
{
	u8 *addr = remote ? n->remote_addr : n->local_addr;
	u16 family = 0;
	__be16 port = 0;

	if (!uaddr || alen < 2)
		return 0;
	if (copy_from_user_nofault(&family, uaddr, sizeof(family)))
		return 0;
	if (family == AF_INET && alen >= 8) {
		if (copy_from_user_nofault(&port, uaddr + 2, 2) ||
		    copy_from_user_nofault(addr, uaddr + 4, 4))
			espy_rec_fault(ring);
	} else if (family == AF_INET6 && alen >= 24) {
		if (copy_from_user_nofault(&port, uaddr + 2, 2) ||
		    copy_from_user_nofault(addr, uaddr + 8, 16))
			espy_rec_fault(ring);
	} else if (family == AF_UNIX) {
		u32 len = min_t(u32, alen - 2, ESPY_UNIX_PATH_MAX);
		char c = 0;

		if (copy_from_user_nofault(&c, uaddr + 2, 1))
			espy_rec_fault(ring);
		if (c) {
			u16 ignored = 0;

			len = espy_put_user_str(ring, n->data, len,
						uaddr + 2, &ignored, 0);
		} else if (copy_from_user_nofault(n->data, uaddr + 2, len)) {
			espy_rec_fault(ring);
			len = 0;
		}
		n->name_len = len;
	} else {
		return 0;
	}
	if (remote)
		n->remote_port = ntohs(port);
	else
		n->local_port = ntohs(port);
	n->family = family;
	return family;
}

static struct espy_net *espy_net_begin(struct espy_ring **ring, u16 type,
				       long ret)
{
	struct espy_net *n = espy_rec_begin(ring);

	if (!n)
		return NULL;
	espy_fill_hdr(&n->hdr, current, type);
	memset((u8 *)n + sizeof(n->hdr), 0, sizeof(*n) - sizeof(n->hdr));
	n->ret = ret;
	return n;
}

/* connect and bind: the address the caller asked for, and the result. */
static void espy_net_addr(struct espy_sc *sc, u16 type)
{
	bool remote = type == ESPY_EV_CONNECT;
	struct espy_ring *ring;
	struct file *f = NULL;
	struct espy_net *n;
	struct sock *sk;

	n = espy_net_begin(&ring, type, sc->ret);
	if (!n)
		return;
	sk = espy_fd_sock(sc->a[0], &f);
	if (sk) {
		espy_sk_fill(n, sk);
		fput(f);
	}
	/* the sockaddr, not the socket: a refused connect has reset it */
	memset(remote ? n->remote_addr : n->local_addr, 0, 16);
	if (!espy_sockaddr(ring, n, (const void __user *)sc->a[1], sc->a[2],
			   remote)) {
		espy_rec_abort(ring);
		return;
	}
	n->fd = sc->a[0];
	n->hdr.size = sizeof(*n) + n->name_len;
	espy_rec_commit(ring, n, false);
}

void espy_sc_connect(struct espy_sc *sc)
{
	espy_net_addr(sc, ESPY_EV_CONNECT);
}

void espy_sc_bind(struct espy_sc *sc)
{
	espy_net_addr(sc, ESPY_EV_BIND);
}

/* accept: the peer of the new socket; failures (EAGAIN...) are noise. */
void espy_sc_accept(struct espy_sc *sc)
{
	struct espy_ring *ring;
	struct espy_net *n;
	struct file *f;
	struct sock *sk;

	if (sc->ret < 0)
		return;
	sk = espy_fd_sock(sc->ret, &f);
	if (!sk)
		return;
	if (!espy_inet(sk))
		goto put_file;
	n = espy_net_begin(&ring, ESPY_EV_ACCEPT, sc->ret);
	if (!n)
		goto put_file;
	espy_sk_fill(n, sk);
	n->fd = sc->ret;
	n->hdr.size = sizeof(*n);
	espy_rec_commit(ring, n, false);
put_file:
	fput(f);
}

void espy_sc_listen(struct espy_sc *sc)
{
	struct espy_ring *ring;
	struct espy_net *n;
	struct file *f;
	struct sock *sk;

	sk = espy_fd_sock(sc->a[0], &f);
	if (!sk)
		return;
	if (!espy_inet(sk))
		goto put_file;
	n = espy_net_begin(&ring, ESPY_EV_LISTEN, sc->ret);
	if (!n)
		goto put_file;
	espy_sk_fill(n, sk);
	n->fd = sc->a[0];
	n->backlog = sc->a[1];
	n->hdr.size = sizeof(*n);
	espy_rec_commit(ring, n, false);
put_file:
	fput(f);
}

/* socket(): packet and raw sockets only, as struct espy_priv. */
void espy_sc_socket(struct espy_sc *sc)
{
	struct espy_ring *ring;
	struct espy_priv *r;

	if (sc->a[0] != AF_PACKET && (sc->a[1] & SOCK_TYPE_MASK) != SOCK_RAW)
		return;
	r = espy_rec_begin(&ring);
	if (!r)
		return;
	espy_fill_hdr(&r->hdr, current, ESPY_EV_SOCKET);
	memset((u8 *)r + sizeof(r->hdr), 0, sizeof(*r) - sizeof(r->hdr));
	r->ret = sc->ret;
	r->op = ESPY_OP_SOCKET;
	r->args[0] = sc->a[0];
	r->args[1] = sc->a[1];
	r->args[2] = sc->a[2];
	r->hdr.size = sizeof(*r);
	espy_rec_commit(ring, r, false);
}

/* ---- DNS ---------------------------------------------------------------- */

/*
 * The question name of a DNS query in pkt[0..len) as dotted text in out;
 * returns its length, or -1 when this is not a query.  *qtype is set when
 * the name ended inside the packet.
 */
static int espy_dns_name(const u8 *pkt, u32 len, char *out, u16 *qtype,
			 bool *trunc)
{
	u32 in = 12, n = 0, i;

	for (i = 0; i < 128; i++) {
		u32 l, dot;

		if (in >= len)
			return -1;
		l = pkt[in];
		if (!l) {
			in++;
			if (in + 2 <= len)
				*qtype = pkt[in] << 8 | pkt[in + 1];
			return n;
		}
		if (l > 63 || in + 1 + l > len)
			return -1;	/* compression or garbage */
		dot = n ? 1 : 0;
		if (n + dot + l > ESPY_DNS_NAME_MAX) {
			*trunc = true;
			return n;
		}
		if (dot)
			out[n] = '.';
		memcpy(out + n + dot, pkt + in + 1, l);
		n += dot + l;
		in += 1 + l;
	}
	return -1;
}

static void espy_dns(struct espy_sc *sc, int fd, const void __user *buf,
		     u64 len, const void __user *uaddr, u32 alen)
{
	struct espy_ring *ring;
	struct espy_net *n;
	struct file *f;
	struct sock *sk;
	bool trunc = false;
	u16 qtype = 0;
	u8 *pkt;
	int name;

	if (!buf || len < 12 + 1 + 4)
		return;
	sk = espy_fd_sock(fd, &f);
	if (!sk)
		return;
	if (sk->sk_protocol != IPPROTO_UDP || !espy_inet(sk))
		goto put_file;
	if (uaddr) {
		__be16 port;

		/* sin_port and sin6_port share the offset */
		if (alen < 4 || copy_from_user_nofault(&port, uaddr + 2, 2) ||
		    ntohs(port) != 53)
			goto put_file;
	} else if (ntohs(sk->sk_dport) != 53) {
		goto put_file;
	}
	n = espy_net_begin(&ring, ESPY_EV_DNS, 0);
	if (!n)
		goto put_file;
	espy_sk_fill(n, sk);
	if (uaddr) {
		memset(n->remote_addr, 0, sizeof(n->remote_addr));
		if (espy_sockaddr(ring, n, uaddr, alen, true) != sk->sk_family)
			goto abort;
	}
	if (n->remote_port != 53)
		goto abort;
	/* the packet goes to the path scratch, the name to the tail */
	len = min_t(u64, len, ESPY_DNS_PKT_MAX);
	pkt = ring->tmp;
	if (copy_from_user_nofault(pkt, buf, len)) {
		espy_rec_fault(ring);
		goto abort;
	}
	name = espy_dns_name(pkt, len, n->data, &qtype, &trunc);
	if (name < 0)
		goto abort;
	n->qtype = qtype;
	if (trunc)
		n->hdr.flags |= ESPY_F_TRUNC_NAME;
	n->name_len = name;
	n->fd = fd;
	n->hdr.size = sizeof(*n) + name;
	espy_rec_commit(ring, n, false);
	goto put_file;
abort:
	espy_rec_abort(ring);
put_file:
	fput(f);
}

/* sendto(fd, buf, len, flags, addr, alen); the record's ret stays 0. */
void espy_sc_sendto(struct espy_sc *sc)
{
	espy_dns(sc, sc->a[0], (const void __user *)sc->a[1], sc->a[2],
		 (const void __user *)sc->a[4], sc->a[5]);
}

/*
 * sendmsg(fd, msg, flags); sendmmsg: glibc's A and AAAA questions go in
 * one call, the first names it.
 */
void espy_sc_sendmsg(struct espy_sc *sc)
{
	struct user_msghdr m;
	struct iovec iov;

	if (sc->nr == __NR_sendmmsg && !sc->a[2])
		return;
	if (copy_from_user_nofault(&m, (const void __user *)sc->a[1],
				   sizeof(m)) || !m.msg_iovlen)
		return;
	if (copy_from_user_nofault(&iov, m.msg_iov, sizeof(iov)))
		return;
	espy_dns(sc, sc->a[0], iov.iov_base, iov.iov_len, m.msg_name,
		 m.msg_namelen);
}

/* ---- TCP close ---------------------------------------------------------- */

/*
 * inet_sock_set_state(sk, oldstate, newstate).  The move to TCP_CLOSE
 * mostly happens in softirq, where "current" is whoever was interrupted:
 * then the task fields stay 0 and ESPY_F_NO_TASK is set.  The record is
 * built on the stack, never in the CPU's scratch, which the interrupted
 * task may be using.
 */
/*
 * Payload bytes.  The RFC 4898 counters count sequence space: bytes_acked
 * includes our SYN and FIN, bytes_received the peer's FIN; bytes_sent
 * counts data only, retransmissions included, which are subtracted.
 */
static u64 espy_tcp_sent(const struct tcp_sock *tp)
{
	return tp->bytes_sent - tp->bytes_retrans;
}

static u64 espy_tcp_recv(const struct sock *sk)
{
	u64 n = tcp_sk(sk)->bytes_received;

	/* tcp_fin() sets SOCK_DONE once the FIN has advanced rcv_nxt */
	if (n && sock_flag(sk, SOCK_DONE))
		n--;
	return n;
}

/*
 * inet_sock_set_state(sk, oldstate, newstate).  The move to TCP_CLOSE
 * happens either in the owner's context under lock_sock() or in softirq
 * (which defers to the backlog while the owner holds the lock): "owned by
 * user" tells one from the other, as the eBPF sensors decide.  Without an
 * owning task the task fields stay 0 and ESPY_F_NO_TASK is set.  The
 * record is built on the stack, never in the CPU's scratch, which an
 * interrupted probe may be using.
 */
void espy_probe_sock_state(void *data, const struct sock *sk, int oldstate,
			   int newstate)
{
	struct espy_net n;
	bool task;

	if (!READ_ONCE(espy_active) || newstate != TCP_CLOSE ||
	    oldstate == TCP_LISTEN || sk->sk_protocol != IPPROTO_TCP)
		return;
	preempt_disable();
	task = sock_owned_by_user_nocheck(sk);
	if (task && espy_excluded(current->tgid))
		goto out;
	if (task) {
		espy_fill_hdr(&n.hdr, current, ESPY_EV_TCP_CLOSE);
	} else {
		memset(&n.hdr, 0, sizeof(n.hdr));
		n.hdr.ts_ns = ktime_get_boot_fast_ns();
		n.hdr.type = ESPY_EV_TCP_CLOSE;
		n.hdr.flags = ESPY_F_NO_TASK | ESPY_F_KMOD;
		n.hdr.cpu = smp_processor_id();
		n.hdr.netns = sock_net(sk)->ns.inum;
		n.hdr.auid = (u32)-1;
		n.hdr.sessionid = (u32)-1;
	}
	memset((u8 *)&n + sizeof(n.hdr), 0, sizeof(n) - sizeof(n.hdr));
	espy_sk_fill(&n, sk);
	n.bytes_sent = espy_tcp_sent(tcp_sk(sk));
	n.bytes_recv = espy_tcp_recv(sk);
	n.hdr.size = sizeof(n);
	espy_rec_emit(&n);
out:
	preempt_enable();
}
