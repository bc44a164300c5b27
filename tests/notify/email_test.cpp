// The email notifier against a real SMTP server (python3-aiosmtpd) on loopback, plain
// and with AUTH over STARTTLS using a certificate made by the test, and through the
// sendmail transport with a stand-in sendmail program.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "notify/make_notifier.h"
#include "notify_test_util.h"

using namespace sshd_health;
using Catch::Matchers::Contains;

namespace {

std::unique_ptr<Notifier> EmailFrom(const std::string& dir, const std::string& entry) {
  const Config c = test::LoadTestConfig(dir, "notify:\n  notifiers:\n    - " + entry + "\n");
  return MakeNotifier(c.notify.notifiers.at(0));
}

// Header lines of a message (before the blank line), LF or CRLF.
std::vector<std::string> Headers(const std::string& msg) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (pos < msg.size()) {
    auto end = msg.find('\n', pos);
    std::string line = msg.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) break;
    out.push_back(line);
    pos = end + 1;
  }
  return out;
}

bool HasHeaderNamed(const std::string& msg, const std::string& name) {
  for (const auto& h : Headers(msg)) {
    if (h.rfind(name + ":", 0) == 0) return true;
  }
  return false;
}

}  // namespace

TEST_CASE("email over SMTP reaches a real server with headers and body", "[notify]") {
  TempDir dir;
  test::PyReceiver smtp("smtp_receiver.py", {});
  smtp.Start();
  auto mail =
      EmailFrom(dir.path(),
                "{ name: mail, type: email, url: 'smtp://127.0.0.1:" + std::to_string(smtp.port()) +
                    "', from: alerts@example.org, to: [root@example.org, ops@example.org] }");
  Alert a = test::MakeAlert("sshd.maxstartups.drop", "k");
  const DeliveryResult r =
      mail->Deliver({a, test::MakeAlert("sshd.auth.failure", "j", Severity::kWarning)});
  INFO(r.reason);
  REQUIRE(r.code == DeliveryResult::Code::kOk);
  REQUIRE(smtp.Messages().size() == 1);  // a batch is one email
  const std::string msg = smtp.Messages()[0];
  const auto meta = smtp.MessageMeta(0);
  CHECK(meta["mail_from"] == "alerts@example.org");
  CHECK(meta["rcpt_tos"] == nlohmann::json({"root@example.org", "ops@example.org"}));
  for (const char* h :
       {"Date", "Message-ID", "From", "To", "Subject", "MIME-Version", "Content-Type"}) {
    CHECK(HasHeaderNamed(msg, h));
  }
  CHECK_THAT(msg,
             Contains("Subject: [sshd-health] CRITICAL web1.example.org: sshd dropped connections: "
                      "MaxStartups reached (k) (and 1 more)"));
  CHECK_THAT(msg, Contains("MaxStartups 30:30:100"));
  CHECK_THAT(msg, Contains("Count:      12"));
}

TEST_CASE("a hostile log line in an alert cannot add a header to a real email", "[notify]") {
  TempDir dir;
  test::PyReceiver smtp("smtp_receiver.py", {});
  smtp.Start();
  auto mail = EmailFrom(dir.path(), "{ name: mail, type: email, url: 'smtp://127.0.0.1:" +
                                        std::to_string(smtp.port()) +
                                        "', from: alerts@example.org, to: root@example.org }");
  Alert a = test::MakeAlert("sshd.auth.failure", "k");
  a.summary = "Invalid user \r\nBcc: victim@example.org\r\n\x1b]0;owned\x07";
  a.evidence = {"Failed password for \r\nBcc: v2@example.org\r\n.\r\nRCPT TO:<v3@example.org>"};
  const DeliveryResult r = mail->Deliver({a});
  INFO(r.reason);
  REQUIRE(r.code == DeliveryResult::Code::kOk);
  REQUIRE(smtp.Messages().size() == 1);
  const std::string msg = smtp.Messages()[0];
  CHECK_FALSE(HasHeaderNamed(msg, "Bcc"));
  CHECK(smtp.MessageMeta(0)["rcpt_tos"] == nlohmann::json({"root@example.org"}));
  CHECK(msg.find('\x1b') == std::string::npos);
  CHECK_THAT(msg, Contains("\\x0d\\x0aBcc: victim@example.org"));
}

TEST_CASE("email AUTH over STARTTLS with a throwaway certificate", "[notify]") {
  TempDir dir;
  const std::string cert = dir.path() + "/cert.pem";
  const std::string key = dir.path() + "/key.pem";
  const auto gen = test::RunCommand({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                     "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key,
                                     "-out", cert, "-days", "1", "-subj", "/CN=127.0.0.1",
                                     "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"});
  REQUIRE(gen.exit_code == 0);
  test::PyReceiver smtp("smtp_receiver.py",
                        {"--cert", cert, "--key", key, "--auth", "alice:correct horse"});
  smtp.Start();
  test::WriteFile(dir.path() + "/smtp-password", "correct horse\n");
  ::chmod((dir.path() + "/smtp-password").c_str(), 0600);
  const std::string base =
      "{ name: mail, type: email, url: 'smtp://127.0.0.1:" + std::to_string(smtp.port()) +
      "', from: alerts@example.org, to: root@example.org, username: alice, starttls: required, ";

  SECTION("trusting the test's certificate through ca_file") {
    auto mail =
        EmailFrom(dir.path(), base + "password_file: smtp-password, ca_file: '" + cert + "' }");
    const DeliveryResult r = mail->Deliver({test::MakeAlert("sshd.maxstartups.drop", "k")});
    INFO(r.reason);
    REQUIRE(r.code == DeliveryResult::Code::kOk);
    REQUIRE(smtp.Messages().size() == 1);
    CHECK(smtp.MessageMeta(0)["auth_user"] == "alice");
    CHECK(smtp.MessageMeta(0)["tls"] == true);
  }
  SECTION("an untrusted certificate is refused and retried, nothing is sent") {
    auto mail = EmailFrom(dir.path(), base + "password_file: smtp-password }");
    const DeliveryResult r = mail->Deliver({test::MakeAlert("sshd.maxstartups.drop", "k")});
    CHECK(r.code == DeliveryResult::Code::kRetry);
    CHECK(smtp.Messages().empty());
  }
  SECTION("a wrong password is refused (retried after the admin fixes it), never shown") {
    test::WriteFile(dir.path() + "/wrong", "battery staple\n");
    auto mail = EmailFrom(dir.path(), base + "password_file: wrong, ca_file: '" + cert + "' }");
    const DeliveryResult r = mail->Deliver({test::MakeAlert("sshd.maxstartups.drop", "k")});
    CHECK(r.code == DeliveryResult::Code::kRetry);
    CHECK(r.reason.find("battery") == std::string::npos);
    CHECK(smtp.Messages().empty());
  }
}

TEST_CASE("email through the sendmail transport runs sendmail -t -oi without a shell", "[notify]") {
  TempDir dir;
  const std::string fake = dir.path() + "/sendmail";
  test::WriteFile(fake,
                  "#!/usr/bin/python3\nimport sys\n"
                  "open('" +
                      dir.path() +
                      "/argv', 'w').write(' '.join(sys.argv[1:]))\n"
                      "open('" +
                      dir.path() + "/message', 'wb').write(sys.stdin.buffer.read())\n");
  ::chmod(fake.c_str(), 0755);
  auto mail =
      EmailFrom(dir.path(), "{ name: mail, type: email, transport: sendmail, sendmail: '" + fake +
                                "', from: alerts@example.org, to: root@example.org }");
  const DeliveryResult r = mail->Deliver({test::MakeAlert("sshd.maxstartups.drop", "k")});
  INFO(r.reason);
  REQUIRE(r.code == DeliveryResult::Code::kOk);
  CHECK(test::ReadFile(dir.path() + "/argv") == "-t -oi");
  const std::string msg = test::ReadFile(dir.path() + "/message");
  CHECK_THAT(msg, Contains("To: root@example.org\r\n"));
  CHECK_THAT(msg, Contains("Subject: [sshd-health] CRITICAL web1.example.org:"));

  SECTION("a sendmail that fails says why") {
    test::WriteFile(fake, "#!/bin/sh\necho 'no route to host' >&2\nexit 69\n");
    const DeliveryResult bad = mail->Deliver({test::MakeAlert("sshd.maxstartups.drop", "k")});
    CHECK(bad.code == DeliveryResult::Code::kPermanent);
    CHECK_THAT(bad.reason, Contains("exited with status 69: no route to host"));
  }
}

TEST_CASE("a sendmail that hangs is killed at the timeout, with its children, and retried",
          "[notify]") {
  TempDir dir;
  const std::string fake = dir.path() + "/sendmail";
  // The background sleep holds stderr open: the kill must reach the whole group.
  test::WriteFile(fake, "#!/bin/sh\nsleep 30 &\nsleep 30\n");
  ::chmod(fake.c_str(), 0755);
  auto mail = EmailFrom(dir.path(),
                        "{ name: mail, type: email, transport: sendmail, sendmail: '" + fake +
                            "', timeout: 300ms, from: alerts@example.org, to: root@example.org }");
  const auto start = std::chrono::steady_clock::now();
  const DeliveryResult r = mail->Deliver({test::MakeAlert("sshd.maxstartups.drop", "k")});
  CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(20));
  CHECK(r.code == DeliveryResult::Code::kRetry);
  CHECK(r.reason == fake + " did not finish in time");
}
