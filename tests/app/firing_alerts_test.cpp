// FiringAlerts: what `status` lists as firing now - added by a firing alert, removed by
// its resolved one, dropped when its rule would have told it again by now, and bounded.
#include "app/firing_alerts.h"

#include <catch2/catch.hpp>

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {

TimePoint At(long seconds) { return TimePoint(std::chrono::seconds(1'796'000'000 + seconds)); }

Alert Firing(const std::string& rule, const std::string& key, std::uint64_t count,
             TimePoint first) {
  Alert a;
  a.rule = rule;
  a.id = AlertId(rule, key);
  a.status = AlertStatus::kFiring;
  a.severity = Severity::kWarning;
  a.labels = {{"ip", key}};
  a.summary = std::to_string(count) + " failed logins from " + key;
  a.count = count;
  a.first_seen = first;
  a.last_seen = first + 10s;
  return a;
}

}  // namespace

TEST_CASE("A firing alert is listed until its resolved alert comes", "[app][status]") {
  FiringAlerts f;
  f.Observe(Firing("r.one", "192.0.2.1", 3, At(0)), At(1), std::nullopt);
  f.Observe(Firing("r.one", "192.0.2.2", 5, At(-5)), At(2), std::nullopt);
  auto now = f.Now();
  REQUIRE(now.size() == 2);
  CHECK(now[0].labels.at("ip") == "192.0.2.2");  // oldest first
  // Told again, later in the episode: the count moves, the start stays.
  f.Observe(Firing("r.one", "192.0.2.1", 9, At(0)), At(60), std::nullopt);
  now = f.Now();
  CHECK(now[1].count == 9);
  CHECK(now[1].since == At(0));
  Alert resolved = Firing("r.one", "192.0.2.2", 5, At(-5));
  resolved.status = AlertStatus::kResolved;
  f.Observe(resolved, At(70), std::nullopt);
  now = f.Now();
  REQUIRE(now.size() == 1);
  CHECK(now[0].labels.at("ip") == "192.0.2.1");
}

TEST_CASE("A rule's firing alert nobody told again within its horizon is dropped",
          "[app][status]") {
  FiringAlerts f;
  f.Observe(Firing("r.rule", "192.0.2.1", 3, At(0)), At(0), 100s);
  f.Observe(Firing("audit.finding", "/etc/ssh", 1, At(0)), At(0), std::nullopt);
  CHECK(f.Prune(At(100)) == 0);
  CHECK(f.Prune(At(101)) == 1);
  const auto now = f.Now();
  REQUIRE(now.size() == 1);
  CHECK(now[0].rule == "audit.finding");  // kept until resolved, however old
}

TEST_CASE("The firing list is bounded, least recently told first out, and counted",
          "[app][status]") {
  FiringAlerts f;
  for (std::size_t i = 0; i < FiringAlerts::kMaxFiring + 3; ++i) {
    f.Observe(Firing("r.wave", "10.0.0." + std::to_string(i), 3, At(0)), At(static_cast<long>(i)),
              std::nullopt);
  }
  CHECK(f.size() == FiringAlerts::kMaxFiring);
  CHECK(f.omitted() == 3);
  for (const StatusAlert& a : f.Now()) {
    CHECK(a.labels.at("ip") != "10.0.0.0");
    CHECK(a.labels.at("ip") != "10.0.0.2");
  }
}
