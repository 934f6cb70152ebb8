#!/usr/bin/env bash
# Fault runs on the production shape, in one command:   bench/cluster-faults.sh
# Starts (or reuses) scripts/run-cluster.sh, restarts both instances with rate limits off (the load comes from one
# address), runs bench/cluster-faults.py (api1 SIGKILLed under load through the edge; the standby stopped and started;
# the primary stopped and started), then restarts the instances with their usual settings. Expects the bench articles
# of bench/cluster.sh (bench-NNNNNN) for its reads; without them the reads answer 404 and say so. Knob: PER_PHASE=500
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(scripts/run-cluster.sh | sed -n 's/^\([a-z_0-9]*\)=\(.*\)$/\1="\2"/p')"
restart() { for n in 1 2; do scripts/run-cluster.sh stop-api $n; env "$@" scripts/run-cluster.sh start-api $n; done; }
trap 'restart HeadlessNews__RateLimits__Enabled=true' EXIT
# Exported: the run restarts api1 itself, with the same settings.
export HeadlessNews__RateLimits__Enabled=false Logging__LogLevel__Default=Warning HeadlessNews__Idempotency__LeaseSeconds=5 \
  HeadlessNews__Webhooks__BackoffSeconds=1 HeadlessNews__Webhooks__MaxBackoffSeconds=3
restart
python3 -u bench/cluster-faults.py "$edge" "$api1" "$api2" "$admin_key"
