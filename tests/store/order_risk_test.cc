// What fraud screening (issue E) needs of OrderStore, over a real aisle.db:
// migration 10, the client fields and the assessment written with the
// order, the review hold on the checkout's reservations, review decisions
// inside a transition, the review queue, and the card and device reuse
// counts around their time boundary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <functional>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/cart_store.h"
#include "store/inventory_store.h"
#include "store/migrations_internal.h"
#include "store/order_store.h"
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

class OrderRiskTest : public testing::StoreTest {
 protected:
  // Deterministic ids ("id1", "id2", ...) that keep counting across Reopen.
  StoreOptions Options() const override {
    StoreOptions options = StoreTest::Options();
    options.id_generator = [counter = ids_] { return absl::StrCat("id", ++*counter); };
    return options;
  }

  OrderStore& orders() { return *store_->orders(); }
  CartStore& carts() { return *store_->carts(); }
  InventoryStore& inventory() { return *store_->inventory(); }

  // One item of 500 cents.
  static CreateOrderRequest Request(const std::string& user = "u1",
                                    const std::string& fingerprint = "") {
    return CreateOrderRequest{
        .user_id = user,
        .currency = "USD",
        .subtotal_cents = 500,
        .total_cents = 500,
        .shipping = {.country = "US", .latitude = 47.6, .longitude = -122.3},
        .billing_country = "US",
        .items = {{.product_id = "p1", .quantity = 1, .unit_price_cents = 500}},
        .device_fingerprint = fingerprint};
  }

  static RiskRecord PendingRisk(double score = 0.62) {
    return RiskRecord{.score = score,
                      .level = "medium",
                      .action = "review",
                      .details = R"({"factors":["new_device","card_new_to_account"]})",
                      .review_status = kReviewPending};
  }

  absl::StatusOr<CreateOrderResult> Create(CreateOrderRequest request) {
    return orders().CreateOrder(std::move(request)).get();
  }

  std::string MustCreate(CreateOrderRequest request) {
    auto result = Create(std::move(request));
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? result->order.id : "";
  }

  std::optional<RiskRecord> RiskOf(const std::string& order_id) {
    auto risk = orders().GetRisk(order_id);
    EXPECT_TRUE(risk.ok()) << risk.status();
    return risk.ok() ? *risk : std::nullopt;
  }

  Order Get(const std::string& id) {
    auto order = orders().GetOrder(id);
    EXPECT_TRUE(order.ok() && order->has_value()) << id;
    return order.ok() && order->has_value() ? **order : Order{};
  }

  absl::StatusOr<TransitionResult> Decide(const std::string& id, const std::string& from,
                                          const std::string& to, ReviewDecision review) {
    return orders()
        .TransitionOrder(
            {.order_id = id, .expected_from = from, .to = to, .review = std::move(review)})
        .get();
  }

  std::vector<std::string> PendingIds(int64_t limit) {
    auto pending = orders().ListPendingReviews(limit);
    EXPECT_TRUE(pending.ok()) << pending.status();
    std::vector<std::string> ids;
    if (pending.ok()) {
      for (const PendingReview& r : *pending) ids.push_back(r.order.id);
    }
    return ids;
  }

  // A payment of `user`'s order `order_id` with `token` at `at_ms`.
  void Pay(const std::string& order_id, const std::string& token, int64_t at_ms,
           PaymentStatus status = PaymentStatus::kSucceeded) {
    auto paid = orders()
                    .RecordPayment({.order_id = order_id,
                                    .kind = PaymentKind::kAuthorize,
                                    .amount_cents = 500,
                                    .status = status,
                                    .token = token,
                                    .at_ms = at_ms})
                    .get();
    ASSERT_TRUE(paid.ok()) << paid.status();
  }

  CardUsageCounts Cards(const std::string& user, const std::string& token, int64_t since_ms) {
    auto counts = orders().CardUsage(user, token, since_ms);
    EXPECT_TRUE(counts.ok()) << counts.status();
    return counts.ok() ? *counts : CardUsageCounts{-1, -1, -1};
  }

  DeviceUsageCounts Devices(const std::string& user, const std::string& fingerprint,
                            int64_t since_ms) {
    auto counts = orders().DeviceUsage(user, fingerprint, since_ms);
    EXPECT_TRUE(counts.ok()) << counts.status();
    return counts.ok() ? *counts : DeviceUsageCounts{-1, -1};
  }

  // A read-only side connection for what the API does not show.
  std::unique_ptr<internal::Connection> Probe() {
    auto probe = internal::Connection::Open(dir_.Sub("aisle.db"),
                                            internal::Connection::Mode::kReadOnly, 1000);
    EXPECT_TRUE(probe.ok()) << probe.status();
    return probe.ok() ? std::move(*probe) : nullptr;
  }

  std::string QueryText(const std::string& sql) {
    auto probe = Probe();
    if (!probe) return "";
    auto text = probe->QueryText(sql);
    EXPECT_TRUE(text.ok()) << sql << ": " << text.status();
    return text.ok() ? *text : "";
  }

  int64_t CountRows(const std::string& table) {
    const std::string text = QueryText("SELECT count(*) FROM " + table);
    return text.empty() ? -1 : std::stoll(text);
  }

  std::shared_ptr<std::atomic<int>> ids_ = std::make_shared<std::atomic<int>>(0);
};

// --- Migration 10 ------------------------------------------------------------------

TEST_F(OrderRiskTest, AFreshStoreHasTheFraudColumnsTableAndIndexes) {
  EXPECT_EQ(store_->Stats().schema_version, 10);
  EXPECT_EQ(QueryText("SELECT group_concat(name, ',') FROM pragma_table_info('orders') "
                      "WHERE name IN ('device_fingerprint', 'ip_address', 'session_id')"),
            "device_fingerprint,ip_address,session_id");
  EXPECT_EQ(QueryText("SELECT group_concat(name, ',') FROM (SELECT name FROM sqlite_schema "
                      "WHERE name IN ('order_risk', 'order_risk_pending', 'orders_by_fingerprint', "
                      "'payments_by_user_token', 'payments_by_token') ORDER BY name)"),
            "order_risk,order_risk_pending,orders_by_fingerprint,payments_by_token,"
            "payments_by_user_token");
}

TEST_F(OrderRiskTest, ScreeningReadsUseTheirIndexes) {
  store_->Close();
  auto db = Probe();
  ASSERT_NE(db, nullptr);
  const auto plan = [&](const std::string& sql) {
    auto query = db->Prepare("EXPLAIN QUERY PLAN " + sql);
    if (!query.ok()) return std::string(query.status().message());
    std::string text;
    while (true) {
      auto row = query->Step();
      if (!row.ok() || !*row) break;
      text += query->Text(3) + " | ";
    }
    return text;
  };
  // The statements of order_risk_sqlite.cc, parameters bound as literals.
  EXPECT_THAT(plan("SELECT count(DISTINCT token) FROM payments WHERE user_id = 'u' "
                   "AND at_ms >= 0 AND token <> ''"),
              HasSubstr("COVERING INDEX payments_by_user_token"));
  EXPECT_THAT(plan("SELECT count(DISTINCT user_id), coalesce(sum(user_id = 'u'), 0) FROM payments "
                   "WHERE token = 't' AND at_ms >= 0 AND token <> ''"),
              HasSubstr("COVERING INDEX payments_by_token"));
  EXPECT_THAT(plan("SELECT coalesce(sum(user_id = 'u'), 0), count(DISTINCT user_id) FROM orders "
                   "WHERE device_fingerprint = 'f' AND created_at_ms >= 0 "
                   "AND device_fingerprint <> ''"),
              HasSubstr("COVERING INDEX orders_by_fingerprint"));
  const std::string pending = plan(
      "SELECT order_id FROM order_risk WHERE review_status = 'pending' "
      "ORDER BY assessed_at_ms, order_id LIMIT 10");
  EXPECT_THAT(pending, HasSubstr("INDEX order_risk_pending"));
  EXPECT_THAT(pending, Not(HasSubstr("TEMP B-TREE")));  // No sort: the index is the order.
}

// A database an older aisle left at version 9, with an order and a payment.
TEST(OrderRiskMigrationTest, FraudMigrationUpgradesAVersion9DatabaseKeepingItsOrders) {
  ASSERT_GE(internal::AisleMigrations().size(), 10u);
  aisle::testing::TempDir dir;
  const std::string path = dir.Sub("v9.db");
  {
    auto db = internal::Connection::Open(path, internal::Connection::Mode::kReadWrite, 1000);
    ASSERT_TRUE(db.ok()) << db.status();
    ASSERT_TRUE((*db)->Exec("PRAGMA journal_mode = WAL").ok());
    ASSERT_EQ(*internal::ApplyMigrations(**db, internal::AisleMigrations().first(9), 1), 9);
    for (const char* sql : {
             "INSERT INTO orders(id, user_id, cart_id, status, status_reason, currency, "
             "subtotal_cents, total_cents, ship_name, ship_line1, ship_line2, ship_city, "
             "ship_region, ship_postal_code, ship_country, ship_latitude, ship_longitude, "
             "billing_country, created_at_ms, updated_at_ms, payment_token) VALUES ('o9', 'u1', "
             "'', 'delivered', '', 'USD', 500, 500, '', '', '', '', '', '', 'US', NULL, NULL, "
             "'US', 1000, 2000, 'tok_old')",
             "INSERT INTO order_items VALUES ('o9', 1, 'p1', 1, 500, 'Plug')",
             "INSERT INTO order_status_history VALUES ('o9', 1, NULL, 'delivered', '', 1000)",
             "INSERT INTO payments VALUES ('pay9', 'o9', 'u1', 'capture', 500, 'succeeded', '', "
             "'4242', 'tok_old', '', 1500)",
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
  EXPECT_EQ((*store)->Stats().schema_version, static_cast<int>(internal::AisleMigrations().size()));
  OrderStore& orders = *(*store)->orders();
  auto order = orders.GetOrder("o9");
  ASSERT_TRUE(order.ok() && order->has_value()) << order.status();
  EXPECT_EQ((*order)->device_fingerprint, "");
  EXPECT_EQ((*order)->ip_address, "");
  EXPECT_EQ((*order)->session_id, "");
  EXPECT_EQ(*orders.GetRisk("o9"), std::nullopt);
  // The new index covers the old payment; the old order has no device.
  EXPECT_EQ(*orders.CardUsage("u1", "tok_old", 0), (CardUsageCounts{1, 1, 1}));
  EXPECT_EQ(*orders.DeviceUsage("u1", "fp", 0), (DeviceUsageCounts{0, 0}));
  EXPECT_THAT(*orders.ListPendingReviews(10), IsEmpty());
}

// --- Writing the assessment with the order -------------------------------------------

TEST_F(OrderRiskTest, TheAssessmentAndClientFieldsAreWrittenWithTheOrderAndReadBack) {
  const int64_t now = clock_.NowMillis();
  CreateOrderRequest request = Request("u1", "fp-Ω-1");
  request.ip_address = "2001:db8::1";
  request.session_id = "sess-42";
  request.risk = PendingRisk();
  auto created = Create(request);
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string id = created->order.id;
  EXPECT_EQ(created->order.device_fingerprint, "fp-Ω-1");
  EXPECT_EQ(created->order.ip_address, "2001:db8::1");
  EXPECT_EQ(created->order.session_id, "sess-42");
  EXPECT_EQ(Get(id), created->order);

  RiskRecord expected = PendingRisk();
  expected.assessed_at_ms = now;  // 0: the order's creation time.
  EXPECT_EQ(RiskOf(id), expected);

  // A given assessment time is kept; no review needed is a NULL status.
  CreateOrderRequest approved = Request("u2");
  approved.risk = RiskRecord{.score = 0.1,
                             .level = "low",
                             .action = "approve",
                             .details = "{}",
                             .assessed_at_ms = now - 5};
  const std::string approved_id = MustCreate(approved);
  EXPECT_EQ(RiskOf(approved_id), approved.risk);
  EXPECT_EQ(RiskOf(approved_id)->review_status, std::nullopt);

  // An order without an assessment, and an unknown order, have none.
  EXPECT_EQ(RiskOf(MustCreate(Request("u3"))), std::nullopt);
  EXPECT_EQ(RiskOf("unknown"), std::nullopt);
  ExpectInvalid(orders().GetRisk("").status(), "order_id");

  Reopen();
  EXPECT_EQ(RiskOf(id), expected);
  EXPECT_EQ(Get(id).ip_address, "2001:db8::1");
}

TEST_F(OrderRiskTest, AnIdempotentReplayWritesNoSecondAssessment) {
  CreateOrderRequest request = Request();
  request.idempotency_key = "key-1";
  request.request_fingerprint = "fp";
  request.risk = PendingRisk(0.6);
  const std::string id = MustCreate(request);
  request.risk = PendingRisk(0.9);
  auto replay = Create(request);
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_FALSE(replay->created);
  EXPECT_EQ(RiskOf(id)->score, 0.6);
  EXPECT_EQ(CountRows("order_risk"), 1);
}

TEST_F(OrderRiskTest, AnOrderThatFailsToCommitLeavesNoAssessment) {
  CreateOrderRequest request = Request();
  request.cart_id = "no-such-cart";
  request.close_cart = std::vector<CartLineRef>{{"p1", 1, "r1"}};
  request.risk = PendingRisk();
  ExpectReason(Create(request).status(), absl::StatusCode::kNotFound, kCartNotFoundReason);
  // A given order id that is taken: the risk row would be valid, the order not.
  CreateOrderRequest first = Request();
  first.order_id = "o1";
  MustCreate(first);
  CreateOrderRequest again = Request();
  again.order_id = "o1";
  again.risk = PendingRisk();
  EXPECT_FALSE(Create(again).ok());
  EXPECT_EQ(CountRows("orders"), 1);
  EXPECT_EQ(CountRows("order_risk"), 0);
}

TEST_F(OrderRiskTest, BadScreeningInputIsRefusedAndNothingIsWritten) {
  struct Case {
    std::string field;
    std::function<void(CreateOrderRequest&)> spoil;
  };
  const std::string long_text(kMaxClientFieldBytes + 1, 'a');
  const std::vector<Case> cases = {
      {"risk.score", [](auto& r) { r.risk->score = -0.01; }},
      {"risk.score", [](auto& r) { r.risk->score = 1.01; }},
      {"risk.score", [](auto& r) { r.risk->score = std::nan(""); }},
      {"risk.score", [](auto& r) { r.risk->score = std::numeric_limits<double>::infinity(); }},
      {"risk.level", [](auto& r) { r.risk->level = ""; }},
      {"risk.level", [](auto& r) { r.risk->level = "High"; }},
      {"risk.action", [](auto& r) { r.risk->action = "block everything"; }},
      {"risk.details", [](auto& r) { r.risk->details = R"({"card":"4111 1111 1111 1111"})"; }},
      // The price of the card-number rule: a double at full precision.
      {"risk.details", [](auto& r) { r.risk->details = R"({"score":0.30000000000000004})"; }},
      {"risk.details", [](auto& r) { r.risk->details = "\xff"; }},
      {"risk.details",
       [](auto& r) { r.risk->details = std::string(kMaxRiskDetailsBytes + 1, ' '); }},
      {"risk.assessed_at_ms", [](auto& r) { r.risk->assessed_at_ms = -1; }},
      {"risk.review_status", [](auto& r) { r.risk->review_status = kReviewApproved; }},
      {"risk.reviewed_at_ms", [](auto& r) { r.risk->reviewed_at_ms = 5; }},
      {"risk.review_note", [](auto& r) { r.risk->review_note = "ok"; }},
      {"device_fingerprint", [&](auto& r) { r.device_fingerprint = long_text; }},
      {"ip_address", [](auto& r) { r.ip_address = "\xc3"; }},
      {"session_id", [&](auto& r) { r.session_id = long_text; }},
      // A review hold needs the checkout's reservations, in (now, now + max ttl].
      {"hold_reservations_until_ms",
       [](auto& r) { r.hold_reservations_until_ms = 1'700'000'000'000 + kMinute; }},
  };
  for (const Case& c : cases) {
    CreateOrderRequest request = Request();
    request.risk = PendingRisk();
    c.spoil(request);
    const absl::Status status = Create(request).status();
    ExpectInvalid(status, c.field);
    EXPECT_THAT(std::string(status.message()), Not(HasSubstr("4111"))) << c.field;
  }
  EXPECT_EQ(CountRows("orders"), 0);
  EXPECT_EQ(CountRows("order_risk"), 0);
  // The bounds themselves are accepted.
  for (const double score : {0.0, 1.0}) {
    CreateOrderRequest request = Request();
    request.risk = PendingRisk(score);
    request.device_fingerprint = std::string(kMaxClientFieldBytes, 'f');
    MustCreate(request);
  }
  EXPECT_EQ(CountRows("order_risk"), 2);
}

// --- The review hold ----------------------------------------------------------------

class ReviewHoldTest : public OrderRiskTest {
 protected:
  void SetUp() override {
    OrderRiskTest::SetUp();
    ASSERT_TRUE(
        inventory().UpsertWarehouses({{"sea", "Seattle", 47.6, -122.3, "us-west"}}).get().ok());
    for (const char* product : {"p1", "p2", "p3"}) {
      ASSERT_TRUE(inventory().SetStock(product, "sea", 10).get().ok());
    }
  }

  std::string NewCart() {
    auto cart = carts().CreateCart("u1", 0).get();
    EXPECT_TRUE(cart.ok()) << cart.status();
    return cart.ok() ? cart->cart.id : "";
  }

  CartLineRef Hold(const std::string& cart_id, const std::string& product, int64_t ttl_ms) {
    auto written = carts()
                       .WriteLine({.cart_id = cart_id,
                                   .line = {.product_id = product,
                                            .quantity = 2,
                                            .unit_price_minor = 500,
                                            .original_price_minor = 500},
                                   .hold = HoldChange::kHold,
                                   .terms = {.user_id = "u1", .ttl_ms = ttl_ms}})
                       .get();
    EXPECT_TRUE(written.ok() && written->reservation) << written.status();
    if (!written.ok() || !written->reservation) return {};
    return {product, 2, written->reservation->id};
  }

  Reservation ReservationOf(const CartLineRef& line) {
    auto r = inventory().GetReservation(line.reservation_id, 0);
    EXPECT_TRUE(r.ok() && r->has_value()) << line.reservation_id;
    return r.ok() && r->has_value() ? **r : Reservation{};
  }

  int64_t Available(const std::string& product) {
    auto stock = inventory().GetStock(product, 0);
    EXPECT_TRUE(stock.ok()) << stock.status();
    return stock.ok() ? stock->available : -1;
  }

  static CreateOrderRequest Checkout(const std::string& cart_id, std::vector<CartLineRef> lines) {
    CreateOrderRequest request = Request();
    request.cart_id = cart_id;
    request.close_cart = std::move(lines);
    request.risk = PendingRisk();
    return request;
  }
};

TEST_F(ReviewHoldTest, TheHoldExtendsLiveReservationsAndNeverShortensOrRevivesOne) {
  const int64_t t0 = clock_.NowMillis();
  const std::string cart = NewCart();
  const CartLineRef normal = Hold(cart, "p1", 15 * kMinute);
  const CartLineRef short_lived = Hold(cart, "p2", kMinute);
  const CartLineRef long_lived = Hold(cart, "p3", 120 * kMinute);
  clock_.Advance(2 * kMinute);  // short_lived is expired (not yet swept).
  const int64_t now = clock_.NowMillis();
  const int64_t until = now + 60 * kMinute;

  CreateOrderRequest request = Checkout(cart, {normal, short_lived, long_lived});
  request.hold_reservations_until_ms = until;
  MustCreate(request);

  const Reservation held = ReservationOf(normal);
  EXPECT_EQ(held.status, ReservationStatus::kActive);
  EXPECT_EQ(held.expires_at_ms, until);
  EXPECT_EQ(held.extensions, 0);  // Not the shopper's extension.
  EXPECT_EQ(ReservationOf(short_lived).expires_at_ms, t0 + kMinute);
  EXPECT_EQ(ReservationOf(long_lived).expires_at_ms, t0 + 120 * kMinute);

  // Past the original 15 minutes the sweeper leaves the held units alone.
  clock_.Advance(30 * kMinute);
  ASSERT_TRUE(inventory().ExpireDue(0, 100).get().ok());
  EXPECT_EQ(ReservationOf(normal).status, ReservationStatus::kActive);
  EXPECT_EQ(ReservationOf(short_lived).status, ReservationStatus::kExpired);
  EXPECT_EQ(Available("p1"), 8);
  EXPECT_EQ(Available("p2"), 10);
}

TEST_F(ReviewHoldTest, TheHoldIsPartOfTheOrdersCommit) {
  const std::string cart = NewCart();
  const CartLineRef p1 = Hold(cart, "p1", 15 * kMinute);
  const int64_t original = ReservationOf(p1).expires_at_ms;
  const int64_t until = clock_.NowMillis() + 60 * kMinute;
  // The cart changed since it was read: no order, no hold.
  CreateOrderRequest stale = Checkout(cart, {{"p1", 3, p1.reservation_id}});
  stale.hold_reservations_until_ms = until;
  ExpectReason(Create(stale).status(), absl::StatusCode::kFailedPrecondition, kCartChangedReason);
  EXPECT_EQ(ReservationOf(p1).expires_at_ms, original);
  EXPECT_EQ(CountRows("order_risk"), 0);
  // Bounds: at most kMaxReservationTtlMs ahead, and in the future.
  CreateOrderRequest too_long = Checkout(cart, {p1});
  too_long.hold_reservations_until_ms = clock_.NowMillis() + kMaxReservationTtlMs + 1;
  ExpectInvalid(Create(too_long).status(), "hold_reservations_until_ms");
  CreateOrderRequest past = Checkout(cart, {p1});
  past.hold_reservations_until_ms = clock_.NowMillis();
  ExpectInvalid(Create(past).status(), "hold_reservations_until_ms");
  EXPECT_EQ(ReservationOf(p1).expires_at_ms, original);
  CreateOrderRequest longest = Checkout(cart, {p1});
  longest.hold_reservations_until_ms = clock_.NowMillis() + kMaxReservationTtlMs;
  MustCreate(longest);
  EXPECT_EQ(ReservationOf(p1).expires_at_ms, clock_.NowMillis() + kMaxReservationTtlMs);
}

TEST_F(ReviewHoldTest, AReopenedCartsHoldsShrinkBackToTheShoppersFifteenMinutes) {
  const std::string cart = NewCart();
  const CartLineRef p1 = Hold(cart, "p1", 15 * kMinute);
  CreateOrderRequest request = Checkout(cart, {p1});
  request.hold_reservations_until_ms = clock_.NowMillis() + 7 * 24 * 60 * kMinute;
  const std::string id = MustCreate(request);
  clock_.Advance(60 * kMinute);  // Approved an hour later, then the card was declined.
  ASSERT_TRUE(orders()
                  .TransitionOrder({.order_id = id,
                                    .expected_from = "pending",
                                    .to = "cancelled",
                                    .reason = "payment_failed",
                                    .reopen_cart = true})
                  .get()
                  .ok());
  auto reopened = carts().GetCart(cart, 0);
  ASSERT_TRUE(reopened.ok() && reopened->has_value());
  EXPECT_EQ((*reopened)->cart.status, CartStatus::kActive);
  const Reservation held = ReservationOf(p1);
  EXPECT_EQ(held.status, ReservationStatus::kActive);
  EXPECT_EQ(held.expires_at_ms, clock_.NowMillis() + kDefaultReservationTtlMs);
}

// --- Review decisions ----------------------------------------------------------------

TEST_F(OrderRiskTest, AReviewDecisionIsRecordedInTheTransitionsCommitOnce) {
  CreateOrderRequest request = Request();
  request.status = "on_hold";
  request.risk = PendingRisk();
  const std::string id = MustCreate(request);
  const RiskRecord before = *RiskOf(id);
  clock_.Advance(kMinute);
  const int64_t at = clock_.NowMillis();

  auto approved = Decide(id, "on_hold", "payment_processing", {kReviewApproved, "known customer"});
  ASSERT_TRUE(approved.ok()) << approved.status();
  RiskRecord expected = before;
  expected.review_status = kReviewApproved;
  expected.reviewed_at_ms = at;
  expected.review_note = "known customer";
  EXPECT_EQ(approved->risk, expected);
  EXPECT_EQ(RiskOf(id), expected);
  EXPECT_EQ(Get(id).status, "payment_processing");

  // A second decision, even with the order's current status, is refused and
  // writes nothing (no history row, no status change).
  const Order order = Get(id);
  ExpectReason(Decide(id, "payment_processing", "cancelled", {kReviewRejected, ""}).status(),
               absl::StatusCode::kFailedPrecondition, kReviewNotPendingReason);
  EXPECT_EQ(Get(id), order);
  EXPECT_EQ(RiskOf(id), expected);
  // A racing decision that saw the old status loses the compare-and-set.
  ExpectReason(Decide(id, "on_hold", "cancelled", {kReviewRejected, ""}).status(),
               absl::StatusCode::kFailedPrecondition, kStatusChangedReason);
  EXPECT_EQ(RiskOf(id), expected);
}

TEST_F(OrderRiskTest, ARejectionIsRecordedAndAnOrderWithoutAPendingReviewIsRefused) {
  CreateOrderRequest held = Request();
  held.status = "on_hold";
  held.risk = PendingRisk();
  const std::string id = MustCreate(held);
  auto rejected = Decide(id, "on_hold", "cancelled", {kReviewRejected, "stolen card"});
  ASSERT_TRUE(rejected.ok()) << rejected.status();
  EXPECT_EQ(RiskOf(id)->review_status, std::optional<std::string>(kReviewRejected));
  EXPECT_EQ(RiskOf(id)->review_note, "stolen card");

  CreateOrderRequest unscreened = Request();
  unscreened.status = "on_hold";
  const std::string no_risk = MustCreate(unscreened);
  ExpectReason(Decide(no_risk, "on_hold", "cancelled", {kReviewRejected, ""}).status(),
               absl::StatusCode::kNotFound, kRiskNotFoundReason);
  EXPECT_EQ(Get(no_risk).status, "on_hold");

  CreateOrderRequest approved = Request();
  approved.status = "on_hold";
  approved.risk = PendingRisk(0.1);
  approved.risk->review_status = std::nullopt;  // No review was needed.
  const std::string not_needed = MustCreate(approved);
  ExpectReason(Decide(not_needed, "on_hold", "cancelled", {kReviewRejected, ""}).status(),
               absl::StatusCode::kFailedPrecondition, kReviewNotPendingReason);
  EXPECT_EQ(Get(not_needed).status, "on_hold");
  EXPECT_EQ(RiskOf(not_needed)->review_status, std::nullopt);
}

TEST_F(OrderRiskTest, AFailingPartOfTheTransitionRollsBackTheDecision) {
  CreateOrderRequest request = Request();
  request.status = "on_hold";
  request.risk = PendingRisk();
  const std::string id = MustCreate(request);
  auto failed = orders()
                    .TransitionOrder({.order_id = id,
                                      .expected_from = "on_hold",
                                      .to = "cancelled",
                                      .release_reservations = {"no-such-reservation"},
                                      .review = ReviewDecision{kReviewRejected, ""}})
                    .get();
  ExpectReason(failed.status(), absl::StatusCode::kNotFound, kReservationNotFoundReason);
  EXPECT_EQ(RiskOf(id)->review_status, std::optional<std::string>(kReviewPending));
  EXPECT_EQ(Get(id).status, "on_hold");
}

TEST_F(OrderRiskTest, BadReviewDecisionsAreRefused) {
  CreateOrderRequest request = Request();
  request.status = "on_hold";
  request.risk = PendingRisk();
  const std::string id = MustCreate(request);
  ExpectInvalid(Decide(id, "on_hold", "x", {"pending", ""}).status(), "review.status");
  ExpectInvalid(Decide(id, "on_hold", "x", {"", ""}).status(), "review.status");
  const absl::Status card =
      Decide(id, "on_hold", "x", {kReviewRejected, "4111-1111-1111-1111"}).status();
  ExpectInvalid(card, "review.note");
  EXPECT_THAT(std::string(card.message()), Not(HasSubstr("4111")));
  ExpectInvalid(
      Decide(id, "on_hold", "x", {kReviewRejected, std::string(kMaxReviewNoteBytes + 1, 'n')})
          .status(),
      "review.note");
  EXPECT_EQ(RiskOf(id)->review_status, std::optional<std::string>(kReviewPending));
  EXPECT_EQ(Get(id).status, "on_hold");
}

// --- The review queue ----------------------------------------------------------------

TEST_F(OrderRiskTest, PendingReviewsAreListedOldestAssessmentFirstUpToTheLimit) {
  const int64_t t0 = clock_.NowMillis();
  const auto create = [&](const std::string& id, int64_t assessed_at,
                          std::optional<std::string> review) {
    CreateOrderRequest request = Request();
    request.order_id = id;
    request.status = "on_hold";
    request.risk = PendingRisk();
    request.risk->assessed_at_ms = assessed_at;
    request.risk->review_status = std::move(review);
    MustCreate(request);
  };
  create("late", t0 + 30, kReviewPending);
  create("b-early", t0 + 10, kReviewPending);
  create("a-early", t0 + 10, kReviewPending);  // Same time: by order id.
  create("no-review", t0, std::nullopt);
  create("decided", t0 + 1, kReviewPending);
  ASSERT_TRUE(Decide("decided", "on_hold", "cancelled", {kReviewRejected, ""}).ok());
  MustCreate(Request());  // Never screened.

  EXPECT_THAT(PendingIds(100), ElementsAre("a-early", "b-early", "late"));
  EXPECT_THAT(PendingIds(2), ElementsAre("a-early", "b-early"));
  EXPECT_THAT(PendingIds(1), ElementsAre("a-early"));

  auto pending = orders().ListPendingReviews(1);
  ASSERT_TRUE(pending.ok()) << pending.status();
  ASSERT_THAT(*pending, SizeIs(1));
  EXPECT_EQ((*pending)[0].order, Get("a-early"));  // Items and history included.
  EXPECT_THAT((*pending)[0].order.items, SizeIs(1));
  EXPECT_EQ((*pending)[0].risk, RiskOf("a-early"));

  ASSERT_TRUE(Decide("a-early", "on_hold", "payment_processing", {kReviewApproved, ""}).ok());
  EXPECT_THAT(PendingIds(100), ElementsAre("b-early", "late"));
  ExpectInvalid(orders().ListPendingReviews(0).status(), "limit");
  ExpectInvalid(orders().ListPendingReviews(kMaxListLimit + 1).status(), "limit");
}

// --- Reuse counts -------------------------------------------------------------------

TEST_F(OrderRiskTest, CardUsageCountsDistinctCardsAndUsersAtOrAfterSince) {
  const int64_t t0 = clock_.NowMillis();
  const std::string a1 = MustCreate(Request("u1"));
  const std::string b1 = MustCreate(Request("u2"));
  Pay(a1, "tok_a", t0);
  Pay(a1, "tok_b", t0 + 10, PaymentStatus::kFailed);  // A declined card still counts.
  Pay(b1, "tok_a", t0 + 20);
  Pay(a1, "tok_a", t0 + 30);
  Pay(a1, "", t0 + 40);  // No token: never a card of anyone.

  EXPECT_EQ(Cards("u1", "tok_a", t0), (CardUsageCounts{2, 2, 2}));
  EXPECT_EQ(Cards("u1", "tok_a", t0 + 1), (CardUsageCounts{2, 2, 1}));
  EXPECT_EQ(Cards("u1", "tok_a", t0 + 10), (CardUsageCounts{2, 2, 1}));
  EXPECT_EQ(Cards("u1", "tok_a", t0 + 11), (CardUsageCounts{1, 2, 1}));
  EXPECT_EQ(Cards("u1", "tok_a", t0 + 21), (CardUsageCounts{1, 1, 1}));
  EXPECT_EQ(Cards("u1", "tok_a", t0 + 30), (CardUsageCounts{1, 1, 1}));
  EXPECT_EQ(Cards("u1", "tok_a", t0 + 31), (CardUsageCounts{0, 0, 0}));
  // Per user and per token.
  EXPECT_EQ(Cards("u2", "tok_a", t0), (CardUsageCounts{1, 2, 1}));
  EXPECT_EQ(Cards("u2", "tok_b", t0), (CardUsageCounts{1, 1, 0}));  // New to u2.
  EXPECT_EQ(Cards("u3", "tok_a", t0), (CardUsageCounts{0, 2, 0}));
  EXPECT_EQ(Cards("u1", "tok_new", t0), (CardUsageCounts{2, 0, 0}));
  EXPECT_EQ(Cards("u1", "", t0), (CardUsageCounts{2, 0, 0}));

  ExpectInvalid(orders().CardUsage("", "tok_a", 0).status(), "user_id");
  ExpectInvalid(orders().CardUsage("u1", "\xff", 0).status(), "token");
  ExpectInvalid(orders().CardUsage("u1", "tok_a", -1).status(), "since_ms");
}

TEST_F(OrderRiskTest, DeviceUsageCountsOrdersAndDistinctUsersAtOrAfterSince) {
  const int64_t t0 = clock_.NowMillis();
  MustCreate(Request("u1", "fp-1"));  // t0.
  clock_.Advance(10);
  MustCreate(Request("u2", "fp-1"));  // t0 + 10.
  MustCreate(Request("u1", "fp-2"));
  clock_.Advance(10);
  MustCreate(Request("u1", "fp-1"));  // t0 + 20.
  MustCreate(Request("u3", ""));      // No device: counted nowhere.

  EXPECT_EQ(Devices("u1", "fp-1", t0), (DeviceUsageCounts{2, 2}));
  EXPECT_EQ(Devices("u1", "fp-1", t0 + 1), (DeviceUsageCounts{1, 2}));
  EXPECT_EQ(Devices("u1", "fp-1", t0 + 10), (DeviceUsageCounts{1, 2}));
  EXPECT_EQ(Devices("u1", "fp-1", t0 + 11), (DeviceUsageCounts{1, 1}));
  EXPECT_EQ(Devices("u1", "fp-1", t0 + 21), (DeviceUsageCounts{0, 0}));
  EXPECT_EQ(Devices("u2", "fp-1", t0), (DeviceUsageCounts{1, 2}));
  EXPECT_EQ(Devices("u2", "fp-2", t0), (DeviceUsageCounts{0, 1}));  // New to u2.
  EXPECT_EQ(Devices("u3", "", t0), (DeviceUsageCounts{0, 0}));
  EXPECT_EQ(Devices("u1", "fp-unknown", 0), (DeviceUsageCounts{0, 0}));

  ExpectInvalid(orders().DeviceUsage("", "fp-1", 0).status(), "user_id");
  ExpectInvalid(orders().DeviceUsage("u1", "fp-1", -1).status(), "since_ms");
}

TEST_F(OrderRiskTest, SchemaRejectsRiskRowsOutsideTheInvariants) {
  const std::string id = MustCreate(Request());
  store_->Close();
  auto db = internal::Connection::Open(dir_.Sub("aisle.db"), internal::Connection::Mode::kReadWrite,
                                       1000);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->Exec("PRAGMA foreign_keys = ON").ok());
  const std::string insert = "INSERT INTO order_risk VALUES ('" + id + "', ";
  const std::string bad[] = {
      insert + "1.5, 'high', 'block', '{}', 0, NULL, NULL, '')",
      insert + "0.5, '', 'review', '{}', 0, 'pending', NULL, '')",
      insert + "0.5, 'medium', 'review', '4111111111111111', 0, 'pending', NULL, '')",
      insert + "0.5, 'medium', 'review', '{}', 0, 'maybe', NULL, '')",
      insert + "0.5, 'medium', 'review', '{}', 0, 'pending', 5, '')",      // Undecided, reviewed.
      insert + "0.5, 'medium', 'review', '{}', 0, 'approved', NULL, '')",  // Decided, no time.
      insert + "0.5, 'medium', 'review', '{}', 0, NULL, 5, '')",
      "INSERT INTO order_risk VALUES ('nope', 0.5, 'low', 'approve', '{}', 0, NULL, NULL, '')",
  };
  for (const std::string& sql : bad) EXPECT_FALSE((*db)->Exec(sql).ok()) << sql;
  EXPECT_TRUE((*db)->Exec(insert + "0.5, 'medium', 'review', '{}', 0, 'approved', 5, 'ok')").ok());
}

TEST_F(OrderRiskTest, CustomerHistoryCountsOnlyOrdersThatReachedTheStatus) {
  // Placed: USD 500 at Seattle, EUR 700 without coordinates; not placed: one.
  const std::string first = MustCreate(Request("u1"));
  CreateOrderRequest euro = Request("u1");
  euro.currency = "EUR";
  euro.subtotal_cents = euro.total_cents = 700;
  euro.items[0].unit_price_cents = 700;
  euro.shipping.latitude.reset();
  euro.shipping.longitude.reset();
  const std::string second = MustCreate(euro);
  MustCreate(Request("u1"));  // Stays pending.
  MustCreate(Request("u2"));  // Someone else's.
  for (const std::string& id : {first, second}) {
    ASSERT_TRUE(orders()
                    .TransitionOrder({.order_id = id, .expected_from = "pending", .to = "preparing"})
                    .get()
                    .ok());
  }
  auto history = orders().CustomerHistoryOf("u1", "USD", "preparing", 50);
  ASSERT_TRUE(history.ok()) << history.status();
  EXPECT_EQ(history->placed_orders, 2);
  EXPECT_EQ(history->orders_in_currency, 1);
  EXPECT_EQ(history->total_cents_in_currency, 500);
  ASSERT_TRUE(history->mean_latitude.has_value());
  EXPECT_DOUBLE_EQ(*history->mean_latitude, 47.6);
  EXPECT_DOUBLE_EQ(*history->mean_longitude, -122.3);
  // The limit keeps the newest orders only; a stranger has nothing.
  EXPECT_EQ(orders().CustomerHistoryOf("u1", "USD", "preparing", 1)->placed_orders, 1);
  auto none = orders().CustomerHistoryOf("nobody", "USD", "preparing", 50);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, CustomerHistory{});
  EXPECT_EQ(orders().CustomerHistoryOf("u1", "USD", "preparing", 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aisle::store
