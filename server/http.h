// The plain request/response types handlers see. The HTTP transport
// (server/http_server.cc, the only place with Beast) fills a Request and
// writes back a Response; handlers know nothing of sockets.
#ifndef AISLE_SERVER_HTTP_H_
#define AISLE_SERVER_HTTP_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aisle::server {

struct Request {
  std::string method;  // "GET", "POST", ...
  std::string target;  // As sent: "/v1/search?q=phone".
  std::string path;    // Decoded path without the query: "/v1/search".
  // Decoded query parameters in order of appearance.
  std::vector<std::pair<std::string, std::string>> query;
  // Header names lower-cased.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string remote_address;  // The peer's IP address, e.g. "127.0.0.1".
  uint16_t remote_port = 0;    // The peer's TCP port (identifies a connection in logs).
  // Path parameters filled by the router: {"id", "p0000001"}.
  std::vector<std::pair<std::string, std::string>> path_params;

  // First value of a header / query / path parameter, or empty.
  std::string_view Header(std::string_view lower_name) const;
  std::string_view Query(std::string_view name) const;
  bool HasQuery(std::string_view name) const;
  std::string_view PathParam(std::string_view name) const;
  // The media type of Content-Type without parameters, lower-cased.
  std::string ContentType() const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // Extra headers.
};

// Percent-decodes `in` ('+' as space when `plus_is_space`). Returns false on a
// malformed escape.
bool PercentDecode(std::string_view in, bool plus_is_space, std::string* out);

// Splits "a=1&b=x%20y" into decoded pairs. Returns false on a malformed escape.
bool ParseQueryString(std::string_view query,
                      std::vector<std::pair<std::string, std::string>>* out);

// The path of a request-target as sent (still percent-encoded): the part
// before '?' or '#', with "http[s]://authority" removed from an absolute-form
// target ("http://h:1/a?b" -> "/a"; "http://h" -> "/"). Other targets ("*")
// are returned unchanged up to '?'.
std::string_view TargetPath(std::string_view target);

}  // namespace aisle::server

#endif  // AISLE_SERVER_HTTP_H_
