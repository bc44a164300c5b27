// JournalSource against real journal files written by systemd-journal-remote.
#include "sources/journal_source.h"

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/state_store.h"
#include "journal_writer.h"
#include "source_harness.h"
#include "temp_dir.h"

using sshd_health::JournalSource;
using sshd_health::JournalSourceConfig;
using sshd_health::StateStore;
using test::RunUntil;

namespace {

bool Has(const test::Collected& c, const std::string& message) {
  return std::find(c.messages.begin(), c.messages.end(), message) != c.messages.end();
}

struct Fixture {
  TempDir dir;
  std::string journal_dir = dir.path() + "/journal";
  StateStore state{dir.path() + "/state"};
  boost::asio::io_context io;
  test::Collected got;

  Fixture() {
    std::filesystem::create_directories(journal_dir);
    REQUIRE(state.Open());
  }

  std::unique_ptr<JournalSource> Start(JournalSourceConfig::Start start) {
    JournalSourceConfig config;
    config.directory = journal_dir;
    config.start = start;
    auto source = std::make_unique<JournalSource>(io, state, config);
    REQUIRE(source->Start(got.Handler(), got.Done()));
    return source;
  }
};

}  // namespace

TEST_CASE("journal source reads only sshd's entries, with their own fields", "[sources][journal]") {
  Fixture f;
  test::JournalWriter w(f.journal_dir);
  const std::uint64_t t0 = 1'790'000'000'000'000;  // 2026-09-21
  w.Write("sshd", 100, "Server listening on 0.0.0.0 port 22.", t0);
  w.Write("cron", 101, "not sshd", t0 + 1);
  w.Write("sshd-session", 102, "Failed password for root from 192.0.2.1 port 4242 ssh2", t0 + 2);
  w.Write("sshd-auth", 103, "auth child", t0 + 3);
  w.Write("systemd", 1, "ssh unit message", t0 + 4, "ssh.service");
  w.Write("systemd", 1, "sshd unit message", t0 + 5, "sshd.service");
  w.Write("systemd", 1, "other unit", t0 + 6, "cron.service");
  w.Write("sshd", 104, "END", t0 + 7);
  auto source = f.Start(JournalSourceConfig::Start::kHead);
  REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "END"); }));
  CHECK(f.got.messages ==
        std::vector<std::string>{"Server listening on 0.0.0.0 port 22.",
                                 "Failed password for root from 192.0.2.1 port 4242 ssh2",
                                 "auth child", "ssh unit message", "sshd unit message", "END"});
  CHECK(f.got.programs[1] == "sshd-session");
  CHECK(f.got.pids[1] == 102);
  CHECK(f.got.times[1] == sshd_health::TimePoint(std::chrono::microseconds(t0 + 2)));
  // Like journalctl -o short: "MMM DD HH:MM:SS host ident[pid]: message".
  CHECK_THAT(f.got.lines[1],
             Catch::EndsWith(" testhost sshd-session[102]: Failed password for root from "
                             "192.0.2.1 port 4242 ssh2"));
}

TEST_CASE("journal source reports an entry appended after start", "[sources][journal]") {
  Fixture f;
  test::JournalWriter w(f.journal_dir);
  w.Write("sshd", 1, "old entry");
  auto source = f.Start(JournalSourceConfig::Start::kHead);
  REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "old entry"); }));
  w.Write("sshd", 2, "new entry");
  REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "new entry"); }));
  CHECK(f.got.messages == std::vector<std::string>{"old entry", "new entry"});
}

TEST_CASE("journal source with start tail skips existing entries", "[sources][journal]") {
  Fixture f;
  test::JournalWriter w(f.journal_dir);
  w.Write("sshd", 1, "old entry");
  w.Close();  // the file is complete on disk
  test::JournalWriter w2(f.journal_dir, "y");
  auto source = f.Start(JournalSourceConfig::Start::kTail);
  w2.Write("sshd", 2, "new entry");
  REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "new entry"); }));
  CHECK(f.got.messages == std::vector<std::string>{"new entry"});
}

TEST_CASE("journal source resumes after its cursor across a restart", "[sources][journal]") {
  Fixture f;
  test::JournalWriter w(f.journal_dir);
  for (int i = 1; i <= 3; ++i) w.Write("sshd", i, "a" + std::to_string(i));
  {
    auto source = f.Start(JournalSourceConfig::Start::kHead);
    REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "a3"); }));
    source->Stop();
  }
  for (int i = 1; i <= 3; ++i) w.Write("sshd", i, "b" + std::to_string(i));
  w.Write("sshd", 9, "END");
  auto source = f.Start(JournalSourceConfig::Start::kTail);  // the cursor wins over tail
  REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "END"); }));
  CHECK(f.got.messages == std::vector<std::string>{"a1", "a2", "a3", "b1", "b2", "b3", "END"});
}

TEST_CASE("journal source continues after the saved time when its cursor is gone",
          "[sources][journal]") {
  Fixture f;
  test::JournalWriter w(f.journal_dir);
  const std::uint64_t t0 = 1'790'000'000'000'000;
  for (int i = 0; i < 6; ++i)
    w.Write("sshd", i + 1, "e" + std::to_string(i), t0 + static_cast<std::uint64_t>(i) * 1000);
  w.Write("sshd", 9, "END", t0 + 10'000);
  // On disk before the start: a file that appears later is read whole.
  w.Close();
  // A cursor from a journal that no longer exists (vacuumed), saved after e2.
  const nlohmann::json saved = {
      {"cursor",
       "s=00000000000000000000000000000001;i=3;b=0123456789abcdef0123456789abcdef;m=3;t=1;x=1"},
      {"realtime_usec", t0 + 2000}};
  REQUIRE(f.state.Save("journal-cursor", saved.dump()));
  auto source = f.Start(JournalSourceConfig::Start::kTail);
  REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "END"); }));
  CHECK(f.got.messages == std::vector<std::string>{"e3", "e4", "e5", "END"});
}

namespace {

// Two machines' journal-remote files, alpha and beta, as on a central log host.
struct TwoMachines {
  Fixture& f;
  std::unique_ptr<test::JournalWriter> alpha, beta;
  explicit TwoMachines(Fixture& fixture) : f(fixture) { Open(); }
  void Open() {
    alpha = std::make_unique<test::JournalWriter>(f.journal_dir, "remote-alpha");
    alpha->SetMachine("alpha", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    beta = std::make_unique<test::JournalWriter>(f.journal_dir, "remote-beta");
    beta->SetMachine("beta", "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
  }
  // The saved record's per-machine positions.
  nlohmann::json Sequences() const {
    const auto text = f.state.Load("journal-cursor");
    if (!text) return nullptr;
    const auto j = nlohmann::json::parse(*text, nullptr, false);
    return j.is_object() && j.contains("sequences") ? j["sequences"] : nlohmann::json();
  }
};

}  // namespace

TEST_CASE("journal source reads a machine's entry that arrives after a newer one of another",
          "[sources][journal]") {
  Fixture f;
  TwoMachines m(f);
  const std::uint64_t t = test::JournalWriter::NowUsec();
  m.beta->Write("sshd", 2, "beta early", t - 60'000'000);
  m.alpha->Write("sshd", 1, "alpha early", t - 50'000'000);
  auto source = f.Start(JournalSourceConfig::Start::kHead);
  REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "alpha early") && Has(f.got, "beta early"); }));
  m.alpha->Write("sshd", 1, "alpha now", t);
  REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "alpha now"); }));
  m.beta->Write("sshd", 2, "beta late", t - 10'000'000);  // sorts before "alpha now"
  m.alpha->Write("sshd", 1, "alpha next", t + 1'000'000);
  REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "beta late") && Has(f.got, "alpha next"); }));
  // Each once; the record keeps one position per machine.
  auto sorted = f.got.messages;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == std::vector<std::string>{"alpha early", "alpha next", "alpha now", "beta early",
                                           "beta late"});
  REQUIRE(RunUntil(f.io, [&] { return m.Sequences().size() == 2; }));
  const nlohmann::json sequences = m.Sequences();
  for (const auto& [id, seqnum] : sequences.items()) {
    CHECK(id.size() == 32);
    CHECK((seqnum == 2 || seqnum == 3));  // beta's 2nd entry, alpha's 3rd
  }
  // A machine whose files are gone (vacuumed) is forgotten.
  source->Stop();
  m.beta->Close();
  std::filesystem::remove(f.journal_dir + "/remote-beta.journal");
  source = f.Start(JournalSourceConfig::Start::kHead);
  m.alpha->Write("sshd", 1, "alpha last", t + 2'000'000);
  REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "alpha last") && m.Sequences().size() == 1; }));
  CHECK(f.got.messages.size() == 6);
}

TEST_CASE("journal source resumes from an earlier version's record, each entry once",
          "[sources][journal]") {
  Fixture f;
  TwoMachines m(f);
  const std::uint64_t t = test::JournalWriter::NowUsec();
  for (int i = 0; i < 3; ++i) {
    m.alpha->Write("sshd", 1, "alpha " + std::to_string(i), t + i * 2);
    m.beta->Write("sshd", 2, "beta " + std::to_string(i), t + i * 2 + 1);
  }
  {
    auto source = f.Start(JournalSourceConfig::Start::kHead);
    const bool all = RunUntil(f.io, [&] { return f.got.messages.size() == 6; });
    for (const auto& msg : f.got.messages) UNSCOPED_INFO(msg);
    REQUIRE(all);
    source->Stop();
  }
  // What the version before per-machine positions saved: the merged cursor alone.
  auto record = nlohmann::json::parse(*f.state.Load("journal-cursor"));
  REQUIRE(record.contains("sequences"));
  record.erase("sequences");
  REQUIRE(f.state.Save("journal-cursor", record.dump()));
  m.alpha->Write("sshd", 1, "alpha 3", t + 100);
  m.beta->Write("sshd", 2, "beta 3", t + 101);
  auto source = f.Start(JournalSourceConfig::Start::kHead);
  REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "alpha 3") && Has(f.got, "beta 3"); }));
  // And late entries from here on are read too (the record now has the positions).
  m.alpha->Write("sshd", 1, "alpha 4", t + 200);
  REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "alpha 4"); }));
  m.beta->Write("sshd", 2, "beta 4 late", t + 150);
  REQUIRE(RunUntil(f.io, [&] { return Has(f.got, "beta 4 late"); }));
  auto sorted = f.got.messages;
  std::sort(sorted.begin(), sorted.end());
  CHECK(sorted == std::vector<std::string>{"alpha 0", "alpha 1", "alpha 2", "alpha 3", "alpha 4",
                                           "beta 0", "beta 1", "beta 2", "beta 3", "beta 4 late"});
  CHECK(m.Sequences().size() == 2);
}
