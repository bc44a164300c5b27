#include "audit/sshd_config_view.h"

#include <algorithm>
#include <cctype>

#include "core/text.h"

namespace sshd_health {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ",") + item;
  return out;
}

// Keywords sshd keeps every value of (servconf.c appends instead of first-wins).
bool IsMultiValued(const std::string& keyword) {
  return keyword == "hostkey" || keyword == "listenaddress" || keyword == "port" ||
         keyword == "hostcertificate" || keyword == "acceptenv" || keyword == "subsystem" ||
         keyword == "setenv";
}

bool IsAlgorithmList(const std::string& keyword) {
  return DefaultAlgorithmLists().count(keyword) != 0;
}

// "+a,b" appends to the default list, "-a" removes, "^a" puts first (sshd_config(5)).
std::string ApplyAlgorithmModifier(const std::string& keyword, const std::string& value) {
  if (value.empty() || (value[0] != '+' && value[0] != '-' && value[0] != '^')) return value;
  std::vector<std::string> list = DefaultAlgorithmLists().at(keyword);
  const auto items = SplitList(value.substr(1));
  if (value[0] == '+') {
    for (const auto& item : items) {
      if (std::find(list.begin(), list.end(), item) == list.end()) list.push_back(item);
    }
  } else if (value[0] == '-') {
    // Patterns may carry wildcards; plain names are what admins write in practice.
    std::erase_if(list, [&](const std::string& a) {
      return std::find(items.begin(), items.end(), a) != items.end();
    });
  } else {
    std::erase_if(list, [&](const std::string& a) {
      return std::find(items.begin(), items.end(), a) != items.end();
    });
    list.insert(list.begin(), items.begin(), items.end());
  }
  return Join(list);
}

struct ParseState {
  const HostView& host;
  SshdConfigView& config;
  int depth = 0;
};

Result<bool> ParseFile(ParseState& state, const std::string& path, bool in_match) {
  if (state.depth > 16) return Fail("Include nested too deeply at " + path);
  auto text = state.host.ReadFile(path, 1 << 20);
  if (!text) return Fail(text.error().message);
  std::string_view rest = *text;
  while (!rest.empty()) {
    const auto nl = rest.find('\n');
    std::string_view line = rest.substr(0, nl);
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
    line = TrimSpace(line);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty() || line[0] == '#') continue;
    // "Keyword value", "Keyword=value" and "Keyword = value" are all accepted by sshd.
    std::size_t end = 0;
    while (end < line.size() && line[end] != ' ' && line[end] != '\t' && line[end] != '=') ++end;
    const std::string keyword = Lower(line.substr(0, end));
    std::string_view value = TrimSpace(line.substr(end));
    if (!value.empty() && value[0] == '=') value = TrimSpace(value.substr(1));
    std::string val(value);
    if (val.size() >= 2 && val.front() == '"' && val.back() == '"')
      val = val.substr(1, val.size() - 2);
    if (keyword == "match") {
      in_match = Lower(val) != "all";
      continue;
    }
    if (in_match) continue;
    if (keyword == "include") {
      for (auto pattern : SplitList(val)) {
        if (pattern[0] != '/') pattern = "/etc/ssh/" + pattern;
        for (const auto& file : state.host.Glob(pattern)) {
          ++state.depth;
          auto r = ParseFile(state, file, in_match);
          --state.depth;
          if (!r) return r;
        }
      }
      continue;
    }
    if (IsAlgorithmList(keyword)) val = ApplyAlgorithmModifier(keyword, val);
    if (IsMultiValued(keyword)) {
      state.config.Add(keyword, val);
    } else {
      state.config.AddIfAbsent(keyword, val);
    }
  }
  return true;
}

}  // namespace

void SshdConfigView::Add(std::string keyword, std::string value) {
  values_[std::move(keyword)].push_back(std::move(value));
}

void SshdConfigView::AddIfAbsent(const std::string& keyword, std::string value) {
  if (!Has(keyword)) Add(keyword, std::move(value));
}

bool SshdConfigView::Has(const std::string& keyword) const {
  const auto it = values_.find(keyword);
  return it != values_.end() && !it->second.empty();
}

std::string SshdConfigView::Get(const std::string& keyword, const std::string& def) const {
  const auto it = values_.find(keyword);
  if (it == values_.end() || it->second.empty()) return def;
  return it->second.front();
}

std::vector<std::string> SshdConfigView::GetAll(const std::string& keyword) const {
  const auto it = values_.find(keyword);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::vector<std::string> SplitList(std::string_view text) { return SplitWords(text, ", \t"); }

SshdConfigView ParseSshdTOutput(std::string_view text) {
  SshdConfigView config;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = TrimSpace(text.substr(0, nl));
    text = nl == std::string_view::npos ? std::string_view{} : text.substr(nl + 1);
    if (line.empty()) continue;
    const auto sp = line.find(' ');
    const std::string keyword = Lower(line.substr(0, sp));
    const std::string value(sp == std::string_view::npos ? "" : TrimSpace(line.substr(sp + 1)));
    config.Add(keyword, value);
  }
  return config;
}

const std::map<std::string, std::vector<std::string>>& DefaultAlgorithmLists() {
  // OpenSSH 9.x myproposal.h: KEX_SERVER_KEX, KEX_SERVER_ENCRYPT, KEX_SERVER_MAC,
  // KEX_DEFAULT_PK_ALG (host keys and accepted public keys). 9.9 added mlkem768x25519.
  static const std::vector<std::string> kKeyAlgorithms = {
      "ssh-ed25519-cert-v01@openssh.com",
      "ecdsa-sha2-nistp256-cert-v01@openssh.com",
      "ecdsa-sha2-nistp384-cert-v01@openssh.com",
      "ecdsa-sha2-nistp521-cert-v01@openssh.com",
      "sk-ssh-ed25519-cert-v01@openssh.com",
      "sk-ecdsa-sha2-nistp256-cert-v01@openssh.com",
      "rsa-sha2-512-cert-v01@openssh.com",
      "rsa-sha2-256-cert-v01@openssh.com",
      "ssh-ed25519",
      "ecdsa-sha2-nistp256",
      "ecdsa-sha2-nistp384",
      "ecdsa-sha2-nistp521",
      "sk-ssh-ed25519@openssh.com",
      "sk-ecdsa-sha2-nistp256@openssh.com",
      "rsa-sha2-512",
      "rsa-sha2-256"};
  static const std::map<std::string, std::vector<std::string>> kLists = {
      {"kexalgorithms",
       {"mlkem768x25519-sha256", "sntrup761x25519-sha512", "sntrup761x25519-sha512@openssh.com",
        "curve25519-sha256", "curve25519-sha256@libssh.org", "ecdh-sha2-nistp256",
        "ecdh-sha2-nistp384", "ecdh-sha2-nistp521", "diffie-hellman-group-exchange-sha256",
        "diffie-hellman-group16-sha512", "diffie-hellman-group18-sha512",
        "diffie-hellman-group14-sha256"}},
      {"ciphers",
       {"chacha20-poly1305@openssh.com", "aes128-ctr", "aes192-ctr", "aes256-ctr",
        "aes128-gcm@openssh.com", "aes256-gcm@openssh.com"}},
      {"macs",
       {"umac-64-etm@openssh.com", "umac-128-etm@openssh.com", "hmac-sha2-256-etm@openssh.com",
        "hmac-sha2-512-etm@openssh.com", "hmac-sha1-etm@openssh.com", "umac-64@openssh.com",
        "umac-128@openssh.com", "hmac-sha2-256", "hmac-sha2-512", "hmac-sha1"}},
      {"hostkeyalgorithms", kKeyAlgorithms},
      {"pubkeyacceptedalgorithms", kKeyAlgorithms},
  };
  return kLists;
}

void FillSshdDefaults(SshdConfigView& config) {
  const std::string port = config.Get("port", "22");
  if (!config.Has("port")) config.Add("port", port);
  if (!config.Has("listenaddress")) {
    config.Add("listenaddress", "[::]:" + port);
    config.Add("listenaddress", "0.0.0.0:" + port);
  }
  if (!config.Has("hostkey")) {
    for (const char* type : {"rsa", "ecdsa", "ed25519"}) {
      config.Add("hostkey", std::string("/etc/ssh/ssh_host_") + type + "_key");
    }
  }
  config.AddIfAbsent("pidfile", "/run/sshd.pid");
  config.AddIfAbsent("loglevel", "INFO");
  config.AddIfAbsent("maxstartups", "10:30:100");
  config.AddIfAbsent("permitrootlogin", "without-password");
  config.AddIfAbsent("passwordauthentication", "yes");
  config.AddIfAbsent("permitemptypasswords", "no");
  for (const auto& [keyword, list] : DefaultAlgorithmLists())
    config.AddIfAbsent(keyword, Join(list));
}

Result<SshdConfigView> ParseSshdConfigFile(const HostView& host, const std::string& path) {
  SshdConfigView config;
  ParseState state{host, config};
  auto r = ParseFile(state, path, false);
  if (!r) return Fail(r.error().message);
  FillSshdDefaults(config);
  return config;
}

}  // namespace sshd_health
