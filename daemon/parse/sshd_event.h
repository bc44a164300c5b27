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
  kAuthFailure,            // Failed password/publickey/keyboard-interactive, PAM auth failure
  kInvalidUser,            // Invalid user NAME from IP
  kAuthSuccess,            // Accepted METHOD for USER from IP
  kPreauthDisconnect,      // Connection closed/Disconnected ... [preauth]
  kTooManyAuthFailures,    // maximum authentication attempts exceeded / Too many auth failures
  kMaxStartupsBegin,       // beginning MaxStartups throttling
  kMaxStartupsDrop,        // drop connection #N from [IP]:PORT ... past MaxStartups
  kMaxStartupsEnd,         // exited MaxStartups throttling after ..., N connections dropped
  kPenaltyDrop,            // PerSourcePenalties: drop connection ... penalty: REASON
  kKexIdentFailure,        // kex_exchange_identification: ...
  kBannerInvalid,          // banner exchange ... invalid format / Bad protocol version
  kKexNegotiationFailure,  // Unable to negotiate with IP port N: no matching ... Their offer
  kHostKeyLoadFailure,     // Unable to load / Could not load host key, no hostkeys available
  kBadModes,               // Authentication refused: bad ownership or modes for ...
  kPubkeyAlgRejected,      // userauth_pubkey: ... not in PubkeyAcceptedAlgorithms
  kSshdFatal,              // fatal: ...
  kSshdStarted,            // Server listening on ...
  kSshdStopped,            // Received signal 15; terminating.
  kUserNotAllowed,         // User X not allowed because ... (AllowUsers, DenyUsers, locked, root)
  kTcpwrapRefused,         // refused connect from ... (libwrap)
  kReverseMappingFailure,  // ... POSSIBLE BREAK-IN ATTEMPT!
  kConnectionOpened,       // Connection from IP port N on IP port N
  kReceivedDisconnect,     // Received disconnect from IP port N: CODE: ...
  kTimeoutBeforeAuth,      // Timeout before authentication for ...
  kConnectionClosed,       // Connection closed / Disconnected from user ... after login
  kMaxStartupsOngoing,     // in MaxStartups throttling for T, N connections dropped (9.0-9.9)
  kPenaltyApplied,         // srclimit_penalise: ... penalty of N seconds for REASON (9.8+)
  kConnectionError,        // TAG: Connection from IP port N: ERROR (packet.c sshpkt_fatal)
  kNoMoreSessions,         // error: no more sessions (MaxSessions reached)
  // Issue 14 (tests/data/openssh/KINDS.md): formats the catalogue maps that had no kind.
  kPartialAuth,               // Partial METHOD for USER from IP (AuthenticationMethods)
  kSessionOpened,             // Starting session: ... / pam_unix(sshd:session): session opened
  kSessionClosed,             // Close session: ... / pam_unix(sshd:session): session closed
  kSessionCrash,              // session process N for ... killed by signal / preauth child crash
  kClientAliveTimeout,        // Timeout, client not responding [from ID]
  kUnusedConnectionTimeout,   // terminating inactive connection from ID
  kRefuseConnection,          // administratively prohibited connection for USER from IP port N
  kLibcryptoError,            // TAG: Connection from ID: error in libcrypto[: OpenSSL text]
  kRekeyLimitPreauth,         // RekeyLimit exceeded before authentication completed
  kProtocolViolation,         // Disconnecting ID: strict KEX violation / multiple KEXINIT ...
  kBindFailed,                // Bind to port P on A failed: REASON.
  kSshdRestart,               // Received SIGHUP; restarting.
  kHostKeyProblem,            // No matching private key for certificate, shield failed, agent ...
  kCertRefused,               // Certificate invalid: REASON / Refusing certificate ID ...
  kAuthorizedKeysUnreadable,  // Could not open user 'U' authorized keys ... / not a regular file
  kKeySourceNotPermitted,  // Authentication tried for U with correct key but not from a permitted
                           // host
  kKeyRevoked,             // Authentication key ... revoked by file / WARNING: revoked key
  kFidoNoUserPresence,  // public key ... rejected: user presence/verification requirement not met
  kKeyAlgRefused,      // unsupported public key algorithm / not in permitted list / RequiredRSASize
  kAccountExpired,     // Account U has expired
  kPasswordExpired,    // User U password has expired / Password expired
  kAccountLocked,      // pam_faillock: account temporarily locked
  kSubsystemFailure,   // subsystem request for S by user U failed
  kSftpOnlyRefused,    // Connection from ID: refusing non-sftp session
  kVersionProbe,       // probed/scanned from IP port N with BANNER.  Don't panic.
  kJournalSuppressed,  // systemd-journald: Suppressed N messages from ssh.service
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

/// One recognised sshd line. `host`, `program`, `message` and `line` borrow from the
/// LogRecord it was parsed from (REQUIRES: that buffer outlives the event); the rest is
/// owned.
struct SshdEvent {
  EventKind kind{};
  TimePoint ts{};
  bool has_ts = false;
  std::string ip;    // normalised address, or the host name as sshd logged it; may be empty
  int port = 0;      // 0 = none
  std::string user;  // as logged: attacker-controlled; may be empty
  int pid = 0;
  std::string detail;  // kind-specific: client's offer, file path, fatal text, drop count...
  /// How many times the line stands for the event: N for rsyslog's "message repeated N
  /// times: [ ... ]" / "last message repeated N times", else 1. The pipeline feeds the
  /// rules the event N times.
  int repeat = 1;
  /// The machine that logged the line (syslog HOSTNAME, journal _HOSTNAME); empty when the
  /// input named none. On a central log host it differs from line to line; the rules
  /// count per host (rules/README.md "Hosts").
  std::string_view host;
  std::string_view program;
  std::string_view message;
  std::string_view line;
};

}  // namespace sshd_health
