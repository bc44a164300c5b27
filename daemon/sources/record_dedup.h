#pragma once
// RecordDedup: with journald and auth.log followed at once, rsyslog's copy of a journal
// entry must not be reported twice. Two records from different sources are the same when
// program, pid and message are equal and their times are at most kSlack apart (syslog
// files have whole seconds; rsyslog stamps when it received the entry). Memory is bounded:
// at most `capacity` recent records, none older than `window` before the newest.
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <unordered_map>

#include "core/clock.h"
#include "core/log_record.h"

namespace sshd_health {

/// Not thread-safe.
class RecordDedup {
 public:
  static constexpr auto kSlack = std::chrono::seconds(2);

  explicit RecordDedup(std::size_t capacity = 8192, Duration window = std::chrono::seconds(30));

  /// True when `record` repeats one seen from another source (that one is then
  /// forgotten, so a third copy counts again). Records without a time never match.
  bool IsDuplicate(int source_id, const LogRecord& record);

  std::size_t size() const { return order_.size(); }

 private:
  struct Entry {
    int source = 0;
    std::int64_t seconds = 0;
    std::uint64_t seq = 0;
  };
  void Evict(std::int64_t newest);

  std::size_t capacity_;
  std::int64_t window_seconds_;
  std::uint64_t next_seq_ = 0;
  std::int64_t newest_ = 0;
  std::unordered_multimap<std::uint64_t, Entry> entries_;
  std::deque<std::pair<std::uint64_t, Entry>> order_;  // oldest first
};

}  // namespace sshd_health
