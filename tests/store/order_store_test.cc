// OrderStore over a real aisle.db: orders with idempotency keys (sequential
// and racing retries), status compare-and-set and history, payments (card
// data rules, capture once), fulfillment tasks, the outbox's per-order
// delivery order, velocity counts, and durability across a reopen.
#include "store/order_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/cart_store.h"
#include "store/migrations_internal.h"
#include "store/sqlite_internal.h"
#include "tests/store/store_test_util.h"
#include "tests/testing/status_expect.h"

namespace aisle::store {
namespace {

using ::aisle::testing::ExpectReason;
using ::aisle::testing::ExpectInvalid;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr int64_t kMinute = 60'000;

// (One-character strings are assigned with assign(1, c): GCC 12 warns
// -Wrestrict, falsely, about `str = "x"`.)

// Expects `status` to be a domain error with `code` whose message starts with
// `reason` (the contract server/ relies on).

class OrderStoreTest : public testing::StoreTest {
 protected:
  // Deterministic ids ("id1", "id2", ...) that keep counting across Reopen.
  StoreOptions Options() const override {
    StoreOptions options = StoreTest::Options();
    options.id_generator = [counter = ids_] { return absl::StrCat("id", ++*counter); };
    return options;
  }

  OrderStore& orders() { return *store_->orders(); }

  // Two items: 2 x 1999 + 1 x 500 = 4498 cents; total with shipping 4998.
  static CreateOrderRequest Request(const std::string& key = "", const std::string& user = "u1") {
    return CreateOrderRequest{
        .idempotency_key = key,
        .request_fingerprint = key.empty() ? "" : "fp-" + key,
        .user_id = user,
        .cart_id = "cart-" + user,
        .currency = "USD",
        .subtotal_cents = 4498,
        .total_cents = 4998,
        .shipping = {.name = "Ada Lovelace",
                     .line1 = "1 Main St",
                     .city = "Seattle",
                     .region = "WA",
                     .postal_code = "98101",
                     .country = "US",
                     .latitude = 47.6,
                     .longitude = -122.3},
        .billing_country = "US",
        .items = {{.product_id = "p1", .quantity = 2, .unit_price_cents = 1999, .title = "Cable"},
                  {.product_id = "p2", .quantity = 1, .unit_price_cents = 500, .title = "Plug"}},
        .outbox = OutboxMessage{"order.created", R"({"total":4998})"}};
  }

  absl::StatusOr<CreateOrderResult> Create(CreateOrderRequest request) {
    return orders().CreateOrder(std::move(request)).get();
  }

  // An order that must be created; its id.
  std::string MustCreate(CreateOrderRequest request = Request()) {
    auto result = Create(std::move(request));
    EXPECT_TRUE(result.ok()) << result.status();
    EXPECT_TRUE(result.ok() && result->created);
    return result.ok() ? result->order.id : "";
  }

  Order Get(const std::string& id) {
    auto order = orders().GetOrder(id);
    EXPECT_TRUE(order.ok()) << order.status();
    EXPECT_TRUE(order.ok() && order->has_value()) << id;
    return order.ok() && order->has_value() ? **order : Order{};
  }

  absl::StatusOr<TransitionResult> Transition(const std::string& id, const std::string& from,
                                              const std::string& to,
                                              const std::string& reason = "") {
    return orders()
        .TransitionOrder({.order_id = id, .expected_from = from, .to = to, .reason = reason})
        .get();
  }

  static Payment Capture(const std::string& order_id, int64_t amount = 4998) {
    return Payment{.order_id = order_id,
                   .kind = PaymentKind::kCapture,
                   .amount_cents = amount,
                   .status = PaymentStatus::kSucceeded,
                   .gateway_ref = "gw-1",
                   .card_last4 = "4242",
                   .token = "tok_visa"};
  }

  void AddWarehouses() {
    const absl::Status status =
        store_->inventory()
            ->UpsertWarehouses({{"sea", "Seattle", 47.6062, -122.3321, "us-west"},
                                {"aus", "Austin", 30.2672, -97.7431, "us-south"}})
            .get();
    ASSERT_TRUE(status.ok()) << status;
  }

  static std::vector<FulfillmentTaskSpec> TwoTasks() {
    return {{.warehouse_id = "sea", .items = {{"p1", 2}}},
            {.warehouse_id = "aus", .items = {{"p2", 1}, {"p3", 4}}}};
  }

  std::vector<int64_t> PendingSeqs(int64_t now_ms = 0, int64_t limit = 100) {
    auto pending = orders().PendingOutbox(now_ms, limit);
    EXPECT_TRUE(pending.ok()) << pending.status();
    std::vector<int64_t> seqs;
    if (pending.ok()) {
      for (const OutboxEntry& e : *pending) seqs.push_back(e.seq);
    }
    return seqs;
  }

  int64_t CountRows(const std::string& table) {
    auto probe = internal::Connection::Open(dir_.Sub("aisle.db"),
                                            internal::Connection::Mode::kReadOnly, 1000);
    EXPECT_TRUE(probe.ok()) << probe.status();
    if (!probe.ok()) return -1;
    auto text = (*probe)->QueryText("SELECT count(*) FROM " + table);
    EXPECT_TRUE(text.ok()) << text.status();
    return text.ok() ? std::stoll(*text) : -1;
  }

  std::shared_ptr<std::atomic<int>> ids_ = std::make_shared<std::atomic<int>>(0);
};

// --- CreateOrder --------------------------------------------------------------------

TEST_F(OrderStoreTest, CreateOrderStoresOrderItemsHistoryAndOutbox) {
  const int64_t now = clock_.NowMillis();
  auto result = Create(Request());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->created);
  const Order& o = result->order;
  EXPECT_EQ(o.id, "id1");
  EXPECT_EQ(o.user_id, "u1");
  EXPECT_EQ(o.cart_id, "cart-u1");
  EXPECT_EQ(o.status, "pending");
  EXPECT_EQ(o.currency, "USD");
  EXPECT_EQ(o.subtotal_cents, 4498);
  EXPECT_EQ(o.total_cents, 4998);
  EXPECT_EQ(o.shipping.country, "US");
  EXPECT_EQ(o.shipping.latitude, 47.6);
  EXPECT_EQ(o.billing_country, "US");
  EXPECT_EQ(o.created_at_ms, now);
  EXPECT_EQ(o.updated_at_ms, now);
  EXPECT_THAT(o.items, ElementsAre(OrderItem{1, "p1", 2, 1999, "Cable"},
                                   OrderItem{2, "p2", 1, 500, "Plug"}));
  EXPECT_THAT(o.history, ElementsAre(StatusChange{1, "", "pending", "", now}));
  // What the writer returned is exactly what a reader sees.
  EXPECT_EQ(Get("id1"), o);
  EXPECT_EQ(*orders().GetOrder("unknown"), std::nullopt);

  const auto outbox = orders().ListOrderOutbox("id1");
  ASSERT_TRUE(outbox.ok()) << outbox.status();
  ASSERT_THAT(*outbox, SizeIs(1));
  EXPECT_EQ((*outbox)[0].order_id, "id1");
  EXPECT_EQ((*outbox)[0].kind, "order.created");
  EXPECT_EQ((*outbox)[0].payload, R"({"total":4998})");
  EXPECT_EQ((*outbox)[0].created_at_ms, now);
  EXPECT_EQ((*outbox)[0].next_attempt_at_ms, now);
  EXPECT_EQ((*outbox)[0].attempts, 0);
  EXPECT_EQ((*outbox)[0].delivered_at_ms, std::nullopt);
}

TEST_F(OrderStoreTest, CreateOrderWithoutKeyOutboxOrLocationAndWithGivenIdAndTime) {
  CreateOrderRequest request = Request();
  request.order_id = "order-7";
  request.outbox.reset();
  request.shipping.latitude.reset();
  request.shipping.longitude.reset();
  request.billing_country = "";
  request.status = "payment_processing";
  request.status_reason = "imported";
  request.now_ms = 5'000;
  EXPECT_EQ(MustCreate(request), "order-7");
  const Order o = Get("order-7");
  EXPECT_EQ(o.shipping.latitude, std::nullopt);
  EXPECT_EQ(o.shipping.longitude, std::nullopt);
  EXPECT_EQ(o.billing_country, "");
  EXPECT_EQ(o.created_at_ms, 5'000);
  EXPECT_EQ(o.status_reason, "imported");
  EXPECT_THAT(o.history, ElementsAre(StatusChange{1, "", "payment_processing", "imported", 5'000}));
  EXPECT_THAT(*orders().ListOrderOutbox("order-7"), IsEmpty());
  EXPECT_EQ(ids_->load(), 0);  // No id drawn.
  // Without a key, the same request twice is two orders.
  request.order_id = "";
  EXPECT_EQ(MustCreate(request), "id1");
  EXPECT_EQ(MustCreate(request), "id2");
  // A taken id.
  request.order_id = "order-7";
  EXPECT_EQ(Create(request).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(CountRows("orders"), 3);
}

TEST_F(OrderStoreTest, BadCreateRequestsAreRejectedAndNothingIsWritten) {
  using Mutation = void (*)(CreateOrderRequest&);
  const std::vector<std::pair<Mutation, std::string>> cases = {
      {[](CreateOrderRequest& r) { r.user_id = ""; }, "user_id"},
      {[](CreateOrderRequest& r) { r.user_id = "u\xff"; }, "user_id"},
      {[](CreateOrderRequest& r) { r.cart_id = "c\xc3"; }, "cart_id"},
      {[](CreateOrderRequest& r) { r.request_fingerprint = ""; }, "request_fingerprint"},
      {[](CreateOrderRequest& r) { r.idempotency_key = std::string(256, 'k'); }, "idempotency_key"},
      {[](CreateOrderRequest& r) { r.idempotency_key = "k\xff"; }, "idempotency_key"},
      {[](CreateOrderRequest& r) { r.currency = "usd"; }, "currency"},
      {[](CreateOrderRequest& r) { r.currency = "US"; }, "currency"},
      {[](CreateOrderRequest& r) { r.currency = ""; }, "currency"},
      {[](CreateOrderRequest& r) { r.total_cents = -1; }, "total_cents"},
      {[](CreateOrderRequest& r) { r.total_cents = kMaxMoneyCents + 1; }, "total_cents"},
      {[](CreateOrderRequest& r) { r.subtotal_cents = 4497; }, "subtotal_cents"},
      {[](CreateOrderRequest& r) { r.subtotal_cents = -1; }, "subtotal_cents"},
      {[](CreateOrderRequest& r) { r.items.clear(); }, "items"},
      {[](CreateOrderRequest& r) { r.items[1].product_id = ""; }, "product_id"},
      {[](CreateOrderRequest& r) { r.items[1].title = "t\xff"; }, "title"},
      {[](CreateOrderRequest& r) { r.items[0].quantity = 0; }, "quantity"},
      {[](CreateOrderRequest& r) { r.items[0].quantity = kMaxItemQuantity + 1; }, "quantity"},
      {[](CreateOrderRequest& r) { r.items[0].unit_price_cents = -5; }, "unit_price_cents"},
      {[](CreateOrderRequest& r) {
         r.items[0].quantity = kMaxItemQuantity;
         r.items[0].unit_price_cents = kMaxMoneyCents;
       },
       "items"},
      {[](CreateOrderRequest& r) { r.shipping.country = "usa"; }, "shipping.country"},
      {[](CreateOrderRequest& r) { r.shipping.country = ""; }, "shipping.country"},
      {[](CreateOrderRequest& r) { r.shipping.city.assign(1, '\xff'); }, "shipping.city"},
      {[](CreateOrderRequest& r) { r.shipping.longitude.reset(); }, "shipping.latitude"},
      {[](CreateOrderRequest& r) { r.shipping.latitude = 91; }, "shipping.latitude"},
      {[](CreateOrderRequest& r) { r.shipping.longitude = -180.5; }, "shipping.longitude"},
      {[](CreateOrderRequest& r) { r.billing_country.assign(1, 'u'); }, "billing_country"},
      {[](CreateOrderRequest& r) { r.status = ""; }, "status"},
      {[](CreateOrderRequest& r) { r.status = "Pending"; }, "status"},
      {[](CreateOrderRequest& r) { r.outbox->kind = ""; }, "outbox.kind"},
      {[](CreateOrderRequest& r) { r.outbox->payload.assign(1, '\xff'); }, "outbox.payload"},
      {[](CreateOrderRequest& r) { r.now_ms = -1; }, "now_ms"},
  };
  for (const auto& [mutate, field] : cases) {
    CreateOrderRequest request = Request("key-1");
    mutate(request);
    ExpectInvalid(Create(request).status(), field);
  }
  EXPECT_EQ(CountRows("orders"), 0);
  EXPECT_EQ(CountRows("idempotency_keys"), 0);
  EXPECT_EQ(*orders().GetOrderByIdempotencyKey("key-1"), std::nullopt);
  MustCreate(Request("key-1"));  // The unmodified request is fine.
}

TEST_F(OrderStoreTest, RetryWithTheSameKeyReturnsTheSameOrder) {
  auto first = Create(Request("key-1"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_TRUE(first->created);
  clock_.Advance(kMinute);
  auto retry = Create(Request("key-1"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_FALSE(retry->created);
  EXPECT_EQ(retry->order, first->order);
  EXPECT_EQ(*orders().GetOrderByIdempotencyKey("key-1"), first->order);
  EXPECT_EQ(*orders().GetOrderByIdempotencyKey("key-2"), std::nullopt);

  // A retry after the order moved on returns its current state, and writes
  // nothing (no second outbox message).
  ASSERT_TRUE(Transition(first->order.id, "pending", "payment_processing").ok());
  auto later = Create(Request("key-1"));
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_FALSE(later->created);
  EXPECT_EQ(later->order.id, first->order.id);
  EXPECT_EQ(later->order.status, "payment_processing");
  EXPECT_EQ(CountRows("orders"), 1);
  EXPECT_EQ(CountRows("outbox"), 1);
  EXPECT_EQ(ids_->load(), 1);
  // Another key is another order.
  EXPECT_EQ(MustCreate(Request("key-2")), "id2");
}

TEST_F(OrderStoreTest, KeyReusedForAnotherRequestOrUserIsRefused) {
  const std::string id = MustCreate(Request("key-1"));
  CreateOrderRequest other = Request("key-1");
  other.request_fingerprint = "fp-something-else";
  const absl::Status reused = Create(other).status();
  ExpectReason(reused, absl::StatusCode::kFailedPrecondition, kIdempotencyKeyReusedReason);
  EXPECT_THAT(std::string(reused.message()), Not(HasSubstr(id)));
  // Another user presenting the same key and fingerprint never sees the order.
  ExpectReason(Create(Request("key-1", "u2")).status(), absl::StatusCode::kFailedPrecondition,
               kIdempotencyKeyReusedReason);
  EXPECT_EQ(CountRows("orders"), 1);
  EXPECT_EQ(*orders().CountOrders("u2", 0), 0);
}

TEST_F(OrderStoreTest, RacingRetriesWithOneKeyYieldExactlyOneOrder) {
  constexpr int kThreads = 16;
  std::atomic<int> ready{0};
  std::vector<absl::StatusOr<CreateOrderResult>> results(kThreads, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      results[t] = orders().CreateOrder(Request("race-key")).get();
    });
  }
  for (std::thread& thread : threads) thread.join();
  int created = 0;
  std::set<std::string> ids;
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    created += result->created ? 1 : 0;
    ids.insert(result->order.id);
    EXPECT_EQ(result->order.status, "pending");
  }
  EXPECT_EQ(created, 1);
  EXPECT_EQ(ids, std::set<std::string>{"id1"});
  EXPECT_EQ(ids_->load(), 1);
  EXPECT_EQ(CountRows("orders"), 1);
  EXPECT_EQ(CountRows("order_items"), 2);
  EXPECT_EQ(CountRows("order_status_history"), 1);
  EXPECT_EQ(CountRows("outbox"), 1);
}

// --- TransitionOrder ----------------------------------------------------------------

TEST_F(OrderStoreTest, TransitionsAreCompareAndSetAndAppendHistoryInOrder) {
  const std::string id = MustCreate();
  const int64_t t0 = clock_.NowMillis();
  clock_.Advance(1'000);
  auto moved = Transition(id, "pending", "payment_processing");
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->change, (StatusChange{2, "pending", "payment_processing", "", t0 + 1'000}));
  EXPECT_EQ(moved->payment, std::nullopt);
  EXPECT_THAT(moved->fulfillment_tasks, IsEmpty());
  EXPECT_EQ(moved->outbox_seq, std::nullopt);

  // A stale expectation loses, and says what the status is now.
  const absl::Status stale = Transition(id, "pending", "cancelled").status();
  ExpectReason(stale, absl::StatusCode::kFailedPrecondition, kStatusChangedReason);
  EXPECT_EQ(CurrentOrderStatus(stale), "payment_processing");
  EXPECT_THAT(std::string(stale.message()), HasSubstr("is payment_processing, expected pending"));
  EXPECT_EQ(CurrentOrderStatus(absl::FailedPreconditionError("other")), std::nullopt);

  clock_.Advance(1'000);
  ASSERT_TRUE(Transition(id, "payment_processing", "cancelled", "payment_failed").ok());
  const Order o = Get(id);
  EXPECT_EQ(o.status, "cancelled");
  EXPECT_EQ(o.status_reason, "payment_failed");
  EXPECT_EQ(o.updated_at_ms, t0 + 2'000);
  EXPECT_EQ(o.created_at_ms, t0);
  EXPECT_THAT(o.history,
              ElementsAre(StatusChange{1, "", "pending", "", t0},
                          StatusChange{2, "pending", "payment_processing", "", t0 + 1'000},
                          StatusChange{3, "payment_processing", "cancelled", "payment_failed",
                                       t0 + 2'000}));

  ExpectReason(Transition("unknown", "pending", "cancelled").status(), absl::StatusCode::kNotFound,
               kOrderNotFoundReason);
  // An explicit time.
  const std::string other = MustCreate();
  auto at = orders()
                .TransitionOrder(
                    {.order_id = other, .expected_from = "pending", .to = "cancelled", .at_ms = 42})
                .get();
  ASSERT_TRUE(at.ok()) << at.status();
  EXPECT_EQ(at->change.at_ms, 42);
  EXPECT_EQ(Get(other).updated_at_ms, 42);
}

TEST_F(OrderStoreTest, RacingTransitionsFromOneStatusHaveOneWinner) {
  // The primitive that keeps a retried checkout from charging twice: only
  // the caller whose pending -> payment_processing succeeds may charge.
  const std::string id = MustCreate(Request("key-1"));
  constexpr int kThreads = 16;
  std::atomic<int> won{0};
  std::atomic<int> lost{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      const absl::Status status = Transition(id, "pending", "payment_processing").status();
      if (status.ok()) {
        won.fetch_add(1);
      } else if (CurrentOrderStatus(status) == "payment_processing") {
        lost.fetch_add(1);
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(won.load(), 1);
  EXPECT_EQ(lost.load(), kThreads - 1);
  EXPECT_THAT(Get(id).history, SizeIs(2));
}

TEST_F(OrderStoreTest, TransitionWritesPaymentTasksAndOutboxAtomically) {
  AddWarehouses();
  const std::string id = MustCreate();
  ASSERT_TRUE(Transition(id, "pending", "payment_processing").ok());
  Payment capture = Capture("");
  auto confirmed = orders()
                       .TransitionOrder({.order_id = id,
                                         .expected_from = "payment_processing",
                                         .to = "payment_confirmed",
                                         .payment = capture})
                       .get();
  ASSERT_TRUE(confirmed.ok()) << confirmed.status();
  ASSERT_TRUE(confirmed->payment.has_value());
  EXPECT_EQ(confirmed->payment->order_id, id);
  EXPECT_EQ(confirmed->payment->user_id, "u1");
  EXPECT_EQ(confirmed->payment->at_ms, clock_.NowMillis());
  EXPECT_THAT(*orders().ListPayments(id), ElementsAre(*confirmed->payment));

  ASSERT_TRUE(Transition(id, "payment_confirmed", "inventory_allocated").ok());
  auto preparing =
      orders()
          .TransitionOrder({.order_id = id,
                            .expected_from = "inventory_allocated",
                            .to = "preparing",
                            .outbox = OutboxMessage{"order.confirmed", R"({"id":"x"})"},
                            .fulfillment_tasks = TwoTasks()})
          .get();
  ASSERT_TRUE(preparing.ok()) << preparing.status();
  ASSERT_THAT(preparing->fulfillment_tasks, SizeIs(2));
  ASSERT_TRUE(preparing->outbox_seq.has_value());
  EXPECT_THAT(*orders().ListOrderFulfillmentTasks(id),
              ElementsAre(preparing->fulfillment_tasks[1], preparing->fulfillment_tasks[0]));
  const auto outbox = *orders().ListOrderOutbox(id);
  ASSERT_THAT(outbox, SizeIs(2));
  EXPECT_EQ(outbox[1].seq, *preparing->outbox_seq);
  EXPECT_EQ(outbox[1].kind, "order.confirmed");
  EXPECT_EQ(Get(id).status, "preparing");
}

TEST_F(OrderStoreTest, AFailingPartRollsBackTheWholeTransition) {
  AddWarehouses();
  const std::string id = MustCreate();
  ASSERT_TRUE(orders().RecordPayment(Capture(id)).get().ok());
  const Order before = Get(id);
  // A second capture is refused: status, history, tasks and outbox stay.
  const absl::Status twice = orders()
                                 .TransitionOrder({.order_id = id,
                                                   .expected_from = "pending",
                                                   .to = "payment_confirmed",
                                                   .outbox = OutboxMessage{"order.paid", ""},
                                                   .payment = Capture(id),
                                                   .fulfillment_tasks = TwoTasks()})
                                 .get()
                                 .status();
  ExpectReason(twice, absl::StatusCode::kFailedPrecondition, kAlreadyCapturedReason);
  // An unknown warehouse (checked after the status moved) also undoes it.
  ExpectReason(orders()
                   .TransitionOrder(
                       {.order_id = id,
                        .expected_from = "pending",
                        .to = "preparing",
                        .outbox = OutboxMessage{"order.confirmed", ""},
                        .fulfillment_tasks = {{.warehouse_id = "nowhere", .items = {{"p1", 1}}}}})
                   .get()
                   .status(),
               absl::StatusCode::kNotFound, kWarehouseNotFoundReason);
  EXPECT_EQ(Get(id), before);
  EXPECT_THAT(*orders().ListPayments(id), SizeIs(1));
  EXPECT_THAT(*orders().ListOrderFulfillmentTasks(id), IsEmpty());
  EXPECT_THAT(*orders().ListOrderOutbox(id), SizeIs(1));  // The creation's only.
}

TEST_F(OrderStoreTest, BadTransitionRequestsAreRejected) {
  const std::string id = MustCreate();
  const std::vector<std::pair<TransitionRequest, std::string>> cases = {
      {{.order_id = "", .expected_from = "pending", .to = "x"}, "order_id"},
      {{.order_id = id, .expected_from = "", .to = "x"}, "expected_from"},
      {{.order_id = id, .expected_from = "pending", .to = "X"}, "to"},
      {{.order_id = id, .expected_from = "pending", .to = std::string(65, 'a')}, "to"},
      {{.order_id = id, .expected_from = "pending", .to = "x", .reason = "\xff"}, "reason"},
      {{.order_id = id, .expected_from = "pending", .to = "x", .at_ms = -1}, "at_ms"},
      {{.order_id = id,
        .expected_from = "pending",
        .to = "x",
        .outbox = OutboxMessage{"Bad Kind", ""}},
       "outbox.kind"},
      {{.order_id = id,
        .expected_from = "pending",
        .to = "x",
        .payment = Payment{.order_id = "other", .amount_cents = 1}},
       "order_id"},
      {{.order_id = id,
        .expected_from = "pending",
        .to = "x",
        .payment = Payment{.amount_cents = 1, .token = "4111111111111111"}},
       "token"},
      {{.order_id = id,
        .expected_from = "pending",
        .to = "x",
        .fulfillment_tasks = {{.warehouse_id = "sea", .items = {}}}},
       "items"},
  };
  for (const auto& [request, field] : cases) {
    ExpectInvalid(orders().TransitionOrder(request).get().status(), field);
  }
  EXPECT_THAT(Get(id).history, SizeIs(1));
}

// --- Payments -----------------------------------------------------------------------

TEST_F(OrderStoreTest, ContainsCardNumberFindsRunsOfTwelveOrMoreDigits) {
  EXPECT_FALSE(ContainsCardNumber(""));
  EXPECT_FALSE(ContainsCardNumber("tok_visa"));
  EXPECT_FALSE(ContainsCardNumber("tok_12345678901"));  // 11 digits.
  EXPECT_FALSE(ContainsCardNumber("1234 5678 901"));
  EXPECT_FALSE(ContainsCardNumber("123456  789012"));  // Two separators break the run.
  EXPECT_FALSE(ContainsCardNumber("123456-a789012"));
  EXPECT_TRUE(ContainsCardNumber("123456789012"));
  EXPECT_TRUE(ContainsCardNumber("4111111111111111"));
  EXPECT_TRUE(ContainsCardNumber("tok_4111111111111111_x"));
  EXPECT_TRUE(ContainsCardNumber("4111 1111 1111 1111"));
  EXPECT_TRUE(ContainsCardNumber("4111-1111-1111-1111"));
  EXPECT_TRUE(ContainsCardNumber("card 3782 822463 10005 declined"));  // Amex, 15 digits.
  EXPECT_TRUE(ContainsCardNumber("12345678901234567890123"));          // Longer than 19.
}

TEST_F(OrderStoreTest, PaymentsAreRecordedAndListedInOrder) {
  const std::string id = MustCreate();
  Payment failed{.order_id = id,
                 .kind = PaymentKind::kAuthorize,
                 .amount_cents = 4998,
                 .status = PaymentStatus::kFailed,
                 .card_last4 = "0002",
                 .token = "tok_chargeDeclined",
                 .failure_reason = "card_declined"};
  auto first = orders().RecordPayment(failed).get();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->id, "id2");
  EXPECT_EQ(first->user_id, "u1");
  EXPECT_EQ(first->at_ms, clock_.NowMillis());
  Payment authorized{.id = "pay-given",
                     .order_id = id,
                     .kind = PaymentKind::kAuthorize,
                     .amount_cents = 4998,
                     .gateway_ref = "ch_1",
                     .card_last4 = "4242",
                     .token = "tok_visa"};
  auto second = orders().RecordPayment(authorized).get();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->id, "pay-given");
  auto voided = orders()
                    .RecordPayment({.order_id = id,
                                    .kind = PaymentKind::kVoid,
                                    .amount_cents = 0,
                                    .gateway_ref = "ch_1"})
                    .get();
  ASSERT_TRUE(voided.ok()) << voided.status();
  EXPECT_THAT(*orders().ListPayments(id), ElementsAre(*first, *second, *voided));
  EXPECT_THAT(*orders().ListPayments("other"), IsEmpty());
  ExpectReason(orders().RecordPayment(Capture("unknown")).get().status(),
               absl::StatusCode::kNotFound, kOrderNotFoundReason);
}

TEST_F(OrderStoreTest, CardNumbersAreNeverStored) {
  const std::string id = MustCreate();
  const std::vector<std::pair<Payment, std::string>> cases = {
      {{.order_id = id, .amount_cents = 1, .token = "4111111111111111"}, "token"},
      {{.order_id = id, .amount_cents = 1, .token = "4111 1111 1111 1111"}, "token"},
      {{.order_id = id, .amount_cents = 1, .token = "pan_4111-1111-1111-1111"}, "token"},
      {{.order_id = id, .amount_cents = 1, .card_last4 = "4111111111111111"}, "card_last4"},
      {{.order_id = id, .amount_cents = 1, .card_last4 = "123"}, "card_last4"},
      {{.order_id = id, .amount_cents = 1, .card_last4 = "12345"}, "card_last4"},
      {{.order_id = id, .amount_cents = 1, .card_last4 = "12a4"}, "card_last4"},
      {{.order_id = id,
        .amount_cents = 1,
        .status = PaymentStatus::kFailed,
        .failure_reason = "declined: 4111111111111111"},
       "failure_reason"},
  };
  for (const auto& [payment, field] : cases) {
    const absl::Status status = orders().RecordPayment(payment).get().status();
    ExpectInvalid(status, field);
    // The error never repeats the number.
    EXPECT_THAT(std::string(status.message()), Not(HasSubstr("1111")));
  }
  EXPECT_THAT(*orders().ListPayments(id), IsEmpty());
}

TEST_F(OrderStoreTest, BadPaymentsAreRejected) {
  const std::string id = MustCreate();
  const std::vector<std::pair<Payment, std::string>> cases = {
      {{.order_id = "", .amount_cents = 1}, "order_id"},
      {{.order_id = id, .kind = PaymentKind::kCapture, .amount_cents = 0}, "amount_cents"},
      {{.order_id = id, .kind = PaymentKind::kRefund, .amount_cents = -1}, "amount_cents"},
      {{.order_id = id, .kind = PaymentKind::kVoid, .amount_cents = -1}, "amount_cents"},
      {{.order_id = id, .amount_cents = kMaxMoneyCents + 1}, "amount_cents"},
      {{.order_id = id, .kind = static_cast<PaymentKind>(9), .amount_cents = 1}, "kind"},
      {{.order_id = id, .amount_cents = 1, .status = static_cast<PaymentStatus>(9)}, "status"},
      {{.order_id = id, .amount_cents = 1, .gateway_ref = "\xff"}, "gateway_ref"},
      {{.order_id = id, .amount_cents = 1, .at_ms = -1}, "at_ms"},
  };
  for (const auto& [payment, field] : cases) {
    ExpectInvalid(orders().RecordPayment(payment).get().status(), field);
  }
  EXPECT_THAT(*orders().ListPayments(id), IsEmpty());
}

TEST_F(OrderStoreTest, AnOrderIsCapturedOnceAndRefundedAtMostWhatWasCaptured) {
  const std::string id = MustCreate();
  // Refunding nothing captured, and failed captures, do not count.
  ExpectReason(orders()
                   .RecordPayment({.order_id = id, .kind = PaymentKind::kRefund, .amount_cents = 1})
                   .get()
                   .status(),
               absl::StatusCode::kFailedPrecondition, kRefundExceedsCaptureReason);
  Payment failed_capture = Capture(id);
  failed_capture.status = PaymentStatus::kFailed;
  ASSERT_TRUE(orders().RecordPayment(failed_capture).get().ok());
  ASSERT_TRUE(orders().RecordPayment(Capture(id, 4998)).get().ok());
  ExpectReason(orders().RecordPayment(Capture(id, 1)).get().status(),
               absl::StatusCode::kFailedPrecondition, kAlreadyCapturedReason);
  const auto refund = [&](int64_t amount) {
    return orders()
        .RecordPayment({.order_id = id, .kind = PaymentKind::kRefund, .amount_cents = amount})
        .get()
        .status();
  };
  ASSERT_TRUE(refund(4000).ok());
  ExpectReason(refund(999), absl::StatusCode::kFailedPrecondition, kRefundExceedsCaptureReason);
  ASSERT_TRUE(refund(998).ok());  // Exactly the rest.
  EXPECT_THAT(*orders().ListPayments(id), SizeIs(4));
}

// --- Velocity ------------------------------------------------------------------------

TEST_F(OrderStoreTest, VelocityCountsAndSumsSinceATime) {
  const int64_t t0 = clock_.NowMillis();
  MustCreate(Request("", "u1"));  // 4998 USD at t0.
  clock_.Advance(kMinute);
  CreateOrderRequest eur = Request("", "u1");
  eur.currency = "EUR";
  eur.total_cents = 100;
  MustCreate(eur);  // 100 EUR at t0 + 1 min.
  clock_.Advance(kMinute);
  const std::string third = MustCreate(Request("", "u1"));  // 4998 USD at t0 + 2 min.
  MustCreate(Request("", "u2"));

  EXPECT_EQ(*orders().CountOrders("u1", t0), 3);
  EXPECT_EQ(*orders().CountOrders("u1", t0 + 1), 2);
  EXPECT_EQ(*orders().CountOrders("u1", t0 + 2 * kMinute), 1);
  EXPECT_EQ(*orders().CountOrders("u1", t0 + 2 * kMinute + 1), 0);
  EXPECT_EQ(*orders().CountOrders("nobody", 0), 0);
  EXPECT_EQ(*orders().SumOrderTotals("u1", t0),
            (std::map<std::string, int64_t>{{"EUR", 100}, {"USD", 9996}}));
  EXPECT_EQ(*orders().SumOrderTotals("u1", t0 + 1),
            (std::map<std::string, int64_t>{{"EUR", 100}, {"USD", 4998}}));
  EXPECT_THAT(*orders().SumOrderTotals("nobody", 0), IsEmpty());

  Payment failed{.order_id = third,
                 .amount_cents = 4998,
                 .status = PaymentStatus::kFailed,
                 .failure_reason = "insufficient_funds"};
  failed.at_ms = t0 + 10;
  ASSERT_TRUE(orders().RecordPayment(failed).get().ok());
  failed.at_ms = t0 + 20;
  ASSERT_TRUE(orders().RecordPayment(failed).get().ok());
  failed.status = PaymentStatus::kSucceeded;
  failed.failure_reason = "";
  failed.at_ms = t0 + 30;
  ASSERT_TRUE(orders().RecordPayment(failed).get().ok());
  EXPECT_EQ(*orders().CountFailedPayments("u1", t0), 2);
  EXPECT_EQ(*orders().CountFailedPayments("u1", t0 + 11), 1);
  EXPECT_EQ(*orders().CountFailedPayments("u1", t0 + 21), 0);
  EXPECT_EQ(*orders().CountFailedPayments("u2", 0), 0);

  ExpectInvalid(orders().CountOrders("", 0).status(), "user_id");
  ExpectInvalid(orders().SumOrderTotals("u1", -1).status(), "since_ms");
  ExpectInvalid(orders().CountFailedPayments("u1", -1).status(), "since_ms");
}

TEST_F(OrderStoreTest, HotQueriesUseTheirIndexes) {
  store_->Close();
  auto db =
      internal::Connection::Open(dir_.Sub("aisle.db"), internal::Connection::Mode::kReadOnly, 1000);
  ASSERT_TRUE(db.ok()) << db.status();
  // EXPLAIN QUERY PLAN rows: the detail column says which index serves.
  const auto detail = [&](const std::string& sql) {
    auto query = (*db)->Prepare("EXPLAIN QUERY PLAN " + sql);
    std::string text;
    if (!query.ok()) return std::string(query.status().message());
    while (true) {
      auto row = query->Step();
      if (!row.ok() || !*row) break;
      text += query->Text(3) + " | ";
    }
    return text;
  };
  EXPECT_THAT(detail("SELECT count(*) FROM orders WHERE user_id = 'u' AND created_at_ms >= 0"),
              HasSubstr("COVERING INDEX orders_by_user"));
  EXPECT_THAT(detail("SELECT currency, sum(total_cents) FROM orders WHERE user_id = 'u' AND "
                     "created_at_ms >= 0 GROUP BY currency"),
              HasSubstr("COVERING INDEX orders_by_user"));
  EXPECT_THAT(detail("SELECT count(*) FROM payments WHERE user_id = 'u' AND status = 'failed' "
                     "AND at_ms >= 0"),
              HasSubstr("INDEX failed_payments_by_user"));
  // PendingOutbox: due messages from the partial index, and the "earlier
  // undelivered message of the same order" probe from outbox_by_order alone.
  const std::string pending = detail(
      "SELECT seq FROM outbox AS o WHERE o.delivered_at_ms IS NULL AND o.next_attempt_at_ms <= 5 "
      "AND NOT EXISTS (SELECT 1 FROM outbox AS e WHERE e.order_id = o.order_id "
      "AND e.delivered_at_ms IS NULL AND e.seq < o.seq) ORDER BY o.seq LIMIT 10");
  EXPECT_THAT(pending, HasSubstr("INDEX outbox_due"));
  EXPECT_THAT(pending, HasSubstr("COVERING INDEX outbox_by_order"));
  EXPECT_THAT(detail("SELECT id FROM fulfillment_tasks WHERE warehouse_id = 'w' AND "
                     "status = 'pending' ORDER BY created_at_ms, id LIMIT 3"),
              HasSubstr("INDEX fulfillment_tasks_by_warehouse"));
}

// --- Listing orders -------------------------------------------------------------------

TEST_F(OrderStoreTest, OrdersOfAUserAreListedNewestFirst) {
  const std::string a = MustCreate(Request("", "u1"));
  clock_.Advance(1);
  const std::string b = MustCreate(Request("", "u1"));
  clock_.Advance(1);
  const std::string c = MustCreate(Request("", "u1"));
  MustCreate(Request("", "u2"));
  auto all = orders().ListOrdersOfUser("u1", 10);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_THAT(*all, SizeIs(3));
  EXPECT_EQ((*all)[0], Get(c));
  EXPECT_EQ((*all)[1].id, b);
  EXPECT_EQ((*all)[2].id, a);
  EXPECT_THAT((*all)[2].items, SizeIs(2));
  EXPECT_THAT(*orders().ListOrdersOfUser("u1", 2), SizeIs(2));
  EXPECT_THAT(*orders().ListOrdersOfUser("nobody", 2), IsEmpty());
  ExpectInvalid(orders().ListOrdersOfUser("u1", 0).status(), "limit");
  ExpectInvalid(orders().ListOrdersOfUser("u1", kMaxListLimit + 1).status(), "limit");
  ExpectInvalid(orders().ListOrdersOfUser("", 1).status(), "user_id");
}

TEST_F(OrderStoreTest, OrdersStuckInAStatusAreFoundOldestChangeFirst) {
  const std::string a = MustCreate();
  const std::string b = MustCreate();
  const std::string c = MustCreate();
  const int64_t t0 = clock_.NowMillis();
  clock_.Advance(kMinute);
  ASSERT_TRUE(Transition(b, "pending", "payment_processing").ok());
  clock_.Advance(kMinute);
  ASSERT_TRUE(Transition(a, "pending", "payment_processing").ok());
  const auto stuck = [&](int64_t before) {
    // Keep the StatusOr alive: a range-for over *temporary would dangle.
    const auto listed = orders().ListOrdersInStatus("payment_processing", before, 10);
    EXPECT_TRUE(listed.ok()) << listed.status();
    std::vector<std::string> ids;
    if (listed.ok()) {
      for (const Order& o : *listed) ids.push_back(o.id);
    }
    return ids;
  };
  EXPECT_THAT(stuck(t0 + 2 * kMinute), ElementsAre(b, a));
  EXPECT_THAT(stuck(t0 + kMinute), ElementsAre(b));
  EXPECT_THAT(stuck(t0), IsEmpty());
  EXPECT_THAT(*orders().ListOrdersInStatus("pending", t0, 10), SizeIs(1));
  EXPECT_EQ((*orders().ListOrdersInStatus("pending", t0, 10))[0].id, c);
  ExpectInvalid(orders().ListOrdersInStatus("", t0, 1).status(), "status");
  ExpectInvalid(orders().ListOrdersInStatus("pending", t0, 0).status(), "limit");
}

// --- Fulfillment -----------------------------------------------------------------------

TEST_F(OrderStoreTest, FulfillmentTasksAreListedPerWarehouseAndCompleteTheOrder) {
  AddWarehouses();
  const std::string id = MustCreate();
  const int64_t now = clock_.NowMillis();
  auto created = orders().CreateFulfillmentTasks(id, TwoTasks(), 0).get();
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_THAT(*created, SizeIs(2));
  const FulfillmentTask sea{.id = "id2",
                            .order_id = id,
                            .warehouse_id = "sea",
                            .status = FulfillmentStatus::kPending,
                            .items = {{"p1", 2}},
                            .created_at_ms = now};
  const FulfillmentTask aus{.id = "id3",
                            .order_id = id,
                            .warehouse_id = "aus",
                            .status = FulfillmentStatus::kPending,
                            .items = {{"p2", 1}, {"p3", 4}},
                            .created_at_ms = now};
  EXPECT_THAT(*created, ElementsAre(sea, aus));
  EXPECT_THAT(*orders().ListFulfillmentTasks("sea", FulfillmentStatus::kPending, 10),
              ElementsAre(sea));
  EXPECT_THAT(*orders().ListFulfillmentTasks("aus", FulfillmentStatus::kPending, 10),
              ElementsAre(aus));
  EXPECT_THAT(*orders().ListFulfillmentTasks("sea", FulfillmentStatus::kCompleted, 10), IsEmpty());
  EXPECT_THAT(*orders().ListOrderFulfillmentTasks(id), ElementsAre(aus, sea));

  clock_.Advance(kMinute);
  auto first = orders().CompleteFulfillmentTask("id2", 0).get();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->order_fulfilled);
  EXPECT_FALSE(first->already_completed);
  EXPECT_EQ(first->task.status, FulfillmentStatus::kCompleted);
  EXPECT_EQ(first->task.completed_at_ms, now + kMinute);
  EXPECT_THAT(*orders().ListFulfillmentTasks("sea", FulfillmentStatus::kCompleted, 10),
              ElementsAre(first->task));
  EXPECT_THAT(*orders().ListFulfillmentTasks("sea", FulfillmentStatus::kPending, 10), IsEmpty());

  auto last = orders().CompleteFulfillmentTask("id3", now + 2 * kMinute).get();
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_TRUE(last->order_fulfilled);
  EXPECT_FALSE(last->already_completed);
  EXPECT_EQ(last->task.completed_at_ms, now + 2 * kMinute);
  // A retry changes nothing and still says the order is fulfilled.
  auto retry = orders().CompleteFulfillmentTask("id2", 0).get();
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->already_completed);
  EXPECT_TRUE(retry->order_fulfilled);
  EXPECT_EQ(retry->task, first->task);

  ExpectReason(orders().CompleteFulfillmentTask("unknown", 0).get().status(),
               absl::StatusCode::kNotFound, kFulfillmentTaskNotFoundReason);
  ExpectInvalid(orders().CompleteFulfillmentTask("", 0).get().status(), "task_id");
}

TEST_F(OrderStoreTest, FulfillmentTaskErrorsWriteNothing) {
  AddWarehouses();
  const std::string id = MustCreate();
  ExpectReason(orders().CreateFulfillmentTasks("unknown", TwoTasks(), 0).get().status(),
               absl::StatusCode::kNotFound, kOrderNotFoundReason);
  ExpectReason(orders()
                   .CreateFulfillmentTasks(id, {{"sea", {{"p1", 1}}}, {"nowhere", {{"p2", 1}}}}, 0)
                   .get()
                   .status(),
               absl::StatusCode::kNotFound, kWarehouseNotFoundReason);
  ExpectInvalid(orders()
                    .CreateFulfillmentTasks(id, {{"sea", {{"p1", 1}}}, {"sea", {{"p2", 1}}}}, 0)
                    .get()
                    .status(),
                "warehouse_id");
  ExpectInvalid(orders().CreateFulfillmentTasks(id, {}, 0).get().status(), "fulfillment_tasks");
  ExpectInvalid(orders().CreateFulfillmentTasks(id, {{"sea", {}}}, 0).get().status(), "items");
  ExpectInvalid(orders().CreateFulfillmentTasks(id, {{"sea", {{"p1", 0}}}}, 0).get().status(),
                "quantity");
  ExpectInvalid(orders().CreateFulfillmentTasks(id, {{"sea", {{"", 1}}}}, 0).get().status(),
                "product_id");
  ExpectInvalid(orders().CreateFulfillmentTasks("", TwoTasks(), 0).get().status(), "order_id");
  EXPECT_THAT(*orders().ListOrderFulfillmentTasks(id), IsEmpty());

  ASSERT_TRUE(orders().CreateFulfillmentTasks(id, {{"sea", {{"p1", 1}}}}, 0).get().ok());
  // A retried (or overlapping) call creates nothing twice.
  ExpectReason(orders().CreateFulfillmentTasks(id, TwoTasks(), 0).get().status(),
               absl::StatusCode::kFailedPrecondition, kFulfillmentTaskExistsReason);
  EXPECT_THAT(*orders().ListOrderFulfillmentTasks(id), SizeIs(1));
  ExpectInvalid(orders().ListFulfillmentTasks("sea", FulfillmentStatus::kPending, 0).status(),
                "limit");
  ExpectInvalid(orders().ListFulfillmentTasks("", FulfillmentStatus::kPending, 1).status(),
                "warehouse_id");
}

// --- Outbox ------------------------------------------------------------------------------

TEST_F(OrderStoreTest, OutboxDeliversInOrderPerOrderAndAFailureHoldsBackOnlyItsOrder) {
  CreateOrderRequest a_request = Request();
  a_request.outbox = OutboxMessage{"order.created", "a1"};
  const std::string a = MustCreate(a_request);  // seq 1
  CreateOrderRequest b_request = Request();
  b_request.outbox = OutboxMessage{"order.created", "b1"};
  const std::string b = MustCreate(b_request);  // seq 2
  auto moved = orders()
                   .TransitionOrder({.order_id = a,
                                     .expected_from = "pending",
                                     .to = "payment_processing",
                                     .outbox = OutboxMessage{"order.status", "a2"}})
                   .get();  // seq 3
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->outbox_seq, 3);
  const int64_t now = clock_.NowMillis();

  // a2 waits behind a1; b1 is independent.
  EXPECT_THAT(PendingSeqs(), ElementsAre(1, 2));
  EXPECT_THAT(PendingSeqs(0, 1), ElementsAre(1));

  // a1 fails: retried in a minute, and a2 stays behind it; b1 goes on.
  auto failed = orders().MarkAttemptFailed(1, now + kMinute, "HTTP 503").get();
  ASSERT_TRUE(failed.ok()) << failed.status();
  EXPECT_EQ(failed->attempts, 1);
  EXPECT_EQ(failed->next_attempt_at_ms, now + kMinute);
  EXPECT_EQ(failed->last_error, "HTTP 503");
  EXPECT_EQ(failed->payload, "a1");
  EXPECT_THAT(PendingSeqs(), ElementsAre(2));
  ASSERT_TRUE(orders().MarkDelivered(2, 0).get().ok());
  EXPECT_THAT(PendingSeqs(), IsEmpty());

  // Due again: a1 first, then a2 only once a1 is delivered.
  clock_.Advance(kMinute);
  EXPECT_THAT(PendingSeqs(), ElementsAre(1));
  EXPECT_THAT(PendingSeqs(now + kMinute - 1), IsEmpty());  // An explicit now.
  ASSERT_TRUE(orders().MarkDelivered(1, 0).get().ok());
  EXPECT_THAT(PendingSeqs(), ElementsAre(3));
  ASSERT_TRUE(orders().MarkDelivered(3, 0).get().ok());
  EXPECT_THAT(PendingSeqs(), IsEmpty());

  const auto a_outbox = *orders().ListOrderOutbox(a);
  ASSERT_THAT(a_outbox, SizeIs(2));
  EXPECT_EQ(a_outbox[0].attempts, 2);  // One failure, one delivery.
  EXPECT_EQ(a_outbox[0].delivered_at_ms, now + kMinute);
  EXPECT_EQ(a_outbox[1].attempts, 1);
  EXPECT_THAT(*orders().ListOrderOutbox(b), SizeIs(1));
}

TEST_F(OrderStoreTest, OutboxMarkErrorsAndRetries) {
  MustCreate();  // seq 1.
  ExpectReason(orders().MarkDelivered(99, 0).get(), absl::StatusCode::kNotFound,
               kOutboxMessageNotFoundReason);
  ExpectReason(orders().MarkAttemptFailed(99, 0, "x").get().status(), absl::StatusCode::kNotFound,
               kOutboxMessageNotFoundReason);
  ExpectInvalid(orders().MarkDelivered(0, 0).get(), "seq");
  ExpectInvalid(orders().MarkAttemptFailed(1, -1, "x").get().status(), "next_attempt_at_ms");
  ExpectInvalid(orders().MarkAttemptFailed(1, 0, "card 4111111111111111").get().status(), "error");
  ExpectInvalid(orders().PendingOutbox(0, 0).status(), "limit");
  ExpectInvalid(orders().PendingOutbox(-1, 1).status(), "now_ms");

  const int64_t delivered_at = clock_.NowMillis();
  ASSERT_TRUE(orders().MarkDelivered(1, 0).get().ok());
  clock_.Advance(kMinute);
  ASSERT_TRUE(orders().MarkDelivered(1, 0).get().ok());  // A retry: unchanged.
  const auto entry = (*orders().ListOrderOutbox("id1"))[0];
  EXPECT_EQ(entry.delivered_at_ms, delivered_at);
  EXPECT_EQ(entry.attempts, 1);
  ExpectReason(orders().MarkAttemptFailed(1, 0, "late").get().status(),
               absl::StatusCode::kFailedPrecondition, kOutboxMessageDeliveredReason);
}

// --- Checkout: creation steps, payment token, cart and stock effects ---------------

TEST_F(OrderStoreTest, ThenStatusesAreHistoryRowsOfTheCreationAndTheOrderEndsInTheLast) {
  const int64_t now = clock_.NowMillis();
  CreateOrderRequest request = Request("key-1");
  request.status_reason = "checkout";
  request.then_statuses = {"payment_processing", "payment_confirmed"};
  auto created = Create(request);
  ASSERT_TRUE(created.ok()) << created.status();
  const Order& o = created->order;
  EXPECT_EQ(o.status, "payment_confirmed");
  EXPECT_EQ(o.status_reason, "");  // The reason of the last change.
  EXPECT_THAT(o.history,
              ElementsAre(StatusChange{1, "", "pending", "checkout", now},
                          StatusChange{2, "pending", "payment_processing", "", now},
                          StatusChange{3, "payment_processing", "payment_confirmed", "", now}));
  EXPECT_EQ(Get(o.id), o);
  // Listed under its final status only.
  EXPECT_THAT(*orders().ListOrdersInStatus("payment_confirmed", now, 10), SizeIs(1));
  EXPECT_THAT(*orders().ListOrdersInStatus("pending", now, 10), IsEmpty());
  // The next transition continues the numbering.
  auto next = Transition(o.id, "payment_confirmed", "cancelled");
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_EQ(next->change.seq, 4);

  // One bad status in the list refuses the whole request.
  request.idempotency_key = "key-2";
  request.request_fingerprint = "fp-key-2";
  request.then_statuses = {"payment_processing", "Bad Status"};
  ExpectInvalid(Create(request).status(), "then_statuses");
  EXPECT_EQ(CountRows("orders"), 1);
  EXPECT_EQ(CountRows("order_status_history"), 4);
}

TEST_F(OrderStoreTest, PaymentTokenIsStoredAndACardNumberIsRefusedWithoutEchoingIt) {
  CreateOrderRequest request = Request("key-1");
  request.payment_token = "tok_visa";
  auto created = Create(request);
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string id = created->order.id;
  EXPECT_EQ(created->order.payment_token, "tok_visa");
  EXPECT_EQ(Get(id).payment_token, "tok_visa");
  EXPECT_EQ((*orders().GetOrderByIdempotencyKey("key-1"))->payment_token, "tok_visa");
  EXPECT_EQ((*orders().ListOrdersOfUser("u1", 1))[0].payment_token, "tok_visa");
  EXPECT_EQ(Get(MustCreate(Request())).payment_token, "");  // None given.
  Reopen();
  EXPECT_EQ(Get(id).payment_token, "tok_visa");

  for (const std::string token :
       {"4111111111111111", "4111 1111 1111 1111", "tok_4111-1111-1111-1111"}) {
    request.idempotency_key = "key-2";
    request.request_fingerprint = "fp-key-2";
    request.payment_token = token;
    const absl::Status status = Create(request).status();
    ExpectInvalid(status, "payment_token");
    EXPECT_THAT(std::string(status.message()), Not(HasSubstr("1111"))) << token;
  }
  EXPECT_EQ(CountRows("orders"), 2);
  EXPECT_EQ(*orders().GetOrderByIdempotencyKey("key-2"), std::nullopt);
}

TEST_F(OrderStoreTest, ThenToAppendsARowPerStatusAndTheOrderEndsInTheLast) {
  const std::string id = MustCreate();
  const int64_t t0 = clock_.NowMillis();
  clock_.Advance(1'000);
  const int64_t t1 = t0 + 1'000;
  auto moved = orders()
                   .TransitionOrder({.order_id = id,
                                     .expected_from = "pending",
                                     .to = "payment_processing",
                                     .reason = "charging",
                                     .then_to = {"payment_confirmed", "inventory_allocated"}})
                   .get();
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_EQ(moved->change, (StatusChange{2, "pending", "payment_processing", "charging", t1}));
  EXPECT_THAT(moved->then_changes,
              ElementsAre(StatusChange{3, "payment_processing", "payment_confirmed", "", t1},
                          StatusChange{4, "payment_confirmed", "inventory_allocated", "", t1}));
  const Order o = Get(id);
  EXPECT_EQ(o.status, "inventory_allocated");
  EXPECT_EQ(o.status_reason, "");
  EXPECT_EQ(o.updated_at_ms, t1);
  EXPECT_THAT(o.history, ElementsAre(StatusChange{1, "", "pending", "", t0}, moved->change,
                                     moved->then_changes[0], moved->then_changes[1]));

  // The compare-and-set is against the final status, not a step on the way.
  const absl::Status stale = Transition(id, "payment_confirmed", "preparing").status();
  ExpectReason(stale, absl::StatusCode::kFailedPrecondition, kStatusChangedReason);
  EXPECT_EQ(CurrentOrderStatus(stale), "inventory_allocated");
  // A bad step refuses the request.
  ExpectInvalid(orders()
                    .TransitionOrder({.order_id = id,
                                      .expected_from = "inventory_allocated",
                                      .to = "preparing",
                                      .then_to = {"Shipped"}})
                    .get()
                    .status(),
                "then_to");
  // Without then_to there are no extra changes.
  auto plain = Transition(id, "inventory_allocated", "preparing");
  ASSERT_TRUE(plain.ok()) << plain.status();
  EXPECT_THAT(plain->then_changes, IsEmpty());
  EXPECT_THAT(Get(id).history, SizeIs(5));
}

// Checkout's effects over real carts, reservations and stock in the same
// aisle.db: close_cart, commit_stock, release_reservations, restock,
// cancel_fulfillment and reopen_cart.
class OrderEffectsTest : public OrderStoreTest {
 protected:
  void SetUp() override {
    OrderStoreTest::SetUp();
    AddWarehouses();
    SetStock("p1", "sea", 2);
    SetStock("p1", "aus", 5);
    SetStock("p2", "sea", 10);
  }

  CartStore& carts() { return *store_->carts(); }
  InventoryStore& inventory() { return *store_->inventory(); }

  void SetStock(const std::string& product, const std::string& warehouse, int64_t on_hand) {
    const absl::Status status = inventory().SetStock(product, warehouse, on_hand).get();
    ASSERT_TRUE(status.ok()) << status;
  }

  int64_t OnHand(const std::string& product, const std::string& warehouse) {
    auto stock = inventory().GetStock(product, 0);
    EXPECT_TRUE(stock.ok()) << stock.status();
    if (!stock.ok()) return -1;
    for (const WarehouseStock& w : stock->warehouses) {
      if (w.warehouse_id == warehouse) return w.on_hand;
    }
    return 0;
  }

  int64_t Available(const std::string& product) {
    auto stock = inventory().GetStock(product, 0);
    EXPECT_TRUE(stock.ok()) << stock.status();
    return stock.ok() ? stock->available : -1;
  }

  Reservation ReservationOf(const std::string& id) {
    auto r = inventory().GetReservation(id, 0);
    EXPECT_TRUE(r.ok() && r->has_value()) << id;
    return r.ok() && r->has_value() ? **r : Reservation{};
  }

  std::string NewCart(const std::string& user) {
    auto cart = carts().CreateCart(user, 0).get();
    EXPECT_TRUE(cart.ok()) << cart.status();
    EXPECT_TRUE(cart.ok() && cart->created);
    return cart.ok() ? cart->cart.id : "";
  }

  // A new line of `quantity` units held by a new reservation of `holder`.
  CartLineRef Hold(const std::string& cart_id, const std::string& holder,
                   const std::string& product, int64_t quantity) {
    auto written = carts()
                       .WriteLine({.cart_id = cart_id,
                                   .line = {.product_id = product,
                                            .quantity = quantity,
                                            .unit_price_minor = 1999,
                                            .original_price_minor = 1999},
                                   .hold = HoldChange::kHold,
                                   .terms = {.user_id = holder}})
                       .get();
    EXPECT_TRUE(written.ok()) << written.status();
    if (!written.ok() || !written->reservation) return {};
    return CartLineRef{.product_id = product,
                       .quantity = quantity,
                       .reservation_id = written->reservation->id};
  }

  CartContents CartOf(const std::string& cart_id) {
    auto cart = carts().GetCart(cart_id, 0);
    EXPECT_TRUE(cart.ok() && cart->has_value()) << cart_id;
    return cart.ok() && cart->has_value() ? **cart : CartContents{};
  }

  // Request() that closes `cart_id` holding `lines`.
  static CreateOrderRequest Checkout(const std::string& key, const std::string& cart_id,
                                     std::vector<CartLineRef> lines,
                                     const std::string& user = "u1") {
    CreateOrderRequest request = Request(key, user);
    request.cart_id = cart_id;
    request.close_cart = std::move(lines);
    return request;
  }

  // An order in payment_processing that closed a cart of u1 holding 3 x p1
  // (stocked 2 at sea and 5 at aus) and 1 x p2 (10 at sea).
  struct Placed {
    std::string order_id;
    std::string cart_id;
    CartLineRef p1;
    CartLineRef p2;
  };
  Placed Place() {
    Placed placed;
    placed.cart_id = NewCart("u1");
    placed.p1 = Hold(placed.cart_id, "u1", "p1", 3);
    placed.p2 = Hold(placed.cart_id, "u1", "p2", 1);
    CreateOrderRequest request = Checkout("", placed.cart_id, {placed.p1, placed.p2});
    request.then_statuses = {"payment_processing"};
    placed.order_id = MustCreate(request);
    return placed;
  }

  static CommitRequest CommitOf(const Placed& placed, std::vector<Allocation> allocations) {
    return CommitRequest{.order_id = placed.order_id,
                         .reservation_ids = {placed.p1.reservation_id, placed.p2.reservation_id},
                         .allocations = std::move(allocations)};
  }

  // processOrder's second commit: paid, stock committed, tasks, preparing.
  absl::StatusOr<TransitionResult> Allocate(const Placed& placed,
                                            std::vector<Allocation> allocations) {
    return orders()
        .TransitionOrder(
            {.order_id = placed.order_id,
             .expected_from = "payment_processing",
             .to = "payment_confirmed",
             .outbox = OutboxMessage{"order.confirmed", "{}"},
             .payment = Capture(""),
             .fulfillment_tasks = {{.warehouse_id = "sea", .items = {{"p1", 2}, {"p2", 1}}},
                                   {.warehouse_id = "aus", .items = {{"p1", 1}}}},
             .then_to = {"inventory_allocated", "preparing"},
             .commit_stock = CommitOf(placed, std::move(allocations))})
        .get();
  }

  static std::vector<Allocation> SplitAllocations() {
    return {{"p1", "sea", 2}, {"p1", "aus", 1}, {"p2", "sea", 1}};
  }
};

TEST_F(OrderEffectsTest, CloseCartMarksTheCartOrderedInTheSameCommit) {
  const std::string cart = NewCart("u1");
  const CartLineRef p1 = Hold(cart, "u1", "p1", 2);
  const CartLineRef p2 = Hold(cart, "u1", "p2", 1);
  ASSERT_EQ(CartOf(cart).cart.status, CartStatus::kActive);
  // The lines may come in any order.
  auto created = Create(Checkout("key-1", cart, {p2, p1}));
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_TRUE(created->created);
  EXPECT_EQ(created->order.cart_id, cart);
  const CartContents after = CartOf(cart);
  EXPECT_EQ(after.cart.status, CartStatus::kOrdered);
  EXPECT_EQ(after.cart.updated_at_ms, clock_.NowMillis());
  EXPECT_THAT(after.lines, SizeIs(2));  // The lines stay, frozen.
  // The holds are the order's now; closing the cart does not consume them.
  EXPECT_EQ(ReservationOf(p1.reservation_id).status, ReservationStatus::kActive);
  EXPECT_EQ(Available("p1"), 5);
  // An ordered cart changes no more.
  ExpectReason(carts()
                   .WriteLine({.cart_id = cart,
                               .line = {.product_id = "p2", .quantity = 2},
                               .hold = HoldChange::kHold,
                               .terms = {.user_id = "u1"}})
                   .get()
                   .status(),
               absl::StatusCode::kFailedPrecondition, kCartNotActiveReason);
}

TEST_F(OrderEffectsTest, CloseCartRefusesACartWhoseLinesDifferAndWritesNothing) {
  const std::string cart = NewCart("u1");
  const CartLineRef p1 = Hold(cart, "u1", "p1", 2);
  const CartLineRef p2 = Hold(cart, "u1", "p2", 1);
  const std::vector<std::vector<CartLineRef>> stale = {
      {p1},                                                           // A line was added since.
      {p1, p2, {.product_id = "p3", .quantity = 1, .reservation_id = p2.reservation_id}},  // Removed.
      {{.product_id = "p1", .quantity = 3, .reservation_id = p1.reservation_id}, p2},  // Resized.
      {{.product_id = "p1", .quantity = 2, .reservation_id = "another-hold"}, p2},     // Re-held.
  };
  for (const std::vector<CartLineRef>& lines : stale) {
    ExpectReason(Create(Checkout("key-1", cart, lines)).status(),
                 absl::StatusCode::kFailedPrecondition, kCartChangedReason);
  }
  EXPECT_EQ(CountRows("orders"), 0);
  EXPECT_EQ(CountRows("idempotency_keys"), 0);
  EXPECT_EQ(CountRows("outbox"), 0);
  EXPECT_EQ(CartOf(cart).cart.status, CartStatus::kActive);
  // The lines as they are close it.
  MustCreate(Checkout("key-1", cart, {p1, p2}));
  EXPECT_EQ(CartOf(cart).cart.status, CartStatus::kOrdered);
}

TEST_F(OrderEffectsTest, CloseCartRefusesAnInactiveOrUnknownCart) {
  const std::string cart = NewCart("u1");
  const std::vector<CartLineRef> lines = {Hold(cart, "u1", "p1", 2)};
  MustCreate(Checkout("key-1", cart, lines));
  // One cart, one order, whatever the keys.
  ExpectReason(Create(Checkout("key-2", cart, lines)).status(),
               absl::StatusCode::kFailedPrecondition, kCartNotActiveReason);
  ExpectReason(Create(Checkout("", cart, lines)).status(), absl::StatusCode::kFailedPrecondition,
               kCartNotActiveReason);
  ExpectReason(Create(Checkout("key-3", "no-such-cart", lines)).status(),
               absl::StatusCode::kNotFound, kCartNotFoundReason);
  // Malformed: a cart to close needs its id and lines.
  ExpectInvalid(Create(Checkout("key-4", "", lines)).status(), "cart_id");
  ExpectInvalid(Create(Checkout("key-4", cart, {})).status(), "close_cart");
  EXPECT_EQ(CountRows("orders"), 1);
  EXPECT_EQ(CountRows("idempotency_keys"), 1);
}

TEST_F(OrderEffectsTest, AReplayWithCloseCartReturnsTheFirstOrderAlthoughTheCartIsOrdered) {
  const std::string cart = NewCart("u1");
  const CartLineRef p1 = Hold(cart, "u1", "p1", 2);
  auto first = Create(Checkout("key-1", cart, {p1}));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->created);
  ASSERT_EQ(CartOf(cart).cart.status, CartStatus::kOrdered);
  auto replay = Create(Checkout("key-1", cart, {p1}));
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_FALSE(replay->created);
  EXPECT_EQ(replay->order, first->order);
  EXPECT_EQ(CountRows("orders"), 1);
  EXPECT_EQ(CountRows("outbox"), 1);
}

TEST_F(OrderEffectsTest, CommitStockConsumesTheReservationsInTheTransitionsCommit) {
  const Placed placed = Place();
  EXPECT_EQ(Available("p1"), 4);
  auto done = Allocate(placed, SplitAllocations());
  ASSERT_TRUE(done.ok()) << done.status();
  EXPECT_EQ(Get(placed.order_id).status, "preparing");
  EXPECT_EQ(OnHand("p1", "sea"), 0);
  EXPECT_EQ(OnHand("p1", "aus"), 4);
  EXPECT_EQ(OnHand("p2", "sea"), 9);
  EXPECT_EQ(Available("p1"), 4);  // Held units became decrements one for one.
  for (const CartLineRef& line : {placed.p1, placed.p2}) {
    const Reservation r = ReservationOf(line.reservation_id);
    EXPECT_EQ(r.status, ReservationStatus::kCommitted);
    EXPECT_EQ(r.order_id, placed.order_id);
  }
  EXPECT_THAT(*orders().ListPayments(placed.order_id), SizeIs(1));
  EXPECT_THAT(*orders().ListOrderFulfillmentTasks(placed.order_id), SizeIs(2));
  EXPECT_THAT(*orders().ListOrderOutbox(placed.order_id), SizeIs(2));
}

TEST_F(OrderEffectsTest, AFailedStockCommitWritesNothingOfTheTransition) {
  const Placed placed = Place();
  const Order before = Get(placed.order_id);
  // More than sea has; allocations that do not add up to the holds; an
  // order id that is not the transition's.
  ExpectReason(Allocate(placed, {{"p1", "sea", 3}, {"p2", "sea", 1}}).status(),
               absl::StatusCode::kFailedPrecondition, kInsufficientWarehouseStockReason);
  ExpectReason(Allocate(placed, {{"p1", "sea", 2}, {"p2", "sea", 1}}).status(),
               absl::StatusCode::kFailedPrecondition, kAllocationMismatchReason);
  TransitionRequest other_order{.order_id = placed.order_id,
                                .expected_from = "payment_processing",
                                .to = "payment_confirmed",
                                .commit_stock = CommitOf(placed, SplitAllocations())};
  other_order.commit_stock->order_id = "someone-else";
  ExpectInvalid(orders().TransitionOrder(other_order).get().status(), "order_id");

  EXPECT_EQ(Get(placed.order_id), before);
  EXPECT_THAT(*orders().ListPayments(placed.order_id), IsEmpty());
  EXPECT_THAT(*orders().ListOrderFulfillmentTasks(placed.order_id), IsEmpty());
  EXPECT_THAT(*orders().ListOrderOutbox(placed.order_id), SizeIs(1));  // The creation's.
  EXPECT_EQ(OnHand("p1", "sea"), 2);
  EXPECT_EQ(OnHand("p1", "aus"), 5);
  EXPECT_EQ(OnHand("p2", "sea"), 10);
  EXPECT_EQ(ReservationOf(placed.p1.reservation_id).status, ReservationStatus::kActive);
  EXPECT_EQ(ReservationOf(placed.p2.reservation_id).status, ReservationStatus::kActive);
  // The same transition with a plan that fits goes through.
  ASSERT_TRUE(Allocate(placed, SplitAllocations()).ok());
}

TEST_F(OrderEffectsTest, ReleaseReservationsFreesTheOrdersHolds) {
  const Placed placed = Place();
  // A hold released before (the shopper removed it) is left as it is.
  const std::string other_cart = NewCart("u2");
  const CartLineRef gone = Hold(other_cart, "u2", "p2", 2);
  ASSERT_TRUE(inventory().Release(gone.reservation_id).get().ok());
  EXPECT_EQ(Available("p1"), 4);
  EXPECT_EQ(Available("p2"), 9);

  // An unknown hold fails the whole transition.
  ExpectReason(orders()
                   .TransitionOrder({.order_id = placed.order_id,
                                     .expected_from = "payment_processing",
                                     .to = "cancelled",
                                     .release_reservations = {placed.p1.reservation_id, "nope"}})
                   .get()
                   .status(),
               absl::StatusCode::kNotFound, kReservationNotFoundReason);
  EXPECT_EQ(Get(placed.order_id).status, "payment_processing");
  EXPECT_EQ(ReservationOf(placed.p1.reservation_id).status, ReservationStatus::kActive);

  auto cancelled = orders()
                       .TransitionOrder({.order_id = placed.order_id,
                                         .expected_from = "payment_processing",
                                         .to = "cancelled",
                                         .reason = "payment_failed",
                                         .release_reservations = {placed.p1.reservation_id,
                                                                  placed.p2.reservation_id,
                                                                  gone.reservation_id}})
                       .get();
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(Get(placed.order_id).status, "cancelled");
  EXPECT_EQ(ReservationOf(placed.p1.reservation_id).status, ReservationStatus::kReleased);
  EXPECT_EQ(ReservationOf(placed.p2.reservation_id).status, ReservationStatus::kReleased);
  EXPECT_EQ(ReservationOf(gone.reservation_id).status, ReservationStatus::kReleased);
  EXPECT_EQ(Available("p1"), 7);
  EXPECT_EQ(Available("p2"), 10);
}

TEST_F(OrderEffectsTest, ReleasingCommittedHoldsFailsAndWritesNothing) {
  const Placed placed = Place();
  ASSERT_TRUE(Allocate(placed, SplitAllocations()).ok());
  ExpectReason(orders()
                   .TransitionOrder({.order_id = placed.order_id,
                                     .expected_from = "preparing",
                                     .to = "cancelled",
                                     .release_reservations = {placed.p1.reservation_id}})
                   .get()
                   .status(),
               absl::StatusCode::kFailedPrecondition, kReservationNotActiveReason);
  EXPECT_EQ(Get(placed.order_id).status, "preparing");
  EXPECT_EQ(ReservationOf(placed.p1.reservation_id).status, ReservationStatus::kCommitted);
}

TEST_F(OrderEffectsTest, RestockAndCancelFulfillmentUndoAnAllocatedOrder) {
  const Placed placed = Place();
  auto allocated = Allocate(placed, SplitAllocations());
  ASSERT_TRUE(allocated.ok()) << allocated.status();
  ASSERT_THAT(allocated->fulfillment_tasks, SizeIs(2));
  const FulfillmentTask sea = allocated->fulfillment_tasks[0];
  const FulfillmentTask aus = allocated->fulfillment_tasks[1];
  ASSERT_EQ(sea.warehouse_id, "sea");
  // One warehouse already picked its part.
  ASSERT_TRUE(orders().CompleteFulfillmentTask(aus.id, 0).get().ok());
  clock_.Advance(kMinute);
  const int64_t t1 = clock_.NowMillis();

  auto cancelled = orders()
                       .TransitionOrder({.order_id = placed.order_id,
                                         .expected_from = "preparing",
                                         .to = "cancelled",
                                         .restock = {{"p1", "sea", 2}, {"p2", "sea", 1},
                                                     {"p9", "aus", 4}},  // p9: no stock row yet.
                                         .cancel_fulfillment = true})
                       .get();
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(OnHand("p1", "sea"), 2);
  EXPECT_EQ(OnHand("p1", "aus"), 4);  // Not restocked: its task was completed.
  EXPECT_EQ(OnHand("p2", "sea"), 10);
  EXPECT_EQ(OnHand("p9", "aus"), 4);

  const auto tasks = *orders().ListOrderFulfillmentTasks(placed.order_id);  // By warehouse.
  ASSERT_THAT(tasks, SizeIs(2));
  EXPECT_EQ(tasks[0].id, aus.id);
  EXPECT_EQ(tasks[0].status, FulfillmentStatus::kCompleted);
  EXPECT_EQ(tasks[0].cancelled_at_ms, std::nullopt);
  EXPECT_EQ(tasks[1].id, sea.id);
  EXPECT_EQ(tasks[1].status, FulfillmentStatus::kCancelled);
  EXPECT_EQ(tasks[1].cancelled_at_ms, t1);
  EXPECT_EQ(tasks[1].completed_at_ms, std::nullopt);
  EXPECT_EQ(tasks[1].items, sea.items);

  EXPECT_THAT(*orders().ListFulfillmentTasks("sea", FulfillmentStatus::kPending, 10), IsEmpty());
  EXPECT_THAT(*orders().ListFulfillmentTasks("sea", FulfillmentStatus::kCancelled, 10),
              ElementsAre(tasks[1]));
  EXPECT_THAT(*orders().ListFulfillmentTasks("sea", FulfillmentStatus::kCompleted, 10), IsEmpty());
  EXPECT_THAT(*orders().ListFulfillmentTasks("aus", FulfillmentStatus::kCancelled, 10), IsEmpty());
  EXPECT_THAT(*orders().ListFulfillmentTasks("aus", FulfillmentStatus::kCompleted, 10),
              ElementsAre(tasks[0]));

  ExpectReason(orders().CompleteFulfillmentTask(sea.id, 0).get().status(),
               absl::StatusCode::kFailedPrecondition, kFulfillmentTaskCancelledReason);
  EXPECT_EQ((*orders().ListOrderFulfillmentTasks(placed.order_id))[1], tasks[1]);
  // The completed one still answers a retry.
  auto retry = orders().CompleteFulfillmentTask(aus.id, 0).get();
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_TRUE(retry->already_completed);
}

TEST_F(OrderEffectsTest, WithoutCancelFulfillmentTasksStayPending) {
  const std::string id = MustCreate();
  ASSERT_TRUE(orders()
                  .TransitionOrder({.order_id = id,
                                    .expected_from = "pending",
                                    .to = "preparing",
                                    .fulfillment_tasks = TwoTasks()})
                  .get()
                  .ok());
  ASSERT_TRUE(Transition(id, "preparing", "cancelled").ok());
  const auto tasks = orders().ListOrderFulfillmentTasks(id);  // Kept alive for the loop.
  ASSERT_TRUE(tasks.ok()) << tasks.status();
  ASSERT_THAT(*tasks, SizeIs(2));
  for (const FulfillmentTask& task : *tasks) {
    EXPECT_EQ(task.status, FulfillmentStatus::kPending) << task.id;
  }
}

TEST_F(OrderEffectsTest, AFailingPartRollsBackEveryEffectOfTheTransition) {
  const Placed placed = Place();
  ASSERT_TRUE(Allocate(placed, SplitAllocations()).ok());
  const Order before = Get(placed.order_id);
  const auto tasks_before = *orders().ListOrderFulfillmentTasks(placed.order_id);
  // Restock, cancelled tasks and the reopened cart are all undone by the
  // refund that exceeds the capture (checked after them).
  ExpectReason(orders()
                   .TransitionOrder({.order_id = placed.order_id,
                                     .expected_from = "preparing",
                                     .to = "cancelled",
                                     .payment = Payment{.kind = PaymentKind::kRefund,
                                                        .amount_cents = 999'999},
                                     .restock = {{"p1", "sea", 2}},
                                     .cancel_fulfillment = true,
                                     .reopen_cart = true})
                   .get()
                   .status(),
               absl::StatusCode::kFailedPrecondition, kRefundExceedsCaptureReason);
  EXPECT_EQ(Get(placed.order_id), before);
  EXPECT_EQ(*orders().ListOrderFulfillmentTasks(placed.order_id), tasks_before);
  EXPECT_EQ(OnHand("p1", "sea"), 0);
  EXPECT_EQ(CartOf(placed.cart_id).cart.status, CartStatus::kOrdered);
}

TEST_F(OrderEffectsTest, ReopenCartGivesTheCartBackUnlessTheUserHasAnotherActiveCart) {
  // u1: no other cart, so the cart comes back with its lines and holds.
  const Placed placed = Place();
  ASSERT_TRUE(orders()
                  .TransitionOrder({.order_id = placed.order_id,
                                    .expected_from = "payment_processing",
                                    .to = "cancelled",
                                    .reopen_cart = true})
                  .get()
                  .ok());
  const CartContents reopened = CartOf(placed.cart_id);
  EXPECT_EQ(reopened.cart.status, CartStatus::kActive);
  EXPECT_THAT(reopened.lines, SizeIs(2));
  EXPECT_EQ(ReservationOf(placed.p1.reservation_id).status, ReservationStatus::kActive);

  // u2 started another cart meanwhile: the old one stays ordered.
  const std::string old_cart = NewCart("u2");
  const CartLineRef line = Hold(old_cart, "u2", "p2", 1);
  const std::string id = MustCreate(Checkout("", old_cart, {line}, "u2"));
  const std::string new_cart = NewCart("u2");
  ASSERT_TRUE(orders()
                  .TransitionOrder({.order_id = id,
                                    .expected_from = "pending",
                                    .to = "cancelled",
                                    .reopen_cart = true})
                  .get()
                  .ok());
  EXPECT_EQ(CartOf(old_cart).cart.status, CartStatus::kOrdered);
  EXPECT_EQ(CartOf(new_cart).cart.status, CartStatus::kActive);

  // An anonymous cart comes back whatever other anonymous carts exist.
  const std::string anonymous = NewCart("");
  const CartLineRef held = Hold(anonymous, "cart-holder", "p2", 1);
  NewCart("");
  const std::string anonymous_order = MustCreate(Checkout("", anonymous, {held}, "u3"));
  ASSERT_EQ(CartOf(anonymous).cart.status, CartStatus::kOrdered);
  ASSERT_TRUE(orders()
                  .TransitionOrder({.order_id = anonymous_order,
                                    .expected_from = "pending",
                                    .to = "cancelled",
                                    .reopen_cart = true})
                  .get()
                  .ok());
  EXPECT_EQ(CartOf(anonymous).cart.status, CartStatus::kActive);
}

// Migration 8 (checkout) on a database an older aisle left at version 7, with
// an order and a fulfillment task in it.
TEST(OrderStoreMigrationTest, CheckoutMigrationUpgradesAVersion7DatabaseKeepingItsOrders) {
  ASSERT_GE(internal::AisleMigrations().size(), 8u);
  aisle::testing::TempDir dir;
  const std::string path = dir.Sub("v7.db");
  {
    auto db = internal::Connection::Open(path, internal::Connection::Mode::kReadWrite, 1000);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->Exec("PRAGMA journal_mode = WAL").ok());
    ASSERT_EQ(*internal::ApplyMigrations(**db, internal::AisleMigrations().first(7), 1), 7);
    for (const char* sql : {
             "INSERT INTO warehouses VALUES ('sea', 'Seattle', 47.6, -122.3, 'us-west', 1)",
             "INSERT INTO orders VALUES ('o7', 'u1', 'c1', 'preparing', '', 'USD', 500, 500, "
             "'', '', '', '', '', '', 'US', 47.6, -122.3, 'US', 1000, 2000)",
             "INSERT INTO order_items VALUES ('o7', 1, 'p1', 1, 500, 'Plug')",
             "INSERT INTO order_status_history VALUES ('o7', 1, NULL, 'preparing', '', 1000)",
             "INSERT INTO fulfillment_tasks VALUES ('t7', 'o7', 'sea', 'pending', 1000, NULL)",
             "INSERT INTO fulfillment_task_items VALUES ('t7', 1, 'p1', 1)",
         }) {
      const absl::Status status = (*db)->Exec(sql);
      ASSERT_TRUE(status.ok()) << sql << ": " << status;
    }
  }
  FakeClock clock(1'700'000'000'000);
  StoreOptions options;
  options.path = path;
  options.clock = &clock;
  auto store = Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Stats().schema_version,
            static_cast<int>(internal::AisleMigrations().size()));
  OrderStore& orders = *(*store)->orders();
  auto order = orders.GetOrder("o7");
  ASSERT_TRUE(order.ok() && order->has_value()) << order.status();
  EXPECT_EQ((*order)->status, "preparing");
  EXPECT_EQ((*order)->payment_token, "");
  EXPECT_THAT((*order)->items, SizeIs(1));
  auto tasks = orders.ListOrderFulfillmentTasks("o7");
  ASSERT_TRUE(tasks.ok()) << tasks.status();
  ASSERT_THAT(*tasks, SizeIs(1));
  EXPECT_EQ((*tasks)[0].status, FulfillmentStatus::kPending);
  EXPECT_EQ((*tasks)[0].cancelled_at_ms, std::nullopt);
  // The new columns work on the old rows.
  ASSERT_TRUE(orders
                  .TransitionOrder({.order_id = "o7",
                                    .expected_from = "preparing",
                                    .to = "cancelled",
                                    .cancel_fulfillment = true})
                  .get()
                  .ok());
  EXPECT_EQ((*orders.ListOrderFulfillmentTasks("o7"))[0].status, FulfillmentStatus::kCancelled);
  EXPECT_EQ((*orders.ListOrderFulfillmentTasks("o7"))[0].cancelled_at_ms, clock.NowMillis());
}

// --- Durability and schema ----------------------------------------------------------

TEST_F(OrderStoreTest, ReopenKeepsEverything) {
  AddWarehouses();
  const std::string id = MustCreate(Request("key-1"));
  ASSERT_TRUE(Transition(id, "pending", "payment_processing").ok());
  ASSERT_TRUE(orders()
                  .TransitionOrder({.order_id = id,
                                    .expected_from = "payment_processing",
                                    .to = "payment_confirmed",
                                    .outbox = OutboxMessage{"order.paid", "{}"},
                                    .payment = Capture(id)})
                  .get()
                  .ok());
  ASSERT_TRUE(orders().CreateFulfillmentTasks(id, TwoTasks(), 0).get().ok());
  ASSERT_TRUE(orders().CompleteFulfillmentTask("id3", 0).get().ok());
  ASSERT_TRUE(orders().MarkAttemptFailed(1, clock_.NowMillis() + kMinute, "timeout").get().ok());

  const Order order = Get(id);
  const auto payments = *orders().ListPayments(id);
  const auto tasks = *orders().ListOrderFulfillmentTasks(id);
  const auto outbox = *orders().ListOrderOutbox(id);
  ASSERT_THAT(payments, SizeIs(1));
  ASSERT_THAT(tasks, SizeIs(2));
  ASSERT_THAT(outbox, SizeIs(2));

  Reopen();
  EXPECT_EQ(Get(id), order);
  EXPECT_EQ(*orders().GetOrderByIdempotencyKey("key-1"), order);
  EXPECT_EQ(*orders().ListPayments(id), payments);
  EXPECT_EQ(*orders().ListOrderFulfillmentTasks(id), tasks);
  EXPECT_EQ(*orders().ListOrderOutbox(id), outbox);
  EXPECT_EQ(*orders().CountOrders("u1", 0), 1);
  // The key still deduplicates after a restart, and ids keep flowing.
  auto retry = Create(Request("key-1"));
  ASSERT_TRUE(retry.ok()) << retry.status();
  EXPECT_FALSE(retry->created);
  EXPECT_EQ(retry->order, order);
  const std::string fresh = MustCreate();
  EXPECT_EQ(fresh, absl::StrCat("id", ids_->load()));
  // seq is never reused: the next message comes after the old ones.
  auto next = orders()
                  .TransitionOrder({.order_id = id,
                                    .expected_from = "payment_confirmed",
                                    .to = "cancelled",
                                    .outbox = OutboxMessage{"order.cancelled", ""}})
                  .get();
  ASSERT_TRUE(next.ok()) << next.status();
  EXPECT_GT(*next->outbox_seq, outbox.back().seq);
}

TEST_F(OrderStoreTest, SchemaRejectsRowsOutsideTheInvariants) {
  AddWarehouses();
  MustCreate(Request("", "u1"));  // "id1".
  store_->Close();
  auto db = internal::Connection::Open(dir_.Sub("aisle.db"), internal::Connection::Mode::kReadWrite,
                                       1000);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->Exec("PRAGMA foreign_keys = ON").ok());
  const std::string payment =
      "INSERT INTO payments VALUES ('p', 'id1', 'u1', 'capture', 1, 'succeeded', '', ";
  const std::string task =
      "INSERT INTO fulfillment_tasks(id, order_id, warehouse_id, status, created_at_ms, "
      "completed_at_ms, cancelled_at_ms) VALUES ('t', 'id1', ";
  const std::string bad[] = {
      payment + "'', '4111111111111111', '', 0)",
      payment + "'', 'tok', 'echo 4111111111111111', 0)",
      payment + "'41111', 'tok', '', 0)",
      "INSERT INTO payments VALUES ('p', 'id1', 'u1', 'steal', 1, 'succeeded', '', '', '', '', 0)",
      "INSERT INTO payments VALUES ('p', 'nope', 'u1', 'capture', 1, 'succeeded', '', '', '', "
      "'', 0)",
      "UPDATE orders SET currency = 'usd'",
      "UPDATE orders SET ship_country = 'USA'",
      "UPDATE orders SET total_cents = -1",
      "UPDATE orders SET ship_latitude = NULL",
      "INSERT INTO order_status_history VALUES ('id1', 2, NULL, 'x', '', 0)",
      "INSERT INTO order_status_history VALUES ('id1', 1, 'a', 'x', '', 0)",
      "INSERT INTO order_items VALUES ('id1', 3, 'p', 0, 1, '')",
      // (Columns named: since migration 8 the table has cancelled_at_ms too.)
      task + "'nowhere', 'pending', 0, NULL, NULL)",
      task + "'sea', 'completed', 0, NULL, NULL)",
      task + "'sea', 'completed', 0, 5, 6)",  // A completed task is never cancelled.
      "UPDATE orders SET payment_token = 'tok_4111111111111111'",
      "INSERT INTO outbox(order_id, kind, payload, created_at_ms, attempts, next_attempt_at_ms, "
      "last_error) VALUES ('nope', 'k', '', 0, 0, 0, '')",
  };
  for (const std::string& sql : bad) EXPECT_FALSE((*db)->Exec(sql).ok()) << sql;
  EXPECT_TRUE((*db)->Exec(payment + "'4242', 'tok_visa', '', 0)").ok());
  EXPECT_TRUE((*db)->Exec(task + "'sea', 'pending', 0, NULL, 6)").ok());
  EXPECT_TRUE((*db)->Exec("UPDATE orders SET payment_token = 'tok_visa'").ok());
}

}  // namespace
}  // namespace aisle::store
