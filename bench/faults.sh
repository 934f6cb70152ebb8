#!/usr/bin/env bash
# The operator's fault run, in one command:   bench/faults.sh
# Builds the API (Release), starts a throwaway PostgreSQL (.data/bench-faults-postgres, emptied each run) and runs
# bench/faults.py against it: the API killed mid-burst, PostgreSQL stopped and started mid-burst, webhook receivers
# that fail, hang or answer 410. Prints lost writes, duplicates, stuck keys, recovery seconds, lost events.
# Knobs: PER_PHASE=1000 BENCH_PG_PORT=54344 API_PORT=5185
set -euo pipefail
cd "$(dirname "$0")/.."
PORT=${BENCH_PG_PORT:-54344}
dotnet build -c Release src/HeadlessNews.Api -v quiet -nologo | grep -E " error |rror\(s\)" || true
scripts/local-postgres.sh .data/bench-faults-postgres "$PORT" stop >/dev/null 2>&1 || true
rm -rf .data/bench-faults-postgres
cs="$(scripts/local-postgres.sh .data/bench-faults-postgres "$PORT" 2>/dev/null)"
trap 'scripts/local-postgres.sh .data/bench-faults-postgres "$PORT" stop >/dev/null 2>&1 || true' EXIT
python3 bench/faults.py src/HeadlessNews.Api/bin/Release/net10.0/HeadlessNews.Api.dll "$cs;Timeout=5" \
  "$(pwd)/.data/bench-faults-postgres" "$PORT"
