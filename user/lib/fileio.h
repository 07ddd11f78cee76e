/* SPDX-License-Identifier: GPL-2.0-only */
/* Small file helpers for state files and recordings: all return -errno. */
#ifndef ESPY_FILEIO_H
#define ESPY_FILEIO_H

#include <stddef.h>

/* write(2) until done, retrying on EINTR and short writes. */
int espy_write_all(int fd, const void *buf, size_t len);
/* Whole file into a malloc'd buffer; -EFBIG when larger than max. */
int espy_read_file(const char *path, void **buf, size_t *len, size_t max);
/* fsync the directory that holds path (makes a rename durable). */
int espy_fsync_dir_of(const char *path);
/* mkdir -p with mode for the missing components. */
int espy_mkdir_p(const char *dir, unsigned int mode);

#endif /* ESPY_FILEIO_H */
