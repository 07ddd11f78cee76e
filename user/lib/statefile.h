/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * State files under the state directory (the baseline): a fixed header
 * (magic, format version, kind, lengths, CRC-32s) and a zlib-compressed
 * payload.  Written atomically: temporary file in the same directory,
 * fsync, rename over the old file, fsync of the directory, so a crash
 * leaves either the old file or the new one.  Read back as untrusted input:
 * every way a file can be damaged or foreign is told apart, so that the
 * caller can report it and move it aside (never trust or overwrite it).
 */
#ifndef ESPY_STATEFILE_H
#define ESPY_STATEFILE_H

#include <stddef.h>
#include <stdint.h>

#define ESPY_STATE_VERSION	1
#define ESPY_STATE_KIND_MAX	16
#define ESPY_STATE_MAX_RAW	(1ULL << 30)	/* refuse to inflate more */

enum espy_state_damage {
	ESPY_STATE_OK = 0,
	ESPY_STATE_SHORT,	/* shorter than the header */
	ESPY_STATE_MAGIC,	/* not an espy state file */
	ESPY_STATE_VERSION_FOREIGN, /* written by an incompatible version */
	ESPY_STATE_HDR_CRC,	/* header checksum mismatch */
	ESPY_STATE_KIND,	/* an espy state file of another kind */
	ESPY_STATE_TRUNCATED,	/* payload shorter than the header says */
	ESPY_STATE_TRAILING,	/* bytes after the payload */
	ESPY_STATE_CRC,		/* payload checksum mismatch */
	ESPY_STATE_ZLIB,	/* payload does not inflate */
	ESPY_STATE_LENGTH,	/* inflated length differs from the header */
	ESPY_STATE_TOO_BIG,	/* raw length beyond ESPY_STATE_MAX_RAW */
	ESPY_STATE_CONTENT,	/* the payload itself is invalid (caller) */
	ESPY_STATE_NR,
};

const char *espy_state_damage_str(enum espy_state_damage d);

/* Write data as a state file of kind at path, atomically. */
int espy_state_write(const char *path, const char *kind, const void *data,
		     size_t len);

/*
 * Read and check the state file at path.  Returns 0 with a malloc'd
 * payload in *data and *len; -ENOENT when there is no file; -EBADMSG when it is
 * damaged or foreign (*why and msg say how); another -errno on I/O errors.
 */
int espy_state_read(const char *path, const char *kind, void **data,
		    size_t *len, enum espy_state_damage *why, char *msg,
		    size_t msglen);

/*
 * Move a damaged file aside: path -> path.bad, or path.bad.N for the first
 * free N, so that no earlier evidence is overwritten.  The new name goes
 * to moved (may be NULL).
 */
int espy_state_quarantine(const char *path, char *moved, size_t movedsz);

#endif /* ESPY_STATEFILE_H */
