#pragma once
// Real sshd lines for rule tests: the catalogue's generated samples
// (tests/data/openssh/samples.tsv), with the address or user swapped where a test needs
// several sources, fed through the real parser into a real engine.
#include <catch2/catch.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "../parse/catalogue_samples.h"
#include "core/clock.h"
#include "core/log_record.h"
#include "parse/sshd_parser.h"
#include "recording_sink.h"
#include "rules/rule_engine.h"
#include "rules/rule_loader.h"

namespace sshd_health::test {

/// The sample message of `kind` whose text contains `part` (the first one).
inline std::string SampleLine(const std::string& kind, const std::string& part) {
  static const std::vector<Sample> samples = LoadSamples();
  for (const Sample& s : samples) {
    if (s.kind == kind && s.message.find(part) != std::string::npos) return s.message;
  }
  FAIL("no sample of kind " << kind << " containing '" << part << "'");
  return {};
}

/// The first sample of `kind` from an IPv4 address whose message begins with `prefix`:
/// for tests that swap the sample's own address and user (Sample::ip, Sample::user), so
/// that regenerating the catalogue's samples (other numbering) does not break them.
inline const Sample& SampleStarting(const std::string& kind, const std::string& prefix) {
  static const std::vector<Sample> samples = LoadSamples();
  for (const Sample& s : samples) {
    if (s.kind == kind && s.message.rfind(prefix, 0) == 0 && !s.ip.empty() &&
        s.ip.find(':') == std::string::npos)
      return s;
  }
  FAIL("no IPv4 sample of kind " << kind << " beginning '" << prefix << "'");
  return samples.front();
}

/// `text` with every `from` replaced by `to`.
inline std::string Swap(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

inline std::vector<Rule> ShippedRules() {
  const auto dir =
      std::filesystem::path(SSHD_HEALTH_TEST_DATA).parent_path().parent_path() / "rules";
  return LoadRules({dir.string()});
}

/// Only the shipped rules with these ids.
inline std::vector<Rule> ShippedRules(const std::vector<std::string>& ids) {
  std::vector<Rule> out;
  for (Rule& r : ShippedRules()) {
    for (const auto& id : ids) {
      if (r.id == id) out.push_back(r);
    }
  }
  REQUIRE(out.size() == ids.size());
  return out;
}

/// Parser + engine + sink, with time moved by hand per line.
struct SampleFeed {
  explicit SampleFeed(std::vector<Rule> rules,
                      TimePoint start = TimePoint(std::chrono::seconds(1'800'000'000)))
      : clock(start), engine(std::move(rules), clock) {}

  /// Feeds `message` as sshd[pid] at the clock's time; false when the parser did not
  /// recognise it (a test bug: samples are recognised).
  bool Feed(const std::string& message, int pid = 4242) {
    const std::string line = "Jan  1 00:00:00 host sshd[" + std::to_string(pid) + "]: " + message;
    LogRecord rec;
    rec.ts = clock.Now();
    rec.has_ts = true;
    rec.program = "sshd";
    rec.pid = pid;
    rec.message = message;
    rec.line = line;
    SshdEvent e;
    if (!parser.Parse(rec, e)) return false;
    engine.Observe(e, sink);
    return true;
  }

  int Firing(const std::string& rule) const { return sink.Count(rule, AlertStatus::kFiring); }
  const Alert* Last(const std::string& rule) const {
    for (auto it = sink.alerts.rbegin(); it != sink.alerts.rend(); ++it) {
      if (it->rule == rule) return &*it;
    }
    return nullptr;
  }

  ManualClock clock;
  SshdParser parser;
  RuleEngine engine;
  RecordingSink sink;
};

}  // namespace sshd_health::test
