#pragma once
// One HTTP(S) POST through libcurl, as the webhook and Alertmanager notifiers need it:
// TLS verification on unless turned off, a total timeout, and the outcome classified
// for the dispatcher (network trouble, 408/429/5xx: retry; other 4xx: permanent).
#include <string>
#include <vector>

#include "core/clock.h"
#include "notify/notifier.h"

namespace sshd_health {

struct HttpPostRequest {
  std::string url;
  std::string body;
  std::vector<std::string> headers;  // "Name: value", already validated (no CR/LF)
  Duration timeout = std::chrono::seconds(10);
  bool tls_verify = true;
  std::string ca_file;  // extra CA bundle to trust; empty = the system's
};

/// Thread-safe (one curl handle per call). Never throws.
DeliveryResult HttpPost(const HttpPostRequest& request);

/// How an HTTP status maps onto a delivery result.
DeliveryResult ClassifyHttpStatus(long status);

/// Initialises libcurl once per process (curl_global_init is not thread-safe).
void EnsureCurlInitialised();

}  // namespace sshd_health
