// Fraud review routes (issue E). Thin: parse, call commerce::OrderService,
// write JSON.
//
//   GET  /v1/orders/{id}/risk                 the order's assessment:
//        {"orderId", "score", "level", "action", "assessedAt",
//         "review": {"status", "reviewedAt"?, "note"}?,
//         "details": {"analyzers": [{"name", "weight", "score", "triggered",
//                                    "factors": [{"code", "description", "contribution"}]}]}}
//   GET  /v1/fraud/reviews?limit=50           orders held for review, oldest first:
//        {"reviews": [{"order": {...}, "risk": {...}}]}
//   POST /v1/fraud/reviews/{orderId}/approve  {"note"?}: payment and allocation
//        run now; answers as POST /v1/orders does (201 placed, 402 declined, ...)
//   POST /v1/fraud/reviews/{orderId}/reject   {"note"?}: cancelled (fraud_rejected),
//        stock released; the order
//
// Errors: 404 order_not_found, risk_not_found; 409 order_not_under_review,
// review_not_pending, status_changed; 400 bad input; 413 over 8 KiB.
// Routes run on the blocking pool. Thread-safe.
#ifndef AISLE_SERVER_REVIEW_HANDLERS_H_
#define AISLE_SERVER_REVIEW_HANDLERS_H_

#include "commerce/order_service.h"
#include "server/http.h"
#include "server/router.h"

namespace aisle::server {

class ReviewHandlers {
 public:
  // Not owned; must outlive the handlers.
  explicit ReviewHandlers(commerce::OrderService* orders) : orders_(orders) {}

  void Register(Router* router);

  Response GetRisk(Request& request) const;
  Response ListReviews(Request& request) const;
  Response Approve(Request& request) const;
  Response Reject(Request& request) const;

 private:
  commerce::OrderService* orders_;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_REVIEW_HANDLERS_H_
