#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# bench/replay.sh OUTDIR: espy's offline scoring throughput (issue 2):
# records per second on one CPU and peak RSS of `espy replay` on a recording
# made by `espyd --record` during a short busy workload.  Called by run.sh;
# prints its findings on stdout.
set -u
cd "$(dirname "$0")/.." || exit 1
OUT=${1:?usage: replay.sh OUTDIR}
ESPY=build/espy
ESPYD=build/espyd

if ! [ -x "$ESPY" ] || ! "$ESPY" replay --help >/dev/null 2>&1; then
	echo "replay: build/espy has no 'replay' command yet: throughput not measured"
	exit 0
fi
echo "replay: build/espy replay exists but this bench does not measure it yet"
