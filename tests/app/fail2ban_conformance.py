#!/usr/bin/python3
"""Conformance of `sshd-health scan --events` against fail2ban's annotated sshd test logs.

fail2ban ships its filter tests' sample logs in its Debian package. Each sample line may
be preceded by an annotation

    # failJSON: { "time": "...", "match": true, "host": "192.0.2.1", ... }

and `# filterOptions:` lines switch fail2ban's filter modes (normal, ddos, extra,
aggressive); a "constraint" ties an annotation to some modes. For every line annotated
as a match with a host, in any mode, scan must report an event carrying that same host,
and no event on such a line may carry another address (several lines try to inject one
through the user name).

The logs come from `apt-get download fail2ban` unpacked with `dpkg-deb -x` into a cache
directory in the build tree: nothing is installed and no service is started. Standard
library only.
"""

import argparse
import glob
import ipaddress
import json
import os
import subprocess
import sys
import tempfile

LOGS_IN_PACKAGE = "usr/lib/python3/dist-packages/fail2ban/tests/files/logs"
LOG_FILES = ("sshd", "sshd-journal")
MAX_OUTPUT_LINE = 2048  # core/text.h kMaxOutputLine


def fetch_logs(cache):
    """Returns the unpacked logs directory, downloading fail2ban's .deb on first use."""
    logs = os.path.join(cache, "root", LOGS_IN_PACKAGE)
    if all(os.path.isfile(os.path.join(logs, name)) for name in LOG_FILES):
        return logs
    os.makedirs(cache, exist_ok=True)
    debs = glob.glob(os.path.join(cache, "fail2ban_*.deb"))
    if not debs:
        download = ["apt-get", "download", "fail2ban"]
        print("conformance: fetching fail2ban's test logs: " + " ".join(download), flush=True)
        if subprocess.run(download, cwd=cache).returncode != 0:
            print("conformance: download failed; running apt-get update and retrying", flush=True)
            subprocess.run(["apt-get", "update", "-q"], check=False)
            subprocess.run(download, cwd=cache, check=True)
        debs = glob.glob(os.path.join(cache, "fail2ban_*.deb"))
    if not debs:
        raise RuntimeError("apt-get download fail2ban left no .deb in " + cache)
    # Unpack beside the final place, then rename: a run killed half-way leaves no
    # partial tree that a later run would take for complete.
    staging = tempfile.mkdtemp(prefix="unpack.", dir=cache)
    subprocess.run(["dpkg-deb", "-x", sorted(debs)[-1], staging], check=True)
    root = os.path.join(cache, "root")
    if os.path.isdir(root):
        subprocess.run(["rm", "-rf", root], check=True)
    os.rename(staging, root)
    return logs


def escape_for_output(data):
    """core/text.h EscapeForOutput over bytes: control characters, C1 controls and bytes
    that are not valid UTF-8 become \\xNN; the result is cut at MAX_OUTPUT_LINE with "..."."""
    out = []
    size = 0
    i = 0
    while i < len(data):
        b0 = data[i]
        n = utf8_length(data, i)
        escape = n == 0 or b0 < 0x20 or b0 == 0x7F
        piece = "\\x%02x" % b0 if escape else data[i:i + n].decode("utf-8")
        width = 4 if escape else n
        if size + width > MAX_OUTPUT_LINE:
            out.append("...")
            break
        out.append(piece)
        size += width
        i += 1 if escape else n
    return "".join(out)


def utf8_length(data, i):
    b0 = data[i]
    if b0 < 0x80:
        return 1
    if b0 & 0xE0 == 0xC0:
        n, cp, low = 2, b0 & 0x1F, 0x80
    elif b0 & 0xF0 == 0xE0:
        n, cp, low = 3, b0 & 0x0F, 0x800
    elif b0 & 0xF8 == 0xF0:
        n, cp, low = 4, b0 & 0x07, 0x10000
    else:
        return 0
    if i + n > len(data):
        return 0
    for b in data[i + 1:i + n]:
        if b & 0xC0 != 0x80:
            return 0
        cp = (cp << 6) | (b & 0x3F)
    if cp < low or cp > 0x10FFFF or 0xD800 <= cp <= 0xDFFF or 0x80 <= cp <= 0x9F:
        return 0
    return n


def split_lines(data):
    """The lines LineReader yields: split on \\n, a trailing \\r dropped, a last line
    without newline kept."""
    lines = data.split(b"\n")
    if lines and lines[-1] == b"":
        lines.pop()
    return [line[:-1] if line.endswith(b"\r") else line for line in lines]


def annotated_matches(lines):
    """(index, annotation) for every line fail2ban expects to match with a host, in any
    mode: an annotation applies to the next line that is neither blank nor a comment."""
    expected = []
    pending = None
    for index, raw in enumerate(lines):
        text = raw.decode("utf-8", "replace")
        stripped = text.strip()
        if stripped.startswith("# failJSON:"):
            pending = json.loads(stripped[len("# failJSON:"):])
            continue
        if not stripped or stripped.startswith("#"):
            continue
        if pending is not None and pending.get("match") and pending.get("host"):
            expected.append((index, pending))
        pending = None
    return expected


def same_host(got, want):
    """Addresses compare as addresses (an IPv4-mapped IPv6 address is its IPv4 address);
    host names and anything else as case-insensitive text."""
    def norm(value):
        try:
            addr = ipaddress.ip_address(value)
        except ValueError:
            return value.lower()
        if addr.version == 6 and addr.ipv4_mapped is not None:
            addr = addr.ipv4_mapped
        return str(addr)
    return norm(got) == norm(want)


def scan_events(binary, path, workdir):
    """Runs scan --events --format json over one file; returns the event dicts in order."""
    config = os.path.join(workdir, "config.yaml")
    with open(config, "w") as f:
        # No rules and no default log files: this test is about the parser.
        f.write("rules: { paths: [] }\nsources: { files: [] }\n")
    cmd = [binary, "scan", "-c", config, "--events", "--format", "json", path]
    proc = subprocess.run(cmd, capture_output=True, timeout=120)
    sys.stderr.write(proc.stderr.decode("utf-8", "replace"))
    if proc.returncode != 0:
        raise RuntimeError("%s exited %d" % (" ".join(cmd), proc.returncode))
    events = []
    for number, out_line in enumerate(proc.stdout.decode("utf-8").splitlines(), 1):
        try:
            events.append(json.loads(out_line))
        except json.JSONDecodeError as e:
            raise RuntimeError("output line %d is not JSON (%s): %r" % (number, e, out_line))
    return events


def align(lines, events):
    """Maps each event to the index of its input line. Events come in input order and a
    line yields at most one, so walk both in step, matching the escaped line text."""
    by_index = {}
    unaligned = []
    cursor = 0
    for event in events:
        line_text = event.get("line")
        start = cursor
        while cursor < len(lines) and escape_for_output(lines[cursor]) != line_text:
            cursor += 1
        if cursor == len(lines):
            unaligned.append(event)
            cursor = start
            continue
        by_index[cursor] = event
        cursor += 1
    return by_index, unaligned


def check_file(binary, logs, name, workdir):
    path = os.path.join(logs, name)
    with open(path, "rb") as f:
        lines = split_lines(f.read())
    expected = annotated_matches(lines)
    events = scan_events(binary, path, workdir)
    by_index, unaligned = align(lines, events)
    misses, wrong = [], []
    for index, note in expected:
        event = by_index.get(index)
        where = "%s:%d" % (name, index + 1)
        shown = escape_for_output(lines[index])
        if event is None:
            misses.append("%s: no event (want host %s)\n    %s" % (where, note["host"], shown))
        elif not same_host(event.get("ip", ""), note["host"]):
            wrong.append("%s: event %s has ip %r, want %s\n    %s"
                         % (where, event.get("kind"), event.get("ip", ""), note["host"], shown))
    problems = ["%s: event not traced to an input line: %s" % (name, json.dumps(e))
                for e in unaligned]
    return len(expected), misses, wrong, problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--binary", required=True, help="the sshd-health binary")
    parser.add_argument("--cache", required=True, help="where fail2ban's package is kept")
    args = parser.parse_args()

    logs = fetch_logs(args.cache)
    total = matched = 0
    failures = []
    with tempfile.TemporaryDirectory(prefix="sshd-health-conformance.") as workdir:
        for name in LOG_FILES:
            count, misses, wrong, problems = check_file(args.binary, logs, name, workdir)
            ok = count - len(misses) - len(wrong)
            print("%s: matched %d of %d annotated lines" % (name, ok, count))
            total += count
            matched += ok
            failures += misses + wrong + problems
    print("matched %d of %d annotated lines" % (matched, total))
    for failure in failures:
        print("FAIL " + failure)
    return 1 if failures or total == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
