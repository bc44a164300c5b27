#!/usr/bin/env python3
"""Deterministic generator of a realistic auth.log from a server under attack.

    gen_authlog.py --lines N [--sources S] [--seed K] [--mix attack|quiet] --out auth.log [--export FILE]
                   [--start-epoch T --span SECONDS] [--hosts N]

Same seed, same arguments -> byte-identical output (the benchmark compares tools on
exactly the same input). The mix: password guessing and invalid users (about 60% of the
lines), preauth disconnects, accepted logins with their PAM session lines, MaxStartups
throttling with its drops, key exchange negotiation failures, banner garbage (HTTP and
TLS probes), and unrelated daemons (CRON, systemd, kernel firewall, sudo). Sources: S
distinct attacker addresses (about 4% of them IPv6). User names include hostile ones
(spaces, a fake " from 1.2.3.4 port 22", control characters escaped the way OpenSSH's
log.c does with strnvis(VIS_CSTYLE|VIS_NL|VIS_TAB|VIS_OCTAL)). Programs: sshd (listener
and pre-9.8 sessions) and sshd-session (OpenSSH 9.8+). Timestamps: classic syslog
"Nov 21 16:31:02".

--mix quiet is a quiet server's day instead: mostly other daemons (CRON, systemd, sudo,
the kernel's firewall), the admins' own logins with their sessions, and a thin trickle of
guessing and scanners (a few percent of the lines).

--hosts N writes a central log host's file instead: each connection (a session's lines)
comes from one of N machines, web0001..webNNNN, drawn from a generator of its own, and
its lines carry that HOSTNAME (PIDs still come from the one generator). With N = 1 (the
default) the lines carry --host, by default this machine's name (a server's own day);
--host web1 writes the files of the earlier rounds byte for byte.

--export FILE also writes the same entries in journald's export format (for
systemd-journal-remote), each with the fields journald would record for them.
"""
import argparse
import random
import socket
import sys
import time

# A server's own log names the server: the daemon keys another machine's lines by host
# (issue 17), which a bench of one server's day must not pay. --host web1 gives the
# files of the rounds before 2026-12-01's fourth session.
HOST = socket.gethostname()
BASE_EPOCH = 1795219200  # 2026-11-21 00:00:00 UTC
BOOT_ID = "0f6c1e3a9b2d4c5e8f7a6b5c4d3e2f1a"
MACHINE_ID = "5b1e7c3d9a2f4e6b8c0d1f3a5e7b9c2d"
SERVER_ADDR = "203.0.113.10"

COMMON_USERS = ["root", "admin", "test", "user", "ubuntu", "oracle", "postgres", "git",
                "ftpuser", "guest", "pi", "support", "deploy", "www-data", "mysql",
                "hadoop", "jenkins", "dev", "steam", "minecraft", "ansible", "nagios",
                "123456", "administrator", "ts3", "teamspeak", "docker", "es", "user1"]
HOSTILE_USERS = [
    "admin from 1.2.3.4 port 22",          # tries to fool naive " from IP port" parsers
    "root port 22 ssh2",
    "a b c",
    "x\\033[2Jcleared",                    # ESC escaped by sshd as octal
    "evil\\nFailed password for root from 9.9.9.9 port 1 ssh2",  # newline as \n
    "tab\\there",
    "back\\\\slash",
    "\\001\\002ctl",
    "[preauth]",
    "' OR 1=1 --",
    "$(reboot)",
    "%s%s%n",
    "",                                    # empty user: "Invalid user  from ..."
    "user\\rcarriage",
]
REAL_USERS = ["alice", "bob", "deploy", "backup"]
OFFERS = [
    ("key exchange method", "diffie-hellman-group1-sha1,diffie-hellman-group14-sha1"),
    ("key exchange method", "diffie-hellman-group-exchange-sha1,diffie-hellman-group1-sha1"),
    ("host key type", "ssh-rsa,ssh-dss"),
    ("host key type", "ssh-dss"),
    ("cipher", "aes128-cbc,3des-cbc,aes256-cbc"),
    ("MAC", "hmac-sha1,hmac-md5"),
]
BANNER_GARBAGE = [
    'error: kex_exchange_identification: client sent invalid protocol identifier "GET / HTTP/1.1"',
    'error: kex_exchange_identification: client sent invalid protocol identifier "MGLNDD_203.0.113.10_22"',
    "error: kex_exchange_identification: banner line contains invalid characters",
    "error: kex_exchange_identification: Connection closed by remote host",
    "error: kex_exchange_identification: read: Connection reset by peer",
]
PAM_SERVICE_FAIL = ("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 "
                    "tty=ssh ruser= rhost={ip}  user={user}")


class Sources:
    """S distinct attacker addresses, drawn with a skew (a few loud ones, a long tail)."""

    def __init__(self, rng, count):
        self.rng = rng
        self.addrs = []
        seen = set()
        while len(self.addrs) < count:
            if rng.random() < 0.04:
                a = "2001:db8:%x:%x::%x" % (rng.randrange(1 << 16), rng.randrange(1 << 16),
                                            rng.randrange(1, 1 << 16))
            else:
                a = "%d.%d.%d.%d" % (rng.randrange(1, 224), rng.randrange(256),
                                     rng.randrange(256), rng.randrange(1, 255))
            if a not in seen:
                seen.add(a)
                self.addrs.append(a)
        self.next_fresh = 0

    def pick(self):
        # Walk every address once first so all S appear, then repeat with a skew.
        if self.next_fresh < len(self.addrs):
            self.next_fresh += 1
            return self.addrs[self.next_fresh - 1]
        r = self.rng.random()
        return self.addrs[int(len(self.addrs) * r * r)]


# Cumulative session weights per mix: invalid user, known user, scanner, legit login,
# MaxStartups wave; the rest is unrelated daemons.
MIXES = {
    "attack": (0.40, 0.62, 0.84, 0.85, 0.8525),
    "quiet": (0.015, 0.025, 0.04, 0.14, 0.14),
}


class Gen:
    def __init__(self, rng, sources, mix="attack"):
        self.rng = rng
        self.sources = sources
        self.pid = 20000
        self.weights = MIXES[mix]

    def new_pid(self):
        self.pid += self.rng.randrange(1, 7)
        if self.pid > 4000000:
            self.pid = 20000
        return self.pid

    def prog(self):
        return "sshd-session" if self.rng.random() < 0.3 else "sshd"

    def port(self):
        return self.rng.randrange(1024, 65536)

    # Each session is a list of (program, pid, message) in the order sshd logs them.
    def attack_invalid_user(self):
        r = self.rng
        ip, port, pid, prog = self.sources.pick(), self.port(), self.new_pid(), self.prog()
        user = r.choice(HOSTILE_USERS) if r.random() < 0.05 else r.choice(COMMON_USERS)
        out = [(prog, pid, "Invalid user %s from %s port %d" % (user, ip, port))]
        if r.random() < 0.3:  # only when PAM handles passwords and the client got that far
            out += [(prog, pid, "pam_unix(sshd:auth): check pass; user unknown"),
                    (prog, pid, PAM_SERVICE_FAIL.format(ip=ip, user="").rstrip())]
        for _ in range(r.choice((1, 2, 2, 3))):
            out.append((prog, pid, "Failed password for invalid user %s from %s port %d ssh2"
                        % (user, ip, port)))
        out.append(self.preauth_end(prog, pid, ip, port, "invalid user " + user))
        return out

    def attack_known_user(self):
        r = self.rng
        ip, port, pid, prog = self.sources.pick(), self.port(), self.new_pid(), self.prog()
        user = r.choice(("root", "root", "root", "ubuntu", "admin", "git"))
        out = [(prog, pid, PAM_SERVICE_FAIL.format(ip=ip, user=user))] if r.random() < 0.3 else []
        tries = r.choice((1, 2, 3, 6))
        for _ in range(tries):
            out.append((prog, pid, "Failed password for %s from %s port %d ssh2" % (user, ip, port)))
        if tries == 6:
            out.append((prog, pid, "error: maximum authentication attempts exceeded for %s "
                        "from %s port %d ssh2 [preauth]" % (user, ip, port)))
            out.append((prog, pid, "Disconnecting authenticating user %s %s port %d: Too many "
                        "authentication failures [preauth]" % (user, ip, port)))
            out.append((prog, pid, "PAM 5 more authentication failures; logname= uid=0 euid=0 "
                        "tty=ssh ruser= rhost=%s  user=%s" % (ip, user)))
        else:
            out.append(self.preauth_end(prog, pid, ip, port, "authenticating user " + user))
        return out

    def preauth_end(self, prog, pid, ip, port, who):
        r = self.rng.random()
        if r < 0.5:
            return (prog, pid, "Connection closed by %s %s port %d [preauth]" % (who, ip, port))
        if r < 0.8:
            return (prog, pid, "Disconnected from %s %s port %d [preauth]" % (who, ip, port))
        return (prog, pid, "Received disconnect from %s port %d:11: Bye Bye [preauth]" % (ip, port))

    def scanner(self):
        r = self.rng
        ip, port, pid, prog = self.sources.pick(), self.port(), self.new_pid(), self.prog()
        k = r.random()
        if k < 0.45:
            return [(prog, pid, "Connection closed by %s port %d [preauth]" % (ip, port))]
        if k < 0.6:
            return [(prog, pid, "Connection reset by %s port %d [preauth]" % (ip, port))]
        if k < 0.7:
            return [(prog, pid, "Timeout before authentication for %s port %d" % (ip, port))]
        if k < 0.88:
            what, offer = r.choice(OFFERS)
            return [(prog, pid, "Unable to negotiate with %s port %d: no matching %s found. "
                     "Their offer: %s [preauth]" % (ip, port, what, offer))]
        return [(prog, pid, r.choice(BANNER_GARBAGE)),
                (prog, pid, "banner exchange: Connection from %s port %d: invalid format"
                 % (ip, port))] if r.random() < 0.5 else [(prog, pid, r.choice(BANNER_GARBAGE))]

    def legit_login(self):
        r = self.rng
        ip = "198.51.100.%d" % r.randrange(2, 40)
        port, pid, prog = self.port(), self.new_pid(), self.prog()
        user = r.choice(REAL_USERS)
        uid = 1000 + REAL_USERS.index(user)
        if r.random() < 0.7:
            acc = "Accepted publickey for %s from %s port %d ssh2: ED25519 SHA256:%s" % (
                user, ip, port, "".join(r.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
                                         for _ in range(43)))
        else:
            acc = "Accepted password for %s from %s port %d ssh2" % (user, ip, port)
        return [(prog, pid, acc),
                (prog, pid, "pam_unix(sshd:session): session opened for user %s(uid=%d) by (uid=0)"
                 % (user, uid)),
                ("systemd-logind", 512, "New session %d of user %s." % (pid, user)),
                (prog, pid, "Received disconnect from %s port %d:11: disconnected by user" % (ip, port)),
                (prog, pid, "Disconnected from user %s %s port %d" % (user, ip, port)),
                (prog, pid, "pam_unix(sshd:session): session closed for user %s" % user),
                ("systemd-logind", 512, "Session %d logged out. Waiting for processes to exit." % pid)]

    def maxstartups_wave(self):
        r = self.rng
        out = [("sshd", 811, "error: beginning MaxStartups throttling")]
        n = r.randrange(5, 60)
        for i in range(n):
            ip, port = self.sources.pick(), self.port()
            shown = "[%s]:%d" % (ip, port)
            out.append(("sshd", 811, "drop connection #%d from %s on [%s]:22 past MaxStartups"
                        % (10 + i % 50, shown, SERVER_ADDR)))
        out.append(("sshd", 811, "exited MaxStartups throttling after 00:%02d:%02d, %d connections dropped"
                    % (r.randrange(0, 5), r.randrange(60), n)))
        return out

    def unrelated(self):
        r = self.rng
        k = r.random()
        if k < 0.35:
            pid = self.new_pid()
            return [("CRON", pid, "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)"),
                    ("CRON", pid, "pam_unix(cron:session): session closed for user root")]
        if k < 0.55:
            return [("kernel", 0, "[UFW BLOCK] IN=eth0 OUT= MAC=52:54:00:12:34:56:52:54:00:65:43:21:08:00 "
                     "SRC=%s DST=%s LEN=44 TOS=0x00 PREC=0x00 TTL=241 ID=54321 PROTO=TCP SPT=%d DPT=%d "
                     "WINDOW=1024 RES=0x00 SYN URGP=0" % (self.sources.pick(), SERVER_ADDR,
                                                         self.port(), r.choice((23, 3389, 8080, 445))))]
        if k < 0.75:
            n = r.randrange(1, 5000)
            return [("systemd", 1, "Started session-%d.scope - Session %d of User deploy." % (n, n))]
        if k < 0.9:
            return [("sudo", 0, "  deploy : TTY=pts/0 ; PWD=/home/deploy ; USER=root ; "
                     "COMMAND=/usr/bin/systemctl status ssh"),
                    ("sudo", 0, "pam_unix(sudo:session): session opened for user root(uid=0) by deploy(uid=1000)")]
        return [("systemd-logind", 512, "Removed session %d." % r.randrange(1, 5000))]

    def pick_session(self):
        r = self.rng.random()
        invalid, known, scanner, legit, wave = self.weights
        if r < invalid:
            return self.attack_invalid_user()
        if r < known:
            return self.attack_known_user()
        if r < scanner:
            return self.scanner()
        if r < legit:
            return self.legit_login()
        if r < wave:
            return self.maxstartups_wave()
        return self.unrelated()


def export_entry(prog, pid, msg, usec, seq, host=HOST):
    """One entry in journald's export format, as journald would have stored it."""
    sshd_like = prog.startswith("sshd")
    fields = [
        "__REALTIME_TIMESTAMP=%d" % usec,
        "__MONOTONIC_TIMESTAMP=%d" % (usec - BASE_EPOCH * 1000000 + 5000000),
        "_BOOT_ID=" + BOOT_ID,
        "_MACHINE_ID=" + MACHINE_ID,
        "_HOSTNAME=" + host,
        "PRIORITY=%d" % (3 if msg.startswith("error:") else 6),
        "MESSAGE=" + msg,
    ]
    if prog == "kernel":
        fields += ["_TRANSPORT=kernel", "SYSLOG_IDENTIFIER=kernel", "SYSLOG_FACILITY=0"]
    else:
        fields += ["_TRANSPORT=syslog", "SYSLOG_IDENTIFIER=" + prog,
                   "SYSLOG_FACILITY=%d" % (10 if sshd_like or prog in ("sudo", "CRON") else 4)]
        if pid:
            fields += ["SYSLOG_PID=%d" % pid, "_PID=%d" % pid]
        if sshd_like:
            fields += ["_COMM=" + prog, "_EXE=/usr/sbin/sshd", "_SYSTEMD_UNIT=ssh.service",
                       "_SYSTEMD_SLICE=system.slice"]
        elif prog == "CRON":
            fields += ["_COMM=cron", "_SYSTEMD_UNIT=cron.service"]
        elif prog == "systemd-logind":
            fields += ["_COMM=systemd-logind", "_SYSTEMD_UNIT=systemd-logind.service"]
    return "\n".join(fields) + "\n\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, required=True)
    ap.add_argument("--sources", type=int, default=50000)
    ap.add_argument("--seed", type=int, default=20261121)
    ap.add_argument("--mix", choices=sorted(MIXES), default="attack")
    ap.add_argument("--out", required=True)
    ap.add_argument("--export", help="also write journald export format here")
    ap.add_argument("--start-epoch", type=int, default=BASE_EPOCH,
                    help="time of the first line (default 2026-11-21 00:00 UTC)")
    ap.add_argument("--span", type=int, default=0,
                    help="seconds the lines cover (default: about 85 ms a line)")
    ap.add_argument("--host", default=HOST,
                    help="the machine that logged the lines (default: this one)")
    ap.add_argument("--hosts", type=int, default=1,
                    help="machines whose logs are interleaved (a central log host)")
    args = ap.parse_args()
    # Its own generator: the lines' stream stays the one of --hosts 1.
    host_rng = random.Random(args.seed + 17)

    def pick_host():
        if args.hosts <= 1:
            return args.host
        return "web%04d" % (host_rng.randrange(args.hosts) + 1)

    max_gap = 170000 if args.span <= 0 else max(1, 2 * args.span * 1000000 // args.lines)

    rng = random.Random(args.seed)
    gen = Gen(rng, Sources(rng, args.sources), args.mix)
    active = [gen.pick_session() for _ in range(6)]  # a few connections interleave
    hosts = [pick_host() for _ in active]  # the machine each one is on
    usec = args.start_epoch * 1000000
    counts = {}
    written = 0
    out = open(args.out, "w", encoding="ascii", newline="\n")
    exp = open(args.export, "w", encoding="ascii", newline="\n") if args.export else None
    buf, ebuf = [], []
    while written < args.lines:
        i = rng.randrange(len(active))
        prog, pid, msg = active[i].pop(0)
        host = hosts[i]
        if not active[i]:
            active[i] = gen.pick_session()
            hosts[i] = pick_host()
        usec += rng.randrange(0, max_gap)
        secs = usec // 1000000
        stamp = time.strftime("%b %d %H:%M:%S", time.gmtime(secs))
        if stamp[4] == "0":
            stamp = stamp[:4] + " " + stamp[5:]  # syslog pads the day with a space
        tag = "%s[%d]" % (prog, pid) if pid else prog
        if prog == "kernel":
            msg_line = "[%d.%06d] %s" % (secs - args.start_epoch + 5, usec % 1000000, msg)
        else:
            msg_line = msg
        buf.append("%s %s %s: %s\n" % (stamp, host, tag, msg_line))
        if exp:
            ebuf.append(export_entry(prog, pid, msg_line, usec, written, host))
        key = prog if not prog.startswith("sshd") else msg.split(" ")[0]
        counts[key] = counts.get(key, 0) + 1
        written += 1
        if len(buf) >= 10000:
            out.write("".join(buf))
            buf.clear()
            if exp:
                exp.write("".join(ebuf))
                ebuf.clear()
    out.write("".join(buf))
    out.close()
    if exp:
        exp.write("".join(ebuf))
        exp.close()
    top = sorted(counts.items(), key=lambda kv: -kv[1])[:12]
    print("gen_authlog: %d lines, %d sources; most frequent first words: %s"
          % (written, args.sources, ", ".join("%s=%.1f%%" % (k, 100.0 * v / written) for k, v in top)),
          file=sys.stderr)


if __name__ == "__main__":
    main()
