#include "rules/first_seen_memory.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <vector>

namespace sshd_health {
namespace {

std::int64_t Seconds(TimePoint t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}
std::int64_t Seconds(Duration d) {
  return std::chrono::duration_cast<std::chrono::seconds>(d).count();
}

}  // namespace

FirstSeenMemory::Verdict FirstSeenMemory::See(std::uint64_t key, TimePoint now, Duration remember,
                                              Duration learn) {
  const std::int64_t s = Seconds(now);
  if (started_ == kNever) started_ = s;
  const bool learning = s < started_ + Seconds(learn);
  auto [it, inserted] = last_.try_emplace(key, s);
  const bool known = !inserted && it->second + Seconds(remember) > s;
  if (!inserted) it->second = std::max(it->second, s);
  if (inserted && last_.size() > max_keys_) ForgetOldest();
  if (learning) return Verdict::kLearning;
  return known ? Verdict::kKnown : Verdict::kNew;
}

void FirstSeenMemory::ForgetOldest() {
  // An eighth at a time: the cost of finding the cut is paid once per max_keys/8 keys.
  std::vector<std::int64_t> times;
  times.reserve(last_.size());
  for (const auto& [k, t] : last_) times.push_back(t);
  const std::size_t drop = std::max<std::size_t>(1, last_.size() / 8);
  std::nth_element(times.begin(), times.begin() + static_cast<std::ptrdiff_t>(drop - 1),
                   times.end());
  const std::int64_t cut = times[drop - 1];
  std::size_t dropped = 0;
  for (auto it = last_.begin(); it != last_.end() && dropped < drop;) {
    if (it->second <= cut) {
      it = last_.erase(it);
      ++dropped;
    } else {
      ++it;
    }
  }
  forgotten_ += dropped;
}

void FirstSeenMemory::AppendEntries(std::string& out) const {
  for (const auto& [k, t] : last_) fmt::format_to(std::back_inserter(out), "{:016x} {}\n", k, t);
}

bool FirstSeenMemory::Restore(std::int64_t started, std::uint64_t forgotten,
                              std::string_view entries) {
  last_.clear();
  started_ = started;
  forgotten_ = forgotten;
  while (!entries.empty()) {
    const auto nl = entries.find('\n');
    const std::string_view line = entries.substr(0, nl);
    entries = nl == std::string_view::npos ? std::string_view{} : entries.substr(nl + 1);
    const auto sp = line.find(' ');
    std::uint64_t k = 0;
    std::int64_t t = 0;
    if (sp == std::string_view::npos ||
        std::from_chars(line.data(), line.data() + sp, k, 16).ptr != line.data() + sp ||
        std::from_chars(line.data() + sp + 1, line.data() + line.size(), t).ptr !=
            line.data() + line.size()) {
      last_.clear();
      started_ = kNever;
      forgotten_ = 0;
      return false;
    }
    last_[k] = t;
  }
  while (last_.size() > max_keys_) ForgetOldest();
  return true;
}

}  // namespace sshd_health
