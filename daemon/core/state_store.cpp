#include "core/state_store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "core/atomic_file.h"
#include "core/fnv1a.h"

namespace sshd_health {
namespace {

// Largest record we ever read back; ours are a few hundred bytes.
constexpr std::size_t kMaxRecord = 64 * 1024;

std::string Errno(std::string_view what, const std::string& path) {
  return fmt::format("{} {}: {}", what, path, std::strerror(errno));
}

}  // namespace

StateStore::StateStore(std::string dir) : dir_(std::move(dir)) {}

Result<void> StateStore::Open() const {
  std::error_code ec;
  std::filesystem::create_directories(dir_, ec);
  if (ec) return Fail(fmt::format("cannot create state directory {}: {}", dir_, ec.message()));
  if (::access(dir_.c_str(), W_OK | X_OK) != 0)
    return Fail(Errno("cannot write state directory", dir_));
  return {};
}

std::optional<std::string> StateStore::Load(std::string_view key) const {
  const std::string path = fmt::format("{}/{}", dir_, key);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string out;
  char buf[4096];
  while (out.size() < kMaxRecord) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

Result<void> StateStore::Save(std::string_view key, std::string_view content, bool durable) const {
  auto r = WriteFileAtomically(fmt::format("{}/{}", dir_, key), content, 0640,
                               durable ? Durability::kSynced : Durability::kAtomicOnly);
  if (!r && !failing_) {
    spdlog::warn(
        "cannot save positions in {}: {}; reading, detection and alerting go on, positions are "
        "saved again once it can be written (a restart before that re-reads from the last saved "
        "position)",
        dir_, r.error().message);
  } else if (r && failing_) {
    spdlog::info("saving positions in {} again", dir_);
  }
  failing_ = !r;
  return r;
}

std::string StateStore::SetAside(std::string_view key, std::string_view why) const {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  const std::string from = fmt::format("{}/{}", dir_, key);
  const std::string to = fmt::format("{}.corrupt-{}", from, stamp);
  if (::rename(from.c_str(), to.c_str()) != 0) {
    spdlog::warn("{}: {}; cannot set it aside: {}", from, why, std::strerror(errno));
    return {};
  }
  spdlog::warn("{}: {}; set aside as {}, starting without it", from, why, to);
  return to;
}

std::string UserStateDir() {
  const char* xdg = std::getenv("XDG_STATE_HOME");
  if (xdg != nullptr && *xdg == '/') return std::string(xdg) + "/sshd-health";
  const char* home = std::getenv("HOME");
  if (home != nullptr && *home == '/') return std::string(home) + "/.local/state/sshd-health";
  return fmt::format("/tmp/sshd-health-{}", ::getuid());
}

Result<std::string> OpenStateDir(const std::string& configured, bool user_fallback) {
  auto opened = StateStore(configured).Open();
  if (opened) return configured;
  if (!user_fallback)
    return Fail(fmt::format("cannot use state_dir {}: {}", configured, opened.error().message));
  const std::string fallback = UserStateDir();
  if (auto r = StateStore(fallback).Open(); !r) {
    return Fail(
        fmt::format("cannot use state_dir {} nor {}: {}", configured, fallback, r.error().message));
  }
  return fallback;
}

std::string StateStore::KeyForPath(std::string_view prefix, std::string_view path) {
  const std::uint64_t h = Fnv1a64(path);  // stable across builds and restarts
  std::string base(path.substr(
      path.find_last_of('/') == std::string_view::npos ? 0 : path.find_last_of('/') + 1));
  for (char& c : base) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_') c = '_';
  }
  if (base.size() > 64) base.resize(64);
  return fmt::format("{}-{:016x}-{}", prefix, h, base);
}

}  // namespace sshd_health
