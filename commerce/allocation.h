// AllocateInventory: the seed's allocateInventory over a snapshot of what
// each warehouse can give. Decides which warehouse ships how many units of
// each order line:
//
//   lines by unit price, highest first (ties: product id, then input order);
//   for each line, warehouses by great-circle distance to the shipping
//   destination, closest first (ties: warehouse id);
//   take min(remaining, available) from each until the line is served,
//   decrementing the snapshot, so two lines of one product share its stock;
//   all-or-nothing: if any product cannot be fully served the plan allocates
//   nothing and lists the shortfall of every short product.
//
// Pure: no I/O and no reservation. The caller reads a snapshot (e.g.
// store::InventoryStore), allocates, and commits the plan atomically against
// the live stock; if the stock moved in between, the commit fails and the
// caller reads again. That replaces the seed's per-warehouse reserve with
// rollback: a plan that is never committed needs no rollback.
//
// Why "high-value first" matters only when lines compete: with enough stock
// every line is served from its closest warehouses regardless of order; when
// two lines of one product compete for the closest stock, the pricier line
// gets it (and ships fastest).
#ifndef AISLE_COMMERCE_ALLOCATION_H_
#define AISLE_COMMERCE_ALLOCATION_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "base/geo.h"
#include "base/status.h"

namespace aisle::commerce {

// Upper bound on a line's quantity and a warehouse's available units: rejects
// unit mistakes and keeps every sum far from int64 overflow (the store's
// kMaxUnits).
inline constexpr int64_t kMaxAllocationUnits = 1'000'000'000;

// Starts the message of InsufficientInventoryError (the seed's reason).
inline constexpr char kInsufficientInventoryReason[] = "insufficient_inventory";

struct OrderLine {
  std::string product_id;  // Non-empty. Several lines may name one product.
  int64_t quantity = 0;    // In [1, kMaxAllocationUnits].
  double unit_price = 0;   // Finite, >= 0. Orders lines only; never summed.
};

struct WarehouseAvailability {
  std::string warehouse_id;  // Non-empty; unique within one product's list.
  LatLon location;           // IsValidLatLon.
  // Units this warehouse can ship now (on hand minus what is held for other
  // orders). Values <= 0 mean none; at most kMaxAllocationUnits.
  int64_t available = 0;
};

// product id -> the warehouses that stock it. A product without an entry has
// no stock anywhere.
using InventorySnapshot = absl::flat_hash_map<std::string, std::vector<WarehouseAvailability>>;

struct Allocation {
  size_t line = 0;  // Index of the order line in the request.
  std::string product_id;
  std::string warehouse_id;
  int64_t quantity = 0;    // >= 1.
  double distance_km = 0;  // Warehouse to destination, great circle.
  bool operator==(const Allocation&) const = default;
};

// One product that cannot be fully served. Lines of the same product are
// summed: the shortfall is a property of the product, not of which of its
// lines happened to be served first.
struct Shortfall {
  std::string product_id;
  int64_t requested = 0;  // Sum over the order's lines of this product.
  int64_t available = 0;  // Sum of the product's positive availability.
  int64_t missing = 0;    // requested - available, > 0.
  bool operator==(const Shortfall&) const = default;
};

// Exactly one of the two lists is non-empty (both are empty only for an
// order without lines).
struct AllocationPlan {
  // In allocation order: lines by priority, then warehouses closest first.
  // A line served from several warehouses has several entries.
  std::vector<Allocation> allocations;
  // Every short product, ordered by product id. Non-empty means the order
  // cannot be served and `allocations` is empty.
  std::vector<Shortfall> shortfalls;

  bool complete() const { return shortfalls.empty(); }
};

// InvalidArgument (field "lines[i].quantity", "destination", ...) for
// malformed input; otherwise a plan, complete or with its shortfalls. Running
// short is an expected outcome under contention, not an error, so it is data
// the caller can show; InsufficientInventoryError turns it into a status.
//
// Cost: O(L log L + sum over lines of W log W) for L lines and W warehouses
// per product (a product's warehouses are sorted once per order).
absl::StatusOr<AllocationPlan> AllocateInventory(const std::vector<OrderLine>& lines,
                                                 const InventorySnapshot& inventory,
                                                 LatLon destination);

// FailedPrecondition "insufficient_inventory: <product> short by <n> (requested
// <r>, available <a>); ..." listing every shortfall; OK for a complete plan.
absl::Status InsufficientInventoryError(const AllocationPlan& plan);

}  // namespace aisle::commerce

#endif  // AISLE_COMMERCE_ALLOCATION_H_
