// DemandCounters: sliding-window counts of what shoppers do with each product
// and category (views, clicks, cart adds, purchases, wishlist adds over the
// last hour, 24 hours and 7 days), the seed's demand score, the category
// average demand the seed's demand multiplier normalizes by, and trending.
//
// Resolution: events are counted in time buckets aligned to the Unix epoch.
// The 1 h and 24 h windows use 5-minute buckets, the 7 d window hourly
// buckets. A window of length W read at time `now` counts the buckets that
// START after now - W and at or before now: an event at time t is counted
// until now reaches BucketStart(t) + W, so it stays in the window for between
// W - bucket and W (55-60 min, 23 h 55 min-24 h, 167-168 h). The windows never
// count an event older than W, and under-count by at most one bucket.
//
// Ownership: in memory only. The behaviour events themselves are stored
// durably by the caller (store/); on restart replay the last 7 days of events
// into Record(), or Restore() a Serialize() snapshot and replay what came
// after it.
//
// Thread-safety: every method may be called concurrently from any thread.
// Products live in lock-striped shards; categories in their own stripes.
#ifndef AISLE_COMMERCE_DEMAND_COUNTERS_H_
#define AISLE_COMMERCE_DEMAND_COUNTERS_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/event.h"
#include "base/status.h"

namespace aisle::commerce {

enum class DemandWindow : uint8_t { k1h, k24h, k7d };
inline constexpr int kDemandWindowCount = 3;

inline constexpr int64_t kFineBucketMs = 5 * 60 * 1000;     // For the 1 h and 24 h windows.
inline constexpr int64_t kCoarseBucketMs = 60 * 60 * 1000;  // For the 7 d window.

// Length of a window in milliseconds.
int64_t DemandWindowMs(DemandWindow window);

struct DemandCounts {
  uint64_t views = 0;
  uint64_t clicks = 0;
  uint64_t cart_adds = 0;
  uint64_t purchases = 0;
  uint64_t wishlist_adds = 0;
  bool operator==(const DemandCounts&) const = default;
};

// The seed's calculateDemandMultiplier demand score weights. Clicks are not in
// the seed's formula, hence 0.
struct DemandWeights {
  double view = 0.1;
  double click = 0.0;
  double cart_add = 0.3;
  double purchase = 0.5;
  double wishlist_add = 0.1;
};

// views*view + clicks*click + cart_adds*cart_add + purchases*purchase + ...
double DemandScore(const DemandCounts& counts, const DemandWeights& weights);

struct DemandSnapshot {
  // The category the product's events were last recorded under; empty when
  // the product has no recorded event.
  std::string category;
  // Indexed by DemandWindow.
  std::array<DemandCounts, kDemandWindowCount> windows;
  // DemandScore over the 24 h window.
  double demand_score = 0;
  // CategoryAverage(category) at the same time; 0 without a category.
  double category_average = 0;

  const DemandCounts& in(DemandWindow window) const { return windows[static_cast<size_t>(window)]; }
};

struct TrendingProduct {
  std::string product_id;
  double score = 0;
  bool operator==(const TrendingProduct&) const = default;
};

struct DemandCountersOptions {
  DemandWeights weights;
  // Lock stripes for products and categories (rounded up to >= 1).
  int product_shards = 64;
  int category_shards = 16;
};

class DemandCounters {
 public:
  // `clock` must outlive this object; it decides which events are too old to
  // count and what "now" means for events with timestamp_ms == 0.
  explicit DemandCounters(const Clock& clock, DemandCountersOptions options = {});
  ~DemandCounters();
  DemandCounters(const DemandCounters&) = delete;
  DemandCounters& operator=(const DemandCounters&) = delete;

  // Counts a view, click, cart add, purchase or wishlist add of
  // event.product_id under event.category (or, when empty, the category the
  // product was last seen with). Returns false when the event is not counted:
  // a search, no product id, or a timestamp older than the 7 d window (or
  // older than 24 h for the 5-minute buckets only). Timestamps in the future
  // count as now; rejecting far-future events is the caller's job. A product
  // belongs to one category at a time: a new non-empty category moves it, and
  // its earlier events stay counted in the old category.
  bool Record(const Event& event);

  // Counts for each window as of `now_ms`. Unknown products read as zero.
  DemandSnapshot Snapshot(const std::string& product_id, int64_t now_ms) const;

  // The category's summed counts for one window.
  DemandCounts CategoryCounts(const std::string& category, DemandWindow window,
                              int64_t now_ms) const;

  // Average 24 h demand score over the category's products that had at least
  // one counted event in the last 24 h (products with no activity are not in
  // the average: the catalog's size is unknown here and its dead tail would
  // drag every average toward 0). 0 when no product of the category is active.
  double CategoryAverage(const std::string& category, int64_t now_ms) const;

  // Up to `n` products with the highest demand score (the configured weights)
  // over `window`, highest first, ties by product id; products scoring 0 are
  // left out. An empty `category` ranks every product. Cost: one pass over
  // every product with activity in the last 7 d.
  std::vector<TrendingProduct> TopProducts(const std::string& category, DemandWindow window,
                                           size_t n, int64_t now_ms) const;

  // Frees products and categories with no event left in any window at the
  // clock's now. Returns how many products were dropped. Call periodically
  // (e.g. hourly); Record already trims each product's own buckets.
  size_t Sweep();

  size_t product_count() const;

  // A versioned binary snapshot of every product's buckets. Not an atomic cut
  // across shards: events recorded during the call may or may not be in it.
  std::string Serialize() const;

  // Replaces all state with a Serialize() snapshot (category totals are
  // rebuilt from the products). Buckets already outside the retention at the
  // clock's now are dropped. DataLoss for corrupt or foreign input, with the
  // current state left untouched.
  absl::Status Restore(std::string_view snapshot);

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace aisle::commerce

#endif  // AISLE_COMMERCE_DEMAND_COUNTERS_H_
