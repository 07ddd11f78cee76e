/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Host identity and uid/gid -> name resolution for the ECS encoder.
 * Names go through the system's NSS (getpwuid_r), cached because every
 * event carries a user; the cache is flushed when the pipeline sees the
 * account files change or on SIGHUP.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecs.h"

int espy_host_load(struct espy_host *h)
{
	ssize_t n;
	int fd;

	memset(h, 0, sizeof(*h));
	if (gethostname(h->name, sizeof(h->name) - 1) < 0)
		return -errno;
	fd = open("/etc/machine-id", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;	/* host.id left empty: containers may lack it */
	n = read(fd, h->id, sizeof(h->id) - 1);
	close(fd);
	if (n < 0)
		n = 0;
	h->id[n] = '\0';
	h->id[strcspn(h->id, " \t\r\n")] = '\0';
	return 0;
}

#define NAME_SLOTS	256	/* power of two */
#define NAME_LEN	64

struct name_slot {
	uint32_t id;
	uint8_t used;
	uint8_t is_group;
	uint8_t found;
	char name[NAME_LEN];
};

struct espy_names {
	struct name_slot slot[NAME_SLOTS];
};

int espy_names_init(struct espy_names **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : -ENOMEM;
}

void espy_names_fini(struct espy_names *n)
{
	free(n);
}

void espy_names_flush(struct espy_names *n)
{
	if (n)
		memset(n->slot, 0, sizeof(n->slot));
}

static int resolve(int is_group, uint32_t id, char *out, size_t outsz)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	size_t sz = 4096;
	const char *name;
	char *buf;
	int err;

	/* a group with many members needs a bigger buffer: grow on ERANGE */
	for (;;) {
		buf = malloc(sz);
		if (!buf)
			return -ENOMEM;
		if (is_group)
			err = getgrgid_r(id, &gr, buf, sz, &grp);
		else
			err = getpwuid_r(id, &pw, buf, sz, &pwp);
		if (err != ERANGE || sz >= (1U << 20))
			break;
		free(buf);
		sz *= 4;
	}
	err = -ENOENT;
	if (is_group ? !grp : !pwp)
		goto free_buf;
	name = is_group ? grp->gr_name : pwp->pw_name;
	err = -ENAMETOOLONG;
	if (strlen(name) >= outsz)
		goto free_buf;
	strcpy(out, name);
	err = 0;
free_buf:
	free(buf);
	return err;
}

int espy_names_lookup(void *names, int is_group, uint32_t id, char *buf,
		      size_t bufsz)
{
	struct espy_names *n = names;
	struct name_slot *s;

	/* direct-mapped: a collision just costs a lookup */
	s = &n->slot[(id * 2654435761U + is_group) & (NAME_SLOTS - 1)];
	if (!s->used || s->id != id || s->is_group != is_group) {
		s->used = 1;
		s->id = id;
		s->is_group = is_group;
		s->found = !resolve(is_group, id, s->name, sizeof(s->name));
	}
	if (!s->found || strlen(s->name) >= bufsz)
		return -ENOENT;
	strcpy(buf, s->name);
	return 0;
}
