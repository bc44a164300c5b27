#!/usr/bin/env python3
"""Load bench of the live daemon (issue 18; not part of `make test`; numbers in README.md
"Reliability"): RATE lines/s for SECONDS through the file source, alerts to a slow
webhook (webhook_receiver.py --delay-ms), and what happens to memory and the backlog.

The lines are failed logins from ADDRESSES distinct addresses (each in its own stretch of
the run, so alerts arrive evenly), under a
threshold-1 rule grouped by address with a cooldown longer than the run: one alert per
address, so the webhook gets exactly ADDRESSES alerts however many lines there are.
Measured:
  - lines written vs lines the daemon read (sshd_health_lines_total on its metrics port);
  - alerts the webhook answered 200 vs ADDRESSES (lost = fewer, duplicates = more);
  - the daemon's RSS every second (start, peak, end) and its spooled backlog;
  - how long after the last line the daemon had read everything, and the webhook had
    every alert (the backlog drained).

Usage: load_bench.py BINARY [--rate 100000] [--seconds 60] [--addresses 20000]
                            [--delay-ms 200]
"""
import argparse
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import daemon_bench  # noqa: E402  (shared helpers: start, stop, rss_kib, ip_of)

FAKES = os.path.join(os.path.dirname(HERE), "fakes")

RULE = """rules:
  - id: bench.load
    description: one alert per address (load bench rule)
    match: { kinds: [auth_failure] }
    group_by: ip
    threshold: 1
    window: 10m
    cooldown: 1h
    severity: warning
    summary: "failed logins from {ip}"
    remedy: "none"
"""


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def metric(port, name):
    try:
        text = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5).read().decode()
    except OSError:
        return None
    total = 0
    found = False
    for line in text.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            total += float(line.rsplit(" ", 1)[1])
            found = True
    return total if found else None


def received(hook_dir):
    try:
        with open(os.path.join(hook_dir, "count")) as f:
            alerts, requests = f.read().split()
            return int(alerts), int(requests)
    except (OSError, ValueError):
        return 0, 0


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--rate", type=int, default=100000)
    ap.add_argument("--seconds", type=int, default=60)
    ap.add_argument("--addresses", type=int, default=20000)
    ap.add_argument("--delay-ms", type=int, default=200)
    ap.add_argument("--drain-timeout", type=int, default=300)
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        rules = os.path.join(tmp, "rules")
        os.mkdir(rules)
        with open(os.path.join(rules, "bench.yaml"), "w") as f:
            f.write(RULE)
        log = os.path.join(tmp, "auth.log")
        open(log, "w").close()
        hook_dir = os.path.join(tmp, "hook")
        os.mkdir(hook_dir)
        hook_port = free_port()
        hook = subprocess.Popen([sys.executable, os.path.join(FAKES, "webhook_receiver.py"),
                                 "--port", str(hook_port), "--dir", hook_dir,
                                 "--delay-ms", str(args.delay_ms), "--no-record"])
        while not os.path.exists(os.path.join(hook_dir, "ready")):
            time.sleep(0.02)
        metrics_port = free_port()
        cfg = daemon_bench.config(tmp, log, rules).replace(
            "    - { name: out, type: stdout }\n",
            f"    - {{ name: hook, type: webhook, url: \"http://127.0.0.1:{hook_port}/hook\" }}\n")
        cfg += f"metrics: {{ listen: \"127.0.0.1:{metrics_port}\" }}\n"
        p = daemon_bench.start(args.binary, tmp, cfg, stdout=subprocess.DEVNULL)
        rss_start = daemon_bench.rss_kib(p.pid)

        # 100 writes a second of RATE/100 lines each. Line i comes from address
        # i * ADDRESSES / total, so new addresses (alerts) arrive evenly through the run,
        # as an attack wave would, not all in its first second.
        per_write = max(1, args.rate // 100)
        total = per_write * 100 * args.seconds
        stamp = time.strftime("%b %e %H:%M:%S")
        by_address = [(f"{stamp} benchhost sshd[{1000 + a % 30000}]: Failed password for root from "
                       f"{daemon_bench.ip_of(a)} port {1024 + a % 60000} ssh2\n").encode()
                      for a in range(args.addresses)]

        def chunk(k):
            first = k * per_write
            return b"".join(by_address[(i * args.addresses) // total]
                            for i in range(first, first + per_write))

        fd = os.open(log, os.O_WRONLY | os.O_APPEND)
        written = 0
        rss_peak = rss_start
        samples = []
        t0 = time.perf_counter()
        next_at = t0
        next_sample = t0
        k = 0
        behind = 0.0
        while next_at - t0 < args.seconds:
            os.write(fd, chunk(k))
            k += 1
            written += per_write
            next_at += 0.01
            now = time.perf_counter()
            if now >= next_sample:
                rss = daemon_bench.rss_kib(p.pid)
                rss_peak = max(rss_peak, rss)
                samples.append((round(now - t0), rss))
                next_sample += 1
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            else:
                behind = max(behind, -delay)
        os.close(fd)
        write_s = time.perf_counter() - t0
        t_end = time.perf_counter()

        # Drain: every line read, every alert delivered.
        read_s = drained_s = None
        lines_read = 0
        deadline = t_end + args.drain_timeout
        while time.perf_counter() < deadline:
            lines_read = metric(metrics_port, "sshd_health_lines_total") or 0
            got, _ = received(hook_dir)
            now = time.perf_counter()
            rss_peak = max(rss_peak, daemon_bench.rss_kib(p.pid))
            if read_s is None and lines_read >= written:
                read_s = now - t_end
            if got >= args.addresses and read_s is not None:
                drained_s = now - t_end
                break
            time.sleep(0.1)
        spooled = metric(metrics_port, "sshd_health_alerts_spooled")
        dropped = metric(metrics_port, "sshd_health_alerts_dropped_total")
        rss_end = daemon_bench.rss_kib(p.pid)
        cpu = daemon_bench.cpu_seconds(p.pid)
        daemon_bench.stop(p)
        time.sleep(0.5)
        got, requests = received(hook_dir)
        hook.send_signal(signal.SIGTERM)
        hook.wait(timeout=10)

    print(f"load: {written} lines in {write_s:.1f} s ({written / write_s:,.0f} lines/s; the writer "
          f"fell behind its schedule by at most {behind * 1000:.0f} ms)")
    print(f"  read: {int(lines_read)} of {written} lines"
          + (f", all read {read_s:.1f} s after the last was written" if read_s is not None else ", NOT all read"))
    print(f"  webhook ({args.delay_ms} ms per answer): {got} of {args.addresses} alerts in {requests} "
          f"requests; lost {max(0, args.addresses - got)}, duplicates {max(0, got - args.addresses)}"
          + (f"; backlog drained {drained_s:.1f} s after the last line" if drained_s is not None else "; backlog NOT drained"))
    print(f"  spooled at the end: {spooled}, dropped: {dropped}")
    print(f"  RSS: {rss_start / 1024:.1f} MiB at start, peak {rss_peak / 1024:.1f} MiB, "
          f"{rss_end / 1024:.1f} MiB at the end; daemon CPU {cpu:.1f} s")
    print("  RSS by second: " + " ".join(f"{t}s:{r // 1024}M" for t, r in samples[::10]))
    ok = lines_read >= written and got == args.addresses and drained_s is not None
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
