#include "core/atomic_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "core/unique_fd.h"

namespace sshd_health {
namespace {

std::string ErrnoText(std::string_view what, const std::string& path, int err) {
  return fmt::format("{} {}: {}", what, path, std::strerror(err));
}

std::string DirectoryOf(const std::string& path) {
  const auto slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Result<void> WriteAll(int fd, std::string_view data, const std::string& tmp) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Fail(ErrnoText("cannot write", tmp, errno));
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return {};
}

Result<void> SyncDirectory(const std::string& dir) {
  const UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!fd.is_open()) return Fail(ErrnoText("cannot open directory", dir, errno));
  // EINVAL: a file system that cannot sync a directory (some FUSE ones); the rename is
  // as durable there as it can be made.
  if (::fsync(fd.get()) != 0 && errno != EINVAL)
    return Fail(ErrnoText("cannot sync directory", dir, errno));
  return {};
}

// The temporary file, removed again unless it was renamed into place.
struct TempFile {
  std::string path;
  UniqueFd fd;
  bool renamed = false;
  ~TempFile() {
    fd.Close();
    if (!renamed && !path.empty()) ::unlink(path.c_str());
  }
};

// O_EXCL on a name unique to this process and call rather than a fixed "path.tmp": two
// writers of one path (the daemon and an admin's `check`) never write into each other's
// temporary. open(2) rather than mkstemp (always 0600) so that the umask applies to
// `mode` as to every other file we create (the shipped unit's UMask=0077 keeps state
// private). The ".tmp" suffix lets a directory reader skip it.
Result<void> CreateTemp(const std::string& path, mode_t mode, TempFile& tmp) {
  static std::atomic<unsigned> counter{0};
  for (int attempt = 0; attempt < 100; ++attempt) {
    const std::string name = fmt::format("{}.{}-{}.tmp", path, ::getpid(), counter++);
    tmp.fd = UniqueFd(::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode));
    if (tmp.fd.is_open()) {
      tmp.path = name;
      return {};
    }
    // EEXIST: left behind by a process that had our pid and crashed; take the next name.
    if (errno != EEXIST) break;
  }
  return Fail(ErrnoText("cannot create a temporary file for", path, errno));
}

}  // namespace

Result<void> WriteFileAtomically(const std::string& path, std::string_view data, mode_t mode,
                                 Durability durability) {
  TempFile tmp;
  if (auto created = CreateTemp(path, mode, tmp); !created) return created;
  if (auto w = WriteAll(tmp.fd.get(), data, tmp.path); !w) return w;
  if (durability == Durability::kSynced && ::fsync(tmp.fd.get()) != 0) {
    return Fail(ErrnoText("cannot sync", tmp.path, errno));
  }
  // close() reports a deferred write error on some file systems (NFS).
  if (tmp.fd.Close() != 0) return Fail(ErrnoText("cannot write", tmp.path, errno));
  if (::rename(tmp.path.c_str(), path.c_str()) != 0) {
    return Fail(ErrnoText("cannot rename a temporary file to", path, errno));
  }
  tmp.renamed = true;
  if (durability == Durability::kSynced) return SyncDirectory(DirectoryOf(path));
  return {};
}

}  // namespace sshd_health
