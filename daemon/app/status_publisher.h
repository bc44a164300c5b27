#pragma once
// StatusPublisher: keeps the daemon's status file (app/status_file.h) current from its
// event loop. Changed() asks for a rewrite: the first after a quiet second is written at
// once, later ones within kMinInterval of it are folded into one write at its end, so a
// flood of log lines costs at most one write a second. A heartbeat rewrite every
// kHeartbeat lets a reader tell a live daemon from a stopped one. Stop() removes the file.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <functional>
#include <string>

#include "app/status_snapshot.h"

namespace sshd_health {

/// Not thread-safe: every call on the io_context thread.
class StatusPublisher {
 public:
  static constexpr auto kMinInterval = std::chrono::seconds(1);
  static constexpr auto kHeartbeat = std::chrono::seconds(15);

  /// Builds the snapshot to write (called on the io_context thread).
  using Build = std::function<StatusSnapshot()>;

  /// `io` must outlive the publisher.
  StatusPublisher(boost::asio::io_context& io, Build build);
  ~StatusPublisher();
  StatusPublisher(const StatusPublisher&) = delete;
  StatusPublisher& operator=(const StatusPublisher&) = delete;

  /// Starts writing to `path` (a reload may name another: the old file is removed).
  void Start(const std::string& path);
  /// Something the status shows changed.
  void Changed();
  /// Cancels the timers and removes the file: no daemon, no status.
  void Stop();

 private:
  using Steady = std::chrono::steady_clock;
  void Write();
  void ArmHeartbeat();

  Build build_;
  boost::asio::steady_timer rate_timer_;
  boost::asio::steady_timer heartbeat_timer_;
  std::string path_;
  Steady::time_point last_write_{};
  bool pending_ = false;
  bool failing_ = false;  // the last write failed (said once)
};

}  // namespace sshd_health
