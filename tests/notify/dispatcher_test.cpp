// The dispatcher's guarantees with a RecordingNotifier: dedup, routing, grouping,
// retries, permanent failures, the spool across restarts and its overflow report.
#include "notify/dispatcher.h"

#include <catch2/catch.hpp>

#include "notify/rate_limiter.h"
#include "notify_test_util.h"

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {

struct Fixture {
  TempDir dir;
  ManualClock clock{TimePoint(std::chrono::seconds(1'800'000'000))};
  test::RecordingNotifier* rec = nullptr;

  DispatcherOptions Options() {
    DispatcherOptions o;
    o.group_wait = 0ms;
    o.dedup_window = 10min;
    o.spool_dir = dir.path() + "/spool";
    o.retry_initial = 20ms;
    o.retry_max = 100ms;
    return o;
  }
  std::unique_ptr<Dispatcher> Make(DispatcherOptions o, Route route = {}) {
    auto n = std::make_unique<test::RecordingNotifier>("rec");
    rec = n.get();
    route.notifier = std::move(n);
    route.type = "test";
    std::vector<Route> routes;
    routes.push_back(std::move(route));
    return std::make_unique<Dispatcher>(std::move(o), std::move(routes), clock);
  }
};

bool Delivered(const test::RecordingNotifier* rec, std::size_t n) {
  return test::WaitFor([&] { return rec->Alerts().size() >= n; }, 5000ms);
}

}  // namespace

TEST_CASE(
    "a re-firing alert within dedup_window is suppressed - resolved passes and ends the window",
    "[notify]") {
  Fixture f;
  auto d = f.Make(f.Options());
  d->Start();
  const Alert a = test::MakeAlert("sshd.maxstartups.drop", "x");
  d->Emit(a);
  d->Emit(a);  // same id, same instant: suppressed
  REQUIRE(Delivered(f.rec, 1));
  f.clock.Advance(9min);
  d->Emit(a);  // still inside the window
  Alert resolved = a;
  resolved.status = AlertStatus::kResolved;
  d->Emit(resolved);
  REQUIRE(Delivered(f.rec, 2));
  d->Emit(a);  // the resolve ended the window: fires again
  REQUIRE(Delivered(f.rec, 3));
  f.clock.Advance(11min);
  d->Emit(a);  // window over: fires again
  REQUIRE(Delivered(f.rec, 4));
  d->Stop(1s);
  const auto alerts = f.rec->Alerts();
  REQUIRE(alerts.size() == 4);
  CHECK(alerts[0].status == AlertStatus::kFiring);
  CHECK(alerts[1].status == AlertStatus::kResolved);
  CHECK(alerts[2].status == AlertStatus::kFiring);
  CHECK(d->Stats().emitted == 6);
  CHECK(d->Stats().delivered == 4);
}

TEST_CASE("a notifier gets only alerts at or above min_severity whose rule matches its globs",
          "[notify]") {
  Route r;
  r.min_severity = Severity::kWarning;
  r.include_rules = {"sshd.*", "host_key.*"};
  r.exclude_rules = {"sshd.auth.*"};
  CHECK(RouteAccepts(r, test::MakeAlert("sshd.maxstartups.drop", "a", Severity::kCritical)));
  CHECK(RouteAccepts(r, test::MakeAlert("host_key.mode", "a", Severity::kWarning)));
  CHECK_FALSE(RouteAccepts(r, test::MakeAlert("sshd.maxstartups.drop", "a", Severity::kInfo)));
  CHECK_FALSE(RouteAccepts(r, test::MakeAlert("sshd.auth.bruteforce", "a", Severity::kCritical)));
  CHECK_FALSE(RouteAccepts(r, test::MakeAlert("fail2ban.ban", "a", Severity::kCritical)));
  Route all;
  CHECK(RouteAccepts(all, test::MakeAlert("anything", "a", Severity::kInfo)));
}

TEST_CASE("alerts that fire within group_wait go out as one batch", "[notify]") {
  Fixture f;
  auto o = f.Options();
  o.group_wait = 300ms;
  auto d = f.Make(o);
  d->Start();
  for (int i = 0; i < 5; ++i) d->Emit(test::MakeAlert("sshd.auth.failure", std::to_string(i)));
  REQUIRE(Delivered(f.rec, 5));
  d->Stop(1s);
  REQUIRE(f.rec->Batches().size() == 1);
  CHECK(f.rec->Batches()[0].size() == 5);
}

TEST_CASE("a retryable failure is retried with backoff and the batch is delivered once",
          "[notify]") {
  Fixture f;
  auto d = f.Make(f.Options());
  f.rec->Script({DeliveryResult::Retry("503"), DeliveryResult::Retry("503")});
  d->Start();
  d->Emit(test::MakeAlert("sshd.maxstartups.drop", "x"));
  REQUIRE(Delivered(f.rec, 1));
  d->Stop(1s);
  CHECK(f.rec->Calls() == 3);
  CHECK(f.rec->Alerts().size() == 1);
  const auto per = d->PerNotifier();
  CHECK(per.at(0).retries == 2);
  CHECK(per.at(0).delivered == 1);
  CHECK(per.at(0).pending == 0);
  CHECK(per.at(0).type == "test");
  // What `sshd-health status` shows: the error that delayed it stays after the success.
  CHECK(per.at(0).last_error == "503");
  CHECK(per.at(0).last_error_at == f.clock.Now());
  CHECK(per.at(0).last_delivered_at == f.clock.Now());
}

TEST_CASE("an undelivered alert waits in the spool, and the notifier's error says why",
          "[notify]") {
  Fixture f;
  auto o = f.Options();
  o.retry_initial = 1h;  // it stays after the first failure
  o.retry_max = 1h;
  auto d = f.Make(o);
  f.rec->Script({DeliveryResult::Retry("connection refused")});
  d->Start();
  d->Emit(test::MakeAlert("sshd.maxstartups.drop", "x"));
  REQUIRE(test::WaitFor([&] { return d->PerNotifier().at(0).retries == 1; }, 5000ms));
  const auto per = d->PerNotifier();
  CHECK(per.at(0).queued == 0);
  CHECK(per.at(0).spooled == 1);
  CHECK(per.at(0).last_error == "connection refused");
  CHECK(per.at(0).last_delivered_at == TimePoint{});
  d->Stop(0ms);
}

TEST_CASE("a permanent failure is counted and not retried", "[notify]") {
  Fixture f;
  auto d = f.Make(f.Options());
  f.rec->Script({DeliveryResult::Permanent("400 bad request")});
  d->Start();
  d->Emit(test::MakeAlert("sshd.maxstartups.drop", "x"));
  REQUIRE(test::WaitFor([&] { return d->PerNotifier().at(0).failed == 1; }, 5000ms));
  d->Emit(test::MakeAlert("sshd.maxstartups.drop", "y"));
  REQUIRE(Delivered(f.rec, 1));
  d->Stop(1s);
  const auto per = d->PerNotifier();
  CHECK(per.at(0).retries == 0);
  CHECK(per.at(0).delivered == 1);
  CHECK(f.rec->Calls() == 2);
  CHECK(f.rec->Alerts().at(0).id == AlertId("sshd.maxstartups.drop", "y"));
}

TEST_CASE(
    "alerts not delivered by Stop stay spooled and a new dispatcher on the same state "
    "delivers them once",
    "[notify]") {
  Fixture f;
  auto o = f.Options();
  {
    auto d = f.Make(o);
    f.rec->RefuseAll(true);
    d->Start();
    for (int i = 0; i < 3; ++i) d->Emit(test::MakeAlert("sshd.auth.failure", std::to_string(i)));
    REQUIRE(test::WaitFor([&] { return f.rec->Calls() >= 1; }, 5000ms));
    d->Stop(50ms);
    CHECK(f.rec->Alerts().empty());
    CHECK(d->Stats().spooled == 3);
  }
  const std::string spool = test::ReadFile(f.dir.path() + "/spool/rec.jsonl");
  CHECK(std::count(spool.begin(), spool.end(), '\n') == 3);
  auto d2 = f.Make(o);
  d2->Start();
  REQUIRE(Delivered(f.rec, 3));
  d2->Stop(1s);
  std::vector<std::string> ids;
  for (const auto& a : f.rec->Alerts()) ids.push_back(a.id);
  CHECK(ids == std::vector<std::string>{AlertId("sshd.auth.failure", "0"),
                                        AlertId("sshd.auth.failure", "1"),
                                        AlertId("sshd.auth.failure", "2")});
  CHECK(::access((f.dir.path() + "/spool/rec.jsonl").c_str(), F_OK) != 0);
}

TEST_CASE("a corrupt spool line is skipped and the rest is delivered", "[notify]") {
  Fixture f;
  std::filesystem::create_directories(f.dir.path() + "/spool");
  test::WriteFile(f.dir.path() + "/spool/rec.jsonl",
                  AlertToJsonLine(test::MakeAlert("a.b", "1")) + "\n{\"torn\": \n" +
                      AlertToJsonLine(test::MakeAlert("a.b", "2")) + "\n");
  auto d = f.Make(f.Options());
  d->Start();
  REQUIRE(Delivered(f.rec, 2));
  d->Stop(1s);
  CHECK(f.rec->Alerts().size() == 2);
}

TEST_CASE("a full spool drops new alerts, counts them and reports them once space returns",
          "[notify]") {
  Fixture f;
  auto o = f.Options();
  o.spool_max = 3;
  auto d = f.Make(o);
  f.rec->RefuseAll(true);
  for (int i = 0; i < 5; ++i) d->Emit(test::MakeAlert("sshd.auth.failure", std::to_string(i)));
  d->Start();
  REQUIRE(test::WaitFor([&] { return d->Stats().dropped == 2; }, 5000ms));
  f.rec->RefuseAll(false);
  REQUIRE(Delivered(f.rec, 4));
  d->Stop(1s);
  const auto alerts = f.rec->Alerts();
  REQUIRE(alerts.size() == 4);
  CHECK(alerts[0].id == AlertId("sshd.auth.failure", "0"));
  CHECK(alerts[2].id == AlertId("sshd.auth.failure", "2"));
  const Alert& overflow = alerts[3];
  CHECK(overflow.rule == kSpoolOverflowRule);
  CHECK(overflow.count == 2);
  CHECK(overflow.labels.at("notifier") == "rec");
  CHECK(overflow.summary.find("2 alert(s)") != std::string::npos);
}

TEST_CASE("the rate limiter allows N deliveries per sliding minute", "[notify]") {
  using S = std::chrono::steady_clock;
  const S::time_point t0{};
  RateLimiter limit(2);
  CHECK(limit.NextAllowed(t0) == t0);
  limit.Record(t0);
  limit.Record(t0 + 10s);
  CHECK(limit.NextAllowed(t0 + 20s) == t0 + 60s);
  CHECK(limit.NextAllowed(t0 + 61s) == t0 + 61s);
  RateLimiter unlimited(0);
  for (int i = 0; i < 100; ++i) unlimited.Record(t0);
  CHECK(unlimited.NextAllowed(t0) == t0);
}

TEST_CASE("a rate-limited notifier holds alerts back and sends them together later", "[notify]") {
  Fixture f;
  Route r;
  r.rate_limit_per_minute = 1;
  auto d = f.Make(f.Options(), std::move(r));
  d->Start();
  d->Emit(test::MakeAlert("a.b", "1"));
  REQUIRE(Delivered(f.rec, 1));
  d->Emit(test::MakeAlert("a.b", "2"));
  d->Emit(test::MakeAlert("a.b", "3"));
  REQUIRE(test::WaitFor([&] { return d->Stats().spooled == 2; }, 5000ms));
  CHECK(f.rec->Calls() == 1);  // the minute is not over: nothing more went out
  d->Stop(1s);                 // Stop flushes regardless of the rate limit
  REQUIRE(f.rec->Batches().size() == 2);
  CHECK(f.rec->Batches()[1].size() == 2);
}

TEST_CASE("a notifier with a resend interval is sent its still-firing alerts again until resolved",
          "[notify]") {
  TempDir dir;
  const ManualClock clock{TimePoint(std::chrono::seconds(1'800'000'000))};
  DispatcherOptions o;
  o.group_wait = 0ms;
  o.spool_dir = dir.path() + "/spool";
  auto n = std::make_unique<test::RecordingNotifier>("am", 100ms);
  test::RecordingNotifier* rec = n.get();
  std::vector<Route> routes(1);
  routes[0].notifier = std::move(n);
  Dispatcher d(o, std::move(routes), clock);
  d.Start();
  const Alert a = test::MakeAlert("sshd.maxstartups.drop", "x");
  const Alert b = test::MakeAlert("sshd.maxstartups.drop", "y");
  d.Emit(a);
  d.Emit(b);
  // Delivered once, then re-sent every 100 ms: three more rounds of both.
  REQUIRE(test::WaitFor([&] { return rec->Alerts().size() >= 8; }, 5000ms));
  CHECK(d.PerNotifier().at(0).delivered == 2);
  CHECK(d.PerNotifier().at(0).resent >= 6);
  Alert resolved = a;
  resolved.status = AlertStatus::kResolved;
  d.Emit(resolved);
  // From the resolved one on, only b is re-sent.
  REQUIRE(test::WaitFor(
      [&] {
        const auto all = rec->Alerts();
        std::size_t after = 0;
        bool seen = false;
        for (const Alert& x : all) {
          if (x.status == AlertStatus::kResolved)
            seen = true;
          else if (seen && x.id == b.id)
            ++after;
          else if (seen)
            return false;  // a after its resolved: wrong
        }
        return after >= 2;
      },
      5000ms));
  d.Stop(0ms);
  for (const Alert& x : rec->Alerts()) CHECK((x.id == a.id || x.id == b.id));
}

TEST_CASE("a notifier without a resend interval is sent each alert once", "[notify]") {
  TempDir dir;
  const ManualClock clock{TimePoint(std::chrono::seconds(1'800'000'000))};
  DispatcherOptions o;
  o.group_wait = 0ms;
  auto n = std::make_unique<test::RecordingNotifier>("hook");
  test::RecordingNotifier* rec = n.get();
  std::vector<Route> routes(1);
  routes[0].notifier = std::move(n);
  Dispatcher d(o, std::move(routes), clock);
  d.Start();
  d.Emit(test::MakeAlert("sshd.maxstartups.drop", "x"));
  REQUIRE(test::WaitFor([&] { return rec->Alerts().size() == 1; }, 5000ms));
  // A second alert comes after it, nothing in between: interval 0 keeps no firing set.
  d.Emit(test::MakeAlert("sshd.maxstartups.drop", "sentinel"));
  REQUIRE(test::WaitFor([&] { return rec->Alerts().size() == 2; }, 5000ms));
  d.Stop(0ms);
  CHECK(rec->Alerts().size() == 2);
  CHECK(d.PerNotifier().at(0).resent == 0);
}
