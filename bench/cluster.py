#!/usr/bin/env python3
"""Figures for the production shape, in one command:   bench/cluster.sh   (which starts scripts/run-cluster.sh and runs this)

  1. article reads through the edge (Varnish): a hot set of HOT articles, and random ones of ARTICLES;
  2. the same random reads straight at one instance, and at both instances at once (their sum);
  3. replica lag while a write load runs (creates through one instance);
  4. purge-to-visible: from a write's answer to the edge showing its effect (unpublish -> 404, publish -> 200).
Arguments: edge api1 api2 primary-port admin-key. Knobs: DURATION=10s CONNECTIONS=32 HOT=1000 ARTICLES=100000.
"""
import json, os, re, statistics, subprocess, sys, threading, time, urllib.error, urllib.request, uuid

EDGE, API1, API2, PRIMARY_PORT, KEY = sys.argv[1:6]
DURATION, CONNECTIONS = os.environ.get("DURATION", "10s"), int(os.environ.get("CONNECTIONS", "32"))
HOT, ARTICLES = int(os.environ.get("HOT", "1000")), int(os.environ.get("ARTICLES", "100000"))
LUA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "requests.lua")


def wrk(url, slugs, connections=CONNECTIONS):
    # Clients of a news site (browsers, CDNs) accept gzip: the edge keeps gzipped bodies and the API compresses.
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{DURATION}", "--latency", "-H", "Accept-Encoding: gzip", "-s", LUA, url],
                         env=dict(os.environ, MODE="detail", SLUGS=str(slugs), PREFIX="/api/v1/articles/"),
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p99 = re.search(r"99%\s+(\S+)", out).group(1)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return rps, p99, int(errors.group(1)) if errors else 0


def show(name, result):
    rps, p99, errors = result
    print(f"  {name:<44} {rps:>9.0f} req/s   p99 {p99:>8}   non-2xx {errors}")


def request(base, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method,
                                 headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def anonymous(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers)


def psql(sql):
    return subprocess.run(["psql", "-h", "127.0.0.1", "-p", PRIMARY_PORT, "-U", "headlessnews", "-d", "headlessnews", "-tAc", sql],
                          capture_output=True, text=True, check=True).stdout.strip()


ONLY = os.environ.get("ONLY", "reads,lag,purge").split(",")
if "reads" in ONLY:
    print("== reads (wrk, %s, %d connections)" % (DURATION, CONNECTIONS))
    # Warm the edge's hot set first: the figure is for a hot cache.
    wrk(EDGE, HOT)
    show(f"edge, hot set of {HOT}", wrk(EDGE, HOT))
    show(f"edge, random of {ARTICLES}", wrk(EDGE, ARTICLES))
    show(f"one instance direct, random of {ARTICLES}", wrk(API1, ARTICLES))
    results = [None, None]


    def run(i, url):
        results[i] = wrk(url, ARTICLES, CONNECTIONS // 2)


    threads = [threading.Thread(target=run, args=(i, u)) for i, u in enumerate([API1, API2])]
    [t.start() for t in threads]
    [t.join() for t in threads]
    show(f"two instances direct (sum), random of {ARTICLES}", (results[0][0] + results[1][0], f"{results[0][1]}/{results[1][1]}", results[0][2] + results[1][2]))
    show(f"one instance direct, hot set of {HOT}", wrk(API1, HOT))

if "lag" in ONLY:
    print("== replica lag under a write load (8 writers creating drafts through api1 for 15 s)")
    stop, created, lags = time.time() + 15, [0], []


    def writer():
        while time.time() < stop:
            slug = f"lag-{uuid.uuid4().hex[:16]}"
            if request(API1, "POST", "/api/v1/manage/articles", {"slug": slug, "title": slug, "bodyMarkdown": "x " * 400})[0] == 201:
                created[0] += 1


    writers = [threading.Thread(target=writer) for _ in range(8)]
    [w.start() for w in writers]
    while time.time() < stop:
        row = psql("select coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0) || ' ' || "
                   "coalesce(extract(epoch from replay_lag) * 1000, 0) from pg_stat_replication limit 1")
        if row:
            lags.append(tuple(float(x) for x in row.split()))
        time.sleep(0.1)
    [w.join() for w in writers]
    if lags:
        bytes_, ms = [l[0] for l in lags], [l[1] for l in lags]
        print(f"  {created[0] / 15:.0f} writes/s; replay lag median {statistics.median(ms):.1f} ms, max {max(ms):.1f} ms; "
              f"bytes behind median {statistics.median(bytes_):.0f}, max {max(bytes_):.0f} ({len(lags)} samples)")

if "purge" in ONLY:
    print("== purge-to-visible through the edge (20 unpublish/publish pairs on cached articles)")
    times = []
    for i in range(int(os.environ.get("PURGES", "20"))):
        slug = f"bench-{i * 37:06d}"
        status, body, headers = request(API1, "GET", f"/api/v1/manage/articles?limit=1&q={slug}")
        article = next((a for a in json.loads(body)["items"] if a["slug"] == slug), None) if status == 200 else None
        if article is None:
            status, body, headers = request(API1, "GET", f"/api/v1/articles/{slug}")
            article = json.loads(body)
        article_id = article["id"]
        for action, expect in (("unpublish", 404), ("publish", 200)):
            for _ in range(2):
                anonymous(f"{EDGE}/api/v1/articles/{slug}")  # cached at the edge
            status, body, headers = request(API1, "GET", f"/api/v1/manage/articles/{article_id}")
            status, body, _ = request(EDGE, "POST", f"/api/v1/manage/articles/{article_id}/{action}", None, {"If-Match": headers["ETag"]})
            if status != 200:
                print(f"  {action} {slug}: {status} {body[:200]!r}")
                continue
            answered = time.time()
            seen, timeline = None, []
            while (seen := anonymous(f"{EDGE}/api/v1/articles/{slug}"))[0] != expect:
                step = (seen[0], seen[1].get("X-Cache"), seen[1].get("Age"), seen[1].get("Cache-Control", "")[:16])
                if not timeline or timeline[-1][1:] != step:
                    timeline.append((round((time.time() - answered) * 1000),) + step)
                if time.time() - answered > 10:
                    break
            times.append((time.time() - answered) * 1000)
            if times[-1] > 1000:
                print(f"  slow: {action} {slug} took {times[-1]:.0f} ms; the edge still answered {seen[0]} "
                      f"(X-Cache {seen[1].get('X-Cache')}, Age {seen[1].get('Age')}, Cache-Control {seen[1].get('Cache-Control')}); {timeline[:8]}")
    times.sort()
    print(f"  {len(times)} writes: median {statistics.median(times):.1f} ms, p95 {times[int(len(times) * 0.95) - 1]:.1f} ms, max {times[-1]:.1f} ms")
