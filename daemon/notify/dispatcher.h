#pragma once
// Dispatcher: the AlertOutput in front of the notifiers. It owns every delivery
// guarantee; notifiers only deliver one batch.
//   Emit (any thread, never blocks on I/O): dedup by alert id within dedup_window (a
//     resolved alert always passes and ends the window), then each notifier whose
//     min_severity and rules include/exclude globs accept the alert gets it in its inbox.
//   One delivery thread per notifier: inbox -> spool file (fsync'd) -> pending; once the
//     oldest pending alert has waited group_wait, up to max_batch pending alerts go out
//     as one Deliver call; at most rate_limit calls a minute (held-back alerts wait and
//     join the next batch). kRetry: exponential backoff with jitter, the batch stays;
//     kPermanent: logged, counted, dropped. Delivered alerts leave the spool.
//   The spool holds at most spool_max alerts per notifier; more are dropped, counted and
//     reported by a synthetic `sshd_health.spool_overflow` alert once space returns.
//   Told memory (told_memory.h; with remember_told): per notifier, what its receiver was
//     told, persisted after the spool. An alert the receiver already has (a replayed one)
//     is not queued for it again; Emit checks this before the dedup window.
//   Re-send (Notifier::ResendInterval > 0, Alertmanager): the firing alerts a lane
//     delivered and has not delivered resolved are sent again every interval while its
//     queue is empty, outside the rate limit (at most once an interval anyway); a failed
//     re-send waits for the next interval (they were delivered once). In memory only: after a
//     restart, alerts fired before it are re-sent when they fire again. At most spool_max alerts
//     per lane are kept for this.
//   Start replays the spool; Stop(grace) keeps delivering until the pending queue is
//     empty or grace has passed, and leaves the rest in the spool for the next Start.
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "notify/alert_output.h"
#include "notify/notifier.h"
#include "notify/rate_limiter.h"
#include "notify/spool.h"
#include "notify/told_memory.h"

namespace sshd_health {

/// One notifier and what it wants.
struct Route {
  std::unique_ptr<Notifier> notifier;
  std::string type;
  Severity min_severity = Severity::kInfo;
  std::vector<std::string> include_rules;  // globs (fnmatch) on Alert::rule; empty = all
  std::vector<std::string> exclude_rules;
  long rate_limit_per_minute = 0;  // 0 = unlimited
};

/// Whether `route` takes `alert`: severity at least min_severity, rule matching an
/// include glob (when there are any) and no exclude glob. Pure.
bool RouteAccepts(const Route& route, const Alert& alert);

struct DispatcherOptions {
  Duration dedup_window = std::chrono::minutes(10);
  Duration group_wait = std::chrono::seconds(10);
  std::size_t spool_max = 10000;
  std::string spool_dir;  // <spool_dir>/<notifier>.jsonl; empty = nothing on disk
  Duration retry_initial = std::chrono::seconds(1);
  Duration retry_max = std::chrono::minutes(5);
  std::size_t max_batch = 100;
  /// Keep a told memory per notifier beside its spool (<spool_dir>/<notifier>.told.jsonl).
  bool remember_told = false;
  std::size_t told_max = 100'000;  // ids remembered per notifier
};

/// The rule id of the synthetic alert that reports alerts dropped from a full spool.
inline constexpr const char* kSpoolOverflowRule = "sshd_health.spool_overflow";

/// Thread-safe. `clock` (for dedup windows) must outlive the dispatcher.
class Dispatcher final : public AlertOutput {
 public:
  Dispatcher(DispatcherOptions options, std::vector<Route> routes, const Clock& clock);
  ~Dispatcher() override;
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  void Emit(const Alert& alert) override;
  void Start() override;
  void Stop(Duration grace) override;
  AlertOutputStats Stats() const override;
  std::vector<NotifierStats> PerNotifier() const override;

 private:
  struct Lane;
  using Steady = std::chrono::steady_clock;

  void Run(Lane& lane);
  void Absorb(Lane& lane, std::deque<Alert> incoming);
  void DeliverOnce(Lane& lane);
  void Resend(Lane& lane);
  // After a delivery the receiver accepted: what is still firing there.
  void RememberFiring(Lane& lane, const std::vector<Alert>& batch);
  void Persist(Lane& lane);
  // Whether a spool write worked; a failure is logged once until one works again.
  bool SpoolWorked(Lane& lane, const Result<bool>& r);

  const DispatcherOptions options_;
  const Clock& clock_;
  std::vector<std::unique_ptr<Lane>> lanes_;

  mutable std::mutex mu_;
  bool started_ = false;
  bool stopping_ = false;
  bool stopped_ = false;
  Steady::time_point stop_deadline_{};
  std::unordered_map<std::string, TimePoint> last_fired_;  // dedup: id -> last passed
  std::uint64_t emitted_ = 0;
  std::uint64_t suppressed_ = 0;
  // Alerts about events before this are taken as told to a notifier with no told memory
  // to go by (first start under this version, or a memory set aside as corrupt).
  TimePoint started_at_{};
};

}  // namespace sshd_health
