// A small synchronous HTTP/1.1 client over one keep-alive connection, for
// `aisle import`, tests and the load generator. Not thread-safe: one client
// per thread.
#ifndef AISLE_SERVER_HTTP_CLIENT_H_
#define AISLE_SERVER_HTTP_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"

namespace aisle::server {

struct ClientResponse {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Names lower-cased.
  std::string Header(std::string_view lower_name) const;
};

struct HttpClientOptions {
  std::string host = "127.0.0.1";
  uint16_t port = 7700;
  std::chrono::milliseconds timeout{30000};
};

class HttpClient {
 public:
  static std::unique_ptr<HttpClient> Create(const HttpClientOptions& options);
  virtual ~HttpClient() = default;

  // Sends one request, (re)connecting when needed. Unavailable on connection
  // or protocol failure; any HTTP status is a successful call.
  virtual absl::StatusOr<ClientResponse> Send(
      std::string_view method, std::string_view target, std::string_view body = {},
      std::string_view content_type = "application/json",
      const std::vector<std::pair<std::string, std::string>>& headers = {}) = 0;

  // Writes raw bytes on a fresh connection and reads until the server closes
  // or `timeout` passes; for tests of malformed HTTP.
  virtual absl::StatusOr<std::string> SendRaw(std::string_view bytes) = 0;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_HTTP_CLIENT_H_
