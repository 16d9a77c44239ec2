#include "server/cart_handlers.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/errors.h"
#include "server/json_read.h"
#include "server/json_writer.h"
#include "store/inventory_store.h"

namespace aisle::server {
namespace {

constexpr size_t kMaxDepth = 4;
constexpr size_t kCartBodyBytes = 4096;
constexpr int64_t kMaxQuantity = 1000;  // CartServiceOptions::max_line_quantity's default.

// Minor units (cents) as a decimal number in major units.
double Major(int64_t minor) { return static_cast<double>(minor) / 100.0; }

absl::Status UnknownField(std::string_view key, const char* allowed) {
  return InvalidArgumentError(absl::StrCat("unknown field '", std::string(key), "': use ", allowed),
                              key);
}

absl::Status Required(const char* field) {
  return InvalidArgumentError(absl::StrCat(field, ": required"), field);
}

absl::StatusOr<int64_t> Quantity(simdjson::ondemand::value value) {
  int64_t quantity = 0;
  if (value.get_int64().get(quantity) || quantity < 1 || quantity > kMaxQuantity) {
    return json::TypeError("quantity", absl::StrCat("an integer in [1, ", kMaxQuantity, "]"));
  }
  return quantity;
}

bool Blank(std::string_view body) {
  return body.find_first_not_of(" \t\r\n") == std::string_view::npos;
}

// The JSON error for a cart or store error: reason codes become error codes;
// insufficient_stock carries "available"; reservation_limit_exceeded is a
// 409 conflict (see cart_handlers.h), not the 429 of ResourceExhausted.
Response CartError(absl::Status status) {
  // Bad input names its field ("invalid_quantity"); domain errors carry
  // their reason.
  if (status.code() == absl::StatusCode::kInvalidArgument) return FromStatus(status);
  status = WithStoreReason(std::move(status));
  const std::optional<std::string> code = ErrorCode(status);
  if (const std::optional<int64_t> available = store::InsufficientStockAvailable(status)) {
    JsonWriter out;
    out.BeginObject().Key("error").BeginObject();
    out.Key("code").String(code ? *code : store::kInsufficientStockReason);
    out.Key("message").String(std::string(status.message()));
    out.Key("available").Int(*available);
    out.EndObject().EndObject();
    return Response{.status = 409, .body = out.Take()};
  }
  Response response = FromStatus(status);
  if (code == store::kReservationLimitReason) response.status = 409;
  return response;
}

void WriteCart(const commerce::CartView& view, JsonWriter* out) {
  const store::Cart& cart = view.cart;
  out->BeginObject().Key("id").String(cart.id).Key("userId");
  if (cart.user_id.empty()) {
    out->Null();
  } else {
    out->String(cart.user_id);
  }
  out->Key("status").String(store::CartStatusName(cart.status));
  if (!cart.merged_into.empty()) out->Key("mergedInto").String(cart.merged_into);
  out->Key("createdAt").Int(cart.created_at_ms).Key("updatedAt").Int(cart.updated_at_ms);
  out->Key("items").BeginArray();
  for (const commerce::CartLineView& line : view.lines) {
    out->BeginObject().Key("productId").String(line.product_id);
    out->Key("title").String(line.title);
    if (!line.currency.empty()) out->Key("currency").String(line.currency);
    out->Key("quantity").Int(line.quantity);
    out->Key("unitPrice").Double(Major(line.unit_price_minor));
    out->Key("originalPrice").Double(Major(line.original_price_minor));
    out->Key("lineTotal").Double(Major(line.line_total_minor));
    const bool quoted = line.price_source == commerce::PriceSource::kQuote;
    out->Key("priceSource").String(quoted ? "quote" : "live");
    if (quoted) {
      out->Key("quote").BeginObject().Key("id").String(line.quote_id);
      out->Key("expiresAt").Int(line.quote_expires_at_ms).EndObject();
    }
    out->Key("held").Bool(line.held());
    out->Key("reservation").BeginObject();
    out->Key("status").String(store::ReservationStatusName(line.reservation_status));
    out->Key("expiresAt").Int(line.reservation_expires_at_ms).EndObject();
    out->Key("inCatalog").Bool(line.in_catalog);
    out->Key("addedAt").Int(line.added_at_ms);
    out->EndObject();
  }
  out->EndArray();
  out->Key("totals").BeginObject().Key("itemCount").Int(view.item_count);
  out->Key("subtotal").Double(Major(view.subtotal_minor));
  out->Key("unheldItems").Uint(view.unheld_lines).EndObject();
  out->EndObject();
}

Response CartResponse(const absl::StatusOr<commerce::CartView>& view, int status = 200) {
  if (!view.ok()) return CartError(view.status());
  JsonWriter out(512 + 320 * view->lines.size());
  WriteCart(*view, &out);
  return Response{.status = status, .body = out.Take()};
}

}  // namespace

commerce::PriceLookup IndexPriceLookup(const index::ProductIndex* index) {
  return [index](const std::string& id) -> absl::StatusOr<commerce::ProductPrice> {
    AISLE_ASSIGN_OR_RETURN(const index::LiveSignals live, index->Signals(id));
    AISLE_ASSIGN_OR_RETURN(Product product, index->Get(id));
    return commerce::ProductPrice{.price = live.price,
                                  .original_price = live.base_price,
                                  .title = std::move(product.title),
                                  .currency = std::move(product.currency)};
  };
}

void CartHandlers::Register(Router* router) {
  const RouteTraits traits{kCartBodyBytes, /*blocking=*/true};
  router->Add(
      "POST", "/v1/carts", [this](Request& r) { return CreateCart(r); }, traits);
  router->Add(
      "GET", "/v1/carts/{id}", [this](Request& r) { return GetCart(r); }, traits);
  router->Add(
      "POST", "/v1/carts/{id}/items", [this](Request& r) { return AddItem(r); }, traits);
  router->Add(
      "PATCH", "/v1/carts/{id}/items/{productId}", [this](Request& r) { return ChangeItem(r); },
      traits);
  router->Add(
      "DELETE", "/v1/carts/{id}/items/{productId}", [this](Request& r) { return RemoveItem(r); },
      traits);
  router->Add(
      "POST", "/v1/carts/{id}/merge", [this](Request& r) { return Merge(r); }, traits);
}

Response CartHandlers::CreateCart(Request& request) const {
  std::string user_id;
  if (!Blank(request.body)) {
    absl::Status parsed = json::ForEachField(
        request.body, kMaxDepth,
        [&](std::string_view key, simdjson::ondemand::value value) -> absl::Status {
          if (key != "userId") return UnknownField(key, "userId");
          AISLE_ASSIGN_OR_RETURN(user_id, json::String(value, "userId"));
          return absl::OkStatus();
        });
    if (!parsed.ok()) return FromStatus(parsed);
  }
  bool created = false;
  auto view = carts_->CreateCart(user_id, &created);
  return CartResponse(view, created ? 201 : 200);
}

Response CartHandlers::GetCart(Request& request) const {
  return CartResponse(carts_->GetCart(std::string(request.PathParam("id"))));
}

Response CartHandlers::AddItem(Request& request) const {
  commerce::AddItemRequest add{.cart_id = std::string(request.PathParam("id"))};
  absl::Status parsed = json::ForEachField(
      request.body, kMaxDepth,
      [&](std::string_view key, simdjson::ondemand::value value) -> absl::Status {
        if (key == "productId") {
          AISLE_ASSIGN_OR_RETURN(add.product_id, json::String(value, "productId"));
        } else if (key == "quantity") {
          AISLE_ASSIGN_OR_RETURN(add.quantity, Quantity(value));
        } else if (key == "quoteId") {
          AISLE_ASSIGN_OR_RETURN(add.quote_id, json::String(value, "quoteId"));
        } else if (key == "userId") {
          AISLE_ASSIGN_OR_RETURN(add.user_id, json::String(value, "userId"));
        } else {
          return UnknownField(key, "productId, quantity, quoteId, userId");
        }
        return absl::OkStatus();
      });
  if (parsed.ok() && add.product_id.empty()) parsed = Required("productId");
  if (parsed.ok() && add.quantity == 0) parsed = Required("quantity");
  if (!parsed.ok()) return FromStatus(parsed);
  return CartResponse(carts_->AddItem(add));
}

Response CartHandlers::ChangeItem(Request& request) const {
  int64_t quantity = 0;
  absl::Status parsed = json::ForEachField(
      request.body, kMaxDepth,
      [&](std::string_view key, simdjson::ondemand::value value) -> absl::Status {
        if (key != "quantity") return UnknownField(key, "quantity (DELETE removes the item)");
        AISLE_ASSIGN_OR_RETURN(quantity, Quantity(value));
        return absl::OkStatus();
      });
  if (parsed.ok() && quantity == 0) parsed = Required("quantity");
  if (!parsed.ok()) return FromStatus(parsed);
  return CartResponse(carts_->ChangeQuantity(
      std::string(request.PathParam("id")), std::string(request.PathParam("productId")), quantity));
}

Response CartHandlers::RemoveItem(Request& request) const {
  return CartResponse(carts_->RemoveItem(std::string(request.PathParam("id")),
                                         std::string(request.PathParam("productId"))));
}

Response CartHandlers::Merge(Request& request) const {
  std::string user_id;
  absl::Status parsed = json::ForEachField(
      request.body, kMaxDepth,
      [&](std::string_view key, simdjson::ondemand::value value) -> absl::Status {
        if (key != "userId") return UnknownField(key, "userId");
        AISLE_ASSIGN_OR_RETURN(user_id, json::String(value, "userId"));
        return absl::OkStatus();
      });
  if (parsed.ok() && user_id.empty()) parsed = Required("userId");
  if (!parsed.ok()) return FromStatus(parsed);
  return CartResponse(carts_->MergeCarts(std::string(request.PathParam("id")), user_id));
}

}  // namespace aisle::server
