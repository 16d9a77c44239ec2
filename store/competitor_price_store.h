// CompetitorPriceStore: the latest price each competitor charges for a
// product in a region, input to dynamic pricing's competition factor.
//
// Thread-safety: as EventStore.
#ifndef AISLE_STORE_COMPETITOR_PRICE_STORE_H_
#define AISLE_STORE_COMPETITOR_PRICE_STORE_H_

#include <cstdint>
#include <functional>
#include <future>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace aisle::store {

struct CompetitorPrice {
  std::string product_id;      // Non-empty.
  std::string competitor;      // Non-empty.
  std::string region;          // "" is a region of its own (e.g. "no region given").
  double price = 0;            // Finite, >= 0.
  int64_t observed_at_ms = 0;  // When the competitor charged it; 0 = the store clock's now.
  bool operator==(const CompetitorPrice&) const = default;
};

using CompetitorPriceCallback = std::function<absl::Status(const CompetitorPrice&)>;

class CompetitorPriceStore {
 public:
  virtual ~CompetitorPriceStore() = default;

  // Keeps, per (product, competitor, region), the observation with the
  // latest observed_at_ms: an older observation arriving late changes
  // nothing; an equal one replaces the stored price. Atomic per batch;
  // InvalidArgument ("prices[i]: ...") for a bad entry, and nothing is
  // written. An empty batch succeeds at once.
  virtual std::future<absl::Status> UpsertCompetitorPrices(std::vector<CompetitorPrice> prices) = 0;

  // The product's latest prices in exactly `region`, ordered by competitor.
  virtual absl::StatusOr<std::vector<CompetitorPrice>> CompetitorPrices(
      std::string_view product_id, std::string_view region) const = 0;

  // Every stored price, ordered by product, region, competitor (the hourly
  // repricing pass).
  virtual absl::Status ForEachCompetitorPrice(const CompetitorPriceCallback& callback) const = 0;
};

}  // namespace aisle::store

#endif  // AISLE_STORE_COMPETITOR_PRICE_STORE_H_
