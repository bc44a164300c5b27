#include "app/scan_output.h"

#include <array>
#include <charconv>

#include "core/severity.h"
#include "core/text.h"
#include "core/time_format.h"

namespace sshd_health {
namespace {

// True when EscapeForOutput would return `text` unchanged and JSON needs no escape:
// printable ASCII but the quote and the backslash, within the output bound. Almost every
// log line is; the loop has no early exit so the compiler can vectorise it.
bool IsPlain(std::string_view text) {
  if (text.size() > kMaxOutputLine) return false;
  unsigned bad = 0;
  for (const char ch : text) {
    const auto c = static_cast<unsigned char>(ch);
    bad |= static_cast<unsigned>(c < 0x20) | static_cast<unsigned>(c >= 0x7f) |
           static_cast<unsigned>(c == '"') | static_cast<unsigned>(c == '\\');
  }
  return bad == 0;
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

// A quoted value for the text format: escaped for output, and a quote inside becomes \"
// so a user name such as `x" ip=1.2.3.4` stays visibly inside its quotes. Backslashes are
// left alone: the text form is for people; JSON is the exact one.
void AppendQuoted(std::string_view text, std::string& out) {
  out += '"';
  for (const char c : EscapeForOutput(text)) {
    if (c == '"') out += '\\';
    out += c;
  }
  out += '"';
}

}  // namespace

void AppendJsonStringBody(std::string_view text, std::string& out) {
  if (IsPlain(text)) {
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
  if (!e.host.empty()) {  // the origin host: on a central log host, one of many
    key("host");
    out += '"';
    AppendJsonStringBody(e.host, out);
    out += '"';
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
    AppendEscapedForOutput(e.ip, out);  // an address or a host name as sshd logged it
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
  AppendEscapedForOutput(e.line, out);
  out += '\n';
}

void AppendAlertJson(const Alert& alert, std::string& out) {
  out += AlertToJsonLine(alert);
  out += '\n';
}

void AppendAlertText(const Alert& a, std::string& out) {
  for (const char c : SeverityName(a.severity))
    out += static_cast<char>(c - ('a' <= c && c <= 'z' ? 32 : 0));
  out += ' ';
  AppendEscapedForOutput(a.rule, out);
  out += " [";
  out.append(AlertStatusName(a.status));
  out += ']';
  // Another machine's alert (a copied log, a central log host's file) says whose; this
  // machine's own alerts read as they always did.
  if (a.host != LocalHostName()) {
    out += " host=";
    AppendQuoted(a.host, out);
  }
  for (const auto& [name, value] : a.labels) {
    out += ' ';
    AppendEscapedForOutput(name, out);
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
  AppendEscapedForOutput(a.summary, out);
  out += '\n';
  // The remedy is commands to copy: its lines stay lines, indented under the record.
  std::string_view rest = a.remedy;
  while (!rest.empty()) {
    const std::size_t nl = rest.find('\n');
    const std::string_view piece = rest.substr(0, nl);
    if (!TrimSpace(piece).empty()) {
      out += "    ";
      AppendEscapedForOutput(piece, out);
      out += '\n';
    }
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
}

void AppendUnknownLines(const UnknownLines& unknown, bool json, std::string& out) {
  for (const UnknownLines::Shape& shape : unknown.Shapes()) {
    if (json) {
      out += "{\"count\":";
      out += std::to_string(shape.count);
      out += ",\"shape\":\"";
      AppendJsonStringBody(shape.shape, out);
      out += "\",\"samples\":[";
      for (std::size_t i = 0; i < shape.samples.size(); ++i) {
        if (i > 0) out += ',';
        out += '"';
        AppendJsonStringBody(shape.samples[i], out);
        out += '"';
      }
      out += "]}\n";
    } else {
      out += std::to_string(shape.count);
      out += "  ";
      out += EscapeForOutput(shape.shape);
      out += '\n';
      for (const std::string& sample : shape.samples) {
        out += "    e.g. ";
        out += EscapeForOutput(sample);
        out += '\n';
      }
    }
  }
  if (unknown.overflow() > 0 && !json) {
    out += std::to_string(unknown.overflow());
    out += "  (lines of further shapes, not kept)\n";
  }
}

}  // namespace sshd_health
