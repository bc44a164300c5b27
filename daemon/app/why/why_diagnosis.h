#pragma once
// The ranking at the heart of `why`: from what sshd logged about the client, what blocks
// its address and the server's state, the causes that explain a failed login, most likely
// first, each with its evidence lines and the commands that fix it; and what was looked
// at and ruled out. Pure: every probe ran before (why_evidence, why_bans, why_server).
//
// Remedies are not written here: a logged cause takes the remedy of the shipped rule that
// alerts on its lines (why_remedies.h), an audit cause its finding's remedy, a ban the
// probe's. The one text of its own is the troubleshooting guide's client-side steps.
#include <map>
#include <string>
#include <vector>

#include "app/why/why_bans.h"
#include "app/why/why_evidence.h"
#include "app/why/why_server.h"
#include "rules/rule.h"

namespace sshd_health::why {

struct Cause {
  std::string id{};       // "banned.fail2ban", "sshd.down", "logged.user_not_allowed", ...
  std::string source{};   // rule or finding id the remedy came from, or the ban's source
  int score = 0;          // the ranking weight: higher is more likely to be the reason
  std::string summary{};  // one line, escaped
  std::vector<std::string> evidence{};  // escaped lines, newest last (at most kMaxCauseEvidence)
  std::string remedy{};                 // commands, one per line
  std::uint64_t count = 0;              // log lines (or findings) behind it
  TimePoint last_seen{};                // of its newest log line; epoch when not from the log
  /// What its log lines share: the cause id, and for failed logins the method too (a
  /// wrong password and a refused key are two causes). Empty when not from the log.
  std::string group{};
};

struct RuledOut {
  std::string what;      // "fail2ban", "sshd running", "MaxStartups drops", ...
  std::string why;       // what was seen instead
  bool unknown = false;  // could not look: not a proof of absence
};

/// What sshd logged about the client, one entry per kind, in the order kinds first appeared.
struct LoggedKind {
  EventKind kind{};
  std::uint64_t count = 0;
  TimePoint first{}, last{};
  std::vector<std::string> lines{};  // escaped, the newest kMaxLinesPerKind
};

struct Diagnosis {
  ClientQuery query;
  std::vector<Cause> causes;  // most likely first
  std::vector<RuledOut> ruled_out;
  std::vector<std::string> client_side;  // what to try on the client when nothing explains it
  std::vector<LoggedKind> logged;
  std::map<std::string, std::string> effective;
  std::string effective_source;
  std::vector<CheckReport> checks;  // the audits' results (for the JSON)
  std::uint64_t records = 0, in_window = 0;
};

inline constexpr std::size_t kMaxCauseEvidence = 5;
inline constexpr std::size_t kMaxLinesPerKind = 3;

struct DiagnosisInput {
  const ClientQuery& query;
  const ClientEvidence& evidence;
  const BanReport& bans;
  const ServerState& server;
  const std::vector<Rule>& rules;  // for remedies
};

Diagnosis Diagnose(const DiagnosisInput& input);

}  // namespace sshd_health::why
