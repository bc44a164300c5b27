#include "app/metric_family.h"

#include <fmt/format.h>

#include <cmath>

namespace sshd_health {
namespace {

// Help text escapes only backslash and newline (the format's rule for HELP lines).
std::string EscapeHelp(std::string_view help) {
  std::string out;
  for (char c : help) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else
      out += c;
  }
  return out;
}

// Counters are whole numbers: printed without an exponent up to 2^53, where a double
// still holds them exactly.
std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 9007199254740992.0)
    return fmt::format("{}", static_cast<long long>(v));
  return fmt::format("{}", v);
}

}  // namespace

MetricFamily& MetricFamily::Add(std::vector<std::string> values, double value) {
  samples.push_back({std::move(values), value});
  return *this;
}

std::string EscapeLabelValue(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '"')
      out += "\\\"";
    else if (c == '\n')
      out += "\\n";
    else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f)
      out += '_';
    else
      out += c;
  }
  return out;
}

std::string RenderExposition(const std::vector<MetricFamily>& families) {
  std::string out;
  for (const MetricFamily& f : families) {
    out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", f.name, EscapeHelp(f.help), f.name,
                       f.type == MetricType::kCounter ? "counter" : "gauge");
    for (const MetricFamily::Sample& s : f.samples) {
      out += f.name;
      if (!f.label_names.empty()) {
        out += '{';
        for (std::size_t i = 0; i < f.label_names.size(); ++i) {
          if (i) out += ',';
          out += fmt::format("{}=\"{}\"", f.label_names[i],
                             EscapeLabelValue(i < s.label_values.size() ? s.label_values[i] : ""));
        }
        out += '}';
      }
      out += ' ';
      out += FormatValue(s.value);
      out += '\n';
    }
  }
  return out;
}

}  // namespace sshd_health
