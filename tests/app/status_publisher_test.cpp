// StatusPublisher on a real io_context: the first write comes at once, a burst of changes
// within the second after it is folded into one more write at its end, and Stop removes
// the file.
#include "app/status_publisher.h"

#include <catch2/catch.hpp>
#include <filesystem>

#include "run_until.h"
#include "temp_dir.h"

using namespace sshd_health;
using namespace std::chrono_literals;

TEST_CASE("The status file is written at once, then at most once a second, and removed at stop",
          "[app][status]") {
  TempDir dir;
  const std::string path = dir.path() + "/run/status.json";
  boost::asio::io_context io;
  int builds = 0;
  StatusPublisher publisher(io, [&] {
    ++builds;
    StatusSnapshot s;
    s.daemon.pid = 1;
    return s;
  });
  const auto started = std::chrono::steady_clock::now();
  publisher.Start(path);
  CHECK(builds == 1);
  CHECK(std::filesystem::exists(path));
  // A flood of log lines: one change per batch.
  for (int i = 0; i < 1000; ++i) publisher.Changed();
  CHECK(builds == 1);
  REQUIRE(test::RunUntil(
      io, [&] { return builds == 2; }, 10s));
  CHECK(std::chrono::steady_clock::now() - started >= StatusPublisher::kMinInterval);
  // Nothing more was pending: the burst cost one write.
  io.restart();
  io.run_for(100ms);
  CHECK(builds == 2);
  publisher.Stop();
  CHECK_FALSE(std::filesystem::exists(path));
  // Stopped: changes write nothing.
  publisher.Changed();
  CHECK(builds == 2);
}
