#include "commerce/pricing.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <utility>

#include "absl/strings/str_cat.h"

namespace aisle::commerce {
namespace {

bool Finite(double v) { return std::isfinite(v); }

absl::Status CheckMultiplierRange(double min, double max, const std::string& field) {
  if (!Finite(min) || !Finite(max) || min <= 0 || min > 1 || max < 1) {
    return InvalidArgumentError(
        absl::StrCat(field, ": need 0 < min <= 1 <= max, got [", min, ", ", max, "]"), field);
  }
  return absl::OkStatus();
}

absl::Status ValidateWeights(const PricingWeights& w) {
  const std::pair<const char*, double> weights[] = {{"weights.demand", w.demand},
                                                    {"weights.competition", w.competition},
                                                    {"weights.inventory", w.inventory},
                                                    {"weights.seasonality", w.seasonality},
                                                    {"weights.segment", w.segment}};
  double sum = 0;
  for (const auto& [field, value] : weights) {
    if (!Finite(value) || value < 0) {
      return InvalidArgumentError(absl::StrCat(field, " must be a number >= 0"), field);
    }
    sum += value;
  }
  if (std::abs(sum - 1.0) > 1e-6) {
    return InvalidArgumentError(absl::StrCat("pricing weights must sum to 1, got ", sum),
                                "weights");
  }
  return absl::OkStatus();
}

absl::Status ValidateFactors(const PricingOptions& o) {
  const DemandFactorOptions& d = o.demand;
  if (!Finite(d.base) || !Finite(d.slope) || d.slope < 0 || !Finite(d.min) || !Finite(d.max) ||
      d.min <= 0 || d.min > d.max || !Finite(d.min_category_average) ||
      d.min_category_average <= 0) {
    return InvalidArgumentError("demand: need slope >= 0, 0 < min <= max, min_category_average > 0",
                                "demand");
  }
  AISLE_RETURN_IF_ERROR(CheckMultiplierRange(o.competition.min, o.competition.max, "competition"));
  if (o.competition.max_age_ms < 0) {
    return InvalidArgumentError("competition.max_age_ms must be >= 0", "competition.max_age_ms");
  }
  const InventoryFactorOptions& i = o.inventory;
  AISLE_RETURN_IF_ERROR(CheckMultiplierRange(i.min, i.max, "inventory"));
  if (!(i.low_cover_days >= 0 && i.low_cover_days < i.high_cover_days &&
        i.high_cover_days < i.full_overstock_days && Finite(i.full_overstock_days))) {
    return InvalidArgumentError(
        "inventory: need 0 <= low_cover_days < high_cover_days < full_overstock_days", "inventory");
  }
  for (const auto& [category, months] : o.seasonal) {
    if (category.empty()) return InvalidArgumentError("seasonal: empty category", "seasonal");
    for (double m : months) {
      if (!Finite(m) || m <= 0) {
        return InvalidArgumentError(
            absl::StrCat("seasonal[", category, "]: multipliers must be > 0"), "seasonal");
      }
    }
  }
  const SegmentFactorOptions& s = o.segment;
  for (double m : {s.unknown, s.new_customer, s.regular, s.vip}) {
    if (!Finite(m) || m <= 0)
      return InvalidArgumentError("segment: multipliers must be > 0", "segment");
  }
  return absl::OkStatus();
}

double Median(std::vector<double> values) {
  const size_t mid = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + mid, values.end());
  if (values.size() % 2 == 1) return values[mid];
  const double upper = values[mid];
  const double lower = *std::max_element(values.begin(), values.begin() + mid);
  return (lower + upper) / 2;
}

// steps * increment, computed as steps / (1/increment) when that is an integer
// (0.01 -> 100) so that 1399 * 0.01 reads 13.99, not 13.990000000000002.
double Quantize(double steps, double increment) {
  const double inverse = 1.0 / increment;
  const double whole = std::round(inverse);
  if (whole >= 1 && std::abs(inverse - whole) < 1e-9 * whole) return steps / whole;
  return steps * increment;
}

}  // namespace

absl::Status PricingOptions::Validate() const {
  AISLE_RETURN_IF_ERROR(ValidateWeights(weights));
  if (!Finite(max_discount_percent) || max_discount_percent < 0 || max_discount_percent > 100) {
    return InvalidArgumentError("max_discount_percent must be in [0, 100]", "max_discount_percent");
  }
  if (!Finite(max_markup_percent) || max_markup_percent < 0) {
    return InvalidArgumentError("max_markup_percent must be >= 0", "max_markup_percent");
  }
  AISLE_RETURN_IF_ERROR(ValidateFactors(*this));
  if (!Finite(price_increment) || price_increment < 0) {
    return InvalidArgumentError("price_increment must be >= 0", "price_increment");
  }
  if (update_interval_ms <= 0) {
    return InvalidArgumentError("update_interval_ms must be > 0", "update_interval_ms");
  }
  return absl::OkStatus();
}

int UtcMonth(int64_t unix_ms) {
  using namespace std::chrono;
  const sys_days day = floor<days>(sys_time<milliseconds>(milliseconds(unix_ms)));
  return static_cast<int>(static_cast<unsigned>(year_month_day(day).month()));
}

absl::StatusOr<PricingEngine> PricingEngine::Create(PricingOptions options) {
  AISLE_RETURN_IF_ERROR(options.Validate());
  return PricingEngine(std::move(options));
}

double PricingEngine::DemandMultiplier(double demand_score, double category_average) const {
  const DemandFactorOptions& d = options_.demand;
  const double normalized = demand_score / std::max(category_average, d.min_category_average);
  return std::clamp(d.base + normalized * d.slope, d.min, d.max);
}

double PricingEngine::CompetitionMultiplier(double base_price,
                                            const std::vector<CompetitorPrice>& prices,
                                            int64_t now_ms) const {
  const CompetitionFactorOptions& c = options_.competition;
  if (!(base_price > 0)) return 1.0;
  std::vector<double> usable;
  for (const CompetitorPrice& p : prices) {
    if (!Finite(p.price) || p.price <= 0) continue;
    if (c.max_age_ms > 0 && p.observed_at_ms != 0 && now_ms - p.observed_at_ms > c.max_age_ms) {
      continue;
    }
    usable.push_back(p.price);
  }
  if (usable.empty()) return 1.0;
  const double reference = c.reference == CompetitorReference::kMin
                               ? *std::min_element(usable.begin(), usable.end())
                               : Median(std::move(usable));
  return std::clamp(reference / base_price, c.min, c.max);
}

double PricingEngine::InventoryMultiplier(std::optional<int64_t> stock,
                                          uint64_t purchases_7d) const {
  const InventoryFactorOptions& i = options_.inventory;
  if (!stock.has_value() || *stock <= 0) return 1.0;
  const double daily_sales = static_cast<double>(purchases_7d) / 7.0;
  const double cover = daily_sales > 0 ? static_cast<double>(*stock) / daily_sales
                                       : std::numeric_limits<double>::infinity();
  if (cover < i.low_cover_days) {
    return 1.0 + (i.max - 1.0) * (i.low_cover_days - cover) / i.low_cover_days;
  }
  if (cover <= i.high_cover_days) return 1.0;
  const double depth =
      std::min(1.0, (cover - i.high_cover_days) / (i.full_overstock_days - i.high_cover_days));
  return 1.0 - (1.0 - i.min) * depth;
}

double PricingEngine::SeasonalMultiplier(const std::vector<std::string>& categories,
                                         int64_t now_ms) const {
  if (options_.seasonal.empty()) return 1.0;
  const int month = UtcMonth(now_ms);
  for (auto it = categories.rbegin(); it != categories.rend(); ++it) {
    auto row = options_.seasonal.find(*it);
    if (row != options_.seasonal.end()) return row->second[month - 1];
  }
  return 1.0;
}

double PricingEngine::SegmentMultiplier(UserSegment segment) const {
  const SegmentFactorOptions& s = options_.segment;
  switch (segment) {
    case UserSegment::kUnknown:
      return s.unknown;
    case UserSegment::kNew:
      return s.new_customer;
    case UserSegment::kRegular:
      return s.regular;
    case UserSegment::kVip:
      return s.vip;
  }
  return s.unknown;
}

// Rounds to the price increment, staying inside [min_price, max_price].
double PricingEngine::Round(double price, double min_price, double max_price) const {
  const double inc = options_.price_increment;
  if (inc <= 0) return price;
  double rounded = Quantize(std::round(price / inc), inc);
  const double slack = 1e-9 * std::max(1.0, max_price);
  if (rounded < min_price - slack) rounded = Quantize(std::ceil(min_price / inc - 1e-9), inc);
  if (rounded > max_price + slack) rounded = Quantize(std::floor(max_price / inc + 1e-9), inc);
  return rounded;
}

absl::StatusOr<PriceResult> PricingEngine::Price(const PricingContext& context) const {
  const double base = context.base_price;
  if (!Finite(base) || base < 0) {
    return InvalidArgumentError("base price must be a finite number >= 0", "basePrice");
  }
  PriceResult result;
  result.original_price = base;
  PriceFactors& f = result.factors;
  f.demand = DemandMultiplier(context.demand.demand_score, context.demand.category_average);
  f.competition = CompetitionMultiplier(base, context.competitor_prices, context.now_ms);
  f.inventory = InventoryMultiplier(context.stock, context.demand.in(DemandWindow::k7d).purchases);
  f.seasonal = SeasonalMultiplier(context.categories, context.now_ms);
  f.segment = SegmentMultiplier(context.segment);
  const PricingWeights& w = options_.weights;
  result.adjustment = f.demand * w.demand + f.competition * w.competition +
                      f.inventory * w.inventory + f.seasonal * w.seasonality +
                      f.segment * w.segment;
  const double adjusted = base * result.adjustment;
  const double max_price = base * (1 + options_.max_markup_percent / 100);
  const double min_price = base * (1 - options_.max_discount_percent / 100);
  const double bounded = std::max(min_price, std::min(adjusted, max_price));
  result.bounded = bounded != adjusted;
  result.price = Round(bounded, min_price, max_price);
  result.discount_percent = base > 0 ? std::max(0.0, (base - result.price) / base * 100) : 0.0;
  return result;
}

}  // namespace aisle::commerce
