#!/usr/bin/env python3
"""Fault runs on the production shape, in one command:   bench/cluster-faults.sh   (starts scripts/run-cluster.sh, runs this)

  1. api1 killed (SIGKILL) under a write load (keyed creates, retried with their key until acknowledged) and a read
     load, both through the edge; restarted after 5 s. Then every acknowledged article is published and a webhook
     receiver must get each article.published once. Reports: acknowledged writes lost, written twice, events lost,
     non-2xx reads.
  2. the standby stopped for 5 s and started again under a read load straight at both instances: non-200 reads.
  3. the primary stopped for 8 s under reads (direct and through the edge) and writes: writes must answer 503 with
     Retry-After, reads 200; then everything must recover without restarting anything.
Arguments: edge api1 api2 admin-key. Knob: PER_PHASE=500 (creates in phase 1), SLUGS=100000 (bench-NNNNNN articles).
"""
import http.client, json, os, random, subprocess, sys, threading, time, urllib.error, urllib.request, uuid
from concurrent.futures import ThreadPoolExecutor
from webhook_receiver import Receiver

EDGE, API1, API2, KEY = sys.argv[1:5]
CLUSTER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "run-cluster.sh")
PER_PHASE, SLUGS = int(os.environ.get("PER_PHASE", "500")), int(os.environ.get("SLUGS", "100000"))


def request(base, method, path, body=None, headers=None, timeout=30, key=True):
    data = json.dumps(body).encode() if body is not None else None
    h = {"Content-Type": "application/json", **(headers or {})}
    if key:
        h["Authorization"] = f"Bearer {KEY}"
    req = urllib.request.Request(base + path, data=data, method=method, headers=h)
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError, OSError):
        return None, b"", {}


def cluster(*args):
    subprocess.run([CLUSTER, *args], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


class Readers:
    """Threads reading random articles from the given bases until stopped; counts answers by status."""

    def __init__(self, bases, threads=4):
        self.bases, self.statuses, self.stop, self.lock = bases, {}, False, threading.Lock()
        self.threads = [threading.Thread(target=self.run) for _ in range(threads)]
        [t.start() for t in self.threads]

    def run(self):
        while not self.stop:
            base = random.choice(self.bases)
            status = request(base, "GET", f"/api/v1/articles/bench-{random.randrange(SLUGS):06d}", timeout=10, key=False)[0]
            with self.lock:
                by_base = self.statuses.setdefault("edge" if base == EDGE else "direct", {})
                by_base[status] = by_base.get(status, 0) + 1

    def finish(self):
        """Answers by status, through the edge and straight at the instances: "edge: 200x1000; direct: 200x990, 503x1"."""
        self.stop = True
        [t.join() for t in self.threads]
        return "; ".join(f"{where}: {summary(self.statuses[where])}" for where in ("edge", "direct") if where in self.statuses)


def summary(statuses):
    return ", ".join(f"{k or 'no answer'}x{v}" for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0])))


receiver = Receiver()
status, body, _ = request(EDGE, "POST", "/api/v1/manage/webhooks", {"url": receiver.url, "events": ["article.published"]})
if status != 201:
    sys.exit(f"subscribing failed: {status} {body[:300]!r}")

# --- 1. api1 killed under load through the edge ------------------------------------------------------------------
print("== 1. api1 killed (SIGKILL) under writes and reads through the edge; restarted 5 s later")
acknowledged, statuses, lock = {}, {}, threading.Lock()


def create_until_acknowledged(slug):
    key = str(uuid.uuid4())
    for _ in range(600):
        status, body, _ = request(EDGE, "POST", "/api/v1/manage/articles", {"slug": slug, "title": slug.replace("-", " ")}, {"Idempotency-Key": key})
        with lock:
            statuses[status] = statuses.get(status, 0) + 1
        if status == 201:
            acknowledged[slug] = json.loads(body)["id"]
            return
        if status is not None and status not in (409, 502, 503):
            print(f"  {slug}: unexpected {status} {body[:200]!r}")
            return
        time.sleep(0.2)


readers = Readers([EDGE])
prefix = f"kill-{uuid.uuid4().hex[:6]}"


def injector():
    while len(acknowledged) < PER_PHASE // 10:
        time.sleep(0.01)
    cluster("kill-api", "1")
    time.sleep(5)
    cluster("start-api", "1")


fault = threading.Thread(target=injector)
fault.start()
with ThreadPoolExecutor(8) as pool:
    list(pool.map(create_until_acknowledged, [f"{prefix}-{i}" for i in range(PER_PHASE)]))
fault.join()
reads = readers.finish()
status, body, _ = request(API2, "GET", "/api/v1/manage/export", timeout=300)
stored = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
by_title = {}
for a in stored:
    if a["slug"].startswith(prefix):
        by_title.setdefault(a["title"], []).append(a["id"])
lost = [s for s, i in acknowledged.items() if by_title.get(s.replace("-", " ")) != [i]]
twice = sum(len(v) - 1 for v in by_title.values() if len(v) > 1)
published = set()
for slug, article_id in acknowledged.items():
    s, _, headers = request(EDGE, "GET", f"/api/v1/manage/articles/{article_id}")
    if s == 200 and request(EDGE, "POST", f"/api/v1/manage/articles/{article_id}/publish", None, {"If-Match": headers["ETag"]})[0] == 200:
        published.add(article_id)
deadline = time.time() + 60
while time.time() < deadline and not published <= set(receiver.ids.values()):
    time.sleep(0.5)
print(f"  acknowledged creates {len(acknowledged)} of {PER_PHASE}; write answers: {summary(statuses)}")
print(f"  acknowledged writes lost: {len(lost)}; written twice: {twice}")
print(f"  published {len(published)}; article.published events received for {len(published & set(receiver.ids.values()))} of them "
      f"({receiver.calls} deliveries, {len(receiver.ids)} distinct event ids)")
print(f"  reads meanwhile: {reads}")

# --- 2. the standby stopped and restarted under reads -----------------------------------------------------------------
print("== 2. the standby stopped for 5 s, then started, under reads straight at both instances")
readers = Readers([API1, API2])
time.sleep(3)
cluster("stop-standby")
time.sleep(5)
cluster("start-standby")
time.sleep(4)
print(f"  reads: {readers.finish()}")

# --- 3. the primary stopped -------------------------------------------------------------------------------------------
print("== 3. the primary stopped for 8 s under reads (direct and through the edge) and writes through the edge")
readers = Readers([API1, API2, EDGE])
writes, retry_after_missing, state = {}, [0], {"stop": False, "down_at": None, "up_at": None, "first_ok_after": None}


def write_loop():
    while not state["stop"]:
        slug = f"outage-{uuid.uuid4().hex[:12]}"
        status, _, headers = request(EDGE, "POST", "/api/v1/manage/articles", {"slug": slug, "title": slug}, timeout=10)
        with lock:
            phase = "down" if state["down_at"] and not state["up_at"] else "up"
            writes[(phase, status)] = writes.get((phase, status), 0) + 1
            if status == 503 and "Retry-After" not in headers:
                retry_after_missing[0] += 1
            if status == 201 and state["up_at"] and not state["first_ok_after"]:
                state["first_ok_after"] = time.time()
        time.sleep(0.05)


writers = [threading.Thread(target=write_loop) for _ in range(2)]
[w.start() for w in writers]
time.sleep(2)
cluster("stop-primary")
state["down_at"] = time.time()
time.sleep(8)
cluster("start-primary")
state["up_at"] = time.time()
deadline = time.time() + 30
while not state["first_ok_after"] and time.time() < deadline:
    time.sleep(0.1)
time.sleep(2)
state["stop"] = True
[w.join() for w in writers]
reads = readers.finish()
print(f"  writes while the primary was down: {summary({k[1]: v for k, v in writes.items() if k[0] == 'down'})}; "
      f"503 without Retry-After: {retry_after_missing[0]}")
print(f"  writes otherwise: {summary({k[1]: v for k, v in writes.items() if k[0] == 'up'})}")
if state["first_ok_after"]:
    print(f"  writes succeed again {state['first_ok_after'] - state['up_at']:.2f} s after the primary was started (no restarts)")
else:
    print("  writes did NOT recover within 30 s")
print(f"  reads: {reads}")
