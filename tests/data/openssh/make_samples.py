#!/usr/bin/env python3
"""Write samples.tsv: one sample message per catalogue.tsv row (format x meaning), plus an
IPv6 twin for each row whose address is a plain conversion - what the parser test feeds to
SshdParser, wrapped in classic syslog / ISO / RFC 5424 / journal forms under each program.

Usage (from the repository root; stdlib only; deterministic):

    python3 tests/data/openssh/make_samples.py       # reads catalogue.tsv, writes samples.tsv

Columns of samples.tsv (tab-separated, "-" = empty):
  kind      the decision's kind; "ignored" for ignored formats; "sshd_fatal" ...
  ip, port, user   what the parser must extract ("-" = the line carries none; the
            parser then attributes it by PID, not tested here)
  programs  syslog identifiers the line appears under, by the source: "sshd" before 9.8;
            9.8+ "sshd" for the listener's own lines (sshd.c, srclimit.c) and "sshd-session"
            for the per-connection ones. sshd-auth (10.0+) never logs under its own name: it
            hands its lines to the sshd-session monitor, which logs them with " [preauth]"
            (monitor.c monitor_read_log) - so sshd-auth is not listed; a test may add it to
            prove robustness.
  releases  first-last release tag of the format
  message   the message part (after "program[pid]: "), as OpenSSH would log it
  rule      decisions.tsv / others.tsv line that decided it

Values: a conversion the rule names (ip, port, user, ...) gets a documentation address
(192.0.2.0/24, 2001:db8::/32), a port and a user name; the others get the rule's "values"
or a neutral filler by conversion type (%s "example", %d 3, %f 1.500 ...), cut to the
conversion's precision (%.100s) as printf would.
"""

import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from make_catalogue import CONV_RE, read_tsv, tsv_escape, tsv_unescape, version_key  # noqa: E402

USERS = ["alice", "root", "admin", "deploy", "oracle", "git", "ubuntu", "test"]
ADDR_RE = re.compile(r"(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]*:[0-9a-fA-F:]+)(?:/\d+)?(?: port (\d+))?")


def parse_values(v):
    out = {}
    if v in ("-", ""):
        return out
    for part in v.split(";"):
        k, _, val = part.partition("=")
        out[k] = val
    return out


def parse_fields(f):
    out = {}
    for tok in f.split():
        if tok != "-":
            name, _, idx = tok.partition("=")
            out[idx] = name
    return out


def filler(conv, typ):
    if typ == "s":
        return "example"
    if typ in "di":
        return "3"
    if typ in "ouxX":
        return {"o": "600", "x": "1f", "X": "1F"}.get(typ, "3")
    if typ in "fFeEgG":
        return "1.500"
    if typ == "c":
        return "x"
    if typ == "p":
        return "0x1"
    return "?"


def render(fmt, fields, values, n, v6):
    """Fill fmt; return (message, ip, port, user)."""
    ip = ("2001:db8::%x" % (0x10 + n % 200)) if v6 else "192.0.2.%d" % (10 + n % 200)
    port = str(40000 + n % 20000)
    user = USERS[n % len(USERS)]
    exp = {"ip": "-", "port": "-", "user": "-"}
    out, last, idx = [], 0, 0
    for m in CONV_RE.finditer(fmt):
        out.append(fmt[last:m.start()])
        last = m.end()
        if m.group(5) == "%":
            out.append("%")
            continue
        idx += (m.group(2) == "*") + (m.group(3) == "*")
        idx += 1
        key = str(idx)
        name = fields.get(key)
        if key in values:
            val = values[key]
        elif name == "ip":
            val = ip
        elif name in ("port", "lport"):
            val = port if name == "port" else "22"
        elif name == "user":
            val = user
        elif name == "listen":
            val = "2001:db8::1" if v6 else "198.51.100.1"
        elif name in ("id", "child", "net", "child_swapped"):
            val = {"child_swapped": f"connection from 198.51.100.1 to {ip}","id": f"{ip} port {port}", "child": f"connection from {ip} to 198.51.100.1",
                   "net": f"{ip}/{128 if v6 else 32}"}[name]
        else:
            val = filler(m.group(0), m.group(5))
        prec = m.group(3)
        if m.group(5) == "s" and prec and prec.isdigit():
            val = val[:int(prec)]
        out.append(val)
        if name in ("ip", "port", "user"):
            exp[name] = val
        elif name == "inner":   # rsyslog's repeat: the repeated sshd message's own fields
            a = ADDR_RE.search(val)
            if a:
                exp["ip"], exp["port"] = a.group(1), a.group(2) or "-"
            um = re.search(r" for (?:invalid user )?(\S+) from ", val)
            if um:
                exp["user"] = um.group(1)
        elif name == "child_swapped":   # 9.8: "connection from LOCAL to CLIENT"
            a = ADDR_RE.search(val.split(" to ")[-1])
            exp["ip"] = a.group(1) if a else "-"
        elif name in ("id", "child", "net"):
            a = ADDR_RE.search(val.split(" to ")[0] if name == "child" else val)
            if a:
                exp["ip"] = a.group(1)
                if a.group(2) and name == "id":
                    exp["port"] = a.group(2)
            um = re.match(r"(?:invalid |authenticating )?user (\S+) ", val)
            if name == "id" and um:
                exp["user"] = um.group(1)
    out.append(fmt[last:])
    msg = "".join(out)
    if "<id>" in msg:
        idv = values.get("<id>", f"{ip} port {port}")
        msg = msg.replace("<id>", idv)
        if fields.get("<id>") == "id":
            a = ADDR_RE.search(idv)
            if a:
                exp["ip"] = a.group(1)
                exp["port"] = a.group(2) or "-"
            um = re.match(r"(?:invalid |authenticating )?user (\S+) ", idv)
            if um:
                exp["user"] = um.group(1)
    msg = msg.replace("<ssh_err>", values.get("<ssh_err>", "Connection reset by peer"))
    if msg.startswith("[error: ]"):
        msg = values.get("prefix", "error: ") + msg[len("[error: ]"):]
    msg += values.get("suffix", "")
    return msg, exp["ip"], exp["port"], exp["user"]


def programs(row):
    if row["source"] != "openssh":
        return row["programs"]
    ids = []
    if version_key(row["first"]) < (9, 8, 1):
        ids.append("sshd")
    if version_key(row["last"]) >= (9, 8, 1):
        files = {w.split(":")[0] for w in row["where"].split(";")}
        listener = bool(files & {"sshd.c", "srclimit.c"}) and not files & {"sshd-session.c",
                                                                           "sshd-auth.c"}
        if listener or not ({"sshd-session", "sshd-auth"} & set(row["programs"].split(","))):
            if "sshd" not in ids:
                ids.append("sshd")
        else:
            ids.append("sshd-session")
    return ",".join(ids)


def main():
    rows = read_tsv(os.path.join(HERE, "catalogue.tsv"))
    out = []
    for n, r in enumerate(rows):
        dec = r["decision"]
        kind = "ignored" if dec.startswith("ignored") else dec
        if kind == "NO DECISION":
            continue
        fmt = tsv_unescape(r["logged"])
        fields = parse_fields(r["fields"])
        values = parse_values(r["values"])
        rel = f"{r['first']}-{r['last']}" if r["first"] != "-" else "-"
        if "releases" in values:   # a variant that holds for part of the format's releases
            a, _, b = values["releases"].partition("-")
            rel = f"{a}-{b or r['last']}"
        progs = programs(r)
        for v6 in (False, True):
            msg, ip, port, user = render(fmt, fields, values, n, v6)
            if v6 and (ip == "-" or ":" not in ip):
                continue
            out.append([kind, ip, port, user, progs, rel, tsv_escape(msg), r["rule"]])
    with open(os.path.join(HERE, "samples.tsv"), "w", encoding="utf-8") as f:
        f.write("# One sample message per catalogue.tsv row (and an IPv6 twin). Generated by "
                "make_samples.py; do not edit. See its header for the columns.\n")
        f.write("kind\tip\tport\tuser\tprograms\treleases\tmessage\trule\n")
        for row in out:
            f.write("\t".join(row) + "\n")


if __name__ == "__main__":
    main()
