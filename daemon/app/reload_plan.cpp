#include "app/reload_plan.h"

namespace sshd_health {

ReloadPlan PlanReload(const Config& running, const Config& next) {
  const bool state_dir_changed = next.state_dir != running.state_dir;
  ReloadPlan plan;
  plan.reopen_sources = state_dir_changed || next.sources != running.sources;
  plan.rebuild_output = state_dir_changed || next.notify != running.notify;
  plan.restart_metrics = next.metrics != running.metrics;
  return plan;
}

}  // namespace sshd_health
