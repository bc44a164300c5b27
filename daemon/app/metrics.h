#pragma once
// MetricsServer: the optional Prometheus scrape endpoint (`metrics.listen`, e.g.
// 127.0.0.1:9712): GET /metrics answers the text exposition format. It runs on the
// daemon's io_context; a request is read with a bounded buffer (8 KiB) and a 5 s deadline,
// so a slow or hostile client can neither grow memory nor hold the loop.
#include <functional>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "core/result.h"

namespace sshd_health {

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
