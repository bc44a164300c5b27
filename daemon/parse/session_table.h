#pragma once
// SessionTable: what the parser remembers per sshd process (PID), so that lines naming
// no client ("Disconnecting: Too many authentication failures for git [preauth]",
// "User root not allowed because account is locked", "kex_exchange_identification: ...")
// are attributed to the address the same PID logged earlier - as fail2ban does.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/hash_index.h"
#include "core/log_record.h"

namespace sshd_health {

/// Bounded: at most kMaxSessions entries; the least recently touched goes first, and a
/// disconnect line drops its entry. Keyed by (host, pid) so aggregated logs of several
/// machines do not mix. Records with pid 0 are never remembered. Not thread-safe.
///
/// Most sshd lines touch this table, so it is flat: a fixed array of entries linked in
/// LRU order by index, found through a HashIndex. A recycled entry keeps its strings'
/// capacity: no allocation per connection once the table has warmed up.
class SessionTable {
 public:
  static constexpr std::size_t kMaxSessions = 4096;
  static constexpr std::size_t kMaxLocalAddresses = 16;

  struct Entry {
    std::uint64_t key = 0;
    std::string ip;  // normalised address or host name
    int port = 0;
    std::string user;
    bool authenticated = false;  // an "Accepted ..." line was seen
  };

  SessionTable();

  /// The entry of the record's PID, or nullptr. The pointer is valid until the next
  /// Touch or Forget.
  const Entry* Find(const LogRecord& record) const;
  /// The record's entry, created (evicting the oldest when full) if absent and marked
  /// most recent; nullptr when the record has no pid.
  Entry* Touch(const LogRecord& record);
  /// Drops the record's entry, if any.
  void Forget(const LogRecord& record);

  /// Remembers one of the server's own addresses ("... on <addr> port 22", "Server
  /// listening on <addr>"), so that a line naming two addresses never blames it. Keeps
  /// the last kMaxLocalAddresses.
  void AddLocal(std::string_view addr);
  bool IsLocal(std::string_view addr) const;

  std::size_t size() const { return index_.size(); }

 private:
  static constexpr std::uint32_t kNil = UINT32_MAX;

  struct Node {
    Entry entry;
    std::uint32_t prev = kNil;  // towards the most recent
    std::uint32_t next = kNil;  // towards the oldest
  };

  std::uint64_t Key(const LogRecord& record) const;
  static std::uint32_t IndexHash(std::uint64_t key) {
    return static_cast<std::uint32_t>(HashMix(key));
  }
  std::uint32_t FindSlot(std::uint64_t key) const;
  void Unlink(std::uint32_t slot);
  void PushFront(std::uint32_t slot);

  std::vector<Node> nodes_;          // grows to kMaxSessions, never shrinks
  std::vector<std::uint32_t> free_;  // nodes not in use
  HashIndex index_;                  // key -> node
  std::uint32_t head_ = kNil;        // most recently touched
  std::uint32_t tail_ = kNil;        // least recently touched
  // The host part of the key for the last host seen: a log nearly always names one host,
  // and the parser asks several times per line.
  mutable std::string last_host_;  // starts as "" with its hash
  mutable std::uint64_t last_host_hash_ = KeyHash("");
  std::array<std::string, kMaxLocalAddresses> local_;
  std::size_t local_next_ = 0;
};

}  // namespace sshd_health
