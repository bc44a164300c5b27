#include "audit/host_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "core/unique_fd.h"

namespace sshd_health {
namespace {

std::string Errno(const std::string& what, int err) { return what + ": " + std::strerror(err); }

}  // namespace

bool FileInfo::IsDir() const { return S_ISDIR(mode); }
bool FileInfo::IsRegular() const { return S_ISREG(mode); }

Result<FileInfo> StatPath(const std::string& path, bool* missing) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    const int err = errno;
    if (missing) *missing = err == ENOENT || err == ENOTDIR;
    return Fail(Errno(path, err));
  }
  if (missing) *missing = false;
  FileInfo info;
  info.mode = st.st_mode;
  info.uid = st.st_uid;
  info.gid = st.st_gid;
  info.dev = st.st_dev;
  info.ino = st.st_ino;
  return info;
}

Result<std::string> ReadFileBounded(const std::string& path, std::size_t max_bytes) {
  const UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.is_open()) return Fail(Errno(path, errno));
  std::string out;
  char buf[65536];
  while (out.size() < max_bytes) {
    const ssize_t n = ::read(fd.get(), buf, std::min(sizeof buf, max_bytes - out.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(Errno(path, errno));
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

Result<std::vector<std::string>> ListDirectory(const std::string& path) {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
  if (!dir) return Fail(Errno(path, errno));
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(dir.get())) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  return names;
}

Result<std::string> ReadSymlink(const std::string& path) {
  char buf[4096];
  const ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n < 0) return Fail(Errno(path, errno));
  return std::string(buf, static_cast<std::size_t>(n));
}

std::vector<std::string> GlobPaths(const std::string& pattern) {
  glob_t g{};
  std::vector<std::string> out;
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  return out;  // glob(3) sorts by default
}

Result<std::string> ReadProcessMaps(int pid) {
  return ReadFileBounded("/proc/" + std::to_string(pid) + "/maps", 16 << 20);
}

std::optional<std::string> LookUpGroupName(std::uint32_t gid) {
  group grp{};
  group* found = nullptr;
  char buf[16384];
  if (::getgrgid_r(gid, &grp, buf, sizeof buf, &found) != 0 || !found) return std::nullopt;
  return std::string(found->gr_name);
}

std::optional<std::string> FindInPath(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    return ::access(name.c_str(), X_OK) == 0 ? std::optional<std::string>(name) : std::nullopt;
  }
  const char* path_env = std::getenv("PATH");
  std::string path =
      path_env ? path_env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto colon = path.find(':', start);
    const std::string dir =
        path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty()) {
      const std::string candidate = dir + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return std::nullopt;
}

}  // namespace sshd_health
