// SessionTable directly: bound, least-recently-used eviction, per-host keys.
#include "parse/session_table.h"

#include <catch2/catch.hpp>
#include <map>
#include <random>
#include <string>

namespace sshd_health {
namespace {

LogRecord Rec(int pid, std::string_view host = "h") {
  LogRecord r;
  r.pid = pid;
  r.host = host;
  return r;
}

TEST_CASE("touching an entry keeps it when older ones are evicted", "[parse]") {
  SessionTable t;
  for (int pid = 1; pid <= static_cast<int>(SessionTable::kMaxSessions); ++pid)
    t.Touch(Rec(pid))->ip = "x";
  CHECK(t.size() == SessionTable::kMaxSessions);
  t.Touch(Rec(1));  // now the most recent
  t.Touch(Rec(100000));
  CHECK(t.size() == SessionTable::kMaxSessions);
  CHECK(t.Find(Rec(1)) != nullptr);
  CHECK(t.Find(Rec(2)) == nullptr);  // the least recently touched went
  CHECK(t.Find(Rec(3)) != nullptr);
}

TEST_CASE("entries are per host and never for pid 0 - Forget drops one", "[parse]") {
  SessionTable t;
  t.Touch(Rec(5, "a"))->ip = "192.0.2.1";
  CHECK(t.Find(Rec(5, "b")) == nullptr);
  REQUIRE(t.Find(Rec(5, "a")) != nullptr);
  CHECK(t.Find(Rec(5, "a"))->ip == "192.0.2.1");
  CHECK(t.Touch(Rec(0)) == nullptr);
  t.Forget(Rec(5, "a"));
  CHECK(t.Find(Rec(5, "a")) == nullptr);
  CHECK(t.size() == 0);
}

TEST_CASE("session table agrees with an LRU model under random churn", "[parse]") {
  std::mt19937 rng(11);
  SessionTable t;
  std::map<int, std::uint64_t> model;  // pid -> last use
  std::uint64_t now = 0;
  for (int step = 0; step < 60000; ++step) {
    const int pid = 1 + static_cast<int>(rng() % 6000);
    const unsigned op = rng() % 4;
    if (op == 0) {
      t.Forget(Rec(pid));
      model.erase(pid);
    } else if (op == 1) {
      const auto* e = t.Find(Rec(pid));
      REQUIRE((e != nullptr) == (model.count(pid) == 1));
      if (e) REQUIRE(e->ip == std::to_string(pid));
    } else {
      if (model.count(pid) == 0 && model.size() == SessionTable::kMaxSessions) {
        auto oldest = model.begin();
        for (auto it = model.begin(); it != model.end(); ++it) {
          if (it->second < oldest->second) oldest = it;
        }
        model.erase(oldest);
      }
      auto* e = t.Touch(Rec(pid));
      REQUIRE(e != nullptr);
      if (model.count(pid) == 0) REQUIRE(e->ip.empty());  // a recycled entry starts empty
      e->ip = std::to_string(pid);
      model[pid] = ++now;
    }
    REQUIRE(t.size() == model.size());
  }
}

TEST_CASE("local addresses are remembered up to the bound", "[parse]") {
  SessionTable t;
  t.AddLocal("192.0.2.1");
  CHECK(t.IsLocal("192.0.2.1"));
  CHECK_FALSE(t.IsLocal("192.0.2.2"));
  for (int i = 0; i < static_cast<int>(SessionTable::kMaxLocalAddresses); ++i)
    t.AddLocal("10.0.0." + std::to_string(i));
  CHECK_FALSE(t.IsLocal("192.0.2.1"));
  CHECK(t.IsLocal("10.0.0.0"));
}

}  // namespace
}  // namespace sshd_health
