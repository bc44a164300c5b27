#include "rules/rule_engine.h"

#include <algorithm>
#include <list>
#include <string_view>
#include <unordered_map>

#include <re2/re2.h>

#include "core/text.h"
#include "rules/rule_template.h"

namespace sshd_health {
namespace {

// Group keys come from log lines; bounding them bounds the state an attacker can make
// one group cost.
constexpr std::size_t kMaxKeyBytes = 256;
// Evidence lines are stored escaped, each cut to this length.
constexpr std::size_t kMaxEvidenceLine = 512;
// Observe expires stale groups itself every this many events, so memory returns to its
// floor even when nobody calls Expire (scan over a long file).
constexpr std::uint32_t kSweepEvery = 4096;

// The last event's values, kept once a group has fired so its resolved alert can say
// what it was about. Most groups never fire and never pay for this.
struct LastEvent {
  std::string ip, user, detail;
  int port = 0;
  int pid = 0;
  EventKind kind{};
};

struct Group {
  std::string key;
  TimePoint first_seen{};  // after firing: when the episode began
  TimePoint last_seen{};
  TimePoint last_fired{};
  // Before firing: events inside the window; after: every event since first_seen.
  std::uint64_t count = 0;
  // The times of the last `threshold` events (a ring; empty when threshold is 1).
  std::vector<TimePoint> recent;
  std::uint32_t next = 0;  // ring write position
  // Up to kMaxEvidence escaped lines, oldest first, '\n'-separated (escaped lines hold
  // no raw newline). One string instead of a vector: one allocation per group.
  std::string evidence;
  std::uint8_t evidence_lines = 0;
  std::unique_ptr<LastEvent> fired;  // set while the group is firing
};

using GroupList = std::list<Group>;

struct RuleState {
  std::size_t rule_index = 0;
  RuleTemplate summary;
  RuleTemplate remedy;
  std::string window_text;
  std::string cooldown_text;
  GroupList lru;  // least recently touched first
  std::unordered_map<std::string_view, GroupList::iterator> index;  // views into Group::key
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

std::string_view Bounded(std::string_view s) { return s.substr(0, std::min(s.size(), kMaxKeyBytes)); }

std::string_view GroupKeyOf(GroupBy by, const SshdEvent& e) {
  switch (by) {
    case GroupBy::kIp: return Bounded(e.ip);
    case GroupBy::kUser: return Bounded(e.user);
    case GroupBy::kNone: break;
  }
  return {};
}

void AddEvidence(Group& g, std::string_view raw_line) {
  if (g.evidence_lines == kMaxEvidence) {
    const auto nl = g.evidence.find('\n');
    g.evidence.erase(0, nl == std::string::npos ? g.evidence.size() : nl + 1);
    --g.evidence_lines;
  }
  if (!g.evidence.empty()) g.evidence += '\n';
  g.evidence += EscapeForOutput(raw_line, kMaxEvidenceLine);
  ++g.evidence_lines;
}

std::vector<std::string> SplitEvidence(const std::string& evidence) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < evidence.size()) {
    auto nl = evidence.find('\n', start);
    if (nl == std::string::npos) nl = evidence.size();
    out.emplace_back(evidence, start, nl - start);
    start = nl + 1;
  }
  return out;
}

void ResetGroup(Group& g) {
  g.count = 0;
  g.recent.clear();
  g.next = 0;
  g.evidence.clear();
  g.evidence_lines = 0;
  g.fired.reset();
}

}  // namespace

struct RuleEngine::State {
  std::vector<Rule> rules;
  const Clock* clock = nullptr;
  std::size_t max_groups = 0;
  std::vector<RuleState> states;                     // one per rule, same order
  std::vector<std::vector<std::uint32_t>> by_kind;   // kind -> rules that match it
  std::uint64_t events = 0;
  std::uint64_t alerts = 0;
  std::uint64_t groups = 0;
  std::uint64_t evictions = 0;
  std::uint32_t since_sweep = 0;

  bool Stale(const RuleState& rs, const Group& g, TimePoint now) const {
    const Rule& r = rules[rs.rule_index];
    return g.fired ? g.last_seen + r.cooldown <= now : g.last_seen + r.window <= now;
  }

  void Erase(RuleState& rs, GroupList::iterator it) {
    rs.index.erase(std::string_view(it->key));
    rs.lru.erase(it);
    --groups;
  }

  // Drops the least recently touched group of all rules.
  void EvictOldest() {
    RuleState* oldest = nullptr;
    for (RuleState& rs : states) {
      if (rs.lru.empty()) continue;
      if (!oldest || rs.lru.front().last_seen < oldest->lru.front().last_seen) oldest = &rs;
    }
    if (!oldest) return;
    Erase(*oldest, oldest->lru.begin());
    ++evictions;
  }

  Group& Touch(RuleState& rs, std::string_view key) {
    if (auto it = rs.index.find(key); it != rs.index.end()) {
      rs.lru.splice(rs.lru.end(), rs.lru, it->second);  // now the most recently touched
      return *it->second;
    }
    if (groups >= max_groups) EvictOldest();
    rs.lru.emplace_back();
    auto it = std::prev(rs.lru.end());
    it->key.assign(key);
    rs.index.emplace(std::string_view(it->key), it);
    ++groups;
    return *it;
  }

  void Emit(const RuleState& rs, const Group& g, AlertStatus status, const TemplateValues& values,
            AlertSink& sink) {
    const Rule& r = rules[rs.rule_index];
    Alert a;
    a.id = AlertId(r.id, g.key);
    a.rule = r.id;
    a.severity = r.severity;
    a.status = status;
    a.host = LocalHostName();
    a.summary = rs.summary.Render(values);
    if (status == AlertStatus::kResolved) a.summary = "Resolved (quiet for " + rs.cooldown_text + "): " + a.summary;
    a.remedy = rs.remedy.Render(values);
    if (!g.key.empty() && r.group_by == GroupBy::kIp) a.labels["ip"] = EscapeForOutput(g.key, kMaxTemplateValue);
    if (!g.key.empty() && r.group_by == GroupBy::kUser) a.labels["user"] = EscapeForOutput(g.key, kMaxTemplateValue);
    a.count = g.count;
    a.first_seen = g.first_seen;
    a.last_seen = g.last_seen;
    a.evidence = SplitEvidence(g.evidence);
    ++alerts;
    sink.Emit(a);
  }

  TemplateValues Values(const RuleState& rs, const Group& g) const {
    const Rule& r = rules[rs.rule_index];
    TemplateValues v;
    v.rule = r.id;
    v.host = LocalHostName();
    v.count = g.count;
    v.threshold = r.threshold;
    v.window = rs.window_text;
    v.cooldown = rs.cooldown_text;
    return v;
  }

  void EmitResolved(const RuleState& rs, const Group& g, AlertSink& sink) {
    TemplateValues v = Values(rs, g);
    if (g.fired) {
      v.ip = g.fired->ip;
      v.user = g.fired->user;
      v.detail = g.fired->detail;
      v.port = g.fired->port;
      v.pid = g.fired->pid;
      v.kind = EventKindName(g.fired->kind);
    }
    Emit(rs, g, AlertStatus::kResolved, v, sink);
  }

  void Count(RuleState& rs, Group& g, const SshdEvent& e, TimePoint now, AlertSink& sink) {
    const Rule& r = rules[rs.rule_index];
    if (g.count > 0 && Stale(rs, g, now)) {
      // The previous episode ended before this event: close it, start afresh.
      if (g.fired) EmitResolved(rs, g, sink);
      ResetGroup(g);
    }
    if (g.count == 0) g.first_seen = now;
    g.last_seen = g.count == 0 ? now : std::max(g.last_seen, now);

    // Events inside the sliding window (now - window, now], from the ring of the last
    // `threshold` event times: that is all the threshold test needs.
    std::uint64_t in_window = 1;
    TimePoint oldest_in_window = now;
    if (r.threshold > 1) {
      if (g.recent.size() < r.threshold) {
        if (g.recent.capacity() == 0) g.recent.reserve(r.threshold);
        g.recent.push_back(now);
      } else {
        g.recent[g.next] = now;
      }
      g.next = (g.next + 1) % r.threshold;
      in_window = 0;
      const TimePoint horizon = now - r.window;
      for (const TimePoint t : g.recent) {
        if (t > horizon && t <= now) {
          ++in_window;
          oldest_in_window = std::min(oldest_in_window, t);
        }
      }
    }

    if (g.fired) {
      ++g.count;
      g.fired->ip.assign(Bounded(e.ip));
      g.fired->user.assign(Bounded(e.user));
      g.fired->detail.assign(Bounded(e.detail));
      g.fired->port = e.port;
      g.fired->pid = e.pid;
      g.fired->kind = e.kind;
    } else {
      g.count = in_window;
    }
    // Evidence: only the lines that can end up in an alert (the last kMaxEvidence before
    // the threshold, and everything after firing), so groups that stay far below the
    // threshold - most of a scan wave - store none.
    if (g.fired || in_window + kMaxEvidence > r.threshold) AddEvidence(g, e.line.empty() ? e.message : e.line);

    if (in_window < r.threshold) return;
    if (g.fired && now < g.last_fired + r.cooldown) return;  // suppressed, still counted
    if (!g.fired) {
      g.first_seen = oldest_in_window;
      g.fired = std::make_unique<LastEvent>(
          LastEvent{std::string(Bounded(e.ip)), std::string(Bounded(e.user)), std::string(Bounded(e.detail)),
                    e.port, e.pid, e.kind});
    }
    g.last_fired = now;
    TemplateValues v = Values(rs, g);
    v.ip = e.ip;
    v.user = e.user;
    v.detail = e.detail;
    v.port = e.port;
    v.pid = e.pid;
    v.kind = EventKindName(e.kind);
    Emit(rs, g, AlertStatus::kFiring, v, sink);
  }

  void ExpireAll(TimePoint now, AlertSink& sink) {
    for (RuleState& rs : states) {
      // Groups are kept in touch order, which is time order for a source that reads in
      // order; the walk stops at the first live group.
      while (!rs.lru.empty() && Stale(rs, rs.lru.front(), now)) {
        if (rs.lru.front().fired) EmitResolved(rs, rs.lru.front(), sink);
        Erase(rs, rs.lru.begin());
      }
    }
  }
};

RuleEngine::RuleEngine(std::vector<Rule> rules, const Clock& clock, std::size_t max_groups)
    : state_(std::make_unique<State>()) {
  State& s = *state_;
  s.rules = std::move(rules);
  s.clock = &clock;
  s.max_groups = std::max<std::size_t>(max_groups, 1);
  s.by_kind.resize(AllEventKinds().size());
  s.states.resize(s.rules.size());
  for (std::size_t i = 0; i < s.rules.size(); ++i) {
    const Rule& r = s.rules[i];
    RuleState& rs = s.states[i];
    rs.rule_index = i;
    rs.summary = CompileTemplate(r.summary);
    rs.remedy = CompileTemplate(r.remedy);
    rs.window_text = FormatDuration(r.window);
    rs.cooldown_text = FormatDuration(r.cooldown);
    if (r.kinds.empty()) {
      for (auto& list : s.by_kind) list.push_back(static_cast<std::uint32_t>(i));
    } else {
      for (EventKind k : r.kinds) {
        const auto k_index = static_cast<std::size_t>(k);
        if (k_index < s.by_kind.size()) s.by_kind[k_index].push_back(static_cast<std::uint32_t>(i));
      }
    }
  }
}

RuleEngine::~RuleEngine() = default;

void RuleEngine::Observe(const SshdEvent& event, AlertSink& sink) {
  State& s = *state_;
  ++s.events;
  const TimePoint now = event.has_ts ? event.ts : s.clock->Now();
  const auto k_index = static_cast<std::size_t>(event.kind);
  if (k_index < s.by_kind.size()) {
    for (const std::uint32_t i : s.by_kind[k_index]) {
      RuleState& rs = s.states[i];
      const Rule& r = s.rules[i];
      if (r.regex && !RE2::PartialMatch(re2::StringPiece(event.message.data(), event.message.size()), *r.regex)) {
        continue;
      }
      Group& g = s.Touch(rs, GroupKeyOf(r.group_by, event));
      s.Count(rs, g, event, now, sink);
    }
  }
  if (++s.since_sweep >= kSweepEvery) {
    s.since_sweep = 0;
    s.ExpireAll(now, sink);
  }
}

void RuleEngine::Expire(TimePoint now, AlertSink& sink) { state_->ExpireAll(now, sink); }

const std::vector<Rule>& RuleEngine::rules() const { return state_->rules; }

RuleEngineStats RuleEngine::stats() const {
  return {state_->events, state_->alerts, state_->groups, state_->evictions};
}

}  // namespace sshd_health
