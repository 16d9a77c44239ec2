#include "ranking/trending.h"

#include <algorithm>
#include <cmath>

namespace aisle::ranking {

absl::Status ValidateTrendingOptions(const TrendingOptions& options) {
  if (!std::isfinite(options.boost) || options.boost < 1) {
    return InvalidArgumentError("boost must be finite and >= 1", "boost");
  }
  if (!std::isfinite(options.rising_ratio) || options.rising_ratio < 0) {
    return InvalidArgumentError("risingRatio must be finite and >= 0", "risingRatio");
  }
  return absl::OkStatus();
}

namespace {
bool Rising(const TrendingCounts& counts, const TrendingOptions& options) {
  return counts.last_24h > 0 && counts.last_24h > options.rising_ratio * counts.last_7d / 7;
}
}  // namespace

double TrendingScore(const TrendingCounts& counts, const TrendingOptions& options) {
  return counts.last_24h * (Rising(counts, options) ? options.boost : 1.0);
}

std::vector<TrendingItem> RankTrending(const TrendingSource& source, std::string_view category,
                                       size_t n, const TrendingOptions& options) {
  if (n == 0) return {};
  // A rising product can overtake one with up to `boost` times its count:
  // ask for enough of the tail to see it.
  const size_t ask = n + n / 2 + 8;
  std::vector<TrendingItem> items;
  for (const TrendingCounts& counts : source.Top(category, ask)) {
    const double score = TrendingScore(counts, options);
    if (score > 0) items.push_back({counts.product_id, score, Rising(counts, options)});
  }
  std::sort(items.begin(), items.end(), [](const TrendingItem& a, const TrendingItem& b) {
    return a.score != b.score ? a.score > b.score : a.product_id < b.product_id;
  });
  if (items.size() > n) items.resize(n);
  return items;
}

}  // namespace aisle::ranking
