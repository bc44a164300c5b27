#pragma once
// FirstSeenMemory: which keys (a user with a source network, a user with a key
// fingerprint) a first_seen rule has seen, and when last. Keys are kept as SipHash-2-4
// values under a secret key (keyed_hash.h), not as text: the memory holds no attacker
// text, costs 8 bytes a key plus the time, and a key cannot be crafted to pass for a
// known one. Bounded: past max_keys the oldest eighth is forgotten (counted). The clock
// is the caller's (event times), so the memory is as pure as the engine.
#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/clock.h"
#include "rules/keyed_hash.h"

namespace sshd_health {

class FirstSeenMemory {
 public:
  enum class Verdict { kLearning, kKnown, kNew };

  explicit FirstSeenMemory(std::size_t max_keys) : max_keys_(std::max<std::size_t>(max_keys, 8)) {}

  /// Records `key` (already hashed) as seen at `now`. kNew when it was not seen within
  /// `remember` and the memory has learned for `learn` since its first key; kLearning
  /// while it is still learning (nothing should fire); else kKnown.
  Verdict See(std::uint64_t key, TimePoint now, Duration remember, Duration learn);

  std::size_t size() const { return last_.size(); }
  std::size_t max_keys() const { return max_keys_; }
  std::uint64_t forgotten() const { return forgotten_; }
  /// The time of the first key ever recorded (epoch seconds), or nullopt.
  std::optional<std::int64_t> started() const {
    return started_ == kNever ? std::nullopt : std::optional<std::int64_t>(started_);
  }

  /// Appends the entries, one "HASH SECONDS" line each (hex hash, decimal epoch seconds).
  void AppendEntries(std::string& out) const;
  /// Restores what a saved record said. `entries` is AppendEntries' text. False on a
  /// malformed line (the memory is then left empty: better to learn again than to trust
  /// half a file).
  bool Restore(std::int64_t started, std::uint64_t forgotten, std::string_view entries);

 private:
  static constexpr std::int64_t kNever = INT64_MIN;
  void ForgetOldest();

  std::size_t max_keys_;
  std::unordered_map<std::uint64_t, std::int64_t> last_;  // key hash -> last seen (s)
  std::int64_t started_ = kNever;
  std::uint64_t forgotten_ = 0;
};

}  // namespace sshd_health
