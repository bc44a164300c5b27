// StateStore: records survive a new instance, replace atomically, and bad directories
// are reported.
#include "core/state_store.h"

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>

#include "temp_dir.h"

using sshd_health::StateStore;

TEST_CASE("state store keeps records across instances and replaces them whole", "[core][state]") {
  TempDir dir;
  const std::string path = dir.path() + "/a/b";
  {
    StateStore s(path);
    REQUIRE(s.Open());
    CHECK_FALSE(s.Load("k"));
    REQUIRE(s.Save("k", "first version, longer"));
    REQUIRE(s.Save("k", "second", true));
  }
  StateStore again(path);
  REQUIRE(again.Load("k"));
  CHECK(*again.Load("k") == "second");
  CHECK_FALSE(std::filesystem::exists(path + "/k.tmp"));
}

TEST_CASE("state store reports a directory it cannot create", "[core][state]") {
  TempDir dir;
  const std::string file = dir.path() + "/file";
  {
    std::FILE* f = std::fopen(file.c_str(), "w");
    std::fclose(f);
  }
  StateStore s(file + "/sub");
  const auto r = s.Open();
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::Contains(file + "/sub"));
}

TEST_CASE("state store keys for paths are stable, distinct and file-name safe", "[core][state]") {
  const auto a = StateStore::KeyForPath("file", "/var/log/auth.log");
  CHECK(a == StateStore::KeyForPath("file", "/var/log/auth.log"));
  CHECK(a != StateStore::KeyForPath("file", "/srv/log/auth.log"));
  CHECK_THAT(a, Catch::StartsWith("file-") && Catch::EndsWith("-auth.log"));
  CHECK(StateStore::KeyForPath("file", "/x/we ird/../\n").find('/') == std::string::npos);
}
