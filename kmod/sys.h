/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Syscall handlers of espy.ko: one per reported syscall family, called
 * from the sys_exit probe with preemption disabled.
 */
#ifndef ESPY_KMOD_SYS_H
#define ESPY_KMOD_SYS_H

#include <linux/types.h>

/* One syscall as the probe saw it. */
struct espy_sc {
	unsigned long a[6];	/* arguments */
	long ret;		/* result (sys_exit only) */
	long nr;
};

typedef void (*espy_sc_fn)(struct espy_sc *sc);

espy_sc_fn espy_sc_handler(long nr);

/* file.c */
void espy_sc_open(struct espy_sc *sc);
void espy_sc_unlink(struct espy_sc *sc);
void espy_sc_rename(struct espy_sc *sc);
void espy_sc_chmod(struct espy_sc *sc);
void espy_sc_chown(struct espy_sc *sc);
void espy_sc_truncate(struct espy_sc *sc);
void espy_sc_utimes(struct espy_sc *sc);
void espy_sc_link(struct espy_sc *sc);
void espy_sc_mkdir(struct espy_sc *sc);

/* net.c */
void espy_sc_connect(struct espy_sc *sc);
void espy_sc_accept(struct espy_sc *sc);
void espy_sc_bind(struct espy_sc *sc);
void espy_sc_listen(struct espy_sc *sc);
void espy_sc_socket(struct espy_sc *sc);
void espy_sc_sendto(struct espy_sc *sc);
void espy_sc_sendmsg(struct espy_sc *sc);

/* priv.c */
void espy_sc_setid(struct espy_sc *sc);
void espy_sc_capset(struct espy_sc *sc);
void espy_sc_ptrace(struct espy_sc *sc);
void espy_sc_vm_write(struct espy_sc *sc);
void espy_sc_module(struct espy_sc *sc);
void espy_sc_bpf(struct espy_sc *sc);
void espy_sc_memfd(struct espy_sc *sc);
void espy_sc_kill(struct espy_sc *sc);

#endif /* ESPY_KMOD_SYS_H */
