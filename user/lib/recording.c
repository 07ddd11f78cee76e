/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <fcntl.h>
#include <libdeflate.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include <zlib.h>

#include "espy/abi.h"
#include "recording.h"
#include "bytebuf.h"
#include "fileio.h"

/*
 * File header, little-endian:
 *   0 magic "ESPYREC\0"     8 u32 format      12 u32 header size
 *  16 u32 ABI version      20 u32 flags (0)   24 s64 clock offset
 *  32 u64 start ts        40 hostname[256]  296 host_id[64]
 * 360 boot_id[40]        400 kernel[64]     464 reserved
 * 508 u32 CRC-32 of bytes 0..507
 *
 * Block header: u32 magic, u32 raw len, u32 compressed len, u32 records,
 * u32 CRC-32 of the compressed bytes, u32 CRC-32 of the first 20 bytes.
 */
#define BLK_HDR		24
#define BLK_MAGIC	0x42505345U	/* "ESPB" */
#define END_MAGIC	0x45505345U	/* "ESPE" */
static const char rec_magic[8] = "ESPYREC";

static const char *const damage_str[ESPY_RECD_NR] = {
	[ESPY_RECD_NONE] = "none",
	[ESPY_RECD_HDR_SHORT] = "file shorter than a recording header",
	[ESPY_RECD_HDR_MAGIC] = "not an espy recording (bad magic)",
	[ESPY_RECD_HDR_VERSION] = "recording format this espy cannot read",
	[ESPY_RECD_HDR_CRC] = "recording header checksum mismatch",
	[ESPY_RECD_BLOCK_SHORT] = "file ends inside a block header",
	[ESPY_RECD_BLOCK_MAGIC] = "no block where one should start",
	[ESPY_RECD_BLOCK_HDR_CRC] = "block header checksum mismatch",
	[ESPY_RECD_BLOCK_SIZE] = "implausible block lengths",
	[ESPY_RECD_BLOCK_TRUNC] = "file ends inside a block",
	[ESPY_RECD_BLOCK_CRC] = "block data checksum mismatch",
	[ESPY_RECD_BLOCK_ZLIB] = "block data does not inflate",
	[ESPY_RECD_FRAME] = "record frame overruns its block",
	[ESPY_RECD_IO] = "read error",
	[ESPY_RECD_NO_END] = "no end block (recording was not closed cleanly)",
};

const char *espy_rec_damage_str(enum espy_rec_damage_kind k)
{
	return (unsigned int)k < ESPY_RECD_NR ? damage_str[k] : "unknown";
}

static void read_line(const char *path, char *out, size_t outsz)
{
	FILE *f = fopen(path, "re");
	size_t n;

	out[0] = 0;
	if (!f)
		return;
	if (fgets(out, outsz, f)) {
		n = strcspn(out, "\n");
		out[n] = 0;
	}
	fclose(f);
}

void espy_rec_info_local(struct espy_rec_info *info)
{
	struct utsname u;

	if (gethostname(info->hostname, sizeof(info->hostname) - 1) < 0)
		info->hostname[0] = 0;
	info->hostname[sizeof(info->hostname) - 1] = 0;
	read_line("/etc/machine-id", info->host_id, sizeof(info->host_id));
	read_line("/proc/sys/kernel/random/boot_id", info->boot_id,
		  sizeof(info->boot_id));
	info->kernel[0] = 0;
	if (uname(&u) == 0)
		snprintf(info->kernel, sizeof(info->kernel), "%.63s", u.release);
}

static void put_str(unsigned char *dst, size_t n, const char *s)
{
	size_t l = strnlen(s, n - 1);

	memset(dst, 0, n);
	memcpy(dst, s, l);
}

static void get_str(char *dst, size_t n, const unsigned char *src)
{
	memcpy(dst, src, n);
	dst[n - 1] = 0;
}

/* ---- writer --------------------------------------------------------- */

struct espy_rec_writer {
	z_stream zs;
	int fd;
	uint32_t block_size;
	unsigned char *raw;
	size_t rawlen;
	uint32_t nrec;
	unsigned char *z;
	size_t zcap;
	struct espy_rec_writer_stats st;
};

static int writer_err(struct espy_rec_writer *w, int err)
{
	w->st.errors++;
	w->st.last_err = err;
	return err;
}

int espy_rec_writer_open(struct espy_rec_writer **out, const char *path,
			 const struct espy_rec_info *info, uint32_t block_size)
{
	struct espy_rec_writer *w;
	unsigned char h[ESPY_REC_HDR_SIZE];
	int ret;

	if (!block_size)
		block_size = ESPY_REC_BLOCK_DEFAULT;
	if (block_size < 65536 + 16 || block_size > ESPY_REC_BLOCK_MAX)
		return -EINVAL;
	w = calloc(1, sizeof(*w));
	if (!w)
		return -ENOMEM;
	w->block_size = block_size;
	w->raw = malloc(block_size);
	w->zcap = compressBound(block_size);
	w->z = malloc(w->zcap);
	if (!w->raw || !w->z) {
		ret = -ENOMEM;
		goto free_w;
	}
	/* raw deflate: each block has its own CRC-32, zlib's Adler-32 would
	 * only cost time on the way back in */
	if (deflateInit2(&w->zs, 1, Z_DEFLATED, -15, 8,
			 Z_DEFAULT_STRATEGY) != Z_OK) {
		ret = -ENOMEM;
		goto free_w;
	}
	w->fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (w->fd < 0) {
		ret = -errno;
		goto end_deflate;
	}
	memset(h, 0, sizeof(h));
	memcpy(h, rec_magic, 8);
	espy_le32_put(h + 8, ESPY_REC_FORMAT);
	espy_le32_put(h + 12, ESPY_REC_HDR_SIZE);
	espy_le32_put(h + 16, info->abi_version ? info->abi_version
						: ESPY_ABI_VERSION);
	espy_le64_put(h + 24, (uint64_t)info->clock_offset_ns);
	espy_le64_put(h + 32, info->start_ts_ns);
	put_str(h + 40, 256, info->hostname);
	put_str(h + 296, 64, info->host_id);
	put_str(h + 360, 40, info->boot_id);
	put_str(h + 400, 64, info->kernel);
	espy_le32_put(h + 508, crc32(0, h, 508));
	ret = espy_write_all(w->fd, h, sizeof(h));
	if (ret)
		goto close_fd;
	w->st.file_bytes = sizeof(h);
	*out = w;
	return 0;
close_fd:
	close(w->fd);
	unlink(path);
end_deflate:
	deflateEnd(&w->zs);
free_w:
	free(w->raw);
	free(w->z);
	free(w);
	return ret;
}

static int write_block(struct espy_rec_writer *w, uint32_t magic,
		       const unsigned char *data, uint32_t rawlen,
		       uint32_t clen, uint32_t nrec)
{
	unsigned char h[BLK_HDR];
	int ret;

	espy_le32_put(h, magic);
	espy_le32_put(h + 4, rawlen);
	espy_le32_put(h + 8, clen);
	espy_le32_put(h + 12, nrec);
	espy_le32_put(h + 16, crc32(0, data, clen));
	espy_le32_put(h + 20, crc32(0, h, 20));
	ret = espy_write_all(w->fd, h, sizeof(h));
	if (!ret && clen)
		ret = espy_write_all(w->fd, data, clen);
	if (ret)
		return writer_err(w, ret);
	w->st.file_bytes += sizeof(h) + clen;
	return 0;
}

int espy_rec_flush(struct espy_rec_writer *w)
{
	uLongf clen;
	int ret;

	if (!w->rawlen)
		return 0;
	deflateReset(&w->zs);
	w->zs.next_in = w->raw;
	w->zs.avail_in = w->rawlen;
	w->zs.next_out = w->z;
	w->zs.avail_out = w->zcap;
	if (deflate(&w->zs, Z_FINISH) != Z_STREAM_END)
		return writer_err(w, -EIO);
	clen = w->zcap - w->zs.avail_out;
	ret = write_block(w, BLK_MAGIC, w->z, w->rawlen, clen, w->nrec);
	/* the block is gone either way: a retry would duplicate records */
	w->rawlen = 0;
	w->nrec = 0;
	if (!ret)
		w->st.blocks++;
	return ret;
}

int espy_rec_write(struct espy_rec_writer *w, const void *rec, size_t len)
{
	size_t need = 8 + ((len + 7) & ~(size_t)7);
	unsigned char *p;
	int ret;

	if (len > 0xffff)
		return writer_err(w, -EMSGSIZE);
	if (w->rawlen + need > w->block_size) {
		ret = espy_rec_flush(w);
		if (ret)
			return ret;
	}
	p = w->raw + w->rawlen;
	espy_le32_put(p, (uint32_t)len);
	espy_le32_put(p + 4, 0);
	memcpy(p + 8, rec, len);
	memset(p + 8 + len, 0, need - 8 - len);
	w->rawlen += need;
	w->nrec++;
	w->st.records++;
	w->st.raw_bytes += len;
	return 0;
}

int espy_rec_tap(void *writer, const void *rec, size_t len)
{
	return espy_rec_write(writer, rec, len);
}

void espy_rec_writer_stats(const struct espy_rec_writer *w,
			   struct espy_rec_writer_stats *st)
{
	*st = w->st;
}

int espy_rec_writer_close(struct espy_rec_writer *w)
{
	int ret;

	if (!w)
		return 0;
	espy_rec_flush(w);
	write_block(w, END_MAGIC, NULL, 0, 0, (uint32_t)w->st.records);
	if (fsync(w->fd) < 0)
		writer_err(w, -errno);
	if (close(w->fd) < 0)
		writer_err(w, -errno);
	ret = w->st.last_err;
	deflateEnd(&w->zs);
	free(w->raw);
	free(w->z);
	free(w);
	return ret;
}

/* ---- reader --------------------------------------------------------- */

struct espy_rec_reader {
	/*
	 * libdeflate rather than zlib's inflate: a block is inflated whole into
	 * a buffer of known size, where libdeflate is about twice as fast,
	 * which counts at a million records a second (issue 2).
	 */
	struct libdeflate_decompressor *dz;
	FILE *f;
	uint64_t off;			/* file offset of the next block */
	uint64_t block;			/* index of the next block */
	uint64_t cur_off, cur_block;	/* the block being read */
	unsigned char *raw;		/* current block, inflated */
	size_t rawlen, pos;
	unsigned char *z;
	size_t zcap;
	uint64_t records;
	int done;			/* 1 clean end, -EBADMSG damage */
	struct espy_rec_damage damage;
};

static int set_damage(struct espy_rec_reader *r, enum espy_rec_damage_kind k,
		      uint64_t off, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int set_damage(struct espy_rec_reader *r, enum espy_rec_damage_kind k,
		      uint64_t off, const char *fmt, ...)
{
	struct espy_rec_damage *d = &r->damage;
	va_list ap;
	int n;

	d->kind = k;
	d->offset = off;
	d->block = r->block;
	d->records_before = r->records;
	n = snprintf(d->msg, sizeof(d->msg), "block %llu at offset %llu: %s",
		     (unsigned long long)r->block, (unsigned long long)off,
		     espy_rec_damage_str(k));
	if (fmt && n > 0 && (size_t)n < sizeof(d->msg)) {
		va_start(ap, fmt);
		vsnprintf(d->msg + n, sizeof(d->msg) - n, fmt, ap);
		va_end(ap);
	}
	r->done = -EBADMSG;
	return -EBADMSG;
}

static int header_damage(struct espy_rec_damage *d,
			 enum espy_rec_damage_kind k)
{
	if (d) {
		memset(d, 0, sizeof(*d));
		d->kind = k;
		snprintf(d->msg, sizeof(d->msg), "header: %s",
			 espy_rec_damage_str(k));
	}
	return -EBADMSG;
}

int espy_rec_reader_open(struct espy_rec_reader **out, const char *path,
			 struct espy_rec_info *info,
			 struct espy_rec_damage *damage)
{
	struct espy_rec_reader *r;
	unsigned char h[ESPY_REC_HDR_SIZE];
	size_t n;
	int ret;

	if (damage)
		memset(damage, 0, sizeof(*damage));
	r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->f = fopen(path, "rbe");
	if (!r->f) {
		ret = -errno;
		goto free_r;
	}
	setvbuf(r->f, NULL, _IOFBF, 1 << 20);
	n = fread(h, 1, sizeof(h), r->f);
	if (n < 8 || memcmp(h, rec_magic, 8)) {
		ret = n < 8 && ferror(r->f) ? -EIO :
		      header_damage(damage, n < 8 ? ESPY_RECD_HDR_SHORT
						  : ESPY_RECD_HDR_MAGIC);
		goto close_f;
	}
	if (n < 16 || espy_le32_get(h + 8) != ESPY_REC_FORMAT ||
	    espy_le32_get(h + 12) != ESPY_REC_HDR_SIZE) {
		ret = header_damage(damage, n < 16 ? ESPY_RECD_HDR_SHORT
						   : ESPY_RECD_HDR_VERSION);
		goto close_f;
	}
	if (n < sizeof(h)) {
		ret = header_damage(damage, ESPY_RECD_HDR_SHORT);
		goto close_f;
	}
	if (espy_le32_get(h + 508) != crc32(0, h, 508)) {
		ret = header_damage(damage, ESPY_RECD_HDR_CRC);
		goto close_f;
	}
	if (info) {
		memset(info, 0, sizeof(*info));
		info->format = espy_le32_get(h + 8);
		info->abi_version = espy_le32_get(h + 16);
		info->clock_offset_ns = (int64_t)espy_le64_get(h + 24);
		info->start_ts_ns = espy_le64_get(h + 32);
		get_str(info->hostname, 256, h + 40);
		get_str(info->host_id, 64, h + 296);
		get_str(info->boot_id, 40, h + 360);
		get_str(info->kernel, 64, h + 400);
	}
	r->off = sizeof(h);
	r->raw = malloc(ESPY_REC_BLOCK_MAX);
	r->zcap = compressBound(ESPY_REC_BLOCK_MAX);
	r->z = malloc(r->zcap);
	if (!r->raw || !r->z) {
		ret = -ENOMEM;
		goto free_bufs;
	}
	r->dz = libdeflate_alloc_decompressor();
	if (!r->dz) {
		ret = -ENOMEM;
		goto free_bufs;
	}
	*out = r;
	return 0;
free_bufs:
	free(r->raw);
	free(r->z);
close_f:
	fclose(r->f);
free_r:
	free(r);
	return ret;
}

/* zlib's words for the same failures, as earlier versions reported them */
static const char *inflate_error(enum libdeflate_result zr)
{
	switch (zr) {
	case LIBDEFLATE_SUCCESS:
		return "length differs";
	case LIBDEFLATE_INSUFFICIENT_SPACE:
		return "buffer error";
	default:
		return "data error";
	}
}

/* Read and inflate the next block; 1 loaded, 0 clean end, <0 damage. */
static int load_block(struct espy_rec_reader *r)
{
	unsigned char h[BLK_HDR];
	uint32_t magic, rawlen, clen, nrec;
	size_t n, in, out;
	enum libdeflate_result zr;

	for (;;) {
		n = fread(h, 1, sizeof(h), r->f);
		if (n == 0 && !ferror(r->f))
			return set_damage(r, ESPY_RECD_NO_END, r->off, NULL);
		if (n < sizeof(h))
			return ferror(r->f) ?
				set_damage(r, ESPY_RECD_IO, r->off, NULL) :
				set_damage(r, ESPY_RECD_BLOCK_SHORT, r->off,
					   " (%zu of %d bytes)", n, BLK_HDR);
		magic = espy_le32_get(h);
		if (magic != BLK_MAGIC && magic != END_MAGIC)
			return set_damage(r, ESPY_RECD_BLOCK_MAGIC, r->off, NULL);
		if (espy_le32_get(h + 20) != crc32(0, h, 20))
			return set_damage(r, ESPY_RECD_BLOCK_HDR_CRC, r->off,
					  NULL);
		rawlen = espy_le32_get(h + 4);
		clen = espy_le32_get(h + 8);
		nrec = espy_le32_get(h + 12);
		if (magic == END_MAGIC) {
			if (rawlen || clen)
				return set_damage(r, ESPY_RECD_BLOCK_SIZE, r->off,
						  " (end block with data)");
			if (nrec != (uint32_t)r->records)
				return set_damage(r, ESPY_RECD_BLOCK_SIZE, r->off,
						  " (end block counts %u records, read %llu)",
						  nrec,
						  (unsigned long long)r->records);
			r->done = 1;
			return 0;
		}
		if (rawlen > ESPY_REC_BLOCK_MAX || clen > r->zcap || !rawlen ||
		    !clen || (rawlen & 7) || nrec > rawlen / 8)
			return set_damage(r, ESPY_RECD_BLOCK_SIZE, r->off,
					  " (raw %u, compressed %u)", rawlen,
					  clen);
		n = fread(r->z, 1, clen, r->f);
		if (n < clen)
			return ferror(r->f) ?
				set_damage(r, ESPY_RECD_IO, r->off, NULL) :
				set_damage(r, ESPY_RECD_BLOCK_TRUNC, r->off,
					   " (%zu of %u bytes)", n, clen);
		if (espy_le32_get(h + 16) != libdeflate_crc32(0, r->z, clen))
			return set_damage(r, ESPY_RECD_BLOCK_CRC, r->off, NULL);
		zr = libdeflate_deflate_decompress_ex(r->dz, r->z, clen, r->raw,
						      rawlen, &in, &out);
		if (zr != LIBDEFLATE_SUCCESS || out != rawlen || in != clen)
			return set_damage(r, ESPY_RECD_BLOCK_ZLIB, r->off,
					  " (%s)", inflate_error(zr));
		r->cur_off = r->off;
		r->cur_block = r->block;
		r->off += sizeof(h) + clen;
		r->block++;
		r->rawlen = rawlen;
		r->pos = 0;
		return 1;
	}
}

int espy_rec_next(struct espy_rec_reader *r, const void **rec, size_t *len)
{
	uint32_t l;
	int ret;

	while (r->pos >= r->rawlen) {
		if (r->done)
			return r->done < 0 ? r->done : 0;
		ret = load_block(r);
		if (ret <= 0)
			return ret;
	}
	if (r->rawlen - r->pos < 8)
		goto bad_frame;
	l = espy_le32_get(r->raw + r->pos);
	if (l > r->rawlen - r->pos - 8 ||
	    ((l + 7) & ~7U) > r->rawlen - r->pos - 8)
		goto bad_frame;
	*rec = r->raw + r->pos + 8;
	*len = l;
	r->pos += 8 + ((l + 7) & ~7U);
	r->records++;
	return 1;
bad_frame:
	r->block = r->cur_block;	/* the damage is in the loaded block */
	set_damage(r, ESPY_RECD_FRAME, r->cur_off, " (at byte %zu of %zu)",
		   r->pos, r->rawlen);
	r->pos = r->rawlen;
	return -EBADMSG;
}

int espy_rec_peek_after(const struct espy_rec_reader *r, const void *rec,
			size_t len, const void **next, size_t *nlen)
{
	const unsigned char *p = rec;
	size_t pos;
	uint32_t l;

	if (!r->raw || p < r->raw + 8 || p > r->raw + r->rawlen ||
	    len > r->rawlen)
		return 0;
	pos = (size_t)(p - r->raw) + ((len + 7) & ~(size_t)7);
	if (pos > r->rawlen || r->rawlen - pos < 8)
		return 0;
	l = espy_le32_get(r->raw + pos);
	if (l > r->rawlen - pos - 8 || ((l + 7) & ~7U) > r->rawlen - pos - 8)
		return 0;
	*next = r->raw + pos + 8;
	*nlen = l;
	return 1;
}

const struct espy_rec_damage *espy_rec_reader_damage(
	const struct espy_rec_reader *r)
{
	return r->done < 0 ? &r->damage : NULL;
}

uint64_t espy_rec_reader_records(const struct espy_rec_reader *r)
{
	return r->records;
}

void espy_rec_reader_close(struct espy_rec_reader *r)
{
	if (!r)
		return;
	libdeflate_free_decompressor(r->dz);
	fclose(r->f);
	free(r->raw);
	free(r->z);
	free(r);
}

int espy_rec_replay_file(const char *path, int (*fn)(void *ctx,
			 const void *rec, size_t len), void *ctx,
			 struct espy_rec_info *info,
			 struct espy_rec_damage *damage)
{
	struct espy_rec_reader *r;
	const void *rec;
	size_t len;
	int ret;

	ret = espy_rec_reader_open(&r, path, info, damage);
	if (ret)
		return ret;
	while ((ret = espy_rec_next(r, &rec, &len)) > 0) {
		ret = fn(ctx, rec, len);
		if (ret < 0)
			break;
	}
	if (ret == -EBADMSG && damage)
		*damage = r->damage;
	espy_rec_reader_close(r);
	return ret;
}
