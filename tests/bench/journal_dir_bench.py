#!/usr/bin/env python3
"""A journal directory of many machines' files (systemd-journal-remote's, issue 17): what
the daemon's per-machine positions cost (not part of `make test`; numbers in README.md
"Central log host").

MACHINES files of ENTRIES sshd entries each (written by /lib/systemd/systemd-journal-remote),
read by the daemon from the head; then one late entry (stamped 90 s before what was read)
appended to one machine's file. Prints the time to read everything, the daemon's CPU
ticks while idle for 20 s (its looks every 2 s), its RSS, the saved record's size and
the late entry's delay.

--other: every sshd entry is followed by another program's (CRON) entry of the same
machine, as on a real host, so each machine's sshd entries are not consecutive in its
sequence; then LIVE rounds of (CRON, sshd) entries on every machine while the daemon runs,
with the daemon's CPU ticks over them.

Usage: journal_dir_bench.py BINARY [--machines 500] [--entries 20] [--other] [--live 5]
"""
import argparse
import os
import subprocess
import tempfile
import time

REMOTE = "/lib/systemd/systemd-journal-remote"


def entry(usec, mono, machine, message):
    return (f"__REALTIME_TIMESTAMP={usec}\n__MONOTONIC_TIMESTAMP={mono}\n"
            f"_BOOT_ID={machine:032x}\n_HOSTNAME=host{machine}\nSYSLOG_IDENTIFIER=sshd\n"
            f"_PID=100\nMESSAGE={message}\n\n")


def other(usec, mono, machine):
    """Another program's entry of `machine` (what lies between sshd's on a real host)."""
    return entry(usec, mono, machine, "cron run").replace("SYSLOG_IDENTIFIER=sshd",
                                                          "SYSLOG_IDENTIFIER=CRON")


def write(path, text):
    subprocess.run([REMOTE, "-o", path, "-"], input=text.encode(), check=True,
                   stderr=subprocess.DEVNULL)


def count(path, what):
    with open(path, errors="replace") as f:
        return f.read().count(what)


def ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def wait_for(cond, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.02)
    return False


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--machines", type=int, default=500)
    ap.add_argument("--entries", type=int, default=20)
    ap.add_argument("--other", action="store_true",
                    help="another program's entry after each sshd entry")
    ap.add_argument("--live", type=int, default=0,
                    help="rounds of (other, sshd) entries on every machine while running")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        jdir = os.path.join(tmp, "journal")
        os.makedirs(jdir)
        now = int(time.time() * 1e6)
        for m in range(1, a.machines + 1):
            write(f"{jdir}/remote-host{m}.journal",
                  "".join(entry(now - 60_000_000 + i * 1000 + m, 2 * i, m, f"seq m{m} e{i}")
                          + (other(now - 60_000_000 + i * 1000 + m + 1, 2 * i + 1, m)
                             if a.other else "")
                          for i in range(1, a.entries + 1)))
        config = os.path.join(tmp, "config.yaml")
        with open(config, "w") as f:
            f.write(f"state_dir: {tmp}/state\nlog_level: trace\nsources:\n"
                    f"  journal: {{ enabled: true, directory: {jdir}, start: head }}\n"
                    f"  files: []\nrules: {{ paths: [] }}\naudit: {{ enabled: false }}\n"
                    "notify:\n  notifiers:\n    - { name: out, type: stdout, format: json }\n")
        err = os.path.join(tmp, "err.log")
        total = a.machines * a.entries
        start = time.monotonic()
        with open(err, "w") as e, open(os.devnull, "w") as out:
            d = subprocess.Popen([a.binary, "daemon", "-c", config], stdout=out, stderr=e)
        try:
            ok = wait_for(lambda: count(err, ": seq m") >= total, 120)
            read_s = time.monotonic() - start
            time.sleep(3)
            t0 = ticks(d.pid)
            time.sleep(20)
            idle = ticks(d.pid) - t0
            if a.live:
                t1, w0, live = ticks(d.pid), time.monotonic(), 0
                for r in range(a.live):
                    for m in range(1, a.machines + 1):
                        at = now - 30_000_000 + r * 100_000 + m * 10
                        write(f"{jdir}/remote-host{m}.journal",
                              other(at, 2 * a.entries + 10 + 2 * r, m)
                              + entry(at + 1, 2 * a.entries + 11 + 2 * r, m, f"seq live m{m} r{r}"))
                        live += 1
                okl = wait_for(lambda: count(err, "seq live m") >= live, 120)
                print(f"live: {live} sshd entries, each after another program's, read "
                      f"{count(err, 'seq live m')} times (all: {okl}) in "
                      f"{time.monotonic() - w0:.1f} s; daemon CPU {ticks(d.pid) - t1} ticks")
            late_start = time.monotonic()
            write(f"{jdir}/remote-host7.journal",
                  entry(now - 90_000_000, 2 * a.entries + 2 * a.live + 20, 7, "seq m7 late"))
            late = wait_for(lambda: count(err, "seq m7 late") >= 1, 15)
            late_s = time.monotonic() - late_start
            print(f"machines {a.machines}, entries {total}: read all {ok} in {read_s:.2f} s; "
                  f"idle CPU {idle} ticks of {os.sysconf('SC_CLK_TCK')}/s in 20 s; "
                  f"RSS {rss_kib(d.pid)} KiB; record "
                  f"{os.path.getsize(f'{tmp}/state/journal-cursor')} bytes; late entry read "
                  f"{count(err, 'seq m7 late')} time(s) after {late_s:.2f} s")
        finally:
            d.terminate()
            d.wait(10)


if __name__ == "__main__":
    main()
