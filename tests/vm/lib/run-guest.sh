#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# run-guest.sh SERIES: the vm tier for one Debian kernel series (6.1, 6.12).
#
# Builds the guest image (make vm-image-SERIES: kernel packages fetched and
# unpacked into build/vm/SERIES, espy.ko built against their headers, static
# test binaries, busybox initramfs), boots it under QEMU with software
# emulation, and turns the guest's report lines (see tests/vm/guest/init)
# into one TAP stream on stdout.  Skips with a reason when QEMU, a static
# busybox or the kernel packages are not available.
set -u

series=${1:?usage: run-guest.sh SERIES}
top=$(cd "$(dirname "$0")/../../.." && pwd)
cd "$top" || exit 1
vm=build/vm/$series
mkdir -p "$vm"
timeout_s=${ESPY_VM_TIMEOUT:-540}
# The host's tests/bpf binaries can also run in these guests: "all" or a
# list of series.  Not by default: each of their tests loads the sensors
# anew, seconds each under emulation, minutes in all; the guest's records
# test covers the eBPF driver with one load.
bpf_tests=${ESPY_VM_BPF_TESTS-none}

skip() {
	echo "1..0 # SKIP $*"
	exit 0
}

command -v qemu-system-x86_64 >/dev/null 2>&1 ||
	skip "qemu-system-x86_64 is not installed (make deps)"
[ -x /bin/busybox ] || skip "busybox is not installed (busybox-static; make deps)"
if LC_ALL=C ldd /bin/busybox >/dev/null 2>&1; then
	skip "/bin/busybox is dynamically linked: install busybox-static"
fi

# One run per series at a time: concurrent runs (two `make check` in one
# tree) would rebuild the image and write the console under each other.
if command -v flock >/dev/null 2>&1; then
	exec 9>"$vm/lock"
	flock 9
fi

if ! make -s "vm-image-$series" >"$vm/make.log" 2>&1; then
	if [ -r "$vm/unavailable" ]; then
		skip "Debian linux $series packages: $(cat "$vm/unavailable")"
	fi
	echo "1..1"
	echo "not ok 1 - linux $series: build the guest image (espy.ko, tests, initramfs)"
	tail -n 40 "$vm/make.log" | sed 's/^/# /'
	exit 1
fi
. "$vm/kernel.env"
echo "# linux $series: $KPKG $KPKGVER"

# The packaged kernels' debug checks that a boot option turns on: SLUB red
# zones, poisoning and owner tracking (a use-after-free or overrun in the
# module's allocations is reported in dmesg, which the guest checks), page
# poisoning; KFENCE samples every 10 ms where the kernel has it.
cmdline="console=ttyS0 quiet loglevel=1 panic=-1 oops=panic"
cmdline="$cmdline slub_debug=FZPU page_poison=1 kfence.sample_interval=10"
case " $bpf_tests " in
*" all "*|*" $series "*) cmdline="$cmdline espy.bpf_tests=1" ;;
esac

# Two vCPUs on one TCG thread.  With thread=multi (QEMU 7.2) a 6.12 guest
# dies now and then with "Oops: int3" at a tracepoint's static-key site
# (syscall_trace_enter, syscall_exit_to_user_mode_prepare, kernel_clone,
# do_exit, __schedule) while text_poke_bp flips the key: the oops' code
# dump already shows the final bytes there, so a vCPU ran a stale
# translation holding the temporary int3 after the patch was done and
# synced.  That is QEMU's multi-threaded TCG, not espy.ko: measured with
# 20 boots of 5 on/off cycles each under load on both vCPUs, thread=multi
# panicked in 4/20 boots with insmod/rmmod espy.ko and in 5/20 with no
# module at all, only the raw_syscalls trace events switched through
# tracefs; thread=single 0/20 for both (0/10 multi boots without any
# switching; 6.1: none in 10 multi boots of either).  One thread keeps
# cross-CPU code patching coherent and still runs two CPUs.
boot() {
	timeout "$timeout_s" qemu-system-x86_64 \
		-accel tcg,thread=single -cpu max -smp 2 -m 1024 \
		-nographic -no-reboot -nic none \
		-kernel "$VMLINUZ" -initrd "$vm/initrd.gz" -append "$cmdline" \
		</dev/null >"$vm/console.log" 2>&1
}

start=$(date +%s)
boot
qrc=$?
# Emulated boots very rarely die before /init runs (seen once: a panic in
# the timer softirq); that is not a result, boot again.
if ! grep -q '^ESPY-KERNEL:' "$vm/console.log"; then
	echo "# linux $series: the guest died before /init (qemu status $qrc), booting again:"
	grep -E 'panic|BUG|RIP' "$vm/console.log" | head -n 5 | sed 's/^/#   /'
	cp "$vm/console.log" "$vm/console-failed-boot.log"
	boot
	qrc=$?
fi
echo "# linux $series: guest ran $(( $(date +%s) - start )) s (qemu status $qrc), console in $vm/console.log"

tr -d '\r' <"$vm/console.log" | awk -v series="$series" -v qrc="$qrc" '
function emit(ok, desc) {
	n++
	print (ok ? "ok " : "not ok ") n " - " desc
}
/^ESPY-KERNEL:/ { sub(/^ESPY-KERNEL:/, ""); print "# guest kernel " $0; next }
/^ESPY-DONE/ { done = 1; next }
/^ESPY-RC:/ {
	split($0, f, ":")
	name = f[2]; rc = f[3]
	okrc = (rc == 0 || rc == 4)
	planned = plan[name]
	emit(okrc && planned != "" && planned == got[name],
	     series " " name ": exited " rc ", ran " got[name] " of " \
	     (planned == "" ? "no plan" : planned) " planned")
	next
}
/^ESPY:[a-z0-9_]+: / {
	name = $0; sub(/^ESPY:/, "", name); sub(/: .*/, "", name)
	line = $0; sub(/^ESPY:[a-z0-9_]+: /, "", line)
	if (line ~ /^1\.\.[0-9]+/) {
		plan[name] = substr(line, 4) + 0
		next
	}
	if (line ~ /^(not )?ok [0-9]+/) {
		got[name]++
		isok = (line ~ /^ok /)
		sub(/^(not )?ok [0-9]+ *(- )?/, "", line)
		emit(isok, series " " name ": " line)
		next
	}
	print "# " series " " name ": " line
	next
}
{ tail[NR % 30] = $0; lines = NR }
END {
	if (!done) {
		emit(0, series " guest ran to the end (qemu status " qrc \
		     ", 124 = timeout)")
		for (i = lines - 29; i <= lines; i++)
			if (i > 0 && (i % 30) in tail)
				print "# console: " tail[i % 30]
	}
	print "1.." n
}'
