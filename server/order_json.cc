#include "server/order_json.h"

#include <charconv>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/errors.h"
#include "server/json_read.h"

namespace aisle::server {
namespace {

constexpr size_t kMaxDepth = 4;

// Minor units (cents) as a decimal number in major units.
double Major(int64_t minor) { return static_cast<double>(minor) / 100.0; }

void WriteMoney(std::string_view key, int64_t cents, JsonWriter* out) {
  out->Key(key).Double(Major(cents));
}

void WritePayments(const std::vector<store::Payment>& payments, JsonWriter* out) {
  out->BeginArray();
  for (const store::Payment& p : payments) {
    out->BeginObject().Key("id").String(p.id).Key("kind").String(store::PaymentKindName(p.kind));
    WriteMoney("amount", p.amount_cents, out);
    out->Key("status").String(store::PaymentStatusName(p.status));
    if (!p.card_last4.empty()) out->Key("cardLast4").String(p.card_last4);
    if (!p.failure_reason.empty()) out->Key("failureReason").String(p.failure_reason);
    out->Key("at").Int(p.at_ms).EndObject();
  }
  out->EndArray();
}

void WriteAddress(const store::ShippingAddress& a, JsonWriter* out) {
  out->BeginObject().Key("name").String(a.name).Key("line1").String(a.line1);
  out->Key("line2").String(a.line2).Key("city").String(a.city).Key("region").String(a.region);
  out->Key("postalCode").String(a.postal_code).Key("country").String(a.country);
  if (a.latitude && a.longitude) {
    out->Key("latitude").Double(*a.latitude).Key("longitude").Double(*a.longitude);
  }
  out->EndObject();
}

}  // namespace


absl::Status UnknownField(std::string_view key, std::string_view allowed) {
  return InvalidArgumentError(
      absl::StrCat("unknown field '", std::string(key), "': use ", std::string(allowed)), key);
}

bool Blank(std::string_view body) {
  return body.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// The JSON error of a commerce or store error: reason codes become error
// codes; a declined card is 402.
Response OrderError(absl::Status status) {
  if (status.code() == absl::StatusCode::kInvalidArgument) return FromStatus(status);
  status = WithStoreReason(std::move(status));
  Response response = FromStatus(status);
  const std::optional<std::string> code = ErrorCode(status);
  if (code == commerce::kPaymentDeclinedReason) response.status = 402;
  if (code == commerce::kPaymentPendingReason || code == commerce::kOrderUnderReviewReason) {
    response.status = 202;  // Accepted: the order exists and is decided later.
  }
  return response;
}

void WriteTask(const store::FulfillmentTask& t, JsonWriter* out) {
  out->BeginObject().Key("id").String(t.id).Key("orderId").String(t.order_id);
  out->Key("warehouseId").String(t.warehouse_id);
  out->Key("status").String(store::FulfillmentStatusName(t.status));
  out->Key("createdAt").Int(t.created_at_ms);
  if (t.completed_at_ms) out->Key("completedAt").Int(*t.completed_at_ms);
  if (t.cancelled_at_ms) out->Key("cancelledAt").Int(*t.cancelled_at_ms);
  out->Key("items").BeginArray();
  for (const store::FulfillmentItem& item : t.items) {
    out->BeginObject().Key("productId").String(item.product_id);
    out->Key("quantity").Int(item.quantity).EndObject();
  }
  out->EndArray().EndObject();
}

void WriteTasks(const std::vector<store::FulfillmentTask>& tasks, JsonWriter* out) {
  out->BeginArray();
  for (const store::FulfillmentTask& t : tasks) WriteTask(t, out);
  out->EndArray();
}

// The order; with `details`, its payments and fulfillment tasks too (read
// now: a list of orders omits them).
void WriteOrder(const store::Order& o, const commerce::OrderService* details, JsonWriter* out) {
  out->BeginObject().Key("id").String(o.id).Key("userId").String(o.user_id);
  out->Key("cartId").String(o.cart_id).Key("status").String(o.status);
  if (!o.status_reason.empty()) out->Key("statusReason").String(o.status_reason);
  out->Key("currency").String(o.currency);
  WriteMoney("subtotal", o.subtotal_cents, out);
  WriteMoney("total", o.total_cents, out);
  out->Key("shipping");
  WriteAddress(o.shipping, out);
  if (!o.billing_country.empty()) out->Key("billingCountry").String(o.billing_country);
  out->Key("createdAt").Int(o.created_at_ms).Key("updatedAt").Int(o.updated_at_ms);
  out->Key("items").BeginArray();
  for (const store::OrderItem& item : o.items) {
    out->BeginObject().Key("line").Int(item.line).Key("productId").String(item.product_id);
    out->Key("title").String(item.title).Key("quantity").Int(item.quantity);
    WriteMoney("unitPrice", item.unit_price_cents, out);
    WriteMoney("lineTotal", item.unit_price_cents * item.quantity, out);
    out->EndObject();
  }
  out->EndArray().Key("history").BeginArray();
  for (const store::StatusChange& c : o.history) {
    out->BeginObject().Key("seq").Int(c.seq).Key("from");
    if (c.from_status.empty()) {
      out->Null();
    } else {
      out->String(c.from_status);
    }
    out->Key("to").String(c.to_status).Key("reason").String(c.reason).Key("at").Int(c.at_ms);
    out->EndObject();
  }
  out->EndArray();
  if (details != nullptr) {
    if (auto payments = details->Payments(o.id); payments.ok()) {
      out->Key("payments");
      WritePayments(*payments, out);
    }
    if (auto tasks = details->FulfillmentTasks(o.id); tasks.ok()) {
      out->Key("fulfillmentTasks");
      WriteTasks(*tasks, out);
    }
  }
  out->EndObject();
}

Response OrderResponse(const absl::StatusOr<store::Order>& order,
                       const commerce::OrderService* details, int status) {
  if (!order.ok()) return OrderError(order.status());
  JsonWriter out(2048);
  WriteOrder(*order, details, &out);
  return Response{.status = status, .body = out.Take()};
}

absl::StatusOr<int64_t> LimitParam(const Request& request, int64_t fallback, int64_t max) {
  if (!request.HasQuery("limit")) return fallback;
  const std::string_view text = request.Query("limit");
  int64_t limit = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), limit);
  if (ec != std::errc() || end != text.data() + text.size() || limit < 1 || limit > max) {
    return InvalidArgumentError(absl::StrCat("limit: an integer in [1, ", max, "]"), "limit");
  }
  return limit;
}

absl::StatusOr<std::string> OptionalText(const Request& request, std::string_view field) {
  std::string reason;
  if (Blank(request.body)) return reason;
  AISLE_RETURN_IF_ERROR(json::ForEachField(
      request.body, kMaxDepth,
      [&](std::string_view key, simdjson::ondemand::value value) -> absl::Status {
        if (key != field) return UnknownField(key, field);
        AISLE_ASSIGN_OR_RETURN(reason, json::String(value, field));
        return absl::OkStatus();
      }));
  return reason;
}

Response CheckoutResponse(const absl::StatusOr<commerce::CheckoutResult>& result,
                          const commerce::OrderService* details) {
  if (!result.ok()) return OrderError(result.status());
  JsonWriter out(2048);
  Response response;
  WriteOrder(result->order, details, &out);
  if (result->failure.ok()) {
    response.status = result->replayed ? 200 : 201;
    response.body = out.Take();
  } else {
    // The error as usual, with the order it left behind.
    const Response error = OrderError(result->failure);
    response.status = error.status;
    std::string body = error.body;
    body.pop_back();  // The closing '}' of {"error": {...}}.
    response.body = absl::StrCat(body, ",\"order\":", out.Take(), "}");
  }
  response.headers.emplace_back("Location", absl::StrCat("/v1/orders/", result->order.id));
  if (result->replayed) response.headers.emplace_back("Idempotent-Replayed", "true");
  return response;
}

}  // namespace aisle::server
