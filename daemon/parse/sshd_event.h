#pragma once
// SshdEvent: what the parser recognised in one sshd log line. The catalogue of kinds
// (AllEventKinds) is the one place that lists every kind with its meaning; rules refer to
// kinds by these names.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace sshd_health {

enum class EventKind : std::uint8_t {
  kAuthFailure,             // Failed password/publickey/keyboard-interactive, PAM auth failure
  kInvalidUser,             // Invalid user NAME from IP
  kAuthSuccess,             // Accepted METHOD for USER from IP
  kPreauthDisconnect,       // Connection closed/Disconnected ... [preauth]
  kTooManyAuthFailures,     // maximum authentication attempts exceeded / Too many auth failures
  kMaxStartupsBegin,        // beginning MaxStartups throttling
  kMaxStartupsDrop,         // drop connection #N from [IP]:PORT ... past MaxStartups
  kMaxStartupsEnd,          // exited MaxStartups throttling after ..., N connections dropped
  kPenaltyDrop,             // PerSourcePenalties: drop connection ... penalty: REASON
  kKexIdentFailure,         // kex_exchange_identification: ...
  kBannerInvalid,           // banner exchange ... invalid format / Bad protocol version
  kKexNegotiationFailure,   // Unable to negotiate with IP port N: no matching ... Their offer
  kHostKeyLoadFailure,      // Unable to load / Could not load host key, no hostkeys available
  kBadModes,                // Authentication refused: bad ownership or modes for ...
  kPubkeyAlgRejected,       // userauth_pubkey: ... not in PubkeyAcceptedAlgorithms
  kSshdFatal,               // fatal: ...
  kSshdStarted,             // Server listening on ...
  kSshdStopped,             // Received signal 15; terminating.
  kUserNotAllowed,          // User X not allowed because ... (AllowUsers, DenyUsers, locked, root)
  kTcpwrapRefused,          // refused connect from ... (libwrap)
  kReverseMappingFailure,   // ... POSSIBLE BREAK-IN ATTEMPT!
  kConnectionOpened,        // Connection from IP port N on IP port N
  kReceivedDisconnect,      // Received disconnect from IP port N: CODE: ...
  kTimeoutBeforeAuth,       // Timeout before authentication for ...
  kConnectionClosed,        // Connection closed / Disconnected from user ... after login
  kMaxStartupsOngoing,      // in MaxStartups throttling for T, N connections dropped (9.0-9.9)
  kPenaltyApplied,          // srclimit_penalise: ... penalty of N seconds for REASON (9.8+)
  kConnectionError,         // TAG: Connection from IP port N: ERROR (packet.c sshpkt_fatal)
  kNoMoreSessions,          // error: no more sessions (MaxSessions reached)
};

struct EventKindInfo {
  EventKind kind;
  std::string_view name;     // "auth_failure": the name rules and JSON use
  std::string_view meaning;  // one line for docs and --help
};

/// Every kind, in enum order.
std::span<const EventKindInfo> AllEventKinds();
std::string_view EventKindName(EventKind kind);
std::optional<EventKind> ParseEventKind(std::string_view name);

/// One recognised sshd line. `program`, `message` and `line` borrow from the LogRecord it
/// was parsed from (REQUIRES: that buffer outlives the event); the rest is owned.
struct SshdEvent {
  EventKind kind{};
  TimePoint ts{};
  bool has_ts = false;
  std::string ip;        // normalised address, or the host name as sshd logged it; may be empty
  int port = 0;          // 0 = none
  std::string user;      // as logged: attacker-controlled; may be empty
  int pid = 0;
  std::string detail;    // kind-specific: client's offer, file path, fatal text, drop count...
  std::string_view program;
  std::string_view message;
  std::string_view line;
};

}  // namespace sshd_health
