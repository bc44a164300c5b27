#include "app/why/why_remedies.h"

#include <re2/re2.h>

#include <algorithm>

#include "core/alert.h"
#include "core/text.h"
#include "rules/rule_template.h"

namespace sshd_health::why {
namespace {

bool RuleMatches(const Rule& rule, const LoggedEvent& e) {
  if (rule.after || rule.first_seen || !rule.unless_fired.empty()) return false;
  if (std::find(rule.kinds.begin(), rule.kinds.end(), e.kind) == rule.kinds.end()) return false;
  if (rule.regex && !RE2::PartialMatch(e.message, *rule.regex)) return false;
  if (rule.not_regex && RE2::PartialMatch(e.message, *rule.not_regex)) return false;
  return true;
}

// Whether rule `a` says more about `count` lines than rule `b`: a rule whose threshold
// the count reaches beats one it does not; among those reached, the higher threshold (the
// flood rule over the single-line one); among those not reached, the lower.
bool BetterRule(const Rule& a, const Rule& b, std::uint64_t count) {
  const bool a_reached = count >= a.threshold, b_reached = count >= b.threshold;
  if (a_reached != b_reached) return a_reached;
  return a_reached ? a.threshold > b.threshold : a.threshold < b.threshold;
}

}  // namespace

const Rule* RuleFor(const std::vector<Rule>& rules, const LoggedEvent& e, std::uint64_t count) {
  const Rule* best = nullptr;
  for (const Rule& r : rules) {
    if (RuleMatches(r, e) && (best == nullptr || BetterRule(r, *best, count))) best = &r;
  }
  return best;
}

std::string RenderRemedy(const Rule& rule, const LoggedEvent& e, std::uint64_t count) {
  auto tmpl = RuleTemplate::Parse(rule.remedy);
  if (!tmpl) return EscapeForOutput(rule.remedy, 4000);
  const std::string kind(EventKindName(e.kind));
  const std::string window = FormatDuration(rule.window), cooldown = FormatDuration(rule.cooldown);
  TemplateValues v;
  v.ip = e.ip;
  v.user = e.user;
  v.detail = e.detail;
  v.kind = kind;
  v.rule = rule.id;
  v.host = LocalHostName();
  v.port = e.port;
  v.pid = e.pid;
  v.count = count;
  v.threshold = rule.threshold;
  v.window = window;
  v.cooldown = cooldown;
  std::string text = tmpl->Render(v);
  while (!text.empty() && text.back() == '\n') text.pop_back();
  return text;
}

bool IsCredentialFailure(EventKind kind) {
  return kind == EventKind::kAuthFailure || kind == EventKind::kInvalidUser;
}

// Below the brute-force threshold: the user typed the wrong thing, or offered a key the
// account does not hold.
std::string CredentialRemedy(const LoggedEvent& e) {
  const std::string user = e.user.empty() ? std::string("USER") : EscapeForOutput(e.user, 64);
  if (e.kind == EventKind::kInvalidUser) {
    return "sshd has no account " + user +
           ": check the name the client sends (ssh -l NAME, User in ~/.ssh/config):\n"
           "  getent passwd " +
           user + "                    # does the account exist here?";
  }
  if (e.detail == "publickey") {
    return "sshd checked the key and " + user +
           "'s authorized_keys does not hold it. Compare fingerprints:\n"
           "  ssh-keygen -lf ~" +
           user +
           "/.ssh/authorized_keys   # on the server\n"
           "  ssh-keygen -lf ~/.ssh/id_ed25519.pub        # on the client\n"
           "  ssh-copy-id " +
           user + "@host                    # to add it";
  }
  return "sshd checked the password and it was wrong (sshd itself is fine). If the user "
         "forgot it:\n"
         "  passwd -S " +
         user + "     # \"L\" = locked; usermod -U " + user +
         " unlocks\n"
         "  passwd " +
         user +
         "        # set a new one\n"
         "Many failures from one address are guessing: fail2ban-client status sshd";
}

std::string AdmittingConfigLine(std::string_view detail) {
  static const std::pair<std::string_view, std::string_view> kKinds[] = {
      {"no matching key exchange method", "KexAlgorithms"},
      {"no matching host key type", "HostKeyAlgorithms"},
      {"no matching cipher", "Ciphers"},
      {"no matching MAC", "MACs"}};
  constexpr std::string_view kOffer = "Their offer: ";
  const auto at = detail.find(kOffer);
  if (at == std::string_view::npos) return {};
  std::string_view offer = detail.substr(at + kOffer.size());
  offer = offer.substr(0, offer.find_first_of(" [\t"));
  offer = offer.substr(0, offer.find(','));  // the client's first choice
  if (offer.empty()) return {};
  for (const auto& [text, keyword] : kKinds) {
    if (detail.find(text) != std::string_view::npos) {
      return std::string(keyword) + " +" + EscapeForOutput(offer, 200);
    }
  }
  return {};
}

}  // namespace sshd_health::why
