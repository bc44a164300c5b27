#include "audit/banner_probe.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <memory>

#include "core/unique_fd.h"

namespace sshd_health {
namespace {

using SteadyClock = std::chrono::steady_clock;

int RemainingMs(SteadyClock::time_point deadline) {
  const auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline - SteadyClock::now());
  return left.count() < 0 ? 0 : static_cast<int>(left.count());
}

}  // namespace

BannerProbe ReadSshBanner(const std::string& address, int port, std::chrono::milliseconds timeout) {
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
  const UniqueFd fd(::socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.is_open()) {
    probe.error = std::string("socket: ") + std::strerror(errno);
    return probe;
  }
  if (::connect(fd.get(), res->ai_addr, res->ai_addrlen) != 0 && errno != EINPROGRESS) {
    const int err = errno;
    probe.outcome =
        err == ECONNREFUSED ? BannerProbe::Outcome::kRefused : BannerProbe::Outcome::kError;
    probe.error = std::strerror(err);
    return probe;
  }
  pollfd pfd{fd.get(), POLLOUT, 0};
  if (::poll(&pfd, 1, RemainingMs(deadline)) <= 0) {
    probe.outcome = BannerProbe::Outcome::kTimeout;
    probe.error = "no answer to connect";
    return probe;
  }
  int err = 0;
  socklen_t len = sizeof err;
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &err, &len);
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
    pfd = {fd.get(), POLLIN, 0};
    const int left = RemainingMs(deadline);
    if (left == 0 || ::poll(&pfd, 1, left) <= 0) {
      probe.outcome = BannerProbe::Outcome::kTimeout;
      probe.error = buffer.empty() ? "connected, but no banner within the timeout"
                                   : "banner line not finished within the timeout";
      probe.banner = buffer;
      return probe;
    }
    char buf[1024];
    const ssize_t n = ::recv(fd.get(), buf, sizeof buf, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      // Closed before any "SSH-" line: what ssh reports as "kex_exchange_identification:
      // Connection closed by remote host". OpenSSH may first write a reason line
      // ("Exceeded MaxStartups\r\n", sshd.c); keep it for the report.
      probe.outcome = BannerProbe::Outcome::kClosed;
      probe.error = n == 0 ? "connection closed by the server" : std::strerror(errno);
      probe.banner = buffer.substr(0, 255);
      while (!probe.banner.empty() &&
             (probe.banner.back() == '\n' || probe.banner.back() == '\r')) {
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
        probe.latency =
            std::chrono::duration_cast<std::chrono::milliseconds>(SteadyClock::now() - start);
        probe.outcome = BannerProbe::Outcome::kOk;
        // Answer with our own identification before closing: sshd then logs an ordinary
        // "Connection closed by ... [preauth]" instead of "kex_exchange_identification:
        // Connection closed by remote host", so the probe never looks like the very
        // failure it watches for. Best effort: the socket is non-blocking.
        static constexpr char kProbeIdent[] = "SSH-2.0-sshd_health_probe\r\n";
        (void)!::send(fd.get(), kProbeIdent, sizeof kProbeIdent - 1, MSG_NOSIGNAL);
        return probe;
      }
    }
  }
  probe.outcome = BannerProbe::Outcome::kBadBanner;
  probe.error = "no \"SSH-\" line in the first 8 KiB";
  probe.banner = buffer.substr(0, 255);
  return probe;
}

}  // namespace sshd_health
