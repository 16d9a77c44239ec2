// Pricing settings route: GET|PUT /v1/settings/pricing, the dynamic pricing
// engine's merchant-facing options (docs/PRICING.md): factor weights,
// discount and markup bounds, the category x month seasonal table, segment
// multipliers and the repricing interval. PUT replaces them (absent fields
// take the defaults), validates through PricingEngine::Create, commits to
// the store, swaps the engine in and asks for a repricing run at once. The
// demand, competition and inventory factors' shape parameters keep their
// defaults (not exposed). A new updateIntervalMs applies at the next start.
//
// Thread-safe; PUT runs on the blocking pool (the store commit fsyncs).
#ifndef AISLE_SERVER_PRICING_SETTINGS_H_
#define AISLE_SERVER_PRICING_SETTINGS_H_

#include <functional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "commerce/pricing.h"
#include "commerce/pricing_service.h"
#include "server/http.h"
#include "server/router.h"
#include "store/kv_stores.h"

namespace aisle::server {

inline constexpr std::string_view kPricingSettingsKey = "pricing";

// {"weights": {"demand", "competition", "inventory", "seasonality",
// "segment"}, "maxDiscountPercent", "maxMarkupPercent", "seasonal":
// {"<category>": [12 multipliers, January first]}, "segments": {"unknown",
// "new", "regular", "vip"}, "updateIntervalMs"}. InvalidArgument naming the
// field for malformed JSON, unknown fields, wrong types, invalid values.
absl::StatusOr<commerce::PricingOptions> ParsePricingSettings(std::string_view body);
std::string WritePricingSettings(const commerce::PricingOptions& options);

class PricingSettingsHandlers {
 public:
  // Not owned; must outlive the handlers. `reprice_now` (may be empty) is
  // called after a change, so stored prices follow the new settings.
  PricingSettingsHandlers(commerce::PricingService* pricing, store::SettingsStore* settings,
                          std::function<void()> reprice_now);

  void Register(Router* router);
  Response Get(Request& request) const;
  Response Put(Request& request) const;

 private:
  commerce::PricingService* pricing_;
  store::SettingsStore* settings_;
  std::function<void()> reprice_now_;
};

// The stored pricing options (defaults when none were stored). DataLoss
// when the stored text no longer parses or validates.
absl::StatusOr<commerce::PricingOptions> LoadPricingSettings(const store::SettingsStore& settings);

}  // namespace aisle::server

#endif  // AISLE_SERVER_PRICING_SETTINGS_H_
