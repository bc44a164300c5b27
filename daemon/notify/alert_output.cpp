#include "notify/alert_output.h"

#include <fmt/format.h>

#include <set>

#include "core/yaml_util.h"
#include "notify/dispatcher.h"
#include "notify/make_notifier.h"

namespace sshd_health {
namespace {

std::vector<Route> MakeRoutes(const Config& config) {
  std::vector<Route> routes;
  std::set<std::string> names;
  for (const NotifierConfig& nc : config.notify.notifiers) {
    const YamlMap map(nc.options, nc.file, nc.path);
    const long rate_limit = map.Int("rate_limit", config.notify.rate_limit, 0, 100'000);
    for (auto& notifier : MakeNotifiers(nc)) {
      // NAME.2 of an HA pair must not meet another entry named NAME.2: they would share
      // a spool file.
      if (!names.insert(notifier->Name()).second) {
        map.Fail("name",
                 fmt::format("'{}' is also the name of another notifier's lane", notifier->Name()));
      }
      Route r;
      r.notifier = std::move(notifier);
      r.type = nc.type;
      r.min_severity = nc.min_severity;
      r.include_rules = nc.include_rules;
      r.exclude_rules = nc.exclude_rules;
      r.rate_limit_per_minute = rate_limit;
      routes.push_back(std::move(r));
    }
  }
  return routes;
}

}  // namespace

std::unique_ptr<AlertOutput> MakeAlertOutput(const Config& config) {
  static const RealClock clock;
  DispatcherOptions options;
  options.dedup_window = config.notify.dedup_window;
  options.group_wait = config.notify.group_wait;
  options.spool_max = static_cast<std::size_t>(config.notify.spool_max);
  options.spool_dir = config.state_dir + "/spool";
  options.remember_told = true;
  return std::make_unique<Dispatcher>(std::move(options), MakeRoutes(config), clock);
}

void ValidateNotifiers(const Config& config) { MakeRoutes(config); }

}  // namespace sshd_health
