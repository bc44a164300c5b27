// Fnv1a64 against the published FNV-1a test vectors, and the alert ids that hash
// (with its historical basis) must keep producing.
#include "core/fnv1a.h"

#include <catch2/catch.hpp>

#include "core/alert.h"

namespace sshd_health {
namespace {

TEST_CASE("Fnv1a64 gives the published FNV-1a 64-bit test vectors", "[core]") {
  // From the FNV reference test suite (http://www.isthe.com/chongo/src/fnv/test_fnv.c).
  CHECK(Fnv1a64("") == 0xcbf29ce484222325ULL);
  CHECK(Fnv1a64("a") == 0xaf63dc4c8601ec8cULL);
  CHECK(Fnv1a64("foobar") == 0x85944171f73967e8ULL);
  CHECK(kFnv1a64Basis == 14695981039346656037ULL);
}

TEST_CASE("Fnv1a64 over pieces equals Fnv1a64 over their concatenation", "[core]") {
  CHECK(Fnv1a64("bar", Fnv1a64("foo")) == Fnv1a64("foobar"));
  static_assert(Fnv1a64("a") == 0xaf63dc4c8601ec8cULL, "usable in constant expressions");
}

TEST_CASE("alert ids keep their historical hash basis, so ids survive an upgrade", "[core]") {
  // kAlertIdBasis is FNV-1a's basis with a digit lost; it is kept on purpose (alert.h).
  CHECK(kAlertIdBasis == 1469598103934665603ULL);
  CHECK(kAlertIdBasis != kFnv1a64Basis);
  CHECK(AlertId("sshd.auth.brute_force", "192.0.2.1") == "1ca53920fd782cfe");
  CHECK(AlertId("r", "") == "9bdee700c6865499");
  const std::uint64_t h = Fnv1a64("r", kAlertIdBasis);  // then a NUL, then the empty key
  CHECK(Fnv1a64(std::string_view("\0", 1), h) == 0x9bdee700c6865499ULL);
}

}  // namespace
}  // namespace sshd_health
