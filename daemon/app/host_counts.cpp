#include "app/host_counts.h"

#include <spdlog/spdlog.h>

#include "core/text.h"

namespace sshd_health {

HostCounts::HostCounts(std::string local) : local_(std::move(local)) {
  auto e = std::make_unique<Entry>();
  e->label = EscapeForOutput(local_, kMaxHostLabel);
  by_host_.emplace(local_, e.get());
  by_label_.emplace(e->label, e.get());
  entries_.push_back(std::move(e));
}

HostCounts::Entry& HostCounts::Find(std::string_view host) {
  if (host.empty()) return *entries_.front();
  if (last_ != nullptr && host == last_host_) return *last_;
  Entry* found = nullptr;
  if (const auto it = by_host_.find(std::string(host)); it != by_host_.end()) {
    found = it->second;
  } else {
    // Two names can make one label (cut at the bound, or "other" itself): they count as
    // one host, as the exposition format allows one series per label set.
    std::string label = EscapeForOutput(host, kMaxHostLabel);
    if (const auto at = by_label_.find(label); at != by_label_.end()) {
      found = at->second;
    } else if (entries_.size() < kMaxHosts) {
      auto e = std::make_unique<Entry>();
      e->label = label;
      found = e.get();
      entries_.push_back(std::move(e));
      by_label_.emplace(std::move(label), found);
    } else {
      if (other_ == nullptr) {
        // A host that is itself named "other" takes the rest in with it.
        if (const auto o = by_label_.find(kOther); o != by_label_.end()) other_ = o->second;
      }
      if (other_ == nullptr) {
        auto e = std::make_unique<Entry>();
        e->label = kOther;
        other_ = e.get();
        entries_.push_back(std::move(e));
        by_label_.emplace(kOther, other_);
      }
      if (!warned_) {
        warned_ = true;
        spdlog::warn(
            "metrics: more than {} origin hosts; the lines and alerts of further hosts count "
            "under host=\"{}\"",
            kMaxHosts, kOther);
      }
      found = other_;
    }
    // Names past the bound are looked up again each time rather than remembered: the
    // map stays bounded whatever a flood of forged names does.
    if (by_host_.size() < 2 * kMaxHosts) by_host_.emplace(std::string(host), found);
  }
  last_host_.assign(host);
  last_ = found;
  return *found;
}

std::string HostCounts::Label(std::string_view host) {
  std::lock_guard lock(mutex_);
  return Find(host).label;
}

void HostCounts::CountLine(std::string_view host) {
  std::lock_guard lock(mutex_);
  ++Find(host).lines;
}

void HostCounts::CountEvent(std::string_view host, EventKind kind) {
  std::lock_guard lock(mutex_);
  ++Find(host).events_by_kind[static_cast<std::size_t>(kind)];
}

void HostCounts::CountUnparsed(std::string_view host) {
  std::lock_guard lock(mutex_);
  ++Find(host).unparsed;
}

std::vector<HostCounts::Row> HostCounts::Snapshot() const {
  std::lock_guard lock(mutex_);
  std::vector<Row> out;
  out.reserve(entries_.size());
  for (const auto& e : entries_) {
    out.push_back({.host = e->label,
                   .local = e.get() == entries_.front().get(),
                   .lines = e->lines,
                   .events_by_kind = e->events_by_kind,
                   .unparsed = e->unparsed});
  }
  return out;
}

}  // namespace sshd_health
