// OutboxDispatcher against a real store (aisle.db in a temp dir, FakeClock)
// and a real loopback receiver (aisle's own HttpServer on port 0), through
// the real HttpClient: order per order, retries after a doubling capped
// backoff, isolation of a failing order, URL validation, and a prompt Stop().
#include "server/outbox_dispatcher.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "server/http_server.h"
#include "server/router.h"
#include "store/store.h"
#include "tests/testing/test_util.h"

namespace aisle::server {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using namespace std::chrono_literals;

constexpr char kHookPath[] = "/hooks/orders";

// One request as the receiver saw it.
struct Received {
  std::string kind;   // X-Aisle-Event
  int64_t seq = 0;    // X-Aisle-Delivery
  std::string order;  // X-Aisle-Order
  std::string body;
  std::string content_type;
  int answered = 0;  // The status the receiver answered.
};

// A webhook receiver on a loopback port. It records every request and
// answers 204, or 500 for the first N requests or for one order.
class Receiver {
 public:
  Receiver() {
    router_.Add("POST", kHookPath, [this](Request& request) { return Handle(request); });
    HttpServerOptions options;
    options.port = 0;
    options.io_threads = 1;
    options.blocking_threads = 1;
    auto server = HttpServer::Start(options, &router_);
    EXPECT_TRUE(server.ok()) << server.status();
    if (server.ok()) server_ = std::move(*server);
  }
  ~Receiver() {
    if (server_) server_->Stop();
  }

  uint16_t port() const { return server_ ? server_->port() : 0; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port()) + kHookPath; }

  void FailFirst(int n) {
    std::lock_guard lock(mu_);
    fail_first_ = n;
  }
  void FailOrder(std::string order_id) {
    std::lock_guard lock(mu_);
    failing_order_ = std::move(order_id);
  }
  void Heal() {
    std::lock_guard lock(mu_);
    fail_first_ = 0;
    failing_order_.clear();
  }

  std::vector<Received> requests() const {
    std::lock_guard lock(mu_);
    return requests_;
  }
  // The seqs answered 2xx, in arrival order, per order.
  std::map<std::string, std::vector<int64_t>> AcceptedByOrder() const {
    std::map<std::string, std::vector<int64_t>> out;
    for (const Received& r : requests()) {
      if (r.answered / 100 == 2) out[r.order].push_back(r.seq);
    }
    return out;
  }

 private:
  Response Handle(Request& request) {
    Received received{.kind = std::string(request.Header("x-aisle-event")),
                      .seq = std::stoll(std::string(request.Header("x-aisle-delivery"))),
                      .order = std::string(request.Header("x-aisle-order")),
                      .body = request.body,
                      .content_type = std::string(request.Header("content-type"))};
    std::lock_guard lock(mu_);
    const bool fail = fail_first_ > 0 || received.order == failing_order_;
    if (fail_first_ > 0) --fail_first_;
    Response response;
    response.status = fail ? 500 : 204;
    if (fail) response.body = R"({"error":"receiver down"})";
    received.answered = response.status;
    requests_.push_back(std::move(received));
    return response;
  }

  Router router_;
  std::unique_ptr<HttpServer> server_;
  mutable std::mutex mu_;
  int fail_first_ = 0;              // Guarded by mu_.
  std::string failing_order_;       // Guarded by mu_.
  std::vector<Received> requests_;  // Guarded by mu_.
};

// A store in a temp dir on a FakeClock, with helpers that queue outbox
// messages the way orders do: one with the creation, one per transition.
class Ledger {
 public:
  Ledger() {
    store::StoreOptions options;
    options.path = dir_.Sub("aisle.db");
    options.clock = &clock_;
    options.synchronous = store::SyncMode::kNormal;  // Tests need no fsync.
    auto store = store::Store::Open(options);
    EXPECT_TRUE(store.ok()) << store.status();
    if (store.ok()) store_ = std::move(*store);
  }

  FakeClock& clock() { return clock_; }
  store::OrderStore* orders() { return store_->orders(); }

  // Creates order `id` with an "order.created" message; its seq.
  int64_t Create(const std::string& id) {
    store::CreateOrderRequest request;
    request.order_id = id;
    request.user_id = "u-" + id;
    request.currency = "USD";
    request.subtotal_cents = 1999;
    request.total_cents = 1999;
    request.shipping.country = "US";
    request.items = {{.product_id = "p1", .quantity = 1, .unit_price_cents = 1999}};
    request.outbox = store::OutboxMessage{"order.created", Payload(id, "pending")};
    auto created = orders()->CreateOrder(std::move(request)).get();
    EXPECT_TRUE(created.ok()) << created.status();
    status_[id] = "pending";
    return LastSeq(id);
  }

  // Moves order `id` to `to` with an "order.<to>" message; its seq.
  int64_t Move(const std::string& id, const std::string& to) {
    store::TransitionRequest request{
        .order_id = id,
        .expected_from = status_[id],
        .to = to,
        .outbox = store::OutboxMessage{"order." + to, Payload(id, to)}};
    auto moved = orders()->TransitionOrder(std::move(request)).get();
    EXPECT_TRUE(moved.ok()) << moved.status();
    status_[id] = to;
    return moved.ok() && moved->outbox_seq ? *moved->outbox_seq : -1;
  }

  store::OutboxEntry Entry(const std::string& order_id, int64_t seq) {
    auto outbox = orders()->ListOrderOutbox(order_id);
    EXPECT_TRUE(outbox.ok()) << outbox.status();
    if (outbox.ok()) {
      for (const store::OutboxEntry& e : *outbox) {
        if (e.seq == seq) return e;
      }
    }
    ADD_FAILURE() << "no outbox message " << seq << " for " << order_id;
    return {};
  }

  static std::string Payload(const std::string& id, const std::string& status) {
    return R"({"orderId":")" + id + R"(","status":")" + status + R"("})";
  }

 private:
  int64_t LastSeq(const std::string& id) {
    auto outbox = orders()->ListOrderOutbox(id);
    EXPECT_TRUE(outbox.ok() && !outbox->empty());
    return outbox.ok() && !outbox->empty() ? outbox->back().seq : -1;
  }

  aisle::testing::TempDir dir_;
  FakeClock clock_{1'700'000'000'000};
  std::unique_ptr<store::Store> store_;
  std::map<std::string, std::string> status_;
};

OutboxDispatcherOptions Options(const std::string& url) {
  OutboxDispatcherOptions options;
  options.webhook_url = url;
  options.request_timeout_ms = 5000;
  return options;
}

std::unique_ptr<OutboxDispatcher> MustCreate(OutboxDispatcherOptions options, Ledger& ledger) {
  auto dispatcher = OutboxDispatcher::Create(std::move(options), ledger.orders(), ledger.clock());
  EXPECT_TRUE(dispatcher.ok()) << dispatcher.status();
  return dispatcher.ok() ? std::move(*dispatcher) : nullptr;
}

OutboxPass Pass(OutboxDispatcher& dispatcher) {
  auto pass = dispatcher.DeliverOnce();
  EXPECT_TRUE(pass.ok()) << pass.status();
  return pass.ok() ? *pass : OutboxPass{};
}

// Passes until the store offers nothing due (bounded: a bug must fail, not hang).
void Drain(OutboxDispatcher& dispatcher) {
  for (int i = 0; i < 50; ++i) {
    if (Pass(dispatcher).offered == 0) return;
  }
  ADD_FAILURE() << "the outbox did not drain";
}

// Polls `done` in real time for up to `bound`.
template <typename Predicate>
bool WaitFor(Predicate done, std::chrono::milliseconds bound = 20s) {
  const auto deadline = std::chrono::steady_clock::now() + bound;
  while (!done()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
  return true;
}

TEST(OutboxDispatcher, DeliversEachMessageInSeqOrderPerOrderWhenTheWebhookAccepts) {
  Receiver receiver;
  Ledger ledger;
  // Interleaved: o1 1, o2 1, o1 2, o2 2, o1 3.
  const int64_t a1 = ledger.Create("o1");
  const int64_t b1 = ledger.Create("o2");
  const int64_t a2 = ledger.Move("o1", "confirmed");
  const int64_t b2 = ledger.Move("o2", "cancelled");
  const int64_t a3 = ledger.Move("o1", "shipped");
  auto dispatcher = MustCreate(Options(receiver.url()), ledger);
  ASSERT_NE(dispatcher, nullptr);

  // The store offers one message per order per pass: the first pass sends
  // both orders' first messages and nothing later of either.
  const OutboxPass first = Pass(*dispatcher);
  EXPECT_EQ(first.offered, 2u);
  EXPECT_EQ(first.delivered, 2u);
  Drain(*dispatcher);

  EXPECT_THAT(receiver.AcceptedByOrder(),
              ElementsAre(std::pair<const std::string, std::vector<int64_t>>("o1", {a1, a2, a3}),
                          std::pair<const std::string, std::vector<int64_t>>("o2", {b1, b2})));
  const std::vector<Received> requests = receiver.requests();
  ASSERT_EQ(requests.size(), 5u);  // Exactly once each: nothing failed.
  for (const Received& r : requests) {
    EXPECT_EQ(r.content_type, "application/json");
    const store::OutboxEntry entry = ledger.Entry(r.order, r.seq);
    EXPECT_EQ(r.kind, entry.kind);
    EXPECT_EQ(r.body, entry.payload);
    EXPECT_EQ(entry.attempts, 1);
    EXPECT_EQ(entry.delivered_at_ms, ledger.clock().NowMillis());
  }
  EXPECT_EQ(requests[0].kind, "order.created");
  EXPECT_EQ(requests[0].body, Ledger::Payload("o1", "pending"));
  EXPECT_EQ(dispatcher->stats().delivered, 5);
  EXPECT_EQ(dispatcher->stats().failed_attempts, 0);
  EXPECT_EQ(Pass(*dispatcher).offered, 0u);
}

TEST(OutboxDispatcher, RetriesAfterTheBackoffWhenTheWebhookAnswers500) {
  Receiver receiver;
  Ledger ledger;
  const int64_t seq = ledger.Create("o1");
  auto dispatcher = MustCreate(Options(receiver.url()), ledger);
  ASSERT_NE(dispatcher, nullptr);
  receiver.FailFirst(2);

  const int64_t t0 = ledger.clock().NowMillis();
  OutboxPass pass = Pass(*dispatcher);
  EXPECT_EQ(pass.failed, 1u);
  store::OutboxEntry entry = ledger.Entry("o1", seq);
  EXPECT_EQ(entry.attempts, 1);
  EXPECT_EQ(entry.last_error, "HTTP 500");
  EXPECT_EQ(entry.next_attempt_at_ms, t0 + 1000);  // First retry after 1 s.
  EXPECT_EQ(entry.delivered_at_ms, std::nullopt);

  // Not due before the backoff has passed.
  EXPECT_EQ(Pass(*dispatcher).offered, 0u);
  ledger.clock().Advance(999);
  EXPECT_EQ(Pass(*dispatcher).offered, 0u);
  ledger.clock().Advance(1);
  EXPECT_EQ(Pass(*dispatcher).failed, 1u);
  entry = ledger.Entry("o1", seq);
  EXPECT_EQ(entry.attempts, 2);
  EXPECT_EQ(entry.next_attempt_at_ms, ledger.clock().NowMillis() + 2000);  // Doubled.

  ledger.clock().Advance(2000);
  EXPECT_EQ(Pass(*dispatcher).delivered, 1u);
  entry = ledger.Entry("o1", seq);
  EXPECT_EQ(entry.attempts, 3);
  EXPECT_EQ(entry.delivered_at_ms, ledger.clock().NowMillis());
  EXPECT_EQ(entry.last_error, "HTTP 500");  // Kept from the last failure.

  // The same delivery id every time, so the receiver can de-duplicate.
  const std::vector<Received> requests = receiver.requests();
  ASSERT_EQ(requests.size(), 3u);
  for (const Received& r : requests) EXPECT_EQ(r.seq, seq);
  EXPECT_EQ(requests[2].answered, 204);
  const OutboxDispatcherStats stats = dispatcher->stats();
  EXPECT_EQ(stats.delivered, 1);
  EXPECT_EQ(stats.failed_attempts, 2);
  EXPECT_EQ(stats.last_error, "HTTP 500");
  EXPECT_EQ(stats.store_errors, 0);
}

TEST(OutboxDispatcher, DeliversOtherOrdersWhenOneOrderKeepsFailing) {
  Receiver receiver;
  Ledger ledger;
  const int64_t a1 = ledger.Create("o1");
  const int64_t b1 = ledger.Create("o2");
  const int64_t a2 = ledger.Move("o1", "confirmed");
  const int64_t b2 = ledger.Move("o2", "confirmed");
  auto dispatcher = MustCreate(Options(receiver.url()), ledger);
  ASSERT_NE(dispatcher, nullptr);
  receiver.FailOrder("o1");

  for (int i = 0; i < 5; ++i) {
    Drain(*dispatcher);
    ledger.clock().Advance(60'000);  // Every retry of o1 comes due, and fails.
  }
  // o2 got through; o1's second message was never sent before its first.
  EXPECT_THAT(receiver.AcceptedByOrder(),
              ElementsAre(std::pair<const std::string, std::vector<int64_t>>("o2", {b1, b2})));
  for (const Received& r : receiver.requests()) {
    if (r.order == "o1") {
      EXPECT_EQ(r.seq, a1);
    }
  }
  EXPECT_EQ(ledger.Entry("o1", a1).attempts, 5);
  EXPECT_EQ(ledger.Entry("o1", a2).attempts, 0);

  // Once the receiver heals, o1's messages follow in order.
  receiver.Heal();
  ledger.clock().Advance(60'000);
  Drain(*dispatcher);
  EXPECT_EQ(receiver.AcceptedByOrder()["o1"], (std::vector<int64_t>{a1, a2}));
  EXPECT_EQ(dispatcher->stats().delivered, 4);
  EXPECT_EQ(dispatcher->stats().failed_attempts, 5);
}

TEST(OutboxDispatcher, DoublesAndCapsTheBackoffWhenAttemptsKeepFailing) {
  Receiver receiver;
  Ledger ledger;
  const int64_t seq = ledger.Create("o1");
  OutboxDispatcherOptions options = Options(receiver.url());
  options.initial_backoff_ms = 1000;
  options.max_backoff_ms = 5000;
  auto dispatcher = MustCreate(options, ledger);
  ASSERT_NE(dispatcher, nullptr);
  receiver.FailFirst(1000);

  std::vector<int64_t> delays;
  for (int i = 0; i < 6; ++i) {
    ASSERT_EQ(Pass(*dispatcher).failed, 1u) << i;
    const store::OutboxEntry entry = ledger.Entry("o1", seq);
    EXPECT_EQ(entry.attempts, i + 1);
    delays.push_back(entry.next_attempt_at_ms - ledger.clock().NowMillis());
    ledger.clock().Advance(delays.back());
  }
  EXPECT_THAT(delays, ElementsAre(1000, 2000, 4000, 5000, 5000, 5000));

  // The defaults: 1 s doubling, capped at 5 min; no overflow however many.
  const OutboxDispatcherOptions defaults;
  EXPECT_EQ(OutboxDispatcher::RetryDelayMs(defaults, 1), 1000);
  EXPECT_EQ(OutboxDispatcher::RetryDelayMs(defaults, 2), 2000);
  EXPECT_EQ(OutboxDispatcher::RetryDelayMs(defaults, 9), 256'000);
  EXPECT_EQ(OutboxDispatcher::RetryDelayMs(defaults, 10), 300'000);
  EXPECT_EQ(OutboxDispatcher::RetryDelayMs(defaults, 1'000'000), 300'000);

  // Jitter spreads a delay d over [d/2, d].
  OutboxDispatcherOptions jittered;
  jittered.jitter = [] { return 0.0; };
  EXPECT_EQ(OutboxDispatcher::RetryDelayMs(jittered, 2), 1000);
  jittered.jitter = [] { return 0.5; };
  EXPECT_EQ(OutboxDispatcher::RetryDelayMs(jittered, 2), 1500);
  jittered.jitter = [] { return 7.0; };  // Clamped to 1.
  EXPECT_EQ(OutboxDispatcher::RetryDelayMs(jittered, 10), 300'000);
}

TEST(OutboxDispatcher, RefusesTheUrlWhenItIsNotPlainHttp) {
  for (const char* url :
       {"", "https://example.com/hook", "ftp://example.com/hook", "example.com/hook", "http://",
        "http:///hook", "http://:8080/hook", "http://example.com:/hook",
        "http://example.com:0/hook", "http://example.com:65536/hook", "http://example.com:80a/hook",
        "http://user:pw@example.com/hook", "http://example.com/hook#frag",
        "http://exa mple.com/hook", "http://example.com/ho\nok", "http://[::1/hook",
        "http://ex%61mple.com/"}) {
    const absl::StatusOr<WebhookUrl> parsed = ParseWebhookUrl(url);
    EXPECT_EQ(parsed.status().code(), absl::StatusCode::kInvalidArgument) << "'" << url << "'";
    EXPECT_EQ(ErrorField(parsed.status()), "webhook_url") << url;
  }
  EXPECT_THAT(std::string(ParseWebhookUrl("https://example.com/").status().message()),
              HasSubstr("https is not supported"));

  const absl::StatusOr<WebhookUrl> full = ParseWebhookUrl("HTTP://hooks.example.com:8080/a/b?x=1");
  ASSERT_TRUE(full.ok()) << full.status();
  EXPECT_EQ(full->host, "hooks.example.com");
  EXPECT_EQ(full->port, 8080);
  EXPECT_EQ(full->target, "/a/b?x=1");
  const absl::StatusOr<WebhookUrl> bare = ParseWebhookUrl("http://example.com");
  ASSERT_TRUE(bare.ok()) << bare.status();
  EXPECT_EQ(bare->port, 80);
  EXPECT_EQ(bare->target, "/");
  const absl::StatusOr<WebhookUrl> v6 = ParseWebhookUrl("http://[::1]:9000?k=v");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->host, "::1");
  EXPECT_EQ(v6->port, 9000);
  EXPECT_EQ(v6->target, "/?k=v");

  // Create refuses a bad URL and bad options before anything starts.
  Ledger ledger;
  auto bad_url =
      OutboxDispatcher::Create(Options("https://example.com/"), ledger.orders(), ledger.clock());
  EXPECT_EQ(bad_url.status().code(), absl::StatusCode::kInvalidArgument);
  OutboxDispatcherOptions bad_batch = Options("http://127.0.0.1:1/");
  bad_batch.batch_size = store::kMaxListLimit + 1;
  auto refused = OutboxDispatcher::Create(bad_batch, ledger.orders(), ledger.clock());
  EXPECT_EQ(ErrorField(refused.status()), "batch_size") << refused.status();
  OutboxDispatcherOptions bad_backoff = Options("http://127.0.0.1:1/");
  bad_backoff.max_backoff_ms = 10;
  refused = OutboxDispatcher::Create(bad_backoff, ledger.orders(), ledger.clock());
  EXPECT_EQ(ErrorField(refused.status()), "max_backoff_ms") << refused.status();
}

TEST(OutboxDispatcher, StopReturnsPromptlyWhenTheWebhookIsUnreachable) {
  // A port nothing listens on: a receiver that was started, then stopped.
  std::string url;
  {
    Receiver gone;
    url = gone.url();
  }
  Ledger ledger;
  const int64_t seq = ledger.Create("o1");
  OutboxDispatcherOptions options = Options(url);
  options.poll_interval_ms = 60'000;  // Stop must not wait for the next poll.
  auto dispatcher = MustCreate(options, ledger);
  ASSERT_NE(dispatcher, nullptr);

  dispatcher->Start();
  dispatcher->Start();  // No-op.
  ASSERT_TRUE(WaitFor([&] { return dispatcher->stats().failed_attempts >= 1; }));
  const auto before = std::chrono::steady_clock::now();
  dispatcher->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - before, 2s);
  dispatcher->Stop();  // Idempotent.

  const store::OutboxEntry entry = ledger.Entry("o1", seq);
  EXPECT_EQ(entry.attempts, 1);  // The backoff (FakeClock) held the retry back.
  EXPECT_THAT(entry.last_error, HasSubstr("connect"));
  EXPECT_EQ(entry.delivered_at_ms, std::nullopt);
  EXPECT_EQ(dispatcher->stats().last_error, entry.last_error);
}

TEST(OutboxDispatcher, DrainsTheOutboxInTheBackgroundWhenStarted) {
  Receiver receiver;
  Ledger ledger;
  OutboxDispatcherOptions options = Options(receiver.url());
  options.poll_interval_ms = 60'000;  // Only Notify() and progress trigger passes.
  auto dispatcher = MustCreate(options, ledger);
  ASSERT_NE(dispatcher, nullptr);
  dispatcher->Start();
  // After the first (empty) pass the thread waits a whole poll interval:
  // only Notify() can make it deliver within the test's bound.
  ASSERT_TRUE(WaitFor([&] { return dispatcher->stats().passes >= 1; }));

  const int64_t a1 = ledger.Create("o1");
  const int64_t a2 = ledger.Move("o1", "confirmed");
  const int64_t a3 = ledger.Move("o1", "shipped");
  dispatcher->Notify();
  // Three messages of one order need three passes: a pass that delivered
  // something runs the next at once instead of waiting a poll interval.
  ASSERT_TRUE(WaitFor([&] { return dispatcher->stats().delivered == 3; }));
  dispatcher->Stop();
  EXPECT_EQ(receiver.AcceptedByOrder()["o1"], (std::vector<int64_t>{a1, a2, a3}));

  // Start() works again after Stop(), and its first pass runs at once.
  const int64_t b1 = ledger.Create("o2");
  dispatcher->Start();
  ASSERT_TRUE(WaitFor([&] { return dispatcher->stats().delivered == 4; }));
  dispatcher->Stop();
  EXPECT_EQ(receiver.AcceptedByOrder()["o2"], (std::vector<int64_t>{b1}));
}

}  // namespace
}  // namespace aisle::server
