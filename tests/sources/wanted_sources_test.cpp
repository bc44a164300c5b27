// SourcesWanted: the one decision of which logs a config reads (daemon, scan, check).
#include "sources/wanted_sources.h"

#include <catch2/catch.hpp>
#include <filesystem>

using namespace sshd_health;

namespace {

SourcesConfig Sources(Tristate journal, const std::string& directory = "") {
  SourcesConfig s;
  s.journal.enabled = journal;
  s.journal.directory = directory;
  s.files = {{"/var/log/auth.log"}, {"/var/log/secure"}};
  return s;
}

const std::vector<std::string> kFiles = {"/var/log/auth.log", "/var/log/secure"};

}  // namespace

TEST_CASE("without the journal the configured files are read", "[sources]") {
  const WantedSources w = SourcesWanted(Sources(Tristate::kOff, "/j"));
  CHECK_FALSE(w.journal);
  CHECK(w.files == kFiles);
}

TEST_CASE("a journal that is explicitly on is read beside the files", "[sources]") {
  const WantedSources w = SourcesWanted(Sources(Tristate::kOn));
  CHECK(w.journal);
  CHECK(w.files == kFiles);
}

TEST_CASE("under auto a journal means no files, since rsyslog's copies would count twice",
          "[sources]") {
  SECTION("a journal directory is configured") {
    const WantedSources w = SourcesWanted(Sources(Tristate::kAuto, "/j"));
    CHECK(w.journal);
    CHECK(w.files.empty());
  }
  SECTION("the system journal: when journald runs") {
    std::error_code ec;
    const bool journald = std::filesystem::exists("/run/systemd/journal", ec);
    const WantedSources w = SourcesWanted(Sources(Tristate::kAuto));
    CHECK(w.journal == journald);
    CHECK(w.files == (journald ? std::vector<std::string>{} : kFiles));
  }
}
