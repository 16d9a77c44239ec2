#include "server/personalization.h"

namespace aisle::server {

index::Personalization PreferencesPersonalization::For(const std::string& user_id) const {
  index::Personalization personal;
  const commerce::AffinityProfile profile = preferences_->AffinityFor(user_id);
  if (profile.empty()) return personal;
  for (const auto& [category, weight] : profile.category_terms()) {
    personal.categories.emplace(category, weight);
  }
  for (const auto& [brand, weight] : profile.brand_terms()) personal.brands.emplace(brand, weight);
  const auto& ranges = profile.price_range_terms();
  for (int bucket = 0; bucket < commerce::kPriceRangeCount; ++bucket) {
    if (!(ranges[bucket] > 0)) continue;
    const auto [low, high] = commerce::PriceRangeBounds(bucket);
    personal.price_bands.push_back({.low = low, .high = high, .weight = ranges[bucket]});
  }
  return personal;
}

}  // namespace aisle::server
