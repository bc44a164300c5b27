#pragma once
// The standard process_* metrics every Prometheus client library exports
// (process_cpu_seconds_total, process_resident_memory_bytes,
// process_virtual_memory_bytes, process_start_time_seconds, process_open_fds,
// process_max_fds), read from /proc for this process at scrape time, so dashboards and
// alerts written for any exporter work on ours.
#include <string>
#include <vector>

#include "app/metric_family.h"

namespace sshd_health {

/// The families for the process whose /proc directory is `proc_self` ("/proc/self"; a
/// test points it elsewhere). A figure that cannot be read is left out, not reported as 0.
std::vector<MetricFamily> ProcessMetrics(const std::string& proc_self = "/proc/self",
                                         const std::string& proc_stat = "/proc/stat");

}  // namespace sshd_health
