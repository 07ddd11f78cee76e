#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-only
# Runs every libFuzzer target in build/fuzz for FUZZ_SECONDS from its seed
# corpus (tests/fuzz/corpus/<target>, copied so the tree stays clean) and
# prints TAP: a crash, leak or sanitizer report fails the target.
cd "$(dirname "$0")/../.." || exit 1
secs=${FUZZ_SECONDS:-10}
bins=$(ls build/fuzz/fuzz_* 2>/dev/null | grep -v '\.')
if [ -z "$bins" ]; then
	echo "1..0 # SKIP fuzzers not built (make fuzz needs clang and libclang-rt-14-dev)"
	exit 0
fi
n=$(echo "$bins" | wc -l)
echo "1..$n"
i=0
for b in $bins; do
	i=$((i + 1))
	name=$(basename "$b")
	work=build/fuzz/work/$name
	rm -rf "$work"; mkdir -p "$work/corpus"
	[ -d "tests/fuzz/corpus/$name" ] && cp tests/fuzz/corpus/"$name"/* "$work/corpus/" 2>/dev/null
	if "$b" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 \
		-artifact_prefix="$work/" "$work/corpus" >"$work/log" 2>&1; then
		runs=$(grep -o 'Done [0-9]* runs' "$work/log" | tail -1)
		echo "ok $i - $name: no crash in ${secs}s (${runs:-?})"
	else
		echo "not ok $i - $name: see $work/log"
		grep -m5 -E 'ERROR|SUMMARY|runtime error' "$work/log" | sed 's/^/# /'
	fi
done
