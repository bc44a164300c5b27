#pragma once
// AuditScheduler: runs the auditors inside the daemon - every audit.interval, shortly
// after /etc/ssh changes and after package upgrades - off the event-loop thread, and
// turns a change of finding state into one firing or one resolved alert.
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <optional>

#include "audit/host_view.h"
#include "core/alert.h"
#include "core/config.h"

namespace sshd_health {

class AuditScheduler {
 public:
  /// "past MaxStartups" drops over the last hour, as the caller knows them (the daemon
  /// counts them in its pipeline); nullopt = not known. Called on the audit thread.
  using DropCount = std::function<std::optional<long>()>;

  /// `io`, `sink`, `config` and `host` must outlive the scheduler. sink.Emit is called on
  /// the io_context thread; `host` is used only from the audit thread.
  AuditScheduler(boost::asio::io_context& io, const Config& config, AlertSink& sink,
                 const HostView& host, DropCount recent_drops);
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
