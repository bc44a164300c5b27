#pragma once
// Alert: what the rules engine and the auditors produce and every notifier delivers.
// Its JSON form is a contract (DESIGN.md "Alert"): stdout lines, webhook bodies and
// spool records all use AlertToJson.
#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/result.h"
#include "core/severity.h"

namespace sshd_health {

enum class AlertStatus { kFiring, kResolved };

std::string_view AlertStatusName(AlertStatus s);  // "firing", "resolved"

struct Alert {
  std::string id;    // AlertId(rule, group key): stable across restarts
  std::string rule;  // rule or finding id, e.g. "sshd.maxstartups.drop", "host_key.mode"
  Severity severity = Severity::kInfo;
  AlertStatus status = AlertStatus::kFiring;
  std::string host;                           // this machine's host name
  std::string summary;                        // one line; escaped
  std::string remedy;                         // what to do, with commands
  std::map<std::string, std::string> labels;  // e.g. {"ip": "192.0.2.7"}; escaped
  std::uint64_t count = 0;
  TimePoint first_seen{};
  TimePoint last_seen{};
  std::vector<std::string> evidence;  // at most kMaxEvidence raw lines, escaped
};

inline constexpr std::size_t kMaxEvidence = 5;

/// Where AlertId's hash starts: 1469598103934665603, FNV-1a's 64-bit offset basis
/// (14695981039346656037) with its last digit lost, as the first release wrote it. Kept on
/// purpose: an id is how receivers, journal queries (SSHD_HEALTH_ID=) and spooled records
/// know an alert, so a "fixed" basis would change every id on upgrade - and leave a
/// firing alert whose resolution arrives under another id - for no gain (any odd start
/// hashes as well). Pinned by tests/core/fnv1a_test.cpp.
inline constexpr std::uint64_t kAlertIdBasis = 1469598103934665603ULL;

/// Stable id: 16 hex digits of a 64-bit FNV-1a hash (started from kAlertIdBasis) over
/// rule, a NUL and group key.
std::string AlertId(std::string_view rule, std::string_view group_key);

/// The DESIGN.md JSON shape.
nlohmann::json AlertToJson(const Alert& alert);
/// One line of JSON (no newline); never throws on odd bytes.
std::string AlertToJsonLine(const Alert& alert);
/// Inverse of AlertToJson (for the spool); an error names the missing or bad field.
Result<Alert> AlertFromJson(const nlohmann::json& j);

/// This machine's host name (gethostname), cached.
const std::string& LocalHostName();

/// Receives alerts. Emit must not throw.
class AlertSink {
 public:
  virtual ~AlertSink() = default;
  virtual void Emit(const Alert& alert) = 0;
  /// Emit, for an alert the caller is done with: a sink that keeps alerts (scan's
  /// collector) takes its strings instead of copying them. Must not throw either.
  virtual void EmitOwned(Alert&& alert) { Emit(alert); }
};

}  // namespace sshd_health
