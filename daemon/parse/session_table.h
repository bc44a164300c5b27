#pragma once
// SessionTable: what the parser remembers per sshd process (PID), so that lines naming
// no client ("Disconnecting: Too many authentication failures for git [preauth]",
// "User root not allowed because account is locked", "kex_exchange_identification: ...")
// are attributed to the address the same PID logged earlier - as fail2ban does.
#include <array>
#include <cstdint>
#include <list>
#include <string>
#include <string_view>
#include <unordered_map>

#include "parse/log_record.h"

namespace sshd_health {

/// Bounded: at most kMaxSessions entries; the least recently touched goes first, and a
/// disconnect line drops its entry. Keyed by (host, pid) so aggregated logs of several
/// machines do not mix. Records with pid 0 are never remembered. Not thread-safe.
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

  std::size_t size() const { return by_key_.size(); }

 private:
  static std::uint64_t Key(const LogRecord& record);

  std::list<Entry> lru_;  // front = most recently touched
  std::unordered_map<std::uint64_t, std::list<Entry>::iterator> by_key_;
  std::array<std::string, kMaxLocalAddresses> local_;
  std::size_t local_next_ = 0;
};

}  // namespace sshd_health
