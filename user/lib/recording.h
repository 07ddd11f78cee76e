/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Recordings: the raw record stream of espyd (`espyd --record FILE`), as
 * delivered by the sensors, good or bad, so that `espy replay` rebuilds
 * exactly what the daemon saw.
 *
 * File: a 512-byte header (magic, format version, ABI version, the boot ->
 * wall clock offset and the identity of the recorded host, CRC-32), then
 * blocks.  Each block is independently compressed (zlib, raw deflate) and
 * checksummed (24-byte block header: magic, raw and compressed lengths, record count,
 * CRC-32 of the compressed bytes, CRC-32 of the block header), so damage
 * stays local: a reader scores every complete block before the damage and
 * reports where and what the damage is.  Inside a block each record is
 * framed as u32 length, u32 zero, the bytes, padding to 8, so records come
 * back 8-byte aligned and without a copy.  A clean close writes an end
 * block (no data, the total record count), so a file cut at a block
 * boundary is still reported as incomplete.
 */
#ifndef ESPY_RECORDING_H
#define ESPY_RECORDING_H

#include <stddef.h>
#include <stdint.h>

#define ESPY_REC_FORMAT		2
#define ESPY_REC_HDR_SIZE	512
#define ESPY_REC_BLOCK_MAX	(4U << 20)	/* raw bytes in one block */
#define ESPY_REC_BLOCK_DEFAULT	(256U << 10)

struct espy_rec_info {
	uint32_t format;		/* ESPY_REC_FORMAT */
	uint32_t abi_version;		/* ESPY_ABI_VERSION of the sensors */
	int64_t clock_offset_ns;	/* wall = ts_ns + clock_offset_ns */
	uint64_t start_ts_ns;		/* boot clock when recording began */
	char hostname[256];
	char host_id[64];		/* /etc/machine-id */
	char boot_id[40];
	char kernel[64];		/* uname release */
};

enum espy_rec_damage_kind {
	ESPY_RECD_NONE = 0,
	ESPY_RECD_HDR_SHORT,		/* file shorter than its header */
	ESPY_RECD_HDR_MAGIC,		/* not a recording */
	ESPY_RECD_HDR_VERSION,		/* format this espy cannot read */
	ESPY_RECD_HDR_CRC,		/* header checksum mismatch */
	ESPY_RECD_BLOCK_SHORT,		/* file ends inside a block header */
	ESPY_RECD_BLOCK_MAGIC,		/* garbage where a block should start */
	ESPY_RECD_BLOCK_HDR_CRC,
	ESPY_RECD_BLOCK_SIZE,		/* implausible block lengths */
	ESPY_RECD_BLOCK_TRUNC,		/* file ends inside a block's data */
	ESPY_RECD_BLOCK_CRC,		/* compressed data checksum mismatch */
	ESPY_RECD_BLOCK_ZLIB,		/* data does not inflate */
	ESPY_RECD_FRAME,		/* a record frame overruns its block */
	ESPY_RECD_IO,			/* read error */
	ESPY_RECD_NO_END,		/* no end block: not closed cleanly */
	ESPY_RECD_NR,
};

struct espy_rec_damage {
	enum espy_rec_damage_kind kind;
	uint64_t offset;		/* file offset of the damaged part */
	uint64_t block;			/* index of the damaged block */
	uint64_t records_before;	/* good records delivered before it */
	char msg[192];			/* "block 12 at offset 3145728: ..." */
};

const char *espy_rec_damage_str(enum espy_rec_damage_kind k);

/* Fill hostname, host_id, boot_id and kernel for this machine. */
void espy_rec_info_local(struct espy_rec_info *info);

/* ---- writer ---- */
struct espy_rec_writer;

struct espy_rec_writer_stats {
	uint64_t records;
	uint64_t blocks;
	uint64_t raw_bytes;
	uint64_t file_bytes;
	uint64_t errors;
	int last_err;
};

/* Create (truncate) path, mode 0600, and write the header. */
int espy_rec_writer_open(struct espy_rec_writer **out, const char *path,
			 const struct espy_rec_info *info, uint32_t block_size);
/* Append one raw record (any bytes, up to 65535). */
int espy_rec_write(struct espy_rec_writer *w, const void *rec, size_t len);
/* espy_tap_fn / espy_record_fn shaped adapter. */
int espy_rec_tap(void *writer, const void *rec, size_t len);
/* Compress and write the pending block (periodically, so a crash loses at
 * most one flush interval). */
int espy_rec_flush(struct espy_rec_writer *w);
void espy_rec_writer_stats(const struct espy_rec_writer *w,
			   struct espy_rec_writer_stats *st);
/* Flush, fsync and close; returns the first error seen, if any. */
int espy_rec_writer_close(struct espy_rec_writer *w);

/* ---- reader ---- */
struct espy_rec_reader;

/*
 * Open path and check its header.  Returns 0, -errno, or -EBADMSG when the
 * header is damaged or foreign (the reason in *damage when non-NULL).
 */
int espy_rec_reader_open(struct espy_rec_reader **out, const char *path,
			 struct espy_rec_info *info,
			 struct espy_rec_damage *damage);
/*
 * The next record: 1 with *rec (8-byte aligned, valid until the next call)
 * and *len; 0 at a clean end; -EBADMSG at damage (espy_rec_reader_damage()
 * says what), and again on every later call.
 */
int espy_rec_next(struct espy_rec_reader *r, const void **rec, size_t *len);
/*
 * The record after @rec (one that espy_rec_next() or this gave, @len
 * bytes), if it is in the block already loaded: 1 with *next and *nlen
 * (valid as long as @rec is), else 0.  Reads nothing and changes nothing,
 * so that a reader can walk ahead (to prefetch) without altering the
 * replay; each step costs one frame, whatever the distance walked.
 */
int espy_rec_peek_after(const struct espy_rec_reader *r, const void *rec,
			size_t len, const void **next, size_t *nlen);
const struct espy_rec_damage *espy_rec_reader_damage(
	const struct espy_rec_reader *r);
uint64_t espy_rec_reader_records(const struct espy_rec_reader *r);
void espy_rec_reader_close(struct espy_rec_reader *r);

/* Iterate a whole file: fn per record, stop at damage or fn < 0. */
int espy_rec_replay_file(const char *path, int (*fn)(void *ctx,
			 const void *rec, size_t len), void *ctx,
			 struct espy_rec_info *info,
			 struct espy_rec_damage *damage);

#endif /* ESPY_RECORDING_H */
