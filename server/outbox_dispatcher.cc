#include "server/outbox_dispatcher.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <iostream>
#include <string>
#include <unordered_set>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace aisle::server {
namespace {

constexpr char kUrlField[] = "webhook_url";
constexpr std::string_view kScheme = "http://";
// Longest error text stored with a failed attempt.
constexpr size_t kMaxErrorBytes = 500;

// (The system's Abseil has its own string_view, so std::string_view goes
// through std:: helpers here, not absl::StartsWith and friends.)
absl::Status BadUrl(std::string_view why) {
  return InvalidArgumentError("webhook_url " + std::string(why), kUrlField);
}

bool StartsWithIgnoreCase(std::string_view text, std::string_view prefix) {
  return text.size() >= prefix.size() &&
         std::equal(prefix.begin(), prefix.end(), text.begin(), [](char a, char b) {
           return absl::ascii_tolower(a) == absl::ascii_tolower(b);
         });
}

bool IsHostChar(char c) { return absl::ascii_isalnum(c) || c == '.' || c == '-' || c == '_'; }
bool IsIpv6Char(char c) { return absl::ascii_isxdigit(c) || c == ':' || c == '.'; }

// "port" of "host:port": 1-65535 in decimal.
absl::StatusOr<uint16_t> ParsePort(std::string_view text) {
  if (text.empty() || text.size() > 5 ||
      !std::all_of(text.begin(), text.end(), [](char c) { return absl::ascii_isdigit(c); })) {
    return BadUrl("has a malformed port");
  }
  const int port = std::stoi(std::string(text));
  if (port < 1 || port > 65535) return BadUrl("has a port outside 1-65535");
  return static_cast<uint16_t>(port);
}

// Fills host and port from the authority ("host", "host:port", "[v6]:port").
absl::Status ParseAuthority(std::string_view authority, WebhookUrl* url) {
  if (authority.find('@') != std::string_view::npos) {
    return BadUrl("must not carry user info (user:password@)");
  }
  std::string_view host = authority;
  std::string_view port;
  bool has_port = false;
  if (authority.starts_with('[')) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return BadUrl("has an unclosed IPv6 literal");
    host = authority.substr(1, close - 1);
    const std::string_view rest = authority.substr(close + 1);
    if (!rest.empty() && rest[0] != ':') return BadUrl("has a malformed host");
    has_port = !rest.empty();
    if (has_port) port = rest.substr(1);
    if (host.empty() || !std::all_of(host.begin(), host.end(), IsIpv6Char)) {
      return BadUrl("has a malformed IPv6 literal");
    }
  } else {
    const size_t colon = authority.find(':');
    if (colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
      has_port = true;
    }
    if (host.empty()) return BadUrl("has no host");
    if (!std::all_of(host.begin(), host.end(), IsHostChar)) {
      return BadUrl("has a malformed host");
    }
  }
  url->host = std::string(host);
  if (has_port) {
    AISLE_ASSIGN_OR_RETURN(url->port, ParsePort(port));
  }
  return absl::OkStatus();
}

// Header values must not carry CR/LF (header injection) nor non-ASCII bytes
// (not portable). Store-made ids never need it; caller-given ids might.
std::string HeaderSafe(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (const char c : value) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte > 0x20 && byte < 0x7f && c != '%') {
      out.push_back(c);
    } else {
      static constexpr char kHex[] = "0123456789ABCDEF";
      out.push_back('%');
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 0xf]);
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<WebhookUrl> ParseWebhookUrl(std::string_view url) {
  if (url.empty()) return BadUrl("is required");
  for (const char c : url) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte >= 0x7f) {
      return BadUrl("must be ASCII without spaces or control characters");
    }
  }
  if (!StartsWithIgnoreCase(url, kScheme)) {
    if (StartsWithIgnoreCase(url, "https://")) {
      return BadUrl(
          "must use http://: https is not supported (the client has no TLS; put a "
          "TLS-terminating proxy in front of the receiver)");
    }
    return BadUrl("must start with http://");
  }
  if (url.find('#') != std::string_view::npos) return BadUrl("must not have a fragment (#)");
  const std::string_view rest = url.substr(kScheme.size());
  const size_t authority_end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, authority_end);
  WebhookUrl parsed;
  AISLE_RETURN_IF_ERROR(ParseAuthority(authority, &parsed));
  const std::string_view target =
      authority_end == std::string_view::npos ? "" : rest.substr(authority_end);
  // "http://h?x" has an empty path: the origin-form target is "/?x".
  parsed.target = std::string(target.starts_with('/') ? "" : "/") + std::string(target);
  return parsed;
}

absl::StatusOr<std::unique_ptr<OutboxDispatcher>> OutboxDispatcher::Create(
    OutboxDispatcherOptions options, store::OrderStore* orders, const Clock& clock,
    const ClientFactory& client_factory) {
  AISLE_ASSIGN_OR_RETURN(WebhookUrl url, ParseWebhookUrl(options.webhook_url));
  if (orders == nullptr) return InvalidArgumentError("an order store is required", "orders");
  if (options.batch_size < 1 || options.batch_size > store::kMaxListLimit) {
    return InvalidArgumentError(
        absl::StrCat("batch_size must be in [1, ", store::kMaxListLimit, "]"), "batch_size");
  }
  if (options.poll_interval_ms <= 0) {
    return InvalidArgumentError("poll_interval_ms must be positive", "poll_interval_ms");
  }
  if (options.request_timeout_ms <= 0) {
    return InvalidArgumentError("request_timeout_ms must be positive", "request_timeout_ms");
  }
  if (options.initial_backoff_ms <= 0) {
    return InvalidArgumentError("initial_backoff_ms must be positive", "initial_backoff_ms");
  }
  if (options.max_backoff_ms < options.initial_backoff_ms) {
    return InvalidArgumentError("max_backoff_ms must be at least initial_backoff_ms",
                                "max_backoff_ms");
  }
  HttpClientOptions client_options;
  client_options.host = url.host;
  client_options.port = url.port;
  client_options.timeout = std::chrono::milliseconds(options.request_timeout_ms);
  std::unique_ptr<HttpClient> client =
      client_factory ? client_factory(client_options) : HttpClient::Create(client_options);
  if (client == nullptr) return absl::InternalError("the client factory returned no client");
  return std::unique_ptr<OutboxDispatcher>(
      new OutboxDispatcher(std::move(options), std::move(url), orders, clock, std::move(client)));
}

OutboxDispatcher::OutboxDispatcher(OutboxDispatcherOptions options, WebhookUrl url,
                                   store::OrderStore* orders, const Clock& clock,
                                   std::unique_ptr<HttpClient> client)
    : options_(std::move(options)),
      url_(std::move(url)),
      orders_(orders),
      clock_(clock),
      client_(std::move(client)) {}

OutboxDispatcher::~OutboxDispatcher() { Stop(); }

int64_t OutboxDispatcher::RetryDelayMs(const OutboxDispatcherOptions& options,
                                       int failed_attempts) {
  const int64_t cap = std::max<int64_t>(1, options.max_backoff_ms);
  int64_t delay = std::clamp<int64_t>(options.initial_backoff_ms, 1, cap);
  // Doubling stops at the cap, so this runs at most ~63 times whatever the
  // attempt count, and never overflows.
  for (int i = 1; i < failed_attempts && delay < cap; ++i) {
    delay = delay > cap / 2 ? cap : delay * 2;
  }
  if (!options.jitter) return delay;
  double u = options.jitter();
  if (!(u >= 0.0)) u = 0.0;  // Also catches NaN.
  u = std::min(u, 1.0);
  const int64_t half = delay / 2;
  return half + std::llround(u * static_cast<double>(delay - half));
}

absl::StatusOr<OutboxPass> OutboxDispatcher::DeliverOnce() {
  std::lock_guard pass_lock(pass_mu_);
  absl::StatusOr<std::vector<store::OutboxEntry>> batch =
      orders_->PendingOutbox(clock_.NowMillis(), options_.batch_size);
  if (!batch.ok()) {
    CountStoreError(batch.status(), nullptr);
    return batch.status();
  }
  OutboxPass pass;
  pass.offered = batch->size();
  // PendingOutbox offers one message per order, but a pass must not send an
  // order's later message after an earlier one failed whatever the store
  // offers: that would break the order's sequence.
  std::unordered_set<std::string> stalled_orders;
  for (const store::OutboxEntry& entry : *batch) {
    if (cancel_.load(std::memory_order_relaxed)) break;
    if (stalled_orders.contains(entry.order_id)) {
      ++pass.held_back;
      continue;
    }
    switch (Deliver(entry)) {
      case Outcome::kDelivered:
        ++pass.delivered;
        break;
      case Outcome::kFailed:
        ++pass.failed;
        stalled_orders.insert(entry.order_id);
        break;
      case Outcome::kStoreError:
        ++pass.store_errors;
        stalled_orders.insert(entry.order_id);
        break;
    }
  }
  if (pass.store_errors == 0) logged_store_error_ = false;
  std::lock_guard lock(stats_mu_);
  ++stats_.passes;
  return pass;
}

OutboxDispatcher::Outcome OutboxDispatcher::Deliver(const store::OutboxEntry& entry) {
  std::vector<std::pair<std::string, std::string>> headers = {
      {"X-Aisle-Event", HeaderSafe(entry.kind)},
      {"X-Aisle-Delivery", std::to_string(entry.seq)},
      {"X-Aisle-Order", HeaderSafe(entry.order_id)}};
  // The client labels only non-empty bodies; keep the contract for all.
  if (entry.payload.empty()) headers.emplace_back("Content-Type", "application/json");
  const absl::StatusOr<ClientResponse> response =
      client_->Send("POST", url_.target, entry.payload, "application/json", headers);
  if (!response.ok()) return RecordFailure(entry, std::string(response.status().message()));
  if (response->status < 200 || response->status > 299) {
    // The status only: a receiver's body is arbitrary text the store may
    // refuse (not UTF-8, or a card-number-like digit run).
    return RecordFailure(entry, absl::StrCat("HTTP ", response->status));
  }
  const absl::Status marked = orders_->MarkDelivered(entry.seq, clock_.NowMillis()).get();
  if (!marked.ok()) {
    CountStoreError(marked, &entry);  // Offered again: delivered twice, never lost.
    return Outcome::kStoreError;
  }
  std::lock_guard lock(stats_mu_);
  ++stats_.delivered;
  return Outcome::kDelivered;
}

OutboxDispatcher::Outcome OutboxDispatcher::RecordFailure(const store::OutboxEntry& entry,
                                                          const std::string& error) {
  const std::string text = error.substr(0, kMaxErrorBytes);
  {
    std::lock_guard lock(stats_mu_);
    ++stats_.failed_attempts;
    stats_.last_error = text;
  }
  // This attempt is the (attempts + 1)-th; the clock is read after it, so a
  // slow timeout does not eat into the backoff.
  const int64_t next_attempt_at_ms =
      clock_.NowMillis() + RetryDelayMs(options_, std::max(1, entry.attempts + 1));
  absl::StatusOr<store::OutboxEntry> marked =
      orders_->MarkAttemptFailed(entry.seq, next_attempt_at_ms, text).get();
  if (absl::IsInvalidArgument(marked.status())) {
    // The store refused the text (cut mid-character, or a digit run that
    // looks like a card number). The attempt must still be recorded, or the
    // message would be due again at once and hammer the receiver.
    marked = orders_->MarkAttemptFailed(entry.seq, next_attempt_at_ms, "delivery failed").get();
  }
  if (!marked.ok()) {
    CountStoreError(marked.status(), &entry);
    return Outcome::kStoreError;
  }
  return Outcome::kFailed;
}

void OutboxDispatcher::CountStoreError(const absl::Status& status,
                                       const store::OutboxEntry* entry) {
  {
    std::lock_guard lock(stats_mu_);
    ++stats_.store_errors;
  }
  // One line per outage, not one per poll: a broken store fails every pass.
  if (logged_store_error_) return;
  logged_store_error_ = true;
  std::cerr << "aisle: outbox delivery: "
            << (entry == nullptr ? std::string("reading the outbox")
                                 : absl::StrCat("recording message ", entry->seq))
            << " failed: " << status.message() << "\n";
}

void OutboxDispatcher::Start() {
  std::lock_guard lock(thread_mu_);
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void OutboxDispatcher::Notify() {
  {
    std::lock_guard lock(wake_mu_);
    woken_ = true;
  }
  wake_.notify_all();
}

void OutboxDispatcher::Stop() {
  std::lock_guard lock(thread_mu_);
  if (!thread_.joinable()) return;
  {
    std::lock_guard wake(wake_mu_);
    stopping_ = true;
  }
  cancel_.store(true, std::memory_order_relaxed);
  wake_.notify_all();
  thread_.join();
  cancel_.store(false, std::memory_order_relaxed);
  std::lock_guard wake(wake_mu_);
  stopping_ = false;
}

void OutboxDispatcher::Loop() {
  const auto period = std::chrono::milliseconds(options_.poll_interval_ms);
  std::unique_lock lock(wake_mu_);
  while (!stopping_) {
    woken_ = false;
    lock.unlock();
    const absl::StatusOr<OutboxPass> pass = DeliverOnce();  // Errors are counted and logged.
    // A delivery may have made the same order's next message due: pass again
    // at once rather than one poll per message of an order.
    const bool progressed = pass.ok() && pass->delivered > 0;
    lock.lock();
    if (progressed) continue;
    wake_.wait_for(lock, period, [this] { return stopping_ || woken_; });
  }
}

OutboxDispatcherStats OutboxDispatcher::stats() const {
  std::lock_guard lock(stats_mu_);
  return stats_;
}

}  // namespace aisle::server
