#include "notify/alertmanager_notifier.h"

#include <cctype>
#include <nlohmann/json.hpp>

#include "core/time_format.h"
#include "notify/http_post.h"
#include "notify/notifier_options.h"

namespace sshd_health {
namespace {

// Prometheus label names: [a-zA-Z_][a-zA-Z0-9_]*.
std::string LabelName(const std::string& key) {
  std::string out;
  for (unsigned char c : key) out += std::isalnum(c) ? static_cast<char>(c) : '_';
  if (out.empty() || std::isdigit(static_cast<unsigned char>(out.front()))) out = "_" + out;
  return out;
}

class AlertmanagerNotifier final : public Notifier {
 public:
  AlertmanagerNotifier(std::string name, HttpPostRequest base, Duration resolve_after)
      : name_(std::move(name)), base_(std::move(base)), resolve_after_(resolve_after) {}
  const std::string& Name() const override { return name_; }

  DeliveryResult Deliver(const std::vector<Alert>& batch) override {
    HttpPostRequest r = base_;
    r.body = AlertmanagerBody(batch, SystemClock::now(), resolve_after_);
    return HttpPost(r);
  }

 private:
  std::string name_;
  HttpPostRequest base_;
  Duration resolve_after_;
};

}  // namespace

std::string AlertmanagerBody(const std::vector<Alert>& batch, TimePoint now,
                             Duration resolve_after) {
  nlohmann::json arr = nlohmann::json::array();
  for (const Alert& a : batch) {
    nlohmann::json labels = nlohmann::json::object();
    for (const auto& [k, v] : a.labels) labels[LabelName(k)] = v;
    labels["alertname"] = a.rule;
    labels["severity"] = SeverityName(a.severity);
    labels["instance"] = a.host;
    std::string evidence;
    for (const auto& e : a.evidence) evidence += (evidence.empty() ? "" : "\n") + e;
    nlohmann::json annotations = {{"summary", a.summary}, {"remedy", a.remedy}};
    if (!evidence.empty()) annotations["description"] = evidence;
    const TimePoint ends = a.status == AlertStatus::kResolved ? now : now + resolve_after;
    arr.push_back({{"labels", labels},
                   {"annotations", annotations},
                   {"startsAt", FormatRfc3339(a.first_seen)},
                   {"endsAt", FormatRfc3339(ends)}});
  }
  return arr.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::unique_ptr<Notifier> MakeAlertmanagerNotifier(const NotifierConfig& config) {
  const YamlMap map =
      NotifierOptions(config, {"url", "tls_verify", "ca_file", "timeout", "resolve_after"});
  HttpPostRequest base;
  std::string url = map.RequiredString("url");
  if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
    map.Fail("url", "expected Alertmanager's base URL, e.g. http://127.0.0.1:9093");
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  base.url = url + "/api/v2/alerts";
  base.tls_verify = map.Bool("tls_verify", true);
  base.ca_file = map.String("ca_file", "");
  base.timeout = map.DurationValue("timeout", std::chrono::seconds(10));
  if (base.timeout.count() <= 0) map.Fail("timeout", "must be more than 0");
  base.headers.push_back("Content-Type: application/json");
  const Duration resolve_after = map.DurationValue("resolve_after", std::chrono::hours(1));
  return std::make_unique<AlertmanagerNotifier>(config.name, std::move(base), resolve_after);
}

}  // namespace sshd_health
