#include "commerce/replenishment.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <utility>

#include "absl/strings/str_cat.h"

namespace aisle::commerce {
namespace {

constexpr double kMaxDays = 3650;
constexpr double kDaysPerYear = 365;
// See ReorderPoint: absorbs floating-point noise before ceil.
constexpr double kCeilRelativeTolerance = 1e-12;

bool Finite(double v) { return std::isfinite(v); }

// Acklam's coefficients for the central region |p - 0.5| <= 0.47575 ...
constexpr double kA[] = {-3.969683028665376e+01, 2.209460984245205e+02,  -2.759285104469687e+02,
                         1.383577518672690e+02,  -3.066479806614716e+01, 2.506628277459239e+00};
constexpr double kB[] = {-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                         6.680131188771972e+01, -1.328068155288572e+01};
// ... and for the tails.
constexpr double kC[] = {-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                         -2.549732539343734e+00, 4.374664141464968e+00,  2.938163982698783e+00};
constexpr double kD[] = {7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00,
                         3.754408661907416e+00};
constexpr double kTailBreak = 0.02425;

// Acklam's approximation for 0 < p <= 0.5 (relative error < 1.15e-9).
double AcklamLowerHalf(double p) {
  if (p < kTailBreak) {
    const double q = std::sqrt(-2 * std::log(p));
    return (((((kC[0] * q + kC[1]) * q + kC[2]) * q + kC[3]) * q + kC[4]) * q + kC[5]) /
           ((((kD[0] * q + kD[1]) * q + kD[2]) * q + kD[3]) * q + 1);
  }
  const double q = p - 0.5;
  const double r = q * q;
  return (((((kA[0] * r + kA[1]) * r + kA[2]) * r + kA[3]) * r + kA[4]) * r + kA[5]) * q /
         (((((kB[0] * r + kB[1]) * r + kB[2]) * r + kB[3]) * r + kB[4]) * r + 1);
}

// One Halley step on Phi(x) = p, Phi computed from erfc (accurate in the lower
// tail, where Phi is small).
double HalleyRefine(double x, double p) {
  const double error = 0.5 * std::erfc(-x / std::numbers::sqrt2) - p;
  const double u = error * std::sqrt(2 * std::numbers::pi) * std::exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

// ceil(x) less floating-point noise, clamped to [0, kMaxReplenishmentUnits].
int64_t CeilUnits(double x) {
  const double ceiled = std::ceil(x - std::abs(x) * kCeilRelativeTolerance);
  return static_cast<int64_t>(std::clamp(ceiled, 0.0, static_cast<double>(kMaxReplenishmentUnits)));
}

absl::Status CheckNonNegative(double value, const char* field) {
  if (!Finite(value) || value < 0) {
    return InvalidArgumentError(absl::StrCat(field, " must be a finite number >= 0"), field);
  }
  return absl::OkStatus();
}

absl::Status CheckUnits(int64_t value, int64_t min, const std::string& field) {
  if (value < min || value > kMaxReplenishmentUnits) {
    return InvalidArgumentError(
        absl::StrCat(field, " must be in [", min, ", ", kMaxReplenishmentUnits, "], got ", value),
        field);
  }
  return absl::OkStatus();
}

absl::Status ValidateDailyDemand(const std::vector<int64_t>& daily_demand) {
  for (size_t i = 0; i < daily_demand.size(); ++i) {
    AISLE_RETURN_IF_ERROR(CheckUnits(daily_demand[i], 0, absl::StrCat("daily_demand[", i, "]")));
  }
  return absl::OkStatus();
}

struct ReorderTerms {
  double lead_time_demand = 0;
  double safety_stock = 0;
  int64_t reorder_point = 0;
};

// The seed's calculateReorderPoint, on validated options.
ReorderTerms ReorderTermsOf(const DemandStatistics& stats, const ReplenishmentOptions& options) {
  ReorderTerms terms;
  terms.lead_time_demand = stats.average_daily * options.lead_time_days;
  terms.safety_stock = ZForServiceLevel(options.service_level) * std::sqrt(options.lead_time_days) *
                       stats.stddev_daily;
  terms.reorder_point = CeilUnits(terms.lead_time_demand + terms.safety_stock);
  return terms;
}

}  // namespace

absl::Status ReplenishmentOptions::Validate() const {
  if (!(lead_time_days > 0 && lead_time_days <= kMaxDays)) {
    return InvalidArgumentError("lead_time_days must be in (0, 3650]", "lead_time_days");
  }
  if (!(service_level >= 0.5 && service_level < 1)) {
    return InvalidArgumentError("service_level must be in [0.5, 1)", "service_level");
  }
  if (!(carrying_cost_percent > 0 && Finite(carrying_cost_percent))) {
    return InvalidArgumentError("carrying_cost_percent must be a finite number > 0",
                                "carrying_cost_percent");
  }
  if (history_days < 1 || history_days > kMaxDays) {
    return InvalidArgumentError("history_days must be in [1, 3650]", "history_days");
  }
  AISLE_RETURN_IF_ERROR(CheckNonNegative(ordering_cost, "ordering_cost"));
  AISLE_RETURN_IF_ERROR(CheckUnits(min_order_quantity, 1, "min_order_quantity"));
  if (max_order_quantity) {
    AISLE_RETURN_IF_ERROR(
        CheckUnits(*max_order_quantity, min_order_quantity, "max_order_quantity"));
  }
  return absl::OkStatus();
}

double ZForServiceLevel(double p) {
  if (!(p >= 0 && p <= 1)) return std::numeric_limits<double>::quiet_NaN();
  if (p == 0) return -std::numeric_limits<double>::infinity();
  if (p == 1) return std::numeric_limits<double>::infinity();
  // The upper half by symmetry: 1 - p is exact for p >= 0.5, while
  // refining against erfc near Phi = 1 would lose the digits that matter.
  if (p > 0.5) return -ZForServiceLevel(1 - p);
  return HalleyRefine(AcklamLowerHalf(p), p);
}

absl::StatusOr<std::vector<int64_t>> DailyDemand(const std::vector<DemandSample>& samples,
                                                 int64_t now_ms, int days) {
  if (days < 1 || days > kMaxDays) {
    return InvalidArgumentError("days must be in [1, 3650]", "days");
  }
  std::vector<int64_t> daily(static_cast<size_t>(days), 0);
  const uint64_t window_ms = static_cast<uint64_t>(days) * kMillisPerDay;
  for (size_t i = 0; i < samples.size(); ++i) {
    const DemandSample& sample = samples[i];
    AISLE_RETURN_IF_ERROR(
        CheckUnits(sample.quantity, 0, absl::StrCat("samples[", i, "].quantity")));
    if (sample.timestamp_ms >= now_ms) continue;
    // In (0, window] for samples inside the window; unsigned so that no pair
    // of timestamps can overflow.
    const uint64_t age_ms =
        static_cast<uint64_t>(now_ms) - static_cast<uint64_t>(sample.timestamp_ms);
    if (age_ms > window_ms) continue;
    const uint64_t days_back = (age_ms + kMillisPerDay - 1) / kMillisPerDay;  // 1..days.
    daily[static_cast<size_t>(days) - days_back] += sample.quantity;
  }
  return daily;
}

absl::StatusOr<DemandStatistics> DemandStatisticsOf(const std::vector<int64_t>& daily_demand) {
  AISLE_RETURN_IF_ERROR(ValidateDailyDemand(daily_demand));
  DemandStatistics stats;
  stats.days = daily_demand.size();
  if (stats.days == 0) return stats;
  double sum = 0;
  for (int64_t units : daily_demand) sum += static_cast<double>(units);
  stats.average_daily = sum / static_cast<double>(stats.days);
  if (stats.days < 2) return stats;
  // Two passes: summing squares and subtracting n * mean^2 cancels badly.
  double squares = 0;
  for (int64_t units : daily_demand) {
    const double deviation = static_cast<double>(units) - stats.average_daily;
    squares += deviation * deviation;
  }
  stats.stddev_daily = std::sqrt(squares / static_cast<double>(stats.days - 1));
  return stats;
}

absl::StatusOr<int64_t> ReorderPoint(const std::vector<int64_t>& daily_demand,
                                     const ReplenishmentOptions& options) {
  AISLE_RETURN_IF_ERROR(options.Validate());
  AISLE_ASSIGN_OR_RETURN(const DemandStatistics stats, DemandStatisticsOf(daily_demand));
  return ReorderTermsOf(stats, options).reorder_point;
}

absl::StatusOr<int64_t> EconomicOrderQuantity(double annual_demand, double ordering_cost,
                                              double unit_cost,
                                              const ReplenishmentOptions& options) {
  AISLE_RETURN_IF_ERROR(options.Validate());
  AISLE_RETURN_IF_ERROR(CheckNonNegative(annual_demand, "annual_demand"));
  AISLE_RETURN_IF_ERROR(CheckNonNegative(ordering_cost, "ordering_cost"));
  AISLE_RETURN_IF_ERROR(CheckNonNegative(unit_cost, "unit_cost"));
  const double max_quantity =
      static_cast<double>(options.max_order_quantity.value_or(kMaxReplenishmentUnits));
  const double min_quantity = static_cast<double>(options.min_order_quantity);
  const double fixed_cost = 2 * annual_demand * ordering_cost;            // 2DS.
  const double holding_cost = unit_cost * options.carrying_cost_percent;  // H.
  if (fixed_cost == 0) return options.min_order_quantity;
  if (holding_cost == 0) {
    if (options.max_order_quantity) return *options.max_order_quantity;
    return InvalidArgumentError(
        "unit_cost 0 makes the economic order quantity unbounded; record the unit cost or set "
        "max_order_quantity",
        "unit_cost");
  }
  // Huge inputs overflow to +inf, which the clamp turns into the maximum.
  const double eoq = std::sqrt(fixed_cost / holding_cost);
  return CeilUnits(std::clamp(eoq, min_quantity, max_quantity));
}

absl::StatusOr<ReplenishmentAdvice> Advise(const ReplenishmentInput& input,
                                           const ReplenishmentOptions& options) {
  AISLE_RETURN_IF_ERROR(options.Validate());
  AISLE_RETURN_IF_ERROR(CheckUnits(input.on_hand, -kMaxReplenishmentUnits, "on_hand"));
  AISLE_RETURN_IF_ERROR(CheckUnits(input.on_order, 0, "on_order"));
  AISLE_ASSIGN_OR_RETURN(const DemandStatistics stats, DemandStatisticsOf(input.daily_demand));

  ReplenishmentAdvice advice;
  advice.average_daily_demand = stats.average_daily;
  advice.demand_stddev = stats.stddev_daily;
  advice.annual_demand = stats.average_daily * kDaysPerYear;
  const ReorderTerms terms = ReorderTermsOf(stats, options);
  advice.lead_time_demand = terms.lead_time_demand;
  advice.safety_stock = terms.safety_stock;
  advice.reorder_point = terms.reorder_point;
  AISLE_ASSIGN_OR_RETURN(advice.order_quantity,
                         EconomicOrderQuantity(advice.annual_demand,
                                               input.ordering_cost.value_or(options.ordering_cost),
                                               input.unit_cost, options));
  advice.inventory_position = input.on_hand + input.on_order;
  advice.below_reorder_point = advice.inventory_position < advice.reorder_point;
  return advice;
}

}  // namespace aisle::commerce
