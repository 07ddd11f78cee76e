/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Validation and decoding of one raw record.  Records are untrusted: they
 * come from the kernel or from a recording file that anyone may have
 * edited.  espy_record_decode() either fills a struct espy_event whose views
 * and tails are all inside [data, data + len), or rejects the record with a
 * reason that callers count.
 */
#ifndef ESPY_RECORD_H
#define ESPY_RECORD_H

#include <stddef.h>
#include <stdint.h>
#include "espy/abi.h"
#include "event.h"

enum espy_decode_err {
	ESPY_DEC_OK = 0,
	ESPY_DEC_SHORT,		/* fewer bytes than struct espy_hdr */
	ESPY_DEC_OVERSIZE,	/* more than ESPY_REC_MAX bytes */
	ESPY_DEC_SIZE,		/* hdr.size != length delivered */
	ESPY_DEC_TYPE,		/* type unknown to this daemon */
	ESPY_DEC_FIXED,		/* shorter than its type's fixed part */
	ESPY_DEC_FIELD_MAX,	/* a tail length above its maximum */
	ESPY_DEC_TAIL,		/* tail lengths do not add up to the tail */
	ESPY_DEC_ALIGN,		/* data not 8-byte aligned (caller bug) */
	ESPY_DEC_NR,
};

/* Stable lower-case names, used as metric labels: "short", "oversize"... */
const char *espy_decode_err_name(unsigned int why);

/* "exec", "open", "tcp_close"...; NULL for a type this daemon does not know. */
const char *espy_rec_type_name(unsigned int type);

/* Fixed part of a record type in bytes; 0 for an unknown type. */
size_t espy_rec_fixed_size(unsigned int type);

/*
 * An ESPY_EV_CTRL record (an operator's change to detection) at ts_ns,
 * as espyd feeds it into its stream: no task, tgid 0.
 */
void espy_ctrl_init(struct espy_ctrl *c, uint64_t ts_ns, uint32_t op,
		    uint32_t arg);

/*
 * Decode data[0..len) into *ev.  data must be 8-byte aligned (the pipeline
 * copies misaligned input).  On success returns 0 and fills hdr, len, the
 * typed view and the tails; id, wall_ns, proc and verdict are zeroed for
 * the caller to set.  On failure returns -EBADMSG (or -EINVAL for ALIGN),
 * sets *why (when why != NULL) and leaves *ev zeroed.
 */
int espy_record_decode(const void *data, size_t len, struct espy_event *ev,
		       enum espy_decode_err *why);

#endif /* ESPY_RECORD_H */
