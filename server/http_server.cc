// The only server translation unit with Beast (the client has the other one).
// One coroutine per connection, after Beast's advanced server; each
// connection runs on its own strand of one multi-threaded io_context.
#include "server/http_server.h"

#include <algorithm>
#include <atomic>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <cctype>
#include <condition_variable>
#include <cstdio>
#include <exception>
#include <future>
#include <limits>
#include <mutex>
#include <optional>
#include <system_error>
#include <thread>
#include <unordered_map>
#include <utility>  // Before Asio: Boost 1.74 awaitable.hpp needs std::exchange.
#include <vector>

#include "server/errors.h"

namespace aisle::server {
namespace {

using namespace std::literals;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using asio::awaitable;
using boost::system::error_code;

constexpr size_t kReadChunk = 16 * 1024;
// After an error response that closes the connection, unread request bytes
// are drained for a while so the close does not turn into a TCP reset that
// could destroy the response before the client reads it.
constexpr size_t kLingerBytes = 4 << 20;
constexpr std::chrono::milliseconds kLingerTime{1000};
// Connections over max_connections get a 503 from at most this many
// concurrent rejecters; beyond that they are closed without a word.
constexpr int kMaxRejecters = 64;

auto Redirect(error_code& ec) { return asio::redirect_error(asio::use_awaitable, ec); }

Response TooLarge(size_t body_limit) {
  return ErrorResponse(413, "payload_too_large",
                       "request body is larger than " + std::to_string(body_limit) + " bytes");
}

// One client connection. Touched only on its strand.
struct Session {
  explicit Session(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
  std::string remote_address;
  uint16_t remote_port = 0;
  bool idle = false;  // Waiting for the first byte of the next request.
};

// A parsed request plus what the transport needs to answer it.
struct Incoming {
  Request request;
  RouteTraits traits;
  bool keep_alive = false;
  bool head = false;
  unsigned version = 11;
  // Set when the request was read whole but is invalid (bad query escape):
  // sent instead of calling the handler; the connection may stay open.
  std::optional<Response> rejection;
};

class ServerImpl final : public HttpServer {
 public:
  ServerImpl(const HttpServerOptions& options, const Dispatcher* dispatcher)
      : options_(options),
        dispatcher_(dispatcher),
        acceptor_(asio::make_strand(ioc_)),
        pool_(static_cast<size_t>(std::max(1, options.blocking_threads))) {}
  ~ServerImpl() override { Stop(); }

  absl::Status Listen();
  uint16_t port() const override { return port_; }
  size_t connections() const override { return open_sessions_.load(); }
  void Stop() override;
  void Wait() override;

 private:
  // Unregisters a session when its coroutine frame dies, whether the
  // coroutine ran to completion or was destroyed with the io_context.
  class Ticket {
   public:
    Ticket(ServerImpl* server, Session* session) : server_(server), session_(session) {}
    Ticket(Ticket&& other) noexcept
        : server_(std::exchange(other.server_, nullptr)), session_(other.session_) {}
    Ticket(const Ticket&) = delete;
    Ticket& operator=(const Ticket&) = delete;
    Ticket& operator=(Ticket&&) = delete;
    ~Ticket() {
      if (server_ != nullptr) server_->Unregister(session_);
    }

   private:
    ServerImpl* server_;
    Session* session_;
  };

  awaitable<void> AcceptLoop();
  void StartSession(tcp::socket socket);
  awaitable<void> RunSession(std::shared_ptr<Session> session, Ticket ticket);
  awaitable<bool> WaitForRequest(Session& s, bool first);
  awaitable<bool> ServeRequest(Session& s);
  awaitable<bool> ReadRequest(Session& s, Incoming* in);
  awaitable<void> FailRead(Session& s, error_code ec, unsigned version, size_t body_limit);
  std::optional<RouteTraits> TraitsSafely(const Request& request) const;
  static void FillRequest(const Session& s, http::request<http::string_body> message, Incoming* in);
  awaitable<Response> Dispatch(Request& request, bool blocking);
  awaitable<bool> Write(Session& s, Response response, const Incoming& in, bool keep_alive);
  awaitable<void> CloseWithError(Session& s, Response response, unsigned version);
  awaitable<void> Reject(tcp::socket socket);
  Response HandleSafely(Request& request) const;
  void Unregister(Session* session);
  // Closes the sockets of idle sessions (or of all sessions) on their strands.
  void CloseSessions(bool idle_only);

  const HttpServerOptions options_;
  const Dispatcher* const dispatcher_;
  uint16_t port_ = 0;

  // Declared before ioc_: coroutine frames destroyed with the io_context
  // still unregister here.
  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<Session*, std::weak_ptr<Session>> sessions_;  // Guarded by mu_.
  bool stop_started_ = false;                                      // Guarded by mu_.
  bool stopped_ = false;                                           // Guarded by mu_.
  std::atomic<size_t> open_sessions_{0};
  std::atomic<int> rejecters_{0};
  std::atomic<bool> stopping_{false};

  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  // Declared after ioc_ so it is joined first: its completions post to ioc_.
  asio::thread_pool pool_;
  std::vector<std::thread> threads_;
};

absl::Status ServerImpl::Listen() {
  if (options_.io_threads < 0 || options_.blocking_threads < 1 || options_.max_header_bytes == 0 ||
      options_.max_connections == 0 || options_.read_timeout.count() <= 0 ||
      options_.idle_timeout.count() <= 0) {
    return absl::InvalidArgumentError("invalid HttpServerOptions");
  }
  error_code ec;
  const asio::ip::address address = asio::ip::make_address(options_.address, ec);
  if (ec) return absl::InvalidArgumentError("invalid listen address: " + options_.address);
  const tcp::endpoint endpoint(address, options_.port);
  const std::string where = options_.address + ":" + std::to_string(options_.port);
  acceptor_.open(endpoint.protocol(), ec);
  if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor_.bind(endpoint, ec);
  if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return absl::UnavailableError("cannot listen on " + where + ": " + ec.message());
  port_ = acceptor_.local_endpoint(ec).port();
  if (ec) return absl::UnavailableError("cannot read the bound port: " + ec.message());

  asio::co_spawn(acceptor_.get_executor(), AcceptLoop(), asio::detached);
  int n = options_.io_threads;
  if (n == 0) n = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  threads_.reserve(n);
  try {
    for (int i = 0; i < n; ++i) {
      threads_.emplace_back([this] {
        while (true) {
          try {
            ioc_.run();
            return;
          } catch (const std::exception& e) {
            std::fprintf(stderr, "aisle: exception on an I/O thread: %s\n", e.what());
          }
        }
      });
    }
  } catch (const std::system_error& e) {
    // The destructor's Stop() joins the threads already started.
    return absl::ResourceExhaustedError(std::string("cannot start I/O threads: ") + e.what());
  }
  return absl::OkStatus();
}

awaitable<void> ServerImpl::AcceptLoop() {
  while (!stopping_) {
    error_code ec;
    tcp::socket socket = co_await acceptor_.async_accept(asio::make_strand(ioc_), Redirect(ec));
    if (stopping_ || ec == asio::error::operation_aborted || !acceptor_.is_open()) break;
    if (ec) {
      // Out of descriptors or similar: back off instead of spinning.
      asio::steady_timer timer(acceptor_.get_executor(), std::chrono::milliseconds(50));
      co_await timer.async_wait(Redirect(ec));
      continue;
    }
    socket.set_option(tcp::no_delay(true), ec);
    if (open_sessions_.load() >= options_.max_connections) {
      const auto executor = socket.get_executor();
      if (rejecters_.fetch_add(1) < kMaxRejecters) {
        asio::co_spawn(executor, Reject(std::move(socket)), asio::detached);
      } else {
        rejecters_.fetch_sub(1);
        socket.close(ec);
      }
      continue;
    }
    StartSession(std::move(socket));
  }
}

void ServerImpl::StartSession(tcp::socket socket) {
  auto session = std::make_shared<Session>(std::move(socket));
  error_code ec;
  const tcp::endpoint remote = session->stream.socket().remote_endpoint(ec);
  if (!ec) {
    session->remote_address = remote.address().to_string();
    session->remote_port = remote.port();
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    sessions_.emplace(session.get(), session);
    open_sessions_.fetch_add(1);
  }
  Ticket ticket(this, session.get());
  const auto executor = session->stream.get_executor();
  asio::co_spawn(executor, RunSession(std::move(session), std::move(ticket)), asio::detached);
}

void ServerImpl::Unregister(Session* session) {
  std::lock_guard<std::mutex> lock(mu_);
  sessions_.erase(session);
  open_sessions_.fetch_sub(1);
  cv_.notify_all();
}

awaitable<void> ServerImpl::RunSession(std::shared_ptr<Session> session, Ticket ticket) {
  try {
    bool first = true;
    while (co_await WaitForRequest(*session, first)) {
      first = false;
      if (!co_await ServeRequest(*session)) break;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aisle: connection error: %s\n", e.what());
  }
  error_code ec;
  session->stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  session->stream.close();
}

// Waits for the first byte of the next request: the only state in which
// Stop() closes a connection at once.
awaitable<bool> ServerImpl::WaitForRequest(Session& s, bool first) {
  if (s.buffer.size() > 0) co_return true;  // A pipelined request is already here.
  if (stopping_) co_return false;
  s.idle = true;
  s.stream.expires_after(first ? options_.read_timeout : options_.idle_timeout);
  error_code ec;
  const size_t n = co_await s.stream.async_read_some(s.buffer.prepare(kReadChunk), Redirect(ec));
  s.idle = false;
  if (ec) co_return false;
  s.buffer.commit(n);
  co_return true;
}

// Reads and answers one request. Returns whether the connection stays open.
awaitable<bool> ServerImpl::ServeRequest(Session& s) {
  Incoming in;
  if (!co_await ReadRequest(s, &in)) co_return false;
  // Plain statements around co_await: g++ 12 miscompiles temporaries of a
  // co_await inside ?: and && expressions.
  Response response;
  if (in.rejection) {
    response = std::move(*in.rejection);
  } else {
    response = co_await Dispatch(in.request, in.traits.blocking);
  }
  const bool keep_alive = in.keep_alive && !stopping_;
  const bool written = co_await Write(s, std::move(response), in, keep_alive);
  const bool stays_open = written && keep_alive;
  co_return stays_open;
}

// Reads the header, applies the route's traits, reads the body and builds the
// Request. When the connection cannot continue, answers (or just closes) and
// returns false.
awaitable<bool> ServerImpl::ReadRequest(Session& s, Incoming* in) {
  http::request_parser<http::string_body> parser;
  parser.header_limit(static_cast<uint32_t>(
      std::min<size_t>(options_.max_header_bytes, std::numeric_limits<uint32_t>::max())));
  // Checked below once the route is known. Not boost::none: Beast 1.74
  // compares Content-Length > none as true and fails every sized body.
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  s.stream.expires_after(options_.read_timeout);  // One deadline for header and body.
  error_code ec;
  co_await http::async_read_header(s.stream, s.buffer, parser, Redirect(ec));
  if (ec) {
    co_await FailRead(s, ec, parser.is_header_done() ? parser.get().version() : 11, 0);
    co_return false;
  }
  const auto& header = parser.get();
  in->version = header.version();
  in->request.method = std::string(header.method_string());
  in->request.target = std::string(header.target());
  std::optional<RouteTraits> traits = TraitsSafely(in->request);
  if (!traits) {
    co_await CloseWithError(s, ErrorResponse(500, "internal", "internal error"), in->version);
    co_return false;
  }
  in->traits = *traits;
  if (auto length = parser.content_length(); length && *length > traits->body_limit) {
    co_await CloseWithError(s, TooLarge(traits->body_limit), in->version);
    co_return false;
  }
  parser.body_limit(traits->body_limit);
  if (!parser.is_done()) {
    if (beast::iequals(header[http::field::expect], "100-continue")) {
      http::response<http::empty_body> go_on{http::status::continue_, header.version()};
      co_await http::async_write(s.stream, go_on, Redirect(ec));
      if (ec) co_return false;
    }
    co_await http::async_read(s.stream, s.buffer, parser, Redirect(ec));
    if (ec) {
      co_await FailRead(s, ec, in->version, traits->body_limit);
      co_return false;
    }
  }
  FillRequest(s, parser.release(), in);
  co_return true;
}

// Answers a failed read when the client can still hear it, then closes.
awaitable<void> ServerImpl::FailRead(Session& s, error_code ec, unsigned version,
                                     size_t body_limit) {
  std::optional<Response> response;
  if (ec == http::error::body_limit) {
    response = TooLarge(body_limit);
  } else if (ec == http::error::header_limit) {
    response = ErrorResponse(431, "header_too_large", "request header is too large");
  } else if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
    // The client went away mid-request: nobody to answer.
  } else if (ec.category() == http::make_error_code(http::error::bad_method).category()) {
    response = ErrorResponse(400, "bad_request", "malformed HTTP request");
  }
  // Anything else (timeout: the stream is already closed; reset) just closes.
  if (response) co_await CloseWithError(s, std::move(*response), version);
}

std::optional<RouteTraits> ServerImpl::TraitsSafely(const Request& request) const {
  try {
    return dispatcher_->Traits(request.method, TargetPath(request.target));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aisle: Dispatcher::Traits threw: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "aisle: Dispatcher::Traits threw a non-exception\n");
  }
  return std::nullopt;
}

// Moves the parsed message into in->request; a malformed path or query sets
// in->rejection (the message was read whole, so the connection survives).
void ServerImpl::FillRequest(const Session& s, http::request<http::string_body> message,
                             Incoming* in) {
  in->keep_alive = message.keep_alive();
  in->head = message.method() == http::verb::head;
  Request& request = in->request;
  request.headers.reserve(std::distance(message.begin(), message.end()));
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  request.body = std::move(message.body());
  request.remote_address = s.remote_address;
  request.remote_port = s.remote_port;
  const std::string_view raw_path = TargetPath(request.target);
  if (raw_path.empty() || raw_path.front() != '/' ||
      !PercentDecode(raw_path, false, &request.path)) {
    in->rejection = ErrorResponse(400, "invalid_path", "malformed request path");
    return;
  }
  const std::string_view target = request.target;
  if (const size_t q = target.find('?'); q != std::string_view::npos) {
    std::string_view query = target.substr(q + 1);
    query = query.substr(0, query.find('#'));
    if (!ParseQueryString(query, &request.query)) {
      in->rejection =
          ErrorResponse(400, "invalid_query", "malformed percent-escape in the query string");
    }
  }
}

Response ServerImpl::HandleSafely(Request& request) const {
  try {
    return dispatcher_->Handle(request);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "aisle: handler for %s %s threw: %s\n", request.method.c_str(),
                 request.path.c_str(), e.what());
  } catch (...) {
    std::fprintf(stderr, "aisle: handler for %s %s threw a non-exception\n", request.method.c_str(),
                 request.path.c_str());
  }
  return ErrorResponse(500, "internal", "internal error");
}

awaitable<Response> ServerImpl::Dispatch(Request& request, bool blocking) {
  if (!blocking) co_return HandleSafely(request);
  // Runs on the pool; the completion resumes this coroutine on its strand.
  co_return co_await asio::co_spawn(
      pool_.get_executor(),
      [this, &request]() -> awaitable<Response> { co_return HandleSafely(request); },
      asio::use_awaitable);
}

// Writes `response`; false when the write failed (the connection is done).
awaitable<bool> ServerImpl::Write(Session& s, Response response, const Incoming& in,
                                  bool keep_alive) {
  if (response.status < 200 || response.status > 599) {
    std::fprintf(stderr, "aisle: handler returned invalid HTTP status %d\n", response.status);
    response = ErrorResponse(500, "internal", "internal error");
  }
  http::response<http::string_body> res;
  res.version(in.version == 10 ? 10 : 11);
  res.result(static_cast<unsigned>(response.status));
  res.set(http::field::server, "aisle");
  const bool no_body = response.status == 204 || response.status == 304;
  if (!response.content_type.empty() && !no_body) {
    res.set(http::field::content_type, response.content_type);
  }
  for (const auto& [name, value] : response.headers) {
    // The transport owns framing; CR/LF/NUL would let a value inject headers.
    const bool unsafe = name.empty() || name.find_first_of(" :\r\n\0"sv) != std::string::npos ||
                        value.find_first_of("\r\n\0"sv) != std::string::npos;
    if (unsafe || beast::iequals(name, "content-length") ||
        beast::iequals(name, "transfer-encoding") || beast::iequals(name, "connection")) {
      continue;
    }
    res.insert(name, value);
  }
  res.keep_alive(keep_alive);
  if (no_body) {
    response.body.clear();
  } else if (in.head) {
    res.content_length(response.body.size());  // HEAD: the GET length, no body.
  } else {
    res.content_length(response.body.size());
    res.body() = std::move(response.body);
  }
  s.stream.expires_after(options_.read_timeout);
  error_code ec;
  co_await http::async_write(s.stream, res, Redirect(ec));
  co_return !ec;
}

// Answers with an error and closes, draining what the client still sends.
awaitable<void> ServerImpl::CloseWithError(Session& s, Response response, unsigned version) {
  Incoming in;
  in.version = version;
  if (!co_await Write(s, std::move(response), in, /*keep_alive=*/false)) co_return;
  error_code ec;
  s.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  s.stream.expires_after(std::min<std::chrono::milliseconds>(kLingerTime, options_.read_timeout));
  size_t drained = 0;
  while (!ec && drained < kLingerBytes) {
    s.buffer.consume(s.buffer.size());
    const size_t n = co_await s.stream.async_read_some(s.buffer.prepare(kReadChunk), Redirect(ec));
    drained += n;
  }
  s.buffer.consume(s.buffer.size());
}

awaitable<void> ServerImpl::Reject(tcp::socket socket) {
  beast::tcp_stream stream(std::move(socket));
  static const std::string kResponse = [] {
    const Response body =
        ErrorResponse(503, "too_many_connections", "the server has too many open connections");
    return "HTTP/1.1 503 Service Unavailable\r\nServer: aisle\r\nContent-Type: "
           "application/json\r\nConnection: close\r\nContent-Length: " +
           std::to_string(body.body.size()) + "\r\n\r\n" + body.body;
  }();
  stream.expires_after(kLingerTime);
  error_code ec;
  co_await asio::async_write(stream, asio::buffer(kResponse), Redirect(ec));
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
  char sink[4096];
  while (!ec) co_await stream.async_read_some(asio::buffer(sink), Redirect(ec));
  stream.close();
  rejecters_.fetch_sub(1);
}

void ServerImpl::CloseSessions(bool idle_only) {
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [key, weak] : sessions_) {
    std::shared_ptr<Session> session = weak.lock();
    if (!session) continue;
    asio::post(session->stream.get_executor(), [session, idle_only] {
      if (idle_only && !session->idle) return;
      error_code ec;
      session->stream.socket().shutdown(tcp::socket::shutdown_both, ec);
      session->stream.close();
    });
  }
}

void ServerImpl::Stop() {
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (stop_started_) {
      cv_.wait(lock, [this] { return stopped_; });
      return;
    }
    stop_started_ = true;
  }
  // Sessions check stopping_ before going idle; CloseSessions then catches
  // those already idle, on their strands, so none is missed.
  stopping_ = true;
  if (!threads_.empty()) {
    // Closed on its strand, and waited for: new connections are refused from
    // here on.
    std::promise<void> closed;
    asio::post(acceptor_.get_executor(), [this, &closed] {
      error_code ec;
      acceptor_.close(ec);
      closed.set_value();
    });
    closed.get_future().wait();
  }
  CloseSessions(/*idle_only=*/true);
  {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait_for(lock, options_.drain_timeout, [this] { return sessions_.empty(); });
  }
  CloseSessions(/*idle_only=*/false);  // Past the drain deadline.
  {
    // Once their sockets are closed, sessions end as soon as any blocking
    // handler they wait for returns.
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return sessions_.empty(); });
  }
  ioc_.stop();  // Ends the accept loop and rejecters even if they still wait.
  for (std::thread& thread : threads_) thread.join();
  pool_.join();
  error_code ec;
  acceptor_.close(ec);  // When Listen failed half-way, no thread ever ran.
  std::lock_guard<std::mutex> lock(mu_);
  stopped_ = true;
  cv_.notify_all();
}

void ServerImpl::Wait() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [this] { return stopped_; });
}

}  // namespace

absl::StatusOr<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                              const Dispatcher* dispatcher) {
  if (dispatcher == nullptr) return absl::InvalidArgumentError("dispatcher is null");
  auto server = std::make_unique<ServerImpl>(options, dispatcher);
  AISLE_RETURN_IF_ERROR(server->Listen());
  return std::unique_ptr<HttpServer>(std::move(server));
}

}  // namespace aisle::server
