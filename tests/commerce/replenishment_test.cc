#include "commerce/replenishment.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

namespace aisle::commerce {
namespace {

using ::testing::ElementsAre;

constexpr double kNan = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

int64_t Rop(const std::vector<int64_t>& daily, const ReplenishmentOptions& options = {}) {
  auto rop = ReorderPoint(daily, options);
  EXPECT_TRUE(rop.ok()) << rop.status();
  return rop.value_or(-1);
}

int64_t Eoq(double annual_demand, double ordering_cost, double unit_cost,
            const ReplenishmentOptions& options = {}) {
  auto eoq = EconomicOrderQuantity(annual_demand, ordering_cost, unit_cost, options);
  EXPECT_TRUE(eoq.ok()) << eoq.status();
  return eoq.value_or(-1);
}

TEST(Replenishment, DefaultsAreTheSeeds) {
  const ReplenishmentOptions o;
  EXPECT_EQ(o.lead_time_days, 14);
  EXPECT_EQ(o.service_level, 0.95);
  EXPECT_EQ(o.carrying_cost_percent, 0.25);
  EXPECT_EQ(o.history_days, 90);
  EXPECT_EQ(o.ordering_cost, 50);
  EXPECT_EQ(o.min_order_quantity, 1);  // product.minOrderQuantity || 1
  EXPECT_FALSE(o.max_order_quantity);  // product.maxOrderQuantity || Infinity
  EXPECT_TRUE(o.Validate().ok());
}

TEST(ZForServiceLevel, KnownQuantiles) {
  // Reference values: the standard normal quantile to 16 digits.
  EXPECT_EQ(ZForServiceLevel(0.5), 0);
  EXPECT_NEAR(ZForServiceLevel(0.9), 1.2815515655446004, 1e-13);
  EXPECT_NEAR(ZForServiceLevel(0.95), 1.6448536269514722, 1e-13);
  EXPECT_NEAR(ZForServiceLevel(0.975), 1.9599639845400540, 1e-13);
  EXPECT_NEAR(ZForServiceLevel(0.99), 2.3263478740408408, 1e-13);
  EXPECT_NEAR(ZForServiceLevel(0.999), 3.0902323061678132, 1e-12);
  // Both of Acklam's regions and the far tail.
  EXPECT_NEAR(ZForServiceLevel(0.3), -0.5244005127080407, 1e-13);
  EXPECT_NEAR(ZForServiceLevel(0.01), -2.3263478740408408, 1e-13);
  EXPECT_NEAR(ZForServiceLevel(1e-10), -6.3613409024040557, 1e-12);
}

TEST(ZForServiceLevel, SymmetricMonotoneAndDefinedAtTheEdges) {
  for (double p : {0.001, 0.02, 0.0243, 0.0245, 0.1, 0.25, 0.4999}) {
    EXPECT_NEAR(ZForServiceLevel(p), -ZForServiceLevel(1 - p), 1e-12) << p;
  }
  double previous = -kInf;
  for (double p = 0.001; p < 1; p += 0.001) {
    const double z = ZForServiceLevel(p);
    EXPECT_GT(z, previous) << p;
    previous = z;
  }
  EXPECT_EQ(ZForServiceLevel(0), -kInf);
  EXPECT_EQ(ZForServiceLevel(1), kInf);
  EXPECT_TRUE(std::isnan(ZForServiceLevel(-0.1)));
  EXPECT_TRUE(std::isnan(ZForServiceLevel(1.1)));
  EXPECT_TRUE(std::isnan(ZForServiceLevel(kNan)));
}

TEST(DemandStatisticsOf, SampleStandardDeviation) {
  // [3, 5, 7, 5]: mean 20 / 4 = 5; squared deviations 4 + 0 + 4 + 0 = 8;
  // sample variance 8 / (4 - 1) = 2.6667; deviation sqrt(8 / 3) = 1.632993.
  // (The population deviation would be sqrt(8 / 4) = 1.414214.)
  auto stats = DemandStatisticsOf({3, 5, 7, 5});
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->days, 4u);
  EXPECT_DOUBLE_EQ(stats->average_daily, 5);
  EXPECT_DOUBLE_EQ(stats->stddev_daily, std::sqrt(8.0 / 3));

  stats = DemandStatisticsOf({7});  // One day: no deviation to estimate.
  EXPECT_DOUBLE_EQ(stats->average_daily, 7);
  EXPECT_EQ(stats->stddev_daily, 0);
  stats = DemandStatisticsOf({});
  EXPECT_EQ(stats->days, 0u);
  EXPECT_EQ(stats->average_daily, 0);

  EXPECT_EQ(DemandStatisticsOf({1, -1}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(DemandStatisticsOf({1, -1}).status()), "daily_demand[1]");
  EXPECT_FALSE(DemandStatisticsOf({kMaxReplenishmentUnits + 1}).ok());
}

TEST(ReorderPoint, ConstantDemandNeedsNoSafetyStock) {
  // 5 units every day for 90 days: mean 5, deviation 0.
  // 5 * 14 + 1.645 * sqrt(14) * 0 = 70.
  EXPECT_EQ(Rop(std::vector<int64_t>(90, 5)), 70);
}

TEST(ReorderPoint, HandComputedFromAShortHistory) {
  // [3, 5, 7, 5]: mean 5, sample deviation sqrt(8 / 3) = 1.632993.
  //   lead-time demand = 5 * 14 = 70
  //   safety stock     = 1.6448536 * sqrt(14) * 1.632993
  //                    = 1.6448536 * 3.7416574 * 1.632993 = 10.0502
  //   reorder point    = ceil(80.0502) = 81
  // (The population deviation would give ceil(70 + 8.7038) = 79.)
  EXPECT_EQ(Rop({3, 5, 7, 5}), 81);

  // 7-day lead time at 99 %: 5 * 7 = 35;
  // 2.3263479 * sqrt(7) * 1.632993 = 2.3263479 * 2.6457513 * 1.632993 = 10.0510;
  // ceil(45.0510) = 46.
  ReplenishmentOptions options;
  options.lead_time_days = 7;
  options.service_level = 0.99;
  EXPECT_EQ(Rop({3, 5, 7, 5}, options), 46);
}

TEST(ReorderPoint, HandComputedFromANinetyDayHistoryWithIdleDays) {
  // 30 days of 3 units, 60 days of none: mean 90 / 90 = 1.
  //   squared deviations 30 * (3 - 1)^2 + 60 * (0 - 1)^2 = 120 + 60 = 180
  //   sample deviation   sqrt(180 / 89) = sqrt(2.022472) = 1.422136
  //   lead-time demand   1 * 14 = 14
  //   safety stock       1.6448536 * sqrt(14) * 1.422136 = 8.7525
  //   reorder point      ceil(22.7525) = 23
  std::vector<int64_t> daily(30, 3);
  daily.resize(90, 0);
  EXPECT_EQ(Rop(daily), 23);
}

TEST(ReorderPoint, NoDemandIsZero) {
  EXPECT_EQ(Rop({}), 0);
  EXPECT_EQ(Rop(std::vector<int64_t>(90, 0)), 0);
}

TEST(ReorderPoint, FloatingPointNoiseDoesNotAddAUnit) {
  // [4, 4, 4, 4, 4, 4, 5] = 29 units in 7 days at a 50 % service level (z = 0):
  // (29 / 7) * 14 = 58 on paper, 58.00000000000001 in doubles.
  ReplenishmentOptions options;
  options.service_level = 0.5;
  EXPECT_GT((29.0 / 7) * 14, 58.0);
  EXPECT_EQ(Rop({4, 4, 4, 4, 4, 4, 5}, options), 58);
  // A real fraction still rounds up: 29 units in 7 days over 1 day = 4.14.
  options.lead_time_days = 1;
  EXPECT_EQ(Rop({4, 4, 4, 4, 4, 4, 5}, options), 5);
}

TEST(EconomicOrderQuantity, HandComputed) {
  // D = 1000/year, S = 50, unit cost 40 -> H = 40 * 0.25 = 10:
  // sqrt(2 * 1000 * 50 / 10) = sqrt(10000) = 100.
  EXPECT_EQ(Eoq(1000, 50, 40), 100);
  // D = 365, S = 50, unit cost 20 -> H = 5: sqrt(36500 / 5) = sqrt(7300) = 85.44 -> 86.
  EXPECT_EQ(Eoq(365, 50, 20), 86);
  // 40 % carrying cost: H = 20 * 0.4 = 8: sqrt(36500 / 8) = sqrt(4562.5) = 67.55 -> 68.
  ReplenishmentOptions options;
  options.carrying_cost_percent = 0.4;
  EXPECT_EQ(Eoq(365, 50, 20, options), 68);
}

TEST(EconomicOrderQuantity, ClampedToMinAndMax) {
  ReplenishmentOptions options;
  options.min_order_quantity = 120;
  EXPECT_EQ(Eoq(1000, 50, 40, options), 120);  // 100 raised to the minimum.
  options.min_order_quantity = 1;
  options.max_order_quantity = 60;
  EXPECT_EQ(Eoq(1000, 50, 40, options), 60);  // 100 capped.
  options.max_order_quantity = 100;
  EXPECT_EQ(Eoq(1000, 50, 40, options), 100);
}

TEST(EconomicOrderQuantity, EdgeCases) {
  // No demand or free ordering: the raw EOQ is 0, the seed's max(min, ...) gives 1.
  EXPECT_EQ(Eoq(0, 50, 40), 1);
  EXPECT_EQ(Eoq(1000, 0, 40), 1);
  EXPECT_EQ(Eoq(0, 50, 0), 1);  // No demand: the missing cost does not matter.

  // Free holding: unbounded, so the maximum, or an error without one.
  auto unbounded = EconomicOrderQuantity(1000, 50, 0, {});
  EXPECT_EQ(unbounded.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(unbounded.status()), "unit_cost");
  ReplenishmentOptions capped;
  capped.max_order_quantity = 500;
  EXPECT_EQ(Eoq(1000, 50, 0, capped), 500);

  // Overflowing inputs saturate at the unit limit.
  EXPECT_EQ(Eoq(1e300, 1e300, 1), kMaxReplenishmentUnits);

  for (double bad : {-1.0, kNan, kInf}) {
    EXPECT_FALSE(EconomicOrderQuantity(bad, 50, 40, {}).ok()) << bad;
    EXPECT_FALSE(EconomicOrderQuantity(1000, bad, 40, {}).ok()) << bad;
    EXPECT_FALSE(EconomicOrderQuantity(1000, 50, bad, {}).ok()) << bad;
  }
}

TEST(ReplenishmentOptions, ValidateNamesTheField) {
  const auto field_of = [](auto mutate) {
    ReplenishmentOptions o;
    mutate(o);
    return ErrorField(o.Validate()).value_or("(ok)");
  };
  using O = ReplenishmentOptions;
  EXPECT_EQ(field_of([](O& o) { o.lead_time_days = 0; }), "lead_time_days");
  EXPECT_EQ(field_of([](O& o) { o.lead_time_days = kNan; }), "lead_time_days");
  EXPECT_EQ(field_of([](O& o) { o.service_level = 1; }), "service_level");
  EXPECT_EQ(field_of([](O& o) { o.service_level = 0.05; }), "service_level");
  EXPECT_EQ(field_of([](O& o) { o.carrying_cost_percent = 0; }), "carrying_cost_percent");
  EXPECT_EQ(field_of([](O& o) { o.history_days = 0; }), "history_days");
  EXPECT_EQ(field_of([](O& o) { o.ordering_cost = -1; }), "ordering_cost");
  EXPECT_EQ(field_of([](O& o) { o.min_order_quantity = 0; }), "min_order_quantity");
  EXPECT_EQ(field_of([](O& o) {
              o.min_order_quantity = 10;
              o.max_order_quantity = 9;
            }),
            "max_order_quantity");
  EXPECT_EQ(field_of([](O& o) { o.service_level = 0.5; }), "(ok)");
  // Every entry point refuses invalid options.
  ReplenishmentOptions bad;
  bad.service_level = 0.3;
  EXPECT_FALSE(ReorderPoint({1}, bad).ok());
  EXPECT_FALSE(EconomicOrderQuantity(1, 1, 1, bad).ok());
  EXPECT_FALSE(Advise({}, bad).ok());
}

TEST(DailyDemand, BucketsIntoDaysEndingNow) {
  constexpr int64_t kDay = kMillisPerDay;
  const int64_t now = 1'700'000'000'000;
  // Three days: day 0 = [now - 3d, now - 2d), day 1 = [now - 2d, now - d),
  // day 2 = [now - d, now).
  auto daily = DailyDemand({{now - 1, 1},              // Day 2.
                            {now - kDay, 2},           // Day 2, its first millisecond.
                            {now - kDay - 1, 4},       // Day 1, its last millisecond.
                            {now - 3 * kDay, 8},       // Day 0, the window's first millisecond.
                            {now - 3 * kDay - 1, 16},  // Before the window.
                            {now, 32},                 // Not yet past.
                            {now - 2 * kDay, 64}},     // Day 1.
                           now, 3);
  ASSERT_TRUE(daily.ok()) << daily.status();
  EXPECT_THAT(*daily, ElementsAre(8, 64 + 4, 1 + 2));

  EXPECT_THAT(*DailyDemand({}, now, 2), ElementsAre(0, 0));
  // Extreme timestamps do not overflow.
  EXPECT_THAT(*DailyDemand({{std::numeric_limits<int64_t>::min(), 1}}, now, 2), ElementsAre(0, 0));
  EXPECT_FALSE(DailyDemand({}, now, 0).ok());
  EXPECT_FALSE(DailyDemand({{now - 1, -1}}, now, 1).ok());
}

TEST(Advise, HandComputed) {
  // [3, 5, 7, 5], unit cost 20, 60 on hand + 15 on order:
  //   mean 5, deviation 1.632993, reorder point 81 (see ReorderPoint above)
  //   annual demand 5 * 365 = 1825; H = 20 * 0.25 = 5
  //   EOQ = sqrt(2 * 1825 * 50 / 5) = sqrt(36500) = 191.05 -> 192
  //   position 60 + 15 = 75 < 81: reorder.
  ReplenishmentInput input{
      .daily_demand = {3, 5, 7, 5}, .unit_cost = 20, .on_hand = 60, .on_order = 15};
  auto advice = Advise(input, {});
  ASSERT_TRUE(advice.ok()) << advice.status();
  EXPECT_DOUBLE_EQ(advice->average_daily_demand, 5);
  EXPECT_DOUBLE_EQ(advice->demand_stddev, std::sqrt(8.0 / 3));
  EXPECT_DOUBLE_EQ(advice->annual_demand, 1825);
  EXPECT_DOUBLE_EQ(advice->lead_time_demand, 70);
  EXPECT_NEAR(advice->safety_stock, 10.0502, 1e-4);
  EXPECT_EQ(advice->reorder_point, 81);
  EXPECT_EQ(advice->order_quantity, 192);
  EXPECT_EQ(advice->inventory_position, 75);
  EXPECT_TRUE(advice->below_reorder_point);

  // At exactly the reorder point: not below.
  input.on_hand = 66;
  EXPECT_FALSE(Advise(input, {})->below_reorder_point);
  // A supplier's ordering cost of 200: sqrt(2 * 1825 * 200 / 5) = sqrt(146000) = 382.1 -> 383.
  input.ordering_cost = 200;
  EXPECT_EQ(Advise(input, {})->order_quantity, 383);
}

TEST(Advise, DeadProductIsNeverBelowItsReorderPoint) {
  // No demand: reorder point 0, EOQ the minimum, and an empty shelf is fine.
  auto advice = Advise({.daily_demand = std::vector<int64_t>(90, 0)}, {});
  ASSERT_TRUE(advice.ok()) << advice.status();
  EXPECT_EQ(advice->reorder_point, 0);
  EXPECT_EQ(advice->order_quantity, 1);
  EXPECT_FALSE(advice->below_reorder_point);
  // A negative position (a stock correction) with demand does reorder.
  advice = Advise({.daily_demand = {1, 0}, .unit_cost = 5, .on_hand = -2}, {});
  EXPECT_TRUE(advice->below_reorder_point);
}

TEST(Advise, RejectsBadPosition) {
  EXPECT_EQ(ErrorField(Advise({.on_order = -1}, {}).status()), "on_order");
  EXPECT_EQ(ErrorField(Advise({.on_hand = kMaxReplenishmentUnits + 1}, {}).status()), "on_hand");
}

}  // namespace
}  // namespace aisle::commerce
