#pragma once
// tests/data/openssh/samples.tsv, read for the parse tests: one sample message per format
// and meaning of the OpenSSH log catalogue, with what the parser must extract.
#include <catch2/catch.hpp>
#include <fstream>
#include <string>
#include <vector>

namespace sshd_health::test {

struct Sample {
  int line_no = 0;
  std::string kind;
  std::string ip;
  std::string port;
  std::string user;
  std::vector<std::string> programs;
  std::string releases;
  std::string message;
};

inline std::vector<std::string> SplitTabs(const std::string& line, char sep = '\t') {
  std::vector<std::string> out;
  std::string cur;
  for (char c : line) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

// make_catalogue.py tsv_escape: \t \n \r \\ .
inline std::string Unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      const char c = s[++i];
      out += c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c;
    } else {
      out += s[i];
    }
  }
  return out;
}

inline std::vector<Sample> LoadSamples() {
  std::ifstream in(std::string(SSHD_HEALTH_TEST_DATA) + "/openssh/samples.tsv");
  REQUIRE(in);
  std::vector<Sample> out;
  std::string line;
  int no = 0;
  bool header = false;
  while (std::getline(in, line)) {
    ++no;
    if (line.empty() || line[0] == '#') continue;
    if (!header) {  // the column names
      header = true;
      continue;
    }
    const auto f = SplitTabs(line);
    REQUIRE(f.size() >= 7);
    const auto dash = [](const std::string& v) { return v == "-" ? std::string() : v; };
    Sample s;
    s.line_no = no;
    s.kind = f[0];
    s.ip = dash(f[1]);
    s.port = dash(f[2]);
    s.user = dash(Unescape(f[3]));
    s.programs = SplitTabs(f[4], ',');
    s.releases = f[5];
    s.message = Unescape(f[6]);
    out.push_back(std::move(s));
  }
  return out;
}

}  // namespace sshd_health::test
