// PricingEngine: the seed's calculateOptimalPrice.
//
//   adjustment = demand*0.30 + competition*0.25 + inventory*0.20
//              + seasonal*0.15 + segment*0.10           (weights configurable)
//   price      = clamp(base * adjustment, base*(1-0.30), base*(1+0.50))
//   discountPercent = max(0, (base - price) / base * 100)
//
// with the seed's demand multiplier clamp(0.8 + score/max(categoryAvg,1)*0.5,
// 0.8, 1.3) and the four multipliers the seed leaves open defined here and
// in docs/PRICING.md (formulas, defaults, worked examples).
//
// The engine is pure: every input arrives in a PricingContext (PricingService
// in pricing_service.h fills one from the live counters). Immutable after
// Create(), so it is thread-safe; to change settings build a new engine and
// swap it in.
#ifndef AISLE_COMMERCE_PRICING_H_
#define AISLE_COMMERCE_PRICING_H_

#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "commerce/demand_counters.h"
#include "commerce/user_preferences.h"

namespace aisle::commerce {

// The seed's PricingFactors. Must be >= 0 and sum to 1 (so that all
// multipliers at 1.0 give the base price).
struct PricingWeights {
  double demand = 0.30;
  double competition = 0.25;
  double inventory = 0.20;
  double seasonality = 0.15;
  double segment = 0.10;
};

// The seed's calculateDemandMultiplier:
// clamp(base + score / max(category_average, min_category_average) * slope, min, max).
struct DemandFactorOptions {
  double base = 0.8;
  double slope = 0.5;
  double min = 0.8;
  double max = 1.3;
  double min_category_average = 1.0;
};

enum class CompetitorReference : uint8_t { kMedian, kMin };

// clamp(reference competitor price / base price, min, max); 1.0 without a
// usable competitor price. Prices observed longer than max_age_ms ago are
// ignored (0 = no age limit): three of the seed's 24 h competitor checks.
struct CompetitionFactorOptions {
  CompetitorReference reference = CompetitorReference::kMedian;
  double min = 0.85;
  double max = 1.15;
  int64_t max_age_ms = 3 * 86'400'000LL;
};

// Days of cover = stock / (purchases over 7 d / 7). Below low_cover_days the
// multiplier rises linearly to `max` at 0 days; between low and high it is
// 1.0; above high_cover_days it falls linearly to `min` at
// full_overstock_days (and stays there; no sale in 7 d with stock on hand
// counts as infinite cover). Untracked stock (nullopt) or stock <= 0: 1.0.
struct InventoryFactorOptions {
  double low_cover_days = 7;
  double high_cover_days = 60;
  double full_overstock_days = 180;
  double min = 0.90;
  double max = 1.10;
};

// Category -> multiplier per month, January first. The row of the most
// specific level of the product's category path wins; no row: 1.0. Months
// are UTC months of PricingContext::now_ms.
using SeasonalTable = std::map<std::string, std::array<double, 12>>;

struct SegmentFactorOptions {
  double unknown = 1.0;  // Anonymous: the list price.
  double new_customer = 0.97;
  double regular = 1.0;
  double vip = 0.95;
};

struct PricingOptions {
  PricingWeights weights;
  double max_discount_percent = 30;  // The seed's PricingConfig.
  double max_markup_percent = 50;
  DemandFactorOptions demand;
  CompetitionFactorOptions competition;
  InventoryFactorOptions inventory;
  SeasonalTable seasonal;
  SegmentFactorOptions segment;
  // The final price is rounded to a multiple of this (0.01: cents) inside the
  // bounds; 0 disables rounding.
  double price_increment = 0.01;
  // The seed's priceUpdateFrequency: how often stored prices are recomputed.
  int64_t update_interval_ms = 3'600'000;

  // InvalidArgument naming the offending field (e.g. "weights.demand").
  absl::Status Validate() const;
};

struct CompetitorPrice {
  double price = 0;
  int64_t observed_at_ms = 0;  // 0: unknown age, never considered stale.
  bool operator==(const CompetitorPrice&) const = default;
};

struct PricingContext {
  std::string product_id;
  double base_price = 0;                           // Finite, >= 0.
  std::vector<std::string> categories;             // Category path, root first.
  std::optional<int64_t> stock;                    // Available units; nullopt = not tracked.
  DemandSnapshot demand;                           // 24 h score + category average; 7 d purchases.
  std::vector<CompetitorPrice> competitor_prices;  // Already filtered to the region.
  UserSegment segment = UserSegment::kUnknown;
  int64_t now_ms = 0;
};

struct PriceFactors {
  double demand = 1;
  double competition = 1;
  double inventory = 1;
  double seasonal = 1;
  double segment = 1;
  bool operator==(const PriceFactors&) const = default;
};

struct PriceResult {
  double price = 0;           // Final price, bounded and rounded.
  double original_price = 0;  // The base price.
  double discount_percent = 0;
  PriceFactors factors;
  double adjustment = 1;  // The weighted sum, before bounds.
  bool bounded = false;   // True when the 30 % / 50 % bound applied.
};

class PricingEngine {
 public:
  // InvalidArgument when options.Validate() fails.
  static absl::StatusOr<PricingEngine> Create(PricingOptions options = {});

  // InvalidArgument (field "basePrice") for a negative or non-finite base price.
  absl::StatusOr<PriceResult> Price(const PricingContext& context) const;

  // The individual multipliers, exposed for tests and explanations.
  double DemandMultiplier(double demand_score, double category_average) const;
  double CompetitionMultiplier(double base_price, const std::vector<CompetitorPrice>& prices,
                               int64_t now_ms) const;
  double InventoryMultiplier(std::optional<int64_t> stock, uint64_t purchases_7d) const;
  double SeasonalMultiplier(const std::vector<std::string>& categories, int64_t now_ms) const;
  double SegmentMultiplier(UserSegment segment) const;

  const PricingOptions& options() const { return options_; }

 private:
  explicit PricingEngine(PricingOptions options) : options_(std::move(options)) {}
  double Round(double price, double min_price, double max_price) const;

  PricingOptions options_;
};

// The UTC month (1..12) of a Unix-milliseconds time.
int UtcMonth(int64_t unix_ms);

}  // namespace aisle::commerce

#endif  // AISLE_COMMERCE_PRICING_H_
