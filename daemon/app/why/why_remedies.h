#pragma once
// Where `why`'s remedies come from. A cause found in sshd's log takes the remedy of the
// shipped rule that alerts on its line (rules/*.yaml), rendered with that line's values:
// the admin reads the same commands the daemon's alert would give. Written here are only
// what no rule says: the "wrong password" remedy below a brute-force threshold and the
// sshd_config line that would admit a legacy client.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "app/why/why_evidence.h"
#include "rules/rule.h"

namespace sshd_health::why {

/// The rule whose remedy fits `count` lines like `e`: among the rules matching the line
/// (kind, regex, not_regex; sequence, first_seen and unless_fired rules left out), one
/// whose threshold `count` reaches beats one it does not; among those reached the higher
/// threshold (the flood rule over the single-line one), among those not the lower.
/// nullptr when no rule matches.
const Rule* RuleFor(const std::vector<Rule>& rules, const LoggedEvent& e, std::uint64_t count);

/// The rule's remedy template filled with `e`'s values (escaped by RuleTemplate), trailing
/// newlines cut.
std::string RenderRemedy(const Rule& rule, const LoggedEvent& e, std::uint64_t count);

/// Failed logins and unknown users: below the brute-force threshold a user's mistake.
bool IsCredentialFailure(EventKind kind);

/// The remedy for a few credential failures like `e` (by method: password, publickey; or
/// an account the server does not have).
std::string CredentialRemedy(const LoggedEvent& e);

/// The sshd_config line that would admit a client whose negotiation failed, from the
/// event's detail ("no matching key exchange method found. Their offer: A,B"):
/// "KexAlgorithms +A". Empty when the detail is not a "no matching" one.
std::string AdmittingConfigLine(std::string_view detail);

}  // namespace sshd_health::why
