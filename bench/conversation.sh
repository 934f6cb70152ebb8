#!/usr/bin/env bash
# The conversation benchmark, in one command:   bench/conversation.sh
# Loads ARTICLES articles (the archive generator) and COMMENTS reader comments into a local PostgreSQL
# (.data/conversation-postgres), BUSY of them top-level under one busy article (bench-000000) with REPLIES replies
# each on its newest hundred, the rest spread over the other articles; then runs wrk against the first page of the
# busy article's comments (in-process cache off, so each request reads PostgreSQL), then posts new comments to it
# (MODE=post in conversation.lua), all as one reader: the worst case, as every post by a reader is serialized.
# Knobs: ARTICLES=2000 COMMENTS=1000000 BUSY=100000 REPLIES=5 READERS=20000 DURATION=10s CONNECTIONS=32 POOL=4
# Ports: BENCH_PG_PORT=55610, BENCH_HTTP_PORT=55620.
set -euo pipefail
cd "$(dirname "$0")/.."

ARTICLES=${ARTICLES:-2000}; COMMENTS=${COMMENTS:-1000000}; BUSY=${BUSY:-100000}; REPLIES=${REPLIES:-5}
READERS=${READERS:-20000}; DURATION=${DURATION:-10s}; CONNECTIONS=${CONNECTIONS:-32}; POOL=${POOL:-4}
PORT=${BENCH_PG_PORT:-55610}; HTTP=${BENCH_HTTP_PORT:-55620}

command -v wrk >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; }
dotnet build -c Release bench/HeadlessNews.Bench -v quiet -nologo | grep -E "error|Warn" || true
api=src/HeadlessNews.Api/bin/Release/net10.0/HeadlessNews.Api.dll
tool=bench/HeadlessNews.Bench/bin/Release/net10.0/HeadlessNews.Bench.dll
sql() { psql -h 127.0.0.1 -p "$PORT" -U headlessnews -d headlessnews -v ON_ERROR_STOP=1 -qtA "$@"; }

cs="$(scripts/local-postgres.sh .data/conversation-postgres "$PORT");Maximum Pool Size=$POOL"
ConnectionStrings__HeadlessNews="$cs" dotnet "$api" migrate >/dev/null
if [ "$(sql -c "select count(*) from articles")" != "$ARTICLES" ] || [ "$(sql -c "select count(*) from comments")" -lt "$COMMENTS" ]; then
  dotnet "$tool" generate "$cs" "$ARTICLES" >&2
  echo "loading $COMMENTS comments..." >&2
  start=$(date +%s)
  # One statement per kind, generate_series into the real tables: readers, the busy article's top-level comments,
  # replies to its newest hundred, everything else spread over the other published articles; then the counters
  # the API keeps (reply_count, public_count) set from what was loaded.
  sql <<SQL
truncate comment_reports, comments, readers, article_conversations;
insert into readers (issuer, subject, display_name)
  select 'bench', 'reader-' || i, 'Reader ' || i from generate_series(1, $READERS) i;
create temp table r as select row_number() over (order by id) - 1 as n, id from readers;
create temp table a as select row_number() over (order by id) - 1 as n, id from articles where status = 'published' and slug <> 'bench-000000';
-- Keyed and analysed, so the joins below are hash joins and not nested loops over a table without statistics.
alter table r add primary key (n); alter table a add primary key (n); analyze r; analyze a;
insert into comments (article_id, reader_id, body, body_html, status, created_at)
  select (select id from articles where slug = 'bench-000000'), r.id, 'Busy thought ' || i, '<p>Busy thought ' || i || '</p>', 'approved',
         now() - make_interval(secs => i)
  from generate_series(1, $BUSY) i join r on r.n = i % $READERS;
insert into comments (article_id, parent_id, reader_id, body, body_html, status, created_at)
  select c.article_id, c.id, r.id, 'Reply ' || k, '<p>Reply ' || k || '</p>', 'approved', c.created_at + make_interval(secs => k)
  from (select id, article_id, created_at from comments order by created_at desc limit 100) c
  cross join generate_series(1, $REPLIES) k join r on r.n = k;
insert into comments (article_id, reader_id, body, body_html, status, created_at)
  select a.id, r.id, 'Thought ' || i, '<p>Thought ' || i || '</p>', 'approved', now() - make_interval(secs => i)
  from generate_series(1, $COMMENTS - $BUSY - 100 * $REPLIES) i
  join a on a.n = i % $(sql -c "select count(*) from articles where status = 'published'" | awk '{print $1 - 1}') join r on r.n = i % $READERS;
update comments p set reply_count = c.n from (select parent_id, count(*) n from comments where parent_id is not null group by 1) c where p.id = c.parent_id;
insert into article_conversations (article_id, public_count) select article_id, count(*) from comments group by 1
  on conflict (article_id) do update set public_count = excluded.public_count;
analyze comments; analyze readers; analyze article_conversations;
SQL
  echo "loaded in $(( $(date +%s) - start ))s" >&2
fi
# Comments an earlier run posted are the busy article's newest, without replies: they would change what "newest first"
# measures. Remove them, so every run reads the same page (20 comments with their first replies).
sql -c "delete from comments where reader_id in (select id from readers where issuer = 'http://localhost/bench')" >/dev/null
echo "comments: $(sql -c "select count(*) from comments"); busy article: $(sql -c "select count(*) from comments c join articles a on a.id = c.article_id where a.slug = 'bench-000000'")" >&2

# Development with the dev sign-in only to mint the benchmark reader's token; rate limits and the per-reader limit off.
ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS="http://127.0.0.1:$HTTP" ConnectionStrings__HeadlessNews="$cs" \
  HeadlessNews__RateLimits__Enabled=false HeadlessNews__Caching__InProcessSeconds=0 HeadlessNews__Comments__PerReaderPerMinute=100000000 \
  HeadlessNews__Readers__DevSignIn=true HeadlessNews__Readers__SigningKey=bench-reader-signing-key-32-bytes-long!! \
  HeadlessNews__Readers__Issuer=http://localhost/bench HeadlessNews__Readers__Audience=bench \
  Logging__LogLevel__Default=Warning dotnet "$api" >/dev/null 2>&1 &
app=$!
trap 'kill "$app" 2>/dev/null || true' EXIT
for _ in $(seq 60); do curl -sf -o /dev/null "http://127.0.0.1:$HTTP/health/ready" && break; sleep 1; done
token=$(curl -sf -X POST "http://127.0.0.1:$HTTP/dev/reader-token" -H 'Content-Type: application/json' -d '{"name":"Bench Reader"}' | sed 's/.*"token":"\([^"]*\)".*/\1/')

run() { # name mode url
  MODE=$2 TOKEN=$token wrk -t2 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/conversation.lua "$3" |
    awk -v name="$1" '
      function ms(v) { if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0; if (v ~ /s$/) return v * 1000; return v }
      /Requests\/sec/ { rps = $2 }
      /^ +50%/ { p50 = ms($2) }
      /^ +99%/ { p99 = ms($2) }
      /Non-2xx/ { bad = $NF }
      END { printf "| %s | %.0f | %.2f | %.2f | %d |\n", name, rps, p50, p99, bad + 0 }'
}
comments="http://127.0.0.1:$HTTP/api/v1/articles/bench-000000/comments"
run "warm-up" get "$comments" >/dev/null
echo "| scenario ($CONNECTIONS connections, $DURATION) | req/s | p50 ms | p99 ms | non-2xx |"
echo "|---|---|---|---|---|"
run "first page of the busy article's comments" get "$comments"
run "first page, oldest first" get "$comments?sort=oldest"
run "post a comment (one reader)" post "$comments"
