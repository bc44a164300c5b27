#include "core/scan_output.h"

#include <charconv>
#include <ctime>

#include <fmt/format.h>

#include "core/severity.h"
#include "core/text.h"
#include "core/time_format.h"

namespace sshd_health {
namespace {

// True when EscapeForOutput would return `text` unchanged and JSON needs no escapes:
// printable ASCII only, within the output bound. Almost every log line takes this path,
// which skips a copy per field.
bool IsPlainAscii(std::string_view text) {
  if (text.size() > kMaxOutputLine) return false;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\') return false;
  }
  return true;
}

void AppendJsonEscapedUtf8(std::string_view escaped, std::string& out) {
  for (const char c : escaped) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
}

void AppendInt(long long v, std::string& out) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

// FormatRfc3339, with the date part cached per second: events of one log come in runs
// within the same second, and gmtime plus formatting is most of the cost of a record.
void AppendRfc3339(TimePoint t, std::string& out) {
  thread_local long long cached_secs = -1;
  thread_local std::string cached_prefix;
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch());
  const auto secs = std::chrono::floor<std::chrono::seconds>(us);
  const long long frac = (us - secs).count();
  if (secs.count() != cached_secs) {
    cached_secs = secs.count();
    cached_prefix = FormatRfc3339(TimePoint(secs));
    cached_prefix.pop_back();  // the 'Z'
  }
  out += cached_prefix;
  if (frac != 0) out += fmt::format(".{:06}", frac);
  out += 'Z';
}

// A quoted text value for the text format: escaped, with quotes and backslashes escaped
// so a user name such as `x" ip=1.2.3.4` stays inside its quotes.
void AppendQuoted(std::string_view text, std::string& out) {
  out += '"';
  AppendJsonStringBody(text, out);
  out += '"';
}

}  // namespace

void AppendJsonStringBody(std::string_view text, std::string& out) {
  if (IsPlainAscii(text)) {
    out.append(text);
    return;
  }
  AppendJsonEscapedUtf8(EscapeForOutput(text), out);
}

void AppendEventJson(const SshdEvent& e, std::string& out) {
  out += '{';
  bool first = true;
  auto key = [&](std::string_view name) {
    if (!first) out += ", ";
    first = false;
    out += '"';
    out.append(name);
    out += "\": ";
  };
  if (e.has_ts) {
    key("ts");
    out += '"';
    AppendRfc3339(e.ts, out);
    out += '"';
  }
  key("kind");
  out += '"';
  out.append(EventKindName(e.kind));
  out += '"';
  if (!e.ip.empty()) {
    key("ip");
    out += '"';
    AppendJsonStringBody(e.ip, out);
    out += '"';
  }
  if (e.port != 0) {
    key("port");
    AppendInt(e.port, out);
  }
  if (!e.user.empty()) {
    key("user");
    out += '"';
    AppendJsonStringBody(e.user, out);
    out += '"';
  }
  if (e.pid != 0) {
    key("pid");
    AppendInt(e.pid, out);
  }
  key("line");
  out += '"';
  AppendJsonStringBody(e.line, out);
  out += '"';
  if (!e.detail.empty()) {
    key("detail");
    out += '"';
    AppendJsonStringBody(e.detail, out);
    out += '"';
  }
  out += "}\n";
}

void AppendEventText(const SshdEvent& e, std::string& out) {
  if (e.has_ts) {
    AppendRfc3339(e.ts, out);
  } else {
    out += '-';
  }
  out += ' ';
  out.append(EventKindName(e.kind));
  if (!e.ip.empty()) {
    out += " ip=";
    AppendJsonStringBody(e.ip, out);  // an address or a host name: no spaces or quotes
  }
  if (e.port != 0) {
    out += " port=";
    AppendInt(e.port, out);
  }
  if (!e.user.empty()) {
    out += " user=";
    AppendQuoted(e.user, out);
  }
  if (e.pid != 0) {
    out += " pid=";
    AppendInt(e.pid, out);
  }
  out += " | ";
  out += EscapeForOutput(e.line);
  out += '\n';
}

void AppendAlertJson(const Alert& alert, std::string& out) {
  out += AlertToJsonLine(alert);
  out += '\n';
}

void AppendAlertText(const Alert& a, std::string& out) {
  std::string severity(SeverityName(a.severity));
  for (char& c : severity) c = static_cast<char>(c - ('a' <= c && c <= 'z' ? 32 : 0));
  out += severity;
  out += ' ';
  out += EscapeForOutput(a.rule);
  out += " [";
  out.append(AlertStatusName(a.status));
  out += ']';
  for (const auto& [name, value] : a.labels) {
    out += ' ';
    out += EscapeForOutput(name);
    out += '=';
    AppendQuoted(value, out);
  }
  out += " count=";
  AppendInt(static_cast<long long>(a.count), out);
  out += " first=";
  AppendRfc3339(a.first_seen, out);
  out += " last=";
  AppendRfc3339(a.last_seen, out);
  out += ": ";
  out += EscapeForOutput(a.summary);
  if (!a.remedy.empty()) {
    std::string remedy;
    std::string_view rest = TrimSpace(a.remedy);
    // One record per line: the remedy's own lines are joined with " / ".
    while (!rest.empty()) {
      const std::size_t nl = rest.find('\n');
      const std::string_view piece = TrimSpace(rest.substr(0, nl));
      if (!piece.empty()) {
        if (!remedy.empty()) remedy += " / ";
        remedy.append(piece);
      }
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
    out += " | remedy: ";
    out += EscapeForOutput(remedy, 4 * kMaxOutputLine);
  }
  out += '\n';
}

}  // namespace sshd_health
