#include "commerce/pricing_service.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/event.h"
#include "base/product.h"

namespace aisle::commerce {
namespace {

constexpr int64_t kHour = 3'600'000;
constexpr int64_t kDec15 = 1'702'641'600'000;  // 2023-12-15 12:00 UTC.

Event MakeEvent(EventType type, const std::string& user, const std::string& product,
                std::optional<double> price = std::nullopt) {
  return Event{.type = type,
               .user_id = user,
               .session_id = "s",
               .product_id = product,
               .category = "Toys",
               .metadata = {.price = price}};
}

std::shared_ptr<const PricingEngine> MakeEngine(PricingOptions options = {}) {
  auto engine = PricingEngine::Create(std::move(options));
  EXPECT_TRUE(engine.ok());
  return std::make_shared<const PricingEngine>(*std::move(engine));
}

class PricingServiceTest : public ::testing::Test {
 protected:
  PricingServiceTest() : clock_(kDec15), demand_(clock_), users_(clock_) {
    product_.id = "p1";
    product_.price = 100;
    product_.categories = {"Toys", "Dolls"};
  }

  PricingService MakeService(std::shared_ptr<const PricingEngine> engine) {
    return PricingService(
        clock_, demand_, users_,
        [this](const std::string& id) -> std::optional<int64_t> {
          stock_calls_.push_back(id);
          return id == "p1" ? std::optional<int64_t>(2) : std::nullopt;
        },
        [this](const std::string& id, const std::string& region) {
          regions_.push_back(region);
          return region == "eu" ? std::vector<CompetitorPrice>{{97, 0}}
                                : std::vector<CompetitorPrice>{};
        },
        std::move(engine));
  }

  FakeClock clock_;
  DemandCounters demand_;
  UserPreferences users_;
  Product product_;
  std::vector<std::string> stock_calls_;
  std::vector<std::string> regions_;
};

TEST_F(PricingServiceTest, ContextCollectsEveryLiveInput) {
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(demand_.Record(MakeEvent(EventType::kView, "a", "p1")));
  ASSERT_TRUE(demand_.Record(MakeEvent(EventType::kPurchase, "a", "p1")));
  ASSERT_TRUE(demand_.Record(MakeEvent(EventType::kView, "a", "p2")));
  ASSERT_TRUE(users_.Update(MakeEvent(EventType::kPurchase, "buyer", "p1", 10)).ok());
  const PricingService service = MakeService(MakeEngine());
  const PricingContext context = service.Context(product_, "buyer", "eu");
  EXPECT_EQ(context.product_id, "p1");
  EXPECT_EQ(context.base_price, 100);
  EXPECT_EQ(context.categories, product_.categories);
  EXPECT_EQ(context.stock, 2);
  EXPECT_EQ(context.competitor_prices, (std::vector<CompetitorPrice>{{97, 0}}));
  EXPECT_EQ(regions_, std::vector<std::string>{"eu"});
  EXPECT_DOUBLE_EQ(context.demand.demand_score, 0.8);
  EXPECT_DOUBLE_EQ(context.demand.category_average, (0.8 + 0.1) / 2);
  EXPECT_EQ(context.demand.in(DemandWindow::k7d).purchases, 1u);
  EXPECT_EQ(context.segment, UserSegment::kRegular);
  EXPECT_EQ(context.now_ms, kDec15);
  EXPECT_EQ(service.Context(product_, "", "").segment, UserSegment::kUnknown);
  EXPECT_EQ(service.Context(product_, "stranger", "").segment, UserSegment::kNew);
}

TEST_F(PricingServiceTest, PriceIsTheEnginesPriceOfTheContext) {
  ASSERT_TRUE(demand_.Record(MakeEvent(EventType::kPurchase, "a", "p1")));
  const auto engine = MakeEngine();
  const PricingService service = MakeService(engine);
  const auto direct = engine->Price(service.Context(product_, "", "eu"));
  const auto via_service = service.Price(product_, "", "eu");
  ASSERT_TRUE(direct.ok() && via_service.ok());
  EXPECT_DOUBLE_EQ(via_service->price, direct->price);
  EXPECT_EQ(via_service->factors, direct->factors);
  // demand 0.5/max(0.5,1)*0.5+0.8 = 1.05; competition 0.97; stock 2 with 1 sale
  // in 7 d: 14 days of cover, inventory 1.0.
  EXPECT_EQ(via_service->factors, (PriceFactors{1.05, 0.97, 1.0, 1.0, 1.0}));
}

TEST_F(PricingServiceTest, WorksWithoutLookupsAndSwapsEngines) {
  PricingService service(clock_, demand_, users_, nullptr, nullptr, MakeEngine());
  auto before = service.Price(product_);
  ASSERT_TRUE(before.ok());
  EXPECT_EQ(before->factors.inventory, 1.0);
  EXPECT_EQ(before->factors.competition, 1.0);
  PricingOptions options;
  options.seasonal["Dolls"].fill(1.2);
  service.SetEngine(MakeEngine(options));
  auto after = service.Price(product_);
  ASSERT_TRUE(after.ok());
  EXPECT_DOUBLE_EQ(after->factors.seasonal, 1.2);
  EXPECT_GT(after->price, before->price);
  service.SetEngine(nullptr);
  EXPECT_EQ(service.Price(product_).status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(RepriceSchedule, RunsHourlyFromTheLastStart) {
  FakeClock clock(kDec15);
  RepriceSchedule schedule(clock, kHour);
  EXPECT_TRUE(schedule.TryStart());   // Due at startup.
  EXPECT_FALSE(schedule.TryStart());  // Already started.
  clock.Advance(kHour - 1);
  EXPECT_FALSE(schedule.TryStart());
  clock.Advance(1);
  EXPECT_TRUE(schedule.TryStart());
  EXPECT_EQ(schedule.next_due_ms(), kDec15 + 2 * kHour);
  clock.Advance(3 * kHour + 5);  // Missed runs collapse into one.
  EXPECT_TRUE(schedule.TryStart());
  EXPECT_FALSE(schedule.TryStart());
  EXPECT_EQ(schedule.next_due_ms(), kDec15 + 5 * kHour + 5);
  schedule.RequestNow();
  EXPECT_TRUE(schedule.TryStart());
  EXPECT_FALSE(schedule.TryStart());
}

}  // namespace
}  // namespace aisle::commerce
