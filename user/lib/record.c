/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Record validation.  Every length in a record is checked against the bytes
 * actually delivered before anything points into the tail, so a hostile
 * record can at worst be rejected.
 */
#include <errno.h>
#include <string.h>

#include "record.h"

static const char *const err_names[ESPY_DEC_NR] = {
	[ESPY_DEC_OK]		= "ok",
	[ESPY_DEC_SHORT]	= "short",
	[ESPY_DEC_OVERSIZE]	= "oversize",
	[ESPY_DEC_SIZE]		= "size_mismatch",
	[ESPY_DEC_TYPE]		= "unknown_type",
	[ESPY_DEC_FIXED]	= "short_fixed",
	[ESPY_DEC_FIELD_MAX]	= "field_too_long",
	[ESPY_DEC_TAIL]		= "tail_mismatch",
	[ESPY_DEC_ALIGN]	= "misaligned",
};

const char *espy_decode_err_name(unsigned int why)
{
	return why < ESPY_DEC_NR ? err_names[why] : "invalid";
}

static const char *const type_names[ESPY_EV_MAX] = {
	[ESPY_EV_EXEC]		= "exec",
	[ESPY_EV_FORK]		= "fork",
	[ESPY_EV_EXIT]		= "exit",
	[ESPY_EV_SETID]		= "setid",
	[ESPY_EV_CAPSET]	= "capset",
	[ESPY_EV_PTRACE]	= "ptrace",
	[ESPY_EV_VM_WRITE]	= "vm_write",
	[ESPY_EV_MODULE]	= "module",
	[ESPY_EV_BPF]		= "bpf",
	[ESPY_EV_MEMFD]		= "memfd",
	[ESPY_EV_KILL]		= "kill",
	[ESPY_EV_SOCKET]	= "socket",
	[ESPY_EV_OPEN]		= "open",
	[ESPY_EV_UNLINK]	= "unlink",
	[ESPY_EV_RENAME]	= "rename",
	[ESPY_EV_CHMOD]		= "chmod",
	[ESPY_EV_CHOWN]		= "chown",
	[ESPY_EV_TRUNCATE]	= "truncate",
	[ESPY_EV_UTIMES]	= "utimes",
	[ESPY_EV_LINK]		= "link",
	[ESPY_EV_MKDIR]		= "mkdir",
	[ESPY_EV_CONNECT]	= "connect",
	[ESPY_EV_ACCEPT]	= "accept",
	[ESPY_EV_BIND]		= "bind",
	[ESPY_EV_LISTEN]	= "listen",
	[ESPY_EV_TCP_CLOSE]	= "tcp_close",
	[ESPY_EV_DNS]		= "dns",
	[ESPY_EV_LOST]		= "lost",
	[ESPY_EV_PROC]		= "proc",
	[ESPY_EV_CTRL]		= "ctrl",
};

const char *espy_rec_type_name(unsigned int type)
{
	return type < ESPY_EV_MAX ? type_names[type] : NULL;
}

size_t espy_rec_fixed_size(unsigned int type)
{
	switch (type) {
	case ESPY_EV_EXEC:
	case ESPY_EV_PROC:
		return sizeof(struct espy_exec);
	case ESPY_EV_FORK:
		return sizeof(struct espy_fork);
	case ESPY_EV_EXIT:
		return sizeof(struct espy_exit);
	case ESPY_EV_SETID ... ESPY_EV_SOCKET:
		return sizeof(struct espy_priv);
	case ESPY_EV_OPEN ... ESPY_EV_MKDIR:
		return sizeof(struct espy_file);
	case ESPY_EV_CONNECT ... ESPY_EV_DNS:
		return sizeof(struct espy_net);
	case ESPY_EV_LOST:
		return sizeof(struct espy_lost);
	case ESPY_EV_CTRL:
		return sizeof(struct espy_ctrl);
	default:
		return 0;
	}
}

void espy_ctrl_init(struct espy_ctrl *c, uint64_t ts_ns, uint32_t op,
		    uint32_t arg)
{
	memset(c, 0, sizeof(*c));
	c->hdr.ts_ns = ts_ns;
	c->hdr.type = ESPY_EV_CTRL;
	c->hdr.size = sizeof(*c);
	c->hdr.flags = ESPY_F_NO_TASK;
	c->hdr.auid = (uint32_t)-1;
	c->hdr.sessionid = (uint32_t)-1;
	c->op = op;
	c->arg = arg;
}

struct tail_field {
	uint32_t len;
	uint32_t max;
	struct espy_str *out;
};

/*
 * Check that the tail lengths are each within bounds and add up to exactly
 * the bytes after the fixed part, then point the strings into the tail.
 */
static enum espy_decode_err split_tail(const char *tail, size_t tail_len,
				       struct tail_field *f, int n)
{
	size_t sum = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (f[i].len > f[i].max)
			return ESPY_DEC_FIELD_MAX;
		sum += f[i].len;
	}
	if (sum != tail_len)
		return ESPY_DEC_TAIL;
	for (i = 0; i < n; i++) {
		f[i].out->p = f[i].len ? tail : NULL;
		f[i].out->len = f[i].len;
		tail += f[i].len;
	}
	return ESPY_DEC_OK;
}

static enum espy_decode_err decode_typed(const void *data, size_t len,
					 struct espy_event *ev)
{
	const struct espy_hdr *h = data;
	const char *base = data;

	switch (h->type) {
	case ESPY_EV_EXEC:
	case ESPY_EV_PROC: {
		const struct espy_exec *x = data;
		struct tail_field f[] = {
			{ x->path_len, ESPY_PATH_MAX, &ev->path },
			{ x->argv_len, ESPY_ARGV_MAX, &ev->argv },
			{ x->cwd_len, ESPY_PATH_MAX, &ev->cwd },
			{ x->script_len, ESPY_PATH_MAX, &ev->script },
		};

		ev->exec = x;
		return split_tail(base + sizeof(*x), len - sizeof(*x), f, 4);
	}
	case ESPY_EV_FORK:
		ev->fork = data;
		return len == sizeof(struct espy_fork) ? ESPY_DEC_OK : ESPY_DEC_TAIL;
	case ESPY_EV_EXIT:
		ev->exit = data;
		return len == sizeof(struct espy_exit) ? ESPY_DEC_OK : ESPY_DEC_TAIL;
	case ESPY_EV_SETID ... ESPY_EV_SOCKET: {
		const struct espy_priv *x = data;
		/* a module path is a path; the other names are short */
		struct tail_field f[] = {
			{ x->name_len, h->type == ESPY_EV_MODULE ?
				ESPY_PATH_MAX : ESPY_NAME_MAX, &ev->name },
		};

		ev->priv = x;
		return split_tail(base + sizeof(*x), len - sizeof(*x), f, 1);
	}
	case ESPY_EV_OPEN ... ESPY_EV_MKDIR: {
		const struct espy_file *x = data;
		struct tail_field f[] = {
			{ x->path_len, ESPY_PATH_MAX, &ev->path },
			{ x->path2_len, ESPY_PATH_MAX, &ev->path2 },
		};

		ev->file = x;
		return split_tail(base + sizeof(*x), len - sizeof(*x), f, 2);
	}
	case ESPY_EV_CONNECT ... ESPY_EV_DNS: {
		const struct espy_net *x = data;
		struct tail_field f[] = {
			{ x->name_len, ESPY_NAME_MAX, &ev->name },
		};

		ev->net = x;
		return split_tail(base + sizeof(*x), len - sizeof(*x), f, 1);
	}
	case ESPY_EV_LOST:
		ev->lost = data;
		return len == sizeof(struct espy_lost) ? ESPY_DEC_OK : ESPY_DEC_TAIL;
	case ESPY_EV_CTRL:
		ev->ctrl = data;
		return len == sizeof(struct espy_ctrl) ? ESPY_DEC_OK : ESPY_DEC_TAIL;
	}
	return ESPY_DEC_TYPE;
}

int espy_record_decode(const void *data, size_t len, struct espy_event *ev,
		       enum espy_decode_err *why)
{
	const struct espy_hdr *h = data;
	enum espy_decode_err e;
	size_t fixed;

	memset(ev, 0, sizeof(*ev));
	if (!data || len < sizeof(struct espy_hdr)) {
		e = ESPY_DEC_SHORT;
		goto bad;
	}
	if (len > ESPY_REC_MAX) {
		e = ESPY_DEC_OVERSIZE;
		goto bad;
	}
	if ((uintptr_t)data & 7) {
		e = ESPY_DEC_ALIGN;
		goto bad;
	}
	if (h->size != len) {
		e = ESPY_DEC_SIZE;
		goto bad;
	}
	fixed = espy_rec_fixed_size(h->type);
	if (!fixed) {
		e = ESPY_DEC_TYPE;
		goto bad;
	}
	if (len < fixed) {
		e = ESPY_DEC_FIXED;
		goto bad;
	}
	e = decode_typed(data, len, ev);
	if (e != ESPY_DEC_OK)
		goto bad;
	ev->hdr = h;
	ev->len = len;
	if (why)
		*why = ESPY_DEC_OK;
	return 0;
bad:
	memset(ev, 0, sizeof(*ev));
	if (why)
		*why = e;
	return e == ESPY_DEC_ALIGN ? -EINVAL : -EBADMSG;
}
