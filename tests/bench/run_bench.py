#!/usr/bin/env python3
"""`make bench`: sshd-health against the tools admins run today, same input, same run.

    run_bench.py --binary build/sshd-health --rules rules --out build/bench
                 [--lines 1000000] [--repeat 3] [--fail2ban-lines 100000] [--quick]

Generates (once, cached under --out) a deterministic auth.log of --lines lines with
50,000 sources, the same entries as a journal directory (systemd-journal-remote), and a
100,000-source variant for the memory target. Then runs every tool --repeat times,
round-robin so a burst of load on the box hits all tools alike, and reports medians:
wall seconds, CPU seconds (user+sys of the child, from wait4's rusage), lines/s, peak RSS
(ru_maxrss of the child) and how many times faster sshd-health's alerts mode is. The
markdown table goes to stdout and to OUT/results.md.

fail2ban-regex runs at a few ten thousand lines/s, so by default it reads the first
--fail2ban-lines lines (a prefix of the same file) and its rate is measured on that; the
table says so. --fail2ban-lines 0 runs it on the whole file.
"""
import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time

GNU_TIME = "/usr/bin/time"
HERE = os.path.dirname(os.path.abspath(__file__))
GENERATOR = os.path.join(HERE, "gen_authlog.py")
SSHG_PARSER_CANDIDATES = ["/usr/libexec/sshguard/sshg-parser", "/usr/lib/sshguard/sshg-parser"]
JOURNAL_REMOTE = "/lib/systemd/systemd-journal-remote"
FAIL2BAN_FILTER = "/etc/fail2ban/filter.d/sshd.conf"
# The line kinds an admin would grep for, as one alternation (the "fast grep" baseline).
GREP_PATTERN = (r"sshd(-session)?\[[0-9]+\]: (Failed [a-z-]+ for|Invalid user|Connection "
                r"(closed|reset) by|Disconnected from|Received disconnect|Unable to negotiate|"
                r"drop connection|Accepted [a-z-]+ for|error: (kex_exchange_identification|"
                r"maximum authentication)|banner exchange|Timeout before|Disconnecting)")
MIB = 1024 * 1024


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def file_digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        h.update(f.read())
    return h.hexdigest()[:16]


def count_lines(path):
    n = 0
    with open(path, "rb") as f:
        while True:
            b = f.read(1 << 20)
            if not b:
                return n
            n += b.count(b"\n")


def generate(out_dir, name, lines, sources, export, mix="attack"):
    """Runs the generator unless the same generator made the same file before."""
    log_path = os.path.join(out_dir, name + ".log")
    stamp_path = log_path + ".stamp"
    stamp = "%s lines=%d sources=%d export=%s mix=%s" % (file_digest(GENERATOR), lines, sources, export, mix)
    jdir = os.path.join(out_dir, name + ".journal.d")
    if os.path.exists(stamp_path) and open(stamp_path).read() == stamp and os.path.exists(log_path) \
            and (not export or os.path.isdir(jdir)):
        return log_path, (jdir if export else None)
    log("generating %s (%d lines, %d sources)" % (log_path, lines, sources))
    argv = [sys.executable, GENERATOR, "--lines", str(lines), "--sources", str(sources),
            "--mix", mix, "--out", log_path]
    export_path = os.path.join(out_dir, name + ".export")
    if export:
        argv += ["--export", export_path]
    subprocess.run(argv, check=True)
    if export:
        shutil.rmtree(jdir, ignore_errors=True)
        os.makedirs(jdir)
        log("writing journal files into %s with systemd-journal-remote" % jdir)
        with open(export_path, "rb") as f:
            subprocess.run([JOURNAL_REMOTE, "--split-mode=none",
                            "--output=" + os.path.join(jdir, "bench.journal"), "-"],
                           stdin=f, check=True, stderr=subprocess.DEVNULL)
        os.unlink(export_path)
    with open(stamp_path, "w") as f:
        f.write(stamp)
    return log_path, (jdir if export else None)


def prefix(src, dst, lines):
    if os.path.exists(dst) and count_lines(dst) == lines and os.path.getmtime(dst) >= os.path.getmtime(src):
        return dst
    with open(src, "rb") as fin, open(dst, "wb") as fout:
        for i, line in enumerate(fin):
            if i >= lines:
                break
            fout.write(line)
    return dst


class Run:
    def __init__(self, wall, cpu, rss_kib, rc, stderr, stdout_lines, stdout_tail):
        self.wall, self.cpu, self.rss_kib, self.rc = wall, cpu, rss_kib, rc
        self.stderr, self.stdout_lines, self.stdout_tail = stderr, stdout_lines, stdout_tail


def run_once(argv, stdin_path, tmp_dir, keep_stdout, env):
    """One child under GNU time, which reports the child's own CPU time and peak RSS.

    Not os.wait4 on a child of this script: the kernel folds the pre-exec image (a forked
    Python, ~20 MiB) into ru_maxrss, which would hide the small tools' real peak.
    """
    out_path = os.path.join(tmp_dir, "stdout")
    err_path = os.path.join(tmp_dir, "stderr")
    time_path = os.path.join(tmp_dir, "time")
    stdin = open(stdin_path, "rb") if stdin_path else subprocess.DEVNULL
    stdout = open(out_path, "wb") if keep_stdout else subprocess.DEVNULL
    with open(err_path, "wb") as stderr:
        t0 = time.perf_counter()
        rc = subprocess.call([GNU_TIME, "-q", "-f", "%U %S %M %x", "-o", time_path] + argv,
                             stdin=stdin, stdout=stdout, stderr=stderr, env=env)
        wall = time.perf_counter() - t0
    if stdin_path:
        stdin.close()
    if keep_stdout:
        stdout.close()
    fields = open(time_path).read().split()
    user, sys_, rss_kib, rc = float(fields[-4]), float(fields[-3]), int(fields[-2]), int(fields[-1])
    lines = count_lines(out_path) if keep_stdout else None
    tail = ""
    if keep_stdout:
        with open(out_path, "rb") as f:
            f.seek(max(0, os.path.getsize(out_path) - 4096))
            tail = f.read().decode("utf-8", "replace")
    err = open(err_path, "rb").read().decode("utf-8", "replace")
    return Run(wall, user + sys_, rss_kib, rc, err, lines, tail)


class Bench:
    """One row of the table: a command, the number of input lines it stands for."""

    def __init__(self, key, label, argv, lines, stdin_path=None, keep_stdout=False, note="",
                 env=None, ok_codes=(0,)):
        self.key, self.label, self.argv, self.lines = key, label, argv, lines
        self.stdin_path, self.keep_stdout, self.note = stdin_path, keep_stdout, note
        self.env, self.ok_codes = env, ok_codes
        self.runs = []

    def median(self, attr):
        return statistics.median(getattr(r, attr) for r in self.runs)

    def rate(self):
        """Lines per second of wall time."""
        return self.lines / self.median("wall")

    def cpu_rate(self):
        """Lines per CPU second (user+sys): what the tool costs, whatever else the box runs."""
        return self.lines / max(self.median("cpu"), 0.005)

    def ok(self):
        return self.runs and all(r.rc in self.ok_codes for r in self.runs)


def summary_of(b):
    """What the tool reported it found, to show it did the work (from its last run)."""
    r = b.runs[-1]
    if r.rc not in b.ok_codes:
        return "FAILED: exit %d: %s" % (r.rc, r.stderr.strip().splitlines()[-1][:100] if r.stderr.strip() else "")
    if b.key.startswith("fail2ban"):
        m = re.search(r"Lines: (\d+) lines, (\d+) ignored, (\d+) matched", r.stdout_tail)
        return "%s matched" % m.group(3) if m else ""
    if b.key.startswith("scan") or b.key.startswith("journal_scan") or b.key == "mem":
        last = [l for l in r.stderr.strip().splitlines() if "lines" in l]
        return last[-1].strip()[:110] if last else ""
    if b.key == "grep":
        return "%s lines matched" % r.stdout_tail.strip()
    if b.key == "sshguard":
        return "%d attacks reported" % r.stdout_lines
    if r.stdout_lines is not None:
        return "%d output lines" % r.stdout_lines
    return ""


def machine():
    cpu = "unknown"
    for line in open("/proc/cpuinfo"):
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    gxx = subprocess.run(["g++", "--version"], capture_output=True, text=True).stdout.splitlines()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "gxx": gxx[0] if gxx else "?",
        "load": "%.2f %.2f %.2f" % os.getloadavg(),
    }


def fmt_ratio(x):
    return ("%.0f×" if x >= 10 else "%.1f×" if x >= 1 else "%.2f×") % x


def fmt_rate(r):
    return "{:,.0f}".format(r)


def table(groups, ref_of):
    multi_time = len({b.measured_at for _, bs in groups for b in bs if b.runs}) > 1
    rows = ["| tool | wall s | CPU s | lines/s | lines per CPU-s | peak RSS MiB "
            "| sshd-health is N× faster (CPU / wall) | output |",
            "|---|---:|---:|---:|---:|---:|---:|---|"]
    for title, benches in groups:
        rows.append("| **%s** | | | | | | | |" % title)
        ref = ref_of(title)
        for b in benches:
            if not b.runs:
                continue
            if not b.ok():
                rows.append("| %s | | | | | | | %s |" % (b.label, summary_of(b)))
                continue
            if ref is None:
                ratio = "n/a"
            elif ref is b:
                ratio = "reference"
            else:
                ratio = "%s / %s" % (fmt_ratio(ref.cpu_rate() / b.cpu_rate()), fmt_ratio(ref.rate() / b.rate()))
            rows.append("| %s | %.2f | %.2f | %s | %s | %.1f | %s | %s |" % (
                b.label + (" " + b.note if b.note else "") + (" [%s]" % b.measured_at if multi_time else ""), b.median("wall"), b.median("cpu"),
                fmt_rate(b.rate()), fmt_rate(b.cpu_rate()), b.median("rss_kib") / 1024.0, ratio,
                summary_of(b)))
    return "\n".join(rows)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", required=True)
    ap.add_argument("--rules", required=True, help="shipped rules directory")
    ap.add_argument("--out", required=True)
    ap.add_argument("--lines", type=int, default=1000000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--fail2ban-lines", type=int, default=100000)
    ap.add_argument("--only", action="append", default=[], help="run only benches whose key starts so")
    ap.add_argument("--baseline", help="another sshd-health binary (e.g. the previous commit's) raced on the "
                                       "same scan rows in the same run: before/after")
    ap.add_argument("--baseline-rules", help="the baseline's own rules directory (default: --rules)")
    ap.add_argument("--keep-previous", action="store_true",
                    help="rows not selected by --only keep their runs from the previous OUT/runs.json "
                         "(same input files; the table says when each row was measured)")
    args = ap.parse_args()

    os.makedirs(args.out, exist_ok=True)
    tmp_dir = os.path.join(args.out, "tmp")
    os.makedirs(tmp_dir, exist_ok=True)
    binary = os.path.abspath(args.binary)
    rules = os.path.abspath(args.rules)

    main_log, jdir = generate(args.out, "auth-%d" % args.lines, args.lines, 50000, export=True)
    mem_log, _ = generate(args.out, "auth-%d-100k-sources" % args.lines, args.lines, 100000, export=False)
    quiet_log, _ = generate(args.out, "auth-%d-quiet" % args.lines, args.lines, 300, export=False, mix="quiet")
    n = args.lines
    journal_entries = n  # one entry per generated line

    env_c = dict(os.environ, LC_ALL="C")
    sshg = next((p for p in SSHG_PARSER_CANDIDATES if os.path.exists(p)), None)
    f2b_lines = args.fail2ban_lines if 0 < args.fail2ban_lines < n else n
    f2b_input = main_log if f2b_lines == n else prefix(
        main_log, os.path.join(args.out, "auth-prefix-%d.log" % f2b_lines), f2b_lines)
    def scan(*args, binary=binary, rules=rules):
        # --rules last: CLI11 lets a repeatable option swallow the words after it, so
        # "scan --rules DIR FILE" would take FILE for a second rules directory.
        return [binary, "scan"] + list(args) + ["--rules", rules]
    baseline = os.path.abspath(args.baseline) if args.baseline else None
    baseline_rules = os.path.abspath(args.baseline_rules) if args.baseline_rules else rules

    text = [
        Bench("scan_alerts", "sshd-health scan (alerts)", scan(main_log), n, keep_stdout=True),
        Bench("scan_events", "sshd-health scan --events --format json", scan("--events", "--format", "json", main_log), n),
        Bench("fail2ban", "fail2ban-regex … filter.d/sshd.conf", ["fail2ban-regex", f2b_input, FAIL2BAN_FILTER],
              f2b_lines, keep_stdout=True, note="(first %s lines)" % "{:,}".format(f2b_lines) if f2b_lines != n else ""),
    ]
    if baseline:
        text.append(Bench("baseline_alerts", "baseline sshd-health scan (alerts)", scan(main_log, binary=baseline, rules=baseline_rules), n,
                          keep_stdout=True))
    if sshg:
        text.append(Bench("sshguard", "sshguard's sshg-parser < file", [sshg], n, stdin_path=main_log, keep_stdout=True))
    text += [
        Bench("grep", "LC_ALL=C grep -c -E 'sshd alternation'", ["grep", "-c", "-E", GREP_PATTERN, main_log], n,
              keep_stdout=True, env=env_c, ok_codes=(0, 1)),
        Bench("wc", "wc -l (read and split only)", ["wc", "-l", main_log], n, env=env_c),
    ]
    journal = [
        Bench("journal_scan", "sshd-health scan --journal-directory", scan("--journal-directory", jdir), journal_entries,
              keep_stdout=True),
        Bench("journalctl", "journalctl -D DIR -o cat", ["journalctl", "-D", jdir, "-o", "cat"], journal_entries,
              env=env_c),
        Bench("journalctl_sshd", "journalctl -D DIR -o cat (sshd matches)",
              ["journalctl", "-D", jdir, "-o", "cat", "SYSLOG_IDENTIFIER=sshd", "SYSLOG_IDENTIFIER=sshd-session",
               "SYSLOG_IDENTIFIER=sshd-auth", "+", "_SYSTEMD_UNIT=ssh.service", "_SYSTEMD_UNIT=sshd.service"],
              journal_entries, env=env_c),
    ]
    memory = [Bench("mem", "sshd-health scan (alerts), 100,000 sources", scan(mem_log), n, keep_stdout=True)]
    quiet = [Bench("quiet_alerts", "sshd-health scan (alerts)", scan(quiet_log), n, keep_stdout=True)]
    if baseline:
        quiet.append(Bench("quiet_baseline", "baseline sshd-health scan (alerts)", scan(quiet_log, binary=baseline, rules=baseline_rules), n,
                           keep_stdout=True))
    if sshg:
        quiet.append(Bench("quiet_sshguard", "sshguard's sshg-parser < file", [sshg], n, stdin_path=quiet_log,
                           keep_stdout=True))

    groups = [("auth.log, %s lines" % "{:,}".format(n), text),
              ("journal, %s entries" % "{:,}".format(journal_entries), journal),
              ("memory: %s lines, 100,000 distinct sources" % "{:,}".format(n), memory),
              ("a quiet server's day (--mix quiet), %s lines" % "{:,}".format(n), quiet)]
    everything = [b for _, bs in groups for b in bs
                  if not args.only or any(b.key.startswith(o) for o in args.only)]
    mach = machine()
    runs_path = os.path.join(args.out, "runs.json")
    previous = {}
    if args.keep_previous and os.path.exists(runs_path):
        previous = json.load(open(runs_path))
    stamp = time.strftime("%H:%M UTC", time.gmtime())
    for _, bs in groups:
        for b in bs:
            b.measured_at = stamp
            if b not in everything and b.key in previous:
                b.runs = [Run(**r) for r in previous[b.key]["runs"]]
                b.measured_at = previous[b.key]["at"]
    for i in range(args.repeat):
        for b in everything:
            log("run %d/%d: %s" % (i + 1, args.repeat, b.label))
            b.runs.append(run_once(b.argv, b.stdin_path, tmp_dir, b.keep_stdout, b.env))
            if not b.ok():
                log("  failed (exit %d): %s" % (b.runs[-1].rc, b.runs[-1].stderr.strip()[-300:]))

    saved = dict(previous)
    for b in everything:
        saved[b.key] = {"at": stamp, "runs": [vars(r) for r in b.runs]}
    with open(runs_path, "w") as f:
        json.dump(saved, f)
    times = sorted({b.measured_at for _, bs in groups for b in bs if b.runs})

    def ref_of(title):
        ref = (text[0] if title.startswith("auth.log") else journal[0] if title.startswith("journal")
               else quiet[0] if title.startswith("a quiet") else None)
        return ref if ref is not None and ref.ok() else None

    tbl = table(groups, ref_of)
    verdict = targets(text, journal, memory)
    header = ("Machine: %s, %d cores (one used by each tool), Linux %s, %s, build %s; load average at start %s. "
              "Medians of %d runs. lines/s = input lines / wall time; lines per CPU-s = input lines / "
              "(user+sys) of the tool, which is what it costs whatever else the machine runs; "
              "ratios in both.%s" % (
                  mach["cpu"], mach["cores"], mach["kernel"], mach["gxx"], build_type(binary),
                  mach["load"], args.repeat,
                  "" if len(times) < 2 else " Rows were measured at %s (same input files)." % ", ".join(times)))
    report = header + "\n\n" + tbl + "\n\n" + verdict + "\n"
    with open(os.path.join(args.out, "results.md"), "w") as f:
        f.write(report)
    print(report)


def build_type(binary):
    cache = os.path.join(os.path.dirname(binary), "CMakeCache.txt")
    try:
        for line in open(cache):
            if line.startswith("CMAKE_BUILD_TYPE:"):
                return line.split("=", 1)[1].strip() or "(none)"
    except OSError:
        pass
    return "unknown"


def targets(text, journal, memory):
    """Issue 7's targets, each with the measured figure (per CPU second and per wall second)."""
    by = {b.key: b for b in text + journal + memory}

    def ok(k):
        return k in by and by[k].ok()

    out = ["Targets (issue 7), judged on lines per CPU-second (wall-time figure in brackets):", ""]

    def line(name, value, goal, met):
        out.append("- %s: %s (target %s): %s" % (name, value, goal, "met" if met else "NOT met"))

    if not ok("scan_alerts"):
        return "Targets: scan did not run successfully; no verdict."
    s = by["scan_alerts"]
    for key, name, goal in (("fail2ban", "fail2ban-regex", 50), ("sshguard", "sshguard's parser", 6)):
        if ok(key):
            c, w = s.cpu_rate() / by[key].cpu_rate(), s.rate() / by[key].rate()
            line("scan alerts vs " + name, "%.1f× [%.1f×]" % (c, w), ">= %d×" % goal, c >= goal)
    line("scan alerts lines/s", "%s [%s]" % (fmt_rate(s.cpu_rate()), fmt_rate(s.rate())), "~2,000,000",
         s.cpu_rate() >= 2000000)
    if ok("journal_scan") and ok("journalctl"):
        j, c = by["journal_scan"], by["journalctl"]
        q, qw = j.cpu_rate() / c.cpu_rate(), j.rate() / c.rate()
        line("journal scan vs journalctl -o cat", "%.0f%% [%.0f%%]" % (100 * q, 100 * qw), ">= 80%", q >= 0.8)
    if ok("mem"):
        rss = by["mem"].median("rss_kib") / 1024.0
        line("peak RSS, 100,000 sources", "%.1f MiB" % rss, "< 64 MiB", rss < 64)
    return "\n".join(out)


if __name__ == "__main__":
    main()
