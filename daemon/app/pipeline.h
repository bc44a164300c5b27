#pragma once
// Pipeline: LogRecord -> SshdParser -> SshdEvent -> RuleEngine -> alerts. The one path
// every input takes (scan over files, the daemon's journal and file sources), so what
// `scan` shows is exactly what the daemon would alert.
#include <cstdint>
#include <functional>
#include <vector>

#include "core/alert.h"
#include "core/clock.h"
#include "core/log_record.h"
#include "parse/sshd_event.h"
#include "parse/sshd_parser.h"
#include "parse/unknown_lines.h"
#include "rules/rule.h"
#include "rules/rule_engine.h"

namespace sshd_health {

struct PipelineStats {
  std::uint64_t records = 0;  // records fed
  std::uint64_t events = 0;   // recognised sshd lines
  std::uint64_t unknown = 0;  // lines of sshd's programs the parser did not understand
  std::uint64_t own = 0;      // events the own-line filter claimed (our probe's lines)
  RuleEngineStats engine;
};

/// Not thread-safe: one thread feeds it (the event loop, or scan's loop).
class Pipeline {
 public:
  /// Called for each recognised event before the rules see it (scan --events, counters).
  using EventObserver = std::function<void(const SshdEvent&)>;
  /// True for an event the rules must never see: a line our own liveness probe caused
  /// (app/own_probe_lines.h). Called before the observer; a claimed event reaches neither.
  using OwnLineFilter = std::function<bool(const SshdEvent&)>;

  /// `clock` (for lines without a timestamp and for Expire) must outlive the pipeline.
  Pipeline(std::vector<Rule> rules, const Clock& clock, std::size_t max_groups = 100'000);

  void Process(const LogRecord& record, AlertSink& alerts,
               const EventObserver* observer = nullptr) {
    ++records_;
    // Inline up to here: another program's line (most of a syslog file) costs no call.
    const SshdParser::Source source = SshdParser::SourceOf(record);
    if (source == SshdParser::Source::kOther) {
      parser_.OtherLine();
      return;
    }
    ProcessOwn(record, source, alerts, observer);
  }
  void Expire(TimePoint now, AlertSink& alerts);
  void SetOwnLineFilter(OwnLineFilter filter) { own_filter_ = std::move(filter); }
  /// Called for each line of sshd's programs the parser did not understand (the daemon's
  /// per-host count of them).
  using UnknownObserver = std::function<void(const LogRecord&)>;
  void SetUnknownObserver(UnknownObserver observer) { unknown_observer_ = std::move(observer); }
  /// A reload's new rules; unchanged ones keep their state (RuleEngine::ReplaceRules).
  RuleReplacement ReplaceRules(std::vector<Rule> rules) {
    return engine_.ReplaceRules(std::move(rules));
  }

  /// The rules' first_seen memories (RuleEngine::SaveMemory / LoadMemory).
  std::string SaveMemory() const { return engine_.SaveMemory(); }
  Result<std::size_t> LoadMemory(std::string_view record) { return engine_.LoadMemory(record); }
  std::uint64_t memory_version() const { return engine_.memory_version(); }

  PipelineStats stats() const;
  const RuleEngine& engine() const { return engine_; }
  /// The lines of sshd's programs not understood so far (bounded shapes and samples).
  const UnknownLines& unknown() const { return unknown_; }
  UnknownLines& unknown() { return unknown_; }

 private:
  /// Bounds the work one line can cause (rsyslog's N is not ours to trust blindly).
  static constexpr int kMaxRepeat = 100'000;

  // Process's work for a line of sshd's programs (or of journald, about them or not).
  void ProcessOwn(const LogRecord& record, SshdParser::Source source, AlertSink& alerts,
                  const EventObserver* observer);

  SshdParser parser_;
  SshdEvent event_;  // reused for every record: its strings keep their capacity
  RuleEngine engine_;
  UnknownLines unknown_;
  std::uint64_t records_ = 0;
  std::uint64_t events_ = 0;
  std::uint64_t own_ = 0;
  OwnLineFilter own_filter_;
  UnknownObserver unknown_observer_;
};

}  // namespace sshd_health
