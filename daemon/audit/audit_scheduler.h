#pragma once
// AuditScheduler: runs the auditors inside the daemon - every audit.interval, shortly
// after /etc/ssh changes and after package upgrades - off the event-loop thread, and
// turns a change of finding state into one firing or one resolved alert.
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <optional>

#include "audit/audit_report.h"
#include "audit/check.h"
#include "audit/host_view.h"
#include "core/alert.h"
#include "core/config.h"

namespace sshd_health {

class AuditScheduler {
 public:
  /// What the logs said over the last hour, as the caller knows it (the daemon counts it
  /// in its pipeline). Called on the audit thread before each run.
  using LogCounts = std::function<RecentLogCounts()>;

  /// `io`, `sink`, `config` and `host` must outlive the scheduler. sink.Emit is called on
  /// the io_context thread; `host` is used only from the audit thread.
  AuditScheduler(boost::asio::io_context& io, const Config& config, AlertSink& sink,
                 const HostView& host, LogCounts recent_log_counts);
  ~AuditScheduler();
  AuditScheduler(const AuditScheduler&) = delete;
  AuditScheduler& operator=(const AuditScheduler&) = delete;

  /// Called on the io_context thread with each audit's report, after its alerts (for
  /// /metrics: the status per check). Set before Start.
  void OnReport(std::function<void(const AuditReport&)> observer);

  void Start();
  /// Cancels timers and watches; waits for a running audit to finish.
  void Stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sshd_health
