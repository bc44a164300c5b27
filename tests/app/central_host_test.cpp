// A central log host through the real parts (issue 17): syslog lines of several machines
// interleaved in one stream -> SshdParser -> RuleEngine with the shipped rules. The
// parser's per-PID memory is per host, the rules count per host, and the fleet rule
// counts hosts.
#include <catch2/catch.hpp>
#include <set>
#include <string>
#include <vector>

#include "app/pipeline.h"
#include "core/clock.h"
#include "recording_sink.h"
#include "rules/rule_loader.h"
#include "sources/syslog_line.h"

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {

const std::string kShippedRules = std::string(SSHD_HEALTH_SOURCE_TREE) + "/rules";

TimePoint Reference() { return TimePoint(std::chrono::seconds(1'795'300'000)); }  // 2026-11-22

struct Central {
  ManualClock clock{Reference()};
  Pipeline pipeline{LoadRules({kShippedRules}), clock};
  RecordingSink sink;
  SyslogContext ctx{Reference()};
  std::vector<SshdEvent> events;

  void Feed(const std::vector<std::string>& lines) {
    const Pipeline::EventObserver keep = [&](const SshdEvent& e) { events.push_back(e); };
    for (const std::string& line : lines) {
      const auto record = ParseSyslogLine(line, ctx);
      REQUIRE(record);
      pipeline.Process(*record, sink, &keep);
    }
  }
  std::vector<const Alert*> Fired(const std::string& rule) const {
    std::vector<const Alert*> out;
    for (const Alert& a : sink.alerts)
      if (a.rule == rule && a.status == AlertStatus::kFiring) out.push_back(&a);
    return out;
  }
};

std::string Line(int second, const std::string& host, int pid, const std::string& message) {
  char ts[32];
  std::snprintf(ts, sizeof ts, "Nov 21 16:%02d:%02d", 30 + second / 60, second % 60);
  return std::string(ts) + " " + host + " sshd[" + std::to_string(pid) + "]: " + message;
}

}  // namespace

TEST_CASE("two hosts reusing the same PID keep their own sessions", "[app]") {
  Central c;
  std::vector<std::string> lines;
  // Each host's PID 700 connects from its own address, then logs a line naming none;
  // the two hosts' lines alternate, so a PID-only memory would give each the other's.
  for (int round = 0; round < 5; ++round) {
    const int t = round * 10;
    lines.push_back(Line(
        t, "web1", 700, "Connection from 198.51.100.1 port 4001 on 10.0.0.1 port 22 rdomain \"\""));
    lines.push_back(
        Line(t + 1, "web2", 700,
             "Connection from 198.51.100.2 port 4002 on 10.0.0.2 port 22 rdomain \"\""));
    lines.push_back(Line(t + 2, "web1", 700,
                         "error: kex_exchange_identification: Connection closed by remote host"));
    lines.push_back(Line(t + 3, "web2", 700,
                         "error: kex_exchange_identification: Connection closed by remote host"));
  }
  c.Feed(lines);
  int kex = 0;
  for (const SshdEvent& e : c.events) {
    if (e.kind != EventKind::kKexIdentFailure) continue;
    ++kex;
    CHECK(e.ip == (e.host == "web1" ? "198.51.100.1" : "198.51.100.2"));
  }
  CHECK(kex == 10);
  // sshd.kex.ident_scanner: 5 from one address within 10m - once per host, each its own.
  const auto scans = c.Fired("sshd.kex.ident_scanner");
  REQUIRE(scans.size() == 2);
  std::set<std::pair<std::string, std::string>> got;
  for (const Alert* a : scans) got.emplace(a->host, a->labels.at("ip"));
  CHECK(got == std::set<std::pair<std::string, std::string>>{{"web1", "198.51.100.1"},
                                                             {"web2", "198.51.100.2"}});
}

TEST_CASE("one address failing on five hosts fires the fleet rule, and on four it does not",
          "[app]") {
  const std::vector<std::string> hosts = {"web1", "web2", "db1", "db2", "mail"};
  auto sweep = [&](std::size_t n_hosts) {
    auto c = std::make_unique<Central>();
    std::vector<std::string> lines;
    // Two failures per host, a minute apart: far below any one host's brute-force rule.
    for (std::size_t h = 0; h < n_hosts; ++h) {
      const int t = static_cast<int>(h) * 60;
      lines.push_back(Line(t, hosts[h], 900, "Invalid user admin from 203.0.113.99 port 51000"));
      lines.push_back(Line(t + 2, hosts[h], 900,
                           "Failed password for invalid user admin from 203.0.113.99 port 51000 "
                           "ssh2"));
    }
    c->Feed(lines);
    return c;
  };
  const auto five = sweep(5);
  const auto fleet = five->Fired("sshd.fleet.source_many_hosts");
  REQUIRE(fleet.size() == 1);
  CHECK(fleet[0]->labels.at("ip") == "203.0.113.99");
  CHECK(fleet[0]->count == 5);
  CHECK(fleet[0]->host == LocalHostName());  // it counts across hosts: the central host saw it
  CHECK(fleet[0]->summary.find("5 different hosts") != std::string::npos);
  CHECK(five->Fired("sshd.auth.brute_force").empty());
  CHECK(five->pipeline.stats().engine.hosts == 5);
  CHECK(sweep(4)->Fired("sshd.fleet.source_many_hosts").empty());
}

TEST_CASE("a 'last message repeated' line repeats only its own host's line", "[app]") {
  Central c;
  c.Feed({Line(0, "web1", 1201, "Failed password for root from 203.0.113.8 port 52814 ssh2"),
          Line(1, "web2", 1201, "last message repeated 9 times")});
  CHECK(c.Fired("sshd.auth.brute_force").empty());
  CHECK(c.pipeline.stats().events == 1);
}
