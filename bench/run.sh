#!/usr/bin/env bash
# The read-path benchmark, in one command:   bench/run.sh
# Loads an archive of ARTICLES articles into a local PostgreSQL (BENCH_DATA, .data/bench-postgres by default; reused
# when it already holds that archive), starts the API twice (in-process cache off and on) and the bare reference
# endpoints, warms them up, then runs wrk against each scenario, interleaved, ROUNDS times, and prints medians. Every
# API figure is also given as a ratio to the strongest reference of its kind measured in the same run: article
# detail to the faster of the two detail references, lists to the bare list endpoint (newest page or tag page),
# search and suggestions to the strongest detail reference; the detail of the newest 100,000 to the batch reference
# reading the same articles.
# Knobs: ARTICLES=100000 VOCABULARY=zipf (or worst: 90 words in every article) DURATION=10s ROUNDS=3 POOL=4
#        CONNECTIONS=32 HOT=1000 WARMUP=20s REGENERATE=1 BENCH_DATA=.data/bench-postgres
# Ports: BENCH_PG_PORT=54340 for PostgreSQL, BENCH_HTTP_PORT=5180 (+1 and +2 for the API, +10 for the reference).
# PREWARM=1 reads the articles and their text into the page cache first (see below).
# A million articles (about 40 GB on disk; the generator prints how long the load took):
#   ARTICLES=1000000 BENCH_DATA=.data/bench-postgres-1m bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES=${ARTICLES:-100000}; DURATION=${DURATION:-10s}; ROUNDS=${ROUNDS:-3}; POOL=${POOL:-4}
CONNECTIONS=${CONNECTIONS:-32}; HOT=${HOT:-1000}; WARMUP=${WARMUP:-20s}; PORT=${BENCH_PG_PORT:-54340}
VOCABULARY=${VOCABULARY:-zipf}; DATA=${BENCH_DATA:-.data/bench-postgres}
HTTP=${BENCH_HTTP_PORT:-5180}; uncached=$((HTTP + 1)); cached=$((HTTP + 2)); reference=$((HTTP + 10))

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
dotnet build -c Release bench/HeadlessNews.Bench -v quiet -nologo | grep -E "error|Warn" || true
api=src/HeadlessNews.Api/bin/Release/net10.0/HeadlessNews.Api.dll
tool=bench/HeadlessNews.Bench/bin/Release/net10.0/HeadlessNews.Bench.dll

cs="$(scripts/local-postgres.sh "$DATA" "$PORT");Maximum Pool Size=$POOL"
ConnectionStrings__HeadlessNews="$cs" dotnet "$api" migrate >/dev/null
# The generator signs the archive it wrote (a comment on the articles table).
have=$(psql -h 127.0.0.1 -p "$PORT" -U headlessnews -d headlessnews -tAc "select obj_description('articles'::regclass)")
if [ "$have" != "generated: $ARTICLES articles, $VOCABULARY vocabulary" ] || [ -n "${REGENERATE:-}" ]; then
  dotnet "$tool" generate "$cs" "$ARTICLES" "$VOCABULARY"
  # As the API's import does at its end: without it the search tables' GIN indexes have no statistics until
  # autovacuum comes by, and the first rows would measure that window. The generator itself leaves it out, so a test
  # can reach that state (SmallArchiveSearchPlanTests).
  psql -h 127.0.0.1 -p "$PORT" -U headlessnews -d headlessnews -qc "vacuum (analyze)"
fi
# The article rows, their text stored out of line and their indexes, read into the operating system's page cache
# before the clock starts, as on a server that has been serving them. At 100,000 articles they are cached anyway, but
# at the million the text is 9 GB (17 GB with the search vectors, before migration 0056): unwarmed, the detail rows
# measured this machine's disk (about 50 MB/s of random reads) more than the read path. PREWARM=0 leaves the cache as
# it stands. Search's tables and indexes are left to the search rows' own warm-up.
if [ "${PREWARM:-1}" = 1 ]; then
  warmed=$(PGOPTIONS="-c client_min_messages=warning" psql -h 127.0.0.1 -p "$PORT" -U headlessnews -d headlessnews -qtA \
    -c "create extension if not exists pg_prewarm" \
    -c "with t as (select oid as rel, reltoastrelid as toast from pg_class where oid = 'articles'::regclass)
        select pg_size_pretty(8192 * sum(pg_prewarm(r, 'read'))) from (
          select rel as r from t union all select toast from t
          union all select indexrelid from pg_index, t where indrelid in (t.rel, t.toast)) rels")
  echo "read into the page cache: $warmed of articles, their text and indexes" >&2
fi

pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
start() { # name port env...
  local port=$1; shift
  # wrk sends thousands of requests a second from one address: rate limits would measure themselves.
  env "$@" ASPNETCORE_URLS="http://127.0.0.1:$port" ConnectionStrings__HeadlessNews="$cs" HeadlessNews__RateLimits__Enabled=false \
    Logging__LogLevel__Default=Warning dotnet "$api" >/dev/null 2>&1 &
  pids+=($!)
}
start $uncached HeadlessNews__Caching__InProcessSeconds=0
uncached_pid=${pids[-1]}
start $cached HeadlessNews__Caching__InProcessSeconds=600
cached_pid=${pids[-1]}
dotnet "$tool" reference "$cs" http://127.0.0.1:$reference >/dev/null 2>&1 &
pids+=($!)
for url in http://127.0.0.1:$uncached/health/ready http://127.0.0.1:$cached/health/ready http://127.0.0.1:$reference/ref/batch/articles/bench-000000; do
  for _ in $(seq 60); do curl -sf -o /dev/null "$url" && break; sleep 1; done
  curl -sf -o /dev/null "$url" || { echo "not answering: $url" >&2; exit 1; }
done
# 2,000 pages of 20 into the archive, or two fifths of a smaller one.
deep_rows=$(( ARTICLES * 2 / 5 < 40000 ? ARTICLES * 2 / 5 : 40000 )); [ "$deep_rows" -lt 1 ] && deep_rows=1
deep=$(dotnet "$tool" cursor "$cs" "$deep_rows")

# The most popular tag (the generator draws tags with a skew towards tag-0000) and a rare one.
popular=tag-0000; rare=tag-0900
newest=$(( ARTICLES < 100000 ? ARTICLES : 100000 ))
# name | compared with | MODE | PREFIX | SLUGS | URL | connections (default CONNECTIONS)
# "compared with": ref-detail, ref-list, ref-tag or ref-newest (the strongest of that kind), or empty for a reference itself.
scenarios=(
  "detail: reference, JSON built in SQL||detail|/ref/articles/|$ARTICLES|http://127.0.0.1:$reference"
  "detail: reference, batch + Utf8JsonWriter||detail|/ref/batch/articles/|$ARTICLES|http://127.0.0.1:$reference"
  "list: reference, newest page||||0|http://127.0.0.1:$reference/ref/batch/articles"
  "list: reference, popular tag page||||0|http://127.0.0.1:$reference/ref/batch/articles?tag=$popular"
  "list: reference, newest page, 2 statements||||0|http://127.0.0.1:$reference/ref/two/articles"
  "list: reference, popular tag page, 2 statements||||0|http://127.0.0.1:$reference/ref/two/articles?tag=$popular"
  "detail: API uncached|ref-detail|detail|/api/v1/articles/|$ARTICLES|http://127.0.0.1:$uncached"
  "detail: API cached ($HOT hot)|ref-detail|detail|/api/v1/articles/|$HOT|http://127.0.0.1:$cached"
  "related: 8 cards, 4 computed|ref-detail|related|/api/v1/articles/|$ARTICLES|http://127.0.0.1:$uncached"
  "list: first page|ref-list|||0|http://127.0.0.1:$uncached/api/v1/articles"
  "list: $((deep_rows / 20)) pages deep|ref-list|||0|http://127.0.0.1:$uncached/api/v1/articles?cursor=$deep"
  "list: popular tag ($popular)|ref-tag|||0|http://127.0.0.1:$uncached/api/v1/articles?tag=$popular"
  "list: rare tag ($rare)|ref-tag|||0|http://127.0.0.1:$uncached/api/v1/articles?tag=$rare"
  "list: two tags|ref-tag|||0|http://127.0.0.1:$uncached/api/v1/articles?tag=tag-0001&tag=tag-0002"
  "search: two words|ref-detail|search|/api/v1/articles?q=|0|http://127.0.0.1:$uncached"
  "search: two words, 4 connections|ref-detail|search|/api/v1/articles?q=|0|http://127.0.0.1:$uncached|4"
  "suggest: typed prefix|ref-detail|suggest|/api/v1/search/suggest?q=|0|http://127.0.0.1:$uncached"
  "list: first page cached|ref-list|||0|http://127.0.0.1:$cached/api/v1/articles"
  # The same detail read, of the newest articles only (at most 100,000), as readers mostly ask: at the million the
  # archive's text (17 GB out of line) does not fit in memory, so the whole-archive rows above measure the disk too.
  "newest $newest: reference, batch + Utf8JsonWriter||detail|/ref/batch/articles/|$newest|http://127.0.0.1:$reference"
  "newest $newest: detail, API uncached|ref-newest|detail|/api/v1/articles/|$newest|http://127.0.0.1:$uncached"
)

run() { # scenario duration -> "rps p50ms p99ms"
  IFS='|' read -r _ _ mode prefix slugs url connections <<<"$1"
  MODE=$mode PREFIX=$prefix SLUGS=$slugs wrk -t2 -c"${connections:-$CONNECTIONS}" -d"$2" --latency -s bench/requests.lua "$url" |
    awk '
      function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
      /Requests\/sec/ { rps = $2 }
      /^ +50%/ { p50 = ms($2) }
      /^ +99%/ { p99 = ms($2) }
      /Non-2xx/ { bad += $NF }
      /Socket errors/ { for (i = 3; i <= NF; i += 2) { v = $(i + 1); sub(/,/, "", v); bad += v } }
      END { printf "%.0f %.2f %.2f %s\n", rps, p50, p99, bad + 0 }'
}

echo "warming up ($WARMUP each)..." >&2
# Each process and each kind of read it serves: tiered JIT and cold buffers need about 10 s of load.
for i in 0 1 2 3 4 5 6 7 8 9 11 14 16; do run "${scenarios[$i]}" "$WARMUP" >/dev/null; done

declare -A results
for round in $(seq "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  for s in "${scenarios[@]}"; do
    results["$s"]+="$(run "$s" "$DURATION");"
  done
done

median() { tr ' ' '\n' | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
declare -A strongest=([ref-detail]=0 [ref-list]=0 [ref-tag]=0 [ref-newest]=0)
figures=()
for s in "${scenarios[@]}"; do
  IFS='|' read -r name against _ <<<"$s"
  IFS=';' read -r -a runs <<<"${results[$s]}"
  rps=$(for r in "${runs[@]}"; do echo "${r%% *}"; done | median)
  p50=$(for r in "${runs[@]}"; do echo "$r" | cut -d' ' -f2; done | median)
  p99=$(for r in "${runs[@]}"; do echo "$r" | cut -d' ' -f3; done | median)
  # Every failed request of every round: a non-2xx answer, or a connect, read, write error or timeout.
  bad=$(for r in "${runs[@]}"; do echo "$r" | cut -d' ' -f4; done | awk '{ s += $1 } END { print s + 0 }')
  case "$name" in
    "detail: reference"*) [ "$rps" -gt "${strongest[ref-detail]}" ] && strongest[ref-detail]=$rps ;;
    "list: reference, newest"*) [ "$rps" -gt "${strongest[ref-list]}" ] && strongest[ref-list]=$rps ;;
    "list: reference, popular tag"*) [ "$rps" -gt "${strongest[ref-tag]}" ] && strongest[ref-tag]=$rps ;;
    "newest "*": reference"*) strongest[ref-newest]=$rps ;;
  esac
  figures+=("$name|$against|$rps|$p50|$p99|$bad")
done
# At 100,000 articles or fewer the newest-articles reference reads the very same articles as the whole-archive one:
# two measurements of one read, and the stronger of them is the yardstick of both detail rows.
if [ "$ARTICLES" -le "$newest" ]; then
  whole=${strongest[ref-detail]}; same=${strongest[ref-newest]}
  [ "$same" -gt "$whole" ] && whole=$same
  strongest[ref-detail]=$whole; strongest[ref-newest]=$whole
fi
printf '\n%-50s %10s %10s %10s %12s %6s\n' "scenario ($ARTICLES articles, $VOCABULARY)" "req/s" "p50 ms" "p99 ms" "vs strongest" "failed"
for f in "${figures[@]}"; do
  IFS='|' read -r name against rps p50 p99 bad <<<"$f"
  base=0; [ -n "$against" ] && base=${strongest[$against]}
  ratio=$(awk -v a="$rps" -v b="$base" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else print "-" }')
  printf '%-50s %10s %10s %10s %12s %6s\n' "$name" "$rps" "$p50" "$p99" "$ratio" "$bad"
done
for pid in $uncached_pid $cached_pid; do
  grep -E 'VmRSS|VmHWM' "/proc/$pid/status" | tr -s ' ' | tr '\n' ' ' | sed "s/^/API pid $pid memory: /"; echo
done
