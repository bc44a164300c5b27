#include "app/reload_plan.h"

#include <string>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "sources/wanted_sources.h"

namespace sshd_health {
namespace {

// What decides whether a reload must re-open the sources.
std::string SourcesFingerprint(const Config& c) {
  std::string s = fmt::format("{}|{}|{}|{}|{}", c.state_dir, static_cast<int>(c.sources.journal.enabled),
                              c.sources.journal.directory, static_cast<int>(c.sources.journal.start),
                              JournalWanted(c.sources.journal));
  for (const auto& f : c.sources.files) s += "|" + f.path;
  return s;
}

// What decides whether a reload must rebuild the alert output.
std::string NotifyFingerprint(const Config& c) {
  std::string s = fmt::format("{}|{}|{}", c.notify.dedup_window.count(), c.notify.group_wait.count(),
                              c.notify.spool_max);
  for (const auto& n : c.notify.notifiers) {
    YAML::Emitter out;
    out << n.options;
    s += fmt::format("|{}|{}|{}|{}", n.name, n.type, static_cast<int>(n.min_severity), out.c_str());
    for (const auto& r : n.include_rules) s += "+" + r;
    for (const auto& r : n.exclude_rules) s += "-" + r;
  }
  return s;
}

}  // namespace

ReloadPlan PlanReload(const Config& running, const Config& next) {
  ReloadPlan plan;
  plan.reopen_sources = SourcesFingerprint(next) != SourcesFingerprint(running);
  plan.rebuild_output = NotifyFingerprint(next) != NotifyFingerprint(running) || next.state_dir != running.state_dir;
  plan.restart_metrics = next.metrics.listen != running.metrics.listen;
  return plan;
}

}  // namespace sshd_health
