// OrderService over a real SQLite store, the real inventory and cart
// services, the sandbox payment gateway (behind a wrapper that counts calls
// and can lose answers) and a fake clock: checkout's happy path and its
// failures (declined card, gateway timeout, stock that vanished), idempotent
// and racing retries, the operator transitions, fulfillment completion and
// the recovery of interrupted checkouts.
#include "commerce/order_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "commerce/cart_service.h"
#include "commerce/inventory_service.h"
#include "commerce/order_state.h"
#include "commerce/payment_gateway.h"
#include "commerce/quote_book.h"
#include "store/store.h"
#include "tests/commerce/checkout_fixture.h"
#include "tests/testing/test_util.h"
#include "tests/testing/status_expect.h"

namespace aisle::commerce {
namespace {

using ::aisle::testing::ExpectReason;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;
using ::testing::StartsWith;

constexpr int64_t kMinute = 60'000;

// The to_status of every history row, in order.
std::vector<std::string> Steps(const store::Order& order) {
  std::vector<std::string> steps;
  for (const store::StatusChange& change : order.history) steps.push_back(change.to_status);
  return steps;
}

std::vector<std::string> Kinds(const std::vector<store::OutboxEntry>& outbox) {
  std::vector<std::string> kinds;
  for (const store::OutboxEntry& entry : outbox) kinds.push_back(entry.kind);
  return kinds;
}

// Delegates to the sandbox; counts the calls and, on demand, loses the
// answers of charges that did happen (as a timeout after the gateway moved
// the money) or fails refunds before they reach the gateway.
class ScriptedGateway final : public PaymentGateway {
 public:
  explicit ScriptedGateway(SandboxGateway* real) : real_(real) {}

  absl::StatusOr<PaymentOutcome> Charge(const ChargeRequest& request) override {
    charges.fetch_add(1);
    absl::StatusOr<PaymentOutcome> outcome = real_->Charge(request);
    if (lost_charge_answers.fetch_sub(1) > 0) return absl::UnavailableError("answer lost");
    lost_charge_answers.fetch_add(1);
    return outcome;
  }

  absl::StatusOr<PaymentOutcome> Refund(const std::string& idempotency_key,
                                        const std::string& gateway_ref,
                                        int64_t amount_cents) override {
    refunds.fetch_add(1);
    if (fail_refunds.load()) return absl::UnavailableError("gateway down");
    return real_->Refund(idempotency_key, gateway_ref, amount_cents);
  }

  std::atomic<int> charges{0};
  std::atomic<int> refunds{0};
  std::atomic<int> lost_charge_answers{0};
  std::atomic<bool> fail_refunds{false};

 private:
  SandboxGateway* real_;
};

// Warehouses in Seattle, Denver and New York; orders ship to Seattle, so the
// closest is sea, then den, then nyc. Catalog: p1 $19.99, p2 $499.00,
// p3 $5.00. Stock: p1 sea 2, den 5, nyc 5; p2 sea 1, nyc 3; p3 nyc 4.
class OrderServiceTest : public CheckoutFixture {
 protected:
  void SetUp() override {
    ASSERT_NO_FATAL_FAILURE(OpenCheckout([this](const auto& available) {
      std::lock_guard lock(mu_);
      for (const auto& [id, units] : available) published_[id] = units;
    }));
    service_ = std::make_unique<OrderService>(clock_, store_->orders(), inventory_.get(),
                                              carts_.get(), &gateway_);
    AddProduct("p1", 19.99, "Cable");
    AddProduct("p2", 499.00, "Television");
    AddProduct("p3", 5.00, "Plug");
    SetStock("p1", {{"sea", 2}, {"den", 5}, {"nyc", 5}});
    SetStock("p2", {{"sea", 1}, {"nyc", 3}});
    SetStock("p3", {{"nyc", 4}});
  }

  std::optional<int64_t> Published(const std::string& product) {
    std::lock_guard lock(mu_);
    auto it = published_.find(product);
    if (it == published_.end()) return std::nullopt;
    return it->second;
  }

  void ForgetPublished() {
    std::lock_guard lock(mu_);
    published_.clear();
  }

  store::ReservationStatus ReservationStatusOf(const std::string& id) {
    auto r = inventory_->GetReservation(id);
    EXPECT_TRUE(r.ok() && r->has_value()) << id;
    return r.ok() && r->has_value() ? (*r)->status : store::ReservationStatus::kExpired;
  }

  static PlaceOrderRequest Request(const std::string& user, const std::string& cart_id,
                                   const std::string& token = "tok_visa",
                                   const std::string& key = "") {
    return PlaceOrderRequest{.user_id = user,
                             .cart_id = cart_id,
                             .idempotency_key = key,
                             .payment_token = token,
                             .shipping = Seattle(),
                             .billing_country = "US"};
  }

  // A checkout that must succeed; its order (preparing).
  store::Order MustPlace(const std::string& user,
                         const std::vector<std::pair<std::string, int64_t>>& lines) {
    const CartView cart = FilledCart(user, lines);
    auto placed = service_->PlaceOrder(Request(user, cart.cart.id));
    EXPECT_TRUE(placed.ok()) << placed.status();
    if (!placed.ok()) return {};
    EXPECT_TRUE(placed->failure.ok()) << placed->failure;
    EXPECT_EQ(placed->order.status, "preparing");
    return placed->order;
  }

  std::vector<store::FulfillmentTask> Tasks(const std::string& order_id) {
    auto tasks = service_->FulfillmentTasks(order_id);
    EXPECT_TRUE(tasks.ok()) << tasks.status();
    return tasks.ok() ? *tasks : std::vector<store::FulfillmentTask>{};
  }

  std::vector<store::OutboxEntry> Outbox(const std::string& order_id) {
    auto outbox = store_->orders()->ListOrderOutbox(order_id);
    EXPECT_TRUE(outbox.ok()) << outbox.status();
    return outbox.ok() ? *outbox : std::vector<store::OutboxEntry>{};
  }

  // What a crash right after processOrder's capture commit leaves: an order
  // in payment_confirmed with its capture recorded (and charged at the
  // gateway), the cart ordered and its holds still active. Built through
  // the store, as the service would have.
  store::Order CrashedAfterCapture(const std::string& user,
                                   const std::vector<std::pair<std::string, int64_t>>& lines) {
    const CartView cart = FilledCart(user, lines);
    std::vector<store::CartLineRef> refs;
    std::vector<store::OrderItem> items;
    for (const CartLineView& line : cart.lines) {
      refs.push_back({.product_id = line.product_id,
                      .quantity = line.quantity,
                      .reservation_id = line.reservation_id});
      items.push_back({.product_id = line.product_id,
                       .quantity = line.quantity,
                       .unit_price_cents = line.unit_price_minor,
                       .title = line.title});
    }
    auto created = store_->orders()
                       ->CreateOrder({.user_id = user,
                                      .cart_id = cart.cart.id,
                                      .currency = "USD",
                                      .subtotal_cents = cart.subtotal_minor,
                                      .total_cents = cart.subtotal_minor,
                                      .shipping = Seattle(),
                                      .items = items,
                                      .then_statuses = {"payment_processing"},
                                      .payment_token = "tok_visa",
                                      .close_cart = refs})
                       .get();
    EXPECT_TRUE(created.ok()) << created.status();
    if (!created.ok()) return {};
    const store::Order& order = created->order;
    auto charge = sandbox_.Charge({.idempotency_key = absl::StrCat(order.id, ":capture"),
                                   .token = "tok_visa",
                                   .amount_cents = order.total_cents,
                                   .currency = "USD"});
    EXPECT_TRUE(charge.ok() && charge->approved);
    auto confirmed = store_->orders()
                         ->TransitionOrder({.order_id = order.id,
                                            .expected_from = "payment_processing",
                                            .to = "payment_confirmed",
                                            .payment = store::Payment{
                                                .kind = store::PaymentKind::kCapture,
                                                .amount_cents = order.total_cents,
                                                .gateway_ref = charge.ok() ? charge->gateway_ref : "",
                                                .card_last4 = "4242",
                                                .token = "tok_visa"}})
                         .get();
    EXPECT_TRUE(confirmed.ok()) << confirmed.status();
    return Order(order.id);
  }

  std::map<std::string, int64_t> published_;  // Guarded by mu_.
  SandboxGateway sandbox_;
  ScriptedGateway gateway_{&sandbox_};
};

// --- Checkout ------------------------------------------------------------------------

TEST_F(OrderServiceTest, CheckoutChargesAllocatesClosestFirstAndPreparesTheOrder) {
  // p1 x3: sea has 2, so the third unit comes from den (closer than nyc).
  // p2 is the pricier line, allocated first.
  const CartView cart = FilledCart("u1", {{"p1", 3}, {"p2", 1}});
  ASSERT_THAT(cart.lines, SizeIs(2));
  const int64_t now = clock_.NowMillis();
  auto placed = service_->PlaceOrder(Request("u1", cart.cart.id));
  ASSERT_TRUE(placed.ok()) << placed.status();
  EXPECT_TRUE(placed->failure.ok()) << placed->failure;
  EXPECT_FALSE(placed->replayed);
  const store::Order& order = placed->order;
  EXPECT_EQ(order.status, "preparing");
  EXPECT_EQ(order.user_id, "u1");
  EXPECT_EQ(order.cart_id, cart.cart.id);
  EXPECT_EQ(order.currency, "USD");
  EXPECT_EQ(order.subtotal_cents, 3 * 1999 + 49900);
  EXPECT_EQ(order.total_cents, 3 * 1999 + 49900);
  EXPECT_EQ(order.payment_token, "tok_visa");
  EXPECT_EQ(order.shipping, Seattle());
  EXPECT_THAT(order.items, ElementsAre(store::OrderItem{1, "p1", 3, 1999, "Cable"},
                                       store::OrderItem{2, "p2", 1, 49900, "Television"}));
  EXPECT_THAT(Steps(order), ElementsAre("pending", "payment_processing", "payment_confirmed",
                                        "inventory_allocated", "preparing"));
  for (size_t i = 1; i < order.history.size(); ++i) {
    EXPECT_EQ(order.history[i].from_status, order.history[i - 1].to_status);
    EXPECT_EQ(order.history[i].at_ms, now);
  }
  EXPECT_EQ(Order(order.id), order);  // What the call returned is what is stored.

  const auto payments = Payments(order.id);
  ASSERT_THAT(payments, SizeIs(1));
  EXPECT_EQ(payments[0].kind, store::PaymentKind::kCapture);
  EXPECT_EQ(payments[0].status, store::PaymentStatus::kSucceeded);
  EXPECT_EQ(payments[0].amount_cents, order.total_cents);
  EXPECT_EQ(payments[0].card_last4, "4242");
  EXPECT_EQ(payments[0].token, "tok_visa");
  EXPECT_THAT(payments[0].gateway_ref, Not(IsEmpty()));
  EXPECT_EQ(sandbox_.money_movements(), 1);
  EXPECT_EQ(sandbox_.net_charged_cents(), order.total_cents);
  EXPECT_EQ(gateway_.charges.load(), 1);

  // Stock: closest warehouse first, split when it runs short.
  EXPECT_EQ(OnHand("p1", "sea"), 0);
  EXPECT_EQ(OnHand("p1", "den"), 4);
  EXPECT_EQ(OnHand("p1", "nyc"), 5);
  EXPECT_EQ(OnHand("p2", "sea"), 0);
  EXPECT_EQ(OnHand("p2", "nyc"), 3);
  EXPECT_EQ(Available("p1"), 9);  // The holds became decrements one for one.
  for (const CartLineView& line : cart.lines) {
    EXPECT_EQ(ReservationStatusOf(line.reservation_id), store::ReservationStatus::kCommitted);
  }

  // One task per warehouse (listed by warehouse id); within a task the
  // pricier line, allocated first, comes first.
  const auto tasks = Tasks(order.id);
  ASSERT_THAT(tasks, SizeIs(2));
  EXPECT_EQ(tasks[0].warehouse_id, "den");
  EXPECT_THAT(tasks[0].items, ElementsAre(store::FulfillmentItem{"p1", 1}));
  EXPECT_EQ(tasks[1].warehouse_id, "sea");
  EXPECT_THAT(tasks[1].items,
              ElementsAre(store::FulfillmentItem{"p2", 1}, store::FulfillmentItem{"p1", 2}));
  for (const auto& task : tasks) EXPECT_EQ(task.status, store::FulfillmentStatus::kPending);

  const auto outbox = Outbox(order.id);
  ASSERT_THAT(Kinds(outbox), ElementsAre("order.confirmed"));
  EXPECT_THAT(outbox[0].payload, HasSubstr(absl::StrCat("\"orderId\":\"", order.id, "\"")));
  EXPECT_THAT(outbox[0].payload, HasSubstr("\"status\":\"preparing\""));
  EXPECT_THAT(outbox[0].payload, HasSubstr(absl::StrCat("\"totalCents\":", order.total_cents)));

  EXPECT_EQ(CartOf(cart.cart.id).cart.status, store::CartStatus::kOrdered);
  // The shopper starts a new cart.
  bool created = false;
  ASSERT_TRUE(carts_->CreateCart("u1", &created).ok());
  EXPECT_TRUE(created);
}

TEST_F(OrderServiceTest, AnAnonymousCartIsCheckedOutByTheUserPlacingTheOrder) {
  const CartView cart = FilledCart("", {{"p3", 2}});
  auto placed = service_->PlaceOrder(Request("u1", cart.cart.id));
  ASSERT_TRUE(placed.ok()) << placed.status();
  EXPECT_TRUE(placed->failure.ok()) << placed->failure;
  EXPECT_EQ(placed->order.user_id, "u1");
  EXPECT_EQ(OnHand("p3", "nyc"), 2);
}

TEST_F(OrderServiceTest, ADeclinedCardCancelsTheOrderAndGivesTheCartBackWithItsHolds) {
  const struct {
    const char* token;
    const char* decline;
    const char* last4;
  } cards[] = {{"tok_declined", "card_declined", "0002"},
               {"tok_insufficient_funds", "insufficient_funds", "9995"}};
  int n = 0;
  std::string first_cart;
  for (const auto& card : cards) {
    SCOPED_TRACE(card.token);
    const std::string user = absl::StrCat("u", ++n);
    const CartView cart = FilledCart(user, {{"p1", 1}, {"p3", 1}});
    if (first_cart.empty()) first_cart = cart.cart.id;
    auto placed = service_->PlaceOrder(Request(user, cart.cart.id, card.token));
    ASSERT_TRUE(placed.ok()) << placed.status();
    ExpectReason(placed->failure, absl::StatusCode::kFailedPrecondition, kPaymentDeclinedReason);
    EXPECT_THAT(std::string(placed->failure.message()), HasSubstr(card.decline));
    const store::Order& order = placed->order;
    EXPECT_EQ(order.status, "cancelled");
    EXPECT_EQ(order.status_reason, kPaymentFailedStatusReason);
    EXPECT_THAT(Steps(order), ElementsAre("pending", "payment_processing", "cancelled"));
    const auto payments = Payments(order.id);
    ASSERT_THAT(payments, SizeIs(1));
    EXPECT_EQ(payments[0].kind, store::PaymentKind::kCapture);
    EXPECT_EQ(payments[0].status, store::PaymentStatus::kFailed);
    EXPECT_EQ(payments[0].failure_reason, card.decline);
    EXPECT_EQ(payments[0].card_last4, card.last4);
    EXPECT_THAT(Tasks(order.id), IsEmpty());
    EXPECT_THAT(Kinds(Outbox(order.id)), ElementsAre("order.cancelled"));
    // The cart is the shopper's again, its units still held.
    const CartView after = CartOf(cart.cart.id);
    EXPECT_EQ(after.cart.status, store::CartStatus::kActive);
    ASSERT_THAT(after.lines, SizeIs(2));
    for (size_t i = 0; i < after.lines.size(); ++i) {
      EXPECT_TRUE(after.lines[i].held()) << after.lines[i].product_id;
      EXPECT_EQ(after.lines[i].reservation_id, cart.lines[i].reservation_id);
    }
  }
  EXPECT_EQ(OnHand("p1", "sea"), 2);
  EXPECT_EQ(Available("p1"), 10);  // 12 on hand, 2 held.
  EXPECT_EQ(sandbox_.money_movements(), 0);
  EXPECT_EQ(sandbox_.net_charged_cents(), 0);

  // Another card on the same cart goes through.
  auto retried = service_->PlaceOrder(Request("u1", first_cart, "tok_mastercard"));
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_TRUE(retried->failure.ok()) << retried->failure;
  EXPECT_EQ(retried->order.status, "preparing");
  EXPECT_EQ(Payments(retried->order.id)[0].card_last4, "4444");
  EXPECT_EQ(sandbox_.money_movements(), 1);
}

TEST_F(OrderServiceTest, AGatewayTimeoutLeavesTheOrderPendingUntilItIsResolvedOrGivenUp) {
  const CartView cart = FilledCart("u1", {{"p1", 1}});
  auto placed = service_->PlaceOrder(Request("u1", cart.cart.id, "tok_timeout"));
  ASSERT_TRUE(placed.ok()) << placed.status();
  ExpectReason(placed->failure, absl::StatusCode::kUnavailable, kPaymentPendingReason);
  const std::string id = placed->order.id;
  EXPECT_EQ(placed->order.status, "payment_processing");
  EXPECT_EQ(gateway_.charges.load(), 3);  // OrderServiceOptions::gateway_attempts.
  EXPECT_THAT(Payments(id), IsEmpty());
  EXPECT_EQ(CartOf(cart.cart.id).cart.status, store::CartStatus::kOrdered);
  // An operator cannot cancel it while it may be charged.
  ExpectReason(service_->Cancel(id, "operator").status(), absl::StatusCode::kFailedPrecondition,
               kOrderProcessingReason);

  // Too recent to be considered interrupted: nothing is tried.
  EXPECT_EQ(*service_->ResumeInterrupted(), 0);
  EXPECT_EQ(gateway_.charges.load(), 3);

  // Interrupted: the charge is retried with the same key, still unanswered.
  const OrderServiceOptions defaults;
  clock_.Advance(defaults.resume_after_ms + 1);
  EXPECT_EQ(*service_->ResumeInterrupted(), 0);
  EXPECT_GT(gateway_.charges.load(), 3);
  EXPECT_EQ(Order(id).status, "payment_processing");

  // Unanswered for too long: given up, the cart given back.
  clock_.Set(placed->order.created_at_ms + defaults.unresolved_payment_timeout_ms + 1);
  EXPECT_EQ(*service_->ResumeInterrupted(), 1);
  const store::Order given_up = Order(id);
  EXPECT_EQ(given_up.status, "cancelled");
  EXPECT_EQ(given_up.status_reason, kPaymentUnresolvedStatusReason);
  EXPECT_THAT(Kinds(Outbox(id)), ElementsAre("order.cancelled"));
  EXPECT_EQ(CartOf(cart.cart.id).cart.status, store::CartStatus::kActive);
  EXPECT_EQ(sandbox_.money_movements(), 0);
  // Nothing more to resume.
  const int charges = gateway_.charges.load();
  clock_.Advance(defaults.resume_after_ms + 1);
  EXPECT_EQ(*service_->ResumeInterrupted(), 0);
  EXPECT_EQ(gateway_.charges.load(), charges);
}

TEST_F(OrderServiceTest, AChargeWhoseAnswerWasLostIsResumedWithoutChargingTwice) {
  const CartView cart = FilledCart("u1", {{"p1", 2}});
  gateway_.lost_charge_answers = 3;  // Every attempt of the first call.
  auto placed = service_->PlaceOrder(Request("u1", cart.cart.id));
  ASSERT_TRUE(placed.ok()) << placed.status();
  ExpectReason(placed->failure, absl::StatusCode::kUnavailable, kPaymentPendingReason);
  EXPECT_EQ(placed->order.status, "payment_processing");
  EXPECT_EQ(sandbox_.money_movements(), 1);  // The gateway did charge.

  clock_.Advance(OrderServiceOptions{}.resume_after_ms + 1);
  EXPECT_EQ(*service_->ResumeInterrupted(), 1);
  const store::Order resumed = Order(placed->order.id);
  EXPECT_EQ(resumed.status, "preparing");
  EXPECT_THAT(Payments(resumed.id), SizeIs(1));
  EXPECT_EQ(sandbox_.money_movements(), 1);
  EXPECT_EQ(sandbox_.net_charged_cents(), 2 * 1999);
  EXPECT_EQ(OnHand("p1", "sea"), 0);
  EXPECT_THAT(Kinds(Outbox(resumed.id)), ElementsAre("order.confirmed"));
}

TEST_F(OrderServiceTest, StockThatVanishedAfterTheHoldRefundsAndCancelsTheOrder) {
  const CartView cart = FilledCart("u1", {{"p1", 3}});
  // An operator recount: only 1 unit left, below what the cart holds.
  SetStock("p1", {{"sea", 0}, {"den", 1}, {"nyc", 0}});
  ForgetPublished();
  auto placed = service_->PlaceOrder(Request("u1", cart.cart.id));
  ASSERT_TRUE(placed.ok()) << placed.status();
  ExpectReason(placed->failure, absl::StatusCode::kFailedPrecondition,
               store::kInsufficientStockReason);
  const store::Order& order = placed->order;
  EXPECT_EQ(order.status, "cancelled");
  EXPECT_EQ(order.status_reason, kInventoryUnavailableStatusReason);
  EXPECT_THAT(Steps(order),
              ElementsAre("pending", "payment_processing", "payment_confirmed", "cancelled"));
  const auto payments = Payments(order.id);
  ASSERT_THAT(payments, SizeIs(2));
  EXPECT_EQ(payments[0].kind, store::PaymentKind::kCapture);
  EXPECT_EQ(payments[0].status, store::PaymentStatus::kSucceeded);
  EXPECT_EQ(payments[1].kind, store::PaymentKind::kRefund);
  EXPECT_EQ(payments[1].status, store::PaymentStatus::kSucceeded);
  EXPECT_EQ(payments[1].amount_cents, payments[0].amount_cents);
  EXPECT_EQ(sandbox_.net_charged_cents(), 0);
  EXPECT_EQ(sandbox_.money_movements(), 2);
  EXPECT_THAT(Tasks(order.id), IsEmpty());
  EXPECT_THAT(Kinds(Outbox(order.id)), ElementsAre("order.cancelled"));
  // Nothing was taken from the warehouses; the holds are released and
  // search was told.
  EXPECT_EQ(OnHand("p1", "den"), 1);
  EXPECT_EQ(ReservationStatusOf(cart.lines[0].reservation_id),
            store::ReservationStatus::kReleased);
  EXPECT_EQ(Available("p1"), 1);
  EXPECT_EQ(Published("p1"), 1);
}

TEST_F(OrderServiceTest, ARefundThatFailsLeavesTheOrderPaidAndResumeFinishesIt) {
  const CartView cart = FilledCart("u1", {{"p1", 3}});
  SetStock("p1", {{"sea", 0}, {"den", 1}, {"nyc", 0}});
  gateway_.fail_refunds = true;
  auto placed = service_->PlaceOrder(Request("u1", cart.cart.id));
  ASSERT_TRUE(placed.ok()) << placed.status();
  EXPECT_FALSE(placed->failure.ok());
  EXPECT_EQ(Order(placed->order.id).status, "payment_confirmed");
  EXPECT_EQ(sandbox_.net_charged_cents(), 3 * 1999);

  gateway_.fail_refunds = false;
  clock_.Advance(OrderServiceOptions{}.resume_after_ms + 1);
  EXPECT_EQ(*service_->ResumeInterrupted(), 1);
  const store::Order order = Order(placed->order.id);
  EXPECT_EQ(order.status, "cancelled");
  EXPECT_EQ(order.status_reason, kInventoryUnavailableStatusReason);
  EXPECT_EQ(sandbox_.net_charged_cents(), 0);
  EXPECT_THAT(Payments(order.id), SizeIs(2));
}

// --- Idempotency -----------------------------------------------------------------------

TEST_F(OrderServiceTest, TheSameKeyTwiceReturnsTheFirstOrderWithoutChargingAgain) {
  const CartView cart = FilledCart("u1", {{"p1", 1}});
  auto first = service_->PlaceOrder(Request("u1", cart.cart.id, "tok_visa", "key-1"));
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->replayed);
  clock_.Advance(kMinute);
  auto again = service_->PlaceOrder(Request("u1", cart.cart.id, "tok_visa", "key-1"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed);
  EXPECT_TRUE(again->failure.ok()) << again->failure;
  EXPECT_EQ(again->order, first->order);
  EXPECT_EQ(sandbox_.money_movements(), 1);
  EXPECT_EQ(gateway_.charges.load(), 1);
  EXPECT_THAT(*service_->OrdersOfUser("u1", 10), SizeIs(1));

  // Another request under the key: another card, or another cart.
  ExpectReason(
      service_->PlaceOrder(Request("u1", cart.cart.id, "tok_mastercard", "key-1")).status(),
      absl::StatusCode::kFailedPrecondition, store::kIdempotencyKeyReusedReason);
  const CartView other = FilledCart("u1", {{"p3", 1}});
  ExpectReason(service_->PlaceOrder(Request("u1", other.cart.id, "tok_visa", "key-1")).status(),
               absl::StatusCode::kFailedPrecondition, store::kIdempotencyKeyReusedReason);
  EXPECT_THAT(*service_->OrdersOfUser("u1", 10), SizeIs(1));
  EXPECT_EQ(sandbox_.money_movements(), 1);
}

TEST_F(OrderServiceTest, AReplayOfADeclinedCheckoutAnswersAsTheFirstCallDid) {
  const CartView cart = FilledCart("u1", {{"p1", 1}});
  auto first = service_->PlaceOrder(Request("u1", cart.cart.id, "tok_declined", "key-1"));
  ASSERT_TRUE(first.ok()) << first.status();
  auto again = service_->PlaceOrder(Request("u1", cart.cart.id, "tok_declined", "key-1"));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->order.id, first->order.id);
  ExpectReason(again->failure, absl::StatusCode::kFailedPrecondition, kPaymentDeclinedReason);
  EXPECT_EQ(gateway_.charges.load(), 1);
}

TEST_F(OrderServiceTest, TheSameKeyFromAnotherUserIsAnotherKey) {
  const CartView a = FilledCart("u1", {{"p1", 1}});
  const CartView b = FilledCart("u2", {{"p1", 1}});
  auto first = service_->PlaceOrder(Request("u1", a.cart.id, "tok_visa", "shared-key"));
  auto second = service_->PlaceOrder(Request("u2", b.cart.id, "tok_visa", "shared-key"));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_FALSE(first->replayed);
  EXPECT_FALSE(second->replayed);
  EXPECT_NE(first->order.id, second->order.id);
  EXPECT_EQ(second->order.user_id, "u2");
  EXPECT_EQ(second->order.status, "preparing");
  EXPECT_EQ(sandbox_.money_movements(), 2);
}

TEST_F(OrderServiceTest, RacingRetriesWithOneKeyPlaceOneOrderAndChargeOnce) {
  const CartView cart = FilledCart("u1", {{"p1", 2}, {"p2", 1}});
  constexpr int kThreads = 16;
  std::atomic<int> ready{0};
  std::vector<absl::StatusOr<CheckoutResult>> results(kThreads, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      results[t] = service_->PlaceOrder(Request("u1", cart.cart.id, "tok_visa", "race-key"));
    });
  }
  for (std::thread& thread : threads) thread.join();
  int fresh = 0;
  std::set<std::string> ids;
  for (const auto& result : results) {
    ASSERT_TRUE(result.ok()) << result.status();
    EXPECT_TRUE(result->failure.ok()) << result->failure;
    EXPECT_EQ(result->order.status, "preparing");
    fresh += result->replayed ? 0 : 1;
    ids.insert(result->order.id);
  }
  EXPECT_EQ(fresh, 1);
  EXPECT_THAT(ids, SizeIs(1));
  EXPECT_THAT(*service_->OrdersOfUser("u1", 100), SizeIs(1));
  EXPECT_EQ(sandbox_.money_movements(), 1);
  EXPECT_EQ(OnHand("p1", "sea"), 0);
  EXPECT_EQ(OnHand("p2", "sea"), 0);
}

TEST_F(OrderServiceTest, RacingCheckoutsOfOneCartWithDifferentKeysPlaceOneOrder) {
  const CartView cart = FilledCart("u1", {{"p1", 2}});
  constexpr int kThreads = 8;
  std::atomic<int> ready{0};
  std::vector<absl::StatusOr<CheckoutResult>> results(kThreads, absl::UnknownError("not run"));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      ready.fetch_add(1);
      while (ready.load() < kThreads) std::this_thread::yield();
      results[t] = service_->PlaceOrder(
          Request("u1", cart.cart.id, "tok_visa", absl::StrCat("key-", t)));
    });
  }
  for (std::thread& thread : threads) thread.join();
  int placed = 0;
  for (const auto& result : results) {
    if (result.ok()) {
      EXPECT_TRUE(result->failure.ok()) << result->failure;
      EXPECT_FALSE(result->replayed);
      ++placed;
      continue;
    }
    EXPECT_EQ(result.status().code(), absl::StatusCode::kFailedPrecondition) << result.status();
    const std::string message(result.status().message());
    EXPECT_TRUE(message.starts_with(absl::StrCat(store::kCartNotActiveReason, ": ")) ||
                message.starts_with(absl::StrCat(store::kCartChangedReason, ": ")))
        << message;
  }
  EXPECT_EQ(placed, 1);
  EXPECT_THAT(*service_->OrdersOfUser("u1", 100), SizeIs(1));
  EXPECT_EQ(sandbox_.money_movements(), 1);
  EXPECT_EQ(gateway_.charges.load(), 1);
}

// --- Bad input -----------------------------------------------------------------------

TEST_F(OrderServiceTest, BadRequestsAreRefusedBeforeAnythingIsWrittenOrCharged) {
  const CartView cart = FilledCart("u1", {{"p1", 1}});
  PlaceOrderRequest no_user = Request("", cart.cart.id);
  PlaceOrderRequest no_cart = Request("u1", "");
  PlaceOrderRequest no_token = Request("u1", cart.cart.id, "");
  PlaceOrderRequest no_location = Request("u1", cart.cart.id);
  no_location.shipping.latitude.reset();
  PlaceOrderRequest no_longitude = Request("u1", cart.cart.id);
  no_longitude.shipping.longitude.reset();
  PlaceOrderRequest long_key = Request("u1", cart.cart.id, "tok_visa", std::string(201, 'k'));
  for (const PlaceOrderRequest& request :
       {no_user, no_cart, no_token, no_location, no_longitude, long_key}) {
    EXPECT_EQ(service_->PlaceOrder(request).status().code(), absl::StatusCode::kInvalidArgument);
  }
  for (const std::string pan : {"4242424242424242", "4242 4242 4242 4242", "tok_4242-4242-4242-4242"}) {
    const absl::Status status = service_->PlaceOrder(Request("u1", cart.cart.id, pan)).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << pan;
    EXPECT_THAT(std::string(status.message()), Not(HasSubstr("4242"))) << status;
  }

  ExpectReason(service_->PlaceOrder(Request("u1", "no-such-cart")).status(),
               absl::StatusCode::kNotFound, store::kCartNotFoundReason);
  ExpectReason(service_->PlaceOrder(Request("u2", cart.cart.id)).status(),
               absl::StatusCode::kPermissionDenied, store::kCartUserMismatchReason);
  const CartView empty = FilledCart("u3", {});
  ExpectReason(service_->PlaceOrder(Request("u3", empty.cart.id)).status(),
               absl::StatusCode::kFailedPrecondition, kCartEmptyReason);

  EXPECT_THAT(*service_->OrdersOfUser("u1", 10), IsEmpty());
  EXPECT_THAT(*service_->OrdersOfUser("u2", 10), IsEmpty());
  EXPECT_THAT(*service_->OrdersOfUser("u3", 10), IsEmpty());
  EXPECT_EQ(gateway_.charges.load(), 0);
  EXPECT_EQ(CartOf(cart.cart.id).cart.status, store::CartStatus::kActive);
  // The request as it should be goes through.
  auto placed = service_->PlaceOrder(Request("u1", cart.cart.id));
  ASSERT_TRUE(placed.ok()) << placed.status();
  EXPECT_TRUE(placed->failure.ok()) << placed->failure;
}

// --- Operator transitions ---------------------------------------------------------------

enum class Op { kShip, kDeliver, kRefund, kCancel };

TEST_F(OrderServiceTest, IllegalOperatorTransitionsAreRefusedNamingBothStatuses) {
  const std::pair<Op, OrderStatus> ops[] = {{Op::kShip, OrderStatus::kShipped},
                                            {Op::kDeliver, OrderStatus::kDelivered},
                                            {Op::kRefund, OrderStatus::kRefunded},
                                            {Op::kCancel, OrderStatus::kCancelled}};
  // The legal moves (each exercised by the tests below).
  const std::set<std::pair<Op, OrderStatus>> legal = {
      {Op::kCancel, OrderStatus::kPending},
      {Op::kCancel, OrderStatus::kPaymentProcessing},  // Refused while charging, see below.
      {Op::kCancel, OrderStatus::kPaymentConfirmed},
      {Op::kCancel, OrderStatus::kInventoryAllocated},
      {Op::kCancel, OrderStatus::kPreparing},
      {Op::kShip, OrderStatus::kPreparing},
      {Op::kDeliver, OrderStatus::kShipped},
      {Op::kRefund, OrderStatus::kShipped},
      {Op::kRefund, OrderStatus::kDelivered}};
  int illegal = 0;
  for (const OrderStatus from : AllOrderStatuses()) {
    const std::string from_name(OrderStatusName(from));
    // An order sitting in `from` (made through the store: these calls are
    // refused before they touch its cart or payments).
    auto created = store_->orders()
                       ->CreateOrder({.user_id = "u1",
                                      .currency = "USD",
                                      .subtotal_cents = 500,
                                      .total_cents = 500,
                                      .shipping = Seattle(),
                                      .items = {{.product_id = "p3", .quantity = 1,
                                                 .unit_price_cents = 500}},
                                      .status = from_name})
                       .get();
    ASSERT_TRUE(created.ok()) << created.status();
    const store::Order before = created->order;
    for (const auto& [op, to] : ops) {
      if (legal.contains({op, from})) continue;
      const std::string to_name(OrderStatusName(to));
      SCOPED_TRACE(absl::StrCat(from_name, " -> ", to_name));
      absl::Status status;
      switch (op) {
        case Op::kShip:
          status = service_->Ship(before.id).status();
          break;
        case Op::kDeliver:
          status = service_->Deliver(before.id).status();
          break;
        case Op::kRefund:
          status = service_->Refund(before.id, "r").status();
          break;
        case Op::kCancel:
          status = service_->Cancel(before.id, "r").status();
          break;
      }
      ExpectReason(status, absl::StatusCode::kFailedPrecondition, kIllegalTransitionReason);
      EXPECT_THAT(std::string(status.message()),
                  HasSubstr(absl::StrCat("from ", from_name, " to ", to_name)));
      ++illegal;
    }
    EXPECT_EQ(Order(before.id), before);
  }
  EXPECT_EQ(illegal, 9 * 4 - static_cast<int>(legal.size()));
  // payment_processing -> cancelled is legal, but not while checkout charges.
  auto processing = store_->orders()
                        ->CreateOrder({.user_id = "u1",
                                       .currency = "USD",
                                       .subtotal_cents = 500,
                                       .total_cents = 500,
                                       .shipping = Seattle(),
                                       .items = {{.product_id = "p3", .quantity = 1,
                                                  .unit_price_cents = 500}},
                                       .status = "payment_processing"})
                        .get();
  ASSERT_TRUE(processing.ok()) << processing.status();
  ExpectReason(service_->Cancel(processing->order.id, "r").status(),
               absl::StatusCode::kFailedPrecondition, kOrderProcessingReason);
  EXPECT_EQ(Order(processing->order.id).status, "payment_processing");
  EXPECT_EQ(sandbox_.money_movements(), 0);
  ExpectReason(service_->Ship("no-such-order").status(), absl::StatusCode::kNotFound,
               store::kOrderNotFoundReason);
}

TEST_F(OrderServiceTest, ShipDeliverAndRefundAfterDelivery) {
  const store::Order order = MustPlace("u1", {{"p1", 1}});
  auto shipped = service_->Ship(order.id);
  ASSERT_TRUE(shipped.ok()) << shipped.status();
  EXPECT_EQ(shipped->status, "shipped");
  auto delivered = service_->Deliver(order.id);
  ASSERT_TRUE(delivered.ok()) << delivered.status();
  EXPECT_EQ(delivered->status, "delivered");
  // Delivered orders are final for a cancel.
  ExpectReason(service_->Cancel(order.id, "too late").status(),
               absl::StatusCode::kFailedPrecondition, kIllegalTransitionReason);
  auto refunded = service_->Refund(order.id, "returned");
  ASSERT_TRUE(refunded.ok()) << refunded.status();
  EXPECT_EQ(refunded->status, "refunded");
  EXPECT_EQ(refunded->status_reason, "returned");
  EXPECT_THAT(Steps(*refunded), ElementsAre("pending", "payment_processing", "payment_confirmed",
                                            "inventory_allocated", "preparing", "shipped",
                                            "delivered", "refunded"));
  const auto payments = Payments(order.id);
  ASSERT_THAT(payments, SizeIs(2));
  EXPECT_EQ(payments[1].kind, store::PaymentKind::kRefund);
  EXPECT_EQ(payments[1].amount_cents, order.total_cents);
  EXPECT_EQ(payments[1].card_last4, "4242");
  EXPECT_EQ(sandbox_.net_charged_cents(), 0);
  EXPECT_THAT(Kinds(Outbox(order.id)), ElementsAre("order.confirmed", "order.shipped",
                                                   "order.delivered", "order.refunded"));
  // Shipped units are not returned to the warehouses by a refund.
  EXPECT_EQ(OnHand("p1", "sea"), 1);
  // Refunded is final.
  ExpectReason(service_->Refund(order.id, "again").status(), absl::StatusCode::kFailedPrecondition,
               kIllegalTransitionReason);
  EXPECT_EQ(sandbox_.money_movements(), 2);
}

TEST_F(OrderServiceTest, AnOrderLostInTransitIsRefundedFromShipped) {
  const store::Order order = MustPlace("u1", {{"p2", 1}});
  ASSERT_TRUE(service_->Ship(order.id).ok());
  auto refunded = service_->Refund(order.id, "lost");
  ASSERT_TRUE(refunded.ok()) << refunded.status();
  EXPECT_EQ(refunded->status, "refunded");
  EXPECT_EQ(sandbox_.net_charged_cents(), 0);
  EXPECT_THAT(Payments(order.id), SizeIs(2));
}

TEST_F(OrderServiceTest, CancellingAPreparingOrderRefundsRestocksAndCancelsItsTasks) {
  const store::Order order = MustPlace("u1", {{"p1", 3}, {"p2", 1}});
  ASSERT_EQ(OnHand("p1", "sea"), 0);
  ASSERT_EQ(OnHand("p1", "den"), 4);
  ForgetPublished();
  auto cancelled = service_->Cancel(order.id, "customer_request");
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->status, "cancelled");
  EXPECT_EQ(cancelled->status_reason, "customer_request");
  const auto payments = Payments(order.id);
  ASSERT_THAT(payments, SizeIs(2));
  EXPECT_EQ(payments[1].kind, store::PaymentKind::kRefund);
  EXPECT_EQ(payments[1].amount_cents, order.total_cents);
  EXPECT_EQ(sandbox_.net_charged_cents(), 0);
  // The units went back where they came from.
  EXPECT_EQ(OnHand("p1", "sea"), 2);
  EXPECT_EQ(OnHand("p1", "den"), 5);
  EXPECT_EQ(OnHand("p1", "nyc"), 5);
  EXPECT_EQ(OnHand("p2", "sea"), 1);
  EXPECT_EQ(Available("p1"), 12);
  EXPECT_EQ(Published("p1"), 12);
  EXPECT_EQ(Published("p2"), 4);
  for (const store::FulfillmentTask& task : Tasks(order.id)) {
    EXPECT_EQ(task.status, store::FulfillmentStatus::kCancelled) << task.warehouse_id;
  }
  EXPECT_THAT(*service_->WarehouseTasks("sea", store::FulfillmentStatus::kPending, 10), IsEmpty());
  EXPECT_THAT(*service_->WarehouseTasks("sea", store::FulfillmentStatus::kCancelled, 10),
              SizeIs(1));
  EXPECT_THAT(Kinds(Outbox(order.id)), ElementsAre("order.confirmed", "order.cancelled"));
  // Cancelled is final.
  ExpectReason(service_->Cancel(order.id, "again").status(), absl::StatusCode::kFailedPrecondition,
               kIllegalTransitionReason);
  EXPECT_EQ(OnHand("p1", "sea"), 2);
  EXPECT_EQ(sandbox_.money_movements(), 2);
}

TEST_F(OrderServiceTest, CancellingAfterShippingIsIllegalAndChangesNothing) {
  const store::Order order = MustPlace("u1", {{"p1", 1}});
  ASSERT_TRUE(service_->Ship(order.id).ok());
  const absl::Status status = service_->Cancel(order.id, "too late").status();
  ExpectReason(status, absl::StatusCode::kFailedPrecondition, kIllegalTransitionReason);
  EXPECT_THAT(std::string(status.message()), HasSubstr("from shipped to cancelled"));
  EXPECT_EQ(Order(order.id).status, "shipped");
  EXPECT_EQ(sandbox_.net_charged_cents(), order.total_cents);
  EXPECT_EQ(OnHand("p1", "sea"), 1);
}

TEST_F(OrderServiceTest, CancellingAPendingOrderReleasesItsHoldsWithoutMovingMoney) {
  const CartView cart = FilledCart("u1", {{"p1", 2}});
  std::vector<store::CartLineRef> refs = {{.product_id = "p1",
                                           .quantity = 2,
                                           .reservation_id = cart.lines[0].reservation_id}};
  auto created = store_->orders()
                     ->CreateOrder({.user_id = "u1",
                                    .cart_id = cart.cart.id,
                                    .currency = "USD",
                                    .subtotal_cents = 2 * 1999,
                                    .total_cents = 2 * 1999,
                                    .shipping = Seattle(),
                                    .items = {{.product_id = "p1", .quantity = 2,
                                               .unit_price_cents = 1999}},
                                    .payment_token = "tok_visa",
                                    .close_cart = refs})
                     .get();
  ASSERT_TRUE(created.ok()) << created.status();
  ASSERT_EQ(Available("p1"), 10);
  auto cancelled = service_->Cancel(created->order.id, "fraud_suspected");
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->status, "cancelled");
  EXPECT_EQ(ReservationStatusOf(cart.lines[0].reservation_id),
            store::ReservationStatus::kReleased);
  EXPECT_EQ(Available("p1"), 12);
  EXPECT_THAT(Payments(created->order.id), IsEmpty());
  EXPECT_EQ(gateway_.refunds.load(), 0);
}

TEST_F(OrderServiceTest, CancellingAPaidOrderBeforeAllocationRefundsAndReleasesItsHolds) {
  const store::Order order = CrashedAfterCapture("u1", {{"p1", 2}});
  ASSERT_EQ(order.status, "payment_confirmed");
  ASSERT_EQ(sandbox_.net_charged_cents(), 2 * 1999);
  auto cancelled = service_->Cancel(order.id, "customer_request");
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->status, "cancelled");
  EXPECT_EQ(sandbox_.net_charged_cents(), 0);
  const auto payments = Payments(order.id);
  ASSERT_THAT(payments, SizeIs(2));
  EXPECT_EQ(payments[1].kind, store::PaymentKind::kRefund);
  EXPECT_EQ(Available("p1"), 12);
  EXPECT_EQ(OnHand("p1", "sea"), 2);
}

TEST_F(OrderServiceTest, CancellingAnAllocatedOrderRefundsAndRestocks) {
  const store::Order paid = CrashedAfterCapture("u1", {{"p1", 3}});
  const CartView cart = CartOf(paid.cart_id);
  // A crash right after the allocation commit (before preparing).
  auto allocated =
      store_->orders()
          ->TransitionOrder(
              {.order_id = paid.id,
               .expected_from = "payment_confirmed",
               .to = "inventory_allocated",
               .fulfillment_tasks = {{.warehouse_id = "den", .items = {{"p1", 1}}},
                                     {.warehouse_id = "sea", .items = {{"p1", 2}}}},
               .commit_stock = store::CommitRequest{
                   .order_id = paid.id,
                   .reservation_ids = {cart.lines[0].reservation_id},
                   .allocations = {{"p1", "sea", 2}, {"p1", "den", 1}}}})
          .get();
  ASSERT_TRUE(allocated.ok()) << allocated.status();
  ASSERT_EQ(OnHand("p1", "sea"), 0);
  auto cancelled = service_->Cancel(paid.id, "operator");
  ASSERT_TRUE(cancelled.ok()) << cancelled.status();
  EXPECT_EQ(cancelled->status, "cancelled");
  EXPECT_EQ(sandbox_.net_charged_cents(), 0);
  EXPECT_EQ(OnHand("p1", "sea"), 2);
  EXPECT_EQ(OnHand("p1", "den"), 5);
  for (const store::FulfillmentTask& task : Tasks(paid.id)) {
    EXPECT_EQ(task.status, store::FulfillmentStatus::kCancelled) << task.warehouse_id;
  }
}

// --- Fulfillment ------------------------------------------------------------------------

TEST_F(OrderServiceTest, CompletingEveryTaskShipsTheOrderOnceAndRetriesAreHarmless) {
  const store::Order order = MustPlace("u1", {{"p1", 3}});  // sea 2, den 1.
  const auto tasks = Tasks(order.id);
  ASSERT_THAT(tasks, SizeIs(2));
  auto first = service_->CompleteFulfillmentTask(tasks[0].id);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_FALSE(first->order_fulfilled);
  EXPECT_EQ(Order(order.id).status, "preparing");
  auto last = service_->CompleteFulfillmentTask(tasks[1].id);
  ASSERT_TRUE(last.ok()) << last.status();
  EXPECT_TRUE(last->order_fulfilled);
  EXPECT_FALSE(last->already_completed);
  const store::Order shipped = Order(order.id);
  EXPECT_EQ(shipped.status, "shipped");
  EXPECT_THAT(Kinds(Outbox(order.id)), ElementsAre("order.confirmed", "order.shipped"));

  // Retries: nothing changes, no second shipment.
  for (const store::FulfillmentTask& task : tasks) {
    auto again = service_->CompleteFulfillmentTask(task.id);
    ASSERT_TRUE(again.ok()) << again.status();
    EXPECT_TRUE(again->already_completed);
  }
  EXPECT_EQ(Order(order.id), shipped);
  EXPECT_THAT(Outbox(order.id), SizeIs(2));
  ExpectReason(service_->CompleteFulfillmentTask("no-such-task").status(),
               absl::StatusCode::kNotFound, store::kFulfillmentTaskNotFoundReason);
}

TEST_F(OrderServiceTest, ATaskOfACancelledOrderCannotBeCompleted) {
  const store::Order order = MustPlace("u1", {{"p1", 1}});
  ASSERT_TRUE(service_->Cancel(order.id, "customer_request").ok());
  const auto tasks = Tasks(order.id);
  ASSERT_THAT(tasks, SizeIs(1));
  ExpectReason(service_->CompleteFulfillmentTask(tasks[0].id).status(),
               absl::StatusCode::kFailedPrecondition, store::kFulfillmentTaskCancelledReason);
  EXPECT_EQ(Order(order.id).status, "cancelled");
  EXPECT_EQ(OnHand("p1", "sea"), 2);
}

// --- Recovery -----------------------------------------------------------------------------

TEST_F(OrderServiceTest, ResumeContinuesAnOrderACrashLeftInPaymentConfirmed) {
  const store::Order order = CrashedAfterCapture("u1", {{"p1", 3}});
  ASSERT_EQ(order.status, "payment_confirmed");
  EXPECT_EQ(*service_->ResumeInterrupted(), 0);  // Too recent: a live call may own it.
  EXPECT_EQ(Order(order.id).status, "payment_confirmed");

  clock_.Advance(OrderServiceOptions{}.resume_after_ms + 1);
  EXPECT_EQ(*service_->ResumeInterrupted(), 1);
  const store::Order resumed = Order(order.id);
  EXPECT_EQ(resumed.status, "preparing");
  EXPECT_THAT(Steps(resumed), ElementsAre("pending", "payment_processing", "payment_confirmed",
                                          "inventory_allocated", "preparing"));
  EXPECT_THAT(Payments(order.id), SizeIs(1));  // The recorded capture, not a new one.
  EXPECT_EQ(gateway_.charges.load(), 0);
  EXPECT_EQ(sandbox_.money_movements(), 1);
  EXPECT_EQ(OnHand("p1", "sea"), 0);
  EXPECT_EQ(OnHand("p1", "den"), 4);
  EXPECT_THAT(Tasks(order.id), SizeIs(2));
  EXPECT_THAT(Kinds(Outbox(order.id)), ElementsAre("order.confirmed"));
  // Done: nothing left to resume.
  clock_.Advance(OrderServiceOptions{}.resume_after_ms + 1);
  EXPECT_EQ(*service_->ResumeInterrupted(), 0);
}

// --- Edge cases -------------------------------------------------------------------------

TEST_F(OrderServiceTest, ALongUserIdWithALongKeyIsStillIdempotent) {
  const std::string user(64, 'u');
  const std::string key(200, 'k');
  const CartView cart = FilledCart(user, {{"p3", 1}});
  auto first = service_->PlaceOrder(Request(user, cart.cart.id, "tok_visa", key));
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(first->failure.ok()) << first->failure;
  auto again = service_->PlaceOrder(Request(user, cart.cart.id, "tok_visa", key));
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->order.id, first->order.id);
  EXPECT_EQ(sandbox_.money_movements(), 1);
}

TEST_F(OrderServiceTest, AFreeOrderIsPlacedWithoutCharging) {
  AddProduct("gift", 0.0, "Free Sticker");
  SetStock("gift", {{"sea", 10}});
  const CartView cart = FilledCart("u1", {{"gift", 2}});
  auto placed = service_->PlaceOrder(Request("u1", cart.cart.id));
  ASSERT_TRUE(placed.ok()) << placed.status();
  EXPECT_TRUE(placed->failure.ok()) << placed->failure;
  EXPECT_EQ(placed->order.status, "preparing");
  EXPECT_THAT(Payments(placed->order.id), IsEmpty());
  EXPECT_EQ(gateway_.charges.load(), 0);
  EXPECT_EQ(OnHand("gift", "sea"), 8);
}

TEST_F(OrderServiceTest, AReplayOfAnAbandonedCheckoutDoesNotReportSuccess) {
  const CartView cart = FilledCart("u1", {{"p1", 1}});
  auto placed = service_->PlaceOrder(Request("u1", cart.cart.id, "tok_timeout", "k1"));
  ASSERT_TRUE(placed.ok()) << placed.status();
  const OrderServiceOptions defaults;
  clock_.Set(placed->order.created_at_ms + defaults.unresolved_payment_timeout_ms + 1);
  ASSERT_EQ(*service_->ResumeInterrupted(), 1);
  auto replay = service_->PlaceOrder(Request("u1", cart.cart.id, "tok_timeout", "k1"));
  ASSERT_TRUE(replay.ok()) << replay.status();
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->order.status, "cancelled");
  ExpectReason(replay->failure, absl::StatusCode::kFailedPrecondition, kOrderCancelledReason);
  // A placed order cancelled later by an operator still replays as placed.
  const CartView other = FilledCart("u2", {{"p3", 1}});
  auto ok = service_->PlaceOrder(Request("u2", other.cart.id, "tok_visa", "k2"));
  ASSERT_TRUE(ok.ok() && ok->failure.ok());
  ASSERT_TRUE(service_->Cancel(ok->order.id, "operator").ok());
  auto later = service_->PlaceOrder(Request("u2", other.cart.id, "tok_visa", "k2"));
  ASSERT_TRUE(later.ok()) << later.status();
  EXPECT_TRUE(later->failure.ok()) << later->failure;
  EXPECT_EQ(later->order.status, "cancelled");
}

TEST_F(OrderServiceTest, ADeclineReleasesTheHoldsWhenTheShopperAlreadyHasAnotherCart) {
  const CartView cart = FilledCart("u1", {{"p2", 1}});
  const std::string hold = cart.lines[0].reservation_id;
  // Checkout closes the cart; the decline is scripted to come after the
  // shopper opened a new one (a second tab).
  class SecondTab final : public PaymentGateway {
   public:
    SecondTab(PaymentGateway* real, CartService* carts) : real_(real), carts_(carts) {}
    absl::StatusOr<PaymentOutcome> Charge(const ChargeRequest& request) override {
      EXPECT_TRUE(carts_->CreateCart("u1").ok());
      return real_->Charge(request);
    }
    absl::StatusOr<PaymentOutcome> Refund(const std::string& key, const std::string& ref,
                                          int64_t amount) override {
      return real_->Refund(key, ref, amount);
    }

   private:
    PaymentGateway* real_;
    CartService* carts_;
  } second_tab(&gateway_, carts_.get());
  OrderService service(clock_, store_->orders(), inventory_.get(), carts_.get(), &second_tab);
  auto placed = service.PlaceOrder(Request("u1", cart.cart.id, "tok_declined"));
  ASSERT_TRUE(placed.ok()) << placed.status();
  ExpectReason(placed->failure, absl::StatusCode::kFailedPrecondition, kPaymentDeclinedReason);
  EXPECT_EQ(CartOf(cart.cart.id).cart.status, store::CartStatus::kOrdered);
  EXPECT_EQ(ReservationStatusOf(hold), store::ReservationStatus::kReleased);
  EXPECT_EQ(Available("p2"), 4);
  EXPECT_EQ(Published("p2"), 4);
}

}  // namespace
}  // namespace aisle::commerce
