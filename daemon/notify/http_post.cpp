#include "notify/http_post.h"

#include <curl/curl.h>
#include <fmt/format.h>

#include <memory>
#include <mutex>

namespace sshd_health {
namespace {

// The receiver's answer is only kept for the error message; bound it.
constexpr std::size_t kMaxResponseKept = 512;

std::size_t KeepSome(char* data, std::size_t size, std::size_t n, void* user) {
  auto* out = static_cast<std::string*>(user);
  const std::size_t bytes = size * n;
  if (out->size() < kMaxResponseKept)
    out->append(data, std::min(bytes, kMaxResponseKept - out->size()));
  return bytes;
}

}  // namespace

void EnsureCurlInitialised() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

DeliveryResult ClassifyHttpStatus(long status) {
  if (status >= 200 && status < 300) return DeliveryResult::Ok();
  const std::string why = fmt::format("HTTP status {}", status);
  if (status == 408 || status == 429 || status >= 500) return DeliveryResult::Retry(why);
  return DeliveryResult::Permanent(why);
}

DeliveryResult HttpPost(const HttpPostRequest& r) {
  EnsureCurlInitialised();
  std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), curl_easy_cleanup);
  if (!curl) return DeliveryResult::Retry("curl_easy_init failed");
  curl_slist* headers = nullptr;
  for (const auto& h : r.headers) headers = curl_slist_append(headers, h.c_str());
  std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> header_guard(headers,
                                                                           curl_slist_free_all);
  std::string response;
  char error[CURL_ERROR_SIZE] = {};
  CURL* c = curl.get();
  curl_easy_setopt(c, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, r.body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body.size()));
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "sshd-health/" SSHD_HEALTH_VERSION);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout.count()));
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.timeout.count()));
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, r.tls_verify ? 1L : 0L);
  curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, r.tls_verify ? 2L : 0L);
  if (!r.ca_file.empty()) curl_easy_setopt(c, CURLOPT_CAINFO, r.ca_file.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, KeepSome);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response);
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, error);
  const CURLcode rc = curl_easy_perform(c);
  if (rc != CURLE_OK) {
    const std::string why = error[0] ? error : curl_easy_strerror(rc);
    // A URL curl cannot use will not start working by itself.
    if (rc == CURLE_UNSUPPORTED_PROTOCOL || rc == CURLE_URL_MALFORMAT) {
      return DeliveryResult::Permanent(why);
    }
    return DeliveryResult::Retry(why);
  }
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  DeliveryResult result = ClassifyHttpStatus(status);
  if (result.code != DeliveryResult::Code::kOk && !response.empty()) {
    std::string shown;
    for (char ch : response) shown += (ch >= 0x20 && ch < 0x7f) ? ch : ' ';
    result.reason += ": " + shown;
  }
  return result;
}

}  // namespace sshd_health
