#!/usr/bin/env bash
# Starts (or reuses) a PostgreSQL cluster for local use from Debian's PostgreSQL binaries,
# installing them with apt when missing. Prints the connection string on stdout.
#   scripts/local-postgres.sh DATA_DIR PORT [stop]
set -euo pipefail
data_dir=$(realpath -m "$1"); port=$2; action=${3:-start}

pg_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
if [ -z "$(pg_bin)" ]; then
  echo "Installing PostgreSQL with apt..." >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq postgresql >&2
fi
bin=$(pg_bin)

# The server refuses to run as root: run its tools as the postgres user then.
as_owner() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

if [ "$action" = stop ]; then
  [ -f "$data_dir/postmaster.pid" ] && as_owner "$bin/pg_ctl" -D "$data_dir" -m fast stop >&2 || true
  exit 0
fi

if [ ! -f "$data_dir/PG_VERSION" ]; then
  mkdir -p "$data_dir"
  [ "$(id -u)" = 0 ] && chown postgres: "$data_dir"
  chmod 700 "$data_dir"
  as_owner "$bin/initdb" -D "$data_dir" -U headlessnews --auth=trust -E UTF8 --locale=C.UTF-8 >&2
fi
# Sized for bulk imports, as PostgreSQL's "Populating a Database" advises: a quarter of memory (at most 2 GB) for
# shared buffers, so backends do not write out the pages they just filled themselves, and checkpoints far enough
# apart that a large import is not written twice (once more as full-page images after every checkpoint).
mem_mb=$(( $(awk '/^MemTotal:/ {print $2}' /proc/meminfo) / 1024 ))
buffers_mb=$(( mem_mb / 4 )); [ "$buffers_mb" -gt 2048 ] && buffers_mb=2048; [ "$buffers_mb" -lt 128 ] && buffers_mb=128
if ! as_owner "$bin/pg_ctl" -D "$data_dir" status >/dev/null 2>&1; then
  as_owner "$bin/pg_ctl" -D "$data_dir" -w -l "$data_dir/server.log" \
    -o "-p $port -c listen_addresses=127.0.0.1 -k $data_dir -c shared_buffers=${buffers_mb}MB -c max_wal_size=4GB -c checkpoint_timeout=15min" start >&2
fi
if ! "$bin/psql" -h 127.0.0.1 -p "$port" -U headlessnews -d postgres -tAc "select 1 from pg_database where datname = 'headlessnews'" | grep -q 1; then
  "$bin/createdb" -h 127.0.0.1 -p "$port" -U headlessnews headlessnews
fi
echo "Host=127.0.0.1;Port=$port;Database=headlessnews;Username=headlessnews"
