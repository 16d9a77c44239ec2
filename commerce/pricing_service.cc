#include "commerce/pricing_service.h"

#include <algorithm>
#include <cstdint>
#include <utility>

namespace aisle::commerce {

PricingService::PricingService(const Clock& clock, const DemandCounters& demand,
                               const UserPreferences& users, StockLookup stock,
                               CompetitorLookup competitors,
                               std::shared_ptr<const PricingEngine> engine)
    : clock_(clock),
      demand_(demand),
      users_(users),
      stock_(std::move(stock)),
      competitors_(std::move(competitors)),
      engine_(std::move(engine)) {}

void PricingService::SetEngine(std::shared_ptr<const PricingEngine> engine) {
  std::lock_guard lock(engine_mu_);
  engine_ = std::move(engine);
}

std::shared_ptr<const PricingEngine> PricingService::engine() const {
  std::lock_guard lock(engine_mu_);
  return engine_;
}

PricingContext PricingService::Context(const Product& product, const std::string& user_id,
                                       const std::string& region) const {
  PricingContext context;
  context.now_ms = clock_.NowMillis();
  context.product_id = product.id;
  context.base_price = product.price;
  context.categories = product.categories;
  if (stock_) context.stock = stock_(product.id);
  if (competitors_) context.competitor_prices = competitors_(product.id, region);
  context.demand = demand_.Snapshot(product.id, context.now_ms);
  context.segment = users_.Segment(user_id);
  return context;
}

absl::StatusOr<PriceResult> PricingService::Price(const Product& product,
                                                  const std::string& user_id,
                                                  const std::string& region) const {
  const std::shared_ptr<const PricingEngine> current = engine();
  if (current == nullptr) return absl::FailedPreconditionError("pricing engine not configured");
  return current->Price(Context(product, user_id, region));
}

RepriceSchedule::RepriceSchedule(const Clock& clock, int64_t interval_ms)
    : clock_(clock),
      interval_ms_(std::max<int64_t>(1, interval_ms)),
      next_due_ms_(clock.NowMillis()) {}

bool RepriceSchedule::TryStart() {
  const int64_t now = clock_.NowMillis();
  int64_t due = next_due_ms_.load(std::memory_order_acquire);
  while (now >= due) {
    if (next_due_ms_.compare_exchange_weak(due, now + interval_ms_, std::memory_order_acq_rel)) {
      return true;
    }
  }
  return false;
}

void RepriceSchedule::RequestNow() { next_due_ms_.store(INT64_MIN, std::memory_order_release); }

}  // namespace aisle::commerce
