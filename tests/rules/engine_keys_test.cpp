// The engine's issue-16 machinery on rules built in code: cancel_on, the storm guard,
// the keyed hash, the first-seen memory's bound.
#include <arpa/inet.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <string>
#include <vector>

#include "core/hash_index.h"
#include "rules/event_keys.h"
#include "rules/first_seen_memory.h"
#include "rules/group_key.h"
#include "rules/keyed_hash.h"
#include "sample_feed.h"

using namespace sshd_health;
using namespace sshd_health::test;
using namespace std::chrono_literals;

namespace {

const std::string& kFailed() {
  static const std::string s =
      SampleLine("auth_failure", "Failed password for admin from 192.0.2.12");
  return s;
}
const std::string& kAccepted() {
  static const std::string s =
      SampleLine("auth_success", "Accepted password for alice from 192.0.2.18");
  return s;
}

Rule Brute(std::uint32_t threshold) {
  Rule r;
  r.id = "test.brute";
  r.description = "test";
  r.kinds = {EventKind::kAuthFailure};
  r.group_by = GroupBy::kIp;
  r.threshold = threshold;
  r.summary = "{count} from {ip}";
  r.remedy = "block";
  return r;
}

}  // namespace

TEST_CASE("SipHash-2-4 gives the reference vectors", "[rules]") {
  const SipKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  CHECK(SipHash24(key, "") == 0x726fdb47dd0e0e31ULL);
  std::string fifteen;
  for (char c = 0; c < 15; ++c) fifteen += c;
  CHECK(SipHash24(key, fifteen) == 0xa129ca6149be45e5ULL);
  // The keys core's KeyHash cannot tell apart (top bits of bytes 7, 11, 15) differ here.
  std::string a(16, 'a'), b(16, 'a');
  b[7] = static_cast<char>(b[7] ^ 0x80);
  b[11] = static_cast<char>(b[11] ^ 0x80);
  b[15] = static_cast<char>(b[15] ^ 0x80);
  CHECK(SipHash24(key, a) != SipHash24(key, b));
}

TEST_CASE("cancel_on: a success ends the source's firing episode", "[rules]") {
  Rule r = Brute(3);
  r.cancel_on = {EventKind::kAuthSuccess};
  SampleFeed f({r});
  for (int i = 0; i < 3; ++i) REQUIRE(f.Feed(Swap(kFailed(), "192.0.2.12", "192.0.2.18")));
  REQUIRE(f.Firing("test.brute") == 1);
  REQUIRE(f.Feed(kAccepted()));
  REQUIRE(f.sink.Count("test.brute", AlertStatus::kResolved) == 1);
  CHECK(f.Last("test.brute")->summary == "Resolved (ended by auth_success): 3 from 192.0.2.18");
  // Counting starts afresh: two more failures do not fire.
  for (int i = 0; i < 2; ++i) REQUIRE(f.Feed(Swap(kFailed(), "192.0.2.12", "192.0.2.18")));
  CHECK(f.Firing("test.brute") == 1);
  // Another source's success cancels nothing.
  REQUIRE(f.Feed(Swap(kAccepted(), "192.0.2.18", "192.0.2.99")));
  REQUIRE(f.Feed(Swap(kFailed(), "192.0.2.12", "192.0.2.18")));
  CHECK(f.Firing("test.brute") == 2);
}

TEST_CASE("the storm guard folds a rule's alerts past its limit into one summary", "[rules]") {
  SampleFeed f({Brute(1)});
  f.engine.SetStormLimit(5);
  for (int i = 0; i < 50; ++i)
    REQUIRE(f.Feed(Swap(kFailed(), "192.0.2.12", "198.51.100." + std::to_string(i))));
  CHECK(f.Firing("test.brute") == 5);
  CHECK(f.engine.stats().folded == 45);
  f.clock.Advance(1min);
  f.engine.Expire(f.clock.Now(), f.sink);
  REQUIRE(f.Firing("test.brute") == 6);
  const Alert& summary = *f.Last("test.brute");
  CHECK(summary.count == 45);
  CHECK(summary.summary ==
        "Alert storm: test.brute sent 5 alerts within a minute; 45 more were folded into this one");
  // The folded groups get no resolved alerts for alerts nobody saw.
  f.clock.Advance(2h);
  f.engine.Expire(f.clock.Now(), f.sink);
  CHECK(f.sink.Count("test.brute", AlertStatus::kResolved) == 5);
}

TEST_CASE("evidence shows the episode's first line and the latest", "[rules]") {
  SampleFeed f({Brute(10)});
  for (int i = 0; i < 10; ++i) {
    REQUIRE(f.Feed(Swap(kFailed(), "port 40002", "port " + std::to_string(50000 + i))));
    f.clock.Advance(1s);
  }
  REQUIRE(f.Firing("test.brute") == 1);
  const auto& ev = f.Last("test.brute")->evidence;
  REQUIRE(ev.size() == 5);
  CHECK(ev[0].find("port 50000") != std::string::npos);
  CHECK(ev[1].find("port 50006") != std::string::npos);
  CHECK(ev[4].find("port 50009") != std::string::npos);
}

TEST_CASE("group keys cut addresses to their prefix", "[rules]") {
  std::string error;
  auto v = [&](const char* spec, const char* ip) {
    SshdEvent e;
    e.ip = ip;
    std::string out;
    AppendKeyValue(*ParseKeyPart(spec, error), e, 256, out);
    return out;
  };
  CHECK(v("ip", "192.0.2.77") == "192.0.2.77");
  CHECK(v("ip/24", "192.0.2.77") == "192.0.2.0/24");
  CHECK(v("ip/24", "2001:db8:1:2:3:4:5:6") == "2001:db8:1:2::/64");
  CHECK(v("ip/48", "2001:db8:1:2:3:4:5:6") == "2001:db8:1::/48");
  CHECK(v("ip/48", "192.0.2.77") == "192.0.2.77");
  CHECK(v("ip/32/64", "2001:db8::1") == "2001:db8::/64");
  CHECK(v("ip/8", "10.200.3.4") == "10.0.0.0/8");
  CHECK(v("ip/20/56", "192.0.18.77") == "192.0.16.0/20");
  CHECK(v("ip/24", "host.example.org") == "host.example.org");
  CHECK(v("ip/16", "10.200.3.4") == "10.200.0.0/16");
  CHECK(v("ip/24", "192.0.2") == "192.0.2");  // no dotted quad: kept as logged
  CHECK(v("ip/64", "::1") == "::/64");
  CHECK(v("ip/64", "0:0:1::1") == "0:0:1::/64");
  CHECK(v("ip/48", "1:0:0:1::") == "1::/48");
  CHECK(v("ip/128", "2001:db8::1") == "2001:db8::1");
  CHECK(FingerprintOf("Accepted publickey for a from 192.0.2.1 port 1 ssh2: ED25519 SHA256:abc") ==
        "SHA256:abc");
  // A user name imitating the tail of a password line (which has none of its own).
  CHECK(FingerprintOf("Accepted password for x ssh2: RSA SHA256:fake from 192.0.2.1 port 1 ssh2")
            .empty());
}

TEST_CASE("IPv6 networks are spelled as inet_ntop spells them", "[rules]") {
  // The key's network (core's FormatIpv6) against glibc, over networks of every prefix
  // length with zero runs of every length and place.
  std::string error;
  std::uint64_t x = 0x9e3779b97f4a7c15ULL;
  for (int n = 0; n < 20000; ++n) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    unsigned char bytes[16] = {};
    for (int w = 0; w < 8; ++w) {
      const unsigned word = (x >> (w * 3)) & 1 ? 0 : (x >> (w * 8)) & 0x1ff;
      bytes[2 * w] = static_cast<unsigned char>(word >> 8);
      bytes[2 * w + 1] = static_cast<unsigned char>(word);
    }
    char text[INET6_ADDRSTRLEN];
    REQUIRE(inet_ntop(AF_INET6, bytes, text, sizeof text) != nullptr);
    const int bits = 1 + static_cast<int>(x % 127);  // /128 is the address, no prefix
    for (int i = 0; i < 16; ++i) {
      const int keep = std::clamp(bits - 8 * i, 0, 8);
      bytes[i] &= static_cast<unsigned char>(0xff00 >> keep);
    }
    char net[INET6_ADDRSTRLEN];
    REQUIRE(inet_ntop(AF_INET6, bytes, net, sizeof net) != nullptr);
    SshdEvent e;
    e.ip = text;
    std::string out;
    AppendKeyValue(*ParseKeyPart("ip/32/" + std::to_string(bits), error), e, 256, out);
    INFO(text << " /" << bits);
    if (std::string_view(text).find(':') == std::string_view::npos) continue;  // "::a.b.c.d"
    REQUIRE(out == std::string(net) + "/" + std::to_string(bits));
  }
}

TEST_CASE("the first-seen memory stays bounded, forgetting the oldest first", "[rules]") {
  FirstSeenMemory m(1000);
  const TimePoint t0 = TimePoint(std::chrono::seconds(1'800'000'000));
  for (std::uint64_t k = 0; k < 100'000; ++k) m.See(k, t0 + std::chrono::seconds(k), 90 * 24h, 0s);
  CHECK(m.size() <= 1000);
  CHECK(m.forgotten() == 100'000 - m.size());
  // The newest are kept, the oldest gone.
  CHECK(m.See(99'999, t0 + 100'000s, 90 * 24h, 0s) == FirstSeenMemory::Verdict::kKnown);
  CHECK(m.See(5, t0 + 100'000s, 90 * 24h, 0s) == FirstSeenMemory::Verdict::kNew);
}

TEST_CASE("event keys give every key the value AppendKeyValue writes, event after event",
          "[rules]") {
  // The whole address is shared between "ip" and the one-family prefixes ("ip/32/64" is
  // the address itself for IPv4, "ip/24/128" for IPv6): each must still read as its own
  // key would, for every family, a host name, an empty and an over-long address.
  std::string error;
  const std::vector<std::string> names = {"ip",       "user",      "ip/32/64", "ip/24/128",
                                          "ip/24/64", "ip/32/128", "ip/16"};
  EventKeys keys(256, "here");
  std::vector<std::uint32_t> ids, hosted;
  for (const std::string& n : names) ids.push_back(keys.Register({*ParseKeyPart(n, error)}));
  // The same keys per host: another machine's events get "\0host" after the value.
  for (const std::string& n : names)
    hosted.push_back(keys.Register({*ParseKeyPart(n, error)}, /*per_host=*/true));
  const std::vector<std::string> ips = {
      "192.0.2.7", "2001:db8:1:2::9",    "10.1.2.3",       "host.example",
      "",          std::string(80, '1'), "::ffff:1.2.3.4", "198.51.100.200"};
  for (int round = 0; round < 3; ++round) {
    for (const std::string& ip : ips) {
      SshdEvent e;
      e.ip = ip;
      e.user = "u" + ip;
      e.host = round == 1 ? "web9" : "";  // round 1: another machine's events
      keys.NewEvent();
      for (std::size_t k = 0; k < names.size(); ++k) {
        std::string want;
        AppendKeyValue(*ParseKeyPart(names[k], error), e, 256, want);
        const EventKeys::Value& got = keys.Get(ids[k], e);
        INFO(names[k] << " of '" << ip << "'");
        CHECK(got.text == want);
        CHECK(got.complete == !want.empty());
        CHECK(got.hash == KeyHash(want));
        const std::string want_hosted = round == 1 ? want + std::string(1, '\0') + "web9" : want;
        const EventKeys::Value& on_host = keys.Get(hosted[k], e);
        CHECK(on_host.text == want_hosted);
        CHECK(on_host.complete == !want.empty());
        CHECK(on_host.hash == KeyHash(want_hosted));
      }
    }
  }
}

TEST_CASE("the host key is the origin host, its hash right as the host changes", "[rules]") {
  std::string error;
  EventKeys keys(256, "here");
  const std::uint32_t id = keys.Register({*ParseKeyPart("host", error)});
  const std::vector<std::string> hosts = {"web1", "web1", "", "web2", std::string("web1\0x", 6),
                                          "web1"};
  for (const std::string& host : hosts) {
    SshdEvent e;
    e.host = host;
    keys.NewEvent();
    const std::string want = host.empty() ? "here" : host.substr(0, host.find('\0'));
    const EventKeys::Value& got = keys.Get(id, e);
    INFO("host '" << host << "'");
    CHECK(got.text == want);
    CHECK(got.complete);
    CHECK(got.hash == KeyHash(want));
  }
}

TEST_CASE("the origin host follows the text of the line's host, not where it lies", "[rules]") {
  // The origin is decided once per run of one host's lines: a line buffer rewritten in
  // place (the same address, the same length, another host) must start a new run.
  std::string error;
  EventKeys keys(256, "here");
  const std::uint32_t id = keys.Register({*ParseKeyPart("ip", error)}, /*per_host=*/true);
  std::string line(32, ' ');
  const std::vector<std::string> hosts = {"web1",
                                          "web1",
                                          "web2",
                                          "here",
                                          "here",
                                          "",
                                          "web1.example.org",
                                          "web1.example.net",
                                          "web1.example.net",
                                          "xeb1.example.net",
                                          std::string("here\0web3", 9),
                                          "web1"};
  std::uint64_t last_run = 0;
  std::string last_host = "(none)";
  for (const std::string& host : hosts) {
    line.replace(0, host.size(), host);
    SshdEvent e;
    e.ip = "192.0.2.7";
    e.host = std::string_view(line.data(), host.size());
    keys.NewEvent();
    const std::string origin = host.empty() ? "here" : host.substr(0, host.find('\0'));
    INFO("host '" << host << "'");
    CHECK(keys.OriginHost(e) == origin);
    CHECK(keys.IsRemote(e) == (origin != "here"));
    const std::string want = origin == "here" ? e.ip : e.ip + std::string(1, '\0') + origin;
    CHECK(keys.Get(id, e).text == want);
    CHECK(keys.Get(id, e).hash == KeyHash(want));
    // A new run exactly when the line's host text changed.
    CHECK((keys.OriginRun(e) != last_run) == (host != last_host));
    last_run = keys.OriginRun(e);
    last_host = host;
  }
}

namespace {

// SipHash-2-4 as the paper writes it, byte by byte: the reference for the one that loads
// words.
std::uint64_t SipHashReference(const SipKey& key, std::string_view data) {
  auto rotl = [](std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); };
  std::uint64_t v[4] = {0x736f6d6570736575ULL ^ key.k0, 0x646f72616e646f6dULL ^ key.k1,
                        0x6c7967656e657261ULL ^ key.k0, 0x7465646279746573ULL ^ key.k1};
  auto round = [&] {
    v[0] += v[1];
    v[1] = rotl(v[1], 13) ^ v[0];
    v[0] = rotl(v[0], 32);
    v[2] += v[3];
    v[3] = rotl(v[3], 16) ^ v[2];
    v[0] += v[3];
    v[3] = rotl(v[3], 21) ^ v[0];
    v[2] += v[1];
    v[1] = rotl(v[1], 17) ^ v[2];
    v[2] = rotl(v[2], 32);
  };
  const std::size_t n = data.size();
  for (std::size_t block = 0; block <= n / 8; ++block) {
    std::uint64_t m = 0;
    const std::size_t end = std::min(n, block * 8 + 8);
    for (std::size_t i = block * 8; i < end; ++i)
      m |= std::uint64_t{static_cast<unsigned char>(data[i])} << (8 * (i - block * 8));
    if (block == n / 8) m |= std::uint64_t{n} << 56;
    v[3] ^= m;
    round();
    round();
    v[0] ^= m;
  }
  v[2] ^= 0xff;
  for (int i = 0; i < 4; ++i) round();
  return v[0] ^ v[1] ^ v[2] ^ v[3];
}

}  // namespace

TEST_CASE("SipHash-2-4 agrees with the byte-by-byte reference at every length", "[rules]") {
  const SipKey key{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  std::string fifteen;
  for (char c = 0; c < 15; ++c) fifteen += c;
  REQUIRE(SipHashReference(key, fifteen) == 0xa129ca6149be45e5ULL);  // the reference is right
  std::uint64_t x = 0x2545f4914f6cdd1dULL;
  for (std::size_t len = 0; len <= 80; ++len) {
    for (int round = 0; round < 50; ++round) {
      std::string data(len, '\0');
      for (char& c : data) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        c = static_cast<char>(x);
      }
      // At an offset too, so the loads are unaligned.
      const std::string shifted = "xyz" + data;
      INFO("length " << len);
      REQUIRE(SipHash24(key, data) == SipHashReference(key, data));
      REQUIRE(SipHash24(key, std::string_view(shifted).substr(3)) == SipHashReference(key, data));
    }
  }
}
