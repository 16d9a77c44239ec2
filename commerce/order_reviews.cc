// OrderService, fraud reviews: an order screening held for review waits in
// pending with its stock held; a reviewer approves it (it goes on to payment
// and allocation as a checkout would) or rejects it (cancelled, stock
// released). The decision commits with the status change, so two reviewers
// deciding at once cannot both win.
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "commerce/order_service.h"
#include "commerce/order_service_internal.h"
#include "commerce/order_state.h"

namespace aisle::commerce {
namespace {

absl::Status NotUnderReview(const store::Order& order) {
  return internal::Reason(absl::StatusCode::kFailedPrecondition, kOrderNotUnderReviewReason,
                          absl::StrCat("order ", order.id, " is ", order.status));
}

}  // namespace

absl::StatusOr<CheckoutResult> OrderService::ApproveReview(const std::string& order_id,
                                                           const std::string& note) {
  AISLE_ASSIGN_OR_RETURN(const store::Order order, GetOrder(order_id));
  if (order.status != OrderStatusName(OrderStatus::kPending)) return NotUnderReview(order);
  AISLE_ASSIGN_OR_RETURN(const std::vector<store::CartLineRef> lines, OrderLines(order));
  store::TransitionRequest approve{
      .order_id = order_id,
      .expected_from = order.status,
      .to = std::string(OrderStatusName(OrderStatus::kPaymentProcessing)),
      .reason = "fraud_review_approved",
      .at_ms = clock_.NowMillis(),
      .review = store::ReviewDecision{.status = store::kReviewApproved, .note = note}};
  AISLE_RETURN_IF_ERROR(orders_->TransitionOrder(std::move(approve)).get().status());
  AISLE_ASSIGN_OR_RETURN(store::Order approved, GetOrder(order_id));
  return Process(std::move(approved), lines);
}

absl::StatusOr<store::Order> OrderService::RejectReview(const std::string& order_id,
                                                        const std::string& note) {
  AISLE_ASSIGN_OR_RETURN(const store::Order order, GetOrder(order_id));
  if (order.status != OrderStatusName(OrderStatus::kPending)) return NotUnderReview(order);
  AISLE_ASSIGN_OR_RETURN(const std::vector<store::CartLineRef> lines, OrderLines(order));
  store::TransitionRequest reject{
      .order_id = order_id,
      .expected_from = order.status,
      .to = std::string(OrderStatusName(OrderStatus::kCancelled)),
      .reason = kFraudRejectedStatusReason,
      .at_ms = clock_.NowMillis(),
      .outbox = internal::OrderMessage(order, "order.cancelled", OrderStatus::kCancelled,
                                       kFraudRejectedStatusReason),
      .release_reservations = internal::ReservationIds(lines),
      .review = store::ReviewDecision{.status = store::kReviewRejected, .note = note}};
  AISLE_RETURN_IF_ERROR(orders_->TransitionOrder(std::move(reject)).get().status());
  PublishAvailability(internal::ProductIds(lines));
  return GetOrder(order_id);
}

absl::StatusOr<std::vector<store::PendingReview>> OrderService::PendingReviews(
    int64_t limit) const {
  return orders_->ListPendingReviews(limit);
}

absl::StatusOr<store::RiskRecord> OrderService::Risk(const std::string& order_id) const {
  AISLE_ASSIGN_OR_RETURN(const std::optional<store::RiskRecord> risk, orders_->GetRisk(order_id));
  if (!risk) {
    AISLE_RETURN_IF_ERROR(GetOrder(order_id).status());  // order_not_found first.
    return internal::Reason(absl::StatusCode::kNotFound, store::kRiskNotFoundReason,
                            absl::StrCat("order ", order_id, " was not screened"));
  }
  return *risk;
}

}  // namespace aisle::commerce
