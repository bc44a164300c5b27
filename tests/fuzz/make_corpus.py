#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ from the real lines in tests/data
(parse/events.tsv, rules/auth.log, openssh/samples.tsv), the shipped rules and configs.
Deterministic: run it again after the data changes and commit what changed.

    python3 tests/fuzz/make_corpus.py
"""
import gzip
import hashlib
import random
import re
import shutil
import struct
from pathlib import Path

top = Path(__file__).resolve().parents[2]
out = top / "tests/fuzz/corpus"
rng = random.Random(18)


def lines_of(path):
    return [l for l in path.read_text().splitlines() if l and not l.startswith("#")]


events = [row.split("\t")[5] for row in lines_of(top / "tests/data/parse/events.tsv")[1:] if row.count("\t") >= 5]
authlog = lines_of(top / "tests/data/rules/auth.log")
samples = []
for row in lines_of(top / "tests/data/openssh/samples.tsv")[1:]:
    cols = row.split("\t")
    if len(cols) >= 7:
        samples.append((cols[0], cols[6]))
# Every kind that is not "ignored" or fatal noise, one or two messages each.
by_kind = {}
for kind, msg in samples:
    by_kind.setdefault(kind, []).append(msg)
messages = []
for kind in sorted(by_kind):
    messages += by_kind[kind][:2]

headers = [
    "Nov 21 16:31:02 web1 sshd[{pid}]: ",
    "2026-11-21T16:31:02.123456+00:00 web1 sshd-session[{pid}]: ",
    "<38>1 2026-11-21T16:31:02.954-04:00 web1 sshd {pid} - - ",
    "web1 sshd[{pid}]: ",
    "",
]


def with_header(msg, pid, i):
    return headers[i % len(headers)].format(pid=pid) + msg


def write(target, items):
    d = out / target
    shutil.rmtree(d, ignore_errors=True)
    d.mkdir(parents=True)
    for data in items:
        if isinstance(data, str):
            data = data.encode()
        (d / hashlib.sha1(data).hexdigest()).write_bytes(data)


single = events[:30] + [with_header(m, 1000 + i, i) for i, m in enumerate(rng.sample(messages, 30))]
write("syslog_line_fuzz", single)

sessions = []
all_lines = events + authlog
for i in range(30):
    start = rng.randrange(len(all_lines))
    sessions.append("\n".join(all_lines[start:start + rng.randint(3, 10)]))
sessions.append("\n".join(authlog))
write("sshd_session_fuzz", sessions)

bursts = ["\n".join(authlog)]
for i, (kind, msgs) in enumerate(sorted(by_kind.items())):
    if kind in ("ignored",):
        continue
    bursts.append("\n".join(with_header(msgs[0], 2000 + i, 0) for _ in range(12)))
write("rule_engine_fuzz", bursts[:40])

write("rule_loader_fuzz", [p.read_bytes() for p in sorted((top / "rules").glob("*.yaml"))] +
      [p.read_bytes() for p in sorted((top / "tests/data/scan/rules").glob("*.yaml"))])

config = (top / "config/config.yaml").read_text()
configs = [config, "state_dir: /var/lib/sshd-health\n",
           "sources:\n  journal:\n    enabled: true\n  files:\n    - /var/log/auth.log\n",
           "notify:\n  notifiers:\n    - name: hook\n      type: webhook\n      url: https://example.org/h\n"
           "      format: slack\n    - name: mail\n      type: email\n      from: a@example.org\n"
           "      to: [b@example.org]\n      smtp: {host: localhost, port: 25}\n"
           "    - name: am\n      type: alertmanager\n      url: http://localhost:9093\n"]
write("config_loader_fuzz", configs)

sshd_config = (top / "tests/data/audit/debian12_sshd_config").read_text()
write("sshd_config_fuzz", [
    sshd_config,
    "Include /etc/ssh/sshd_config.d/*.conf\nPort 22\n\0PasswordAuthentication no\n\0PermitRootLogin yes\n",
    "Port 2222\nMatch User git\n  PasswordAuthentication yes\nMatch all\nPermitRootLogin no\n",
    "port 22\npermitrootlogin without-password\nciphers aes128-ctr,aes256-gcm@openssh.com\n",
])

entries = []
for i, msg in enumerate(messages[:30]):
    fields = [f"MESSAGE={msg}", "SYSLOG_IDENTIFIER=" + ("sshd", "sshd-session", "sshd-auth")[i % 3],
              f"_PID={3000 + i}", "_HOSTNAME=web1", f"_SOURCE_REALTIME_TIMESTAMP={1795000000000000 + i}"]
    rng.shuffle(fields)
    entries.append(struct.pack("<Q", 1795000000000000 + i) + "\0".join(fields).encode())
write("journal_entry_fuzz", entries)

write("alert_render_fuzz", [bytes(rng.randrange(256) for _ in range(rng.randint(50, 600))) for _ in range(20)] +
      [("Brute force from 192.0.2.7 \r\nBcc: x@evil\x1b[31m\xff" * 3).encode("latin-1") * 4])

gz = [gzip.compress("\n".join(authlog).encode(), mtime=0)]
for i in range(10):
    start = rng.randrange(len(all_lines))
    gz.append(gzip.compress(("\n".join(all_lines[start:start + 8]) + "\n").encode(), mtime=0))
gz.append(gz[1] + gz[2])  # two members, as cat a.gz b.gz
gz.append(gz[0][: len(gz[0]) // 2])  # truncated
gz.append("\n".join(authlog[:5]).encode())  # plain text
write("gzip_reader_fuzz", gz)

# A shipped rule's regex (or one of the forms RequiredLiteral must read right) and a
# message: pattern, NUL, message. The last is message_test_fuzz's first find (a "{" that
# starts no repetition, then a "|").
shipped = []
for p in sorted((top / "rules").glob("*.yaml")):
    for m in re.finditer(r"^\s*(?:not_)?regex: '(.*)'$", p.read_text(), re.M):
        shipped.append(m.group(1).replace("''", "'"))
patterns = shipped + ["^Accepted \\S+ for (root|admin) from ", "(MAC|cipher)s? fo{1,2}und$",
                      "[]x]+y{2}z*\\.", "(?i)root", "ab{x}c|d"]
pairs = [p + "\0" + messages[i % len(messages)] for i, p in enumerate(patterns)]
pairs += [p + "\0" + m for p in shipped for m in rng.sample(messages, 3)]
pairs.append("1111111A111111111(er)s? fo{1atchin cipheschciin pher92.0|||ciph{{,2}und$n\0o md")
write("message_test_fuzz", pairs)
