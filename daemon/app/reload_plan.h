#pragma once
// What a SIGHUP reload must rebuild. Rules, the log level and the audits are always
// replaced; the parts below keep running state (read positions, queued alerts, a
// listening socket), so they are rebuilt only when their part of the config changed.
#include "core/config.h"

namespace sshd_health {

struct ReloadPlan {
  bool reopen_sources = false;   // sources or state_dir changed (positions live in state_dir)
  bool rebuild_output = false;   // notify or state_dir changed (the spool lives in state_dir)
  bool restart_metrics = false;  // metrics.listen changed
};

/// Compares the running config with the one just loaded. Pure: no I/O.
ReloadPlan PlanReload(const Config& running, const Config& next);

}  // namespace sshd_health
