// OrderService, checkout half: PlaceOrder and the processOrder steps after
// the order exists (charge, allocate and commit, or cancel). The operator
// transitions, reads and recovery are in order_operations.cc.
#include "commerce/order_service.h"

#include <algorithm>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "commerce/allocation.h"
#include "commerce/order_service_internal.h"
#include "commerce/order_state.h"

namespace aisle::commerce {

// What PlaceOrder read from the cart.
struct OrderService::Checkout {
  std::vector<store::OrderItem> items;
  std::vector<store::CartLineRef> lines;
  std::string currency;
  int64_t subtotal_cents = 0;
};

namespace {

constexpr size_t kMaxIdempotencyKeyBytes = 200;

absl::Status CheckPlaceOrderRequest(const PlaceOrderRequest& r) {
  if (r.user_id.empty()) return InvalidArgumentError("userId: required", "userId");
  if (r.cart_id.empty()) return InvalidArgumentError("cartId: required", "cartId");
  if (r.payment_token.empty()) {
    return InvalidArgumentError("paymentToken: required", "paymentToken");
  }
  if (store::ContainsCardNumber(r.payment_token)) {
    // Never echo it: the storefront must tokenize cards with the gateway.
    return InvalidArgumentError(
        "paymentToken: looks like a card number; send the gateway's token, never the card",
        "paymentToken");
  }
  if (r.idempotency_key.size() > kMaxIdempotencyKeyBytes) {
    return InvalidArgumentError(
        absl::StrCat("Idempotency-Key: at most ", kMaxIdempotencyKeyBytes, " bytes"),
        "Idempotency-Key");
  }
  if (!r.shipping.latitude || !r.shipping.longitude) {
    return InvalidArgumentError(
        "shipping.latitude and shipping.longitude: required (warehouses are chosen by distance)",
        "shipping");
  }
  return absl::OkStatus();
}

// 64-bit FNV-1a from `basis`: stable across processes and builds (the
// idempotency keys it makes are stored).
uint64_t Fnv1a(std::string_view text, uint64_t basis) {
  uint64_t hash = basis;
  for (const char c : text) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

// The stored key: the client's key scoped to the user, so one shopper's key
// never collides with another's. Beyond the store's 255 bytes (a long user
// id) it is replaced by a 128-bit digest; the store still refuses a key
// found on another user's order, so a digest collision could only refuse a
// checkout, never reveal or reuse another order.
std::string ScopedKey(const PlaceOrderRequest& r) {
  if (r.idempotency_key.empty()) return "";
  std::string scoped = absl::StrCat(r.user_id, "\n", r.idempotency_key);
  if (scoped.size() <= store::kMaxIdempotencyKeyBytes) return scoped;
  return absl::StrCat("digest:", absl::Hex(Fnv1a(scoped, 14695981039346656037ULL), absl::kZeroPad16),
                      absl::Hex(Fnv1a(scoped, 0x6c62272e07bb0142ULL), absl::kZeroPad16));
}

// A replay must be the same request: same user, cart and card token.
bool SameRequest(const store::Order& order, const PlaceOrderRequest& request) {
  // The client fields (IP, device, session) may differ on a retry.
  return order.user_id == request.user_id && order.cart_id == request.cart_id &&
         order.payment_token == request.payment_token;
}

std::string Fingerprint(const PlaceOrderRequest& r) {
  return absl::StrCat("v1|", r.user_id.size(), ":", r.user_id, "|", r.cart_id.size(), ":",
                      r.cart_id, "|", r.payment_token.size(), ":", r.payment_token);
}

// One task per warehouse, items in allocation order.
std::vector<store::FulfillmentTaskSpec> TasksFor(const std::vector<store::Allocation>& allocations) {
  std::vector<store::FulfillmentTaskSpec> tasks;
  for (const store::Allocation& a : allocations) {
    auto task = std::find_if(tasks.begin(), tasks.end(), [&](const store::FulfillmentTaskSpec& t) {
      return t.warehouse_id == a.warehouse_id;
    });
    if (task == tasks.end()) {
      tasks.push_back({.warehouse_id = a.warehouse_id});
      task = tasks.end() - 1;
    }
    task->items.push_back({.product_id = a.product_id, .quantity = a.quantity});
  }
  return tasks;
}

// Stock moved under the plan (another order took the warehouse's units):
// allocate again from a fresh snapshot.
// Whether a gateway error leaves the outcome unknown (retry with the same key)
// rather than refusing the request for good.
bool Retryable(const absl::Status& status) {
  return status.code() == absl::StatusCode::kDeadlineExceeded ||
         status.code() == absl::StatusCode::kUnavailable;
}

bool StockMoved(const absl::Status& status) {
  return absl::StartsWith(status.message(), store::kInsufficientWarehouseStockReason);
}

// The reservations can no longer become this order's stock.
bool HoldsLost(const absl::Status& status) {
  for (const char* reason : {store::kReservationExpiredReason, store::kReservationNotActiveReason,
                             store::kReservationNotFoundReason, store::kAllocationMismatchReason,
                             store::kInsufficientStockReason}) {
    if (absl::StartsWith(status.message(), reason)) return true;
  }
  return false;
}

}  // namespace

absl::Status CheckoutFailureOf(const store::Order& order) {
  // The checkout succeeded once the order reached preparing, whatever
  // happened to it since (shipped, or cancelled by an operator).
  for (const store::StatusChange& change : order.history) {
    if (change.to_status == OrderStatusName(OrderStatus::kPreparing)) return absl::OkStatus();
  }
  if (order.status == OrderStatusName(OrderStatus::kPending)) {
    return internal::Reason(absl::StatusCode::kUnavailable, kOrderUnderReviewReason,
                            "the order is held for a fraud review; nothing was charged yet");
  }
  if (order.status_reason == kFraudBlockedStatusReason) {
    return internal::Reason(absl::StatusCode::kPermissionDenied, kFraudBlockedStatusReason,
                            "the order was blocked by fraud screening; nothing was charged");
  }
  if (order.status == OrderStatusName(OrderStatus::kPaymentProcessing) ||
      order.status == OrderStatusName(OrderStatus::kPaymentConfirmed)) {
    return internal::Reason(absl::StatusCode::kUnavailable, kPaymentPendingReason,
                            "the payment is not settled yet; the order is retried");
  }
  if (order.status_reason == kPaymentFailedStatusReason ||
      order.status_reason == kPaymentErrorStatusReason) {
    return internal::Reason(absl::StatusCode::kFailedPrecondition, kPaymentDeclinedReason,
                            "the card was declined");
  }
  if (order.status_reason == kInventoryUnavailableStatusReason) {
    return internal::Reason(absl::StatusCode::kFailedPrecondition, store::kInsufficientStockReason,
                            "the stock ran out before the order was allocated; it was refunded");
  }
  return internal::Reason(
      absl::StatusCode::kFailedPrecondition, kOrderCancelledReason,
      absl::StrCat("the order was cancelled before it was placed (", order.status_reason, ")"));
}

OrderService::OrderService(const Clock& clock, store::OrderStore* orders,
                           InventoryService* inventory, CartService* carts,
                           PaymentGateway* gateway, OrderServiceOptions options,
                           PlacedListener on_placed, FraudScreen* fraud)
    : clock_(clock),
      orders_(orders),
      inventory_(inventory),
      carts_(carts),
      gateway_(gateway),
      options_(std::move(options)),
      on_placed_(std::move(on_placed)),
      fraud_(fraud) {}

OrderService::~OrderService() { Stop(); }

std::mutex& OrderService::KeyLock(const std::string& scoped_key) {
  return key_locks_[std::hash<std::string>{}(scoped_key) % key_locks_.size()];
}

absl::StatusOr<CheckoutResult> OrderService::PlaceOrder(const PlaceOrderRequest& request) {
  AISLE_RETURN_IF_ERROR(CheckPlaceOrderRequest(request));
  const std::string scoped_key = ScopedKey(request);
  // Retries with one key queue here until the first call is done, and then
  // find its order below: they never run the flow twice.
  std::unique_lock<std::mutex> lock;
  if (!scoped_key.empty()) {
    lock = std::unique_lock<std::mutex>(KeyLock(scoped_key));
    AISLE_ASSIGN_OR_RETURN(std::optional<store::Order> earlier,
                           orders_->GetOrderByIdempotencyKey(scoped_key));
    if (earlier) {
      if (!SameRequest(*earlier, request)) {
        return internal::Reason(absl::StatusCode::kFailedPrecondition,
                                store::kIdempotencyKeyReusedReason,
                                "the key was already used for a different request");
      }
      return CheckoutResult{
          .order = *earlier, .replayed = true, .failure = CheckoutFailureOf(*earlier)};
    }
  }
  AISLE_ASSIGN_OR_RETURN(const Checkout checkout, ReadCart(request));
  // Screening runs before anything is written or charged; its verdict
  // decides how far the creation commit takes the order.
  std::optional<FraudAssessment> assessment;
  if (fraud_ != nullptr) {
    AISLE_ASSIGN_OR_RETURN(assessment, fraud_->Screen(ScreeningOf(request, checkout)));
  }
  const FraudAction action = assessment ? assessment->action : FraudAction::kApprove;
  AISLE_ASSIGN_OR_RETURN(store::CreateOrderResult created,
                         Create(request, scoped_key, checkout, assessment));
  if (!created.created) {
    return CheckoutResult{.order = created.order,
                          .replayed = true,
                          .failure = CheckoutFailureOf(created.order)};
  }
  switch (action) {
    case FraudAction::kApprove:
      return Process(std::move(created.order), checkout.lines);
    case FraudAction::kReview: {
      // The failure is read before the order is moved into the result (the
      // initializers run in order).
      absl::Status under_review = CheckoutFailureOf(created.order);
      return CheckoutResult{.order = std::move(created.order), .failure = std::move(under_review)};
    }
    case FraudAction::kBlock:
      break;
  }
  return Block(std::move(created.order), checkout.lines);
}

ScreeningRequest OrderService::ScreeningOf(const PlaceOrderRequest& request,
                                           const Checkout& checkout) const {
  return ScreeningRequest{.user_id = request.user_id,
                          .currency = checkout.currency,
                          .total_cents = checkout.subtotal_cents,
                          .payment_token = request.payment_token,
                          .shipping = request.shipping,
                          .billing_country = request.billing_country,
                          .ip_address = request.ip_address,
                          .device_fingerprint = request.device_fingerprint,
                          .session_id = request.session_id};
}

CheckoutResult OrderService::Block(store::Order order,
                                   const std::vector<store::CartLineRef>& lines) {
  // Nothing was charged; the holds go back and the cart stays closed.
  store::TransitionRequest block{
      .order_id = order.id,
      .expected_from = order.status,
      .to = std::string(OrderStatusName(OrderStatus::kCancelled)),
      .reason = kFraudBlockedStatusReason,
      .at_ms = clock_.NowMillis(),
      .outbox = internal::OrderMessage(order, "order.cancelled", OrderStatus::kCancelled,
                                       kFraudBlockedStatusReason),
      .release_reservations = internal::ReservationIds(lines)};
  absl::StatusOr<store::TransitionResult> done = orders_->TransitionOrder(std::move(block)).get();
  PublishAvailability(internal::ProductIds(lines));
  absl::StatusOr<store::Order> now = GetOrder(order.id);
  if (!done.ok() || !now.ok()) {
    return CheckoutResult{.order = std::move(order),
                          .failure = done.ok() ? now.status() : done.status()};
  }
  return CheckoutResult{.order = *now, .failure = CheckoutFailureOf(*now)};
}

absl::StatusOr<OrderService::Checkout> OrderService::ReadCart(const PlaceOrderRequest& request) {
  AISLE_ASSIGN_OR_RETURN(CartView view, carts_->GetCart(request.cart_id));
  if (view.cart.status != store::CartStatus::kActive) {
    return internal::Reason(absl::StatusCode::kFailedPrecondition, store::kCartNotActiveReason,
                            absl::StrCat(request.cart_id, " is ",
                                         std::string(store::CartStatusName(view.cart.status))));
  }
  if (!view.cart.user_id.empty() && view.cart.user_id != request.user_id) {
    return internal::Reason(absl::StatusCode::kPermissionDenied, store::kCartUserMismatchReason,
                            "the cart belongs to another user");
  }
  if (view.lines.empty()) {
    return internal::Reason(absl::StatusCode::kFailedPrecondition, kCartEmptyReason,
                            "the cart has no items");
  }
  if (view.unheld_lines > 0) {
    // A hold expired while the shopper was away: take it again (or fail with
    // insufficient_stock), as re-adding the line would.
    for (const CartLineView& line : view.lines) {
      if (line.held()) continue;
      AISLE_RETURN_IF_ERROR(
          carts_->ChangeQuantity(request.cart_id, line.product_id, line.quantity).status());
    }
    AISLE_ASSIGN_OR_RETURN(view, carts_->GetCart(request.cart_id));
  }
  Checkout checkout;
  for (const CartLineView& line : view.lines) {
    if (!line.in_catalog) {
      return internal::Reason(absl::StatusCode::kFailedPrecondition, kProductUnavailableReason,
                              absl::StrCat(line.product_id, " is no longer sold"));
    }
    const std::string currency = line.currency.empty() ? options_.default_currency : line.currency;
    if (checkout.currency.empty()) checkout.currency = currency;
    if (currency != checkout.currency) {
      return internal::Reason(absl::StatusCode::kFailedPrecondition, kCurrencyMismatchReason,
                              absl::StrCat("the cart mixes ", checkout.currency, " and ", currency));
    }
    checkout.items.push_back({.product_id = line.product_id,
                              .quantity = line.quantity,
                              .unit_price_cents = line.unit_price_minor,
                              .title = line.title});
    checkout.lines.push_back({.product_id = line.product_id,
                              .quantity = line.quantity,
                              .reservation_id = line.reservation_id});
  }
  checkout.subtotal_cents = view.subtotal_minor;
  return checkout;
}

absl::StatusOr<store::CreateOrderResult> OrderService::Create(
    const PlaceOrderRequest& request, const std::string& scoped_key, const Checkout& checkout,
    const std::optional<FraudAssessment>& assessment) {
  const int64_t now = clock_.NowMillis();
  const FraudAction action = assessment ? assessment->action : FraudAction::kApprove;
  store::CreateOrderRequest create{
      .idempotency_key = scoped_key,
      .request_fingerprint = scoped_key.empty() ? "" : Fingerprint(request),
      .user_id = request.user_id,
      .cart_id = request.cart_id,
      .currency = checkout.currency,
      .subtotal_cents = checkout.subtotal_cents,
      .total_cents = checkout.subtotal_cents,  // No shipping fee, tax or discount yet.
      .shipping = request.shipping,
      .billing_country = request.billing_country,
      .items = checkout.items,
      .status = std::string(OrderStatusName(OrderStatus::kPending)),
      .payment_token = request.payment_token,
      .now_ms = now,
      .close_cart = checkout.lines,
      .device_fingerprint = request.device_fingerprint,
      .ip_address = request.ip_address,
      .session_id = request.session_id};
  // Approved: on to payment in the same commit. Held for review: pending,
  // the stock held until an operator decides. Blocked: cancelled next.
  if (action == FraudAction::kApprove) {
    create.then_statuses = {std::string(OrderStatusName(OrderStatus::kPaymentProcessing))};
  }
  if (action == FraudAction::kReview) create.hold_reservations_until_ms = now + options_.review_hold_ms;
  if (assessment) create.risk = RiskRecordOf(*assessment);
  return orders_->CreateOrder(std::move(create)).get();
}

CheckoutResult OrderService::Process(store::Order order,
                                     const std::vector<store::CartLineRef>& lines) {
  // A free order (everything discounted away) has nothing to charge.
  if (order.total_cents == 0) return Fulfil(std::move(order), lines, std::nullopt);
  absl::StatusOr<PaymentOutcome> charge = ChargeWithRetries(order);
  if (!charge.ok() && Retryable(charge.status())) {
    // Unknown whether money moved: the order stays in payment_processing and
    // ResumeInterrupted asks the gateway again with the same key.
    return CheckoutResult{.order = order, .failure = CheckoutFailureOf(order)};
  }
  const bool approved = charge.ok() && charge->approved;
  store::Payment payment{
      .kind = store::PaymentKind::kCapture,
      .amount_cents = order.total_cents,
      .status = approved ? store::PaymentStatus::kSucceeded : store::PaymentStatus::kFailed,
      .gateway_ref = charge.ok() ? charge->gateway_ref : "",
      .card_last4 = charge.ok() ? charge->card_last4 : "",
      .token = order.payment_token,
      .failure_reason = charge.ok() ? charge->decline_reason : "gateway_error"};
  if (approved) return Fulfil(std::move(order), lines, payment);
  // Declined, or refused outright (a request the gateway will never accept):
  // nothing was charged either way.
  const char* reason = charge.ok() ? kPaymentFailedStatusReason : kPaymentErrorStatusReason;
  store::TransitionRequest cancel{
      .order_id = order.id,
      .expected_from = order.status,
      .to = std::string(OrderStatusName(OrderStatus::kCancelled)),
      .reason = reason,
      .at_ms = clock_.NowMillis(),
      .outbox = internal::OrderMessage(order, "order.cancelled", OrderStatus::kCancelled, reason),
      .payment = payment,
      .reopen_cart = true};
  absl::StatusOr<store::TransitionResult> done = orders_->TransitionOrder(std::move(cancel)).get();
  PublishAvailability(internal::ProductIds(lines));  // Holds a reopened cart could not keep are released.
  absl::StatusOr<store::Order> now = GetOrder(order.id);
  if (!done.ok() || !now.ok()) {
    return CheckoutResult{.order = std::move(order),
                          .failure = done.ok() ? now.status() : done.status()};
  }
  return CheckoutResult{
      .order = *std::move(now),
      .failure = internal::Reason(
          absl::StatusCode::kFailedPrecondition, kPaymentDeclinedReason,
          charge.ok() ? absl::StrCat("the card was declined (", charge->decline_reason, ")")
                      : absl::StrCat("the payment gateway refused the charge: ",
                                     charge.status().message()))};
}

CheckoutResult OrderService::Fulfil(store::Order order,
                                    const std::vector<store::CartLineRef>& lines,
                                    const std::optional<store::Payment>& capture) {
  const bool confirmed = order.status == OrderStatusName(OrderStatus::kPaymentConfirmed);
  absl::Status last = absl::OkStatus();
  for (int attempt = 0; attempt < options_.allocation_attempts; ++attempt) {
    absl::StatusOr<std::vector<store::Allocation>> allocations = Allocate(order, lines);
    if (!allocations.ok()) {
      last = allocations.status();
      break;
    }
    store::TransitionRequest place{
        .order_id = order.id,
        .expected_from = order.status,
        .to = std::string(OrderStatusName(confirmed ? OrderStatus::kInventoryAllocated
                                                    : OrderStatus::kPaymentConfirmed)),
        .at_ms = clock_.NowMillis(),
        .outbox = internal::OrderMessage(order, "order.confirmed", OrderStatus::kPreparing, ""),
        .fulfillment_tasks = TasksFor(*allocations),
        .commit_stock = store::CommitRequest{.order_id = order.id,
                                             .reservation_ids = internal::ReservationIds(lines),
                                             .allocations = *allocations}};
    if (!confirmed) {
      place.payment = capture;  // None for a free order.
      place.then_to.push_back(std::string(OrderStatusName(OrderStatus::kInventoryAllocated)));
    }
    place.then_to.push_back(std::string(OrderStatusName(OrderStatus::kPreparing)));
    absl::StatusOr<store::TransitionResult> done = orders_->TransitionOrder(std::move(place)).get();
    if (done.ok()) {
      absl::StatusOr<store::Order> now = GetOrder(order.id);
      if (!now.ok()) return CheckoutResult{.order = std::move(order), .failure = now.status()};
      if (on_placed_) on_placed_(*now);
      return CheckoutResult{.order = *std::move(now)};
    }
    last = done.status();
    if (!StockMoved(last)) break;
  }
  if (StockMoved(last) || HoldsLost(last)) {
    return CancelAfterCharge(std::move(order), lines, capture, std::move(last));
  }
  // Anything else (the store failed): the order stays where it is and is
  // resumed later; the gateway's idempotency makes the retry safe.
  return CheckoutResult{.order = std::move(order), .failure = std::move(last)};
}

CheckoutResult OrderService::CancelAfterCharge(store::Order order,
                                               const std::vector<store::CartLineRef>& lines,
                                               const std::optional<store::Payment>& capture,
                                               absl::Status why) {
  if (capture && order.status == OrderStatusName(OrderStatus::kPaymentProcessing)) {
    // The money moved: record it before anything else can fail.
    store::TransitionRequest paid{
        .order_id = order.id,
        .expected_from = order.status,
        .to = std::string(OrderStatusName(OrderStatus::kPaymentConfirmed)),
        .at_ms = clock_.NowMillis(),
        .payment = capture};
    absl::StatusOr<store::TransitionResult> done = orders_->TransitionOrder(std::move(paid)).get();
    if (!done.ok()) return CheckoutResult{.order = std::move(order), .failure = done.status()};
    order.status = std::string(OrderStatusName(OrderStatus::kPaymentConfirmed));
  }
  std::optional<store::Payment> refund_row;
  if (capture) {
    absl::StatusOr<PaymentOutcome> refund = RefundWithRetries(
        absl::StrCat(order.id, ":refund"), capture->gateway_ref, order.total_cents);
    if (!refund.ok() || !refund->approved) {
      // Stays payment_confirmed: ResumeInterrupted tries again.
      return CheckoutResult{.order = std::move(order),
                            .failure = refund.ok() ? absl::UnavailableError("the refund was refused")
                                                   : refund.status()};
    }
    refund_row = store::Payment{.kind = store::PaymentKind::kRefund,
                                .amount_cents = order.total_cents,
                                .gateway_ref = refund->gateway_ref,
                                .card_last4 = capture->card_last4,
                                .token = order.payment_token};
  }
  store::TransitionRequest cancel{
      .order_id = order.id,
      .expected_from = order.status,
      .to = std::string(OrderStatusName(OrderStatus::kCancelled)),
      .reason = kInventoryUnavailableStatusReason,
      .at_ms = clock_.NowMillis(),
      .outbox = internal::OrderMessage(order, "order.cancelled", OrderStatus::kCancelled,
                                       kInventoryUnavailableStatusReason),
      .payment = refund_row,
      .release_reservations = internal::ReservationIds(lines),
      .reopen_cart = true};
  absl::StatusOr<store::TransitionResult> done = orders_->TransitionOrder(std::move(cancel)).get();
  if (!done.ok() && refund_row) {
    // The money went back: the ledger must say so even though the order did
    // not move (Resume then sees the refund and only cancels).
    refund_row->order_id = order.id;
    (void)orders_->RecordPayment(*refund_row).get();
  }
  PublishAvailability(internal::ProductIds(lines));
  absl::StatusOr<store::Order> now = GetOrder(order.id);
  if (!done.ok() || !now.ok()) {
    return CheckoutResult{.order = std::move(order), .failure = done.ok() ? now.status() : done.status()};
  }
  return CheckoutResult{
      .order = *std::move(now),
      .failure = internal::Reason(absl::StatusCode::kFailedPrecondition,
                                  store::kInsufficientStockReason,
                                  absl::StrCat("the order could not be allocated and was refunded (",
                                               why.message(), ")"))};
}

absl::StatusOr<PaymentOutcome> OrderService::ChargeWithRetries(const store::Order& order) {
  const ChargeRequest charge{.idempotency_key = absl::StrCat(order.id, ":capture"),
                             .token = order.payment_token,
                             .amount_cents = order.total_cents,
                             .currency = order.currency};
  absl::StatusOr<PaymentOutcome> outcome = absl::UnavailableError("no attempt");
  for (int attempt = 0; attempt < std::max(1, options_.gateway_attempts); ++attempt) {
    outcome = gateway_->Charge(charge);
    if (outcome.ok() || !Retryable(outcome.status())) break;
  }
  return outcome;
}

absl::StatusOr<PaymentOutcome> OrderService::RefundWithRetries(const std::string& key,
                                                               const std::string& ref,
                                                               int64_t amount_cents) {
  absl::StatusOr<PaymentOutcome> outcome = absl::UnavailableError("no attempt");
  for (int attempt = 0; attempt < std::max(1, options_.gateway_attempts); ++attempt) {
    outcome = gateway_->Refund(key, ref, amount_cents);
    if (outcome.ok() || !Retryable(outcome.status())) break;
  }
  return outcome;
}

absl::StatusOr<std::vector<store::Allocation>> OrderService::Allocate(
    const store::Order& order, const std::vector<store::CartLineRef>& lines) {
  std::vector<OrderLine> order_lines;
  for (const store::OrderItem& item : order.items) {
    order_lines.push_back({.product_id = item.product_id,
                           .quantity = item.quantity,
                           .unit_price = static_cast<double>(item.unit_price_cents)});
  }
  InventorySnapshot snapshot;
  for (const std::string& product_id : internal::ProductIds(lines)) {
    AISLE_ASSIGN_OR_RETURN(const store::ProductStock stock, inventory_->Stock(product_id));
    std::vector<WarehouseAvailability>& warehouses = snapshot[product_id];
    for (const store::WarehouseStock& w : stock.warehouses) {
      if (w.on_hand <= 0) continue;
      AISLE_ASSIGN_OR_RETURN(const LatLon location, WarehouseLocation(w.warehouse_id));
      // The order's own reservation covers any warehouse: what it may take
      // from one is that warehouse's on hand.
      warehouses.push_back(
          {.warehouse_id = w.warehouse_id, .location = location, .available = w.on_hand});
    }
  }
  const LatLon destination{.latitude = *order.shipping.latitude,
                           .longitude = *order.shipping.longitude};
  AISLE_ASSIGN_OR_RETURN(const AllocationPlan plan,
                         AllocateInventory(order_lines, snapshot, destination));
  if (!plan.complete()) {
    return internal::Reason(absl::StatusCode::kFailedPrecondition, store::kInsufficientStockReason,
                            std::string(InsufficientInventoryError(plan).message()));
  }
  // One store allocation per (product, warehouse), in plan order.
  std::vector<store::Allocation> merged;
  for (const Allocation& a : plan.allocations) {
    auto same = std::find_if(merged.begin(), merged.end(), [&](const store::Allocation& m) {
      return m.product_id == a.product_id && m.warehouse_id == a.warehouse_id;
    });
    if (same != merged.end()) {
      same->quantity += a.quantity;
    } else {
      merged.push_back(
          {.product_id = a.product_id, .warehouse_id = a.warehouse_id, .quantity = a.quantity});
    }
  }
  return merged;
}

absl::StatusOr<LatLon> OrderService::WarehouseLocation(const std::string& warehouse_id) {
  std::lock_guard<std::mutex> lock(warehouses_mu_);
  auto found = warehouses_.find(warehouse_id);
  if (found != warehouses_.end()) return found->second;
  // A warehouse added since the last read: read them all again.
  AISLE_ASSIGN_OR_RETURN(const std::vector<store::Warehouse> all, inventory_->Warehouses());
  warehouses_.clear();
  for (const store::Warehouse& w : all) {
    warehouses_[w.id] = LatLon{.latitude = w.latitude, .longitude = w.longitude};
  }
  found = warehouses_.find(warehouse_id);
  if (found == warehouses_.end()) {
    return internal::Reason(absl::StatusCode::kNotFound, store::kWarehouseNotFoundReason,
                            warehouse_id);
  }
  return found->second;
}

}  // namespace aisle::commerce
