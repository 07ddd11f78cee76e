# SPDX-License-Identifier: GPL-2.0-only
# Shared by the operator-surface e2e tests (tests/e2e/ops_*.sh): TAP
# helpers, a private espyd (own socket, log, metrics port) and free ports.
# Sourced, not run (prove runs only tests/e2e/*.sh).

# shellcheck source=common.bash
. tests/e2e/lib/common.bash

ESPYD=${ESPYD:-build/espyd}
ESPY=${ESPY:-build/espy}
# on stderr: prove shows it without -v
diag() { sed 's/^/# /' "$@" >&2; }

need_daemon_env() {
	[ "$(id -u)" = 0 ] || skip_all "needs root (loads the eBPF sensors)"
	[ -r /sys/kernel/btf/vmlinux ] || skip_all "no kernel BTF"
	[ -x "$ESPYD" ] || skip_all "$ESPYD not built"
	[ -x "$ESPY" ] || skip_all "$ESPY not built"
	command -v jq >/dev/null || skip_all "jq is not installed"
	command -v curl >/dev/null || skip_all "curl is not installed"
}

# A TCP port on 127.0.0.1 that nothing listens on.
free_port() {
	local p
	for _ in $(seq 50); do
		p=$((20000 + RANDOM % 20000))
		if ! (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null; then
			echo $p
			return 0
		fi
	done
	return 1
}

# Wait until cmd succeeds (tries every 0.1 s, up to $2 seconds).
wait_for() {
	local cmd=$1 secs=${2:-20} i
	for i in $(seq $((secs * 10))); do
		eval "$cmd" && return 0
		sleep 0.1
	done
	return 1
}

# write_conf FILE [extra lines...]: a configuration private to this test
write_conf() {
	local f=$1 l
	shift
	private_conf "$f" "$tmp/events.json" "127.0.0.1:$mport" "client_buffer = 256K"
	for l in "$@"; do echo "$l"; done >>"$f"
}

# start_espyd: run espyd in the foreground on $tmp/espy.conf; sets $pid.
start_espyd() {
	# shellcheck disable=SC2086 # ESPYD_ARGS: extra words on purpose
	"$ESPYD" -f -c "$tmp/espy.conf" ${ESPYD_ARGS:-} 2>"$tmp/espyd.err" &
	pid=$!
	if ! wait_for '"$ESPY" status -s "$tmp/ctl.sock" >/dev/null 2>&1 || ! kill -0 $pid 2>/dev/null' 60 ||
	   ! kill -0 "$pid" 2>/dev/null; then
		echo "# espyd did not start:" >&2
		diag "$tmp/espyd.err"
		return 1
	fi
	return 0
}

stop_espyd() {
	[ -n "${pid:-}" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	local rc=$?
	pid=
	return $rc
}

# A counter from espyd's metrics (0 when absent).
metric() {
	curl -s "http://127.0.0.1:$mport/metrics" |
		awk -v m="$1" '$1 == m { v = $2 } END { print v == "" ? 0 : v }'
}

# Some traced activity: execs and opens.
workload() {
	local i
	for i in $(seq "${1:-50}"); do
		/bin/true "espy-e2e-load-$i"
		cat /etc/hostname >/dev/null
	done
}

# Run workloads until espyd cuts off a tail client (up to 60 rounds);
# true when it did.  Sets $cut0, the cut-off count before.
workload_until_cut_off() {
	cut0=$(metric espy_tail_clients_cut_off_total)
	for _ in $(seq 60); do
		workload 100
		[ "$(metric espy_tail_clients_cut_off_total)" -gt "$cut0" ] && return 0
	done
	return 1
}

setup_tmp() {
	tmp=$(mktemp -d /tmp/espy-e2e-ops-XXXXXX)
	chmod 755 "$tmp"
	trap 'cleanup' EXIT
}

cleanup() {
	local p
	for p in ${bg_pids:-}; do kill -KILL "$p" 2>/dev/null; done
	[ -n "${pid:-}" ] && kill -KILL "$pid" 2>/dev/null
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
