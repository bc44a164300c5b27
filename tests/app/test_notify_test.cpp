// `sshd-health test-notify` run as the real binary against real receivers.
#include <catch2/catch.hpp>

#include "notify_test_util.h"

using Catch::Matchers::Contains;
using namespace std::chrono_literals;

namespace {

test::CommandOutput RunBinary(const std::vector<std::string>& args) {
  std::vector<std::string> argv = {SSHD_HEALTH_BINARY};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::RunCommand(argv);
}

}  // namespace

TEST_CASE("test-notify says which notifiers accepted the test alert and why one did not",
          "[notify]") {
  TempDir dir;
  test::PyReceiver rx("webhook_receiver.py", {});
  rx.Start();
  const int closed_port = test::FreeTcpPort();
  test::WriteFile(dir.path() + "/config.yaml",
                  "state_dir: " + dir.path() +
                      "/state\n"
                      "notify:\n  notifiers:\n"
                      "    - { name: hook, type: webhook, url: '" +
                      rx.url() +
                      "' }\n"
                      "    - { name: down, type: webhook, url: 'http://127.0.0.1:" +
                      std::to_string(closed_port) + "/x', timeout: 2s }\n");

  const auto all = RunBinary({"test-notify", "-c", dir.path() + "/config.yaml"});
  CHECK(all.exit_code == 1);
  CHECK_THAT(all.out, Contains("hook (webhook): accepted\n"));
  CHECK_THAT(all.out, Contains("down (webhook): FAILED: "));
  REQUIRE(rx.Requests().size() == 1);
  const auto body = nlohmann::json::parse(rx.Requests()[0]["body"].get<std::string>());
  CHECK(body.at(0)["rule"] == "sshd_health.test");

  const auto one =
      RunBinary({"test-notify", "-c", dir.path() + "/config.yaml", "--notifier", "hook"});
  CHECK(one.exit_code == 0);
  CHECK(one.out == "hook (webhook): accepted\n");

  const auto unknown =
      RunBinary({"test-notify", "-c", dir.path() + "/config.yaml", "--notifier", "nope"});
  CHECK(unknown.exit_code == 1);
  CHECK_THAT(unknown.err,
             Contains("no notifier named 'nope'") && Contains("(configured: hook, down)"));
}

TEST_CASE("test-notify tries each URL of an Alertmanager pair and says which one failed",
          "[notify]") {
  TempDir dir;
  test::PyReceiver rx("webhook_receiver.py", {});
  rx.Start();
  const int closed_port = test::FreeTcpPort();
  test::WriteFile(dir.path() + "/config.yaml",
                  "state_dir: " + dir.path() + "/state\nnotify:\n  notifiers:\n" +
                      "    - { name: am, type: alertmanager, timeout: 2s, urls: ['" + rx.url() +
                      "', 'http://127.0.0.1:" + std::to_string(closed_port) + "'] }\n");
  const auto out =
      RunBinary({"test-notify", "-c", dir.path() + "/config.yaml", "--notifier", "am"});
  CHECK(out.exit_code == 1);
  CHECK_THAT(out.out, Contains("am (alertmanager): accepted\n"));
  CHECK_THAT(out.out, Contains("am.2 (alertmanager): FAILED: "));
  REQUIRE(rx.Requests().size() == 1);
  const auto body = nlohmann::json::parse(rx.Requests()[0]["body"].get<std::string>());
  CHECK(body.at(0)["labels"]["alertname"] == "sshd_health.test");
  CHECK(body.at(0)["labels"]["notifier"] == "am");
}
