#!/usr/bin/env bash
# Runs the API with the demo newsroom at http://127.0.0.1:5080 (docs at /docs), and prints what you need to use it.
# Without ConnectionStrings__HeadlessNews it starts a local PostgreSQL whose data lives in .data/postgres
# (git-ignored), on port HEADLESSNEWS_PG_PORT (54329), installing PostgreSQL with apt first if it is missing.
# ASPNETCORE_URLS moves the API (one http URL).
set -euo pipefail
cd "$(dirname "$0")/.."

# The readiness check below asks the API with curl.
if ! command -v curl >/dev/null; then
  echo "Installing curl with apt..." >&2
  if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
  $sudo apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq curl >&2
fi

export ASPNETCORE_URLS=${ASPNETCORE_URLS:-http://127.0.0.1:5080}
api=${ASPNETCORE_URLS%%;*}
# Feeds, sitemaps and the demo images name their own URLs from configuration; locally that is where this script listens.
export HeadlessNews__PublicApiUrl=${HeadlessNews__PublicApiUrl:-$api}
export HeadlessNews__DemoContent=${HeadlessNews__DemoContent:-true}
export HeadlessNews__BootstrapAdminKey=${HeadlessNews__BootstrapAdminKey:-dev-admin-key}
# On a developer's machine webhook receivers usually run on the same machine; production keeps refusing loopback.
export HeadlessNews__Webhooks__AllowLoopback=${HeadlessNews__Webhooks__AllowLoopback:-true}
pg_port=${HEADLESSNEWS_PG_PORT:-54329}
stop_db=""
if [ -z "${ConnectionStrings__HeadlessNews:-}" ]; then
  ConnectionStrings__HeadlessNews=$(scripts/local-postgres.sh .data/postgres "$pg_port")
  export ConnectionStrings__HeadlessNews
  stop_db="scripts/local-postgres.sh .data/postgres $pg_port stop"
fi

echo "Building..." >&2
dotnet build src/HeadlessNews.Api -c Release -nologo -v quiet >&2
dll=src/HeadlessNews.Api/bin/Release/net10.0/HeadlessNews.Api.dll
# From its build folder, so its appsettings.json (log levels) applies.
(cd "$(dirname "$dll")" && exec dotnet HeadlessNews.Api.dll) &
app=$!
trap 'kill "$app" 2>/dev/null || true' INT TERM EXIT
for _ in $(seq 120); do
  curl -sf -o /dev/null "$api/health/ready" && break
  kill -0 "$app" 2>/dev/null || { echo "The API stopped before it was ready (its messages are above)." >&2; exit 1; }
  sleep 1
done
curl -sf -o /dev/null "$api/health/ready" || { echo "The API did not become ready within 120 s." >&2; exit 1; }

cat <<INFO

HeadlessNews is running with the demo newsroom.
  API                 $api   (OpenAPI UI: $api/docs)
  admin key           $HeadlessNews__BootstrapAdminKey   (header: Authorization: Bearer $HeadlessNews__BootstrapAdminKey)
  connection string   $ConnectionStrings__HeadlessNews
  command-line tools  ConnectionStrings__HeadlessNews='$ConnectionStrings__HeadlessNews' dotnet $dll migrate | export FILE | import FILE
  stop                Ctrl+C${stop_db:+; the database keeps running until: $stop_db}

INFO
wait "$app"
