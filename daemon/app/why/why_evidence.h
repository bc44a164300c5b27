#pragma once
// What sshd logged about one client within `why`'s window: the parser's events for the
// address and/or user asked about (owned copies: the records they came from are gone when
// the diagnosis is made), plus the server-wide lines that explain a client's failure
// without naming it (MaxStartups throttling, restarts, host key and fatal errors).
#include <cstdint>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/log_record.h"
#include "parse/sshd_event.h"
#include "parse/sshd_parser.h"

namespace sshd_health::why {

/// Who `why` asks about. At least one of ip and user is set (the command checks).
struct ClientQuery {
  std::string ip;    // normalised (NormaliseIp), or empty
  std::string user;  // as the user typed it, or empty
  TimePoint since{};
};

/// One SshdEvent, owned.
struct LoggedEvent {
  EventKind kind{};
  TimePoint ts{};
  bool has_ts = false;
  std::string ip;
  int port = 0;
  std::string user;  // attacker-controlled; escape before printing
  int pid = 0;
  std::string detail;
  std::string message;  // sshd's message (what the rules' regexes test)
  std::string line;     // the whole line, raw
  int repeat = 1;
};

LoggedEvent OwnEvent(const SshdEvent& event);

struct ClientEvidence {
  std::vector<LoggedEvent> client;  // this client's events, in log order
  std::vector<LoggedEvent> server;  // server-wide events, in log order
  std::uint64_t records = 0;        // records read
  std::uint64_t in_window = 0;      // of those, at or after `since` (or without a time)
  std::uint64_t dropped = 0;        // client events beyond kMaxClientEvents (oldest kept out)
  /// Of every client, at or after the collector's `counts_since` (the audits' last hour):
  /// what the audits are told (AuditSettings::recent_maxstartups_drops, ...).
  long maxstartups_drops = 0;
  long grace_timeouts = 0;
};

/// Feeds records through the parser and keeps what concerns the query. Lines naming no
/// client are attributed through their sshd process: the parser's session table does it
/// when the process named the client first; when it names the client only later ("bad
/// ownership or modes" comes before "Connection closed by authenticating user"), the
/// process's earlier lines are held back and kept once it does (in a log without pids,
/// until the next line naming a client). Not thread-safe.
class EvidenceCollector {
 public:
  /// Keeps the newest this many client events (a day of a brute force is millions).
  static constexpr std::size_t kMaxClientEvents = 2000;
  static constexpr std::size_t kMaxServerEvents = 500;

  /// `counts_since`: where the server-wide counts start (the audits reason about the last
  /// hour, whatever --since is); default: the query's window.
  explicit EvidenceCollector(ClientQuery query, std::optional<TimePoint> counts_since = {})
      : query_(std::move(query)), counts_since_(counts_since.value_or(query_.since)) {}

  /// A record without a time stands at the last time seen.
  void Observe(const LogRecord& record);
  /// The evidence, client events in log order.
  ClientEvidence Finish();

  const ClientQuery& query() const { return query_; }

 private:
  bool Concerns(const SshdEvent& event) const;
  void Keep(LoggedEvent event);

  static constexpr std::size_t kMaxPendingPids = 1024;
  static constexpr std::size_t kMaxPendingPerPid = 8;

  ClientQuery query_;
  TimePoint counts_since_;
  SshdParser parser_;
  SshdEvent event_;
  ClientEvidence evidence_;
  TimePoint last_ts_{};
  std::unordered_map<int, std::vector<LoggedEvent>> pending_;  // pid -> unattributed lines
};

/// True for the kinds that describe the server rather than one connection.
bool IsServerWideKind(EventKind kind);

}  // namespace sshd_health::why
