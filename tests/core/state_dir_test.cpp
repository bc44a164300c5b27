// OpenStateDir: where the daemon keeps its positions and spool, and when it may move.
#include <stdlib.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "core/state_store.h"
#include "temp_dir.h"

using namespace sshd_health;

namespace {

// Sets an environment variable for one test and puts the old value back.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = ::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_)
      ::setenv(name_, old_->c_str(), 1);
    else
      ::unsetenv(name_);
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

}  // namespace

TEST_CASE("a usable state_dir is created and used as configured", "[core]") {
  TempDir dir;
  const std::string wanted = dir.path() + "/state";
  const auto used = OpenStateDir(wanted, true);
  REQUIRE(used);
  CHECK(*used == wanted);
  CHECK(std::filesystem::is_directory(wanted));
}

TEST_CASE("an unusable state_dir falls back to the user's own only when allowed", "[core]") {
  TempDir dir;
  const std::string blocker = dir.path() + "/a-file";
  std::FILE* f = std::fopen(blocker.c_str(), "w");
  REQUIRE(f);
  std::fclose(f);
  const std::string unusable = blocker + "/state";  // a directory cannot be made under a file
  const ScopedEnv xdg("XDG_STATE_HOME", dir.path() + "/xdg");
  CHECK(UserStateDir() == dir.path() + "/xdg/sshd-health");

  SECTION("a state_dir someone wrote down is meant: no fallback") {
    const auto used = OpenStateDir(unusable, false);
    REQUIRE_FALSE(used);
    CHECK_THAT(used.error().message, Catch::StartsWith("cannot use state_dir " + unusable + ": "));
  }
  SECTION("the built-in default moves to the user's state directory") {
    const auto used = OpenStateDir(unusable, true);
    REQUIRE(used);
    CHECK(*used == dir.path() + "/xdg/sshd-health");
    CHECK(std::filesystem::is_directory(*used));
  }
  SECTION("when neither can be used, the error names both") {
    const ScopedEnv bad_xdg("XDG_STATE_HOME", blocker);
    const auto used = OpenStateDir(unusable, true);
    REQUIRE_FALSE(used);
    CHECK_THAT(used.error().message, Catch::StartsWith("cannot use state_dir " + unusable +
                                                       " nor " + blocker + "/sshd-health: "));
  }
}
