// Proves the RealSshd fixture works on this machine, so later failures are ours.
#include "real_sshd.h"

#include <catch2/catch.hpp>

#include "temp_dir.h"

TEST_CASE("the real sshd fixture starts, logs a failed login and stops", "[fakes][sshd]") {
  TempDir dir;
  test::RealSshd sshd(dir.path());
  sshd.Start();
  const auto r = sshd.Client("nosuchuser", {}, "wrong-password");
  CHECK(r.exit_code != 0);
  CHECK(test::WaitFor(
      [&] {
        return sshd.Log().find("Failed password for invalid user nosuchuser from 127.0.0.1") !=
               std::string::npos;
      },
      std::chrono::seconds(10)));
  sshd.Stop();
  CHECK_FALSE(sshd.Running());
}
