// Order and fulfillment routes (issue D). Thin: parse, call
// commerce::OrderService, write JSON.
//
//   POST /v1/orders                      checkout a cart (Idempotency-Key header)
//        {"userId", "cartId", "paymentToken",
//         "shipping": {"country", "latitude", "longitude", "name"?, "line1"?, "line2"?,
//                      "city"?, "region"?, "postalCode"?},
//         "billingCountry"?, "ipAddress"?, "deviceFingerprint"?, "sessionId"?}
//        (the last three feed fraud screening: the shopper's IP as the
//        storefront saw it, a device fingerprint, the storefront session)
//        201 the order (status "preparing"); a replay of the same key and request
//        answers as the first call did, with "Idempotent-Replayed: true".
//        Placed-but-failed outcomes carry the order next to the error:
//          402 payment_declined       {"error": {...}, "order": {...}} (cancelled,
//                                     the cart is active again with its holds)
//          409 insufficient_stock     (cancelled and refunded)
//          202 payment_pending        (the gateway did not answer; resumed later)
//          202 order_under_review     (fraud screening held it: pending, stock
//                                     held, decided by a reviewer, review_handlers.h)
//          403 fraud_blocked          (cancelled, nothing charged, stock released)
//   GET  /v1/orders/{id}                 the order with items, status history,
//                                        payments (last 4 digits only), fulfillment tasks
//   GET  /v1/users/{id}/orders?limit=20  newest first, limit in [1, 100]
//   POST /v1/orders/{id}/cancel  {"reason"?}   operator transitions: the order
//   POST /v1/orders/{id}/ship                  afterwards; 409 illegal_transition
//   POST /v1/orders/{id}/deliver               for a move the state machine
//   POST /v1/orders/{id}/refund  {"reason"?}   forbids (commerce/order_state.h)
//   GET  /v1/fulfillment/tasks?warehouseId=&status=pending&limit=100
//   POST /v1/fulfillment/tasks/{id}/complete   ships the order with its last task
//
// Money in responses: decimal major units ("total": 12.5) computed from the
// exact integer cents the ledger keeps, plus "currency".
//
// Errors: 400 bad input (malformed JSON, unknown fields, wrong types, a
// card number in paymentToken); 413 over 8 KiB; 404 cart_not_found,
// order_not_found, fulfillment_task_not_found; 403 cart_user_mismatch; 409
// cart_not_active, cart_empty, cart_changed, insufficient_stock,
// idempotency_key_reused, illegal_transition, status_changed,
// order_processing; 402 payment_declined.
//
// Routes run on the blocking pool (they wait on SQLite and the gateway).
// Thread-safe.
#ifndef AISLE_SERVER_ORDER_HANDLERS_H_
#define AISLE_SERVER_ORDER_HANDLERS_H_

#include "commerce/order_service.h"
#include "server/http.h"
#include "server/router.h"

namespace aisle::server {

class OrderHandlers {
 public:
  // Not owned; must outlive the handlers.
  explicit OrderHandlers(commerce::OrderService* orders) : orders_(orders) {}

  void Register(Router* router);

  Response PlaceOrder(Request& request) const;
  Response GetOrder(Request& request) const;
  Response ListUserOrders(Request& request) const;
  Response Operate(Request& request, commerce::OrderStatus to) const;
  Response ListTasks(Request& request) const;
  Response CompleteTask(Request& request) const;

 private:
  commerce::OrderService* orders_;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_ORDER_HANDLERS_H_
