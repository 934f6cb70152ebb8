#!/usr/bin/env bash
# Runs the API with the demo newsroom at http://127.0.0.1:5080 (docs at /docs).
# Without ConnectionStrings__HeadlessNews it starts a local PostgreSQL whose data lives in .data/postgres
# (git-ignored), installing PostgreSQL with apt first if it is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

export ASPNETCORE_URLS=${ASPNETCORE_URLS:-http://127.0.0.1:5080}
# Feeds and sitemaps name their own URLs from configuration; locally that is where this script listens.
export HeadlessNews__PublicApiUrl=${HeadlessNews__PublicApiUrl:-http://127.0.0.1:5080}
export HeadlessNews__DemoContent=${HeadlessNews__DemoContent:-true}
export HeadlessNews__BootstrapAdminKey=${HeadlessNews__BootstrapAdminKey:-dev-admin-key}
# On a developer's machine webhook receivers usually run on the same machine; production keeps refusing loopback.
export HeadlessNews__Webhooks__AllowLoopback=${HeadlessNews__Webhooks__AllowLoopback:-true}
if [ -z "${ConnectionStrings__HeadlessNews:-}" ]; then
  ConnectionStrings__HeadlessNews=$(scripts/local-postgres.sh .data/postgres "${HEADLESSNEWS_PG_PORT:-54329}")
  export ConnectionStrings__HeadlessNews
fi
echo "API on $ASPNETCORE_URLS (admin key: $HeadlessNews__BootstrapAdminKey); Ctrl+C stops it." >&2
exec dotnet run --project src/HeadlessNews.Api -c Release
