#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# espyd end to end on the host kernel: it refuses to run without root,
# starts with the eBPF sensors, and the JSON events it writes for real
# activity carry the ECS fields: an exec of /bin/true shows its resolved
# executable, argv, parent (a shell older than espyd, known from the /proc
# snapshot) and user; an interesting read-only open is reported and an
# uninteresting one is not; SIGTERM stops it cleanly with its counts.
# TAP output.
set -u
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=lib/common.bash
. tests/e2e/lib/common.bash
ESPYD=${ESPYD:-build/espyd}
# count events matching a jq condition; a jq failure is an error, not "0"
count() {
	jq -c "select($1)" "$tmp/events.json" >"$tmp/match" ||
		{ echo -1; return; }
	wc -l <"$tmp/match"
}

[ "$(id -u)" = 0 ] || skip_all "needs root"
[ -r /sys/kernel/btf/vmlinux ] || skip_all "no kernel BTF"
command -v jq >/dev/null || skip_all "jq is not installed"
[ -x "$ESPYD" ] || skip_all "$ESPYD not built"
echo "1..14"

tmp=$(mktemp -d /tmp/espy-e2e-XXXXXX)
chmod 755 "$tmp"
cleanup() {
	[ -n "${pid:-}" ] && kill -KILL "$pid" 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
private_conf "$tmp/espy.conf" "" off

out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$ESPYD" -f -c "$tmp/espy.conf" --events - 2>&1)
rc=$?
check "refuses to start without root (exit $rc)" '[ $rc = 1 ] && [[ "$out" == *"must run as root"* ]]'

out=$("$ESPYD" -f -c "$tmp/espy.conf" --driver kmod --events - 2>&1)
rc=$?
check "--driver kmod without espy.ko fails clearly (exit $rc)" \
	'[ $rc = 1 ] && [[ "$out" == *kmod* ]]'

"$ESPYD" -f -c "$tmp/espy.conf" --events "$tmp/events.json" 2>"$tmp/err" &
pid=$!
for _ in $(seq 100); do
	grep -q "running" "$tmp/err" 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || break
	sleep 0.1
done
check "espyd starts with the eBPF sensors" 'grep -q "running" "$tmp/err"'

tag="espy-e2e-$RANDOM$RANDOM"
/bin/true "$tag" "a b"
cat /etc/shadow >/dev/null
cat /etc/hostname >/dev/null
sleep 0.5		# more than the 100 ms drain bound
kill -TERM "$pid"
wait "$pid"
rc=$?
pid=
check "SIGTERM stops espyd with exit 0 (got $rc)" '[ $rc = 0 ]'
check "the final counts are logged" 'grep -Eq "Terminated: [0-9]+ events, .*dropped by the kernel" "$tmp/err"'

check "every line is one JSON object" 'jq -e -s "length > 0 and all(type == \"object\")" "$tmp/events.json" >/dev/null'
ev=$(jq -c --arg t "$tag" 'select(.event.action == "exec" and .process.args[1] == $t)' "$tmp/events.json" | head -n1)
check "the exec of /bin/true is reported" '[ -n "$ev" ]'
exe=$(jq -r .process.executable <<<"$ev")
check "process.executable is the resolved path ($exe)" '[ "$exe" = /usr/bin/true ] || [ "$exe" = /bin/true ]'
args=$(jq -c .process.args <<<"$ev")
check "process.args are the real argv ($args)" "[ '$args' = '[\"/bin/true\",\"$tag\",\"a b\"]' ]"
ppid=$(jq -r .process.parent.pid <<<"$ev")
check "process.parent.pid is this shell ($ppid = $$)" '[ "$ppid" = "$$" ]'
pexe=$(jq -r .process.parent.executable <<<"$ev")
check "the parent, older than espyd, has its executable ($pexe)" \
	'[ "$pexe" = "$(readlink /proc/$$/exe)" ]'
uid=$(jq -r .user.id <<<"$ev")
check "user.id is root's ($uid)" '[ "$uid" = 0 ]'
shadow=$(count '.event.action == "open" and .file.path == "/etc/shadow" and .process.executable == "/usr/bin/cat"')
check "a read-only open of /etc/shadow is reported ($shadow)" '[ "$shadow" -ge 1 ]'
hostname=$(count '.event.action == "open" and .file.path == "/etc/hostname"')
check "a read-only open of /etc/hostname is filtered out ($hostname)" '[ "$hostname" = 0 ]'
[ $fails = 0 ] || { echo "# stderr of espyd:"; diag "$tmp/err"; }
exit $((fails > 0))
