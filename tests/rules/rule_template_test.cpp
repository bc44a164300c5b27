#include "rules/rule_template.h"

#include <catch2/catch.hpp>
#include <string>

using namespace sshd_health;
using namespace std::chrono_literals;

namespace {

std::string Render(const std::string& text, const TemplateValues& v) {
  auto t = RuleTemplate::Parse(text);
  REQUIRE(t);
  return t->Render(v);
}

}  // namespace

TEST_CASE("templates fill every placeholder", "[rules]") {
  TemplateValues v;
  v.ip = "192.0.2.1";
  v.user = "root";
  v.detail = "ssh-rsa";
  v.kind = "auth_failure";
  v.rule = "sshd.x.y";
  v.host = "web1";
  v.port = 2222;
  v.pid = 77;
  v.count = 12;
  v.threshold = 10;
  v.window = "10m";
  v.cooldown = "30m";
  CHECK(Render("{ip}:{port} {user} {detail} {kind} {rule} {host} {pid} {count}/{threshold} "
               "{window} {cooldown}",
               v) == "192.0.2.1:2222 root ssh-rsa auth_failure sshd.x.y web1 77 12/10 10m 30m");
  CHECK(Render("{{literal}} {{{ip}}}", v) == "{literal} {192.0.2.1}");
}

TEST_CASE("empty values render as a dash", "[rules]") {
  TemplateValues v;
  CHECK(Render("{ip} {user} {port} {pid} {count}", v) == "- - - - 0");
}

TEST_CASE("template syntax errors say what is wrong", "[rules]") {
  CHECK(RuleTemplate::Parse("a {ip").error().message ==
        "unclosed '{' at offset 2 (write '{{' for a literal brace)");
  CHECK(RuleTemplate::Parse("a } b").error().message ==
        "lone '}' at offset 2 (write '}}' for a literal brace)");
  CHECK(RuleTemplate::Parse("{IP}").error().message.rfind(
            "unknown placeholder '{IP}' (known: {ip} {user}", 0) == 0);
}

TEST_CASE("durations are shown in their largest exact unit", "[rules]") {
  CHECK(FormatDuration(10min) == "10m");
  CHECK(FormatDuration(90s) == "90s");
  CHECK(FormatDuration(2h) == "2h");
  CHECK(FormatDuration(48h) == "2d");
  CHECK(FormatDuration(1500ms) == "1500ms");
  CHECK(FormatDuration(0ms) == "0s");
}
