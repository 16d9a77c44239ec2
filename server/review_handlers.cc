#include "server/review_handlers.h"

#include <string>
#include <utility>

#include "server/errors.h"
#include "server/json_writer.h"
#include "server/order_json.h"

namespace aisle::server {
namespace {

constexpr size_t kReviewBodyBytes = 8192;
constexpr int64_t kMaxReviews = 200;

// The stored assessment; its details are already JSON (commerce writes them).
void WriteRisk(const std::string& order_id, const store::RiskRecord& risk, JsonWriter* out) {
  out->BeginObject().Key("orderId").String(order_id).Key("score").Double(risk.score);
  out->Key("level").String(risk.level).Key("action").String(risk.action);
  out->Key("assessedAt").Int(risk.assessed_at_ms);
  if (risk.review_status) {
    out->Key("review").BeginObject().Key("status").String(*risk.review_status);
    if (risk.reviewed_at_ms) out->Key("reviewedAt").Int(*risk.reviewed_at_ms);
    out->Key("note").String(risk.review_note).EndObject();
  }
  out->Key("details").Raw(risk.details).EndObject();
}

}  // namespace

void ReviewHandlers::Register(Router* router) {
  const RouteTraits traits{kReviewBodyBytes, /*blocking=*/true};
  router->Add("GET", "/v1/orders/{id}/risk", [this](Request& r) { return GetRisk(r); }, traits);
  router->Add("GET", "/v1/fraud/reviews", [this](Request& r) { return ListReviews(r); }, traits);
  router->Add("POST", "/v1/fraud/reviews/{id}/approve", [this](Request& r) { return Approve(r); },
              traits);
  router->Add("POST", "/v1/fraud/reviews/{id}/reject", [this](Request& r) { return Reject(r); },
              traits);
}

Response ReviewHandlers::GetRisk(Request& request) const {
  const std::string id(request.PathParam("id"));
  absl::StatusOr<store::RiskRecord> risk = orders_->Risk(id);
  if (!risk.ok()) return OrderError(risk.status());
  JsonWriter out(1024 + risk->details.size());
  WriteRisk(id, *risk, &out);
  return Response{.body = out.Take()};
}

Response ReviewHandlers::ListReviews(Request& request) const {
  absl::StatusOr<int64_t> limit = LimitParam(request, 50, kMaxReviews);
  if (!limit.ok()) return FromStatus(limit.status());
  auto reviews = orders_->PendingReviews(*limit);
  if (!reviews.ok()) return OrderError(reviews.status());
  JsonWriter out(1024 + 4096 * reviews->size());
  out.BeginObject().Key("reviews").BeginArray();
  for (const store::PendingReview& review : *reviews) {
    out.BeginObject().Key("order");
    WriteOrder(review.order, nullptr, &out);
    out.Key("risk");
    WriteRisk(review.order.id, review.risk, &out);
    out.EndObject();
  }
  out.EndArray().EndObject();
  return Response{.body = out.Take()};
}

Response ReviewHandlers::Approve(Request& request) const {
  absl::StatusOr<std::string> note = OptionalText(request, "note");
  if (!note.ok()) return FromStatus(note.status());
  return CheckoutResponse(orders_->ApproveReview(std::string(request.PathParam("id")), *note),
                          orders_);
}

Response ReviewHandlers::Reject(Request& request) const {
  absl::StatusOr<std::string> note = OptionalText(request, "note");
  if (!note.ok()) return FromStatus(note.status());
  return OrderResponse(orders_->RejectReview(std::string(request.PathParam("id")), *note),
                       orders_);
}

}  // namespace aisle::server
