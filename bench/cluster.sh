#!/usr/bin/env bash
# Figures for the production shape, in one command:   bench/cluster.sh
# Starts (or reuses) scripts/run-cluster.sh, loads ARTICLES generated articles into its primary when it holds fewer
# (replacing its content), restarts both instances with rate limits off (wrk reads from one address), runs
# bench/cluster.py (edge hot and random, one and two instances direct, replica lag under writes, purge-to-visible),
# then restarts the instances with their usual settings. Knobs: ARTICLES=100000 DURATION=10s CONNECTIONS=32 HOT=1000
set -euo pipefail
cd "$(dirname "$0")/.."
ARTICLES=${ARTICLES:-100000}
command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
eval "$(scripts/run-cluster.sh | sed -n 's/^\([a-z_0-9]*\)=\(.*\)$/\1="\2"/p')"
port=$(sed -n 's/.*Port=\([0-9]*\).*/\1/p' <<<"$primary")
have=$(psql -h 127.0.0.1 -p "$port" -U headlessnews -d headlessnews -tAc "select count(*) from articles where slug like 'bench-%'")
if [ "$have" -lt "$ARTICLES" ]; then
  dotnet build -c Release bench/HeadlessNews.Bench -v quiet -nologo | grep -E " error " || true
  dotnet bench/HeadlessNews.Bench/bin/Release/net10.0/HeadlessNews.Bench.dll generate "$primary" "$ARTICLES"
  curl -sf -X PURGE -H "xkey: delivery" "$edge/" >/dev/null
fi
restart() { for n in 1 2; do scripts/run-cluster.sh stop-api $n; env "$@" scripts/run-cluster.sh start-api $n; done; }
trap 'restart HeadlessNews__RateLimits__Enabled=true' EXIT
restart HeadlessNews__RateLimits__Enabled=false Logging__LogLevel__Default=Warning
python3 -u bench/cluster.py "$edge" "$api1" "$api2" "$port" "$admin_key"
