#include "notify/spool.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/atomic_file.h"

namespace sshd_health {
namespace {

Result<bool> WriteAllAndSync(int fd, const std::string& data, const std::string& path) {
  std::size_t off = 0;
  while (off < data.size()) {
    const ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Fail(fmt::format("writing {}: {}", path, std::strerror(errno)));
    off += static_cast<std::size_t>(n);
  }
  if (::fsync(fd) != 0) return Fail(fmt::format("fsync {}: {}", path, std::strerror(errno)));
  return true;
}

std::string Lines(const auto& alerts) {
  std::string data;
  for (const Alert& a : alerts) data += AlertToJsonLine(a) + "\n";
  return data;
}

}  // namespace

std::string SpoolFileName(const std::string& notifier_name) {
  std::string out;
  for (unsigned char c : notifier_name) {
    out += (std::isalnum(c) || c == '_' || c == '-' || c == '.') ? static_cast<char>(c) : '_';
  }
  if (out.empty() || out.front() == '.') out = "_" + out;
  return out + ".jsonl";
}

Spool::Spool(std::string path) : path_(std::move(path)) {}

std::vector<Alert> Spool::Load(std::size_t* corrupt, std::string* set_aside) const {
  std::vector<Alert> out;
  std::string bad;
  *corrupt = 0;
  if (set_aside) set_aside->clear();
  if (path_.empty()) return out;
  std::ifstream in(path_);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line, nullptr, false);
    auto alert = j.is_discarded() ? Result<Alert>(Fail("not JSON")) : AlertFromJson(j);
    if (alert) {
      out.push_back(std::move(*alert));
    } else {
      ++*corrupt;
      bad += line + "\n";
    }
  }
  if (!bad.empty() && set_aside) {
    // Kept for whoever wants to know what was lost; the spool is rewritten without them.
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    ::gmtime_r(&now, &tm);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    *set_aside = fmt::format("{}.corrupt-{}", path_, stamp);
    if (auto w = WriteFileAtomically(*set_aside, bad, 0600); !w)
      *set_aside = fmt::format("nowhere ({})", w.error().message);
  }
  return out;
}

Result<bool> Spool::Append(const std::vector<Alert>& alerts) {
  if (path_.empty() || alerts.empty()) return true;
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  const int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return Fail(fmt::format("opening {}: {}", path_, std::strerror(errno)));
  auto r = WriteAllAndSync(fd, Lines(alerts), path_);
  ::close(fd);
  return r;
}

Result<bool> Spool::Rewrite(const std::deque<Alert>& alerts) {
  if (path_.empty()) return true;
  if (alerts.empty()) {
    if (::unlink(path_.c_str()) != 0 && errno != ENOENT) {
      return Fail(fmt::format("removing {}: {}", path_, std::strerror(errno)));
    }
    return true;
  }
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path_).parent_path(), ec);
  if (auto w = WriteFileAtomically(path_, Lines(alerts), 0600); !w) return Fail(w.error().message);
  return true;
}

}  // namespace sshd_health
