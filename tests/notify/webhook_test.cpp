// The webhook notifier and the dispatcher against a real HTTP receiver on loopback
// (webhook_receiver.py): HMAC signature and headers, 500-then-200 retry, an outage while
// alerts fire, and a restart with alerts still spooled.
#include <catch2/catch.hpp>

#include "notify/alert_output.h"
#include "notify/dispatcher.h"
#include "notify/make_notifier.h"
#include "notify_test_util.h"

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {

std::string HookConfig(const std::string& url, const std::string& extra = "") {
  return "notify:\n  group_wait: 100ms\n  notifiers:\n    - { name: hook, type: webhook, url: '" +
         url + "'" + extra + " }\n";
}

// Every alert id the receiver accepted (status 200), in order of arrival.
std::vector<std::string> AcceptedIds(const test::PyReceiver& rx) {
  std::vector<std::string> ids;
  for (const auto& req : rx.Requests()) {
    if (req["status"] != 200) continue;
    for (const auto& a : nlohmann::json::parse(req["body"].get<std::string>()))
      ids.push_back(a["id"]);
  }
  return ids;
}

}  // namespace

TEST_CASE("a webhook call carries the JSON batch, custom headers and a valid HMAC signature",
          "[notify]") {
  TempDir dir;
  test::WriteFile(dir.path() + "/hook-secret", "topsecret\n");
  test::PyReceiver rx("webhook_receiver.py", {"--secret-file", dir.path() + "/hook-secret"});
  rx.Start();
  const Config c = test::LoadTestConfig(
      dir.path(),
      HookConfig(
          rx.url(),
          ", secret_file: hook-secret, headers: { X-Team: ops, Authorization: 'Bearer abc' }"));
  auto hook = MakeNotifier(c.notify.notifiers.at(0));
  const Alert a = test::MakeAlert("sshd.maxstartups.drop", "k");
  const DeliveryResult r = hook->Deliver({a, test::MakeAlert("x.y", "z")});
  INFO(r.reason);
  REQUIRE(r.code == DeliveryResult::Code::kOk);
  const auto reqs = rx.Requests();
  REQUIRE(reqs.size() == 1);
  CHECK(reqs[0]["path"] == "/hook");
  CHECK(reqs[0]["hmac_ok"] == true);
  CHECK(reqs[0]["headers"]["X-Team"] == "ops");
  CHECK(reqs[0]["headers"]["Authorization"] == "Bearer abc");
  CHECK(reqs[0]["headers"]["Content-Type"] == "application/json");
  const auto body = nlohmann::json::parse(reqs[0]["body"].get<std::string>());
  REQUIRE(body.size() == 2);
  CHECK(body[0] == AlertToJson(a));

  SECTION("a wrong secret gives a signature the receiver rejects") {
    test::WriteFile(dir.path() + "/other", "not-the-secret\n");
    const Config c2 =
        test::LoadTestConfig(dir.path(), HookConfig(rx.url(), ", secret_file: other"));
    REQUIRE(MakeNotifier(c2.notify.notifiers.at(0))->Deliver({a}).code ==
            DeliveryResult::Code::kOk);
    CHECK(rx.Requests().back()["hmac_ok"] == false);
  }
}

TEST_CASE("a slack-format webhook posts a text payload", "[notify]") {
  TempDir dir;
  test::PyReceiver rx("webhook_receiver.py", {});
  rx.Start();
  const Config c = test::LoadTestConfig(dir.path(), HookConfig(rx.url(), ", format: slack"));
  REQUIRE(MakeNotifier(c.notify.notifiers.at(0))
              ->Deliver({test::MakeAlert("sshd.maxstartups.drop", "k")})
              .code == DeliveryResult::Code::kOk);
  const auto body = nlohmann::json::parse(rx.Requests().at(0)["body"].get<std::string>());
  CHECK(body.at("text").get<std::string>().find("*[sshd-health] critical web1.example.org*") == 0);
}

TEST_CASE("a receiver answering 500 then 200 gets the batch exactly once", "[notify]") {
  TempDir dir;
  test::PyReceiver rx("webhook_receiver.py", {"--fail-first", "1"});
  rx.Start();
  const Config c = test::LoadTestConfig(dir.path(), HookConfig(rx.url()));
  auto out = MakeAlertOutput(c);
  out->Start();
  out->Emit(test::MakeAlert("sshd.maxstartups.drop", "k"));
  REQUIRE(test::WaitFor([&] { return out->Stats().delivered == 1; }, 10000ms));
  out->Stop(1s);
  const auto reqs = rx.Requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0]["status"] == 500);
  CHECK(reqs[1]["status"] == 200);
  CHECK(AcceptedIds(rx) == std::vector<std::string>{AlertId("sshd.maxstartups.drop", "k")});
}

TEST_CASE("alerts fired while the receiver is down arrive exactly once when it comes up",
          "[notify]") {
  TempDir dir;
  test::PyReceiver rx("webhook_receiver.py", {});
  const Config c = test::LoadTestConfig(dir.path(), HookConfig(rx.url()));
  DispatcherOptions o;
  o.group_wait = 50ms;
  o.retry_initial = 100ms;
  o.retry_max = 400ms;
  o.spool_dir = dir.path() + "/spool";
  std::vector<Route> routes(1);
  routes[0].notifier = MakeNotifier(c.notify.notifiers.at(0));
  static const RealClock clock;
  Dispatcher d(o, std::move(routes), clock);
  d.Start();
  std::vector<std::string> want;
  for (int i = 0; i < 20; ++i) {
    d.Emit(test::MakeAlert("sshd.auth.failure", std::to_string(i)));
    want.push_back(AlertId("sshd.auth.failure", std::to_string(i)));
  }
  REQUIRE(test::WaitFor([&] { return d.PerNotifier().at(0).retries >= 2; }, 10000ms));
  CHECK(d.Stats().delivered == 0);
  rx.Start();
  for (int i = 20; i < 25; ++i) {
    d.Emit(test::MakeAlert("sshd.auth.failure", std::to_string(i)));
    want.push_back(AlertId("sshd.auth.failure", std::to_string(i)));
  }
  REQUIRE(test::WaitFor([&] { return d.Stats().delivered == 25; }, 15000ms));
  d.Stop(1s);
  auto got = AcceptedIds(rx);
  std::sort(got.begin(), got.end());
  std::sort(want.begin(), want.end());
  CHECK(got == want);  // each once: no loss, no duplicate
}

TEST_CASE("alerts spooled at shutdown are delivered by the next instance on the same state_dir",
          "[notify]") {
  TempDir dir;
  test::PyReceiver rx("webhook_receiver.py", {});
  const Config c = test::LoadTestConfig(dir.path(), HookConfig(rx.url()));
  {
    auto first = MakeAlertOutput(c);
    first->Start();
    for (int i = 0; i < 3; ++i)
      first->Emit(test::MakeAlert("sshd.auth.failure", std::to_string(i)));
    REQUIRE(test::WaitFor([&] { return first->Stats().spooled == 3; }, 5000ms));
    first->Stop(200ms);  // the receiver is down: nothing can go out
    CHECK(first->Stats().delivered == 0);
  }
  rx.Start();
  auto second = MakeAlertOutput(c);
  second->Start();
  REQUIRE(test::WaitFor([&] { return second->Stats().delivered == 3; }, 10000ms));
  second->Stop(1s);
  auto got = AcceptedIds(rx);
  std::sort(got.begin(), got.end());
  std::vector<std::string> want = {AlertId("sshd.auth.failure", "0"),
                                   AlertId("sshd.auth.failure", "1"),
                                   AlertId("sshd.auth.failure", "2")};
  std::sort(want.begin(), want.end());
  CHECK(got == want);
}
