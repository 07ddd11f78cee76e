#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# How a live `espy tail` ends, with the real espyd and sensors:
#  - espyd stopped by SIGTERM right after N execs of a marker binary:
#    the tail received all N exec events, every line it printed is a whole
#    JSON object, and it exits 5 (espyd stopped cleanly)
#  - a tail that stops reading (SIGSTOP) is cut off by espyd; once it
#    runs again it prints only whole lines, says it was cut off and exits 6
#  - espyd killed (SIGKILL, no goodbye on the stream): the tail exits 6 too
# TAP output.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib/ops.bash

N=${TAIL_STOP_EVENTS:-300}

need_daemon_env
echo "1..11"
setup_tmp
mport=$(free_port) || { echo "Bail out! no free port"; exit 1; }
write_conf "$tmp/espy.conf"
sock=$tmp/ctl.sock
marker=$tmp/espy-e2e-marker-$RANDOM$RANDOM
cp /bin/true "$marker"

# Every line of FILE is a JSON object, and the file ends with a newline.
whole_json_lines() {
	[ -s "$1" ] && [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" = '\n' ] &&
		jq -Rn '[inputs | fromjson? | objects] | length' "$1" >"$tmp/nobj" &&
		[ "$(cat "$tmp/nobj")" = "$(wc -l <"$1")" ]
}

# The exec events of the marker in FILE.
marker_execs() {
	jq -c "select(.event.action == \"exec\" and .process.executable == \"$marker\")" \
		"$1" 2>/dev/null | wc -l
}

# ---- espyd stops: the tail gets everything, in whole lines ----
start_espyd || { echo "Bail out! espyd did not start"; exit 1; }
"$ESPY" tail --json -s "$sock" >"$tmp/tail.json" 2>"$tmp/tail.err" &
tailpid=$!
bg_pids="$tailpid"
wait_for '[ "$(metric espy_tail_clients)" -ge 1 ]' 10
for i in $(seq "$N"); do
	"$marker" "$i"
done
stop_espyd
rc=$?
check "espyd stops cleanly on SIGTERM right after $N execs (exit $rc)" '[ $rc = 0 ]'
wait_for '! kill -0 $tailpid 2>/dev/null' 10
wait "$tailpid"
rc=$?
got=$(marker_execs "$tmp/tail.json")
check "espy tail received all $N exec events of the marker (got $got)" '[ "$got" = "$N" ]' ||
	{ diag "$tmp/tail.err"; tail -3 "$tmp/espyd.err" | diag; }
check "every line espy tail printed is a whole JSON object" \
	'whole_json_lines "$tmp/tail.json"'
check "espy tail exits 5 when espyd stops cleanly (got $rc)" '[ $rc = 5 ]'
check "and says espyd stopped" 'grep -qx "espy tail: espyd stopped" "$tmp/tail.err"'

# ---- a tail that stops reading is cut off ----
start_espyd || { echo "Bail out! espyd did not start again"; exit 1; }
"$ESPY" tail --json -s "$sock" >"$tmp/slow.json" 2>"$tmp/slow.err" &
slowpid=$!
bg_pids="$slowpid"
wait_for '[ "$(metric espy_tail_clients)" -ge 1 ]' 10
kill -STOP "$slowpid"
workload_until_cut_off
check "espyd cuts off a tail that stopped reading" \
	'[ "$(metric espy_tail_clients_cut_off_total)" -gt "$cut0" ]'
kill -CONT "$slowpid"
wait_for '! kill -0 $slowpid 2>/dev/null' 10
wait "$slowpid"
rc=$?
check "the cut-off tail exits 6, not 5 (got $rc)" '[ $rc = 6 ]'
check "it says espyd cut it off" 'grep -q "espyd cut this client off: cut off: reading too slowly" "$tmp/slow.err"' ||
	diag "$tmp/slow.err"
check "what it printed before is whole JSON lines" 'whole_json_lines "$tmp/slow.json"'

# ---- espyd killed: the stream ends without the goodbye ----
"$ESPY" tail --json -s "$sock" >"$tmp/killed.json" 2>"$tmp/killed.err" &
kpid=$!
bg_pids="$kpid"
wait_for '[ "$(metric espy_tail_clients)" -ge 1 ]' 10
kill -KILL "$pid"
wait "$pid" 2>/dev/null
pid=
wait_for '! kill -0 $kpid 2>/dev/null' 10
wait "$kpid"
rc=$?
check "a tail whose espyd was killed exits 6 (got $rc)" '[ $rc = 6 ]'
check "and says the stream broke off without espyd stopping" \
	'grep -q "broke off (end of stream) without espyd saying it was stopping" "$tmp/killed.err"' ||
	diag "$tmp/killed.err"
exit $((fails > 0))
