#include "audit/finding_tracker.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "core/atomic_file.h"
#include "core/text.h"

namespace sshd_health {
namespace {

std::string Key(const Finding& f) { return f.id + "\n" + f.subject; }

std::int64_t ToSeconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

FindingTracker::FindingTracker(std::string state_path, Severity min_severity)
    : state_path_(std::move(state_path)), min_severity_(min_severity) {
  Load();
}

Alert FindingTracker::MakeAlert(const Finding& finding, const std::string& check,
                                AlertStatus status, TimePoint first_seen, TimePoint now) {
  Alert a;
  a.id = AlertId(finding.id, finding.subject);
  a.rule = finding.id;
  a.severity = finding.severity;
  a.status = status;
  a.host = LocalHostName();
  a.summary = EscapeForOutput(status == AlertStatus::kResolved ? "resolved: " + finding.summary
                                                               : finding.summary);
  a.remedy = EscapeForOutput(finding.remedy);
  a.labels = {{"subject", EscapeForOutput(finding.subject)}, {"check", check}};
  a.count = 1;
  a.first_seen = first_seen;
  a.last_seen = now;
  return a;
}

void FindingTracker::Update(const AuditReport& report, TimePoint now, AlertSink& sink) {
  bool changed = false;
  for (const auto& check : report.checks) {
    if (check.status == CheckStatus::kUnknown) continue;  // could not tell: keep what we knew
    std::set<std::string> present;
    for (const auto& f : check.findings) {
      if (f.severity < min_severity_) continue;  // `check` lists it; the daemon stays quiet
      const std::string key = Key(f);
      present.insert(key);
      auto it = known_.find(key);
      if (it == known_.end()) {
        known_.emplace(key, Known{f, check.check, now});
        sink.Emit(MakeAlert(f, check.check, AlertStatus::kFiring, now, now));
        changed = true;
      } else if (it->second.finding.severity != f.severity) {
        it->second.finding = f;
        sink.Emit(MakeAlert(f, check.check, AlertStatus::kFiring, it->second.first_seen, now));
        changed = true;
      } else {
        it->second.finding = f;  // keep the latest wording for the resolved alert
      }
    }
    for (auto it = known_.begin(); it != known_.end();) {
      if (it->second.check == check.check && !present.count(it->first)) {
        sink.Emit(MakeAlert(it->second.finding, it->second.check, AlertStatus::kResolved,
                            it->second.first_seen, now));
        it = known_.erase(it);
        changed = true;
      } else {
        ++it;
      }
    }
  }
  if (changed) Save();
}

void FindingTracker::Load() {
  if (state_path_.empty()) return;
  std::ifstream in(state_path_);
  if (!in) return;
  std::stringstream ss;
  ss << in.rdbuf();
  const auto j = nlohmann::json::parse(ss.str(), nullptr, false);
  if (!j.is_object() || !j.contains("findings") || !j["findings"].is_array()) return;
  for (const auto& e : j["findings"]) {
    if (!e.is_object()) continue;
    Known k;
    k.finding.id = e.value("id", "");
    k.finding.subject = e.value("subject", "");
    k.finding.severity = ParseSeverity(e.value("severity", "")).value_or(Severity::kWarning);
    k.finding.summary = e.value("summary", "");
    k.finding.remedy = e.value("remedy", "");
    k.check = e.value("check", "");
    k.first_seen = TimePoint(std::chrono::seconds(e.value("first_seen", std::int64_t{0})));
    if (k.finding.id.empty() || k.check.empty()) continue;
    known_[Key(k.finding)] = std::move(k);
  }
}

void FindingTracker::Save() {
  if (state_path_.empty()) return;
  nlohmann::json list = nlohmann::json::array();
  for (const auto& [key, k] : known_) {
    list.push_back({{"id", k.finding.id},
                    {"subject", k.finding.subject},
                    {"severity", SeverityName(k.finding.severity)},
                    {"summary", k.finding.summary},
                    {"remedy", k.finding.remedy},
                    {"check", k.check},
                    {"first_seen", ToSeconds(k.first_seen)}});
  }
  const nlohmann::json doc = {{"schema", 1}, {"findings", std::move(list)}};
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(state_path_).parent_path(), ec);
  // 0666 less the umask, as ofstream created it before (0600 under the shipped unit).
  const auto written = WriteFileAtomically(
      state_path_, doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) + "\n", 0666);
  if (!written) {
    save_error_ = written.error().message;
    return;
  }
  save_error_.clear();
}

}  // namespace sshd_health
