/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * One decoded event -> one ECS JSON object (DESIGN.md section 7), nested
 * canonical form (`jq .process.pid` works).  The encoder reads no clock and
 * no random state: the same event and host give the same bytes, so replays
 * compare byte for byte.  User and group names are looked up through an
 * optional resolver (live espyd uses the system's; replay may disable it).
 */
#ifndef ESPY_ECS_H
#define ESPY_ECS_H

#include <stddef.h>
#include <stdint.h>
#include "event.h"
#include "json.h"

struct espy_proctab;

#define ESPY_HOST_NAME_MAX	256
#define ESPY_HOST_ID_MAX	64

struct espy_host {
	char name[ESPY_HOST_NAME_MAX];	/* host.name */
	char id[ESPY_HOST_ID_MAX];	/* host.id: /etc/machine-id */
};

/* Fill from gethostname() and /etc/machine-id (id "" when absent). */
int espy_host_load(struct espy_host *h);

/* uid/gid -> name into buf; returns 0, or -ENOENT when unknown. */
typedef int (*espy_name_fn)(void *ctx, int is_group, uint32_t id, char *buf,
			    size_t bufsz);

struct espy_ecs {
	struct espy_host host;
	espy_name_fn name_fn;		/* NULL: no user.name/group.name */
	void *name_ctx;
	struct espy_proctab *procs;	/* for parent and target lookups; may be NULL */
	int64_t clock_offset_ns;	/* boot -> wall for process.start */
	int have_offset;
};

/*
 * Write ev as one JSON object (no trailing newline) to j.  Returns
 * espy_json_error(j).
 */
int espy_ecs_encode(const struct espy_ecs *ecs, const struct espy_event *ev,
		    struct espy_json *j);

/*
 * process.entity_id: 16 hex digits, a keyed-free 64-bit hash of host id,
 * tgid and the start time in whole ticks (so an entry known from /proc and
 * the kernel's exact start time give the same id).  out: 17 bytes.
 */
void espy_entity_id(const char *host_id, uint32_t tgid, uint64_t start_ns,
		    char out[17]);

/* RFC 3339 UTC with nanoseconds: "2024-05-01T12:00:00.123456789Z".
 * out: at least 40 bytes.  Returns the length. */
int espy_rfc3339(int64_t wall_ns, char *out, size_t outsz);

const char *espy_severity_name(enum espy_severity s);

/* The system resolver (getpwuid_r/getgrgid_r) with a small cache.  Flush
 * when /etc/passwd or /etc/group may have changed. */
struct espy_names;
int espy_names_init(struct espy_names **out);
void espy_names_fini(struct espy_names *n);
void espy_names_flush(struct espy_names *n);
int espy_names_lookup(void *names, int is_group, uint32_t id, char *buf,
		      size_t bufsz);

#endif /* ESPY_ECS_H */
