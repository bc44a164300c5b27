// Throughput of ParseSyslogLine + SshdParser, printed (never asserted: speed is measured,
// not a pass/fail criterion). Issue 7's benchmark compares against fail2ban/sshguard.
#include <catch2/catch.hpp>
#include <ctime>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "parse/sshd_parser.h"
#include "sources/syslog_line.h"

namespace sshd_health {
namespace {

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

TEST_CASE("parser throughput on a mixed auth.log is printed", "[parse][bench]") {
  // Event lines from the format table, interleaved with the non-event lines an
  // auth.log is mostly made of.
  std::vector<std::string> events;
  std::ifstream in(std::string(SSHD_HEALTH_TEST_DATA) + "/parse/events.tsv");
  for (std::string row; std::getline(in, row);) {
    if (row.empty() || row[0] == '#') continue;
    events.push_back(row.substr(row.rfind('\t') + 1));
  }
  REQUIRE_FALSE(events.empty());
  const std::vector<std::string> others = {
      "Nov 21 16:31:02 web1 CRON[2211]: pam_unix(cron:session): session opened for user "
      "root(uid=0) by (uid=0)",
      "Nov 21 16:31:02 web1 systemd-logind[501]: New session 42 of user deploy.",
      "Nov 21 16:31:02 web1 sshd[1201]: pam_unix(sshd:session): session closed for user deploy",
      "Nov 21 16:31:02 web1 sshd[1201]: Postponed publickey for git from 192.0.2.1 port 57904 ssh2 "
      "[preauth]"};
  std::vector<std::string> lines;
  for (std::size_t i = 0; i < 200000; ++i) {
    lines.push_back(i % 3 == 0 ? events[i % events.size()] : others[i % others.size()]);
  }
  SshdParser parser;
  const SyslogContext ctx;
  std::size_t recognised = 0;
  const double start = ThreadCpuSeconds();
  for (const auto& line : lines) {
    if (const auto rec = ParseSyslogLine(line, ctx))
      recognised += parser.Parse(*rec).has_value() ? 1 : 0;
  }
  const double secs = ThreadCpuSeconds() - start;
  std::cout << "parse throughput: " << lines.size() << " lines, " << recognised << " events, "
            << secs << " s CPU, " << static_cast<long>(static_cast<double>(lines.size()) / secs)
            << " lines/s\n";
  CHECK(recognised > lines.size() / 4);
}

}  // namespace
}  // namespace sshd_health
