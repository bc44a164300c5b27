// Every event kind, from lines written after OpenSSH's own format strings
// (tests/data/parse/events.tsv names the release and function of each).
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

#include "parse/sshd_parser.h"
#include "sources/syslog_line.h"

namespace sshd_health {
namespace {

struct Row {
  std::string kind, ip, port, user, detail, line;
  int number = 0;
};

std::string Dash(const std::string& s) { return s == "-" ? std::string() : s; }

std::vector<Row> LoadRows() {
  std::ifstream in(std::string(SSHD_HEALTH_TEST_DATA) + "/parse/events.tsv");
  REQUIRE(in.good());
  std::vector<Row> rows;
  std::string text;
  int number = 0;
  while (std::getline(in, text)) {
    ++number;
    if (text.empty() || text[0] == '#') continue;
    std::vector<std::string> cols;
    std::size_t start = 0;
    for (int i = 0; i < 5; ++i) {
      const auto tab = text.find('\t', start);
      REQUIRE(tab != std::string::npos);
      cols.push_back(text.substr(start, tab - start));
      start = tab + 1;
    }
    cols.push_back(text.substr(start));
    rows.push_back(
        Row{cols[0], Dash(cols[1]), Dash(cols[2]), Dash(cols[3]), Dash(cols[4]), cols[5], number});
  }
  return rows;
}

const std::vector<Row>& Rows() {
  static const std::vector<Row> rows = LoadRows();
  return rows;
}

TEST_CASE("each line of the OpenSSH format table yields its kind, address, port, user and detail",
          "[parse]") {
  const auto index = GENERATE(range(std::size_t{0}, Rows().size()));
  const Row& row = Rows()[index];
  INFO("events.tsv:" << row.number << ": " << row.line);
  const auto rec = ParseSyslogLine(row.line, SyslogContext{});
  REQUIRE(rec);
  SshdParser parser;
  const auto ev = parser.Parse(*rec);
  REQUIRE(ev);
  CHECK(EventKindName(ev->kind) == row.kind);
  CHECK(ev->ip == row.ip);
  CHECK((ev->port == 0 ? std::string() : std::to_string(ev->port)) == row.port);
  CHECK(ev->user == row.user);
  if (!row.detail.empty()) CHECK(ev->detail == row.detail);
  CHECK(ev->line == row.line);
  CHECK(ev->pid == rec->pid);
}

TEST_CASE("the table covers every event kind in the catalogue", "[parse]") {
  for (const auto& info : AllEventKinds()) {
    bool seen = false;
    for (const auto& row : Rows()) seen = seen || row.kind == info.name;
    INFO("kind without a test line: " << info.name);
    CHECK(seen);
  }
}

TEST_CASE("the catalogue lists kinds in enum order with unique names that round-trip", "[parse]") {
  const auto kinds = AllEventKinds();
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    CHECK(static_cast<std::size_t>(kinds[i].kind) == i);
    CHECK(ParseEventKind(kinds[i].name) == kinds[i].kind);
    CHECK(EventKindName(kinds[i].kind) == kinds[i].name);
    CHECK_FALSE(kinds[i].meaning.empty());
  }
  CHECK_FALSE(ParseEventKind("no_such_kind"));
}

}  // namespace
}  // namespace sshd_health
