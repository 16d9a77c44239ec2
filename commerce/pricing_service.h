// PricingService: glue that prices a product with live inputs. It fills a
// PricingContext from DemandCounters (24 h demand score, category average,
// 7 d purchases), UserPreferences (the user's segment), the injected clock
// (seasonal month) and two caller-supplied lookups (available stock, and
// competitor prices for a region), then asks the current PricingEngine.
//
// RepriceSchedule decides when the periodic recomputation of stored prices
// (the seed's priceUpdateFrequency, 1 h) is due.
//
// Ownership: the service borrows the clock, counters and preferences (they
// must outlive it) and shares ownership of the engine.
// Thread-safety: all methods may be called concurrently; the lookups are
// called from the calling thread and must be thread-safe themselves.
#ifndef AISLE_COMMERCE_PRICING_SERVICE_H_
#define AISLE_COMMERCE_PRICING_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/product.h"
#include "base/status.h"
#include "commerce/demand_counters.h"
#include "commerce/pricing.h"
#include "commerce/user_preferences.h"

namespace aisle::commerce {

// Available units of a product (summed over warehouses); nullopt when stock
// is not tracked for it.
using StockLookup = std::function<std::optional<int64_t>(const std::string& product_id)>;
// Competitor prices for a product in a region ("" = no region given).
using CompetitorLookup = std::function<std::vector<CompetitorPrice>(const std::string& product_id,
                                                                    const std::string& region)>;

class PricingService {
 public:
  // `stock` and `competitors` may be empty functions (stock untracked, no
  // competitor data). `engine` must not be null.
  PricingService(const Clock& clock, const DemandCounters& demand, const UserPreferences& users,
                 StockLookup stock, CompetitorLookup competitors,
                 std::shared_ptr<const PricingEngine> engine);

  // Replaces the engine (new settings); prices computed afterwards use it.
  void SetEngine(std::shared_ptr<const PricingEngine> engine);
  std::shared_ptr<const PricingEngine> engine() const;

  // The inputs the engine would see now. `user_id` empty = anonymous (segment
  // kUnknown, the list price). The demand snapshot's category average is that
  // of the category the product's events were recorded under.
  PricingContext Context(const Product& product, const std::string& user_id,
                         const std::string& region) const;

  // Engine(Context(...)). The price without a user is the one to store in the
  // index's live price column; with a user it may differ by segment.
  absl::StatusOr<PriceResult> Price(const Product& product, const std::string& user_id = "",
                                    const std::string& region = "") const;

 private:
  const Clock& clock_;
  const DemandCounters& demand_;
  const UserPreferences& users_;
  StockLookup stock_;
  CompetitorLookup competitors_;
  mutable std::mutex engine_mu_;
  std::shared_ptr<const PricingEngine> engine_;
};

// When the periodic price recomputation is due: at construction, then every
// `interval_ms` after the start of the previous run. Thread-safe: of several
// threads calling TryStart() at a due time, exactly one gets true.
class RepriceSchedule {
 public:
  RepriceSchedule(const Clock& clock, int64_t interval_ms);

  // True (and the next run is scheduled interval_ms from now) when a run is
  // due; false otherwise.
  bool TryStart();

  // Makes the next TryStart() succeed (e.g. after a settings change).
  void RequestNow();

  int64_t next_due_ms() const { return next_due_ms_.load(std::memory_order_acquire); }

 private:
  const Clock& clock_;
  const int64_t interval_ms_;
  std::atomic<int64_t> next_due_ms_;
};

}  // namespace aisle::commerce

#endif  // AISLE_COMMERCE_PRICING_SERVICE_H_
