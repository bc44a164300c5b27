#include "notify/email_message.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <ctime>
#include <random>

#include "core/text.h"
#include "core/time_format.h"

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

std::string Base64(std::string_view in) {
  std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');  // EVP_EncodeBlock adds a NUL
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(in.data()),
                                static_cast<int>(in.size()));
  out.resize(static_cast<std::size_t>(n));
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

}  // namespace

std::string HeaderSafe(std::string_view in) {
  std::string out;
  for (unsigned char c : in) out += (c < 0x20 || c == 0x7f) ? ' ' : static_cast<char>(c);
  return out;
}

std::string NewMessageId(TimePoint now) {
  static std::atomic<unsigned> counter{0};
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format(
      "<{}.{}.{:x}@{}>",
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count(),
      counter++, rng(), SafeHostName(LocalHostName()));
}

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

std::string EmailSubject(const std::vector<Alert>& batch) {
  // The most severe firing alert leads the subject; a batch says how many more it holds.
  const Alert& lead =
      *std::max_element(batch.begin(), batch.end(), [](const Alert& a, const Alert& b) {
        const int ra = static_cast<int>(a.severity) + (a.status == AlertStatus::kFiring ? 10 : 0);
        const int rb = static_cast<int>(b.severity) + (b.status == AlertStatus::kFiring ? 10 : 0);
        return ra < rb;
      });
  std::string word =
      lead.status == AlertStatus::kResolved ? "RESOLVED" : Upper(SeverityName(lead.severity));
  std::string subject =
      fmt::format("[sshd-health] {} {}: {}", word, HeaderSafe(EscapeForOutput(lead.host, 255)),
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
    AppendBodyLine(
        m, fmt::format(
               "{} {} on {}: {}",
               a.status == AlertStatus::kResolved ? "RESOLVED" : Upper(SeverityName(a.severity)),
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

}  // namespace sshd_health
