# SPDX-License-Identifier: GPL-2.0-only
# Shared by the operator-surface e2e tests (tests/e2e/ops_*.sh): TAP
# helpers, a private espyd (own socket, log, metrics port) and free ports.
# Sourced, not run (prove runs only tests/e2e/*.sh).

ESPYD=${ESPYD:-build/espyd}
ESPY=${ESPY:-build/espy}
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
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
	local f=$1
	shift
	{
		echo "[daemon]"
		echo "state_dir = $tmp/state"
		echo "[log]"
		echo "file = $tmp/events.json"
		echo "stdout = no"
		echo "[control]"
		echo "socket = $tmp/ctl.sock"
		echo "client_buffer = 256K"
		echo "[metrics]"
		echo "listen = 127.0.0.1:$mport"
		for l in "$@"; do echo "$l"; done
	} >"$f"
}

# start_espyd: run espyd in the foreground on $tmp/espy.conf; sets $pid.
start_espyd() {
	"$ESPYD" -f -c "$tmp/espy.conf" 2>"$tmp/espyd.err" &
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
