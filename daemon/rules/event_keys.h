#pragma once
// EventKeys: the group keys of one event, each computed once. Several rules count by the
// same key (four rules by a failure's ip/32/64); computing an address prefix and hashing
// it once per event, not once per rule, keeps the engine's cost per event close to one
// rule's. Keys are registered when the rules are indexed; the values are computed on
// first use within an event and dropped by the next event.
//
// Hosts: an event's origin host is its `host`, or this machine's name when the line named
// none. A key registered `per_host` has the origin host added as a last part, "\0host",
// except for this machine's own events: on a single host every key (and so every alert
// id) is what it was before hosts were counted, and on a central log host two machines'
// events never share a group.
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/alert.h"      // LocalHostName
#include "core/text_scan.h"  // SameText
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

  /// `max_bytes`: each part's value is cut to this length. `local_host`: this machine's
  /// name, the origin of events that name no host.
  explicit EventKeys(std::size_t max_bytes, std::string local_host = LocalHostName())
      : max_bytes_(max_bytes), local_host_(std::move(local_host)) {}

  /// The id of `key` (with the origin host as a hidden last part when `per_host`), the
  /// same for equal registrations. Invalidates nothing registered before.
  std::uint32_t Register(const GroupKey& key, bool per_host = false);
  /// Forgets the previous event's values.
  void NewEvent() { ++event_; }
  /// The value of key `id` in `e` (the event since the last NewEvent).
  const Value& Get(std::uint32_t id, const SshdEvent& e);

  /// The event's origin host: its host cut at a NUL (a key separator) and to max_bytes,
  /// or the local host when it named none. Valid until the origin host changes (a copy
  /// kept by this object, not a view of `e`).
  std::string_view OriginHost(const SshdEvent& e) const {
    // Once per event: every per-host key of a remote event asks (a scan of a log copied
    // from another machine asks for every event).
    if (origin_event_ != event_) {
      origin_event_ = event_;
      // The same host text as the last event's: the run of one host's lines goes on.
      if (origin_run_ == 0 || !scan::SameText(e.host, raw_host_)) NewOrigin(e);
    }
    return origin_;
  }
  /// Changes exactly when an event's origin host may differ from the previous event's:
  /// what is derived from the origin host alone (its hash, the hosts seen) is computed
  /// again only then.
  std::uint64_t OriginRun(const SshdEvent& e) const {
    OriginHost(e);
    return origin_run_;
  }
  /// True when the origin host is another machine than this one.
  bool IsRemote(const SshdEvent& e) const {
    OriginHost(e);
    return remote_;
  }
  const std::string& local_host() const { return local_host_; }

 private:
  struct Slot {
    GroupKey key;
    bool per_host = false;
    bool plain = false;  // one whole ip or user: the value is the field itself, no copy
    // The origin host alone (`distinct: host`, the fleet rule's value on every failed
    // login): the value is OriginHost, its hash computed once per run of one host's lines.
    bool host_only = false;
    // One ip part with a prefix ("ip/24/64", "ip/32/64": IPv6 by /64): for a family the
    // prefix leaves whole the value is the address itself, as for plain "ip"; else the
    // network, shared with the other slots that cut this event's address alike.
    bool ip_part = false;
    std::uint64_t event = 0;
    std::string text;
    Value value;
  };
  // The whole address as a key, shared by the plain ip slot and the ip_part slots whose
  // value is the address itself: several rules count by ip and by ip/32/64, and for IPv4
  // (nearly every source) those are the same text, hashed once per event.
  const Value& WholeIp(const SshdEvent& e);
  // The same for another machine's event in a per-host key: the address, NUL, its host.
  const Value& WholeIpOnHost(const SshdEvent& e);
  // The event's address cut to `bits` of its family (v6: IPv6), computed once per event
  // for each cut: "ip/24/64" and "ip/32/64" take an IPv6 address's /64 alike, and an
  // IPv6 network costs a parse and a format.
  const Value& IpPrefix(const SshdEvent& e, bool v6, int bits);

  std::size_t max_bytes_;
  std::string local_host_;
  std::uint64_t event_ = 1;
  std::uint64_t whole_ip_event_ = 0;
  Value whole_ip_;
  // KeyHash of the origin host, computed once per run (origin_hash_run_ == origin_run_).
  std::uint64_t OriginHash(const SshdEvent& e);
  std::uint64_t origin_hash_run_ = 0;
  std::uint64_t origin_hash_ = 0;
  std::uint64_t prefix_event_ = 0;
  bool prefix_v6_ = false;
  int prefix_bits_ = 0;
  std::string prefix_text_;
  Value prefix_;
  std::uint64_t whole_ip_host_event_ = 0;
  std::string whole_ip_host_text_;  // a buffer: the value is its first bytes
  Value whole_ip_host_;
  // A new run: the origin host of `e`, whose host differs from the last event's.
  void NewOrigin(const SshdEvent& e) const;

  // OriginHost's answer for the current event: a view of raw_host_ or local_host_.
  mutable std::uint64_t origin_event_ = 0;
  mutable std::string_view origin_;
  mutable bool remote_ = false;
  // The last event's host as the line gave it. A log comes in runs of one host's lines
  // (a server's own log names one host on every line): an event whose host is the same
  // text has the same origin, decided once per run, not cut, searched and compared with
  // this machine's name for every event.
  mutable std::string raw_host_;
  mutable std::uint64_t origin_run_ = 0;  // 0: no event yet
  std::vector<Slot> slots_;
};

}  // namespace sshd_health
