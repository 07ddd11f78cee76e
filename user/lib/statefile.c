/* SPDX-License-Identifier: GPL-2.0-only */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "statefile.h"
#include "bytebuf.h"
#include "fileio.h"

/*
 * Header, little-endian:
 *   0  magic "ESPYSTAT"
 *   8  u32 format version
 *  12  u32 header size (64)
 *  16  kind, NUL-padded (16)
 *  32  u64 raw length
 *  40  u64 compressed length
 *  48  u32 CRC-32 of the compressed payload
 *  52  u32 CRC-32 of the raw payload
 *  56  u32 reserved (0)
 *  60  u32 CRC-32 of bytes 0..59
 */
#define HDR_SIZE	64
static const char state_magic[8] = "ESPYSTAT";

static const char *const damage_str[ESPY_STATE_NR] = {
	[ESPY_STATE_OK] = "ok",
	[ESPY_STATE_SHORT] = "shorter than a state file header",
	[ESPY_STATE_MAGIC] = "not an espy state file (bad magic)",
	[ESPY_STATE_VERSION_FOREIGN] = "written by an incompatible espy version",
	[ESPY_STATE_HDR_CRC] = "header checksum mismatch",
	[ESPY_STATE_KIND] = "an espy state file of another kind",
	[ESPY_STATE_TRUNCATED] = "truncated payload",
	[ESPY_STATE_TRAILING] = "trailing bytes after the payload",
	[ESPY_STATE_CRC] = "payload checksum mismatch",
	[ESPY_STATE_ZLIB] = "payload is not valid zlib data",
	[ESPY_STATE_LENGTH] = "payload length differs from the header",
	[ESPY_STATE_TOO_BIG] = "payload larger than the state file limit",
	[ESPY_STATE_CONTENT] = "payload content is invalid",
};

const char *espy_state_damage_str(enum espy_state_damage d)
{
	return (unsigned int)d < ESPY_STATE_NR ? damage_str[d] : "unknown";
}

int espy_state_write(const char *path, const char *kind, const void *data,
		     size_t len)
{
	unsigned char hdr[HDR_SIZE];
	char tmp[PATH_MAX];
	uLongf clen;
	unsigned char *z;
	int fd, ret;

	if (strlen(kind) >= ESPY_STATE_KIND_MAX || len > ESPY_STATE_MAX_RAW)
		return -EINVAL;
	clen = compressBound(len);
	z = malloc(clen ? clen : 1);
	if (!z)
		return -ENOMEM;
	if (compress2(z, &clen, data, len, 6) != Z_OK) {
		ret = -EIO;
		goto free_z;
	}
	memset(hdr, 0, sizeof(hdr));
	memcpy(hdr, state_magic, 8);
	espy_le32_put(hdr + 8, ESPY_STATE_VERSION);
	espy_le32_put(hdr + 12, HDR_SIZE);
	memcpy(hdr + 16, kind, strlen(kind));
	espy_le64_put(hdr + 32, len);
	espy_le64_put(hdr + 40, clen);
	espy_le32_put(hdr + 48, crc32(0, z, clen));
	espy_le32_put(hdr + 52, crc32(0, data, len));
	espy_le32_put(hdr + 60, crc32(0, hdr, 60));

	if (snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid()) >=
	    (int)sizeof(tmp)) {
		ret = -ENAMETOOLONG;
		goto free_z;
	}
	unlink(tmp);	/* a leftover of a crash with our pid */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		ret = -errno;
		goto free_z;
	}
	ret = espy_write_all(fd, hdr, sizeof(hdr));
	if (!ret)
		ret = espy_write_all(fd, z, clen);
	if (!ret && fsync(fd) < 0)
		ret = -errno;
	if (close(fd) < 0 && !ret)
		ret = -errno;
	if (!ret && rename(tmp, path) < 0)
		ret = -errno;
	if (ret) {
		unlink(tmp);
		goto free_z;
	}
	ret = espy_fsync_dir_of(path);
free_z:
	free(z);
	return ret;
}

static int damaged(enum espy_state_damage *why, enum espy_state_damage d,
		   char *msg, size_t msglen, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static int damaged(enum espy_state_damage *why, enum espy_state_damage d,
		   char *msg, size_t msglen, const char *fmt, ...)
{
	va_list ap;
	int n = 0;

	if (why)
		*why = d;
	if (msg && msglen) {
		n = snprintf(msg, msglen, "%s", espy_state_damage_str(d));
		if (fmt && n >= 0 && (size_t)n < msglen) {
			va_start(ap, fmt);
			vsnprintf(msg + n, msglen - n, fmt, ap);
			va_end(ap);
		}
	}
	return -EBADMSG;
}

int espy_state_read(const char *path, const char *kind, void **data,
		    size_t *len, enum espy_state_damage *why, char *msg,
		    size_t msglen)
{
	unsigned char *file = NULL, *raw = NULL;
	size_t flen;
	uint64_t rawlen, clen;
	uint32_t ver, hsize;
	char fkind[ESPY_STATE_KIND_MAX + 1];
	uLongf out;
	int ret, zr;

	if (why)
		*why = ESPY_STATE_OK;
	if (msg && msglen)
		msg[0] = 0;
	ret = espy_read_file(path, (void **)&file, &flen,
			     HDR_SIZE + ESPY_STATE_MAX_RAW);
	if (ret == -EFBIG) {
		return damaged(why, ESPY_STATE_TOO_BIG, msg, msglen, NULL);
	}
	if (ret)
		return ret;
	if (flen < 8 || memcmp(file, state_magic, 8)) {
		ret = flen < 8 ? damaged(why, ESPY_STATE_SHORT, msg, msglen,
					 " (%zu bytes)", flen)
			       : damaged(why, ESPY_STATE_MAGIC, msg, msglen, NULL);
		goto out;
	}
	if (flen < HDR_SIZE) {
		ret = damaged(why, ESPY_STATE_SHORT, msg, msglen, " (%zu bytes)",
			      flen);
		goto out;
	}
	ver = espy_le32_get(file + 8);
	hsize = espy_le32_get(file + 12);
	if (ver != ESPY_STATE_VERSION || hsize != HDR_SIZE) {
		ret = damaged(why, ESPY_STATE_VERSION_FOREIGN, msg, msglen,
			      " (format %u, this espy reads %u)", ver,
			      ESPY_STATE_VERSION);
		goto out;
	}
	if (espy_le32_get(file + 60) != crc32(0, file, 60)) {
		ret = damaged(why, ESPY_STATE_HDR_CRC, msg, msglen, NULL);
		goto out;
	}
	memcpy(fkind, file + 16, ESPY_STATE_KIND_MAX);
	fkind[ESPY_STATE_KIND_MAX] = 0;
	if (strcmp(fkind, kind)) {
		ret = damaged(why, ESPY_STATE_KIND, msg, msglen,
			      " (\"%.16s\", expected \"%s\")", fkind, kind);
		goto out;
	}
	rawlen = espy_le64_get(file + 32);
	clen = espy_le64_get(file + 40);
	if (rawlen > ESPY_STATE_MAX_RAW) {
		ret = damaged(why, ESPY_STATE_TOO_BIG, msg, msglen, NULL);
		goto out;
	}
	if (clen > flen - HDR_SIZE) {
		ret = damaged(why, ESPY_STATE_TRUNCATED, msg, msglen,
			      " (%zu of %llu bytes)", flen - HDR_SIZE,
			      (unsigned long long)clen);
		goto out;
	}
	if (clen < flen - HDR_SIZE) {
		ret = damaged(why, ESPY_STATE_TRAILING, msg, msglen,
			      " (%llu bytes)",
			      (unsigned long long)(flen - HDR_SIZE - clen));
		goto out;
	}
	if (espy_le32_get(file + 48) != crc32(0, file + HDR_SIZE, clen)) {
		ret = damaged(why, ESPY_STATE_CRC, msg, msglen, NULL);
		goto out;
	}
	raw = malloc(rawlen ? rawlen : 1);
	if (!raw) {
		ret = -ENOMEM;
		goto out;
	}
	out = rawlen;
	zr = uncompress(raw, &out, file + HDR_SIZE, clen);
	if (zr != Z_OK) {
		ret = zr == Z_BUF_ERROR && out == rawlen ?
			damaged(why, ESPY_STATE_LENGTH, msg, msglen, NULL) :
			damaged(why, ESPY_STATE_ZLIB, msg, msglen, " (%s)",
				zError(zr));
		goto out;
	}
	if (out != rawlen || espy_le32_get(file + 52) != crc32(0, raw, out)) {
		ret = damaged(why, ESPY_STATE_LENGTH, msg, msglen, NULL);
		goto out;
	}
	*data = raw;
	*len = out;
	raw = NULL;
	ret = 0;
out:
	free(raw);
	free(file);
	return ret;
}

int espy_state_quarantine(const char *path, char *moved, size_t movedsz)
{
	char dst[PATH_MAX];
	struct stat st;
	int i, n;

	for (i = 0; i < 1000; i++) {
		n = i ? snprintf(dst, sizeof(dst), "%s.bad.%d", path, i)
		      : snprintf(dst, sizeof(dst), "%s.bad", path);
		if (n >= (int)sizeof(dst))
			return -ENAMETOOLONG;
		if (lstat(dst, &st) < 0 && errno == ENOENT)
			break;
	}
	if (i == 1000)
		return -EEXIST;
	if (rename(path, dst) < 0)
		return -errno;
	if (moved && movedsz)
		snprintf(moved, movedsz, "%s", dst);
	return espy_fsync_dir_of(path);
}
