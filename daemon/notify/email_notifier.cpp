#include "notify/email_notifier.h"

#include <arpa/inet.h>
#include <curl/curl.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <ctime>
#include <memory>
#include <random>

#include <fmt/format.h>

#include "core/subprocess.h"
#include "core/text.h"
#include "core/time_format.h"
#include "notify/http_post.h"
#include "notify/notifier_options.h"

namespace sshd_health {
namespace {

// RFC 5322 limits a line to 998 octets; stay well below for readable mail.
constexpr std::size_t kMaxBodyLine = 900;
constexpr std::size_t kMaxSummaryInSubject = 160;

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// A header value from untrusted text: every control character (CR and LF above all)
// becomes a space, so the value stays on its line and cannot start a new header.
std::string HeaderSafe(std::string_view in) {
  std::string out;
  for (unsigned char c : in) out += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
  return out;
}

std::string Base64(std::string_view in) {
  static constexpr char kTable[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  std::size_t i = 0;
  while (i + 2 < in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += {kTable[v >> 18], kTable[(v >> 12) & 63], kTable[(v >> 6) & 63], kTable[v & 63]};
    i += 3;
  }
  if (i + 1 == in.size()) {
    const unsigned v = static_cast<unsigned char>(in[i]) << 16;
    out += {kTable[v >> 18], kTable[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == in.size()) {
    const unsigned v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8);
    out += {kTable[v >> 18], kTable[(v >> 12) & 63], kTable[(v >> 6) & 63], '='};
  }
  return out;
}

// RFC 2047 encoded-words for a header value with non-ASCII bytes, each word at most 75
// characters and cut at UTF-8 character boundaries; words are folded onto new lines.
std::string EncodeHeaderWords(const std::string& value) {
  if (std::all_of(value.begin(), value.end(), [](unsigned char c) { return c < 0x80; })) {
    return value;
  }
  std::string out;
  std::size_t i = 0;
  while (i < value.size()) {
    std::size_t end = std::min(value.size(), i + 45);  // 45 bytes -> 60 base64 characters
    while (end < value.size() && end > i + 1 &&
           (static_cast<unsigned char>(value[end]) & 0xc0) == 0x80) {
      --end;
    }
    if (!out.empty()) out += "\r\n ";
    out += "=?utf-8?B?" + Base64(std::string_view(value).substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

// Appends text as body lines: each line escaped (no control characters survive) and cut
// to kMaxBodyLine, CRLF line endings.
void AppendBodyText(std::string& out, std::string_view text, std::string_view indent = "") {
  while (true) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out += std::string(indent) + EscapeForOutput(line, kMaxBodyLine) + "\r\n";
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

// One body line from untrusted text (summary, evidence, labels): CR and LF are escaped
// like every other control character, so the text stays on its line.
void AppendBodyLine(std::string& out, std::string_view text, std::string_view indent = "") {
  out += std::string(indent) + EscapeForOutput(text, kMaxBodyLine) + "\r\n";
}

std::string SafeHostName(const std::string& host) {
  std::string out;
  for (char c : host) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-') out += c;
  }
  return out.empty() ? "localhost" : out;
}

std::string NewMessageId(TimePoint now) {
  static std::atomic<unsigned> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("<{}.{}.{:x}@{}>",
                     std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count(),
                     counter++, rng(), SafeHostName(LocalHostName()));
}

// A bare address we are willing to put in From/To and the SMTP envelope.
bool ValidAddress(const std::string& a) {
  if (a.size() > 254 || a.find('@') == std::string::npos) return false;
  return std::none_of(a.begin(), a.end(), [](unsigned char c) {
    return c <= 0x20 || c == 0x7f || c == '<' || c == '>' || c == ',' || c == ';' || c == '"';
  });
}

struct SmtpSettings {
  std::string url;
  long use_ssl = CURLUSESSL_ALL;
  std::string username;
  std::string password;
  bool tls_verify = true;
  std::string ca_file;
  Duration timeout = std::chrono::seconds(30);
};

struct Upload {
  const std::string* data;
  std::size_t offset = 0;
};

std::size_t ReadUpload(char* buf, std::size_t size, std::size_t n, void* user) {
  auto* up = static_cast<Upload*>(user);
  const std::size_t len = std::min(size * n, up->data->size() - up->offset);
  std::memcpy(buf, up->data->data() + up->offset, len);
  up->offset += len;
  return len;
}

DeliveryResult SendSmtp(const SmtpSettings& s, const EmailEnvelope& env, const std::string& msg) {
  EnsureCurlInitialised();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return DeliveryResult::Retry("curl_easy_init failed");
  CURL* c = curl.get();
  curl_slist* rcpt = nullptr;
  for (const auto& t : env.to) rcpt = curl_slist_append(rcpt, ("<" + t + ">").c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> rcpt_guard(rcpt, curl_slist_free_all);
  const std::string from = "<" + env.from + ">";
  Upload upload{&msg};
  char error[CURL_ERROR_SIZE] = {};
  curl_easy_setopt(c, CURLOPT_URL, s.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "smtp,smtps");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_USE_SSL, s.use_ssl);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, s.tls_verify ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, s.tls_verify ? 2L : 0L);
  if (!s.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, s.ca_file.c_str());
  if (!s.username.empty()) {
    curl_easy_setopt(c, CURLOPT_USERNAME, s.username.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, s.password.c_str());
  }
  curl_easy_setopt(c, CURLOPT_MAIL_FROM, from.c_str());
  curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
  curl_easy_setopt(c, CURLOPT_UPLOAD, 1L);
  curl_easy_setopt(c, CURLOPT_READFUNCTION, ReadUpload);
  curl_easy_setopt(c, CURLOPT_READDATA, &upload);
  curl_easy_setopt(c, CURLOPT_INFILESIZE_LARGE, static_cast<curl_off_t>(msg.size()));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(s.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(s.timeout.count()));
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) return DeliveryResult::Ok();
  long code = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
  std::string why = error[0] ? error : curl_easy_strerror(rc);
  if (code > 0) why += fmt::format(" (SMTP {})", code);
  if (rc == CURLE_USE_SSL_FAILED) why += "; the server offers no STARTTLS (see starttls:)";
  // A 5xx answer to MAIL, RCPT or DATA rejects this message for good; a refused login,
  // TLS trouble or a 4xx is fixed by the admin or by time, so the alerts wait.
  if (code >= 500 && rc != CURLE_LOGIN_DENIED) return DeliveryResult::Permanent(why);
  return DeliveryResult::Retry(why);
}

// `sendmail -t -oi`: recipients from the headers; a lone "." is not the end.
DeliveryResult SendSendmail(const std::string& path, const std::string& msg, Duration timeout) {
  SubprocessRequest request;
  request.argv = {path, "-t", "-oi"};
  request.input = msg;
  request.timeout = timeout;
  request.max_output = 512;
  const auto run = RunSubprocess(request);
  if (!run) return DeliveryResult::Retry(run.error().message);
  if (run->timed_out) return DeliveryResult::Retry(fmt::format("{} did not finish in time", path));
  if (run->exit_status == 0) return DeliveryResult::Ok();
  std::string why = run->Exited() ? fmt::format("{} exited with status {}", path, run->exit_status)
                                  : fmt::format("{} was killed", path);
  const std::string shown = EscapeForOutput(TrimSpace(run->err), 300);
  if (!shown.empty()) why += ": " + shown;
  // EX_TEMPFAIL (75) is sendmail's "try again later"; anything else rejects the message.
  if (run->Exited() && run->exit_status != 75) return DeliveryResult::Permanent(why);
  return DeliveryResult::Retry(why);
}

class EmailNotifier final : public Notifier {
 public:
  EmailNotifier(std::string name, EmailEnvelope envelope, bool sendmail, std::string sendmail_path,
                SmtpSettings smtp)
      : name_(std::move(name)), envelope_(std::move(envelope)), sendmail_(sendmail),
        sendmail_path_(std::move(sendmail_path)), smtp_(std::move(smtp)) {}
  const std::string& Name() const override { return name_; }

  DeliveryResult Deliver(const std::vector<Alert>& batch) override {
    if (batch.empty()) return DeliveryResult::Ok();
    const TimePoint now = SystemClock::now();
    const std::string msg = BuildEmailMessage(batch, envelope_, now, NewMessageId(now));
    if (sendmail_) return SendSendmail(sendmail_path_, msg, smtp_.timeout);
    return SendSmtp(smtp_, envelope_, msg);
  }

 private:
  std::string name_;
  EmailEnvelope envelope_;
  bool sendmail_;
  std::string sendmail_path_;
  SmtpSettings smtp_;
};

}  // namespace

std::string Rfc5322Date(TimePoint t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const std::time_t tt = SystemClock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return fmt::format("{}, {:02} {} {:04} {:02}:{:02}:{:02} +0000", kDays[tm.tm_wday], tm.tm_mday,
                     kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

bool IsLoopbackUrl(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> u(curl_url(), curl_url_cleanup);
  if (!u || curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) return false;
  char* host = nullptr;
  if (curl_url_get(u.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK) return false;
  const std::string h = host;
  curl_free(host);
  in_addr v4{};
  if (::inet_pton(AF_INET, h.c_str(), &v4) == 1) return (ntohl(v4.s_addr) >> 24) == 127;
  return h == "localhost" || h == "[::1]" || h == "::1";
}

std::string EmailSubject(const std::vector<Alert>& batch) {
  // The most severe firing alert leads the subject; a batch says how many more it holds.
  const Alert& lead = *std::max_element(batch.begin(), batch.end(), [](const Alert& a, const Alert& b) {
    const int ra = static_cast<int>(a.severity) + (a.status == AlertStatus::kFiring ? 10 : 0);
    const int rb = static_cast<int>(b.severity) + (b.status == AlertStatus::kFiring ? 10 : 0);
    return ra < rb;
  });
  std::string word = lead.status == AlertStatus::kResolved ? "RESOLVED" : Upper(SeverityName(lead.severity));
  std::string subject = fmt::format("[sshd-health] {} {}: {}", word, HeaderSafe(EscapeForOutput(lead.host, 255)),
                                    HeaderSafe(EscapeForOutput(lead.summary, kMaxSummaryInSubject)));
  if (batch.size() > 1) subject += fmt::format(" (and {} more)", batch.size() - 1);
  return EncodeHeaderWords(HeaderSafe(subject));
}

std::string BuildEmailMessage(const std::vector<Alert>& batch, const EmailEnvelope& envelope,
                              TimePoint now, const std::string& message_id) {
  std::string to;
  for (const auto& t : envelope.to) to += (to.empty() ? "" : ", ") + HeaderSafe(t);
  std::string m;
  m += "Date: " + Rfc5322Date(now) + "\r\n";
  m += "Message-ID: " + HeaderSafe(message_id) + "\r\n";
  m += "From: " + HeaderSafe(envelope.from) + "\r\n";
  m += "To: " + to + "\r\n";
  m += "Subject: " + EmailSubject(batch) + "\r\n";
  m += "MIME-Version: 1.0\r\n";
  m += "Content-Type: text/plain; charset=utf-8\r\n";
  m += "Content-Transfer-Encoding: 8bit\r\n";
  m += "Auto-Submitted: auto-generated\r\n";
  m += "X-Sshd-Health-Alerts: " + std::to_string(batch.size()) + "\r\n";
  m += "\r\n";
  if (batch.size() > 1) {
    AppendBodyText(m, fmt::format("{} alerts from sshd-health on {}:", batch.size(),
                                  SafeHostName(batch.front().host)));
    m += "\r\n";
  }
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const Alert& a = batch[i];
    if (i > 0) m += "----------------------------------------------------------------------\r\n";
    AppendBodyLine(m, fmt::format("{} {} on {}: {}",
                                  a.status == AlertStatus::kResolved ? "RESOLVED"
                                                                     : Upper(SeverityName(a.severity)),
                                  a.rule, a.host, a.summary));
    m += "\r\n";
    if (!a.remedy.empty()) {
      AppendBodyText(m, "What to do:");
      AppendBodyText(m, a.remedy, "  ");
      m += "\r\n";
    }
    if (!a.evidence.empty()) {
      AppendBodyText(m, "Evidence:");
      for (const auto& e : a.evidence) AppendBodyLine(m, e, "  ");
      m += "\r\n";
    }
    for (const auto& [k, v] : a.labels) AppendBodyLine(m, k + ": " + v);
    AppendBodyText(m, "First seen: " + FormatRfc3339(a.first_seen));
    AppendBodyText(m, "Last seen:  " + FormatRfc3339(a.last_seen));
    AppendBodyText(m, "Count:      " + std::to_string(a.count));
    AppendBodyText(m, "Alert id:   " + a.id);
    m += "\r\n";
  }
  return m;
}

std::unique_ptr<Notifier> MakeEmailNotifier(const NotifierConfig& config) {
  const YamlMap map = NotifierOptions(
      config, {"url", "transport", "sendmail", "from", "to", "username", "password_file",
               "starttls", "tls_verify", "ca_file", "timeout"});
  EmailEnvelope env;
  env.from = map.RequiredString("from");
  if (!ValidAddress(env.from)) map.Fail("from", "expected a bare address like alerts@example.org");
  env.to = map.StringList("to");
  if (env.to.empty()) map.Fail("to", "is required (one address or a list)");
  for (const auto& t : env.to) {
    if (!ValidAddress(t)) map.Fail("to", fmt::format("'{}' is not a bare address", HeaderSafe(t)));
  }
  const std::string transport = map.String("transport", "smtp");
  SmtpSettings smtp;
  smtp.timeout = map.DurationValue("timeout", smtp.timeout);
  if (transport == "sendmail") {
    const std::string path = map.String("sendmail", "/usr/sbin/sendmail");
    if (path.empty() || path.front() != '/') map.Fail("sendmail", "must be an absolute path");
    for (const char* smtp_only : {"url", "username", "password_file", "starttls", "ca_file"}) {
      if (map.Has(smtp_only)) map.Fail(smtp_only, "only applies to transport: smtp");
    }
    return std::make_unique<EmailNotifier>(config.name, std::move(env), true, path, std::move(smtp));
  }
  if (transport != "smtp") map.Fail("transport", "expected smtp or sendmail");
  if (map.Has("sendmail")) map.Fail("sendmail", "only applies to transport: sendmail");
  smtp.url = map.RequiredString("url");
  const bool smtps = smtp.url.rfind("smtps://", 0) == 0;
  if (!smtps && smtp.url.rfind("smtp://", 0) != 0) map.Fail("url", "expected smtp://host:port or smtps://host:port");
  const std::string starttls = map.String("starttls", "auto");
  if (starttls == "required") smtp.use_ssl = CURLUSESSL_ALL;
  else if (starttls == "optional") smtp.use_ssl = CURLUSESSL_TRY;
  else if (starttls == "auto") smtp.use_ssl = (smtps || !IsLoopbackUrl(smtp.url)) ? CURLUSESSL_ALL : CURLUSESSL_TRY;
  else map.Fail("starttls", "expected auto, required or optional");
  smtp.tls_verify = map.Bool("tls_verify", true);
  smtp.ca_file = map.String("ca_file", "");
  if (map.Has("username") != map.Has("password_file")) {
    map.Fail(map.Has("username") ? "password_file" : "username",
             "username and password_file go together");
  }
  if (map.Has("username")) {
    smtp.username = map.RequiredString("username");
    smtp.password = ReadSecretFile(map, "password_file");
  }
  return std::make_unique<EmailNotifier>(config.name, std::move(env), false, std::string(),
                                         std::move(smtp));
}

}  // namespace sshd_health
