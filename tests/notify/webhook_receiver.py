#!/usr/bin/python3
"""Webhook receiver for the notify tests (python3 standard library only).

Listens on 127.0.0.1:PORT and records every POST as DIR/req-NNNN.json:
{"path", "headers", "body", "status", "hmac_ok"}. With --secret-file, hmac_ok says
whether X-Sshd-Health-Signature is sha256=<hex HMAC-SHA256 of the body>. With
--fail-first N the first N requests are answered --fail-status (default 500), the rest
200. Writes DIR/ready once it listens.
"""
import argparse
import hashlib
import hmac
import http.server
import json
import os


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--secret-file")
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--fail-status", type=int, default=500)
    args = ap.parse_args()
    secret = None
    if args.secret_file:
        with open(args.secret_file, "rb") as f:
            secret = f.read().rstrip(b"\r\n")
    state = {"n": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            state["n"] += 1
            status = args.fail_status if state["n"] <= args.fail_first else 200
            hmac_ok = None
            if secret is not None:
                want = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
                hmac_ok = hmac.compare_digest(want, self.headers.get("X-Sshd-Health-Signature", ""))
            record = {"path": self.path, "headers": {k: v for k, v in self.headers.items()},
                      "body": body.decode("utf-8", "replace"), "status": status, "hmac_ok": hmac_ok}
            name = os.path.join(args.dir, "req-%04d.json" % state["n"])
            with open(name + ".tmp", "w") as f:
                json.dump(record, f)
            os.rename(name + ".tmp", name)
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok\n" if status == 200 else b"try later\n")

        def log_message(self, *a):
            pass

    server = http.server.HTTPServer(("127.0.0.1", args.port), Handler)
    open(os.path.join(args.dir, "ready"), "w").close()
    server.serve_forever()


if __name__ == "__main__":
    main()
