// RenderPrometheusText: the whole /metrics body, as a scraper reads it.
#include "app/metrics.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <sstream>
#include <string>
#include <vector>

#include "app/host_counts.h"
#include "app/process_metrics.h"
#include "parse/sshd_event.h"

using namespace sshd_health;

namespace {

// The lines of `text` that hold samples of `family` (not its HELP/TYPE).
std::vector<std::string> Samples(const std::string& text, const std::string& family) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(family + "{", 0) == 0 || line.rfind(family + " ", 0) == 0) out.push_back(line);
  }
  return out;
}

bool Has(const std::string& text, const std::string& line) {
  return text.find("\n" + line + "\n") != std::string::npos;
}

}  // namespace

TEST_CASE("metrics render each family with help and type, labelled by bounded names only",
          "[app]") {
  DaemonCounters counters;
  counters.lines = 12;
  counters.events = 3;
  counters.events_by_kind[static_cast<std::size_t>(EventKind::kMaxStartupsDrop)] = 2;
  counters.events_by_kind[static_cast<std::size_t>(EventKind::kPenaltyApplied)] = 1;
  counters.events_by_kind[static_cast<std::size_t>(EventKind::kAuthFailure)] = 1;
  MetricsSnapshot snapshot{.counters = counters};
  snapshot.rules = RuleEngineStats{.events = 3, .alerts = 1, .groups = 2, .evictions = 0};
  snapshot.output = AlertOutputStats{.emitted = 1, .delivered = 1, .spooled = 3, .dropped = 0};
  snapshot.source_records = {{"journal", 10}, {"file /var/log/a\"b\\c\nd", 2}};
  snapshot.notifiers = {{.name = "am", .delivered = 4, .retries = 0, .pending = 0},
                        {.name = "am.2", .delivered = 1, .failed = 1, .retries = 5, .pending = 3}};
  snapshot.alerts = {{"sshd.maxstartups.drop", Severity::kCritical, 2, 1},
                     {"test.rule", Severity::kWarning, 0, 0}};
  snapshot.checks = {{"host_keys", CheckStatus::kOk},
                     {"liveness", CheckStatus::kCritical},
                     {"config", CheckStatus::kUnknown}};
  snapshot.probe_latency = std::chrono::microseconds(2500);
  snapshot.unparsed_lines = 7;
  snapshot.process = false;
  const std::string text = RenderPrometheusText(snapshot);
  INFO(text);
  CHECK(text.rfind("# HELP sshd_health_build_info The running sshd-health's version (value 1).\n"
                   "# TYPE sshd_health_build_info gauge\n"
                   "sshd_health_build_info{version=\"" SSHD_HEALTH_VERSION "\"} 1\n"
                   "# HELP sshd_health_lines_total Log records read from all sources.\n"
                   "# TYPE sshd_health_lines_total counter\n"
                   "sshd_health_lines_total 12\n",
                   0) == 0);
  // Label values escaped as the format says: \" \\ \n.
  CHECK(Samples(text, "sshd_health_source_records_total") ==
        std::vector<std::string>{"sshd_health_source_records_total{source=\"journal\"} 10",
                                 "sshd_health_source_records_total{source=\"file "
                                 "/var/log/a\\\"b\\\\c\\nd\"} 2"});
  // Every kind is there from the start, so the first event is an increase.
  CHECK(Samples(text, "sshd_health_events_total").size() == AllEventKinds().size());
  CHECK(Has(text, "sshd_health_events_total{kind=\"maxstartups_drop\"} 2"));
  CHECK(Has(text, "sshd_health_events_total{kind=\"invalid_user\"} 0"));
  CHECK(Has(text, "sshd_health_maxstartups_drops_total 2"));
  CHECK(Has(text, "sshd_health_penalties_total 1"));
  CHECK(Has(text, "sshd_health_penalty_drops_total 0"));
  CHECK(Has(text, "sshd_health_unparsed_lines_total 7"));
  CHECK(Samples(text, "sshd_health_alerts_total") ==
        std::vector<std::string>{
            "sshd_health_alerts_total{rule=\"sshd.maxstartups.drop\",severity=\"critical\"} 2",
            "sshd_health_alerts_total{rule=\"test.rule\",severity=\"warning\"} 0"});
  CHECK(Has(
      text,
      "sshd_health_alerts_resolved_total{rule=\"sshd.maxstartups.drop\",severity=\"critical\"} 1"));
  CHECK(Has(text, "sshd_health_notifier_alerts_delivered_total{notifier=\"am\"} 4"));
  CHECK(Has(text, "sshd_health_notifier_alerts_delivered_total{notifier=\"am.2\"} 1"));
  CHECK(Has(text, "sshd_health_notifier_delivery_failures_total{notifier=\"am.2\"} 5"));
  CHECK(Has(text, "sshd_health_notifier_alerts_rejected_total{notifier=\"am.2\"} 1"));
  CHECK(Has(text, "sshd_health_notifier_spool_alerts{notifier=\"am.2\"} 3"));
  CHECK(Has(text, "sshd_health_notifier_spool_alerts{notifier=\"am\"} 0"));
  CHECK(Has(text, "sshd_health_alerts_spooled 3"));
  // Nagios codes, as `check` exits.
  CHECK(Samples(text, "sshd_health_check_status") ==
        std::vector<std::string>{"sshd_health_check_status{check=\"host_keys\"} 0",
                                 "sshd_health_check_status{check=\"liveness\"} 2",
                                 "sshd_health_check_status{check=\"config\"} 3"});
  CHECK(Has(text, "sshd_health_probe_latency_seconds 0.0025"));
  CHECK(Has(text, "sshd_health_rule_groups 2"));
  CHECK(text.find("process_") == std::string::npos);
  // Exporter conventions: every counter ends in _total, no gauge does.
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    const std::string name = line.substr(7, line.rfind(' ') - 7);
    const bool counter = line.ends_with(" counter");
    INFO(line);
    CHECK(name.rfind("sshd_health_", 0) == 0);
    CHECK(name.ends_with("_total") == counter);
  }
}

TEST_CASE("process metrics are read from /proc under their standard names", "[app]") {
  DaemonCounters counters;
  const std::string text = RenderPrometheusText(MetricsSnapshot{.counters = counters});
  for (const char* name : {"process_cpu_seconds_total", "process_resident_memory_bytes",
                           "process_virtual_memory_bytes", "process_start_time_seconds",
                           "process_open_fds", "process_max_fds"}) {
    INFO(name);
    CHECK(Samples(text, name).size() == 1);
  }
  // The start time is this process's: within a day of now, not seconds since boot.
  const auto start = Samples(text, "process_start_time_seconds").at(0);
  const double started = std::stod(start.substr(start.find(' ') + 1));
  const double now = std::chrono::duration<double>(SystemClock::now().time_since_epoch()).count();
  CHECK(started <= now + 1);
  CHECK(started > now - 86400);
  const auto rss = Samples(text, "process_resident_memory_bytes").at(0);
  CHECK(std::stod(rss.substr(rss.find(' ') + 1)) > 1e6);
}

TEST_CASE("a /proc that cannot be read leaves the process figures out", "[app]") {
  CHECK(ProcessMetrics("/nonexistent/self", "/nonexistent/stat").empty());
}

TEST_CASE("metrics leave out the rule and delivery figures until those parts exist", "[app]") {
  DaemonCounters counters;
  const std::string text = RenderPrometheusText(MetricsSnapshot{.counters = counters});
  CHECK(text.find("sshd_health_rule_groups") == std::string::npos);
  CHECK(text.find("sshd_health_alerts_delivered_total") == std::string::npos);
  CHECK(text.find("# TYPE sshd_health_source_records_total counter\n") != std::string::npos);
}

TEST_CASE("on a central log host the per-line counters carry the origin host, escaped", "[app]") {
  HostCounts hosts("central");
  hosts.CountLine("");  // this machine's own line
  hosts.CountLine("web1");
  hosts.CountEvent("web1", EventKind::kMaxStartupsDrop);
  hosts.CountEvent("web1", EventKind::kMaxStartupsDrop);
  hosts.CountUnparsed("web1");
  // HOSTNAME is the sender's text: quotes, backslashes, bytes that are not UTF-8, length.
  const std::string hostile = "x\"y\\z\xff";
  hosts.CountEvent(hostile, EventKind::kAuthFailure);
  hosts.CountEvent(std::string(400, 'h'), EventKind::kAuthFailure);
  DaemonCounters counters;
  MetricsSnapshot snapshot{.counters = counters};
  snapshot.process = false;
  snapshot.hosts = hosts.Snapshot();
  snapshot.alerts = {{"sshd.auth.brute_force", Severity::kWarning, 1, 0, hosts.Label("web1")},
                     {"sshd.auth.brute_force", Severity::kWarning, 0, 0, hosts.Label("")}};
  const std::string text = RenderPrometheusText(snapshot);
  INFO(text);
  CHECK(Samples(text, "sshd_health_lines_total") ==
        std::vector<std::string>{
            "sshd_health_lines_total{host=\"central\"} 1",
            "sshd_health_lines_total{host=\"web1\"} 1",
            "sshd_health_lines_total{host=\"x\\\"y\\\\z\\\\xff\"} 0",
            "sshd_health_lines_total{host=\"" + std::string(255, 'h') + "...\"} 0"});
  CHECK(hosts.Label(std::string(400, 'h')).size() <= HostCounts::kMaxHostLabel + 3);  // and "..."
  CHECK(Has(text, "sshd_health_maxstartups_drops_total{host=\"web1\"} 2"));
  CHECK(Has(text, "sshd_health_maxstartups_drops_total{host=\"central\"} 0"));
  CHECK(Has(text, "sshd_health_unparsed_lines_total{host=\"web1\"} 1"));
  CHECK(Has(text, "sshd_health_events_total{host=\"web1\",kind=\"maxstartups_drop\"} 2"));
  CHECK(Has(text, "sshd_health_events_total{host=\"x\\\"y\\\\z\\\\xff\",kind=\"auth_failure\"} 1"));
  // This machine has every kind from 0; another host the kinds it had.
  CHECK(Has(text, "sshd_health_events_total{host=\"central\",kind=\"invalid_user\"} 0"));
  CHECK(text.find("host=\"web1\",kind=\"invalid_user\"") == std::string::npos);
  CHECK(Has(text,
            "sshd_health_alerts_total{host=\"web1\",rule=\"sshd.auth.brute_force\",severity=\""
            "warning\"} 1"));
  CHECK(Has(text,
            "sshd_health_alerts_total{host=\"central\",rule=\"sshd.auth.brute_force\","
            "severity=\"warning\"} 0"));
  // No series without the label: its set never changes.
  CHECK(Samples(text, "sshd_health_events_total").size() ==
        AllEventKinds().size() + 3);  // central's kinds, web1's drop, two hosts' failures
  CHECK(text.find("\nsshd_health_lines_total ") == std::string::npos);
}

TEST_CASE("past 1000 origin hosts the rest count as host=\"other\"", "[app]") {
  HostCounts hosts("central");
  for (int i = 0; i < 1500; ++i) hosts.CountLine("web" + std::to_string(i));
  const auto rows = hosts.Snapshot();
  CHECK(rows.size() == HostCounts::kMaxHosts + 1);
  CHECK(rows.front().host == "central");
  CHECK(rows.back().host == "other");
  CHECK(rows.back().lines == 1500 - (HostCounts::kMaxHosts - 1));
  CHECK(hosts.Label("web3") == "web3");
  CHECK(hosts.Label("web1400") == "other");
  // A host really named "other" past the bound is the same series, not a second one.
  hosts.CountLine("other");
  CHECK(hosts.Snapshot().size() == HostCounts::kMaxHosts + 1);
}
