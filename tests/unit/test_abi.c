/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The record ABI is a contract between the eBPF sensors, the kernel module
 * and the daemon: a silent layout change would misdecode every field.
 * These tests pin sizes and offsets (the header's _Static_asserts pin a few;
 * here every field the decoder reads is checked) and the bounds the decoder
 * relies on.
 */
#include <stddef.h>
/* the harness compares as written: literals against size_t fields */
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "espy/abi.h"
#include "record.h"

#define OFF(t, f)	offsetof(struct t, f)

TEST(header_layout)
{
	EXPECT_EQ(96, sizeof(struct espy_hdr));
	EXPECT_EQ(0, OFF(espy_hdr, ts_ns));
	EXPECT_EQ(8, OFF(espy_hdr, start_ns));
	EXPECT_EQ(16, OFF(espy_hdr, cgroup_id));
	EXPECT_EQ(24, OFF(espy_hdr, tgid));
	EXPECT_EQ(28, OFF(espy_hdr, tid));
	EXPECT_EQ(32, OFF(espy_hdr, ppid));
	EXPECT_EQ(36, OFF(espy_hdr, uid));
	EXPECT_EQ(40, OFF(espy_hdr, gid));
	EXPECT_EQ(44, OFF(espy_hdr, euid));
	EXPECT_EQ(48, OFF(espy_hdr, egid));
	EXPECT_EQ(52, OFF(espy_hdr, auid));
	EXPECT_EQ(56, OFF(espy_hdr, sessionid));
	EXPECT_EQ(60, OFF(espy_hdr, mntns));
	EXPECT_EQ(64, OFF(espy_hdr, netns));
	EXPECT_EQ(68, OFF(espy_hdr, type));
	EXPECT_EQ(70, OFF(espy_hdr, size));
	EXPECT_EQ(72, OFF(espy_hdr, flags));
	EXPECT_EQ(74, OFF(espy_hdr, cpu));
	EXPECT_EQ(80, OFF(espy_hdr, comm));
	EXPECT_EQ(16, ESPY_COMM_LEN);
}

TEST(exec_layout)
{
	EXPECT_EQ(128, sizeof(struct espy_exec));
	EXPECT_EQ(96, OFF(espy_exec, exe_ino));
	EXPECT_EQ(104, OFF(espy_exec, exe_dev));
	EXPECT_EQ(108, OFF(espy_exec, flags));
	EXPECT_EQ(112, OFF(espy_exec, tty_dev));
	EXPECT_EQ(116, OFF(espy_exec, argc));
	EXPECT_EQ(120, OFF(espy_exec, path_len));
	EXPECT_EQ(122, OFF(espy_exec, argv_len));
	EXPECT_EQ(124, OFF(espy_exec, cwd_len));
	EXPECT_EQ(126, OFF(espy_exec, script_len));
	EXPECT_EQ(128, OFF(espy_exec, data));
}

TEST(process_records_layout)
{
	EXPECT_EQ(112, sizeof(struct espy_fork));
	EXPECT_EQ(96, OFF(espy_fork, child_start_ns));
	EXPECT_EQ(104, OFF(espy_fork, child_tgid));
	EXPECT_EQ(104, sizeof(struct espy_exit));
	EXPECT_EQ(96, OFF(espy_exit, exit_code));
	EXPECT_EQ(144, sizeof(struct espy_priv));
	EXPECT_EQ(96, OFF(espy_priv, ret));
	EXPECT_EQ(104, OFF(espy_priv, args));
	EXPECT_EQ(128, OFF(espy_priv, op));
	EXPECT_EQ(132, OFF(espy_priv, target_pid));
	EXPECT_EQ(136, OFF(espy_priv, name_len));
	EXPECT_EQ(144, OFF(espy_priv, data));
}

TEST(file_layout)
{
	EXPECT_EQ(168, sizeof(struct espy_file));
	EXPECT_EQ(96, OFF(espy_file, ret));
	EXPECT_EQ(104, OFF(espy_file, size));
	EXPECT_EQ(112, OFF(espy_file, atime_ns));
	EXPECT_EQ(120, OFF(espy_file, mtime_ns));
	EXPECT_EQ(128, OFF(espy_file, ino));
	EXPECT_EQ(136, OFF(espy_file, dev));
	EXPECT_EQ(140, OFF(espy_file, flags));
	EXPECT_EQ(144, OFF(espy_file, mode));
	EXPECT_EQ(148, OFF(espy_file, uid));
	EXPECT_EQ(152, OFF(espy_file, gid));
	EXPECT_EQ(156, OFF(espy_file, fflags));
	EXPECT_EQ(160, OFF(espy_file, path_len));
	EXPECT_EQ(162, OFF(espy_file, path2_len));
	EXPECT_EQ(168, OFF(espy_file, data));
}

TEST(net_and_lost_layout)
{
	EXPECT_EQ(184, sizeof(struct espy_net));
	EXPECT_EQ(96, OFF(espy_net, ret));
	EXPECT_EQ(104, OFF(espy_net, bytes_sent));
	EXPECT_EQ(112, OFF(espy_net, bytes_recv));
	EXPECT_EQ(120, OFF(espy_net, sock_cookie));
	EXPECT_EQ(128, OFF(espy_net, local_addr));
	EXPECT_EQ(144, OFF(espy_net, remote_addr));
	EXPECT_EQ(160, OFF(espy_net, local_port));
	EXPECT_EQ(162, OFF(espy_net, remote_port));
	EXPECT_EQ(164, OFF(espy_net, family));
	EXPECT_EQ(166, OFF(espy_net, protocol));
	EXPECT_EQ(168, OFF(espy_net, fd));
	EXPECT_EQ(172, OFF(espy_net, backlog));
	EXPECT_EQ(176, OFF(espy_net, qtype));
	EXPECT_EQ(178, OFF(espy_net, name_len));
	EXPECT_EQ(184, OFF(espy_net, data));
	EXPECT_EQ(360, sizeof(struct espy_lost));
	EXPECT_EQ(96, OFF(espy_lost, total));
	EXPECT_EQ(104, OFF(espy_lost, by_type));
}

/* Every fixed part is 8-byte aligned so records can follow each other in
 * a ring without misaligning the next header. */
TEST(fixed_parts_are_8_aligned)
{
	unsigned int t;

	for (t = 0; t < ESPY_EV_MAX; t++) {
		size_t f = espy_rec_fixed_size(t);

		if (f)
			EXPECT_EQ(0, f % 8) TH_LOG("type %u", t);
	}
}

/* The largest legal record of each kind fits ESPY_REC_MAX and hdr.size. */
TEST(maxima_fit)
{
	size_t exec_max = sizeof(struct espy_exec) + 3 * ESPY_PATH_MAX +
			  ESPY_ARGV_MAX;
	size_t file_max = sizeof(struct espy_file) + 2 * ESPY_PATH_MAX;

	EXPECT_LE(exec_max, ESPY_REC_MAX);
	EXPECT_LE(file_max, ESPY_REC_MAX);
	EXPECT_LE(ESPY_REC_MAX, 65535);
	EXPECT_EQ(0, ESPY_REC_MAX & (ESPY_REC_MAX - 1));
	EXPECT_EQ(1, ESPY_ABI_VERSION);
}

/* Every record type the ABI defines has a decoder and a name. */
TEST(every_type_known)
{
	static const unsigned int types[] = {
		ESPY_EV_EXEC, ESPY_EV_FORK, ESPY_EV_EXIT, ESPY_EV_SETID,
		ESPY_EV_CAPSET, ESPY_EV_PTRACE, ESPY_EV_VM_WRITE,
		ESPY_EV_MODULE, ESPY_EV_BPF, ESPY_EV_MEMFD, ESPY_EV_KILL,
		ESPY_EV_SOCKET, ESPY_EV_OPEN, ESPY_EV_UNLINK, ESPY_EV_RENAME,
		ESPY_EV_CHMOD, ESPY_EV_CHOWN, ESPY_EV_TRUNCATE, ESPY_EV_UTIMES,
		ESPY_EV_LINK, ESPY_EV_MKDIR, ESPY_EV_CONNECT, ESPY_EV_ACCEPT,
		ESPY_EV_BIND, ESPY_EV_LISTEN, ESPY_EV_TCP_CLOSE, ESPY_EV_DNS,
		ESPY_EV_LOST, ESPY_EV_PROC,
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		EXPECT_NE(0, espy_rec_fixed_size(types[i]));
		EXPECT_NE(NULL, espy_rec_type_name(types[i]));
	}
	EXPECT_EQ(0, espy_rec_fixed_size(ESPY_EV_NONE));
	EXPECT_EQ(0, espy_rec_fixed_size(13));
	EXPECT_EQ(0, espy_rec_fixed_size(ESPY_EV_MAX));
	EXPECT_EQ(NULL, espy_rec_type_name(ESPY_EV_MAX));
}

TEST_HARNESS_MAIN
