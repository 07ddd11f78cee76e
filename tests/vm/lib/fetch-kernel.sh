#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
#
# fetch-kernel.sh SERIES DIR
#
# Fetch Debian's newest amd64 kernel of SERIES (6.1 or 6.12) with its headers
# and Kbuild, without installing anything on the host: the packages are
# downloaded with apt-get download and unpacked with dpkg-deb into DIR/root.
# On success DIR/kernel.env names the kernel image and the Kbuild directory
# (KDIR) to build modules against.  The pinned package version is the one
# found the first time; remove DIR to pick a newer one.
#
# Exit 0 on success; 2 when the packages cannot be found or fetched, with the
# reason in DIR/unavailable (the vm tier then skips); 1 on other errors.
set -eu

series=${1:?usage: fetch-kernel.sh SERIES DIR}
dir=${2:?usage: fetch-kernel.sh SERIES DIR}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
env="$dir/kernel.env"

if [ -r "$env" ]; then
	. "$env"
	if [ -r "$VMLINUZ" ] && [ -r "$KDIR/Makefile" ]; then
		exit 0
	fi
fi
rm -f "$dir/unavailable"

unavailable() {
	echo "$*" > "$dir/unavailable"
	echo "fetch-kernel: $*" >&2
	exit 2
}

case "$series" in
6.1)	img_re='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' ;;
6.12)	img_re='^linux-image-6\.12\.[0-9]+\+deb12-amd64-unsigned$' ;;
*)	echo "fetch-kernel: unknown series $series" >&2; exit 1 ;;
esac

command -v apt-cache >/dev/null 2>&1 || unavailable "apt-cache not found (not Debian)"
command -v dpkg-deb >/dev/null 2>&1 || unavailable "dpkg-deb not found"

# The newest kernel ABI whose image, headers and common headers are all
# listed, with the package version they share.
pick() {
	for img in $(apt-cache pkgnames linux-image- 2>/dev/null |
		     grep -E "$img_re" | sort -rV); do
		kver=${img#linux-image-}
		kver=${kver%-unsigned}
		abi=${kver%-amd64}
		ver=$(apt-cache show --no-all-versions "$img" 2>/dev/null |
		      sed -n 's/^Version: //p' | head -n1)
		[ -n "$ver" ] || continue
		case "$series" in
		6.1)	kbuild=linux-kbuild-6.1 ;;
		*)	kbuild=linux-kbuild-$abi ;;
		esac
		ok=1
		for p in "linux-headers-$kver" "linux-headers-$abi-common" "$kbuild"; do
			apt-cache show "$p=$ver" >/dev/null 2>&1 || { ok=0; break; }
		done
		[ "$ok" = 1 ] || continue
		echo "$img $kver $abi $ver $kbuild"
		return 0
	done
	return 1
}

found=$(pick) || {
	# Fresh machines may not have package lists yet.
	if [ "$(id -u)" = 0 ]; then
		apt-get update -qq >/dev/null 2>&1 || true
	fi
	found=$(pick) || unavailable "no linux-image-$series amd64 package with headers is listed by apt"
}
set -- $found
img=$1 kver=$2 abi=$3 ver=$4 kbuild=$5

dl="$dir/dl"
rm -rf "$dl" "$dir/root"
mkdir -p "$dl" "$dir/root"
echo "fetch-kernel: $img=$ver" >&2
# apt drops privileges to _apt for downloads; let it write here.
chown _apt "$dl" 2>/dev/null || true
(cd "$dl" && apt-get download -q \
	"$img=$ver" "linux-headers-$kver=$ver" \
	"linux-headers-$abi-common=$ver" "$kbuild=$ver") >"$dir/download.log" 2>&1 ||
	unavailable "apt-get download of $img=$ver failed (see $dir/download.log)"

# Only the kernel image is taken from the image package: the tests need no
# modules from it, and the full tree is ~400 MB unpacked.
dpkg-deb --fsys-tarfile "$dl/${img}_"*.deb |
	tar -x -C "$dir/root" "./boot/vmlinuz-$kver"
for deb in "$dl"/linux-headers-*.deb "$dl"/linux-kbuild-*.deb; do
	dpkg-deb -x "$deb" "$dir/root"
done
rm -rf "$dl"

# The headers' Makefile includes the common tree by its absolute /usr/src
# path; point it at the unpacked copy.  Relative symlinks (scripts, tools)
# already resolve inside root/.
kdir="$dir/root/usr/src/linux-headers-$kver"
sed -i "s#/usr/src/#$dir/root/usr/src/#g" "$kdir/Makefile"
[ -r "$kdir/.config" ] || { echo "fetch-kernel: $kdir/.config missing" >&2; exit 1; }

cat > "$env.tmp" <<EOF
KSERIES=$series
KVER=$kver
KPKG=$img
KPKGVER=$ver
VMLINUZ=$dir/root/boot/vmlinuz-$kver
KDIR=$kdir
EOF
mv "$env.tmp" "$env"
echo "fetch-kernel: $kver ready in $dir" >&2
