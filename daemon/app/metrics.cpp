#include "app/metrics.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <deque>
#include <iterator>

#include "app/process_metrics.h"
#include "parse/sshd_event.h"

namespace sshd_health {
namespace {

using boost::asio::ip::tcp;

constexpr std::size_t kMaxRequest = 8 * 1024;
constexpr auto kRequestDeadline = std::chrono::seconds(5);

// One scrape: read the request head, answer, close.
class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, MetricsServer::Render render)
      : socket_(std::move(socket)), timer_(socket_.get_executor()), render_(std::move(render)) {}

  void Start() {
    timer_.expires_after(kRequestDeadline);
    timer_.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (ec) return;
      boost::system::error_code ignored;
      self->socket_.close(ignored);
    });
    boost::asio::async_read_until(
        socket_, boost::asio::dynamic_buffer(request_, kMaxRequest), "\r\n\r\n",
        [self = shared_from_this()](const boost::system::error_code& ec, std::size_t) {
          self->OnRequest(ec);
        });
  }

 private:
  void OnRequest(const boost::system::error_code& ec) {
    if (ec) {
      timer_.cancel();
      return;  // closed, timed out or too long: nothing to answer
    }
    const bool get = request_.rfind("GET ", 0) == 0;
    const std::string target = get ? request_.substr(4, request_.find(' ', 4) - 4) : "";
    std::string body;
    std::string status = "200 OK";
    std::string type = "text/plain; version=0.0.4; charset=utf-8";
    if (!get) {
      status = "405 Method Not Allowed";
      body = "only GET\n";
      type = "text/plain";
    } else if (target != "/metrics") {
      status = "404 Not Found";
      body = "see /metrics\n";
      type = "text/plain";
    } else {
      body = render_();
    }
    response_ = fmt::format(
        "HTTP/1.1 {}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
        status, type, body.size(), body);
    boost::asio::async_write(
        socket_, boost::asio::buffer(response_),
        [self = shared_from_this()](const boost::system::error_code&, std::size_t) {
          self->timer_.cancel();
          boost::system::error_code ignored;
          self->socket_.shutdown(tcp::socket::shutdown_both, ignored);
          self->socket_.close(ignored);
        });
  }

  tcp::socket socket_;
  boost::asio::steady_timer timer_;
  MetricsServer::Render render_;
  std::string request_;
  std::string response_;
};

}  // namespace

std::vector<MetricFamily> MetricFamilies(const MetricsSnapshot& snapshot) {
  // A deque: the families are filled through references taken as they are added, which a
  // vector's growth would leave dangling.
  std::deque<MetricFamily> out;
  auto family = [&out](const char* name, MetricType type, const char* help,
                       std::vector<std::string> labels = {}) -> MetricFamily& {
    out.push_back({.name = name, .type = type, .help = help, .label_names = std::move(labels)});
    return out.back();
  };
  constexpr auto kCounter = MetricType::kCounter;
  constexpr auto kGauge = MetricType::kGauge;
  auto n = [](std::uint64_t v) { return static_cast<double>(v); };
  const DaemonCounters& counters = snapshot.counters;

  family("sshd_health_build_info", kGauge, "The running sshd-health's version (value 1).",
         {"version"})
      .Add({SSHD_HEALTH_VERSION}, 1);
  // On a central log host (snapshot.hosts) the per-line counters carry `host`: every
  // series has it, all the process's life (a series' labels never change).
  const auto* hosts = snapshot.hosts ? &*snapshot.hosts : nullptr;
  auto& lines = family("sshd_health_lines_total", kCounter,
                       hosts ? "Log records read from all sources, per origin host."
                             : "Log records read from all sources.",
                       hosts ? std::vector<std::string>{"host"} : std::vector<std::string>{});
  if (hosts) {
    for (const HostCounts::Row& h : *hosts) lines.Add({h.host}, n(h.lines));
  } else {
    lines.Set(n(counters.lines.load()));
  }
  auto& per_source = family("sshd_health_source_records_total", kCounter,
                            "Log records read, per source.", {"source"});
  for (const auto& [source, records] : snapshot.source_records)
    per_source.Add({source}, n(records));
  family("sshd_health_duplicate_lines_total", kCounter, "Records dropped as another source's copy.")
      .Set(n(counters.duplicates.load()));
  auto& unparsed =
      family("sshd_health_unparsed_lines_total", kCounter,
             hosts ? "Lines of sshd's programs the parser did not understand, per origin host."
                   : "Lines of sshd's programs the parser did not understand.",
             hosts ? std::vector<std::string>{"host"} : std::vector<std::string>{});
  if (hosts) {
    for (const HostCounts::Row& h : *hosts) unparsed.Add({h.host}, n(h.unparsed));
  } else {
    unparsed.Set(n(snapshot.unparsed_lines));
  }
  // Every kind, seen or not: a series that starts at 1 hides its first increase. Per
  // host, every kind for this machine and the kinds seen for the others (every kind for
  // every host would be about 50 series a host, most of them 0 for ever).
  auto& events =
      family("sshd_health_events_total", kCounter,
             hosts ? "Recognised sshd log lines, per origin host and kind."
                   : "Recognised sshd log lines, per kind.",
             hosts ? std::vector<std::string>{"host", "kind"} : std::vector<std::string>{"kind"});
  if (hosts) {
    for (const HostCounts::Row& h : *hosts) {
      for (const EventKindInfo& k : AllEventKinds()) {
        const std::uint64_t v = h.events_by_kind[static_cast<std::size_t>(k.kind)];
        if (h.local || v != 0) events.Add({h.host, std::string(k.name)}, n(v));
      }
    }
  } else {
    for (const EventKindInfo& k : AllEventKinds()) {
      events.Add({std::string(k.name)},
                 n(counters.events_by_kind[static_cast<std::size_t>(k.kind)].load()));
    }
  }
  // The kinds Prometheus alerts on, as families of their own.
  auto per_kind = [&](const char* name, const char* help, EventKind k) {
    auto& f = family(name, kCounter, help,
                     hosts ? std::vector<std::string>{"host"} : std::vector<std::string>{});
    const auto i = static_cast<std::size_t>(k);
    if (hosts) {
      for (const HostCounts::Row& h : *hosts) f.Add({h.host}, n(h.events_by_kind[i]));
    } else {
      f.Set(n(counters.events_by_kind[i].load()));
    }
  };
  per_kind("sshd_health_maxstartups_drops_total",
           "Connections sshd dropped past MaxStartups (\"drop connection #N\").",
           EventKind::kMaxStartupsDrop);
  per_kind("sshd_health_penalties_total",
           "Penalties sshd's PerSourcePenalties imposed on a source (OpenSSH 9.8+).",
           EventKind::kPenaltyApplied);
  per_kind("sshd_health_penalty_drops_total",
           "Connections sshd dropped because their source was penalised.", EventKind::kPenaltyDrop);

  const std::vector<std::string> alert_labels =
      hosts ? std::vector<std::string>{"host", "rule", "severity"}
            : std::vector<std::string>{"rule", "severity"};
  auto& firing = family("sshd_health_alerts_total", kCounter,
                        hosts ? "Alerts fired, per origin host, rule and severity."
                              : "Alerts fired, per rule and severity.",
                        alert_labels);
  auto& resolved = family("sshd_health_alerts_resolved_total", kCounter,
                          hosts ? "Alerts resolved, per origin host, rule and severity."
                                : "Alerts resolved, per rule and severity.",
                          alert_labels);
  for (const AlertCount& c : snapshot.alerts) {
    const std::string severity(SeverityName(c.severity));
    if (hosts) {
      firing.Add({c.host, c.rule, severity}, n(c.firing));
      resolved.Add({c.host, c.rule, severity}, n(c.resolved));
    } else {
      firing.Add({c.rule, severity}, n(c.firing));
      resolved.Add({c.rule, severity}, n(c.resolved));
    }
  }

  if (const auto& output = snapshot.output) {
    family("sshd_health_alerts_delivered_total", kCounter, "Alerts delivered by the notifiers.")
        .Set(n(output->delivered));
    family("sshd_health_alerts_spooled", kGauge, "Alerts waiting for delivery, all notifiers.")
        .Set(n(output->spooled));
    family("sshd_health_alerts_dropped_total", kCounter,
           "Alerts dropped because the spool was full.")
        .Set(n(output->dropped));
  }
  auto& delivered = family("sshd_health_notifier_alerts_delivered_total", kCounter,
                           "Alerts the receiver accepted, per notifier.", {"notifier"});
  auto& failures =
      family("sshd_health_notifier_delivery_failures_total", kCounter,
             "Delivery attempts that failed and will be retried, per notifier.", {"notifier"});
  auto& rejected = family("sshd_health_notifier_alerts_rejected_total", kCounter,
                          "Alerts given up on (permanent failure), per notifier.", {"notifier"});
  auto& resent = family("sshd_health_notifier_alerts_resent_total", kCounter,
                        "Still-firing alerts sent again (Alertmanager's resend_interval), per "
                        "notifier.",
                        {"notifier"});
  auto& dropped = family("sshd_health_notifier_alerts_dropped_total", kCounter,
                         "Alerts dropped because the notifier's spool was full.", {"notifier"});
  auto& spool =
      family("sshd_health_notifier_spool_alerts", kGauge,
             "Alerts waiting for delivery (the spool's depth), per notifier.", {"notifier"});
  for (const NotifierStats& s : snapshot.notifiers) {
    delivered.Add({s.name}, n(s.delivered));
    failures.Add({s.name}, n(s.retries));
    rejected.Add({s.name}, n(s.failed));
    resent.Add({s.name}, n(s.resent));
    dropped.Add({s.name}, n(s.dropped));
    spool.Add({s.name}, n(s.pending));
  }

  auto& checks = family("sshd_health_check_status", kGauge,
                        "The last audit's status per check, as a Nagios code: 0 ok, 1 warning, "
                        "2 critical, 3 unknown.",
                        {"check"});
  for (const auto& [check, status] : snapshot.checks) checks.Add({check}, NagiosExitCode(status));
  if (snapshot.probe_latency) {
    family("sshd_health_probe_latency_seconds", kGauge,
           "Time from connect to sshd's banner in the last liveness probe that reached it.")
        .Set(std::chrono::duration<double>(*snapshot.probe_latency).count());
  }

  if (const auto& rules = snapshot.rules) {
    family("sshd_health_rule_groups", kGauge, "Live rule groups (per IP, user, ...).")
        .Set(n(rules->groups));
    family("sshd_health_rule_group_evictions_total", kCounter,
           "Rule groups dropped at the size bound.")
        .Set(n(rules->evictions));
  }
  family("sshd_health_reloads_total", kCounter, "SIGHUP reloads attempted.")
      .Set(n(counters.reloads.load()));
  family("sshd_health_reload_failures_total", kCounter, "Reloads that kept the old configuration.")
      .Set(n(counters.reload_failures.load()));
  family("sshd_health_handler_errors_total", kCounter,
         "Exceptions caught by the event loop's guard (bugs).")
      .Set(n(counters.handler_errors.load()));

  if (snapshot.process) {
    for (MetricFamily& f : ProcessMetrics()) out.push_back(std::move(f));
  }
  return {std::make_move_iterator(out.begin()), std::make_move_iterator(out.end())};
}

std::string RenderPrometheusText(const MetricsSnapshot& snapshot) {
  return RenderExposition(MetricFamilies(snapshot));
}

MetricsServer::MetricsServer(boost::asio::io_context& io, Render render)
    : io_(io), render_(std::move(render)), acceptor_(io) {}

MetricsServer::~MetricsServer() {
  *alive_ = false;
  Stop();
}

Result<void> MetricsServer::Listen(const std::string& listen) {
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos)
    return Fail(fmt::format("metrics.listen '{}': expected HOST:PORT", listen));
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  boost::system::error_code ec;
  const auto address = boost::asio::ip::make_address(host, ec);
  if (ec) return Fail(fmt::format("metrics.listen '{}': '{}' is not an IP address", listen, host));
  unsigned long port = 0;
  try {
    port = std::stoul(listen.substr(colon + 1));
  } catch (const std::exception&) {
    port = 70000;
  }
  if (port > 65535) return Fail(fmt::format("metrics.listen '{}': bad port", listen));
  const tcp::endpoint endpoint(address, static_cast<unsigned short>(port));
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(tcp::acceptor::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(64, ec);
  if (ec) {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    return Fail(fmt::format("metrics.listen {}: {}", listen, ec.message()));
  }
  Accept();
  return {};
}

void MetricsServer::Accept() {
  acceptor_.async_accept([this, alive = std::weak_ptr<bool>(alive_)](
                             const boost::system::error_code& ec, tcp::socket socket) {
    if (alive.expired() || !acceptor_.is_open()) return;
    if (!ec) {
      std::make_shared<Connection>(std::move(socket), render_)->Start();
      Accept();
      return;
    }
    // Out of fds or similar: try again in a second rather than spin.
    spdlog::warn("metrics: accept failed: {}", ec.message());
    auto timer = std::make_shared<boost::asio::steady_timer>(io_, std::chrono::seconds(1));
    timer->async_wait([this, timer, alive](const boost::system::error_code& wait_ec) {
      if (!wait_ec && !alive.expired() && acceptor_.is_open()) Accept();
    });
  });
}

void MetricsServer::Stop() {
  boost::system::error_code ignored;
  acceptor_.close(ignored);
}

unsigned short MetricsServer::port() const {
  boost::system::error_code ec;
  const auto ep = acceptor_.local_endpoint(ec);
  return ec ? 0 : ep.port();
}

}  // namespace sshd_health
