// The client's Beast translation unit. Operations are asynchronous on a
// private io_context run to completion by each call, because
// beast::tcp_stream timeouts apply only to asynchronous operations.
#include "server/http_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/http/write.hpp>
#include <optional>
#include <utility>  // Before Asio: Boost 1.74 awaitable.hpp needs std::exchange.

namespace aisle::server {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

class ClientImpl final : public HttpClient {
 public:
  explicit ClientImpl(const HttpClientOptions& options) : options_(options) {}

  absl::StatusOr<ClientResponse> Send(
      std::string_view method, std::string_view target, std::string_view body,
      std::string_view content_type,
      const std::vector<std::pair<std::string, std::string>>& headers) override;
  absl::StatusOr<std::string> SendRaw(std::string_view bytes) override;

 private:
  // Outcome of one attempt; `retry` when it failed on a reused connection
  // before any response byte arrived (the server had closed it meanwhile).
  struct Attempt {
    absl::StatusOr<ClientResponse> response;
    bool retry = false;
  };

  // Runs the io_context until the operation started by `start` completes.
  template <typename Start>
  error_code Run(Start start) {
    error_code result;
    start([&result](error_code ec, auto&&...) { result = ec; });
    ioc_.restart();
    ioc_.run();
    return result;
  }

  absl::Status Connect(beast::tcp_stream& stream);
  Attempt SendOnce(const http::request<http::string_body>& request, bool head);
  void Disconnect();

  const HttpClientOptions options_;
  asio::io_context ioc_;
  std::optional<beast::tcp_stream> stream_;  // The keep-alive connection.
  beast::flat_buffer buffer_;
};

absl::Status ClientImpl::Connect(beast::tcp_stream& stream) {
  error_code ec;
  tcp::resolver resolver(ioc_);
  const auto endpoints = resolver.resolve(options_.host, std::to_string(options_.port), ec);
  if (ec) {
    return absl::UnavailableError("cannot resolve " + options_.host + ": " + ec.message());
  }
  stream.expires_after(options_.timeout);
  ec = Run([&](auto handler) { stream.async_connect(endpoints, std::move(handler)); });
  if (ec) {
    return absl::UnavailableError("cannot connect to " + options_.host + ":" +
                                  std::to_string(options_.port) + ": " + ec.message());
  }
  stream.socket().set_option(tcp::no_delay(true), ec);
  return absl::OkStatus();
}

void ClientImpl::Disconnect() {
  if (stream_) {
    error_code ec;
    stream_->socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_->close();
  }
  stream_.reset();
  buffer_.clear();
}

ClientImpl::Attempt ClientImpl::SendOnce(const http::request<http::string_body>& request,
                                         bool head) {
  const bool reused = stream_.has_value();
  if (!reused) {
    stream_.emplace(ioc_);
    if (absl::Status status = Connect(*stream_); !status.ok()) {
      Disconnect();
      return {status, false};
    }
  }
  stream_->expires_after(options_.timeout);
  const error_code write_ec =
      Run([&](auto handler) { http::async_write(*stream_, request, std::move(handler)); });
  // Even when the write failed the server may have answered early (413) and
  // closed: try to read that answer.
  http::response_parser<http::string_body> parser;
  parser.body_limit(boost::none);
  parser.skip(head);
  const error_code read_ec =
      Run([&](auto handler) { http::async_read(*stream_, buffer_, parser, std::move(handler)); });
  if (read_ec) {
    Disconnect();
    const bool nothing_received = read_ec == http::error::end_of_stream ||
                                  read_ec == asio::error::connection_reset ||
                                  read_ec == asio::error::broken_pipe;
    const error_code& shown = write_ec ? write_ec : read_ec;
    return {absl::UnavailableError("HTTP exchange with " + options_.host + ":" +
                                   std::to_string(options_.port) + " failed: " + shown.message()),
            reused && nothing_received};
  }
  auto message = parser.release();
  ClientResponse response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    std::string name(field.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    response.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  response.body = std::move(message.body());
  if (!message.keep_alive() || write_ec) Disconnect();
  return {std::move(response), false};
}

absl::StatusOr<ClientResponse> ClientImpl::Send(
    std::string_view method, std::string_view target, std::string_view body,
    std::string_view content_type,
    const std::vector<std::pair<std::string, std::string>>& headers) {
  http::request<http::string_body> request;
  request.method_string(beast::string_view(method.data(), method.size()));
  request.target(beast::string_view(target.data(), target.size()));
  request.version(11);
  request.set(http::field::host, options_.host + ":" + std::to_string(options_.port));
  request.set(http::field::user_agent, "aisle-client");
  if (!body.empty() && !content_type.empty()) {
    request.set(http::field::content_type,
                beast::string_view(content_type.data(), content_type.size()));
  }
  for (const auto& [name, value] : headers) request.insert(name, value);
  request.body().assign(body.data(), body.size());
  request.prepare_payload();
  const bool head = beast::iequals(beast::string_view(method.data(), method.size()), "HEAD");

  Attempt attempt = SendOnce(request, head);
  if (attempt.retry) attempt = SendOnce(request, head);  // Once, on a fresh connection.
  return std::move(attempt.response);
}

absl::StatusOr<std::string> ClientImpl::SendRaw(std::string_view bytes) {
  beast::tcp_stream stream(ioc_);
  AISLE_RETURN_IF_ERROR(Connect(stream));
  stream.expires_after(options_.timeout);
  // A failed write (the server closed early) still lets us read its answer.
  Run([&](auto handler) {
    asio::async_write(stream, asio::buffer(bytes.data(), bytes.size()), std::move(handler));
  });
  std::string received;
  char chunk[16 * 1024];
  while (true) {
    size_t n = 0;
    const error_code ec = Run([&](auto handler) {
      stream.async_read_some(asio::buffer(chunk),
                             [&n, handler = std::move(handler)](error_code ec, size_t got) mutable {
                               n = got;
                               handler(ec);
                             });
    });
    received.append(chunk, n);
    if (ec) break;  // Closed, reset or timed out: return what arrived.
  }
  error_code ignored;
  stream.socket().close(ignored);
  return received;
}

}  // namespace

std::string ClientResponse::Header(std::string_view lower_name) const {
  for (const auto& [name, value] : headers) {
    if (name == lower_name) return value;
  }
  return {};
}

std::unique_ptr<HttpClient> HttpClient::Create(const HttpClientOptions& options) {
  return std::make_unique<ClientImpl>(options);
}

}  // namespace aisle::server
