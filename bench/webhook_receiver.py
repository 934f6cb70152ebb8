"""The webhook receiver of the fault runs (bench/faults.py, bench/cluster-faults.py): a loopback HTTP server that
answers each delivery as `behaviour` says and records the event ids it accepted.

  receiver = Receiver("fails for its first 40 calls", lambda n: 500 if n <= 40 else 200)
  receiver.url      where to subscribe
  receiver.calls    deliveries received (accepted or not)
  receiver.ids      webhook-id -> the article id in the event (None when it names none), for accepted deliveries

behaviour(n) gets the delivery's number (1, 2, ...) and returns a status code, or "hang" to answer 200 after 15 s.
"""
import http.server, json, threading, time


class Receiver:
    def __init__(self, name="receiver", behaviour=lambda n: 200):
        self.name, self.behaviour, self.ids, self.calls, self.lock = name, behaviour, {}, 0, threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.calls += 1
                    calls = receiver.calls
                status = receiver.behaviour(calls)
                if status == "hang":
                    time.sleep(15)
                    status = 200
                if 200 <= status < 300:
                    try:
                        article = (json.loads(raw).get("data") or {}).get("article") or {}
                    except ValueError:
                        article = {}
                    with receiver.lock:
                        receiver.ids.setdefault(self.headers["webhook-id"], article.get("id"))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
