// The order state machine of the seed's processOrder, with the operator
// transitions issue D adds (cancel, ship, deliver, refund). Every status
// change goes through IsLegalTransition; anything else is refused (the HTTP
// layer answers 409).
//
//   pending ─► payment_processing ─► payment_confirmed ─► inventory_allocated
//      │               │                    │                     │
//      └───────────────┴────────────────────┴──────► cancelled ◄──┤
//                                                                 ▼
//                       refunded ◄── delivered ◄── shipped ◄── preparing
//                          ▲                          │
//                          └──────────────────────────┘
//
// cancelled and refunded are final. An order is cancelled before it ships
// (payment failed, inventory unavailable, the shopper or an operator); after
// it ships it can be delivered, and refunded (returned, or lost in transit).
#ifndef AISLE_COMMERCE_ORDER_STATE_H_
#define AISLE_COMMERCE_ORDER_STATE_H_

#include <optional>
#include <span>
#include <string_view>

#include "base/status.h"

namespace aisle::commerce {

enum class OrderStatus {
  kPending,
  kPaymentProcessing,
  kPaymentConfirmed,
  kInventoryAllocated,
  kPreparing,
  kShipped,
  kDelivered,
  kCancelled,
  kRefunded,
};

// The seed's names: "pending", "payment_processing", ... "refunded".
std::string_view OrderStatusName(OrderStatus status);
std::optional<OrderStatus> ParseOrderStatus(std::string_view name);

// Every status, in the order above.
std::span<const OrderStatus> AllOrderStatuses();

bool IsLegalTransition(OrderStatus from, OrderStatus to);
bool IsFinal(OrderStatus status);
// Payment was captured and not yet returned: cancelling must refund.
bool IsPaid(OrderStatus status);
// Stock is committed to the order (allocated) and not yet shipped: a cancel
// returns it to the warehouses.
bool HoldsAllocatedStock(OrderStatus status);

// Starts the message of CheckTransition's error.
inline constexpr char kIllegalTransitionReason[] = "illegal_transition";

// OkStatus for a legal transition; FailedPrecondition "illegal_transition:
// an order cannot go from <from> to <to>" otherwise.
absl::Status CheckTransition(OrderStatus from, OrderStatus to);

}  // namespace aisle::commerce

#endif  // AISLE_COMMERCE_ORDER_STATE_H_
