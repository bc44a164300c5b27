#pragma once
// LineParser: the parser of one sshd line, shared by the files that handle one family of
// OpenSSH messages each (internal to parse/; SshdParser in sshd_parser.h is the seam):
//   sshd_parser.cpp      the preamble, dispatch, authentication and connection lines
//   session_lines.cpp    sessions, child processes and their crashes, timeouts, PAM sessions
//   key_lines.cpp        keys, certificates, host keys, account state
//   relay_lines.cpp      lines other programs log about sshd (rsyslog repeats, journald),
//                        and the catalogue of known formats sshd-health ignores
#include <array>
#include <cstddef>
#include <string_view>

#include "core/log_record.h"
#include "core/text_scan.h"
#include "parse/address.h"
#include "parse/session_table.h"
#include "parse/sshd_event.h"

namespace sshd_health::parse_internal {

using scan::ConsumePrefix;
using scan::ConsumeSuffix;
using scan::ConsumeTrailingPort;
using scan::EndsWith;
using scan::LastToken;
using scan::StartsWith;
using scan::Sv;

constexpr std::size_t kMaxCandidates = 8;

// What the front of a message told us before the format itself is matched.
struct Preamble {
  Sv msg;                // the message without level prefix and " [preauth]"
  bool preauth = false;  // " [preauth]", or " [postauth]" (10.0+ sshd-auth relayed after login)
  bool fatal = false;    // "fatal: " (sshd's fatal() / sigdie())
};

// Keeps the LAST kMaxCandidates candidates in order: injected ones come from the user
// name ahead of the real one, so a flood of them must not push the real one out.
template <typename T>
void Keep(std::array<T, kMaxCandidates>& cands, std::size_t& n, const T& c) {
  if (n == cands.size()) {
    for (std::size_t k = 1; k < n; ++k) cands[k - 1] = cands[k];
    --n;
  }
  cands[n++] = c;
}

inline Sv StripUserPrefix(Sv user) {
  if (!ConsumePrefix(user, "invalid user ")) ConsumePrefix(user, "illegal user ");
  return user;
}
/// True when `record` is an sshd line (REQUIRES: its message, after the preamble, is
/// `msg`) whose format the catalogue knows and ignores (known_formats.inc).
bool IsKnownIgnoredFormat(Sv msg);

/// rsyslog's "last message repeated N times": true with `times` = N.
bool LastMessageRepeated(Sv message, int& times);

/// journald's "Suppressed N messages from <ssh unit>" (logged as systemd-journald): the
/// journal_suppressed event in `out`.
bool JournalSuppressedLine(const LogRecord& rec, SshdEvent& out);

class LineParser {
 public:
  // Fills `out`, which the caller reuses from line to line: its strings keep their
  // capacity, so a line costs no allocation once they have grown.
  LineParser(const LogRecord& rec, SessionTable& sessions, SshdEvent& out)
      : rec_(rec), s_(sessions), e_(out) {}

  // True when the line is an event (then in `out`); else `out` means nothing.
  bool Run();

  // After Run() returned false: was the line a known format sshd-health ignores?
  bool KnownIgnored() const;

 private:
  bool Dispatch();
  // Starts the event afresh: the record's fields, no address, user or detail.
  SshdEvent& Make(EventKind kind) {
    e_.kind = kind;
    e_.ts = rec_.ts;
    e_.has_ts = rec_.has_ts;
    e_.pid = rec_.pid;
    e_.host = rec_.host;
    e_.program = rec_.program;
    e_.message = rec_.message;
    e_.line = rec_.line;
    e_.ip.clear();
    e_.port = 0;
    e_.user.clear();
    e_.detail.clear();
    e_.repeat = 1;
    return e_;
  }
  // An event whose address comes from this PID's earlier lines.
  SshdEvent& MakeFromSession(EventKind kind) {
    SshdEvent& e = Make(kind);
    if (const auto* entry = s_.Find(rec_)) {
      e.ip = entry->ip;
      e.port = entry->port;
      e.user = entry->user;
    }
    return e;
  }
  // Sets e.ip from `token` (IP, or host name when `allow_host`); false when invalid.
  static bool SetAddress(SshdEvent& e, Sv token, bool allow_host) {
    return NormaliseAddressTo(token, allow_host, e.ip);
  }
  void Remember(const SshdEvent& e, bool authenticated = false) {
    auto* entry = s_.Touch(rec_);
    if (entry == nullptr) return;
    if (!e.ip.empty()) {
      entry->ip = e.ip;
      entry->port = e.port;
    }
    if (!e.user.empty()) entry->user = e.user;
    entry->authenticated = entry->authenticated || authenticated;
  }

  bool AuthLog(Sv rest, EventKind kind);
  bool InvalidUser(Sv rest);
  bool RemoteIdEnd(Sv remote_id, EventKind kind);
  bool ConnectionClosed(Sv remote_id);
  bool UserChild(Sv pid_text);
  bool ConnectionFrom(Sv rest);
  bool ReceivedDisconnect(Sv rest);
  bool Disconnecting(Sv rest);
  bool UserNotAllowed(Sv rest);
  bool UnableToNegotiate(Sv rest);
  bool DropConnection(Sv rest);
  bool TimeoutBeforeAuth(Sv rest);
  bool PamUnix(Sv rest);
  bool PamError(Sv rest);
  bool Penalise(Sv rest);
  bool FromTrailing(Sv rest, EventKind kind, bool allow_host);
  bool ConnectionError(Sv m);

  // session_lines.cpp
  bool DispatchSessionAndKeys();
  bool ChildId(Sv ids, Sv pid_text, SshdEvent& e);
  bool SessionProcess(Sv rest);
  bool SessionLine(Sv rest, EventKind kind);
  bool PamSession(Sv rest);
  bool PamFaillock(Sv rest);
  bool AdministrativelyProhibited(Sv rest);
  bool SubsystemFailure(Sv rest);
  // key_lines.cpp
  bool KeySourceNotPermitted(Sv rest);
  bool FidoRejected(Sv rest);
  bool UserFileLine(Sv rest);
  bool HostKeyProblem(Sv rest);
  bool CertRefused(Sv rest);
  bool KeyAlg(Sv rest);
  // relay_lines.cpp
  bool Repeated(Sv rest);
  bool JournalSuppressed(Sv rest);

  // A branch that knows its line is an ignored format (the catalogue's reason in the
  // comment) says so, sparing KnownIgnored the pattern search. Returns false (no event).
  bool Ignored() {
    ignored_ = true;
    return false;
  }

  const LogRecord& rec_;
  SessionTable& s_;
  SshdEvent& e_;
  Preamble p_;
  bool ignored_ = false;
};

}  // namespace sshd_health::parse_internal
