// The alertmanager notifier against a real Prometheus Alertmanager (Debian's
// prometheus-alertmanager) that the test starts on 127.0.0.1 with its own config and
// storage directory and clustering off, then asks through its API for the alert.
#include <curl/curl.h>

#include <catch2/catch.hpp>

#include "core/config.h"
#include "core/yaml_util.h"
#include "http_get.h"
#include "notify/alert_output.h"
#include "notify/make_notifier.h"
#include "notify_test_util.h"

using namespace sshd_health;
using namespace std::chrono_literals;
using test::HttpGet;

namespace {

constexpr const char* kAlertmanager = "/usr/bin/prometheus-alertmanager";

// The alerts Alertmanager holds with alertname `rule`.
std::vector<nlohmann::json> AlertsNamed(const std::string& base, const std::string& rule) {
  std::vector<nlohmann::json> out;
  const std::string body = HttpGet(base + "/api/v2/alerts");
  if (body.empty()) return out;
  for (const auto& a : nlohmann::json::parse(body)) {
    if (a["labels"].value("alertname", "") == rule) out.push_back(a);
  }
  return out;
}

}  // namespace

TEST_CASE("an alert posted to a real Alertmanager shows up in its API with our labels",
          "[notify]") {
  TempDir dir;
  const int port = test::FreeTcpPort();
  const std::string base = "http://127.0.0.1:" + std::to_string(port);
  test::WriteFile(dir.path() + "/alertmanager.yml",
                  "route:\n  receiver: none\nreceivers:\n  - name: none\n");
  test::Subprocess::Options o;
  o.stderr_path = dir.path() + "/alertmanager.log";
  test::Subprocess am({kAlertmanager, "--config.file=" + dir.path() + "/alertmanager.yml",
                       "--storage.path=" + dir.path() + "/data",
                       "--web.listen-address=127.0.0.1:" + std::to_string(port),
                       "--cluster.listen-address=", "--log.level=warn"},
                      o);
  const bool ready = test::WaitFor(
      [&] { return !am.Running() || !HttpGet(base + "/-/ready").empty(); }, 20000ms, 100ms);
  INFO(test::ReadFile(dir.path() + "/alertmanager.log"));
  REQUIRE(ready);
  REQUIRE(am.Running());

  const Config c = test::LoadTestConfig(
      dir.path(),
      "notify:\n  notifiers:\n    - { name: am, type: alertmanager, url: '" + base + "/' }\n");
  auto notifier = MakeNotifier(c.notify.notifiers.at(0));
  Alert a = test::MakeAlert("sshd.maxstartups.drop", "k");
  a.first_seen = SystemClock::now() - 60s;
  a.last_seen = SystemClock::now();
  const DeliveryResult r = notifier->Deliver({a});
  INFO(r.reason);
  REQUIRE(r.code == DeliveryResult::Code::kOk);

  std::vector<nlohmann::json> got;
  REQUIRE(test::WaitFor([&] { return !(got = AlertsNamed(base, "sshd.maxstartups.drop")).empty(); },
                        10000ms, 100ms));
  REQUIRE(got.size() == 1);
  CHECK(got[0]["labels"]["severity"] == "critical");
  CHECK(got[0]["labels"]["instance"] == "web1.example.org");
  CHECK(got[0]["labels"]["host"] == "web1.example.org");
  CHECK(got[0]["labels"]["ip"] == "192.0.2.7");
  CHECK(got[0]["annotations"]["summary"] == a.summary);
  CHECK(got[0]["annotations"]["remedy"] == a.remedy);
  CHECK(got[0]["status"]["state"] == "active");

  SECTION("a resolved alert ends it") {
    Alert resolved = a;
    resolved.status = AlertStatus::kResolved;
    REQUIRE(notifier->Deliver({resolved}).code == DeliveryResult::Code::kOk);
    CHECK(test::WaitFor([&] { return AlertsNamed(base, "sshd.maxstartups.drop").empty(); }, 10000ms,
                        100ms));
  }
  am.Stop();
}

namespace {

std::string NotifierError(const std::string& entry) {
  TempDir dir;
  try {
    const Config c =
        test::LoadTestConfig(dir.path(), "notify:\n  notifiers:\n    - " + entry + "\n");
    (void)MakeNotifiers(c.notify.notifiers.at(0));
  } catch (const ConfigError& e) {
    const std::string what = e.what();
    return what.substr(what.find(": ") + 2);  // without file:line:col
  }
  return "";
}

std::vector<std::string> LaneNames(const std::string& entry) {
  TempDir dir;
  const Config c = test::LoadTestConfig(dir.path(), "notify:\n  notifiers:\n    - " + entry + "\n");
  std::vector<std::string> names;
  for (const auto& n : MakeNotifiers(c.notify.notifiers.at(0))) names.push_back(n->Name());
  return names;
}

}  // namespace

TEST_CASE("alertmanager takes one url or a list of urls, one lane per URL", "[notify]") {
  CHECK(LaneNames("{ name: am, type: alertmanager, url: 'http://127.0.0.1:9093' }") ==
        std::vector<std::string>{"am"});
  CHECK(LaneNames("{ name: am, type: alertmanager, urls: ['http://127.0.0.1:9093'] }") ==
        std::vector<std::string>{"am"});
  CHECK(LaneNames("{ name: am, type: alertmanager, urls: ['http://a:9093', 'http://b:9093/'] }") ==
        std::vector<std::string>{"am", "am.2"});
  CHECK(NotifierError("{ name: am, type: alertmanager }") ==
        "notify.notifiers[0].url: give either url (one Alertmanager) or urls (a list, e.g. an HA "
        "pair)");
  CHECK(NotifierError("{ name: am, type: alertmanager, url: 'http://a', urls: ['http://b'] }") ==
        "notify.notifiers[0].urls: give either url (one Alertmanager) or urls (a list, e.g. an HA "
        "pair)");
  CHECK(NotifierError("{ name: am, type: alertmanager, urls: [] }") ==
        "notify.notifiers[0].urls: expected at least one Alertmanager URL");
  CHECK(NotifierError(
            "{ name: am, type: alertmanager, urls: ['http://a:9093', 'http://a:9093/'] }") ==
        "notify.notifiers[0].urls: 'http://a:9093' is listed twice");
  CHECK(NotifierError("{ name: am, type: alertmanager, urls: ['http://a', 'a:9093'] }") ==
        "notify.notifiers[0].urls: expected Alertmanager's base URL, e.g. "
        "http://127.0.0.1:9093, not 'a:9093'");
}

TEST_CASE("a lane name of an HA pair may not be another notifier's name", "[notify]") {
  TempDir dir;
  const Config c = test::LoadTestConfig(
      dir.path(),
      "notify:\n  notifiers:\n"
      "    - { name: am.2, type: stdout }\n"
      "    - { name: am, type: alertmanager, urls: ['http://a:9093', 'http://b:9093'] }\n");
  try {
    ValidateNotifiers(c);
    FAIL("no error");
  } catch (const ConfigError& e) {
    CHECK(std::string(e.what()).find(
              "notify.notifiers[1].name: 'am.2' is also the name of another notifier's "
              "lane") != std::string::npos);
  }
}
