#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# A real Prometheus server (Debian's package), started here on loopback
# with a scrape configuration pointing at espyd, scrapes it: its HTTP API
# shows the target up and espy_events_total series that grow while a
# workload runs.  --metrics ADDR:PORT on the command line overrides the
# configuration file.  TAP output.
set -u
cd "$(dirname "$0")/../.." || exit 1
. tests/e2e/lib/ops.bash

need_daemon_env
PROMETHEUS=${PROMETHEUS:-$(command -v prometheus)}
[ -n "$PROMETHEUS" ] || skip_all "prometheus is not installed (Debian package prometheus)"
echo "1..7"
setup_tmp
# the file names one port, --metrics another: the flag must win
mport=$(free_port) || { echo "Bail out! no free port"; exit 1; }
write_conf "$tmp/espy.conf"
real=$(free_port)
while [ "$real" = "$mport" ]; do real=$(free_port); done
"$ESPYD" -f -c "$tmp/espy.conf" --metrics "127.0.0.1:$real" 2>"$tmp/espyd.err" &
pid=$!
mport=$real
wait_for 'curl -sf "http://127.0.0.1:$mport/metrics" >/dev/null || ! kill -0 $pid' 60
check "espyd serves metrics on the --metrics address" \
	'curl -sf "http://127.0.0.1:$mport/metrics" | grep -q "^espy_events_total{type=\"exec\"}"' ||
	diag "$tmp/espyd.err"

pport=$(free_port) || { echo "Bail out! no free port"; exit 1; }
cat >"$tmp/prometheus.yml" <<YML
global:
  scrape_interval: 1s
  scrape_timeout: 1s
scrape_configs:
  - job_name: espy
    static_configs:
      - targets: ['127.0.0.1:$mport']
YML
"$PROMETHEUS" --config.file="$tmp/prometheus.yml" --storage.tsdb.path="$tmp/tsdb" \
	--web.listen-address="127.0.0.1:$pport" --log.level=warn \
	>"$tmp/prometheus.log" 2>&1 &
ppid_=$!
bg_pids="$ppid_"
api="http://127.0.0.1:$pport/api/v1"
check "Prometheus starts" \
	'wait_for "curl -sf http://127.0.0.1:$pport/-/ready >/dev/null" 60' || diag "$tmp/prometheus.log"

# instant query -> the value of the first series (empty when none)
q() {
	curl -sf --get "$api/query" --data-urlencode "query=$1" |
		jq -r '.data.result[0].value[1] // empty'
}
check "Prometheus scrapes espyd: up{job=\"espy\"} == 1" \
	'wait_for "[ \"\$(q "up{job=\\\"espy\\\"}")\" = 1 ]" 30'
check "its API returns espy_events_total series by type" \
	'wait_for "curl -sf --get \"$api/series\" --data-urlencode \"match[]=espy_events_total\" | jq -e \"[.data[].type] | index(\\\"exec\\\") and index(\\\"open\\\")\" >/dev/null" 30'

v1=$(q 'espy_events_total{type="exec"}')
workload 200
sleep 3		# a few scrape intervals
v2=$(q 'espy_events_total{type="exec"}')
check "espy_events_total{type=\"exec\"} grew with the workload ($v1 -> $v2)" \
	'[ -n "$v1" ] && [ -n "$v2" ] && [ "${v2%.*}" -ge $(( ${v1%.*} + 200 )) ]'
check "a rate over the scraped series is positive" \
	'r=$(q "rate(espy_events_total{type=\"exec\"}[10s])"); [ -n "$r" ] && awk "BEGIN { exit !($r > 0) }"'
check "the histogram families are exposed to Prometheus" \
	'[ -n "$(q "espy_event_score_count")" ] && [ -n "$(q "espy_alert_latency_seconds_count")" ]'

kill "$ppid_" 2>/dev/null
wait "$ppid_" 2>/dev/null
stop_espyd
exit $((fails > 0))
