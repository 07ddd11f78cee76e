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

struct layout {
	const char *what;
	size_t got, want;
};

/* sizeof(struct t) and offsetof(struct t, f), named for the log */
#define SIZE(t, want)		{ "sizeof(struct " #t ")", sizeof(struct t), want }
#define OFF(t, f, want)		{ #t "." #f, offsetof(struct t, f), want }

static void check_layout(struct __test_metadata *_metadata,
			 const struct layout *l, size_t n)
{
	/* braces: the harness's EXPECT is more than one statement */
	for (size_t i = 0; i < n; i++) {
		EXPECT_EQ(l[i].want, l[i].got) TH_LOG("%s", l[i].what);
	}
}

#define CHECK_LAYOUT(l)	check_layout(_metadata, l, sizeof(l) / sizeof(l[0]))

TEST(header_layout)
{
	static const struct layout l[] = {
		SIZE(espy_hdr, 96),
		OFF(espy_hdr, ts_ns, 0),
		OFF(espy_hdr, start_ns, 8),
		OFF(espy_hdr, cgroup_id, 16),
		OFF(espy_hdr, tgid, 24),
		OFF(espy_hdr, tid, 28),
		OFF(espy_hdr, ppid, 32),
		OFF(espy_hdr, uid, 36),
		OFF(espy_hdr, gid, 40),
		OFF(espy_hdr, euid, 44),
		OFF(espy_hdr, egid, 48),
		OFF(espy_hdr, auid, 52),
		OFF(espy_hdr, sessionid, 56),
		OFF(espy_hdr, mntns, 60),
		OFF(espy_hdr, netns, 64),
		OFF(espy_hdr, type, 68),
		OFF(espy_hdr, size, 70),
		OFF(espy_hdr, flags, 72),
		OFF(espy_hdr, cpu, 74),
		OFF(espy_hdr, comm, 80),
	};

	CHECK_LAYOUT(l);
	EXPECT_EQ(16, ESPY_COMM_LEN);
}

TEST(exec_layout)
{
	static const struct layout l[] = {
		SIZE(espy_exec, 128),
		OFF(espy_exec, exe_ino, 96),
		OFF(espy_exec, exe_dev, 104),
		OFF(espy_exec, flags, 108),
		OFF(espy_exec, tty_dev, 112),
		OFF(espy_exec, argc, 116),
		OFF(espy_exec, path_len, 120),
		OFF(espy_exec, argv_len, 122),
		OFF(espy_exec, cwd_len, 124),
		OFF(espy_exec, script_len, 126),
		OFF(espy_exec, data, 128),
	};

	CHECK_LAYOUT(l);
}

TEST(process_records_layout)
{
	static const struct layout l[] = {
		SIZE(espy_fork, 112),
		OFF(espy_fork, child_start_ns, 96),
		OFF(espy_fork, child_tgid, 104),
		SIZE(espy_exit, 104),
		OFF(espy_exit, exit_code, 96),
		SIZE(espy_priv, 144),
		OFF(espy_priv, ret, 96),
		OFF(espy_priv, args, 104),
		OFF(espy_priv, op, 128),
		OFF(espy_priv, target_pid, 132),
		OFF(espy_priv, name_len, 136),
		OFF(espy_priv, data, 144),
	};

	CHECK_LAYOUT(l);
}

TEST(file_layout)
{
	static const struct layout l[] = {
		SIZE(espy_file, 168),
		OFF(espy_file, ret, 96),
		OFF(espy_file, size, 104),
		OFF(espy_file, atime_ns, 112),
		OFF(espy_file, mtime_ns, 120),
		OFF(espy_file, ino, 128),
		OFF(espy_file, dev, 136),
		OFF(espy_file, flags, 140),
		OFF(espy_file, mode, 144),
		OFF(espy_file, uid, 148),
		OFF(espy_file, gid, 152),
		OFF(espy_file, fflags, 156),
		OFF(espy_file, path_len, 160),
		OFF(espy_file, path2_len, 162),
		OFF(espy_file, data, 168),
	};

	CHECK_LAYOUT(l);
}

TEST(net_and_lost_layout)
{
	static const struct layout l[] = {
		SIZE(espy_net, 184),
		OFF(espy_net, ret, 96),
		OFF(espy_net, bytes_sent, 104),
		OFF(espy_net, bytes_recv, 112),
		OFF(espy_net, sock_cookie, 120),
		OFF(espy_net, local_addr, 128),
		OFF(espy_net, remote_addr, 144),
		OFF(espy_net, local_port, 160),
		OFF(espy_net, remote_port, 162),
		OFF(espy_net, family, 164),
		OFF(espy_net, protocol, 166),
		OFF(espy_net, fd, 168),
		OFF(espy_net, backlog, 172),
		OFF(espy_net, qtype, 176),
		OFF(espy_net, name_len, 178),
		OFF(espy_net, data, 184),
		SIZE(espy_lost, 360),
		OFF(espy_lost, total, 96),
		OFF(espy_lost, by_type, 104),
	};

	CHECK_LAYOUT(l);
}

/* Every fixed part is 8-byte aligned so records can follow each other in
 * a ring without misaligning the next header. */
TEST(fixed_parts_are_8_aligned)
{
	unsigned int t;

	for (t = 0; t < ESPY_EV_MAX; t++) {
		size_t f = espy_rec_fixed_size(t);

		if (f) {
			EXPECT_EQ(0, f % 8) TH_LOG("type %u", t);
		}
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
