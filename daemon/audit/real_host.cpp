#include "audit/real_host.h"

#include <dirent.h>
#include <fcntl.h>
#include <glob.h>
#include <grp.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>

#include "core/atomic_file.h"
#include "core/subprocess.h"

namespace sshd_health {
namespace {

using SteadyClock = std::chrono::steady_clock;

std::string Errno(const std::string& what, int err) { return what + ": " + std::strerror(err); }

struct Fd {
  int fd = -1;
  explicit Fd(int f = -1) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
};

int RemainingMs(SteadyClock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

bool FileInfo::IsDir() const { return S_ISDIR(mode); }
bool FileInfo::IsRegular() const { return S_ISREG(mode); }

Result<FileInfo> RealHost::Stat(const std::string& path, bool* missing) const {
  struct stat st{};
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

Result<std::string> RealHost::ReadFile(const std::string& path, std::size_t max_bytes) const {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.fd < 0) return Fail(Errno(path, errno));
  std::string out;
  char buf[65536];
  while (out.size() < max_bytes) {
    const ssize_t n = ::read(fd.fd, buf, std::min(sizeof buf, max_bytes - out.size()));
    if (n < 0) {
      if (errno == EINTR) continue;
      return Fail(Errno(path, errno));
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

Result<std::vector<std::string>> RealHost::ListDir(const std::string& path) const {
  std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(path.c_str()), ::closedir);
  if (!dir) return Fail(Errno(path, errno));
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(dir.get())) {
    const std::string name = e->d_name;
    if (name != "." && name != "..") names.push_back(name);
  }
  return names;
}

Result<std::string> RealHost::ReadLink(const std::string& path) const {
  char buf[4096];
  const ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n < 0) return Fail(Errno(path, errno));
  return std::string(buf, static_cast<std::size_t>(n));
}

std::vector<std::string> RealHost::Glob(const std::string& pattern) const {
  glob_t g{};
  std::vector<std::string> out;
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (std::size_t i = 0; i < g.gl_pathc; ++i) out.emplace_back(g.gl_pathv[i]);
  }
  ::globfree(&g);
  return out;  // glob(3) sorts by default
}

Result<std::string> RealHost::ReadProcMaps(int pid) const {
  return ReadFile("/proc/" + std::to_string(pid) + "/maps", 16 << 20);
}

Result<CommandResult> RealHost::RunCommand(const std::vector<std::string>& argv,
                                           std::chrono::milliseconds timeout) const {
  SubprocessRequest request;
  request.argv = argv;
  request.timeout = timeout;
  auto run = RunSubprocess(request);
  if (!run) return Fail(run.error().message);
  CommandResult result;
  result.timed_out = run->timed_out;
  result.exit_code = run->timed_out ? -1 : run->Exited() ? run->exit_status : 128 + run->term_signal;
  result.out = std::move(run->out);
  result.err = std::move(run->err);
  return result;
}

BannerProbe RealHost::ProbeBanner(const std::string& address, int port,
                                  std::chrono::milliseconds timeout) const {
  BannerProbe probe;
  const auto start = SteadyClock::now();
  const auto deadline = start + timeout;
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
  addrinfo* res = nullptr;
  const std::string port_text = std::to_string(port);
  if (const int gai = ::getaddrinfo(address.c_str(), port_text.c_str(), &hints, &res); gai != 0) {
    probe.outcome = BannerProbe::Outcome::kError;
    probe.error = std::string("bad address: ") + ::gai_strerror(gai);
    return probe;
  }
  std::unique_ptr<addrinfo, void (*)(addrinfo*)> guard(res, ::freeaddrinfo);
  Fd fd(::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (fd.fd < 0) {
    probe.error = Errno("socket", errno);
    return probe;
  }
  if (::connect(fd.fd, res->ai_addr, res->ai_addrlen) != 0 && errno != EINPROGRESS) {
    const int err = errno;
    probe.outcome = err == ECONNREFUSED ? BannerProbe::Outcome::kRefused : BannerProbe::Outcome::kError;
    probe.error = std::strerror(err);
    return probe;
  }
  pollfd pfd{fd.fd, POLLOUT, 0};
  if (::poll(&pfd, 1, RemainingMs(deadline)) <= 0) {
    probe.outcome = BannerProbe::Outcome::kTimeout;
    probe.error = "no answer to connect";
    return probe;
  }
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd.fd, SOL_SOCKET, SO_ERROR, &err, &len);
  if (err != 0) {
    probe.outcome = err == ECONNREFUSED ? BannerProbe::Outcome::kRefused
                    : err == ETIMEDOUT  ? BannerProbe::Outcome::kTimeout
                                        : BannerProbe::Outcome::kError;
    probe.error = std::strerror(err);
    return probe;
  }
  // RFC 4253 4.2: the server may send other lines before "SSH-"; each line is at most
  // 255 bytes. OpenSSH's client gives up after 1024 such lines; 8 KiB is plenty for us.
  std::string buffer;
  while (buffer.size() < 8192) {
    pfd = {fd.fd, POLLIN, 0};
    const int left = RemainingMs(deadline);
    if (left == 0 || ::poll(&pfd, 1, left) <= 0) {
      probe.outcome = BannerProbe::Outcome::kTimeout;
      probe.error = buffer.empty() ? "connected, but no banner within the timeout"
                                   : "banner line not finished within the timeout";
      probe.banner = buffer;
      return probe;
    }
    char buf[1024];
    const ssize_t n = ::recv(fd.fd, buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // Closed before any "SSH-" line: what ssh reports as "kex_exchange_identification:
      // Connection closed by remote host". OpenSSH may first write a reason line
      // ("Exceeded MaxStartups\r\n", sshd.c); keep it for the report.
      probe.outcome = BannerProbe::Outcome::kClosed;
      probe.error = n == 0 ? "connection closed by the server" : std::strerror(errno);
      probe.banner = buffer.substr(0, 255);
      while (!probe.banner.empty() && (probe.banner.back() == '\n' || probe.banner.back() == '\r')) {
        probe.banner.pop_back();
      }
      return probe;
    }
    buffer.append(buf, static_cast<std::size_t>(n));
    std::size_t pos = 0;
    for (auto nl = buffer.find('\n', pos); nl != std::string::npos; nl = buffer.find('\n', pos)) {
      std::string line = buffer.substr(pos, nl - pos);
      pos = nl + 1;
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.rfind("SSH-", 0) == 0) {
        probe.banner = line;
        probe.latency = std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
        const bool v2 = line.rfind("SSH-2.0-", 0) == 0 || line.rfind("SSH-1.99-", 0) == 0;
        probe.outcome = v2 && line.size() <= 255 ? BannerProbe::Outcome::kOk
                                                 : BannerProbe::Outcome::kBadBanner;
        if (!v2) probe.error = "not an SSH-2.0 identification";
        else if (line.size() > 255) probe.error = "identification longer than 255 bytes";
        // Answer with our own identification before closing: sshd then logs an ordinary
        // "Connection closed by ... [preauth]" instead of "kex_exchange_identification:
        // Connection closed by remote host", so the probe never looks like the very
        // failure it watches for. Best effort: the socket is non-blocking.
        static constexpr char kProbeIdent[] = "SSH-2.0-sshd_health_probe\r\n";
        (void)!::send(fd.fd, kProbeIdent, sizeof kProbeIdent - 1, MSG_NOSIGNAL);
        return probe;
      }
    }
  }
  probe.outcome = BannerProbe::Outcome::kBadBanner;
  probe.error = "no \"SSH-\" line in the first 8 KiB";
  probe.banner = buffer.substr(0, 255);
  return probe;
}

Result<UnitState> RealHost::GetUnitState(const std::string& unit) const {
  sd_bus* raw_bus = nullptr;
  if (const int r = sd_bus_open_system(&raw_bus); r < 0) {
    return Fail(Errno("no system bus", -r));
  }
  std::unique_ptr<sd_bus, sd_bus* (*)(sd_bus*)> bus(raw_bus, sd_bus_flush_close_unref);
  sd_bus_error error = SD_BUS_ERROR_NULL;
  sd_bus_message* reply = nullptr;
  // LoadUnit (unlike GetUnit) also answers for units that are not loaded.
  int r = sd_bus_call_method(bus.get(), "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
                             "org.freedesktop.systemd1.Manager", "LoadUnit", &error, &reply, "s",
                             unit.c_str());
  if (r < 0) {
    std::string message = error.message ? error.message : std::strerror(-r);
    sd_bus_error_free(&error);
    return Fail("systemd on the bus: " + message);
  }
  const char* object_path = nullptr;
  r = sd_bus_message_read(reply, "o", &object_path);
  std::string path = r >= 0 && object_path ? object_path : "";
  sd_bus_message_unref(reply);
  if (path.empty()) return Fail("no object path for " + unit);

  UnitState state;
  state.name = unit;
  auto get_string = [&](const char* iface, const char* prop, std::string& out) {
    char* value = nullptr;
    sd_bus_error e = SD_BUS_ERROR_NULL;
    if (sd_bus_get_property_string(bus.get(), "org.freedesktop.systemd1", path.c_str(), iface, prop,
                                   &e, &value) >= 0 && value) {
      out = value;
    }
    std::free(value);
    sd_bus_error_free(&e);
  };
  get_string("org.freedesktop.systemd1.Unit", "LoadState", state.load_state);
  get_string("org.freedesktop.systemd1.Unit", "ActiveState", state.active_state);
  get_string("org.freedesktop.systemd1.Unit", "SubState", state.sub_state);
  sd_bus_error e = SD_BUS_ERROR_NULL;
  std::uint32_t restarts = 0;
  if (sd_bus_get_property_trivial(bus.get(), "org.freedesktop.systemd1", path.c_str(),
                                  "org.freedesktop.systemd1.Service", "NRestarts", &e, 'u',
                                  &restarts) >= 0) {
    state.n_restarts = restarts;
  }
  sd_bus_error_free(&e);
  return state;
}

std::optional<std::string> RealHost::GroupName(std::uint32_t gid) const {
  group grp{};
  group* found = nullptr;
  char buf[16384];
  if (::getgrgid_r(gid, &grp, buf, sizeof buf, &found) != 0 || !found) return std::nullopt;
  return std::string(found->gr_name);
}

std::optional<std::string> RealHost::FindProgram(const std::string& name) const {
  if (name.find('/') != std::string::npos) {
    return ::access(name.c_str(), X_OK) == 0 ? std::optional<std::string>(name) : std::nullopt;
  }
  const char* path_env = std::getenv("PATH");
  std::string path = path_env ? path_env : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto colon = path.find(':', start);
    const std::string dir = path.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty()) {
      const std::string candidate = dir + "/" + name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return std::nullopt;
}

Result<bool> RealHost::WriteFileAtomic(const std::string& path, const std::string& text) const {
  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(path).parent_path(), ec);
  if (auto w = WriteFileAtomically(path, text, 0600); !w) return Fail(w.error().message);
  return true;
}

}  // namespace sshd_health
