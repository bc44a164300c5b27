#include "app/metrics.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/asio/read_until.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>

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

std::string RenderPrometheusText(const MetricsSnapshot& snapshot) {
  std::string out;
  auto metric = [&out](const char* name, const char* type, const char* help, std::uint64_t value) {
    out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, value);
  };
  const DaemonCounters& counters = snapshot.counters;
  metric("sshd_health_lines_total", "counter", "Log records read from all sources.",
         counters.lines.load());
  metric("sshd_health_duplicate_lines_total", "counter",
         "Records dropped as another source's copy.", counters.duplicates.load());
  metric("sshd_health_events_total", "counter", "Recognised sshd log lines.",
         counters.events.load());
  metric("sshd_health_alerts_total", "counter", "Alerts emitted.", counters.alerts.load());
  metric("sshd_health_reloads_total", "counter", "SIGHUP reloads attempted.",
         counters.reloads.load());
  metric("sshd_health_reload_failures_total", "counter", "Reloads that kept the old configuration.",
         counters.reload_failures.load());
  metric("sshd_health_handler_errors_total", "counter",
         "Exceptions caught by the event loop's guard (bugs).", counters.handler_errors.load());
  if (const auto& rules = snapshot.rules) {
    metric("sshd_health_rule_groups", "gauge", "Live rule groups (per IP, user, ...).",
           rules->groups);
    metric("sshd_health_rule_group_evictions_total", "counter",
           "Rule groups dropped at the size bound.", rules->evictions);
  }
  if (const auto& output = snapshot.output) {
    metric("sshd_health_alerts_delivered_total", "counter", "Alerts delivered by the notifiers.",
           output->delivered);
    metric("sshd_health_alerts_spooled", "gauge", "Alerts waiting for delivery.", output->spooled);
    metric("sshd_health_alerts_dropped_total", "counter",
           "Alerts dropped because the spool was full.", output->dropped);
  }
  out +=
      "# HELP sshd_health_source_records_total Records read, per source.\n"
      "# TYPE sshd_health_source_records_total counter\n";
  for (const auto& [source, records] : snapshot.source_records) {
    std::string name = source;
    for (char& c : name) {
      if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20) c = '_';
    }
    out += fmt::format("sshd_health_source_records_total{{source=\"{}\"}} {}\n", name, records);
  }
  return out;
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
