// End to end, a central log host (issue 17): two real sshd instances on their own
// 127.0.0.x addresses stand for two machines, "alpha" and "beta". A forwarder rewrites
// each one's log lines as that machine's syslog lines (HOSTNAME alpha or beta, and a PID
// per connection numbered alike on both, so the two hosts reuse the same PIDs at the
// same time) into one file, as rsyslog on a central box would. The real daemon reads
// that one file; its alerts must name the right host and address each.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <ctime>
#include <filesystem>
#include <mutex>
#include <set>
#include <thread>

#include "daemon_harness.h"
#include "real_sshd.h"
#include "receivers.h"
#include "subprocess.h"
#include "temp_dir.h"

using namespace test;
using nlohmann::json;

namespace {

constexpr auto kAlertWait = std::chrono::seconds(30);

// One machine's sshd and the host name its lines are written under.
struct Machine {
  std::string host;
  RealSshd* sshd = nullptr;
  std::size_t offset = 0;  // how far its -E log was forwarded
  std::string partial;
  int connection = 0;  // connections seen: PID 5000 + this, the same series on every host
};

/// Tails each machine's -E log (bare messages: no time, host or PID) and appends every
/// line to `out` as "Mmm dd HH:MM:SS HOST sshd[PID]: MESSAGE". A "Connection from" line
/// starts a new PID, so each host's Nth connection is PID 5000+N on both hosts.
class CentralForwarder {
 public:
  CentralForwarder(std::vector<Machine> machines, std::string out)
      : machines_(std::move(machines)), out_(std::move(out)) {
    WriteFile(out_, "");
    thread_ = std::thread([this] { Run(); });
  }
  ~CentralForwarder() {
    stop_ = true;
    thread_.join();
  }

 private:
  void Run() {
    while (!stop_) {
      std::string batch;
      for (Machine& m : machines_) {
        const std::string all = ReadFile(m.sshd->log_path());
        if (all.size() <= m.offset) continue;
        m.partial += all.substr(m.offset);
        m.offset = all.size();
        std::size_t nl;
        while ((nl = m.partial.find('\n')) != std::string::npos) {
          std::string line = m.partial.substr(0, nl);
          m.partial.erase(0, nl + 1);
          if (!line.empty() && line.back() == '\r') line.pop_back();
          if (line.rfind("Connection from ", 0) == 0) ++m.connection;
          const int pid = m.connection == 0 ? 4000 : 5000 + m.connection;
          char ts[32];
          const std::time_t now = std::time(nullptr);
          std::tm tm{};
          ::localtime_r(&now, &tm);
          std::strftime(ts, sizeof ts, "%b %e %H:%M:%S", &tm);
          batch +=
              std::string(ts) + " " + m.host + " sshd[" + std::to_string(pid) + "]: " + line + "\n";
        }
      }
      if (!batch.empty()) AppendFile(out_, batch);
      std::this_thread::sleep_for(20ms);  // a log shipper's poll, not an assertion
    }
  }

  std::vector<Machine> machines_;
  std::string out_;
  std::thread thread_;
  std::atomic<bool> stop_{false};
};

// Connects from `source` and closes without a word: sshd logs
// "kex_exchange_identification: Connection closed by remote host", which names no
// address - the parser takes it from the PID's "Connection from" line.
void ConnectAndClose(const std::string& source, const std::string& address, int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(fd >= 0);
  sockaddr_in src{};
  src.sin_family = AF_INET;
  ::inet_pton(AF_INET, source.c_str(), &src.sin_addr);
  REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&src), sizeof src) == 0);
  sockaddr_in dst{};
  dst.sin_family = AF_INET;
  dst.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, address.c_str(), &dst.sin_addr);
  const bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&dst), sizeof dst) == 0;
  ::close(fd);
  REQUIRE(connected);
}

std::set<std::pair<std::string, std::string>> HostsAndIps(const std::vector<json>& alerts) {
  std::set<std::pair<std::string, std::string>> out;
  for (const json& a : alerts) out.emplace(a.value("host", ""), a["labels"].value("ip", ""));
  return out;
}

}  // namespace

TEST_CASE("a central log host: two machines' sshd lines in one file, same PIDs, alerts per host",
          "[e2e]") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() + "/alpha");
  std::filesystem::create_directories(dir.path() + "/beta");
  auto at = [](const std::string& address) {
    RealSshd::Options o;
    o.address = address;
    return o;
  };
  RealSshd alpha(dir.path() + "/alpha", at("127.0.0.71"));
  RealSshd beta(dir.path() + "/beta", at("127.0.0.72"));
  alpha.Start();
  beta.Start();
  const std::string combined = dir.path() + "/remote.log";
  std::vector<Machine> machines(2);
  machines[0].host = "alpha";
  machines[0].sshd = &alpha;
  machines[1].host = "beta";
  machines[1].sshd = &beta;
  CentralForwarder forwarder(std::move(machines), combined);
  WebhookReceiver receiver;
  receiver.Start();
  DaemonUnderTest daemon(dir.path(), "state_dir: " + dir.path() +
                                         "/state\n"
                                         "sources:\n"
                                         "  journal: { enabled: false }\n"
                                         "  files: [ { path: \"" +
                                         combined +
                                         "\" } ]\n"
                                         "rules: { paths: [\"" +
                                         std::string(SSHD_HEALTH_SOURCE_TREE) +
                                         "/rules\"] }\n"
                                         "audit: { enabled: false }\n"
                                         "notify:\n"
                                         "  group_wait: 200ms\n"
                                         "  notifiers:\n"
                                         "    - { name: hook, type: webhook, url: \"" +
                                         receiver.url() + "\", format: json }\n");
  daemon.Start();
  auto diagnostics = [&] {
    return "--- combined log:\n" + ReadFile(combined) + "\n--- daemon stderr:\n" + daemon.Err() +
           "\n--- webhook:\n" + receiver.Dump();
  };

  // Both machines are attacked at once, so their lines - and their PIDs, numbered alike -
  // interleave in the one file.
  auto attack = [](RealSshd* sshd, const std::string& brute, const std::string& scanner,
                   const std::string& both) {
    for (int i = 0; i < 11; ++i) sshd->Client("nosuch" + std::to_string(i), {"-b", brute});
    for (int i = 0; i < 6; ++i) ConnectAndClose(scanner, sshd->address(), sshd->port());
    // 6 failures on each machine: 12 in all, but no machine saw the brute-force 10.
    for (int i = 0; i < 6; ++i) sshd->Client("both" + std::to_string(i), {"-b", both});
  };
  std::thread on_beta([&] { attack(&beta, "127.0.0.172", "127.0.0.182", "127.0.0.190"); });
  attack(&alpha, "127.0.0.171", "127.0.0.181", "127.0.0.190");
  on_beta.join();

  INFO(diagnostics());
  REQUIRE(WaitFor([&] { return receiver.Find("sshd.auth.brute_force").size() >= 2; }, kAlertWait));
  REQUIRE(WaitFor([&] { return receiver.Find("sshd.kex.ident_scanner").size() >= 2; }, kAlertWait));
  // A sentinel through the same path: a last brute force on alpha. Once its alert is
  // in, every attack line before it has been through the rules too (so a brute force
  // for 127.0.0.190 would be in by now).
  for (int i = 0; i < 10; ++i) alpha.Client("last" + std::to_string(i), {"-b", "127.0.0.199"});
  REQUIRE(WaitFor(
      [&] {
        const auto all = HostsAndIps(receiver.Find("sshd.auth.brute_force"));
        return all.count({"alpha", "127.0.0.199"}) == 1;
      },
      kAlertWait));

  using HostIp = std::pair<std::string, std::string>;
  const auto brute = receiver.Find("sshd.auth.brute_force");
  CHECK(HostsAndIps(brute) == std::set<HostIp>{{"alpha", "127.0.0.171"},
                                               {"beta", "127.0.0.172"},
                                               {"alpha", "127.0.0.199"}});
  CHECK(brute.size() == 3);  // none for 127.0.0.190: 6 on each host, never 10 on one
  const auto scans = receiver.Find("sshd.kex.ident_scanner");
  CHECK(HostsAndIps(scans) == std::set<HostIp>{{"alpha", "127.0.0.181"}, {"beta", "127.0.0.182"}});
  for (const json& a : scans) {
    for (const auto& line : a["evidence"])
      CHECK(line.get<std::string>().find(a.value("host", "")) != std::string::npos);
  }
  // The machines did reuse each other's PIDs.
  const std::string all = ReadFile(combined);
  CHECK(all.find("alpha sshd[5001]") != std::string::npos);
  CHECK(all.find("beta sshd[5001]") != std::string::npos);
  // No audits on a central host: no probe of anything, no finding alerts.
  for (const json& a : receiver.Alerts()) CHECK(a.value("rule", "").rfind("sshd.", 0) == 0);
}
