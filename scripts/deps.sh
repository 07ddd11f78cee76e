#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Install what espy needs to build and to run its whole test suite.
# Debian (apt-get) only; elsewhere, print the list and stop.
set -eu

# build: compilers, libbpf/bpftool for the skeleton, libelf+zlib under libbpf,
#        inih for the configuration file, json-c for the CLI's JSON,
#        libdeflate for fast whole-block inflate in recordings,
#        linux-source-6.1 for the kselftest harness headers.
BUILD="make gcc clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev libinih-dev libjson-c-dev libdeflate-dev
       pkg-config linux-source-6.1 xz-utils perl"
# tests: namespaces lab (iproute2, OpenSSH, rsync), Prometheus, the VM tier
#        (QEMU, busybox, Debian kernels and headers), fuzzing runtimes.
TEST="iproute2 openssh-server openssh-client rsync cron procps psmisc jq curl python3 util-linux
      prometheus qemu-system-x86 busybox-static cpio kmod
      libclang-rt-14-dev logrotate man-db systemd"
# bench: the peers espy is compared with.
BENCH="auditd bpftrace hyperfine"

if ! command -v apt-get >/dev/null 2>&1; then
	echo "espy: not a Debian system; install the equivalents of:" >&2
	echo "  $BUILD $TEST $BENCH" >&2
	exit 1
fi
if [ "$(id -u)" != 0 ]; then
	echo "espy: 'make deps' installs packages: run it as root" >&2
	exit 1
fi

missing=""
for p in $BUILD $TEST $BENCH; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "espy: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq || true
	apt-get install -y -qq --no-install-recommends $missing
fi

# Classic tracepoints need tracefs; some minimal systems do not mount it.
if [ ! -d /sys/kernel/tracing/events ]; then
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null || true
fi
exit 0
