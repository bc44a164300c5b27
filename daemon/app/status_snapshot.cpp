#include "app/status_snapshot.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "core/text.h"
#include "core/time_format.h"

namespace sshd_health {
namespace {

using nlohmann::json;

// A time the daemon has not got (nothing read yet, no error yet) is null, not 1970.
json TimeJson(TimePoint t) { return t == TimePoint{} ? json(nullptr) : json(FormatRfc3339(t)); }

// Reading back: a missing or mistyped field names itself.
class Reader {
 public:
  Reader(const json& j, std::string where) : j_(j), where_(std::move(where)) {}

  const json& At(const char* key) const {
    if (!j_.is_object() || !j_.contains(key)) throw Missing(key);
    return j_.at(key);
  }
  std::string String(const char* key) const {
    const json& v = At(key);
    if (!v.is_string()) throw Bad(key, "a string");
    return v.get<std::string>();
  }
  template <typename Int>
  Int Number(const char* key) const {
    const json& v = At(key);
    if (!v.is_number_integer()) throw Bad(key, "an integer");
    return v.get<Int>();
  }
  bool Bool(const char* key) const {
    const json& v = At(key);
    if (!v.is_boolean()) throw Bad(key, "true or false");
    return v.get<bool>();
  }
  TimePoint Time(const char* key) const {
    const json& v = At(key);
    if (v.is_null()) return TimePoint{};
    if (!v.is_string()) throw Bad(key, "a time or null");
    auto t = ParseRfc3339(v.get<std::string>());
    if (!t) throw Bad(key, "an RFC 3339 time");
    return *t;
  }
  const json& Array(const char* key) const {
    const json& v = At(key);
    if (!v.is_array()) throw Bad(key, "a list");
    return v;
  }
  Reader Child(const char* key) const { return Reader(At(key), Path(key)); }
  Reader Item(const json& v, const char* key, std::size_t i) const {
    return Reader(v, fmt::format("{}[{}]", Path(key), i));
  }

 private:
  std::string Path(const char* key) const { return where_.empty() ? key : where_ + "." + key; }
  std::runtime_error Missing(const char* key) const {
    return std::runtime_error(Path(key) + ": missing");
  }
  std::runtime_error Bad(const char* key, const char* what) const {
    return std::runtime_error(fmt::format("{}: expected {}", Path(key), what));
  }

  const json& j_;
  std::string where_;
};

// "4s", "12m", "3h5m", "2d4h": how long ago, to the two largest units.
std::string Age(TimePoint t, TimePoint now) {
  if (t == TimePoint{}) return "never";
  const auto s = std::chrono::duration_cast<std::chrono::seconds>(now - t).count();
  if (s < 0) return "in the future";
  if (s < 60) return fmt::format("{}s ago", s);
  if (s < 3600) return fmt::format("{}m{}s ago", s / 60, s % 60);
  if (s < 86400) return fmt::format("{}h{}m ago", s / 3600, s % 3600 / 60);
  return fmt::format("{}d{}h ago", s / 86400, s % 86400 / 3600);
}

std::string When(TimePoint t, TimePoint now) {
  if (t == TimePoint{}) return "never";
  // Whole seconds: the text is read by a person (the JSON keeps the microseconds).
  return fmt::format("{} ({})", FormatRfc3339(std::chrono::floor<std::chrono::seconds>(t)),
                     Age(t, now));
}

// The text view shows each string through the one escaper, whatever the file held.
std::string Safe(const std::string& s, std::size_t max = 512) { return EscapeForOutput(s, max); }

}  // namespace

StatusSource SourceStatus(const std::string& name, const SourceStats& stats,
                          const SourcePosition& position) {
  return {.name = name,
          .kind = position.kind,
          .path = position.path,
          .open = position.open,
          .inode = position.inode,
          .offset = position.offset,
          .cursor = position.cursor,
          .files = position.files,
          .lines = stats.records,
          .last_line = stats.last_record};
}

StatusAudit AuditStatus(const AuditReport& report, TimePoint at) {
  StatusAudit out{.at = at, .status = std::string(CheckStatusName(report.status)), .checks = {}};
  for (const CheckReport& c : report.checks) {
    StatusCheck sc{.check = c.check,
                   .status = std::string(CheckStatusName(c.status)),
                   .summary = c.detail.empty() ? "no findings" : c.detail,
                   .findings = c.findings.size()};
    if (!c.findings.empty()) {
      const Finding* worst = &c.findings.front();
      for (const Finding& f : c.findings) {
        if (f.severity > worst->severity) worst = &f;
      }
      sc.summary = fmt::format("{} finding{}; worst: {}", c.findings.size(),
                               c.findings.size() == 1 ? "" : "s", worst->summary);
    }
    out.checks.push_back(std::move(sc));
  }
  return out;
}

StatusNotifier NotifierStatus(const NotifierStats& n) {
  return {.name = n.name,
          .type = n.type,
          .queued = n.queued,
          .spooled = n.spooled,
          .delivered = n.delivered,
          .failed = n.failed,
          .dropped = n.dropped,
          .last_error = n.last_error,
          .last_error_at = n.last_error_at,
          .last_delivered_at = n.last_delivered_at};
}

nlohmann::json StatusToJson(const StatusSnapshot& s) {
  // Strings are escaped again here: StatusToJson is the file's one writer, and the text it
  // gets (labels, receivers' error replies) is attacker-reachable; escaping twice is a no-op.
  json out;
  out["schema"] = kStatusSchema;
  const StatusDaemon& d = s.daemon;
  out["daemon"] = {
      {"pid", d.pid},
      {"pid_start_ticks", d.pid_start_ticks},
      {"version", Safe(d.version)},
      {"started", TimeJson(d.started)},
      {"config", Safe(d.config)},
      {"written", TimeJson(d.written)},
      {"heartbeat_seconds", std::chrono::duration_cast<std::chrono::seconds>(d.heartbeat).count()}};
  json sources = json::array();
  for (const StatusSource& src : s.sources) {
    json j = {{"name", Safe(src.name)}, {"kind", src.kind},
              {"path", Safe(src.path)}, {"open", src.open},
              {"lines", src.lines},     {"last_line", TimeJson(src.last_line)}};
    if (src.kind == "journal") {
      j["cursor"] = Safe(src.cursor);
    } else if (src.kind == "glob") {
      j["files"] = src.files;
    } else {
      j["inode"] = src.inode;
      j["offset"] = src.offset;
    }
    sources.push_back(std::move(j));
  }
  out["sources"] = std::move(sources);
  json firing = json::array();
  for (const StatusAlert& a : s.firing) {
    json labels = json::object();
    for (const auto& [k, v] : a.labels) labels[Safe(k)] = Safe(v);
    firing.push_back({{"id", a.id},
                      {"rule", Safe(a.rule)},
                      {"severity", SeverityName(a.severity)},
                      {"labels", std::move(labels)},
                      {"summary", Safe(a.summary)},
                      {"since", TimeJson(a.since)},
                      {"last_seen", TimeJson(a.last_seen)},
                      {"count", a.count}});
  }
  out["alerts"] = {{"firing", std::move(firing)}, {"omitted", s.firing_omitted}};
  if (s.audit) {
    json checks = json::array();
    for (const StatusCheck& c : s.audit->checks) {
      checks.push_back({{"check", c.check},
                        {"status", c.status},
                        {"summary", Safe(c.summary)},
                        {"findings", c.findings}});
    }
    out["audit"] = {
        {"at", TimeJson(s.audit->at)}, {"status", s.audit->status}, {"checks", std::move(checks)}};
  } else {
    out["audit"] = nullptr;
  }
  json notifiers = json::array();
  for (const StatusNotifier& n : s.notifiers) {
    notifiers.push_back(
        {{"name", Safe(n.name)},
         {"type", Safe(n.type)},
         {"queued", n.queued},
         {"spooled", n.spooled},
         {"delivered", n.delivered},
         {"failed", n.failed},
         {"dropped", n.dropped},
         {"last_error", n.last_error.empty() ? json(nullptr) : json(Safe(n.last_error))},
         {"last_error_at", TimeJson(n.last_error_at)},
         {"last_delivered_at", TimeJson(n.last_delivered_at)}});
  }
  out["notifiers"] = std::move(notifiers);
  return out;
}

Result<StatusSnapshot> StatusFromJson(const nlohmann::json& j) {
  try {
    const Reader top(j, "");
    if (top.Number<int>("schema") != kStatusSchema)
      return Fail(
          fmt::format("schema {} (this version reads {})", top.At("schema").dump(), kStatusSchema));
    StatusSnapshot s;
    const Reader d = top.Child("daemon");
    s.daemon.pid = d.Number<pid_t>("pid");
    s.daemon.pid_start_ticks = d.Number<std::uint64_t>("pid_start_ticks");
    s.daemon.version = d.String("version");
    s.daemon.started = d.Time("started");
    s.daemon.config = d.String("config");
    s.daemon.written = d.Time("written");
    s.daemon.heartbeat = std::chrono::seconds(d.Number<long>("heartbeat_seconds"));
    const json& sources = top.Array("sources");
    for (std::size_t i = 0; i < sources.size(); ++i) {
      const Reader r = top.Item(sources[i], "sources", i);
      StatusSource src;
      src.name = r.String("name");
      src.kind = r.String("kind");
      src.path = r.String("path");
      src.open = r.Bool("open");
      src.lines = r.Number<std::uint64_t>("lines");
      src.last_line = r.Time("last_line");
      if (src.kind == "journal") {
        src.cursor = r.String("cursor");
      } else if (src.kind == "glob") {
        src.files = r.Number<std::uint64_t>("files");
      } else {
        src.inode = r.Number<std::uint64_t>("inode");
        src.offset = r.Number<std::int64_t>("offset");
      }
      s.sources.push_back(std::move(src));
    }
    const Reader alerts = top.Child("alerts");
    s.firing_omitted = alerts.Number<std::uint64_t>("omitted");
    const json& firing = alerts.Array("firing");
    for (std::size_t i = 0; i < firing.size(); ++i) {
      const Reader r = alerts.Item(firing[i], "firing", i);
      StatusAlert a;
      a.id = r.String("id");
      a.rule = r.String("rule");
      const auto sev = ParseSeverity(r.String("severity"));
      if (!sev) return Fail(fmt::format("alerts.firing[{}].severity: unknown", i));
      a.severity = *sev;
      for (const auto& [k, v] : r.At("labels").items()) {
        if (!v.is_string()) return Fail(fmt::format("alerts.firing[{}].labels.{}: not text", i, k));
        a.labels[k] = v.get<std::string>();
      }
      a.summary = r.String("summary");
      a.since = r.Time("since");
      a.last_seen = r.Time("last_seen");
      a.count = r.Number<std::uint64_t>("count");
      s.firing.push_back(std::move(a));
    }
    if (!top.At("audit").is_null()) {
      const Reader a = top.Child("audit");
      StatusAudit audit;
      audit.at = a.Time("at");
      audit.status = a.String("status");
      const json& checks = a.Array("checks");
      for (std::size_t i = 0; i < checks.size(); ++i) {
        const Reader r = a.Item(checks[i], "checks", i);
        audit.checks.push_back({r.String("check"), r.String("status"), r.String("summary"),
                                r.Number<std::size_t>("findings")});
      }
      s.audit = std::move(audit);
    }
    const json& notifiers = top.Array("notifiers");
    for (std::size_t i = 0; i < notifiers.size(); ++i) {
      const Reader r = top.Item(notifiers[i], "notifiers", i);
      StatusNotifier n;
      n.name = r.String("name");
      n.type = r.String("type");
      n.queued = r.Number<std::uint64_t>("queued");
      n.spooled = r.Number<std::uint64_t>("spooled");
      n.delivered = r.Number<std::uint64_t>("delivered");
      n.failed = r.Number<std::uint64_t>("failed");
      n.dropped = r.Number<std::uint64_t>("dropped");
      if (!r.At("last_error").is_null()) n.last_error = r.String("last_error");
      n.last_error_at = r.Time("last_error_at");
      n.last_delivered_at = r.Time("last_delivered_at");
      s.notifiers.push_back(std::move(n));
    }
    return s;
  } catch (const std::exception& e) {  // Reader's errors, and nlohmann's range errors
    return Fail(e.what());
  }
}

std::string StatusToText(const StatusSnapshot& s, TimePoint now) {
  std::string out;
  const StatusDaemon& d = s.daemon;
  out += fmt::format("sshd-health {} running: pid {}, started {}\n", Safe(d.version), d.pid,
                     When(d.started, now));
  out += fmt::format("  config {}; status written {}\n", Safe(d.config), When(d.written, now));

  out += fmt::format("\nSources ({})\n", s.sources.size());
  if (s.sources.empty()) out += "  none: only audits run\n";
  for (const StatusSource& src : s.sources) {
    std::string where;
    if (src.kind == "journal") {
      where = src.cursor.empty() ? "no entry read yet" : "cursor " + Safe(src.cursor);
    } else if (src.kind == "glob") {
      where = fmt::format("{} file{} matching", src.files, src.files == 1 ? "" : "s");
    } else if (!src.open) {
      where = "not open (missing or unreadable; waiting for it)";
    } else {
      where = fmt::format("inode {}, offset {}", src.inode, src.offset);
    }
    out += fmt::format("  {}: {}\n    {} lines read, last line {}\n", Safe(src.name), where,
                       src.lines, When(src.last_line, now));
  }

  out += fmt::format("\nFiring alerts ({})\n", s.firing.size());
  if (s.firing.empty()) out += "  none\n";
  for (const StatusAlert& a : s.firing) {
    std::string labels;
    for (const auto& [k, v] : a.labels) labels += fmt::format(" {}={}", Safe(k), Safe(v));
    out += fmt::format("  {} {}{}: count {}, since {}\n    {}\n", SeverityName(a.severity),
                       Safe(a.rule), labels, a.count, When(a.since, now), Safe(a.summary));
  }
  if (s.firing_omitted > 0)
    out += fmt::format("  ({} more were left out of this list since start: too many at once)\n",
                       s.firing_omitted);

  if (!s.audit) {
    out += "\nLast audit: none finished yet (or audits are off)\n";
  } else {
    out += fmt::format("\nLast audit: {}, {}\n", s.audit->status, When(s.audit->at, now));
    for (const StatusCheck& c : s.audit->checks) {
      // One line each: a check's detail can run long (the CVE list); the JSON has it all.
      out += fmt::format("  {:<16} {:<8} {}\n", c.check, c.status, Safe(c.summary, 160));
    }
  }

  out += fmt::format("\nNotifiers ({})\n", s.notifiers.size());
  for (const StatusNotifier& n : s.notifiers) {
    out += fmt::format(
        "  {} ({}): queued {}, spooled {}, delivered {}, failed {}, dropped {}; last delivery {}\n",
        Safe(n.name), Safe(n.type), n.queued, n.spooled, n.delivered, n.failed, n.dropped,
        When(n.last_delivered_at, now));
    if (!n.last_error.empty())
      out += fmt::format("    last error {}: {}\n", When(n.last_error_at, now), Safe(n.last_error));
  }
  return out;
}

}  // namespace sshd_health
