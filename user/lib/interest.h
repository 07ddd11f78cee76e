/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The default set of read-only opens worth reporting.  Writes and creates
 * are always reported; a read-only open only when its path starts with one
 * of the prefixes or its last component equals one of the names.  espyd
 * hands these to the source (struct espy_source_ops.set_interest), which
 * keeps them as data in kernel maps.
 */
#ifndef ESPY_INTEREST_H
#define ESPY_INTEREST_H

extern const char *const espy_interest_prefixes[];
extern const int espy_interest_nprefixes;
extern const char *const espy_interest_names[];
extern const int espy_interest_nnames;

#endif /* ESPY_INTEREST_H */
