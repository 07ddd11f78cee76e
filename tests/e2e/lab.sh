#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The detection lab, end to end with the real espyd and espy: three hosts
# in network + mount namespaces (tests/e2e/lab/lab.bash) with Debian's sshd,
# users and keys.  Phase 1: espyd --mode learn (recording) while the hosts
# go through their ordinary routine a few times (tests/e2e/lab/benign.bash).
# Phase 2: espyd restarted in detect mode on the learned state directory,
# `espy tail --json --alerts` following it; one more routine, then an
# intrusion (tests/e2e/lab/chain.sh): discovery, credential theft, ssh with
# a stolen key, a tool copied to /tmp and run, collection, exfiltration over
# TCP and DNS, a second hop, persistence, cleanup.
#
# Proves: learning raises no alert; the routine after learning raises
# none; the intrusion raises alerts on every host it touches, naming its
# key techniques; each step of the chain scores above the routine's events
# of the same technique and of the same kind; `espy replay` of the detect
# phase's recording from the learned baseline gives the alerts espyd gave
# live, and its whole event log.  Scores per step are printed as TAP
# comments for tuning.
#
# Environment: LAB_ROUNDS (learning rounds, default 3), KEEP=1 keeps the
# lab directory and espyd's files for a look afterwards.
set -u
cd "$(dirname "$0")/../.." || exit 1
ESPYD=${ESPYD:-build/espyd}
ESPY=${ESPY:-build/espy}
ROUNDS=${LAB_ROUNDS:-3}
PATH=$PATH:/usr/sbin:/sbin
# shellcheck source=lib/common.bash
. tests/e2e/lib/common.bash

[ "$(id -u)" = 0 ] || skip_all "needs root (eBPF sensors, namespaces)"
[ -r /sys/kernel/btf/vmlinux ] || skip_all "no kernel BTF (/sys/kernel/btf/vmlinux)"
for c in sshd:/usr/sbin/sshd ssh ssh-keygen scp rsync ip nsenter unshare setpriv flock \
	 jq cc tar gzip logrotate dpkg-deb busybox python3:/usr/bin/python3; do
	p=${c#*:}
	command -v "$p" >/dev/null || skip_all "${c%%:*} is not installed"
done
[ -x "$ESPYD" ] || skip_all "$ESPYD not built"
[ -x "$ESPY" ] || skip_all "$ESPY not built"

# One lab at a time on a machine: espyd learns from the whole kernel, so a
# second lab's intrusion would be learned as this one's routine.
exec 9>>/run/lock/espy-e2e-lab.lock 2>/dev/null || exec 9>>/tmp/espy-e2e-lab.lock
flock -w 900 9 || skip_all "another lab run held the lock for 15 minutes"

# shellcheck source=lab/lab.bash
. tests/e2e/lab/lab.bash
# shellcheck source=lab/benign.bash
. tests/e2e/lab/benign.bash

tmp=$(mktemp -d /tmp/espy-e2e-lab-XXXXXX)
chmod 755 "$tmp"
# our own copies: a rebuild during the run must not change the programs
mkdir "$tmp/bin"
cp "$ESPYD" "$ESPY" "$tmp/bin/"
ESPYD=$tmp/bin/espyd
ESPY=$tmp/bin/espy
pid=
tail_pid=
cleanup() {
	[ -n "$tail_pid" ] && kill -KILL "$tail_pid" 2>/dev/null
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	lab_teardown
	if [ -n "${KEEP:-}" ]; then
		echo "# kept: $tmp and $LAB" >&2
	else
		rm -rf "$tmp"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

private_conf "$tmp/espy.conf" "" off "client_buffer = 16M"

start_espyd() {	# start_espyd MODE RECORDING EVENTS
	"$ESPYD" -f -c "$tmp/espy.conf" --mode "$1" --record "$2" \
		--events "$3" 2>>"$tmp/espyd.err" &
	pid=$!
	for _ in $(seq 100); do
		"$ESPY" status -s "$tmp/ctl.sock" >/dev/null 2>&1 && return 0
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	echo "# espyd did not start:"
	diag "$tmp/espyd.err"
	return 1
}

stop_espyd() {
	local rc
	kill -TERM "$pid" 2>/dev/null
	wait "$pid"
	rc=$?
	pid=
	return $rc
}

# Each step: HOST TECHNIQUE[|ALTERNATIVE] what.  Its score is the best of the
# chain's events on HOST tagged with the technique; it must be above every
# event of the routine (phase 2, all hosts) tagged with the same technique
# and every routine event of the same kind (record type and executable) as
# the chain's best one.
steps=(
	"ws T1082 system information (uname, hostname)"
	"ws T1033 owner discovery (id, whoami)"
	"ws T1087 account discovery (cat /etc/passwd)"
	"ws T1057 process discovery (ps aux)"
	"ws T1049 connection discovery (ss -tnp)"
	"ws T1016 network configuration (ip addr)"
	"ws T1046 internal port scan (bash /dev/tcp)"
	"ws T1003.008 reads /etc/shadow"
	"ws T1552.003 reads another user's shell history"
	"ws T1552.004 copies another user's private key"
	"ws T1021.004 ssh to srv with the stolen key"
	"srv T1570|T1105 runs the tool copied to /tmp"
	"srv T1560.001 tar of homes and keys into /tmp"
	"srv T1048 archive sent to db:8443"
	"srv T1048.003 DNS queries carrying data"
	"srv T1098.004 appends to authorized_keys"
	"srv T1053.003 writes a cron file"
	"srv T1543.002 writes a systemd unit"
	"srv T1546.004 appends to .bashrc"
	"srv T1070.006 timestomps with touch -r"
	"srv T1070.002 deletes a log"
	"srv T1070.003 links shell history to /dev/null"
	"db T1021.004 login from srv with the backup key (hop)"
)
echo "1..$((18 + ${#steps[@]}))"
lab_setup >"$tmp/setup.log" 2>&1
rc=$?
check "the lab comes up: 3 hosts, sshd on srv and db, DNS and a TCP service on db" '[ $rc = 0 ]'
if [ $rc != 0 ]; then
	diag "$tmp/setup.log"
	for f in "$LAB"/h/*.log "$LAB"/h/*.err; do [ -s "$f" ] && diag "$f"; done
	exit 1
fi
NS_WS=$(lab_netns ws)
NS_SRV=$(lab_netns srv)
NS_DB=$(lab_netns db)
HOSTS_JSON="{\"$NS_WS\":\"ws\",\"$NS_SRV\":\"srv\",\"$NS_DB\":\"db\"}"
echo "# lab in $LAB; netns ws=$NS_WS srv=$NS_SRV db=$NS_DB"

# The lines of an event log that may be the lab's: its namespaces, or
# records without a task (a TCP close in softirq).  A cheap cut before jq:
# the machine's other activity can be millions of lines.
labgrep() {
	grep -E "\"netns\":($NS_WS|$NS_SRV|$NS_DB)[,}]|\"no_task\"" "$1"
}

# ---- phase 1: learning ----------------------------------------------------

t0=$(date +%s)
start_espyd learn "$tmp/learn.rec" "$tmp/learn.json" || exit 1
for r in $(seq "$ROUNDS"); do
	lab_benign "$r" 2>>"$tmp/routine.log"
done
sleep 0.5
stop_espyd
rc=$?
check "learning: $ROUNDS rounds of the routine, espyd stops cleanly (exit $rc, $(($(date +%s) - t0)) s)" \
	'[ $rc = 0 ] && [ -s "$tmp/state/baseline" ]'
[ -s "$tmp/routine.log" ] && diag "$tmp/routine.log"
labgrep "$tmp/learn.json" | jq -c --argjson h "$HOSTS_JSON" 'select($h[.espy.netns|tostring])' >"$tmp/learn.lab.json"
per_host=$(jq -r --argjson h "$HOSTS_JSON" '$h[.espy.netns|tostring]' "$tmp/learn.lab.json" | sort | uniq -c |
	awk '{ printf "%s%s=%s", (NR > 1 ? " " : ""), $2, $1 }')
check "the sensors saw the routine on every host ($per_host)" \
	'[[ "$per_host" == *ws=* && "$per_host" == *srv=* && "$per_host" == *db=* ]]'
foreign=$(($(wc -l <"$tmp/learn.json") - $(wc -l <"$tmp/learn.lab.json")))
echo "# learning saw $foreign events from outside the lab (other activity on this machine"
echo "# teaches the same baseline: a busy machine skews the scores below)"
learn_alerts=$(grep -c '"kind":"alert"' "$tmp/learn.json")
unmarked=$(jq -c 'select(.espy.learning != true)' "$tmp/learn.lab.json" | wc -l)
check "learning raises no alert ($learn_alerts) and marks every verdict as learning ($unmarked unmarked)" \
	'[ "$learn_alerts" = 0 ] && [ "$unmarked" = 0 ]'
"$ESPY" baseline show -d "$tmp/state" >"$tmp/baseline.txt" 2>&1
diag "$tmp/baseline.txt"
cp -a "$tmp/state" "$tmp/state.learned"

# ---- phase 2: detection ---------------------------------------------------

start_espyd detect "$tmp/detect.rec" "$tmp/detect.json" || exit 1
"$ESPY" tail --json --alerts -s "$tmp/ctl.sock" >"$tmp/tail.json" 2>"$tmp/tail.err" &
tail_pid=$!
for _ in $(seq 50); do
	"$ESPY" status -s "$tmp/ctl.sock" 2>/dev/null | grep -q 'tail: *[1-9]' && break
	sleep 0.1
done
lab_benign $((ROUNDS + 1)) 2>>"$tmp/routine.log"
sleep 0.5
boundary=$(date -u +%Y-%m-%dT%H:%M:%S.%NZ)
sleep 0.2
t1=$(date +%s)
login ws alice root - <tests/e2e/lab/chain.sh >"$tmp/chain.out" 2>&1
chain_rc=$?
echo "# the intrusion took $(($(date +%s) - t1)) s"
sleep 1
stop_espyd
rc=$?
wait "$tail_pid"
tail_rc=$?
tail_pid=
check "detection phase: espyd stops cleanly (exit $rc), the tail ends with it (exit $tail_rc)" \
	'[ $rc = 0 ] && [ $tail_rc = 5 ]'
# the chain must have done what it claims, or the rest proves nothing
chain_ok=0
[ "$(grep -c '^uid=0(root)' "$tmp/chain.out")" -ge 2 ] &&
	grep -q 'accounts$' "$tmp/chain.out" &&
	grep -q '^uid=47002(ops)' "$tmp/chain.out" && chain_ok=1
check "the intrusion ran (exit $chain_rc): root on ws and srv, its tool on srv, ops on db" \
	'[ $chain_ok = 1 ]'
[ $chain_ok = 1 ] || diag "$tmp/chain.out"

# ---- assertions ------------------------------------------------------------

# Each event of the lab's hosts, with .lab (its host: by network namespace,
# or for a TCP close seen in softirq, without a task, by its local address),
# .chain (after the routine) and .own (its own techniques, from its
# reasons: an alert's threat.technique.id also names its chain's).
IPS_JSON="{\"${LAB_IP[ws]}\":\"ws\",\"${LAB_IP[srv]}\":\"srv\",\"${LAB_IP[db]}\":\"db\"}"
labify() {	# labify IN OUT   (lines that are not JSON are left out)
	labgrep "$1" | jq -R -c 'fromjson?' | jq -c --argjson h "$HOSTS_JSON" --argjson ip "$IPS_JSON" --arg b "$boundary" '
		($h[.espy.netns|tostring] //
		 (if (.espy.flags // []) | index("no_task") then $ip[.source.ip // ""] else null end)) as $lab |
		select($lab) |
		. + {lab: $lab, chain: (.["@timestamp"] >= $b),
		     own: [(.espy.reasons // [])[] | capture("^(?<t>T[0-9]{4}(\\.[0-9]{3})?) ") | .t]}' \
		>"$2"
}
labify "$tmp/detect.json" "$tmp/lab.json"
labify "$tmp/tail.json" "$tmp/lab.alerts.json"
broken=$(jq -R 'fromjson? | 0' "$tmp/tail.json" 2>/dev/null | wc -l)
broken=$(($(wc -l <"$tmp/tail.json") - broken))
[ -z "$(tail -c 1 "$tmp/tail.json")" ] || broken=$((broken + 1))
[ "$broken" = 0 ] || echo "# espy tail wrote $broken incomplete line(s) (cut when espyd stopped)"
NONAMES='del(.user.name, .user.effective.name, .group.name, .process.parent.user.name)'
jq -c "select(.event.kind == \"alert\")" "$tmp/lab.json" >"$tmp/alerts.log"
same=$(cmp -s "$tmp/alerts.log" "$tmp/lab.alerts.json" && echo yes || echo no)
check "espy tail --json --alerts delivered the lab's alerts of espyd's event log ($(wc -l <"$tmp/lab.alerts.json") of $(wc -l <"$tmp/alerts.log"): $same)" \
	'[ "$same" = yes ]'
benign_alerts=$(jq -c 'select(.chain | not)' "$tmp/lab.alerts.json")
nb=$(grep -c . <<<"$benign_alerts")
check "the routine after learning raises no alert ($nb)" '[ "$nb" = 0 ]'
[ "$nb" = 0 ] || jq -r '"#   routine alert on \(.lab): \(.process.executable) \(.espy.type) \(.file.path // .destination.ip // "") score \(.espy.score): \(.espy.reasons | join("; "))"' <<<"$benign_alerts" | head -20
jq -r 'select(.chain | not) | select(.espy.session.score >= 40) |
	"\(.lab) \(.espy.session.id)"' "$tmp/lab.json" | sort | uniq -c |
	while read -r cnt k sid; do
		top=$(jq -r --arg s "$sid" 'select(.espy.session.id == $s) | .espy.session.score' "$tmp/lab.json" | sort -n | tail -1)
		echo "#   routine session $sid on $k reaches $top ($cnt events at 40 or more)"
	done

# The techniques each host's alerts must name (alternatives with |).
declare -A need=(
	[ws]="T1046 T1003.008 T1552.004 T1021.004"
	[srv]="T1021.004 T1570|T1105 T1560.001 T1048 T1098.004 T1053.003"
	[db]="T1021.004"
)
for host in ws srv db; do
	techs=" $(jq -r --arg k "$host" 'select(.chain and .lab == $k) |
		.threat.technique.id[]' "$tmp/lab.alerts.json" | sort -u | tr '\n' ' ')"
	na=$(jq -c --arg k "$host" 'select(.chain and .lab == $k)' "$tmp/lab.alerts.json" | wc -l)
	missing=""
	for t in ${need[$host]}; do
		hit=0
		for a in ${t//|/ }; do [[ "$techs" == *" $a "* ]] && hit=1; done
		[ $hit = 1 ] || missing="$missing $t"
	done
	check "the intrusion raises alerts on $host ($na)" '[ "$na" -ge 1 ]'
	check "$host's alerts name ${need[$host]}${missing:+ (missing:$missing)}" '[ -z "$missing" ]'
	echo "#   $host alerts name:$techs"
done

echo "# step scores: chain best [events] vs routine best (same technique / same kind)"
for s in "${steps[@]}"; do
	read -r host tech what <<<"$s"
	r=$(jq -s -c --arg k "$host" --arg t "$tech" '
		def has_t: [.own[] | select(. as $i | $t | split("|") | index($i))] | length > 0;
		def desc: "\(.lab) \(.espy.type) \(.process.executable // "(no task)") \(.file.path // .destination.ip // "")";
		(map(select(.chain and .lab == $k and has_t)) | sort_by(-.espy.score)) as $c |
		map(select(.chain | not)) as $b |
		($c[0] // null) as $top |
		([$b[] | select(has_t)] | sort_by(-.espy.score) | .[0]) as $bt |
		([$b[] | select($top and .espy.type == $top.espy.type and
			.process.executable == $top.process.executable)] |
		 sort_by(-.espy.score) | .[0]) as $bk |
		{n: ($c | length), max: ($top.espy.score // -1),
		 top: (if $top then ($top | desc) else "-" end),
		 why: ([$top.espy.reasons[]? | select(startswith($top.own[0] // "-"))][0] // "-"),
		 bt: ($bt.espy.score // -1), btd: (if $bt then ($bt | desc) else "-" end),
		 bk: ($bk.espy.score // -1), bkd: (if $bk then ($bk | desc) else "-" end)}' \
		"$tmp/lab.json")
	IFS=$'\t' read -r cnt max top why bt btd bk bkd < <(jq -r '[.n, .max, .top, .why, .bt, .btd, .bk, .bkd] | @tsv' <<<"$r")
	echo "#   $host $tech: $max [$cnt] vs routine $bt / $bk -- $top: $why"
	[ "$bt" = -1 ] || echo "#     routine, same technique: $btd"
	[ "$bk" = -1 ] || echo "#     routine, same kind: $bkd"
	check "$host $tech $what: scored $max, above the routine ($bt same technique, $bk same kind)" \
		'[ "$cnt" -ge 1 ] && awk -v a="$max" -v b="$bt" -v c="$bk" "BEGIN { exit !(a > b && a > c) }"'
done

# ---- replay ----------------------------------------------------------------

# Live, user and group names come from the host's account database; a
# replay does not look them up (it may run anywhere): compare without them.
replay() {	# replay OUTPUT
	"$ESPY" replay "$tmp/detect.rec" --baseline "$tmp/state.learned" \
		--mode detect --json -o "$1" 2>>"$tmp/replay.err"
}
replay "$tmp/replay.json"
rc=$?
labify "$tmp/replay.json" "$tmp/lab.replay.json"
jq -c "$NONAMES" "$tmp/lab.alerts.json" >"$tmp/alerts.live"
jq -c "select(.event.kind == \"alert\") | $NONAMES" "$tmp/lab.replay.json" >"$tmp/alerts.replay"
nl=$(wc -l <"$tmp/alerts.live")
nr=$(wc -l <"$tmp/alerts.replay")
check "espy replay of the detect phase from the learned baseline gives the lab's live alerts (exit $rc; $nl live, $nr replayed)" \
	'[ $rc = 0 ] && [ "$nl" -ge 1 ] && cmp -s "$tmp/alerts.live" "$tmp/alerts.replay"'
if ! cmp -s "$tmp/alerts.live" "$tmp/alerts.replay"; then
	diag "$tmp/replay.err"
	diff <(jq -c '[.event.id, .process.pid, .espy.session.id, .espy.score, .threat.technique.id]' "$tmp/alerts.live") \
	     <(jq -c '[.event.id, .process.pid, .espy.session.id, .espy.score, .threat.technique.id]' "$tmp/alerts.replay") |
		head -20 | sed 's/^/#   /'
fi
# (every "name" dropped on both sides: a fast cut of the same fields)
nev=$(wc -l <"$tmp/detect.json")
nonames() { sed -E 's/,"name":"[^"]*"//g; s/"name":"[^"]*",?//g' "$1"; }
same=$(cmp -s <(nonames "$tmp/detect.json") <(nonames "$tmp/replay.json") && echo yes || echo no)
check "... and espyd's whole event log of the phase, scores and reasons included ($nev events: $same)" \
	'[ "$same" = yes ]'
[ "$same" = yes ] || diff <(nonames "$tmp/detect.json") <(nonames "$tmp/replay.json") |
	head -6 | cut -c1-300 | sed 's/^/#   /'
replay "$tmp/replay2.json"
check "a second replay is byte for byte the first" 'cmp -s "$tmp/replay.json" "$tmp/replay2.json"'

# the operator's [detection] keys reach a replay: no session can gather 14
# tactics, so only events scoring 100 on their own still alert
printf '[detection]\nalert_score = 100\nchain_min = 14\ncritical_event = 100\n' \
	>"$tmp/strict.conf"
"$ESPY" replay "$tmp/detect.rec" --baseline "$tmp/state.learned" --mode detect \
	--config "$tmp/strict.conf" --json -o "$tmp/replay.strict.json" 2>>"$tmp/replay.err"
rc=$?
ns=$(jq -c 'select(.event.kind == "alert") | select(.espy.score < 100)' \
	"$tmp/replay.strict.json" | wc -l)
na=$(jq -c 'select(.event.kind == "alert")' "$tmp/replay.strict.json" | wc -l)
check "espy replay --config applies [detection] (exit $rc; $na alerts, $ns under 100, against $nr)" \
	'[ $rc = 0 ] && [ "$ns" = 0 ] && [ "$na" -lt "$nr" ]'

echo "# the whole lab took $(($(date +%s) - t0)) s"
[ $fails = 0 ] || { echo "# espyd's stderr:"; tail -n 30 "$tmp/espyd.err" | diag; }
exit $((fails > 0))
