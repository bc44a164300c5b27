#include "rules/rule_engine.h"

#include <fmt/format.h>
#include <malloc.h>

#include <algorithm>
#include <array>
#include <map>
#include <optional>
#include <string_view>
#include <unordered_set>
#include <utility>

#include "core/text.h"
#include "rules/event_keys.h"
#include "rules/evidence_ring.h"
#include "rules/first_seen_memory.h"
#include "rules/group_store.h"
#include "rules/keyed_hash.h"
#include "rules/message_test.h"
#include "rules/recent_keys.h"
#include "rules/rule_template.h"

namespace sshd_health {
namespace {

// Group keys come from log lines; bounding them bounds the state an attacker can make
// one group cost.
constexpr std::size_t kMaxKeyBytes = 256;
// Evidence lines are kept (raw) and shown (escaped) cut to this length.
constexpr std::size_t kMaxEvidenceLine = 512;
// Observe expires stale groups itself every this many events, so memory returns to its
// floor even when nobody calls Expire (scan over a long file).
constexpr std::uint32_t kSweepEvery = 4096;
// A sequence's alert shows its first earlier event, this many of the last ones, and the
// event that fired it: kMaxEvidence lines.
constexpr std::size_t kPriorShown = 3;
// A distinct group counts at most this many values (its threshold is at most 1,000; a
// firing group goes on counting sources up to here, e.g. one offer's scan wave).
constexpr std::size_t kMaxDistinctValues = 4096;
// The first line of the first_seen record (the state store's "first-seen").
constexpr std::string_view kMemoryHeader = "sshd-health first-seen 1";
// The hosts counted in RuleEngineStats::hosts: a central log host of a big fleet stays
// far below; past it the count stops (it is a number for people, no state depends on it).
constexpr std::size_t kMaxHostsCounted = 100'000;

// What a rule index entry asks of an event (by_kind holds rule | role << kRoleShift).
enum Role : std::uint32_t { kMatch = 0, kPrior = 1, kCancel = 2 };
constexpr std::uint32_t kRoleShift = 28;
constexpr std::uint32_t kRuleMask = (1u << kRoleShift) - 1;

struct RuleState {
  RuleTemplate summary;
  RuleTemplate remedy;
  std::string window_text;
  std::string cooldown_text;
  MessageTest regex;
  MessageTest not_regex;
  GroupKey key;  // group_by as parts (from group_by for rules built in code)
  // The origin host is a hidden last part of the key (EventKeys): per_host and group_by
  // does not name host already.
  bool hidden_host = false;
  // The alert names the event's origin host (hidden_host, or group_by names host); else
  // the rule counts across hosts and the alert names this machine, which saw them all.
  bool names_origin = false;
  // Ids in State::keys: the group key, the distinct value, the first_seen key.
  std::uint32_t key_id = 0;
  std::uint32_t distinct_id = 0;
  std::uint32_t first_seen_id = 0;
  std::uint32_t first_seen_key_id = 0;  // the same as the group's key (hidden host too)
  bool distinct_host = false;           // distinct: host
  // distinct: host, while the engine has heard from one host only (a server's own log):
  // no group could count a second host, so none is kept. `solo` holds, per group key
  // (its hash), when the lone host last sent one of the rule's events; a group made once
  // a second host speaks starts with that (State::SoloSee, SeedFromSolo).
  RecentKeys solo;
  bool key_ip_only = false;  // every part of the group key is ip: its KeyHash will do
  bool distinct_ip = false;  // distinct: ip (or ip/N): hashed as a key
  bool simple = false;       // counts events, nothing more (every rule before issue 16)
  // unless_fired, as rule indexes: the rules this one defers to, and those deferring to it.
  std::vector<std::uint32_t> unless;
  std::vector<std::uint32_t> covers;
  Duration live_for{};                // an unfired group is kept this long after its last event
  FirstSeenMemory* memory = nullptr;  // first_seen rules: their memory (owned by State)
  std::string memory_name;            // "id key": what a saved memory belongs to
  // Storm guard: firing alerts sent in the current minute, and those folded.
  std::int64_t storm_minute = INT64_MIN;
  std::uint32_t storm_sent = 0;
  std::uint64_t storm_folded = 0;
  TimePoint storm_first{};
  TimePoint storm_last{};
};

RuleTemplate CompileTemplate(const std::string& text) {
  if (auto t = RuleTemplate::Parse(text)) return std::move(*t);
  // Rules built in code skip the loader's checks; show such text literally.
  std::string literal;
  for (char c : text) {
    literal += c;
    if (c == '{' || c == '}') literal += c;
  }
  return RuleTemplate::Parse(literal).value_or(RuleTemplate{});
}

std::string_view Bounded(std::string_view s) {
  return s.substr(0, std::min(s.size(), kMaxKeyBytes));
}

GroupKey KeyOfGroupBy(GroupBy by) {
  switch (by) {
    case GroupBy::kIp:
      return {KeyPart{KeyField::kIp}};
    case GroupBy::kUser:
      return {KeyPart{KeyField::kUser}};
    case GroupBy::kNone:
      break;
  }
  return {};
}

std::string_view EvidenceLine(const SshdEvent& e) { return e.line.empty() ? e.message : e.line; }

static_assert(Group::kEvidenceRefs == kMaxEvidence);
static_assert(1 + kPriorShown + 1 == kMaxEvidence && 1 + kPriorShown <= Group::kEvidenceRefs);

// The group's first line stays; the others are the latest: an alert shows where the
// episode began and how it went on, not five lines of its end only.
void AddEvidence(Group& g, EvidenceRing::Ref ref) {
  if (g.evidence_count == g.evidence.size()) {
    std::copy(g.evidence.begin() + 2, g.evidence.end(), g.evidence.begin() + 1);
    --g.evidence_count;
  }
  g.evidence[g.evidence_count++] = ref;
}

void Remember(FiredEvent& f, const SshdEvent& e, std::string_view host) {
  const std::string_view ip = Bounded(e.ip), user = Bounded(e.user), detail = Bounded(e.detail);
  f.text.clear();
  f.text.append(ip).append(user).append(detail).append(Bounded(host));
  f.ip_len = static_cast<std::uint16_t>(ip.size());
  f.user_len = static_cast<std::uint16_t>(user.size());
  f.detail_len = static_cast<std::uint16_t>(detail.size());
  f.port = e.port;
  f.pid = e.pid;
  f.kind = e.kind;
}

// A new episode of the same group: it counts again at once, so the counters keep their
// memory.
void ResetGroup(Group& g) {
  g.count = 0;
  g.window.Clear();
  g.evidence_count = 0;
  g.fired.reset();
  if (g.extra) g.extra->Clear();
}

}  // namespace

struct RuleEngine::State {
  explicit State(std::vector<Rule> r) : rules(std::move(r)), store(rules.size()) {}

  std::vector<Rule> rules;
  GroupStore store;
  const Clock* clock = nullptr;
  std::size_t max_groups = 0;
  std::uint32_t storm_limit = kDefaultStormLimit;
  std::vector<RuleState> states;                    // one per rule, same order
  std::vector<std::vector<std::uint32_t>> by_kind;  // kind -> rule | role << kRoleShift
  std::uint64_t events = 0;
  std::uint64_t alerts = 0;
  std::uint64_t evictions = 0;
  std::uint64_t folded = 0;
  std::uint32_t since_sweep = 0;
  EvidenceRing ring;
  // The current event's line in `ring`, appended on first need (several rules may want it).
  std::optional<EvidenceRing::Ref> line_ref;
  // Keyed hashing of attacker-chosen values (distinct values, first_seen keys); the key
  // is saved with the memories, whose hashes are only valid under it.
  SipKey sip_key = RandomSipKey();
  // first_seen memories by RuleState::memory_name: a reload keeps them.
  std::map<std::string, std::unique_ptr<FirstSeenMemory>, std::less<>> memories;
  std::uint64_t memory_version = 0;  // bumped on every change
  // The current event's group keys, each computed once; it knows this machine's name.
  EventKeys keys{kMaxKeyBytes, LocalHostName()};
  // Origin hosts seen (bounded): how many machines this engine hears from, for the
  // README's "central log host" numbers and metrics labels. The last one is cached: logs
  // come in runs of one host.
  std::unordered_set<std::string> hosts;
  std::uint64_t seen_host_run = 0;  // EventKeys::OriginRun of the last host counted
  // The first host heard from, and when a second one was (TimePoint{}: not yet); then the
  // first's `distinct: host` value, which the groups seeded from `solo` count.
  std::string lone_host;
  TimePoint many_hosts_since{};
  std::uint64_t lone_host_value = 0;
  // `distinct: host`'s value, the origin host's SipHash, kept for the rest of the run of
  // one host's lines (EventKeys::OriginRun): the fleet rule asks on every failed login.
  std::uint64_t hashed_host_run = 0;  // 0: none (or hashed under an old key)
  std::uint64_t hashed_host_value = 0;

  // `v` is `e`'s value of the rule's distinct key (for `distinct: host`, its origin).
  std::uint64_t DistinctValue(const RuleState& rs, const EventKeys::Value& v, const SshdEvent& e) {
    // An address or network is text the parser wrote (digits, dots, colons, hex; or a
    // host name of letters, digits, '-' and '_'): no byte with its top bit set, so its
    // KeyHash, computed for the key anyway, cannot be aimed at a collision
    // (core/hash_index.h). A user name's SipHash stays.
    if (rs.distinct_ip) return v.hash;
    const std::string_view text = v.text;
    if (!rs.distinct_host) return SipHash24(sip_key, text);
    const std::uint64_t run = keys.OriginRun(e);
    if (hashed_host_run != run) {
      hashed_host_value = SipHash24(sip_key, text);
      hashed_host_run = run;
    }
    return hashed_host_value;
  }

  // Counts the event's origin host, once per run of one host's lines; notes the first
  // host, and when (`now`) a second one spoke.
  void SeeHost(const SshdEvent& e, TimePoint now) {
    const std::uint64_t run = keys.OriginRun(e);
    if (run == seen_host_run) return;
    seen_host_run = run;
    if (hosts.size() < kMaxHostsCounted) hosts.emplace(keys.OriginHost(e));
    if (hosts.size() == 1 && lone_host.empty()) lone_host = keys.OriginHost(e);
    if (many_hosts_since == TimePoint{} && ManyHosts()) {
      many_hosts_since = now;
      lone_host_value = SipHash24(sip_key, lone_host);
    }
  }

  bool ManyHosts() const { return hosts.size() >= 2; }

  // The hash `solo` files a group key under: an address is text the parser wrote (see
  // DistinctValue), anything else a user could aim at collisions.
  std::uint64_t SoloKey(const RuleState& rs, const EventKeys::Value& key) const {
    return rs.key_ip_only ? key.hash : SipHash24(sip_key, key.text);
  }

  // A `distinct: host` rule's event while one host is all there is: remembered, not
  // counted. Bounded like the groups (max_groups keys a window); a key that finds no
  // room is not remembered.
  void SoloSee(std::uint32_t rule, const EventKeys::Value& key, TimePoint now) {
    RuleState& rs = states[rule];
    rs.solo.See(SoloKey(rs, key), now, rules[rule].window, max_groups);
  }

  // A group of a `distinct: host` rule seeing its first event since a second host spoke:
  // the lone host's last event of its key, when within the window, counts as that host.
  void SeedFromSolo(std::uint32_t rule, Group& g, const EventKeys::Value& key, TimePoint now) {
    RuleState& rs = states[rule];
    if (rs.solo.size() == 0 || g.count != 0 || g.last_seen != TimePoint{}) return;
    const std::optional<TimePoint> seen = rs.solo.LastSeen(SoloKey(rs, key));
    if (!seen || *seen + rules[rule].window <= now) return;
    Extra(g).distinct.See(lone_host_value, ToMicros(*seen), kMaxDistinctValues);
  }

  // The host an alert of `g` names, given its firing event's origin host.
  std::string_view AlertHost(const Group& g, std::string_view origin) const {
    return states[g.rule].names_origin && !origin.empty() ? origin
                                                          : std::string_view(keys.local_host());
  }

  EvidenceRing::Ref LineRef(const SshdEvent& e) {
    // Stored raw (cut) and escaped only when an alert is built: most lines never are.
    if (!line_ref) {
      const std::string_view line = EvidenceLine(e);
      line_ref = ring.Append(line.substr(0, std::min(line.size(), kMaxEvidenceLine)));
    }
    return *line_ref;
  }

  // The raw line read back before it is escaped: one buffer for all, not a heap block
  // per evidence line of every alert.
  mutable std::string line_buffer;
  void AppendLine(EvidenceRing::Ref ref, std::vector<std::string>& out) const {
    if (ring.Get(ref, line_buffer)) out.push_back(EscapeForOutput(line_buffer, kMaxEvidenceLine));
  }

  std::vector<std::string> Evidence(const Group& g) const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < g.evidence_count; ++i) AppendLine(g.evidence[i], out);
    return out;
  }

  bool Stale(const Group& g, TimePoint now) const {
    const Rule& r = rules[g.rule];
    return g.fired ? g.last_seen + r.cooldown <= now : g.last_seen + states[g.rule].live_for <= now;
  }

  // Drops the least recently touched group of `rule`. The cap is per rule, so a rule
  // with a long window (a slow brute force: a day) cannot starve the fast ones of groups
  // in a wave. A firing group dropped this way gets no resolved alert: at the cap,
  // bounded memory wins over bookkeeping.
  void EvictOldest(std::uint32_t rule) {
    Group* oldest = store.Oldest(rule);
    if (!oldest) return;
    store.EraseOldest(*oldest);
    ++evictions;
  }

  Group& Touch(std::uint32_t rule, const EventKeys::Value& key) {
    return Touch(rule, key, GroupStore::HashOf(rule, key.hash));
  }
  Group& Touch(std::uint32_t rule, const EventKeys::Value& key, std::uint32_t hash) {
    if (Group* g = store.Find(rule, key.text, hash)) {
      store.Touch(*g);
      return *g;
    }
    if (store.size(rule) >= max_groups) EvictOldest(rule);
    return store.Insert(rule, key.text, hash);
  }

  // The current event's group lookups, by position in its rule list: the group key and
  // the group's hash, found by Prefetch and used by the rules after it (null: not found).
  static constexpr std::size_t kMaxPrefetch = 8;
  std::array<const EventKeys::Value*, kMaxPrefetch> prefetched_key{};
  std::array<std::uint32_t, kMaxPrefetch> prefetched_hash{};
  std::size_t prefetched = 0;

  // Starts loading the groups the event's rules will look up, before any of them is used:
  // a failed login looks up four or five groups in a store of 300,000 (a cache miss each),
  // and one after another they cost four or five misses' time; started together, little
  // more than one. Changes nothing but timing.
  void Prefetch(const std::vector<std::uint32_t>& entries, const SshdEvent& e) {
    prefetched = 0;
    if (entries.size() < 2) return;
    prefetched = std::min(entries.size(), kMaxPrefetch);
    for (std::size_t k = 0; k < prefetched; ++k) {
      const std::uint32_t i = entries[k] & kRuleMask;
      prefetched_key[k] = nullptr;
      if (rules[i].first_seen) continue;  // first_seen: its memory first
      prefetched_key[k] = &keys.Get(states[i].key_id, e);
      prefetched_hash[k] = GroupStore::HashOf(i, prefetched_key[k]->hash);
      store.PrefetchIndex(prefetched_hash[k]);
    }
    for (std::size_t k = 0; k < prefetched; ++k) {
      if (prefetched_key[k] != nullptr) store.PrefetchGroup(prefetched_hash[k]);
    }
  }

  // The group key of rule `i`, at position `k` of the event's rule list, and its hash.
  const EventKeys::Value& GroupKeyOf(std::size_t k, std::uint32_t i, const SshdEvent& e,
                                     std::uint32_t& hash) {
    if (k < prefetched && prefetched_key[k] != nullptr) {
      hash = prefetched_hash[k];
      return *prefetched_key[k];
    }
    const EventKeys::Value& key = keys.Get(states[i].key_id, e);
    hash = GroupStore::HashOf(i, key.hash);
    return key;
  }

  GroupExtra& Extra(Group& g) {
    if (!g.extra) g.extra = store.TakeExtra(g.rule);
    return *g.extra;
  }

  TemplateValues Values(const Group& g) const {
    const Rule& r = rules[g.rule];
    const RuleState& rs = states[g.rule];
    TemplateValues v;
    v.rule = r.id;
    v.host = keys.local_host();
    v.count = g.count;
    v.threshold = r.threshold;
    v.window = rs.window_text;
    v.cooldown = rs.cooldown_text;
    return v;
  }

  // Labels from the group key's parts: ip and user (what alert routing and the old
  // one-key rules carry).
  void Label(const Group& g, std::string_view host, Alert& a) const {
    const GroupKey& key = states[g.rule].key;
    if (g.key.empty() || key.empty()) return;
    std::string_view rest = g.key;
    // The hidden host part ("\0host", for another machine's events) is no label: the
    // alert's host says it.
    if (states[g.rule].hidden_host && host != keys.local_host() && rest.size() > host.size() &&
        rest[rest.size() - host.size() - 1] == '\0')
      rest.remove_suffix(host.size() + 1);
    for (std::size_t i = 0; i < key.size(); ++i) {
      const auto nul = key.size() == 1 ? std::string_view::npos : rest.find('\0');
      const std::string_view value = rest.substr(0, nul);
      rest = nul == std::string_view::npos ? std::string_view{} : rest.substr(nul + 1);
      if (value.empty()) continue;
      if (key[i].field == KeyField::kIp) a.labels["ip"] = EscapeForOutput(value, kMaxTemplateValue);
      if (key[i].field == KeyField::kUser)
        a.labels["user"] = EscapeForOutput(value, kMaxTemplateValue);
    }
  }

  void Emit(const Group& g, AlertStatus status, TemplateValues values,
            std::vector<std::string> evidence, AlertSink& sink, std::string_view origin,
            std::string_view resolved_why = {}) {
    const Rule& r = rules[g.rule];
    const RuleState& rs = states[g.rule];
    Alert a;
    a.id = AlertId(r.id, g.key);
    a.rule = r.id;
    a.severity = r.severity;
    a.status = status;
    // The origin host comes from the log line (another machine's HOSTNAME field on a
    // central log host): escaped like every value taken from a line. The template escapes
    // its values itself, so it gets the raw name.
    const std::string_view host = AlertHost(g, origin);
    a.host = EscapeForOutput(host, kMaxTemplateValue);
    values.host = host;
    a.summary = rs.summary.Render(values);
    if (status == AlertStatus::kResolved) {
      a.summary = resolved_why.empty()
                      ? "Resolved (quiet for " + rs.cooldown_text + "): " + a.summary
                      : fmt::format("Resolved ({}): {}", resolved_why, a.summary);
    }
    a.remedy = rs.remedy.Render(values);
    Label(g, host, a);
    a.count = g.count;
    a.first_seen = g.first_seen;
    a.last_seen = g.last_seen;
    a.evidence = std::move(evidence);
    ++alerts;
    sink.EmitOwned(std::move(a));
  }

  // The storm guard: past storm_limit firing alerts of one rule in one minute (of event
  // time), the rest are folded into one summary alert sent when the minute is over.
  bool StormAllows(std::uint32_t rule, TimePoint t, AlertSink& sink) {
    if (storm_limit == 0) return true;
    RuleState& rs = states[rule];
    const std::int64_t minute =
        std::chrono::floor<std::chrono::minutes>(t).time_since_epoch().count();
    if (minute != rs.storm_minute) {
      FlushStorm(rule, sink);
      rs.storm_minute = minute;
      rs.storm_sent = 0;
    }
    if (rs.storm_sent < storm_limit) {
      ++rs.storm_sent;
      return true;
    }
    if (rs.storm_folded++ == 0) rs.storm_first = t;
    rs.storm_last = std::max(rs.storm_last, t);
    ++folded;
    return false;
  }

  void FlushStorm(std::uint32_t rule, AlertSink& sink) {
    RuleState& rs = states[rule];
    if (rs.storm_folded == 0) return;
    const Rule& r = rules[rule];
    Alert a;
    a.id = AlertId(r.id, "\x01storm");
    a.rule = r.id;
    a.severity = r.severity;
    a.status = AlertStatus::kFiring;
    a.host = keys.local_host();
    a.summary = fmt::format(
        "Alert storm: {} sent {} alerts within a minute; {} more were folded into this one", r.id,
        storm_limit, rs.storm_folded);
    a.remedy =
        "One rule fired for many groups at once: an attack wave (many sources), or a rule "
        "too sensitive for this server. The first alerts of the minute were sent; every line "
        "is in the log:\n"
        "  journalctl -u ssh --since -15min         # RHEL: -u sshd\n"
        "  sshd-health scan --events <log file>     # which lines make which events\n"
        "To change the rule, copy its file to /etc/sshd-health/rules.d/ and raise its "
        "threshold.";
    a.count = rs.storm_folded;
    a.first_seen = rs.storm_first;
    a.last_seen = rs.storm_last;
    rs.storm_folded = 0;
    rs.storm_last = TimePoint{};
    ++alerts;
    sink.EmitOwned(std::move(a));
  }

  // The resolved alert repeats what the last firing said, with the final count.
  void EmitResolved(const Group& g, AlertSink& sink, std::string_view why = {}) {
    if (g.fired && g.fired->suppressed) return;  // its firing was folded by the storm guard
    TemplateValues v = Values(g);
    std::string_view origin;
    if (g.fired) {
      v.ip = g.fired->ip();
      v.user = g.fired->user();
      v.detail = g.fired->detail();
      v.port = g.fired->port;
      v.pid = g.fired->pid;
      v.kind = EventKindName(g.fired->kind);
      origin = g.fired->host();
    }
    Emit(g, AlertStatus::kResolved, v, {}, sink, origin, why);
  }

  // unless_fired: `g`'s rule fired on `e`; the rules deferring to it stay quiet for the
  // same key (their own key of the event) for their window.
  void Cover(const Group& g, const SshdEvent& e) {
    for (const std::uint32_t s : states[g.rule].covers) {
      Group& covered = Touch(s, keys.Get(states[s].key_id, e));
      covered.covered_until = std::max(covered.covered_until, g.last_fired + rules[s].window);
      // Kept at least that long, also when the rule has not counted this key yet.
      covered.last_seen = std::max(covered.last_seen, g.last_fired);
    }
  }

  // unless_fired: whether `g` (about to fire on `e`) defers to a rule that alerted on it.
  bool Covered(const Group& g, const SshdEvent& e, TimePoint now) {
    if (now < g.covered_until) return true;
    for (const std::uint32_t f : states[g.rule].unless) {
      const EventKeys::Value& key = keys.Get(states[f].key_id, e);
      const Group* other = store.Find(f, key.text, GroupStore::HashOf(f, key.hash));
      if (other != nullptr && other->fired) return true;
    }
    return false;
  }

  void EmitFiring(Group& g, const SshdEvent& e, std::vector<std::string> evidence,
                  AlertSink& sink) {
    Cover(g, e);
    if (!g.fired) g.fired = std::make_unique<FiredEvent>();
    const std::string_view origin = keys.OriginHost(e);
    Remember(*g.fired, e, origin);
    g.fired->suppressed = !StormAllows(g.rule, g.last_fired, sink);
    if (g.fired->suppressed) return;
    TemplateValues v = Values(g);
    v.ip = e.ip;
    v.user = e.user;
    v.detail = e.detail;
    v.port = e.port;
    v.pid = e.pid;
    v.kind = EventKindName(e.kind);
    v.fingerprint = FingerprintOf(e.message);
    Emit(g, AlertStatus::kFiring, v, std::move(evidence), sink, origin);
  }

  // distinct: the values of the group's events within the window (the whole episode,
  // once firing); returns how many, and sets `oldest` to the earliest one's time. A
  // lookup per event; the values that left the window are dropped only when the count
  // reaches the threshold (each once), so the cost stays O(1) per event amortised.
  std::uint64_t AddDistinct(Group& g, std::uint64_t value, TimePoint now, TimePoint& oldest) {
    const Rule& r = rules[g.rule];
    DistinctValues& values = Extra(g).distinct;
    oldest = now;
    // A firing group that holds the most values it may: See could only move a value's
    // time, and a firing group's times are never read (only an unfired one drops values
    // that left the window). A scan wave against one user keeps its group here, and the
    // lookup in its 4,096 values was a cache miss on every failed login.
    if (g.fired && values.size() >= kMaxDistinctValues) return values.size();
    const std::int64_t us = ToMicros(now);
    values.See(value, us, kMaxDistinctValues);
    if (g.fired || values.size() < r.threshold) return values.size();
    oldest = FromMicros(values.DropUpTo(us - ToMicros(r.window), us));
    return values.size();
  }

  void Count(Group& g, const SshdEvent& e, TimePoint now, AlertSink& sink,
             std::optional<std::uint64_t> distinct_value = std::nullopt) {
    const Rule& r = rules[g.rule];
    if (g.count > 0 && Stale(g, now)) {
      // The previous episode ended before this event: close it, start afresh.
      if (g.fired) EmitResolved(g, sink);
      ResetGroup(g);
    }
    g.last_seen = g.count == 0 ? now : std::max(g.last_seen, now);
    if (g.count == 0) g.first_seen = now;

    if (g.fired) {
      // Firing: count on; tell again once per cooldown while the group stays active.
      if (distinct_value) {
        TimePoint oldest;
        g.count = AddDistinct(g, *distinct_value, now, oldest);
      } else {
        ++g.count;
      }
      if (now < g.last_fired + r.cooldown) return;
      g.last_fired = now;
      std::vector<std::string> evidence;
      evidence.push_back(EscapeForOutput(EvidenceLine(e), kMaxEvidenceLine));
      EmitFiring(g, e, std::move(evidence), sink);
      return;
    }

    TimePoint oldest;
    const std::uint64_t before = g.count;
    g.count = distinct_value ? AddDistinct(g, *distinct_value, now, oldest)
                             : g.window.Add(now, r.threshold, r.window, oldest);
    // Evidence: the episode's first line and the lines that can end up in the alert (the
    // last ones before the threshold), so groups far below it - most of a scan wave -
    // store one reference at most.
    if (g.count + kMaxEvidence > r.threshold || (before == 0 && g.count == 1))
      AddEvidence(g, LineRef(e));
    if (g.count < r.threshold) return;
    if (Covered(g, e, now)) {
      // Already reported by the rule this one defers to: count afresh from here.
      ResetGroup(g);
      return;
    }

    g.first_seen = oldest;
    g.last_fired = now;
    std::vector<std::string> evidence = Evidence(g);
    // A firing group needs neither its times nor its lines any more.
    g.window.Reset();
    g.evidence_count = 0;
    EmitFiring(g, e, std::move(evidence), sink);
  }

  // after: the earlier kinds (failures) of a sequence rule's group. They live in the
  // group's own window counter and evidence, which a sequence rule uses for nothing else
  // (its own kinds fire through FireSequence, never Count): a failed login then updates
  // one group's bytes, which Prefetch has asked for, and a small extra.
  void ResetPrior(Group& g) {
    g.window.Clear();
    g.evidence_count = 0;
    g.extra->ResetPrior();
  }

  // after: one of the earlier kinds (a failure) in the group.
  void ObservePrior(Group& g, const SshdEvent& e, TimePoint now, AlertSink& sink) {
    const Rule& r = rules[g.rule];
    const AfterSpec& a = *r.after;
    if (g.fired && g.last_seen + r.cooldown <= now) {
      EmitResolved(g, sink);
      ResetGroup(g);
    }
    GroupExtra& x = Extra(g);
    if (x.prior_count > 0 && x.prior_last + a.within <= now) ResetPrior(g);
    if (x.prior_count == 0) {
      x.prior_first = now;
      x.prior_last = now;
    }
    ++x.prior_count;
    x.prior_last = std::max(x.prior_last, now);
    x.prior_in_window = g.window.Add(now, a.min, a.within, x.prior_oldest);
    // The first failure, then the latest ones (AddEvidence keeps the first).
    AddEvidence(g, LineRef(e));
    if (g.count == 0) g.first_seen = g.first_seen == TimePoint{} ? now : g.first_seen;
    g.last_seen = std::max(g.last_seen, now);
  }

  // after: an event of the rule's own kinds (a success) - fires when the group saw at
  // least `min` of the earlier kinds within `within` before it. The earlier events are
  // used up: the next success fires only after new failures.
  void FireSequence(Group& g, const SshdEvent& e, TimePoint now, AlertSink& sink) {
    const AfterSpec& a = *rules[g.rule].after;
    GroupExtra* x = g.extra.get();
    if (x == nullptr || x->prior_count == 0 || g.evidence_count == 0) return;
    if (x->prior_in_window < a.min || x->prior_oldest + a.within <= now) return;
    g.count = x->prior_count;
    g.first_seen = x->prior_first;
    g.last_seen = std::max(g.last_seen, now);
    g.last_fired = now;
    // Evidence: the first failure, the last three (oldest first), the success.
    std::vector<std::string> evidence;
    AppendLine(g.evidence[0], evidence);
    const std::size_t later = g.evidence_count - 1;
    for (std::size_t k = later > kPriorShown ? later - kPriorShown : 0; k < later; ++k)
      AppendLine(g.evidence[1 + k], evidence);
    evidence.push_back(EscapeForOutput(EvidenceLine(e), kMaxEvidenceLine));
    ResetPrior(g);
    EmitFiring(g, e, std::move(evidence), sink);
  }

  // cancel_on: the event ends the group's episode (a success ends a brute force).
  void Cancel(Group& g, const SshdEvent& e, AlertSink& sink) {
    if (g.fired) EmitResolved(g, sink, fmt::format("ended by {}", EventKindName(e.kind)));
    ResetGroup(g);
  }

  // first_seen: remember the key; fire (through the group, so cooldown and resolved
  // alerts work as for any rule) when it is new and the memory has learned enough.
  void FirstSeen(std::uint32_t i, const SshdEvent& e, TimePoint now, AlertSink& sink) {
    const Rule& r = rules[i];
    const RuleState& rs = states[i];
    const EventKeys::Value& key = keys.Get(rs.first_seen_id, e);
    if (!key.complete || rs.memory == nullptr) return;
    const auto verdict = rs.memory->See(SipHash24(sip_key, key.text), now, r.first_seen->remember,
                                        r.first_seen->learn);
    ++memory_version;
    if (verdict != FirstSeenMemory::Verdict::kNew) return;
    Count(Touch(i, keys.Get(rs.key.empty() ? rs.first_seen_key_id : rs.key_id, e)), e, now, sink);
  }

  // Compiles `rules` into the per-rule tables Observe uses.
  void Index() {
    by_kind.assign(AllEventKinds().size(), {});
    states.assign(rules.size(), RuleState{});
    auto add = [&](EventKind k, std::size_t rule, Role role) {
      const auto k_index = static_cast<std::size_t>(k);
      if (k_index < by_kind.size())
        by_kind[k_index].push_back(static_cast<std::uint32_t>(rule) | (role << kRoleShift));
    };
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const Rule& r = rules[i];
      RuleState& rs = states[i];
      rs.summary = CompileTemplate(r.summary);
      rs.remedy = CompileTemplate(r.remedy);
      rs.regex = MessageTest(r.regex.get());
      rs.not_regex = MessageTest(r.not_regex.get());
      rs.window_text = FormatDuration(r.window);
      rs.cooldown_text = FormatDuration(r.cooldown);
      rs.key = r.group_key.empty() ? KeyOfGroupBy(r.group_by) : r.group_key;
      const bool keyed_by_host = std::any_of(rs.key.begin(), rs.key.end(), [](const KeyPart& p) {
        return p.field == KeyField::kHost;
      });
      const bool across = r.distinct && r.distinct->field == KeyField::kHost;
      rs.hidden_host = r.per_host && !keyed_by_host && !across;
      rs.names_origin = rs.hidden_host || keyed_by_host;
      rs.key_id = keys.Register(rs.key, rs.hidden_host);
      if (r.distinct) rs.distinct_id = keys.Register(GroupKey{*r.distinct});
      rs.distinct_host = r.distinct && *r.distinct == KeyPart{KeyField::kHost};
      rs.key_ip_only = std::all_of(rs.key.begin(), rs.key.end(),
                                   [](const KeyPart& p) { return p.field == KeyField::kIp; });
      rs.distinct_ip = r.distinct && r.distinct->field == KeyField::kIp;
      if (r.first_seen) {
        rs.first_seen_id = keys.Register(r.first_seen->key);
        // Without group_by the group is the first_seen key's, per host like any group.
        rs.first_seen_key_id = keys.Register(r.first_seen->key, rs.hidden_host);
      }
      rs.simple = !r.distinct && !r.after && !r.first_seen && r.cancel_on.empty();
      rs.live_for = r.after ? std::max(r.window, r.after->within) : r.window;
      if (r.first_seen) {
        rs.memory_name = r.id + " " + GroupKeyName(r.first_seen->key);
        auto& m = memories[rs.memory_name];
        if (!m) m = std::make_unique<FirstSeenMemory>(r.first_seen->max_keys);
        rs.memory = m.get();
      }
      if (r.kinds.empty()) {
        for (auto& list : by_kind) list.push_back(static_cast<std::uint32_t>(i));
      } else {
        for (EventKind k : r.kinds) add(k, i, kMatch);
      }
      if (r.after) {
        for (EventKind k : r.after->kinds) add(k, i, kPrior);
      }
      for (EventKind k : r.cancel_on) add(k, i, kCancel);
      for (const std::string& id : r.unless_fired) {
        const auto f = std::find_if(rules.begin(), rules.end(),
                                    [&](const Rule& other) { return other.id == id; });
        if (f == rules.end() || f - rules.begin() == static_cast<std::ptrdiff_t>(i)) continue;
        const auto fi = static_cast<std::uint32_t>(f - rules.begin());
        rs.unless.push_back(fi);
        states[fi].covers.push_back(static_cast<std::uint32_t>(i));
      }
    }
    // Memories of rules no longer loaded are dropped.
    std::erase_if(memories, [&](const auto& m) {
      return std::none_of(states.begin(), states.end(),
                          [&](const RuleState& rs) { return rs.memory == m.second.get(); });
    });
  }

  // `solo` ages also when its rule's events stop (memory back after a wave); once a
  // second host has spoken for a whole window, nothing in it can seed a group any more.
  void SweepSolo(std::uint32_t rule, TimePoint now) {
    RuleState& rs = states[rule];
    if (rs.solo.size() == 0) return;
    if (ManyHosts() && many_hosts_since + rules[rule].window <= now) {
      rs.solo.Reset();
      return;
    }
    rs.solo.Age(now, rules[rule].window);
  }

  void ExpireAll(TimePoint now, AlertSink& sink) {
    for (std::uint32_t i = 0; i < rules.size(); ++i) {
      // Each rule's queue yields its least recently touched group first (time order for a
      // source read in order), so the walk stops at the first live group.
      while (Group* g = store.Oldest(i)) {
        if (!Stale(*g, now)) break;
        if (g->fired) EmitResolved(*g, sink);
        store.EraseOldest(*g);
      }
      const std::int64_t minute =
          std::chrono::floor<std::chrono::minutes>(now).time_since_epoch().count();
      if (states[i].storm_folded > 0 && minute != states[i].storm_minute) FlushStorm(i, sink);
      SweepSolo(i, now);
    }
    // After a wave, hand the freed memory back to the system, not just to malloc.
    if (store.CompactIfSparse()) malloc_trim(0);
  }
};

RuleEngine::RuleEngine(std::vector<Rule> rules, const Clock& clock, std::size_t max_groups)
    : state_(std::make_unique<State>(std::move(rules))) {
  State& s = *state_;
  s.clock = &clock;
  s.max_groups = std::max<std::size_t>(max_groups, 1);
  s.Index();
}

RuleEngine::~RuleEngine() = default;

void RuleEngine::Observe(const SshdEvent& event, AlertSink& sink) {
  State& s = *state_;
  ++s.events;
  s.line_ref.reset();
  s.keys.NewEvent();
  const TimePoint now = event.has_ts ? event.ts : s.clock->Now();
  s.SeeHost(event, now);
  const auto k_index = static_cast<std::size_t>(event.kind);
  if (k_index < s.by_kind.size()) {
    const std::vector<std::uint32_t>& entries = s.by_kind[k_index];
    s.Prefetch(entries, event);
    for (std::size_t k = 0; k < entries.size(); ++k) {
      const std::uint32_t i = entries[k] & kRuleMask;
      const auto role = static_cast<Role>(entries[k] >> kRoleShift);
      const Rule& r = s.rules[i];
      const RuleState& rs = s.states[i];
      if (role == kMatch) {
        if (!rs.regex.empty() && !rs.regex.Matches(event.message)) continue;
        if (!rs.not_regex.empty() && rs.not_regex.Matches(event.message)) continue;
      }
      if (role == kMatch && r.first_seen) {
        s.FirstSeen(i, event, now, sink);
        continue;
      }
      std::uint32_t hash = 0;
      const EventKeys::Value& key = s.GroupKeyOf(k, i, event, hash);
      if (rs.simple) {
        // The plain rules of before: nothing else to look at.
        s.Count(s.Touch(i, key, hash), event, now, sink);
        continue;
      }
      if (role == kCancel) {
        if (Group* g = s.store.Find(i, key.text, hash)) s.Cancel(*g, event, sink);
        continue;
      }
      if (role == kPrior) {
        s.ObservePrior(s.Touch(i, key, hash), event, now, sink);
        continue;
      }
      if (r.after) {
        if (Group* g = s.store.Find(i, key.text, hash)) s.FireSequence(*g, event, now, sink);
        continue;
      }
      if (r.distinct) {
        if (rs.distinct_host && !s.ManyHosts()) {
          s.SoloSee(i, key, now);  // no group, so no value to count
          continue;
        }
        const EventKeys::Value& v = s.keys.Get(rs.distinct_id, event);
        if (v.text.empty()) continue;  // no value to count (an event without a user)
        const std::uint64_t value = s.DistinctValue(rs, v, event);
        Group& g = s.Touch(i, key, hash);
        if (rs.distinct_host) s.SeedFromSolo(i, g, key, now);
        s.Count(g, event, now, sink, value);
        continue;
      }
      s.Count(s.Touch(i, key, hash), event, now, sink);
    }
  }
  if (++s.since_sweep >= kSweepEvery) {
    s.since_sweep = 0;
    s.ExpireAll(now, sink);
  }
}

void RuleEngine::Expire(TimePoint now, AlertSink& sink) { state_->ExpireAll(now, sink); }

void RuleEngine::SetStormLimit(std::uint32_t per_minute) { state_->storm_limit = per_minute; }

RuleReplacement RuleEngine::ReplaceRules(std::vector<Rule> rules) {
  State& old = *state_;
  auto next = std::make_unique<State>(std::move(rules));
  State& s = *next;
  s.clock = old.clock;
  s.max_groups = old.max_groups;
  s.storm_limit = old.storm_limit;
  s.events = old.events;
  s.alerts = old.alerts;
  s.evictions = old.evictions;
  s.folded = old.folded;
  s.hosts = std::move(old.hosts);
  s.lone_host = std::move(old.lone_host);
  s.many_hosts_since = old.many_hosts_since;
  s.lone_host_value = old.lone_host_value;
  // The memories and their hash key move over before Index(), which adopts the memories
  // of rules that are still loaded.
  s.sip_key = old.sip_key;
  s.memories = std::move(old.memories);
  s.memory_version = old.memory_version + 1;
  s.Index();
  // Groups keep references into the evidence ring: it moves with them.
  s.ring = std::move(old.ring);
  RuleReplacement out;
  for (std::uint32_t j = 0; j < s.rules.size(); ++j) {
    const auto same = std::find(old.rules.begin(), old.rules.end(), s.rules[j]);
    if (same == old.rules.end()) {
      ++out.reset;
      continue;
    }
    ++out.kept;
    const auto i = static_cast<std::uint32_t>(same - old.rules.begin());
    s.states[j].solo = std::move(old.states[i].solo);
    // Oldest first, so the new queue keeps the old order (expiry walks it from the front).
    while (Group* g = old.store.Oldest(i)) {
      Group& n = s.store.Insert(j, g->key);
      n.first_seen = g->first_seen;
      n.last_seen = g->last_seen;
      n.last_fired = g->last_fired;
      n.covered_until = g->covered_until;
      n.count = g->count;
      std::swap(n.window, g->window);  // both stay valid; the old one is recycled
      n.evidence = g->evidence;
      n.evidence_count = g->evidence_count;
      n.fired = std::move(g->fired);
      n.extra = std::move(g->extra);
      old.store.EraseOldest(*g);
    }
  }
  state_ = std::move(next);
  return out;
}

const std::vector<Rule>& RuleEngine::rules() const { return state_->rules; }

RuleEngineStats RuleEngine::stats() const {
  const State& s = *state_;
  RuleEngineStats out{s.events, s.alerts, s.store.size(), s.evictions};
  out.folded = s.folded;
  out.hosts = s.hosts.size();
  for (const auto& [name, m] : s.memories) {
    out.first_seen_keys += m->size();
    out.first_seen_forgotten += m->forgotten();
  }
  return out;
}

std::uint64_t RuleEngine::memory_version() const { return state_->memory_version; }

std::string RuleEngine::SaveMemory() const {
  const State& s = *state_;
  std::string out;
  if (s.memories.empty()) return out;
  fmt::format_to(std::back_inserter(out), "{}\nkey {:016x} {:016x}\n", kMemoryHeader, s.sip_key.k0,
                 s.sip_key.k1);
  for (const auto& [name, m] : s.memories) {
    if (!m->started()) continue;
    std::string entries;
    m->AppendEntries(entries);
    // "memory <started> <forgotten> <entries> <name>": the name (rule id and key) last,
    // as it holds spaces.
    fmt::format_to(std::back_inserter(out), "memory {} {} {} {}\n", *m->started(), m->forgotten(),
                   m->size(), name);
    out += entries;
  }
  return out;
}

Result<std::size_t> RuleEngine::LoadMemory(std::string_view record) {
  State& s = *state_;
  auto next_line = [&record]() {
    const auto nl = record.find('\n');
    const std::string_view line = record.substr(0, nl);
    record = nl == std::string_view::npos ? std::string_view{} : record.substr(nl + 1);
    return line;
  };
  if (next_line() != kMemoryHeader) return Fail("not a first-seen record (bad header)");
  const std::string_view key_line = next_line();
  SipKey key;
  if (std::sscanf(std::string(key_line).c_str(), "key %16lx %16lx", &key.k0, &key.k1) != 2)
    return Fail("bad key line");
  // The hashes in memory were made under the old key: they go, the saved ones come.
  for (auto& [name, m] : s.memories) *m = FirstSeenMemory(m->max_keys());
  s.sip_key = key;
  s.hashed_host_run = 0;  // hashed under the old key
  s.lone_host_value = SipHash24(key, s.lone_host);
  for (RuleState& rs : s.states) rs.solo.Reset();  // filed under the old key
  std::size_t restored = 0;
  while (!record.empty()) {
    const std::string line(next_line());
    if (line.empty()) continue;
    long long started = 0;
    unsigned long long forgotten = 0, entries = 0;
    int name_at = 0;
    if (std::sscanf(line.c_str(), "memory %lld %llu %llu %n", &started, &forgotten, &entries,
                    &name_at) != 3 ||
        name_at == 0) {
      return Fail(fmt::format("bad memory line '{}'", EscapeForOutput(line, 80)));
    }
    // The entries: the next `entries` lines.
    std::size_t end = 0;
    for (unsigned long long k = 0; k < entries; ++k) {
      const auto nl = record.find('\n', end);
      if (nl == std::string_view::npos) return Fail("record cut short");
      end = nl + 1;
    }
    const std::string_view body = record.substr(0, end);
    record.remove_prefix(end);
    const auto it = s.memories.find(std::string_view(line).substr(name_at));
    if (it == s.memories.end()) continue;  // a rule no longer loaded
    if (!it->second->Restore(started, forgotten, body)) return Fail("bad memory entry");
    ++restored;
  }
  ++s.memory_version;
  return restored;
}

}  // namespace sshd_health
