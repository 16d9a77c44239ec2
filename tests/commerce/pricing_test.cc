#include "commerce/pricing.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace aisle::commerce {
namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kDec15 = 1'702'641'600'000;     // 2023-12-15 12:00 UTC.
constexpr int64_t kJan31End = 1'706'745'599'999;  // 2024-01-31 23:59:59.999 UTC.
constexpr int64_t kFeb1 = 1'706'745'600'000;

PricingEngine Engine(PricingOptions options = {}) {
  auto engine = PricingEngine::Create(std::move(options));
  EXPECT_TRUE(engine.ok()) << engine.status();
  return *std::move(engine);
}

// A context in which every multiplier is exactly 1.0.
PricingContext Neutral(double base) {
  PricingContext context;
  context.base_price = base;
  context.demand.demand_score = 0.4;  // 0.8 + 0.4 * 0.5 = 1.0.
  context.segment = UserSegment::kRegular;
  context.now_ms = kDec15;
  return context;
}

TEST(PricingEngine, DefaultsAreTheSeeds) {
  const PricingOptions o;
  EXPECT_EQ(o.weights.demand, 0.30);
  EXPECT_EQ(o.weights.competition, 0.25);
  EXPECT_EQ(o.weights.inventory, 0.20);
  EXPECT_EQ(o.weights.seasonality, 0.15);
  EXPECT_EQ(o.weights.segment, 0.10);
  EXPECT_EQ(o.max_discount_percent, 30);
  EXPECT_EQ(o.max_markup_percent, 50);
  EXPECT_EQ(o.update_interval_ms, 3'600'000);
  EXPECT_TRUE(o.Validate().ok());
}

TEST(PricingEngine, DemandMultiplierFollowsTheSeedAndClampsAtBothEnds) {
  const PricingEngine engine = Engine();
  EXPECT_DOUBLE_EQ(engine.DemandMultiplier(0, 6), 0.8);  // No demand: the floor.
  EXPECT_DOUBLE_EQ(engine.DemandMultiplier(3, 6), 0.8 + 0.5 * 0.5);
  EXPECT_DOUBLE_EQ(engine.DemandMultiplier(6, 6), 1.3);   // At the average: the cap.
  EXPECT_DOUBLE_EQ(engine.DemandMultiplier(12, 6), 1.3);  // 1.8 clamped.
  // An average below 1 normalizes by 1 (Math.max(averageDemand, 1)).
  EXPECT_DOUBLE_EQ(engine.DemandMultiplier(0.2, 0), 0.9);
  EXPECT_DOUBLE_EQ(engine.DemandMultiplier(0.4, 0.5), 1.0);
  EXPECT_DOUBLE_EQ(engine.DemandMultiplier(1.2, 0.5), 1.3);  // 1.4 clamped.
}

TEST(PricingEngine, CompetitionMultiplierUsesTheMedianCompetitorPrice) {
  const PricingEngine engine = Engine();
  const int64_t now = kDec15;
  EXPECT_DOUBLE_EQ(engine.CompetitionMultiplier(100, {}, now), 1.0);
  EXPECT_DOUBLE_EQ(engine.CompetitionMultiplier(100, {{90, 0}, {100, 0}, {110, 0}}, now), 1.0);
  EXPECT_DOUBLE_EQ(engine.CompetitionMultiplier(100, {{95, 0}, {200, 0}, {97, 0}}, now), 0.97);
  EXPECT_DOUBLE_EQ(engine.CompetitionMultiplier(100, {{94, 0}, {90, 0}}, now), 0.92);
  EXPECT_DOUBLE_EQ(engine.CompetitionMultiplier(100, {{50, 0}}, now), 0.85);
  EXPECT_DOUBLE_EQ(engine.CompetitionMultiplier(100, {{200, 0}}, now), 1.15);
  EXPECT_DOUBLE_EQ(engine.CompetitionMultiplier(0, {{90, 0}}, now), 1.0);
  const double nan = std::nan("");
  EXPECT_DOUBLE_EQ(engine.CompetitionMultiplier(100, {{0, 0}, {-5, 0}, {nan, 0}, {96, 0}}, now),
                   0.96);
  // Older than 3 days: stale and ignored; exactly 3 days: still used.
  EXPECT_DOUBLE_EQ(engine.CompetitionMultiplier(100, {{90, now - 3 * kDay - 1}}, now), 1.0);
  EXPECT_DOUBLE_EQ(engine.CompetitionMultiplier(100, {{90, now - 3 * kDay}}, now), 0.9);
  PricingOptions lowest;
  lowest.competition.reference = CompetitorReference::kMin;
  EXPECT_DOUBLE_EQ(Engine(lowest).CompetitionMultiplier(100, {{110, 0}, {90, 0}, {100, 0}}, now),
                   0.9);
}

TEST(PricingEngine, InventoryMultiplierFromDaysOfCover) {
  const PricingEngine engine = Engine();
  EXPECT_DOUBLE_EQ(engine.InventoryMultiplier(std::nullopt, 14), 1.0);  // Untracked.
  EXPECT_DOUBLE_EQ(engine.InventoryMultiplier(0, 14), 1.0);             // Out of stock.
  EXPECT_DOUBLE_EQ(engine.InventoryMultiplier(-3, 14), 1.0);
  // 14 purchases in 7 days: 2 a day.
  EXPECT_DOUBLE_EQ(engine.InventoryMultiplier(2, 14), 1.0 + 0.1 * 6 / 7);  // 1 day of cover.
  EXPECT_DOUBLE_EQ(engine.InventoryMultiplier(14, 14), 1.0);               // 7 days.
  EXPECT_DOUBLE_EQ(engine.InventoryMultiplier(120, 14), 1.0);              // 60 days.
  EXPECT_DOUBLE_EQ(engine.InventoryMultiplier(240, 14), 0.95);  // 120 days: halfway to 180.
  EXPECT_DOUBLE_EQ(engine.InventoryMultiplier(360, 14), 0.9);   // 180 days.
  EXPECT_DOUBLE_EQ(engine.InventoryMultiplier(5000, 14), 0.9);
  EXPECT_DOUBLE_EQ(engine.InventoryMultiplier(5, 0), 0.9);  // Stock, no sale in 7 d.
}

TEST(PricingEngine, SeasonalMultiplierFromTheCategoryMonthTable) {
  PricingOptions options;
  options.seasonal["Toys"] = {0.95, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.05, 1.10};
  options.seasonal["Board games"] = {1.2, 1.3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};
  const PricingEngine engine = Engine(options);
  EXPECT_DOUBLE_EQ(engine.SeasonalMultiplier({"Toys"}, kDec15), 1.10);
  EXPECT_DOUBLE_EQ(engine.SeasonalMultiplier({"Toys", "Dolls"}, kDec15), 1.10);  // Parent row.
  EXPECT_DOUBLE_EQ(engine.SeasonalMultiplier({"Toys", "Board games"}, kDec15), 1.0);
  EXPECT_DOUBLE_EQ(engine.SeasonalMultiplier({"Toys", "Board games"}, kJan31End), 1.2);
  EXPECT_DOUBLE_EQ(engine.SeasonalMultiplier({"Toys", "Board games"}, kFeb1), 1.3);
  EXPECT_DOUBLE_EQ(engine.SeasonalMultiplier({"Garden"}, kDec15), 1.0);
  EXPECT_DOUBLE_EQ(engine.SeasonalMultiplier({}, kDec15), 1.0);
  EXPECT_DOUBLE_EQ(Engine().SeasonalMultiplier({"Toys"}, kDec15), 1.0);  // Default: no table.
  EXPECT_EQ(UtcMonth(kDec15), 12);
  EXPECT_EQ(UtcMonth(kJan31End), 1);
  EXPECT_EQ(UtcMonth(kFeb1), 2);
  EXPECT_EQ(UtcMonth(0), 1);
}

TEST(PricingEngine, SegmentMultipliers) {
  const PricingEngine engine = Engine();
  EXPECT_DOUBLE_EQ(engine.SegmentMultiplier(UserSegment::kUnknown), 1.0);
  EXPECT_DOUBLE_EQ(engine.SegmentMultiplier(UserSegment::kNew), 0.97);
  EXPECT_DOUBLE_EQ(engine.SegmentMultiplier(UserSegment::kRegular), 1.0);
  EXPECT_DOUBLE_EQ(engine.SegmentMultiplier(UserSegment::kVip), 0.95);
}

TEST(PricingEngine, PriceCombinesTheFiveFactorsOnAHandComputedCase) {
  PricingOptions options;
  options.seasonal["Toys"] = {0.95, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.05, 1.10};
  const PricingEngine engine = Engine(options);
  PricingContext context;
  context.base_price = 100;
  context.categories = {"Toys"};
  context.demand.demand_score = 3;
  context.demand.category_average = 6;                       // demand 1.05
  context.competitor_prices = {{95, 0}, {97, 0}, {200, 0}};  // competition 0.97
  context.stock = 2;
  context.demand.windows[2].purchases = 14;  // 1 day of cover: inventory 1 + 0.6/7
  context.now_ms = kDec15;                   // seasonal 1.10
  context.segment = UserSegment::kVip;       // segment 0.95
  const auto result = engine.Price(context);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_DOUBLE_EQ(result->factors.demand, 1.05);
  EXPECT_DOUBLE_EQ(result->factors.competition, 0.97);
  EXPECT_DOUBLE_EQ(result->factors.inventory, 1.0 + 0.6 / 7);
  EXPECT_DOUBLE_EQ(result->factors.seasonal, 1.10);
  EXPECT_DOUBLE_EQ(result->factors.segment, 0.95);
  const double adjustment = 1.05 * 0.30 + 0.97 * 0.25 + (1.0 + 0.6 / 7) * 0.20 + 1.10 * 0.15 +
                            0.95 * 0.10;  // 1.0346428...
  EXPECT_DOUBLE_EQ(result->adjustment, adjustment);
  EXPECT_DOUBLE_EQ(result->price, 103.46);
  EXPECT_DOUBLE_EQ(result->original_price, 100);
  EXPECT_DOUBLE_EQ(result->discount_percent, 0);
  EXPECT_FALSE(result->bounded);
}

TEST(PricingEngine, DiscountPercentOnAHandComputedCase) {
  const PricingEngine engine = Engine();
  PricingContext context;
  context.base_price = 80;
  context.competitor_prices = {{68, 0}};  // 0.85; demand 0 -> 0.8; new customer 0.97.
  context.segment = UserSegment::kNew;
  context.now_ms = kDec15;
  const auto result = engine.Price(context);
  ASSERT_TRUE(result.ok());
  // 0.8*0.3 + 0.85*0.25 + 1*0.2 + 1*0.15 + 0.97*0.1 = 0.8995 -> 71.96.
  EXPECT_DOUBLE_EQ(result->adjustment, 0.8995);
  EXPECT_DOUBLE_EQ(result->price, 71.96);
  EXPECT_DOUBLE_EQ(result->discount_percent, (80 - 71.96) / 80 * 100);
}

TEST(PricingEngine, NeutralContextKeepsTheBasePrice) {
  const auto result = Engine().Price(Neutral(19.99));
  ASSERT_TRUE(result.ok());
  EXPECT_DOUBLE_EQ(result->adjustment, 1.0);
  EXPECT_DOUBLE_EQ(result->price, 19.99);
  EXPECT_DOUBLE_EQ(result->discount_percent, 0);
}

TEST(PricingEngine, MarkupIsCappedAtFiftyPercent) {
  PricingOptions options;
  options.seasonal["Toys"].fill(5.0);  // 0.85 + 0.15 * 5 = 1.6.
  const PricingEngine engine = Engine(options);
  PricingContext context = Neutral(100);
  context.categories = {"Toys"};
  auto result = engine.Price(context);
  ASSERT_TRUE(result.ok());
  EXPECT_DOUBLE_EQ(result->adjustment, 1.6);
  EXPECT_DOUBLE_EQ(result->price, 150);
  EXPECT_TRUE(result->bounded);
  EXPECT_DOUBLE_EQ(result->discount_percent, 0);
  // Rounding to cents stays under the cap: 19.99 * 1.5 = 29.985 -> 29.98.
  context.base_price = 19.99;
  result = engine.Price(context);
  ASSERT_TRUE(result.ok());
  EXPECT_DOUBLE_EQ(result->price, 29.98);
}

TEST(PricingEngine, DiscountIsCappedAtThirtyPercent) {
  PricingOptions options;
  options.weights = {.demand = 0, .competition = 0, .inventory = 0, .seasonality = 1, .segment = 0};
  options.seasonal["Toys"].fill(0.5);
  const PricingEngine engine = Engine(options);
  PricingContext context = Neutral(100);
  context.categories = {"Toys"};
  auto result = engine.Price(context);
  ASSERT_TRUE(result.ok());
  EXPECT_DOUBLE_EQ(result->adjustment, 0.5);
  EXPECT_DOUBLE_EQ(result->price, 70);
  EXPECT_DOUBLE_EQ(result->discount_percent, 30);
  EXPECT_TRUE(result->bounded);
  // Rounding to cents stays above the floor: 19.99 * 0.7 = 13.993 -> 14.00.
  context.base_price = 19.99;
  result = engine.Price(context);
  ASSERT_TRUE(result.ok());
  EXPECT_DOUBLE_EQ(result->price, 14.00);
  EXPECT_LE(result->discount_percent, 30);
}

TEST(PricingEngine, CustomWeightsAndNoRounding) {
  PricingOptions options;
  options.weights = {.demand = 1, .competition = 0, .inventory = 0, .seasonality = 0, .segment = 0};
  options.price_increment = 0;
  const PricingEngine engine = Engine(options);
  PricingContext context = Neutral(19.99);
  context.demand.demand_score = 0.5;  // 1.05
  const auto result = engine.Price(context);
  ASSERT_TRUE(result.ok());
  EXPECT_DOUBLE_EQ(result->price, 19.99 * 1.05);
}

TEST(PricingEngine, RejectsBadBasePricesAndPricesZero) {
  const PricingEngine engine = Engine();
  EXPECT_EQ(engine.Price(Neutral(-1)).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(engine.Price(Neutral(std::nan(""))).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(engine.Price(Neutral(std::numeric_limits<double>::infinity())).status().code(),
            absl::StatusCode::kInvalidArgument);
  const auto zero = engine.Price(Neutral(0));
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(zero->price, 0);
  EXPECT_EQ(zero->discount_percent, 0);
}

TEST(PricingOptions, ValidateNamesTheBadField) {
  auto field_of = [](const PricingOptions& o) {
    return std::string(ErrorField(o.Validate()).value_or("<ok>"));
  };
  PricingOptions o;
  o.weights.demand = 0.5;  // Sum 1.2.
  EXPECT_EQ(field_of(o), "weights");
  o = {};
  o.weights.segment = -0.1;
  EXPECT_EQ(field_of(o), "weights.segment");
  o = {};
  o.max_discount_percent = 120;
  EXPECT_EQ(field_of(o), "max_discount_percent");
  o = {};
  o.max_markup_percent = -1;
  EXPECT_EQ(field_of(o), "max_markup_percent");
  o = {};
  o.demand.min = 1.5;  // Above max.
  EXPECT_EQ(field_of(o), "demand");
  o = {};
  o.competition.min = 1.1;
  EXPECT_EQ(field_of(o), "competition");
  o = {};
  o.inventory.high_cover_days = 5;  // Below low.
  EXPECT_EQ(field_of(o), "inventory");
  o = {};
  o.seasonal["Toys"].fill(1.0);
  o.seasonal["Toys"][3] = 0;
  EXPECT_EQ(field_of(o), "seasonal");
  o = {};
  o.segment.vip = std::nan("");
  EXPECT_EQ(field_of(o), "segment");
  o = {};
  o.price_increment = -0.01;
  EXPECT_EQ(field_of(o), "price_increment");
  o = {};
  o.update_interval_ms = 0;
  EXPECT_EQ(field_of(o), "update_interval_ms");
  EXPECT_EQ(PricingEngine::Create(o).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aisle::commerce
