#!/usr/bin/env python3
"""The operator's fault run, in one command:   bench/faults.sh   (which builds the API and runs this)

Starts PostgreSQL and the API on loopback, webhook receivers that answer 200, fail for a while, hang for a while or
answer 410, and then:
  1. a burst of keyed creates (Idempotency-Key) with the API killed (SIGKILL) in the middle and restarted; every
     request not acknowledged is retried with its own key until it is;
  2. the same burst with PostgreSQL stopped for a few seconds and started again;
  3. every article published, and the receivers given time to catch up.
It prints: acknowledged writes lost, duplicates, stuck keys (a retry refused with 409 after the claim's lease), 5xx
other than 503, seconds until writes succeed again after each fault, and webhook events lost per receiver.
"""
import http.client, json, os, signal, subprocess, sys, threading, time, urllib.error, urllib.request, uuid
from concurrent.futures import ThreadPoolExecutor
from webhook_receiver import Receiver

API_DLL, CS, PG_DATA, PG_PORT = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
PG_SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "scripts", "local-postgres.sh")
API_PORT, KEY = int(os.environ.get("API_PORT", "5185")), "faults-admin"
API = f"http://127.0.0.1:{API_PORT}"
WORKERS, PER_PHASE = 8, int(os.environ.get("PER_PHASE", "1000"))


def request(method, path, body=None, headers=None, timeout=30):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(API + path, data=data, method=method,
                                 headers={"Authorization": f"Bearer {KEY}", "Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read(), dict(r.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)
    except (urllib.error.URLError, http.client.HTTPException, ConnectionError, TimeoutError, OSError):
        return None, b"", {}  # no answer (or half of one): the write is not acknowledged


# --- receivers (bench/webhook_receiver.py) -------------------------------------------------------------------
receivers = [
    Receiver("healthy", lambda n: 200),
    Receiver("fails for its first 40 calls", lambda n: 500 if n <= 40 else 200),
    Receiver("hangs on its first 3 calls", lambda n: "hang" if n <= 3 else 200),
    Receiver("answers 410", lambda n: 410),
]

# --- processes -------------------------------------------------------------------------------------------------
api = None


def start_api():
    global api
    env = dict(os.environ, ASPNETCORE_URLS=API, ConnectionStrings__HeadlessNews=CS, HeadlessNews__BootstrapAdminKey=KEY,
               HeadlessNews__RateLimits__Enabled="false", HeadlessNews__Webhooks__AllowLoopback="true",
               HeadlessNews__Webhooks__BackoffSeconds="1", HeadlessNews__Webhooks__MaxBackoffSeconds="3",
               HeadlessNews__Webhooks__AttemptTimeoutSeconds="2", HeadlessNews__Webhooks__MaxAttempts="100",
               HeadlessNews__Idempotency__LeaseSeconds="5", Logging__LogLevel__Default="Warning")
    log = open(os.path.join(os.path.dirname(PG_DATA), "bench-faults-api.log"), "a")
    api = subprocess.Popen(["dotnet", API_DLL], env=env, stdout=log, stderr=subprocess.STDOUT)
    deadline = time.time() + 60
    while time.time() < deadline:
        if request("GET", "/health/ready", timeout=2)[0] == 200:
            return
        time.sleep(0.2)
    sys.exit("the API did not become ready")


def pg(action):
    subprocess.run([PG_SCRIPT, PG_DATA, PG_PORT] + (["stop"] if action == "stop" else []),
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# --- a burst of keyed creates with a fault in the middle ---------------------------------------------------------
acknowledged, acknowledged_at, statuses, stuck = {}, [], {}, []


def create_until_acknowledged(slug):
    key, sent_at = str(uuid.uuid4()), time.time()
    while True:
        status, body, headers = request("POST", "/api/v1/manage/articles", {"slug": slug, "title": slug.replace("-", " ")},
                                        {"Idempotency-Key": key})
        statuses[status] = statuses.get(status, 0) + 1
        if status == 201:
            acknowledged[slug] = json.loads(body)["id"]
            acknowledged_at.append(time.time())
            return
        if status == 409 and time.time() - sent_at > 15:
            stuck.append(slug)  # a claim still "in progress" well after its lease: the key is stuck
            return
        if status is not None and status not in (409, 503):
            print(f"  {slug}: unexpected {status} {body[:200]!r}")
            return
        time.sleep(0.2)


def burst(name, fault, prefix):
    print(f"== {name}")
    recovered = {}

    def injector():
        # Mid-burst: once a tenth of it has been acknowledged.
        while len([s for s in acknowledged if s.startswith(prefix)]) < PER_PHASE // 10:
            time.sleep(0.01)
        recovered["during"] = len([s for s in acknowledged if s.startswith(prefix)])
        recovered["fault_at"] = fault()

    thread = threading.Thread(target=injector)
    thread.start()
    with ThreadPoolExecutor(WORKERS) as pool:
        list(pool.map(create_until_acknowledged, [f"{prefix}-{i}" for i in range(PER_PHASE)]))
    thread.join()
    print(f"  the fault came after {recovered['during']} of {PER_PHASE} creates were acknowledged")
    return recovered["fault_at"]


def kill_and_restart():
    api.send_signal(signal.SIGKILL)
    api.wait()
    killed = time.time()
    start_api()
    return killed


def stop_and_start_database():
    pg("stop")
    time.sleep(3)
    pg("start")
    return time.time()


def seconds_until_a_write_succeeds(since):
    """From the moment the fault ended to the first create of the burst acknowledged after it."""
    return min(t for t in acknowledged_at if t >= since) - since


start_api()
for r in receivers:
    status, body, _ = request("POST", "/api/v1/manage/webhooks", {"url": r.url, "events": ["article.published"]})
    if status != 201:
        sys.exit(f"subscribing {r.url} failed: {status} {body[:300]!r}")

killed_at = burst("API killed (SIGKILL) mid-burst, restarted", kill_and_restart, "kill")
print(f"  writes succeed again {seconds_until_a_write_succeeds(killed_at):.1f} s after the kill (process start included)")
db_back_at = burst("PostgreSQL stopped for 3 s mid-burst, started again", stop_and_start_database, "db")
print(f"  writes succeed again {seconds_until_a_write_succeeds(db_back_at):.2f} s after PostgreSQL accepted connections")

# Every acknowledged article must exist exactly once.
status, body, _ = request("GET", "/api/v1/manage/export")
stored = [json.loads(line) for line in body.decode().splitlines() if line.strip()]
by_slug = {}
for a in stored:
    by_slug.setdefault(a["slug"], []).append(a["id"])
lost = [s for s, i in acknowledged.items() if by_slug.get(s) != [i]]
titles = {}
for a in stored:
    titles[a["title"]] = titles.get(a["title"], 0) + 1

# Publish everything acknowledged: one article.published each, to every receiver.
print("== publishing every acknowledged article; waiting for the receivers")
published = 0
for slug, article_id in acknowledged.items():
    status, body, headers = request("GET", f"/api/v1/manage/articles/{article_id}")
    if status == 200 and request("POST", f"/api/v1/manage/articles/{article_id}/publish", None, {"If-Match": headers["ETag"]})[0] == 200:
        published += 1
deadline = time.time() + 120
while time.time() < deadline and any(len(r.ids) < published for r in receivers[:3]):
    time.sleep(0.5)

print()
print(f"acknowledged creates: {len(acknowledged)} of {2 * PER_PHASE}; statuses seen: "
      + ", ".join(f"{k or 'no answer'}×{v}" for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0]))))
print(f"acknowledged writes lost: {len(lost)}")
print(f"duplicates (an article stored twice): {sum(n - 1 for n in titles.values() if n > 1)}")
print(f"stuck keys (409 long after the lease): {len(stuck)}")
print(f"5xx other than 503: {sum(v for k, v in statuses.items() if k and k >= 500 and k != 503)}")
for r in receivers:
    print(f"webhook receiver '{r.name}': {len(r.ids)} of {published} events received"
          + ("" if r.name != "answers 410" else " (its subscription is disabled at the first 410; the events wait, paused)"))
api.send_signal(signal.SIGTERM)
api.wait()
