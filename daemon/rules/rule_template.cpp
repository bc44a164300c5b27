#include "rules/rule_template.h"

#include <fmt/format.h>

#include <array>

#include "core/text.h"

namespace sshd_health {
namespace {

constexpr std::array kFields = {
    TemplateFieldInfo{TemplateField::kIp, "ip", "source address, or the host name sshd logged"},
    TemplateFieldInfo{TemplateField::kUser, "user",
                      "user name as logged (attacker-controlled, escaped)"},
    TemplateFieldInfo{TemplateField::kPort, "port", "source port"},
    TemplateFieldInfo{TemplateField::kPid, "pid", "pid of the sshd process that logged the line"},
    TemplateFieldInfo{TemplateField::kDetail, "detail",
                      "kind-specific text: the client's offer, a file path, the fatal error..."},
    TemplateFieldInfo{TemplateField::kKind, "kind", "event kind of the last matching line"},
    TemplateFieldInfo{TemplateField::kCount, "count", "events counted for this alert"},
    TemplateFieldInfo{TemplateField::kThreshold, "threshold", "the rule's threshold"},
    TemplateFieldInfo{TemplateField::kWindow, "window", "the rule's window, e.g. 10m"},
    TemplateFieldInfo{TemplateField::kCooldown, "cooldown", "the rule's cooldown, e.g. 30m"},
    TemplateFieldInfo{TemplateField::kRule, "rule", "the rule id"},
    TemplateFieldInfo{
        TemplateField::kHost, "host",
        "the host that logged the events (this machine for a rule counting across hosts)"},
    TemplateFieldInfo{TemplateField::kFingerprint, "fingerprint",
                      "the key fingerprint of an accepted publickey login (SHA256:...)"},
};

std::string KnownFields() {
  std::string out;
  for (const auto& f : kFields) out += fmt::format("{}{{{}}}", out.empty() ? "" : " ", f.name);
  return out;
}

void AppendValue(std::string& out, std::string_view value) {
  if (value.empty()) {
    out += '-';
    return;
  }
  out += EscapeForOutput(value, kMaxTemplateValue);
}

void AppendNumber(std::string& out, std::uint64_t n, bool zero_is_empty) {
  if (n == 0 && zero_is_empty) {
    out += '-';
    return;
  }
  fmt::format_to(std::back_inserter(out), "{}", n);
}

}  // namespace

std::span<const TemplateFieldInfo> AllTemplateFields() { return kFields; }

std::string FormatDuration(Duration d) {
  const auto ms = d.count();
  if (ms == 0) return "0s";
  if (ms % 86'400'000 == 0) return fmt::format("{}d", ms / 86'400'000);
  if (ms % 3'600'000 == 0) return fmt::format("{}h", ms / 3'600'000);
  if (ms % 60'000 == 0) return fmt::format("{}m", ms / 60'000);
  if (ms % 1000 == 0) return fmt::format("{}s", ms / 1000);
  return fmt::format("{}ms", ms);
}

Result<RuleTemplate> RuleTemplate::Parse(std::string_view text) {
  RuleTemplate t;
  std::string literal;
  auto flush = [&] {
    if (literal.empty()) return;
    t.pieces_.push_back(Piece{false, {}, std::move(literal)});
    literal.clear();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        literal += '}';
        ++i;
        continue;
      }
      return Fail(fmt::format("lone '}}' at offset {} (write '}}}}' for a literal brace)", i));
    }
    if (c != '{') {
      literal += c;
      continue;
    }
    if (i + 1 < text.size() && text[i + 1] == '{') {
      literal += '{';
      ++i;
      continue;
    }
    const std::size_t close = text.find('}', i + 1);
    if (close == std::string_view::npos) {
      return Fail(fmt::format("unclosed '{{' at offset {} (write '{{{{' for a literal brace)", i));
    }
    const std::string_view name = text.substr(i + 1, close - i - 1);
    const TemplateFieldInfo* found = nullptr;
    for (const auto& f : kFields) {
      if (f.name == name) found = &f;
    }
    if (!found) {
      return Fail(fmt::format("unknown placeholder '{{{}}}' (known: {})", EscapeForOutput(name, 64),
                              KnownFields()));
    }
    flush();
    t.pieces_.push_back(Piece{true, found->field, {}});
    i = close;
  }
  flush();
  return t;
}

std::string RuleTemplate::Render(const TemplateValues& v) const {
  std::string out;
  for (const Piece& p : pieces_) {
    if (!p.is_field) {
      out += p.text;
      continue;
    }
    switch (p.field) {
      case TemplateField::kIp:
        AppendValue(out, v.ip);
        break;
      case TemplateField::kUser:
        AppendValue(out, v.user);
        break;
      case TemplateField::kDetail:
        AppendValue(out, v.detail);
        break;
      case TemplateField::kKind:
        AppendValue(out, v.kind);
        break;
      case TemplateField::kRule:
        AppendValue(out, v.rule);
        break;
      case TemplateField::kHost:
        AppendValue(out, v.host);
        break;
      case TemplateField::kFingerprint:
        AppendValue(out, v.fingerprint);
        break;
      case TemplateField::kWindow:
        AppendValue(out, v.window);
        break;
      case TemplateField::kCooldown:
        AppendValue(out, v.cooldown);
        break;
      case TemplateField::kPort:
        AppendNumber(out, static_cast<std::uint64_t>(v.port > 0 ? v.port : 0), true);
        break;
      case TemplateField::kPid:
        AppendNumber(out, static_cast<std::uint64_t>(v.pid > 0 ? v.pid : 0), true);
        break;
      case TemplateField::kCount:
        AppendNumber(out, v.count, false);
        break;
      case TemplateField::kThreshold:
        AppendNumber(out, v.threshold, false);
        break;
    }
  }
  return out;
}

}  // namespace sshd_health
