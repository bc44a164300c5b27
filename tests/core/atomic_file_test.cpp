// WriteFileAtomically in a real temporary directory: whole replacement, exact mode, no
// temporary left behind on success or failure, errors that name the path.
#include "core/atomic_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <vector>

#include "subprocess.h"
#include "temp_dir.h"

using namespace sshd_health;
using Catch::Matchers::StartsWith;

namespace {

std::vector<std::string> Names(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename());
  return out;
}

mode_t ModeOf(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

}  // namespace

TEST_CASE("an atomic write replaces the whole file and leaves no temporary", "[core]") {
  TempDir dir;
  const std::string path = dir.path() + "/record";
  const auto durability = GENERATE(Durability::kSynced, Durability::kAtomicOnly);
  REQUIRE(WriteFileAtomically(path, "first version, longer\n", 0600, durability));
  REQUIRE(WriteFileAtomically(path, "second\n", 0600, durability));
  CHECK(test::ReadFile(path) == "second\n");
  CHECK(Names(dir.path()) == std::vector<std::string>{"record"});
}

TEST_CASE("an atomic write creates the file with its mode less the umask", "[core]") {
  TempDir dir;
  const std::string path = dir.path() + "/record";
  const mode_t old_umask = ::umask(0022);
  const auto loose = WriteFileAtomically(path, "x", 0640);
  const mode_t loose_mode = ModeOf(path);
  ::umask(0077);
  const auto strict = WriteFileAtomically(path, "", 0640);
  ::umask(old_umask);
  REQUIRE(loose);
  CHECK(loose_mode == 0640);
  REQUIRE(strict);
  CHECK(ModeOf(path) == 0600);
  CHECK(test::ReadFile(path).empty());
}

TEST_CASE("an atomic write into a directory it cannot write says which path", "[core]") {
  TempDir tmp;
  std::string dir = tmp.path() + "/read-only";
  std::filesystem::create_directory(dir);
  ::chmod(dir.c_str(), 0555);
  // root writes into a 0555 directory anyway; procfs refuses new files to everyone.
  if (::geteuid() == 0) dir = "/proc";
  const std::string path = dir + "/record";
  const auto r = WriteFileAtomically(path, "x", 0600);
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, StartsWith("cannot create a temporary file for " + path + ": "));
  ::chmod((tmp.path() + "/read-only").c_str(), 0755);
}

TEST_CASE("an atomic write into a missing directory fails and names the path", "[core]") {
  TempDir dir;
  const std::string path = dir.path() + "/missing/record";
  const auto r = WriteFileAtomically(path, "x", 0600);
  REQUIRE_FALSE(r);
  CHECK(r.error().message ==
        "cannot create a temporary file for " + path + ": No such file or directory");
}

TEST_CASE("a failed rename keeps the old target and removes the temporary", "[core]") {
  TempDir dir;
  const std::string path = dir.path() + "/taken";
  std::filesystem::create_directory(path);  // rename(2) cannot put a file over a directory
  const auto r = WriteFileAtomically(path, "x", 0600);
  REQUIRE_FALSE(r);
  CHECK(r.error().message == "cannot rename a temporary file to " + path + ": Is a directory");
  CHECK(std::filesystem::is_directory(path));
  CHECK(Names(dir.path()) == std::vector<std::string>{"taken"});
}
