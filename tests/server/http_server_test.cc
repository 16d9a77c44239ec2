// HttpServer and HttpClient over real loopback sockets (port 0).
#include "server/http_server.h"

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <functional>
#include <future>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "server/http_client.h"
#include "server/router.h"

namespace aisle::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;
using namespace std::chrono_literals;

// A one-shot latch with a generous bound, so a broken server fails the test
// instead of hanging it.
class Gate {
 public:
  void Open() {
    std::lock_guard<std::mutex> lock(mu_);
    open_ = true;
    cv_.notify_all();
  }
  bool Wait(std::chrono::milliseconds bound = 30s) {
    std::unique_lock<std::mutex> lock(mu_);
    return cv_.wait_for(lock, bound, [this] { return open_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool open_ = false;
};

std::string ThreadName() {
  std::ostringstream out;
  out << std::this_thread::get_id();
  return out.str();
}

Response Text(std::string body) {
  Response response;
  response.content_type = "text/plain";
  response.body = std::move(body);
  return response;
}

// Describes the request as the handler saw it.
Response Echo(Request& request) {
  std::string out = "method=" + request.method + "\npath=" + request.path + "\nquery=";
  for (const auto& [key, value] : request.query) out += key + ":" + value + "|";
  out += "\nbody=" + request.body + "\ncontent-type=" + request.ContentType() +
         "\nx-test=" + std::string(request.Header("x-test")) +
         "\nremote=" + request.remote_address + "\nport=" + std::to_string(request.remote_port);
  return Text(std::move(out));
}

// A plain socket for byte-level tests (no Beast in the test).
class RawConnection {
 public:
  explicit RawConnection(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  }
  ~RawConnection() { ::close(fd_); }
  bool connected() const { return connected_; }

  // False once the server has closed or reset the connection.
  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (n <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
  }

  // Reads until `received` contains `marker`; false on close or after `bound`.
  bool ReadUntil(std::string_view marker, std::chrono::milliseconds bound, std::string* received) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    char c;
    while (received->find(marker) == std::string::npos) {
      if (std::chrono::steady_clock::now() >= deadline) return false;
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 10) <= 0) continue;
      if (::recv(fd_, &c, 1, 0) <= 0) return false;  // One byte at a time: never overshoot.
      received->push_back(c);
    }
    return true;
  }

  // True when the server has closed the connection (reads EOF or a reset),
  // waiting at most `bound`. Data that arrives first is appended to `received`.
  bool WaitForClose(std::chrono::milliseconds bound, std::string* received = nullptr) {
    const auto deadline = std::chrono::steady_clock::now() + bound;
    char buf[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      pollfd p{fd_, POLLIN, 0};
      const int left = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                            deadline - std::chrono::steady_clock::now())
                                            .count());
      if (::poll(&p, 1, std::max(left, 1)) <= 0) continue;
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n <= 0) return true;
      if (received != nullptr) received->append(buf, static_cast<size_t>(n));
    }
    return false;
  }

 private:
  int fd_;
  bool connected_ = false;
};

HttpServerOptions TestOptions() {
  HttpServerOptions options;
  options.port = 0;
  options.io_threads = 2;
  options.blocking_threads = 2;
  options.read_timeout = 10s;
  options.idle_timeout = 10s;
  options.drain_timeout = 10s;
  return options;
}

class HttpServerTest : public ::testing::Test {
 protected:
  HttpServerTest() {
    router_.Add("GET", "/echo", Echo);
    router_.Add("POST", "/echo", Echo);
    router_.Add("POST", "/small", Echo, RouteTraits{16, false});
    router_.Add("POST", "/blocking/echo", Echo, RouteTraits{1 << 20, true});
    router_.Add("GET", "/thread", [](Request&) { return Text(ThreadName()); });
    router_.Add(
        "GET", "/blocking/thread", [](Request&) { return Text(ThreadName()); },
        RouteTraits{1024, true});
    const auto wait = [this](Request&) {
      entered_.Open();
      release_.Wait();
      return Text("released");
    };
    router_.Add("GET", "/wait", wait);
    router_.Add("GET", "/blocking/wait", wait, RouteTraits{1024, true});
    router_.Add("GET", "/throw", [](Request&) -> Response {
      throw std::runtime_error("database password is hunter2");
    });
    router_.Add("GET", "/headers", [](Request&) {
      Response response = Text("h");
      response.headers = {
          {"X-Good", "yes"}, {"X-Evil", "a\r\nSet-Cookie: stolen=1"}, {"Content-Length", "99999"}};
      return response;
    });
    router_.Add("GET", "/status/{code}", [](Request& request) {
      Response response = Text("body");
      response.status = std::stoi(std::string(request.PathParam("code")));
      return response;
    });
  }

  ~HttpServerTest() override {
    release_.Open();  // Never leave a handler waiting behind a failed test.
    if (server_) server_->Stop();
  }

  void Start(HttpServerOptions options = TestOptions()) {
    auto server = HttpServer::Start(options, &router_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    ASSERT_NE(server_->port(), 0);
  }

  std::unique_ptr<HttpClient> Client(std::chrono::milliseconds timeout = 10s) {
    HttpClientOptions options;
    options.port = server_->port();
    options.timeout = timeout;
    return HttpClient::Create(options);
  }

  Router router_;
  Gate entered_;
  Gate release_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(HttpServerTest, GetRoundTrip) {
  Start();
  auto client = Client();
  auto response = client->Send("GET", "/echo?a=1", {}, {}, {{"X-Test", "hello"}});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->Header("server"), "aisle");
  EXPECT_EQ(response->Header("content-type"), "text/plain");
  EXPECT_EQ(response->Header("content-length"), std::to_string(response->body.size()));
  EXPECT_THAT(response->body, HasSubstr("method=GET\npath=/echo\nquery=a:1|\nbody=\n"));
  EXPECT_THAT(response->body, HasSubstr("x-test=hello\nremote=127.0.0.1\n"));
}

TEST_F(HttpServerTest, PostRoundTripCarriesBodyAndContentType) {
  Start();
  auto client = Client();
  auto response = client->Send("POST", "/echo", R"({"q":"phone"})", "application/json");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_THAT(response->body, HasSubstr("body={\"q\":\"phone\"}\ncontent-type=application/json"));
}

TEST_F(HttpServerTest, KeepAliveReusesOneConnection) {
  Start();
  auto client = Client();
  std::string first_port;
  for (int i = 0; i < 5; ++i) {
    auto response = client->Send("GET", "/echo");
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_NE(response->Header("connection"), "close");
    const std::string port = response->body.substr(response->body.find("port="));
    if (i == 0) first_port = port;
    EXPECT_EQ(port, first_port) << "request " << i << " used another connection";
  }
  auto other_client = Client();
  auto other = other_client->Send("GET", "/echo");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->body.substr(other->body.find("port=")), first_port);
  EXPECT_EQ(server_->connections(), 2u);
}

TEST_F(HttpServerTest, PipelinedRequestsAreAnsweredInOrder) {
  Start();
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(
      raw.Send("GET /echo?n=1 HTTP/1.1\r\nHost: x\r\n\r\n"
               "GET /echo?n=2 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  std::string received;
  ASSERT_TRUE(raw.WaitForClose(10s, &received)) << "server kept a Connection: close open";
  const size_t first = received.find("query=n:1|");
  const size_t second = received.find("query=n:2|");
  ASSERT_NE(first, std::string::npos) << received;
  ASSERT_NE(second, std::string::npos) << received;
  EXPECT_LT(first, second);
  EXPECT_THAT(received.substr(received.rfind("HTTP/1.1 200")), HasSubstr("Connection: close"));
}

TEST_F(HttpServerTest, Http10WithoutKeepAliveIsClosedAfterTheResponse) {
  Start();
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.Send("GET /echo HTTP/1.0\r\n\r\n"));
  std::string received;
  ASSERT_TRUE(raw.WaitForClose(10s, &received));
  EXPECT_THAT(received, StartsWith("HTTP/1.0 200"));
}

TEST_F(HttpServerTest, ParsesQueryParameters) {
  Start();
  auto client = Client();
  auto response = client->Send("GET", "/echo?q=red+shoes&q=x%26y&flag&empty=&k%3D=v%3D");
  ASSERT_TRUE(response.ok());
  EXPECT_THAT(response->body, HasSubstr("query=q:red shoes|q:x&y|flag:|empty:|k=:v=|\n"));
}

TEST_F(HttpServerTest, DecodesThePath) {
  Start();
  router_.Add("GET", "/files/{name}", Echo);
  auto response = Client()->Send("GET", "/files/a%20b%2Fc");
  ASSERT_TRUE(response.ok());
  EXPECT_THAT(response->body, HasSubstr("path=/files/a b/c\n"));
}

TEST_F(HttpServerTest, MalformedQueryIs400AndTheConnectionStaysUsable) {
  Start();
  auto client = Client();
  auto bad = client->Send("GET", "/echo?q=%zz");
  ASSERT_TRUE(bad.ok()) << bad.status();
  EXPECT_EQ(bad->status, 400);
  EXPECT_EQ(bad->Header("content-type"), "application/json");
  EXPECT_THAT(bad->body, HasSubstr(R"("code":"invalid_query")"));
  auto good = client->Send("GET", "/echo?q=ok");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->status, 200);
}

TEST_F(HttpServerTest, MalformedPathIs400) {
  Start();
  auto response = Client()->Send("GET", "/echo%zz");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 400);
  EXPECT_THAT(response->body, HasSubstr(R"("code":"invalid_path")"));
}

TEST_F(HttpServerTest, BodyAboveTheRouteLimitIs413WhileAnotherRouteAcceptsIt) {
  Start();
  auto client = Client();
  const std::string body(17, 'x');
  auto too_large = client->Send("POST", "/small", body, "text/plain");
  ASSERT_TRUE(too_large.ok()) << too_large.status();
  EXPECT_EQ(too_large->status, 413);
  EXPECT_EQ(too_large->Header("connection"), "close");
  EXPECT_THAT(too_large->body, HasSubstr(R"({"error":{"code":"payload_too_large")"));
  auto fits = client->Send("POST", "/small", std::string(16, 'y'), "text/plain");
  ASSERT_TRUE(fits.ok()) << fits.status();
  EXPECT_EQ(fits->status, 200);
  auto larger_route = client->Send("POST", "/echo", std::string(100000, 'z'), "text/plain");
  ASSERT_TRUE(larger_route.ok()) << larger_route.status();
  EXPECT_EQ(larger_route->status, 200);
  EXPECT_THAT(larger_route->body, HasSubstr(std::string(100000, 'z')));
}

TEST_F(HttpServerTest, HugeBodyAboveTheLimitStillGets413) {
  Start();
  auto client = Client();
  // Far more than the socket buffers: the server answers before the client
  // has finished writing, then drains a bounded amount before closing.
  auto response = client->Send("POST", "/small", std::string(16 << 20, 'x'), "text/plain");
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 413);
  auto next = client->Send("GET", "/echo");
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->status, 200);
}

TEST_F(HttpServerTest, ChunkedBodyAboveTheLimitIs413) {
  Start();
  auto raw = Client()->SendRaw(
      "POST /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
      "a\r\n0123456789\r\na\r\n0123456789\r\n0\r\n\r\n");
  ASSERT_TRUE(raw.ok());
  EXPECT_THAT(*raw, StartsWith("HTTP/1.1 413"));
  EXPECT_THAT(*raw, HasSubstr("payload_too_large"));
}

TEST_F(HttpServerTest, ChunkedBodyWithinTheLimitIsDecoded) {
  Start();
  auto raw = Client()->SendRaw(
      "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
      "5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");
  ASSERT_TRUE(raw.ok());
  EXPECT_THAT(*raw, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(*raw, HasSubstr("body=hello world\n"));
}

TEST_F(HttpServerTest, ExpectContinueGets100BeforeTheBody) {
  Start();
  RawConnection raw(server_->port());
  ASSERT_TRUE(
      raw.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
               "Expect: 100-continue\r\nConnection: close\r\n\r\n"));
  // The server must answer 100 before it has the body; send it only after.
  std::string received;
  ASSERT_TRUE(raw.ReadUntil("\r\n\r\n", 10s, &received));
  EXPECT_EQ(received, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(raw.Send("hello"));
  ASSERT_TRUE(raw.WaitForClose(10s, &received));
  EXPECT_THAT(received, StartsWith("HTTP/1.1 100 Continue\r\n"));
  EXPECT_THAT(received, HasSubstr("HTTP/1.1 200"));
  EXPECT_THAT(received, HasSubstr("body=hello\n"));
}

TEST_F(HttpServerTest, OversizedBodyWithExpectContinueIs413WithoutReadingIt) {
  Start();
  RawConnection raw(server_->port());
  ASSERT_TRUE(
      raw.Send("POST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000\r\n"
               "Expect: 100-continue\r\n\r\n"));
  std::string received;
  ASSERT_TRUE(raw.WaitForClose(10s, &received));
  EXPECT_THAT(received, StartsWith("HTTP/1.1 413"));
  EXPECT_THAT(received, Not(HasSubstr("100 Continue")));
}

TEST_F(HttpServerTest, MalformedHttpIs400AndClosed) {
  Start();
  auto client = Client();
  for (const char* bytes : {"GARBAGE\r\n\r\n", "GET /echo HTTP/9.9\r\n\r\n",
                            "GET /echo HTTP/1.1\r\nContent-Length: abc\r\n\r\n",
                            "GET /echo HTTP/1.1\r\nBad Header\r\n\r\n",
                            "POST /echo HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    auto raw = client->SendRaw(bytes);
    ASSERT_TRUE(raw.ok()) << raw.status();
    EXPECT_THAT(*raw, StartsWith("HTTP/1.1 400")) << bytes;
    EXPECT_THAT(*raw, HasSubstr(R"("code":"bad_request")")) << bytes;
    EXPECT_THAT(*raw, HasSubstr("Connection: close")) << bytes;
  }
  // The server is still healthy.
  auto good = client->Send("GET", "/echo");
  ASSERT_TRUE(good.ok());
  EXPECT_EQ(good->status, 200);
}

TEST_F(HttpServerTest, TargetNotStartingWithSlashIs400) {
  Start();
  auto raw = Client()->SendRaw("GET echo HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_TRUE(raw.ok());
  EXPECT_THAT(*raw, StartsWith("HTTP/1.1 400"));
}

TEST_F(HttpServerTest, HeaderAboveTheLimitIs431) {
  HttpServerOptions options = TestOptions();
  options.max_header_bytes = 1024;
  Start(options);
  auto client = Client();
  auto raw = client->SendRaw("GET /echo HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(4096, 'a') +
                             "\r\n\r\n");
  ASSERT_TRUE(raw.ok());
  EXPECT_THAT(*raw, StartsWith("HTTP/1.1 431"));
  EXPECT_THAT(*raw, HasSubstr("header_too_large"));
  auto small = client->Send("GET", "/echo", {}, {}, {{"X-Small", std::string(100, 'b')}});
  ASSERT_TRUE(small.ok());
  EXPECT_EQ(small->status, 200);
}

TEST_F(HttpServerTest, SlowClientIsCutOffWhileOthersAreServed) {
  HttpServerOptions options = TestOptions();
  options.io_threads = 1;
  options.read_timeout = 300ms;
  Start(options);
  RawConnection slow(server_->port());
  ASSERT_TRUE(slow.connected());
  ASSERT_TRUE(slow.Send("GET /echo HTTP/1.1\r\nHost: x\r\n"));
  std::atomic<bool> others_ok{true};
  std::thread other([&] {
    auto client = Client();
    for (int i = 0; i < 5; ++i) {
      auto response = client->Send("GET", "/echo");
      if (!response.ok() || response->status != 200) others_ok = false;
    }
  });
  // Trickle one header byte every 20 ms: each read makes progress, but the
  // whole request never completes. Without a whole-request deadline this
  // would go on for 200 s.
  bool cut_off = false;
  for (int i = 0; i < 10000 && !cut_off; ++i) {
    if (!slow.Send("a")) cut_off = true;
    if (!cut_off && slow.WaitForClose(20ms)) cut_off = true;
  }
  other.join();
  EXPECT_TRUE(cut_off);
  EXPECT_TRUE(others_ok);
}

TEST_F(HttpServerTest, SilentConnectionIsClosedAfterTheReadTimeout) {
  HttpServerOptions options = TestOptions();
  options.read_timeout = 200ms;
  Start(options);
  RawConnection silent(server_->port());
  ASSERT_TRUE(silent.connected());
  EXPECT_TRUE(silent.WaitForClose(30s));
}

TEST_F(HttpServerTest, IdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  HttpServerOptions options = TestOptions();
  options.idle_timeout = 200ms;
  Start(options);
  RawConnection raw(server_->port());
  ASSERT_TRUE(raw.Send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::string received;
  EXPECT_TRUE(raw.WaitForClose(30s, &received));
  EXPECT_THAT(received, StartsWith("HTTP/1.1 200"));
  EXPECT_THAT(received, Not(HasSubstr("Connection: close")));
}

TEST_F(HttpServerTest, BlockingRoutesRunOffTheIoThread) {
  HttpServerOptions options = TestOptions();
  options.io_threads = 1;
  options.blocking_threads = 1;
  Start(options);
  auto client = Client();
  auto io1 = client->Send("GET", "/thread");
  auto io2 = client->Send("GET", "/thread");
  auto pool = client->Send("GET", "/blocking/thread");
  ASSERT_TRUE(io1.ok() && io2.ok() && pool.ok());
  EXPECT_EQ(io1->body, io2->body);  // The one I/O thread.
  EXPECT_NE(pool->body, io1->body);
  EXPECT_NE(pool->body, ThreadName());
}

TEST_F(HttpServerTest, SlowBlockingHandlerDoesNotDelayNonBlockingRequests) {
  HttpServerOptions options = TestOptions();
  options.io_threads = 1;
  options.blocking_threads = 1;
  Start(options);
  auto slow =
      std::async(std::launch::async, [&] { return Client()->Send("GET", "/blocking/wait"); });
  ASSERT_TRUE(entered_.Wait());
  // The blocking handler holds the pool's only thread; the I/O thread is free.
  auto fast = Client()->Send("GET", "/echo");
  ASSERT_TRUE(fast.ok()) << fast.status();
  EXPECT_EQ(fast->status, 200);
  release_.Open();
  auto slow_response = slow.get();
  ASSERT_TRUE(slow_response.ok()) << slow_response.status();
  EXPECT_EQ(slow_response->body, "released");
}

TEST_F(HttpServerTest, ManyConcurrentClientsSeeNoErrors) {
  Start();
  constexpr int kClients = 16;
  constexpr int kRequests = 200;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto client = Client();
      for (int i = 0; i < kRequests; ++i) {
        const std::string tag = std::to_string(c) + "-" + std::to_string(i);
        const bool blocking = i % 4 == 0;
        auto response = blocking ? client->Send("POST", "/blocking/echo", tag, "text/plain")
                                 : client->Send("GET", "/echo?tag=" + tag);
        const std::string expected = blocking ? "body=" + tag + "\n" : "tag:" + tag + "|";
        if (!response.ok() || response->status != 200 ||
            response->body.find(expected) == std::string::npos) {
          ++failures;
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
}

TEST_F(HttpServerTest, HandlerExceptionIs500JsonWithoutDetails) {
  Start();
  auto client = Client();
  auto response = client->Send("GET", "/throw");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->status, 500);
  EXPECT_EQ(response->Header("content-type"), "application/json");
  EXPECT_EQ(response->body, R"({"error":{"code":"internal","message":"internal error"}})");
  auto next = client->Send("GET", "/echo");
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->status, 200);
}

// A dispatcher that throws from both methods, to test the server's own guard
// (the Router catches handler exceptions itself).
class ThrowingDispatcher : public Dispatcher {
 public:
  RouteTraits Traits(std::string_view method, std::string_view path) const override {
    if (path == "/traits") throw std::runtime_error("traits failed");
    return {};
  }
  Response Handle(Request& request) const override {
    if (request.path == "/int") throw 7;
    throw std::logic_error("handler failed");
  }
};

TEST(HttpServer, ExceptionsFromTheDispatcherBecome500) {
  ThrowingDispatcher dispatcher;
  auto server = HttpServer::Start(TestOptions(), &dispatcher);
  ASSERT_TRUE(server.ok());
  HttpClientOptions options;
  options.port = (*server)->port();
  auto client = HttpClient::Create(options);
  for (const char* target : {"/handle", "/int", "/traits"}) {
    auto response = client->Send("GET", target);
    ASSERT_TRUE(response.ok()) << target << ": " << response.status();
    EXPECT_EQ(response->status, 500) << target;
    EXPECT_THAT(response->body, HasSubstr(R"("code":"internal")")) << target;
  }
}

TEST_F(HttpServerTest, HeadGetsTheGetHeadersWithoutBody) {
  Start();
  auto client = Client();
  auto get = client->Send("GET", "/thread");
  auto head = client->Send("HEAD", "/thread");
  ASSERT_TRUE(get.ok() && head.ok()) << head.status();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  EXPECT_EQ(head->Header("content-length"), std::to_string(get->body.size()));
  auto after = client->Send("GET", "/echo");  // The connection is still in sync.
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(after->status, 200);
}

TEST_F(HttpServerTest, UnsafeAndFramingHeadersFromHandlersAreDropped) {
  Start();
  auto response = Client()->Send("GET", "/headers");
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response->Header("x-good"), "yes");
  EXPECT_EQ(response->Header("x-evil"), "");
  EXPECT_EQ(response->Header("set-cookie"), "");
  EXPECT_EQ(response->Header("content-length"), "1");
  EXPECT_EQ(response->body, "h");
}

TEST_F(HttpServerTest, StatusesWithoutBodyAndInvalidStatuses) {
  Start();
  auto client = Client();
  auto no_content = client->Send("GET", "/status/204");
  ASSERT_TRUE(no_content.ok());
  EXPECT_EQ(no_content->status, 204);
  EXPECT_EQ(no_content->body, "");
  auto invalid = client->Send("GET", "/status/42");
  ASSERT_TRUE(invalid.ok());
  EXPECT_EQ(invalid->status, 500);
  auto created = client->Send("GET", "/status/201");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->status, 201);
  EXPECT_EQ(created->body, "body");
}

TEST_F(HttpServerTest, UnknownRoutesAre404And405) {
  Start();
  auto client = Client();
  auto missing = client->Send("GET", "/nope");
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->status, 404);
  EXPECT_THAT(missing->body, HasSubstr("route_not_found"));
  auto wrong = client->Send("DELETE", "/echo");
  ASSERT_TRUE(wrong.ok());
  EXPECT_EQ(wrong->status, 405);
  EXPECT_EQ(wrong->Header("allow"), "GET, HEAD, POST");
}

TEST_F(HttpServerTest, ConnectionsOverTheLimitGet503) {
  HttpServerOptions options = TestOptions();
  options.max_connections = 1;
  Start(options);
  auto first = Client();
  auto ok = first->Send("GET", "/echo");  // Holds the only connection (keep-alive).
  ASSERT_TRUE(ok.ok());
  ASSERT_EQ(ok->status, 200);
  auto second = Client()->Send("GET", "/echo");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->status, 503);
  EXPECT_THAT(second->body, HasSubstr("too_many_connections"));
  auto again = first->Send("GET", "/echo");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->status, 200);
}

TEST_F(HttpServerTest, StopLetsAnInFlightRequestFinishThenRefusesConnections) {
  Start();
  auto in_flight =
      std::async(std::launch::async, [&] { return Client(60s)->Send("GET", "/wait"); });
  ASSERT_TRUE(entered_.Wait());
  auto stopper = std::async(std::launch::async, [&] { server_->Stop(); });
  // Stop has begun once new connections are refused.
  HttpClientOptions options;
  options.port = server_->port();
  options.timeout = 1s;
  bool refused = false;
  for (int i = 0; i < 3000 && !refused; ++i) {
    refused = !HttpClient::Create(options)->Send("GET", "/echo").ok();
    if (!refused) std::this_thread::sleep_for(10ms);
  }
  ASSERT_TRUE(refused);
  release_.Open();
  auto response = in_flight.get();
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "released");
  EXPECT_EQ(response->Header("connection"), "close");
  stopper.get();
  EXPECT_FALSE(HttpClient::Create(options)->Send("GET", "/echo").ok());
  server_->Wait();  // Returns at once: already stopped.
}

TEST_F(HttpServerTest, StopClosesIdleKeepAliveConnectionsAtOnce) {
  HttpServerOptions options = TestOptions();
  options.drain_timeout = 600s;
  options.idle_timeout = 600s;
  options.read_timeout = 600s;
  Start(options);
  auto idle = Client();
  ASSERT_TRUE(idle->Send("GET", "/echo").ok());  // Now idle on a keep-alive connection.
  RawConnection fresh(server_->port());          // Connected, never sent a byte.
  ASSERT_TRUE(fresh.connected());
  auto stopper = std::async(std::launch::async, [&] { server_->Stop(); });
  // With a 600 s drain deadline only closing idle connections ends Stop soon.
  ASSERT_EQ(stopper.wait_for(60s), std::future_status::ready);
  EXPECT_TRUE(fresh.WaitForClose(10s));
  EXPECT_EQ(server_->connections(), 0u);
}

TEST_F(HttpServerTest, StopClosesConnectionsStillBusyAfterTheDrainTimeout) {
  HttpServerOptions options = TestOptions();
  options.drain_timeout = 100ms;
  Start(options);
  auto in_flight =
      std::async(std::launch::async, [&] { return Client(60s)->Send("GET", "/blocking/wait"); });
  ASSERT_TRUE(entered_.Wait());
  auto stopper = std::async(std::launch::async, [&] { server_->Stop(); });
  // The handler is still blocked, yet the client sees its connection closed.
  auto response = in_flight.get();
  EXPECT_FALSE(response.ok());
  release_.Open();
  stopper.get();
}

TEST_F(HttpServerTest, StopIsIdempotentAndWaitReturnsAfterStop) {
  Start();
  auto waiter = std::async(std::launch::async, [&] { server_->Wait(); });
  server_->Stop();
  server_->Stop();
  ASSERT_EQ(waiter.wait_for(60s), std::future_status::ready);
}

TEST(HttpServer, StartOnAPortInUseFails) {
  Router router;
  auto first = HttpServer::Start(TestOptions(), &router);
  ASSERT_TRUE(first.ok());
  HttpServerOptions options = TestOptions();
  options.port = (*first)->port();
  auto second = HttpServer::Start(options, &router);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kUnavailable);
}

TEST(HttpServer, StartRejectsBadOptions) {
  Router router;
  HttpServerOptions options = TestOptions();
  options.address = "not-an-ip";
  EXPECT_EQ(HttpServer::Start(options, &router).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = TestOptions();
  options.blocking_threads = 0;
  EXPECT_EQ(HttpServer::Start(options, &router).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpServer::Start(TestOptions(), nullptr).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(HttpClient, ConnectionRefusedIsUnavailable) {
  // Bind a port, then free it, so nothing listens there.
  Router router;
  auto server = HttpServer::Start(TestOptions(), &router);
  ASSERT_TRUE(server.ok());
  HttpClientOptions options;
  options.port = (*server)->port();
  options.timeout = 10s;
  (*server)->Stop();
  auto client = HttpClient::Create(options);
  auto response = client->Send("GET", "/");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(client->SendRaw("x").status().code(), absl::StatusCode::kUnavailable);
}

TEST_F(HttpServerTest, ClientReconnectsAfterTheServerClosedTheConnection) {
  HttpServerOptions options = TestOptions();
  options.idle_timeout = 100ms;
  Start(options);
  auto client = Client();
  auto first = client->Send("GET", "/echo");
  ASSERT_TRUE(first.ok());
  // Wait until the server has dropped the idle connection.
  for (int i = 0; i < 3000 && server_->connections() != 0; ++i) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(server_->connections(), 0u);
  auto second = client->Send("POST", "/echo", "after", "text/plain");
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_THAT(second->body, HasSubstr("body=after\n"));
}

TEST_F(HttpServerTest, ClientTimesOutOnASlowHandler) {
  Start();
  auto client = Client(200ms);
  auto response = client->Send("GET", "/wait");
  EXPECT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable);
  release_.Open();
}

}  // namespace
}  // namespace aisle::server
