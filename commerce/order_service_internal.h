// Internal to commerce/: what the two halves of OrderService share
// (order_service.cc: checkout; order_operations.cc: operator transitions,
// reads, recovery).
#ifndef AISLE_COMMERCE_ORDER_SERVICE_INTERNAL_H_
#define AISLE_COMMERCE_ORDER_SERVICE_INTERNAL_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "commerce/order_state.h"
#include "store/order_store.h"

namespace aisle::commerce::internal {

// "<reason>: <details>" with the given code (the convention of every
// domain error: server/ turns the reason into the JSON error code).
absl::Status Reason(absl::StatusCode code, std::string_view reason, std::string_view details);

// The reservation ids of an order's cart lines, in line order.
std::vector<std::string> ReservationIds(const std::vector<store::CartLineRef>& lines);
// The distinct products of the lines, sorted (for availability publishing).
std::vector<std::string> ProductIds(const std::vector<store::CartLineRef>& lines);

// Appends `text` as a quoted JSON string (quotes, backslashes and control
// characters escaped; UTF-8 passes through).
void AppendJsonString(std::string_view text, std::string* out);

// The outbox message announcing that `order` moved to `status`: kind
// ("order.confirmed", "order.shipped", ...) and a small JSON payload with
// the order's id, user, status, reason, total and currency.
store::OutboxMessage OrderMessage(const store::Order& order, std::string_view kind,
                                  OrderStatus status, std::string_view reason);

}  // namespace aisle::commerce::internal

#endif  // AISLE_COMMERCE_ORDER_SERVICE_INTERNAL_H_
