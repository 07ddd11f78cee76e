#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench/run.sh: what a host monitor costs the workload it watches.
#
# Runs bench/ops (ns per exec, open, open of a secret, create+write+unlink,
# loopback connect+accept, getpid) and `tar -cf /dev/null /usr/share/doc`
# under each configuration in turn, in interleaved rounds, and prints the
# medians as ns/op and as ratios to no monitor:
#   none      nothing traced
#   espyd     build/espyd -f --events FILE (a file on disk), default buffers
#   auditd    auditd with rules on the same syscalls, logging to disk
#   bpftrace  bpftrace on the same tracepoints, one line per event to a file
#   bpfcount  the same bpftrace probes, counting in a kernel map only
#   auditctx  (optional) nothing traced, but tasks keep an audit context
# Then espy's replay throughput (bench/replay.sh) when build/espy can replay.
#
# Environment: ROUNDS (default 7), CONFIGS (default the first five),
# BATCHES (odd, default 11), BATCH_MS (default 20), WORK_CPU (default the
# last CPU), MON_CPU (default 0), KEEP=1 keeps event files, QUIET_WAIT
# (seconds, for the whole bench, spent waiting before runs for other tracers
# to stop and for the CPUs to be under QUIET_BUSY percent busy; defaults
# 60 and 20), PRIO (default "chrt -f 10"; e.g. "nice -n -20").
# Root only.  Not part of `make check`.  Results: stdout and
# build/bench/<date>/ (summary.txt, raw.tsv, notes.txt, logs).
set -u

cd "$(dirname "$0")/.." || exit 1
TOP=$PWD
O=$TOP/build
OPS=$O/bench/ops
ESPYD=$O/espyd

ROUNDS=${ROUNDS:-7}
CONFIGS=${CONFIGS:-"none espyd auditd bpftrace bpfcount"}
BATCHES=${BATCHES:-11}
BATCH_MS=${BATCH_MS:-20}
NCPU=$(nproc)
WORK_CPU=${WORK_CPU:-$((NCPU - 1))}
MON_CPU=${MON_CPU:-0}
KEEP=${KEEP:-0}
QUIET_WAIT=${QUIET_WAIT:-60}
QUIET_BUSY=${QUIET_BUSY:-20}
# The workload and the monitors run as real-time tasks (SCHED_FIFO) so that
# other work on a shared machine (builds, test suites) cannot preempt them:
# at nice -20 a busy machine still tripled exec and open times here.  The
# kernel's RT throttling leaves that other work 5% of each CPU meanwhile.
PRIO=${PRIO:-chrt -f 10}
OUT=$O/bench/$(date +%Y%m%d-%H%M%S)
RAW=$OUT/raw.tsv
NOTES=$OUT/notes.txt
AUDIT_KEY=espy-bench

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "needs root (it loads eBPF programs and audit rules)"
[ "$NCPU" -ge 2 ] || log "warning: one CPU: the monitor and the workload share it"
make -s -C "$TOP" build/bench/ops >&2 || die "cannot build $OPS"
mkdir -p "$OUT" || die "cannot create $OUT"
: > "$RAW"
: > "$NOTES"
note() { printf '%s\n' "$*" >> "$NOTES"; log "$*"; }

# ---- the peers ---------------------------------------------------------
audit_registered_pid() { auditctl -s 2>/dev/null | awk '$1 == "pid" { print $2 }'; }
audit_enabled() { auditctl -s 2>/dev/null | awk '$1 == "enabled" { print $2 }'; }
audit_lost() { auditctl -s 2>/dev/null | awk '$1 == "lost" { print $2 }'; }

PREEXISTING_AUDITD=$(audit_registered_pid)
# shellcheck disable=SC2086 # $pkgs is a list
install_missing() {
	local pkgs="" p
	command -v auditctl >/dev/null && command -v auditd >/dev/null || pkgs="$pkgs auditd"
	command -v bpftrace >/dev/null || pkgs="$pkgs bpftrace"
	[ -n "$pkgs" ] || return 0
	command -v apt-get >/dev/null || { log "missing:$pkgs (not Debian: install them)"; return 0; }
	log "installing:$pkgs"
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >&2 ||
		{ apt-get update -qq >&2; DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $pkgs >&2; }
	# the package's init script may have started auditd: that one is ours
	p=$(audit_registered_pid)
	if [ -z "$PREEXISTING_AUDITD" ] || [ "$PREEXISTING_AUDITD" = 0 ]; then
		if [ -n "$p" ] && [ "$p" != 0 ]; then
			log "stopping the auditd ($p) that the package started"
			auditctl -D >/dev/null 2>&1
			kill -TERM "$p" 2>/dev/null
			for _ in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		fi
	fi
}
install_missing
PREEXISTING_AUDITD=$(audit_registered_pid)

# ---- audit state: saved now, restored on every exit ---------------------
# Once auditd has run on a boot every new task carries an audit context
# (~150 ns per syscall) until reboot.  A "never,task" rule keeps new tasks
# free of it while the other configurations are measured.
AUDIT_OK=0
AUDIT_SAVED=0
if command -v auditctl >/dev/null && auditctl -s >/dev/null 2>&1; then
	AUDIT_ENABLED0=$(audit_enabled)
	auditctl -s > "$OUT/audit-status.orig" 2>&1
	if [ -n "$PREEXISTING_AUDITD" ] && [ "$PREEXISTING_AUDITD" != 0 ]; then
		note "auditd (pid $PREEXISTING_AUDITD) was already running: the auditd configuration is skipped and audit is left alone"
	elif [ "$AUDIT_ENABLED0" = 2 ]; then
		note "audit rules are locked (enabled 2): the auditd configuration is skipped"
	else
		auditctl -l > "$OUT/audit-rules.orig" 2>&1
		AUDIT_SAVED=1
		AUDIT_OK=1
		auditctl -a never,task >/dev/null 2>&1
	fi
else
	note "audit is not available (no auditctl or no kernel audit): auditd skipped"
fi

restore_audit() {
	[ "$AUDIT_SAVED" = 1 ] || return 0
	auditctl -D >/dev/null 2>&1
	if ! grep -q '^No rules' "$OUT/audit-rules.orig"; then
		auditctl -R "$OUT/audit-rules.orig" >/dev/null 2>&1 ||
			log "warning: could not restore the audit rules saved in $OUT/audit-rules.orig"
	fi
	# the settings that the auditd configuration changes
	awk '$1 == "failure" { f = $2 } $1 == "rate_limit" { r = $2 }
	     $1 == "backlog_limit" { b = $2 } $1 == "backlog_wait_time" { w = $2 }
	     END { print f, r, b, w }' "$OUT/audit-status.orig" | {
		read -r f r b w
		auditctl -f "$f" -r "$r" -b "$b" --backlog_wait_time "$w" >/dev/null 2>&1 ||
			log "warning: could not restore audit settings (see $OUT/audit-status.orig)"
	}
	auditctl -e "$AUDIT_ENABLED0" >/dev/null 2>&1
	AUDIT_SAVED=0
}

MON_PID=""
stop_monitor() {	# signal
	local pid=$MON_PID
	[ -n "$pid" ] || return 0
	kill "-$1" "$pid" 2>/dev/null
	for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$pid" 2>/dev/null; then
		log "monitor $pid ignored SIG$1 for 10 s: killing it"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	MON_PID=""
}

cleanup() {
	if [ -n "$MON_PID" ]; then
		# interrupted during a run: no audit rule may outlive its auditd
		[ "$AUDIT_SAVED" = 1 ] && auditctl -D >/dev/null 2>&1
		stop_monitor TERM
	fi
	restore_audit
	rm -f /tmp/espy-bench-ops.*
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Wait (up to $2 tenths of a second) until function $1 succeeds, as long as
# the monitor lives.
wait_for() {
	local i
	for i in $(seq "$2"); do
		"$1" && return 0
		kill -0 "$MON_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# ---- configurations ------------------------------------------------------
# Each start_<cfg> runs its monitor on MON_CPU and returns once it is
# attached; stop_<cfg> stops it and writes what it reported to the notes.

start_none() { :; }
stop_none() { :; }

espyd_ready() {
	/bin/true
	[ -s "$OUT/espyd.events" ]
}
start_espyd() {
	[ -x "$ESPYD" ] || { note "espyd: $ESPYD not built"; return 1; }
	rm -f "$OUT/espyd.events"
	# its own state directory: the bench must not touch /var/lib/espy
	$PRIO taskset -c "$MON_CPU" "$ESPYD" -f --events "$OUT/espyd.events" \
		--state-dir "$OUT/espyd-state" \
		> "$OUT/espyd.$ROUND.log" 2>&1 &
	MON_PID=$!
	if ! wait_for espyd_ready 200; then
		note "espyd: exited or wrote no event within 20 s:"
		tail -5 "$OUT/espyd.$ROUND.log" | sed 's/^/  /' | tee -a "$NOTES" >&2
		stop_monitor TERM
		return 1
	fi
	sleep 0.5
}
stop_espyd() {
	local ev lines shadow plain
	stop_monitor TERM
	ev=$OUT/espyd.events
	lines=$(wc -l < "$ev")
	shadow=$(grep -c '"action":"open".*"file":{"path":"/etc/shadow"' "$ev")
	plain=$(grep -c '"action":"open".*"file":{"path":"/usr/lib/os-release"' "$ev")
	note "espyd round $ROUND: $lines events ($(du -h "$ev" | cut -f1)), /etc/shadow opens $shadow, /usr/lib/os-release opens $plain (filtered: expect 0)"
	grep -iE 'drop|lost' "$OUT/espyd.$ROUND.log" | sed "s/^/  espyd round $ROUND: /" |
		tee -a "$NOTES" >&2
	grep -qiE 'drop|lost' "$OUT/espyd.$ROUND.log" ||
		note "  espyd round $ROUND: no drop counts in its log (see $OUT/espyd.$ROUND.log)"
	if [ "$KEEP" = 1 ]; then mv "$ev" "$OUT/espyd.$ROUND.events"; else rm -f "$ev"; fi
}

# Rules on the syscalls espy's sensors cover (DESIGN.md section 3); fork and
# exit are covered by clone/fork/vfork.  64-bit ABI only, like the workload.
AUDIT_RULES=(
	"-S execve,execveat,clone,clone3,fork,vfork"
	"-S open,openat,openat2,creat"
	"-S unlink,unlinkat,rename,renameat,renameat2,truncate,ftruncate"
	"-S chmod,fchmod,fchmodat,chown,fchown,lchown,fchownat,utimensat"
	"-S link,linkat,symlink,symlinkat,mkdir,mkdirat"
	"-S connect,accept,accept4,bind,listen"
	"-S setuid,setgid,setreuid,setregid,setresuid,setresgid,setfsuid,setfsgid,capset"
	"-S ptrace,process_vm_writev,init_module,finit_module,bpf,memfd_create"
)
AUDIT_LOST0=0
auditd_ready() { [ "$(audit_registered_pid)" = "$MON_PID" ]; }
start_auditd() {
	local r
	[ "$AUDIT_OK" = 1 ] || return 1
	# a private configuration: the stock one with the log in $OUT
	mkdir -p "$OUT/auditd"
	sed -e "s|^log_file *=.*|log_file = $OUT/audit.log|" \
		/etc/audit/auditd.conf > "$OUT/auditd/auditd.conf"
	chmod 0640 "$OUT/auditd/auditd.conf"
	rm -f "$OUT/audit.log"
	auditctl -d never,task >/dev/null 2>&1
	$PRIO taskset -c "$MON_CPU" auditd -n -c "$OUT/auditd" > "$OUT/auditd.$ROUND.log" 2>&1 &
	MON_PID=$!
	if ! wait_for auditd_ready 100; then
		note "auditd: exited or did not register with the kernel within 10 s:"
		tail -5 "$OUT/auditd.$ROUND.log" | sed 's/^/  /' | tee -a "$NOTES" >&2
		stop_monitor TERM
		auditctl -a never,task >/dev/null 2>&1
		return 1
	fi
	auditctl -b 8192 --backlog_wait_time 60000 -f 1 >/dev/null
	for r in "${AUDIT_RULES[@]}"; do
		# shellcheck disable=SC2086
		auditctl -a always,exit -F arch=b64 $r -F key=$AUDIT_KEY >/dev/null ||
			note "auditd: rule refused: $r"
	done
	auditctl -e 1 >/dev/null
	AUDIT_LOST0=$(audit_lost)
}
stop_auditd() {
	local lost records
	auditctl -D >/dev/null 2>&1
	lost=$(( $(audit_lost) - AUDIT_LOST0 ))
	stop_monitor TERM
	auditctl -a never,task >/dev/null 2>&1
	auditctl -e "$AUDIT_ENABLED0" >/dev/null 2>&1
	records=$(cat "$OUT"/audit.log* 2>/dev/null | grep -c "key=\"$AUDIT_KEY\"")
	note "auditd round $ROUND: $records syscall records logged, $lost lost by the kernel"
	[ "$KEEP" = 1 ] || rm -f "$OUT"/audit.log*
}

# Optional, to show the caveat above: no auditd and no rules, but no
# "never,task" either, so that the workload carries an audit context (only
# once audit has been enabled on this boot, e.g. by an auditd round).
start_auditctx() {
	[ "$AUDIT_OK" = 1 ] || return 1
	auditctl -d never,task >/dev/null 2>&1
}
stop_auditctx() { auditctl -a never,task >/dev/null 2>&1; }

# bpftrace on the tracepoints espy's sensors use, one line per event, as a
# user would write it; count.bt is the same probes counting in a kernel map.
write_bpftrace_scripts() {
	cat > "$OUT/print.bt" <<'EOT'
tracepoint:sched:sched_process_exec { printf("exec %d %d %s %s\n", pid, uid, comm, str(args->filename)); }
tracepoint:sched:sched_process_fork { printf("fork %d %d\n", args->parent_pid, args->child_pid); }
tracepoint:sched:sched_process_exit { printf("exit %d %s\n", pid, comm); }
tracepoint:syscalls:sys_enter_execve { printf("execve %d %s %s\n", pid, comm, str(args->filename)); }
tracepoint:syscalls:sys_enter_openat { printf("openat %d %s %s %d\n", pid, comm, str(args->filename), args->flags); }
tracepoint:syscalls:sys_exit_openat { printf("openat_ret %d %d\n", pid, args->ret); }
tracepoint:syscalls:sys_enter_unlinkat { printf("unlinkat %d %s %s\n", pid, comm, str(args->pathname)); }
tracepoint:syscalls:sys_enter_renameat2 { printf("rename %d %s %s %s\n", pid, comm, str(args->oldname), str(args->newname)); }
tracepoint:syscalls:sys_enter_fchmodat { printf("chmod %d %s %s %d\n", pid, comm, str(args->filename), args->mode); }
tracepoint:syscalls:sys_enter_connect { printf("connect %d %s %d\n", pid, comm, args->fd); }
tracepoint:syscalls:sys_exit_connect { printf("connect_ret %d %d\n", pid, args->ret); }
tracepoint:syscalls:sys_exit_accept4 { printf("accept %d %s %d\n", pid, comm, args->ret); }
tracepoint:syscalls:sys_exit_accept { printf("accept %d %s %d\n", pid, comm, args->ret); }
tracepoint:syscalls:sys_enter_bind { printf("bind %d %s %d\n", pid, comm, args->fd); }
tracepoint:syscalls:sys_enter_listen { printf("listen %d %s %d\n", pid, comm, args->fd); }
tracepoint:sock:inet_sock_set_state { printf("tcpstate %d %d %d\n", pid, args->oldstate, args->newstate); }
tracepoint:syscalls:sys_enter_setuid { printf("setuid %d %s %d\n", pid, comm, args->uid); }
tracepoint:syscalls:sys_enter_setresuid { printf("setresuid %d %s %d\n", pid, comm, args->ruid); }
tracepoint:syscalls:sys_enter_ptrace { printf("ptrace %d %s %d\n", pid, comm, args->pid); }
tracepoint:syscalls:sys_enter_memfd_create { printf("memfd %d %s %s\n", pid, comm, str(args->uname)); }
tracepoint:syscalls:sys_enter_bpf { printf("bpf %d %s %d\n", pid, comm, args->cmd); }
tracepoint:syscalls:sys_enter_finit_module { printf("module %d %s\n", pid, comm); }
EOT
	# keep the tracepoints this kernel has (no finit_module without modules)
	local tp line
	while IFS= read -r line; do
		tp=${line%% *}
		tp=${tp#tracepoint:}
		if [ -d "/sys/kernel/tracing/events/${tp/://}" ]; then
			printf '%s\n' "$line"
		else
			note "bpftrace: no tracepoint ${tp} on this kernel: left out"
		fi
	done < "$OUT/print.bt" > "$OUT/print.bt.new"
	mv "$OUT/print.bt.new" "$OUT/print.bt"
	sed 's/{ .* }$/{ @[probe] = count(); }/' "$OUT/print.bt" > "$OUT/count.bt"
}

# it writes "Attaching N probes..." once everything is attached
bpftrace_ready() { grep -q "^Attaching" "$OUT/bpftrace.out" 2>/dev/null; }
start_bpf() {	# script
	command -v bpftrace >/dev/null || { note "bpftrace: not installed"; return 1; }
	rm -f "$OUT/bpftrace.out"
	$PRIO taskset -c "$MON_CPU" bpftrace -o "$OUT/bpftrace.out" "$OUT/$1" \
		> "$OUT/$1.$ROUND.log" 2>&1 &
	MON_PID=$!
	if ! wait_for bpftrace_ready 300; then
		note "bpftrace $1: exited or did not attach within 30 s:"
		tail -5 "$OUT/$1.$ROUND.log" | sed 's/^/  /' | tee -a "$NOTES" >&2
		stop_monitor INT
		return 1
	fi
	sleep 0.5
}
stop_bpf() {	# script
	local lost
	stop_monitor INT
	lost=$(grep -hoE 'Lost [0-9]+ events' "$OUT/bpftrace.out" "$OUT/$1.$ROUND.log" |
		awk '{ n += $2 } END { print n + 0 }')
	if [ "$1" = print.bt ]; then
		note "bpftrace round $ROUND: $(grep -vc '^Attaching\|^Lost' "$OUT/bpftrace.out") lines ($(du -h "$OUT/bpftrace.out" | cut -f1)), $lost events lost"
	else
		note "bpfcount round $ROUND: $(awk -F': ' '/^@/ { n += $2 } END { print n + 0 }' "$OUT/bpftrace.out") events counted"
	fi
	if [ "$KEEP" = 1 ]; then mv "$OUT/bpftrace.out" "$OUT/$1.$ROUND.out"; else rm -f "$OUT/bpftrace.out"; fi
}
start_bpftrace() { start_bpf print.bt; }
stop_bpftrace() { stop_bpf print.bt; }
start_bpfcount() { start_bpf count.bt; }
stop_bpfcount() { stop_bpf count.bt; }

# ---- one measurement -------------------------------------------------------
# Other tracers on the machine (another espyd, a bpftrace, anything holding
# a tracepoint) would be measured as part of every configuration: name the
# processes that hold one, other than the monitor under test.
foreign_tracers() {
	local p
	for p in $(bpftool perf list 2>/dev/null | awk '$1 == "pid" { print $2 }' | sort -u); do
		[ "$p" = "$MON_PID" ] && continue
		printf '%s(%s) ' "$(cat "/proc/$p/comm" 2>/dev/null)" "$p"
	done
}

# Percent of all CPUs busy over the last half second (other work on a
# shared machine: builds, test suites).
cpu_busy() {
	local a b
	a=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat)
	sleep 0.5
	b=$(awk '/^cpu / { print $2 + $3 + $4 + $7 + $8, $2 + $3 + $4 + $5 + $6 + $7 + $8 }' /proc/stat)
	echo "$a $b" | awk '{ d = $4 - $2; print (d > 0 ? int(100 * ($3 - $1) / d) : 0) }'
}

# Before a run: wait (out of a budget of QUIET_WAIT seconds for the whole
# bench) until no other tracer is attached and the CPUs are mostly idle.
QUIET_LEFT=$QUIET_WAIT
BUSY=0
wait_quiet() {
	local f said=0
	while :; do
		f=$(foreign_tracers)
		BUSY=$(cpu_busy)
		[ -z "$f" ] && [ "$BUSY" -le "$QUIET_BUSY" ] && return 0
		[ "$QUIET_LEFT" -le 0 ] && return 0
		[ "$said" = 0 ] && log "waiting (budget ${QUIET_LEFT}s) for a quiet machine: CPUs ${BUSY}% busy${f:+, other tracers: $f}"
		said=1
		sleep 0.5
		QUIET_LEFT=$((QUIET_LEFT - 1))
	done
}

measure() {	# config
	local load before after state=clean
	load=$BUSY
	before=$(foreign_tracers)
	{
		$PRIO "$OPS" -c "$WORK_CPU" -n "$BATCHES" -m "$BATCH_MS" ||
			log "$1: ops failed"
		$PRIO "$OPS" -c "$WORK_CPU" -n 5 -l tar run tar -C /usr/share -cf /dev/null doc ||
			log "$1: tar failed"
	} > "$OUT/run.tmp"
	after=$(foreign_tracers)
	if [ -n "$before$after" ]; then
		state=shared
		ROUND_CLEAN=0
		note "round $ROUND $1: other tracers were attached: $before$after(run marked shared)"
	fi
	awk -v r="$ROUND" -v c="$1" -v l="$load" -v s="$state" \
		'!/^#/ { printf "%s\t%s\t%s\t%s\t%s\t%s\n", r, c, $1, $2, l, s }' \
		"$OUT/run.tmp" >> "$RAW"
	rm -f "$OUT/run.tmp"
}

case " $CONFIGS " in *" bpftrace "*|*" bpfcount "*) write_bpftrace_scripts ;; esac
log "results in $OUT; $ROUNDS rounds of: $CONFIGS"
log "workload on CPU $WORK_CPU, monitors on CPU $MON_CPU"
read -r -a CFG <<< "$CONFIGS"
declare -A SKIP=()
N=${#CFG[@]}
# A round during which another tracer was attached does not count: up to
# ROUNDS more rounds are run to make up for such rounds.
ROUND=0
CLEAN_ROUNDS=0
while [ "$CLEAN_ROUNDS" -lt "$ROUNDS" ] && [ "$ROUND" -lt $((2 * ROUNDS)) ]; do
	ROUND=$((ROUND + 1))
	ROUND_CLEAN=1
	# rotate the order each round so no configuration always follows another
	for i in $(seq 0 $((N - 1))); do
		c=${CFG[$(( (i + ROUND - 1) % N ))]}
		[ -n "${SKIP[$c]:-}" ] && continue
		log "round $ROUND ($CLEAN_ROUNDS of $ROUNDS clean so far): $c"
		wait_quiet
		# start from clean page cache: the previous run's logs must not
		# be written back during this one
		sync
		if ! "start_$c"; then
			SKIP[$c]=1
			note "$c: could not start; left out of the remaining rounds"
			continue
		fi
		measure "$c"
		"stop_$c"
	done
	[ "$ROUND_CLEAN" = 1 ] && CLEAN_ROUNDS=$((CLEAN_ROUNDS + 1))
done
[ "$CLEAN_ROUNDS" -lt "$ROUNDS" ] &&
	note "only $CLEAN_ROUNDS of $ROUND rounds ran without other tracers attached"
restore_audit

# ---- replay throughput (issue 2) ------------------------------------------
if [ -x bench/replay.sh ]; then
	KEEP=$KEEP WORK_CPU=$WORK_CPU PRIO=$PRIO bench/replay.sh "$OUT" 2>&1 | tee -a "$NOTES" >&2
fi

# ---- the table -------------------------------------------------------------
{
	echo "espy bench, $(date -u '+%Y-%m-%d %H:%M UTC'), kernel $(uname -r), $NCPU CPUs, $ROUND rounds ($CLEAN_ROUNDS without other tracers)"
	grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'
	echo "ns/op: median over rounds; ratio: median over rounds of the ratio to none"
	# runs during which another tracer was attached are left out, unless
	# that would leave a configuration with none at all
	awk -F'\t' '$6 == "clean"' "$RAW" > "$OUT/clean.tsv"
	missing=""
	for c in $CONFIGS; do
		awk -F'\t' -v c="$c" '$2 == c { n++ } END { exit !n }' "$RAW" || continue
		awk -F'\t' -v c="$c" '$2 == c { n++ } END { exit !n }' "$OUT/clean.tsv" ||
			missing="$missing $c"
	done
	if [ -n "$missing" ]; then
		echo "WARNING: no run of$missing was free of other tracers: all runs are used"
		awk -F'\t' -v cfgs="$CONFIGS" -f bench/table.awk "$RAW"
	else
		[ "$(wc -l < "$OUT/clean.tsv")" = "$(wc -l < "$RAW")" ] ||
			echo "(runs shared with other tracers left out: $(awk -F'\t' '$6 != "clean" { print $1 "/" $2 }' "$RAW" | sort -u | tr '\n' ' '))"
		awk -F'\t' -v cfgs="$CONFIGS" -f bench/table.awk "$OUT/clean.tsv"
	fi
	echo
	echo "notes:"
	sed 's/^/  /' "$NOTES"
} | tee "$OUT/summary.txt"
