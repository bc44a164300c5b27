#include "audit/host_key_check.h"

#include <nlohmann/json.hpp>

#include "core/text.h"

namespace sshd_health {
namespace {

std::string Octal(std::uint32_t perms) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", perms & 07777);
  return buf;
}

// "TYPE BASE64 [comment]" -> "TYPE BASE64".
std::string KeyBody(std::string_view text) {
  text = TrimSpace(text.substr(0, text.find('\n')));
  const auto first = text.find(' ');
  if (first == std::string_view::npos) return std::string(text);
  const auto second = text.find(' ', first + 1);
  return std::string(text.substr(0, second));
}

// `ssh-keygen -lf FILE` prints "256 SHA256:xxxx comment (ED25519)".
std::optional<std::string> Fingerprint(const HostView& host, const std::string& file,
                                       std::chrono::milliseconds timeout) {
  auto r = host.RunCommand({"ssh-keygen", "-lf", file}, timeout);
  if (!r || r->exit_code != 0) return std::nullopt;
  const auto sp = r->out.find(' ');
  if (sp == std::string::npos) return std::nullopt;
  const auto end = r->out.find(' ', sp + 1);
  return r->out.substr(sp + 1, end == std::string::npos ? std::string::npos : end - sp - 1);
}

Finding Make(std::string id, Severity severity, std::string subject, std::string summary,
             std::string remedy) {
  return Finding{std::move(id), severity, std::move(subject), std::move(summary),
                 std::move(remedy)};
}

}  // namespace

Result<std::vector<Finding>> HostKeyCheck::Run(const HostView& host) {
  std::vector<Finding> findings;
  const auto timeout = context_.settings.command_timeout;
  const std::string state_path =
      context_.settings.state_dir.empty() ? "" : context_.settings.state_dir + "/host_keys.json";
  nlohmann::json recorded = nlohmann::json::object();
  if (!state_path.empty()) {
    if (auto text = host.ReadFile(state_path, 1 << 20)) {
      recorded = nlohmann::json::parse(*text, nullptr, false);
      if (!recorded.is_object()) recorded = nlohmann::json::object();
    }
  }
  bool state_changed = false;
  const auto now_s =
      std::chrono::duration_cast<std::chrono::seconds>(host.Now().time_since_epoch()).count();
  const std::string reload = "systemctl reload ssh";
  int checked = 0;

  for (const auto& key : context_.sshd.config.GetAll("hostkey")) {
    ++checked;
    bool missing = false;
    auto st = host.Stat(key, &missing);
    if (!st) {
      findings.push_back(Make("host_key.missing", Severity::kCritical, key,
                              "host key " + key + " cannot be read (" + st.error().message +
                                  "); sshd offers no key of this type, or does not start at all",
                              "Create the missing keys with `ssh-keygen -A` (or remove the HostKey "
                              "line), then `sshd -t && " +
                                  reload + "`."));
      continue;
    }
    const std::uint32_t perms = st->Permissions();
    // sshd (sshkey_perm_ok) refuses a private key its owner shares with group or others;
    // the RHEL family's 0640 root:ssh_keys is the one sanctioned exception.
    const bool group_read_only = (perms & 0037) == 0 && (perms & 0040) != 0;
    const bool ok_mode = (perms & 0077) == 0 ||
                         (group_read_only && host.GroupName(st->gid).value_or("") == "ssh_keys");
    if (!ok_mode) {
      findings.push_back(Make("host_key.mode", Severity::kCritical, key,
                              "private host key " + key + " has mode " + Octal(perms) +
                                  ": readable or writable by group or others, so sshd refuses it",
                              "`chmod 600 " + key + "` then `" + reload + "`."));
    }
    if (st->uid != 0) {
      findings.push_back(
          Make("host_key.owner", Severity::kCritical, key,
               "private host key " + key + " is owned by uid " + std::to_string(st->uid) +
                   ", not root: that account can read it and impersonate this server",
               "`chown root:root " + key +
                   "`; if the account is not trusted, "
                   "regenerate the key (`rm " +
                   key + " " + key +
                   ".pub && ssh-keygen -A`) "
                   "and `" +
                   reload + "`."));
    }
    const std::string pub = key + ".pub";
    auto pub_st = host.Stat(pub);
    if (pub_st) {
      if ((pub_st->Permissions() & 0004) == 0 || (pub_st->Permissions() & 0022) != 0) {
        findings.push_back(Make("host_key.mode", Severity::kWarning, pub,
                                "public host key " + pub + " has mode " +
                                    Octal(pub_st->Permissions()) +
                                    " (expected 0644: world-readable, writable only by root)",
                                "`chmod 644 " + pub + "`."));
      }
      if (pub_st->uid != 0) {
        findings.push_back(Make("host_key.owner", Severity::kWarning, pub,
                                "public host key " + pub + " is owned by uid " +
                                    std::to_string(pub_st->uid) + ", not root",
                                "`chown root:root " + pub + "`."));
      }
      auto derived = host.RunCommand({"ssh-keygen", "-y", "-f", key}, timeout);
      auto pub_text = host.ReadFile(pub, 64 << 10);
      if (derived && derived->exit_code == 0 && pub_text) {
        if (KeyBody(derived->out) != KeyBody(*pub_text)) {
          findings.push_back(Make("host_key.mismatch", Severity::kWarning, pub,
                                  pub + " does not match its private key " + key +
                                      "; fingerprints published from it are wrong",
                                  "`ssh-keygen -y -f " + key + " > " + pub + "`."));
        }
      }
    }
    const auto fp = Fingerprint(host, pub_st ? pub : key, timeout);
    if (!fp || state_path.empty()) continue;
    auto& entry = recorded[key];
    if (!entry.is_object() || !entry.contains("fingerprint")) {
      entry = {{"fingerprint", *fp}};
      state_changed = true;
      continue;
    }
    const std::string old_fp = entry.value("fingerprint", "");
    if (old_fp != *fp) {
      entry = {{"fingerprint", *fp}, {"previous", old_fp}, {"changed_at", now_s}};
      state_changed = true;
    }
    if (entry.contains("previous") &&
        now_s - entry.value("changed_at", std::int64_t{0}) <
            std::chrono::duration_cast<std::chrono::seconds>(kHostKeyChangeReportTime).count()) {
      const std::string previous = entry.value("previous", "");
      findings.push_back(
          Make("host_key.changed", Severity::kWarning, key,
               "host key " + key + " changed from " + previous + " to " + *fp +
                   ": every client will see \"REMOTE HOST IDENTIFICATION HAS CHANGED\"",
               "If intended, publish the new fingerprint " + *fp + " (`ssh-keygen -lf " +
                   (pub_st ? pub : key) + "`) and have clients run `ssh-keygen -R " +
                   "HOSTNAME`; if not, restore the old key and investigate."));
    }
  }
  detail_ = std::to_string(checked) + " host keys";
  if (state_path.empty()) {
    detail_ += "; no state_dir, fingerprints not recorded";
  } else if (state_changed) {
    if (auto w = host.WriteFileAtomic(state_path, recorded.dump(2) + "\n"); !w) {
      detail_ += "; cannot record fingerprints: " + w.error().message;
    }
  }
  return findings;
}

}  // namespace sshd_health
