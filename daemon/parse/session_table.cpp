#include "parse/session_table.h"

#include <functional>

namespace sshd_health {

std::uint64_t SessionTable::Key(const LogRecord& record) {
  return (static_cast<std::uint64_t>(std::hash<std::string_view>{}(record.host)) << 32) ^
         static_cast<std::uint32_t>(record.pid);
}

const SessionTable::Entry* SessionTable::Find(const LogRecord& record) const {
  if (record.pid == 0) return nullptr;
  const auto it = by_key_.find(Key(record));
  return it == by_key_.end() ? nullptr : &*it->second;
}

SessionTable::Entry* SessionTable::Touch(const LogRecord& record) {
  if (record.pid == 0) return nullptr;
  const std::uint64_t key = Key(record);
  if (const auto it = by_key_.find(key); it != by_key_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return &lru_.front();
  }
  if (by_key_.size() >= kMaxSessions) {
    by_key_.erase(lru_.back().key);
    lru_.pop_back();
  }
  lru_.push_front(Entry{key, {}, 0, {}, false});
  by_key_.emplace(key, lru_.begin());
  return &lru_.front();
}

void SessionTable::Forget(const LogRecord& record) {
  if (record.pid == 0) return;
  if (const auto it = by_key_.find(Key(record)); it != by_key_.end()) {
    lru_.erase(it->second);
    by_key_.erase(it);
  }
}

void SessionTable::AddLocal(std::string_view addr) {
  if (IsLocal(addr)) return;
  local_[local_next_] = std::string(addr);
  local_next_ = (local_next_ + 1) % local_.size();
}

bool SessionTable::IsLocal(std::string_view addr) const {
  for (const auto& l : local_) {
    if (!l.empty() && l == addr) return true;
  }
  return false;
}

}  // namespace sshd_health
