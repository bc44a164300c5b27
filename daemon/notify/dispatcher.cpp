#include "notify/dispatcher.h"

#include <fmt/format.h>
#include <fnmatch.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <exception>
#include <map>

namespace sshd_health {

struct Dispatcher::Lane {
  Lane(Route r, std::string spool_path, std::string told_path, std::size_t told_max)
      : route(std::move(r)),
        spool(std::move(spool_path)),
        told_log(std::move(told_path), told_max),
        limiter(route.rate_limit_per_minute),
        rng(std::random_device{}()) {}
  const std::string& name() const { return route.notifier->Name(); }

  Route route;
  Spool spool;
  ToldLog told_log;  // the delivery thread's, after the constructor
  RateLimiter limiter;
  std::condition_variable cv;
  std::thread thread;
  std::mt19937 rng;

  std::deque<Alert> inbox;         // guarded by mu_
  ToldMap told;                    // guarded by mu_: what Emit decides by
  TimePoint assume_told_before{};  // guarded by mu_

  // Owned by the lane's thread (or by Start/Stop while no thread runs).
  std::deque<Alert> pending;
  Steady::time_point oldest_arrival{};
  Steady::time_point retry_at{};
  int attempts = 0;
  bool spool_failing = false;           // the last spool write failed (said once)
  std::map<std::string, Alert> firing;  // delivered firing, not yet resolved: by alert id
  Steady::time_point next_resend{};

  std::atomic<std::uint64_t> delivered{0};
  std::atomic<std::uint64_t> failed{0};
  std::atomic<std::uint64_t> dropped{0};
  std::atomic<std::uint64_t> retries{0};
  std::atomic<std::uint64_t> pending_count{0};
  std::atomic<std::uint64_t> unreported_drops{0};  // dropped, not yet reported by an alert
  std::atomic<std::uint64_t> already_told{0};
  std::atomic<std::uint64_t> resent{0};
  std::string last_error;         // guarded by mu_
  TimePoint last_error_at{};      // guarded by mu_
  TimePoint last_delivered_at{};  // guarded by mu_
};

namespace {

bool GlobMatches(const std::vector<std::string>& globs, const std::string& rule) {
  return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) {
    return ::fnmatch(g.c_str(), rule.c_str(), 0) == 0;
  });
}

Alert OverflowAlert(const std::string& notifier, std::uint64_t dropped, std::size_t spool_max) {
  Alert a;
  a.rule = kSpoolOverflowRule;
  a.id = AlertId(a.rule, notifier);
  a.severity = Severity::kWarning;
  a.host = LocalHostName();
  a.summary =
      fmt::format("{} alert(s) for notifier '{}' were dropped: its spool was full ({} alerts)",
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
    : options_(std::move(options)), clock_(clock), started_at_(clock.Now()) {
  for (Route& r : routes) {
    std::string path;
    std::string told_path;
    if (!options_.spool_dir.empty()) {
      const std::string file = SpoolFileName(r.notifier->Name());
      path = options_.spool_dir + "/" + file;
      if (options_.remember_told)
        told_path = options_.spool_dir + "/" + file.substr(0, file.size() - 6) + ".told.jsonl";
    }
    auto lane = std::make_unique<Lane>(std::move(r), std::move(path), std::move(told_path),
                                       options_.told_max);
    if (!lane->told_log.path().empty()) {
      // Loaded now, before anything is emitted: the replay at start is decided by it.
      ToldLog::Loaded loaded = lane->told_log.Load();
      if (loaded.corrupt > 0) {
        spdlog::warn("notifier {}: skipped {} unreadable record(s) in {}", lane->name(),
                     loaded.corrupt, lane->told_log.path());
      }
      if (!loaded.set_aside.empty()) {
        spdlog::warn("notifier {}: {} is not a told memory of this version; set aside as {}",
                     lane->name(), lane->told_log.path(), loaded.set_aside);
      }
      // Without a usable memory (first start under this version, or set aside) nothing
      // counts as told: a replay may repeat alerts once rather than risk losing one
      // (assume_told_before stays at the epoch; alerts about old lines read for the first
      // time, `start: head`, must go out).
      lane->told = std::move(loaded.told);
    }
    lanes_.push_back(std::move(lane));
  }
}

Dispatcher::~Dispatcher() { Stop(Duration(0)); }

void Dispatcher::Emit(const Alert& alert) {
  std::lock_guard lock(mu_);
  ++emitted_;
  const TimePoint now = clock_.Now();
  // A replayed alert the receivers already have must not open or end a dedup window.
  const bool told_everywhere =
      !lanes_.empty() && std::all_of(lanes_.begin(), lanes_.end(), [&](const auto& lane) {
        return lane->told_log.path().empty()
                   ? false
                   : !RouteAccepts(lane->route, alert) ||
                         AlreadyTold(lane->told, alert, lane->assume_told_before);
      });
  if (told_everywhere) {
    for (auto& lane : lanes_) {
      if (RouteAccepts(lane->route, alert)) ++lane->already_told;
    }
    return;
  }
  if (alert.status == AlertStatus::kFiring) {
    auto it = last_fired_.find(alert.id);
    if (it != last_fired_.end() && now - it->second < options_.dedup_window) {
      ++suppressed_;
      return;
    }
    if (last_fired_.size() >= 100'000) {  // bound memory: forget windows that are over
      std::erase_if(last_fired_,
                    [&](const auto& kv) { return now - kv.second >= options_.dedup_window; });
    }
    last_fired_[alert.id] = now;
  } else {
    last_fired_.erase(alert.id);
  }
  for (auto& lane : lanes_) {
    if (!RouteAccepts(lane->route, alert)) continue;
    if (!lane->told_log.path().empty()) {
      if (AlreadyTold(lane->told, alert, lane->assume_told_before)) {
        ++lane->already_told;
        continue;
      }
      RememberTold(lane->told, alert, options_.told_max);
    }
    if (stopped_) {
      // Shutting down: no thread will pick it up, so it goes straight to the spool.
      if (auto r = lane->spool.Append({alert}); !r) {
        spdlog::error("notifier {}: {}", lane->name(), r.error().message);
      } else if (auto t = lane->told_log.Append({alert}); !t) {
        spdlog::error("notifier {}: {}", lane->name(), t.error().message);
      }
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
    if (auto r = lane->spool.Append(rest); !r) {
      spdlog::error("notifier {}: {}", lane->name(), r.error().message);
    } else if (auto t = lane->told_log.Append(rest); !t) {
      spdlog::error("notifier {}: {}", lane->name(), t.error().message);
    }
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
    NotifierStats n;
    n.name = lane->name();
    n.delivered = lane->delivered;
    n.failed = lane->failed;
    n.dropped = lane->dropped;
    n.retries = lane->retries;
    n.pending = lane->pending_count + lane->inbox.size();
    n.already_told = lane->already_told;
    n.resent = lane->resent;
    n.type = lane->route.type;
    n.queued = lane->inbox.size();
    n.spooled = lane->pending_count;
    n.last_error = lane->last_error;
    n.last_error_at = lane->last_error_at;
    n.last_delivered_at = lane->last_delivered_at;
    out.push_back(std::move(n));
  }
  return out;
}

void Dispatcher::Run(Lane& lane) {
  // Replay what an earlier run left undelivered.
  std::size_t corrupt = 0;
  std::string set_aside;
  std::vector<Alert> replay = lane.spool.Load(&corrupt, &set_aside);
  if (corrupt > 0) {
    spdlog::warn("notifier {}: skipped {} unreadable record(s) in {}; set aside in {}", lane.name(),
                 corrupt, lane.spool.path(), set_aside);
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
      if (!stopping_ && !lane.firing.empty()) {
        if (now >= lane.next_resend) {
          lock.unlock();
          Resend(lane);
          lock.lock();
        } else {
          lane.cv.wait_until(lock, lane.next_resend);
        }
        continue;
      }
      lane.cv.wait(lock);
      continue;
    }
    auto ready = lane.retry_at;
    if (!stopping_) {
      // Group: give alerts that fire together group_wait to join one batch.
      ready = std::max(
          {ready, lane.oldest_arrival + options_.group_wait, lane.limiter.NextAllowed(now)});
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
  if (auto r = lane.spool.Append(kept); !SpoolWorked(lane, r)) {
    return;  // not remembered as told either: a restart's replay sends them again
  }
  // Only now that they are spooled: remembered as told before spooled would lose them.
  if (auto r = lane.told_log.Append(kept); !r) {
    spdlog::error("notifier {}: cannot update what receivers were told: {}", lane.name(),
                  r.error().message);
  }
}

void Dispatcher::Persist(Lane& lane) {
  lane.pending_count = lane.pending.size();
  const auto r = lane.spool.Rewrite(lane.pending);
  // Emptying the spool needs no space, so it does not show that writing works again: on a
  // full disk each delivery would otherwise flip "written again" and the error back.
  if (r && lane.pending.empty()) return;
  (void)SpoolWorked(lane, r);
}

bool Dispatcher::SpoolWorked(Lane& lane, const Result<bool>& r) {
  // Said once, not once per alert: a full disk would otherwise bury the log. Delivery
  // goes on from memory meanwhile.
  if (!r && !lane.spool_failing) {
    spdlog::error(
        "notifier {}: cannot write its spool (alerts are kept in memory and still delivered; "
        "a crash before it can be written loses the undelivered ones): {}",
        lane.name(), r.error().message);
  } else if (r && lane.spool_failing) {
    spdlog::info("notifier {}: spool written again", lane.name());
  }
  lane.spool_failing = !r;
  return static_cast<bool>(r);
}

void Dispatcher::DeliverOnce(Lane& lane) {
  const auto now = Steady::now();
  const std::size_t n = std::min(options_.max_batch, lane.pending.size());
  const std::vector<Alert> batch(lane.pending.begin(),
                                 lane.pending.begin() + static_cast<std::ptrdiff_t>(n));
  lane.limiter.Record(now);
  DeliveryResult result;
  try {
    result = lane.route.notifier->Deliver(batch);
  } catch (const std::exception& e) {  // a notifier must not throw; treat it as transient
    result = DeliveryResult::Retry(fmt::format("unexpected error: {}", e.what()));
  }
  {
    std::lock_guard lock(mu_);
    if (result.code == DeliveryResult::Code::kOk) {
      lane.last_delivered_at = clock_.Now();
    } else {
      lane.last_error = result.reason;
      lane.last_error_at = clock_.Now();
    }
  }
  if (result.code == DeliveryResult::Code::kRetry) {
    ++lane.retries;
    ++lane.attempts;
    const auto base =
        std::min<Duration::rep>(options_.retry_max.count(), options_.retry_initial.count()
                                                                << std::min(lane.attempts - 1, 20));
    // Jitter in [base/2, base] keeps many hosts from retrying in lockstep.
    std::uniform_int_distribution<Duration::rep> jitter(base / 2, std::max<Duration::rep>(base, 1));
    const Duration delay(jitter(lane.rng));
    lane.retry_at = Steady::now() + delay;
    spdlog::warn("notifier {}: delivery of {} alert(s) failed, retry {} in {} ms: {}", lane.name(),
                 n, lane.attempts, delay.count(), result.reason);
    return;
  }
  lane.pending.erase(lane.pending.begin(), lane.pending.begin() + static_cast<std::ptrdiff_t>(n));
  if (result.code == DeliveryResult::Code::kOk) {
    lane.delivered += n;
    RememberFiring(lane, batch);
  } else {
    lane.failed += n;
    spdlog::error("notifier {}: {} alert(s) rejected, not retried: {}", lane.name(), n,
                  result.reason);
  }
  if (lane.attempts > 0 && result.code == DeliveryResult::Code::kOk) {
    spdlog::info("notifier {}: delivered after {} retries", lane.name(), lane.attempts);
  }
  lane.attempts = 0;
  lane.retry_at = {};
  if (lane.unreported_drops > 0 && lane.pending.size() < options_.spool_max) {
    if (lane.pending.empty()) lane.oldest_arrival = Steady::now();
    lane.pending.push_back(
        OverflowAlert(lane.name(), lane.unreported_drops.exchange(0), options_.spool_max));
  }
  Persist(lane);
}

void Dispatcher::RememberFiring(Lane& lane, const std::vector<Alert>& batch) {
  const Duration interval = lane.route.notifier->ResendInterval();
  if (interval.count() <= 0) return;
  for (const Alert& a : batch) {
    if (a.status == AlertStatus::kResolved) {
      lane.firing.erase(a.id);
      continue;
    }
    if (lane.firing.empty()) lane.next_resend = Steady::now() + interval;
    if (lane.firing.size() < options_.spool_max || lane.firing.count(a.id))
      lane.firing.insert_or_assign(a.id, a);
  }
}

void Dispatcher::Resend(Lane& lane) {
  lane.next_resend = Steady::now() + lane.route.notifier->ResendInterval();
  std::vector<Alert> all;
  all.reserve(lane.firing.size());
  for (const auto& [id, alert] : lane.firing) all.push_back(alert);
  for (std::size_t at = 0; at < all.size(); at += options_.max_batch) {
    const std::size_t end = std::min(all.size(), at + options_.max_batch);
    const std::vector<Alert> batch(all.begin() + static_cast<std::ptrdiff_t>(at),
                                   all.begin() + static_cast<std::ptrdiff_t>(end));
    DeliveryResult result;
    try {
      result = lane.route.notifier->Deliver(batch);
    } catch (const std::exception& e) {
      result = DeliveryResult::Retry(fmt::format("unexpected error: {}", e.what()));
    }
    if (result.code != DeliveryResult::Code::kOk) {
      spdlog::warn(
          "notifier {}: re-sending {} firing alert(s) failed, next try in {} s: {}", lane.name(),
          all.size() - at,
          std::chrono::duration_cast<std::chrono::seconds>(lane.route.notifier->ResendInterval())
              .count(),
          result.reason);
      return;
    }
    lane.resent += batch.size();
  }
}

}  // namespace sshd_health
