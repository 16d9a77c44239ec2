// Blended ranking: business signals from the live columns move hits within
// similar relevance, change with a signal write (no reindex), and explain
// themselves term by term.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <cmath>
#include <random>
#include <thread>

#include "index/product_index.h"
#include "tests/index/catalog_fixture.h"

namespace aisle::index {
namespace {

// The weights ranking/ ships as defaults (ranking/ranking_settings.h).
ScoreBlend DefaultBlend() {
  ScoreBlend blend;
  blend.weights = {.relevance = 1.0,
                   .availability = 0.3,
                   .demand = 0.1,
                   .popularity = 0.1,
                   .margin = 0.05,
                   .personalization = 0.2};
  blend.demand_pivot = 1;
  blend.popularity_pivot = 10;
  return blend;
}

Product Make(std::string id, std::string title, std::string brand, double price,
             std::string description = "") {
  Product p;
  p.id = std::move(id);
  p.title = std::move(title);
  p.brand = std::move(brand);
  p.price = price;
  p.description = std::move(description);
  p.categories = {"Sports", "Footwear", "Trail Shoes"};
  return p;
}

class IndexBlend : public ::testing::Test {
 protected:
  void SetUp() override {
    index_ = test::OpenIndex(dir_.Sub("index"));
    ASSERT_NE(index_, nullptr);
    // Same relevance for "trail shoe": every title has both words once.
    ASSERT_TRUE(index_
                    ->Upsert({Make("s1", "Trail Shoe Alpha", "Northpeak", 120),
                              Make("s2", "Trail Shoe Bravo", "Ridgeline", 90),
                              Make("s3", "Trail Shoe Charlie", "Northpeak", 60),
                              Make("s4", "Trail Shoe Delta", "Summit", 150)})
                    .ok());
  }

  SearchResult Run(SearchQuery query) {
    auto result = index_->Search(query);
    EXPECT_TRUE(result.ok()) << result.status();
    return result.ok() ? *result : SearchResult();
  }

  std::vector<std::string> Ids(const std::string& text, std::optional<ScoreBlend> blend,
                               std::optional<FilterNode> filter = std::nullopt) {
    SearchQuery query;
    query.text = text;
    query.blend = std::move(blend);
    query.filter = std::move(filter);
    return test::HitIds(Run(query));
  }

  void Signal(SignalUpdate update) {
    auto applied = index_->UpdateSignals({update});
    ASSERT_TRUE(applied.ok() && applied->applied == 1) << update.product_id;
  }

  testing::TempDir dir_;
  std::unique_ptr<ProductIndex> index_;
};

TEST_F(IndexBlend, OutOfStockSinksBelowInStockButStaysFindable) {
  EXPECT_EQ(Ids("trail shoe", DefaultBlend()).front(), "s1") << "equal scores: docid order";
  const uint64_t commits = index_->Stats().commits;
  Signal({.product_id = "s1", .stock = 0});
  const auto ids = Ids("trail shoe", DefaultBlend());
  ASSERT_EQ(ids.size(), 4u) << "out of stock is still a match";
  EXPECT_EQ(ids.back(), "s1");
  EXPECT_EQ(index_->Stats().commits, commits) << "no reindex";
  // Only a filter removes it.
  EXPECT_EQ(Ids("trail shoe", DefaultBlend(), test::Eq("inStock", "true")),
            (std::vector<std::string>{"s2", "s3", "s4"}));
  // Back in stock: back on top.
  Signal({.product_id = "s1", .stock = 5});
  EXPECT_EQ(Ids("trail shoe", DefaultBlend()).front(), "s1");
}

TEST_F(IndexBlend, DemandPopularityAndMarginLiftEqualRelevance) {
  Signal({.product_id = "s4", .demand = 3.0});
  EXPECT_EQ(Ids("trail shoe", DefaultBlend()).front(), "s4");
  Signal({.product_id = "s3", .popularity = 500});
  EXPECT_EQ(Ids("trail shoe", DefaultBlend()).front(), "s3") << "0.1*500/510 > 0.1*3/4";
  ScoreBlend margin_only;
  margin_only.weights = {.relevance = 1, .margin = 1};
  Signal({.product_id = "s2", .cost = 10});  // 89% margin; others have no cost.
  EXPECT_EQ(Ids("trail shoe", margin_only).front(), "s2");
  // Without a blend, BM25 alone: docid order among equals.
  EXPECT_EQ(Ids("trail shoe", std::nullopt).front(), "s1");
}

TEST_F(IndexBlend, ExactNameQueryStaysFirstAgainstStrongBusinessSignals) {
  ASSERT_TRUE(index_
                  ->Upsert({Make("exact", "Granite Ridge Hiking Boot", "Obscura", 200),
                            Make("c1", "Trail Shoe Echo", "Summit", 50,
                                 "a granite ridge hiking boot alternative"),
                            Make("c2", "Trail Shoe Foxtrot", "Summit", 50,
                                 "not a granite ridge hiking boot but close")})
                  .ok());
  for (const char* id : {"c1", "c2"}) {
    Signal({.product_id = id, .popularity = 1e6, .cost = 1, .demand = 1e6});
  }
  const auto ids = Ids("granite ridge hiking boot", DefaultBlend());
  ASSERT_EQ(ids.size(), 3u);
  EXPECT_EQ(ids.front(), "exact");
}

TEST_F(IndexBlend, PersonalizationLiftsThePreferredBrandOnlyWhenGiven) {
  ScoreBlend personal = DefaultBlend();
  personal.personalization.brands = {{"ridgeline", 0.8}};  // Any case.
  EXPECT_EQ(Ids("trail shoe", personal).front(), "s2");
  EXPECT_EQ(Ids("trail shoe", DefaultBlend()).front(), "s1") << "another user";

  ScoreBlend by_category = DefaultBlend();
  by_category.personalization.categories = {{"Trail Shoes", 0.5}};  // Level 2 name.
  by_category.personalization.price_bands = {{.low = 50, .high = 100, .weight = 0.4}};
  // Every product is in the category; only s2 (90) and s3 (60) are in the band.
  const auto ids = Ids("trail shoe", by_category);
  EXPECT_EQ(std::vector<std::string>(ids.begin(), ids.begin() + 2),
            (std::vector<std::string>{"s2", "s3"}));
  // Unknown names resolve to nothing and change nothing.
  ScoreBlend unknown = DefaultBlend();
  unknown.personalization.brands = {{"no such brand", 1.0}};
  EXPECT_EQ(Ids("trail shoe", unknown), Ids("trail shoe", DefaultBlend()));
}

TEST_F(IndexBlend, PriceSignalMovesMarginAndPriceBandOrderWithoutReindex) {
  ScoreBlend blend = DefaultBlend();
  blend.personalization.price_bands = {{.low = 0, .high = 20, .weight = 1.0}};
  EXPECT_EQ(Ids("trail shoe", blend).front(), "s1");
  Signal({.product_id = "s4", .price = 15});  // A live price into the band.
  EXPECT_EQ(Ids("trail shoe", blend).front(), "s4");
}

TEST_F(IndexBlend, ExplainedTermsAddUpToTheScore) {
  Signal({.product_id = "s3", .stock = 0, .popularity = 10, .cost = 30, .demand = 1});
  SearchQuery query;
  query.text = "trail shoe";
  query.blend = DefaultBlend();
  query.blend->personalization.brands = {{"Northpeak", 0.5}};
  query.explain = true;
  const SearchResult result = Run(query);
  ASSERT_EQ(result.hits.size(), 4u);
  for (const Hit& hit : result.hits) {
    ASSERT_TRUE(hit.details.has_value()) << hit.product.id;
    const ScoreDetails& d = *hit.details;
    const double sum = d.relevance.contribution() + d.availability.contribution() +
                       d.demand.contribution() + d.popularity.contribution() +
                       d.margin.contribution() + d.personalization.contribution();
    EXPECT_NEAR(sum / 1.75, hit.score, 1e-9) << hit.product.id;  // 1.75 = sum of weights.
    EXPECT_GT(d.relevance.value, 0.5) << "all words in the title";
    EXPECT_LE(d.relevance.value, 1.0);
    EXPECT_GT(d.bm25, 0);
    EXPECT_DOUBLE_EQ(d.relevance.weight, 1.0);
  }
  const Hit& s3 = result.hits.back();
  ASSERT_EQ(s3.product.id, "s3");
  EXPECT_EQ(s3.details->availability.value, 0);
  EXPECT_DOUBLE_EQ(s3.details->availability.weight, 0.3);
  // Inputs are kept in steps of 1/65535.
  EXPECT_NEAR(s3.details->demand.value, 0.5, 1e-4);      // 1 / (1 + 1)
  EXPECT_NEAR(s3.details->popularity.value, 0.5, 1e-4);  // 10 / (10 + 10)
  EXPECT_NEAR(s3.details->margin.value, 0.5, 1e-4);      // (60 - 30) / 60
  EXPECT_DOUBLE_EQ(s3.details->personalization.value, 0.5);
  // Without explain, no details; without a blend, none either.
  query.explain = false;
  EXPECT_FALSE(Run(query).hits.front().details.has_value());
  query.explain = true;
  query.blend.reset();
  const SearchResult plain = Run(query);
  EXPECT_FALSE(plain.hits.front().details.has_value());
  EXPECT_GT(plain.hits.front().score, 0.5);
  EXPECT_LE(plain.hits.front().score, 1.0);
}

TEST_F(IndexBlend, BrowsingWithoutTextOrdersByBusinessTermsUnderFiltersAndSorts) {
  Signal({.product_id = "s1", .stock = 0});
  Signal({.product_id = "s3", .popularity = 100});
  EXPECT_EQ(Ids("", DefaultBlend()), (std::vector<std::string>{"s3", "s2", "s4", "s1"}));
  EXPECT_EQ(Ids("", DefaultBlend(), test::Eq("brand", "Northpeak")),
            (std::vector<std::string>{"s3", "s1"}));
  // A sort still decides; the blend only breaks its ties.
  SearchQuery query;
  query.blend = DefaultBlend();
  query.sort = {{SortField::kPrice, false}};
  EXPECT_EQ(test::HitIds(Run(query)), (std::vector<std::string>{"s3", "s2", "s1", "s4"}));
  // Totals are the match count, exact or estimated, blend or not.
  query.sort.clear();
  query.exact_total = true;
  query.facets = {"brand"};
  const SearchResult result = Run(query);
  EXPECT_EQ(result.total_hits, 4u);
  EXPECT_TRUE(result.total_exact);
  EXPECT_EQ(result.facet_distribution.at("brand").front().value, "Northpeak");
}

// Every hit's score in a blended browse, by id.
std::map<std::string, double> Scores(const ProductIndex& index, const ScoreBlend& blend) {
  SearchQuery query;
  query.blend = blend;
  query.limit = 1000;
  auto result = index.Search(query);
  EXPECT_TRUE(result.ok()) << result.status();
  std::map<std::string, double> scores;
  if (result.ok()) {
    for (const Hit& hit : result->hits) scores[hit.product.id] = hit.score;
  }
  return scores;
}

// `prepared` matches the index's prepared blend; `raw` differs from it by a
// hair, so its scores come from the raw columns. Both must agree.
void ExpectSameScores(const ProductIndex& index, const ScoreBlend& prepared,
                      const ScoreBlend& raw) {
  const auto a = Scores(index, prepared);
  const auto b = Scores(index, raw);
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [id, score] : a) EXPECT_NEAR(score, b.at(id), 1e-4) << id;
}

TEST_F(IndexBlend, PreparedScoresAgreeWithTheRawColumnsAfterEveryKindOfWrite) {
  Signal({.product_id = "s1", .stock = 0, .demand = 2});
  Signal({.product_id = "s2", .popularity = 40, .cost = 45});
  ScoreBlend prepared = DefaultBlend();  // What the index starts prepared for.
  ScoreBlend raw = DefaultBlend();
  raw.popularity_pivot = 10.000001;
  ExpectSameScores(*index_, prepared, raw);
  const auto before = Scores(*index_, prepared);
  EXPECT_NEAR(before.at("s1"), (1.0 * 0 + 0.1 * 2.0 / 3.0) / 1.75, 1e-4) << "out of stock";
  // A catalog write (new price and cost) refreshes the prepared score too.
  Product s2 = Make("s2", "Trail Shoe Bravo", "Ridgeline", 50);
  s2.cost = 40;
  s2.popularity = 40;  // A catalog field: the write sets it.
  ASSERT_TRUE(index_->Upsert({s2}).ok());
  const auto after = Scores(*index_, prepared);
  EXPECT_NEAR(after.at("s2"), (0.3 + 0.1 * 40 / 50.0 + 0.05 * 0.2) / 1.75, 1e-4);
  ExpectSameScores(*index_, prepared, raw);
  // Another blend prepared: its scores are right, and the old one's too.
  ScoreBlend wide = DefaultBlend();
  wide.demand_pivot = 4;
  wide.popularity_pivot = 40;
  wide.weights.margin = 0.5;
  index_->PrepareBlend(wide);
  ScoreBlend wide_raw = wide;
  wide_raw.demand_pivot = 4.000001;
  ExpectSameScores(*index_, wide, wide_raw);
  EXPECT_NEAR(Scores(*index_, wide).at("s1"), 0.1 * (2.0 / 6.0) / 2.2, 1e-4);
  ExpectSameScores(*index_, prepared, raw);
}

TEST_F(IndexBlend, ConcurrentSignalWritesAndPivotChangesLeaveTheLatestInputs) {
  std::vector<Product> more;
  for (int i = 0; i < 300; ++i) {
    more.push_back(Make("y" + std::to_string(i), "Sandal " + std::to_string(i), "B", 20 + i));
  }
  ASSERT_TRUE(index_->Upsert(more).ok());
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int t = 0; t < 3; ++t) {
    writers.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int i = 0; i < 3000; ++i) {
        SignalUpdate u{.product_id = "y" + std::to_string(rng() % 300)};
        switch (rng() % 4) {
          case 0: u.stock = static_cast<int64_t>(rng() % 3); break;
          case 1: u.demand = (rng() % 100) / 10.0; break;
          case 2: u.popularity = rng() % 500; break;
          default: u.cost = rng() % 20; break;
        }
        ASSERT_TRUE(index_->UpdateSignals({u}).ok());
      }
    });
  }
  std::thread pivots([&] {
    for (int i = 0; !stop; ++i) {
      ScoreBlend blend = DefaultBlend();
      blend.demand_pivot = 1 + i % 3;
      blend.weights.margin = 0.01 * (i % 5);
      index_->PrepareBlend(blend);
    }
  });
  for (auto& w : writers) w.join();
  stop = true;
  pivots.join();
  ScoreBlend prepared = DefaultBlend();
  prepared.demand_pivot = 2;
  prepared.popularity_pivot = 30;
  index_->PrepareBlend(prepared);
  ScoreBlend raw = prepared;
  raw.demand_pivot = 2.000001;
  ExpectSameScores(*index_, prepared, raw);
}

TEST_F(IndexBlend, BlendedBrowseTotalsCountEveryMatchNotJustTheFirstPage) {
  std::vector<Product> more;
  for (int i = 0; i < 100; ++i) {
    Product p = Make("z" + std::to_string(i), "Sock " + std::to_string(i), "Woolly", 5);
    p.popularity = i;  // Distinct scores: the matcher can pass over most.
    more.push_back(p);
  }
  ASSERT_TRUE(index_->Upsert(more).ok());
  SearchQuery query;
  query.blend = DefaultBlend();
  query.limit = 3;
  SearchResult all = Run(query);
  EXPECT_EQ(test::HitIds(all), (std::vector<std::string>{"z99", "z98", "z97"}));
  EXPECT_EQ(all.total_hits, 104u);
  EXPECT_TRUE(all.total_exact);
  query.filter = test::Eq("brand", "Woolly");
  SearchResult woolly = Run(query);
  EXPECT_EQ(test::HitIds(woolly).front(), "z99");
  EXPECT_EQ(woolly.total_hits, 100u);
  query.offset = 98;
  EXPECT_EQ(test::HitIds(Run(query)), (std::vector<std::string>{"z1", "z0"}));
}

TEST_F(IndexBlend, DeletedProductsNeverComeBackThroughTheBlend) {
  ASSERT_TRUE(index_->Delete({"s2"}).ok());
  EXPECT_EQ(Ids("", DefaultBlend()), (std::vector<std::string>{"s1", "s3", "s4"}));
  EXPECT_EQ(Ids("trail shoe", DefaultBlend()), (std::vector<std::string>{"s1", "s3", "s4"}));
}

TEST_F(IndexBlend, PagesOfABlendedResultDoNotOverlap) {
  std::vector<Product> more;
  for (int i = 0; i < 60; ++i) {
    more.push_back(Make("x" + std::to_string(i), "Trail Shoe Model " + std::to_string(i),
                        "Brand" + std::to_string(i % 7), 10 + i));
  }
  ASSERT_TRUE(index_->Upsert(more).ok());
  for (int i = 0; i < 60; i += 3) Signal({.product_id = "x" + std::to_string(i), .stock = 0});
  for (int i = 1; i < 60; i += 4) {
    Signal({.product_id = "x" + std::to_string(i), .popularity = static_cast<double>(i)});
  }
  std::set<std::string> seen;
  for (size_t offset = 0; offset < 64; offset += 10) {
    SearchQuery query;
    query.text = "trail shoe";
    query.blend = DefaultBlend();
    query.offset = offset;
    query.limit = 10;
    for (const auto& id : test::HitIds(Run(query))) EXPECT_TRUE(seen.insert(id).second) << id;
  }
  EXPECT_EQ(seen.size(), 64u);
}

}  // namespace
}  // namespace aisle::index
