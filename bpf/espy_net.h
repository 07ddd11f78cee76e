// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * Network events: connect, accept, bind, listen from per-syscall
 * tracepoints; TCP close with byte counts from inet_sock_set_state; DNS
 * question names from UDP datagrams sent to port 53.
 */
#ifndef ESPY_BPF_NET_H
#define ESPY_BPF_NET_H

#include "espy_common.h"
#include <bpf/bpf_endian.h>

#define ESPY_UNIX_PATH_MAX	108
#define ESPY_DNS_BUF		(3 * ESPY_PATH_MAX)	/* in scratch->path */
#define ESPY_DNS_PKT_MAX	512
#define ESPY_DNS_NAME_MAX	255

/*
 * Is the socket's state changing on behalf of its owning task?  TCP
 * changes state either under lock_sock() in the owner's context (close,
 * shutdown, disconnect, or the backlog replayed by release_sock()) or in
 * softirq/timer context, which defers to the backlog whenever the owner
 * holds the lock: so "owned by user" tells task context from interrupt,
 * without per-CPU preempt counters (not reachable on hardened kernels).
 */
static __always_inline int espy_sk_in_task(const struct sock *sk)
{
	return BPF_CORE_READ(sk, sk_lock.owned) != 0;
}

static __always_inline void espy_net_zero(struct espy_net *n)
{
	n->ret = 0;
	n->bytes_sent = 0;
	n->bytes_recv = 0;
	n->sock_cookie = 0;
	__builtin_memset(n->local_addr, 0, sizeof(n->local_addr));
	__builtin_memset(n->remote_addr, 0, sizeof(n->remote_addr));
	n->local_port = 0;
	n->remote_port = 0;
	n->family = 0;
	n->protocol = 0;
	n->fd = 0;
	n->backlog = 0;
	n->qtype = 0;
	n->name_len = 0;
	n->_pad0 = 0;
}

/* Both ends, protocol and cookie from a socket. */
static __always_inline void espy_sk_fill(struct espy_net *n,
					 const struct sock *sk)
{
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);

	n->family = family;
	n->protocol = BPF_CORE_READ(sk, sk_protocol);
	n->sock_cookie = espy_sock_cookie(sk);
	/* inet_sport, not skc_num: the port is released before TCP_CLOSE */
	n->local_port = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk,
						inet_sport));
	n->remote_port = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	/* sizes explicit: BPF_CORE_READ_INTO would read sizeof(__u8) */
	if (family == ESPY_AF_INET) {
		bpf_core_read(n->local_addr, 4, &sk->__sk_common.skc_rcv_saddr);
		bpf_core_read(n->remote_addr, 4, &sk->__sk_common.skc_daddr);
	} else if (family == ESPY_AF_INET6) {
		bpf_core_read(n->local_addr, 16,
			      &sk->__sk_common.skc_v6_rcv_saddr);
		bpf_core_read(n->remote_addr, 16, &sk->__sk_common.skc_v6_daddr);
	}
}

/*
 * A user sockaddr into one end of the record; AF_UNIX paths go to the
 * tail.  Returns the family, or 0 when it is not one espy reports.
 */
static __always_inline __u16 espy_sockaddr(struct espy_scratch *s,
					   struct espy_net *n, __u32 off,
					   const void *uaddr, __u32 alen,
					   int remote)
{
	__u8 *addr = remote ? n->remote_addr : n->local_addr;
	__u16 family = 0, port = 0;

	if (!uaddr || alen < 2)
		return 0;
	bpf_probe_read_user(&family, sizeof(family), uaddr);
	if (family == ESPY_AF_INET && alen >= 8) {
		bpf_probe_read_user(&port, 2, uaddr + 2);
		bpf_probe_read_user(addr, 4, uaddr + 4);
	} else if (family == ESPY_AF_INET6 && alen >= 24) {
		bpf_probe_read_user(&port, 2, uaddr + 2);
		bpf_probe_read_user(addr, 16, uaddr + 8);
	} else if (family == ESPY_AF_UNIX) {
		__u32 len = alen - 2;
		char c = 0;

		if (len > ESPY_UNIX_PATH_MAX)
			len = ESPY_UNIX_PATH_MAX;
		espy_barrier_var(len);
		len &= 127;
		bpf_probe_read_user(&c, 1, uaddr + 2);
		if (c) {
			long r = bpf_probe_read_user_str(
				&s->rec[off & ESPY_REC_MASK],
				len + 1, uaddr + 2);

			len = r > 0 ? r - 1 : 0;
		} else {
			/* abstract: bytes as given, the leading NUL kept */
			bpf_probe_read_user(&s->rec[off & ESPY_REC_MASK],
					    len, uaddr + 2);
		}
		n->name_len = len;
	} else {
		return 0;
	}
	if (remote)
		n->remote_port = bpf_ntohs(port);
	else
		n->local_port = bpf_ntohs(port);
	n->family = family;
	return family;
}

static __always_inline struct espy_net *espy_net_init(struct espy_scratch *s,
						      __u32 type, long ret)
{
	struct espy_net *n = (void *)s->rec;

	espy_fill_hdr(&n->hdr, type, 0);
	espy_net_zero(n);
	n->ret = ret;
	return n;
}

/* connect and bind: the address the caller asked for, and the result */
static __always_inline int espy_net_addr_exit(const struct espy_call *c,
					      long ret)
{
	__u32 type = c->type, off = sizeof(struct espy_net);
	struct espy_scratch *s;
	struct espy_net *n;
	struct sock *sk;

	s = espy_scratch();
	if (!s) {
		espy_count_drop(type);
		return 0;
	}
	n = espy_net_init(s, type, ret);
	sk = espy_fd_sock(espy_task(), c->args[0]);
	if (sk)
		espy_sk_fill(n, sk);
	/* the sockaddr, not the socket: a refused connect has reset it */
	if (type == ESPY_EV_CONNECT)
		__builtin_memset(n->remote_addr, 0, sizeof(n->remote_addr));
	else
		__builtin_memset(n->local_addr, 0, sizeof(n->local_addr));
	if (!espy_sockaddr(s, n, off, (void *)c->args[1], c->args[2],
			   type == ESPY_EV_CONNECT))
		return 0;
	n->fd = c->args[0];
	off += n->name_len;
	n->hdr.size = off;
	espy_emit(n, off, type, 0);
	return 0;
}

/* args: fd, user sockaddr, its length */
ESPY_SYSCALL(connect, espy_net_addr_exit)
{
	espy_call_set(c, ESPY_EV_CONNECT, 0, A[0], A[1], A[2], 0, 0, 0);
}

ESPY_SYSCALL(bind, espy_net_addr_exit)
{
	espy_call_set(c, ESPY_EV_BIND, 0, A[0], A[1], A[2], 0, 0, 0);
}

/*
 * accept (the new socket and its peer; failures such as EAGAIN are noise)
 * and listen (args: fd, backlog): the socket's addresses, inet only.
 */
static __always_inline int espy_sock_exit(const struct espy_call *c, long ret)
{
	int accept = c->type == ESPY_EV_ACCEPT;
	long fd = accept ? ret : (long)c->args[0];
	struct espy_scratch *s;
	struct espy_net *n;
	struct sock *sk;
	__u16 family;

	if (fd < 0)
		return 0;
	sk = espy_fd_sock(espy_task(), fd);
	if (!sk)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != ESPY_AF_INET && family != ESPY_AF_INET6)
		return 0;
	s = espy_scratch();
	if (!s) {
		espy_count_drop(c->type);
		return 0;
	}
	n = espy_net_init(s, c->type, ret);
	espy_sk_fill(n, sk);
	n->fd = fd;
	if (!accept)
		n->backlog = c->args[1];
	n->hdr.size = sizeof(*n);
	espy_emit(n, sizeof(*n), c->type, 0);
	return 0;
}

ESPY_SYSCALL(accept, espy_sock_exit)
{
	espy_call_set(c, ESPY_EV_ACCEPT, 0, 0, 0, 0, 0, 0, 0);
}

ESPY_SYSCALL(accept4, espy_sock_exit)
{
	espy_call_set(c, ESPY_EV_ACCEPT, 0, 0, 0, 0, 0, 0, 0);
}

ESPY_SYSCALL(listen, espy_sock_exit)
{
	espy_call_set(c, ESPY_EV_LISTEN, 0, A[0], A[1], 0, 0, 0, 0);
}

/*
 * Payload bytes.  The RFC 4898 counters count sequence space: bytes_acked
 * includes our SYN and FIN, bytes_received the peer's FIN.  bytes_sent
 * counts data only, retransmissions included; subtract those.
 */
static __always_inline __u64 espy_tcp_sent(const struct tcp_sock *tp)
{
	return BPF_CORE_READ(tp, bytes_sent) - BPF_CORE_READ(tp, bytes_retrans);
}

static __always_inline __u64 espy_tcp_recv(const struct tcp_sock *tp)
{
	__u64 n = BPF_CORE_READ(tp, bytes_received);
	unsigned long flags = BPF_CORE_READ(&tp->inet_conn.icsk_inet.sk,
					    __sk_common.skc_flags);

	/* tcp_fin() sets SOCK_DONE once the FIN has advanced rcv_nxt */
	if (n && (flags & (1UL << bpf_core_enum_value(enum sock_flags,
							SOCK_DONE))))
		n--;
	return n;
}

/*
 * TCP close.  The transition to TCP_CLOSE mostly happens in softirq (the
 * last ACK or FIN arrives) where "current" is whoever was interrupted:
 * then the task fields are left 0 and ESPY_F_NO_TASK is set; the daemon
 * ties the record to its process by sock_cookie.  Built in a reserved
 * slot, never in the scratch (which the interrupted task may be using).
 */
static __always_inline int espy_tcp_close(const struct sock *sk, int oldstate,
					  int newstate)
{
	const struct tcp_sock *tp = (const void *)sk;
	struct espy_net *n;
	int in_task;

	if (newstate != ESPY_TCP_CLOSE || oldstate == ESPY_TCP_LISTEN)
		return 0;
	if (BPF_CORE_READ(sk, sk_protocol) != ESPY_IPPROTO_TCP)
		return 0;
	in_task = espy_sk_in_task(sk);
	if (in_task && espy_is_self())
		return 0;
	n = bpf_ringbuf_reserve(&events, sizeof(*n), 0);
	if (!n) {
		espy_count_drop(ESPY_EV_TCP_CLOSE);
		return 0;
	}
	if (in_task) {
		espy_fill_hdr(&n->hdr, ESPY_EV_TCP_CLOSE, sizeof(*n));
	} else {
		__builtin_memset(&n->hdr, 0, sizeof(n->hdr));
		n->hdr.ts_ns = bpf_ktime_get_boot_ns();
		n->hdr.type = ESPY_EV_TCP_CLOSE;
		n->hdr.size = sizeof(*n);
		n->hdr.flags = ESPY_F_NO_TASK;
		n->hdr.cpu = bpf_get_smp_processor_id();
		n->hdr.netns = BPF_CORE_READ(sk, __sk_common.skc_net.net,
					     ns.inum);
		n->hdr.auid = (__u32)-1;
		n->hdr.sessionid = (__u32)-1;
	}
	espy_net_zero(n);
	espy_sk_fill(n, sk);
	n->bytes_sent = espy_tcp_sent(tp);
	n->bytes_recv = espy_tcp_recv(tp);
	espy_submit(n, sizeof(*n), 0);
	return 0;
}

SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(espy_tcp_btf, const struct sock *sk, const int oldstate,
	     const int newstate)
{
	return espy_tcp_close(sk, oldstate, newstate);
}

SEC("tracepoint/sock/inet_sock_set_state")
int espy_tcp_tp(struct trace_event_raw_inet_sock_set_state *ctx)
{
	return espy_tcp_close(ctx->skaddr, ctx->oldstate, ctx->newstate);
}

/* ---- DNS ------------------------------------------------------------------ */

/* one label of the question name */
static long espy_dns_label(__u32 i, void *arg)
{
	struct espy_scratch *s = espy_scratch();
	struct espy_walk *d;
	__u32 l, dot;

	if (!s)
		return 1;
	d = &s->walk;
	l = s->path[(ESPY_DNS_BUF + (d->in & (ESPY_DNS_PKT_MAX - 1)))];
	if (l == 0) {
		d->in += 1;
		d->done = 1;
		return 1;
	}
	if (l > 63 || d->in + 1 + l > ESPY_DNS_PKT_MAX)
		return 1;	/* compression or garbage: not a query */
	dot = d->out ? 1 : 0;
	if (d->out + dot + l > ESPY_DNS_NAME_MAX) {
		d->trunc = 1;
		return 1;
	}
	if (dot)
		s->rec[(d->off + d->out) & ESPY_REC_MASK] = '.';
	bpf_probe_read_kernel(&s->rec[(d->off + d->out + dot) & ESPY_REC_MASK],
			      l & 63,
			      &s->path[ESPY_DNS_BUF +
				       ((d->in + 1) & (ESPY_DNS_PKT_MAX - 1))]);
	d->out += dot + l;
	d->in += 1 + l;
	return 0;
}

static __always_inline int espy_dns(int fd, const void *buf, __u64 len,
				    const void *uaddr, __u32 alen)
{
	struct espy_scratch *s;
	struct espy_walk *d;
	struct espy_net *n;
	struct sock *sk;
	__u16 family;
	__u32 off;

	sk = espy_fd_sock(espy_task(), fd);
	if (!sk || BPF_CORE_READ(sk, sk_protocol) != ESPY_IPPROTO_UDP)
		return 0;
	family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != ESPY_AF_INET && family != ESPY_AF_INET6)
		return 0;
	if (!buf || len < 12 + 1 + 4)
		return 0;
	if (uaddr) {
		__u16 port = 0;

		/* sin_port and sin6_port share the offset */
		if (alen < 4 || bpf_probe_read_user(&port, 2, uaddr + 2))
			return 0;
		if (bpf_ntohs(port) != 53)
			return 0;
	} else if (bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport)) != 53) {
		return 0;
	}
	s = espy_scratch();
	if (!s) {
		espy_count_drop(ESPY_EV_DNS);
		return 0;
	}
	n = espy_net_init(s, ESPY_EV_DNS, 0);
	espy_sk_fill(n, sk);
	off = sizeof(*n);
	if (uaddr) {
		__builtin_memset(n->remote_addr, 0, sizeof(n->remote_addr));
		if (espy_sockaddr(s, n, off, uaddr, alen, 1) != family)
			return 0;
	}
	if (n->remote_port != 53)
		return 0;
	if (len > ESPY_DNS_PKT_MAX)
		len = ESPY_DNS_PKT_MAX;
	/* 6.1's verifier loses the clamp across a spill: mask it too */
	espy_barrier_var(len);
	len &= ESPY_DNS_PKT_MAX * 2 - 1;
	if (bpf_probe_read_user(&s->path[ESPY_DNS_BUF],
				len & (ESPY_DNS_PKT_MAX * 2 - 1), buf))
		return 0;
	d = &s->walk;
	d->in = 12;
	d->out = 0;
	d->off = off;
	d->done = 0;
	d->trunc = 0;
	bpf_loop(128, espy_dns_label, NULL, 0);
	if (!d->done && !d->trunc)
		return 0;
	if (d->done && d->in + 2 <= len)
		n->qtype = (__u16)s->path[ESPY_DNS_BUF + (d->in & (ESPY_DNS_PKT_MAX - 1))] << 8 |
			   s->path[ESPY_DNS_BUF + ((d->in + 1) & (ESPY_DNS_PKT_MAX - 1))];
	if (d->trunc)
		n->hdr.flags |= ESPY_F_TRUNC_NAME;
	n->name_len = d->out;
	n->fd = fd;
	off += d->out & 511;
	n->hdr.size = off;
	espy_emit(n, off, ESPY_EV_DNS, 0);
	return 0;
}

/* args: fd, user buffer, its length, user sockaddr (0: connected), its length */
static __always_inline int espy_dns_exit(const struct espy_call *c, long ret)
{
	return espy_dns(c->args[0], (void *)c->args[1], c->args[2],
			(void *)c->args[3], c->args[4]);
}

ESPY_SYSCALL(sendto, espy_dns_exit)
{
	espy_call_set(c, ESPY_EV_DNS, 0, A[0], A[1], A[2], A[4], A[5], 0);
}

static __always_inline void espy_dns_msg(struct espy_call *c, __u64 fd,
					 const void *um)
{
	struct espy_u_msghdr m = {};
	struct espy_u_iovec iov = {};

	if (bpf_probe_read_user(&m, sizeof(m), um) || !m.msg_iovlen)
		return;
	if (bpf_probe_read_user(&iov, sizeof(iov), (void *)m.msg_iov))
		return;
	espy_call_set(c, ESPY_EV_DNS, 0, fd, iov.iov_base, iov.iov_len,
		      m.msg_name, m.msg_namelen, 0);
}

ESPY_SYSCALL(sendmsg, espy_dns_exit)
{
	espy_dns_msg(c, A[0], (void *)A[1]);
}

/* glibc sends the A and AAAA questions in one sendmmsg: the first names it */
ESPY_SYSCALL(sendmmsg, espy_dns_exit)
{
	if (A[2])
		espy_dns_msg(c, A[0], (void *)A[1]);
}

#endif /* ESPY_BPF_NET_H */
