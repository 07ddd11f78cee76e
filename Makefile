# SPDX-License-Identifier: GPL-2.0-only
#
# espy: one Makefile for everything.  Outputs go to build/.
#   make            build vmlinux.h, BPF objects, skeletons, espyd, espy, tests
#   make deps       install build and test dependencies (Debian; root)
#   make run        espyd in the foreground printing live events (root)
#   make check      the whole test suite under prove (unit, bpf, e2e, vm)
#   make check-unit / check-bpf / check-e2e / check-vm / check-fuzz
#   make kmod KDIR=/lib/modules/<ver>/build
#   make bench      overhead and throughput benchmarks (root)
#   make install / uninstall   (PREFIX, DESTDIR)

O		:= build
CC		?= gcc
CLANG		?= clang
BPFTOOL		?= bpftool
LLVM_STRIP	?= llvm-strip
ARCH		:= $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VMLINUX_H	?=
KDIR		?= /lib/modules/$(shell uname -r)/build

PREFIX		?= /usr/local
SBINDIR		?= $(PREFIX)/sbin
MANDIR		?= $(PREFIX)/share/man
SYSCONFDIR	?= /etc
UNITDIR		?= /lib/systemd/system

VERSION		:= $(shell git describe --always --dirty 2>/dev/null || echo 0.1)

CFLAGS		?= -O2 -g
CFLAGS		+= -std=gnu11 -Wall -Wextra -Werror -Wno-unused-parameter \
		   -D_GNU_SOURCE -DESPY_VERSION='"$(VERSION)"' \
		   -Iinclude -Iuser/lib -I$(O) -I$(O)/kselftest
LDLIBS		:= -lbpf -lelf -lz -ldeflate -linih -ljson-c -lm

BPF_CFLAGS	:= -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_$(ARCH) \
		   -Iinclude -I$(O) -Ibpf

BPF_SRCS	:= $(wildcard bpf/*.bpf.c)
BPF_OBJS	:= $(patsubst bpf/%.bpf.c,$(O)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS		:= $(patsubst bpf/%.bpf.c,$(O)/%.skel.h,$(BPF_SRCS))

LIB_SRCS	:= $(wildcard user/lib/*.c)
LIB_OBJS	:= $(patsubst user/%.c,$(O)/%.o,$(LIB_SRCS))
LIB		:= $(O)/libespy.a

ESPYD_SRCS	:= $(wildcard user/espyd/*.c)
ESPY_SRCS	:= $(wildcard user/espy/*.c)
ESPYD_OBJS	:= $(patsubst user/%.c,$(O)/obj/%.o,$(ESPYD_SRCS))
ESPY_OBJS	:= $(patsubst user/%.c,$(O)/obj/%.o,$(ESPY_SRCS))

TEST_TIERS	:= unit bpf e2e vm
TEST_SRCS	:= $(foreach t,$(TEST_TIERS),$(wildcard tests/$(t)/*.c))
TEST_BINS	:= $(patsubst tests/%.c,$(O)/tests/%,$(TEST_SRCS))
TEST_SCRIPTS	:= $(foreach t,$(TEST_TIERS),$(wildcard tests/$(t)/*.sh))

HARNESS		:= $(O)/kselftest/kselftest_harness.h
LINUX_SRC_TAR	?= $(firstword $(wildcard /usr/src/linux-source-6.1.tar.xz))

.PHONY: all deps run check check-unit check-bpf check-e2e check-vm check-fuzz \
	kmod bench install uninstall clean tests
.DELETE_ON_ERROR:
# keep the BPF objects and skeletons that pattern chains would delete
.SECONDARY: $(BPF_OBJS) $(SKELS)

all: $(O)/espyd $(O)/espy tests

# ---- vmlinux.h and BPF -------------------------------------------------
$(O)/vmlinux.h:
	@mkdir -p $(O)
ifneq ($(VMLINUX_H),)
	cp $(VMLINUX_H) $@
else
	@test -r /sys/kernel/btf/vmlinux || { echo "espy: /sys/kernel/btf/vmlinux missing; build with VMLINUX_H=path/to/vmlinux.h" >&2; exit 1; }
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@
endif

$(O)/bpf/%.bpf.o: bpf/%.bpf.c $(O)/vmlinux.h $(wildcard bpf/*.h) $(wildcard include/espy/*.h)
	@mkdir -p $(@D)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(LLVM_STRIP) -g $@

$(O)/%.skel.h: $(O)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< > $@

# ---- user space --------------------------------------------------------
$(O)/lib/%.o: user/lib/%.c $(SKELS) $(wildcard user/lib/*.h) $(wildcard include/espy/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(O)/obj/espyd/%.o: user/espyd/%.c $(SKELS) $(wildcard user/lib/*.h) $(wildcard user/espyd/*.h) $(wildcard include/espy/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iuser/espyd -c $< -o $@

$(O)/obj/espy/%.o: user/espy/%.c $(wildcard user/lib/*.h) $(wildcard user/espy/*.h) $(wildcard include/espy/*.h)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Iuser/espy -c $< -o $@

$(O)/espyd: $(ESPYD_OBJS) $(LIB)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

$(O)/espy: $(ESPY_OBJS) $(LIB)
	$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)

# ---- tests -------------------------------------------------------------
# The kselftest harness comes from Debian's linux-source-6.1 at build time.
$(HARNESS):
	@mkdir -p $(O)/kselftest
	@test -n "$(LINUX_SRC_TAR)" || { echo "espy: linux-source-6.1 is not installed; run 'make deps'" >&2; exit 1; }
	tar -xJf $(LINUX_SRC_TAR) -C $(O)/kselftest --strip-components=4 \
		linux-source-6.1/tools/testing/selftests/kselftest_harness.h \
		linux-source-6.1/tools/testing/selftests/kselftest.h
	@touch $@

tests: $(TEST_BINS)

$(O)/tests/%: tests/%.c $(HARNESS) $(LIB) $(wildcard tests/*.h) $(SKELS)
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -Itests -o $@ $< $(LIB) $(LDLIBS)

PROVE		:= prove --merge --timer --exec ''

define tier_bins
$(filter $(O)/tests/$(1)/%,$(TEST_BINS)) $(wildcard tests/$(1)/*.sh)
endef

check: all fuzz
	FUZZ_SECONDS=$(FUZZ_SECONDS) $(PROVE) \
		$(foreach t,$(TEST_TIERS),$(call tier_bins,$(t))) tests/fuzz/run.sh

check-unit check-bpf check-e2e check-vm: check-%: all
	$(PROVE) $(call tier_bins,$*)

# ---- misc --------------------------------------------------------------
run: all
	@test "$$(id -u)" = 0 || { echo "espy: espyd needs root (sudo make run)" >&2; exit 1; }
	$(O)/espyd -f --events -

deps:
	@./scripts/deps.sh

kmod:
	$(MAKE) -C $(KDIR) M=$(CURDIR) O= modules

bench: all
	@./bench/run.sh

clean:
	rm -rf $(O)
	@test ! -d $(KDIR) || $(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null 2>&1 || true

-include $(wildcard user/mk/*.mk)
