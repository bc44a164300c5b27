#pragma once
// A plain HTTP GET for tests that read a real server's API (Prometheus, Alertmanager,
// the daemon's /metrics).
#include <curl/curl.h>

#include <string>

namespace test {

/// GET `url` (2 s timeout); the body, or "" unless the status is 200.
inline std::string HttpGet(const std::string& url) {
  const auto collect = [](char* data, std::size_t size, std::size_t n, void* user) {
    static_cast<std::string*>(user)->append(data, size * n);
    return size * n;
  };
  CURL* c = curl_easy_init();
  std::string body;
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION,
                   static_cast<std::size_t (*)(char*, std::size_t, std::size_t, void*)>(collect));
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &body);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 2000L);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(c);
  long status = 0;
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(c);
  return rc == CURLE_OK && status == 200 ? body : "";
}

}  // namespace test
