// Issue 18, receivers that fail the daemon in every way but a clean error: refusing,
// hanging, answering at one byte a second, a TLS certificate that is untrusted or for
// another name, an SMTP server dropping the connection at the end of DATA. The real
// binary, alerting on stdout and to the faulty receiver: timeouts hold, reading and the
// other notifiers are not held up, and nothing is counted as delivered that was not.
// A receiver answering 500 then 200 is tests/notify/webhook_test.cpp's; one that is down
// then up is too, and dispatcher_test.cpp's for retries.
#include <catch2/catch.hpp>
#include <filesystem>

#include "faults_fixture.h"
#include "receivers.h"

using faults::FailureFrom;
using faults::Setup;
using faults::SyslogLine;
using test::AppendFile;
using test::WaitFor;
using namespace std::chrono_literals;

namespace {

constexpr const char* kRule = "test.every_failure";

void Fail(const Setup& s, int from, int to) {
  std::string chunk;
  for (int i = from; i < to; ++i) chunk += SyslogLine(FailureFrom(i)) + "\n";
  AppendFile(s.log, chunk);
}

bool StdoutAlertedAll(const Setup& s, int from, int to, std::chrono::milliseconds within) {
  return WaitFor(
      [&] {
        for (int i = from; i < to; ++i) {
          if (s.AlertsFor(i) == 0) return false;
        }
        return true;
      },
      within);
}

std::string Webhook(const std::string& url, const std::string& extra = "") {
  return "    - { name: hook, type: webhook, url: \"" + url + "\", timeout: 2s" + extra + " }\n";
}

}  // namespace

TEST_CASE("a refusing or hanging webhook does not hold up reading or the other notifiers",
          "[faults][notify]") {
  Setup s;
  test::WriteFile(s.log, "");
  std::unique_ptr<test::WebhookReceiver> hook;
  std::string url;
  SECTION("refusing: nothing listens on the port") {
    url = "http://127.0.0.1:" + std::to_string(test::FreeTcpPort()) + "/hook";
  }
  SECTION("hanging: accepts, reads, never answers") {
    hook =
        std::make_unique<test::WebhookReceiver>(std::vector<std::string>{"--hang-first", "1000"});
    hook->Start();
    url = hook->url();
  }
  s.daemon.WriteConfig(s.Config(Webhook(url)));
  s.daemon.Start();
  const auto t0 = std::chrono::steady_clock::now();
  // Batches spread over several of the webhook's timeouts: each is read and alerted on
  // stdout at once, whatever the webhook thread is stuck in.
  for (int batch = 0; batch < 4; ++batch) {
    Fail(s, batch * 10, batch * 10 + 10);
    INFO(s.daemon.Err());
    REQUIRE(StdoutAlertedAll(s, batch * 10, batch * 10 + 10, 5s));
    REQUIRE(WaitFor([&] { return std::chrono::steady_clock::now() >= t0 + (batch + 1) * 1500ms; },
                    10s));
  }
  INFO(s.daemon.Err());
  // The timeout holds: attempts fail and are retried, none counted as delivered.
  REQUIRE(WaitFor([&] { return s.Count("notifier hook: delivery of ") >= 2; }, 10s));
  if (hook) {
    CHECK(s.Count("Operation timed out after 2") >= 1);
    CHECK(hook->Requests().size() >= 2);  // retried after each timeout
    CHECK(hook->Alerts().empty());
  } else {
    CHECK(s.Count("Connection refused") + s.Count("Couldn't connect") >= 1);
  }
  CHECK(s.Count("notifier hook: delivered") == 0);
  s.daemon.Kill();  // what is queued for the webhook stays spooled for the next start
}

TEST_CASE("a webhook answering at one byte a second times out, is retried and gets it once",
          "[faults][notify]") {
  Setup s;
  test::WriteFile(s.log, "");
  test::WebhookReceiver hook({"--slow-first", "1"});
  hook.Start();
  s.daemon.WriteConfig(s.Config(Webhook(hook.url())));
  s.daemon.Start();
  Fail(s, 0, 1);
  INFO(s.daemon.Err());
  REQUIRE(StdoutAlertedAll(s, 0, 1, 5s));
  const auto got = hook.WaitFor(kRule, "firing", 20s);
  REQUIRE(!got.is_null());
  CHECK(s.Count("Operation timed out after 2") >= 1);
  REQUIRE(s.daemon.Stop() == 0);
  const auto reqs = hook.Requests();
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0]["status"] == "slow");
  CHECK(reqs[1]["status"] == 200);
  CHECK(hook.Find(kRule).size() == 1);
}

namespace {

// A self-signed certificate from the openssl CLI, for `san` (e.g. "IP:127.0.0.1").
void MakeCert(const std::string& dir, const std::string& name, const std::string& san) {
  const auto r = test::RunCommand(
      {"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
       "-nodes", "-days", "2", "-subj", "/CN=sshd-health test", "-addext", "subjectAltName=" + san,
       "-keyout", dir + "/" + name + ".key", "-out", dir + "/" + name + ".pem"});
  REQUIRE(r.exit_code == 0);
}

}  // namespace

TEST_CASE("a webhook with an untrusted certificate or one for another name is not delivered to",
          "[faults][notify][tls]") {
  Setup s;
  test::WriteFile(s.log, "");
  MakeCert(s.dir.path(), "right", "IP:127.0.0.1");
  MakeCert(s.dir.path(), "other", "DNS:other.example");
  const std::string cert_dir = s.dir.path();
  std::string cert, ca, expect;
  bool delivered = false;
  SECTION("trusted and for 127.0.0.1: delivered (the test can tell)") {
    cert = "right";
    ca = ", ca_file: " + cert_dir + "/right.pem";
    delivered = true;
  }
  SECTION("self-signed, not trusted (no ca_file): refused") {
    cert = "right";
    expect = "self-signed certificate";
  }
  SECTION("trusted, but for another name: refused") {
    cert = "other";
    ca = ", ca_file: " + cert_dir + "/other.pem";
    expect = "subject name";  // curl: "no alternative certificate subject name matches"
  }
  test::WebhookReceiver hook(
      {"--tls-cert", cert_dir + "/" + cert + ".pem", "--tls-key", cert_dir + "/" + cert + ".key"});
  hook.Start();
  const std::string url = "https://127.0.0.1:" + std::to_string(hook.port()) + "/hook";
  s.daemon.WriteConfig(s.Config(Webhook(url, ca)));
  s.daemon.Start();
  Fail(s, 0, 1);
  INFO(s.daemon.Err());
  REQUIRE(StdoutAlertedAll(s, 0, 1, 5s));
  if (delivered) {
    CHECK(!hook.WaitFor(kRule, "firing", 15s).is_null());
  } else {
    REQUIRE(WaitFor([&] { return s.Count("notifier hook: delivery of ") >= 2; }, 15s));
    CHECK(s.Count(expect) >= 1);
    CHECK(hook.Requests().empty());  // nothing got through the handshake
  }
  s.daemon.Kill();
}

TEST_CASE("an SMTP server dropping the connection at the end of DATA: retried, sent once",
          "[faults][notify][email]") {
  Setup s;
  test::WriteFile(s.log, "");
  test::PyReceiver smtp("smtp_receiver.py", {"--drop-first", "2"});
  smtp.Start();
  s.daemon.WriteConfig(s.Config(
      "    - { name: mail, type: email, url: \"smtp://127.0.0.1:" + std::to_string(smtp.port()) +
      "\", from: sshd-health@example.org, to: [admin@example.org], "
      "timeout: 5s }\n"));
  s.daemon.Start();
  Fail(s, 0, 1);
  INFO(s.daemon.Err());
  REQUIRE(StdoutAlertedAll(s, 0, 1, 5s));
  REQUIRE(WaitFor([&] { return smtp.Messages().size() == 1; }, 20s));
  CHECK(test::ListFiles(smtp.dir(), "dropped-", "").size() == 2);
  CHECK(s.Count("notifier mail: delivery of 1 alert(s) failed, retry") == 2);
  REQUIRE(s.daemon.Stop() == 0);
  CHECK(smtp.Messages().size() == 1);
  CHECK(smtp.Messages()[0].find(faults::IpOf(0)) != std::string::npos);
}
