#!/usr/bin/env python3
"""The first_seen memory under 1,000,000 distinct keys (not part of `make test`).

The live daemon reads 1,000,000 "Accepted password" lines, each a new (user, /24) pair
for sshd.auth.new_source, with the shipped rules; once it has read them and saved its
state (the 15 s tick), it prints the daemon's RSS, the size of state_dir/first-seen and
the keys it holds: the memory must stay at the rule's max_keys (100,000), the oldest
forgotten.

Usage: first_seen_bench.py BINARY [--lines N]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from daemon_bench import SRC, config, ip_of, rss_kib, start, stop  # noqa: E402


def line(i):
    stamp = time.strftime("%b %e %H:%M:%S", time.localtime(time.time() - 60))
    return (f"{stamp} benchhost sshd[{1000 + i % 30000}]: Accepted password for u{i % 1000} "
            f"from {ip_of(i)} port {1024 + i % 60000} ssh2\n")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--lines", type=int, default=1_000_000)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "auth.log")
        with open(log, "w") as f:
            for i in range(a.lines):
                f.write(line(i))
        size = os.path.getsize(log)
        p = start(a.binary, tmp, config(tmp, log, os.path.join(SRC, "rules")),
                  stdout=subprocess.DEVNULL)
        t0 = time.time()
        state_dir = os.path.join(tmp, "state")
        memory = os.path.join(state_dir, "first-seen")
        peak = 0
        while True:
            peak = max(peak, rss_kib(p.pid, "VmHWM"))
            read = False
            for name in os.listdir(state_dir):
                if name.startswith("file-") and not name.endswith(".tmp"):
                    with open(os.path.join(state_dir, name)) as f:
                        read = f'"offset":{size}' in f.read()
            if read and os.path.exists(memory) and os.path.getmtime(memory) > t0:
                break
            if time.time() - t0 > 900:
                sys.exit("daemon did not finish reading")
            time.sleep(0.2)
        elapsed = time.time() - t0
        rss = rss_kib(p.pid)
        stop(p)  # saves the memory once more, durably
        keys = 0
        with open(memory) as f:
            for l in f:
                if l.startswith("memory "):
                    keys += int(l.split()[3])
                    forgotten = int(l.split()[2])
        print(f"first_seen: {a.lines:,} distinct (user, /24) logins read in {elapsed:.1f} s; "
              f"RSS {rss / 1024:.1f} MiB (peak {peak / 1024:.1f} MiB); state_dir/first-seen "
              f"{os.path.getsize(memory) / 1e6:.1f} MB holding {keys:,} keys, {forgotten:,} "
              f"forgotten")


if __name__ == "__main__":
    main()
