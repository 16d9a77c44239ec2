// What the recommender (ranking/recommender.h) reads from the rest of the
// server, adapted to its narrow interfaces: trending demand from the
// commerce demand counters, and which products may be shown from the index's
// live signals.
//
// Ownership: neither adapter owns what it reads; both must be outlived by it.
// Thread-safety: every method may be called concurrently (request threads).
#ifndef AISLE_SERVER_RECOMMENDATION_ADAPTERS_H_
#define AISLE_SERVER_RECOMMENDATION_ADAPTERS_H_

#include <string_view>
#include <vector>

#include "base/clock.h"
#include "commerce/demand_counters.h"
#include "index/product_index.h"
#include "ranking/recommender.h"
#include "ranking/trending.h"

namespace aisle::server {

// Trending counts from the demand windows: the 24 h ranking of
// DemandCounters::TopProducts, and each product's 7-day demand score for the
// "rising" test. `weights` must be the counters' own (DemandCountersOptions),
// so that both windows are scored alike.
class DemandTrendingSource final : public ranking::TrendingSource {
 public:
  DemandTrendingSource(const commerce::DemandCounters* demand, const Clock* clock,
                       commerce::DemandWeights weights = {});

  std::vector<ranking::TrendingCounts> Top(std::string_view category, size_t n) const override;

 private:
  const commerce::DemandCounters* const demand_;
  const Clock* const clock_;
  const commerce::DemandWeights weights_;
};

// A product is recommendable when the catalog has it, it is not hidden
// (unpublished) and it is in stock (or its stock is not tracked).
class IndexAvailability final : public ranking::Availability {
 public:
  explicit IndexAvailability(const index::ProductIndex* index);

  bool Recommendable(std::string_view product_id) const override;

 private:
  const index::ProductIndex* const index_;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_RECOMMENDATION_ADAPTERS_H_
