/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Event -> ECS JSON.  Field names follow the Elastic Common Schema where it
 * has one; espy's own fields live under "espy".  Objects are written in a
 * fixed order, so output depends only on the event, the process table and
 * the host: replays compare byte for byte.
 *
 * For a FORK the ECS "process" is the child (event.type "start") and the
 * forking process is process.parent, as ECS consumers expect; the record's
 * header describes the parent.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "ecs.h"
#include "proctab.h"
#include "record.h"

#define NO_ID	((uint32_t)-1)
#define NO_BYTES	((uint64_t)-1)

const char *espy_severity_name(enum espy_severity s)
{
	switch (s) {
	case ESPY_SEV_NONE:	return "none";
	case ESPY_SEV_LOW:	return "low";
	case ESPY_SEV_MEDIUM:	return "medium";
	case ESPY_SEV_HIGH:	return "high";
	case ESPY_SEV_CRITICAL:	return "critical";
	}
	return "unknown";
}

/* days since 1970-01-01 -> civil date (proleptic Gregorian), after
 * Howard Hinnant's days_from_civil inverse: no libc time zone machinery */
static void civil(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = doy - (153 * mp + 2) / 5 + 1;
	*m = mp < 10 ? mp + 3 : mp - 9;
	*y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static char *digits(char *p, uint64_t v, int n)
{
	while (n--) {
		p[n] = '0' + v % 10;
		v /= 10;
	}
	return p;
}

int espy_rfc3339(int64_t wall_ns, char *out, size_t outsz)
{
	int64_t sec = wall_ns / 1000000000LL, days, y;
	int64_t nsec = wall_ns % 1000000000LL, sod;
	unsigned m, d;
	char *p = out;

	if (outsz < 31)
		return 0;
	if (nsec < 0) {
		nsec += 1000000000LL;
		sec--;
	}
	days = sec / 86400;
	sod = sec % 86400;
	if (sod < 0) {
		sod += 86400;
		days--;
	}
	civil(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = 0;		/* RFC 3339 has four-digit years only */
	digits(p, y, 4);
	p[4] = '-';
	digits(p + 5, m, 2);
	p[7] = '-';
	digits(p + 8, d, 2);
	p[10] = 'T';
	digits(p + 11, sod / 3600, 2);
	p[13] = ':';
	digits(p + 14, sod / 60 % 60, 2);
	p[16] = ':';
	digits(p + 17, sod % 60, 2);
	p[19] = '.';
	digits(p + 20, nsec, 9);
	p[29] = 'Z';
	p[30] = '\0';
	return 30;
}

/* FNV-1a over the bytes, then a splitmix64 finaliser for avalanche. */
void espy_entity_id(const char *host_id, uint32_t tgid, uint64_t start_ns,
		    char out[17])
{
	uint64_t h = 0xcbf29ce484222325ULL, ticks = start_ns / ESPY_TICK_NS;
	const unsigned char *s = (const unsigned char *)host_id;
	int i;

	for (; s && *s; s++)
		h = (h ^ *s) * 0x100000001b3ULL;
	h = (h ^ 0xff) * 0x100000001b3ULL;	/* separator */
	for (i = 0; i < 4; i++)
		h = (h ^ ((tgid >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
	for (i = 0; i < 8; i++)
		h = (h ^ ((ticks >> (8 * i)) & 0xff)) * 0x100000001b3ULL;
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	snprintf(out, 17, "%016llx", (unsigned long long)h);
}

/* ---- small writers ----------------------------------------------------- */

/* a string from the record's tail, left out when empty */
static void kv_tail(struct espy_json *j, const char *k, struct espy_str s)
{
	if (s.len)
		espy_json_kv_str(j, k, s.p, s.len);
}

/* ECS keeps ids as keywords */
static void kv_id(struct espy_json *j, const char *k, uint64_t v)
{
	espy_json_key(j, k);
	espy_json_u64_str(j, v);
}

static void kv_time(struct espy_json *j, const char *k, int64_t wall_ns)
{
	char b[48];
	int n = espy_rfc3339(wall_ns, b, sizeof(b));

	espy_json_kv_str(j, k, b, n);
}

static void obj(struct espy_json *j, const char *k)
{
	espy_json_key(j, k);
	espy_json_obj_begin(j);
}

static void end(struct espy_json *j)
{
	espy_json_obj_end(j);
}

static void one_str_array(struct espy_json *j, const char *k, const char *v)
{
	espy_json_key(j, k);
	espy_json_arr_begin(j);
	espy_json_cstring(j, v);
	espy_json_arr_end(j);
}

/* ---- per-type descriptions --------------------------------------------- */

struct kind {
	const char *action;
	const char *category;
	const char *type;
};

static const char *const priv_ops[ESPY_OP_MAX] = {
	[ESPY_OP_SETUID] = "setuid", [ESPY_OP_SETGID] = "setgid",
	[ESPY_OP_SETREUID] = "setreuid", [ESPY_OP_SETREGID] = "setregid",
	[ESPY_OP_SETRESUID] = "setresuid", [ESPY_OP_SETRESGID] = "setresgid",
	[ESPY_OP_SETFSUID] = "setfsuid", [ESPY_OP_SETFSGID] = "setfsgid",
	[ESPY_OP_CAPSET] = "capset", [ESPY_OP_PTRACE] = "ptrace",
	[ESPY_OP_PROCESS_VM_WRITEV] = "process_vm_writev",
	[ESPY_OP_INIT_MODULE] = "init_module",
	[ESPY_OP_FINIT_MODULE] = "finit_module",
	[ESPY_OP_BPF_PROG_LOAD] = "bpf_prog_load",
	[ESPY_OP_MEMFD_CREATE] = "memfd_create",
	[ESPY_OP_KILL] = "kill", [ESPY_OP_TKILL] = "tkill",
	[ESPY_OP_TGKILL] = "tgkill", [ESPY_OP_SOCKET] = "socket",
};

/* ECS event.category and event.type by record type; action NULL: the
 * record type's name.  Types not listed are process/info. */
static const struct kind kinds[ESPY_EV_MAX] = {
	[ESPY_EV_EXEC]		= { NULL, "process", "start" },
	[ESPY_EV_FORK]		= { NULL, "process", "start" },
	[ESPY_EV_EXIT]		= { NULL, "process", "end" },
	[ESPY_EV_SETID]		= { NULL, "process", "change" },
	[ESPY_EV_CAPSET]	= { NULL, "process", "change" },
	[ESPY_EV_PTRACE]	= { NULL, "process", "access" },
	[ESPY_EV_VM_WRITE]	= { NULL, "process", "change" },
	[ESPY_EV_MODULE]	= { NULL, "driver", "start" },
	[ESPY_EV_BPF]		= { NULL, "driver", "start" },
	[ESPY_EV_MEMFD]		= { NULL, "file", "creation" },
	[ESPY_EV_SOCKET]	= { NULL, "network", "creation" },
	[ESPY_EV_OPEN]		= { NULL, "file", "access" },
	[ESPY_EV_UNLINK]	= { NULL, "file", "deletion" },
	[ESPY_EV_RENAME ... ESPY_EV_UTIMES] = { NULL, "file", "change" },
	[ESPY_EV_LINK]		= { NULL, "file", "creation" },
	[ESPY_EV_MKDIR]		= { NULL, "file", "creation" },
	[ESPY_EV_CONNECT]	= { NULL, "network", "connection" },
	[ESPY_EV_ACCEPT]	= { NULL, "network", "connection" },
	[ESPY_EV_BIND]		= { NULL, "network", "start" },
	[ESPY_EV_LISTEN]	= { NULL, "network", "start" },
	[ESPY_EV_TCP_CLOSE]	= { NULL, "network", "end" },
	[ESPY_EV_DNS]		= { "dns_query", "network", "protocol" },
	[ESPY_EV_LOST]		= { "records_lost", "host", "info" },
	[ESPY_EV_PROC]		= { "process_snapshot", "process", "info" },
};

static struct kind kind_of(const struct espy_event *ev)
{
	const struct espy_hdr *h = ev->hdr;
	struct kind k = { NULL, "process", "info" };

	if (h->type < ESPY_EV_MAX && kinds[h->type].category)
		k = kinds[h->type];
	if (!k.action)
		k.action = espy_rec_type_name(h->type);
	/* what the flags of a file record tell apart */
	switch (h->type) {
	case ESPY_EV_OPEN:
		if (ev->file->fflags & ESPY_FILE_CREATED)
			k.type = "creation";
		else if ((ev->file->flags & 3) != O_RDONLY ||
			 (ev->file->flags & O_TRUNC))
			k.type = "change";
		break;
	case ESPY_EV_UNLINK:
		if (ev->file->fflags & ESPY_FILE_DIR)
			k.action = "rmdir";
		break;
	case ESPY_EV_LINK:
		if (ev->file->fflags & ESPY_FILE_SYMLINK)
			k.action = "symlink";
		break;
	}
	if (ev->priv && ev->priv->op < ESPY_OP_MAX && priv_ops[ev->priv->op] &&
	    h->type != ESPY_EV_SOCKET)
		k.action = priv_ops[ev->priv->op];
	return k;
}

/* ret of the syscall, where the record has one */
static int has_ret(const struct espy_event *ev, int64_t *ret)
{
	if (ev->priv)
		*ret = ev->priv->ret;
	else if (ev->file)
		*ret = ev->file->ret;
	else if (ev->net && ev->hdr->type != ESPY_EV_DNS &&
		 ev->hdr->type != ESPY_EV_TCP_CLOSE)
		*ret = ev->net->ret;
	else
		return 0;
	return 1;
}

static void write_event(struct espy_json *j, const struct espy_event *ev)
{
	const struct espy_verdict *v = ev->verdict;
	struct kind k = kind_of(ev);
	int64_t ret;

	obj(j, "event");
	espy_json_kv_cstr(j, "kind", v && v->alert ? "alert" :
		ev->hdr->type == ESPY_EV_PROC ? "state" : "event");
	one_str_array(j, "category", k.category);
	one_str_array(j, "type", k.type);
	espy_json_kv_cstr(j, "action", k.action);
	kv_id(j, "id", ev->id);
	espy_json_kv_u64(j, "sequence", ev->id);
	if (has_ret(ev, &ret))
		espy_json_kv_cstr(j, "outcome", ret >= 0 ? "success" :
			ret == -EINPROGRESS ? "unknown" : "failure");
	else if (ev->hdr->type == ESPY_EV_EXEC)
		espy_json_kv_cstr(j, "outcome", "success");
	if (v) {
		espy_json_kv_u64(j, "severity", v->severity);
		espy_json_kv_double(j, "risk_score", v->score, 2);
	}
	espy_json_kv_cstr(j, "module", "espy");
	end(j);
}

static void write_host(struct espy_json *j, const struct espy_ecs *ecs)
{
	obj(j, "host");
	espy_json_kv_cstr(j, "name", ecs->host.name);
	if (ecs->host.id[0])
		espy_json_kv_cstr(j, "id", ecs->host.id);
	end(j);
}

static void write_args(struct espy_json *j, const char *argv, size_t len,
		       uint32_t argc)
{
	size_t i, s;

	espy_json_key(j, "args");
	espy_json_arr_begin(j);
	for (i = s = 0; i <= len; i++) {
		if (i == len || !argv[i]) {
			if (i > s || i < len)
				espy_json_str(j, argv + s, i - s);
			s = i + 1;
		}
	}
	espy_json_arr_end(j);
	espy_json_kv_u64(j, "args_count", argc);
	/* ECS command_line: the arguments joined by spaces */
	espy_json_key(j, "command_line");
	espy_json_str_begin(j);
	for (i = s = 0; i < len; i++) {
		if (!argv[i]) {
			espy_json_str_append(j, argv + s, i - s);
			if (i + 1 < len)
				espy_json_str_append(j, " ", 1);
			s = i + 1;
		}
	}
	if (s < len)
		espy_json_str_append(j, argv + s, len - s);
	espy_json_str_end(j);
}

static void write_tty(struct espy_json *j, uint32_t dev)
{
	if (!dev)
		return;
	obj(j, "tty");
	obj(j, "char_device");
	espy_json_kv_u64(j, "major", dev >> 20);
	espy_json_kv_u64(j, "minor", dev & 0xfffff);
	end(j);
	end(j);
}

static void write_entity(struct espy_json *j, const struct espy_ecs *ecs,
			 uint32_t tgid, uint64_t start_ns)
{
	char id[17];

	espy_entity_id(ecs->host.id, tgid, start_ns, id);
	espy_json_kv_cstr(j, "entity_id", id);
	if (ecs->have_offset)
		kv_time(j, "start", (int64_t)start_ns + ecs->clock_offset_ns);
}

/* entity_id, start, name (NULL: none) and the executable p knows of */
static void write_known(struct espy_json *j, const struct espy_ecs *ecs,
			uint32_t tgid, uint64_t start_ns, const char *name,
			const struct espy_proc *p)
{
	write_entity(j, ecs, tgid, start_ns);
	if (name)
		espy_json_kv_cstr(j, "name", name);
	if (p && p->exe && p->exe_len)
		espy_json_kv_str(j, "executable", p->exe, p->exe_len);
}

static void write_parent(struct espy_json *j, const struct espy_ecs *ecs,
			 uint32_t ppid, const struct espy_proc *pp)
{
	if (!ppid)
		return;
	obj(j, "parent");
	espy_json_kv_u64(j, "pid", ppid);
	if (pp)
		write_known(j, ecs, pp->tgid, pp->start_ns,
			    pp->comm[0] ? pp->comm : NULL, pp);
	end(j);
}

static void write_process(struct espy_json *j, const struct espy_ecs *ecs,
			  const struct espy_event *ev)
{
	const struct espy_hdr *h = ev->hdr;
	const struct espy_proc *p = ev->proc, *pp = NULL;
	int is_exec = h->type == ESPY_EV_EXEC || h->type == ESPY_EV_PROC;
	char comm[ESPY_COMM_LEN + 1];

	if (p && ecs->procs)
		pp = espy_proctab_parent(ecs->procs, p);
	memcpy(comm, h->comm, ESPY_COMM_LEN);
	comm[ESPY_COMM_LEN] = '\0';

	obj(j, "process");
	if (h->type == ESPY_EV_FORK) {
		/* the child is the process; the record's task its parent */
		espy_json_kv_u64(j, "pid", ev->fork->child_tgid);
		write_known(j, ecs, ev->fork->child_tgid,
			    ev->fork->child_start_ns, comm, p);
		obj(j, "parent");
		espy_json_kv_u64(j, "pid", h->tgid);
		write_known(j, ecs, h->tgid, h->start_ns, comm, p);
		end(j);
		end(j);
		return;
	}
	espy_json_kv_u64(j, "pid", h->tgid);
	write_entity(j, ecs, h->tgid, h->start_ns);
	obj(j, "thread");
	espy_json_kv_u64(j, "id", h->tid);
	end(j);
	espy_json_kv_cstr(j, "name", comm);
	if (is_exec) {
		kv_tail(j, "executable", ev->path);
		if (ev->argv.len || ev->exec->argc)
			write_args(j, ev->argv.p, ev->argv.len, ev->exec->argc);
		kv_tail(j, "working_directory", ev->cwd);
		write_tty(j, ev->exec->tty_dev);
	} else if (p) {
		if (p->exe && p->exe_len)
			espy_json_kv_str(j, "executable", p->exe, p->exe_len);
		if (p->cwd && p->cwd_len)
			espy_json_kv_str(j, "working_directory", p->cwd, p->cwd_len);
		write_tty(j, p->tty_dev);
	}
	if (h->type == ESPY_EV_EXIT) {
		int st = ev->exit->exit_code;

		espy_json_kv_i64(j, "exit_code",
				 (st & 0x7f) ? 128 + (st & 0x7f) : (st >> 8) & 0xff);
	}
	write_parent(j, ecs, h->ppid, pp);
	end(j);
}

static void write_name(struct espy_json *j, const struct espy_ecs *ecs,
		       int is_group, uint32_t id)
{
	char name[128];

	if (ecs->name_fn &&
	    !ecs->name_fn(ecs->name_ctx, is_group, id, name, sizeof(name)))
		espy_json_kv_cstr(j, "name", name);
}

static void write_user(struct espy_json *j, const struct espy_ecs *ecs,
		       const struct espy_hdr *h)
{
	obj(j, "user");
	kv_id(j, "id", h->uid);
	write_name(j, ecs, 0, h->uid);
	obj(j, "effective");
	kv_id(j, "id", h->euid);
	write_name(j, ecs, 0, h->euid);
	end(j);
	end(j);
	obj(j, "group");
	kv_id(j, "id", h->gid);
	write_name(j, ecs, 1, h->gid);
	end(j);
}

static void write_mode(struct espy_json *j, const char *k, uint32_t mode)
{
	espy_json_key(j, k);
	espy_json_strf(j, "%04o", mode & 07777);
}

static void write_basename(struct espy_json *j, struct espy_str s)
{
	const char *slash;
	size_t off = 0;

	if (!s.len)
		return;
	slash = memrchr(s.p, '/', s.len);
	if (slash)
		off = slash - s.p + 1;
	if (off < s.len)
		espy_json_kv_str(j, "name", s.p + off, s.len - off);
}

static void write_open_flags(struct espy_json *j, uint32_t f)
{
	static const struct { uint32_t bit; const char *name; } names[] = {
		{ O_CREAT, "O_CREAT" }, { O_EXCL, "O_EXCL" },
		{ O_TRUNC, "O_TRUNC" }, { O_APPEND, "O_APPEND" },
		{ O_NOFOLLOW, "O_NOFOLLOW" }, { O_DIRECTORY, "O_DIRECTORY" },
		{ O_PATH, "O_PATH" }, { __O_TMPFILE, "O_TMPFILE" },
	};
	static const char *const acc[] = { "O_RDONLY", "O_WRONLY", "O_RDWR",
					   "O_ACCMODE" };
	size_t i;

	espy_json_key(j, "open_flags");
	espy_json_arr_begin(j);
	espy_json_cstring(j, acc[f & 3]);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if ((f & names[i].bit) == names[i].bit)
			espy_json_cstring(j, names[i].name);
	espy_json_arr_end(j);
}

static void write_file(struct espy_json *j, const struct espy_ecs *ecs,
		       const struct espy_event *ev)
{
	const struct espy_file *f = ev->file;
	struct espy_str path = ev->path, target = { NULL, 0 };
	uint16_t t = f->hdr.type;

	if (t == ESPY_EV_RENAME || (t == ESPY_EV_LINK &&
				    !(f->fflags & ESPY_FILE_SYMLINK))) {
		/* the file now lives at path2; path is where it came from */
		if (ev->path2.len) {
			target = ev->path;
			path = ev->path2;
		}
	} else if (t == ESPY_EV_LINK) {
		target = ev->path2;	/* symlink: path -> path2 */
	}
	obj(j, "file");
	kv_tail(j, "path", path);
	write_basename(j, path);
	/* ECS has file.target_path for links; a rename's old name goes to
	 * espy.original_path */
	if (target.len && t != ESPY_EV_RENAME)
		espy_json_kv_str(j, "target_path", target.p, target.len);
	if (f->ino)
		kv_id(j, "inode", f->ino);
	if (f->dev)
		kv_id(j, "device", f->dev);
	switch (t) {
	case ESPY_EV_OPEN:
		if (f->flags & (O_CREAT | __O_TMPFILE))
			write_mode(j, "mode", f->mode);
		break;
	case ESPY_EV_CHMOD:
	case ESPY_EV_MKDIR:
		write_mode(j, "mode", f->mode);
		break;
	case ESPY_EV_CHOWN:
		if (f->uid != NO_ID)
			kv_id(j, "uid", f->uid);
		if (f->gid != NO_ID)
			kv_id(j, "gid", f->gid);
		break;
	case ESPY_EV_TRUNCATE:
		espy_json_kv_i64(j, "size", f->size);
		break;
	case ESPY_EV_UTIMES:
		if (f->atime_ns >= 0)
			kv_time(j, "accessed", f->atime_ns);
		if (f->mtime_ns >= 0)
			kv_time(j, "mtime", f->mtime_ns);
		break;
	}
	end(j);
}

/* bytes: ECS source.bytes / destination.bytes, "sent by" that end;
 * (uint64_t)-1 when not known */
static void write_addr(struct espy_json *j, const char *k, uint16_t family,
		       const uint8_t *addr, uint16_t port, uint64_t bytes)
{
	char buf[INET6_ADDRSTRLEN];

	static const uint8_t zero[16];

	obj(j, k);
	/* an unbound end (0.0.0.0, ::) has a port but no address yet */
	if ((family == AF_INET || family == AF_INET6) &&
	    memcmp(addr, zero, family == AF_INET ? 4 : 16) &&
	    inet_ntop(family, addr, buf, sizeof(buf)))
		espy_json_kv_cstr(j, "ip", buf);
	espy_json_kv_u64(j, "port", port);
	if (bytes != NO_BYTES)
		espy_json_kv_u64(j, "bytes", bytes);
	end(j);
}

static const char *qtype_name(uint16_t q)
{
	switch (q) {
	case 1: return "A";
	case 2: return "NS";
	case 5: return "CNAME";
	case 6: return "SOA";
	case 12: return "PTR";
	case 15: return "MX";
	case 16: return "TXT";
	case 28: return "AAAA";
	case 33: return "SRV";
	case 65: return "HTTPS";
	case 255: return "ANY";
	}
	return NULL;
}

static void write_net(struct espy_json *j, const struct espy_event *ev)
{
	const struct espy_net *n = ev->net;
	uint16_t t = n->hdr.type;
	int inet = n->family == AF_INET || n->family == AF_INET6;

	int closed = t == ESPY_EV_TCP_CLOSE;

	switch (t) {
	case ESPY_EV_CONNECT:
	case ESPY_EV_DNS:
	case ESPY_EV_TCP_CLOSE:
		if (inet && n->local_port)
			write_addr(j, "source", n->family, n->local_addr,
				   n->local_port,
				   closed ? n->bytes_sent : NO_BYTES);
		if (inet)
			write_addr(j, "destination", n->family, n->remote_addr,
				   n->remote_port,
				   closed ? n->bytes_recv : NO_BYTES);
		break;
	case ESPY_EV_ACCEPT:
		if (inet) {
			write_addr(j, "source", n->family, n->remote_addr,
				   n->remote_port, NO_BYTES);
			write_addr(j, "destination", n->family, n->local_addr,
				   n->local_port, NO_BYTES);
		}
		break;
	case ESPY_EV_BIND:
	case ESPY_EV_LISTEN:
		if (inet)
			write_addr(j, "server", n->family, n->local_addr,
				   n->local_port, NO_BYTES);
		break;
	}
	obj(j, "network");
	if (n->protocol == 6)
		espy_json_kv_cstr(j, "transport", "tcp");
	else if (n->protocol == 17)
		espy_json_kv_cstr(j, "transport", "udp");
	if (n->family == AF_INET)
		espy_json_kv_cstr(j, "type", "ipv4");
	else if (n->family == AF_INET6)
		espy_json_kv_cstr(j, "type", "ipv6");
	if (t == ESPY_EV_CONNECT)
		espy_json_kv_cstr(j, "direction", "egress");
	else if (t == ESPY_EV_ACCEPT)
		espy_json_kv_cstr(j, "direction", "ingress");
	if (t == ESPY_EV_DNS)
		espy_json_kv_cstr(j, "protocol", "dns");
	if (t == ESPY_EV_TCP_CLOSE)
		espy_json_kv_u64(j, "bytes", n->bytes_sent + n->bytes_recv);
	end(j);
	if (t == ESPY_EV_DNS) {
		const char *q = qtype_name(n->qtype);

		obj(j, "dns");
		espy_json_kv_cstr(j, "type", "question");
		obj(j, "question");
		kv_tail(j, "name", ev->name);
		espy_json_key(j, "type");
		if (q)
			espy_json_cstring(j, q);
		else
			espy_json_strf(j, "TYPE%u", n->qtype);
		end(j);
		end(j);
	}
}

/* ATT&CK tactics: short name -> display name and id */
static const struct { const char *s, *name, *id; } tactics[] = {
	{ "reconnaissance", "Reconnaissance", "TA0043" },
	{ "resource-development", "Resource Development", "TA0042" },
	{ "initial-access", "Initial Access", "TA0001" },
	{ "execution", "Execution", "TA0002" },
	{ "persistence", "Persistence", "TA0003" },
	{ "privilege-escalation", "Privilege Escalation", "TA0004" },
	{ "defense-evasion", "Defense Evasion", "TA0005" },
	{ "credential-access", "Credential Access", "TA0006" },
	{ "discovery", "Discovery", "TA0007" },
	{ "lateral-movement", "Lateral Movement", "TA0008" },
	{ "collection", "Collection", "TA0009" },
	{ "command-and-control", "Command and Control", "TA0011" },
	{ "exfiltration", "Exfiltration", "TA0010" },
	{ "impact", "Impact", "TA0040" },
};

static int tactic_index(const char *s)
{
	size_t i;

	for (i = 0; s && i < sizeof(tactics) / sizeof(tactics[0]); i++)
		if (!strcmp(s, tactics[i].s))
			return i;
	return -1;
}

/* The i-th technique's tactic, unless an earlier technique named it. */
static const char *new_tactic(const struct espy_verdict *v, int i)
{
	const char *t = v->tech[i].tactic;
	int k;

	if (!t)
		return NULL;
	for (k = 0; k < i; k++)
		if (v->tech[k].tactic && !strcmp(t, v->tech[k].tactic))
			return NULL;
	return t;
}

static void write_threat(struct espy_json *j, const struct espy_verdict *v)
{
	int i, x, n = v->ntech;
	const char *t;

	if (n <= 0)
		return;
	if (n > ESPY_VERDICT_MAX_TECH)
		n = ESPY_VERDICT_MAX_TECH;
	obj(j, "threat");
	espy_json_kv_cstr(j, "framework", "MITRE ATT&CK");
	obj(j, "technique");
	espy_json_key(j, "id");
	espy_json_arr_begin(j);
	for (i = 0; i < n; i++)
		espy_json_cstring(j, v->tech[i].id ? v->tech[i].id : "");
	espy_json_arr_end(j);
	espy_json_key(j, "name");
	espy_json_arr_begin(j);
	for (i = 0; i < n; i++)
		espy_json_cstring(j, v->tech[i].name ? v->tech[i].name : "");
	espy_json_arr_end(j);
	end(j);
	obj(j, "tactic");
	/* each tactic once, in the order first named */
	espy_json_key(j, "name");
	espy_json_arr_begin(j);
	for (i = 0; i < n; i++) {
		t = new_tactic(v, i);
		if (!t)
			continue;
		x = tactic_index(t);
		espy_json_cstring(j, x >= 0 ? tactics[x].name : t);
	}
	espy_json_arr_end(j);
	espy_json_key(j, "id");
	espy_json_arr_begin(j);
	for (i = 0; i < n; i++) {
		t = new_tactic(v, i);
		x = tactic_index(t);
		if (x >= 0)
			espy_json_cstring(j, tactics[x].id);
	}
	espy_json_arr_end(j);
	end(j);
	end(j);
}

static const char *const hdr_flag_names[] = {
	"trunc_path", "trunc_path2", "trunc_argv", "trunc_cwd",
	"trunc_script", "trunc_name", "path_depth", "kmod", "no_task",
};

static const char *const exec_flag_names[] = {
	"memfd", "deleted", "stdin_socket", "stdout_socket", "stderr_socket",
	"script", "setuid", "writable_fs",
};

static void write_flag_list(struct espy_json *j, const char *k, uint32_t f,
			    const char *const *names, int n)
{
	int i;

	espy_json_key(j, k);
	espy_json_arr_begin(j);
	for (i = 0; i < 32; i++) {
		if (!(f & (1U << i)))
			continue;
		if (i < n)
			espy_json_cstring(j, names[i]);
		else
			espy_json_strf(j, "bit%d", i);
	}
	espy_json_arr_end(j);
}

static void write_target(struct espy_json *j, const struct espy_ecs *ecs,
			 uint32_t pid)
{
	struct espy_proc *tp = NULL;

	if (ecs->procs)
		tp = espy_proctab_find_live(ecs->procs, pid);
	obj(j, "target");
	espy_json_kv_u64(j, "pid", pid);
	if (tp) {
		char id[17];

		espy_entity_id(ecs->host.id, tp->tgid, tp->start_ns, id);
		espy_json_kv_cstr(j, "entity_id", id);
		if (tp->exe && tp->exe_len)
			espy_json_kv_str(j, "executable", tp->exe, tp->exe_len);
	}
	end(j);
}

static void write_priv(struct espy_json *j, const struct espy_ecs *ecs,
		       const struct espy_event *ev)
{
	static const char *const cap_sets[] = {
		"effective", "permitted", "inheritable",
	};
	const struct espy_priv *x = ev->priv;
	int i;

	switch (x->hdr.type) {
	case ESPY_EV_SETID:
		/* ids as passed; -1 means "unchanged" */
		espy_json_key(j, "ids");
		espy_json_arr_begin(j);
		for (i = 0; i < 3; i++)
			espy_json_i64(j, (int32_t)x->args[i]);
		espy_json_arr_end(j);
		break;
	case ESPY_EV_CAPSET:
		obj(j, "caps");
		for (i = 0; i < 3; i++) {
			espy_json_key(j, cap_sets[i]);
			espy_json_strf(j, "0x%016llx", (unsigned long long)x->args[i]);
		}
		end(j);
		break;
	case ESPY_EV_PTRACE:
	case ESPY_EV_VM_WRITE:
	case ESPY_EV_KILL:
		/* args[0] says what was done to the target */
		espy_json_kv_u64(j, x->hdr.type == ESPY_EV_PTRACE ? "ptrace_request" :
				 x->hdr.type == ESPY_EV_KILL ? "signal" : "iovecs",
				 x->args[0]);
		write_target(j, ecs, x->target_pid);
		break;
	case ESPY_EV_MODULE:
		kv_tail(j, "module_path", ev->name);
		break;
	case ESPY_EV_BPF:
		obj(j, "bpf");
		espy_json_kv_u64(j, "prog_type", x->args[0]);
		espy_json_kv_u64(j, "insn_count", x->args[1]);
		kv_tail(j, "prog_name", ev->name);
		end(j);
		break;
	case ESPY_EV_MEMFD:
		kv_tail(j, "memfd_name", ev->name);
		espy_json_kv_u64(j, "memfd_flags", x->args[0]);
		break;
	case ESPY_EV_SOCKET:
		obj(j, "socket");
		espy_json_kv_u64(j, "family", x->args[0]);
		espy_json_kv_u64(j, "type", x->args[1]);
		espy_json_kv_u64(j, "protocol", x->args[2]);
		end(j);
		break;
	}
}

static void write_lost(struct espy_json *j, const struct espy_lost *l)
{
	int i;

	obj(j, "lost");
	espy_json_kv_u64(j, "total", l->total);
	obj(j, "by_type");
	for (i = 0; i < ESPY_EV_MAX; i++) {
		const char *n = espy_rec_type_name(i);

		if (!l->by_type[i])
			continue;
		if (n) {
			espy_json_kv_u64(j, n, l->by_type[i]);
		} else {
			char k[16];

			snprintf(k, sizeof(k), "type%d", i);
			espy_json_kv_u64(j, k, l->by_type[i]);
		}
	}
	end(j);
	end(j);
}

static void write_verdict(struct espy_json *j, const struct espy_verdict *v)
{
	int i, n;

	espy_json_kv_double(j, "score", v->score, 2);
	espy_json_kv_cstr(j, "severity", espy_severity_name(v->severity));
	espy_json_key(j, "reasons");
	espy_json_arr_begin(j);
	n = v->nreasons < ESPY_VERDICT_MAX_REASONS ? v->nreasons :
						      ESPY_VERDICT_MAX_REASONS;
	for (i = 0; i < n; i++)
		espy_json_str(j, v->reasons[i],
			      strnlen(v->reasons[i], ESPY_VERDICT_REASON_LEN));
	espy_json_arr_end(j);
	obj(j, "session");
	kv_id(j, "id", v->session_id);
	espy_json_kv_double(j, "score", v->session_score, 2);
	end(j);
	if (v->learning)
		espy_json_kv_bool(j, "learning", 1);
	if (v->after_drops)
		espy_json_kv_bool(j, "after_drops", 1);
	if (v->nevidence > 0) {
		n = v->nevidence < ESPY_VERDICT_MAX_EVIDENCE ? v->nevidence :
			ESPY_VERDICT_MAX_EVIDENCE;
		espy_json_key(j, "evidence");
		espy_json_arr_begin(j);
		for (i = 0; i < n; i++)
			espy_json_u64_str(j, v->evidence[i]);
		espy_json_arr_end(j);
	}
}

static void write_espy(struct espy_json *j, const struct espy_ecs *ecs,
		       const struct espy_event *ev)
{
	const struct espy_hdr *h = ev->hdr;
	int has_task = !(h->flags & ESPY_F_NO_TASK) && h->type != ESPY_EV_LOST;
	int64_t ret;

	obj(j, "espy");
	espy_json_kv_cstr(j, "type", espy_rec_type_name(h->type));
	if (h->flags) {
		write_flag_list(j, "flags", h->flags, hdr_flag_names,
				sizeof(hdr_flag_names) / sizeof(hdr_flag_names[0]));
		if (h->flags & (ESPY_F_TRUNC_PATH | ESPY_F_TRUNC_PATH2 |
				ESPY_F_TRUNC_ARGV | ESPY_F_TRUNC_CWD |
				ESPY_F_TRUNC_SCRIPT | ESPY_F_TRUNC_NAME |
				ESPY_F_PATH_DEPTH))
			espy_json_kv_bool(j, "truncated", 1);
	}
	if (has_task) {
		if (h->auid != NO_ID)
			espy_json_kv_u64(j, "auid", h->auid);
		if (h->sessionid != NO_ID)
			espy_json_kv_u64(j, "sessionid", h->sessionid);
		espy_json_kv_u64(j, "cgroup_id", h->cgroup_id);
		espy_json_kv_u64(j, "mntns", h->mntns);
		espy_json_kv_u64(j, "netns", h->netns);
		if (h->egid != h->gid)
			espy_json_kv_u64(j, "egid", h->egid);
	} else if (h->type != ESPY_EV_LOST && h->netns) {
		/* softirq records (a TCP close) have no task, but the kernel
		 * takes the namespace from the socket */
		espy_json_kv_u64(j, "netns", h->netns);
	}
	if (has_ret(ev, &ret)) {
		espy_json_kv_i64(j, "ret", ret);
		if (ret < 0 && ret > -4096 && strerrorname_np(-ret))
			espy_json_kv_cstr(j, "error", strerrorname_np(-ret));
	}
	if (ev->exec) {
		if (ev->exec->flags)
			write_flag_list(j, "exec_flags", ev->exec->flags,
					exec_flag_names,
					sizeof(exec_flag_names) /
					sizeof(exec_flag_names[0]));
		kv_tail(j, "script", ev->script);
	}
	if (ev->exit) {
		int st = ev->exit->exit_code;

		espy_json_kv_i64(j, "wait_status", st);
		if (st & 0x7f)
			espy_json_kv_u64(j, "signal", st & 0x7f);
	}
	if (ev->file) {
		if (h->type == ESPY_EV_OPEN)
			write_open_flags(j, ev->file->flags);
		if (h->type == ESPY_EV_RENAME && ev->path2.len && ev->path.len)
			espy_json_kv_str(j, "original_path", ev->path.p, ev->path.len);
		if (ev->file->fflags & ESPY_FILE_PATH_RAW)
			espy_json_kv_bool(j, "path_raw", 1);
		if (h->type == ESPY_EV_UTIMES) {
			if (ev->file->atime_ns == ESPY_UTIME_NOW ||
			    ev->file->mtime_ns == ESPY_UTIME_NOW)
				espy_json_kv_bool(j, "utime_now", 1);
		}
	}
	if (ev->net) {
		if (ev->net->family == AF_UNIX)
			espy_json_kv_cstr(j, "family", "unix");
		if (h->type == ESPY_EV_TCP_CLOSE) {
			espy_json_kv_u64(j, "bytes_sent", ev->net->bytes_sent);
			espy_json_kv_u64(j, "bytes_received", ev->net->bytes_recv);
		}
		if (h->type == ESPY_EV_LISTEN)
			espy_json_kv_i64(j, "backlog", ev->net->backlog);
	}
	if (ev->priv)
		write_priv(j, ecs, ev);
	if (ev->lost)
		write_lost(j, ev->lost);
	if (ev->verdict)
		write_verdict(j, ev->verdict);
	end(j);
}

int espy_ecs_encode(const struct espy_ecs *ecs, const struct espy_event *ev,
		    struct espy_json *j)
{
	const struct espy_hdr *h = ev->hdr;
	int has_task;

	if (!h)
		return -EINVAL;
	has_task = !(h->flags & ESPY_F_NO_TASK) && h->type != ESPY_EV_LOST;
	espy_json_obj_begin(j);
	kv_time(j, "@timestamp", ev->wall_ns);
	write_event(j, ev);
	write_host(j, ecs);
	if (has_task) {
		write_process(j, ecs, ev);
		write_user(j, ecs, h);
	}
	if (ev->file)
		write_file(j, ecs, ev);
	if (ev->net)
		write_net(j, ev);
	if (h->type == ESPY_EV_MODULE && ev->name.len) {
		obj(j, "file");
		espy_json_kv_str(j, "path", ev->name.p, ev->name.len);
		end(j);
	}
	if (ev->verdict)
		write_threat(j, ev->verdict);
	write_espy(j, ecs, ev);
	espy_json_obj_end(j);
	return espy_json_error(j);
}
