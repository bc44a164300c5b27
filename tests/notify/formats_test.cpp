// What each notifier sends, checked as pure functions: email message, webhook and
// Alertmanager bodies, journal fields, HMAC; and the config errors of notifier entries.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "core/yaml_util.h"
#include "notify/alert_output.h"
#include "notify/alertmanager_notifier.h"
#include "notify/email_message.h"
#include "notify/journal_notifier.h"
#include "notify/make_notifier.h"
#include "notify/smtp_client.h"
#include "notify/stdout_notifier.h"
#include "notify/webhook_notifier.h"
#include "notify_test_util.h"

using namespace sshd_health;
using Catch::Matchers::Contains;
using Catch::Matchers::StartsWith;

namespace {

std::string HeaderBlock(const std::string& msg) { return msg.substr(0, msg.find("\r\n\r\n") + 2); }

// Header lines (unfolded) of a CRLF message.
std::vector<std::string> HeaderNames(const std::string& msg) {
  std::vector<std::string> names;
  const std::string head = HeaderBlock(msg);
  std::size_t pos = 0;
  while (pos < head.size()) {
    const auto end = head.find("\r\n", pos);
    const std::string line = head.substr(pos, end - pos);
    if (!line.empty() && line[0] != ' ' && line[0] != '\t')
      names.push_back(line.substr(0, line.find(':')));
    pos = end + 2;
  }
  return names;
}

std::string ConfigErrorOf(const std::string& notifier_yaml) {
  TempDir dir;
  try {
    const Config c = test::LoadTestConfig(dir.path(), "notify:\n  notifiers:\n" + notifier_yaml);
    ValidateNotifiers(c);
  } catch (const ConfigError& e) {
    std::string msg = e.what();
    for (auto at = msg.find(dir.path()); at != std::string::npos; at = msg.find(dir.path())) {
      msg.replace(at, dir.path().size(), "DIR");
    }
    return msg;
  }
  return "";
}

}  // namespace

TEST_CASE("an alert id is the FNV-1a of rule, NUL and group key in 16 hex digits", "[notify]") {
  // Ids are a contract across restarts and releases (spool records, Alertmanager dedup).
  CHECK(sshd_health::AlertId("sshd.auth.brute_force", "192.0.2.1") == "1ca53920fd782cfe");
  CHECK(sshd_health::AlertId("r", "") == "9bdee700c6865499");
}

TEST_CASE("an email has the RFC 5322 headers and a readable body", "[notify]") {
  const Alert a = test::MakeAlert("sshd.maxstartups.drop", "k");
  const std::string msg =
      BuildEmailMessage({a}, {"alerts@example.org", {"root@example.org", "ops@example.org"}},
                        a.last_seen, "<1.2@web1>");
  CHECK(HeaderNames(msg) == std::vector<std::string>{"Date", "Message-ID", "From", "To", "Subject",
                                                     "MIME-Version", "Content-Type",
                                                     "Content-Transfer-Encoding", "Auto-Submitted",
                                                     "X-Sshd-Health-Alerts"});
  CHECK_THAT(msg, Contains("Date: Sat, 21 Nov 2026 16:31:32 +0000\r\n"));
  CHECK_THAT(msg, Contains("To: root@example.org, ops@example.org\r\n"));
  CHECK_THAT(msg,
             Contains("Subject: [sshd-health] CRITICAL web1.example.org: sshd dropped connections: "
                      "MaxStartups reached (k)\r\n"));
  CHECK_THAT(msg, Contains("Content-Type: text/plain; charset=utf-8\r\n"));
  CHECK_THAT(msg, Contains("What to do:\r\n  Raise MaxStartups in /etc/ssh/sshd_config:\r\n    "
                           "MaxStartups 30:30:100\r\n"));
  CHECK_THAT(msg, Contains("Evidence:\r\n  sshd[812]: drop connection #10"));
  CHECK_THAT(msg, Contains("First seen: 2026-11-21T16:31:02Z\r\n"));
  CHECK_THAT(msg, Contains("Last seen:  2026-11-21T16:31:32Z\r\n"));
  CHECK_THAT(msg, Contains("Count:      12\r\n"));
  // No bare LF anywhere: every line ends in CRLF.
  for (std::size_t i = 0; i < msg.size(); ++i) {
    if (msg[i] == '\n') REQUIRE((i > 0 && msg[i - 1] == '\r'));
  }
}

TEST_CASE("hostile alert text cannot add an email header", "[notify]") {
  Alert a = test::MakeAlert("sshd.auth.failure", "k");
  a.summary = "Invalid user x\r\nBcc: victim@example.org\r\n\x1b[31mred";
  a.host = "h\nX-Evil: 1";
  a.evidence = {"line\r\nBcc: victim2@example.org", "\r\n.\r\nMAIL FROM:<a@b>"};
  a.labels = {{"user", "u\r\nCc: c@d"}};
  const std::string msg = BuildEmailMessage({a}, {"a@b.c", {"d@e.f"}}, a.last_seen, "<x@y>");
  const auto names = HeaderNames(msg);
  CHECK(std::find(names.begin(), names.end(), "Bcc") == names.end());
  CHECK(std::find(names.begin(), names.end(), "Cc") == names.end());
  CHECK(std::find(names.begin(), names.end(), "X-Evil") == names.end());
  const std::string subject = EmailSubject({a});
  CHECK(subject.find('\r') == std::string::npos);
  CHECK(subject.find('\n') == std::string::npos);
  CHECK(subject.find('\x1b') == std::string::npos);
  CHECK_THAT(subject, Contains("Invalid user x\\x0d\\x0aBcc: victim@example.org"));
  // The body shows the text escaped, never a line starting with a header or SMTP verb.
  CHECK(msg.find("\r\nBcc:") == std::string::npos);
  CHECK(msg.find("\r\nMAIL FROM") == std::string::npos);
  CHECK(msg.find('\x1b') == std::string::npos);
}

TEST_CASE("a non-ASCII subject is RFC 2047 encoded and a batch says how many it holds",
          "[notify]") {
  Alert a = test::MakeAlert("sshd.auth.failure", "k");
  a.summary = "Ungültiger Benutzer müller";
  Alert b = test::MakeAlert("sshd.auth.failure", "j", Severity::kWarning);
  const std::string subject = EmailSubject({b, a});
  CHECK_THAT(subject, StartsWith("=?utf-8?B?"));
  CHECK(subject.find("\r\n ") != std::string::npos);  // folded encoded-words
  // The exact words (Python's base64 of the same UTF-8-aligned pieces), "=" and "==" ends.
  CHECK(subject ==
        "=?utf-8?B?W3NzaGQtaGVhbHRoXSBDUklUSUNBTCB3ZWIxLmV4YW1wbGUub3JnOiBVbmc=?=\r\n "
        "=?utf-8?B?w7xsdGlnZXIgQmVudXR6ZXIgbcO8bGxlciAoYW5kIDEgbW9yZSk=?=");
  CHECK(EmailSubject({a}) ==
        "=?utf-8?B?W3NzaGQtaGVhbHRoXSBDUklUSUNBTCB3ZWIxLmV4YW1wbGUub3JnOiBVbmc=?=\r\n "
        "=?utf-8?B?w7xsdGlnZXIgQmVudXR6ZXIgbcO8bGxlcg==?=");
  for (unsigned char c : subject) CHECK(c < 0x80);
  const std::string ascii = EmailSubject({b, test::MakeAlert("x.y", "z")});
  CHECK_THAT(ascii, StartsWith("[sshd-health] CRITICAL web1.example.org: "));
  CHECK_THAT(ascii, Contains("(and 1 more)"));
  Alert r = a;
  r.status = AlertStatus::kResolved;
  r.summary = "ok";
  CHECK_THAT(EmailSubject({r}), StartsWith("[sshd-health] RESOLVED web1.example.org: ok"));
}

TEST_CASE("STARTTLS is required by default unless the SMTP host is loopback", "[notify]") {
  CHECK(IsLoopbackUrl("smtp://127.0.0.1:25"));
  CHECK(IsLoopbackUrl("smtp://localhost"));
  CHECK(IsLoopbackUrl("smtp://[::1]:25"));
  CHECK_FALSE(IsLoopbackUrl("smtp://mail.example.org:587"));
  CHECK_FALSE(IsLoopbackUrl("smtp://127.0.0.1.evil.example:25"));
}

TEST_CASE("webhook bodies: json is an array of DESIGN alerts, slack a text payload", "[notify]") {
  Alert a = test::MakeAlert("sshd.maxstartups.drop", "k");
  a.summary = "<!channel> & friends";
  const auto j = nlohmann::json::parse(WebhookJsonBody({a, test::MakeAlert("x.y", "z")}));
  REQUIRE(j.is_array());
  REQUIRE(j.size() == 2);
  CHECK(j[0] == AlertToJson(a));
  const auto s = nlohmann::json::parse(WebhookSlackBody({a}));
  const std::string text = s.at("text");
  CHECK_THAT(text,
             Contains("*[sshd-health] critical web1.example.org*: &lt;!channel&gt; &amp; friends"));
  CHECK_THAT(text, Contains("`sshd.maxstartups.drop` count 12 (ip=192.0.2.7)"));
  CHECK_THAT(text, Contains("MaxStartups 30:30:100"));
}

TEST_CASE("the webhook signature is HMAC-SHA256 (RFC 4231 test case 2)", "[notify]") {
  CHECK(HmacSha256Hex("Jefe", "what do ya want for nothing?") ==
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST_CASE(
    "the Alertmanager body carries alertname, severity, host, instance and the alert's labels",
    "[notify]") {
  Alert a = test::MakeAlert("sshd.maxstartups.drop", "k");
  a.labels["local-port"] = "22";
  Alert r = a;
  r.status = AlertStatus::kResolved;
  const TimePoint now = a.last_seen + std::chrono::seconds(60);
  const auto j = nlohmann::json::parse(AlertmanagerBody({a, r}, now, std::chrono::hours(1)));
  REQUIRE(j.size() == 2);
  CHECK(j[0]["labels"] == nlohmann::json({{"alertname", "sshd.maxstartups.drop"},
                                          {"severity", "critical"},
                                          {"instance", "web1.example.org"},
                                          {"host", "web1.example.org"},
                                          {"ip", "192.0.2.7"},
                                          {"local_port", "22"}}));
  CHECK(j[0]["annotations"]["summary"] == a.summary);
  CHECK(j[0]["annotations"]["remedy"] == a.remedy);
  CHECK(j[0]["startsAt"] == "2026-11-21T16:31:02Z");
  CHECK(j[0]["endsAt"] == "2026-11-21T17:32:32Z");
  CHECK(j[1]["endsAt"] == "2026-11-21T16:32:32Z");  // resolved: ends now
}

TEST_CASE("journal fields: message, priority, identifier and SSHD_HEALTH_* fields", "[notify]") {
  Alert a = test::MakeAlert("sshd.maxstartups.drop", "k");
  a.labels["user"] = "root";
  const auto fields = JournalFields(a);
  std::map<std::string, std::vector<std::string>> m;
  for (const auto& [k, v] : fields) m[k].push_back(v);
  CHECK(fields.front().first == "MESSAGE");
  CHECK(m["MESSAGE"][0] ==
        "CRITICAL sshd.maxstartups.drop: " + a.summary + " (ip=192.0.2.7 user=root)");
  CHECK(m["PRIORITY"][0] == "2");
  CHECK(m["SYSLOG_IDENTIFIER"][0] == "sshd-health");
  CHECK(m["SSHD_HEALTH_RULE"][0] == "sshd.maxstartups.drop");
  CHECK(m["SSHD_HEALTH_ID"][0] == a.id);
  CHECK(m["SSHD_HEALTH_SEVERITY"][0] == "critical");
  CHECK(m["SSHD_HEALTH_STATUS"][0] == "firing");
  CHECK(m["SSHD_HEALTH_IP"][0] == "192.0.2.7");
  CHECK(m["SSHD_HEALTH_USER"][0] == "root");
  CHECK(m["SSHD_HEALTH_EVIDENCE"].size() == 1);
  CHECK(SeverityPriority(Severity::kWarning) == 4);
  CHECK(SeverityPriority(Severity::kInfo) == 6);
}

TEST_CASE("stdout text is one readable line plus the remedy, escaped", "[notify]") {
  Alert a = test::MakeAlert("sshd.maxstartups.drop", "k");
  a.summary = "bad\x1b[2Jtext";
  CHECK(AlertToText(a) ==
        "2026-11-21T16:31:32Z CRITICAL sshd.maxstartups.drop: bad\\x1b[2Jtext (ip=192.0.2.7) x12\n"
        "    Raise MaxStartups in /etc/ssh/sshd_config:\n"
        "      MaxStartups 30:30:100\n"
        "    then: systemctl reload ssh\n");
}

TEST_CASE("bad notifier entries are config errors naming file, line and key", "[notify]") {
  CHECK(ConfigErrorOf("    - { name: x, type: smtp }\n") ==
        "DIR/config.yaml:4:24: notify.notifiers[0].type: unknown notifier type 'smtp' (known: "
        "journal, "
        "syslog, stdout, email, webhook, alertmanager)");
  CHECK_THAT(ConfigErrorOf("    - { name: x, type: webhook, url: 'http://h/x', colour: red }\n"),
             StartsWith("DIR/config.yaml:4:52: notify.notifiers[0].colour: unknown key"));
  CHECK_THAT(
      ConfigErrorOf("    - { name: m, type: email, url: 'smtp://h', from: a@b, to: c@d, username: "
                    "u, password: hunter2 }\n"),
      Contains("notify.notifiers[0].password: inline secrets are not accepted; put it in a file "
               "readable only by root and name that file with password_file"));
  CHECK_THAT(ConfigErrorOf("    - { name: s, type: syslog, facility: kern }\n"),
             Contains("notify.notifiers[0].facility: expected auth, authpriv"));
  CHECK_THAT(
      ConfigErrorOf("    - { name: m, type: email, url: 'smtp://h', from: 'a@b', to: 'x y@z' }\n"),
      Contains("notify.notifiers[0].to: 'x y@z' is not a bare address"));
  CHECK_THAT(ConfigErrorOf("    - { name: m, type: email, url: 'smtp://h', from: a@b, to: c@d, "
                           "username: u, password_file: nope }\n"),
             Contains("notify.notifiers[0].password_file: cannot read secret file DIR/nope"));
  CHECK_THAT(
      ConfigErrorOf(
          "    - { name: h, type: webhook, url: 'http://h/x', headers: { 'Bad Name': v } }\n"),
      Contains("notify.notifiers[0].headers.Bad Name: is not a valid HTTP header name"));
  CHECK_THAT(ConfigErrorOf("    - { name: a, type: alertmanager, url: 'ftp://h' }\n"),
             Contains("notify.notifiers[0].url: expected Alertmanager's base URL"));
  CHECK(ConfigErrorOf("    - { name: o, type: stdout, format: text, rate_limit: 5 }\n"
                      "    - { name: j, type: journal }\n"
                      "    - { name: s, type: syslog }\n") == "");
}

TEST_CASE("a relative secret file name is found in $CREDENTIALS_DIRECTORY", "[notify]") {
  TempDir creds;
  test::WriteFile(creds.path() + "/hook-secret", "s3cret\n");
  ::setenv("CREDENTIALS_DIRECTORY", creds.path().c_str(), 1);
  const std::string err = ConfigErrorOf(
      "    - { name: h, type: webhook, url: 'http://h/x', secret_file: hook-secret }\n");
  ::unsetenv("CREDENTIALS_DIRECTORY");
  CHECK(err == "");
}
