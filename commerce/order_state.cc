#include "commerce/order_state.h"

#include <array>
#include <string>

#include "absl/strings/str_cat.h"

namespace aisle::commerce {
namespace {

using S = OrderStatus;

struct Edge {
  S from;
  S to;
};

// The seed's processOrder path, its failure exits, and the operator's moves.
constexpr std::array<Edge, 13> kEdges = {{
    {S::kPending, S::kPaymentProcessing},
    {S::kPending, S::kCancelled},  // Invalid order, or cancelled before payment.
    {S::kPaymentProcessing, S::kPaymentConfirmed},
    {S::kPaymentProcessing, S::kCancelled},  // payment_failed
    {S::kPaymentConfirmed, S::kInventoryAllocated},
    {S::kPaymentConfirmed, S::kCancelled},  // inventory_unavailable (refunds)
    {S::kInventoryAllocated, S::kPreparing},
    {S::kInventoryAllocated, S::kCancelled},
    {S::kPreparing, S::kShipped},
    {S::kPreparing, S::kCancelled},
    {S::kShipped, S::kDelivered},
    {S::kDelivered, S::kRefunded},
    {S::kShipped, S::kRefunded},  // Lost in transit.
}};

constexpr std::array<OrderStatus, 9> kAll = {
    S::kPending,   S::kPaymentProcessing, S::kPaymentConfirmed, S::kInventoryAllocated,
    S::kPreparing, S::kShipped,           S::kDelivered,        S::kCancelled,
    S::kRefunded};

constexpr std::array<std::string_view, 9> kNames = {
    "pending", "payment_processing", "payment_confirmed", "inventory_allocated", "preparing",
    "shipped", "delivered",          "cancelled",         "refunded"};

}  // namespace

std::string_view OrderStatusName(OrderStatus status) {
  return kNames[static_cast<size_t>(status)];
}

std::optional<OrderStatus> ParseOrderStatus(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<OrderStatus>(i);
  }
  return std::nullopt;
}

std::span<const OrderStatus> AllOrderStatuses() { return kAll; }

bool IsLegalTransition(OrderStatus from, OrderStatus to) {
  for (const Edge& edge : kEdges) {
    if (edge.from == from && edge.to == to) return true;
  }
  return false;
}

bool IsFinal(OrderStatus status) { return status == S::kCancelled || status == S::kRefunded; }

bool IsPaid(OrderStatus status) {
  return status == S::kPaymentConfirmed || status == S::kInventoryAllocated ||
         status == S::kPreparing || status == S::kShipped || status == S::kDelivered;
}

bool HoldsAllocatedStock(OrderStatus status) {
  return status == S::kInventoryAllocated || status == S::kPreparing;
}

absl::Status CheckTransition(OrderStatus from, OrderStatus to) {
  if (IsLegalTransition(from, to)) return absl::OkStatus();
  return absl::FailedPreconditionError(absl::StrCat(kIllegalTransitionReason,
                                                    ": an order cannot go from ",
                                                    std::string(OrderStatusName(from)), " to ",
                                                    std::string(OrderStatusName(to))));
}

}  // namespace aisle::commerce
