#!/usr/bin/env bash
# The production shape on one machine, on loopback:
#   PostgreSQL primary + streaming standby (pg_basebackup, replication slot), two API instances (delivery reads on the
#   standby, writes on the primary, caches kept coherent with LISTEN/NOTIFY), Varnish with xkey in front (health
#   probes, caching by Cache-Control, purged by surrogate keys after every write).
#   scripts/run-cluster.sh          start (or reuse) everything; prints edge=, api1=, api2=, primary=, standby=, admin_key=
#   scripts/run-cluster.sh stop     stop everything it started
#   scripts/run-cluster.sh stop-api N | start-api N | stop-standby | start-standby | stop-primary | start-primary   (fault runs)
# Data and logs live in .data/cluster (git-ignored). Ports: CLUSTER_PORT_BASE (55400): +0 primary, +1 standby,
# +10 api1, +11 api2, +20 edge, +21 Varnish admin. Installs PostgreSQL, Varnish and varnish-modules with apt if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
base=${CLUSTER_PORT_BASE:-55400}
pg_primary=$base; pg_standby=$((base + 1)); api1=$((base + 10)); api2=$((base + 11)); edge=$((base + 20)); admin=$((base + 21))
dir=$root/.data/cluster
admin_key=${HeadlessNews__BootstrapAdminKey:-cluster-admin-key}
slot=headlessnews_standby
action=${1:-start}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
apt_install() {
  echo "Installing $* with apt..." >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$@" >&2
}
cs() { echo "Host=127.0.0.1;Port=$1;Database=headlessnews;Username=headlessnews"; }

stop_pid() { # file
  [ -f "$1" ] || return 0
  local pid; pid=$(cat "$1")
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$1"
}

start_api() { # n port
  local n=$1 port=$2
  if [ -f "$dir/api$n.pid" ] && kill -0 "$(cat "$dir/api$n.pid")" 2>/dev/null; then return 0; fi
  (
    cd src/HeadlessNews.Api/bin/Release/net10.0
    export ASPNETCORE_URLS=http://127.0.0.1:$port
    export ConnectionStrings__HeadlessNews="$(cs $pg_primary)"
    export ConnectionStrings__HeadlessNewsReplica="$(cs $pg_standby)"
    export HeadlessNews__BootstrapAdminKey=$admin_key
    export HeadlessNews__DemoContent=${HeadlessNews__DemoContent:-true}
    export HeadlessNews__PublicApiUrl=http://127.0.0.1:$edge
    export HeadlessNews__EdgePurge__Url=http://127.0.0.1:$edge/
    export HeadlessNews__Webhooks__AllowLoopback=true
    # Limits hold across both instances; the client address is the one Varnish forwards (only loopback reaches the API).
    export HeadlessNews__RateLimits__Shared=${HeadlessNews__RateLimits__Shared:-true}
    export ASPNETCORE_FORWARDEDHEADERS_ENABLED=true
    exec dotnet HeadlessNews.Api.dll
  ) >>"$dir/api$n.log" 2>&1 &
  echo $! >"$dir/api$n.pid"
}

wait_ready() { # port
  for _ in $(seq 120); do
    curl -sf -o /dev/null "http://127.0.0.1:$1/health/ready" && return 0
    sleep 0.5
  done
  echo "The API on port $1 did not become ready; see $dir/api*.log" >&2
  return 1
}

case "$action" in
  stop)
    stop_pid "$dir/varnish.pid"
    stop_pid "$dir/api1.pid"; stop_pid "$dir/api2.pid"
    [ -n "$(pg_bin)" ] && for db in standby primary; do
      [ -f "$dir/$db/postmaster.pid" ] && as_owner "$(pg_bin)/pg_ctl" -D "$dir/$db" -m fast stop >&2 || true
    done
    exit 0 ;;
  stop-api) stop_pid "$dir/api$2.pid"; exit 0 ;;
  kill-api) kill -9 "$(cat "$dir/api$2.pid")"; rm -f "$dir/api$2.pid"; exit 0 ;;
  start-api) start_api "$2" $((base + 9 + $2)); wait_ready $((base + 9 + $2)); exit 0 ;;
  stop-standby|stop-primary) as_owner "$(pg_bin)/pg_ctl" -D "$dir/${action#stop-}" -m fast stop >&2; exit 0 ;;
  start-standby) scripts/local-postgres.sh "$dir/standby" "$pg_standby" >/dev/null; exit 0 ;;
  start-primary) scripts/local-postgres.sh "$dir/primary" "$pg_primary" >/dev/null; exit 0 ;;
  start) ;;
  *) echo "usage: $0 [start|stop|stop-api N|kill-api N|start-api N|stop-standby|start-standby|stop-primary|start-primary]" >&2; exit 2 ;;
esac

command -v curl >/dev/null || apt_install curl
command -v varnishd >/dev/null && [ -n "$(ls /usr/lib/*/varnish/vmods/libvmod_xkey.so 2>/dev/null)" ] || apt_install varnish varnish-modules
mkdir -p "$dir"

# Primary (scripts/local-postgres.sh installs PostgreSQL when missing), with a slot that keeps WAL until the standby has it.
scripts/local-postgres.sh "$dir/primary" "$pg_primary" >/dev/null
bin=$(pg_bin)
psql() { "$bin/psql" -h 127.0.0.1 -U headlessnews -d headlessnews -v ON_ERROR_STOP=1 -tA "$@"; }
psql -p "$pg_primary" -c "select pg_create_physical_replication_slot('$slot') where not exists (select 1 from pg_replication_slots where slot_name = '$slot')" >/dev/null

# Standby: a base backup that streams from the slot (-R writes primary_conninfo and standby.signal).
if [ ! -f "$dir/standby/PG_VERSION" ]; then
  mkdir -p "$dir/standby"; [ "$(id -u)" = 0 ] && chown postgres: "$dir/standby"; chmod 700 "$dir/standby"
  as_owner "$bin/pg_basebackup" -h 127.0.0.1 -p "$pg_primary" -U headlessnews -D "$dir/standby" -R -S "$slot" -X stream >&2
  # Queries on the standby hold back vacuum on the primary rather than being cancelled by it.
  echo "hot_standby_feedback = on" | as_owner tee -a "$dir/standby/postgresql.auto.conf" >/dev/null
fi
scripts/local-postgres.sh "$dir/standby" "$pg_standby" >/dev/null

# Two API instances from one Release build; the first applies migrations and loads the demo newsroom.
echo "Building..." >&2
dotnet build src/HeadlessNews.Api -c Release -nologo -v quiet >&2
start_api 1 "$api1"; wait_ready "$api1"
start_api 2 "$api2"; wait_ready "$api2"

# Varnish with the xkey module, in front of both.
if ! { [ -f "$dir/varnish.pid" ] && kill -0 "$(cat "$dir/varnish.pid")" 2>/dev/null; }; then
  sed -e "s/API1_PORT/$api1/" -e "s/API2_PORT/$api2/" scripts/cluster/varnish.vcl >"$dir/varnish.vcl"
  mkdir -p "$dir/varnish-work"
  varnishd -a "127.0.0.1:$edge" -T "127.0.0.1:$admin" -n "$dir/varnish-work" -f "$dir/varnish.vcl" \
    -s malloc,${VARNISH_MEMORY:-512m} -P "$dir/varnish.pid" -p default_grace=10 >>"$dir/varnish.log" 2>&1
fi
for _ in $(seq 40); do curl -sf -o /dev/null "http://127.0.0.1:$edge/health/ready" && break; sleep 0.5; done

echo "edge=http://127.0.0.1:$edge"
echo "api1=http://127.0.0.1:$api1"
echo "api2=http://127.0.0.1:$api2"
echo "primary=$(cs $pg_primary)"
echo "standby=$(cs $pg_standby)"
echo "admin_key=$admin_key"
