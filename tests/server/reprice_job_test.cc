// The hourly repricing against a real index on disk and the real pricing
// service, driven by a FakeClock.
#include "server/reprice_job.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/event.h"
#include "base/product.h"
#include "commerce/demand_counters.h"
#include "commerce/pricing.h"
#include "commerce/pricing_service.h"
#include "commerce/user_preferences.h"
#include "index/product_index.h"
#include "tests/testing/test_util.h"

namespace aisle::server {
namespace {

constexpr int64_t kHour = 3'600'000;

std::shared_ptr<const commerce::PricingEngine> MakeEngine(commerce::PricingOptions options = {}) {
  auto engine = commerce::PricingEngine::Create(std::move(options));
  EXPECT_TRUE(engine.ok()) << engine.status();
  return std::make_shared<const commerce::PricingEngine>(*std::move(engine));
}

Product MakeProduct(const std::string& id, double price) {
  Product p;
  p.id = id;
  p.title = "Toy " + id;
  p.categories = {"Toys"};
  p.price = price;
  return p;
}

// Waits (real time) until `done` holds; false after 10 s.
bool Eventually(const std::function<bool()>& done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

class RepriceJobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto index = index::ProductIndex::Open(index::IndexOptions{.path = dir_.Sub("index")});
    ASSERT_TRUE(index.ok()) << index.status();
    index_ = std::move(*index);
    ASSERT_TRUE(index_
                    ->Upsert({MakeProduct("p1", 100), MakeProduct("p2", 50), MakeProduct("p3", 20),
                              MakeProduct("p4", 10), MakeProduct("p5", 80)})
                    .ok());
    pricing_ = std::make_unique<commerce::PricingService>(
        clock_, demand_, users_,
        [this](const std::string& id) -> std::optional<int64_t> {
          if (on_stock_lookup_) on_stock_lookup_(id);
          auto live = index_->Signals(id);
          return live.ok() ? live->stock : std::nullopt;
        },
        commerce::CompetitorLookup(), MakeEngine());
  }

  void TearDown() override { EXPECT_TRUE(index_->Close().ok()); }

  std::unique_ptr<RepriceJob> MakeJob(RepriceJobOptions options = {}) {
    return std::make_unique<RepriceJob>(clock_, index_.get(), pricing_.get(), options);
  }

  void Purchases(const std::string& product, int count) {
    for (int i = 0; i < count; ++i) {
      ASSERT_TRUE(demand_.Record(Event{.type = EventType::kPurchase,
                                       .user_id = "u",
                                       .session_id = "s",
                                       .product_id = product,
                                       .category = "Toys"}));
    }
  }

  double LivePrice(const std::string& id) {
    auto live = index_->Signals(id);
    EXPECT_TRUE(live.ok()) << live.status();
    return live.ok() ? live->price : -1;
  }

  // What the service charges an anonymous shopper now for `id` at `base`.
  double ServicePrice(const std::string& id, double base) {
    auto product = index_->Get(id);
    EXPECT_TRUE(product.ok()) << product.status();
    Product priced = *product;
    priced.price = base;
    auto result = pricing_->Price(priced);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? result->price : -1;
  }

  testing::TempDir dir_;
  FakeClock clock_{1'750'000'000'000};
  commerce::DemandCounters demand_{clock_};
  commerce::UserPreferences users_{clock_};
  std::unique_ptr<index::ProductIndex> index_;
  std::function<void(const std::string&)> on_stock_lookup_;
  std::unique_ptr<commerce::PricingService> pricing_;
};

TEST_F(RepriceJobTest, FirstTickRunsAtOnceAndStoresTheServicePrice) {
  Purchases("p1", 10);
  // Small pages: the run must still cover every product exactly once.
  auto job = MakeJob({.batch_size = 2});
  EXPECT_FALSE(job->last_stats().has_value());
  ASSERT_TRUE(job->Tick());

  const std::optional<RepriceStats> stats = job->last_stats();
  ASSERT_TRUE(stats.has_value());
  EXPECT_TRUE(job->last_status().ok());
  EXPECT_EQ(stats->scanned, 5u);
  EXPECT_EQ(stats->changed, 5u);
  EXPECT_EQ(stats->failed, 0u);
  EXPECT_EQ(stats->started_at_ms, clock_.NowMillis());
  const std::pair<const char*, double> bases[] = {
      {"p1", 100}, {"p2", 50}, {"p3", 20}, {"p4", 10}, {"p5", 80}};
  for (const auto& [id, base] : bases) {
    SCOPED_TRACE(id);
    EXPECT_DOUBLE_EQ(LivePrice(id), ServicePrice(id, base));
    EXPECT_DOUBLE_EQ(index_->Signals(id)->base_price, base);  // Untouched.
  }
  // Strong demand lifts p1 above its base; no demand sinks the others.
  EXPECT_GT(LivePrice("p1"), 100);
  EXPECT_LT(LivePrice("p2"), 50);
}

TEST_F(RepriceJobTest, RunsAgainOnlyAfterTheIntervalAndPicksUpNewDemand) {
  Purchases("p1", 10);
  auto job = MakeJob({.interval_ms = kHour});
  ASSERT_TRUE(job->Tick());
  const double p2_before = LivePrice("p2");

  Purchases("p2", 10);
  EXPECT_FALSE(job->Tick());  // Same time: not due.
  EXPECT_DOUBLE_EQ(LivePrice("p2"), p2_before);
  clock_.Advance(kHour - 1);
  EXPECT_FALSE(job->Tick());

  clock_.Advance(1);
  ASSERT_TRUE(job->Tick());
  EXPECT_DOUBLE_EQ(LivePrice("p2"), ServicePrice("p2", 50));
  EXPECT_GT(LivePrice("p2"), p2_before);
  EXPECT_EQ(job->last_stats()->started_at_ms, clock_.NowMillis());
}

TEST_F(RepriceJobTest, PricesFromTheBasePriceSoRunsDoNotCompound) {
  Purchases("p1", 10);
  auto job = MakeJob();
  ASSERT_TRUE(job->RunOnce().ok());
  const double once = LivePrice("p1");
  ASSERT_GT(once, 100);

  absl::StatusOr<RepriceStats> again = job->RunOnce();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_DOUBLE_EQ(LivePrice("p1"), once);
  EXPECT_EQ(again->scanned, 5u);
  EXPECT_EQ(again->changed, 0u);  // Nothing moved: no writes.
}

TEST_F(RepriceJobTest, SkipsDeletedProducts) {
  ASSERT_EQ(*index_->Delete({"p3"}), 1u);
  auto job = MakeJob();
  ASSERT_TRUE(job->Tick());
  EXPECT_EQ(job->last_stats()->scanned, 4u);
  EXPECT_EQ(job->last_stats()->changed, 4u);
  EXPECT_EQ(index_->Signals("p3").status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RepriceJobTest, RequestNowMakesTheNextTickRun) {
  auto job = MakeJob();
  ASSERT_TRUE(job->Tick());
  const double before = LivePrice("p1");

  // A settings change: Toys are in season.
  commerce::PricingOptions options;
  options.seasonal["Toys"].fill(1.2);
  pricing_->SetEngine(MakeEngine(options));
  EXPECT_FALSE(job->Tick());
  job->RequestNow();
  ASSERT_TRUE(job->Tick());
  EXPECT_GT(LivePrice("p1"), before);
  EXPECT_DOUBLE_EQ(LivePrice("p1"), ServicePrice("p1", 100));
  EXPECT_FALSE(job->Tick());  // Back on the hourly schedule.
}

TEST_F(RepriceJobTest, ABasePriceChangedDuringTheRunIsPricedFromTheNewBase) {
  // A merchant's price push lands after the scan read p1 (base 100) but
  // before the job writes p1's new price.
  bool pushed = false;
  on_stock_lookup_ = [&](const std::string& id) {
    if (id != "p1" || pushed) return;
    pushed = true;
    ASSERT_TRUE(index_->UpdateSignals({{.product_id = "p1", .base_price = 200}}).ok());
  };
  auto job = MakeJob();
  ASSERT_TRUE(job->Tick());
  ASSERT_TRUE(pushed);
  EXPECT_DOUBLE_EQ(index_->Signals("p1")->base_price, 200);
  EXPECT_DOUBLE_EQ(LivePrice("p1"), ServicePrice("p1", 200));
}

TEST_F(RepriceJobTest, PricingFailuresKeepTheLivePrice) {
  pricing_->SetEngine(nullptr);
  auto job = MakeJob();
  ASSERT_TRUE(job->Tick());
  ASSERT_TRUE(job->last_stats().has_value());
  EXPECT_EQ(job->last_stats()->failed, 5u);
  EXPECT_EQ(job->last_stats()->changed, 0u);
  EXPECT_DOUBLE_EQ(LivePrice("p1"), 100);
}

TEST_F(RepriceJobTest, BackgroundThreadRunsWhenDueAndStopsPromptly) {
  auto job = MakeJob({.interval_ms = kHour, .poll_ms = 5});
  job->Start();
  job->Start();  // No-op.
  ASSERT_TRUE(Eventually([&] { return job->last_stats().has_value(); }));
  const int64_t first = job->last_stats()->started_at_ms;

  clock_.Advance(kHour);
  ASSERT_TRUE(Eventually([&] { return job->last_stats()->started_at_ms == first + kHour; }));

  const auto start = std::chrono::steady_clock::now();
  job->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
  job->Stop();  // Idempotent.
}

TEST_F(RepriceJobTest, RequestNowWakesTheThreadAndStopDoesNotWaitForThePoll) {
  // A poll period far longer than the test: only RequestNow can wake it.
  auto job = MakeJob({.poll_ms = kHour});
  job->Start();
  ASSERT_TRUE(Eventually([&] { return job->last_stats().has_value(); }));
  clock_.Advance(60'000);
  job->RequestNow();
  ASSERT_TRUE(Eventually([&] { return job->last_stats()->started_at_ms == clock_.NowMillis(); }));

  const auto start = std::chrono::steady_clock::now();
  job->Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST_F(RepriceJobTest, StopInterruptsARunningScan) {
  // Pricing p3 takes a while: Stop arrives in the middle of a run of
  // one-product pages, which ends at the next page.
  std::atomic<bool> in_run = false;
  on_stock_lookup_ = [&](const std::string& id) {
    if (id != "p3") return;
    in_run = true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  };
  auto job = MakeJob({.batch_size = 1});
  job->Start();
  ASSERT_TRUE(Eventually([&] { return in_run.load(); }));
  job->Stop();
  EXPECT_EQ(job->last_status().code(), absl::StatusCode::kCancelled);
  EXPECT_FALSE(job->last_stats().has_value());
  EXPECT_DOUBLE_EQ(LivePrice("p5"), 80);  // Never reached.
}

}  // namespace
}  // namespace aisle::server
