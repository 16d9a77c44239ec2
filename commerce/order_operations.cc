// OrderService, operations half: reads, operator transitions, fulfillment
// completion and the recovery of interrupted checkouts.
#include <chrono>
#include <cstdio>
#include <iostream>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "commerce/order_service.h"
#include "commerce/order_service_internal.h"
#include "commerce/order_state.h"

namespace aisle::commerce {
namespace internal {

void AppendJsonString(std::string_view text, std::string* out) {
  out->push_back('"');
  for (const char c : text) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", c);
          out->append(escaped);
        } else {
          out->push_back(c);
        }
    }
  }
  out->push_back('"');
}

std::vector<std::string> ReservationIds(const std::vector<store::CartLineRef>& lines) {
  std::vector<std::string> ids;
  for (const store::CartLineRef& line : lines) ids.push_back(line.reservation_id);
  return ids;
}

std::vector<std::string> ProductIds(const std::vector<store::CartLineRef>& lines) {
  std::set<std::string> ids;
  for (const store::CartLineRef& line : lines) ids.insert(line.product_id);
  return {ids.begin(), ids.end()};
}

absl::Status Reason(absl::StatusCode code, std::string_view reason, std::string_view details) {
  return absl::Status(code, absl::StrCat(std::string(reason), ": ", std::string(details)));
}

store::OutboxMessage OrderMessage(const store::Order& order, std::string_view kind,
                                  OrderStatus status, std::string_view reason) {
  std::string payload = "{\"type\":";
  AppendJsonString(kind, &payload);
  payload.append(",\"orderId\":");
  AppendJsonString(order.id, &payload);
  payload.append(",\"userId\":");
  AppendJsonString(order.user_id, &payload);
  payload.append(",\"status\":");
  AppendJsonString(OrderStatusName(status), &payload);
  payload.append(",\"reason\":");
  AppendJsonString(reason, &payload);
  absl::StrAppend(&payload, ",\"totalCents\":", order.total_cents, ",\"currency\":");
  AppendJsonString(order.currency, &payload);
  payload.push_back('}');
  return store::OutboxMessage{.kind = std::string(kind), .payload = std::move(payload)};
}

}  // namespace internal

namespace {

// Captured minus refunded, over the order's succeeded payments.
int64_t NetCaptured(const std::vector<store::Payment>& payments, std::string* capture_ref,
                    std::string* last4) {
  int64_t net = 0;
  for (const store::Payment& p : payments) {
    if (p.status != store::PaymentStatus::kSucceeded) continue;
    if (p.kind == store::PaymentKind::kCapture) {
      net += p.amount_cents;
      *capture_ref = p.gateway_ref;
      *last4 = p.card_last4;
    } else if (p.kind == store::PaymentKind::kRefund) {
      net -= p.amount_cents;
    }
  }
  return net;
}

// Units a cancelled order gives back: what its pending tasks were to ship.
std::vector<store::Allocation> Unshipped(const std::vector<store::FulfillmentTask>& tasks) {
  std::vector<store::Allocation> units;
  for (const store::FulfillmentTask& task : tasks) {
    if (task.status != store::FulfillmentStatus::kPending) continue;
    for (const store::FulfillmentItem& item : task.items) {
      units.push_back({.product_id = item.product_id,
                       .warehouse_id = task.warehouse_id,
                       .quantity = item.quantity});
    }
  }
  return units;
}

const char* KindOf(OrderStatus to) {
  switch (to) {
    case OrderStatus::kCancelled:
      return "order.cancelled";
    case OrderStatus::kShipped:
      return "order.shipped";
    case OrderStatus::kDelivered:
      return "order.delivered";
    case OrderStatus::kRefunded:
      return "order.refunded";
    default:
      return "order.updated";
  }
}

}  // namespace

absl::StatusOr<store::Order> OrderService::GetOrder(const std::string& order_id) const {
  AISLE_ASSIGN_OR_RETURN(std::optional<store::Order> order, orders_->GetOrder(order_id));
  if (!order) {
    return internal::Reason(absl::StatusCode::kNotFound, store::kOrderNotFoundReason, order_id);
  }
  return *std::move(order);
}

absl::StatusOr<std::vector<store::Order>> OrderService::OrdersOfUser(const std::string& user_id,
                                                                     int64_t limit) const {
  return orders_->ListOrdersOfUser(user_id, limit);
}

absl::StatusOr<std::vector<store::Payment>> OrderService::Payments(
    const std::string& order_id) const {
  return orders_->ListPayments(order_id);
}

absl::StatusOr<std::vector<store::FulfillmentTask>> OrderService::FulfillmentTasks(
    const std::string& order_id) const {
  return orders_->ListOrderFulfillmentTasks(order_id);
}

absl::StatusOr<std::vector<store::FulfillmentTask>> OrderService::WarehouseTasks(
    const std::string& warehouse_id, store::FulfillmentStatus status, int64_t limit) const {
  return orders_->ListFulfillmentTasks(warehouse_id, status, limit);
}

absl::StatusOr<store::Order> OrderService::Cancel(const std::string& order_id,
                                                  const std::string& reason) {
  return Transition(order_id, OrderStatus::kCancelled, reason);
}

absl::StatusOr<store::Order> OrderService::Ship(const std::string& order_id) {
  return Transition(order_id, OrderStatus::kShipped, "");
}

absl::StatusOr<store::Order> OrderService::Deliver(const std::string& order_id) {
  return Transition(order_id, OrderStatus::kDelivered, "");
}

absl::StatusOr<store::Order> OrderService::Refund(const std::string& order_id,
                                                  const std::string& reason) {
  return Transition(order_id, OrderStatus::kRefunded, reason);
}

absl::StatusOr<store::Order> OrderService::Transition(const std::string& order_id, OrderStatus to,
                                                      const std::string& reason) {
  AISLE_ASSIGN_OR_RETURN(const store::Order order, GetOrder(order_id));
  const std::optional<OrderStatus> from = ParseOrderStatus(order.status);
  if (!from) return absl::DataLossError(absl::StrCat("order ", order_id, ": unknown status"));
  AISLE_RETURN_IF_ERROR(CheckTransition(*from, to));
  if (*from == OrderStatus::kPaymentProcessing) {
    return internal::Reason(absl::StatusCode::kFailedPrecondition, kOrderProcessingReason,
                            "checkout is charging this order; try again in a moment");
  }
  store::TransitionRequest request{.order_id = order_id,
                                   .expected_from = order.status,
                                   .to = std::string(OrderStatusName(to)),
                                   .reason = reason,
                                   .at_ms = clock_.NowMillis(),
                                   .outbox = internal::OrderMessage(order, KindOf(to), to, reason)};
  std::vector<std::string> touched;  // Products whose availability changes.
  if ((to == OrderStatus::kCancelled || to == OrderStatus::kRefunded) && IsPaid(*from)) {
    AISLE_ASSIGN_OR_RETURN(const std::vector<store::Payment> payments, Payments(order_id));
    std::string capture_ref, last4;
    const int64_t net = NetCaptured(payments, &capture_ref, &last4);
    if (net > 0) {
      AISLE_ASSIGN_OR_RETURN(const PaymentOutcome refund,
                             RefundWithRetries(absl::StrCat(order_id, ":refund"), capture_ref, net));
      if (!refund.approved) return absl::UnavailableError("the gateway refused the refund");
      request.payment = store::Payment{.kind = store::PaymentKind::kRefund,
                                       .amount_cents = net,
                                       .gateway_ref = refund.gateway_ref,
                                       .card_last4 = last4,
                                       .token = order.payment_token};
    }
  }
  if (to == OrderStatus::kCancelled) {
    if (HoldsAllocatedStock(*from)) {
      AISLE_ASSIGN_OR_RETURN(const std::vector<store::FulfillmentTask> tasks,
                             FulfillmentTasks(order_id));
      request.restock = Unshipped(tasks);
      request.cancel_fulfillment = true;
      for (const store::Allocation& a : request.restock) touched.push_back(a.product_id);
    } else {
      // Not allocated yet: the cart's holds are still the order's.
      AISLE_ASSIGN_OR_RETURN(const std::vector<store::CartLineRef> lines, OrderLines(order));
      request.release_reservations = internal::ReservationIds(lines);
      touched = internal::ProductIds(lines);
    }
    // Cancelling an order held for review decides the review too, so it
    // leaves the review queue.
    AISLE_ASSIGN_OR_RETURN(const std::optional<store::RiskRecord> risk, orders_->GetRisk(order_id));
    if (risk && risk->review_status == store::kReviewPending) {
      request.review = store::ReviewDecision{.status = store::kReviewRejected,
                                             .note = absl::StrCat("cancelled: ", reason)};
    }
  }
  std::optional<store::Payment> refund = request.payment;
  absl::StatusOr<store::TransitionResult> done = orders_->TransitionOrder(std::move(request)).get();
  if (!done.ok() && refund) {
    // The money went back even though the status moved under us: keep the
    // ledger true (the refund key makes a later attempt a no-op).
    refund->order_id = order_id;
    (void)orders_->RecordPayment(*refund).get();
  }
  AISLE_RETURN_IF_ERROR(done.status());
  PublishAvailability(touched);
  return GetOrder(order_id);
}

absl::StatusOr<store::FulfillmentCompletion> OrderService::CompleteFulfillmentTask(
    const std::string& task_id) {
  AISLE_ASSIGN_OR_RETURN(store::FulfillmentCompletion completion,
                         orders_->CompleteFulfillmentTask(task_id, clock_.NowMillis()).get());
  if (!completion.order_fulfilled) return completion;
  AISLE_ASSIGN_OR_RETURN(const store::Order order, GetOrder(completion.task.order_id));
  if (order.status == OrderStatusName(OrderStatus::kPreparing)) {
    absl::Status shipped = Ship(order.id).status();
    // Someone shipped it meanwhile (an operator, a retried completion): fine.
    if (!shipped.ok() && !store::CurrentOrderStatus(shipped)) return shipped;
  }
  return completion;
}

absl::StatusOr<std::vector<store::CartLineRef>> OrderService::OrderLines(
    const store::Order& order) const {
  AISLE_ASSIGN_OR_RETURN(const CartView cart, carts_->GetCart(order.cart_id));
  std::vector<store::CartLineRef> lines;
  for (const CartLineView& line : cart.lines) {
    lines.push_back({.product_id = line.product_id,
                     .quantity = line.quantity,
                     .reservation_id = line.reservation_id});
  }
  return lines;
}

void OrderService::PublishAvailability(const std::vector<std::string>& product_ids) {
  if (product_ids.empty()) return;
  if (absl::Status published = inventory_->Publish(product_ids); !published.ok()) {
    // The index catches up at the next change or restart; the order stands.
    std::cerr << "aisle: orders: availability not published: " << published << "\n";
  }
}

absl::StatusOr<int> OrderService::ResumeInterrupted() {
  const int64_t cutoff = clock_.NowMillis() - options_.resume_after_ms;
  int resumed = 0;
  for (const OrderStatus status : {OrderStatus::kPaymentProcessing, OrderStatus::kPaymentConfirmed}) {
    AISLE_ASSIGN_OR_RETURN(const std::vector<store::Order> stuck,
                           orders_->ListOrdersInStatus(OrderStatusName(status), cutoff, 100));
    for (const store::Order& order : stuck) {
      if (absl::Status status = Resume(order); !status.ok()) {
        std::cerr << "aisle: orders: resuming " << order.id << ": " << status << "\n";
        continue;
      }
      ++resumed;
    }
  }
  return resumed;
}

absl::Status OrderService::Resume(const store::Order& order) {
  AISLE_ASSIGN_OR_RETURN(const std::vector<store::CartLineRef> lines, OrderLines(order));
  if (order.status == OrderStatusName(OrderStatus::kPaymentProcessing)) {
    const bool expired =
        clock_.NowMillis() - order.created_at_ms > options_.unresolved_payment_timeout_ms;
    absl::StatusOr<PaymentOutcome> probe = ChargeWithRetries(order);
    if (!probe.ok() && expired) {
      // The gateway never answered: give the shopper their cart back.
      store::TransitionRequest give_up{
          .order_id = order.id,
          .expected_from = order.status,
          .to = std::string(OrderStatusName(OrderStatus::kCancelled)),
          .reason = kPaymentUnresolvedStatusReason,
          .at_ms = clock_.NowMillis(),
          .outbox = internal::OrderMessage(order, "order.cancelled", OrderStatus::kCancelled,
                                           kPaymentUnresolvedStatusReason),
          .release_reservations = {},
          .reopen_cart = true};
      return orders_->TransitionOrder(std::move(give_up)).get().status();
    }
    // Charging again with the same key returns the first outcome.
    const CheckoutResult result = Process(order, lines);
    return result.order.status == order.status ? result.failure : absl::OkStatus();
  }
  // payment_confirmed: the capture is recorded; allocate, or refund. If the
  // refund already went through (the cancel after it failed), only cancel.
  AISLE_ASSIGN_OR_RETURN(const std::vector<store::Payment> payments, Payments(order.id));
  std::string capture_ref, last4;
  const int64_t net = NetCaptured(payments, &capture_ref, &last4);
  std::optional<store::Payment> capture;
  for (const store::Payment& p : payments) {
    if (p.kind == store::PaymentKind::kCapture && p.status == store::PaymentStatus::kSucceeded) {
      capture = p;
    }
  }
  if (!capture) {
    return absl::DataLossError(absl::StrCat("order ", order.id, " is paid without a capture"));
  }
  const CheckoutResult result =
      net > 0 ? Fulfil(order, lines, capture)
              : CancelAfterCharge(order, lines, std::nullopt,
                                  absl::FailedPreconditionError("refunded before a crash"));
  return result.order.status == order.status ? result.failure : absl::OkStatus();
}

void OrderService::Start() {
  std::lock_guard<std::mutex> lock(loop_mu_);
  if (loop_.joinable()) return;
  stopping_ = false;
  loop_ = std::thread([this] {
    std::unique_lock<std::mutex> lock(loop_mu_);
    while (!stopping_) {
      lock.unlock();
      (void)ResumeInterrupted();
      lock.lock();
      loop_wake_.wait_for(lock, std::chrono::milliseconds(options_.resume_interval_ms),
                          [this] { return stopping_; });
    }
  });
}

void OrderService::Stop() {
  {
    std::lock_guard<std::mutex> lock(loop_mu_);
    stopping_ = true;
  }
  loop_wake_.notify_all();
  if (loop_.joinable()) loop_.join();
}

}  // namespace aisle::commerce
