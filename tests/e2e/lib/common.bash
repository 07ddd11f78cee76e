# SPDX-License-Identifier: GPL-2.0-only
# Helpers shared by every e2e test (tests/e2e/*.sh), run from the top of
# the tree.  Sourced, not run (prove runs only tests/e2e/*.sh).
#   ok WHAT, nok WHAT       one test line; $n counts them, $fails the failures
#   check WHAT COND         ok or nok as `eval COND` succeeds
#   skip_all REASON         the whole file skips (TAP plan 1..0) and exits
#   diag [FILE...]          FILE (or stdin) as TAP comments
#   private_conf ...        an espyd configuration of the test's own
n=0
fails=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
nok() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $1"; }
check() { if eval "$2"; then ok "$1"; else nok "$1"; fi; }
skip_all() { echo "1..0 # SKIP $1"; exit 0; }
diag() { sed 's/^/# /' "$@"; }

# private_conf FILE LOG_FILE METRICS_LISTEN [CONTROL_LINE...]: state and
# control socket under $tmp, so that a running espyd does not collide;
# LOG_FILE "" for no event log, METRICS_LISTEN "off" for no metrics.
private_conf() {
	local f=$1 log=$2 metrics=$3 l
	shift 3
	{
		echo "[daemon]"
		echo "state_dir = $tmp/state"
		echo "[log]"
		echo "file = $log"
		echo "stdout = no"
		echo "[control]"
		echo "socket = $tmp/ctl.sock"
		for l in "$@"; do echo "$l"; done
		echo "[metrics]"
		echo "listen = $metrics"
	} >"$f"
}
