// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * espy eBPF sensors: one object, one skeleton.  Every program is optional;
 * user/lib/sensor_bpf.c chooses among the variants (tp_btf or classic
 * tracepoint, LSM where allowed) before load and attaches each on its own.
 */
#include "espy_common.h"
#include "espy_path.h"
#include "espy_proc.h"
#include "espy_file.h"
#include "espy_net.h"
#include "espy_priv.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";
