// Replenishment: the seed's calculateReorderPoint and
// calculateOptimalOrderQuantity (economic order quantity) from a product's
// recorded daily demand.
//
//   lead_time_demand = average_daily_demand * lead_time_days
//   safety_stock     = z(service_level) * sqrt(lead_time_days) * demand_stddev
//   reorder_point    = ceil(lead_time_demand + safety_stock)
//   eoq              = ceil(clamp(sqrt(2 * D * S / H), min_order, max_order))
//                      D annual demand (units/year), S cost per order,
//                      H = unit_cost * carrying_cost_percent (per unit-year)
//
// Policy ((s, Q) continuous review): when the inventory position (on hand +
// on order) falls below the reorder point s, order Q = eoq units. The safety
// stock covers demand that varies day to day (independent days, so the
// lead-time deviation grows with sqrt(lead time)); the lead time itself is
// taken as fixed, as in the seed.
//
// Pure functions: the caller collects the daily demand (e.g. purchase events
// from store/, bucketed with DailyDemand) and the stock position.
#ifndef AISLE_COMMERCE_REPLENISHMENT_H_
#define AISLE_COMMERCE_REPLENISHMENT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "base/status.h"

namespace aisle::commerce {

// Upper bound on a reorder point or order quantity (the store's kMaxUnits):
// results are clamped to it so they always fit a stock row.
inline constexpr int64_t kMaxReplenishmentUnits = 1'000'000'000;

inline constexpr int64_t kMillisPerDay = 86'400'000;

// The seed's InventoryConfig (reorderPointDays and reviewPeriodDays are not
// used by its formulas, so they are not here).
struct ReplenishmentOptions {
  // Supplier lead time in days; > 0, at most 3650. Fractions allowed.
  double lead_time_days = 14;
  // Probability of no stockout during one lead time, in [0.5, 1). Below 0.5
  // the safety stock would be negative (planning to run out more often than
  // not), which nobody sets on purpose: more likely 5 % typed for 95 %.
  double service_level = 0.95;
  // Yearly cost of holding one unit, as a fraction of its unit cost; > 0.
  double carrying_cost_percent = 0.25;
  // Days of history the reorder point is computed from (the seed's 90-day
  // getDemandHistory window); in [1, 3650]. For the caller that collects the
  // history: DailyDemand(samples, now, history_days).
  int history_days = 90;
  // Cost of placing one order (S in the EOQ), in the currency of unit costs;
  // finite, >= 0. The seed reads it per supplier (getOrderingCost) and does
  // not define it: 50 is a placeholder until supplier costs are recorded.
  // ReplenishmentInput::ordering_cost overrides it per product.
  double ordering_cost = 50;
  // The seed's product.minOrderQuantity || 1 and maxOrderQuantity || Infinity.
  // min in [1, kMaxReplenishmentUnits]; max, when set, in [min, kMaxReplenishmentUnits].
  int64_t min_order_quantity = 1;
  std::optional<int64_t> max_order_quantity;

  // InvalidArgument naming the offending field (e.g. "service_level").
  absl::Status Validate() const;
};

// The standard normal quantile: z such that P(Z <= z) = p for Z ~ N(0, 1).
// Acklam's rational approximation (relative error < 1.15e-9) refined by one
// Halley step against std::erfc, which brings it to about double precision.
// 0.5 -> 0, 0.95 -> 1.6448536..., 0.99 -> 2.3263479...; -inf at 0, +inf at 1,
// NaN outside [0, 1] or for NaN.
double ZForServiceLevel(double p);

// Mean and standard deviation of daily unit demand.
struct DemandStatistics {
  size_t days = 0;           // Number of days observed.
  double average_daily = 0;  // Sum / days; 0 without days.
  double stddev_daily = 0;   // Sample deviation (see DemandStatisticsOf).
};

// One recorded sale (or other demand) of a product.
struct DemandSample {
  int64_t timestamp_ms = 0;  // Unix milliseconds.
  int64_t quantity = 0;      // Units; in [0, kMaxReplenishmentUnits].
};

// Buckets samples into `days` consecutive 24-hour days ending at `now_ms`,
// oldest first: day i covers [now - (days - i) * 24 h, now - (days - i - 1) * 24 h).
// Samples outside the window are ignored; days without a sample count 0.
// InvalidArgument for days outside [1, 3650] or a quantity out of range.
absl::StatusOr<std::vector<int64_t>> DailyDemand(const std::vector<DemandSample>& samples,
                                                 int64_t now_ms, int days);

// Statistics over per-day unit counts, days without demand included as 0
// (leaving them out would inflate the average of slow sellers). The standard
// deviation is the SAMPLE one, sqrt(sum((x - mean)^2) / (n - 1)): the history
// is a sample of the demand process, and Bessel's correction keeps short
// histories from understating the variability the safety stock must cover.
// 0 for fewer than 2 days. InvalidArgument for a count outside
// [0, kMaxReplenishmentUnits].
absl::StatusOr<DemandStatistics> DemandStatisticsOf(const std::vector<int64_t>& daily_demand);

// The seed's calculateReorderPoint over `daily_demand` (per-day unit counts,
// zeros included; normally options.history_days of them). An empty history
// gives 0. Never negative, at most kMaxReplenishmentUnits. InvalidArgument for
// invalid options or a count out of range.
//
// Rounding: ceil after discounting a relative 1e-12, so that a value that is
// an integer on paper but lands a few ulps above it in floating point (e.g.
// 29 units in 7 days over a 14-day lead time: (29 / 7) * 14 =
// 58.00000000000001) is not rounded up a whole unit.
absl::StatusOr<int64_t> ReorderPoint(const std::vector<int64_t>& daily_demand,
                                     const ReplenishmentOptions& options);

// The seed's calculateOptimalOrderQuantity. All inputs finite and >= 0.
// Edge cases:
//  - annual_demand 0 or ordering_cost 0: the raw EOQ is 0 (nothing to batch),
//    so the result is min_order_quantity, as in the seed. Whether to order at
//    all is the reorder point's decision.
//  - unit_cost 0 with demand and ordering cost > 0: holding is free and the
//    raw EOQ unbounded, so the result is max_order_quantity; without a max it
//    is InvalidArgument (field "unit_cost"): no finite answer exists, and a
//    product without a recorded cost should not silently order 10^9 units.
// Otherwise at most kMaxReplenishmentUnits.
absl::StatusOr<int64_t> EconomicOrderQuantity(double annual_demand, double ordering_cost,
                                              double unit_cost,
                                              const ReplenishmentOptions& options);

struct ReplenishmentInput {
  // Per-day unit counts over the history window, oldest first, zeros included.
  std::vector<int64_t> daily_demand;
  double unit_cost = 0;  // What one unit costs us; finite, >= 0.
  // Overrides options.ordering_cost (e.g. the supplier's).
  std::optional<double> ordering_cost;
  // Units in stock, in [-kMaxReplenishmentUnits, kMaxReplenishmentUnits]
  // (negative after a correction that found less than was recorded).
  int64_t on_hand = 0;
  // Units ordered from suppliers, not yet received; in [0, kMaxReplenishmentUnits].
  int64_t on_order = 0;
};

struct ReplenishmentAdvice {
  double average_daily_demand = 0;
  double demand_stddev = 0;  // Sample deviation of daily demand.
  double annual_demand = 0;  // average_daily_demand * 365.
  double lead_time_demand = 0;
  double safety_stock = 0;
  int64_t reorder_point = 0;
  int64_t order_quantity = 0;      // The EOQ.
  int64_t inventory_position = 0;  // on_hand + on_order.
  // inventory_position < reorder_point: order order_quantity units now. At
  // exactly the reorder point the stock still covers the lead-time demand
  // plus the safety stock, and a product without demand (reorder point 0)
  // is never flagged, however empty its shelf.
  bool below_reorder_point = false;
};

// Reorder point and EOQ together, with their intermediate values (for the
// replenishment endpoint and the below-reorder-point list). Annual demand is
// extrapolated from the history's daily average (the seed's getAnnualDemand).
// Errors as ReorderPoint and EconomicOrderQuantity.
absl::StatusOr<ReplenishmentAdvice> Advise(const ReplenishmentInput& input,
                                           const ReplenishmentOptions& options);

}  // namespace aisle::commerce

#endif  // AISLE_COMMERCE_REPLENISHMENT_H_
