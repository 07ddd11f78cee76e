#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# make install into a DESTDIR puts every file where it belongs with the
# right modes; the installed binaries and configuration work; the systemd
# unit passes `systemd-analyze verify`; a second install keeps an edited
# configuration; make uninstall removes everything but edited
# configuration and data.  TAP output.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib/ops.bash

[ -x "$ESPYD" ] && [ -x "$ESPY" ] || skip_all "build/espyd and build/espy not built"
echo "1..16"
tmp=$(mktemp -d /tmp/espy-e2e-install-XXXXXX)
trap '[ -n "${KEEP:-}" ] || rm -rf "$tmp"' EXIT
dest=$tmp/dest

make -s install DESTDIR="$dest" PREFIX=/usr >"$tmp/install.log" 2>&1
rc=$?
check "make install DESTDIR=... PREFIX=/usr succeeds" '[ $rc = 0 ]' || diag "$tmp/install.log"

# path mode, for every file and directory install must create
want="usr/sbin/espyd 755
usr/sbin/espy 755
usr/share/man/man8/espyd.8 644
usr/share/man/man8/espy.8 644
etc/espy/espy.conf 644
lib/systemd/system/espyd.service 644
etc/logrotate.d/espy 644
var/lib/espy 700
var/log/espy 750"
bad=
while read -r f m; do
	got=$(stat -c %a "$dest/$f" 2>/dev/null)
	[ "$got" = "$m" ] || bad="$bad $f($got!=$m)"
done <<<"$want"
check "the tree: binaries, man pages, config, unit, logrotate, state and log dirs${bad:+ -$bad}" '[ -z "$bad" ]'
extra=$(cd "$dest" && find . -type f | sort | sed 's|^\./||' | grep -vxF "$(cut -d" " -f1 <<<"$want")")
check "nothing else is installed${extra:+: $extra}" '[ -z "$extra" ]'

check "the unit runs the installed espyd in the foreground" \
	'grep -qx "ExecStart=/usr/sbin/espyd --foreground" "$dest/lib/systemd/system/espyd.service"'
check "the unit is hardened (capability bounding set, read-only system)" \
	'grep -q "^CapabilityBoundingSet=CAP_BPF CAP_PERFMON" "$dest/lib/systemd/system/espyd.service" &&
	 grep -qx "ProtectSystem=strict" "$dest/lib/systemd/system/espyd.service" &&
	 grep -qx "NoNewPrivileges=yes" "$dest/lib/systemd/system/espyd.service" &&
	 ! grep -q "@SBINDIR@" "$dest/lib/systemd/system/espyd.service"'
check "the installed configuration is valid for the installed espyd" \
	'"$dest/usr/sbin/espyd" --check-config -c "$dest/etc/espy/espy.conf" >/dev/null'
check "the installed espy runs (--version)" '"$dest/usr/sbin/espy" --version | grep -q "^espy "'
if command -v man >/dev/null; then
	check "the man pages render without warnings" \
		'for p in espy espyd; do w=$(man --warnings -l "$dest/usr/share/man/man8/$p.8" 2>&1 >/dev/null); [ -z "$w" ] || { echo "# $w"; false; }; done'
else
	ok "# SKIP man is not installed"
fi
if command -v logrotate >/dev/null; then
	check "logrotate accepts the snippet" 'logrotate -d "$dest/etc/logrotate.d/espy" >"$tmp/lr.out" 2>&1 || { diag "$tmp/lr.out"; false; }'
else
	ok "# SKIP logrotate is not installed"
fi

# systemd-analyze checks ExecStart= against the real file system: verify
# an install whose prefix is a real path.
if command -v systemd-analyze >/dev/null; then
	pfx=$tmp/pfx
	make -s install PREFIX="$pfx/usr" SYSCONFDIR="$pfx/etc" UNITDIR="$pfx/unit" \
		LOCALSTATEDIR="$pfx/var" >"$tmp/install2.log" 2>&1
	check "systemd-analyze verify passes on the unit" \
		'systemd-analyze verify --man=no "$pfx/unit/espyd.service" >"$tmp/verify.out" 2>&1 || { diag "$tmp/verify.out"; false; }'
else
	ok "# SKIP systemd-analyze is not installed"
fi

echo "# edited by the admin" >>"$dest/etc/espy/espy.conf"
make -s install DESTDIR="$dest" PREFIX=/usr >"$tmp/install3.log" 2>&1
check "a second install keeps the edited configuration" \
	'tail -1 "$dest/etc/espy/espy.conf" | grep -qx "# edited by the admin"'

touch "$dest/var/log/espy/events.json"
make -s uninstall DESTDIR="$dest" PREFIX=/usr >"$tmp/uninstall.log" 2>&1
rc=$?
check "make uninstall succeeds" '[ $rc = 0 ]' || diag "$tmp/uninstall.log"
left=$(cd "$dest" && find . -type f | sort | sed 's|^\./||' | tr '\n' ' ')
check "uninstall leaves only the edited config and the data (left: $left)" \
	'[ "$left" = "etc/espy/espy.conf var/log/espy/events.json " ]'
check "empty directories are removed, non-empty ones kept" \
	'[ ! -e "$dest/var/lib/espy" ] && [ -d "$dest/var/log/espy" ]'
rm -f "$dest/etc/espy/espy.conf" "$dest/var/log/espy/events.json"
make -s install DESTDIR="$dest" PREFIX=/usr >/dev/null 2>&1
make -s uninstall DESTDIR="$dest" PREFIX=/usr >/dev/null 2>&1
left=$(cd "$dest" && find . -type f -o -type d -name espy | sed 's|^\./||' | tr '\n' ' ')
check "install then uninstall leaves nothing of espy (left: $left)" '[ -z "$left" ]'
check "an unedited configuration is removed by uninstall" '[ ! -e "$dest/etc/espy/espy.conf" ]'
exit $((fails > 0))
