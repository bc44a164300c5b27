#!/usr/bin/env python3
"""Central log host bench of the live daemon (issue 17; not part of `make test`; numbers
in docs/performance.md "Issue 17" and README.md "Running a fleet").

The same LINES lines (gen_authlog.py --mix attack, a day's span), written at a steady
RATE lines/s through the daemon's file sources, in two layouts:

  single   one file, one host's lines (gen_authlog.py --hosts 1), source `auth.log`
  central  the rsyslog central layout: HOSTS machines' lines (gen_authlog.py --hosts
           HOSTS), each appended to TMP/remote/<HOSTNAME>/auth.log as it comes, read by
           one glob source `TMP/remote/*/auth.log` (one file per host, picked up as the
           writer creates it)

with the shipped rules (rules/) and a stdout notifier (to /dev/null). Measured per layout:
lines written vs lines the daemon read (sshd_health_lines_total on its metrics port), how
far the daemon was behind at worst while the writer ran (sampled every second), how long
after the last line it had read everything, the daemon's CPU seconds (all threads) and
its RSS (start, peak, end).

Usage: central_bench.py BINARY [--lines 1000000] [--rate 10000] [--hosts 500]
                               [--layouts single,central] [--rules rules]
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import daemon_bench  # noqa: E402  (start, stop, rss_kib, cpu_seconds)
import load_bench  # noqa: E402  (free_port, metric)

SRC = os.path.dirname(os.path.dirname(HERE))


def generate(tmp, lines, hosts):
    out = os.path.join(tmp, f"gen-{hosts}.log")
    subprocess.run([sys.executable, os.path.join(HERE, "gen_authlog.py"), "--lines", str(lines),
                    "--mix", "attack", "--span", "86400", "--hosts", str(hosts), "--out", out],
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    with open(out, "rb") as f:
        return f.read().splitlines(keepends=True)


def host_of(line):
    # "Nov 21 00:52:26 web0184 sshd[...]": the HOSTNAME is the fourth field.
    return line.split(b" ", 4)[3].decode() if line[4:5] != b" " else line.split(b" ", 5)[4].decode()


def run(binary, rules, layout, lines, rate):
    with tempfile.TemporaryDirectory() as tmp:
        if layout == "central":
            remote = os.path.join(tmp, "remote")
            os.mkdir(remote)
            pattern = os.path.join(remote, "*", "auth.log")
        else:
            pattern = os.path.join(tmp, "auth.log")
            open(pattern, "w").close()
        port = load_bench.free_port()
        cfg = daemon_bench.config(tmp, pattern, rules).replace(
            f"files: [ {{ path: {pattern} }} ]", f"files: [ {{ path: \"{pattern}\" }} ]")
        cfg += f"metrics: {{ listen: \"127.0.0.1:{port}\" }}\n"
        p = daemon_bench.start(binary, tmp, cfg, stdout=subprocess.DEVNULL)
        rss_start = daemon_bench.rss_kib(p.pid)
        cpu_start = daemon_bench.cpu_seconds(p.pid)

        fds = {}

        def fd_for(host):
            fd = fds.get(host)
            if fd is None:
                if layout == "central":
                    d = os.path.join(tmp, "remote", host)
                    os.makedirs(d, exist_ok=True)
                    path = os.path.join(d, "auth.log")
                else:
                    path = pattern
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
                fds[host] = fd
            return fd

        # 100 writes a second of RATE/100 lines each; in the central layout a write is one
        # append per host that has lines in it, in the order the lines came.
        per_write = max(1, rate // 100)
        written = 0
        worst_lag = 0
        rss_peak = rss_start
        t0 = time.perf_counter()
        next_at = t0
        next_sample = t0 + 1
        behind = 0.0
        for first in range(0, len(lines), per_write):
            batch = lines[first:first + per_write]
            if layout == "central":
                by_host = {}
                for line in batch:
                    by_host.setdefault(host_of(line), []).append(line)
                for host, group in by_host.items():
                    os.write(fd_for(host), b"".join(group))
            else:
                os.write(fd_for("one"), b"".join(batch))
            written += len(batch)
            next_at += 0.01
            now = time.perf_counter()
            if now >= next_sample:
                read = load_bench.metric(port, "sshd_health_lines_total") or 0
                worst_lag = max(worst_lag, written - int(read))
                rss_peak = max(rss_peak, daemon_bench.rss_kib(p.pid))
                next_sample += 1
            delay = next_at - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            else:
                behind = max(behind, -delay)
        write_s = time.perf_counter() - t0
        t_end = time.perf_counter()
        for fd in fds.values():
            os.close(fd)

        read = 0
        read_s = None
        deadline = t_end + 300
        while time.perf_counter() < deadline:
            read = int(load_bench.metric(port, "sshd_health_lines_total") or 0)
            rss_peak = max(rss_peak, daemon_bench.rss_kib(p.pid))
            if read >= written:
                read_s = time.perf_counter() - t_end
                break
            time.sleep(0.1)
        cpu = daemon_bench.cpu_seconds(p.pid) - cpu_start
        # What one scrape costs Prometheus now: samples and bytes (the central layout's
        # series carry `host`, metrics.host_label auto).
        try:
            scrape = urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10).read()
        except OSError:
            scrape = b""
        samples = sum(1 for l in scrape.splitlines() if l and not l.startswith(b"#"))
        rss_end = daemon_bench.rss_kib(p.pid)
        files = len(fds)
        daemon_bench.stop(p)

    print(f"{layout}: {written} lines into {files} file(s) in {write_s:.1f} s "
          f"({written / write_s:,.0f} lines/s; the writer fell behind its schedule by at most "
          f"{behind * 1000:.0f} ms)")
    print(f"  read: {read} of {written}"
          + (f", all read {read_s:.1f} s after the last was written" if read_s is not None
             else ", NOT all read within 300 s")
          + f"; at worst {worst_lag} lines behind while writing")
    print(f"  daemon CPU {cpu:.1f} s ({cpu / (written / 1e6):.1f} s per million lines); RSS "
          f"{rss_start / 1024:.1f} MiB at start, peak {rss_peak / 1024:.1f} MiB, "
          f"{rss_end / 1024:.1f} MiB at the end")
    print(f"  one scrape: {samples} samples, {len(scrape) / 1024:.0f} KiB")
    return read_s is not None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--lines", type=int, default=1000000)
    ap.add_argument("--rate", type=int, default=10000)
    ap.add_argument("--hosts", type=int, default=500)
    ap.add_argument("--layouts", default="single,central")
    ap.add_argument("--rules", default=os.path.join(SRC, "rules"))
    args = ap.parse_args()
    ok = True
    with tempfile.TemporaryDirectory() as gen:
        for layout in args.layouts.split(","):
            lines = generate(gen, args.lines, args.hosts if layout == "central" else 1)
            ok = run(args.binary, os.path.abspath(args.rules), layout, lines, args.rate) and ok
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
