#!/usr/bin/env python3
"""Plays systemd's part for a Type=notify service, on a machine without systemd.

    notify_probe.py -- COMMAND...

Starts COMMAND with NOTIFY_SOCKET pointing at a datagram socket of ours and
WATCHDOG_USEC set, as systemd does for sshd-health.service, then checks the unit's
contract, each step with a deadline:
  READY=1; WATCHDOG=1 keep-alives; on SIGHUP RELOADING=1 then READY=1 again;
  on SIGTERM STOPPING=1 and exit status 0.
Prints each step; exits 1 on the first failure.
"""
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

WATCHDOG_USEC = 2_000_000  # the daemon should ping every second


def main() -> int:
    if len(sys.argv) < 3 or sys.argv[1] != "--":
        print(__doc__, file=sys.stderr)
        return 2
    command = sys.argv[2:]
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "notify")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        sock.bind(path)
        env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC=str(WATCHDOG_USEC))
        proc = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL,
                                stderr=open(os.path.join(tmp, "stderr"), "w"))
        received = []

        def wait_for(word: str, timeout: float) -> bool:
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if any(word in m.split("\n") for m in received):
                    return True
                if proc.poll() is not None and word != "exit":
                    return False
                sock.settimeout(max(0.01, min(0.2, deadline - time.monotonic())))
                try:
                    received.append(sock.recv(4096).decode(errors="replace"))
                except socket.timeout:
                    pass
            return False

        def fail(what: str) -> int:
            print(f"FAIL: {what}; messages: {received}", file=sys.stderr)
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            with open(os.path.join(tmp, "stderr")) as err:
                sys.stderr.write(err.read()[-3000:])
            return 1

        if not wait_for("READY=1", 30):
            return fail("no READY=1 within 30 s")
        print("ok: READY=1")
        received.clear()
        if not wait_for("WATCHDOG=1", 10):
            return fail("no WATCHDOG=1 within 10 s (WatchdogSec)")
        print("ok: WATCHDOG=1")
        received.clear()
        proc.send_signal(signal.SIGHUP)
        if not wait_for("RELOADING=1", 20):
            return fail("no RELOADING=1 after SIGHUP")
        if not wait_for("READY=1", 20):
            return fail("no READY=1 after the reload")
        print("ok: SIGHUP -> RELOADING=1, READY=1")
        received.clear()
        proc.send_signal(signal.SIGTERM)
        if not wait_for("STOPPING=1", 20):
            return fail("no STOPPING=1 after SIGTERM")
        try:
            status = proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            return fail("still running 20 s after SIGTERM")
        if status != 0:
            return fail(f"exit status {status} after SIGTERM")
        print("ok: SIGTERM -> STOPPING=1, exit 0")
        return 0


if __name__ == "__main__":
    sys.exit(main())
