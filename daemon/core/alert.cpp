#include "core/alert.h"

#include <fmt/format.h>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "core/fnv1a.h"
#include "core/time_format.h"

namespace sshd_health {
std::string_view AlertStatusName(AlertStatus s) {
  return s == AlertStatus::kFiring ? "firing" : "resolved";
}

std::string AlertId(std::string_view rule, std::string_view group_key) {
  std::uint64_t h = Fnv1a64(rule, kAlertIdBasis);
  h = Fnv1a64(std::string_view("\0", 1), h);
  h = Fnv1a64(group_key, h);
  return fmt::format("{:016x}", h);  // 16 lower-case hex digits
}

nlohmann::json AlertToJson(const Alert& a) {
  nlohmann::json j;
  j["schema"] = 1;
  j["id"] = a.id;
  j["rule"] = a.rule;
  j["severity"] = SeverityName(a.severity);
  j["status"] = AlertStatusName(a.status);
  j["host"] = a.host;
  j["summary"] = a.summary;
  j["remedy"] = a.remedy;
  j["labels"] = a.labels;
  j["count"] = a.count;
  j["first_seen"] = FormatRfc3339(a.first_seen);
  j["last_seen"] = FormatRfc3339(a.last_seen);
  j["evidence"] = a.evidence;
  return j;
}

std::string AlertToJsonLine(const Alert& a) {
  return AlertToJson(a).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<Alert> AlertFromJson(const nlohmann::json& j) {
  try {
    Alert a;
    a.id = j.at("id").get<std::string>();
    a.rule = j.at("rule").get<std::string>();
    const auto sev = ParseSeverity(j.at("severity").get<std::string>());
    if (!sev) return Fail("bad severity");
    a.severity = *sev;
    a.status = j.at("status").get<std::string>() == "resolved" ? AlertStatus::kResolved
                                                               : AlertStatus::kFiring;
    a.host = j.value("host", "");
    a.summary = j.value("summary", "");
    a.remedy = j.value("remedy", "");
    a.labels = j.value("labels", std::map<std::string, std::string>{});
    a.count = j.value("count", std::uint64_t{0});
    auto first = ParseRfc3339(j.at("first_seen").get<std::string>());
    auto last = ParseRfc3339(j.at("last_seen").get<std::string>());
    if (!first) return tl::unexpected(first.error());
    if (!last) return tl::unexpected(last.error());
    a.first_seen = *first;
    a.last_seen = *last;
    a.evidence = j.value("evidence", std::vector<std::string>{});
    return a;
  } catch (const nlohmann::json::exception& e) {
    return Fail(std::string("bad alert record: ") + e.what());
  }
}

const std::string& LocalHostName() {
  static const std::string name = [] {
    char buf[HOST_NAME_MAX + 1] = {};
    if (gethostname(buf, sizeof buf - 1) != 0) return std::string("localhost");
    return std::string(buf);
  }();
  return name;
}

}  // namespace sshd_health
