// Inventory routes (issue D): warehouses and stock per product and
// warehouse. Thin: parse, call commerce::InventoryService, write JSON.
//
//   PUT /v1/warehouses            {"warehouses": [{"id", "name", "latitude", "longitude", "region"}]}
//   GET /v1/warehouses
//   PUT /v1/inventory/{productId} {"warehouses": [{"warehouseId", "onHand"}]}
//   GET /v1/inventory/{productId}
//
// Every change is committed (synchronous=FULL) before the response, and the
// product's availability reaches the search index's live stock column.
// Thread-safe; every route runs on the blocking pool (they wait on SQLite).
#ifndef AISLE_SERVER_INVENTORY_HANDLERS_H_
#define AISLE_SERVER_INVENTORY_HANDLERS_H_

#include "commerce/inventory_service.h"
#include "index/product_index.h"
#include "server/http.h"
#include "server/router.h"

namespace aisle::server {

class InventoryHandlers {
 public:
  // Not owned; must outlive the handlers.
  explicit InventoryHandlers(commerce::InventoryService* inventory) : inventory_(inventory) {}

  void Register(Router* router);

  Response PutWarehouses(Request& request) const;
  Response GetWarehouses(Request& request) const;
  Response PutStock(Request& request) const;
  Response GetStock(Request& request) const;

 private:
  commerce::InventoryService* inventory_;
};

// Writes published availability into the index's live stock column (what
// ranking and `inStock` read). Products not in the catalog are skipped.
commerce::AvailabilitySink IndexAvailabilitySink(index::ProductIndex* index);

}  // namespace aisle::server

#endif  // AISLE_SERVER_INVENTORY_HANDLERS_H_
