#include "parse/session_table.h"

namespace sshd_health {

SessionTable::SessionTable() : index_(kMaxSessions) {}

std::uint64_t SessionTable::Key(const LogRecord& record) const {
  if (record.host != last_host_) {
    last_host_.assign(record.host);
    last_host_hash_ = KeyHash(last_host_);
  }
  return (last_host_hash_ << 32) ^ static_cast<std::uint32_t>(record.pid);
}

std::uint32_t SessionTable::FindSlot(std::uint64_t key) const {
  return index_.Find(IndexHash(key),
                     [&](std::uint32_t slot) { return nodes_[slot].entry.key == key; });
}

void SessionTable::Unlink(std::uint32_t slot) {
  Node& n = nodes_[slot];
  if (n.prev != kNil)
    nodes_[n.prev].next = n.next;
  else
    head_ = n.next;
  if (n.next != kNil)
    nodes_[n.next].prev = n.prev;
  else
    tail_ = n.prev;
  n.prev = n.next = kNil;
}

void SessionTable::PushFront(std::uint32_t slot) {
  Node& n = nodes_[slot];
  n.prev = kNil;
  n.next = head_;
  if (head_ != kNil) nodes_[head_].prev = slot;
  head_ = slot;
  if (tail_ == kNil) tail_ = slot;
}

const SessionTable::Entry* SessionTable::Find(const LogRecord& record) const {
  if (record.pid == 0) return nullptr;
  const std::uint32_t slot = FindSlot(Key(record));
  return slot == HashIndex::kNone ? nullptr : &nodes_[slot].entry;
}

SessionTable::Entry* SessionTable::Touch(const LogRecord& record) {
  if (record.pid == 0) return nullptr;
  const std::uint64_t key = Key(record);
  std::uint32_t slot = FindSlot(key);
  if (slot != HashIndex::kNone) {
    if (slot != head_) {
      Unlink(slot);
      PushFront(slot);
    }
    return &nodes_[slot].entry;
  }
  if (index_.size() >= kMaxSessions) {
    // Full: the least recently touched entry makes room.
    slot = tail_;
    index_.Erase(IndexHash(nodes_[slot].entry.key), slot);
    Unlink(slot);
  } else if (!free_.empty()) {
    slot = free_.back();
    free_.pop_back();
  } else {
    slot = static_cast<std::uint32_t>(nodes_.size());
    nodes_.emplace_back();
  }
  Entry& e = nodes_[slot].entry;
  e.key = key;
  e.ip.clear();  // clear(), not a fresh Entry: the strings keep their capacity
  e.port = 0;
  e.user.clear();
  e.authenticated = false;
  index_.Insert(IndexHash(key), slot);
  PushFront(slot);
  return &e;
}

void SessionTable::Forget(const LogRecord& record) {
  if (record.pid == 0) return;
  const std::uint64_t key = Key(record);
  const std::uint32_t slot = FindSlot(key);
  if (slot == HashIndex::kNone) return;
  index_.Erase(IndexHash(key), slot);
  Unlink(slot);
  free_.push_back(slot);
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
