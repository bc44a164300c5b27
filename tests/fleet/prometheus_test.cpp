// The daemon's metrics as a real Prometheus (Debian's package) sees them: it scrapes the
// daemon on 127.0.0.1 every second, answers queries for the series, and fires an alert
// of the shipped config/prometheus-rules.yml on a daemon metric. promtool checks the
// exposition and the rule file as a CI would.
#include <catch2/catch.hpp>

#include "fleet_fixture.h"

using namespace std::chrono_literals;

namespace {

const std::string kRuleFile = std::string(SSHD_HEALTH_SOURCE_TREE) + "/config/prometheus-rules.yml";

struct Setup {
  TempDir dir;
  std::string log = dir.path() + "/auth.log";
  int port = test::FreeTcpPort();
  test::DaemonUnderTest daemon{dir.path()};

  explicit Setup(const std::string& metrics_yaml = "") {
    test::WriteFile(log, "");
    daemon.WriteConfig(
        "state_dir: " + dir.path() + "/state\nsources:\n" +
        "  journal: { enabled: false }\n  files: [{ path: " + log + " }]\n" + "rules: { paths: [" +
        SSHD_HEALTH_SOURCE_TREE + "/rules] }\n" + "audit: { enabled: false }\n" +
        "notify:\n  notifiers:\n    - { name: out, type: stdout }\n" +
        "metrics: { listen: \"127.0.0.1:" + std::to_string(port) + "\"" + metrics_yaml + " }\n");
  }
  std::string Metrics() const {
    return test::HttpGet("http://127.0.0.1:" + std::to_string(port) + "/metrics");
  }
};

bool HasAlert(const nlohmann::json& alerts, const std::string& name, const std::string& state) {
  for (const auto& a : alerts) {
    if (a["labels"].value("alertname", "") == name && a.value("state", "") == state) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("promtool passes the daemon's /metrics and the shipped alerting rules", "[fleet]") {
  Setup s;
  s.daemon.Start();
  test::AppendFile(s.log, test::SshdLine("Failed password for root from 192.0.2.5 port 22 ssh2"));
  std::string body;
  REQUIRE(test::WaitFor(
      [&] {
        return (body = s.Metrics()).find("\nsshd_health_lines_total 1\n") != std::string::npos;
      },
      10s));
  test::RunOptions o;
  o.stdin_text = body;
  o.merge_stderr = true;
  const auto metrics = test::RunCommand({test::kPromtool, "check", "metrics"}, o);
  INFO(body);
  INFO(metrics.out);
  CHECK(metrics.exit_code == 0);
  CHECK(metrics.out.empty());  // no lint remark either

  const auto rules = test::RunCommand({test::kPromtool, "check", "rules", kRuleFile});
  INFO(rules.out + rules.err);
  CHECK(rules.exit_code == 0);
  CHECK(s.daemon.Stop() == 0);
}

TEST_CASE("a real Prometheus scrapes the daemon and fires a shipped rule on its metric",
          "[fleet]") {
  Setup s;
  s.daemon.Start();
  test::Prometheus prometheus(s.dir.path(), "127.0.0.1:" + std::to_string(s.port), kRuleFile);
  const bool up = prometheus.Start();
  INFO(prometheus.log());
  REQUIRE(up);

  // The series arrive through the HTTP API with the scrape job's labels.
  nlohmann::json result;
  REQUIRE(test::WaitFor(
      [&] { return !(result = prometheus.Query("sshd_health_build_info")).empty(); }, 20s, 200ms));
  CHECK(result[0]["metric"]["version"] == SSHD_HEALTH_VERSION);
  CHECK(result[0]["metric"]["job"] == "sshd-health");
  CHECK(result[0]["metric"]["host"] == "web1");
  REQUIRE(test::WaitFor(
      [&] { return !prometheus.Query("sshd_health_maxstartups_drops_total == 0").empty(); }, 20s,
      200ms));
  CHECK(!prometheus.Query("process_resident_memory_bytes{job=\"sshd-health\"} > 0").empty());
  CHECK(!prometheus.Query("sshd_health_events_total{kind=\"maxstartups_drop\"} == 0").empty());
  CHECK(prometheus.Alerts().empty());

  // sshd drops a connection past MaxStartups: the counter moves and SshdMaxStartupsDrops
  // (increase over 10 min > 0, no `for`) fires at the next evaluations.
  test::AppendFile(s.log, test::SshdLine("drop connection #10 from [192.0.2.9]:40022 on "
                                         "[127.0.0.1]:22 past MaxStartups"));
  REQUIRE(test::WaitFor(
      [&] { return !prometheus.Query("sshd_health_maxstartups_drops_total == 1").empty(); }, 20s,
      200ms));
  nlohmann::json alerts;
  const bool fired = test::WaitFor(
      [&] { return HasAlert(alerts = prometheus.Alerts(), "SshdMaxStartupsDrops", "firing"); }, 20s,
      200ms);
  INFO(alerts.dump());
  CHECK(fired);
  for (const auto& a : alerts) {
    if (a["labels"].value("alertname", "") != "SshdMaxStartupsDrops") continue;
    CHECK(a["labels"]["host"] == "web1");
    CHECK(a["labels"]["severity"] == "critical");
  }
  // No per-address label anywhere: the attacker's address is not in the time series.
  CHECK(prometheus.Query("{__name__=~\"sshd_health_.*\", ip!=\"\"}").empty());
  CHECK(s.Metrics().find("192.0.2.9") == std::string::npos);
  prometheus.Stop();
  CHECK(s.daemon.Stop() == 0);
}

// A central log host (metrics.host_label): the series carry each line's origin host, a
// hostile HOSTNAME included, and both promtool and a real Prometheus take them; the
// shipped SshdMaxStartupsDrops names the host that dropped.
TEST_CASE("a central host's metrics carry each origin host, and promtool and Prometheus take them",
          "[fleet]") {
  Setup s(", host_label: true");
  s.daemon.Start();
  const auto line = [](const std::string& message, const std::string& host) {
    return test::StampedSyslogLine(message, 4711, host) + "\n";
  };
  test::AppendFile(s.log, line("drop connection #10 from [192.0.2.9]:40022 on [127.0.0.1]:22 "
                               "past MaxStartups",
                               "web2"));
  test::AppendFile(s.log, line("Failed password for root from 192.0.2.5 port 22 ssh2", "web3"));
  test::AppendFile(s.log, line("Failed password for root from 192.0.2.6 port 22 ssh2",
                               "we\"b\\4\xc3(" + std::string(300, 'x')));
  std::string body;
  REQUIRE(test::WaitFor(
      [&] {
        return (body = s.Metrics())
                   .find("\nsshd_health_maxstartups_drops_total{host=\"web2\"} 1\n") !=
               std::string::npos;
      },
      10s));
  INFO(body);
  CHECK(body.find("sshd_health_events_total{host=\"web3\",kind=\"auth_failure\"} 1") !=
        std::string::npos);
  CHECK(body.find("{host=\"we\\\"b\\\\4\\\\xc3(xxx") != std::string::npos);
  CHECK(body.find("\nsshd_health_lines_total ") == std::string::npos);
  test::RunOptions o;
  o.stdin_text = body;
  o.merge_stderr = true;
  const auto metrics = test::RunCommand({test::kPromtool, "check", "metrics"}, o);
  INFO(metrics.out);
  CHECK(metrics.exit_code == 0);
  CHECK(metrics.out.empty());

  // The scrape job sets no `host` of its own (README "Running a fleet"): the series keep
  // theirs.
  test::Prometheus prometheus(s.dir.path(), "127.0.0.1:" + std::to_string(s.port), kRuleFile,
                              /*host_label=*/false);
  const bool up = prometheus.Start();
  INFO(prometheus.log());
  REQUIRE(up);
  REQUIRE(test::WaitFor(
      [&] {
        return !prometheus.Query("sshd_health_maxstartups_drops_total{host=\"web2\"} == 1").empty();
      },
      20s, 200ms));
  CHECK(!prometheus.Query("sshd_health_events_total{host=\"web3\",kind=\"auth_failure\"} == 1")
             .empty());
  nlohmann::json alerts;
  const bool fired = test::WaitFor(
      [&] { return HasAlert(alerts = prometheus.Alerts(), "SshdMaxStartupsDrops", "firing"); }, 20s,
      200ms);
  INFO(alerts.dump());
  CHECK(fired);
  int drops = 0;
  for (const auto& a : alerts) {
    if (a["labels"].value("alertname", "") != "SshdMaxStartupsDrops") continue;
    ++drops;
    CHECK(a["labels"]["host"] == "web2");
  }
  CHECK(drops == 1);  // the other hosts' series stay at 0
  prometheus.Stop();
  CHECK(s.daemon.Stop() == 0);
}

TEST_CASE("metrics.textfile holds the same figures, rewritten atomically every 15 s and at exit",
          "[fleet]") {
  TempDir textdir;
  const std::string textfile = textdir.path() + "/sshd-health.prom";
  Setup s(", textfile: " + textfile);
  s.daemon.Start();
  // Written at start, then every 15 s while the daemon runs.
  REQUIRE(test::WaitFor([&] { return std::filesystem::exists(textfile); }, 10s));
  CHECK(test::ReadFile(textfile).find("\nsshd_health_lines_total 0\n") != std::string::npos);
  const auto line = test::SshdLine("Failed password for root from 192.0.2.5 port 22 ssh2");
  test::AppendFile(s.log, line);
  REQUIRE(test::WaitFor(
      [&] { return s.Metrics().find("\nsshd_health_lines_total 1\n") != std::string::npos; }, 10s));
  CHECK(test::WaitFor(
      [&] {
        return test::ReadFile(textfile).find("\nsshd_health_lines_total 1\n") != std::string::npos;
      },
      20s, 200ms));
  // At exit: stopped right after the second line was counted, well inside the 15 s, the
  // file has it all the same.
  test::AppendFile(s.log, line);
  REQUIRE(test::WaitFor(
      [&] { return s.Metrics().find("\nsshd_health_lines_total 2\n") != std::string::npos; }, 10s));
  CHECK(s.daemon.Stop() == 0);
  const std::string text = test::ReadFile(textfile);
  INFO(text);
  CHECK(text.find("\nsshd_health_lines_total 2\n") != std::string::npos);
  CHECK(text.find("sshd_health_build_info{version=\"" SSHD_HEALTH_VERSION "\"} 1\n") !=
        std::string::npos);
  // node_exporter exports its own process_* families: ours would collide there.
  CHECK(text.find("process_") == std::string::npos);
  // Nothing but the file: the temporary was renamed into place, not left beside it.
  int entries = 0;
  for ([[maybe_unused]] const auto& e : std::filesystem::directory_iterator(textdir.path()))
    ++entries;
  CHECK(entries == 1);
  test::RunOptions o;
  o.stdin_text = text;
  o.merge_stderr = true;
  const auto check = test::RunCommand({test::kPromtool, "check", "metrics"}, o);
  INFO(check.out);
  CHECK(check.exit_code == 0);
}

TEST_CASE("node_exporter's textfile collector serves the daemon's textfile without an error",
          "[fleet]") {
  TempDir textdir;
  const std::string textfile = textdir.path() + "/sshd-health.prom";
  Setup s(", textfile: " + textfile);
  s.daemon.Start();
  test::NodeExporter node(s.dir.path(), textdir.path());
  const bool up = node.Start();
  INFO(node.log());
  REQUIRE(up);
  test::AppendFile(s.log, test::SshdLine("Failed password for root from 192.0.2.5 port 22 ssh2"));
  // The periodic write (15 s) or the one at exit: stop the daemon to have it now.
  REQUIRE(test::WaitFor(
      [&] { return s.Metrics().find("\nsshd_health_lines_total 1\n") != std::string::npos; }, 10s));
  CHECK(s.daemon.Stop() == 0);
  std::string body;
  REQUIRE(test::WaitFor(
      [&] {
        body = node.Metrics();
        return body.find("\nsshd_health_lines_total 1\n") != std::string::npos;
      },
      10s, 200ms));
  INFO(body);
  CHECK(body.find("\nnode_textfile_scrape_error 0\n") != std::string::npos);
  CHECK(body.find("sshd_health_events_total{kind=\"auth_failure\"} 1\n") != std::string::npos);
  // Gathering clashed with nothing (node_exporter logs "error gathering metrics" when a
  // textfile repeats one of its own names, e.g. process_*).
  CHECK(node.log().find("error gathering metrics") == std::string::npos);
  node.Stop();
}
