#include "audit/banner_probe.h"

#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
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

// The socket's own address and port (getsockname), numeric.
bool LocalEndpoint(int fd, std::string& address, int& port) {
  sockaddr_storage ss{};
  socklen_t len = sizeof ss;
  if (::getsockname(fd, reinterpret_cast<sockaddr*>(&ss), &len) != 0) return false;
  char host[NI_MAXHOST];
  char serv[NI_MAXSERV];
  if (::getnameinfo(reinterpret_cast<sockaddr*>(&ss), len, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
    return false;
  }
  address = host;
  port = std::atoi(serv);
  return true;
}

// Binds `fd` to an ephemeral port of its family's wildcard address, so the port is known
// (and in the ledger) before the connect: sshd may log "Connection from A port P" as soon
// as the handshake completes, before this thread runs again.
bool BindEphemeral(int fd, int family) {
  sockaddr_storage ss{};
  socklen_t len = 0;
  if (family == AF_INET) {
    auto* sin = reinterpret_cast<sockaddr_in*>(&ss);
    sin->sin_family = AF_INET;
    sin->sin_addr.s_addr = htonl(INADDR_ANY);
    len = sizeof *sin;
  } else if (family == AF_INET6) {
    auto* sin6 = reinterpret_cast<sockaddr_in6*>(&ss);
    sin6->sin6_family = AF_INET6;
    sin6->sin6_addr = in6addr_any;
    len = sizeof *sin6;
  } else {
    return false;
  }
  return ::bind(fd, reinterpret_cast<sockaddr*>(&ss), len) == 0;
}

}  // namespace

BannerProbe ReadSshBanner(const std::string& address, int port, std::chrono::milliseconds timeout,
                          ProbeLedger* ledger) {
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
  std::uint64_t serial = 0;
  if (ledger) {
    ProbeConnection c;
    c.target_address = address;
    c.target_port = port;
    c.started = SystemClock::now();
    // Without a known port the daemon could not tell this connection's lines from a
    // stranger's: it then claims none of them (they reach the rules like any other).
    if (BindEphemeral(fd.get(), res->ai_family) &&
        LocalEndpoint(fd.get(), c.local_address, c.local_port)) {
      serial = ledger->Begin(std::move(c));
    }
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
  if (serial != 0) {
    std::string local_address;
    int local_port = 0;
    if (LocalEndpoint(fd.get(), local_address, local_port))
      ledger->Connected(serial, local_address);
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
        const auto latency =
            std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - start);
        probe.latency = std::chrono::duration_cast<std::chrono::milliseconds>(latency);
        probe.outcome = BannerProbe::Outcome::kOk;
        if (serial != 0) ledger->ReachedSshd(serial, latency);
        // Answer with our own identification before closing: sshd then logs "probed from
        // A port P with SSH-2.0-Probe-....  Don't panic." (compat.c SSH_BUG_PROBE) instead
        // of "kex_exchange_identification: Connection closed by remote host", so the
        // probe never looks like the very failure it watches for, and the daemon gets a
        // line it can expect (sshd_health.logs_not_seen). Best effort: the socket is
        // non-blocking and the line is short.
        const std::string ident = std::string(kProbeIdentification) + "\r\n";
        (void)!::send(fd.get(), ident.data(), ident.size(), MSG_NOSIGNAL);
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
