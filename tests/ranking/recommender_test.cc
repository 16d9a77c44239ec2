#include "ranking/recommender.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/status_expect.h"
#include "tests/testing/test_util.h"

namespace aisle::ranking {
namespace {

using ::aisle::testing::ExpectInvalid;

class FakeAvailability final : public Availability {
 public:
  bool Recommendable(std::string_view id) const override {
    std::lock_guard lock(mu_);
    return !hidden_.contains(std::string(id));
  }
  void Hide(const std::string& id) {
    std::lock_guard lock(mu_);
    hidden_.insert(id);
  }

 private:
  mutable std::mutex mu_;
  std::set<std::string> hidden_;
};

class FakeTrending final : public TrendingSource {
 public:
  std::vector<TrendingCounts> Top(std::string_view category, size_t n) const override {
    std::vector<TrendingCounts> out;
    for (const auto& c : counts) {
      if (out.size() < n && (category.empty() || category == categories.at(c.product_id))) {
        out.push_back(c);
      }
    }
    return out;
  }
  std::vector<TrendingCounts> counts;  // Most first.
  std::map<std::string, std::string> categories;
};

// Two families: kitchen items a0..a7 (brand Acme) that shoppers browse in
// order a0, a1, a2, ...; garden items g0..g7 (brand Green) likewise.
std::vector<Product> Catalog() {
  std::vector<Product> products;
  for (int i = 0; i < 8; ++i) {
    products.push_back({.id = "a" + std::to_string(i), .title = "Acme pan " + std::to_string(i),
                        .brand = "Acme", .categories = {"Home", "Kitchen"}, .price = 20.0 + i});
    products.push_back({.id = "g" + std::to_string(i), .title = "Green hose " + std::to_string(i),
                        .brand = "Green", .categories = {"Outdoor", "Garden"}, .price = 50.0 + i});
  }
  return products;
}

InteractionLog Log() {
  InteractionLog log;
  int64_t t = 1'000'000;
  for (int u = 0; u < 12; ++u) {
    const std::string family = u % 2 == 0 ? "a" : "g";
    const std::string user = "u" + std::to_string(u);
    for (int i = 0; i < 8; ++i) {
      log.Add(Event{.type = EventType::kView, .user_id = user, .session_id = user,
                    .product_id = family + std::to_string(i), .timestamp_ms = t += 60'000});
    }
  }
  return log;
}

class RecommenderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TrainingOptions training;
    training.als.factors = 8;
    auto models = TrainedModels::Train(Log(), training, {.generation = 1});
    ASSERT_TRUE(models.ok()) << models.status();
    models_ = *models;
    auto content = ContentIndex::Build({}, Catalog());
    ASSERT_TRUE(content.ok()) << content.status();
    recommender_.SetModels(models_);
    recommender_.SetContent(std::move(*content));
    for (const Product& p : Catalog()) trending_.categories[p.id] = p.categories.back();
  }

  static RecommendRequest Session(std::vector<std::string> newest_first, size_t limit = 5) {
    RecommendRequest request{.limit = limit};
    for (auto& id : newest_first) request.session_items.push_back({id, EventType::kView, 0});
    request.user_items = request.session_items;
    return request;
  }

  static std::vector<std::string> Ids(const std::vector<Recommendation>& recs) {
    std::vector<std::string> ids;
    for (const auto& r : recs) ids.push_back(r.product_id);
    return ids;
  }

  FakeAvailability availability_;
  FakeTrending trending_;
  std::shared_ptr<const TrainedModels> models_;
  Recommender recommender_{RecommenderSettings{}, &trending_, &availability_};
};

TEST_F(RecommenderTest, SessionGetsTheNextItemOfItsFamilyFirst) {
  auto recs = recommender_.Recommend(Session({"a3", "a2"}));
  ASSERT_TRUE(recs.ok()) << recs.status();
  ASSERT_FALSE(recs->empty());
  EXPECT_EQ(recs->front().product_id, "a4");
  for (const auto& r : *recs) EXPECT_EQ(r.product_id[0], 'a') << r.product_id;
}

TEST_F(RecommenderTest, EachModelAloneProposesOnlyItsOwnScores) {
  for (auto model : {RecommendationModel::kCollaborative, RecommendationModel::kContent,
                     RecommendationModel::kBehavioural}) {
    RecommendRequest request = Session({"g5", "g4"});
    request.only = model;
    auto recs = recommender_.Recommend(request);
    ASSERT_TRUE(recs.ok()) << recs.status();
    ASSERT_FALSE(recs->empty()) << RecommendationModelName(model);
    for (const auto& r : *recs) {
      const ScoreBreakdown& b = r.breakdown;
      const double own = model == RecommendationModel::kCollaborative ? b.collaborative
                         : model == RecommendationModel::kContent     ? b.content
                                                                      : b.behavioural;
      EXPECT_GT(own, 0) << r.product_id;
      EXPECT_DOUBLE_EQ(b.collaborative + b.content + b.behavioural + b.trending + b.popular, own);
    }
    // Every model learned the families: a garden session gets garden items.
    EXPECT_EQ(recs->front().product_id[0], 'g') << RecommendationModelName(model);
  }
}

TEST_F(RecommenderTest, BlendIsTheWeightedSumOfScaledModelScores) {
  trending_.counts = {{"a6", 10, 10}};
  auto recs = recommender_.Recommend(Session({"a5"}));
  ASSERT_TRUE(recs.ok());
  const RecommendationWeights w;
  for (const auto& r : *recs) {
    const ScoreBreakdown& b = r.breakdown;
    EXPECT_NEAR(r.score, w.collaborative * b.collaborative + w.content * b.content +
                             w.behavioural * b.behavioural + w.trending * b.trending, 1e-9);
    for (double v : {b.collaborative, b.content, b.behavioural, b.trending}) {
      EXPECT_GE(v, 0);
      EXPECT_LE(v, 1.0 + 1e-9);
    }
  }
}

TEST_F(RecommenderTest, UnavailableExcludedAndOnScreenProductsNeverAppear) {
  availability_.Hide("a4");  // Out of stock or deleted.
  RecommendRequest request = Session({"a3", "a2"}, 16);
  request.product_id = "a5";  // On screen.
  request.exclude = {"a6", "a7"};  // Bought, in the cart.
  auto recs = recommender_.Recommend(request);
  ASSERT_TRUE(recs.ok());
  ASSERT_FALSE(recs->empty());
  for (const auto& id : Ids(*recs)) {
    EXPECT_NE(id, "a4");
    EXPECT_NE(id, "a5");
    EXPECT_NE(id, "a6");
    EXPECT_NE(id, "a7");
  }
}

TEST_F(RecommenderTest, NewVisitorGetsTrendingThenPopular) {
  auto cold = recommender_.Recommend(RecommendRequest{.limit = 3});
  ASSERT_TRUE(cold.ok());
  ASSERT_EQ(cold->size(), 3u);  // No trend yet: the training data's most popular.
  for (const auto& r : *cold) EXPECT_GT(r.breakdown.popular, 0);

  trending_.counts = {{"g2", 30, 35}, {"a1", 20, 140}};
  auto trending = recommender_.Recommend(RecommendRequest{.limit = 3});
  ASSERT_TRUE(trending.ok());
  ASSERT_EQ(trending->size(), 2u);
  EXPECT_EQ(trending->front().product_id, "g2");
  EXPECT_DOUBLE_EQ(trending->front().breakdown.trending, 1.0);
}

TEST_F(RecommenderTest, TrendingBoostsRisingProductsAndFiltersByCategory) {
  // a1 sells more today, but steadily; g2 took off today (7-day total 35
  // is mostly today): boosted 1.5x, it overtakes.
  trending_.counts = {{"a1", 25, 175}, {"g2", 20, 22}};
  const auto all = recommender_.Trending("", 10);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].product_id, "g2");
  EXPECT_TRUE(all[0].rising);
  EXPECT_DOUBLE_EQ(all[0].score, 30);
  EXPECT_FALSE(all[1].rising);
  const auto kitchen = recommender_.Trending("Kitchen", 10);
  ASSERT_EQ(kitchen.size(), 1u);
  EXPECT_EQ(kitchen[0].product_id, "a1");
  availability_.Hide("g2");
  EXPECT_EQ(recommender_.Trending("", 10).size(), 1u);
}

TEST_F(RecommenderTest, SimilarItemsShareTheFamily) {
  auto similar = recommender_.Similar("g3", 5, {});
  ASSERT_TRUE(similar.ok()) << similar.status();
  ASSERT_EQ(similar->size(), 5u);
  for (const auto& r : *similar) {
    EXPECT_EQ(r.product_id[0], 'g');
    EXPECT_NE(r.product_id, "g3");
  }
  EXPECT_EQ(recommender_.Similar("nope", 5, {}).status().code(), absl::StatusCode::kNotFound);
}

TEST_F(RecommenderTest, DiversityDemotesNearDuplicates) {
  // Ten near-identical items (same brand, category, price) and one other:
  // with diversification the other one reaches the first page of 3.
  std::vector<Product> products;
  for (int i = 0; i < 10; ++i) {
    products.push_back({.id = "twin" + std::to_string(i), .title = "Same thing", .brand = "Same",
                        .categories = {"Same"}, .price = 10});
  }
  products.push_back({.id = "other", .title = "Different", .brand = "Else",
                      .categories = {"Else"}, .price = 99});
  auto built = ContentIndex::Build({}, products);
  ASSERT_TRUE(built.ok());
  const std::shared_ptr<ContentIndex> content = std::move(*built);
  for (double diversity : {0.0, 0.9}) {
    RecommenderSettings settings;
    settings.diversity = diversity;
    FakeTrending trending;
    for (int i = 0; i < 10; ++i) trending.counts.push_back({"twin" + std::to_string(i), 100.0 - i, 700});
    trending.counts.push_back({"other", 80, 560});
    Recommender recommender(settings, &trending, nullptr);
    recommender.SetContent(content);
    auto recs = recommender.Recommend(RecommendRequest{.limit = 3});
    ASSERT_TRUE(recs.ok());
    const auto ids = Ids(*recs);
    const bool other_shown = std::find(ids.begin(), ids.end(), "other") != ids.end();
    EXPECT_EQ(other_shown, diversity > 0) << diversity;
  }
}

TEST_F(RecommenderTest, BoughtTogetherPrefersBasketsThenViewedNext) {
  InteractionLog log;
  for (int u = 0; u < 3; ++u) {
    const std::string user = "b" + std::to_string(u);
    log.Add(Event{.type = EventType::kPurchase, .user_id = user, .session_id = user,
                  .product_id = "phone", .timestamp_ms = 1000});
    log.Add(Event{.type = EventType::kPurchase, .user_id = user, .session_id = user,
                  .product_id = "case", .timestamp_ms = 2000});
  }
  log.Add(Event{.type = EventType::kView, .user_id = "v", .session_id = "v",
                .product_id = "phone", .timestamp_ms = 1000});
  log.Add(Event{.type = EventType::kView, .user_id = "v", .session_id = "v",
                .product_id = "charger", .timestamp_ms = 2000});
  TrainingOptions training;
  training.als.factors = 4;
  auto models = TrainedModels::Train(log, training, {.generation = 2});
  ASSERT_TRUE(models.ok());
  recommender_.SetModels(*models);
  const auto together = recommender_.BoughtTogether("phone", 5, {});
  ASSERT_EQ(together.size(), 2u);
  EXPECT_EQ(together[0].product_id, "case");
  EXPECT_EQ(together[1].product_id, "charger");
  EXPECT_LT(together[1].score, together[0].score);
  EXPECT_TRUE(recommender_.BoughtTogether("phone", 5, {"case", "charger"}).empty());
  EXPECT_TRUE(recommender_.BoughtTogether("unknown", 5, {}).empty());
}

TEST_F(RecommenderTest, ModelSwapUnderConcurrentRequestsNeverFails) {
  std::atomic<bool> stop = false;
  std::atomic<int> failures = 0, served = 0;
  std::vector<std::thread> readers;
  for (int t = 0; t < 4; ++t) {
    readers.emplace_back([&] {
      while (!stop.load()) {
        auto recs = recommender_.Recommend(Session({"a2", "a1"}));
        if (!recs.ok() || recs->empty()) ++failures;
        ++served;
      }
    });
  }
  TrainingOptions training;
  training.als.factors = 8;
  for (uint64_t generation = 2; generation < 8; ++generation) {
    auto models = TrainedModels::Train(Log(), training, {.generation = generation});
    ASSERT_TRUE(models.ok());
    recommender_.SetModels(*models);
    auto content = ContentIndex::Build({}, Catalog());
    ASSERT_TRUE(content.ok());
    recommender_.SetContent(std::move(*content));
  }
  while (served.load() < 50) std::this_thread::yield();
  stop = true;
  for (auto& t : readers) t.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(recommender_.models()->info().generation, 7u);
}

TEST(RecommenderSettings, ValidateNamesTheBadField) {
  EXPECT_TRUE(ValidateRecommenderSettings({}).ok());
  RecommenderSettings s;
  s.weights.content = -1;
  ExpectInvalid(ValidateRecommenderSettings(s), "weights.content");
  s = {};
  s.weights = {0, 0, 0, 0};
  ExpectInvalid(ValidateRecommenderSettings(s), "weights");
  s = {};
  s.diversity = 1.5;
  ExpectInvalid(ValidateRecommenderSettings(s), "diversity");
  s = {};
  s.candidates = 0;
  ExpectInvalid(ValidateRecommenderSettings(s), "candidates");
  s = {};
  s.trending.boost = 0.5;
  ExpectInvalid(ValidateRecommenderSettings(s), "boost");
  EXPECT_EQ(ParseRecommendationModel("behavioural"), RecommendationModel::kBehavioural);
  EXPECT_EQ(ParseRecommendationModel("nope"), std::nullopt);
}

TEST_F(RecommenderTest, TrainedModelsSurviveSaveAndLoad) {
  aisle::testing::TempDir dir;
  const std::string path = dir.Sub("models-1");
  ASSERT_TRUE(models_->Save(path).ok());
  EXPECT_EQ(models_->Save(path).code(), absl::StatusCode::kFailedPrecondition);  // Never overwritten.
  auto loaded = TrainedModels::Load(path);
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ((*loaded)->info().generation, 1u);
  EXPECT_EQ((*loaded)->items().ids(), models_->items().ids());
  const auto before = recommender_.Recommend(Session({"a3", "a2"}));
  recommender_.SetModels(*loaded);
  const auto after = recommender_.Recommend(Session({"a3", "a2"}));
  ASSERT_TRUE(before.ok() && after.ok());
  ASSERT_EQ(Ids(*before), Ids(*after));
  for (size_t i = 0; i < before->size(); ++i) {
    EXPECT_NEAR((*before)[i].score, (*after)[i].score, 1e-6);
  }
  EXPECT_EQ(TrainedModels::Load(dir.Sub("missing")).status().code(), absl::StatusCode::kNotFound);
  {
    std::ofstream corrupt(path + "/models.bin", std::ios::trunc);
    corrupt << "garbage";
  }
  EXPECT_EQ(TrainedModels::Load(path).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace aisle::ranking
