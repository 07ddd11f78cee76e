/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Builds are not tool transfers (found by the e2e lab, tests/e2e/lab.sh):
 * Debian's toolchain runs as x86_64-linux-gnu-gcc-12, -as, -ld.bfd, and the
 * tool catalogue must know them as compilers; a binary linked by the
 * compiler in an ssh session from another host and then run is a build
 * (DESIGN.md section 6: "compilers running fresh binaries from /tmp"),
 * while the same binary written by sftp-server in that session is T1570.
 */
#include <stdlib.h>
#pragma GCC diagnostic ignored "-Wsign-compare"
#include "kselftest_harness.h"
#include "synth.h"

#define O_WR	01
#define O_CR	0100
#define O_TR	01000

static int is_compiler(const char *name)
{
	const struct espy_tool *t = espy_tool_lookup(name, strlen(name));

	return t && (t->flags & ESPY_TOOL_COMPILER);
}

TEST(debian_toolchain_names_are_compilers)
{
	EXPECT_TRUE(is_compiler("x86_64-linux-gnu-gcc-12"));
	EXPECT_TRUE(is_compiler("x86_64-linux-gnu-ld.bfd"));
	EXPECT_TRUE(is_compiler("x86_64-linux-gnu-as"));
	EXPECT_TRUE(is_compiler("aarch64-linux-gnu-g++-12"));
	EXPECT_TRUE(is_compiler("gcc-12"));
	/* the prefix alone names nothing, and other tools stay what they are */
	EXPECT_FALSE(is_compiler("x86_64-linux-gnu-"));
	EXPECT_FALSE(is_compiler("x86_64-linux-gnu-tar"));
	EXPECT_FALSE(is_compiler("cat"));
}

struct world {
	struct synth_world w;
	struct synth_proc sshd, sh;	/* sh: login shell from 10.0.0.66 */
};

static void world_init(struct world *s)
{
	struct espy_detect_config c;
	struct synth_host a = SYNTH_HOST_A;
	struct synth_world *w = &s->w;
	struct synth_proc init;

	espy_detect_config_default(&c);
	c.mode = ESPY_MODE_DETECT;
	c.baseline.entries = 1024;
	c.max_procs = 1024;
	c.max_sessions = 128;
	if (synth_world_init(w, &c))
		abort();
	synth_existing(w, &init, 1, 0, 0, a, "/usr/lib/systemd/systemd",
		       "/sbin/init");
	synth_existing(w, &s->sshd, 500, 1, 0, a, "/usr/sbin/sshd",
		       "/usr/sbin/sshd -D");
	/* a login from 10.0.0.66 */
	synth_ssh_login(w, &s->sshd, &s->sh, "10.0.0.66", 1000, 7);
}

/* writer (argv) writes path in the remote session, then the shell runs it */
static struct espy_verdict write_then_run(struct world *s, const char *writer,
					  const char *argv, const char *path)
{
	struct synth_proc wr, run;

	synth_spawn(&s->w, &s->sh, &wr, writer, argv, 0);
	synth_file(&s->w.r, ESPY_EV_OPEN, s->w.ts, &wr, path, NULL,
		   O_WR | O_CR | O_TR, 0755, 3);
	synth_feed(&s->w, 1);
	synth_spawn(&s->w, &s->sh, &run, path, path, 0);
	return s->w.last;
}

TEST(a_binary_linked_here_is_a_build)
{
	struct world s;
	struct espy_verdict v;

	world_init(&s);
	v = write_then_run(&s, "/usr/bin/x86_64-linux-gnu-ld.bfd",
			   "/usr/bin/ld -o /tmp/hello /tmp/cc1.o", "/tmp/hello");
	EXPECT_FALSE(synth_has_tech(&v, "T1570"));
	EXPECT_FALSE(synth_has_tech(&v, "T1105"));
	v = write_then_run(&s, "/usr/lib/openssh/sftp-server", "sftp-server",
			   "/tmp/.t");
	EXPECT_TRUE(synth_has_tech(&v, "T1570"));
	synth_world_fini(&s.w);
}

TEST_HARNESS_MAIN
