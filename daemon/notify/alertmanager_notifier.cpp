#include "notify/alertmanager_notifier.h"

#include <fmt/format.h>

#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

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
  AlertmanagerNotifier(std::string name, HttpPostRequest base, Duration resolve_after,
                       Duration resend_interval)
      : name_(std::move(name)),
        base_(std::move(base)),
        resolve_after_(resolve_after),
        resend_interval_(resend_interval) {}
  const std::string& Name() const override { return name_; }
  Duration ResendInterval() const override { return resend_interval_; }

  DeliveryResult Deliver(const std::vector<Alert>& batch) override {
    HttpPostRequest r = base_;
    r.body = AlertmanagerBody(batch, SystemClock::now(), resolve_after_);
    return HttpPost(r);
  }

 private:
  std::string name_;
  HttpPostRequest base_;
  Duration resolve_after_;
  Duration resend_interval_;
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
    // `host` is what a fleet's routes group by (README "Running a fleet"); `instance`
    // stays for routes written before it.
    labels["host"] = a.host;
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

std::vector<std::unique_ptr<Notifier>> MakeAlertmanagerNotifiers(const NotifierConfig& config) {
  const YamlMap map = NotifierOptions(config, {"url", "urls", "tls_verify", "ca_file", "timeout",
                                               "resolve_after", "resend_interval"});
  if (map.Has("url") == map.Has("urls")) {
    map.Fail(map.Has("url") ? "urls" : "url",
             "give either url (one Alertmanager) or urls (a list, e.g. an HA pair)");
  }
  const std::vector<std::string> urls =
      map.Has("url") ? std::vector<std::string>{map.RequiredString("url")} : map.StringList("urls");
  const char* key = map.Has("url") ? "url" : "urls";
  if (urls.empty()) map.Fail(key, "expected at least one Alertmanager URL");
  HttpPostRequest base;
  base.tls_verify = map.Bool("tls_verify", true);
  base.ca_file = map.String("ca_file", "");
  base.timeout = map.DurationValue("timeout", std::chrono::seconds(10));
  if (base.timeout.count() <= 0) map.Fail("timeout", "must be more than 0");
  base.headers.push_back("Content-Type: application/json");
  const Duration resolve_after = map.DurationValue("resolve_after", std::chrono::hours(1));
  if (resolve_after.count() <= 0) map.Fail("resolve_after", "must be more than 0");
  // Re-sent before Alertmanager's endsAt passes, as Prometheus does (its resend_delay is
  // 1m, endsAt 4 evaluation intervals on): a firing alert then stays active however long
  // it lasts, and ends at most resolve_after after the daemon stopped sending it.
  const Duration resend = map.DurationValue("resend_interval", std::chrono::minutes(5));
  if (resend.count() < 0) map.Fail("resend_interval", "must not be negative (0 = never)");
  if (resend.count() > 0 && resend >= resolve_after) {
    map.Fail("resend_interval",
             "must be less than resolve_after, or Alertmanager ends the alert between sends");
  }
  std::vector<std::unique_ptr<Notifier>> out;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < urls.size(); ++i) {
    std::string url = urls[i];
    if (url.rfind("http://", 0) != 0 && url.rfind("https://", 0) != 0) {
      map.Fail(key,
               fmt::format("expected Alertmanager's base URL, e.g. http://127.0.0.1:9093, not '{}'",
                           url));
    }
    while (!url.empty() && url.back() == '/') url.pop_back();
    if (!seen.insert(url).second) map.Fail(key, fmt::format("'{}' is listed twice", url));
    HttpPostRequest r = base;
    r.url = url + "/api/v2/alerts";
    // The first keeps the entry's name: going from `url:` to an HA pair keeps that URL's
    // spool and told memory (state_dir/spool/NAME.jsonl).
    std::string name = i == 0 ? config.name : fmt::format("{}.{}", config.name, i + 1);
    out.push_back(std::make_unique<AlertmanagerNotifier>(std::move(name), std::move(r),
                                                         resolve_after, resend));
  }
  return out;
}

std::unique_ptr<Notifier> MakeAlertmanagerNotifier(const NotifierConfig& config) {
  return std::move(MakeAlertmanagerNotifiers(config).front());
}

}  // namespace sshd_health
