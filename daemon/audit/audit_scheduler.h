#pragma once
// AuditScheduler: runs the auditors inside the daemon - every audit.interval, shortly
// after /etc/ssh changes and after package upgrades - off the event-loop thread, and
// turns a change of finding state into one firing or one resolved alert.
#include <memory>

#include <boost/asio/io_context.hpp>

#include "core/alert.h"
#include "core/config.h"

namespace sshd_health {

class AuditScheduler {
 public:
  /// `io`, `sink` and `config` must outlive the scheduler. sink.Emit is called on the
  /// io_context thread.
  AuditScheduler(boost::asio::io_context& io, const Config& config, AlertSink& sink);
  ~AuditScheduler();
  AuditScheduler(const AuditScheduler&) = delete;
  AuditScheduler& operator=(const AuditScheduler&) = delete;

  void Start();
  /// Cancels timers and watches; waits for a running audit to finish.
  void Stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sshd_health
