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

// Called concurrently from I/O threads (Traits, non-blocking Handle) and
// blocking-pool threads (blocking Handle). Handle may throw: the server turns
// an exception into a 500 JSON error.
class Dispatcher {
 public:
  virtual ~Dispatcher() = default;
  // `path` is the target's path as sent (still percent-encoded, no query; see
  // TargetPath in http.h), so a router can split segments before decoding.
  virtual RouteTraits Traits(std::string_view method, std::string_view path) const = 0;
  virtual Response Handle(Request& request) const = 0;
};

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 7700;  // 0 = pick a free port (see HttpServer::port()).
  int io_threads = 0;    // 0 = hardware concurrency.
  // Threads for blocking handlers (SQLite commits, index writes). They mostly
  // wait on fsync, so more than the cores: each concurrent request joins the
  // store's next group commit (measured: with 2, a commit grouped at most 2
  // requests and HTTP ingest stalled far below what the store can take).
  int blocking_threads = 8;
  // Deadline for a whole request (header and body), measured from its first
  // byte, so a client trickling bytes is cut off; also the deadline for
  // writing a response and for the first byte on a new connection.
  std::chrono::milliseconds read_timeout{30000};
  std::chrono::milliseconds idle_timeout{60000};  // Between keep-alive requests.
  size_t max_header_bytes = 16 * 1024;
  // Over this many open connections a new one gets 503 and is closed.
  size_t max_connections = 10000;
  // On Stop(): how long in-flight requests may take before sockets are closed.
  std::chrono::milliseconds drain_timeout{10000};
};

class HttpServer {
 public:
  // `dispatcher` is not owned and must outlive the server. Errors (never
  // exceptions): InvalidArgument for bad options or address, Unavailable when
  // the address cannot be bound (port in use), ResourceExhausted when the
  // threads cannot start. The destructor calls Stop().
  static absl::StatusOr<std::unique_ptr<HttpServer>> Start(const HttpServerOptions& options,
                                                           const Dispatcher* dispatcher);
  virtual ~HttpServer() = default;

  virtual uint16_t port() const = 0;

  // Open client connections right now (for a gauge). Thread-safe.
  virtual size_t connections() const = 0;

  // Stops accepting, lets in-flight requests finish (up to drain_timeout),
  // closes idle keep-alive connections and joins all threads. Idempotent;
  // concurrent callers wait for the first. Must not be called from a handler
  // (it joins the thread it runs on). A handler that never returns makes Stop
  // wait for it: handlers cannot be interrupted.
  virtual void Stop() = 0;

  // Blocks until Stop() has completed (from another thread or a signal).
  virtual void Wait() = 0;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_HTTP_SERVER_H_
