// Inputs alert_render_fuzz found (tests/fuzz/), pinned.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>
#include <string>

#include "core/alert.h"
#include "notify/webhook_notifier.h"

using namespace sshd_health;

// alert_render_fuzz: the Slack text escaped the summary, host and labels but passed the
// remedy and the rule id through, so a control character (or a byte that is not UTF-8)
// in either reached the channel raw.
TEST_CASE("the Slack text escapes control characters in the remedy and rule id", "[notify]") {
  Alert a;
  a.rule = "sshd.x\x1b[2J";
  a.summary = "s";
  a.remedy = "block it\r\n\x1b[31mnow\x07\nthen <reload>";
  const auto body = nlohmann::json::parse(WebhookSlackBody({a}));
  const std::string text = body["text"];
  CHECK(text.find('\x1b') == std::string::npos);
  CHECK(text.find('\r') == std::string::npos);
  CHECK(text.find('\x07') == std::string::npos);
  CHECK(text.find("`sshd.x\\x1b[2J`") != std::string::npos);
  // The remedy keeps its lines; Slack's own escapes still apply.
  CHECK(text.find("\nblock it\\x0d\n\\x1b[31mnow\\x07\nthen &lt;reload&gt;") != std::string::npos);
}
