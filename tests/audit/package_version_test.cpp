// dpkg and rpm version order: dpkg's against the real `dpkg --compare-versions` on this
// machine, rpm's against the vectors of rpm's own test suite.
#include "audit/package_version.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "core/subprocess.h"

using namespace sshd_health;

namespace {

int Sign(int v) { return v < 0 ? -1 : v > 0 ? 1 : 0; }

// dpkg's own verdict: -1, 0, 1 (two runs: lt, then eq).
std::optional<int> DpkgCompare(const std::string& a, const std::string& b) {
  auto run = [&](const char* op) -> std::optional<bool> {
    SubprocessRequest r;
    r.argv = {"dpkg", "--compare-versions", a, op, b};
    auto res = RunSubprocess(r);
    if (!res || res->timed_out || !res->Exited() || res->exit_status > 1) return std::nullopt;
    return res->exit_status == 0;
  };
  const auto lt = run("lt");
  const auto eq = run("eq");
  if (!lt || !eq) return std::nullopt;
  return *lt ? -1 : *eq ? 0 : 1;
}

}  // namespace

TEST_CASE("dpkg order agrees with the real dpkg --compare-versions", "[audit]") {
  if (!DpkgCompare("1", "1")) {
    WARN("dpkg is not installed");
    return;
  }
  // Every pair of these (both orders), plus the edge cases below.
  const std::vector<std::string> versions = {
      "1:9.2p1-2",
      "1:9.2p1-2+deb12u2",
      "1:9.2p1-2+deb12u3",
      "1:9.2p1-2+deb12u10",
      "1:9.2p1-2+deb12u9",
      "9.2p1-2+deb12u3",
      "1:9.2p1",
      "1:9.6p1-3ubuntu13.3",
      "1:9.6p1-3ubuntu13",
      "1:8.9p1-3ubuntu0.10",
      "1:8.9p1-3ubuntu0.6",
      "1:10.0p1-5",
      "1:10.0p1~rc1-1",
      "1:8.4p1-5+deb11u3",
      "2:0.1",
      "1:9.2p1-2~bpo11+1",
  };
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& a : versions)
    for (const auto& b : versions) pairs.emplace_back(a, b);
  for (const auto& [a, b] :
       std::vector<std::pair<std::string, std::string>>{{"1.0~rc1", "1.0"},
                                                        {"1.0~~", "1.0~"},
                                                        {"1.0~", "1.0"},
                                                        {"1.0", "1.0+b1"},
                                                        {"0:1.0", "1.0"},
                                                        {"1.2.3", "1.2.3-0"},
                                                        {"1.0a", "1.0"},
                                                        {"1.0a", "1.0+"},
                                                        {"1.0.", "1.0"},
                                                        {"1.001", "1.1"},
                                                        {"1.10", "1.9"},
                                                        {"1.0-1", "1.0-01"},
                                                        {"a", "b"},
                                                        {"1.0-a", "1.0-1"},
                                                        {"5.15.0-91.101", "5.15.0-105.115"},
                                                        {"1.0-1~", "1.0-1"},
                                                        {"10", "9"},
                                                        {"1.2-3-4", "1.2-3-5"},
                                                        {"1.2-3-4", "1.2-3"}}) {
    pairs.emplace_back(a, b);
    pairs.emplace_back(b, a);
  }
  int compared = 0;
  for (const auto& [a, b] : pairs) {
    const auto want = DpkgCompare(a, b);
    REQUIRE(want);
    INFO(a << " vs " << b);
    CHECK(Sign(CompareDebianVersions(a, b)) == *want);
    ++compared;
  }
  CHECK(compared > 250);
}

TEST_CASE("the openssh-server versions the issue names compare as Debian orders them", "[audit]") {
  CHECK(CompareDebianVersions("1:9.2p1-2+deb12u2", "1:9.2p1-2+deb12u3") < 0);
  CHECK(CompareDebianVersions("1:9.2p1-2+deb12u10", "1:9.2p1-2+deb12u3") > 0);  // 10 > 3
  CHECK(CompareDebianVersions("9.9p1-1", "1:9.2p1-2") < 0);                     // epoch first
}

// Vectors from rpm's tests/rpmvercmp.at (rpm-software-management/rpm, commit 0920d33 and
// the caret cases of later versions): RPMVERCMP(a, b, result).
TEST_CASE("rpmvercmp agrees with rpm's own test vectors", "[audit]") {
  struct Case {
    const char* a;
    const char* b;
    int want;
  };
  const Case cases[] = {
      {"1.0", "1.0", 0},
      {"1.0", "2.0", -1},
      {"2.0", "1.0", 1},
      {"2.0.1", "2.0.1", 0},
      {"2.0", "2.0.1", -1},
      {"2.0.1", "2.0", 1},
      {"2.0.1a", "2.0.1a", 0},
      {"2.0.1a", "2.0.1", 1},
      {"2.0.1", "2.0.1a", -1},
      {"5.5p1", "5.5p1", 0},
      {"5.5p1", "5.5p2", -1},
      {"5.5p2", "5.5p1", 1},
      {"5.5p10", "5.5p10", 0},
      {"5.5p1", "5.5p10", -1},
      {"5.5p10", "5.5p1", 1},
      {"10xyz", "10.1xyz", -1},
      {"10.1xyz", "10xyz", 1},
      {"xyz10", "xyz10", 0},
      {"xyz10", "xyz10.1", -1},
      {"xyz10.1", "xyz10", 1},
      {"xyz.4", "xyz.4", 0},
      {"xyz.4", "8", -1},
      {"8", "xyz.4", 1},
      {"xyz.4", "2", -1},
      {"2", "xyz.4", 1},
      {"5.5p2", "5.6p1", -1},
      {"5.6p1", "5.5p2", 1},
      {"5.6p1", "6.5p1", -1},
      {"6.5p1", "5.6p1", 1},
      {"6.0.rc1", "6.0", 1},
      {"6.0", "6.0.rc1", -1},
      {"10b2", "10a1", 1},
      {"10a2", "10b2", -1},
      {"1.0aa", "1.0aa", 0},
      {"1.0a", "1.0aa", -1},
      {"1.0aa", "1.0a", 1},
      {"10.0001", "10.0001", 0},
      {"10.0001", "10.1", 0},
      {"10.1", "10.0001", 0},
      {"10.0001", "10.0039", -1},
      {"10.0039", "10.0001", 1},
      {"4.999.9", "5.0", -1},
      {"5.0", "4.999.9", 1},
      {"20101121", "20101121", 0},
      {"20101121", "20101122", -1},
      {"20101122", "20101121", 1},
      {"2_0", "2_0", 0},
      {"2.0", "2_0", 0},
      {"2_0", "2.0", 0},
      {"a", "a", 0},
      {"a+", "a+", 0},
      {"a+", "a_", 0},
      {"a_", "a+", 0},
      {"+a", "+a", 0},
      {"+a", "_a", 0},
      {"_a", "+a", 0},
      {"+_", "+_", 0},
      {"_+", "+_", 0},
      {"_+", "_+", 0},
      {"+", "_", 0},
      {"_", "+", 0},
      {"1.0~rc1", "1.0~rc1", 0},
      {"1.0~rc1", "1.0", -1},
      {"1.0", "1.0~rc1", 1},
      {"1.0~rc1", "1.0~rc2", -1},
      {"1.0~rc2", "1.0~rc1", 1},
      {"1.0~rc1~git123", "1.0~rc1~git123", 0},
      {"1.0~rc1~git123", "1.0~rc1", -1},
      {"1.0~rc1", "1.0~rc1~git123", 1},
      {"1.0^", "1.0^", 0},
      {"1.0^", "1.0", 1},
      {"1.0", "1.0^", -1},
      {"1.0^git1", "1.0^git1", 0},
      {"1.0^git1", "1.0", 1},
      {"1.0", "1.0^git1", -1},
      {"1.0^git1", "1.0^git2", -1},
      {"1.0^git2", "1.0^git1", 1},
      {"1.0^git1", "1.01", -1},
      {"1.01", "1.0^git1", 1},
      {"1.0^20160101", "1.0^20160101", 0},
      {"1.0^20160101", "1.0.1", -1},
      {"1.0.1", "1.0^20160101", 1},
      {"1.0^20160101^git1", "1.0^20160101^git1", 0},
      {"1.0^20160102", "1.0^20160101^git1", 1},
      {"1.0^20160101^git1", "1.0^20160102", -1},
      {"1.0~rc1^git1", "1.0~rc1^git1", 0},
      {"1.0~rc1^git1", "1.0~rc1", 1},
      {"1.0~rc1", "1.0~rc1^git1", -1},
      {"1.0^git1~pre", "1.0^git1~pre", 0},
      {"1.0^git1", "1.0^git1~pre", 1},
      {"1.0^git1~pre", "1.0^git1", -1},
  };
  for (const auto& c : cases) {
    INFO(c.a << " vs " << c.b);
    CHECK(RpmVerCmp(c.a, c.b) == c.want);
  }
}

TEST_CASE("rpm EVR: epoch, then version, then release", "[audit]") {
  CHECK(CompareRpmVersions("0:8.7p1-38.el9_4.1", "0:8.7p1-38.el9_4.1") == 0);
  CHECK(CompareRpmVersions("0:8.7p1-38.el9", "0:8.7p1-38.el9_4.1") < 0);
  CHECK(CompareRpmVersions("0:8.7p1-43.el9", "0:8.7p1-38.el9_4.1") > 0);
  CHECK(CompareRpmVersions("8.7p1-38.el9_4.1", "0:8.7p1-38.el9_4.1") == 0);  // no epoch = 0
  CHECK(CompareRpmVersions("1:8.0p1-1.el8", "0:9.9p1-1.el10") > 0);
  CHECK(CompareRpmVersions("0:8.7p1", "0:8.7p1-38.el9") == 0);  // release missing on one side
}

TEST_CASE("upstream part of a package version and OpenSSH release order", "[audit]") {
  CHECK(UpstreamOfPackageVersion("1:9.2p1-2+deb12u3") == "9.2p1");
  CHECK(UpstreamOfPackageVersion("0:8.7p1-38.el9_4.1") == "8.7p1");
  CHECK(UpstreamOfPackageVersion("9.9p2") == "9.9p2");
  CHECK(CompareOpenSshVersions("9.9p2", "9.9p1") > 0);
  CHECK(CompareOpenSshVersions("10.0p1", "9.9p2") > 0);
  CHECK(CompareOpenSshVersions("9.2p1", "8.5p1") > 0);
  CHECK(CompareOpenSshVersions("9.2", "9.2p1") < 0);
}
