#include "parse/sshd_parser.h"

#include <array>
#include <cstring>

#include "core/text_scan.h"
#include "parse/address.h"
#include "parse/line_parser.h"
#include "parse/openssh_formats.h"
#include "parse/session_table.h"

// Which OpenSSH release logs which format, with the file and function each branch
// below matches, is tabulated in parse/openssh_formats.h. Every branch anchors on the
// fixed text of its format; attacker-controlled parts (user names, client banners, the
// client's algorithm offer, disconnect reasons) are only ever read between anchors.

namespace sshd_health {

// The scan:: names this file uses come with line_parser.h (in parse_internal).
namespace parse_internal {

// The N of a throttling line's trailing ", N connections dropped".
Sv DroppedCount(Sv rest) {
  const auto comma = rest.rfind(", ");
  const Sv count = comma == Sv::npos ? rest : rest.substr(comma + 2);
  return count.substr(0, count.find(' '));
}

namespace {

// Strips what different syslog set-ups and sshd log levels put around the text that
// OpenSSH formatted: Solaris "[ID 800047 auth.info] ", a kernel-timestamp prefix some
// relays add, the "error: "/"fatal: " level prefix (log.c do_log), the privsep child's
// " [preauth]" suffix (monitor.c / sshd-auth forwarding), trailing blanks.
// File-local, so that g++ inlines it into its one caller, LineParser::Run (every line).
Preamble Prepare(Sv m) {
  Preamble p;
  while (!m.empty() && (m.back() == ' ' || m.back() == '\r' || m.back() == '\n'))
    m.remove_suffix(1);
  if (ConsumeSuffix(m, " [preauth]") || ConsumeSuffix(m, " [postauth]")) p.preauth = true;
  while (!m.empty() && m.back() == ' ') m.remove_suffix(1);
  if (StartsWith(m, "[ID ")) {
    const auto close = m.find("] ");
    if (close != Sv::npos && close < 40) m.remove_prefix(close + 2);
  }
  if (StartsWith(m, "kernel:")) {
    const auto close = m.find(']');
    if (close != Sv::npos && close < 40) {
      m.remove_prefix(close + 1);
      ConsumePrefix(m, ":");
      while (!m.empty() && m.front() == ' ') m.remove_prefix(1);
    }
  }
  if (ConsumePrefix(m, "fatal: ")) {
    p.fatal = true;
  } else {
    ConsumePrefix(m, "error: ");
  }
  p.msg = m;
  return p;
}

}  // namespace

// "<anything> from <addr>[ port <n>]" at the end of the message (right-anchored: what
// precedes is attacker-controlled). Used for "Invalid user", "Did not receive
// identification string", "Bad protocol version identification", "ROOT LOGIN REFUSED".
bool LineParser::FromTrailing(Sv rest, EventKind kind, bool allow_host) {
  SshdEvent& e = Make(kind);
  ConsumeTrailingPort(rest, e.port);
  Sv before;
  const Sv addr = LastToken(rest, before);
  if (!EndsWith(before, " from") && before != "from" && !EndsWith(before, " FROM") &&
      before != "FROM") {
    return false;
  }
  if (!SetAddress(e, addr, allow_host)) return false;
  return true;
}

// The key info auth2-pubkey.c / auth2-hostbased.c record for auth_log: "%s %s" (key type,
// fingerprint), for a certificate "%s %s ID %s (serial %llu) CA %s %s", for hostbased
// followed by ", client user ...". Exact: a plain key, nothing after the fingerprint.
enum class KeyInfo { kNone, kExact, kMore };
KeyInfo ReadKeyInfo(Sv info) {
  const Sv type = scan::TakeUntil(info, " ");
  if (type.empty() || type.size() > 40) return KeyInfo::kNone;
  for (char c : type) {
    if (!(scan::IsDigit(c) || (c >= 'A' && c <= 'Z') || c == '-' || c == '_' || c == '@' ||
          c == '.')) {
      return KeyInfo::kNone;
    }
  }
  const auto sp = info.find(' ');
  const Sv fp = info.substr(0, sp);
  if (!StartsWith(fp, "SHA256:") && !StartsWith(fp, "MD5:")) return KeyInfo::kNone;
  if (sp == Sv::npos) return KeyInfo::kExact;
  const Sv after = info.substr(sp);
  return StartsWith(after, " ID ") || StartsWith(after, ", ") ? KeyInfo::kMore : KeyInfo::kNone;
}

// auth.c auth_log(): "%s %s%s%s for %s%.100s from %.200s port %d ssh2%s%s" with
// authmsg (Failed/Accepted/Partial/Postponed), method, "/" submethod, "invalid user ",
// user, address, port and ": <key info>" (7.4-10.x). Older releases and other ports drop
// "port", "ssh2" or write "ssh1". The user can hold " from A port N ssh2[: ...]", so
// every " from <ip>[ port N][ ssh2]" followed by the end or ": " is a candidate. The
// method is a fixed part that settles it: for password, keyboard-interactive, none and
// gssapi-with-mic nothing follows "ssh2" (the real address is the one at the end); for
// publickey and hostbased the key info does (the real address is the one followed by a
// well-formed key info, a plain key's ending the line). What is still ambiguous (a
// certificate whose ID and the user name both imitate the tail) is settled by the
// address this PID already showed, and otherwise nobody is blamed. That address, when
// one of the candidates, outranks the tail: fail2ban's corpus has "Failed password for
// invalid user test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port 55555 ssh2"
// after the PID's lines named 127.0.0.1.
bool LineParser::AuthLog(Sv rest, EventKind kind) {
  const bool accepted = kind == EventKind::kAuthSuccess;
  const auto for_pos = scan::Find(rest.substr(0, 70), " for ");
  if (for_pos == Sv::npos || for_pos > 64) return false;
  const Sv method = rest.substr(0, for_pos);
  if (method.find(' ') != Sv::npos) return false;
  const Sv tail = rest.substr(for_pos + 5);
  struct Candidate {
    std::size_t from;  // index in tail of " from "
    Sv addr;
    int port;
    Sv more;  // what follows "ssh2": empty, or ": <info>"
  };
  std::array<Candidate, kMaxCandidates> cands;  // filled before read: no zeroing per line
  std::size_t n = 0;
  // Each candidate's address is checked by normalising it into e.ip, so the chosen one,
  // nearly always the only one, is not parsed twice; `in_ip` is the token e.ip holds.
  SshdEvent& e = Make(kind);
  Sv in_ip;
  for (std::size_t i = scan::Find(tail, " from "); i != Sv::npos;
       i = scan::Find(tail, " from ", i + 1)) {
    Sv after = tail.substr(i + 6);
    const auto sp = after.find(' ');
    Sv addr = after.substr(0, sp);
    Sv more = sp == Sv::npos ? Sv{} : after.substr(sp);
    if (more.empty() && EndsWith(addr, ":")) {  // "from <ip>: info" (no port)
      addr.remove_suffix(1);
      more = ": ";
    }
    if (!SetAddress(e, addr, false)) continue;
    in_ip = addr;
    int port = 0;
    if (ConsumePrefix(more, " port ")) {
      // The digits, then ' ', ':' or the end: anything else is no port.
      std::size_t end = 0;
      while (end < more.size() && scan::IsDigit(more[end])) ++end;
      if (end < more.size() && more[end] != ' ' && more[end] != ':') continue;
      if (!scan::ParsePort(more.substr(0, end), port)) continue;
      more.remove_prefix(end);
    }
    if (!ConsumePrefix(more, " ssh2")) ConsumePrefix(more, " ssh1");
    if (!more.empty() && !StartsWith(more, ": ") && more != ":") continue;
    Keep(cands, n, Candidate{i, addr, port, more});
  }
  if (n == 0) return false;
  // A candidate with " port N" (every release since 7.4 logs one) outranks a bare
  // "from <ip>" such as the one a pre-6.3 "ruser" tail or a user name can carry.
  bool any_port = false;
  for (std::size_t k = 0; k < n; ++k) any_port = any_port || cands[k].port != 0;
  if (any_port) {
    std::size_t kept = 0;
    for (std::size_t k = 0; k < n; ++k) {
      if (cands[k].port != 0) cands[kept++] = cands[k];
    }
    n = kept;
  }
  // The address this PID already showed (in an earlier line's fixed text) is the
  // strongest evidence; then the method's fixed tail.
  if (n > 1) {
    if (const auto* entry = s_.Find(rec_)) {
      for (std::size_t k = 0; k < n; ++k) {
        if (NormaliseIp(cands[k].addr) == entry->ip) {
          cands[0] = cands[k];
          n = 1;
          break;
        }
      }
    }
  }
  if (n > 1) {
    const Sv base = method.substr(0, method.find('/'));
    const bool nothing_after = base == "password" || base == "keyboard-interactive" ||
                               base == "none" || base == "gssapi-with-mic";
    const bool key_after = base == "publickey" || base == "hostbased";
    // Keep the candidates the method's fixed tail allows; one exact one settles it.
    std::size_t kept = 0;
    std::size_t exact = 0;
    std::size_t exact_at = 0;
    for (std::size_t k = 0; k < n; ++k) {
      KeyInfo ki = KeyInfo::kNone;
      if (key_after) {
        Sv info = cands[k].more;
        if (ConsumePrefix(info, ": ")) ki = ReadKeyInfo(info);
      }
      const bool fits = nothing_after ? cands[k].more.empty() : key_after && ki != KeyInfo::kNone;
      if (!fits) continue;
      cands[kept] = cands[k];
      if (nothing_after || ki == KeyInfo::kExact) {
        ++exact;
        exact_at = kept;
      }
      ++kept;
    }
    if (exact == 1) {
      cands[0] = cands[exact_at];
      n = 1;
    } else if (kept > 0) {
      n = kept;
    }
  }
  const Candidate* chosen = n == 1 ? &cands[0] : nullptr;
  if (chosen == nullptr) {
    if (const auto* entry = s_.Find(rec_)) {
      for (std::size_t k = 0; k < n; ++k) {
        if (NormaliseIp(cands[k].addr) == entry->ip) chosen = &cands[k];
      }
    }
  }
  const std::size_t user_end = chosen != nullptr ? chosen->from : cands[0].from;
  scan::SetText(e.user, StripUserPrefix(tail.substr(0, user_end)));
  scan::SetText(e.detail, method);
  if (chosen == nullptr) {
    e.ip.clear();  // nobody is blamed
  } else {
    if (chosen->addr.data() != in_ip.data()) SetAddress(e, chosen->addr, false);
    e.port = chosen->port;
    Remember(e, accepted);
  }
  return true;
}

// auth.c getpwnamallow(): "Invalid user %.100s from %.100s port %d" (7.4+; "port"
// missing before 7.3). Right-anchored: the user name is the client's.
bool LineParser::InvalidUser(Sv rest) {
  SshdEvent& e = Make(EventKind::kInvalidUser);
  ConsumeTrailingPort(rest, e.port);
  const auto i = rest.rfind(" from ");
  if (i == Sv::npos) {
    // An empty user name logs "Invalid user  from ..." (two spaces).
    if (!StartsWith(rest, "from ")) return false;
    if (!SetAddress(e, rest.substr(5), true)) return false;
  } else {
    if (!SetAddress(e, rest.substr(i + 6), true)) return false;
    scan::SetText(e.user, rest.substr(0, i));
  }
  Remember(e);
  return true;
}

// packet.c sshpkt_fmt_connection_id(): "[<preamble> ]<ip> port <n>" where the preamble
// (auth2.c) is "invalid user X", "authenticating user X" or "user X"; pre-7.5 and
// other ports log the bare address. Right-anchored.
bool LineParser::RemoteIdEnd(Sv remote_id, EventKind kind) {
  SshdEvent& e = Make(kind);
  ConsumeTrailingPort(remote_id, e.port);
  Sv before;
  const Sv addr = LastToken(remote_id, before);
  if (!SetAddress(e, addr, true)) return false;
  if (ConsumePrefix(before, "invalid user ") || ConsumePrefix(before, "authenticating user ")) {
    scan::SetText(e.user, before);
    e.kind = kind == EventKind::kConnectionClosed ? EventKind::kPreauthDisconnect : kind;
  } else if (ConsumePrefix(before, "user ")) {
    scan::SetText(e.user, before);
  } else if (!before.empty()) {
    return false;
  }
  return true;
}

// packet.c sshpkt_vfatal(): "Connection closed by %s", "Connection reset by %s",
// "Disconnected from %s", "Connection from %s timed out"; serverloop.c process_input():
// "Connection closed by %.100s port %d". After a login (connection_closed) only on
// evidence of one: this PID's session saw an Accepted line (or is the user child of one
// that did: "User child is on pid"), or the id carries the "user X" preamble auth2.c sets
// once authentication succeeded. Anything else is a pre-auth disconnect: " [preauth]",
// an "invalid/authenticating user" preamble, and a bare id - a connection that closes
// during the identification exchange, before the privsep child exists, logs
// "Connection closed by <ip> port <n>" without " [preauth]" (9.2; KINDS.md).
bool LineParser::ConnectionClosed(Sv remote_id) {
  const auto* entry = s_.Find(rec_);
  const bool logged_in = !p_.preauth && entry != nullptr && entry->authenticated;
  if (!RemoteIdEnd(remote_id,
                   logged_in ? EventKind::kConnectionClosed : EventKind::kPreauthDisconnect)) {
    return false;
  }
  if (!p_.preauth && StartsWith(remote_id, "user ")) e_.kind = EventKind::kConnectionClosed;
  s_.Forget(rec_);
  return true;
}

// sshd.c / sshd-session.c privsep_postauth() (VERBOSE): "User child is on pid %ld". The
// monitor (this PID) hands the connection to a child that logs its own lines, among them
// serverloop.c's bare "Connection closed by <ip> port <n>": the child inherits the
// session. No event (the catalogue ignores the line).
bool LineParser::UserChild(Sv pid_text) {
  int child = 0;
  const auto* entry = s_.Find(rec_);
  if (!scan::ParseUint(pid_text, child) || child == 0 || entry == nullptr) return Ignored();
  const SessionTable::Entry monitor = *entry;  // a copy: Touch may recycle the entry
  LogRecord child_rec = rec_;
  child_rec.pid = child;
  if (auto* c = s_.Touch(child_rec)) {
    c->ip = monitor.ip;
    c->port = monitor.port;
    c->user = monitor.user;
    c->authenticated = monitor.authenticated;
  }
  return Ignored();
}

// sshd.c / sshd-session.c main(): "Connection from %s port %d on %s port %d%s%s%s"
// (rdomain suffix 7.6+); older and patched builds log "Connection from %s port %d" or
// just the address. No attacker-controlled text.
bool LineParser::ConnectionFrom(Sv rest) {
  SshdEvent& e = Make(EventKind::kConnectionOpened);
  Sv addr = scan::TakeUntil(rest, " ");
  if (!SetAddress(e, addr, false)) return false;
  if (ConsumePrefix(rest, "port ")) {
    if (!scan::ParsePort(scan::TakeUntil(rest, " "), e.port)) return false;
    if (ConsumePrefix(rest, "on ")) {
      const Sv local = scan::TakeUntil(rest, " ");
      if (auto l = NormaliseIp(local)) {
        s_.AddLocal(*l);
        e.detail = *l;
      }
    }
  }
  Remember(e);
  return true;
}

// packet.c ssh_packet_read_poll2() / process_message: "Received disconnect from %s
// port %d:%u: %.400s" (7.3+), "Received disconnect from %s: %u: %.400s" before.
// Left-anchored: the reason is the client's text.
bool LineParser::ReceivedDisconnect(Sv rest) {
  SshdEvent& e = Make(EventKind::kReceivedDisconnect);
  Sv addr = scan::TakeUntil(rest, " ");
  if (EndsWith(addr, ":")) {
    addr.remove_suffix(1);
  } else if (ConsumePrefix(rest, "port ")) {
    const auto colon = rest.find(':');
    if (colon == Sv::npos || !scan::ParsePort(rest.substr(0, colon), e.port)) return false;
    rest.remove_prefix(colon + 1);
    while (!rest.empty() && rest.front() == ' ') rest.remove_prefix(1);
  } else {
    return false;
  }
  if (!SetAddress(e, addr, true)) return false;
  scan::SetText(e.detail, rest);
  s_.Forget(rec_);
  return true;
}

// packet.c ssh_packet_disconnect(): "Disconnecting %s: %.100s" (7.5+, the connection
// id first) or "Disconnecting: %.100s" (7.4). The reason auth.c gives for MaxAuthTries
// is "Too many authentication failures"; auth2.c's "Change of username or service not
// allowed: (%s,%s) -> (%s,%s)" repeats the client's user names.
// The reasons of "Disconnecting <id>: <reason>" that are events of their own
// (kex.c, packet.c, auth2.c, session.c); the others end as preauth_disconnect.
EventKind DisconnectKind(Sv reason, EventKind otherwise) {
  if (reason == "Too many authentication failures") return EventKind::kTooManyAuthFailures;
  if (reason == "Possible attack: attempt to open a session after additional sessions disabled") {
    return EventKind::kNoMoreSessions;  // session.c session_open, no-more-sessions@openssh.com
  }
  for (Sv v :
       {Sv("strict KEX violation"), Sv("multiple KEXINIT"), Sv("incoming sequence number wrapped"),
        Sv("outgoing sequence number wrapped"), Sv("Change of username or service not allowed"),
        Sv("bad service request"), Sv("no authentication methods enabled")}) {
    if (StartsWith(reason, v)) return EventKind::kProtocolViolation;
  }
  return otherwise;
}

bool LineParser::Disconnecting(Sv rest) {
  constexpr Sv kTooMany = "Too many authentication failures";
  if (ConsumePrefix(rest, ": ")) {
    // 7.4: no address; attribute through the PID. Reasons that are no event of their
    // own are ignored, as with an id below.
    const EventKind kind = StartsWith(rest, kTooMany)
                               ? EventKind::kTooManyAuthFailures
                               : DisconnectKind(rest, EventKind::kPreauthDisconnect);
    if (kind == EventKind::kPreauthDisconnect) return false;
    SshdEvent& e = MakeFromSession(kind);
    Sv user = rest;
    if (ConsumePrefix(user, kTooMany) && ConsumePrefix(user, " for "))
      scan::SetText(e.user, StripUserPrefix(user));
    scan::SetText(e.detail, rest);
    return true;
  }
  if (!ConsumePrefix(rest, " ")) return false;
  // Every "<ip> port <n>: " is a candidate end of the connection id.
  struct Candidate {
    Sv before;  // the preamble ahead of the address
    Sv addr;
    int port;
    Sv reason;
  };
  std::array<Candidate, kMaxCandidates> cands;  // filled before read: no zeroing per line
  std::size_t n = 0;
  for (std::size_t i = scan::Find(rest, " port "); i != Sv::npos;
       i = scan::Find(rest, " port ", i + 1)) {
    Sv after = rest.substr(i + 6);
    const auto colon = after.find(": ");
    int port = 0;
    if (colon == Sv::npos || !scan::ParsePort(after.substr(0, colon), port)) continue;
    Sv before;
    const Sv addr = LastToken(rest.substr(0, i), before);
    if (!IsIpAddress(addr)) continue;
    Keep(cands, n, Candidate{before, addr, port, after.substr(colon + 2)});
  }
  if (n == 0) return false;
  const auto user_of = [](Sv before) {
    if (!ConsumePrefix(before, "invalid user ") && !ConsumePrefix(before, "authenticating user ")) {
      ConsumePrefix(before, "user ");
    }
    return before;
  };
  const Candidate* chosen = n == 1 ? &cands[0] : nullptr;
  for (std::size_t k = 0; chosen == nullptr && k < n; ++k) {
    // A reason that is fixed text, or that repeats this candidate's user, settles it.
    const Sv reason = cands[k].reason;
    const std::string change = "Change of username or service not allowed: (" +
                               std::string(user_of(cands[k].before)) + ",";
    if (reason == kTooMany || StartsWith(reason, change)) chosen = &cands[k];
  }
  if (chosen == nullptr) {
    if (const auto* entry = s_.Find(rec_)) {
      for (std::size_t k = 0; k < n; ++k) {
        if (NormaliseIp(cands[k].addr) == entry->ip) chosen = &cands[k];
      }
    }
  }
  if (chosen == nullptr) {
    MakeFromSession(EventKind::kPreauthDisconnect);
    return true;
  }
  // The other reasons are channel or session protocol errors inside a connection
  // (channels.c, serverloop.c, session.c): the catalogue ignores them.
  const EventKind kind = DisconnectKind(chosen->reason, EventKind::kPreauthDisconnect);
  if (kind == EventKind::kPreauthDisconnect) return false;
  SshdEvent& e = Make(kind);
  SetAddress(e, chosen->addr, false);
  e.port = chosen->port;
  scan::SetText(e.user, user_of(chosen->before));
  scan::SetText(e.detail, chosen->reason);
  if (!p_.preauth && StartsWith(chosen->before, "user ") &&
      e.kind == EventKind::kPreauthDisconnect) {
    e.kind = EventKind::kConnectionClosed;
  }
  return true;
}

// auth.c allowed_user(): "User %.100s from %.100s not allowed because %s" (AllowUsers,
// DenyUsers, AllowGroups, DenyGroups; the host is a name with UseDNS) and "User %.100s
// not allowed because account is locked" / "... shell %.100s does not exist" (no
// address: attributed through the PID).
bool LineParser::UserNotAllowed(Sv rest) {
  const auto because = rest.rfind(" not allowed because ");
  if (because == Sv::npos) return false;
  const Sv who = rest.substr(0, because);
  const Sv reason = rest.substr(because + 21);
  const auto from = who.rfind(" from ");
  SshdEvent& e = Make(EventKind::kUserNotAllowed);
  if (from != Sv::npos && SetAddress(e, who.substr(from + 6), true)) {
    scan::SetText(e.user, who.substr(0, from));
  } else {
    MakeFromSession(EventKind::kUserNotAllowed);
    scan::SetText(e.user, who);
  }
  scan::SetText(e.detail, reason);
  return true;
}

// packet.c sshpkt_vfatal(): "Unable to negotiate with %s: %s. Their offer: %s" where
// the second part is ssh_err(): "no matching key exchange method found", "no matching
// host key type found", "no matching cipher found", "no matching MAC found", "no
// matching compression method found". The offer is the client's.
bool LineParser::UnableToNegotiate(Sv rest) {
  const auto colon = rest.find(": no matching ");
  if (colon == Sv::npos) return false;
  if (!RemoteIdEnd(rest.substr(0, colon), EventKind::kKexNegotiationFailure)) return false;
  e_.user.clear();
  scan::SetText(e_.detail, rest.substr(colon + 2));
  return true;
}

// sshd.c drop_connection(): "drop connection #%d from [%s]:%d on [%s]:%d %s" with
// "past MaxStartups" (7.4-9.7; "past Maxstartups" 9.8-9.9; "Maxstartups" 10.0+) or a
// PerSourcePenalties reason (9.8+: "penalty: <reason>", "too many penalised
// addresses"; 10.0+ may say "PerSourcePenalties"). 7.4-9.7 has the address but no
// reason variants.
bool LineParser::DropConnection(Sv rest) {
  if (!ConsumePrefix(rest, "#")) return false;
  scan::TakeUntil(rest, " ");
  if (!ConsumePrefix(rest, "from [")) return false;
  const Sv addr = scan::TakeUntil(rest, "]:");
  SshdEvent& e = Make(EventKind::kMaxStartupsDrop);
  if (!SetAddress(e, addr, false)) return false;
  if (!scan::ParsePort(scan::TakeUntil(rest, " "), e.port)) return false;
  if (!ConsumePrefix(rest, "on [")) return false;
  const Sv local = scan::TakeUntil(rest, "]:");
  if (auto l = NormaliseIp(local)) s_.AddLocal(*l);
  scan::TakeUntil(rest, " ");
  const bool maxstartups =
      rest == "past MaxStartups" || rest == "past Maxstartups" || rest == "Maxstartups";
  e.kind = maxstartups ? EventKind::kMaxStartupsDrop : EventKind::kPenaltyDrop;
  scan::SetText(e.detail, rest);
  return true;
}

// 7.4-9.7 sshd.c grace_alarm_handler(): sigdie("Timeout before authentication for %s
// port %d") - the client. 9.8+ sshd.c child_reap(): "Timeout before authentication for
// %s, pid = %ld%s" with the child id "connection from %s to %s": in 9.8 the first
// address is the SERVER's (laddr, raddr), 9.9+ the client's. The child's PID settles
// it through the session table; else an address we know to be local is ruled out; else
// the 9.9+ order holds (ChildId, session_lines.cpp).
bool LineParser::TimeoutBeforeAuth(Sv rest) {
  SshdEvent& e = Make(EventKind::kTimeoutBeforeAuth);
  if (!ConsumePrefix(rest, "connection from ")) {
    if (!ConsumeTrailingPort(rest, e.port) || !SetAddress(e, rest, false)) return false;
    return true;
  }
  const auto comma = rest.find(", pid = ");
  if (comma == Sv::npos) return false;
  Sv ids = rest.substr(0, comma);
  Sv pid_text = rest.substr(comma + 8);
  pid_text = pid_text.substr(0, pid_text.find(' '));
  scan::SetText(e.detail, rest.substr(0, comma));
  return ChildId(ids, pid_text, e);
}

// pam_unix(sshd:auth) and other PAM modules (Linux-PAM modules/pam_unix/support.c
// _unix_verify_password): "authentication failure; logname=%s uid=%d euid=%d tty=%s
// ruser=%s rhost=%s %s%s" where the last two are " user=" and PAM_USER. sshd sets
// PAM_RHOST (the address, or a name with UseDNS) but not PAM_RUSER, and PAM_USER is the
// name the client sent, which comes AFTER rhost=. So the real "rhost=<host>" is the first
// one followed by the end or " user=": a user name imitating the tail cannot come first.
bool LineParser::PamUnix(Sv rest) {
  bool empty_rhost = false;
  for (std::size_t i = scan::Find(rest, " rhost="); i != Sv::npos;
       i = scan::Find(rest, " rhost=", i + 1)) {
    Sv after = rest.substr(i + 7);
    const auto sp = after.find(' ');
    const Sv host = after.substr(0, sp);
    Sv more = sp == Sv::npos ? Sv{} : after.substr(sp);
    while (ConsumePrefix(more, " ")) {
    }
    if (!more.empty() && !ConsumePrefix(more, "user=")) continue;
    SshdEvent& e = Make(EventKind::kAuthFailure);
    if (host.empty() || !SetAddress(e, host, true)) {  // no usable rhost: the PID's address
      empty_rhost = true;
      break;
    }
    if (!more.empty()) scan::SetText(e.user, more);
    e.detail = "pam";
    return true;
  }
  if (!empty_rhost) return false;
  SshdEvent& e = MakeFromSession(EventKind::kAuthFailure);
  e.detail = "pam";
  return true;
}

// auth-pam.c sshpam_query()/sshpam_auth_passwd: error("PAM: %s for %s%.100s from
// %.100s", pam_strerror(), "illegal user "/"", user, host). macOS appends " via <ip>"
// (the local address). Right-anchored on " from ".
bool LineParser::PamError(Sv rest) {
  const auto for_pos = rest.find(" for ");
  if (for_pos == Sv::npos) return false;
  Sv who = rest.substr(for_pos + 5);
  const auto via = who.rfind(" via ");
  if (via != Sv::npos && IsIpAddress(who.substr(via + 5))) who = who.substr(0, via);
  const auto from = who.rfind(" from ");
  if (from == Sv::npos) return false;
  SshdEvent& e = Make(EventKind::kAuthFailure);
  if (!SetAddress(e, who.substr(from + 6), true)) return false;
  scan::SetText(e.user, StripUserPrefix(who.substr(0, from)));
  scan::SetText(e.detail, rest.substr(0, for_pos));
  return true;
}

// srclimit.c srclimit_penalise() (9.8+): "%s: new %s %s penalty of %d seconds for %s"
// (ipv4|ipv6, addr/mask, active|deferred, secs, reason), "%s: activating %s penalty of
// %lld seconds for %s" (addr/mask first) and "%s penalty table full, cannot penalise
// %s for %s". The address is the first "addr/len" token.
bool LineParser::Penalise(Sv rest) {
  // Only "new ... penalty" and "activating ... penalty" apply one; "penalty table full,
  // cannot penalise" (a resource note) is ignored.
  if (rest.find(" penalty of ") == Sv::npos) return false;
  SshdEvent& e = Make(EventKind::kPenaltyApplied);
  Sv words = rest;
  while (!words.empty()) {
    Sv w = scan::TakeUntil(words, " ");
    ConsumeSuffix(w, ":");
    const auto slash = w.find('/');
    if (slash == Sv::npos) continue;
    int bits = 0;
    if (!scan::ParseUint(w.substr(slash + 1), bits)) continue;
    if (SetAddress(e, w.substr(0, slash), false)) break;
  }
  const auto for_pos = rest.find(" for ");
  scan::SetText(e.detail, for_pos == Sv::npos ? rest : rest.substr(for_pos + 5));
  return true;
}

// Decides the format from the message's first byte and fixed prefix before anything
// else is looked at, so lines that are no sshd event cost a few compares.
bool LineParser::Dispatch() {
  const Sv m = p_.msg;
  Sv rest = m;
  switch (m.front()) {
    case 'A':
      if (ConsumePrefix(rest, "Accepted ")) return AuthLog(rest, EventKind::kAuthSuccess);
      // auth.c remote_hostname(): "Address %.100s maps to %.600s, but this does not
      // map back to the address." (older releases: " - POSSIBLE BREAK-IN ATTEMPT!")
      if (ConsumePrefix(rest, "Address ")) {
        const auto maps = rest.find(" maps to ");
        if (maps == Sv::npos || rest.find("does not map back to the address") == Sv::npos)
          return false;
        SshdEvent& e = Make(EventKind::kReverseMappingFailure);
        if (!SetAddress(e, rest.substr(0, maps), false)) return false;
        Sv host = rest.substr(maps + 9);
        scan::SetText(e.detail, host.substr(0, host.find(", but ")));
        return true;
      }
      // auth.c auth_secure_path() via auth2-pubkeyfile.c / misc.c safe_path():
      // "Authentication refused: bad ownership or modes for file %s" / "directory %s";
      // auth.c auth_check_file hostbased: "Authentication refused for %.100s: bad owner
      // or modes for %.200s".
      if (ConsumePrefix(rest, "Authentication refused")) {
        const auto i = rest.find("bad owner");
        if (i == Sv::npos) return false;
        SshdEvent& e = MakeFromSession(EventKind::kBadModes);
        Sv path = rest.substr(i);
        const auto f = path.find(" for ");
        if (f == Sv::npos) return false;
        path.remove_prefix(f + 5);
        if (!ConsumePrefix(path, "file ")) ConsumePrefix(path, "directory ");
        scan::SetText(e.detail, path);
        Sv user = rest;
        if (ConsumePrefix(user, " for "))
          scan::SetText(e.user, user.substr(0, user.find(": bad owner")));
        return true;
      }
      return false;
    case 'B':
      // sshd.c sshd_exchange_identification() (<= 7.x): "Bad protocol version
      // identification '%.100s' from %s port %d". The quoted banner is the client's.
      if (ConsumePrefix(rest, "Bad protocol version identification ")) {
        return FromTrailing(rest, EventKind::kBannerInvalid, false);
      }
      return false;
    case 'C':
      if (ConsumePrefix(rest, "Connection closed by ") ||
          ConsumePrefix(rest, "Connection reset by ")) {
        return ConnectionClosed(rest);
      }
      if (ConsumePrefix(rest, "Connection from ")) {
        // packet.c sshpkt_vfatal() SSH_ERR_CONN_TIMEOUT: "Connection from %s timed out".
        // Before authentication (" [preauth]") it is a pre-auth disconnect.
        if (p_.preauth && ConsumeSuffix(rest, " timed out")) return ConnectionClosed(rest);
        if (ConsumeSuffix(rest, " timed out")) {
          if (!RemoteIdEnd(rest, EventKind::kConnectionError)) return false;
          e_.kind = EventKind::kConnectionError;
          e_.detail = "timed out";
          s_.Forget(rec_);
          return true;
        }
        return ConnectionFrom(rest);
      }
      // sshd.c main() before 8.0: error("Could not load host key: %s", path).
      if (ConsumePrefix(rest, "Could not load host key: ")) {
        SshdEvent& e = Make(EventKind::kHostKeyLoadFailure);
        scan::SetText(e.detail, rest);
        return true;
      }
      // kex.c kex_exchange_identification() (8.0+): error("Connection timed out
      // during banner exchange").
      if (rest == "Connection timed out during banner exchange") {
        SshdEvent& e = MakeFromSession(EventKind::kKexIdentFailure);
        scan::SetText(e.detail, rest);
        return true;
      }
      return false;
    case 'D':
      if (ConsumePrefix(rest, "Disconnected from ")) return ConnectionClosed(rest);
      if (ConsumePrefix(rest, "Disconnecting")) return Disconnecting(rest);
      // sshd.c sshd_exchange_identification() (<= 7.x): "Did not receive
      // identification string from %s port %d".
      if (ConsumePrefix(rest, "Did not receive identification string ")) {
        return FromTrailing(rest, EventKind::kKexIdentFailure, false);
      }
      return false;
    case 'F':
      if (ConsumePrefix(rest, "Failed ")) return AuthLog(rest, EventKind::kAuthFailure);
      return false;
    case 'I':
      if (ConsumePrefix(rest, "Invalid user ")) return InvalidUser(rest);
      return false;
    case 'M':
    case 'P':
      // 10.0+ sshd.c drop_connection(): "%s logging rate-limited: additional %u
      // connections dropped" with "Maxstartups" or "PerSourcePenalties".
      if (ConsumePrefix(rest, "Maxstartups logging rate-limited: ") ||
          ConsumePrefix(rest, "PerSourcePenalties logging rate-limited: ")) {
        SshdEvent& e =
            Make(m.front() == 'M' ? EventKind::kMaxStartupsDrop : EventKind::kPenaltyDrop);
        scan::SetText(e.detail, rest);
        return true;
      }
      if (ConsumePrefix(rest, "PAM: ")) return PamError(rest);
      // auth.c auth_log() with authmsg "Partial" (AuthenticationMethods: one of a list).
      if (ConsumePrefix(rest, "Partial ")) return AuthLog(rest, EventKind::kPartialAuth);
      // authfile.c sshkey_perm_ok(): error("Permissions 0%3.3o for '%s' are too open.")
      // - for sshd, a host key it will ignore (7.4-10.x).
      if (ConsumePrefix(rest, "Permissions 0")) {
        const auto open = rest.find(" for '");
        if (open == Sv::npos || !ConsumeSuffix(rest, "' are too open.")) return false;
        SshdEvent& e = Make(EventKind::kHostKeyLoadFailure);
        scan::SetText(e.detail, rest.substr(open + 6));
        return true;
      }
      // sshd.c (<= 7.x) sshd_exchange_identification(): "Protocol major versions
      // differ for %s port %d: %.200s vs. %.200s".
      if (ConsumePrefix(rest, "Protocol major versions differ for ")) {
        SshdEvent& e = Make(EventKind::kBannerInvalid);
        const auto colon = rest.find(": ");
        Sv id = rest.substr(0, colon);
        if (!ConsumeTrailingPort(id, e.port) || !SetAddress(e, id, false)) return false;
        e.detail = "protocol major versions differ";
        return true;
      }
      return false;
    case 'R':
      if (ConsumePrefix(rest, "Received disconnect from ")) return ReceivedDisconnect(rest);
      // sshd.c server_accept_loop(): "Received signal %d; terminating."
      if (ConsumePrefix(rest, "Received signal ")) {
        if (!ConsumeSuffix(rest, "; terminating.")) return false;
        SshdEvent& e = Make(EventKind::kSshdStopped);
        scan::SetText(e.detail, rest);
        return true;
      }
      // auth.c auth_root_allowed(): "ROOT LOGIN REFUSED
      // FROM %.200s port %d".
      if (ConsumePrefix(rest, "ROOT LOGIN REFUSED ")) {
        if (!FromTrailing(rest, EventKind::kUserNotAllowed, true)) return false;
        e_.user = "root";
        e_.detail = "root login refused";
        return true;
      }
      return false;
    case 'S':
      // sshd.c server_listen(): "Server listening on %s port %s%s%s." (rdomain 8.0+).
      if (ConsumePrefix(rest, "Server listening on ")) {
        if (!ConsumeSuffix(rest, ".")) return false;
        SshdEvent& e = Make(EventKind::kSshdStarted);
        scan::SetText(e.detail, rest);
        const Sv addr = rest.substr(0, rest.find(' '));
        if (auto l = NormaliseIp(addr)) s_.AddLocal(*l);
        return true;
      }
      // HPN/Solaris session log: "SSH: Server;Ltype: Version;Remote: <ip>-<port>;..."
      // names the client for this PID's later address-less lines.
      if (ConsumePrefix(rest, "SSH: Server;Ltype: ")) {
        const auto r = rest.find(";Remote: ");
        if (r == Sv::npos) return false;
        Sv remote = rest.substr(r + 9);
        remote = remote.substr(0, remote.find(';'));
        const auto dash = remote.rfind('-');
        SshdEvent& e = Make(EventKind::kConnectionOpened);
        if (dash == Sv::npos || !SetAddress(e, remote.substr(0, dash), false)) return false;
        scan::ParsePort(remote.substr(dash + 1), e.port);
        Remember(e);
        return false;
      }
      return false;
    case 'T':
      if (ConsumePrefix(rest, "Timeout before authentication for ")) return TimeoutBeforeAuth(rest);
      return false;
    case 'U':
      if (ConsumePrefix(rest, "User child is on pid ")) return UserChild(rest);
      if (ConsumePrefix(rest, "User ")) return UserNotAllowed(rest);
      if (ConsumePrefix(rest, "Unable to negotiate with ")) return UnableToNegotiate(rest);
      // sshd.c main(): "Unable to load host key: %s" (8.0+, no key at the path) and
      // "Unable to load host key \"%s\": %s" (8.0+, a key that failed to load).
      if (ConsumePrefix(rest, "Unable to load host key")) {
        SshdEvent& e = Make(EventKind::kHostKeyLoadFailure);
        if (ConsumePrefix(rest, ": ")) {
          scan::SetText(e.detail, rest);
        } else if (ConsumePrefix(rest, " \"")) {
          scan::SetText(e.detail, rest.substr(0, rest.find('"')));
        } else {
          return false;
        }
        return true;
      }
      // kex.c kex_choose_conf() before 7.x: fatal("Unable to negotiate a key exchange
      // method").
      if (rest == "Unable to negotiate a key exchange method") {
        SshdEvent& e = MakeFromSession(EventKind::kKexNegotiationFailure);
        scan::SetText(e.detail, rest);
        return true;
      }
      return false;
    case 'b':
      // sshd.c MaxStartups (7.4-9.9): error("beginning MaxStartups throttling").
      if (rest == "beginning MaxStartups throttling") {
        Make(EventKind::kMaxStartupsBegin);
        return true;
      }
      // packet.c sshpkt_vfatal() default branch for kex.c's "banner exchange" tag:
      // "banner exchange: Connection from %s port %d: %s" (ssh_err text, e.g. "invalid
      // format"); 10.3+ adds " [preauth]".
      if (ConsumePrefix(rest, "banner exchange: Connection from ")) {
        const auto colon = rest.find(": ");
        if (colon == Sv::npos) return false;
        SshdEvent& e = Make(EventKind::kKexIdentFailure);
        Sv id = rest.substr(0, colon);
        if (!ConsumeTrailingPort(id, e.port) || !SetAddress(e, id, false)) return false;
        scan::SetText(e.detail, rest.substr(colon + 2));
        if (e.detail == "invalid format") e.kind = EventKind::kBannerInvalid;
        return true;
      }
      return false;
    case 'd':
      if (ConsumePrefix(rest, "drop connection ")) return DropConnection(rest);
      return false;
    case 'e':
      // sshd.c (7.4-9.9): logit("exited MaxStartups throttling after %s, %u
      // connections dropped").
      if (ConsumePrefix(rest, "exited MaxStartups throttling after ")) {
        SshdEvent& e = Make(EventKind::kMaxStartupsEnd);
        scan::SetText(e.detail, DroppedCount(rest));
        return true;
      }
      return false;
    case 'i':
      // sshd.c (9.0-9.9): error("in MaxStartups throttling for %s, %u connections
      // dropped") every 5 minutes while throttling lasts.
      if (ConsumePrefix(rest, "in MaxStartups throttling for ")) {
        SshdEvent& e = Make(EventKind::kMaxStartupsOngoing);
        scan::SetText(e.detail, DroppedCount(rest));
        return true;
      }
      return false;
    case 'k':
      // kex.c kex_exchange_identification() (8.0+): "kex_exchange_identification: %s"
      // - "Connection closed by remote host", "read: %s", "banner line contains
      // invalid characters", "banner line too long", "client sent invalid protocol
      // identifier \"%.256s\"". No address: attributed through the PID.
      // A fatal() here is an internal error (sshd_fatal); sshbuf/allocation failures and
      // the client-side "No SSH version received ... from server" are ignored.
      if (!p_.fatal && ConsumePrefix(rest, "kex_exchange_identification: ")) {
        if (StartsWith(rest, "sshbuf_") || EndsWith(rest, " failed") ||
            StartsWith(rest, "No SSH version received")) {
          return false;
        }
        // What the client sent is no SSH identification: a scanner or a misdirected
        // client (banner_invalid); the rest is the exchange failing (kex_ident_failure).
        const bool bad_banner = StartsWith(rest, "banner line contains invalid characters") ||
                                StartsWith(rest, "banner line too long") ||
                                StartsWith(rest, "client sent invalid protocol identifier");
        SshdEvent& e =
            MakeFromSession(bad_banner ? EventKind::kBannerInvalid : EventKind::kKexIdentFailure);
        scan::SetText(e.detail, rest);
        return true;
      }
      return false;
    case 'm':
      // auth.c auth_maxtries_exceeded(): error("maximum authentication attempts
      // exceeded for %s%.100s from %.200s port %d ssh2").
      if (ConsumePrefix(rest, "maximum authentication attempts exceeded for ")) {
        ConsumeSuffix(rest, " ssh2");
        SshdEvent& e = Make(EventKind::kTooManyAuthFailures);
        if (!ConsumeTrailingPort(rest, e.port)) return false;
        const auto from = rest.rfind(" from ");
        if (from == Sv::npos || !SetAddress(e, rest.substr(from + 6), false)) return false;
        scan::SetText(e.user, StripUserPrefix(rest.substr(0, from)));
        return true;
      }
      return false;
    case 'n':
      // session.c session_open(): error("no more sessions") - MaxSessions reached.
      if (rest == "no more sessions") {
        MakeFromSession(EventKind::kNoMoreSessions);
        return true;
      }
      // kex.c choose_enc()/choose_mac()/choose_comp() before 7.x: "no matching
      // cipher found: client %s server %s" etc.
      if (StartsWith(rest, "no matching ")) {
        SshdEvent& e = MakeFromSession(EventKind::kKexNegotiationFailure);
        scan::SetText(e.detail, rest);
        return true;
      }
      return false;
    case 'p':
      if (StartsWith(rest, "pam_")) {
        // Linux-PAM _unix_verify_password(): PAM's own note of an unknown user; sshd's
        // "Invalid user" / "Failed" lines carry the event (others.tsv: ignored).
        if (rest == "pam_unix(sshd:auth): check pass; user unknown") return Ignored();
        // Every session's open and close: on a quiet server one line in ten.
        if (ConsumePrefix(rest, "pam_unix(sshd:session): ")) return PamSession(rest);
        if (ConsumePrefix(rest, "pam_faillock(sshd:auth): ")) return PamFaillock(rest);
        const auto i = rest.find("(sshd:auth): authentication failure; ");
        if (i == Sv::npos || i > 32) return false;
        return PamUnix(rest.substr(i + 37));
      }
      return false;
    case 'r':
      // Wietse Venema's libwrap refuse(): "refused connect from %s (%s)" with the
      // client description and its address in parentheses.
      if (ConsumePrefix(rest, "refused connect from ")) {
        if (!ConsumeSuffix(rest, ")")) return false;
        const auto open = rest.rfind(" (");
        if (open == Sv::npos) return false;
        SshdEvent& e = Make(EventKind::kTcpwrapRefused);
        if (!SetAddress(e, rest.substr(open + 2), true)) return false;
        return true;
      }
      // auth.c remote_hostname(): "reverse mapping checking getaddrinfo for %.700s
      // [%s] failed." (older: "failed - POSSIBLE BREAK-IN ATTEMPT!").
      if (ConsumePrefix(rest, "reverse mapping checking getaddrinfo for ")) {
        const auto close = rest.rfind("] failed");
        if (close == Sv::npos) return false;
        const auto open = rest.rfind(" [", close);
        if (open == Sv::npos) return false;
        SshdEvent& e = Make(EventKind::kReverseMappingFailure);
        if (!SetAddress(e, rest.substr(open + 2, close - open - 2), false)) return false;
        scan::SetText(e.detail, rest.substr(0, open));
        return true;
      }
      return false;
    case 's':
      // sshd.c main(): logit("sshd: no hostkeys available -- exiting.").
      if (rest == "sshd: no hostkeys available -- exiting.") {
        SshdEvent& e = Make(EventKind::kHostKeyLoadFailure);
        e.detail = "no hostkeys available";
        return true;
      }
      if (!p_.fatal && ConsumePrefix(rest, "srclimit_penalise: ")) return Penalise(rest);
      return false;
    case 'u':
      // auth2-pubkey.c userauth_pubkey(): "key type %s not in PubkeyAcceptedKeyTypes"
      // (7.4-8.4), "key type %s not in PubkeyAcceptedAlgorithms" (8.5-8.9),
      // "signature algorithm %s not in PubkeyAcceptedAlgorithms" (9.0+); logged with the
      // function name. auth2-hostbased.c has the Hostbased twins.
      if (ConsumePrefix(rest, "userauth_pubkey: ") || ConsumePrefix(rest, "userauth_hostbased: ")) {
        if (!ConsumePrefix(rest, "signature algorithm ") && !ConsumePrefix(rest, "key type "))
          return false;
        const auto not_in = rest.find(" not in ");
        if (not_in == Sv::npos) return false;
        SshdEvent& e = MakeFromSession(EventKind::kPubkeyAlgRejected);
        scan::SetText(e.detail, rest.substr(0, not_in));
        return true;
      }
      return false;
    default:
      break;
  }
  return false;
}

// packet.c sshpkt_vfatal() default branch: "%s%sConnection %s %s" + ": " + ssh_err(),
// i.e. "<tag>: Connection from <id>: <error>" with tags such as
// "ssh_dispatch_run_fatal" (dispatch.c) or "server_input_global_request: parse packet"
// (serverloop.c). The id may carry a user preamble, so the error is what follows the
// LAST ": " (ssh_err() texts have none) and the id is right-anchored.
bool LineParser::ConnectionError(Sv m) {
  constexpr Sv kMarker = ": Connection from ";
  const auto at = m.find(kMarker);
  if (at == Sv::npos || at == 0 || at > 128) return false;
  Sv rest = m.substr(at + kMarker.size());
  // 10.3+ ssherr.c: "error in libcrypto[: <OpenSSL text>]" - the OpenSSL text has ": "
  // of its own, so the id ends at the ": error in libcrypto" whose tail (OpenSSL's text,
  // not the client's) holds no " port " - a user name imitating it does not.
  const auto lib = rest.rfind(": error in libcrypto");
  if (lib != Sv::npos && rest.find(" port ", lib) == Sv::npos) {
    if (!RemoteIdEnd(rest.substr(0, lib), EventKind::kLibcryptoError)) return false;
    e_.kind = EventKind::kLibcryptoError;
    scan::SetText(e_.detail, rest.substr(lib + 2));
    return true;
  }
  const auto colon = rest.rfind(": ");
  if (colon == Sv::npos) return false;
  if (!RemoteIdEnd(rest.substr(0, colon), EventKind::kConnectionError)) return false;
  e_.kind = EventKind::kConnectionError;
  scan::SetText(e_.detail, rest.substr(colon + 2));
  return true;
}

bool LineParser::Run() {
  p_ = Prepare(rec_.message);
  if (p_.msg.empty()) return false;
  if (Dispatch()) return true;
  if (ignored_) return false;  // a format the catalogue ignores: no later branch matches it
  if (DispatchSessionAndKeys()) return true;
  if (ConnectionError(p_.msg)) return true;
  // log.c fatal()/sigdie(): any other "fatal: %s" - the process ended on it.
  if (p_.fatal) {
    SshdEvent& e = MakeFromSession(EventKind::kSshdFatal);
    scan::SetText(e.detail, p_.msg);
    return true;
  }
  return false;
}

}  // namespace parse_internal

struct SshdParser::Sessions : SessionTable {};

SshdParser::SshdParser() : sessions_(std::make_unique<Sessions>()) {}
SshdParser::~SshdParser() = default;

// Inline in Classify (its two calls), the host copied only when it changes: a machine's
// own log has one host, and assigning it anew for every event was 2% of a scan
// (basic_string::_M_replace); string_view's != is an ordering compare, a call of its own,
// and memcmp may not be given the null data() of an empty host.
inline void SshdParser::NoteEvent(const LogRecord& record, const SshdEvent& out) {
  last_event_ = &out;
  const std::string_view host = record.host;
  if (!scan::SameText(host, last_event_host_)) scan::SetText(last_event_host_, host);
}

LineClass SshdParser::ClassifyOwn(const LogRecord& record, SshdEvent& out, Source source) {
  const SshdEvent* previous = last_event_;
  last_event_ = nullptr;
  if (source == Source::kJournald) {
    // journald's own line about sshd's unit: "Suppressed N messages from ssh.service".
    if (!parse_internal::JournalSuppressedLine(record, out)) return LineClass::kOther;
    NoteEvent(record, out);
    return LineClass::kEvent;
  }
  // rsyslog's old "last message repeated N times" (action.c, no message of its own):
  // the previous line's event, N more times.
  int times = 0;
  if (!record.message.empty() && record.message.front() == 'l' &&
      parse_internal::LastMessageRepeated(record.message, times)) {
    if (previous != &out || record.host != last_event_host_) return LineClass::kIgnored;
    out.repeat = times;
    out.ts = record.ts;
    out.has_ts = record.has_ts;
    out.host = record.host;
    out.program = record.program;
    out.message = record.message;
    out.line = record.line;
    last_event_ = &out;
    return LineClass::kEvent;
  }
  parse_internal::LineParser p(record, *sessions_, out);
  if (p.Run()) {
    NoteEvent(record, out);
    return LineClass::kEvent;
  }
  return p.KnownIgnored() ? LineClass::kIgnored : LineClass::kUnknown;
}

void SshdParser::AddLocalAddress(std::string_view addr) {
  if (auto l = NormaliseIp(addr)) sessions_->AddLocal(*l);
}

std::optional<SshdEvent> SshdParser::Parse(const LogRecord& record) {
  SshdEvent event;
  if (Classify(record, event) != LineClass::kEvent) return std::nullopt;
  return event;
}

}  // namespace sshd_health
