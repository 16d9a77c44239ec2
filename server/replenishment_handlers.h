// Replenishment routes (issue D): the seed's calculateReorderPoint and
// calculateOptimalOrderQuantity (commerce/replenishment.h) over the recorded
// purchases and the current stock. Read-only.
//
//   GET /v1/inventory/{productId}/replenishment
//   GET /v1/inventory/replenishment?belowReorderPoint=true&limit=100
//
// Inputs, per product:
//  - demand history: purchase events per day over the options' history_days
//    (90) 24-hour days ending now (store::EventStore::ForEachDailyPurchases);
//    an event is one unit, as events carry no quantity;
//  - stock position: the available units (on hand - reserved). Reserved
//    units are promised to carts and are about to leave, so counting them
//    would order late; nothing is "on order" (no supplier orders exist yet);
//  - unit cost: from a UnitCostLookup (main.cc: the catalog's `cost`). The
//    catalog stores 0 for "no cost", which the EOQ cannot use (H = 0 makes it
//    unbounded), so an unknown cost reads as "unitCost": null and
//    "economicOrderQuantity": null rather than a guess from the price: a
//    silently wrong order size is worse than a visible gap. The reorder point
//    does not depend on the cost and is always given.
//
// docs/API.md ("Replenishment") describes the JSON.
//
// Ownership: borrows the clock and the stores (they must outlive the
// handlers); owns the lookup. Thread-safety: every method may be called
// concurrently; both routes run on the blocking pool (they read SQLite and
// the index).
#ifndef AISLE_SERVER_REPLENISHMENT_HANDLERS_H_
#define AISLE_SERVER_REPLENISHMENT_HANDLERS_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "commerce/replenishment.h"
#include "index/product_index.h"
#include "server/http.h"
#include "server/router.h"
#include "store/event_store.h"
#include "store/inventory_store.h"

namespace aisle::server {

class JsonWriter;

// A product's unit cost: NotFound when the product is not in the catalog,
// nullopt when it is but has no known cost. Called on blocking-pool threads,
// concurrently.
using UnitCostLookup =
    std::function<absl::StatusOr<std::optional<double>>(const std::string& product_id)>;

// The catalog document's `cost` (what GET /v1/products/{id} shows); 0 is
// "unknown". `index` is not owned and must outlive the lookup.
UnitCostLookup CatalogUnitCostLookup(const index::ProductIndex* index);

struct ReplenishmentHandlersOptions {
  // The seed's defaults: 14-day lead time, 95 % service level, 25 % yearly
  // carrying cost, 90 days of history, 50 per order. Must be valid
  // (Validate()): otherwise every request answers 500.
  commerce::ReplenishmentOptions replenishment;
  // The list's `limit`: its default and its upper bound (each listed product
  // costs a stock read and a catalog read).
  size_t default_limit = 100;
  size_t max_limit = 1000;
};

class ReplenishmentHandlers {
 public:
  ReplenishmentHandlers(const Clock& clock, const store::InventoryStore* inventory,
                        const store::EventStore* events, UnitCostLookup unit_cost,
                        ReplenishmentHandlersOptions options = {});

  void Register(Router* router);

  // GET /v1/inventory/{productId}/replenishment. 404 product_not_found for a
  // product never stocked and not in the catalog (a catalog product never
  // stocked has 0 available, as GET /v1/inventory/{productId} shows).
  Response GetProduct(Request& request) const;
  // GET /v1/inventory/replenishment: stocked products (a stock row in some
  // warehouse), most urgent first: fewest days of cover (available / average
  // daily demand), products without demand last, then by id.
  // belowReorderPoint=true (default) keeps those below their reorder point;
  // false lists every stocked product. 400 for a bad value, a limit outside
  // [1, max_limit] or an unknown parameter.
  Response ListProducts(Request& request) const;

 private:
  struct Assessment;
  struct ListQuery;

  // Purchases per day of the history window ending at now_ms, oldest first.
  absl::StatusOr<std::vector<int64_t>> DailyDemand(const std::string& product_id,
                                                   int64_t now_ms) const;
  // The demand side (statistics, reorder point) for `available` units; the
  // cost side is SetUnitCost's.
  absl::StatusOr<Assessment> Assess(std::string product_id,
                                    const std::vector<int64_t>& daily_demand,
                                    int64_t available) const;
  // Sets the unit cost and the EOQ that follows from it (none when unknown).
  absl::Status SetUnitCost(std::optional<double> unit_cost, Assessment* assessment) const;
  // Stocked products matching `query`, the most urgent `query.limit` of them
  // at most, unordered, and how many matched in all.
  absl::Status CollectCandidates(const ListQuery& query, int64_t now_ms,
                                 std::vector<Assessment>* candidates, size_t* total) const;
  // A listed product with its stock read again in full and its unit cost;
  // nullopt when the fresh stock no longer matches `query`.
  absl::StatusOr<std::optional<Assessment>> Complete(Assessment candidate, const ListQuery& query,
                                                     int64_t now_ms) const;
  void Write(const Assessment& assessment, JsonWriter* out) const;

  const Clock& clock_;
  const store::InventoryStore* inventory_;
  const store::EventStore* events_;
  UnitCostLookup unit_cost_;
  const ReplenishmentHandlersOptions options_;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_REPLENISHMENT_HANDLERS_H_
