// Searches racing writes: no errors, and the writes are all visible after.
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "index/product_index.h"
#include "tests/index/catalog_fixture.h"

namespace aisle::index::test {
namespace {

constexpr int kSearchers = 8;
constexpr int kWriters = 2;
constexpr int kBatchesPerWriter = 25;
constexpr int kBatchSize = 20;

TEST(ProductIndexConcurrency, SearchesWhileUpsertingSeeNoErrorsAndEveryWrite) {
  testing::TempDir dir;
  auto index = OpenIndex(dir.Sub("index"));
  ASSERT_NE(index, nullptr);
  const std::vector<Product> seed = GenerateCatalog(200);
  ASSERT_TRUE(index->Upsert(seed).ok());

  std::atomic<bool> writing{true};
  std::atomic<int> searches{0};
  std::mutex errors_mu;
  std::vector<std::string> errors;
  const auto record = [&](const absl::Status& status) {
    std::lock_guard lock(errors_mu);
    errors.push_back(std::string(status.message()));
  };

  std::vector<std::thread> searchers;
  for (int t = 0; t < kSearchers; ++t) {
    searchers.emplace_back([&, t] {
      uint64_t last_total = 0;
      for (int i = 0; writing.load() || i < 5; ++i) {
        SearchQuery query;
        query.text = (i + t) % 3 == 0 ? "phone" : "";
        if (i % 2 == 0) query.filter = Or({Cmp("price", CompareOp::kLt, "100"), Exists("tags")});
        if (i % 4 == 1) query.facets = {"brand", "category", "tags", "price"};
        if (i % 3 == 2) query.sort = {SortSpec{SortField::kPrice, true}};
        query.exact_total = true;
        auto result = index->Search(query);
        if (!result.ok()) {
          record(result.status());
          continue;
        }
        searches.fetch_add(1);
        // A plain exact count never goes backwards: writes only add.
        if (query.text.empty() && !query.filter && query.facets.empty()) {
          if (result->total_hits < last_total) record(absl::InternalError("total went back"));
          last_total = result->total_hits;
        }
        auto got = index->Get("sku-" + std::to_string(i % 200));
        if (!got.ok()) record(got.status());
      }
    });
  }

  std::vector<std::thread> writers;
  for (int w = 0; w < kWriters; ++w) {
    writers.emplace_back([&, w] {
      for (int b = 0; b < kBatchesPerWriter; ++b) {
        const int first = 10000 + (w * kBatchesPerWriter + b) * kBatchSize;
        std::vector<Product> batch = GenerateCatalog(kBatchSize, first, first);
        // Also replace a few of the seed products.
        Product replaced = seed[(w * 31 + b) % seed.size()];
        replaced.price = 500 + b;
        batch.push_back(replaced);
        const absl::Status status = index->Upsert(batch);
        if (!status.ok()) record(status);
      }
    });
  }
  for (auto& w : writers) w.join();
  writing = false;
  for (auto& s : searchers) s.join();

  EXPECT_TRUE(errors.empty()) << errors.size() << " errors, first: " << errors.front();
  EXPECT_GT(searches.load(), kSearchers * 5);
  const uint64_t expected = 200 + kWriters * kBatchesPerWriter * kBatchSize;
  EXPECT_EQ(index->Stats().documents, expected);
  SearchQuery all;
  all.facets = {"brand"};
  all.limit = 0;
  auto result = index->Search(all);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->total_hits, expected);
  uint64_t branded = 0;
  for (const auto& v : result->facet_distribution.at("brand")) branded += v.count;
  SearchQuery with_brand;
  with_brand.filter = Exists("brand");
  EXPECT_EQ(SearchAll(*index, with_brand).total_hits, branded);
  EXPECT_EQ(index->Get("sku-" + std::to_string(10000 + 2 * kBatchesPerWriter * kBatchSize - 1))
                .status()
                .code(),
            absl::StatusCode::kOk);
  SearchQuery replaced;
  replaced.filter = Cmp("price", CompareOp::kGe, "500");
  EXPECT_GT(SearchAll(*index, replaced).total_hits, 0u);
}

}  // namespace
}  // namespace aisle::index::test
