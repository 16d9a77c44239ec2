#include "commerce/allocation.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"

namespace aisle::commerce {
namespace {

// A warehouse with stock for one product, as the allocation consumes it.
struct Source {
  double distance_km = 0;
  const std::string* warehouse_id = nullptr;  // Points into the snapshot.
  int64_t remaining = 0;
};

// A product's sources, closest first, and the first one not yet emptied.
struct ProductSources {
  std::vector<Source> sources;
  size_t next = 0;
  int64_t total = 0;
};

absl::Status ValidateLine(const OrderLine& line, size_t index) {
  const std::string field = absl::StrCat("lines[", index, "]");
  if (line.product_id.empty()) {
    return InvalidArgumentError(absl::StrCat(field, ".product_id must not be empty"),
                                absl::StrCat(field, ".product_id"));
  }
  if (line.quantity < 1 || line.quantity > kMaxAllocationUnits) {
    return InvalidArgumentError(absl::StrCat(field, ".quantity must be in [1, ",
                                             kMaxAllocationUnits, "], got ", line.quantity),
                                absl::StrCat(field, ".quantity"));
  }
  if (!std::isfinite(line.unit_price) || line.unit_price < 0) {
    return InvalidArgumentError(absl::StrCat(field, ".unit_price must be a finite number >= 0"),
                                absl::StrCat(field, ".unit_price"));
  }
  return absl::OkStatus();
}

absl::Status ValidateWarehouses(const std::string& product_id,
                                const std::vector<WarehouseAvailability>& warehouses) {
  absl::flat_hash_set<std::string> seen;
  for (size_t i = 0; i < warehouses.size(); ++i) {
    const WarehouseAvailability& w = warehouses[i];
    const std::string field = absl::StrCat("inventory[", product_id, "][", i, "]");
    if (w.warehouse_id.empty() || !seen.insert(w.warehouse_id).second) {
      // A repeated warehouse would count its stock twice.
      return InvalidArgumentError(
          absl::StrCat(field, ".warehouse_id must be non-empty and unique per product"),
          absl::StrCat(field, ".warehouse_id"));
    }
    if (!IsValidLatLon(w.location)) {
      return InvalidArgumentError(
          absl::StrCat(field, ".location is not a valid latitude/longitude"),
          absl::StrCat(field, ".location"));
    }
    if (w.available > kMaxAllocationUnits) {
      return InvalidArgumentError(
          absl::StrCat(field, ".available must be at most ", kMaxAllocationUnits),
          absl::StrCat(field, ".available"));
    }
  }
  return absl::OkStatus();
}

// The warehouses that can give `product_id` anything, closest to
// `destination` first.
ProductSources SortedSources(const std::vector<WarehouseAvailability>& warehouses,
                             LatLon destination) {
  ProductSources result;
  for (const WarehouseAvailability& w : warehouses) {
    if (w.available <= 0) continue;
    result.sources.push_back(
        {GreatCircleKm(w.location, destination), &w.warehouse_id, w.available});
    result.total += w.available;
  }
  std::sort(result.sources.begin(), result.sources.end(), [](const Source& a, const Source& b) {
    if (a.distance_km != b.distance_km) return a.distance_km < b.distance_km;
    return *a.warehouse_id < *b.warehouse_id;
  });
  return result;
}

// Line indices in the seed's priority: highest unit price first, then product
// id, then input order, so that equal inputs always give the same plan.
std::vector<size_t> PriorityOrder(const std::vector<OrderLine>& lines) {
  std::vector<size_t> order(lines.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(), [&lines](size_t a, size_t b) {
    if (lines[a].unit_price != lines[b].unit_price) {
      return lines[a].unit_price > lines[b].unit_price;
    }
    return lines[a].product_id < lines[b].product_id;
  });
  return order;
}

// Products whose lines ask for more than all their sources hold, by product id.
std::vector<Shortfall> FindShortfalls(
    const std::vector<OrderLine>& lines,
    const absl::flat_hash_map<std::string, ProductSources>& sources) {
  absl::flat_hash_map<std::string, int64_t> requested;
  for (const OrderLine& line : lines) requested[line.product_id] += line.quantity;
  std::vector<Shortfall> shortfalls;
  for (const auto& [product_id, quantity] : requested) {
    const int64_t available = sources.at(product_id).total;
    if (quantity > available) {
      shortfalls.push_back({product_id, quantity, available, quantity - available});
    }
  }
  std::sort(shortfalls.begin(), shortfalls.end(),
            [](const Shortfall& a, const Shortfall& b) { return a.product_id < b.product_id; });
  return shortfalls;
}

// Takes `line`'s units from the closest sources that still hold some. The
// caller has checked that the product's sources suffice.
void AllocateLine(const OrderLine& line, size_t index, ProductSources& product,
                  std::vector<Allocation>& out) {
  int64_t remaining = line.quantity;
  while (remaining > 0) {
    Source& source = product.sources[product.next];
    const int64_t take = std::min(remaining, source.remaining);
    out.push_back({index, line.product_id, *source.warehouse_id, take, source.distance_km});
    source.remaining -= take;
    remaining -= take;
    if (source.remaining == 0) ++product.next;
  }
}

}  // namespace

absl::StatusOr<AllocationPlan> AllocateInventory(const std::vector<OrderLine>& lines,
                                                 const InventorySnapshot& inventory,
                                                 LatLon destination) {
  if (!IsValidLatLon(destination)) {
    return InvalidArgumentError("destination is not a valid latitude/longitude", "destination");
  }
  for (size_t i = 0; i < lines.size(); ++i) AISLE_RETURN_IF_ERROR(ValidateLine(lines[i], i));

  // Each ordered product's warehouses are validated and sorted once, however
  // many lines name it; products not in the order are never looked at.
  static const std::vector<WarehouseAvailability> kNoWarehouses;
  absl::flat_hash_map<std::string, ProductSources> sources;
  for (const OrderLine& line : lines) {
    if (sources.contains(line.product_id)) continue;
    auto it = inventory.find(line.product_id);
    const std::vector<WarehouseAvailability>& warehouses =
        it == inventory.end() ? kNoWarehouses : it->second;
    AISLE_RETURN_IF_ERROR(ValidateWarehouses(line.product_id, warehouses));
    sources.emplace(line.product_id, SortedSources(warehouses, destination));
  }

  AllocationPlan plan;
  // Products are independent, and the greedy walk takes every unit a product
  // has before it runs dry, so the order can be served exactly when no
  // product's lines ask for more than its total: checking first makes
  // all-or-nothing free (nothing to roll back) and finds every short product.
  plan.shortfalls = FindShortfalls(lines, sources);
  if (!plan.shortfalls.empty()) return plan;

  for (size_t index : PriorityOrder(lines)) {
    AllocateLine(lines[index], index, sources.at(lines[index].product_id), plan.allocations);
  }
  return plan;
}

absl::Status InsufficientInventoryError(const AllocationPlan& plan) {
  if (plan.complete()) return absl::OkStatus();
  std::string message = absl::StrCat(kInsufficientInventoryReason, ": ");
  for (size_t i = 0; i < plan.shortfalls.size(); ++i) {
    const Shortfall& s = plan.shortfalls[i];
    absl::StrAppend(&message, i == 0 ? "" : "; ", s.product_id, " short by ", s.missing,
                    " (requested ", s.requested, ", available ", s.available, ")");
  }
  return absl::FailedPreconditionError(message);
}

}  // namespace aisle::commerce
