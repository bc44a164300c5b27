#include "notify/syslog_notifier.h"

#include <syslog.h>
#include <unistd.h>

#include <mutex>
#include <utility>

#include "notify/journal_notifier.h"
#include "notify/notifier_options.h"

namespace sshd_health {
namespace {

class SyslogNotifier final : public Notifier {
 public:
  SyslogNotifier(std::string name, int facility) : name_(std::move(name)), facility_(facility) {
    // openlog is process-wide; the facility travels with each message instead.
    static std::once_flag once;
    std::call_once(once, [] { ::openlog("sshd-health", LOG_PID | LOG_NDELAY, LOG_DAEMON); });
  }
  const std::string& Name() const override { return name_; }

  DeliveryResult Deliver(const std::vector<Alert>& batch) override {
    // syslog(3) silently drops messages when no syslog daemon listens on /dev/log.
    if (::access("/dev/log", F_OK) != 0) {
      return DeliveryResult::Permanent("no syslog daemon listens here (/dev/log is missing)");
    }
    for (const Alert& alert : batch) {
      const std::string line = AlertMessageLine(alert);  // control characters escaped
      ::syslog(facility_ | SeverityPriority(alert.severity), "%s", line.c_str());
    }
    return DeliveryResult::Ok();
  }

 private:
  std::string name_;
  int facility_;
};

}  // namespace

std::optional<int> ParseSyslogFacility(std::string_view name) {
  static constexpr std::pair<std::string_view, int> kFacilities[] = {
      {"auth", LOG_AUTH},     {"authpriv", LOG_AUTHPRIV}, {"daemon", LOG_DAEMON},
      {"user", LOG_USER},     {"local0", LOG_LOCAL0},     {"local1", LOG_LOCAL1},
      {"local2", LOG_LOCAL2}, {"local3", LOG_LOCAL3},     {"local4", LOG_LOCAL4},
      {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},     {"local7", LOG_LOCAL7}};
  for (const auto& [n, f] : kFacilities) {
    if (n == name) return f;
  }
  return std::nullopt;
}

std::unique_ptr<Notifier> MakeSyslogNotifier(const NotifierConfig& config) {
  const YamlMap map = NotifierOptions(config, {"facility"});
  const auto facility = ParseSyslogFacility(map.String("facility", "authpriv"));
  if (!facility) {
    map.Fail("facility", "expected auth, authpriv, daemon, user or local0..local7");
  }
  return std::make_unique<SyslogNotifier>(config.name, *facility);
}

}  // namespace sshd_health
