// The searcher over a real on-disk index: ranking settings decide whether
// and how business signals blend, and a user's personalization reaches only
// that user's searches.
#include "ranking/searcher.h"

#include <gtest/gtest.h>

#include <map>
#include <thread>

#include "tests/testing/test_util.h"

namespace aisle::ranking {
namespace {

// Brand boosts per user id, as server/ builds them from preferences.
class FakePersonalization : public PersonalizationSource {
 public:
  index::Personalization For(const std::string& user_id) const override {
    ++calls;
    auto it = brands.find(user_id);
    index::Personalization personal;
    if (it != brands.end()) personal.brands = {{it->second, 1.0}};
    return personal;
  }
  std::map<std::string, std::string> brands;  // user -> favourite brand
  mutable std::atomic<int> calls{0};
};

class SearcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    index::IndexOptions options;
    options.path = dir_.Sub("index");
    auto index = index::ProductIndex::Open(options);
    ASSERT_TRUE(index.ok()) << index.status();
    index_ = std::move(*index);
    std::vector<Product> products;
    for (const auto& [id, brand] : std::vector<std::pair<std::string, std::string>>{
             {"k1", "Hearth"}, {"k2", "Copperline"}, {"k3", "Hearth"}}) {
      Product p;
      p.id = id;
      p.title = "Cast Iron Kettle " + id;
      p.brand = brand;
      p.price = 40;
      products.push_back(p);
    }
    ASSERT_TRUE(index_->Upsert(products).ok());
    personalization_.brands = {{"ann", "Copperline"}};
    searcher_ = std::make_unique<Searcher>(index_.get(), SearcherOptions{}, &personalization_);
  }

  std::vector<std::string> Ids(SearchRequest request) {
    auto response = searcher_->Search(request);
    EXPECT_TRUE(response.ok()) << response.status();
    std::vector<std::string> ids;
    if (response.ok()) {
      for (const auto& hit : response->result.hits) ids.push_back(hit.product.id);
    }
    return ids;
  }

  testing::TempDir dir_;
  std::unique_ptr<index::ProductIndex> index_;
  FakePersonalization personalization_;
  std::unique_ptr<Searcher> searcher_;
};

TEST_F(SearcherTest, OutOfStockSinksWithDefaultsAndNotWhenDisabled) {
  auto applied = index_->UpdateSignals({{.product_id = "k1", .stock = 0}});
  ASSERT_TRUE(applied.ok() && applied->applied == 1);
  SearchRequest request;
  request.q = "kettle";
  EXPECT_EQ(Ids(request), (std::vector<std::string>{"k2", "k3", "k1"}));
  RankingSettings off;
  off.enabled = false;
  ASSERT_TRUE(searcher_->SetRankingSettings(off).ok());
  EXPECT_EQ(Ids(request), (std::vector<std::string>{"k1", "k2", "k3"}));
  EXPECT_FALSE(searcher_->ranking_settings().enabled);
}

TEST_F(SearcherTest, PersonalizationAppliesOnlyToItsUser) {
  SearchRequest request;
  request.q = "kettle";
  EXPECT_EQ(Ids(request).front(), "k1");
  EXPECT_EQ(personalization_.calls, 0) << "no user, no lookup";
  request.user_id = "ann";
  EXPECT_EQ(Ids(request).front(), "k2");
  request.user_id = "bob";
  EXPECT_EQ(Ids(request).front(), "k1");
  // A zero personalization weight skips the lookup altogether.
  RankingSettings settings;
  settings.weights.personalization = 0;
  ASSERT_TRUE(searcher_->SetRankingSettings(settings).ok());
  const int calls = personalization_.calls;
  request.user_id = "ann";
  EXPECT_EQ(Ids(request).front(), "k1");
  EXPECT_EQ(personalization_.calls, calls);
}

TEST_F(SearcherTest, ExplainFillsDetailsWithTheCurrentWeights) {
  RankingSettings settings;
  settings.weights.availability = 0.6;
  ASSERT_TRUE(searcher_->SetRankingSettings(settings).ok());
  SearchRequest request;
  request.q = "kettle";
  request.explain = true;
  auto response = searcher_->Search(request);
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_FALSE(response->result.hits.empty());
  const auto& details = response->result.hits.front().details;
  ASSERT_TRUE(details.has_value());
  EXPECT_DOUBLE_EQ(details->availability.weight, 0.6);
  EXPECT_DOUBLE_EQ(details->availability.value, 1.0);
}

TEST_F(SearcherTest, InvalidSettingsAreRefusedAndTheOldOnesKept) {
  RankingSettings bad;
  bad.weights.demand = -1;
  const absl::Status status = searcher_->SetRankingSettings(bad);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(searcher_->ranking_settings(), RankingSettings());
}

TEST_F(SearcherTest, OverlongUserIdIsRejected) {
  SearchRequest request;
  request.user_id = std::string(5000, 'u');
  auto response = searcher_->Search(request);
  EXPECT_EQ(response.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(response.status()), "userId");
}

TEST_F(SearcherTest, SettingsChangeWhileSearchingIsSafe) {
  std::atomic<bool> stop{false};
  std::thread writer([&] {
    for (int i = 0; !stop; ++i) {
      RankingSettings settings;
      settings.enabled = i % 2 == 0;
      settings.weights.popularity = 0.01 * (i % 50);
      ASSERT_TRUE(searcher_->SetRankingSettings(settings).ok());
    }
  });
  SearchRequest request;
  request.q = "kettle";
  request.user_id = "ann";
  for (int i = 0; i < 200; ++i) EXPECT_EQ(Ids(request).size(), 3u);
  stop = true;
  writer.join();
}

}  // namespace
}  // namespace aisle::ranking
