#pragma once
// MetricFamily: one metric in Prometheus' text exposition format 0.0.4 (name, type, help,
// label names and its samples), and rendering a list of them. The daemon builds the
// families anew for every scrape (app/metrics.cpp) from counters it keeps elsewhere, so
// this holds no state and needs no locking.
//
// Labels are bounded by construction: a family's label names are fixed when it is made
// and every value comes from a closed set (a configured source or notifier, a rule or
// check id, an event kind), never from log text. A per-origin-host `host` label, for a
// central log host, is one more label name on the families that count per host; its
// values are bounded by the hosts read.
#include <string>
#include <string_view>
#include <vector>

namespace sshd_health {

enum class MetricType { kCounter, kGauge };

struct MetricFamily {
  struct Sample {
    std::vector<std::string> label_values{};  // one per label name, in order
    double value = 0;
  };

  std::string name{};  // [a-zA-Z_:][a-zA-Z0-9_:]*; counters end in _total
  MetricType type = MetricType::kGauge;
  std::string help{};
  std::vector<std::string> label_names{};
  std::vector<Sample> samples{};

  /// REQUIRES: values.size() == label_names.size().
  MetricFamily& Add(std::vector<std::string> values, double value);
  /// For a family without labels.
  MetricFamily& Set(double value) { return Add({}, value); }
};

/// "# HELP", "# TYPE" and one line per sample for each family, in order. Label values are
/// escaped as the format says (\\, \", \n); other control bytes become '_'. A family with
/// no samples is still announced, so a scraper sees the metric exists.
std::string RenderExposition(const std::vector<MetricFamily>& families);

/// A label value as the format wants it inside quotes.
std::string EscapeLabelValue(std::string_view value);

}  // namespace sshd_health
