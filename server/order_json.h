// The JSON of orders, fulfillment tasks and checkout outcomes, and the
// request helpers the order, fulfillment and review routes share.
//
// Money is written as decimal major units ("total": 12.5) from the ledger's
// exact integer cents. Thread-safety: stateless functions.
#ifndef AISLE_SERVER_ORDER_JSON_H_
#define AISLE_SERVER_ORDER_JSON_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "commerce/order_service.h"
#include "server/http.h"
#include "server/json_writer.h"

namespace aisle::server {

// InvalidArgument "unknown field '<key>': use <allowed>" naming `key`.
absl::Status UnknownField(std::string_view key, std::string_view allowed);
// Only whitespace.
bool Blank(std::string_view body);

// The JSON error of a commerce or store error: reason codes become error
// codes; payment_declined is 402; payment_pending and order_under_review are
// 202 (the order exists and is decided later).
Response OrderError(absl::Status status);

void WriteTask(const store::FulfillmentTask& task, JsonWriter* out);
void WriteTasks(const std::vector<store::FulfillmentTask>& tasks, JsonWriter* out);
// The order with items and history; with `details`, its payments and
// fulfillment tasks too (read now: a list of orders passes nullptr).
void WriteOrder(const store::Order& order, const commerce::OrderService* details, JsonWriter* out);
Response OrderResponse(const absl::StatusOr<store::Order>& order,
                       const commerce::OrderService* details, int status = 200);

// A checkout's answer: 201 with the order (200 for a replay, with
// "Idempotent-Replayed: true"); for a placed-but-failed outcome the error
// with the order next to it ({"error": {...}, "order": {...}}); Location
// names the order.
Response CheckoutResponse(const absl::StatusOr<commerce::CheckoutResult>& result,
                          const commerce::OrderService* details);

// ?limit= in [1, max], `fallback` when absent.
absl::StatusOr<int64_t> LimitParam(const Request& request, int64_t fallback, int64_t max);
// An optional body {"<field>": "text"}; "" for an empty body.
absl::StatusOr<std::string> OptionalText(const Request& request, std::string_view field);

}  // namespace aisle::server

#endif  // AISLE_SERVER_ORDER_JSON_H_
