// Live signals: price and stock change in place, visible to the next query,
// with no reindex (the commit count does not move).
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "index/product_index.h"
#include "tests/index/catalog_fixture.h"

namespace aisle::index {
namespace {

class IndexSignals : public ::testing::Test {
 protected:
  void SetUp() override {
    IndexOptions options;
    options.path = dir_.Sub("index");
    auto index = ProductIndex::Open(options);
    ASSERT_TRUE(index.ok()) << index.status();
    index_ = std::move(*index);
    std::vector<Product> products;
    for (int i = 0; i < 4; ++i) {
      Product p;
      p.id = "m" + std::to_string(i);
      p.title = "Steel Mug " + std::to_string(i);
      p.brand = "Acme";
      p.price = 10.0 + i;  // m0 10, m1 11, m2 12, m3 13.
      products.push_back(p);
    }
    ASSERT_TRUE(index_->Upsert(products).ok());
  }

  std::vector<std::string> Ids(const SearchQuery& query) {
    auto result = index_->Search(query);
    EXPECT_TRUE(result.ok()) << result.status();
    std::vector<std::string> ids;
    if (result.ok()) {
      for (const Hit& hit : result->hits) ids.push_back(hit.product.id);
    }
    return ids;
  }

  SearchQuery Query(std::string filter_field = "", CompareOp op = CompareOp::kEq,
                    std::string value = "") {
    SearchQuery q;
    q.text = "mug";
    if (!filter_field.empty()) {
      FilterNode node;
      node.kind = FilterNode::Kind::kCompare;
      node.field = filter_field;
      node.op = op;
      node.values = {value};
      q.filter = node;
    }
    return q;
  }

  testing::TempDir dir_;
  std::unique_ptr<ProductIndex> index_;
};

TEST_F(IndexSignals, PriceChangeMovesFilterSortFacetsAndHitsWithoutReindex) {
  const uint64_t commits = index_->Stats().commits;
  auto r = index_->UpdateSignals({{.product_id = "m3", .price = 5.0}});
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->applied, 1u);

  SearchQuery sorted = Query();
  sorted.sort = {{SortField::kPrice, /*descending=*/false}};
  EXPECT_EQ(Ids(sorted), (std::vector<std::string>{"m3", "m0", "m1", "m2"}));
  EXPECT_EQ(Ids(Query("price", CompareOp::kLt, "10")), (std::vector<std::string>{"m3"}));

  SearchQuery facets = Query();
  facets.facets = {"price"};
  auto result = index_->Search(facets);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->facet_stats.at("price").min, 5.0);
  EXPECT_EQ(result->facet_stats.at("price").max, 12.0);
  for (const Hit& hit : result->hits) {
    if (hit.product.id == "m3") {
      EXPECT_EQ(hit.product.price, 5.0);
      EXPECT_EQ(hit.live.base_price, 13.0);
    }
  }
  EXPECT_EQ(index_->Stats().commits, commits) << "a signal update must not reindex";
}

TEST_F(IndexSignals, StockDrivesInStockAndUnknownStockCountsAsInStock) {
  EXPECT_EQ(Ids(Query("inStock", CompareOp::kEq, "true")).size(), 4u);
  ASSERT_TRUE(
      index_->UpdateSignals({{.product_id = "m1", .stock = 0}, {.product_id = "m2", .stock = 7}})
          .ok());
  auto in_stock = Ids(Query("inStock", CompareOp::kEq, "true"));
  std::sort(in_stock.begin(), in_stock.end());
  EXPECT_EQ(in_stock, (std::vector<std::string>{"m0", "m2", "m3"}));
  EXPECT_EQ(Ids(Query("inStock", CompareOp::kEq, "false")), (std::vector<std::string>{"m1"}));
  EXPECT_EQ(Ids(Query("inStock", CompareOp::kNe, "true")), (std::vector<std::string>{"m1"}));
  EXPECT_EQ(Ids(Query("stock", CompareOp::kGe, "5")).size(), 3u);  // m2 and the two unknown.

  auto m1 = index_->Signals("m1");
  ASSERT_TRUE(m1.ok());
  EXPECT_EQ(m1->stock, 0);
  EXPECT_FALSE(m1->in_stock);
  auto m0 = index_->Signals("m0");
  ASSERT_TRUE(m0.ok());
  EXPECT_FALSE(m0->stock.has_value());
  EXPECT_TRUE(m0->in_stock);
}

TEST_F(IndexSignals, CatalogRewriteResetsPriceButKeepsStock) {
  ASSERT_TRUE(index_->UpdateSignals({{.product_id = "m0", .price = 1.0, .stock = 3}}).ok());
  ASSERT_TRUE(index_->Patch("m0", ProductPatch{.title = "Steel Mug Zero"}).ok());
  auto live = index_->Signals("m0");
  ASSERT_TRUE(live.ok());
  EXPECT_EQ(live->price, 10.0);
  EXPECT_EQ(live->stock, 3);
}

TEST_F(IndexSignals, BasePriceSetsLivePriceUnlessGivenAndUnknownIdsAreReported) {
  auto r = index_->UpdateSignals({{.product_id = "m0", .base_price = 20.0},
                                  {.product_id = "m1", .price = 9.0, .base_price = 21.0},
                                  {.product_id = "nope", .price = 1.0}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->applied, 2u);
  EXPECT_EQ(r->unknown_ids, (std::vector<std::string>{"nope"}));
  EXPECT_EQ(index_->Signals("m0")->price, 20.0);
  EXPECT_EQ(index_->Signals("m1")->price, 9.0);
  EXPECT_EQ(index_->Signals("m1")->base_price, 21.0);
  EXPECT_EQ(index_->Signals("nope").status().code(), absl::StatusCode::kNotFound);
  ASSERT_EQ(*index_->Delete({"m0"}), 1u);
  r = index_->UpdateSignals({{.product_id = "m0", .stock = 1}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->applied, 0u);
}

// Updates resolve ids through remembered docids: a product deleted and added
// again (a new docid) must get its signals, the old docid none, and unknown
// ids keep their request order among remembered ones.
TEST_F(IndexSignals, RememberedIdsFollowDeleteAndReAdd) {
  ASSERT_EQ(index_->UpdateSignals({{.product_id = "m2", .stock = 4}})->applied, 1u);
  ASSERT_EQ(index_->Signals("m2")->stock, 4);  // Remembered now.
  ASSERT_EQ(*index_->Delete({"m2"}), 1u);
  EXPECT_EQ(index_->Signals("m2").status().code(), absl::StatusCode::kNotFound);
  auto r = index_->UpdateSignals({{.product_id = "m2", .stock = 5}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->applied, 0u);
  EXPECT_EQ(r->unknown_ids, (std::vector<std::string>{"m2"}));

  Product again;
  again.id = "m2";
  again.title = "Steel Mug Again";
  again.price = 30.0;
  ASSERT_TRUE(index_->Upsert({again}).ok());
  r = index_->UpdateSignals({{.product_id = "x1", .stock = 1},
                             {.product_id = "m2", .price = 31.0},
                             {.product_id = "m0", .stock = 2},
                             {.product_id = "x2", .stock = 1}});
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->applied, 2u);
  EXPECT_EQ(r->unknown_ids, (std::vector<std::string>{"x1", "x2"}));
  auto live = index_->Signals("m2");
  ASSERT_TRUE(live.ok()) << live.status();
  EXPECT_EQ(live->price, 31.0);
  EXPECT_EQ(live->base_price, 30.0);
  EXPECT_FALSE(live->stock.has_value()) << "the old docid's stock must not carry over";
  EXPECT_EQ(Ids(Query("price", CompareOp::kGt, "30")), (std::vector<std::string>{"m2"}));
}

TEST_F(IndexSignals, ConcurrentSignalUpdatesAndSearchesDoNotFail) {
  std::atomic<bool> stop{false};
  std::atomic<int> errors{0};
  std::thread writer([&] {
    for (int i = 0; i < 2000; ++i) {
      auto r = index_->UpdateSignals(
          {{.product_id = "m" + std::to_string(i % 4), .price = 1.0 + i % 50, .stock = i % 3}});
      if (!r.ok()) errors++;
    }
    stop = true;
  });
  std::thread reader([&] {
    while (!stop) {
      SearchQuery q = Query("inStock", CompareOp::kEq, "true");
      q.facets = {"price"};
      if (!index_->Search(q).ok()) errors++;
    }
  });
  writer.join();
  reader.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(index_->Signals("m3")->price, 1.0 + 1999 % 50);
}

}  // namespace
}  // namespace aisle::index
