// Sessions, child processes and their crashes, connection timeouts, PAM session and
// faillock lines - and the dispatch of every format issue 14 added (the families in
// key_lines.cpp and relay_lines.cpp are reached from here). Each branch cites the
// OpenSSH (or Linux-PAM) format it matches; tests/data/openssh/catalogue.tsv has them all
// with their first and last release.
#include "parse/line_parser.h"

namespace sshd_health::parse_internal {

// sshd.c child_register(): the child id "connection from %s to %s" (client, then listen
// address; 9.8 had them swapped) or "connection from %s" (not TCP). The child's PID
// settles which is the client through the session table; else an address we know to be
// local is ruled out; else the 9.9+ order holds - the first is the client.
bool LineParser::ChildId(Sv ids, Sv pid_text, SshdEvent& e) {
  const auto to = ids.find(" to ");
  const Sv a = ids.substr(0, to);
  const Sv b = to == Sv::npos ? Sv{} : ids.substr(to + 4);
  const auto na = NormaliseIp(a);
  if (!na) return false;
  const auto nb = to == Sv::npos ? std::nullopt : NormaliseIp(b);
  if (!nb) {  // not TCP: only the peer is named
    e.ip = *na;
    return true;
  }
  int child_pid = 0;
  if (scan::ParseUint(pid_text, child_pid)) {
    LogRecord child = rec_;
    child.pid = child_pid;
    if (const auto* entry = s_.Find(child)) {
      if (entry->ip == *na || entry->ip == *nb) {
        e.ip = entry->ip;
        e.port = entry->port;
        return true;
      }
    }
  }
  const bool a_local = s_.IsLocal(*na);
  const bool b_local = s_.IsLocal(*nb);
  e.ip = a_local && !b_local ? *nb : *na;
  return true;
}

// sshd.c child_reap() (9.8+, logged by the listener): "session process %ld for %s killed
// by signal %d%s" (ERROR for SIGSEGV/SIGBUS/... - a crash) and "session process %ld for
// %s terminated abnormally, status=0x%x%s"; %s the child id.
bool LineParser::SessionProcess(Sv rest) {
  const Sv pid_text = scan::TakeUntil(rest, " ");
  if (!ConsumePrefix(rest, "for connection from ")) return false;
  auto end = rest.find(" killed by signal ");
  if (end == Sv::npos) end = rest.find(" terminated abnormally");
  if (end == Sv::npos) return false;
  SshdEvent& e = Make(EventKind::kSessionCrash);
  if (!ChildId(rest.substr(0, end), pid_text, e)) return false;
  scan::SetText(e.detail, rest.substr(end + 1));
  return true;
}

// session.c do_exec() / session_close(): verbose("Starting session: %s%s%s for %s from
// %.200s port %d id %d") and verbose("Close session: user %s from %.200s port %d id %d").
// Right-anchored: " from <ip> port <n> id <n>" ends the line.
bool LineParser::SessionLine(Sv rest, EventKind kind) {
  const auto id = rest.rfind(" id ");
  if (id == Sv::npos) return false;
  Sv who = rest.substr(0, id);
  SshdEvent& e = Make(kind);
  if (!ConsumeTrailingPort(who, e.port)) return false;
  const auto from = who.rfind(" from ");
  if (from == Sv::npos || !SetAddress(e, who.substr(from + 6), true)) return false;
  Sv user = who.substr(0, from);
  if (kind == EventKind::kSessionOpened) {
    const auto f = user.find(" for ");
    if (f == Sv::npos) return false;
    scan::SetText(e.detail, user.substr(0, f));
    user.remove_prefix(f + 5);
  } else if (!ConsumePrefix(user, "user ")) {
    return false;
  }
  scan::SetText(e.user, user);
  return true;
}

// Linux-PAM pam_unix_sess.c: "session opened for user %s(uid=%lu) by %s(uid=%lu)"
// (1.5.2+), "session opened for user %s by %s(uid=%lu)" (before), "session closed for user
// %s". No address: the PID's connection gives it.
bool LineParser::PamSession(Sv rest) {
  if (ConsumePrefix(rest, "session opened for user ")) {
    const auto by = rest.rfind(" by ");
    if (by == Sv::npos) return false;
    Sv user = rest.substr(0, by);
    const auto uid = user.rfind("(uid=");
    if (uid != Sv::npos && EndsWith(user, ")")) user = user.substr(0, uid);
    SshdEvent& e = MakeFromSession(EventKind::kSessionOpened);
    scan::SetText(e.user, user);
    e.detail = "pam";
    return true;
  }
  if (ConsumePrefix(rest, "session closed for user ")) {
    SshdEvent& e = MakeFromSession(EventKind::kSessionClosed);
    scan::SetText(e.user, rest);
    e.detail = "pam";
    return true;
  }
  return false;
}

// Linux-PAM pam_faillock.c write_tally(): "Consecutive login failures for user %s account
// temporarily locked"; and "User %s is temporarily locked out due to %u consecutive
// failed login attempts" (seen in documentation; unverified against a tagged release).
bool LineParser::PamFaillock(Sv rest) {
  Sv user;
  if (ConsumePrefix(rest, "Consecutive login failures for user ")) {
    if (!ConsumeSuffix(rest, " account temporarily locked")) return false;
    user = rest;
  } else if (ConsumePrefix(rest, "User ")) {
    const auto is = rest.rfind(" is temporarily locked out due to ");
    if (is == Sv::npos) return false;
    user = rest.substr(0, is);
  } else {
    return false;
  }
  SshdEvent& e = MakeFromSession(EventKind::kAccountLocked);
  scan::SetText(e.user, user);
  return true;
}

// monitor.c mm_answer_pwnamallow() (9.9+, RefuseConnection): "administratively prohibited
// connection for %s%s from %.128s port %d" ("invalid user " or "", the user).
bool LineParser::AdministrativelyProhibited(Sv rest) {
  SshdEvent& e = Make(EventKind::kRefuseConnection);
  if (!ConsumeTrailingPort(rest, e.port)) return false;
  const auto from = rest.rfind(" from ");
  if (from == Sv::npos || !SetAddress(e, rest.substr(from + 6), true)) return false;
  scan::SetText(e.user, StripUserPrefix(rest.substr(0, from)));
  Remember(e);
  return true;
}

// session.c session_subsystem_req(): "subsystem request for %.100s by user %s failed,
// subsystem not found" (7.4-10.3) and "... failed, %s" (10.4+).
bool LineParser::SubsystemFailure(Sv rest) {
  const auto failed = rest.rfind(" failed, ");
  if (failed == Sv::npos) return false;
  const Sv head = rest.substr(0, failed);
  const auto by = head.find(" by user ");
  if (by == Sv::npos) return false;
  SshdEvent& e = MakeFromSession(EventKind::kSubsystemFailure);
  scan::SetText(e.user, head.substr(by + 9));
  e.detail.assign(head.substr(0, by));
  e.detail += ": ";
  e.detail.append(rest.substr(failed + 9));
  return true;
}

namespace {

// "...: <digits>" style tails are not checked; a signal line's detail is its text.
bool IsOneOf(Sv s, std::initializer_list<Sv> prefixes) {
  for (Sv p : prefixes) {
    if (StartsWith(s, p)) return true;
  }
  return false;
}

}  // namespace

bool LineParser::DispatchSessionAndKeys() {
  const Sv m = p_.msg;
  Sv rest = m;
  switch (m.front()) {
    case 'A':
      // auth-shadow.c auth_shadow_acctexpired(): "Account %.100s has expired".
      if (ConsumePrefix(rest, "Account ")) {
        if (!ConsumeSuffix(rest, " has expired")) return false;
        SshdEvent& e = MakeFromSession(EventKind::kAccountExpired);
        scan::SetText(e.user, rest);
        return true;
      }
      if (ConsumePrefix(rest, "Authentication tried for ")) return KeySourceNotPermitted(rest);
      // auth2-pubkeyfile.c / auth.c auth_key_is_revoked(): error("Authentication key %s %s
      // revoked by file %s").
      if (ConsumePrefix(rest, "Authentication key ")) {
        const auto by = rest.rfind(" revoked by file ");
        if (by == Sv::npos) return false;
        SshdEvent& e = MakeFromSession(EventKind::kKeyRevoked);
        scan::SetText(e.detail, rest.substr(0, by));
        return true;
      }
      return false;
    case 'B':
      // sshd.c listen_on_addrs(): error("Bind to port %s on %s failed: %.200s.").
      if (ConsumePrefix(rest, "Bind to port ")) {
        SshdEvent& e = Make(EventKind::kBindFailed);
        ConsumeSuffix(rest, ".");
        scan::SetText(e.detail, rest);
        return true;
      }
      return false;
    case 'C':
      if (ConsumePrefix(rest, "Close session: "))
        return SessionLine(rest, EventKind::kSessionClosed);
      if (StartsWith(rest, "Certificate file is not a certificate: ")) return HostKeyProblem(rest);
      if (StartsWith(rest, "Certificate ")) return CertRefused(rest);
      if (StartsWith(rest, "Could not open user '")) return UserFileLine(rest);
      // sshd.c sshd_exchange_identification() (7.4-7.9): "Could not write ident string to
      // %s port %d".
      if (ConsumePrefix(rest, "Could not write ident string to ")) {
        SshdEvent& e = Make(EventKind::kKexIdentFailure);
        if (!ConsumeTrailingPort(rest, e.port) || !SetAddress(e, rest, false)) return false;
        e.detail = "could not write ident string";
        return true;
      }
      if (StartsWith(rest, "Could not ")) return HostKeyProblem(rest);
      // session.c do_exec() (8.0+): error("Connection from %s: refusing non-sftp
      // session"), %s the connection id (sshpkt_fmt_connection_id).
      if (ConsumePrefix(rest, "Connection from ")) {
        if (!ConsumeSuffix(rest, ": refusing non-sftp session")) return false;
        if (!RemoteIdEnd(rest, EventKind::kSftpOnlyRefused)) return false;
        e_.kind = EventKind::kSftpOnlyRefused;
        return true;
      }
      return false;
    case 'E':
      if (StartsWith(rest, "Error loading host key ")) return HostKeyProblem(rest);
      return false;
    case 'N':
      // canohost.c / auth.c remote_hostname(): logit("Nasty PTR record \"%s\" is set up
      // for %s, ignoring", name, ntop). The PTR name is the attacker's DNS: right-anchored.
      if (ConsumePrefix(rest, "Nasty PTR record ")) {
        if (!ConsumeSuffix(rest, ", ignoring")) return false;
        const auto for_pos = rest.rfind(" is set up for ");
        if (for_pos == Sv::npos) return false;
        SshdEvent& e = Make(EventKind::kReverseMappingFailure);
        if (!SetAddress(e, rest.substr(for_pos + 15), false)) return false;
        scan::SetText(e.detail, rest.substr(0, for_pos));
        return true;
      }
      if (StartsWith(rest, "No matching private key for certificate: "))
        return HostKeyProblem(rest);
      return false;
    case 'P':
      if (StartsWith(rest, "Public key for ")) return HostKeyProblem(rest);
      // auth-passwd.c / auth.c: fatal("Password expired") and "Password expired (unable to
      // change with privsep)".
      if (StartsWith(rest, "Password expired")) {
        SshdEvent& e = MakeFromSession(EventKind::kPasswordExpired);
        scan::SetText(e.detail, rest);
        return true;
      }
      // Linux-PAM pam_unix support.c _cleanup_failures(): "PAM %d more authentication
      // failure%s; logname=... rhost=%s  user=%s". It sums up failures sshd has already
      // logged one by one ("Failed password ..."), so it counts once, like every PAM
      // line, not N times: N more would count each attempt twice.
      if (ConsumePrefix(rest, "PAM ")) {
        const Sv count = scan::TakeUntil(rest, " ");
        int n = 0;
        if (!scan::ParseUint(count, n) || !StartsWith(rest, "more authentication failure"))
          return false;
        const auto semi = rest.find("; ");
        if (semi == Sv::npos || !PamUnix(rest.substr(semi + 2))) return false;
        e_.detail = "pam: ";
        e_.detail.append(count);
        e_.detail += " more";
        return true;
      }
      return false;
    case 'R':
      // sshd.c sighup_restart(): logit("Received SIGHUP; restarting.").
      if (rest == "Received SIGHUP; restarting.") {
        Make(EventKind::kSshdRestart);
        return true;
      }
      // auth-rhosts.c / auth.c: "Rhosts authentication refused for %.100s: bad owner or
      // modes for %.200s" / "... bad ownership or modes for home directory.".
      if (ConsumePrefix(rest, "Rhosts authentication refused for ")) {
        const auto bad = rest.rfind(": bad ");
        if (bad == Sv::npos) return false;
        SshdEvent& e = MakeFromSession(EventKind::kBadModes);
        scan::SetText(e.user, rest.substr(0, bad));
        scan::SetText(e.detail, rest.substr(bad + 2));
        return true;
      }
      // sshd.c sighup_restart(): logit("RESTART FAILED: av[0]='%.100s', error: %.100s.")
      // - sshd could not re-exec itself and exits.
      if (StartsWith(rest, "RESTART FAILED: ")) {
        SshdEvent& e = Make(EventKind::kSshdFatal);
        scan::SetText(e.detail, rest);
        return true;
      }
      if (StartsWith(rest, "Refusing certificate ID ")) return CertRefused(rest);
      if (StartsWith(rest, "Refusing RSA key because ")) return KeyAlg(rest);
      // packet.c ssh_packet_check_rekey_preauth() (10.3+).
      if (rest == "RekeyLimit exceeded before authentication completed") {
        SshdEvent& e = MakeFromSession(EventKind::kRekeyLimitPreauth);
        scan::SetText(e.detail, rest);
        return true;
      }
      return false;
    case 'S':
      if (ConsumePrefix(rest, "Starting session: "))
        return SessionLine(rest, EventKind::kSessionOpened);
      // sshd.c child_reap() (9.8+): "Session process %ld unpriv child crash for %s%s".
      if (ConsumePrefix(rest, "Session process ")) {
        const Sv pid_text = scan::TakeUntil(rest, " ");
        if (!ConsumePrefix(rest, "unpriv child crash for connection from ")) return false;
        SshdEvent& e = Make(EventKind::kSessionCrash);
        if (!ChildId(rest.substr(0, rest.find(" (")), pid_text, e)) return false;
        e.detail = "unpriv child crash";
        return true;
      }
      return false;
    case 'T':
      // serverloop.c client_alive_check(): "Timeout, client not responding from %s" (7.7+,
      // the connection id), "Timeout, client not responding." (7.4-7.6).
      if (ConsumePrefix(rest, "Timeout, client not responding")) {
        if (ConsumePrefix(rest, " from ")) {
          if (!RemoteIdEnd(rest, EventKind::kClientAliveTimeout)) return false;
          e_.kind = EventKind::kClientAliveTimeout;
          return true;
        }
        MakeFromSession(EventKind::kClientAliveTimeout);
        return true;
      }
      return false;
    case 'U':
      if (StartsWith(rest, "User ")) return UserFileLine(rest);
      if (StartsWith(rest, "Unable to ")) return HostKeyProblem(rest);
      return false;
    case 'W':
      // auth2-pubkey.c / auth.c: error("WARNING: revoked key for %s attempted authentication").
      if (ConsumePrefix(rest, "WARNING: revoked key for ")) {
        if (!ConsumeSuffix(rest, " attempted authentication")) return false;
        SshdEvent& e = MakeFromSession(EventKind::kKeyRevoked);
        scan::SetText(e.user, rest);
        return true;
      }
      return false;
    case 'a':
      if (ConsumePrefix(rest, "administratively prohibited connection for "))
        return AdministrativelyProhibited(rest);
      return false;
    case 'i':
      // auth2.c input_userauth_request() (7.4): "input_userauth_request: invalid user %s".
      if (ConsumePrefix(rest, "input_userauth_request: invalid user ")) {
        SshdEvent& e = MakeFromSession(EventKind::kInvalidUser);
        scan::SetText(e.user, rest);
        return true;
      }
      return false;
    case 'm':
      if (ConsumePrefix(rest, "message repeated ")) return Repeated(rest);
      // monitor.c mm_reap() (9.8+) and monitor_child_preauth() (10.1+): the pre-auth or
      // session child died on a signal.
      if (IsOneOf(rest, {"mm_reap: child terminated by signal ",
                         "mm_reap: preauth child terminated by signal ",
                         "monitor_child_preauth: preauth child "})) {
        if (StartsWith(rest, "monitor_child_preauth: ") &&
            rest.find(" terminated by signal ") == Sv::npos) {
          return false;
        }
        SshdEvent& e = MakeFromSession(EventKind::kSessionCrash);
        scan::SetText(e.detail, rest);
        return true;
      }
      if (StartsWith(rest, "main: Host key ")) return HostKeyProblem(rest);
      return false;
    case 'n':
      // packet.c (10.4+): error("non-transport message %u received from peer during key
      // exchange").
      if (ConsumePrefix(rest, "non-transport message ")) {
        if (!EndsWith(rest, " received from peer during key exchange")) return false;
        SshdEvent& e = MakeFromSession(EventKind::kProtocolViolation);
        scan::SetText(e.detail, m);
        return true;
      }
      return false;
    case 'p':
      if (ConsumePrefix(rest, "public key ")) return FidoRejected(rest);
      // sshd.c privsep_preauth() (7.4-10.0): fatal("privsep_preauth: preauth child
      // terminated by signal %d").
      if (StartsWith(rest, "privsep_preauth: preauth child terminated by signal ")) {
        SshdEvent& e = MakeFromSession(EventKind::kSessionCrash);
        scan::SetText(e.detail, rest);
        return true;
      }
      [[fallthrough]];
    case 's':
      // sshd.c / compat.c: logit("probed from %s port %d with %s.  Don't panic.") and
      // "scanned from ..." - ssh-keyscan and scanners that only read the banner.
      if (ConsumePrefix(rest, "probed from ") || ConsumePrefix(rest, "scanned from ")) {
        SshdEvent& e = Make(EventKind::kVersionProbe);
        const Sv addr = scan::TakeUntil(rest, " ");
        if (!SetAddress(e, addr, false) || !ConsumePrefix(rest, "port ")) return false;
        if (!scan::ParsePort(scan::TakeUntil(rest, " "), e.port)) return false;
        if (ConsumePrefix(rest, "with ")) {
          ConsumeSuffix(rest, ".  Don't panic.");
          scan::SetText(e.detail, rest);
        }
        return true;
      }
      if (ConsumePrefix(rest, "session process ")) return SessionProcess(rest);
      if (ConsumePrefix(rest, "subsystem request for ")) return SubsystemFailure(rest);
      return false;
    case 'r':
      // auth2-pubkey.c / auth2-hostbased.c (9.1+, RequiredRSASize): logit_r("refusing %s
      // key", ...) -> "refusing %s key: <ssh_err>".
      if (StartsWith(rest, "refusing ") && rest.find(" key: ") != Sv::npos) return KeyAlg(rest);
      return false;
    case 't':
      // serverloop.c (9.2+, UnusedConnectionTimeout): "terminating inactive connection
      // from %s" (the connection id).
      if (ConsumePrefix(rest, "terminating inactive connection from ")) {
        if (!RemoteIdEnd(rest, EventKind::kUnusedConnectionTimeout)) return false;
        e_.kind = EventKind::kUnusedConnectionTimeout;
        return true;
      }
      return false;
    case 'u':
      if (StartsWith(rest, "userauth_")) return KeyAlg(rest);
      return false;
    default:
      break;
  }
  // auth2-pubkeyfile.c auth_check_authkey_line() (7.7+): "%s: Authentication tried for
  // %.100s with ..." - the authorized_keys file:line first.
  const auto tried = m.find(": Authentication tried for ");
  if (tried != Sv::npos) return KeySourceNotPermitted(m.substr(tried + 27));
  return false;
}

}  // namespace sshd_health::parse_internal
