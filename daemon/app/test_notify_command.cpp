// `sshd-health test-notify`: sends one test alert through each configured notifier (or
// the one named by --notifier) directly, without dispatcher, spool or retries, and says
// plainly which accepted it and why one did not.
#include <fmt/format.h>

#include <cstdio>
#include <string>

#include "app/commands.h"
#include "core/alert.h"
#include "core/config.h"
#include "notify/make_notifier.h"

namespace sshd_health {
namespace {

Alert TestAlert(const std::string& notifier_name) {
  Alert a;
  a.rule = "sshd_health.test";
  const TimePoint now = SystemClock::now();
  a.id = AlertId(a.rule, notifier_name + "/" + std::to_string(now.time_since_epoch().count()));
  a.severity = Severity::kInfo;
  a.status = AlertStatus::kFiring;
  a.host = LocalHostName();
  a.summary =
      fmt::format("Test alert from sshd-health on {} through notifier '{}'", a.host, notifier_name);
  a.remedy = "Nothing to do: `sshd-health test-notify` sent this to check the notifier.";
  a.labels = {{"notifier", notifier_name}};
  a.count = 1;
  a.first_seen = a.last_seen = now;
  a.evidence = {"sshd-health test-notify"};
  return a;
}

}  // namespace

int RunTestNotify(const TestNotifyOptions& options) {
  const Config config = LoadConfigOrDefault(options.config_path);
  if (options.notifier) {
    bool found = false;
    std::string names;
    for (const auto& n : config.notify.notifiers) {
      found = found || n.name == *options.notifier;
      names += (names.empty() ? "" : ", ") + n.name;
    }
    if (!found) {
      std::fprintf(stderr, "sshd-health: no notifier named '%s' in %s (configured: %s)\n",
                   options.notifier->c_str(), config.source.c_str(),
                   names.empty() ? "none" : names.c_str());
      return 1;
    }
  }
  if (config.notify.notifiers.empty()) {
    std::fprintf(stderr, "sshd-health: %s configures no notifiers\n", config.source.c_str());
    return 1;
  }
  bool all_ok = true;
  for (const NotifierConfig& nc : config.notify.notifiers) {
    if (options.notifier && nc.name != *options.notifier) continue;
    // Each lane on its own (an Alertmanager HA pair is two): one accepting says nothing
    // about its peer.
    for (const auto& notifier : MakeNotifiers(nc)) {
      const DeliveryResult r = notifier->Deliver({TestAlert(notifier->Name())});
      std::string line = fmt::format("{} ({}): ", notifier->Name(), nc.type);
      if (r.code == DeliveryResult::Code::kOk) {
        line += "accepted";
      } else {
        all_ok = false;
        line += "FAILED: " + r.reason;
        if (r.code == DeliveryResult::Code::kRetry) line += " (the daemon would retry)";
      }
      std::fprintf(stdout, "%s\n", line.c_str());
      std::fflush(stdout);
    }
  }
  return all_ok ? 0 : 1;
}

}  // namespace sshd_health
