#pragma once
// webhook: one HTTP(S) POST per batch. format json: a JSON array of DESIGN.md alerts;
// format slack: {"text": ...} that Slack, Mattermost and compatible incoming webhooks
// accept. Optional custom headers and an HMAC-SHA256 signature of the body
// (X-Sshd-Health-Signature: sha256=<hex>) keyed by the contents of secret_file.
#include <memory>
#include <string>
#include <vector>

#include "core/alert.h"
#include "core/config.h"
#include "notify/notifier.h"

namespace sshd_health {

/// The json body: an array of AlertToJson objects.
std::string WebhookJsonBody(const std::vector<Alert>& batch);
/// The slack body: {"text": "..."} with one paragraph per alert; &, < and > escaped as
/// Slack's message formatting requires.
std::string WebhookSlackBody(const std::vector<Alert>& batch);
/// Lower-case hex HMAC-SHA256 of `body` under `key`.
std::string HmacSha256Hex(const std::string& key, const std::string& body);

std::unique_ptr<Notifier> MakeWebhookNotifier(const NotifierConfig& config);

}  // namespace sshd_health
