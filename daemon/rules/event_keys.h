#pragma once
// EventKeys: the group keys of one event, each computed once. Several rules count by the
// same key (four rules by a failure's ip/32/64); computing an address prefix and hashing
// it once per event, not once per rule, keeps the engine's cost per event close to one
// rule's. Keys are registered when the rules are indexed; the values are computed on
// first use within an event and dropped by the next event.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parse/sshd_event.h"
#include "rules/group_key.h"

namespace sshd_health {

class EventKeys {
 public:
  /// What one key is for one event.
  struct Value {
    std::string_view text;   // the parts joined by NUL; valid until the next NewEvent
    std::uint64_t hash = 0;  // KeyHash(text), the base of every rule's group hash
    bool complete = true;    // false when a part was empty
  };

  /// `max_bytes`: each part's value is cut to this length.
  explicit EventKeys(std::size_t max_bytes) : max_bytes_(max_bytes) {}

  /// The id of `key`, the same for equal keys. Invalidates nothing registered before.
  std::uint32_t Register(const GroupKey& key);
  /// Forgets the previous event's values.
  void NewEvent() { ++event_; }
  /// The value of key `id` in `e` (the event since the last NewEvent).
  const Value& Get(std::uint32_t id, const SshdEvent& e);

 private:
  struct Slot {
    GroupKey key;
    bool plain = false;  // one whole ip or user: the value is the field itself, no copy
    // One ip part with a prefix for one family only ("ip/32/64": IPv6 by /64): for an
    // address of the other family the value is the address itself, as for plain "ip".
    bool ip_part = false;
    std::uint64_t event = 0;
    std::string text;
    Value value;
  };
  // The whole address as a key, shared by the plain ip slot and the ip_part slots whose
  // value is the address itself: several rules count by ip and by ip/32/64, and for IPv4
  // (nearly every source) those are the same text, hashed once per event.
  const Value& WholeIp(const SshdEvent& e);

  std::size_t max_bytes_;
  std::uint64_t event_ = 1;
  std::uint64_t whole_ip_event_ = 0;
  Value whole_ip_;
  std::vector<Slot> slots_;
};

}  // namespace sshd_health
