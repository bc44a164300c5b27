#include "rules/rule_engine.h"

#include <malloc.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <string_view>

#include <re2/re2.h>

#include "core/text.h"
#include "rules/evidence_ring.h"
#include "rules/group_store.h"
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

// A rule's regex or not_regex, tested against an event's message. A pattern of plain
// printable ASCII without metacharacters (most rules' patterns: "no matching cipher")
// matches exactly where its text occurs, and string_view::find answers that for a small
// part of the fixed cost of an RE2 call.
class MessageTest {
 public:
  MessageTest() = default;
  explicit MessageTest(const re2::RE2* re) : re_(re) {
    if (re_ == nullptr) return;
    const std::string& p = re_->pattern();
    literal_ = std::all_of(p.begin(), p.end(), [](char c) {
      return c >= 0x20 && c < 0x7f && std::string_view("\\^$.|?*+()[]{}").find(c) == std::string_view::npos;
    });
  }

  bool empty() const { return re_ == nullptr; }
  bool Matches(std::string_view message) const {
    if (literal_) return message.find(re_->pattern()) != std::string_view::npos;
    return RE2::PartialMatch(re2::StringPiece(message.data(), message.size()), *re_);
  }

 private:
  const re2::RE2* re_ = nullptr;
  bool literal_ = false;
};

struct RuleState {
  RuleTemplate summary;
  RuleTemplate remedy;
  std::string window_text;
  std::string cooldown_text;
  MessageTest regex;
  MessageTest not_regex;
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

std::string_view EvidenceLine(const SshdEvent& e) { return e.line.empty() ? e.message : e.line; }

static_assert(Group::kEvidenceRefs == kMaxEvidence);

void AddEvidence(Group& g, EvidenceRing::Ref ref) {
  if (g.evidence_count == g.evidence.size()) {
    std::copy(g.evidence.begin() + 1, g.evidence.end(), g.evidence.begin());
    --g.evidence_count;
  }
  g.evidence[g.evidence_count++] = ref;
}

void Remember(FiredEvent& f, const SshdEvent& e) {
  const std::string_view ip = Bounded(e.ip), user = Bounded(e.user), detail = Bounded(e.detail);
  f.text.clear();
  f.text.append(ip).append(user).append(detail);
  f.ip_len = static_cast<std::uint16_t>(ip.size());
  f.user_len = static_cast<std::uint16_t>(user.size());
  f.port = e.port;
  f.pid = e.pid;
  f.kind = e.kind;
}

void ResetGroup(Group& g) {
  g.count = 0;
  g.window.Reset();
  g.evidence_count = 0;
  g.fired.reset();
}

}  // namespace

struct RuleEngine::State {
  explicit State(std::vector<Rule> r) : rules(std::move(r)), store(rules.size()) {}

  std::vector<Rule> rules;
  GroupStore store;
  const Clock* clock = nullptr;
  std::size_t max_groups = 0;
  std::vector<RuleState> states;                    // one per rule, same order
  std::vector<std::vector<std::uint32_t>> by_kind;  // kind -> rules that match it
  std::uint64_t events = 0;
  std::uint64_t alerts = 0;
  std::uint64_t evictions = 0;
  std::uint32_t since_sweep = 0;
  EvidenceRing ring;
  // The current event's line in `ring`, appended on first need (several rules may want it).
  std::optional<EvidenceRing::Ref> line_ref;

  EvidenceRing::Ref LineRef(const SshdEvent& e) {
    // Stored raw (cut) and escaped only when an alert is built: most lines never are.
    if (!line_ref) line_ref = ring.Append(EvidenceLine(e).substr(0, kMaxEvidenceLine));
    return *line_ref;
  }

  std::vector<std::string> Evidence(const Group& g) const {
    std::vector<std::string> out;
    std::string line;
    for (std::size_t i = 0; i < g.evidence_count; ++i) {
      if (ring.Get(g.evidence[i], line)) out.push_back(EscapeForOutput(line, kMaxEvidenceLine));
    }
    return out;
  }

  bool Stale(const Group& g, TimePoint now) const {
    const Rule& r = rules[g.rule];
    return g.fired ? g.last_seen + r.cooldown <= now : g.last_seen + r.window <= now;
  }

  // Drops the least recently touched group of all rules. A firing group dropped this way
  // gets no resolved alert: at the cap, bounded memory wins over bookkeeping.
  void EvictOldest() {
    Group* oldest = nullptr;
    for (std::uint32_t i = 0; i < rules.size(); ++i) {
      Group* g = store.Oldest(i);
      if (g && (!oldest || g->last_seen < oldest->last_seen)) oldest = g;
    }
    if (!oldest) return;
    store.EraseOldest(*oldest);
    ++evictions;
  }

  Group& Touch(std::uint32_t rule, std::string_view key) {
    const std::uint32_t hash = GroupStore::Hash(rule, key);
    if (Group* g = store.Find(rule, key, hash)) {
      store.Touch(*g);
      return *g;
    }
    if (store.size() >= max_groups) EvictOldest();
    return store.Insert(rule, key, hash);
  }

  TemplateValues Values(const Group& g) const {
    const Rule& r = rules[g.rule];
    const RuleState& rs = states[g.rule];
    TemplateValues v;
    v.rule = r.id;
    v.host = LocalHostName();
    v.count = g.count;
    v.threshold = r.threshold;
    v.window = rs.window_text;
    v.cooldown = rs.cooldown_text;
    return v;
  }

  void Emit(const Group& g, AlertStatus status, const TemplateValues& values, std::vector<std::string> evidence,
            AlertSink& sink) {
    const Rule& r = rules[g.rule];
    const RuleState& rs = states[g.rule];
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
    a.evidence = std::move(evidence);
    ++alerts;
    sink.EmitOwned(std::move(a));
  }

  // The resolved alert repeats what the last firing said, with the final count.
  void EmitResolved(const Group& g, AlertSink& sink) {
    TemplateValues v = Values(g);
    if (g.fired) {
      v.ip = g.fired->ip();
      v.user = g.fired->user();
      v.detail = g.fired->detail();
      v.port = g.fired->port;
      v.pid = g.fired->pid;
      v.kind = EventKindName(g.fired->kind);
    }
    Emit(g, AlertStatus::kResolved, v, {}, sink);
  }

  void EmitFiring(Group& g, const SshdEvent& e, std::vector<std::string> evidence, AlertSink& sink) {
    if (!g.fired) g.fired = std::make_unique<FiredEvent>();
    Remember(*g.fired, e);
    TemplateValues v = Values(g);
    v.ip = e.ip;
    v.user = e.user;
    v.detail = e.detail;
    v.port = e.port;
    v.pid = e.pid;
    v.kind = EventKindName(e.kind);
    Emit(g, AlertStatus::kFiring, v, std::move(evidence), sink);
  }

  void Count(Group& g, const SshdEvent& e, TimePoint now, AlertSink& sink) {
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
      ++g.count;
      if (now < g.last_fired + r.cooldown) return;
      g.last_fired = now;
      std::vector<std::string> evidence;
      evidence.push_back(EscapeForOutput(EvidenceLine(e), kMaxEvidenceLine));
      EmitFiring(g, e, std::move(evidence), sink);
      return;
    }

    TimePoint oldest;
    g.count = g.window.Add(now, r.threshold, r.window, oldest);
    // Evidence: only the lines that can end up in the alert (the last kMaxEvidence before
    // the threshold), so groups far below it - most of a scan wave - store none.
    if (g.count + kMaxEvidence > r.threshold) AddEvidence(g, LineRef(e));
    if (g.count < r.threshold) return;

    g.first_seen = oldest;
    g.last_fired = now;
    std::vector<std::string> evidence = Evidence(g);
    // A firing group needs neither its times nor its lines any more.
    g.window.Reset();
    g.evidence_count = 0;
    EmitFiring(g, e, std::move(evidence), sink);
  }

  // Compiles `rules` into the per-rule tables Observe uses.
  void Index() {
    by_kind.assign(AllEventKinds().size(), {});
    states.assign(rules.size(), RuleState{});
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const Rule& r = rules[i];
      RuleState& rs = states[i];
      rs.summary = CompileTemplate(r.summary);
      rs.remedy = CompileTemplate(r.remedy);
      rs.regex = MessageTest(r.regex.get());
      rs.not_regex = MessageTest(r.not_regex.get());
      rs.window_text = FormatDuration(r.window);
      rs.cooldown_text = FormatDuration(r.cooldown);
      if (r.kinds.empty()) {
        for (auto& list : by_kind) list.push_back(static_cast<std::uint32_t>(i));
      } else {
        for (EventKind k : r.kinds) {
          const auto k_index = static_cast<std::size_t>(k);
          if (k_index < by_kind.size()) by_kind[k_index].push_back(static_cast<std::uint32_t>(i));
        }
      }
    }
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
  const TimePoint now = event.has_ts ? event.ts : s.clock->Now();
  const auto k_index = static_cast<std::size_t>(event.kind);
  if (k_index < s.by_kind.size()) {
    for (const std::uint32_t i : s.by_kind[k_index]) {
      const Rule& r = s.rules[i];
      const RuleState& rs = s.states[i];
      if (!rs.regex.empty() && !rs.regex.Matches(event.message)) continue;
      if (!rs.not_regex.empty() && rs.not_regex.Matches(event.message)) continue;
      s.Count(s.Touch(i, GroupKeyOf(r.group_by, event)), event, now, sink);
    }
  }
  if (++s.since_sweep >= kSweepEvery) {
    s.since_sweep = 0;
    s.ExpireAll(now, sink);
  }
}

void RuleEngine::Expire(TimePoint now, AlertSink& sink) { state_->ExpireAll(now, sink); }

RuleReplacement RuleEngine::ReplaceRules(std::vector<Rule> rules) {
  State& old = *state_;
  auto next = std::make_unique<State>(std::move(rules));
  State& s = *next;
  s.clock = old.clock;
  s.max_groups = old.max_groups;
  s.events = old.events;
  s.alerts = old.alerts;
  s.evictions = old.evictions;
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
    // Oldest first, so the new queue keeps the old order (expiry walks it from the front).
    while (Group* g = old.store.Oldest(i)) {
      Group& n = s.store.Insert(j, g->key);
      n.first_seen = g->first_seen;
      n.last_seen = g->last_seen;
      n.last_fired = g->last_fired;
      n.count = g->count;
      std::swap(n.window, g->window);  // both stay valid; the old one is recycled
      n.evidence = g->evidence;
      n.evidence_count = g->evidence_count;
      n.fired = std::move(g->fired);
      old.store.EraseOldest(*g);
    }
  }
  state_ = std::move(next);
  return out;
}

const std::vector<Rule>& RuleEngine::rules() const { return state_->rules; }

RuleEngineStats RuleEngine::stats() const {
  return {state_->events, state_->alerts, state_->store.size(), state_->evictions};
}

}  // namespace sshd_health
