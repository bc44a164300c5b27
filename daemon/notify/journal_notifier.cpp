#include "notify/journal_notifier.h"

#include <fmt/format.h>
#include <sys/uio.h>
#include <systemd/sd-journal.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>

#include "core/text.h"
#include "core/time_format.h"
#include "notify/notifier_options.h"

namespace sshd_health {
namespace {

constexpr const char* kJournalSocket = "/run/systemd/journal/socket";

// Journal field names: upper-case letters, digits and '_', not starting with a digit or
// '_' (systemd's journal_field_valid); at most 64 bytes.
std::string LabelFieldName(const std::string& label) {
  std::string name = "SSHD_HEALTH_";
  for (unsigned char c : label) {
    if (name.size() >= 64) break;
    name += std::isalnum(c) ? static_cast<char>(std::toupper(c)) : '_';
  }
  return name;
}

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

class JournalNotifier final : public Notifier {
 public:
  explicit JournalNotifier(std::string name) : name_(std::move(name)) {}
  const std::string& Name() const override { return name_; }

  DeliveryResult Deliver(const std::vector<Alert>& batch) override {
    // sd_journal_send reports success and drops the entry when journald is not running,
    // so say so instead of claiming delivery.
    if (::access(kJournalSocket, F_OK) != 0) {
      return DeliveryResult::Permanent(
          fmt::format("journald is not running here ({} is missing); use type: syslog or stdout",
                      kJournalSocket));
    }
    for (const Alert& alert : batch) {
      std::vector<std::string> items;
      for (const auto& [field, value] : JournalFields(alert)) items.push_back(field + "=" + value);
      std::vector<iovec> iov;
      for (auto& item : items) iov.push_back({item.data(), item.size()});
      const int rc = sd_journal_sendv(iov.data(), static_cast<int>(iov.size()));
      if (rc < 0)
        return DeliveryResult::Retry(fmt::format("sd_journal_send: {}", std::strerror(-rc)));
    }
    return DeliveryResult::Ok();
  }

 private:
  std::string name_;
};

}  // namespace

int SeverityPriority(Severity severity) {
  switch (severity) {
    case Severity::kCritical:
      return 2;
    case Severity::kWarning:
      return 4;
    case Severity::kInfo:
      return 6;
  }
  return 6;
}

std::string AlertMessageLine(const Alert& a) {
  std::string line =
      fmt::format("{}{} {}: {}", Upper(SeverityName(a.severity)),
                  a.status == AlertStatus::kResolved ? " RESOLVED" : "", a.rule, a.summary);
  std::string labels;
  for (const auto& [k, v] : a.labels) labels += (labels.empty() ? "" : " ") + k + "=" + v;
  if (!labels.empty()) line += " (" + labels + ")";
  return EscapeForOutput(line);
}

std::vector<JournalField> JournalFields(const Alert& a) {
  std::vector<JournalField> f = {
      {"MESSAGE", AlertMessageLine(a)},
      {"PRIORITY", std::to_string(SeverityPriority(a.severity))},
      {"SYSLOG_IDENTIFIER", "sshd-health"},
      {"SSHD_HEALTH_RULE", a.rule},
      {"SSHD_HEALTH_ID", a.id},
      {"SSHD_HEALTH_SEVERITY", std::string(SeverityName(a.severity))},
      {"SSHD_HEALTH_STATUS", std::string(AlertStatusName(a.status))},
      {"SSHD_HEALTH_HOST", a.host},
      {"SSHD_HEALTH_SUMMARY", a.summary},
      {"SSHD_HEALTH_REMEDY", a.remedy},
      {"SSHD_HEALTH_COUNT", std::to_string(a.count)},
      {"SSHD_HEALTH_FIRST_SEEN", FormatRfc3339(a.first_seen)},
      {"SSHD_HEALTH_LAST_SEEN", FormatRfc3339(a.last_seen)},
  };
  for (const auto& [k, v] : a.labels) f.emplace_back(LabelFieldName(k), v);
  for (const auto& e : a.evidence) f.emplace_back("SSHD_HEALTH_EVIDENCE", e);
  return f;
}

std::unique_ptr<Notifier> MakeJournalNotifier(const NotifierConfig& config) {
  NotifierOptions(config, {});
  return std::make_unique<JournalNotifier>(config.name);
}

}  // namespace sshd_health
