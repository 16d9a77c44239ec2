// The blended ranking formula's settings (GET|PUT /v1/settings/ranking):
// how much each business signal weighs against text relevance. The formula
// itself, and what each input means, is index::ScoreBlend's.
//
// Defaults, and why:
// - relevance 1.0: the scale everything else is measured against.
// - availability 0.3: an out-of-stock product falls below in-stock ones
//   whose relevance is up to 0.3 lower (the same words, but in the
//   description rather than the title, are about 0.4 lower), so it sinks
//   among similar results without burying an exact-name match.
// - demand 0.1, popularity 0.1: together less than availability; at the
//   pivots (demand_pivot 1 = the category's average demand, popularity
//   pivot 10) each gives half its weight.
// - margin 0.05: a tie-breaker, never a reason to show a worse match.
// - personalization 0.2: a user's favourite brand in their favourite
//   category and price range lifts a product by up to 0.2.
// The sum of the business weights (0.75) stays below relevance so that no
// mix of signals outranks a clearly better text match.
#ifndef AISLE_RANKING_RANKING_SETTINGS_H_
#define AISLE_RANKING_RANKING_SETTINGS_H_

#include "base/status.h"
#include "index/product_index.h"

namespace aisle::ranking {

struct RankingSettings {
  // False: BM25 alone (and docid order without text), as before issue B.
  bool enabled = true;
  index::BlendWeights weights = {.relevance = 1.0,
                                 .availability = 0.3,
                                 .demand = 0.1,
                                 .popularity = 0.1,
                                 .margin = 0.05,
                                 .personalization = 0.2};
  double demand_pivot = 1.0;
  double popularity_pivot = 10.0;

  bool operator==(const RankingSettings&) const = default;
};

// Weights finite and in [0, 100] with at least one positive; pivots finite
// and > 0. InvalidArgument names the field ("weights.demand",
// "popularityPivot").
absl::Status ValidateRankingSettings(const RankingSettings& settings);

// The index's blend for these settings and one user's personalization.
index::ScoreBlend ToBlend(const RankingSettings& settings, index::Personalization personalization);

}  // namespace aisle::ranking

#endif  // AISLE_RANKING_RANKING_SETTINGS_H_
