#!/usr/bin/env python3
"""Write KINDS.md: the event kinds catalogue.tsv uses that daemon/parse/sshd_event.cpp does
not define yet, each with a one-line meaning (MEANING below) and the formats it comes from.
Usage: python3 tests/data/openssh/make_kinds.py   (after make_catalogue.py; stdlib only).
Fails if a new kind has no meaning here: add one."""

import collections
import os
import re

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(HERE)))

MEANING = {
    "partial_auth": "one method of an AuthenticationMethods list succeeded; more are required",
    "refuse_connection": "RefuseConnection (in a Match block) turned the connection away (\"administratively prohibited\")",
    "protocol_violation": "the client broke the protocol: strict-KEX violation, multiple KEXINIT, non-transport message during key exchange, sequence-number wrap, username/service change",
    "rekey_limit_preauth": "the client exceeded RekeyLimit before authenticating (10.3+)",
    "libcrypto_error": "a connection died on an OpenSSL (libcrypto) error; 10.3+ logs the OpenSSL text",
    "sshd_restart": "sshd received SIGHUP and re-executed itself (configuration reload)",
    "bind_failed": "sshd could not bind a ListenAddress/Port (address in use, no such address)",
    "host_key_problem": "a host key or host certificate is unusable beyond a plain load failure: no matching private key, certificate not a certificate, public/private mismatch, shielding failed, HostKeyAgent unreachable",
    "client_alive_timeout": "ClientAliveInterval x ClientAliveCountMax passed without an answer; sshd closed the connection",
    "unused_connection_timeout": "UnusedConnectionTimeout closed a connection that had no open channels",
    "session_crash": "a session or pre-auth process crashed or was killed by a signal (SIGSEGV/SIGBUS...: what memory-corruption exploit attempts such as regreSSHion leave)",
    "cert_refused": "a user or host certificate was refused (expired, not yet valid, principal not listed, refused by options)",
    "key_source_not_permitted": "the right key or certificate was used from a host its from= option or source-address restriction does not permit",
    "key_revoked": "a key listed in RevokedKeys (or @revoked in known_hosts) was offered",
    "fido_no_user_presence": "a FIDO (sk-) key signature lacked user presence (no touch) or user verification (no PIN)",
    "key_alg_refused": "a key's algorithm is not usable: unsupported (ssh-dss from 10.0), not in the permitted list, below RequiredRSASize, unsafe RSA signatures, certificate signature algorithm refused",
    "authorized_keys_unreadable": "a user's authorized_keys (or .rhosts/.shosts) could not be opened or is not a regular file",
    "account_expired": "the user's account has expired (shadow)",
    "password_expired": "the user's password has expired (shadow aging, root-forced, or PAM asked for a change sshd cannot do)",
    "session_opened": "a session (shell, command, subsystem) started for a user (sshd VERBOSE, or pam_unix(sshd:session))",
    "session_closed": "a session ended (sshd VERBOSE \"Close session\", or pam_unix(sshd:session))",
    "subsystem_failure": "a subsystem request (e.g. sftp) failed: not configured or could not start",
    "sftp_only_refused": "a non-sftp session was refused on an sftp-only (ForceCommand internal-sftp) account",
    "version_probe": "a client only read the banner and left (ssh-keyscan, scanners: \"probed\"/\"scanned ... Don't panic\")",
    "account_locked": "pam_faillock locked the account after consecutive failures",
    "repeated": "rsyslog folded N identical sshd lines into one (\"message repeated N times: [ ... ]\"): the bracketed message counts N times",
    "journal_suppressed": "journald rate-limited sshd's unit and dropped N lines (\"Suppressed N messages from ssh.service\"): events are missing",
}


def main():
    src = open(os.path.join(ROOT, "daemon/parse/sshd_event.cpp"), encoding="utf-8").read()
    existing = set(re.findall(r'EventKind::k\w+, "(\w+)"', src))
    rows = [l.rstrip("\n").split("\t") for l in open(os.path.join(HERE, "catalogue.tsv"),
                                                     encoding="utf-8") if not l.startswith("#")]
    header, rows = rows[0], [dict(zip(rows[0], r)) for r in rows[1:]]
    by = collections.defaultdict(list)
    for r in rows:
        d = r["decision"]
        if d.startswith("ignored") or d in existing or d == "NO DECISION":
            continue
        if r["logged"] not in by[d]:
            by[d].append(r["logged"])
    missing = sorted(set(by) - set(MEANING))
    if missing:
        raise SystemExit("no meaning for new kinds: " + ", ".join(missing))
    with open(os.path.join(HERE, "KINDS.md"), "w", encoding="utf-8") as f:
        f.write("# New event kinds proposed by the catalogue\n\n"
                "Kinds catalogue.tsv uses that daemon/parse/sshd_event.cpp AllEventKinds() does not "
                "define yet (generated by make_kinds.py; the parser step adds them). Existing kinds "
                "keep their meaning; `connection_closed` also gets the packet.c \"Connection "
                "closed/reset by <id>\", \"Disconnected from <id>\" lines logged after a login: "
                "with the \"user X\" preamble (auth2.c sets it once authentication succeeded), "
                "or, for a bare \"<ip> port <n>\" id, when the PID's session saw its Accepted "
                "line. Without \" [preauth]\" and without that evidence they stay "
                "`preauth_disconnect` (9.2 logs a close during the identification exchange with "
                "no \" [preauth]\": the privsep child does not exist yet).\n\n"
                "| kind | meaning | formats (logged form, from catalogue.tsv) |\n|---|---|---|\n")
        for k in sorted(by):
            fm = "<br>".join("`" + x.replace("|", "\\|") + "`" for x in by[k])
            f.write(f"| {k} | {MEANING[k]} | {fm} |\n")


if __name__ == "__main__":
    main()
