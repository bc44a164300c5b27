// RenderPrometheusText: the whole /metrics body, as a scraper reads it.
#include "app/metrics.h"

#include <catch2/catch.hpp>
#include <string>

using namespace sshd_health;

TEST_CASE("metrics render every counter with its help and type, and one sample per source",
          "[app]") {
  DaemonCounters counters;
  counters.lines = 12;
  counters.events = 3;
  counters.alerts = 1;
  MetricsSnapshot snapshot{.counters = counters};
  snapshot.rules = RuleEngineStats{.events = 3, .alerts = 1, .groups = 2, .evictions = 0};
  snapshot.output = AlertOutputStats{.emitted = 1, .delivered = 1, .spooled = 0, .dropped = 0};
  snapshot.source_records = {{"journal", 10}, {"file /var/log/a\"b\\c\nd", 2}};
  CHECK(RenderPrometheusText(snapshot) ==
        "# HELP sshd_health_lines_total Log records read from all sources.\n"
        "# TYPE sshd_health_lines_total counter\n"
        "sshd_health_lines_total 12\n"
        "# HELP sshd_health_duplicate_lines_total Records dropped as another source's copy.\n"
        "# TYPE sshd_health_duplicate_lines_total counter\n"
        "sshd_health_duplicate_lines_total 0\n"
        "# HELP sshd_health_events_total Recognised sshd log lines.\n"
        "# TYPE sshd_health_events_total counter\n"
        "sshd_health_events_total 3\n"
        "# HELP sshd_health_alerts_total Alerts emitted.\n"
        "# TYPE sshd_health_alerts_total counter\n"
        "sshd_health_alerts_total 1\n"
        "# HELP sshd_health_reloads_total SIGHUP reloads attempted.\n"
        "# TYPE sshd_health_reloads_total counter\n"
        "sshd_health_reloads_total 0\n"
        "# HELP sshd_health_reload_failures_total Reloads that kept the old configuration.\n"
        "# TYPE sshd_health_reload_failures_total counter\n"
        "sshd_health_reload_failures_total 0\n"
        "# HELP sshd_health_handler_errors_total Exceptions caught by the event loop's guard "
        "(bugs).\n"
        "# TYPE sshd_health_handler_errors_total counter\n"
        "sshd_health_handler_errors_total 0\n"
        "# HELP sshd_health_rule_groups Live rule groups (per IP, user, ...).\n"
        "# TYPE sshd_health_rule_groups gauge\n"
        "sshd_health_rule_groups 2\n"
        "# HELP sshd_health_rule_group_evictions_total Rule groups dropped at the size bound.\n"
        "# TYPE sshd_health_rule_group_evictions_total counter\n"
        "sshd_health_rule_group_evictions_total 0\n"
        "# HELP sshd_health_alerts_delivered_total Alerts delivered by the notifiers.\n"
        "# TYPE sshd_health_alerts_delivered_total counter\n"
        "sshd_health_alerts_delivered_total 1\n"
        "# HELP sshd_health_alerts_spooled Alerts waiting for delivery.\n"
        "# TYPE sshd_health_alerts_spooled gauge\n"
        "sshd_health_alerts_spooled 0\n"
        "# HELP sshd_health_alerts_dropped_total Alerts dropped because the spool was full.\n"
        "# TYPE sshd_health_alerts_dropped_total counter\n"
        "sshd_health_alerts_dropped_total 0\n"
        "# HELP sshd_health_source_records_total Records read, per source.\n"
        "# TYPE sshd_health_source_records_total counter\n"
        "sshd_health_source_records_total{source=\"journal\"} 10\n"
        "sshd_health_source_records_total{source=\"file /var/log/a_b_c_d\"} 2\n");
}

TEST_CASE("metrics leave out the rule and delivery figures until those parts exist", "[app]") {
  DaemonCounters counters;
  const std::string text = RenderPrometheusText(MetricsSnapshot{.counters = counters});
  CHECK(text.find("sshd_health_rule_groups") == std::string::npos);
  CHECK(text.find("sshd_health_alerts_delivered_total") == std::string::npos);
  CHECK(text.find("# TYPE sshd_health_source_records_total counter\n") != std::string::npos);
}
