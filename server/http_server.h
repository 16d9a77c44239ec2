// HttpServer: HTTP/1.1 over Boost.Beast with C++20 coroutines, after Beast's
// advanced server. A session owns its socket, parser, timeouts and body
// limit; it reads the header first, asks the dispatcher for the route's body
// limit, reads the body, then calls the handler. Handlers marked blocking run
// on a separate thread pool so an I/O thread never waits on disk.
//
// Thread-safety: Start/Stop/port from one controlling thread; handlers are
// called concurrently from I/O threads and blocking-pool threads.
#ifndef AISLE_SERVER_HTTP_SERVER_H_
#define AISLE_SERVER_HTTP_SERVER_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/status.h"
#include "server/http.h"

namespace aisle::server {

// How the server should treat a request, decided from its method and path
// before the body is read.
struct RouteTraits {
  size_t body_limit = 1 << 20;  // Bytes; a larger body gets 413.
  bool blocking = false;        // Run on the blocking pool, not the I/O thread.
};

class Dispatcher {
 public:
  virtual ~Dispatcher() = default;
  virtual RouteTraits Traits(std::string_view method, std::string_view path) const = 0;
  virtual Response Handle(Request& request) const = 0;
};

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 7700;  // 0 = pick a free port (see HttpServer::port()).
  int io_threads = 0;    // 0 = hardware concurrency.
  int blocking_threads = 2;
  std::chrono::milliseconds read_timeout{30000};   // Whole request, header and body.
  std::chrono::milliseconds idle_timeout{60000};   // Between keep-alive requests.
  size_t max_header_bytes = 16 * 1024;
  size_t max_connections = 10000;
  // On Stop(): how long in-flight requests may take before sockets are closed.
  std::chrono::milliseconds drain_timeout{10000};
};

class HttpServer {
 public:
  // `dispatcher` is not owned and must outlive the server.
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                           const Dispatcher* dispatcher);
  virtual ~HttpServer() = default;

  virtual uint16_t port() const = 0;

  // Stops accepting, lets in-flight requests finish (up to drain_timeout),
  // closes idle keep-alive connections and joins all threads. Idempotent.
  virtual void Stop() = 0;

  // Blocks until Stop() has completed (from another thread or a signal).
  virtual void Wait() = 0;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_HTTP_SERVER_H_
