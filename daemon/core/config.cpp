#include "core/config.h"

#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <set>

#include "core/yaml_util.h"

namespace sshd_health {
namespace fs = std::filesystem;

// The shipped data's directories (rules/, and the CVE list in rules/vulnerabilities/). A binary run
// from the build tree (make run, tests) has nothing installed, so it falls back to the source
// tree's.
std::string ShippedDataDir(const std::string& subdir) {
  const std::string installed = std::string(SSHD_HEALTH_DATADIR) + "/" + subdir;
  std::error_code ec;
  if (fs::is_directory(installed, ec)) return installed;
  const std::string source_tree = std::string(SSHD_HEALTH_SOURCE_DIR) + "/" + subdir;
  if (fs::is_directory(source_tree, ec)) return source_tree;
  return installed;
}

namespace {

std::string ShippedRulesDir() { return ShippedDataDir("rules"); }

Tristate ParseTristate(const YamlMap& map, const std::string& key, Tristate def) {
  if (!map.Has(key)) return def;
  const std::string v = map.String(key, "");
  if (v == "auto") return Tristate::kAuto;
  if (v == "true" || v == "yes" || v == "on") return Tristate::kOn;
  if (v == "false" || v == "no" || v == "off") return Tristate::kOff;
  map.Fail(key, fmt::format("expected auto, true or false, got '{}'", v));
}

void ParseSources(const YamlMap& map, SourcesConfig& out) {
  map.AllowOnly({"journal", "files"});
  const YamlMap journal = map.Map("journal");
  journal.AllowOnly({"enabled", "directory", "start"});
  out.journal.enabled = ParseTristate(journal, "enabled", out.journal.enabled);
  out.journal.directory = journal.String("directory", out.journal.directory);
  const std::string start = journal.String("start", "tail");
  if (start == "tail")
    out.journal.start = JournalSourceConfig::Start::kTail;
  else if (start == "head")
    out.journal.start = JournalSourceConfig::Start::kHead;
  else
    journal.Fail("start", fmt::format("expected tail or head, got '{}'", start));
  if (map.Has("files")) {
    out.files.clear();
    for (const YamlMap& f : map.MapList("files")) {
      f.AllowOnly({"path"});
      out.files.push_back({f.RequiredString("path")});
    }
  }
}

void ParseAudit(const YamlMap& map, AuditConfig& out) {
  map.AllowOnly(
      {"enabled", "interval", "sshd_binary", "sshd_config", "probe", "alert_min_severity"});
  out.enabled = map.Bool("enabled", out.enabled);
  if (map.Has("alert_min_severity")) {
    const auto sev = ParseSeverity(map.String("alert_min_severity", ""));
    if (!sev) map.Fail("alert_min_severity", "expected info, warning or critical");
    out.alert_min_severity = *sev;
  }
  out.interval = map.DurationValue("interval", out.interval);
  if (out.interval < std::chrono::seconds(1)) map.Fail("interval", "must be at least 1s");
  out.sshd_binary = map.String("sshd_binary", out.sshd_binary);
  out.sshd_config = map.String("sshd_config", out.sshd_config);
  const YamlMap probe = map.Map("probe");
  probe.AllowOnly({"address", "port", "timeout"});
  out.probe.address = probe.String("address", out.probe.address);
  if (probe.Has("port") && probe.String("port", "") != "auto") {
    out.probe.port = static_cast<int>(probe.Int("port", 0, 1, 65535));
  }
  out.probe.timeout = probe.DurationValue("timeout", out.probe.timeout);
}

void ParseNotify(const YamlMap& map, NotifyConfig& out) {
  map.AllowOnly({"dedup_window", "group_wait", "spool_max", "rate_limit", "notifiers"});
  out.dedup_window = map.DurationValue("dedup_window", out.dedup_window);
  out.group_wait = map.DurationValue("group_wait", out.group_wait);
  out.spool_max = map.Int("spool_max", out.spool_max, 1, 10'000'000);
  out.rate_limit = map.Int("rate_limit", out.rate_limit, 0, 100'000);
  if (!map.Has("notifiers")) return;
  out.notifiers.clear();
  std::set<std::string> names;
  for (const YamlMap& n : map.MapList("notifiers")) {
    NotifierConfig nc;
    nc.type = n.RequiredString("type");
    nc.name = n.String("name", nc.type);
    if (!names.insert(nc.name).second) {
      n.Fail("name", fmt::format("duplicate notifier name '{}'", nc.name));
    }
    if (n.Has("min_severity")) {
      const auto sev = ParseSeverity(n.String("min_severity", ""));
      if (!sev) n.Fail("min_severity", "expected info, warning or critical");
      nc.min_severity = *sev;
    }
    if (n.Has("rules")) {
      const YamlMap rules = n.Map("rules");
      rules.AllowOnly({"include", "exclude"});
      nc.include_rules = rules.StringList("include");
      nc.exclude_rules = rules.StringList("exclude");
    }
    nc.options = n.node();
    nc.file = n.file();
    nc.path = n.path();
    out.notifiers.push_back(std::move(nc));
  }
}

}  // namespace

bool operator==(const YamlContent& a, const YamlContent& b) {
  // Emitted text: equal content reads the same, whatever the file's layout or marks.
  YAML::Emitter ea;
  ea << static_cast<const YAML::Node&>(a);
  YAML::Emitter eb;
  eb << static_cast<const YAML::Node&>(b);
  return std::string_view(ea.c_str(), ea.size()) == std::string_view(eb.c_str(), eb.size());
}

Config DefaultConfig() {
  Config c;
  c.source = "built-in default";
  c.sources.files = {{"/var/log/auth.log"}, {"/var/log/secure"}};
  c.rules.paths = {ShippedRulesDir(), "/etc/sshd-health/rules.d"};
  NotifierConfig log;
  log.name = "log";
  log.type = "journal";
  log.options = YAML::Node(YAML::NodeType::Map);
  log.file = c.source;
  log.path = "notify.notifiers[0]";
  c.notify.notifiers.push_back(std::move(log));
  return c;
}

Config LoadConfig(const std::string& path) {
  const YamlMap top(LoadYamlFile(path), path, "");
  top.AllowOnly(
      {"state_dir", "status_file", "log_level", "sources", "rules", "audit", "notify", "metrics"});
  Config c = DefaultConfig();
  c.source = path;
  c.state_dir = top.String("state_dir", c.state_dir);
  if (c.state_dir.empty() || c.state_dir.front() != '/') {
    top.Fail("state_dir", "must be an absolute path");
  }
  c.status_file = top.String("status_file", c.status_file);
  if (c.status_file.empty() || c.status_file.front() != '/') {
    top.Fail("status_file", "must be an absolute path");
  }
  c.log_level = top.String("log_level", c.log_level);
  static const std::set<std::string> kLevels = {"trace", "debug", "info", "warn", "error"};
  if (!kLevels.count(c.log_level))
    top.Fail("log_level", "expected trace, debug, info, warn or error");
  ParseSources(top.Map("sources"), c.sources);
  const YamlMap rules = top.Map("rules");
  rules.AllowOnly({"paths"});
  if (rules.Has("paths")) c.rules.paths = rules.StringList("paths");
  ParseAudit(top.Map("audit"), c.audit);
  ParseNotify(top.Map("notify"), c.notify);
  const YamlMap metrics = top.Map("metrics");
  metrics.AllowOnly({"listen", "textfile", "host_label"});
  c.metrics.listen = metrics.String("listen", c.metrics.listen);
  c.metrics.host_label = metrics.String("host_label", c.metrics.host_label);
  if (c.metrics.host_label != "auto" && c.metrics.host_label != "true" &&
      c.metrics.host_label != "false")
    metrics.Fail("host_label", "expected auto, true or false");
  c.metrics.textfile = metrics.String("textfile", c.metrics.textfile);
  if (const std::string& t = c.metrics.textfile; !t.empty()) {
    // node_exporter's textfile collector reads only *.prom files of its directory: any
    // other name would be written and never read.
    if (t.front() != '/') metrics.Fail("textfile", "must be an absolute path");
    if (t.size() <= 5 || t.compare(t.size() - 5, 5, ".prom") != 0)
      metrics.Fail("textfile", "must end in .prom (node_exporter reads only those)");
    const std::string dir = t.substr(0, t.rfind('/'));
    struct stat st {};
    if (::stat(dir.empty() ? "/" : dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      metrics.Fail("textfile", "directory " + (dir.empty() ? "/" : dir) +
                                   " does not exist (node_exporter's "
                                   "--collector.textfile.directory)");
    }
  }
  return c;
}

Config LoadConfigOrDefault(const std::optional<std::string>& path) {
  if (path) return LoadConfig(*path);
  if (::access(kDefaultConfigPath, F_OK) == 0) return LoadConfig(kDefaultConfigPath);
  return DefaultConfig();
}

}  // namespace sshd_health
