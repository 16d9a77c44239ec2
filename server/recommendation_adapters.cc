#include "server/recommendation_adapters.h"

#include <string>

namespace aisle::server {

DemandTrendingSource::DemandTrendingSource(const commerce::DemandCounters* demand,
                                           const Clock* clock, commerce::DemandWeights weights)
    : demand_(demand), clock_(clock), weights_(weights) {}

std::vector<ranking::TrendingCounts> DemandTrendingSource::Top(std::string_view category,
                                                               size_t n) const {
  const int64_t now = clock_->NowMillis();
  const std::vector<commerce::TrendingProduct> top =
      demand_->TopProducts(std::string(category), commerce::DemandWindow::k24h, n, now);
  std::vector<ranking::TrendingCounts> out;
  out.reserve(top.size());
  for (const commerce::TrendingProduct& product : top) {
    const commerce::DemandSnapshot snapshot = demand_->Snapshot(product.product_id, now);
    out.push_back(
        {.product_id = product.product_id,
         .last_24h = product.score,
         .last_7d = commerce::DemandScore(snapshot.in(commerce::DemandWindow::k7d), weights_)});
  }
  return out;
}

IndexAvailability::IndexAvailability(const index::ProductIndex* index) : index_(index) {}

bool IndexAvailability::Recommendable(std::string_view product_id) const {
  // NotFound: deleted from the catalog since the models were trained.
  const absl::StatusOr<index::LiveSignals> live = index_->Signals(product_id);
  return live.ok() && !live->hidden && live->in_stock;
}

}  // namespace aisle::server
