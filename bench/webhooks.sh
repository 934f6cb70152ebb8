#!/usr/bin/env bash
# Webhook throughput, in one command:   bench/webhooks.sh
# Starts the API (Release) on an empty database, a fast receiver on loopback that answers 204 and notes when each
# delivery arrives, subscribes it to article.published, imports EVENTS published articles in one NDJSON request
# (one event each), and prints how long the deliveries took: from the end of the import to the last one, and the
# rate once they flow. Knobs: EVENTS=1000 BENCH_PG_PORT=54343
set -euo pipefail
cd "$(dirname "$0")/.."

EVENTS=${EVENTS:-1000}; PORT=${BENCH_PG_PORT:-54343}; API_PORT=5183; HOOK_PORT=5184
dotnet build -c Release src/HeadlessNews.Api -v quiet -nologo | grep -E "error|Warn" || true
api=src/HeadlessNews.Api/bin/Release/net10.0/HeadlessNews.Api.dll
pg_bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

base="$(scripts/local-postgres.sh .data/bench-webhooks-postgres "$PORT")"
"$pg_bin/dropdb" -h 127.0.0.1 -p "$PORT" -U headlessnews --if-exists headlessnews_webhooks
"$pg_bin/createdb" -h 127.0.0.1 -p "$PORT" -U headlessnews headlessnews_webhooks
cs="Host=127.0.0.1;Port=$PORT;Database=headlessnews_webhooks;Username=headlessnews"

log=$(mktemp); pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; rm -f "$log"' EXIT
python3 - "$HOOK_PORT" "$log" <<'PY' &
import sys, time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
port, log = int(sys.argv[1]), open(sys.argv[2], "a", buffering=1)
class Hook(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        log.write(f"{time.time()}\n")
        self.send_response(204); self.send_header("Content-Length", "0"); self.end_headers()
    def log_message(self, *args): pass
ThreadingHTTPServer(("127.0.0.1", port), Hook).serve_forever()
PY
pids+=($!)
ASPNETCORE_URLS="http://127.0.0.1:$API_PORT" ConnectionStrings__HeadlessNews="$cs" HeadlessNews__BootstrapAdminKey=bench-admin \
  HeadlessNews__RateLimits__Enabled=false HeadlessNews__Webhooks__AllowLoopback=true Logging__LogLevel__Default=Warning \
  dotnet "$api" >/dev/null 2>&1 &
pids+=($!)
for _ in $(seq 60); do curl -sf -o /dev/null "http://127.0.0.1:$API_PORT/health/ready" && break; sleep 1; done

admin=(-H "Authorization: Bearer bench-admin")
curl -sf "${admin[@]}" -H 'Content-Type: application/json' -o /dev/null "http://127.0.0.1:$API_PORT/api/v1/manage/webhooks" \
  -d "{\"url\":\"http://127.0.0.1:$HOOK_PORT/hook\",\"events\":[\"article.published\"]}"
file=$(mktemp)
for i in $(seq "$EVENTS"); do
  printf '{"slug":"story-%d","title":"Story %d","status":"published","publishedAt":"2026-01-01T00:00:00Z"}\n' "$i" "$i"
done > "$file"
curl -sf "${admin[@]}" -H 'Content-Type: application/x-ndjson' --data-binary "@$file" -o /dev/null "http://127.0.0.1:$API_PORT/api/v1/manage/import"
imported=$(date +%s.%N); rm -f "$file"
for _ in $(seq 600); do [ "$(wc -l <"$log")" -ge "$EVENTS" ] && break; sleep 0.1; done
python3 - "$log" "$imported" "$EVENTS" <<'PY'
import sys
times = sorted(float(l) for l in open(sys.argv[1]))
imported, events = float(sys.argv[2]), int(sys.argv[3])
if len(times) < events:
    print(f"only {len(times)} of {events} deliveries arrived within 60 s"); sys.exit(1)
last, first = times[events - 1], times[0]
print(f"{events} deliveries: last one {last - imported:.2f} s after the import answered; "
      f"{(events - 1) / max(last - first, 1e-9):.0f} deliveries/s from the first to the last")
PY
