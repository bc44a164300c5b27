#!/usr/bin/env python3
"""Benchmarks of the live daemon (not part of `make test`; numbers go into README.md).

  latency  line appended to a followed file -> alert JSON line on the daemon's stdout,
           p50/p99 over N alerts (a threshold-1 rule, one new source address per line)
  idle     CPU time (user+system) the daemon uses over S seconds with no input
  memory   RSS after reading 1,000,000 lines from 100,000 distinct source addresses with
           the shipped rules, and again after the rules engine expired the per-IP state
  startup  restart time with a full 24 h replay: a busy day's auth.log (--startup-lines,
           gen_authlog.py, the last line now), the shipped rules plus one with a 24 h
           window; the daemon is started once at the file's end, stopped, and started
           again: the replay of the 24 h before its saved position is timed (start until
           "replay done"), with its RSS

Usage: daemon_bench.py BINARY [latency|idle|memory|startup|all] [--alerts N] [--idle-seconds S]
"""
import argparse
import os
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time

SRC = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

RULE = """rules:
  - id: bench.failed_login
    description: every failed login (benchmark rule)
    match: { kinds: [auth_failure] }
    group_by: ip
    threshold: 1
    severity: warning
    summary: "failed login from {ip}"
    remedy: "none"
"""


def config(tmp, log, rules_dir, journal=False):
    j = f"{{ enabled: true, directory: {tmp}/journal, start: head }}" if journal else "{ enabled: false, start: head }"
    return f"""state_dir: {tmp}/state
log_level: info
sources:
  journal: {j}
  files: [ {{ path: {log} }} ]
rules: {{ paths: [{rules_dir}] }}
audit: {{ enabled: false }}
notify:
  group_wait: 0s
  rate_limit: 0
  notifiers:
    - {{ name: out, type: stdout }}
"""


def start(binary, tmp, cfg_text, stdout=subprocess.PIPE):
    cfg = os.path.join(tmp, "config.yaml")
    with open(cfg, "w") as f:
        f.write(cfg_text)
    err = open(os.path.join(tmp, "daemon.err"), "w")
    env = dict(os.environ)
    env.pop("NOTIFY_SOCKET", None)
    p = subprocess.Popen([binary, "daemon", "-c", cfg], stdout=stdout, stderr=err, env=env)
    deadline = time.time() + 20
    while time.time() < deadline:
        with open(os.path.join(tmp, "daemon.err")) as f:
            if " ready: " in f.read():
                return p
        time.sleep(0.02)
    p.kill()
    sys.exit("daemon did not start: " + open(os.path.join(tmp, "daemon.err")).read())


def stop(p):
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=30)


def syslog_line(i, ip, age_seconds=0):
    stamp = time.strftime("%b %e %H:%M:%S", time.localtime(time.time() - age_seconds))
    return f"{stamp} benchhost sshd[{1000 + i % 30000}]: Failed password for root from {ip} port {1024 + i % 60000} ssh2\n"


def ip_of(i):
    return f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"


def cpu_seconds(pid):
    """CPU time of every thread, in nanoseconds resolution (schedstat), as seconds."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except OSError:
            pass  # a thread that just ended
    return total / 1e9


def rss_kib(pid, key="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def background_writer(log, rate, stop_event, written):
    """Appends sshd lines that raise no alert under RULE (pre-auth disconnects: parsed,
    counted, session-tracked) at `rate` lines/s, in 10 ms batches, until stopped."""
    batch = max(1, rate // 100)
    stamp = time.strftime("%b %e %H:%M:%S")
    lines = "".join(f"{stamp} benchhost sshd[{40000 + k}]: Connection closed by 192.0.2.{k % 250 + 1} "
                    f"port {2000 + k} [preauth]\n" for k in range(batch)).encode()
    fd = os.open(log, os.O_WRONLY | os.O_APPEND)
    next_at = time.perf_counter()
    while not stop_event.is_set():
        os.write(fd, lines)
        written[0] += batch
        next_at += 0.01
        delay = next_at - time.perf_counter()
        if delay > 0:
            time.sleep(delay)
    os.close(fd)


def bench_latency(binary, n, rate=0):
    with tempfile.TemporaryDirectory() as tmp:
        rules = os.path.join(tmp, "rules")
        os.mkdir(rules)
        with open(os.path.join(rules, "bench.yaml"), "w") as f:
            f.write(RULE)
        log = os.path.join(tmp, "auth.log")
        open(log, "w").close()
        p = start(binary, tmp, config(tmp, log, rules))
        stop_event, written = threading.Event(), [0]
        writer = None
        if rate > 0:
            writer = threading.Thread(target=background_writer, args=(log, rate, stop_event, written))
            writer.start()
            time.sleep(1)  # the load is on before the first probe
        started = time.perf_counter()
        fd = os.open(log, os.O_WRONLY | os.O_APPEND)
        samples = []
        buf = b""
        for i in range(n):
            if rate > 0:
                time.sleep(0.005)  # probes spread over the load, not back to back
            line = syslog_line(i, ip_of(i + 1)).encode()
            t0 = time.perf_counter()
            os.write(fd, line)
            while b"\n" not in buf:
                r, _, _ = select.select([p.stdout], [], [], 10)
                if not r:
                    sys.exit(f"no alert within 10 s for line {i}")
                buf += os.read(p.stdout.fileno(), 65536)
            samples.append(time.perf_counter() - t0)
            buf = buf[buf.index(b"\n") + 1:]
        elapsed = time.perf_counter() - started
        os.close(fd)
        stop_event.set()
        if writer:
            writer.join()
        stop(p)
    samples.sort()
    p50 = samples[len(samples) // 2] * 1000
    p99 = samples[int(len(samples) * 0.99) - 1] * 1000
    load = f" while the file grew at {written[0] / (elapsed + 1):,.0f} lines/s" if rate > 0 else ""
    print(f"latency: {n} alerts{load}, line appended -> alert on stdout: p50 {p50:.2f} ms, p99 {p99:.2f} ms, "
          f"max {samples[-1] * 1000:.2f} ms")


def bench_idle(binary, seconds):
    with tempfile.TemporaryDirectory() as tmp:
        os.mkdir(os.path.join(tmp, "journal"))
        log = os.path.join(tmp, "auth.log")
        open(log, "w").close()
        p = start(binary, tmp, config(tmp, log, os.path.join(SRC, "rules"), journal=True),
                  stdout=subprocess.DEVNULL)
        time.sleep(1)  # let start-up work finish
        c0 = cpu_seconds(p.pid)
        time.sleep(seconds)
        c1 = cpu_seconds(p.pid)
        stop(p)
    print(f"idle: {(c1 - c0) * 1000:.2f} ms CPU over {seconds} s with no input "
          f"(file + journal sources, shipped rules, all threads)")


def bench_memory(binary, lines, ips, rules_dir):
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "auth.log")
        # Lines an hour old: past every rule's window, so the next expiry drops the state.
        with open(log, "w") as f:
            for i in range(lines):
                f.write(syslog_line(i, ip_of(i % ips + 1), age_seconds=3600))
        size = os.path.getsize(log)
        p = start(binary, tmp, config(tmp, log, rules_dir), stdout=subprocess.DEVNULL)
        t0 = time.time()
        state_dir = os.path.join(tmp, "state")
        while True:
            done = False
            for name in os.listdir(state_dir):
                if name.startswith("file-") and not name.endswith(".tmp"):
                    with open(os.path.join(state_dir, name)) as f:
                        done = f'"offset":{size}' in f.read()
            if done:
                break
            if time.time() - t0 > 600:
                sys.exit("daemon did not finish reading")
            time.sleep(0.05)
        elapsed = time.time() - t0
        rss = rss_kib(p.pid)
        peak = rss_kib(p.pid, "VmHWM")
        time.sleep(17)  # one expiry period (15 s) and a little
        after = rss_kib(p.pid)
        stop(p)
    print(f"memory: {lines} lines from {ips} source addresses read in {elapsed:.1f} s "
          f"({lines / elapsed:,.0f} lines/s); RSS {rss / 1024:.1f} MiB (peak {peak / 1024:.1f} MiB), "
          f"{after / 1024:.1f} MiB after the per-IP state expired")


DAY_RULE = """rules:
  - id: bench.slow_brute_force
    description: slow password guessing over a day (benchmark rule, a 24 h window)
    match: { kinds: [auth_failure, invalid_user] }
    group_by: ip
    threshold: 50
    window: 23h
    cooldown: 1h
    severity: warning
    summary: "{count} failures from {ip} in {window}"
    remedy: "none"
"""


def bench_startup(binary, lines, rules_dir):
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "auth.log")
        day = 24 * 3600
        subprocess.run([sys.executable, os.path.join(SRC, "tests/bench/gen_authlog.py"), "--lines", str(lines),
                        "--out", log, "--start-epoch", str(int(time.time()) - day + 60), "--span", str(day - 120)],
                       check=True)
        size = os.path.getsize(log)
        rules = os.path.join(tmp, "rules")
        os.mkdir(rules)
        for name in os.listdir(rules_dir):
            if name.endswith(".yaml"):
                with open(os.path.join(rules_dir, name)) as src, open(os.path.join(rules, name), "w") as dst:
                    dst.write(src.read())
        with open(os.path.join(rules, "day.yaml"), "w") as f:
            f.write(DAY_RULE)
        cfg = config(tmp, log, rules).replace("start: head", "start: tail")
        # First start: tail, so the position is the file's end; then a restart replays.
        stop(start(binary, tmp, cfg, stdout=subprocess.DEVNULL))
        os.remove(os.path.join(tmp, "daemon.err"))
        t0 = time.time()
        p = start(binary, tmp, cfg, stdout=subprocess.DEVNULL)
        ready = time.time() - t0
        err = ""
        while "replay done" not in err:
            if time.time() - t0 > 1800:
                sys.exit("replay did not finish")
            time.sleep(0.05)
            with open(os.path.join(tmp, "daemon.err")) as f:
                err = f.read()
        elapsed = time.time() - t0
        rss = rss_kib(p.pid)
        peak = rss_kib(p.pid, "VmHWM")
        stop(p)
        done = [l for l in err.splitlines() if "replay done" in l][0]
    print(f"startup: {lines:,} lines ({size / 2**20:.0f} MiB) over 24 h, 24 h window: READY after {ready:.2f} s, "
          f"replay done after {elapsed:.1f} s ({lines / elapsed:,.0f} lines/s); RSS {rss / 1024:.1f} MiB "
          f"(peak {peak / 1024:.1f} MiB); daemon: {done.split('replay done: ')[1]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("which", nargs="?", default="all", choices=["latency", "idle", "memory", "startup", "all"])
    ap.add_argument("--alerts", type=int, default=1000)
    ap.add_argument("--rate", type=int, default=50_000,
                    help="lines/s of other sshd lines appended while latency is measured (0: none)")
    ap.add_argument("--idle-seconds", type=int, default=60)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--ips", type=int, default=100_000)
    ap.add_argument("--rules", default=os.path.join(SRC, "rules"), help="rules directory for the memory run")
    ap.add_argument("--startup-lines", type=int, default=3_000_000, help="lines in the startup run's 24 h log")
    a = ap.parse_args()
    if a.which in ("latency", "all"):
        bench_latency(a.binary, a.alerts, a.rate)
    if a.which in ("memory", "all"):
        bench_memory(a.binary, a.lines, a.ips, a.rules)
    if a.which in ("startup", "all"):
        bench_startup(a.binary, a.startup_lines, a.rules)
    if a.which in ("idle", "all"):
        bench_idle(a.binary, a.idle_seconds)


if __name__ == "__main__":
    main()
