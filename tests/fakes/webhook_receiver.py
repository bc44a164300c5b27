#!/usr/bin/python3
"""A real HTTP receiver for the webhook tests (python3 standard library only).

Listens on 127.0.0.1:PORT (loopback only) and records every POST as DIR/req-NNNN.json,
numbered in arrival order and written whole (temporary file, rename), so a reader never
sees half a record: {"path", "headers", "body", "status", "hmac_ok"}. "body" is the raw
text as received (the test parses it, so a malformed body shows as what it was).
"status" is what this receiver answered.

--secret-file: "hmac_ok" says whether X-Sshd-Health-Signature is sha256=<hex HMAC-SHA256
of the body> under that secret (null without one).
--fail-first N: the first N requests are answered --fail-status (default 500), the rest
200, to exercise retries.
--hang-first N: the first N requests are read and never answered (the connection stays
open until the client gives up); recorded with "status": "hang".
--slow-first N: the first N requests are answered 200 at one byte a second (a slow-loris
receiver); recorded with "status": "slow" (a client that waits to the end has it, one
that times out does not).
--delay-ms MS: every answer waits MS milliseconds (a slow receiver, for the load bench).
--no-record: keep only a count of the alerts received in DIR/count (the load bench's
hundreds of thousands of requests would be as many files).
--tls-cert/--tls-key: serve HTTPS with that certificate (PEM files); a client that
refuses the certificate leaves no record.

Writes DIR/ready once it listens; exits 0 on SIGTERM.
"""
import argparse
import hashlib
import hmac
import http.server
import json
import os
import signal
import sys
import ssl
import threading
import time


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--secret-file")
    ap.add_argument("--fail-first", type=int, default=0)
    ap.add_argument("--fail-status", type=int, default=500)
    ap.add_argument("--hang-first", type=int, default=0)
    ap.add_argument("--slow-first", type=int, default=0)
    ap.add_argument("--delay-ms", type=int, default=0)
    ap.add_argument("--no-record", action="store_true")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    args = ap.parse_args()
    secret = None
    if args.secret_file:
        with open(args.secret_file, "rb") as f:
            secret = f.read().rstrip(b"\r\n")
    # Requests are served on threads (one slow client does not hold up the next), so the
    # arrival number is taken under a lock.
    lock = threading.Lock()
    state = {"n": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            with lock:
                state["n"] += 1
                n = state["n"]
            status = args.fail_status if n <= args.fail_first else 200
            if n <= args.hang_first:
                status = "hang"
            elif n <= args.slow_first:
                status = "slow"
            hmac_ok = None
            if secret is not None:
                want = "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest()
                hmac_ok = hmac.compare_digest(want, self.headers.get("X-Sshd-Health-Signature", ""))
            record = {"path": self.path, "headers": {k: v for k, v in self.headers.items()},
                      "body": body.decode("utf-8", "replace"), "status": status, "hmac_ok": hmac_ok}
            if args.delay_ms:
                time.sleep(args.delay_ms / 1000.0)
            if args.no_record:
                parsed = json.loads(body)
                with lock:
                    state["alerts"] = state.get("alerts", 0) + (len(parsed) if isinstance(parsed, list) else 1)
                    with open(os.path.join(args.dir, "count.tmp"), "w") as f:
                        f.write("%d %d\n" % (state["alerts"], n))
                    os.rename(os.path.join(args.dir, "count.tmp"), os.path.join(args.dir, "count"))
            else:
                name = os.path.join(args.dir, "req-%04d.json" % n)
                with open(name + ".tmp", "w", encoding="utf-8") as f:
                    json.dump(record, f)
                os.rename(name + ".tmp", name)
            if status == "hang":
                threading.Event().wait()  # until the client hangs up (or we are killed)
            if status == "slow":
                reply = (b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n"
                         b"Content-Length: 3\r\n\r\nok\n")
                try:
                    for i in range(len(reply)):
                        self.wfile.write(reply[i:i + 1])
                        self.wfile.flush()
                        time.sleep(1)
                except OSError:
                    pass  # the client gave up, as it should
                self.close_connection = True
                return
            reply = b"ok\n" if status == 200 else b"try later\n"
            self.send_response(status)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, *a):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    server.daemon_threads = True  # a hanging request does not keep SIGTERM from exiting
    if args.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls_cert, args.tls_key)
        # The handshake happens on the request's thread (a failed one ends that request
        # only), not in accept().
        server.socket = ctx.wrap_socket(server.socket, server_side=True,
                                        do_handshake_on_connect=False)
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(0))
    open(os.path.join(args.dir, "ready"), "w").close()
    server.serve_forever()


if __name__ == "__main__":
    main()
