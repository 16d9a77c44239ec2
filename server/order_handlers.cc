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
#include "server/order_json.h"

namespace aisle::server {
namespace {

constexpr size_t kMaxDepth = 4;
constexpr size_t kOrderBodyBytes = 8192;
constexpr int64_t kMaxUserOrders = 100;
constexpr int64_t kMaxTasks = 1000;

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
        } else if (key == "ipAddress") {
          AISLE_ASSIGN_OR_RETURN(place.ip_address, json::String(value, "ipAddress"));
        } else if (key == "deviceFingerprint") {
          AISLE_ASSIGN_OR_RETURN(place.device_fingerprint, json::String(value, "deviceFingerprint"));
        } else if (key == "sessionId") {
          AISLE_ASSIGN_OR_RETURN(place.session_id, json::String(value, "sessionId"));
        } else {
          return UnknownField(key,
                              "userId, cartId, paymentToken, shipping, billingCountry, ipAddress, "
                              "deviceFingerprint, sessionId");
        }
        return absl::OkStatus();
      }));
  if (!has_shipping) return InvalidArgumentError("shipping: required", "shipping");
  return place;
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
  return CheckoutResponse(orders_->PlaceOrder(*place), orders_);
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
  absl::StatusOr<std::string> reason = OptionalText(request, "reason");
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
