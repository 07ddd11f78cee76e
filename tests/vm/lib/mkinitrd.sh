#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# mkinitrd.sh OUT INIT MODULE BIN...
#
# Pack the vm tier's initramfs: static busybox, INIT as /init, MODULE as
# /lib/espy.ko and each static test binary under /tests.
set -eu

out=${1:?usage: mkinitrd.sh OUT INIT MODULE BIN...}
init=$2
ko=$3
shift 3

stage="$out.d"
rm -rf "$stage"
mkdir -p "$stage/bin" "$stage/sbin" "$stage/lib" "$stage/tests" \
	"$stage/proc" "$stage/sys" "$stage/dev" "$stage/tmp" "$stage/etc" \
	"$stage/root"
cp /bin/busybox "$stage/bin/busybox"
cp "$init" "$stage/init"
chmod 755 "$stage/init"
cp "$ko" "$stage/lib/espy.ko"
for b in "$@"; do
	cp "$b" "$stage/tests/"
done
echo "root:x:0:0:root:/root:/bin/sh" > "$stage/etc/passwd"
echo "root:x:0:" > "$stage/etc/group"
(cd "$stage" && find . -print0 | cpio --null -o -H newc --owner=0:0 --quiet) |
	gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
rm -rf "$stage"
