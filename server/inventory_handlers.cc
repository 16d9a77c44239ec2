#include "server/inventory_handlers.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/errors.h"
#include "server/json_read.h"
#include "server/json_writer.h"

namespace aisle::server {
namespace {

constexpr size_t kMaxDepth = 4;
constexpr size_t kMaxWarehouses = 10000;
constexpr size_t kWarehousesBodyBytes = 4 << 20;
constexpr size_t kStockBodyBytes = 1 << 20;

// Calls visit(index, object) for each object of a JSON array value.
template <typename Visit>
absl::Status ForEachObject(simdjson::ondemand::value value, std::string_view field, size_t max,
                           Visit&& visit) {
  simdjson::ondemand::array array;
  if (value.get_array().get(array)) return json::TypeError(field, "an array of objects");
  size_t i = 0;
  for (auto item : array) {
    simdjson::ondemand::object object;
    if (item.get_object().get(object)) return json::TypeError(field, "an array of objects");
    if (i >= max) return InvalidArgumentError(absl::StrCat("at most ", max, " items"), field);
    AISLE_RETURN_IF_ERROR(visit(i++, object));
  }
  return absl::OkStatus();
}

absl::Status ReadWarehouse(size_t i, simdjson::ondemand::object object, store::Warehouse* w) {
  bool has_latitude = false, has_longitude = false;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return InvalidArgumentError("malformed key", "warehouses");
    if (key == "id") {
      AISLE_ASSIGN_OR_RETURN(w->id, json::String(field.value(), "id"));
    } else if (key == "name") {
      AISLE_ASSIGN_OR_RETURN(w->name, json::String(field.value(), "name"));
    } else if (key == "region") {
      AISLE_ASSIGN_OR_RETURN(w->region, json::String(field.value(), "region"));
    } else if (key == "latitude") {
      AISLE_RETURN_IF_ERROR(json::Number(field.value(), "latitude", &w->latitude));
      has_latitude = true;
    } else if (key == "longitude") {
      AISLE_RETURN_IF_ERROR(json::Number(field.value(), "longitude", &w->longitude));
      has_longitude = true;
    } else {
      return InvalidArgumentError(
          absl::StrCat("warehouses[", i, "]: unknown field '", std::string(key),
                       "': use id, name, latitude, longitude, region"),
          "warehouses");
    }
  }
  if (w->id.empty() || !has_latitude || !has_longitude) {
    return InvalidArgumentError(
        absl::StrCat("warehouses[", i, "]: id, latitude and longitude are required"),
        "warehouses");
  }
  return absl::OkStatus();
}

absl::Status ReadCount(size_t i, simdjson::ondemand::object object, commerce::StockCount* c) {
  bool has_on_hand = false;
  for (auto field : object) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return InvalidArgumentError("malformed key", "warehouses");
    if (key == "warehouseId") {
      AISLE_ASSIGN_OR_RETURN(c->warehouse_id, json::String(field.value(), "warehouseId"));
    } else if (key == "onHand") {
      int64_t on_hand = 0;
      if (field.value().get_int64().get(on_hand) || on_hand < 0) {
        return json::TypeError("onHand", "an integer >= 0");
      }
      c->on_hand = on_hand;
      has_on_hand = true;
    } else {
      return InvalidArgumentError(absl::StrCat("warehouses[", i, "]: unknown field '",
                                               std::string(key), "': use warehouseId, onHand"),
                                  "warehouses");
    }
  }
  if (c->warehouse_id.empty() || !has_on_hand) {
    return InvalidArgumentError(
        absl::StrCat("warehouses[", i, "]: warehouseId and onHand are required"), "warehouses");
  }
  return absl::OkStatus();
}

// Both PUT bodies are {"warehouses": [objects]}: reads each object with
// read(index, object, &item) into *items.
template <typename Item, typename Read>
absl::Status ParseWarehouseList(std::string_view body, Read read, std::vector<Item>* items) {
  return json::ForEachField(body, kMaxDepth,
                            [&](std::string_view key, simdjson::ondemand::value value) {
                              if (key != "warehouses") {
                                return InvalidArgumentError(
                                    absl::StrCat("unknown field '", std::string(key),
                                                 "': use warehouses"),
                                    key);
                              }
                              return ForEachObject(
                                  value, "warehouses", kMaxWarehouses,
                                  [&](size_t i, simdjson::ondemand::object object) {
                                    items->emplace_back();
                                    return read(i, object, &items->back());
                                  });
                            });
}

void WriteStock(const store::ProductStock& stock, JsonWriter* out) {
  out->BeginObject().Key("productId").String(stock.product_id);
  out->Key("onHand").Int(stock.on_hand_total).Key("reserved").Int(stock.reserved);
  out->Key("available").Int(stock.available);
  out->Key("warehouses").BeginArray();
  for (const store::WarehouseStock& w : stock.warehouses) {
    out->BeginObject().Key("warehouseId").String(w.warehouse_id).Key("onHand").Int(w.on_hand);
    out->EndObject();
  }
  out->EndArray().EndObject();
}

}  // namespace

commerce::AvailabilitySink IndexAvailabilitySink(index::ProductIndex* index) {
  return [index](const std::vector<std::pair<std::string, int64_t>>& available) {
    std::vector<index::SignalUpdate> updates;
    updates.reserve(available.size());
    for (const auto& [id, units] : available) {
      updates.push_back({.product_id = id, .stock = units});
    }
    // Unknown ids (stock for a product not in the catalog) are fine.
    index->UpdateSignals(updates).IgnoreError();
  };
}

void InventoryHandlers::Register(Router* router) {
  router->Add(
      "PUT", "/v1/warehouses", [this](Request& r) { return PutWarehouses(r); },
      RouteTraits{kWarehousesBodyBytes, /*blocking=*/true});
  router->Add(
      "GET", "/v1/warehouses", [this](Request& r) { return GetWarehouses(r); },
      RouteTraits{4096, /*blocking=*/true});
  router->Add(
      "PUT", "/v1/inventory/{productId}", [this](Request& r) { return PutStock(r); },
      RouteTraits{kStockBodyBytes, /*blocking=*/true});
  router->Add(
      "GET", "/v1/inventory/{productId}", [this](Request& r) { return GetStock(r); },
      RouteTraits{4096, /*blocking=*/true});
}

Response InventoryHandlers::PutWarehouses(Request& request) const {
  std::vector<store::Warehouse> warehouses;
  absl::Status parsed = ParseWarehouseList(request.body, ReadWarehouse, &warehouses);
  if (!parsed.ok()) return FromStatus(parsed);
  const size_t count = warehouses.size();
  if (absl::Status s = inventory_->UpsertWarehouses(std::move(warehouses)); !s.ok()) {
    return FromStatus(WithStoreReason(s));
  }
  JsonWriter out;
  out.BeginObject().Key("upserted").Uint(count).EndObject();
  return Response{.body = out.Take()};
}

Response InventoryHandlers::GetWarehouses(Request&) const {
  auto warehouses = inventory_->Warehouses();
  if (!warehouses.ok()) return FromStatus(warehouses.status());
  JsonWriter out;
  out.BeginObject().Key("warehouses").BeginArray();
  for (const store::Warehouse& w : *warehouses) {
    out.BeginObject().Key("id").String(w.id).Key("name").String(w.name);
    out.Key("latitude").Double(w.latitude).Key("longitude").Double(w.longitude);
    out.Key("region").String(w.region).EndObject();
  }
  out.EndArray().EndObject();
  return Response{.body = out.Take()};
}

Response InventoryHandlers::PutStock(Request& request) const {
  const std::string product_id(request.PathParam("productId"));
  std::vector<commerce::StockCount> counts;
  absl::Status parsed = ParseWarehouseList(request.body, ReadCount, &counts);
  if (parsed.ok() && counts.empty()) {
    parsed = InvalidArgumentError("warehouses: at least one {warehouseId, onHand}", "warehouses");
  }
  if (!parsed.ok()) return FromStatus(parsed);
  auto stock = inventory_->SetStock(product_id, counts);
  if (!stock.ok()) return FromStatus(WithStoreReason(stock.status()));
  JsonWriter out;
  WriteStock(*stock, &out);
  return Response{.body = out.Take()};
}

Response InventoryHandlers::GetStock(Request& request) const {
  auto stock = inventory_->Stock(std::string(request.PathParam("productId")));
  if (!stock.ok()) return FromStatus(WithStoreReason(stock.status()));
  JsonWriter out;
  WriteStock(*stock, &out);
  return Response{.body = out.Take()};
}

}  // namespace aisle::server
