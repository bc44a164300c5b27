#include "app/why/why_render.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "core/time_format.h"

namespace sshd_health::why {
namespace {

std::string Time(TimePoint t) { return t == TimePoint{} ? "-" : FormatRfc3339(t); }

std::string Who(const ClientQuery& q) {
  std::string who;
  if (!q.ip.empty()) who += "ip=" + q.ip;
  if (!q.user.empty())
    who += std::string(who.empty() ? "" : " ") + "user=" + EscapeForOutput(q.user, 200);
  return who;
}

void Indented(std::string& out, std::string_view text, std::string_view indent) {
  while (!text.empty()) {
    const auto nl = text.find('\n');
    out += indent;
    out += text.substr(0, nl);
    out += '\n';
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
}

}  // namespace

std::string DiagnosisToText(const Diagnosis& d) {
  std::string out =
      fmt::format("sshd-health why: {} since {} ({} log lines read, {} in the window)\n\n",
                  Who(d.query), Time(d.query.since), d.records, d.in_window);
  if (d.causes.empty()) {
    out += "No server-side cause found: nothing on this server explains a failed login.\n";
  }
  for (std::size_t i = 0; i < d.causes.size(); ++i) {
    const Cause& c = d.causes[i];
    out += fmt::format("{} {}  [{}{}]\n", i == 0 ? "Most likely:" : fmt::format("{}.", i + 1),
                       c.summary, c.id, c.source.empty() ? "" : ", " + c.source);
    if (c.last_seen != TimePoint{}) {
      out += fmt::format("  {} line(s), last at {}\n", c.count, Time(c.last_seen));
    }
    out += "  evidence:\n";
    for (const auto& line : c.evidence) Indented(out, line, "    ");
    if (!c.remedy.empty()) {
      out += "  remedy:\n";
      Indented(out, c.remedy, "    ");
    }
    out += "\n";
  }
  out += "Ruled out:\n";
  for (const RuledOut& r : d.ruled_out) {
    out += fmt::format("  - {}: {}{}\n", r.what, r.unknown ? "unknown, " : "", r.why);
  }
  if (!d.client_side.empty()) {
    out += "\nOn the client, try:\n";
    for (const auto& s : d.client_side) Indented(out, s, "  ");
  }
  out += "\nWhat sshd logged about it (by kind, in order of first appearance):\n";
  if (d.logged.empty()) out += "  nothing\n";
  for (const LoggedKind& k : d.logged) {
    out += fmt::format("  {} x{} ({} .. {})\n", EventKindName(k.kind), k.count, Time(k.first),
                       Time(k.last));
    for (const auto& line : k.lines) Indented(out, line, "    ");
  }
  out += "\nEffective settings (" + d.effective_source + "):\n";
  // The algorithm lists are long; they matter when a negotiation failed.
  const bool negotiation = std::any_of(d.causes.begin(), d.causes.end(), [](const Cause& c) {
    return c.id == "logged.kex_negotiation";
  });
  for (const auto& [k, v] : d.effective) {
    const bool list = k == "kexalgorithms" || k == "ciphers" || k == "macs" ||
                      k == "hostkeyalgorithms" || k == "pubkeyacceptedalgorithms";
    if (!list || negotiation) out += "  " + k + " " + v + "\n";
  }
  if (!negotiation) out += "  (algorithm lists: --format json)\n";
  return out;
}

nlohmann::json DiagnosisToJson(const Diagnosis& d) {
  using nlohmann::json;
  json query = {{"since", Time(d.query.since)}};
  if (!d.query.ip.empty()) query["ip"] = d.query.ip;
  if (!d.query.user.empty()) query["user"] = EscapeForOutput(d.query.user, 200);
  json causes = json::array();
  for (const Cause& c : d.causes) {
    json j = {{"id", c.id},           {"source", c.source},     {"score", c.score},
              {"summary", c.summary}, {"evidence", c.evidence}, {"remedy", c.remedy},
              {"count", c.count}};
    if (c.last_seen != TimePoint{}) j["last_seen"] = Time(c.last_seen);
    causes.push_back(std::move(j));
  }
  json ruled_out = json::array();
  for (const RuledOut& r : d.ruled_out) {
    ruled_out.push_back({{"what", r.what}, {"why", r.why}, {"unknown", r.unknown}});
  }
  json logged = json::array();
  for (const LoggedKind& k : d.logged) {
    logged.push_back({{"kind", EventKindName(k.kind)},
                      {"count", k.count},
                      {"first", Time(k.first)},
                      {"last", Time(k.last)},
                      {"lines", k.lines}});
  }
  json checks = json::array();
  for (const CheckReport& c : d.checks) {
    checks.push_back({{"check", c.check},
                      {"status", CheckStatusName(c.status)},
                      {"detail", EscapeForOutput(c.detail)}});
  }
  return {{"schema", 1},
          {"query", std::move(query)},
          {"verdict", d.causes.empty() ? "no_server_side_cause" : "cause_found"},
          {"causes", std::move(causes)},
          {"ruled_out", std::move(ruled_out)},
          {"client_side", d.client_side},
          {"logged", std::move(logged)},
          {"effective", d.effective},
          {"effective_source", d.effective_source},
          {"checks", std::move(checks)},
          {"read", {{"records", d.records}, {"in_window", d.in_window}}}};
}

}  // namespace sshd_health::why
