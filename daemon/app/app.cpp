#include "app/app.h"

#include <fmt/format.h>
#include <malloc.h>
#include <signal.h>
#include <spdlog/spdlog.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>

#include "app/daemon_log.h"
#include "app/metrics.h"
#include "app/pipeline.h"
#include "app/reload_plan.h"
#include "app/status_file.h"
#include "audit/audit_report.h"
#include "audit/audit_scheduler.h"
#include "audit/real_host.h"
#include "core/atomic_file.h"
#include "core/text.h"
#include "core/yaml_util.h"
#include "notify/alert_output.h"
#include "rules/rule_loader.h"
#include "rules/rule_template.h"  // FormatDuration
#include "sources/file_source.h"
#include "sources/glob_source.h"
#include "sources/journal_source.h"
#include "sources/log_source.h"
#include "sources/record_dedup.h"
#include "sources/wanted_sources.h"

namespace sshd_health {
namespace {

// How often the rules engine drops expired state and resolves quiet alerts. Idle cost is
// one wake-up per period.
constexpr auto kExpireInterval = std::chrono::seconds(15);
// The state store's record of the rules' first_seen memories.
constexpr std::string_view kRuleMemoryKey = "first-seen";
// STATUS= is sent at most this often, and only after something changed.
constexpr auto kStatusInterval = std::chrono::seconds(2);
// How long Stop gives the notifiers to deliver what is queued before spooling it.
constexpr auto kStopGrace = std::chrono::seconds(5);
constexpr const char* kReloadFailedRule = "sshd_health.reload_failed";
// The replay at start reaches back at most this far, whatever the rules say.
constexpr Duration kMaxReplayHorizon = std::chrono::hours(25);
// metrics.textfile is rewritten this often: node_exporter reads it at its own scrape, so a
// figure is at most this much older than /metrics would say (README "Running a fleet").
constexpr auto kTextfileInterval = std::chrono::seconds(15);

// metrics.host_label: "auto" is on for a central log host's sources (a file pattern, a
// journal directory of other machines' files), where lines come from many hosts.
bool HostLabelWanted(const Config& c) {
  if (c.metrics.host_label != "auto") return c.metrics.host_label == "true";
  const WantedSources wanted = SourcesWanted(c.sources);
  if (wanted.journal && !c.sources.journal.directory.empty()) return true;
  for (const std::string& path : wanted.files)
    if (IsGlobPattern(path)) return true;
  return false;
}

}  // namespace

// Counts and logs every alert, then hands it to the output (dispatcher + notifiers).
class App::Sink final : public AlertSink {
 public:
  Sink(App& app) : app_(app) {}
  void Emit(const Alert& alert) override {
    // A replayed record rebuilds an alert that was usually sent before the restart: the
    // dispatcher's told memory decides; the log says where it came from.
    const bool replay = app_.in_replay_record_;
    if (!replay) {
      ++app_.counters_.alerts;
      app_.alert_counts_.Count(
          alert, app_.host_counts_ ? app_.host_counts_->Label(alert.host) : std::string());
    }
    const auto level =
        alert.severity == Severity::kInfo || replay ? spdlog::level::info : spdlog::level::warn;
    spdlog::log(level, "alert{} {} {} {}: {}", replay ? " (replay)" : "", alert.rule,
                SeverityName(alert.severity), AlertStatusName(alert.status),
                EscapeForOutput(alert.summary));
    if (app_.output_) app_.output_->Emit(alert);
    app_.firing_.Observe(alert, app_.clock_.Now(), app_.FiringHorizon(alert.rule));
    app_.status_file_.Changed();
  }

 private:
  App& app_;
};

App::App(DaemonOptions options)
    : options_(std::move(options)),
      signals_(io_),
      expire_timer_(io_),
      watchdog_timer_(io_),
      status_timer_(io_),
      probe_log_timer_(io_),
      textfile_timer_(io_),
      sink_(std::make_unique<Sink>(*this)),
      // One window for both: a probe line that may still end the wait may still be claimed.
      own_probe_lines_(probe_ledger_, Duration(options_.logs_not_seen_grace_ms)),
      logs_not_seen_(Duration(options_.logs_not_seen_grace_ms)),
      status_file_(io_, [this] { return BuildStatusSnapshot(); }) {}

App::~App() {
  StopSources();
  if (audits_) audits_->Stop();
}

template <typename Fn>
void App::Guard(const char* what, Fn&& fn) {
  try {
    fn();
  } catch (const std::exception& e) {
    ++counters_.handler_errors;
    spdlog::error("bug: {} threw: {}", what, EscapeForOutput(e.what()));
  } catch (...) {
    ++counters_.handler_errors;
    spdlog::error("bug: {} threw a non-standard exception", what);
  }
}

std::unique_ptr<Config> App::LoadEffectiveConfig() const {
  auto config = std::make_unique<Config>(LoadConfigOrDefault(options_.config_path));
  if (options_.foreground_text) {
    // make run: alerts readable on the terminal, beside whatever the config sends.
    std::string name = "stdout";
    for (const auto& n : config->notify.notifiers) {
      if (n.name == name) name = "terminal";
    }
    NotifierConfig stdout_text;
    stdout_text.name = name;
    stdout_text.type = "stdout";
    stdout_text.options = YAML::Node(YAML::NodeType::Map);
    stdout_text.options["name"] = name;
    stdout_text.options["type"] = "stdout";
    stdout_text.options["format"] = "text";
    stdout_text.file = "--text";
    stdout_text.path = fmt::format("notify.notifiers[{}]", config->notify.notifiers.size());
    config->notify.notifiers.push_back(std::move(stdout_text));
  }
  return config;
}

bool App::ChooseStateDir(Config& config) const {
  // Run by a user (make run) with the built-in default: keep positions in the user's own
  // state directory.
  auto dir = OpenStateDir(config.state_dir, config.source == "built-in default");
  if (!dir) {
    spdlog::error("{} (from {})", dir.error().message, config.source);
    return false;
  }
  if (*dir != config.state_dir) {
    spdlog::info("state_dir {} is not writable; keeping positions in {}", config.state_dir, *dir);
    config.state_dir = *dir;
  }
  return true;
}

bool App::Init() {
  config_ = LoadEffectiveConfig();
  SetupDaemonLog(config_->log_level);
  auto rules = LoadRules(config_->rules.paths);
  spdlog::info("sshd-health {} starting: config {}, {} rules", SSHD_HEALTH_VERSION, config_->source,
               rules.size());
  // The state directory first: the dispatcher keeps its spool there.
  if (!ChooseStateDir(*config_)) return false;
  state_ = std::make_unique<StateStore>(config_->state_dir);
  output_ = MakeAlertOutput(*config_);
  pipeline_ = std::make_unique<Pipeline>(std::move(rules), clock_);
  pipeline_->SetOwnLineFilter([this](const SshdEvent& e) { return IsOwnProbeLine(e); });
  if (HostLabelWanted(*config_)) {
    host_counts_ = std::make_unique<HostCounts>(LocalHostName());
    spdlog::info("metrics: the per-line counters carry the origin host (metrics.host_label)");
  }
  pipeline_->SetUnknownObserver([this](const LogRecord& r) {
    if (host_counts_ && !in_replay_record_) host_counts_->CountUnparsed(r.host);
  });
  DeclareRuleAlerts();
  LoadRuleMemory();
  return true;
}

// The first_seen rules' memory (90 days of who logged in from where) cannot be rebuilt
// by replaying the log: it is kept in the state store.
void App::LoadRuleMemory() {
  const auto record = state_->Load(kRuleMemoryKey);
  if (!record) return;
  if (auto restored = pipeline_->LoadMemory(*record)) {
    spdlog::info("first-seen memory restored for {} rules ({} keys)", *restored,
                 pipeline_->stats().engine.first_seen_keys);
  } else {
    spdlog::warn("{}/{}: ignored ({}); the first_seen rules learn again", state_->dir(),
                 kRuleMemoryKey, restored.error().message);
  }
  saved_memory_version_ = pipeline_->memory_version();
}

void App::SaveRuleMemory(bool durable) {
  if (!pipeline_ || !state_ || pipeline_->memory_version() == saved_memory_version_) return;
  if (auto r = state_->Save(kRuleMemoryKey, pipeline_->SaveMemory(), durable); !r) {
    spdlog::warn("cannot save the first-seen memory: {}", r.error().message);
    return;
  }
  saved_memory_version_ = pipeline_->memory_version();
}

int App::Run() {
  started_at_ = clock_.Now();
  if (!Init()) return 73;  // EX_CANTCREAT. A ConfigError escapes to main: exit 78.
  output_->Start();

  signals_.add(SIGTERM);
  signals_.add(SIGINT);
  signals_.add(SIGHUP);
  WaitSignal();
  StartSources(/*replay=*/true);
  StartAudits();
  StartMetrics();
  ScheduleTextfile();
  ScheduleExpire();
  ScheduleProbeLogCheck();
  ScheduleWatchdog();
  // Before READY=1: once systemd (or a test) sees the daemon ready, `status` sees it too.
  status_file_.Start(StatusFilePath(*config_));
  notify_.Ready();
  SendStatus();
  spdlog::info("ready: {}", StatusLine());

  while (true) {
    try {
      io_.run();
      break;
    } catch (const std::exception& e) {
      // A handler let an exception escape: a bug. Log, count, keep serving.
      ++counters_.handler_errors;
      spdlog::error("bug: event loop handler threw: {}", EscapeForOutput(e.what()));
    }
  }
  spdlog::info("stopped: {}", StatusLine());
  return 0;
}

Duration App::ReplayHorizon() const {
  Duration horizon{0};
  for (const Rule& r : pipeline_->engine().rules())
    horizon = std::max(horizon, r.window + r.cooldown);
  return std::min(horizon, kMaxReplayHorizon);
}

void App::StartSources(bool replay) {
  const Config& c = *config_;
  const bool start_at_end = c.sources.journal.start == JournalSourceConfig::Start::kTail;
  const WantedSources wanted = SourcesWanted(c.sources);
  if (wanted.journal)
    sources_.push_back(std::make_unique<JournalSource>(io_, *state_, c.sources.journal));
  for (const std::string& path : wanted.files) {
    // A pattern (a central log host's /var/log/remote/*/auth.log): one source following
    // every match, files that appear later too.
    if (IsGlobPattern(path))
      sources_.push_back(std::make_unique<GlobSource>(io_, *state_, path, start_at_end, clock_));
    else
      sources_.push_back(std::make_unique<FileSource>(io_, *state_, path, start_at_end, clock_));
  }
  // The same line may reach us through the journal and through rsyslog's file.
  if (wanted.journal && sources_.size() > 1)
    dedup_ = std::make_unique<RecordDedup>();
  else
    dedup_.reset();
  int running = 0;
  replay_started_ = std::chrono::steady_clock::now();
  const Duration horizon = ReplayHorizon();
  if (replay) {
    for (auto& s : sources_) s->ReplayFrom(clock_.Now() - horizon);
    spdlog::info("replaying the last {} of the logs into the rules", FormatDuration(horizon));
  }
  // A source reads its first batch inside Start: the replay may end there.
  replaying_ = replay;
  starting_sources_ = true;
  for (std::size_t i = 0; i < sources_.size(); ++i) {
    const int id = static_cast<int>(i);
    auto r = sources_[i]->Start([this, id](const LogRecord& record) { OnRecord(id, record); },
                                [this] { OnBatchDone(); });
    if (r) {
      ++running;
      spdlog::info("following {}", sources_[i]->Name());
    } else {
      spdlog::error("{}", r.error().message);
    }
  }
  sources_running_ = running;
  if (running == 0) spdlog::warn("no log source could be opened; only audits will run");
  starting_sources_ = false;
  CheckReplayDone();
}

void App::CheckReplayDone() {
  if (!replaying_ || starting_sources_ ||
      std::any_of(sources_.begin(), sources_.end(), [](const auto& s) { return s->Replaying(); })) {
    return;
  }
  replaying_ = false;
  // What resolved while the daemon was down resolves now.
  Guard("expire", [this] { pipeline_->Expire(clock_.Now(), *sink_); });
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - replay_started_);
  spdlog::info("replay done: {} records in {} ms; rule state as before the restart ({} groups)",
               counters_.replayed.load(), ms.count(), pipeline_->stats().engine.groups);
}

void App::StopSources() {
  for (auto& s : sources_) s->Stop();
  sources_.clear();
}

void App::StartAudits() {
  if (!config_->audit.enabled) {
    last_audit_.reset();      // a reload turned them off: status must not show an old result
    check_statuses_.clear();  // turned off by a reload: no stale status in /metrics
    return;
  }
  if (!host_) host_ = std::make_unique<RealHost>(&probe_ledger_);
  // The first audit after start counts the last hour's drops and grace timeouts from the
  // logs once (the daemon has not seen them); from then on the pipeline's own counts are
  // the answer.
  audits_ =
      std::make_unique<AuditScheduler>(io_, *config_, *sink_, *host_, [this, config = *config_] {
        const TimePoint now = SystemClock::now();
        if (!drops_seeded_.exchange(true)) {
          const RecentLogCounts seen = CountRecentLogEvents(config, now);
          if (seen.maxstartups_drops) drops_.Seed(*seen.maxstartups_drops, now);
          if (seen.grace_timeouts) grace_timeouts_.Seed(*seen.grace_timeouts, now);
        }
        return RecentLogCounts{.maxstartups_drops = drops_.Count(now),
                               .grace_timeouts = grace_timeouts_.Count(now)};
      });
  audits_->OnReport([this](const AuditReport& report) {
    check_statuses_.clear();
    for (const CheckReport& c : report.checks) check_statuses_.emplace_back(c.check, c.status);
    last_audit_ = AuditStatus(report, clock_.Now());
    status_file_.Changed();
  });
  audits_->Start();
}

void App::StartMetrics() {
  metrics_.reset();
  if (config_->metrics.listen.empty()) return;
  metrics_ = std::make_unique<MetricsServer>(io_, [this] { return RenderMetrics(); });
  if (auto r = metrics_->Listen(config_->metrics.listen); !r) {
    spdlog::error("{}", r.error().message);
    metrics_.reset();
    return;
  }
  spdlog::info("metrics on http://{}/metrics", config_->metrics.listen);
}

std::string App::RenderMetrics(bool process) const {
  MetricsSnapshot snapshot{.counters = counters_};
  snapshot.process = process;
  if (host_counts_) snapshot.hosts = host_counts_->Snapshot();
  if (pipeline_) {
    snapshot.rules = pipeline_->stats().engine;
    snapshot.unparsed_lines = pipeline_->unknown().total();
  }
  if (output_) {
    snapshot.output = output_->Stats();
    snapshot.notifiers = output_->PerNotifier();
  }
  for (const auto& source : sources_)
    snapshot.source_records.emplace_back(source->Name(), source->Stats().records);
  snapshot.alerts = alert_counts_.Snapshot();
  snapshot.checks = check_statuses_;
  const auto probes = probe_ledger_.Recent();
  for (auto it = probes.rbegin(); it != probes.rend(); ++it) {
    if (it->reached_sshd) {
      snapshot.probe_latency = it->banner_latency;
      break;
    }
  }
  return RenderPrometheusText(snapshot);
}

void App::DeclareRuleAlerts() {
  // Per host, under this machine's name only: the other hosts' series start with their
  // first alert (every rule for every host would be rules x hosts series).
  const std::string host = host_counts_ ? host_counts_->Label("") : std::string();
  for (const Rule& r : pipeline_->engine().rules()) alert_counts_.Declare(r.id, r.severity, host);
}

void App::ScheduleTextfile() {
  if (config_->metrics.textfile.empty()) return;
  WriteTextfile();
  textfile_timer_.expires_after(kTextfileInterval);
  textfile_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    Guard("metrics textfile", [this] { ScheduleTextfile(); });
  });
}

void App::WriteTextfile() {
  const std::string& path = config_->metrics.textfile;
  if (path.empty()) return;
  // 0644: node_exporter usually runs as its own user. Not fsync'd: the next write is
  // seconds away, and a crash leaves the old whole file, never a torn one.
  // Without the process_* families: node_exporter exports its own under those names, and
  // the same name from a textfile makes its scrape report an error.
  const auto r =
      WriteFileAtomically(path, RenderMetrics(/*process=*/false), 0644, Durability::kAtomicOnly);
  if (!r && !textfile_failing_) {
    spdlog::error("metrics.textfile: {}", r.error().message);
  } else if (r && textfile_failing_) {
    spdlog::info("metrics.textfile {} written again", path);
  }
  textfile_failing_ = !r;
}

void App::OnRecord(int source_id, const LogRecord& record) {
  Guard("record handler", [&] {
    if (dedup_ && dedup_->IsDuplicate(source_id, record)) {
      ++counters_.duplicates;
      if (spdlog::should_log(spdlog::level::trace)) {
        spdlog::trace("duplicate {}: {}", sources_[static_cast<std::size_t>(source_id)]->Name(),
                      EscapeForOutput(record.line));
      }
      return;
    }
    if (record.replay) {
      // Through the rules again, not counted again: no events, drops or lines.
      ++counters_.replayed;
      if (spdlog::should_log(spdlog::level::trace)) {
        spdlog::trace("replay {}: {}", sources_[static_cast<std::size_t>(source_id)]->Name(),
                      EscapeForOutput(record.line));
      }
      in_replay_record_ = true;
      pipeline_->Process(record, *sink_);
      in_replay_record_ = false;
      return;
    }
    ++counters_.lines;
    if (host_counts_) host_counts_->CountLine(record.host);
    if (spdlog::should_log(spdlog::level::trace)) {
      spdlog::trace("record {}: {}", sources_[static_cast<std::size_t>(source_id)]->Name(),
                    EscapeForOutput(record.line));
    }
    const Pipeline::EventObserver observer = [this, &record](const SshdEvent& event) {
      ++counters_.events;
      ++counters_.events_by_kind[static_cast<std::size_t>(event.kind)];
      if (host_counts_) host_counts_->CountEvent(event.host, event.kind);
      if (event.kind == EventKind::kMaxStartupsDrop)
        drops_.Record(event.has_ts ? event.ts : record.ts);
      if (event.kind == EventKind::kTimeoutBeforeAuth)
        grace_timeouts_.Record(event.has_ts ? event.ts : record.ts);
      if (spdlog::should_log(spdlog::level::debug)) {
        spdlog::debug("event {} ip={} user={}", EventKindName(event.kind),
                      EscapeForOutput(event.ip), EscapeForOutput(event.user));
      }
    };
    pipeline_->Process(record, *sink_, &observer);
  });
}

void App::OnBatchDone() {
  CheckReplayDone();
  ScheduleStatus();
  status_file_.Changed();
}

void App::WaitSignal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    if (sig == SIGHUP) {
      Guard("reload", [this] { Reload(); });
      WaitSignal();
      return;
    }
    spdlog::info("received {}; stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
    Guard("shutdown", [this] { Shutdown(); });
  });
}

void App::Reload() {
  if (stopping_) return;
  notify_.Reloading();
  ++counters_.reloads;
  spdlog::info("SIGHUP: reloading configuration");
  std::unique_ptr<Config> next;
  std::vector<Rule> rules;
  std::unique_ptr<AlertOutput> next_output;
  ReloadPlan plan;
  try {
    next = LoadEffectiveConfig();
    rules = LoadRules(next->rules.paths);
    if (next->state_dir != config_->state_dir && !ChooseStateDir(*next)) {
      throw ConfigError(
          fmt::format("{}: state_dir: {} is not writable", next->source, next->state_dir));
    }
    plan = PlanReload(*config_, *next);
    if (plan.rebuild_output) next_output = MakeAlertOutput(*next);
  } catch (const std::exception& e) {
    ++counters_.reload_failures;
    spdlog::error("reload failed, keeping the running configuration: {}", e.what());
    EmitReloadFailed(e.what());
    notify_.Ready();
    SendStatus();
    return;
  }
  // Apply. The auditors hold a reference to the config: stop them before replacing it.
  if (audits_) {
    audits_->Stop();
    audits_.reset();
  }
  const bool sources_changed = plan.reopen_sources;
  if (sources_changed) StopSources();  // saves every position
  config_ = std::move(next);
  SetDaemonLogLevel(config_->log_level);
  if (HostLabelWanted(*config_) != (host_counts_ != nullptr)) {
    spdlog::warn(
        "metrics.host_label: the change takes effect at the next start (a series' labels do "
        "not change while the daemon runs)");
  }
  const RuleReplacement replaced = pipeline_->ReplaceRules(std::move(rules));
  DeclareRuleAlerts();
  if (next_output) {
    output_->Stop(kStopGrace);
    output_ = std::move(next_output);
    output_->Start();
  }
  if (sources_changed) {
    state_ = std::make_unique<StateStore>(config_->state_dir);
    StartSources(/*replay=*/false);  // the rules kept their state: nothing to rebuild
  }
  StartAudits();
  if (plan.restart_metrics) {
    StartMetrics();
    textfile_timer_.cancel();
    ScheduleTextfile();
  }
  status_file_.Start(StatusFilePath(*config_));
  status_file_.Changed();
  spdlog::info("reloaded {} ({} rules, kept {} rules' state, reset {}{}{})", config_->source,
               pipeline_->engine().rules().size(), replaced.kept, replaced.reset,
               sources_changed ? ", sources re-opened" : "",
               plan.rebuild_output ? ", notifiers rebuilt" : "");
  notify_.Ready();
  SendStatus();
}

void App::EmitReloadFailed(const std::string& error) {
  Alert alert;
  alert.rule = kReloadFailedRule;
  const std::string config_name = options_.config_path.value_or(kDefaultConfigPath);
  alert.id = AlertId(alert.rule, config_name);
  alert.severity = Severity::kWarning;
  alert.status = AlertStatus::kFiring;
  alert.host = LocalHostName();
  alert.summary =
      EscapeForOutput("reload failed; still running the previous configuration: " + error, 512);
  alert.remedy = fmt::format(
      "Fix the file and key named in the summary, check with `sshd-health config validate -c {}`, "
      "then reload again: `systemctl reload sshd-health`.",
      config_name);
  alert.labels = {{"config", EscapeForOutput(config_name)}};
  alert.count = 1;
  alert.first_seen = alert.last_seen = clock_.Now();
  alert.evidence = {EscapeForOutput(error)};
  sink_->Emit(alert);
}

void App::Shutdown() {
  if (stopping_) return;
  stopping_ = true;
  notify_.Stopping();
  status_file_.Stop();  // a stopping daemon no longer answers for what it sees
  // The loop is single-threaded: the batch being handled when the signal came is finished.
  StopSources();
  Guard("save first-seen memory", [this] { SaveRuleMemory(/*durable=*/true); });
  if (audits_) audits_->Stop();
  if (metrics_) metrics_->Stop();
  textfile_timer_.cancel();
  // The last figures, so the file does not stop at up to kTextfileInterval before exit.
  Guard("metrics textfile", [this] { WriteTextfile(); });
  boost::system::error_code ec;
  signals_.cancel(ec);
  expire_timer_.cancel();
  watchdog_timer_.cancel();
  status_timer_.cancel();
  probe_log_timer_.cancel();
  output_->Stop(kStopGrace);
  io_.stop();
}

void App::ScheduleExpire() {
  expire_timer_.expires_after(kExpireInterval);
  expire_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    // Mid-replay, "now" is not the time of the events being read: expiring as of now
    // would end episodes the rest of the replay continues.
    if (replaying_) {
      ScheduleExpire();
      return;
    }
    Guard("expire", [this] {
      const auto before = pipeline_->stats().engine.groups;
      pipeline_->Expire(clock_.Now(), *sink_);
      unparsed_.Tick(clock_.Now(), pipeline_->unknown(), *sink_);
      // After an attack wave, hand the freed per-IP state back to the system so RSS
      // returns to its floor (glibc keeps freed heap otherwise).
      if (before - std::min(before, pipeline_->stats().engine.groups) > 1000) ::malloc_trim(0);
      SaveRuleMemory(/*durable=*/false);
      if (firing_.Prune(clock_.Now()) > 0) status_file_.Changed();
    });
    ScheduleExpire();
  });
}

bool App::IsOwnProbeLine(const SshdEvent& event) {
  const TimePoint now = clock_.Now();
  const auto serial = own_probe_lines_.Claim(event, now);
  if (!serial) return false;
  if (spdlog::should_log(spdlog::level::debug)) {
    spdlog::debug("own probe line (connection {}), not given to the rules: {}", *serial,
                  EscapeForOutput(event.message));
  }
  if (!in_replay_record_) logs_not_seen_.LineSeen(*serial, now, *sink_);
  return true;
}

void App::ScheduleProbeLogCheck() {
  // A few checks per grace period: the alert fires at most a quarter late. With the
  // default minute that is one wake-up every 15 s, like the expiry timer's.
  const Duration period = std::clamp(Duration(options_.logs_not_seen_grace_ms / 4), Duration(100),
                                     Duration(std::chrono::seconds(15)));
  probe_log_timer_.expires_after(period);
  probe_log_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    // Mid-replay the sources hand on old lines first: the probe's line cannot have come.
    if (!replaying_) {
      Guard("logs_not_seen", [this] {
        logs_not_seen_.ObserveProbes(probe_ledger_.Recent());
        std::vector<SourceReading> read;
        for (const auto& source : sources_)
          read.push_back({source->Name(), source->Stats().records});
        logs_not_seen_.Tick(clock_.Now(), read, *sink_);
      });
    }
    ScheduleProbeLogCheck();
  });
}

void App::ScheduleWatchdog() {
  const auto interval = notify_.WatchdogInterval();
  if (!interval) return;
  notify_.Watchdog();
  watchdog_timer_.expires_after(*interval);
  watchdog_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec || stopping_) return;
    ScheduleWatchdog();
  });
}

void App::ScheduleStatus() {
  if (status_pending_ || stopping_) return;
  status_pending_ = true;
  status_timer_.expires_after(kStatusInterval);
  status_timer_.async_wait([this](const boost::system::error_code& ec) {
    status_pending_ = false;
    if (ec || stopping_) return;
    SendStatus();
  });
}

std::string App::StatusLine() const {
  return fmt::format("{} sources, {} lines, {} events, {} alerts", sources_running_,
                     counters_.lines.load(), counters_.events.load(), counters_.alerts.load());
}

void App::SendStatus() { notify_.Status(StatusLine()); }

std::optional<Duration> App::FiringHorizon(const std::string& rule) const {
  // A firing group is told again once per cooldown while events come, and resolved by
  // the expiry tick after a quiet cooldown: not told for two cooldowns and two ticks
  // means the engine dropped it without a resolve (evicted at max_groups, the storm
  // guard's summary, a rule a reload changed or removed).
  if (pipeline_) {
    for (const Rule& r : pipeline_->engine().rules()) {
      if (r.id == rule) return 2 * r.cooldown + 2 * Duration(kExpireInterval);
    }
  }
  return std::nullopt;  // an audit finding or the daemon's own alert: resolved by its cause
}

StatusSnapshot App::BuildStatusSnapshot() const {
  StatusSnapshot s;
  s.daemon.pid = ::getpid();
  s.daemon.pid_start_ticks = ProcessStartTicks(::getpid()).value_or(0);
  s.daemon.version = SSHD_HEALTH_VERSION;
  s.daemon.started = started_at_;
  s.daemon.config = config_ ? config_->source : std::string();
  s.daemon.written = clock_.Now();
  s.daemon.heartbeat = StatusPublisher::kHeartbeat;
  for (const auto& source : sources_)
    s.sources.push_back(SourceStatus(source->Name(), source->Stats(), source->Position()));
  s.firing = firing_.Now();
  s.firing_omitted = firing_.omitted();
  s.audit = last_audit_;
  if (output_) {
    for (const NotifierStats& n : output_->PerNotifier()) s.notifiers.push_back(NotifierStatus(n));
  }
  return s;
}

}  // namespace sshd_health
