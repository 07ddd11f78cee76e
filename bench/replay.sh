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
# PRIO (default "chrt -f 10").
set -u
cd "$(dirname "$0")/.." || exit 1
OUT=${1:-build/bench/replay}
ESPY=build/espy
GENREC=build/bench/genrec
PROCS=${PROCS:-50000}
EVENTS=${EVENTS:-19}
RUNS=${RUNS:-3}
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

# One timed replay: prints "SECONDS MAXRSS_KB EXIT" from /usr/bin/time -v.
replay_once() {	# label, extra args...
	local label=$1 t out
	shift
	t=$OUT/time.$label
	out=$OUT/replay.$label.out
	# every event as JSON is about 1 KB a record: encoded, not kept
	[ "$label" = json ] && out=/dev/null
	$PRIO taskset -c "$WORK_CPU" /usr/bin/time -v "$ESPY" replay "$@" \
		-o "$out" "$REC" > /dev/null 2> "$t"
	awk -F': ' '
		/Elapsed \(wall clock\)/ {
			n = split($2, p, ":"); s = 0
			for (i = 1; i <= n; i++) s = s * 60 + p[i]
		}
		/Maximum resident set size/ { rss = $2 }
		/Exit status/ { rc = $2 }
		END { print s, rss, rc }' "$t"
}

measure() {	# label, extra args...
	local label=$1 runs=$RUNS line secs="" rss=0 rc
	[ "$label" = learn ] && runs=1
	for _ in $(seq "$runs"); do
		line=$(replay_once "$@")
		read -r s r rc <<< "$line"
		if [ "$rc" != 0 ]; then
			echo "replay $label: espy replay exited $rc:"
			grep -v '^\s' "$OUT/time.$label" | tail -3 | sed 's/^/  /'
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
			printf "replay %-6s %8.0f records/s (%d records in %.2f s, median of %d), peak RSS %.1f MiB\n", label, (m > 0 ? n / m : 0), n, m, NR, rss / 1024
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
