// `sshd-health why`: why can this client not log in? Reads the logs `scan` would read
// (log_inputs.h) within --since, runs every audit once on a host it may not change,
// probes what blocks the address, and prints the ranked diagnosis (why_diagnosis.h).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <nlohmann/json.hpp>

#include "app/commands.h"
#include "app/log_inputs.h"
#include "app/why/why_bans.h"
#include "app/why/why_diagnosis.h"
#include "app/why/why_evidence.h"
#include "app/why/why_render.h"
#include "app/why/why_server.h"
#include "audit/real_host.h"
#include "core/config.h"
#include "core/text.h"
#include "core/yaml_util.h"
#include "parse/address.h"
#include "rules/rule_loader.h"
#include "sources/journal_scan.h"

namespace sshd_health {
namespace {

constexpr int kWhyFound = 0, kWhyNone = 1, kWhyError = 2;

int Usage(const std::string& message) {
  std::fprintf(stderr, "sshd-health why: %s\n", message.c_str());
  return kWhyError;
}

// Reads every input into the collector. False when an input named on the command line
// could not be read (an error the user should hear about); inputs the config chose are
// read as far as they can be.
bool ReadInputs(const LogInputs& inputs, TimePoint since, why::EvidenceCollector& collector) {
  bool ok = true;
  if (inputs.journal_dir) {
    const auto scanned = ScanJournal({.directory = *inputs.journal_dir, .since = since},
                                     [&](const LogRecord& r) { collector.Observe(r); });
    if (!scanned) {
      std::fprintf(stderr, "sshd-health why: %s\n",
                   EscapeForOutput(scanned.error().message).c_str());
      ok = inputs.from_config && ok;
    }
  }
  for (const std::string& path : inputs.files) {
    std::string read_error;
    const auto read = ReadLogFile(
        path, [](TimePoint) {}, [&](const LogRecord& r) { collector.Observe(r); }, &read_error);
    if (!read || !read_error.empty()) {
      std::fprintf(stderr, "sshd-health why: cannot read %s\n",
                   EscapeForOutput(read ? read_error : read.error().message).c_str());
      ok = inputs.from_config && ok;
    }
  }
  return ok;
}

// The address asked about, or (asked by user) the distinct addresses its lines came from,
// newest first, at most kMaxUserAddresses.
std::vector<std::string> ClientAddresses(const why::ClientQuery& query,
                                         const why::ClientEvidence& evidence) {
  constexpr std::size_t kMaxUserAddresses = 3;
  if (!query.ip.empty()) return {query.ip};
  std::vector<std::string> out;
  for (auto e = evidence.client.rbegin(); e != evidence.client.rend(); ++e) {
    if (out.size() >= kMaxUserAddresses) break;
    if (!NormaliseIp(e->ip)) continue;  // a host name: nothing to probe by address
    if (std::find(out.begin(), out.end(), e->ip) == out.end()) out.push_back(e->ip);
  }
  return out;
}

}  // namespace

int RunWhy(const WhyOptions& options) {
  if (options.ip.empty() && options.user.empty()) {
    return Usage("give --ip ADDR or --user NAME (or both): whose failed login to explain");
  }
  why::ClientQuery query;
  if (!options.ip.empty()) {
    const auto ip = NormaliseIp(options.ip);
    if (!ip) return Usage("--ip " + EscapeForOutput(options.ip, 100) + ": not an IP address");
    query.ip = *ip;
  }
  query.user = options.user;
  const auto since = ParseDuration(options.since);
  if (!since || since->count() <= 0) {
    return Usage("--since " + EscapeForOutput(options.since, 100) +
                 ": not a duration (e.g. 30m, 1h, 2d)");
  }
  query.since = SystemClock::now() - *since;

  try {
    const Config config = LoadConfigOrDefault(options.config_path);
    const std::vector<Rule> rules = LoadRules(config.rules.paths);
    const LogInputs inputs = ResolveLogInputs(config, options.journal_directory, options.inputs);
    AnnounceLogInputs(inputs);

    // The audits count drops and grace timeouts over the last hour (as `check` does).
    why::EvidenceCollector collector(
        query, std::max(query.since, SystemClock::now() - std::chrono::hours(1)));
    if (inputs.empty()) {
      std::fprintf(stderr, "sshd-health why: %s\n", NoLogInputsMessage(inputs, config).c_str());
    } else if (!ReadInputs(inputs, query.since, collector)) {
      return kWhyError;
    }
    const why::ClientEvidence evidence = collector.Finish();

    AuditSettings settings = AuditSettingsFromConfig(config);
    if (options.sshd_config) settings.sshd_config = *options.sshd_config;
    settings.recent_maxstartups_drops = evidence.maxstartups_drops;
    settings.recent_grace_timeouts = evidence.grace_timeouts;
    // Asked by user: the addresses it came from (newest first) stand for the client in
    // the ban probes and in sshd -T -C.
    const std::vector<std::string> addresses = ClientAddresses(query, evidence);
    why::ClientQuery effective_query = query;
    if (effective_query.ip.empty() && !addresses.empty()) effective_query.ip = addresses.front();
    RealHost host;
    const why::ServerState server = why::GatherServerState(host, settings, effective_query);
    why::BanReport bans;
    for (const std::string& address : addresses) {
      why::BanReport one = why::ProbeBans(why::ReadOnlyHost(host), settings, address);
      for (auto& b : one.bans) bans.bans.push_back(std::move(b));
      for (auto& l : one.looked) bans.looked.push_back(std::move(l));
    }

    why::Diagnosis diagnosis = why::Diagnose(
        {.query = query, .evidence = evidence, .bans = bans, .server = server, .rules = rules});
    if (inputs.empty()) {
      diagnosis.ruled_out.insert(diagnosis.ruled_out.begin(),
                                 {"sshd's log", NoLogInputsMessage(inputs, config), true});
    }
    if (options.format == OutputFormat::kJson) {
      std::cout << why::DiagnosisToJson(diagnosis).dump(2, ' ', false,
                                                        nlohmann::json::error_handler_t::replace)
                << "\n";
    } else {
      std::cout << why::DiagnosisToText(diagnosis);
    }
    std::cout.flush();
    return diagnosis.causes.empty() ? kWhyNone : kWhyFound;
  } catch (const ConfigError& e) {
    return Usage(e.what());
  }
}

}  // namespace sshd_health
