#!/usr/bin/env python3
"""Join log_calls.tsv (what OpenSSH logs) with decisions.tsv (what we make of it) into
catalogue.tsv: one row per logged format and meaning, with its decision and fields.

Usage (from the repository root, no arguments needed; stdlib only):

    python3 tests/data/openssh/make_catalogue.py            # writes catalogue.tsv
    python3 tests/data/openssh/make_catalogue.py --check    # also fails on formats without
                                                            # a decision (a new release's)

For a new OpenSSH release: re-run extract_log_calls.py, then this; `git diff catalogue.tsv`
shows the new formats, and --check names those no rule decides (the broad fall-back rules
of decisions.tsv only apply to formats that existed when they were written, see "until").
Then add rules to decisions.tsv (specific ones above the fall-backs) and re-run.

catalogue.tsv columns (tab-separated, "-" = empty):
  source    openssh, or the other program (linux-pam, rsyslog, systemd; from others.tsv)
  logged    the message as logged (see log_calls.tsv), before " [preauth]"/" [postauth]"
  level     syslog level(s) OpenSSH logs it at
  first     first release tag with the format; last: last release tag
  decision  event kind, or "ignored: <reason>", or "NO DECISION"
  fields    what the line carries (see decisions.tsv header)
  values    sample values for make_samples.py
  programs  binaries that link the code (openssh) or the syslog identifier (others)
  where     file:function list, ";"-joined
  rule      line of decisions.tsv that decided it (others.tsv line for others)
  note      the rule's note
"""

import argparse
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def version_key(tag):
    m = re.match(r"V_(\d+)_(\d+)_P(\d+)$", tag)
    return tuple(int(x) for x in m.groups()) if m else (0,)


def tsv_unescape(s):
    out, i = [], 0
    while i < len(s):
        if s[i] == "\\" and i + 1 < len(s):
            out.append({"t": "\t", "n": "\n", "r": "\r", "\\": "\\"}.get(s[i + 1], s[i + 1]))
            i += 2
        else:
            out.append(s[i])
            i += 1
    return "".join(out)


def tsv_escape(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def read_tsv(path):
    rows, header = [], None
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if header is None:
                header = cols
                continue
            r = dict(zip(header, cols))
            r["_line"] = n
            rows.append(r)
    return rows


CONV_RE = re.compile(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?(hh|h|ll|l|q|j|z|t|L)?([diouxXcsfFeEgGp%])")


def nconv(fmt):
    return sum(1 + (m.group(2) == "*") + (m.group(3) == "*")
               for m in CONV_RE.finditer(fmt) if m.group(5) != "%")


def formats(log_calls):
    """logged form -> aggregate over its log_calls rows."""
    agg = {}
    for r in read_tsv(log_calls):
        lg = tsv_unescape(r["logged"])
        a = agg.setdefault(lg, {"levels": set(), "first": r["first"], "last": r["last"],
                                "where": set(), "programs": set()})
        a["levels"].update(r["level"].split("|"))
        if version_key(r["first"]) < version_key(a["first"]):
            a["first"] = r["first"]
        if version_key(r["last"]) > version_key(a["last"]):
            a["last"] = r["last"]
        a["where"].add(r["file"] + ":" + r["function"])
        a["programs"].update(p for p in r["programs"].split(",") if p != "-")
    return agg


def decide(logged, info, rules):
    """The rules (first match and its variants) that decide a format."""
    for i, r in enumerate(rules):
        if r["until"] != "-" and version_key(info["first"]) > version_key(r["until"]):
            continue
        if not re.search(r["pattern"], logged):
            continue
        if r["where"] != "-" and not any(re.search(r["where"], w) for w in info["where"]):
            continue
        group = [r]
        for r2 in rules[i + 1:]:
            if r2["pattern"] == r["pattern"] and r2["where"] == r["where"]:
                group.append(r2)
            else:
                break
        return group
    return []


def check_fields(logged, fields, where):
    n = nconv(logged)
    for tok in fields.split():
        if tok == "-":
            continue
        name, _, idx = tok.partition("=")
        if idx == "<id>":
            if "<id>" not in logged:
                sys.exit(f"{where}: field {tok} but no <id> in {logged!r}")
        elif not idx.isdigit() or int(idx) > n:
            sys.exit(f"{where}: field {tok} out of range ({n} conversions) in {logged!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if a format has no decision")
    ap.add_argument("--out", default=os.path.join(HERE, "catalogue.tsv"))
    args = ap.parse_args()
    agg = formats(os.path.join(HERE, "log_calls.tsv"))
    rules = read_tsv(os.path.join(HERE, "decisions.tsv"))
    others = read_tsv(os.path.join(HERE, "others.tsv"))
    tags = sorted({a["first"] for a in agg.values()} | {a["last"] for a in agg.values()},
                  key=version_key)
    order = ["sshd", "sshd-session", "sshd-auth"]
    out, missing = [], []
    for logged in sorted(agg):
        info = agg[logged]
        levels = "|".join(lv for lv in ["FATAL", "ERROR", "INFO", "VERBOSE", "debug"]
                          if lv in info["levels"])
        common = [tsv_escape(logged), levels, info["first"], info["last"]]
        tail = [",".join(sorted(info["programs"], key=order.index)) or "-",
                ";".join(sorted(info["where"]))]
        group = decide(logged, info, rules)
        if not group:
            missing.append(logged)
            out.append(["openssh"] + common + ["NO DECISION", "-", "-"] + tail + ["-", "-"])
            continue
        for r in group:
            check_fields(logged, r["fields"], f"decisions.tsv:{r['_line']}")
            out.append(["openssh"] + common + [r["decision"], r["fields"], r["values"]] + tail +
                       [str(r["_line"]), r["note"]])
    for r in others:
        check_fields(r["format"], r["fields"], f"others.tsv:{r['_line']}")
        out.append([r["source"], tsv_escape(r["format"]), "-", "-", "-", r["decision"],
                    r["fields"], r["values"], r["programs"], r["ref"], str(r["_line"]),
                    r["note"]])
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("# OpenSSH " + tags[0] + " .. " + tags[-1] + " log formats and what sshd-health "
                "makes of them. Generated by make_catalogue.py from log_calls.tsv, "
                "decisions.tsv, others.tsv; do not edit.\n")
        f.write("source\tlogged\tlevel\tfirst\tlast\tdecision\tfields\tvalues\tprograms\twhere\t"
                "rule\tnote\n")
        for row in out:
            f.write("\t".join(row) + "\n")
    if missing:
        print(f"{len(missing)} formats without a decision:", file=sys.stderr)
        for m in missing:
            print("  " + m, file=sys.stderr)
        if args.check:
            sys.exit(1)


if __name__ == "__main__":
    main()
