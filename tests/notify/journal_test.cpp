// The journal notifier's field set, read back from a real journal file. No journald runs
// on the build machine, so the test takes the same code path the notifier sends through
// sd_journal_sendv (JournalFields), writes those fields in journal export format to
// systemd-journal-remote, which builds a real journal file, and reads that file back with
// sd_journal_open_directory - as `journalctl SSHD_HEALTH_RULE=...` would.
#include <systemd/sd-journal.h>

#include <catch2/catch.hpp>

#include "notify/journal_notifier.h"
#include "notify/make_notifier.h"
#include "notify_test_util.h"

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {

// Journal export format: "NAME=value\n", or for values with a newline the binary form
// "NAME\n" + little-endian 64-bit length + value + "\n"; a blank line ends the entry.
std::string ToExportFormat(const std::vector<JournalField>& fields, std::uint64_t realtime_us) {
  std::string out = "__REALTIME_TIMESTAMP=" + std::to_string(realtime_us) + "\n";
  out += "__MONOTONIC_TIMESTAMP=" + std::to_string(realtime_us % 1'000'000'000) + "\n";
  out += "_BOOT_ID=0123456789abcdef0123456789abcdef\n";
  for (const auto& [name, value] : fields) {
    if (value.find('\n') == std::string::npos) {
      out += name + "=" + value + "\n";
      continue;
    }
    out += name + "\n";
    std::uint64_t len = value.size();
    for (int i = 0; i < 8; ++i) out += static_cast<char>((len >> (8 * i)) & 0xff);
    out += value + "\n";
  }
  return out + "\n";
}

std::map<std::string, std::vector<std::string>> ReadEntryFields(sd_journal* j) {
  std::map<std::string, std::vector<std::string>> m;
  const void* data;
  size_t len;
  SD_JOURNAL_FOREACH_DATA(j, data, len) {
    const std::string kv(static_cast<const char*>(data), len);
    const auto eq = kv.find('=');
    m[kv.substr(0, eq)].push_back(kv.substr(eq + 1));
  }
  return m;
}

}  // namespace

TEST_CASE("journal entries written from JournalFields read back with their fields", "[notify]") {
  TempDir dir;
  Alert a = test::MakeAlert("sshd.maxstartups.drop", "k");
  Alert b = test::MakeAlert("host_key.mode", "/etc/ssh/ssh_host_ed25519_key", Severity::kWarning);
  b.labels = {{"path", "/etc/ssh/ssh_host_ed25519_key"}};
  b.status = AlertStatus::kResolved;
  std::string export_text = ToExportFormat(JournalFields(a), 1795278692000000) +
                            ToExportFormat(JournalFields(b), 1795278693000000);
  test::Subprocess::Options o;
  o.stderr_path = dir.path() + "/remote.stderr";
  o.stdin_pipe = true;
  // journal-remote reads the export stream from stdin ("-") into the named file.
  test::Subprocess remote(
      {"/lib/systemd/systemd-journal-remote", "-o", dir.path() + "/x.journal", "-"}, o);
  remote.WriteStdin(export_text);
  remote.CloseStdin();
  const int rc = remote.Wait(10000ms);
  INFO(test::ReadFile(dir.path() + "/remote.stderr"));
  REQUIRE(rc == 0);

  sd_journal* j = nullptr;
  REQUIRE(sd_journal_open_directory(&j, dir.path().c_str(), 0) == 0);
  REQUIRE(sd_journal_add_match(j, "SSHD_HEALTH_RULE=sshd.maxstartups.drop", 0) == 0);
  REQUIRE(sd_journal_next(j) > 0);
  auto f = ReadEntryFields(j);
  CHECK(f["SYSLOG_IDENTIFIER"] == std::vector<std::string>{"sshd-health"});
  CHECK(f["PRIORITY"] == std::vector<std::string>{"2"});
  CHECK(f["MESSAGE"].at(0).find("CRITICAL sshd.maxstartups.drop: sshd dropped connections") == 0);
  CHECK(f["SSHD_HEALTH_ID"] == std::vector<std::string>{a.id});
  CHECK(f["SSHD_HEALTH_SEVERITY"] == std::vector<std::string>{"critical"});
  CHECK(f["SSHD_HEALTH_STATUS"] == std::vector<std::string>{"firing"});
  CHECK(f["SSHD_HEALTH_IP"] == std::vector<std::string>{"192.0.2.7"});
  CHECK(f["SSHD_HEALTH_REMEDY"] == std::vector<std::string>{a.remedy});  // multi-line value intact
  CHECK(f["SSHD_HEALTH_COUNT"] == std::vector<std::string>{"12"});
  CHECK(sd_journal_next(j) == 0);  // the match selects only that entry

  sd_journal_flush_matches(j);
  REQUIRE(sd_journal_add_match(j, "SYSLOG_IDENTIFIER=sshd-health", 0) == 0);
  sd_journal_seek_head(j);
  int entries = 0;
  while (sd_journal_next(j) > 0) {
    ++entries;
    f = ReadEntryFields(j);
  }
  CHECK(entries == 2);
  CHECK(f["SSHD_HEALTH_RULE"] == std::vector<std::string>{"host_key.mode"});
  CHECK(f["SSHD_HEALTH_STATUS"] == std::vector<std::string>{"resolved"});
  CHECK(f["PRIORITY"] == std::vector<std::string>{"4"});
  CHECK(f["SSHD_HEALTH_PATH"] == std::vector<std::string>{"/etc/ssh/ssh_host_ed25519_key"});
  sd_journal_close(j);
}

TEST_CASE("the journal and syslog notifiers report a missing daemon instead of dropping silently",
          "[notify]") {
  TempDir dir;
  const Config c = test::LoadTestConfig(dir.path(),
                                        "notify:\n  notifiers:\n"
                                        "    - { name: log, type: journal }\n"
                                        "    - { name: sys, type: syslog, facility: local3 }\n");
  const Alert a = test::MakeAlert("sshd.maxstartups.drop", "k");
  const DeliveryResult journal = MakeNotifier(c.notify.notifiers.at(0))->Deliver({a});
  if (::access("/run/systemd/journal/socket", F_OK) == 0) {
    CHECK(journal.code == DeliveryResult::Code::kOk);
  } else {
    CHECK(journal.code == DeliveryResult::Code::kPermanent);
    CHECK(journal.reason.find("journald is not running here") == 0);
  }
  const DeliveryResult syslog = MakeNotifier(c.notify.notifiers.at(1))->Deliver({a});
  if (::access("/dev/log", F_OK) == 0) {
    CHECK(syslog.code == DeliveryResult::Code::kOk);
  } else {
    CHECK(syslog.code == DeliveryResult::Code::kPermanent);
    CHECK(syslog.reason == "no syslog daemon listens here (/dev/log is missing)");
  }
}
