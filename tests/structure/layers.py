#!/usr/bin/env python3
"""The architecture, as a table: which folder under daemon/ may include which.

The pipeline reads left to right: sources turn bytes into LogRecords, parse turns records
into SshdEvents, rules turn events into Alerts, notify delivers alerts. audit stands
beside them (it looks at the host, not at logs). core is the ground floor every stage
stands on, and app wires everything together; nothing but main.cpp includes app.
Fails, naming file and line, on an include that goes against this table."""
import pathlib
import re
import sys

ALLOWED = {
    "core":    {"core"},
    "sources": {"core", "sources"},
    "parse":   {"core", "parse"},
    "rules":   {"core", "parse", "rules"},
    "notify":  {"core", "notify"},
    "audit":   {"core", "audit"},
    "app":     {"core", "sources", "parse", "rules", "notify", "audit", "app"},
}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"')


def main() -> int:
    root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".") / "daemon"
    problems = []
    files = sorted(p for p in root.rglob("*") if p.suffix in (".h", ".cpp"))
    for path in files:
        rel = path.relative_to(root)
        layer = rel.parts[0] if len(rel.parts) > 1 else None  # None: daemon/main.cpp
        if layer is not None and layer not in ALLOWED:
            problems.append(f"{path}: folder '{layer}' is not in the layer table")
            continue
        allowed = ALLOWED[layer] if layer else {"app", "core"}
        for n, line in enumerate(path.read_text().splitlines(), 1):
            m = INCLUDE.match(line)
            if not m:
                continue
            target = m.group(1).split("/")
            if len(target) < 2:
                problems.append(f"{path}:{n}: include \"{m.group(1)}\" does not name its folder")
            elif target[0] not in allowed:
                problems.append(f"{path}:{n}: {layer or 'main'} may not include {m.group(1)} "
                                f"(allowed: {', '.join(sorted(allowed))})")
    for p in problems:
        print(p)
    print(f"layers: {len(files)} files checked, {len(problems)} violations")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
