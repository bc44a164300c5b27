#!/usr/bin/python3
"""A real HTTP receiver for tests: records every POST on 127.0.0.1.

Each request becomes one JSON line in OUT: {"path", "headers", "body"} where body is the
parsed JSON when it parses, else the raw text. With --fail-first N the first N requests
get HTTP 500 (to exercise retries). Stops on SIGTERM. Loopback only.
"""
import argparse
import json
import signal
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--fail-first", type=int, default=0)
    args = ap.parse_args()
    state = {"seen": 0}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            raw = self.rfile.read(length)
            state["seen"] += 1
            if state["seen"] <= args.fail_first:
                self.send_response(500)
                self.end_headers()
                return
            try:
                body = json.loads(raw)
            except ValueError:
                body = raw.decode("utf-8", "replace")
            record = {"path": self.path, "headers": dict(self.headers), "body": body}
            with open(args.out, "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *a):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    with open(args.out + ".ready", "w") as f:
        f.write("ready\n")
    server.serve_forever()


if __name__ == "__main__":
    main()
