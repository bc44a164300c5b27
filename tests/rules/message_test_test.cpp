// MessageTest's shortcuts (substring, prefix, required literal before RE2) must answer
// exactly as RE2 does.
#include "rules/message_test.h"

#include <re2/re2.h>

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using sshd_health::MessageTest;
using sshd_health::RequiredLiteral;

TEST_CASE("RequiredLiteral finds text every match contains, or nothing", "[rules]") {
  CHECK(RequiredLiteral("^Accepted \\S+ for root from ") == " for root from ");
  CHECK(RequiredLiteral("no matching cipher") == "no matching cipher");
  CHECK(RequiredLiteral("ab*cd") == "cd");         // b may be absent
  CHECK(RequiredLiteral("abc?d") == "ab");         // so may c
  CHECK(RequiredLiteral("xyzab+") == "xyzab");     // at least one b
  CHECK(RequiredLiteral("abcd{0,2}ef") == "abc");  // "{0,2}" is no text
  CHECK(RequiredLiteral("abcde{x}yz") == "abcd");  // a literal "{": read on
  // Found by message_test_fuzz: a "{" that starts no repetition, then "|" before a "}".
  CHECK(RequiredLiteral("1111111A111111111(er)s? fo{1atchin ciph|||ciph{{,2}und$n").empty());
  CHECK(RequiredLiteral("abcd{,2}|x").empty());
  CHECK(RequiredLiteral("(x|y)matching") == "matching");
  CHECK(RequiredLiteral("ab[]c]+defg") == "defg");  // "]" inside the class
  CHECK(RequiredLiteral("port \\d+: no match") == ": no match");
  CHECK(RequiredLiteral("(?:a|b)cde") == "cde");
  // Nothing is certain:
  CHECK(RequiredLiteral("cipher|mac").empty());
  CHECK(RequiredLiteral("(?i)no matching").empty());
  CHECK(RequiredLiteral("[[:alpha:]]x").empty());
  CHECK(RequiredLiteral("\\x41bc").empty());
  CHECK(RequiredLiteral("\\Qa.b\\E").empty());
  CHECK(RequiredLiteral("a)b").empty());
  CHECK(RequiredLiteral("caf\xc3\xa9").empty());
  CHECK(RequiredLiteral("").empty());
  CHECK(RequiredLiteral(".*").empty());
}

TEST_CASE("MessageTest answers as RE2 does on every pattern and message", "[rules]") {
  const std::vector<std::string> patterns = {
      "^Accepted \\S+ for root from ",
      "^Accepted publickey ",
      "no matching cipher",
      "^Accepted \\S+ for (root|admin) from ",
      "for r?oot",
      "for ro*t",
      "fo{1,2}r root",
      "f{0}or root",
      "root from [0-9.]+ port",
      "ro+t",
      "(?i)ROOT from",
      "(?i:ROOT) from",
      "[]r]oot",
      "[^x]oot from",
      "[[:digit:]]+ port",
      "\\Qroot from\\E",
      "\\x72oot",
      "\\broot\\b",
      "root$",
      "^$",
      "port \\d+ ssh2$",
      "a{x}b",
      "root{",
      "for {1ro|||ot{{,2}d",
      "r.ot fr.m",
      "(root|admin) from 192\\.0\\.2\\.",
  };
  const std::vector<std::string> messages = {
      "Accepted publickey for root from 192.0.2.1 port 22 ssh2",
      "Accepted password for alice from 192.0.2.1 port 22 ssh2",
      "Accepted password for admin from 192.0.2.7 port 22 ssh2",
      "Accepted keyboard-interactive/pam for rot from 198.51.100.2 port 9 ssh2",
      "Accepted  for root from x",
      "foor root",
      "for rt",
      "ROOT from",
      "]oot",
      "a{x}b",
      "root{",
      "Unable to negotiate with 192.0.2.1 port 1: no matching cipher found",
      "",
      "root",
  };
  for (const std::string& pattern : patterns) {
    RE2::Options options;
    options.set_log_errors(false);
    const re2::RE2 re(pattern, options);
    if (!re.ok()) continue;  // the loader rejects these
    const MessageTest test(&re);
    for (const std::string& message : messages) {
      INFO("pattern '" << pattern << "', message '" << message << "'");
      CHECK(test.Matches(message) == RE2::PartialMatch(message, re));
    }
  }
}
