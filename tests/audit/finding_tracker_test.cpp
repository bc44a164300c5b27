// Finding state changes -> alerts, and the catalogue.
#include "audit/finding_tracker.h"

#include <catch2/catch.hpp>
#include <set>

#include "audit/finding_catalogue.h"
#include "recording_sink.h"
#include "temp_dir.h"

using namespace sshd_health;

namespace {

AuditReport Report(std::vector<Finding> host_key_findings, CheckStatus status = CheckStatus::kOk) {
  AuditReport r;
  CheckReport c;
  c.check = "host_keys";
  c.status = status;
  c.findings = std::move(host_key_findings);
  r.checks.push_back(c);
  return r;
}

Finding ModeFinding(Severity s = Severity::kCritical) {
  return Finding{"host_key.mode", s, "/etc/ssh/k", "private host key /etc/ssh/k has mode 0644",
                 "chmod 600 /etc/ssh/k"};
}

const TimePoint kT0 = TimePoint(std::chrono::seconds(1'800'000'000));

}  // namespace

TEST_CASE("a steady finding alerts once - when it clears, one resolved alert", "[audit]") {
  RecordingSink sink;
  FindingTracker tracker("");
  tracker.Update(Report({ModeFinding()}), kT0, sink);
  tracker.Update(Report({ModeFinding()}), kT0 + std::chrono::minutes(5), sink);
  tracker.Update(Report({ModeFinding()}), kT0 + std::chrono::minutes(10), sink);
  REQUIRE(sink.alerts.size() == 1);
  const Alert fired = sink.alerts[0];
  CHECK(fired.status == AlertStatus::kFiring);
  CHECK(fired.rule == "host_key.mode");
  CHECK(fired.id == AlertId("host_key.mode", "/etc/ssh/k"));
  CHECK(fired.severity == Severity::kCritical);
  CHECK(fired.labels.at("subject") == "/etc/ssh/k");
  CHECK(fired.labels.at("check") == "host_keys");
  CHECK(fired.remedy == "chmod 600 /etc/ssh/k");

  tracker.Update(Report({}), kT0 + std::chrono::minutes(15), sink);
  REQUIRE(sink.alerts.size() == 2);
  CHECK(sink.alerts[1].status == AlertStatus::kResolved);
  CHECK(sink.alerts[1].id == fired.id);
  CHECK(sink.alerts[1].first_seen == kT0);
  tracker.Update(Report({}), kT0 + std::chrono::minutes(20), sink);
  CHECK(sink.alerts.size() == 2);
}

TEST_CASE("an unknown check neither resolves nor re-fires its findings", "[audit]") {
  RecordingSink sink;
  FindingTracker tracker("");
  tracker.Update(Report({ModeFinding()}), kT0, sink);
  tracker.Update(Report({}, CheckStatus::kUnknown), kT0 + std::chrono::minutes(5), sink);
  tracker.Update(Report({ModeFinding()}), kT0 + std::chrono::minutes(10), sink);
  CHECK(sink.alerts.size() == 1);
  CHECK(tracker.active() == 1);
}

TEST_CASE("a finding whose severity changes fires again with the new severity", "[audit]") {
  RecordingSink sink;
  FindingTracker tracker("");
  tracker.Update(Report({ModeFinding(Severity::kWarning)}), kT0, sink);
  tracker.Update(Report({ModeFinding(Severity::kCritical)}), kT0 + std::chrono::minutes(5), sink);
  REQUIRE(sink.alerts.size() == 2);
  CHECK(sink.alerts[1].severity == Severity::kCritical);
  CHECK(sink.alerts[1].status == AlertStatus::kFiring);
}

TEST_CASE("the known findings survive a restart: no second firing, still resolved later",
          "[audit]") {
  TempDir dir;
  const std::string path = dir.path() + "/audit_findings.json";
  RecordingSink sink;
  {
    FindingTracker tracker(path);
    tracker.Update(Report({ModeFinding()}), kT0, sink);
    CHECK(tracker.save_error().empty());
  }
  FindingTracker restarted(path);
  CHECK(restarted.active() == 1);
  restarted.Update(Report({ModeFinding()}), kT0 + std::chrono::minutes(5), sink);
  CHECK(sink.alerts.size() == 1);
  restarted.Update(Report({}), kT0 + std::chrono::minutes(10), sink);
  REQUIRE(sink.alerts.size() == 2);
  CHECK(sink.alerts[1].status == AlertStatus::kResolved);
  CHECK(sink.alerts[1].first_seen == kT0);
}

TEST_CASE("the finding catalogue lists every contract id once, each with a meaning", "[audit]") {
  const std::set<std::string> expected = {
      "config.invalid",     "config.maxstartups",  "config.weak_algorithm", "config.risky_setting",
      "host_key.missing",   "host_key.mode",       "host_key.owner",        "host_key.mismatch",
      "host_key.changed",   "stale_library.sshd",  "liveness.refused",      "liveness.timeout",
      "liveness.no_banner", "liveness.bad_banner", "liveness.unit_failed",  "liveness.restarting",
      "fail2ban.banned",    "access.hosts_deny",   "vulnerability.CVE-*"};
  std::set<std::string> ids;
  for (const auto& f : AllFindings()) {
    CHECK(ids.insert(std::string(f.id)).second);
    CHECK_FALSE(f.meaning.empty());
    CHECK_FALSE(f.check.empty());
  }
  CHECK(ids == expected);
}

TEST_CASE("findings below audit.alert_min_severity send nothing - a rise above it fires",
          "[audit]") {
  RecordingSink sink;
  FindingTracker tracker("", Severity::kWarning);
  tracker.Update(Report({ModeFinding(Severity::kInfo)}), kT0, sink);
  CHECK(sink.alerts.empty());
  tracker.Update(Report({ModeFinding(Severity::kWarning)}), kT0 + std::chrono::minutes(5), sink);
  REQUIRE(sink.alerts.size() == 1);
  CHECK(sink.alerts[0].severity == Severity::kWarning);
  // Back to info: below the threshold counts as gone, so it resolves once.
  tracker.Update(Report({ModeFinding(Severity::kInfo)}), kT0 + std::chrono::minutes(10), sink);
  REQUIRE(sink.alerts.size() == 2);
  CHECK(sink.alerts[1].status == AlertStatus::kResolved);
  tracker.Update(Report({ModeFinding(Severity::kInfo)}), kT0 + std::chrono::minutes(15), sink);
  CHECK(sink.alerts.size() == 2);
  CHECK(tracker.active() == 0);
}
