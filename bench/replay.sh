#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench/replay.sh [OUTDIR]: espy's offline scoring throughput (issue 2):
# records per second of `espy replay` on one CPU, and its peak RSS, on a
# synthetic recording of a busy host (bench/genrec: 50,000 processes alive
# at once, about a million file and network events, skewed pools of
# executables, paths and peers plus one-off paths).  Called by run.sh;
# prints its findings on stdout.
#
# Environment: PROCS (default 50000), EVENTS (per process, default 19),
# RUNS (default 3; the median is reported), WORK_CPU (default the last CPU),
# PRIO (default "chrt -f 10"), MAX_PROCS (--max-procs, default 131072),
# ESPY (the espy binary, default build/espy).
# Figures are records per CPU second (user + system) of the replay.
set -u
cd "$(dirname "$0")/.." || exit 1
OUT=${1:-build/bench/replay}
ESPY=${ESPY:-build/espy}
GENREC=build/bench/genrec
PROCS=${PROCS:-50000}
EVENTS=${EVENTS:-19}
RUNS=${RUNS:-3}
# room for every process of the recording, so that none is evicted (espyd's
# default, 32768, is smaller than PROCS and the scores would then differ)
MAX_PROCS=${MAX_PROCS:-131072}
WORK_CPU=${WORK_CPU:-$(($(nproc) - 1))}
# real-time, like run.sh's workload, so that other work on a shared machine
# does not count as replay time
PRIO=${PRIO:-chrt -f 10}

if ! [ -x "$ESPY" ] || ! "$ESPY" replay --help >/dev/null 2>&1; then
	echo "replay: build/espy has no 'replay' command yet: throughput not measured"
	exit 0
fi
[ -x /usr/bin/time ] || { echo "replay: /usr/bin/time missing (apt-get install time)"; exit 0; }
mkdir -p "$OUT"
# built by `make bench`; not rebuilt here, which would rebuild libespy.a
if ! [ -x "$GENREC" ] && ! make -s build/bench/genrec > "$OUT/genrec-build.log" 2>&1; then
	echo "replay: cannot build $GENREC (see $OUT/genrec-build.log)"
	exit 1
fi

REC=$OUT/replay-synthetic.rec
if ! gen=$("$GENREC" -p "$PROCS" -e "$EVENTS" -c "$REC"); then
	echo "replay: genrec failed: $gen"
	exit 1
fi
RECORDS=$(echo "$gen" | awk 'NR == 1 { print $1 }')
while IFS= read -r line; do echo "replay: $line"; done <<< "$gen"
echo "replay: recording $(du -h "$REC" | cut -f1) compressed, on CPU $WORK_CPU"

# One timed replay: prints "CPU_SECONDS MAXRSS_KB EXIT" from /usr/bin/time:
# user + system CPU time, not wall time, which on a shared machine counts
# other work too.  The format is ours (-f), so that the parsing does not
# depend on GNU time's -v layout or the locale.
replay_once() {	# label, extra args...
	local label=$1 t out
	shift
	t=$OUT/time.$label
	out=$OUT/replay.$label.out
	# every event as JSON is about 1 KB a record: encoded, not kept
	[ "$label" = json ] && out=/dev/null
	LC_ALL=C $PRIO taskset -c "$WORK_CPU" /usr/bin/time \
		-f 'espy-time %U %S %M %x' "$ESPY" replay \
		--max-procs "$MAX_PROCS" "$@" -o "$out" "$REC" > /dev/null 2> "$t"
	awk '$1 == "espy-time" { s = $2 + $3; rss = $4; rc = $5 }
		END { print s + 0, rss + 0, (rc == "" ? 1 : rc) }' "$t"
}

measure() {	# label, extra args...
	local label=$1 runs=$RUNS line secs="" rss=0 rc
	[ "$label" = learn ] && runs=1
	for _ in $(seq "$runs"); do
		line=$(replay_once "$@")
		read -r s r rc <<< "$line"
		if [ "$rc" != 0 ]; then
			echo "replay $label: espy replay exited $rc:"
			grep -v '^espy-time ' "$OUT/time.$label" | tail -3 | sed 's/^/  /'
			return 1
		fi
		secs="$secs $s"
		[ "$r" -gt "$rss" ] && rss=$r
	done
	echo "$secs" | tr ' ' '\n' | sed '/^$/d' | sort -g |
		awk -v n="$RECORDS" -v rss="$rss" -v label="$label" '
		{ t[NR] = $1 }
		END {
			m = t[int((NR + 1) / 2)]
			printf "replay %-6s %8.0f records/CPU-s (%d records in %.2f CPU s, median of %d), peak RSS %.1f MiB\n", label, (m > 0 ? n / m : 0), n, m, NR, rss / 1024
		}'
	cat "$OUT/replay.$label.out" "$OUT/time.$label" 2>/dev/null |
		grep -h '^espy replay: .*records, ' |
		head -1 | sed 's/^espy replay: [^:]*: /  /'
}

# learn: build a baseline from the whole recording (a million observations),
# saved once per run; detect: score against that baseline; json: the same,
# encoding every event as espyd's event log would.
BASE=$OUT/baseline
rm -rf "$BASE"
mkdir -p "$BASE"
measure learn --mode learn --save-baseline "$BASE" || exit 0
if [ -z "$(ls -A "$BASE")" ]; then
	echo "replay: --save-baseline wrote nothing in $BASE: detect runs without a baseline"
	measure detect
	measure json --json
else
	echo "replay: baseline $(du -sh "$BASE" | cut -f1) in $BASE"
	measure detect --baseline "$BASE"
	measure json --baseline "$BASE" --json
fi
[ "${KEEP:-0}" = 1 ] || rm -f "$REC"
