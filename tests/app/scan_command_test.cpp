// `sshd-health scan` as an admin runs it: the real binary over real files, stdin and gzip,
// checking what it prints on stdout and stderr and its exit status.
#include <fcntl.h>
#include <re2/re2.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "gzip.h"
#include "journal_writer.h"
#include "subprocess.h"
#include "temp_dir.h"

using test::Gzip;

namespace {

using namespace std::chrono_literals;

const std::string kBinary = SSHD_HEALTH_BINARY;
const std::string kTestRules = std::string(SSHD_HEALTH_TEST_DATA) + "/scan/rules";

using ScanRun = test::CommandOutput;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    const std::size_t nl = text.find('\n', start);
    if (nl == std::string::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, nl - start));
    start = nl + 1;
  }
  return lines;
}

// A scan's fixture: a temp dir with a config that names no real log files and the test
// rules, so nothing depends on this machine's /etc or /var/log. Time zone UTC, so
// year-less timestamps read the same everywhere.
class ScanFixture {
 public:
  ScanFixture() { WriteConfig({dir_.path() + "/none/auth.log", dir_.path() + "/none/secure"}); }

  void WriteConfig(const std::vector<std::string>& files) {
    // The journal is off unless a test names a directory: this machine's own journal (or
    // its absence) must not change what a test sees.
    std::string yaml =
        "rules: { paths: [" + kTestRules + "] }\nsources:\n" + journal_yaml_ + "  files:\n";
    for (const auto& f : files) yaml += "    - { path: " + f + " }\n";
    if (files.empty()) yaml += "    []\n";
    test::WriteFile(config(), yaml);
  }

  // A log file whose modification time is 2026-11-22T00:00:00Z: the year for its lines.
  std::string Log(const std::string& name, const std::string& text) {
    const std::string path = dir_.path() + "/" + name;
    test::WriteFile(path, text);
    const timespec times[2] = {{1'795'305'600, 0}, {1'795'305'600, 0}};
    REQUIRE(::utimensat(AT_FDCWD, path.c_str(), times, 0) == 0);
    return path;
  }

  ScanRun Run(std::vector<std::string> args, const std::string* stdin_text = nullptr) {
    args.insert(args.begin(), {kBinary, "scan", "-c", config()});
    return test::RunCommand(args, {.env = {"TZ=UTC"}, .stdin_text = stdin_text ? *stdin_text : ""});
  }

  void UseJournalDirectory(const std::string& dir) {
    journal_yaml_ = "  journal: { enabled: auto, directory: " + dir + " }\n";
    WriteConfig({});
  }

  std::string config() const { return dir_.path() + "/config.yaml"; }
  const std::string& dir() const { return dir_.path(); }

 private:
  TempDir dir_;
  std::string journal_yaml_ = "  journal: { enabled: false }\n";
};

const std::string kAuthLog =
    "Nov 21 16:31:02 box sshd[123]: Failed password for root from 192.0.2.7 port 4242 ssh2\n"
    "Nov 21 16:31:03 box CRON[5]: pam_unix(cron:session): session opened for user root\n"
    "2026-11-21T16:31:04.123456+00:00 box sshd[124]: Invalid user admin from 198.51.100.2 port "
    "5555\n"
    "box sshd-session[125]: Accepted publickey for deploy from 192.0.2.9 port 22 ssh2: ED25519 "
    "SHA256:x\n";

std::vector<std::string> Keys(const nlohmann::ordered_json& j) {
  std::vector<std::string> keys;
  for (const auto& item : j.items()) keys.push_back(item.key());
  return keys;
}

}  // namespace

TEST_CASE("scan --events --format json prints one DESIGN.md record per sshd line", "[scan]") {
  ScanFixture f;
  const ScanRun run = f.Run({"--events", "--format", "json", f.Log("auth.log", kAuthLog)});
  REQUIRE(run.exit_code == 0);
  const auto lines = Lines(run.out);
  REQUIRE(lines.size() == 3);  // the CRON line is no sshd event

  const auto first = nlohmann::ordered_json::parse(lines[0]);
  CHECK(Keys(first) == std::vector<std::string>{"ts", "kind", "ip", "port", "user", "pid", "host",
                                                "line", "detail"});
  CHECK(first["host"] == "box");  // the origin host, from the line
  CHECK(first["ts"] == "2026-11-21T16:31:02Z");
  CHECK(first["kind"] == "auth_failure");
  CHECK(first["ip"] == "192.0.2.7");
  CHECK(first["port"] == 4242);
  CHECK(first["user"] == "root");
  CHECK(first["pid"] == 123);
  CHECK(first["line"] ==
        "Nov 21 16:31:02 box sshd[123]: Failed password for root from 192.0.2.7 port 4242 ssh2");

  const auto iso = nlohmann::ordered_json::parse(lines[1]);
  CHECK(iso["ts"] == "2026-11-21T16:31:04.123456Z");
  CHECK(iso["kind"] == "invalid_user");

  // A journal short line has no time: the field is left out, not invented.
  const auto journal = nlohmann::ordered_json::parse(lines[2]);
  CHECK_FALSE(journal.contains("ts"));
  CHECK(Keys(journal).front() == "kind");
  CHECK(journal["kind"] == "auth_success");
  CHECK(journal["pid"] == 125);
}

TEST_CASE("scan --events prints one readable text line per sshd line by default", "[scan]") {
  ScanFixture f;
  const ScanRun run = f.Run({"--events", f.Log("auth.log", kAuthLog)});
  REQUIRE(run.exit_code == 0);
  const auto lines = Lines(run.out);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0] ==
        "2026-11-21T16:31:02Z auth_failure ip=192.0.2.7 port=4242 user=\"root\" "
        "pid=123 | Nov 21 16:31:02 box sshd[123]: Failed password for root from "
        "192.0.2.7 port 4242 ssh2");
  CHECK_THAT(lines[2], Catch::StartsWith("- auth_success ip=192.0.2.9 port=22 user=\"deploy\""));
}

TEST_CASE("a summary of lines, events, alerts, seconds and lines/s goes to stderr", "[scan]") {
  ScanFixture f;
  const ScanRun run = f.Run({"--events", f.Log("auth.log", kAuthLog)});
  REQUIRE(run.exit_code == 0);
  static const re2::RE2 kSummary(
      "sshd-health scan: 4 lines, 3 events, 0 alerts, [0-9]+\\.[0-9]{3} seconds, [0-9]+ lines/s\n");
  CHECK(RE2::FullMatch(run.err, kSummary));
  CHECK(run.out.find("sshd-health scan:") == std::string::npos);
}

TEST_CASE("hostile log lines cannot forge output lines in either format", "[scan]") {
  ScanFixture f;
  static constexpr char kHostile[] =
      "Nov 21 16:31:05 box sshd[126]: Failed password for invalid user \x1b[31mx\"\\\x01\r"
      "forged\0\xff\xfe from 192.0.2.7 port 1 ssh2\n"
      "Nov 21 16:31:06 box sshd[127]: Invalid user {\"kind\": \"auth_success\"}\x0b from "
      "192.0.2.8\n"
      "Nov 21 16:31:07 box sshd[128]: Failed password for root from 192.0.2.7 port 2 ssh2\n";
  const std::string path = f.Log("hostile.log", std::string(kHostile, sizeof kHostile - 1));

  const ScanRun json = f.Run({"--events", "--format", "json", path});
  REQUIRE(json.exit_code == 0);
  const auto records = Lines(json.out);
  REQUIRE(records.size() == 3);
  for (const std::string& record : records) {
    INFO(record);
    for (const char c : record) CHECK((static_cast<unsigned char>(c) >= 0x20 && c != 0x7f));
    const auto j = nlohmann::json::parse(record);  // throws (fails) on bad JSON or UTF-8
    CHECK(j["line"].get<std::string>().find('\n') == std::string::npos);
  }
  CHECK(nlohmann::json::parse(records[0])["ip"] == "192.0.2.7");
  CHECK(nlohmann::json::parse(records[1])["kind"] == "invalid_user");
  CHECK(nlohmann::json::parse(records[1])["ip"] == "192.0.2.8");

  const ScanRun text = f.Run({"--events", path});
  REQUIRE(text.exit_code == 0);
  const auto text_lines = Lines(text.out);
  REQUIRE(text_lines.size() == 3);
  for (const std::string& line : text_lines) {
    for (const char c : line) CHECK((static_cast<unsigned char>(c) >= 0x20 && c != 0x7f));
  }
  CHECK_THAT(text_lines[0],
             Catch::Contains("\\x1b[31m") && Catch::Contains("\\x0dforged\\x00\\xff\\xfe"));
}

TEST_CASE("scan prints each alert once in the DESIGN.md shape, with totals", "[scan]") {
  ScanFixture f;
  // Two waves from one address, hours apart: the rule fires twice, the scan reports one
  // alert with the total count and the whole time span.
  std::string log;
  for (int s = 0; s < 3; ++s) {
    log += "Nov 21 16:31:0" + std::to_string(s) +
           " box sshd[200]: Failed password for root from 192.0.2.7 port 4000 ssh2\n";
  }
  for (int s = 0; s < 3; ++s) {
    log += "Nov 21 19:00:0" + std::to_string(s) +
           " box sshd[300]: Failed password for root from 192.0.2.7 port 4000 ssh2\n";
  }
  log += "Nov 21 19:00:09 box sshd[301]: Failed password for root from 198.51.100.1 port 1 ssh2\n";
  const std::string path = f.Log("auth.log", log);

  const ScanRun json = f.Run({"--format", "json", path});
  REQUIRE(json.exit_code == 0);
  const auto lines = Lines(json.out);
  REQUIRE(lines.size() == 1);  // 198.51.100.1 stayed below the threshold
  const auto alert = nlohmann::ordered_json::parse(lines[0]);
  for (const char* key : {"schema", "id", "rule", "severity", "status", "host", "summary", "remedy",
                          "labels", "count", "first_seen", "last_seen", "evidence"}) {
    CHECK(alert.contains(key));
  }
  CHECK(alert["schema"] == 1);
  CHECK(alert["rule"] == "test.scan.brute");
  CHECK(alert["severity"] == "warning");
  CHECK(alert["labels"]["ip"] == "192.0.2.7");
  CHECK(alert["count"] == 6);
  CHECK(alert["first_seen"] == "2026-11-21T16:31:00Z");
  CHECK(alert["last_seen"] == "2026-11-21T19:00:02Z");
  CHECK(alert["evidence"].size() >= 3);
  CHECK(alert["evidence"].size() <= 5);
  CHECK_THAT(json.err, Catch::Contains(" 7 events, 1 alerts, "));

  const ScanRun text = f.Run({path});
  REQUIRE(text.exit_code == 0);
  const auto text_lines = Lines(text.out);
  REQUIRE(text_lines.size() >= 2);
  CHECK_THAT(text_lines[0],
             Catch::StartsWith("WARNING test.scan.brute [") &&
                 Catch::Contains("ip=\"192.0.2.7\" count=6 first=2026-11-21T16:31:00Z "
                                 "last=2026-11-21T19:00:02Z: "));
  CHECK(text_lines[1] == "    Block it:");
  CHECK(text_lines[2] == "      nft add rule inet filter input ip saddr 192.0.2.7 drop");
}

TEST_CASE("stdin and gzip input give the same events as the plain file", "[scan]") {
  ScanFixture f;
  const ScanRun plain = f.Run({"--events", "--format", "json", f.Log("auth.log", kAuthLog)});
  REQUIRE(plain.exit_code == 0);
  REQUIRE(Lines(plain.out).size() == 3);

  // A rotated log under a name that does not say gzip: recognised by its magic bytes.
  const ScanRun gz = f.Run({"--events", "--format", "json", f.Log("auth.log.2", Gzip(kAuthLog))});
  CHECK(gz.exit_code == 0);
  CHECK(gz.out == plain.out);

  // stdin has no modification time: the year comes from now, so compare what does not
  // depend on it.
  const std::string piped = Gzip(kAuthLog);
  const ScanRun in = f.Run({"--events", "--format", "json", "-"}, &piped);
  CHECK(in.exit_code == 0);
  const auto lines = Lines(in.out);
  REQUIRE(lines.size() == 3);
  CHECK(nlohmann::json::parse(lines[2]) == nlohmann::json::parse(Lines(plain.out)[2]));
  CHECK_THAT(in.err, Catch::Contains("4 lines, 3 events"));
}

TEST_CASE("with no inputs and no log files, scan says where it looked and exits 0", "[scan]") {
  ScanFixture f;
  const ScanRun run = f.Run({});
  CHECK(run.exit_code == 0);
  CHECK(run.out.empty());
  CHECK_THAT(run.err,
             Catch::Contains("no sshd log files found: looked at " + f.dir() + "/none/auth.log, " +
                             f.dir() + "/none/secure and found no systemd journal") &&
                 Catch::Contains("pass files or - for stdin"));
}

TEST_CASE("with no inputs, scan reads the config's log files that exist", "[scan]") {
  ScanFixture f;
  const std::string log = f.Log("auth.log", kAuthLog);
  f.WriteConfig({f.dir() + "/none/secure", log});
  const ScanRun run = f.Run({"--events"});
  CHECK(run.exit_code == 0);
  CHECK(Lines(run.out).size() == 3);
  CHECK_THAT(run.err, Catch::Contains("scanning " + log));
}

TEST_CASE("a missing input is an error after the other inputs are scanned", "[scan]") {
  ScanFixture f;
  const std::string missing = f.dir() + "/gone.log";
  const ScanRun run = f.Run({"--events", missing, f.Log("auth.log", kAuthLog)});
  CHECK(run.exit_code == 1);
  CHECK(Lines(run.out).size() == 3);
  CHECK_THAT(run.err, Catch::Contains("cannot read " + missing + ": No such file or directory") &&
                          Catch::Contains("4 lines, 3 events"));
}

TEST_CASE("a corrupt gzip input is reported and scan exits 1", "[scan]") {
  ScanFixture f;
  std::string big;
  for (int i = 0; i < 500; ++i) big += kAuthLog;
  const std::string gz = Gzip(big);
  const std::string path = f.Log("auth.log.1.gz", gz.substr(0, gz.size() / 2));
  const ScanRun run = f.Run({"--events", path});
  CHECK(run.exit_code == 1);
  CHECK_FALSE(run.out.empty());
  CHECK_THAT(run.err, Catch::Contains(path) && Catch::Contains("gzip"));
}

TEST_CASE("an overlong line is cut and counted, and scanning goes on", "[scan]") {
  ScanFixture f;
  const std::string log = "Nov 21 16:31:00 box sshd[1]: Invalid user " + std::string(100'000, 'a') +
                          " from 192.0.2.1\n" + kAuthLog;
  const ScanRun run = f.Run({"--events", "--format", "json", f.Log("auth.log", log)});
  CHECK(run.exit_code == 0);
  for (const auto& line : Lines(run.out)) CHECK(line.size() < 4 * 2048);
  CHECK_THAT(run.err, Catch::Contains("5 lines, ") && Catch::Contains("(1 overlong lines cut at"));
}

TEST_CASE("bad rules or config exit 78 with the reason", "[scan]") {
  ScanFixture f;
  SECTION("a --rules directory that does not exist") {
    const ScanRun run = f.Run({"--rules", f.dir() + "/no-rules", "-"});
    CHECK(run.exit_code == 78);
    CHECK_THAT(run.err, Catch::Contains("--rules " + f.dir() + "/no-rules: not a directory"));
  }
  SECTION("a config with an unknown key") {
    test::WriteFile(f.config(), "sources: { files: [] }\nbogus: 1\n");
    const ScanRun run = f.Run({"-"});
    CHECK(run.exit_code == 78);
    CHECK_THAT(run.err, Catch::Contains(f.config()) && Catch::Contains("bogus"));
  }
}

TEST_CASE("scan --journal-directory reads sshd's entries from journal files", "[scan]") {
  ScanFixture f;
  const std::string journal_dir = f.dir() + "/journal";
  std::filesystem::create_directory(journal_dir);
  {
    test::JournalWriter writer(journal_dir);
    const std::uint64_t t0 = 1'795'278'662'000'000;  // 2026-11-21T16:31:02Z
    writer.Write("sshd", 123, "Failed password for root from 192.0.2.7 port 4242 ssh2", t0);
    writer.Write("CRON", 5, "pam_unix(cron:session): session opened for user root", t0 + 1);
    writer.Write("sshd-session", 124, "Invalid user admin from 198.51.100.2 port 5555",
                 t0 + 2'000'000);
    writer.Close();
  }
  const ScanRun run = f.Run({"--journal-directory", journal_dir, "--events", "--format", "json"});
  CHECK(run.exit_code == 0);
  const auto lines = Lines(run.out);
  REQUIRE(lines.size() == 2);
  const auto first = nlohmann::json::parse(lines[0]);
  CHECK(first["ts"] == "2026-11-21T16:31:02Z");
  CHECK(first["kind"] == "auth_failure");
  CHECK(first["ip"] == "192.0.2.7");
  CHECK(first["pid"] == 123);
  CHECK(nlohmann::json::parse(lines[1])["kind"] == "invalid_user");
  CHECK_THAT(run.err, Catch::Contains("2 lines, 2 events"));

  // With no inputs, a config whose journal source names a directory scans that journal.
  f.UseJournalDirectory(journal_dir);
  const ScanRun configured = f.Run({"--events", "--format", "json"});
  CHECK(configured.exit_code == 0);
  CHECK(configured.out == run.out);
  CHECK_THAT(configured.err, Catch::Contains("scanning the journal files in " + journal_dir));

  const ScanRun missing = f.Run({"--journal-directory", f.dir() + "/no-journal"});
  CHECK(missing.exit_code == 1);
  CHECK_THAT(missing.err, Catch::Contains(f.dir() + "/no-journal"));
}

TEST_CASE(
    "scan's --rules takes one directory per occurrence, leaving the files that follow as inputs",
    "[scan]") {
  // Regression: the option used to swallow every word after it ("--rules DIR FILE" failed
  // with "--rules FILE: not a directory").
  TempDir dir;
  const std::string log = dir.path() + "/auth.log";
  test::WriteFile(log,
                  "Nov 21 16:31:02 host sshd[1]: drop connection #3 from [192.0.2.9]:40306 "
                  "on [192.0.2.1]:22 past MaxStartups\n");
  const auto r = test::RunCommand({kBinary, "scan", "--format", "json", "--rules",
                                   std::string(SSHD_HEALTH_SOURCE_TREE) + "/rules", log});
  CHECK(r.exit_code == 0);
  CHECK(r.out.find("\"rule\":\"sshd.maxstartups.drop\"") != std::string::npos);
}

TEST_CASE("scan counts the sshd lines it does not understand and --unknown lists them by shape",
          "[scan]") {
  // Issue 14: say so when it does not understand. Two shapes, numbers and addresses masked,
  // most frequent first; the known-and-ignored PAM note is not among them.
  const std::string log =
      "Nov 21 16:31:02 box sshd[123]: Failed password for root from 192.0.2.7 port 4242 ssh2\n"
      "Nov 21 16:31:03 box sshd[124]: Frobnicated session 17 from 192.0.2.8 port 4243\n"
      "Nov 21 16:31:04 box sshd[125]: Frobnicated session 18 from 2001:db8::9 port 4244\n"
      "Nov 21 16:31:05 box sshd-session[126]: wibble: quux 3\n"
      "Nov 21 16:31:06 box sshd[127]: pam_unix(sshd:auth): check pass; user unknown\n"
      "Nov 21 16:31:07 box CRON[5]: something cron says\n";
  ScanFixture f;
  const std::string path = f.Log("auth.log", log);
  const ScanRun run = f.Run({path});
  REQUIRE(run.exit_code == 0);
  CHECK(run.err.find("; 3 sshd lines not understood (scan --unknown lists them)") !=
        std::string::npos);
  const ScanRun listed = f.Run({"--unknown", path});
  REQUIRE(listed.exit_code == 0);
  CHECK(listed.out ==
        "2  Frobnicated session N from <addr> port N\n"
        "    e.g. Frobnicated session 17 from 192.0.2.8 port 4243\n"
        "    e.g. Frobnicated session 18 from 2001:db8::9 port 4244\n"
        "1  wibble: quux N\n"
        "    e.g. wibble: quux 3\n");
  const ScanRun json = f.Run({"--unknown", "--format", "json", path});
  CHECK(json.out.rfind(
            "{\"count\":2,\"shape\":\"Frobnicated session N from <addr> port N\",\"samples\":[",
            0) == 0);
}
