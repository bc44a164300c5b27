#include "notify/webhook_notifier.h"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "notify/http_post.h"
#include "notify/notifier_options.h"

namespace sshd_health {
namespace {

std::string SlackEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}

// Alert text that keeps its line breaks (the remedy): each line escaped like every other
// alert text, so no control character or invalid UTF-8 reaches the message.
std::string EscapeLines(std::string_view text) {
  std::string out;
  for (std::size_t start = 0; start <= text.size();) {
    const auto nl = text.find('\n', start);
    const auto end = nl == std::string_view::npos ? text.size() : nl;
    if (start > 0) out += '\n';
    AppendEscapedForOutput(text.substr(start, end - start), out);
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return out;
}

// RFC 9110 field-name: token characters only.
bool ValidHeaderName(const std::string& name) {
  static const std::string kTokenPunct = "!#$%&'*+-.^_`|~";
  return !name.empty() && std::all_of(name.begin(), name.end(), [](unsigned char c) {
    return std::isalnum(c) || kTokenPunct.find(static_cast<char>(c)) != std::string::npos;
  });
}

class WebhookNotifier final : public Notifier {
 public:
  WebhookNotifier(std::string name, HttpPostRequest base, bool slack, std::string secret)
      : name_(std::move(name)), base_(std::move(base)), slack_(slack), secret_(std::move(secret)) {}
  const std::string& Name() const override { return name_; }

  DeliveryResult Deliver(const std::vector<Alert>& batch) override {
    HttpPostRequest r = base_;
    r.body = slack_ ? WebhookSlackBody(batch) : WebhookJsonBody(batch);
    if (!secret_.empty()) {
      r.headers.push_back("X-Sshd-Health-Signature: sha256=" + HmacSha256Hex(secret_, r.body));
    }
    return HttpPost(r);
  }

 private:
  std::string name_;
  HttpPostRequest base_;
  bool slack_;
  std::string secret_;
};

}  // namespace

std::string WebhookJsonBody(const std::vector<Alert>& batch) {
  nlohmann::json arr = nlohmann::json::array();
  for (const Alert& a : batch) arr.push_back(AlertToJson(a));
  return arr.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string WebhookSlackBody(const std::vector<Alert>& batch) {
  std::string text;
  for (const Alert& a : batch) {
    if (!text.empty()) text += "\n\n";
    const std::string head =
        a.status == AlertStatus::kResolved ? "RESOLVED" : std::string(SeverityName(a.severity));
    text += fmt::format("*[sshd-health] {} {}*: {}", head, SlackEscape(EscapeForOutput(a.host)),
                        SlackEscape(EscapeForOutput(a.summary)));
    std::string labels;
    for (const auto& [k, v] : a.labels) labels += (labels.empty() ? "" : ", ") + k + "=" + v;
    text += fmt::format("\n`{}` count {}{}", SlackEscape(EscapeForOutput(a.rule)), a.count,
                        labels.empty() ? "" : " (" + SlackEscape(EscapeForOutput(labels)) + ")");
    if (!a.remedy.empty()) text += "\n" + SlackEscape(EscapeLines(a.remedy));
  }
  nlohmann::json body = {{"text", text}};
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string HmacSha256Hex(const std::string& key, const std::string& body) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(body.data()), body.size(), mac, &len);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) hex += fmt::format("{:02x}", mac[i]);
  return hex;
}

std::unique_ptr<Notifier> MakeWebhookNotifier(const NotifierConfig& config) {
  const YamlMap map = NotifierOptions(
      config, {"url", "format", "headers", "secret_file", "tls_verify", "ca_file", "timeout"});
  HttpPostRequest base;
  base.url = map.RequiredString("url");
  if (base.url.rfind("http://", 0) != 0 && base.url.rfind("https://", 0) != 0) {
    map.Fail("url", "expected an http:// or https:// URL");
  }
  const std::string format = map.String("format", "json");
  if (format != "json" && format != "slack") map.Fail("format", "expected json or slack");
  base.tls_verify = map.Bool("tls_verify", true);
  base.ca_file = map.String("ca_file", "");
  base.timeout = map.DurationValue("timeout", std::chrono::seconds(10));
  if (base.timeout.count() <= 0) map.Fail("timeout", "must be more than 0");
  base.headers.push_back("Content-Type: application/json");
  const YamlMap headers = map.Map("headers");
  for (const auto& kv : headers.node()) {
    const std::string name = kv.first.Scalar();
    const std::string value = headers.String(name, "");
    if (!ValidHeaderName(name)) headers.Fail(name, "is not a valid HTTP header name");
    if (std::any_of(value.begin(), value.end(),
                    [](unsigned char c) { return c < 0x20 || c == 0x7f; })) {
      headers.Fail(name, "header values must not hold control characters");
    }
    base.headers.push_back(name + ": " + value);
  }
  std::string secret;
  if (map.Has("secret_file")) secret = ReadSecretFile(map, "secret_file");
  return std::make_unique<WebhookNotifier>(config.name, std::move(base), format == "slack",
                                           std::move(secret));
}

}  // namespace sshd_health
