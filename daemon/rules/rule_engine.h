#pragma once
// RuleEngine: events in, alerts out. Pure given a clock: time comes from the event's
// timestamp (or the injected Clock for lines that carry none), never from the wall clock
// inside a rule. Per-group state is bounded (max_groups per rule, oldest evicted, counted) and
// expires, so memory returns to its floor after an attack wave.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/alert.h"
#include "core/clock.h"
#include "core/result.h"
#include "parse/sshd_event.h"
#include "rules/rule.h"

namespace sshd_health {

struct RuleEngineStats {
  std::uint64_t events = 0;
  std::uint64_t alerts = 0;
  std::uint64_t groups = 0;                // live groups now
  std::uint64_t evictions = 0;             // groups dropped because max_groups was reached
  std::uint64_t folded = 0;                // firing alerts the storm guard folded into a summary
  std::uint64_t first_seen_keys = 0;       // keys in the first_seen memories
  std::uint64_t first_seen_forgotten = 0;  // keys they forgot to stay bounded
  std::uint64_t hosts = 0;                 // origin hosts seen (this machine counts as one)
};

/// What ReplaceRules did: rules whose state was kept, rules started afresh.
struct RuleReplacement {
  std::size_t kept = 0;
  std::size_t reset = 0;
};

/// Not thread-safe: call from one thread (the event loop, or scan's loop).
class RuleEngine {
 public:
  /// The storm guard's default: past this many firing alerts of one rule in one minute,
  /// the rest of the minute's are folded into one summary alert.
  static constexpr std::uint32_t kDefaultStormLimit = 100;

  /// `clock` must outlive the engine.
  RuleEngine(std::vector<Rule> rules, const Clock& clock, std::size_t max_groups = 100'000);
  ~RuleEngine();
  RuleEngine(const RuleEngine&) = delete;
  RuleEngine& operator=(const RuleEngine&) = delete;

  /// Feeds one event; emits a firing alert when a rule's threshold is reached (then
  /// stays quiet for that group for `cooldown`).
  void Observe(const SshdEvent& event, AlertSink& sink);

  /// Drops state older than each rule's window as of `now`, and emits resolved alerts
  /// for groups that fired and have been quiet for their cooldown.
  void Expire(TimePoint now, AlertSink& sink);

  /// Replaces the rules (a reload). A rule equal (Rule::operator==) to a running one takes
  /// over that one's groups: window counts, firing state and cooldowns, so a reload
  /// neither forgets an attack in progress nor re-sends its alert. A changed or new rule
  /// starts afresh; the groups of changed and removed rules are dropped without resolved
  /// alerts (a changed rule that still sees the attack fires again under the same id).
  RuleReplacement ReplaceRules(std::vector<Rule> rules);

  /// Sets the storm guard's limit per rule and minute; 0 turns it off.
  void SetStormLimit(std::uint32_t per_minute);

  /// The first_seen rules' memories as one record for the state store ("" when no rule
  /// has one). Text: a header, the hash key, then per memory a "memory" line and its
  /// "HASH SECONDS" entries; no text from log lines.
  std::string SaveMemory() const;
  /// Restores SaveMemory's record (call before the first event: the memories so far are
  /// replaced). Memories of rules no longer loaded are skipped. Returns how many were
  /// restored, or what is wrong with the record.
  Result<std::size_t> LoadMemory(std::string_view record);
  /// Changes whenever a memory may have changed: the caller saves when it differs from
  /// the value at its last save.
  std::uint64_t memory_version() const;

  const std::vector<Rule>& rules() const;
  RuleEngineStats stats() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace sshd_health
