#include "server/order_handlers.h"

#include <charconv>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/errors.h"
#include "server/json_read.h"
#include "server/json_writer.h"

namespace aisle::server {
namespace {

constexpr size_t kMaxDepth = 4;
constexpr size_t kOrderBodyBytes = 8192;
constexpr int64_t kMaxUserOrders = 100;
constexpr int64_t kMaxTasks = 1000;

double Major(int64_t minor) { return static_cast<double>(minor) / 100.0; }

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
  if (code == commerce::kPaymentPendingReason) response.status = 202;
  return response;
}

absl::Status ReadShipping(simdjson::ondemand::value value, store::ShippingAddress* a) {
  simdjson::ondemand::object object;
  if (value.get_object().get(object)) return json::TypeError("shipping", "an object");
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return InvalidArgumentError("malformed key", "shipping");
    double number = 0;
    if (key == "latitude" || key == "longitude") {
      AISLE_RETURN_IF_ERROR(json::Number(field.value(), key, &number));
      const double bound = key == "latitude" ? 90 : 180;
      if (number < -bound || number > bound) {
        return InvalidArgumentError(
            absl::StrCat("shipping.", std::string(key), ": must be in [-", bound, ", ", bound, "]"),
            key);
      }
      (key == "latitude" ? a->latitude : a->longitude) = number;
      continue;
    }
    std::string* text = key == "country"      ? &a->country
                        : key == "name"       ? &a->name
                        : key == "line1"      ? &a->line1
                        : key == "line2"      ? &a->line2
                        : key == "city"       ? &a->city
                        : key == "region"     ? &a->region
                        : key == "postalCode" ? &a->postal_code
                                              : nullptr;
    if (text == nullptr) {
      return UnknownField(key,
                          "country, latitude, longitude, name, line1, line2, city, region, "
                          "postalCode");
    }
    AISLE_ASSIGN_OR_RETURN(*text, json::String(field.value(), key));
  }
  if (a->country.empty()) return InvalidArgumentError("shipping.country: required", "country");
  return absl::OkStatus();
}

absl::StatusOr<commerce::PlaceOrderRequest> ParsePlaceOrder(const Request& request) {
  commerce::PlaceOrderRequest place{.idempotency_key =
                                        std::string(request.Header("idempotency-key"))};
  bool has_shipping = false;
  AISLE_RETURN_IF_ERROR(json::ForEachField(
      request.body, kMaxDepth,
      [&](std::string_view key, simdjson::ondemand::value value) -> absl::Status {
        if (key == "userId") {
          AISLE_ASSIGN_OR_RETURN(place.user_id, json::String(value, "userId"));
        } else if (key == "cartId") {
          AISLE_ASSIGN_OR_RETURN(place.cart_id, json::String(value, "cartId"));
        } else if (key == "paymentToken") {
          AISLE_ASSIGN_OR_RETURN(place.payment_token, json::String(value, "paymentToken"));
        } else if (key == "billingCountry") {
          AISLE_ASSIGN_OR_RETURN(place.billing_country, json::String(value, "billingCountry"));
        } else if (key == "shipping") {
          AISLE_RETURN_IF_ERROR(ReadShipping(value, &place.shipping));
          has_shipping = true;
        } else {
          return UnknownField(key, "userId, cartId, paymentToken, shipping, billingCountry");
        }
        return absl::OkStatus();
      }));
  if (!has_shipping) return InvalidArgumentError("shipping: required", "shipping");
  return place;
}

void WriteMoney(std::string_view key, int64_t cents, JsonWriter* out) {
  out->Key(key).Double(Major(cents));
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
                       const commerce::OrderService* details, int status = 200) {
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

absl::StatusOr<std::string> OptionalReason(const Request& request) {
  std::string reason;
  if (Blank(request.body)) return reason;
  AISLE_RETURN_IF_ERROR(json::ForEachField(
      request.body, kMaxDepth,
      [&](std::string_view key, simdjson::ondemand::value value) -> absl::Status {
        if (key != "reason") return UnknownField(key, "reason");
        AISLE_ASSIGN_OR_RETURN(reason, json::String(value, "reason"));
        return absl::OkStatus();
      }));
  return reason;
}

}  // namespace

void OrderHandlers::Register(Router* router) {
  const RouteTraits traits{kOrderBodyBytes, /*blocking=*/true};
  router->Add("POST", "/v1/orders", [this](Request& r) { return PlaceOrder(r); }, traits);
  router->Add("GET", "/v1/orders/{id}", [this](Request& r) { return GetOrder(r); }, traits);
  router->Add("GET", "/v1/users/{id}/orders", [this](Request& r) { return ListUserOrders(r); },
              traits);
  using S = commerce::OrderStatus;
  for (const auto& [verb, to] : {std::pair{"cancel", S::kCancelled}, std::pair{"ship", S::kShipped},
                                 std::pair{"deliver", S::kDelivered},
                                 std::pair{"refund", S::kRefunded}}) {
    const commerce::OrderStatus target = to;
    router->Add("POST", absl::StrCat("/v1/orders/{id}/", verb),
                [this, target](Request& r) { return Operate(r, target); }, traits);
  }
  router->Add("GET", "/v1/fulfillment/tasks", [this](Request& r) { return ListTasks(r); },
              traits);
  router->Add("POST", "/v1/fulfillment/tasks/{id}/complete",
              [this](Request& r) { return CompleteTask(r); }, traits);
}

Response OrderHandlers::PlaceOrder(Request& request) const {
  absl::StatusOr<commerce::PlaceOrderRequest> place = ParsePlaceOrder(request);
  if (!place.ok()) return FromStatus(place.status());
  absl::StatusOr<commerce::CheckoutResult> result = orders_->PlaceOrder(*place);
  if (!result.ok()) return OrderError(result.status());
  JsonWriter out(2048);
  Response response;
  if (result->failure.ok()) {
    WriteOrder(result->order, orders_, &out);
    response.status = result->replayed ? 200 : 201;
  } else {
    // The error as usual, with the order it left behind.
    const Response error = OrderError(result->failure);
    response.status = error.status;
    std::string body = error.body;
    body.pop_back();  // The closing '}' of {"error": {...}}.
    WriteOrder(result->order, orders_, &out);
    response.body = absl::StrCat(body, ",\"order\":", out.Take(), "}");
  }
  if (response.body.empty()) response.body = out.Take();
  response.headers.emplace_back("Location", absl::StrCat("/v1/orders/", result->order.id));
  if (result->replayed) response.headers.emplace_back("Idempotent-Replayed", "true");
  return response;
}

Response OrderHandlers::GetOrder(Request& request) const {
  return OrderResponse(orders_->GetOrder(std::string(request.PathParam("id"))), orders_);
}

Response OrderHandlers::ListUserOrders(Request& request) const {
  absl::StatusOr<int64_t> limit = LimitParam(request, 20, kMaxUserOrders);
  if (!limit.ok()) return FromStatus(limit.status());
  auto orders = orders_->OrdersOfUser(std::string(request.PathParam("id")), *limit);
  if (!orders.ok()) return OrderError(orders.status());
  JsonWriter out(1024 + 1024 * orders->size());
  out.BeginObject().Key("orders").BeginArray();
  for (const store::Order& order : *orders) WriteOrder(order, nullptr, &out);
  out.EndArray().EndObject();
  return Response{.body = out.Take()};
}

Response OrderHandlers::Operate(Request& request, commerce::OrderStatus to) const {
  absl::StatusOr<std::string> reason = OptionalReason(request);
  if (!reason.ok()) return FromStatus(reason.status());
  const std::string id(request.PathParam("id"));
  switch (to) {
    case commerce::OrderStatus::kCancelled:
      return OrderResponse(orders_->Cancel(id, *reason), orders_);
    case commerce::OrderStatus::kShipped:
      return OrderResponse(orders_->Ship(id), orders_);
    case commerce::OrderStatus::kDelivered:
      return OrderResponse(orders_->Deliver(id), orders_);
    default:
      return OrderResponse(orders_->Refund(id, *reason), orders_);
  }
}

Response OrderHandlers::ListTasks(Request& request) const {
  const std::string warehouse(request.Query("warehouseId"));
  if (warehouse.empty()) return FromStatus(InvalidArgumentError("warehouseId: required", "warehouseId"));
  store::FulfillmentStatus status = store::FulfillmentStatus::kPending;
  if (request.HasQuery("status")) {
    const std::string_view name = request.Query("status");
    if (name == "completed") {
      status = store::FulfillmentStatus::kCompleted;
    } else if (name == "cancelled") {
      status = store::FulfillmentStatus::kCancelled;
    } else if (name != "pending") {
      return FromStatus(
          InvalidArgumentError("status: pending, completed or cancelled", "status"));
    }
  }
  absl::StatusOr<int64_t> limit = LimitParam(request, 100, kMaxTasks);
  if (!limit.ok()) return FromStatus(limit.status());
  auto tasks = orders_->WarehouseTasks(warehouse, status, *limit);
  if (!tasks.ok()) return OrderError(tasks.status());
  JsonWriter out(512 + 256 * tasks->size());
  out.BeginObject().Key("tasks");
  WriteTasks(*tasks, &out);
  out.EndObject();
  return Response{.body = out.Take()};
}

Response OrderHandlers::CompleteTask(Request& request) const {
  if (!Blank(request.body)) {
    return FromStatus(InvalidArgumentError("the body must be empty", "body"));
  }
  auto completion = orders_->CompleteFulfillmentTask(std::string(request.PathParam("id")));
  if (!completion.ok()) return OrderError(completion.status());
  JsonWriter out(1024);
  out.BeginObject().Key("task");
  WriteTask(completion->task, &out);
  out.Key("orderFulfilled").Bool(completion->order_fulfilled);
  out.Key("alreadyCompleted").Bool(completion->already_completed).EndObject();
  return Response{.body = out.Take()};
}

}  // namespace aisle::server
