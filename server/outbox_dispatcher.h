// OutboxDispatcher: delivers the order outbox (store/order_store.h: order
// confirmations, status changes) to one configured webhook, at least once
// and in order per order (issue D).
//
// Each message is one `POST <url>` whose body is the message's payload (JSON
// text written by commerce/) with the headers
//   Content-Type: application/json
//   X-Aisle-Event: <kind>          e.g. "order.confirmed"
//   X-Aisle-Delivery: <seq>        the outbox seq: global, never reused, the
//                                  same on every retry, so a receiver
//                                  de-duplicates with it
//   X-Aisle-Order: <order id>      bytes outside visible ASCII and '%' are
//                                  percent-encoded
// A 2xx answer marks the message delivered. Anything else (another status, a
// refused connection, a timeout) counts a failed attempt, records the error
// in the message's last_error and schedules the next attempt after a backoff
// (RetryDelayMs: 1 s, doubling, capped at 5 min). The dispatcher never gives
// up on a message: a webhook that is down for a day gets its messages once
// it is back. "At least once": a message whose 2xx answer is lost (a crash
// before MarkDelivered commits, a timeout after the receiver acted) is sent
// again, so receivers must de-duplicate by X-Aisle-Delivery.
//
// Order per order: the store offers, per order, only the oldest undelivered
// message (PendingOutbox), so an order's next message waits until the one
// before it is delivered, while a failing order does not hold back the
// others. The store assumes ONE deliverer per database: run one dispatcher.
//
// Scheduling: DeliverOnce() is one pass (tests drive it with a FakeClock).
// Start() runs passes on a background thread: again at once after a pass that
// delivered something (the orders' next messages may be due), otherwise after
// poll_interval_ms or a Notify(), whichever comes first.
//
// Time: attempt times and backoffs are on the injected clock; the poll
// interval and request timeout are real time.
//
// Ownership: borrows the order store and the clock, which must outlive the
// dispatcher (destroy or Stop() it before closing the store); owns its HTTP
// client (one connection, kept alive between messages).
// Thread-safety: every method may be called from any thread. Passes are
// serialized (DeliverOnce during a background pass waits for it).
#ifndef AISLE_SERVER_OUTBOX_DISPATCHER_H_
#define AISLE_SERVER_OUTBOX_DISPATCHER_H_

#include <atomic>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include "base/clock.h"
#include "base/status.h"
#include "server/http_client.h"
#include "store/order_store.h"

namespace aisle::server {

struct OutboxDispatcherOptions {
  // Where to POST: "http://host[:port][/path][?query]", port 80 by default.
  // Plain HTTP only (the client has no TLS): put a TLS-terminating proxy in
  // front of an https receiver. No user info ("user:pass@"), no fragment.
  // Required.
  std::string webhook_url;
  // How long the background thread waits between passes that delivered
  // nothing (real time). > 0.
  int64_t poll_interval_ms = 200;
  // Messages fetched per pass, in [1, store::kMaxListLimit].
  int64_t batch_size = 100;
  // Bounds each phase of one request (connect, send, receive), so a hung
  // receiver costs at most about 3x this per message. > 0.
  int64_t request_timeout_ms = 5000;
  // Delay before the retry after the first failed attempt; doubles with
  // each further failure up to max_backoff_ms. 0 < initial <= max.
  int64_t initial_backoff_ms = 1000;
  int64_t max_backoff_ms = 300'000;
  // Randomness for the backoff, called on the delivering thread: returns a
  // number u in [0, 1] (clamped), and a delay d becomes d/2 + u*d/2 ("equal
  // jitter": retries of many messages failed at once spread out instead of
  // hitting the recovered receiver together). Empty = no jitter, d exactly.
  std::function<double()> jitter;
};

// A parsed webhook URL.
struct WebhookUrl {
  std::string host;  // A name or IP address; an IPv6 literal without brackets.
  uint16_t port = 80;
  std::string target;  // Path and query as written, at least "/".
};

// Parses `url` as OutboxDispatcherOptions::webhook_url describes.
// InvalidArgument (field "webhook_url") for anything else: another scheme
// (https included), a missing or malformed host or port, user info, a
// fragment, spaces, control or non-ASCII bytes.
absl::StatusOr<WebhookUrl> ParseWebhookUrl(std::string_view url);

// Counters since the dispatcher was created.
struct OutboxDispatcherStats {
  int64_t passes = 0;           // DeliverOnce() calls that read the outbox.
  int64_t delivered = 0;        // Messages answered 2xx and marked delivered.
  int64_t failed_attempts = 0;  // Attempts answered non-2xx or failed in transport.
  // Store calls that failed (reading the outbox, marking a message); the
  // message concerned is offered again later.
  int64_t store_errors = 0;
  std::string last_error;  // Of the last failed attempt; empty before one.
};

// What one DeliverOnce() did.
struct OutboxPass {
  size_t offered = 0;       // Due messages the store offered.
  size_t delivered = 0;     // Answered 2xx and marked delivered.
  size_t failed = 0;        // Failed attempts, scheduled for a retry.
  size_t held_back = 0;     // Not sent: an earlier message of its order failed in this pass.
  size_t store_errors = 0;  // Messages sent but not marked (they will be offered again).
};

class OutboxDispatcher {
 public:
  // Makes the dispatcher's HTTP client; HttpClient::Create when empty. Tests
  // may pass one that returns a fake.
  using ClientFactory = std::function<std::unique_ptr<HttpClient>(const HttpClientOptions&)>;

  // Validates `options` (InvalidArgument naming the field: a bad webhook_url
  // per ParseWebhookUrl, a batch size or interval out of range) and makes a
  // stopped dispatcher. `orders` and `clock` are not owned.
  static absl::StatusOr<std::unique_ptr<OutboxDispatcher>> Create(
      OutboxDispatcherOptions options, store::OrderStore* orders, const Clock& clock,
      const ClientFactory& client_factory = {});

  ~OutboxDispatcher();  // Stop()s.
  OutboxDispatcher(const OutboxDispatcher&) = delete;
  OutboxDispatcher& operator=(const OutboxDispatcher&) = delete;

  // One pass, now: fetches up to batch_size due messages and POSTs them one
  // by one, in seq order. Errors only when the outbox cannot be read; a
  // failed delivery or a failed MarkDelivered / MarkAttemptFailed is counted
  // in the result and in stats(). Stops early (between messages) when Stop()
  // interrupts it.
  absl::StatusOr<OutboxPass> DeliverOnce();

  // Starts the background thread (first pass at once). No-op when started.
  void Start();
  // Wakes the background thread for a pass now (e.g. after an order wrote a
  // message), instead of at the next poll.
  void Notify();
  // Stops and joins the thread. Returns once the request in flight, if any,
  // has ended (bounded by request_timeout_ms per phase); never waits for a
  // poll interval or a backoff. Idempotent; Start() may follow.
  void Stop();

  OutboxDispatcherStats stats() const;

  // The delay before the attempt after `failed_attempts` (>= 1) failures:
  // initial_backoff_ms * 2^(failed_attempts - 1), capped at max_backoff_ms,
  // then jittered by options.jitter (called once) if set.
  static int64_t RetryDelayMs(const OutboxDispatcherOptions& options, int failed_attempts);

 private:
  enum class Outcome { kDelivered, kFailed, kStoreError };

  OutboxDispatcher(OutboxDispatcherOptions options, WebhookUrl url, store::OrderStore* orders,
                   const Clock& clock, std::unique_ptr<HttpClient> client);

  // Sends one message and records the outcome in the store and stats_.
  // Called with pass_mu_ held, as are RecordFailure and CountStoreError.
  Outcome Deliver(const store::OutboxEntry& entry);
  Outcome RecordFailure(const store::OutboxEntry& entry, const std::string& error);
  void CountStoreError(const absl::Status& status, const store::OutboxEntry* entry);
  void Loop();

  const OutboxDispatcherOptions options_;
  const WebhookUrl url_;
  store::OrderStore* const orders_;
  const Clock& clock_;

  std::mutex pass_mu_;                  // Serializes passes.
  std::unique_ptr<HttpClient> client_;  // Guarded by pass_mu_ (not thread-safe).
  bool logged_store_error_ = false;     // Guarded by pass_mu_: one line per outage.
  std::atomic<bool> cancel_{false};     // Set by Stop() to end a pass early.

  mutable std::mutex stats_mu_;
  OutboxDispatcherStats stats_;  // Guarded by stats_mu_.

  std::mutex thread_mu_;  // Guards Start/Stop.
  std::mutex wake_mu_;
  std::condition_variable wake_;
  bool stopping_ = false;  // Guarded by wake_mu_.
  bool woken_ = false;     // Guarded by wake_mu_.
  std::thread thread_;     // Guarded by thread_mu_.
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_OUTBOX_DISPATCHER_H_
