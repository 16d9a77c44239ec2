// SignalStore and CompetitorPriceStore over a real aisle.db.
#include "store/signal_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "store/competitor_price_store.h"
#include "tests/store/store_test_util.h"

namespace aisle::store {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

class SignalStoreTest : public testing::StoreTest {
 protected:
  SignalStore& signals() { return *store_->signals(); }

  void Upsert(std::vector<SignalUpdate> updates) {
    const absl::Status status = signals().UpsertSignals(std::move(updates)).get();
    ASSERT_TRUE(status.ok()) << status;
  }

  std::optional<ProductSignal> Get(const std::string& id) {
    auto signal = signals().GetSignal(id);
    EXPECT_TRUE(signal.ok()) << signal.status();
    return signal.ok() ? *signal : std::nullopt;
  }
};

TEST_F(SignalStoreTest, OnlyPresentFieldsChange) {
  Upsert({{.product_id = "p1", .base_price = 10.0, .stock = 5, .updated_at_ms = 100}});
  Upsert({{.product_id = "p1", .stock = 0, .popularity = 0.7, .updated_at_ms = 200}});
  Upsert({{.product_id = "p1", .cost = 4.5, .updated_at_ms = 300}});
  const ProductSignal expected{.product_id = "p1",
                               .base_price = 10.0,
                               .stock = 0,
                               .popularity = 0.7,
                               .cost = 4.5,
                               .updated_at_ms = 300};
  EXPECT_EQ(Get("p1"), expected);
  Reopen();
  EXPECT_EQ(Get("p1"), expected);
}

TEST_F(SignalStoreTest, FirstUpdateLeavesOtherFieldsAbsent) {
  Upsert({{.product_id = "p1", .popularity = 3}});
  const auto signal = Get("p1");
  ASSERT_TRUE(signal.has_value());
  EXPECT_EQ(signal->popularity, 3.0);
  EXPECT_EQ(signal->base_price, std::nullopt);
  EXPECT_EQ(signal->stock, std::nullopt);
  EXPECT_EQ(signal->cost, std::nullopt);
  EXPECT_EQ(signal->updated_at_ms, clock_.NowMillis());  // 0 = the store clock.
  EXPECT_EQ(Get("unknown"), std::nullopt);
}

TEST_F(SignalStoreTest, UpdatesInOneBatchApplyInOrder) {
  Upsert({{.product_id = "p1", .base_price = 1.0, .stock = 1},
          {.product_id = "p1", .base_price = 2.0},
          {.product_id = "p2", .stock = 9}});
  EXPECT_EQ(Get("p1")->base_price, 2.0);
  EXPECT_EQ(Get("p1")->stock, 1);
  EXPECT_EQ(Get("p2")->stock, 9);
}

TEST_F(SignalStoreTest, ForEachSignalVisitsEveryProductInIdOrder) {
  Upsert({{.product_id = "b", .stock = 2},
          {.product_id = "a", .stock = 1},
          {.product_id = "c", .base_price = 3.0}});
  std::vector<std::string> ids;
  const absl::Status status = signals().ForEachSignal([&](const ProductSignal& s) {
    ids.push_back(s.product_id);
    return absl::OkStatus();
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_THAT(ids, ElementsAre("a", "b", "c"));
}

TEST_F(SignalStoreTest, DeleteSignalsCountsWhatExisted) {
  Upsert({{.product_id = "a", .stock = 1}, {.product_id = "b", .stock = 2}});
  auto deleted = signals().DeleteSignals({"a", "zzz"}).get();
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(*deleted, 1);
  EXPECT_EQ(Get("a"), std::nullopt);
  EXPECT_TRUE(Get("b").has_value());
  EXPECT_EQ(signals().DeleteSignals({""}).get().status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SignalStoreTest, BadUpdatesAreRejectedAndNothingIsWritten) {
  const double nan = std::nan("");
  const double inf = std::numeric_limits<double>::infinity();
  const std::vector<std::pair<SignalUpdate, std::string>> cases = {
      {{.product_id = "", .stock = 1}, "product_id"},
      {{.product_id = "p\xff", .stock = 1}, "product_id"},
      {{.product_id = "p"}, "product_id"},  // No field at all.
      {{.product_id = "p", .base_price = -1.0}, "base_price"},
      {{.product_id = "p", .base_price = nan}, "base_price"},
      {{.product_id = "p", .stock = -3}, "stock"},
      {{.product_id = "p", .popularity = inf}, "popularity"},
      {{.product_id = "p", .cost = nan}, "cost"},
      {{.product_id = "p", .stock = 1, .updated_at_ms = -1}, "updated_at_ms"},
  };
  for (const auto& [update, field] : cases) {
    const absl::Status status =
        signals().UpsertSignals({{.product_id = "ok", .stock = 1}, update}).get();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_EQ(ErrorField(status), field);
    EXPECT_THAT(std::string(status.message()), HasSubstr("updates[1]"));
  }
  EXPECT_EQ(Get("ok"), std::nullopt);
}

class CompetitorPriceStoreTest : public testing::StoreTest {
 protected:
  CompetitorPriceStore& prices() { return *store_->competitor_prices(); }

  void Upsert(std::vector<CompetitorPrice> batch) {
    const absl::Status status = prices().UpsertCompetitorPrices(std::move(batch)).get();
    ASSERT_TRUE(status.ok()) << status;
  }

  std::vector<CompetitorPrice> For(const std::string& product, const std::string& region) {
    auto found = prices().CompetitorPrices(product, region);
    EXPECT_TRUE(found.ok()) << found.status();
    return found.ok() ? *found : std::vector<CompetitorPrice>{};
  }
};

TEST_F(CompetitorPriceStoreTest, LatestObservationWins) {
  Upsert({{"p1", "acme", "us", 10.0, 1000}});
  Upsert({{"p1", "acme", "us", 12.0, 3000}});
  Upsert({{"p1", "acme", "us", 8.0, 2000}});  // Late and older: ignored.
  EXPECT_THAT(For("p1", "us"), ElementsAre(CompetitorPrice{"p1", "acme", "us", 12.0, 3000}));
  Upsert({{"p1", "acme", "us", 11.0, 3000}});  // Same time: replaces.
  EXPECT_THAT(For("p1", "us"), ElementsAre(CompetitorPrice{"p1", "acme", "us", 11.0, 3000}));
}

TEST_F(CompetitorPriceStoreTest, KeyedByProductCompetitorAndRegion) {
  Upsert({{"p1", "zeta", "us", 9.0, 1},
          {"p1", "acme", "us", 10.0, 1},
          {"p1", "acme", "eu", 11.0, 1},
          {"p2", "acme", "us", 12.0, 1},
          {"p1", "acme", "", 13.0, 1}});
  EXPECT_THAT(For("p1", "us"), ElementsAre(CompetitorPrice{"p1", "acme", "us", 10.0, 1},
                                           CompetitorPrice{"p1", "zeta", "us", 9.0, 1}));
  EXPECT_THAT(For("p1", "eu"), ElementsAre(CompetitorPrice{"p1", "acme", "eu", 11.0, 1}));
  EXPECT_THAT(For("p1", ""), ElementsAre(CompetitorPrice{"p1", "acme", "", 13.0, 1}));
  EXPECT_TRUE(For("p3", "us").empty());
  int visited = 0;
  ASSERT_TRUE(prices()
                  .ForEachCompetitorPrice([&](const CompetitorPrice&) {
                    ++visited;
                    return absl::OkStatus();
                  })
                  .ok());
  EXPECT_EQ(visited, 5);
  Reopen();
  EXPECT_EQ(For("p1", "us").size(), 2u);
}

TEST_F(CompetitorPriceStoreTest, ZeroObservedAtTakesTheStoreClock) {
  Upsert({{"p1", "acme", "us", 10.0, 0}});
  EXPECT_EQ(For("p1", "us").at(0).observed_at_ms, clock_.NowMillis());
}

TEST_F(CompetitorPriceStoreTest, BadPricesAreRejected) {
  const std::vector<std::pair<CompetitorPrice, std::string>> cases = {
      {{"", "acme", "us", 1.0, 1}, "product_id"},
      {{"p", "", "us", 1.0, 1}, "competitor"},
      {{"p", "acme", "u\xc3", 1.0, 1}, "region"},
      {{"p", "acme", "us", -1.0, 1}, "price"},
      {{"p", "acme", "us", std::nan(""), 1}, "price"},
      {{"p", "acme", "us", 1.0, -1}, "observed_at_ms"},
  };
  for (const auto& [price, field] : cases) {
    const absl::Status status = prices().UpsertCompetitorPrices({price}).get();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_EQ(ErrorField(status), field);
  }
  EXPECT_TRUE(For("p", "us").empty());
}

}  // namespace
}  // namespace aisle::store
