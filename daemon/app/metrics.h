#pragma once
// The daemon's metrics: what it counts (DaemonCounters), how that reads in Prometheus'
// text exposition format (RenderPrometheusText), and the optional scrape endpoint
// (MetricsServer, `metrics.listen`, e.g. 127.0.0.1:9712) that answers GET /metrics. The
// server runs on the daemon's io_context; a request is read with a bounded buffer (8 KiB)
// and a 5 s deadline, so a slow or hostile client can neither grow memory nor hold the
// loop.
#include <array>
#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "app/alert_counts.h"
#include "app/host_counts.h"
#include "app/metric_family.h"
#include "core/result.h"
#include "core/severity.h"
#include "notify/alert_output.h"
#include "rules/rule_engine.h"

namespace sshd_health {

/// Live counters, for STATUS= and /metrics. Atomic: alerts raised on the audit thread
/// count here too.
struct DaemonCounters {
  std::atomic<std::uint64_t> lines{0};       // records read from all sources
  std::atomic<std::uint64_t> duplicates{0};  // records dropped as another source's copy
  std::atomic<std::uint64_t> replayed{0};    // records read again at start (not in `lines`)
  std::atomic<std::uint64_t> events{0};      // recognised sshd lines
  std::atomic<std::uint64_t> alerts{0};      // alerts emitted (rules, audits, reload)
  std::atomic<std::uint64_t> reloads{0};
  std::atomic<std::uint64_t> reload_failures{0};
  std::atomic<std::uint64_t> handler_errors{0};  // exceptions caught by the loop's guard
  /// Recognised lines per EventKind (indexed by its value; the enum is a uint8_t).
  std::array<std::atomic<std::uint64_t>, 256> events_by_kind{};
};

/// What one scrape reports, gathered on the io_context thread.
struct MetricsSnapshot {
  const DaemonCounters& counters;
  std::optional<RuleEngineStats> rules{};    // absent until the pipeline is built
  std::optional<AlertOutputStats> output{};  // absent until the outputs are built
  std::vector<std::pair<std::string, std::uint64_t>>
      source_records{};                                       // per source: name, records read
  std::vector<NotifierStats> notifiers{};                     // per delivery lane
  std::vector<AlertCount> alerts{};                           // per rule and severity
  std::vector<std::pair<std::string, CheckStatus>> checks{};  // the last audit, per check
  std::optional<std::chrono::microseconds>
      probe_latency{};               // the last liveness probe that reached sshd
  std::uint64_t unparsed_lines = 0;  // sshd lines the parser did not understand
  /// With metrics.host_label: the per-line counters per origin host. Then lines, events,
  /// lines not understood, drops, penalties and alerts carry `host` (the alerts' host is
  /// in AlertCount::host), and the unlabelled totals above are not shown.
  std::optional<std::vector<HostCounts::Row>> hosts{};
  bool process = true;  // the process_* families (off in tests that compare exact text)
};

/// Every family /metrics shows, in order: the daemon's own (sshd_health_*), then the
/// standard process_* ones. Counters end in _total, times are seconds; labels are bounded
/// (source, kind, rule, severity, notifier, check), never an address or user.
std::vector<MetricFamily> MetricFamilies(const MetricsSnapshot& snapshot);

/// The /metrics body (text exposition format 0.0.4), also what metrics.textfile holds.
std::string RenderPrometheusText(const MetricsSnapshot& snapshot);

class MetricsServer {
 public:
  /// `render` returns the whole /metrics body; called on the io_context thread.
  using Render = std::function<std::string()>;

  /// `io` must outlive the server.
  MetricsServer(boost::asio::io_context& io, Render render);
  ~MetricsServer();
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  /// Binds "HOST:PORT" ("[::1]:9712" for IPv6) and starts accepting.
  Result<void> Listen(const std::string& listen);
  /// Stops accepting; connections in progress finish on their own.
  void Stop();

  /// The bound port (useful when listening on port 0).
  unsigned short port() const;

 private:
  void Accept();

  boost::asio::io_context& io_;
  Render render_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace sshd_health
