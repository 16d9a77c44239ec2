// Trending products (the seed's popularity_boost model): what shoppers did
// most over the last 24 hours, with products on the rise boosted.
//
// A product's trending score is its demand over the last 24 h, times
// `boost` (the seed's trendingBoost, 1.5) when it is rising: its last 24 h
// exceed its average day of the last 7 days by `rising_ratio`. The seed
// names the boost but not what earns it; rising is what a merchandiser
// means by "trending" as opposed to "best-selling", and it lets a product
// that took off today overtake a steady seller with a slightly larger count.
#ifndef AISLE_RANKING_TRENDING_H_
#define AISLE_RANKING_TRENDING_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace aisle::ranking {

// Demand counts of one product as the source reports them (weighted event
// counts, commerce::DemandScore in the server).
struct TrendingCounts {
  std::string product_id;
  double last_24h = 0;
  double last_7d = 0;  // Includes the last 24 h.
};

// Where counts come from (the server adapts commerce::DemandCounters).
// Thread-safe implementations required: called from request threads.
class TrendingSource {
 public:
  virtual ~TrendingSource() = default;
  // Up to `n` products of `category` (empty: every category) with the most
  // demand over the last 24 h, most first.
  virtual std::vector<TrendingCounts> Top(std::string_view category, size_t n) const = 0;
};

struct TrendingOptions {
  double boost = 1.5;         // The seed's trendingBoost.
  double rising_ratio = 1.0;  // Rising: last_24h > rising_ratio * last_7d / 7.
  bool operator==(const TrendingOptions&) const = default;
};

// InvalidArgument naming the field: boost finite and >= 1, rising_ratio
// finite and >= 0.
absl::Status ValidateTrendingOptions(const TrendingOptions& options);

double TrendingScore(const TrendingCounts& counts, const TrendingOptions& options);

struct TrendingItem {
  std::string product_id;
  double score = 0;
  bool rising = false;
};

// The source's top `n` re-ranked by TrendingScore (asks the source for a few
// more than n, so a rising product just below the cut can enter), highest
// first, ties by product id.
std::vector<TrendingItem> RankTrending(const TrendingSource& source, std::string_view category,
                                       size_t n, const TrendingOptions& options);

}  // namespace aisle::ranking

#endif  // AISLE_RANKING_TRENDING_H_
