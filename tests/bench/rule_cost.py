#!/usr/bin/env python3
"""What rules cost: `sshd-health scan` CPU time over one day of lines with every rule, and
with copies of the rules directory that leave out one named rule each (and one that
leaves out all of them), optionally beside a reference binary with its own rules (the
previous release). Not part of `make test`; numbers in docs/performance.md.

The runs go round-robin (every configuration once per round), so each round compares
like with like on a machine whose speed drifts; the report gives each configuration's
median CPU seconds (user + sys) and the median of its per-round ratio to the first
configuration (the reference when given, else all rules).

Usage: rule_cost.py --binary BIN --rules DIR --log FILE [--drop ID]...
                    [--baseline BIN --baseline-rules DIR] [--repeat 15]
Pass a day written by gen_authlog.py (e.g. --lines 1000000 --sources 50000 --mix attack).
"""
import argparse
import os
import shutil
import statistics
import sys
import tempfile

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_bench  # noqa: E402  (run_once: a child's CPU time under GNU time)


def rules_without(src, ids, dst):
    """A copy of the rules directory `src` in `dst` without the rules whose id is in
    `ids` (the files are read and written as YAML: comments go, the rules stay)."""
    os.makedirs(dst)
    found = set()
    for name in sorted(os.listdir(src)):
        path = os.path.join(src, name)
        if os.path.isdir(path):
            shutil.copytree(path, os.path.join(dst, name))
            continue
        if not name.endswith(".yaml"):
            continue
        with open(path) as f:
            doc = yaml.safe_load(f)
        kept = []
        for rule in doc.get("rules", []):
            if rule.get("id") in ids:
                found.add(rule["id"])
            else:
                kept.append(rule)
        doc["rules"] = kept
        with open(os.path.join(dst, name), "w") as f:
            yaml.safe_dump(doc, f, sort_keys=False, allow_unicode=True)
    missing = set(ids) - found
    if missing:
        sys.exit("rule_cost.py: no rule " + ", ".join(sorted(missing)) + " in " + src)


def cpu_seconds(binary, rules, log, tmp):
    argv = [binary, "scan", "--rules", rules, "--format", "json", log]
    run = run_bench.run_once(argv, None, tmp, False, dict(os.environ, TZ="UTC"))
    if run.rc != 0:
        sys.exit("rule_cost.py: %s exited with status %d: %s" % (" ".join(argv), run.rc,
                                                                run.stderr[-500:]))
    return run.cpu


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--binary", required=True)
    ap.add_argument("--rules", required=True)
    ap.add_argument("--log", required=True)
    ap.add_argument("--drop", action="append", default=[], help="a rule id (repeatable)")
    ap.add_argument("--baseline")
    ap.add_argument("--baseline-rules")
    ap.add_argument("--repeat", type=int, default=15)
    args = ap.parse_args()
    if bool(args.baseline) != bool(args.baseline_rules):
        sys.exit("rule_cost.py: --baseline and --baseline-rules go together")

    with tempfile.TemporaryDirectory(prefix="rule-cost-") as tmp:
        configs = []
        if args.baseline:
            configs.append(("reference", args.baseline, args.baseline_rules))
        # Every rules directory is a copy written the same way, so what differs between
        # them is the rules, not the comments the loader reads past.
        d = os.path.join(tmp, "all")
        rules_without(args.rules, [], d)
        configs.append(("all rules", args.binary, d))
        for rule_id in args.drop:
            d = os.path.join(tmp, "without-" + rule_id)
            rules_without(args.rules, [rule_id], d)
            configs.append(("without " + rule_id, args.binary, d))
        if len(args.drop) > 1:
            d = os.path.join(tmp, "without-all")
            rules_without(args.rules, args.drop, d)
            configs.append(("without all %d" % len(args.drop), args.binary, d))

        seconds = {name: [] for name, _, _ in configs}
        for _ in range(args.repeat):
            for name, binary, rules in configs:
                seconds[name].append(cpu_seconds(binary, rules, args.log, tmp))

    first = configs[0][0]
    print("CPU s of `scan --format json %s`, %d rounds (median; per-round ratio to %s: "
          "median and quartiles)" % (os.path.basename(args.log), args.repeat, first))
    print()
    print("| configuration | CPU s | ratio | quartiles |")
    print("|---|---:|---:|---|")
    for name, _, _ in configs:
        ratios = sorted(a / b for a, b in zip(seconds[name], seconds[first]))
        q1, q3 = ratios[len(ratios) // 4], ratios[(3 * len(ratios)) // 4]
        print("| %s | %.3f | %.3f | %.3f-%.3f |" % (name, statistics.median(seconds[name]),
                                                   statistics.median(ratios), q1, q3))


if __name__ == "__main__":
    main()
