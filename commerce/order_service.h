// OrderService: checkout and the order lifecycle (issue D), the seed's
// processOrder over the durable stores.
//
// PlaceOrder turns a cart into an order:
//   1. read the cart (every line must be held by its reservation: an expired
//      hold is taken again, or the checkout fails with insufficient_stock);
//   2. ONE commit: the order is created (pending, then payment_processing in
//      its history), its idempotency key recorded and the cart marked
//      ordered, so a cart becomes at most one order and only this call
//      charges it;
//   3. the gateway charges the total with the idempotency key
//      "<order id>:capture" (a timeout is retried with the same key);
//   4. ONE commit: payment_confirmed (the capture recorded),
//      inventory_allocated (the reservations turned into warehouse
//      decrements, allocated high-value lines first from the warehouses
//      closest to the shipping address, commerce/allocation.h), preparing
//      (one fulfillment task per warehouse) and the confirmation in the
//      outbox. Stock that moved between the snapshot and the commit is
//      re-read and allocated again.
// A declined card cancels the order (payment_failed) and gives the cart back
// with its holds; stock that cannot be allocated after the charge refunds it
// and cancels the order (inventory_unavailable). So the happy path costs two
// fsync'ed commits, and money and stock can never disagree after a crash:
// they move in the same transactions as the order's status.
//
// Idempotency: the Idempotency-Key is scoped per user. A retry with the same
// key and request returns the first call's order (never a second order, a
// second charge); retries that race wait for the first to finish (a lock
// per key) and then return its outcome.
//
// Recovery: an order a crash left in payment_processing or payment_confirmed
// is resumed by ResumeInterrupted (at start-up and by the background loop):
// the charge is retried with the same key and the stored token (the gateway
// returns the first outcome), then the flow continues. One the gateway never
// answers is cancelled after `unresolved_payment_timeout_ms`.
//
// Operator transitions (Cancel, Ship, Deliver, Refund) follow
// commerce/order_state.h; anything else fails with FailedPrecondition
// illegal_transition. Cancelling a paid order refunds it; cancelling one that
// holds allocated stock returns the units to their warehouses and cancels its
// fulfillment tasks, in the same commit.
//
// Ownership: borrows everything (all must outlive the service).
// Thread-safety: every method may be called from any thread; all block on
// SQLite and the gateway (call them off the I/O threads).
#ifndef AISLE_COMMERCE_ORDER_SERVICE_H_
#define AISLE_COMMERCE_ORDER_SERVICE_H_

#include <array>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "base/clock.h"
#include "base/geo.h"
#include "base/status.h"
#include "commerce/cart_service.h"
#include "commerce/fraud.h"
#include "commerce/fraud_screen.h"
#include "commerce/inventory_service.h"
#include "commerce/order_state.h"
#include "commerce/payment_gateway.h"
#include "store/order_store.h"

namespace aisle::commerce {

// Reason codes of the service's own errors and failures (the message starts
// with "<reason>: "), next to the stores' (cart_not_found, cart_not_active,
// cart_changed, insufficient_stock, idempotency_key_reused, order_not_found,
// illegal_transition, ...).
inline constexpr char kCartEmptyReason[] = "cart_empty";                      // FailedPrecondition.
inline constexpr char kProductUnavailableReason[] = "product_unavailable";    // FailedPrecondition.
inline constexpr char kCurrencyMismatchReason[] = "currency_mismatch";        // FailedPrecondition.
inline constexpr char kPaymentDeclinedReason[] = "payment_declined";          // FailedPrecondition.
inline constexpr char kPaymentPendingReason[] = "payment_pending";            // Unavailable.
inline constexpr char kOrderProcessingReason[] = "order_processing";          // FailedPrecondition.
inline constexpr char kOrderCancelledReason[] = "order_cancelled";            // FailedPrecondition.
inline constexpr char kOrderUnderReviewReason[] = "order_under_review";       // Unavailable.
inline constexpr char kOrderNotUnderReviewReason[] = "order_not_under_review";  // FailedPrecondition.

// Status reasons recorded in the order's history.
inline constexpr char kPaymentFailedStatusReason[] = "payment_failed";
inline constexpr char kInventoryUnavailableStatusReason[] = "inventory_unavailable";
inline constexpr char kPaymentUnresolvedStatusReason[] = "payment_unresolved";
// The gateway refused the request itself (not the card): nothing was charged.
inline constexpr char kPaymentErrorStatusReason[] = "payment_error";
// Fraud screening (issue E): blocked at checkout, or rejected by a reviewer.
// kFraudBlockedStatusReason is also the failure's reason (PermissionDenied).
inline constexpr char kFraudBlockedStatusReason[] = "fraud_blocked";
inline constexpr char kFraudRejectedStatusReason[] = "fraud_rejected";

struct OrderServiceOptions {
  // The currency of lines whose product has none.
  std::string default_currency = "USD";
  // Gateway calls per charge or refund when it times out (same key each time).
  int gateway_attempts = 3;
  // Allocation rounds when another order took the chosen warehouse's stock
  // between the snapshot and the commit.
  int allocation_attempts = 4;
  // ResumeInterrupted: orders whose last change is older than this are
  // considered interrupted (no live call is still working on them).
  int64_t resume_after_ms = 30'000;
  // A payment the gateway has not answered for this long is given up: the
  // order is cancelled (payment_unresolved) and the cart given back.
  int64_t unresolved_payment_timeout_ms = 900'000;
  // How often the background loop (Start) runs ResumeInterrupted.
  int64_t resume_interval_ms = 30'000;
  // How long an order held for a fraud review keeps its stock: its
  // reservations are extended to this (7 days), past the shopper's 15
  // minutes, so a reviewer can approve without the stock running out.
  int64_t review_hold_ms = 7LL * 24 * 3'600'000;
};

struct PlaceOrderRequest {
  std::string user_id;          // Required: the shopper (the cart must be theirs or anonymous).
  std::string cart_id;          // Required.
  std::string idempotency_key;  // Optional (the Idempotency-Key header), <= 200 bytes.
  std::string payment_token;    // Required: the gateway's card token, never a card number.
  // Required: country, latitude and longitude (allocation picks the closest
  // warehouses; the storefront geocodes the address).
  store::ShippingAddress shipping;
  std::string billing_country;  // Optional.
  // For fraud screening, each optional (<= 256 bytes): the shopper's IP
  // address as the storefront saw it, a device fingerprint, the storefront
  // session the behaviour events carry.
  std::string ip_address;
  std::string device_fingerprint;
  std::string session_id;
};

struct CheckoutResult {
  store::Order order;     // As stored when the call returns.
  bool replayed = false;  // The idempotency key's earlier order: nothing was done now.
  // OK: the order was placed (status preparing). Otherwise why it was not,
  // with the order kept: payment_declined and insufficient_stock
  // (FailedPrecondition, the order is cancelled), payment_pending
  // (Unavailable: the gateway did not answer; the order stays in
  // payment_processing and is resumed later).
  absl::Status failure;
};

// Called once per order when it is placed (reaches preparing), on the
// thread that placed it (a request, or the recovery loop), after the
// commit. main.cc records the purchases it stands for.
using PlacedListener = std::function<void(const store::Order& order)>;

// The failure a stored order reports (CheckoutResult::failure): derived from
// its status and reason, so a replay answers as the first call did.
absl::Status CheckoutFailureOf(const store::Order& order);

class OrderService {
 public:
  // `on_placed` may be empty; `fraud` may be null (no screening: every
  // order is approved).
  OrderService(const Clock& clock, store::OrderStore* orders, InventoryService* inventory,
               CartService* carts, PaymentGateway* gateway, OrderServiceOptions options = {},
               PlacedListener on_placed = {}, FraudScreen* fraud = nullptr);
  ~OrderService();  // Stops the background loop.
  OrderService(const OrderService&) = delete;
  OrderService& operator=(const OrderService&) = delete;

  // See the file comment. Errors (nothing was created or charged):
  // InvalidArgument (fields), cart_not_found, cart_not_active, cart_empty,
  // cart_user_mismatch (PermissionDenied), cart_changed, product_unavailable,
  // currency_mismatch, insufficient_stock (a hold could not be taken again),
  // idempotency_key_reused.
  absl::StatusOr<CheckoutResult> PlaceOrder(const PlaceOrderRequest& request);

  // NotFound order_not_found.
  absl::StatusOr<store::Order> GetOrder(const std::string& order_id) const;
  absl::StatusOr<std::vector<store::Order>> OrdersOfUser(const std::string& user_id,
                                                         int64_t limit) const;
  absl::StatusOr<std::vector<store::Payment>> Payments(const std::string& order_id) const;
  absl::StatusOr<std::vector<store::FulfillmentTask>> FulfillmentTasks(
      const std::string& order_id) const;
  // The warehouse's tasks in `status`, oldest first.
  absl::StatusOr<std::vector<store::FulfillmentTask>> WarehouseTasks(
      const std::string& warehouse_id, store::FulfillmentStatus status, int64_t limit) const;

  // Operator transitions; the order afterwards. Errors: order_not_found,
  // illegal_transition, order_processing (checkout is still working on it),
  // and the gateway's for a refund.
  absl::StatusOr<store::Order> Cancel(const std::string& order_id, const std::string& reason);
  absl::StatusOr<store::Order> Ship(const std::string& order_id);
  absl::StatusOr<store::Order> Deliver(const std::string& order_id);
  absl::StatusOr<store::Order> Refund(const std::string& order_id, const std::string& reason);

  // Fraud reviews (issue E). An approved order goes on to payment and
  // allocation as a checkout would (the result says how that went); a
  // rejected one is cancelled (fraud_rejected) and its stock released.
  // order_not_found; order_not_under_review when the order is not pending a
  // review; review_not_pending when another reviewer decided first.
  absl::StatusOr<CheckoutResult> ApproveReview(const std::string& order_id,
                                               const std::string& note);
  absl::StatusOr<store::Order> RejectReview(const std::string& order_id, const std::string& note);
  absl::StatusOr<std::vector<store::PendingReview>> PendingReviews(int64_t limit) const;
  // The order's stored assessment; NotFound risk_not_found without one.
  absl::StatusOr<store::RiskRecord> Risk(const std::string& order_id) const;

  // A warehouse finished picking: completes the task and ships the order
  // when it was the last one. Idempotent.
  absl::StatusOr<store::FulfillmentCompletion> CompleteFulfillmentTask(const std::string& task_id);

  // Resumes orders interrupted mid-checkout (see the file comment); returns
  // how many were moved on.
  absl::StatusOr<int> ResumeInterrupted();

  void Start();  // The background ResumeInterrupted loop; idempotent.
  void Stop();   // Idempotent; returns after the loop has finished.

 private:
  struct Checkout;  // One PlaceOrder's working state.

  std::mutex& KeyLock(const std::string& scoped_key);
  absl::StatusOr<Checkout> ReadCart(const PlaceOrderRequest& request);
  ScreeningRequest ScreeningOf(const PlaceOrderRequest& request, const Checkout& checkout) const;
  absl::StatusOr<store::CreateOrderResult> Create(const PlaceOrderRequest& request,
                                                  const std::string& scoped_key,
                                                  const Checkout& checkout,
                                                  const std::optional<FraudAssessment>& assessment);
  // A blocked order: cancelled, its holds released, nothing charged.
  CheckoutResult Block(store::Order order, const std::vector<store::CartLineRef>& lines);
  // Steps 3 and 4 for a created order in payment_processing.
  CheckoutResult Process(store::Order order, const std::vector<store::CartLineRef>& lines);
  // After an approved charge: allocate and commit, or refund and cancel.
  // `capture`: none for a free order.
  CheckoutResult Fulfil(store::Order order, const std::vector<store::CartLineRef>& lines,
                        const std::optional<store::Payment>& capture);
  // Refunds `capture` (none: nothing to refund) and cancels the order
  // (inventory_unavailable), releasing its holds.
  CheckoutResult CancelAfterCharge(store::Order order, const std::vector<store::CartLineRef>& lines,
                                   const std::optional<store::Payment>& capture, absl::Status why);
  absl::StatusOr<PaymentOutcome> ChargeWithRetries(const store::Order& order);
  absl::StatusOr<PaymentOutcome> RefundWithRetries(const std::string& key, const std::string& ref,
                                                   int64_t amount_cents);
  absl::StatusOr<std::vector<store::Allocation>> Allocate(
      const store::Order& order, const std::vector<store::CartLineRef>& lines);
  absl::StatusOr<LatLon> WarehouseLocation(const std::string& warehouse_id);
  absl::StatusOr<std::vector<store::CartLineRef>> OrderLines(const store::Order& order) const;
  absl::StatusOr<store::Order> Transition(const std::string& order_id, OrderStatus to,
                                          const std::string& reason);
  absl::Status Resume(const store::Order& order);
  void PublishAvailability(const std::vector<std::string>& product_ids);

  const Clock& clock_;
  store::OrderStore* orders_;
  InventoryService* inventory_;
  CartService* carts_;
  PaymentGateway* gateway_;
  const OrderServiceOptions options_;
  const PlacedListener on_placed_;
  FraudScreen* const fraud_;

  std::array<std::mutex, 64> key_locks_;

  std::mutex warehouses_mu_;
  absl::flat_hash_map<std::string, LatLon> warehouses_;  // Guarded by warehouses_mu_.

  std::mutex loop_mu_;
  std::condition_variable loop_wake_;
  bool stopping_ = false;  // Guarded by loop_mu_.
  std::thread loop_;
};

}  // namespace aisle::commerce

#endif  // AISLE_COMMERCE_ORDER_SERVICE_H_
