#!/usr/bin/env python3
"""Extract every server-side log call from openssh-portable's release tags.

Reads the sources straight out of a git directory (no checkout, no build) and writes
log_calls.tsv: one row per distinct log call, with the first and last release tag in
which it appears.

Usage (from the repository root):

    # the bare clone (e.g. what the `fetch` tool gives for github:openssh/openssh-portable)
    G=/path/to/openssh-portable.git
    python3 tests/data/openssh/extract_log_calls.py --git-dir $G > tests/data/openssh/log_calls.tsv
    python3 tests/data/openssh/extract_log_calls.py --git-dir $G --summary \
        --catalogue tests/data/openssh/catalogue.tsv > tests/data/openssh/summary.md

Tags: by default every tag V_<major>_<minor>_P<n> from V_7_4_P1 on (so a new OpenSSH
release is picked up by re-running after `git fetch --tags`); or list them with --tags.
Re-running for a new release: the output is sorted and deterministic, so `git diff
log_calls.tsv` shows exactly the formats the release added (last = new tag, first = new
tag), changed (a row ends, a new one starts) or removed (last = previous tag). Then give
each new format a decision in catalogue.tsv (make_samples.py --check lists the ones
without one).

What counts as a log call (the level a line reaches syslog with):
  logit/verbose/error/fatal (+ _f, _r, _fr)      INFO / VERBOSE / ERROR / FATAL
  logdie (+ variants)                            INFO  (log.c logs logdie at INFO and exits)
  sigdie (+ variants, gone in 10.x)              FATAL (log.c)
  do_log2 / do_log2_f / _r / _fr (level, ...)    the SYSLOG_LEVEL_* of the level argument; a
                                                 variable level is resolved from the
                                                 assignments to it in the same function
  authlog(...)  (7.4-8.x auth.c function pointer = verbose or logit)   VERBOSE|INFO
  ssh_packet_disconnect / packet_disconnect      INFO, logged as "Disconnecting <id>: <reason>"
  sshpkt_fatal                                   INFO, logged as "<tag>: Connection from <id>: <ssh_err>"
debug*, and calls whose only possible levels are debug, are left out. A level written as
"INFO|debug" means the call logs at INFO or, e.g. when rate-limited, at a debug level.

Columns of log_calls.tsv (tab-separated, "-" = empty):
  format    the format string as in the source: adjacent literals joined, PRIu64 & co.
            replaced by their conversion (llu, ...); tab/newline/backslash written \\t \\n \\\\
  level     INFO, VERBOSE, ERROR, FATAL, or alternatives joined by |
  file      source file (path in the tree)
  function  the C function holding the call
  first     first release tag with this row
  last      last release tag with this row (the newest tag = still there)
  call      the macro/function called (error_f, logit, do_log2, ...)
  logged    the message as sshd writes it to syslog, before any " [preauth]" the monitor
            appends: "error: " / "fatal: " for ERROR/FATAL (log.c do_log, when not logging
            to stderr), "function: " for the _f variants (log.c sshlogv: "%s: %s", func),
            a literal __func__ argument replaced by the function name, ": <ssh_err>" for the
            _r variants (log.c do_log: "%s: %s", msg, suffix)
  gaps      tags between first and last where the row is absent ("-" if none)
  programs  which binaries link the file, over the row's releases (Makefile.in's
            SSHDOBJS, SSHD_SESSION_OBJS, SSHD_AUTH_OBJS; a libssh.a object counts for every
            server binary the release has). NB: sshd-auth (10.0+) and the pre-auth child
            before it send their lines to the monitor, which logs them under its own name
            (sshd, 9.8+ sshd-session) with " [preauth]" appended (monitor.c monitor_read_log).

Files scanned: FILE_PATTERNS below (server-side: everything linked into sshd,
sshd-session or sshd-auth that logs about connections, users or the daemon).
Stdlib only; reads blobs through one `git cat-file --batch` process.
"""

import argparse
import fnmatch
import re
import subprocess
import sys
from collections import defaultdict

FILE_PATTERNS = [
    "sshd.c", "sshd-session.c", "sshd-auth.c",
    "auth.c", "auth-*.c", "auth2.c", "auth2-*.c",
    "monitor.c", "monitor_wrap.c", "monitor_fdpass.c",
    "packet.c", "opacket.c", "dispatch.c",
    "kex.c", "kex*.c", "dh.c",
    "serverloop.c", "session.c", "srclimit.c", "misc.c",
    # other server-side files that log about connections, users or the daemon:
    "servconf.c", "sshpty.c", "sshlogin.c", "loginrec.c", "channels.c", "canohost.c",
    "groupaccess.c", "uidswap.c", "gss-serv.c", "gss-serv-krb5.c", "hostfile.c",
    "platform.c", "platform-*.c", "audit.c", "audit-linux.c", "audit-bsm.c",
    "sandbox-seccomp-filter.c", "openbsd-compat/port-linux.c",
]
# Not scanned: client (ssh.c, sshconnect*.c, clientloop.c, mux.c), tools (ssh-keygen,
# ssh-agent, ssh-keyscan, scp, sftp), sftp-server.c (logs under its own name, or under
# sshd-session for internal-sftp, only when the sftp subsystem's -l is raised).

LEVELS = {"logit": "INFO", "verbose": "VERBOSE", "error": "ERROR", "fatal": "FATAL",
          "logdie": "INFO", "sigdie": "FATAL"}
LEVEL_ORDER = ["FATAL", "ERROR", "INFO", "VERBOSE", "debug"]
PRI_MACROS = {"PRIu64": "llu", "PRId64": "lld", "PRIx64": "llx", "PRIu32": "u",
              "PRId32": "d", "PRIx32": "x", "PRIu16": "u", "PRIu8": "u", "PRIuMAX": "ju",
              "PRIdMAX": "jd", "PRIdPTR": "td"}

CALL_RE = re.compile(
    r"(?<![\w.>])(?P<name>logit|verbose|error|fatal|logdie|sigdie|do_log2|authlog"
    r"|ssh_packet_disconnect|packet_disconnect|sshpkt_fatal)"
    r"(?P<var>_fr|_f|_r)?\s*\(")
FUNC_RE = re.compile(r"^([A-Za-z_]\w*)\s*\(", re.M)
CONV_RE = re.compile(r"%([-+ #0]*)(\*|\d+)?(?:\.(\*|\d+))?(hh|h|ll|l|q|j|z|t|L)?([diouxXcsfFeEgGp%])")


def version_key(tag):
    m = re.match(r"V_(\d+)_(\d+)_P(\d+)$", tag)
    return tuple(int(x) for x in m.groups()) if m else None


class Git:
    def __init__(self, git_dir):
        self.git_dir = git_dir
        self.proc = subprocess.Popen(["git", "--git-dir", git_dir, "cat-file", "--batch"],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)

    def tags(self):
        out = subprocess.run(["git", "--git-dir", self.git_dir, "tag"], check=True,
                             capture_output=True, text=True).stdout.split()
        return sorted((t for t in out if version_key(t) and version_key(t) >= (7, 4, 1)),
                      key=version_key)

    def ls(self, tag):
        out = subprocess.run(["git", "--git-dir", self.git_dir, "ls-tree", "-r", "--name-only",
                              tag], check=True, capture_output=True, text=True).stdout
        return out.split("\n")

    def show(self, tag, path):
        self.proc.stdin.write(f"{tag}:{path}\n".encode())
        self.proc.stdin.flush()
        header = self.proc.stdout.readline().decode()
        if header.endswith("missing\n"):
            return None
        size = int(header.split()[2])
        data = self.proc.stdout.read(size + 1)[:-1]
        return data.decode("utf-8", "replace")


def strip_comments(src):
    """Blank out comments (keeping newlines), leave string and char literals alone."""
    out, i, n = [], 0, len(src)
    while i < n:
        c = src[i]
        if c == "/" and src.startswith("/*", i):
            j = src.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append(re.sub(r"[^\n]", " ", src[i:j]))
            i = j
        elif c == "/" and src.startswith("//", i):
            j = src.find("\n", i)
            j = n if j < 0 else j
            out.append(" " * (j - i))
            i = j
        elif c in "\"'":
            j = i + 1
            while j < n and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            out.append(src[i:j + 1])
            i = j + 1
        else:
            out.append(c)
            i += 1
    return "".join(out)


def split_args(src, start):
    """src[start] is just after '('. Returns (list of argument texts, end index)."""
    args, depth, cur, i = [], 0, [], start
    while i < len(src):
        c = src[i]
        if c in "\"'":
            j = i + 1
            while j < len(src) and src[j] != c:
                j += 2 if src[j] == "\\" else 1
            cur.append(src[i:j + 1])
            i = j + 1
            continue
        if c in "([{":
            depth += 1
        elif c in ")]}":
            if depth == 0:
                args.append("".join(cur).strip())
                return args, i
            depth -= 1
        elif c == "," and depth == 0:
            args.append("".join(cur).strip())
            cur = []
            i += 1
            continue
        cur.append(c)
        i += 1
    return None, i


def c_unescape(body):
    simple = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "'": "'", "a": "\a",
              "0": "\0"}
    out, i = [], 0
    while i < len(body):
        if body[i] == "\\" and i + 1 < len(body):
            out.append(simple.get(body[i + 1], body[i + 1]))
            i += 2
        else:
            out.append(body[i])
            i += 1
    return "".join(out)


def literal_format(arg):
    """Concatenate the string literals of a format argument; None if it is not one."""
    parts = re.findall(r'"((?:[^"\\]|\\.)*)"|([A-Za-z_]\w*)|(\S)', arg, re.S)
    if not parts or not any(p[0] or (not p[1] and not p[2]) for p in parts):
        return None
    out = []
    for lit, ident, other in parts:
        if ident:
            if ident in PRI_MACROS:
                out.append(PRI_MACROS[ident])
            elif ident == "__func__":
                return None
            else:
                out.append("<" + ident + ">")
        elif other:
            return None
        else:
            out.append(c_unescape(lit))
    return "".join(out)


def tsv_escape(s):
    return s.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def conversions(fmt):
    """The argument-consuming conversions of fmt, as list of (start, end, text, nargs)."""
    res = []
    for m in CONV_RE.finditer(fmt):
        if m.group(5) == "%":
            continue
        nargs = 1 + (m.group(2) == "*") + (m.group(3) == "*")
        res.append((m.start(), m.end(), m.group(0), nargs))
    return res


def levels_in(expr, body, callpos):
    """Non-debug levels a level expression may take ('debug' marks a debug alternative)."""
    names = re.findall(r"SYSLOG_LEVEL_(\w+)", expr)
    if not names:
        var = expr.strip()
        if re.fullmatch(r"[A-Za-z_]\w*", var):
            # assignments to the variable in this function, before the call
            names = re.findall(r"\b" + re.escape(var) + r"\s*=\s*([^;]*);", body[:callpos])
            names = [n for a in names for n in re.findall(r"SYSLOG_LEVEL_(\w+)", a)]
    out = set()
    for n in names:
        out.add("debug" if n.startswith("DEBUG") else n)
    return out


def extract_file(src, path):
    """Yield (format, levels, function, call, logged) for each log call in one file."""
    src = strip_comments(src)
    funcs = [(m.start(), m.group(1)) for m in FUNC_RE.finditer(src)
             if m.group(1) not in ("if", "while", "for", "switch", "return", "sizeof")]
    starts = [p for p, _ in funcs]
    import bisect
    for m in CALL_RE.finditer(src):
        # skip definitions and prototypes ("void\nlogit(...)" at column 0, or "int error(")
        line_start = src.rfind("\n", 0, m.start()) + 1
        prefix = src[line_start:m.start()]
        if prefix.strip() and not re.search(r"[=(),;:?!&|{}]\s*$|\b(return|else)\s*$", prefix):
            continue
        if m.start() == line_start and m.group("name") not in ("authlog",):
            continue
        name, var = m.group("name"), m.group("var") or ""
        if name == "authlog" and var:
            continue
        args, end = split_args(src, m.end())
        if args is None:
            continue
        k = bisect.bisect_right(starts, m.start()) - 1
        func, fstart = (funcs[k][1], funcs[k][0]) if k >= 0 else ("-", 0)
        body = src[fstart:m.start()]
        suffix = "r" in var
        showfunc = "f" in var
        if name in LEVELS:
            levels = {LEVELS[name]}
            fargs = args[1:] if suffix else args
        elif name == "authlog":
            levels = {"VERBOSE", "INFO"}
            fargs = args
        elif name == "do_log2":
            lvarg = args[1] if suffix else args[0]
            levels = levels_in(lvarg, src[fstart:], m.start() - fstart)
            fargs = args[2:] if suffix else args[1:]
        elif name in ("ssh_packet_disconnect", "packet_disconnect"):
            levels = {"INFO"}
            fargs = args[1:] if name == "ssh_packet_disconnect" else args
        elif name == "sshpkt_fatal":
            levels = {"INFO"}
            # 7.4-8.x: sshpkt_fatal(ssh, tag, r); later sshpkt_fatal(ssh, r, fmt, ...)
            fargs = [a for a in args[1:] if '"' in a or a == "__func__"][:1]
            rest = args[args.index(fargs[0]) + 1:] if fargs else []
            fargs = fargs + [a for a in rest if a != "r"]
        else:
            continue
        if not levels or levels == {"debug"} or not fargs:
            continue
        fmt = literal_format(fargs[0])
        if fmt is None:
            if fargs[0] == "__func__":
                fmt, fargs = "%s", ["%s", "__func__"]
            else:
                fmt = "<" + re.sub(r"\s+", " ", fargs[0]) + ">"
                fargs = [fargs[0]]
        # logged form
        logged = fmt
        convs = conversions(fmt)
        ai = 1
        pieces, last = [], 0
        for s, e, text, nargs in convs:
            a = fargs[ai + nargs - 1] if ai + nargs - 1 < len(fargs) else ""
            pieces.append(fmt[last:s])
            pieces.append(func if a == "__func__" else text)
            last = e
            ai += nargs
        pieces.append(fmt[last:])
        logged = "".join(pieces)
        if name in ("ssh_packet_disconnect", "packet_disconnect"):
            logged = "Disconnecting <id>: " + logged
        elif name == "sshpkt_fatal":
            logged = logged + ": Connection from <id>: <ssh_err>"
        if showfunc:
            logged = func + ": " + logged
        if suffix:
            logged = logged + ": <ssh_err>"
        top = [lv for lv in LEVEL_ORDER if lv in levels]
        if top[0] in ("ERROR", "FATAL") and len(top) == 1:
            logged = top[0].lower() + ": " + logged
        elif "ERROR" in top or "FATAL" in top:
            logged = "[" + "|".join(lv.lower() + ": " for lv in top
                                    if lv in ("ERROR", "FATAL")) + "]" + logged
        call = name + var
        yield fmt, "|".join(top), func, call, logged


def wanted(path):
    return "/" not in path.replace("openbsd-compat/", "", 1) and any(
        fnmatch.fnmatchcase(path, p) for p in FILE_PATTERNS)


def programs_from_makefile(mk):
    """Map object name -> set of programs, from Makefile.in's *OBJS lists."""
    mk = mk.replace("\\\n", " ")
    lists = {}
    for m in re.finditer(r"^(\w+)\s*=(.*)$", mk, re.M):
        lists[m.group(1)] = m.group(2).split()
    def expand(name, seen=()):
        out = []
        for w in lists.get(name, []):
            mm = re.fullmatch(r"\$[({](\w+)[)}]", w)
            if mm:
                if mm.group(1) not in seen:
                    out += expand(mm.group(1), seen + (name,))
            else:
                out.append(w)
        return out
    progs = defaultdict(set)
    for var, prog in (("SSHDOBJS", "sshd"), ("SSHD_SESSION_OBJS", "sshd-session"),
                      ("SSHD_AUTH_OBJS", "sshd-auth"), ("LIBSSH_OBJS", "lib"),
                      ("LIBOPENSSH_OBJS", "lib")):
        for o in expand(var):
            progs[o].add(prog)
    return progs


def collect(git, tags):
    rows = defaultdict(list)   # key -> list of tag indexes
    progs_of = defaultdict(set)  # key -> binaries carrying the file, over the row's tags
    for ti, tag in enumerate(tags):
        files = sorted(p for p in git.ls(tag) if p and wanted(p))
        progs = programs_from_makefile(git.show(tag, "Makefile.in") or "")
        for path in files:
            src = git.show(tag, path)
            if src is None:
                continue
            obj = path.rsplit("/", 1)[-1][:-2] + ".o"
            p = set(progs.get(obj, set()))
            if "lib" in p:   # libssh.a: in every server binary this release has
                p = (p - {"lib"}) | {b for b in ("sshd", "sshd-session", "sshd-auth")
                                     if b == "sshd" or git_has(git, tag, b + ".c")}
            seen = set()
            for fmt, level, func, call, logged in extract_file(src, path):
                key = (fmt, level, path, func, call, logged)
                if key in seen:
                    continue
                seen.add(key)
                rows[key].append(ti)
                progs_of[key] |= p
    return rows, progs_of


_HAS = {}


def git_has(git, tag, path):
    if (tag, path) not in _HAS:
        _HAS[(tag, path)] = git.show(tag, path) is not None
    return _HAS[(tag, path)]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--git-dir", required=True)
    ap.add_argument("--tags", nargs="*", help="release tags (default: V_7_4_P1 and later)")
    ap.add_argument("--summary", action="store_true",
                    help="print the per-release table (formats known / mapped / ignored)")
    ap.add_argument("--catalogue", default=None, help="catalogue.tsv, for --summary")
    args = ap.parse_args()
    git = Git(args.git_dir)
    tags = args.tags or git.tags()
    rows, progs = collect(git, tags)
    if args.summary:
        summary(rows, tags, args.catalogue)
        return
    w = sys.stdout.write
    w("# Server-side log calls of openssh-portable, " + tags[0] + " .. " + tags[-1] +
      ". Generated by extract_log_calls.py (see its header); do not edit.\n")
    w("format\tlevel\tfile\tfunction\tfirst\tlast\tcall\tlogged\tgaps\tprograms\n")
    out = []
    order = ["sshd", "sshd-session", "sshd-auth"]
    for key, tis in rows.items():
        fmt, level, path, func, call, logged = key
        gaps = [tags[i] for i in range(tis[0], tis[-1] + 1) if i not in set(tis)]
        pr = ",".join(sorted(progs[key], key=order.index)) or "-"
        out.append((path, func, fmt, level, call, logged, tis[0], tis[-1], gaps, pr))
    out.sort(key=lambda r: (r[0], r[1], r[2], r[6], r[3], r[4], r[5]))
    for path, func, fmt, level, call, logged, f, l, gaps, pr in out:
        w("\t".join([tsv_escape(fmt), level, path, func, tags[f], tags[l], call,
                     tsv_escape(logged), ",".join(gaps) or "-", pr]) + "\n")


def read_catalogue(path):
    """logged form -> set of decisions of its variants, from catalogue.tsv."""
    dec = defaultdict(set)
    if not path:
        return dec
    with open(path, encoding="utf-8") as f:
        header = None
        for line in f:
            if line.startswith("#") or not line.strip():
                continue
            cols = line.rstrip("\n").split("\t")
            if header is None:
                header = cols
                continue
            r = dict(zip(header, cols))
            if r.get("source") == "openssh":
                lg = re.sub(r"\\(.)", lambda m: {"t": "\t", "n": "\n", "r": "\r"}.get(
                    m.group(1), m.group(1)), r["logged"])
                dec[lg].add(r["decision"])
    return dec


def summary(rows, tags, catalogue):
    """Per release: distinct logged formats; mapped = some meaning of it becomes a kind."""
    dec = read_catalogue(catalogue)
    print("| release | formats known | mapped to a specific kind | generic sshd_fatal "
          "| ignored (with reason) | no decision |")
    print("|---------|--------------:|--------------------------:|-------------------:"
          "|----------------------:|------------:|")
    for ti, tag in enumerate(tags):
        present = sorted({k[5] for k, tis in rows.items() if ti in tis})
        mapped = fatal = ignored = 0
        for lg in present:
            d = dec.get(lg, set()) - {"NO DECISION"}
            kinds = {x for x in d if not x.startswith("ignored")}
            if kinds - {"sshd_fatal"}:
                mapped += 1
            elif kinds:
                fatal += 1
            elif d:
                ignored += 1
        rest = len(present) - mapped - fatal - ignored
        print(f"| {tag} | {len(present)} | {mapped} | {fatal} | {ignored} | {rest} |")


if __name__ == "__main__":
    main()
