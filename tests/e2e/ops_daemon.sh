#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The operator surface of a running espyd with its real sensors:
#  - espy status answers (driver, hooks) and exits 0; 3 when espyd is gone
#  - espy tail --json receives live events from the control socket, with
#    filters applied by espyd
#  - the metrics endpoint passes promtool and counts events
#  - hostile input on the control socket gets error replies, espyd goes on
#  - a stuck tail client is cut off and counted, espyd keeps running and a
#    reading client keeps receiving
#  - SIGHUP with a bad configuration keeps the old one (and says why);
#    SIGHUP with a good one applies it, and reopens the log (logrotate)
#  - espy tail -f follows the log file across rotation
# TAP output.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib/ops.bash

need_daemon_env
command -v perl >/dev/null || skip_all "perl is not installed"
echo "1..31"
setup_tmp
mport=$(free_port) || { echo "Bail out! no free port"; exit 1; }
write_conf "$tmp/espy.conf"
sock=$tmp/ctl.sock

out=$("$ESPY" status -s "$sock" 2>&1)
rc=$?
check "espy status without espyd exits 3 (got $rc)" '[ $rc = 3 ] && [[ "$out" == *"not running"* ]]'

ESPYD_ARGS="--record $tmp/run.espy" start_espyd ||
	{ echo "Bail out! espyd did not start"; exit 1; }
ok "espyd starts on a private configuration"

out=$("$ESPY" status -s "$sock")
rc=$?
check "espy status exits 0 and shows the driver and hooks" \
	'[ $rc = 0 ] && [[ "$out" == *"driver:      bpf, "*" hooks attached"* ]]'
"$ESPY" status -s "$sock" --json >"$tmp/status.json"
check "espy status --json is JSON with hooks attached > 0" \
	'jq -e ".ok and .hooks.attached > 0 and .config.path == \"$tmp/espy.conf\"" "$tmp/status.json" >/dev/null'
st=$(stat -c %a "$sock")
check "the control socket is mode 0600 (got $st)" '[ "$st" = 600 ]'
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$ESPY" status -s "$sock" 2>&1)
rc=$?
check "another user gets permission denied, exit 4 (got $rc)" \
	'[ $rc = 4 ] && [[ "$out" == *"permission denied"* ]]'

# ---- live tail ----
tag="espy-e2e-tail-$RANDOM$RANDOM"
"$ESPY" tail --json -s "$sock" >"$tmp/tail.json" 2>"$tmp/tail.err" &
tailpid=$!
bg_pids="$tailpid"
"$ESPY" tail --json -s "$sock" --alerts >"$tmp/tail_alerts.json" 2>&1 &
bg_pids="$bg_pids $!"
sleep 0.5
/bin/true "$tag"
check "espy tail --json receives the live exec event" \
	'wait_for "grep -q \"$tag\" \"$tmp/tail.json\"" 10'
check "every streamed line is a JSON object" \
	'jq -e "type == \"object\"" "$tmp/tail.json" >/dev/null'
check "the exec event carries the ECS fields" \
	'jq -se "map(select(.event.action == \"exec\" and .process.executable == \"/usr/bin/true\" and .process.args == [\"/bin/true\", \"$tag\"] and .user.name == \"root\")) | length == 1" "$tmp/tail.json" >/dev/null'
check "an --alerts subscriber got no plain event" \
	'! jq -e "select(.event.kind != \"alert\")" "$tmp/tail_alerts.json" 2>/dev/null | grep -q .'

# pid filter, applied in espyd
sh -c 'sleep 0.5; cat /etc/hostname >/dev/null; /bin/true' &
spid=$!
"$ESPY" tail --json -s "$sock" --pid "$spid" -n 1 >"$tmp/tail_pid.json" 2>&1 &
tpid=$!
wait "$spid"
wait_for '! kill -0 $tpid 2>/dev/null' 10
check "espy tail --pid gets only that process (exit 0 after --count)" \
	'wait $tpid; [ $? = 0 ] && jq -e ".process.pid == $spid" "$tmp/tail_pid.json" >/dev/null'

# ---- metrics ----
curl -s "http://127.0.0.1:$mport/metrics" >"$tmp/metrics.txt"
if command -v promtool >/dev/null; then
	check "promtool check metrics accepts the live exposition" \
		'promtool check metrics <"$tmp/metrics.txt" >"$tmp/promtool.out" 2>&1 || { diag "$tmp/promtool.out"; false; }'
else
	ok "# SKIP promtool not installed (Debian package prometheus)"
fi
check "espy_events_total{type=\"exec\"} counts execs" \
	'[ "$(metric "espy_events_total{type=\"exec\"}")" -gt 0 ]'
check "espy_tail_clients counts the subscribers" '[ "$(metric espy_tail_clients)" -ge 2 ]'
check "detection state is exported: learning mode, sessions, baseline by kind" \
	'grep -qx "espy_learning [01]" "$tmp/metrics.txt" && grep -q "^espy_sessions_tracked [0-9]" "$tmp/metrics.txt" && grep -q "^espy_baseline_entries{kind=" "$tmp/metrics.txt"'

# ---- run-time detection mode ----
"$ESPY" baseline detect -c "$tmp/espy.conf" >"$tmp/bl.out" 2>&1
rc=$?
check "espy baseline detect switches the running espyd to detecting (exit $rc)" \
	'[ $rc = 0 ] && [ "$(metric espy_learning)" = 0 ] || { diag "$tmp/bl.out"; false; }'
"$ESPY" baseline learn -c "$tmp/espy.conf" >>"$tmp/bl.out" 2>&1
rc=$?
check "espy baseline learn switches it back to learning (exit $rc)" \
	'[ $rc = 0 ] && [ "$(metric espy_learning)" = 1 ] || { diag "$tmp/bl.out"; false; }'

# ---- hostile control input ----
perl -MIO::Socket::UNIX -e '
	my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect: $!";
	print $s "frobnicate\n", "status \x00\xff\n", "subscribe min_score=x\n", ("A" x 5000), "\n", "ping\n";
	$s->shutdown(1);
	print while <$s>;' "$sock" >"$tmp/hostile.out" 2>&1
check "garbage commands get error replies, then ping still answers" \
	'[ "$(jq -c "select(.ok == false)" "$tmp/hostile.out" | wc -l)" = 4 ] && tail -1 "$tmp/hostile.out" | jq -e ".ok and .cmd == \"ping\"" >/dev/null'
check "espyd survives hostile input" 'kill -0 $pid && "$ESPY" status -s "$sock" >/dev/null'

# ---- a stuck tail client ----
perl -MIO::Socket::UNIX -e '
	my $s = IO::Socket::UNIX->new(Peer => $ARGV[0]) or die "connect: $!";
	print $s "subscribe\n";
	sleep 120;' "$sock" &
stuck=$!
bg_pids="$bg_pids $stuck"
workload_until_cut_off
check "a subscriber that never reads is cut off and counted" \
	'[ "$(metric espy_tail_clients_cut_off_total)" -gt "$cut0" ]'
check "espyd logged the cut-off" 'grep -q "cut off: .* bytes queued" "$tmp/espyd.err"'
check "espyd keeps running and answering after the cut-off" \
	'kill -0 $pid && "$ESPY" status -s "$sock" >/dev/null'
tag2="espy-e2e-after-$RANDOM$RANDOM"
/bin/true "$tag2"
check "the reading tail client still receives events" \
	'wait_for "grep -q \"$tag2\" \"$tmp/tail.json\"" 10'
kill "$stuck" 2>/dev/null

# ---- SIGHUP with a bad configuration ----
cp "$tmp/espy.conf" "$tmp/espy.conf.good"
printf '[log]\nmin_score = 101\n' >>"$tmp/espy.conf"
kill -HUP "$pid"
check "a bad configuration on SIGHUP is refused with file and line" \
	'wait_for "grep -q \"keeping the previous configuration\" \"$tmp/espyd.err\"" 10 && grep -q "espy.conf:12: bad value .101. for log.min_score" "$tmp/espyd.err"'
size1=$(stat -c %s "$tmp/events.json")
workload 20
check "espyd runs on with the old configuration (still logging)" \
	'kill -0 $pid && wait_for "[ \$(stat -c %s \"$tmp/events.json\") -gt $size1 ]" 10'
check "the failed reload is counted and shown" \
	'[ "$(metric "espy_config_reloads_total{result=\"error\"}")" = 1 ] && "$ESPY" status -s "$sock" --json | jq -e ".config.failed == 1 and (.config.last_error | test(\"101\"))" >/dev/null'

# ---- SIGHUP with a good configuration: logrotate ----
"$ESPY" tail -f "$tmp/events.json" --json >"$tmp/follow.json" 2>"$tmp/follow.err" &
bg_pids="$bg_pids $!"
sleep 0.5
cp "$tmp/espy.conf.good" "$tmp/espy.conf"
mv "$tmp/events.json" "$tmp/events.json.1"
kill -HUP "$pid"
wait_for "grep -q 'configuration $tmp/espy.conf loaded' '$tmp/espyd.err'" 10
tag3="espy-e2e-rotated-$RANDOM$RANDOM"
/bin/true "$tag3"
check "after rotation and SIGHUP espyd writes a new log file" \
	'wait_for "grep -q \"$tag3\" \"$tmp/events.json\" 2>/dev/null" 10'
check "espy tail -f follows the log across the rotation" \
	'wait_for "grep -q \"$tag3\" \"$tmp/follow.json\"" 10 && grep -q "was replaced" "$tmp/follow.err"'

stop_espyd
rc=$?
check "espyd stops cleanly on SIGTERM (exit $rc)" '[ $rc = 0 ]'
wait "$tailpid"
rc=$?
check "a live espy tail exits 5 when espyd stops (got $rc)" '[ $rc = 5 ]'
"$ESPY" replay "$tmp/run.espy" >"$tmp/replay.out" 2>&1
rc=$?
check "the recording carries the two run-time switches to espy replay (exit $rc)" \
	'[ $rc = 0 ] && grep -q "2 run-time change(s) of detection replayed" "$tmp/replay.out" || { diag "$tmp/replay.out"; false; }'
[ $fails = 0 ] || KEEP=${KEEP:-}
exit $((fails > 0))
