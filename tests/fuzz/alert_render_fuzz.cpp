// Every alert renderer fed alerts whose text fields are hostile bytes (control
// characters, CR/LF, invalid UTF-8, markup), as a corrupt spool record or an audit
// finding about an odd file name could carry. Properties:
// - JSON line and webhook/Alertmanager bodies: parse back with nlohmann::json (which
//   also insists on valid UTF-8 in strings); the JSON line is one line.
// - text, journal MESSAGE, Slack text, email subject: valid UTF-8, no raw control
//   character (text and Slack may break lines with '\n').
// - email: every line ends in CRLF, no bare CR or LF, the header block holds only the
//   headers BuildEmailMessage writes (no injected "Bcc:"), body lines at most 998
//   bytes (RFC 5322 2.1.1) and clean text.
// - Alertmanager label names are Prometheus label names.
#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "core/alert.h"
#include "fuzz_check.h"
#include "notify/alertmanager_notifier.h"
#include "notify/email_message.h"
#include "notify/journal_notifier.h"
#include "notify/stdout_notifier.h"
#include "notify/webhook_notifier.h"

namespace {

using sshd_health::Alert;

Alert MakeAlert(FuzzedDataProvider& in) {
  Alert a;
  a.id = in.ConsumeRandomLengthString(40);
  a.rule = in.ConsumeRandomLengthString(60);
  a.severity = in.PickValueInArray({sshd_health::Severity::kInfo, sshd_health::Severity::kWarning,
                                    sshd_health::Severity::kCritical});
  a.status =
      in.ConsumeBool() ? sshd_health::AlertStatus::kFiring : sshd_health::AlertStatus::kResolved;
  a.host = in.ConsumeRandomLengthString(80);
  a.summary = in.ConsumeRandomLengthString(400);
  a.remedy = in.ConsumeRandomLengthString(400);
  const int labels = in.ConsumeIntegralInRange(0, 4);
  for (int i = 0; i < labels; ++i) {
    std::string k = in.ConsumeRandomLengthString(30);
    a.labels[std::move(k)] = in.ConsumeRandomLengthString(100);
  }
  a.count = in.ConsumeIntegral<std::uint64_t>();
  a.first_seen = sshd_health::TimePoint(
      std::chrono::seconds(in.ConsumeIntegralInRange<std::int64_t>(0, 4'102'444'800)));
  a.last_seen = a.first_seen + std::chrono::seconds(in.ConsumeIntegralInRange(0, 1'000'000));
  const int evidence = in.ConsumeIntegralInRange(0, 5);
  for (int i = 0; i < evidence; ++i) a.evidence.push_back(in.ConsumeRandomLengthString(3000));
  return a;
}

nlohmann::json ParseJson(const std::string& text, const char* what) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  fuzz::Check(!j.is_discarded(), what, fuzz::Show(text));
  return j;
}

bool IsPrometheusLabelName(const std::string& s) {
  if (s.empty() || (s[0] >= '0' && s[0] <= '9')) return false;
  for (const char c : s) {
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'))
      return false;
  }
  return true;
}

void CheckEmail(const std::string& m) {
  const auto end = m.find("\r\n\r\n");
  fuzz::Check(end != std::string::npos, "email has a header block");
  static const std::set<std::string> kHeaders = {
      "Date",           "Message-ID",          "From",         "To",
      "Subject",        "MIME-Version",        "Content-Type", "Content-Transfer-Encoding",
      "Auto-Submitted", "X-Sshd-Health-Alerts"};
  std::size_t pos = 0;
  bool in_header = true;
  while (pos < m.size()) {
    const auto crlf = m.find("\r\n", pos);
    fuzz::Check(crlf != std::string::npos, "every email line ends in CRLF",
                fuzz::Show(m.substr(pos)));
    const std::string_view line(m.data() + pos, crlf - pos);
    fuzz::Check(
        line.find('\r') == std::string_view::npos && line.find('\n') == std::string_view::npos,
        "no bare CR or LF in an email", fuzz::Show(line));
    if (in_header && line.empty()) {
      in_header = false;
    } else if (in_header) {
      if (line[0] != ' ' && line[0] != '\t') {
        const auto colon = line.find(':');
        fuzz::Check(
            colon != std::string_view::npos && kHeaders.count(std::string(line.substr(0, colon))),
            "only the message's own headers", fuzz::Show(line));
      }
      fuzz::Check(line.size() <= 998, "header lines are at most 998 bytes", fuzz::Show(line));
      fuzz::CheckCleanText(line, "email header is clean text");
    } else {
      fuzz::Check(line.size() <= 998, "body lines are at most 998 bytes", fuzz::Show(line));
      fuzz::CheckCleanText(line, "email body is clean text");
    }
    pos = crlf + 2;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  std::vector<Alert> batch;
  const int n = in.ConsumeIntegralInRange(1, 3);
  for (int i = 0; i < n; ++i) batch.push_back(MakeAlert(in));
  const sshd_health::TimePoint now(std::chrono::seconds(1'795'000'000));

  for (const Alert& a : batch) {
    const std::string line = sshd_health::AlertToJsonLine(a);
    fuzz::Check(line.find('\n') == std::string::npos, "alert JSON is one line", fuzz::Show(line));
    const auto j = ParseJson(line, "alert JSON parses");
    fuzz::Check(sshd_health::AlertFromJson(j).has_value(), "alert JSON reads back",
                fuzz::Show(line));

    const std::string text = sshd_health::AlertToText(a);
    fuzz::CheckCleanText(text, "text alert is clean text", "\n");
    fuzz::Check(!text.empty() && text.back() == '\n', "text alert ends in a newline");

    fuzz::CheckCleanText(sshd_health::AlertMessageLine(a),
                         "journal/syslog message line is clean text");
    for (const auto& [name, value] : sshd_health::JournalFields(a)) {
      for (const char c : name) {
        fuzz::Check((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_',
                    "journal field names are A-Z0-9_", fuzz::Show(name));
      }
      (void)value;
    }
  }

  const auto webhook = ParseJson(sshd_health::WebhookJsonBody(batch), "webhook JSON body parses");
  fuzz::Check(webhook.is_array() && webhook.size() == batch.size(),
              "webhook body is an array of the batch");

  const auto slack = ParseJson(sshd_health::WebhookSlackBody(batch), "Slack body parses");
  fuzz::Check(slack.is_object() && slack["text"].is_string(), "Slack body has a text");
  fuzz::CheckCleanText(slack["text"].get<std::string>(), "Slack text is clean text", "\n");

  const auto am = ParseJson(sshd_health::AlertmanagerBody(batch, now, std::chrono::minutes(5)),
                            "Alertmanager body parses");
  fuzz::Check(am.is_array() && am.size() == batch.size(),
              "Alertmanager body is an array of the batch");
  for (const auto& alert : am) {
    for (const auto& [name, value] : alert["labels"].items()) {
      fuzz::Check(IsPrometheusLabelName(name), "Alertmanager label names are Prometheus names",
                  fuzz::Show(name));
      fuzz::Check(value.is_string(), "Alertmanager label values are strings");
    }
  }

  const std::string subject = sshd_health::EmailSubject(batch);
  // RFC 2047 words may be folded onto continuation lines ("\r\n "); each line is clean.
  for (std::size_t at = 0; at <= subject.size();) {
    const auto fold = subject.find("\r\n ", at);
    fuzz::CheckCleanText(std::string_view(subject).substr(
                             at, fold == std::string::npos ? std::string::npos : fold - at),
                         "email subject is clean text");
    if (fold == std::string::npos) break;
    at = fold + 3;
  }
  // The envelope's addresses are checked at config load (email_options): not fuzzed here.
  const sshd_health::EmailEnvelope env{"alerts@example.org",
                                       {"root@example.org", "ops@example.org"}};
  CheckEmail(sshd_health::BuildEmailMessage(batch, env, now, "<1.2.3@example.org>"));
  return 0;
}
