#include "notify/dispatcher.h"

#include <fnmatch.h>

#include <algorithm>
#include <exception>

#include <fmt/format.h>
#include <spdlog/spdlog.h>

namespace sshd_health {

struct Dispatcher::Lane {
  Lane(Route r, std::string spool_path)
      : route(std::move(r)), spool(std::move(spool_path)), limiter(route.rate_limit_per_minute),
        rng(std::random_device{}()) {}
  const std::string& name() const { return route.notifier->Name(); }

  Route route;
  Spool spool;
  RateLimiter limiter;
  std::condition_variable cv;
  std::thread thread;
  std::mt19937 rng;

  std::deque<Alert> inbox;  // guarded by mu_

  // Owned by the lane's thread (or by Start/Stop while no thread runs).
  std::deque<Alert> pending;
  Steady::time_point oldest_arrival{};
  Steady::time_point retry_at{};
  int attempts = 0;

  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> retries{0};
  std::atomic<std::uint64_t> pending_count{0};
  std::atomic<std::uint64_t> unreported_drops{0};  // dropped, not yet reported by an alert
};

namespace {

bool GlobMatches(const std::vector<std::string>& globs, const std::string& rule) {
  return std::any_of(globs.begin(), globs.end(),
                     [&](const std::string& g) { return ::fnmatch(g.c_str(), rule.c_str(), 0) == 0; });
}

Alert OverflowAlert(const std::string& notifier, std::uint64_t dropped, std::size_t spool_max) {
  Alert a;
  a.rule = kSpoolOverflowRule;
  a.id = AlertId(a.rule, notifier);
  a.severity = Severity::kWarning;
  a.host = LocalHostName();
  a.summary = fmt::format("{} alert(s) for notifier '{}' were dropped: its spool was full ({} alerts)",
                          dropped, notifier, spool_max);
  a.remedy = fmt::format(
      "The notifier could not deliver for a long time. Check it with\n"
      "  sshd-health test-notify --notifier {}\n"
      "and the daemon's log (journalctl -u sshd-health); raise notify.spool_max if long\n"
      "outages are expected.",
      notifier);
  a.labels = {{"notifier", notifier}};
  a.count = dropped;
  a.first_seen = a.last_seen = SystemClock::now();
  return a;
}

}  // namespace

bool RouteAccepts(const Route& route, const Alert& alert) {
  if (alert.severity < route.min_severity) return false;
  if (!route.include_rules.empty() && !GlobMatches(route.include_rules, alert.rule)) return false;
  return !GlobMatches(route.exclude_rules, alert.rule);
}

Dispatcher::Dispatcher(DispatcherOptions options, std::vector<Route> routes, const Clock& clock)
    : options_(std::move(options)), clock_(clock) {
  for (Route& r : routes) {
    std::string path;
    if (!options_.spool_dir.empty()) path = options_.spool_dir + "/" + SpoolFileName(r.notifier->Name());
    lanes_.push_back(std::make_unique<Lane>(std::move(r), std::move(path)));
  }
}

Dispatcher::~Dispatcher() { Stop(Duration(0)); }

void Dispatcher::Emit(const Alert& alert) {
  std::lock_guard lock(mu_);
  ++emitted_;
  const TimePoint now = clock_.Now();
  if (alert.status == AlertStatus::kFiring) {
    auto it = last_fired_.find(alert.id);
    if (it != last_fired_.end() && now - it->second < options_.dedup_window) {
      ++suppressed_;
      return;
    }
    if (last_fired_.size() >= 100'000) {  // bound memory: forget windows that are over
      std::erase_if(last_fired_, [&](const auto& kv) { return now - kv.second >= options_.dedup_window; });
    }
    last_fired_[alert.id] = now;
  } else {
    last_fired_.erase(alert.id);
  }
  for (auto& lane : lanes_) {
    if (!RouteAccepts(lane->route, alert)) continue;
    if (stopped_) {
      // Shutting down: no thread will pick it up, so it goes straight to the spool.
      if (auto r = lane->spool.Append({alert}); !r) spdlog::error("notifier {}: {}", lane->name(), r.error().message);
      continue;
    }
    if (lane->inbox.size() >= options_.spool_max) {
      ++lane->dropped;
      ++lane->unreported_drops;
      continue;
    }
    lane->inbox.push_back(alert);
    lane->cv.notify_one();
  }
}

void Dispatcher::Start() {
  std::lock_guard lock(mu_);
  if (started_) return;
  started_ = true;
  for (auto& lane : lanes_) {
    Lane* l = lane.get();
    l->thread = std::thread([this, l] { Run(*l); });
  }
}

void Dispatcher::Stop(Duration grace) {
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopping_ = true;
    stop_deadline_ = Steady::now() + grace;
    for (auto& lane : lanes_) lane->cv.notify_all();
  }
  for (auto& lane : lanes_) {
    if (lane->thread.joinable()) lane->thread.join();
  }
  std::lock_guard lock(mu_);
  stopped_ = true;
  // Alerts emitted before Start (or while the threads wound down) go to the spool.
  for (auto& lane : lanes_) {
    if (lane->inbox.empty()) continue;
    std::vector<Alert> rest(lane->inbox.begin(), lane->inbox.end());
    lane->inbox.clear();
    if (auto r = lane->spool.Append(rest); !r) spdlog::error("notifier {}: {}", lane->name(), r.error().message);
  }
}

AlertOutputStats Dispatcher::Stats() const {
  std::lock_guard lock(mu_);
  AlertOutputStats s;
  s.emitted = emitted_;
  for (const auto& lane : lanes_) {
    s.delivered += lane->delivered;
    s.dropped += lane->dropped;
    s.spooled += lane->pending_count + lane->inbox.size();
  }
  return s;
}

std::vector<NotifierStats> Dispatcher::PerNotifier() const {
  std::lock_guard lock(mu_);
  std::vector<NotifierStats> out;
  for (const auto& lane : lanes_) {
    out.push_back({lane->name(), lane->delivered, lane->failed, lane->dropped, lane->retries,
                   lane->pending_count + lane->inbox.size()});
  }
  return out;
}

void Dispatcher::Run(Lane& lane) {
  // Replay what an earlier run left undelivered.
  std::size_t corrupt = 0;
  std::vector<Alert> replay = lane.spool.Load(&corrupt);
  if (corrupt > 0) {
    spdlog::warn("notifier {}: skipped {} unreadable record(s) in {}", lane.name(), corrupt, lane.spool.path());
  }
  if (replay.size() > options_.spool_max) {
    const std::size_t extra = replay.size() - options_.spool_max;
    replay.erase(replay.begin(), replay.begin() + static_cast<std::ptrdiff_t>(extra));
    lane.dropped += extra;
    lane.unreported_drops += extra;
  }
  lane.pending.assign(replay.begin(), replay.end());
  lane.pending_count = lane.pending.size();
  lane.oldest_arrival = Steady::now();
  if (!replay.empty()) {
    spdlog::info("notifier {}: {} spooled alert(s) to deliver", lane.name(), replay.size());
    if (corrupt > 0 || lane.unreported_drops > 0) Persist(lane);
  }

  std::unique_lock lock(mu_);
  while (true) {
    if (!lane.inbox.empty()) {
      std::deque<Alert> incoming;
      incoming.swap(lane.inbox);
      lock.unlock();
      Absorb(lane, std::move(incoming));
      lock.lock();
      continue;
    }
    const auto now = Steady::now();
    if (stopping_ && (lane.pending.empty() || now >= stop_deadline_)) break;
    if (lane.pending.empty()) {
      lane.cv.wait(lock);
      continue;
    }
    auto ready = lane.retry_at;
    if (!stopping_) {
      // Group: give alerts that fire together group_wait to join one batch.
      ready = std::max({ready, lane.oldest_arrival + options_.group_wait, lane.limiter.NextAllowed(now)});
    }
    if (ready > now) {
      lane.cv.wait_until(lock, stopping_ ? std::min(ready, stop_deadline_) : ready);
      continue;
    }
    lock.unlock();
    DeliverOnce(lane);
    lock.lock();
  }
}

void Dispatcher::Absorb(Lane& lane, std::deque<Alert> incoming) {
  if (lane.pending.empty()) lane.oldest_arrival = Steady::now();
  std::vector<Alert> kept;
  for (Alert& a : incoming) {
    if (lane.pending.size() >= options_.spool_max) {
      ++lane.dropped;
      ++lane.unreported_drops;
      continue;
    }
    lane.pending.push_back(a);
    kept.push_back(std::move(a));
  }
  lane.pending_count = lane.pending.size();
  if (auto r = lane.spool.Append(kept); !r) {
    spdlog::error("notifier {}: cannot spool alerts (kept in memory): {}", lane.name(), r.error().message);
  }
}

void Dispatcher::Persist(Lane& lane) {
  lane.pending_count = lane.pending.size();
  if (auto r = lane.spool.Rewrite(lane.pending); !r) {
    spdlog::error("notifier {}: cannot update spool: {}", lane.name(), r.error().message);
  }
}

void Dispatcher::DeliverOnce(Lane& lane) {
  const auto now = Steady::now();
  const std::size_t n = std::min(options_.max_batch, lane.pending.size());
  const std::vector<Alert> batch(lane.pending.begin(), lane.pending.begin() + static_cast<std::ptrdiff_t>(n));
  lane.limiter.Record(now);
  DeliveryResult result;
  try {
    result = lane.route.notifier->Deliver(batch);
  } catch (const std::exception& e) {  // a notifier must not throw; treat it as transient
    result = DeliveryResult::Retry(fmt::format("unexpected error: {}", e.what()));
  }
  if (result.code == DeliveryResult::Code::kRetry) {
    ++lane.retries;
    ++lane.attempts;
    const auto base = std::min<Duration::rep>(
        options_.retry_max.count(),
        options_.retry_initial.count() << std::min(lane.attempts - 1, 20));
    // Jitter in [base/2, base] keeps many hosts from retrying in lockstep.
    std::uniform_int_distribution<Duration::rep> jitter(base / 2, std::max<Duration::rep>(base, 1));
    const Duration delay(jitter(lane.rng));
    lane.retry_at = Steady::now() + delay;
    spdlog::warn("notifier {}: delivery of {} alert(s) failed, retry {} in {} ms: {}", lane.name(), n,
                 lane.attempts, delay.count(), result.reason);
    return;
  }
  lane.pending.erase(lane.pending.begin(), lane.pending.begin() + static_cast<std::ptrdiff_t>(n));
  if (result.code == DeliveryResult::Code::kOk) {
    lane.delivered += n;
  } else {
    lane.failed += n;
    spdlog::error("notifier {}: {} alert(s) rejected, not retried: {}", lane.name(), n, result.reason);
  }
  if (lane.attempts > 0 && result.code == DeliveryResult::Code::kOk) {
    spdlog::info("notifier {}: delivered after {} retries", lane.name(), lane.attempts);
  }
  lane.attempts = 0;
  lane.retry_at = {};
  if (lane.unreported_drops > 0 && lane.pending.size() < options_.spool_max) {
    if (lane.pending.empty()) lane.oldest_arrival = Steady::now();
    lane.pending.push_back(OverflowAlert(lane.name(), lane.unreported_drops.exchange(0), options_.spool_max));
  }
  Persist(lane);
}

}  // namespace sshd_health
