// CountRecentLogEvents: what `check` and the daemon's first audit know of recent
// MaxStartups drops and LoginGraceTime expiries, read through the sources' own journal
// and file readers.
#include "app/recent_drops.h"

#include <catch2/catch.hpp>
#include <chrono>
#include <string>

#include "core/time_format.h"
#include "journal_writer.h"
#include "subprocess.h"
#include "temp_dir.h"

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {

std::string Drop(int n) {
  return "drop connection #" + std::to_string(n) +
         " from [192.0.2.7]:50270 on [127.0.0.1]:22 past MaxStartups";
}

std::uint64_t Usec(TimePoint t) {
  return static_cast<std::uint64_t>(
      std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count());
}

}  // namespace

// The journal used to be read with its own match list, which left out sshd-auth.
TEST_CASE("recent drops in the journal count every sshd identifier within the window",
          "[app][journal]") {
  TempDir dir;
  const TimePoint now = SystemClock::now();
  {
    test::JournalWriter w(dir.path());
    w.Write("sshd", 812, Drop(1), Usec(now - 3h));  // before the window
    w.Write("sshd", 812, Drop(2), Usec(now - 5min));
    w.Write("sshd-auth", 813, Drop(3), Usec(now - 1min));
    w.Write("CRON", 99, Drop(4), Usec(now - 1min));  // not sshd's
  }
  Config config;
  config.sources.journal.enabled = Tristate::kOn;
  config.sources.journal.directory = dir.path();
  CHECK(CountRecentLogEvents(config, now).maxstartups_drops == 2);
}

TEST_CASE("recent drops in a file are counted in its last 4 MiB only", "[app]") {
  TempDir dir;
  const std::string log = dir.path() + "/auth.log";
  const TimePoint now = SystemClock::now();
  const std::string line = FormatRfc3339(std::chrono::floor<std::chrono::seconds>(now - 2min)) +
                           " host sshd[812]: " + Drop(1) + "\n";
  std::string filler;
  for (int i = 0; filler.size() < (5u << 20); ++i) {
    filler += FormatRfc3339(std::chrono::floor<std::chrono::seconds>(now - 2min)) +
              " host sshd[9]: Connection closed by 192.0.2.9 port " + std::to_string(i) + "\n";
  }
  test::WriteFile(log, line + filler + line + line);
  Config config;
  config.sources.journal.enabled = Tristate::kOff;
  config.sources.files = {{log}, {dir.path() + "/missing.log"}};
  CHECK(CountRecentLogEvents(config, now).maxstartups_drops == 2);
  config.sources.files = {{dir.path() + "/missing.log"}};
  CHECK(CountRecentLogEvents(config, now).maxstartups_drops == std::nullopt);
  CHECK(CountRecentLogEvents(config, now).grace_timeouts == std::nullopt);
}

// The vulnerabilities check names a regreSSHion-shaped burst; `check` and the daemon's
// first audit count the expiries in the same pass as the drops.
TEST_CASE("recent grace timeouts are counted beside the drops, within the window", "[app]") {
  TempDir dir;
  const std::string log = dir.path() + "/auth.log";
  const TimePoint now = SystemClock::now();
  auto at = [&](Duration ago) {
    return FormatRfc3339(std::chrono::floor<std::chrono::seconds>(now - ago));
  };
  std::string text =
      at(3h) + " host sshd[7]: fatal: Timeout before authentication for 192.0.2.1 port 1\n";
  for (int i = 0; i < 3; ++i) {
    text += at(10min) + " host sshd[" + std::to_string(20 + i) +
            "]: fatal: Timeout before authentication for 192.0.2.1 port " +
            std::to_string(100 + i) + "\n";
  }
  text += at(5min) + " host sshd[812]: " + Drop(1) + "\n";
  test::WriteFile(log, text);
  Config config;
  config.sources.journal.enabled = Tristate::kOff;
  config.sources.files = {{log}};
  const RecentLogCounts counts = CountRecentLogEvents(config, now);
  CHECK(counts.grace_timeouts == 3);
  CHECK(counts.maxstartups_drops == 1);
}

TEST_CASE("the live window counts its seed until it ages out, then only what it recorded",
          "[app]") {
  RecentEventWindow window(1h);
  const TimePoint t0 = SystemClock::now();
  window.Seed(5, t0);
  window.Record(t0 + 10min);
  CHECK(window.Count(t0 + 20min) == 6);
  CHECK(window.Count(t0 + 61min) == 1);
  CHECK(window.Count(t0 + 71min) == 0);
}
