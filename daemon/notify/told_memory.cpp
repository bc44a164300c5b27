#include "notify/told_memory.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"

namespace sshd_health {
namespace {

constexpr int kVersion = 1;
constexpr const char* kHeaderKey = "sshd_health_told";

std::string Header() { return nlohmann::json{{kHeaderKey, kVersion}}.dump() + "\n"; }

std::string Record(const std::string& id, const Told& t) {
  return nlohmann::json{{"id", id},
                        {"s", t.status == AlertStatus::kFiring ? "f" : "r"},
                        {"t", ToMicros(t.last_seen)}}
             .dump() +
         "\n";
}

Result<void> AppendAndSync(const std::string& path, const std::string& data) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Fail(fmt::format("opening {}: {}", path, std::strerror(errno)));
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      const std::string err = fmt::format("writing {}: {}", path, std::strerror(errno));
      ::close(fd);
      return Fail(err);
    }
    off += static_cast<std::size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const int err = errno;
  ::close(fd);
  if (!synced) return Fail(fmt::format("fsync {}: {}", path, std::strerror(err)));
  return {};
}

// Keeps the newest `max_entries` ids of `told`.
void Bound(ToldMap& told, std::size_t max_entries) {
  if (told.size() <= max_entries) return;
  std::vector<TimePoint> times;
  times.reserve(told.size());
  for (const auto& [id, t] : told) times.push_back(t.last_seen);
  // Drop down to 3/4 of the bound, so this runs once per max_entries/4 new ids.
  const std::size_t keep = max_entries - max_entries / 4;
  auto nth = times.end() - static_cast<std::ptrdiff_t>(keep);
  std::nth_element(times.begin(), nth, times.end());
  const TimePoint cut = *nth;
  std::erase_if(told, [&](const auto& kv) { return kv.second.last_seen < cut; });
}

}  // namespace

bool AlreadyTold(const ToldMap& told, const Alert& alert, TimePoint assume_told_before) {
  const auto it = told.find(alert.id);
  if (it == told.end())
    return alert.status == AlertStatus::kFiring && alert.last_seen < assume_told_before;
  const Told& t = it->second;
  if (alert.last_seen > t.last_seen) return false;
  // Not newer: the same alert again (a replay), or an older one.
  if (alert.status == AlertStatus::kResolved) return t.status == AlertStatus::kResolved;
  return true;
}

void RememberTold(ToldMap& told, const Alert& alert, std::size_t max_entries) {
  Told& t = told[alert.id];
  t.status = alert.status;
  t.last_seen = std::max(t.last_seen, alert.last_seen);
  Bound(told, max_entries);
}

ToldLog::ToldLog(std::string path, std::size_t max_entries)
    : path_(std::move(path)), max_entries_(std::max<std::size_t>(max_entries, 4)) {}

ToldLog::Loaded ToldLog::Load() {
  Loaded out;
  entries_.clear();
  lines_ = 0;
  if (path_.empty()) return out;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  {
    std::ifstream in(path_);
    std::string line;
    if (in && std::getline(in, line)) {
      const auto header = nlohmann::json::parse(line, nullptr, false);
      out.usable = header.is_object() && header.value(kHeaderKey, 0) == kVersion;
      while (out.usable && std::getline(in, line)) {
        if (line.empty()) continue;
        const auto j = nlohmann::json::parse(line, nullptr, false);
        if (!j.is_object() || !j.contains("id") || !j["id"].is_string() || !j.contains("t") ||
            !j["t"].is_number_integer()) {
          ++out.corrupt;
          continue;
        }
        Told t;
        t.status = j.value("s", "f") == "r" ? AlertStatus::kResolved : AlertStatus::kFiring;
        t.last_seen = FromMicros(j["t"].get<std::int64_t>());
        entries_[j["id"].get<std::string>()] = t;
        ++lines_;
      }
      if (!out.usable) {
        out.set_aside = path_ + ".bad";
        std::filesystem::rename(path_, out.set_aside, ec);
        if (ec) out.set_aside += " (could not rename: " + ec.message() + ")";
      }
    }
  }
  Bound(entries_, max_entries_);
  if (!out.usable || out.corrupt > 0 || lines_ > 2 * entries_.size() + 1024) {
    // Start a clean file (header, live entries) so later appends follow whole lines.
    (void)Compact();
  }
  out.told = entries_;
  return out;
}

Result<void> ToldLog::Append(const std::vector<Alert>& alerts) {
  if (path_.empty() || alerts.empty()) return {};
  std::string data;
  for (const Alert& a : alerts) {
    Told t{a.status, a.last_seen};
    if (const auto it = entries_.find(a.id); it != entries_.end())
      t.last_seen = std::max(t.last_seen, it->second.last_seen);
    data += Record(a.id, t);
    RememberTold(entries_, a, max_entries_);
  }
  if (auto r = AppendAndSync(path_, data); !r) return r;
  lines_ += alerts.size();
  if (lines_ > 2 * entries_.size() + 1024) return Compact();
  return {};
}

Result<void> ToldLog::Compact() {
  std::string data = Header();
  for (const auto& [id, t] : entries_) data += Record(id, t);
  if (auto w = WriteFileAtomically(path_, data, 0600); !w) return Fail(w.error().message);
  lines_ = entries_.size();
  return {};
}

}  // namespace sshd_health
