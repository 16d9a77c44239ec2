// The three real catalogs of ../shared/data go through the real HTTP ingest
// route into the real index; counts and rejected rows are checked.
#include <gtest/gtest.h>

#include <set>

#include "ingest/catalog_import.h"
#include "server/json_writer.h"
#include "server/product_json.h"
#include "tests/server/app_fixture.h"

namespace aisle::server {
namespace {

class RealCatalogs : public AppFixture {
 protected:
  // Imports the file, posts it as NDJSON batches, and returns how many ids
  // the file produced (unique) and the server indexed.
  void ImportAndCheck(const std::string& path, size_t expected_rows) {
    auto catalog = ingest::ImportCatalogFile(path);
    ASSERT_TRUE(catalog.ok()) << catalog.status();
    EXPECT_EQ(catalog->products.size() + catalog->rejected.size(), expected_rows);
    for (const auto& r : catalog->rejected) {
      EXPECT_GT(r.line, 1u) << r.reason;  // Line 1 is the header or '['.
      EXPECT_FALSE(r.reason.empty());
    }
    ProductFieldSelection all;
    all.include_private = true;
    size_t indexed = 0;
    std::set<std::string> ids;
    for (size_t i = 0; i < catalog->products.size(); i += 500) {
      std::string body;
      for (size_t j = i; j < std::min(i + 500, catalog->products.size()); ++j) {
        ids.insert(catalog->products[j].id);
        JsonWriter out;
        WriteProduct(catalog->products[j], all, &out);
        body += out.Take() + "\n";
      }
      auto r = Call("POST", "/v1/products", body, "application/x-ndjson");
      ASSERT_EQ(r.status, 200) << r.body.substr(0, 500);
      JsonBody result(r.body);
      EXPECT_EQ(result.Size("/rejected"), 0u) << r.body.substr(0, 500);
      indexed += result.Uint("/indexed");
    }
    EXPECT_EQ(indexed, catalog->products.size());
    JsonBody stats(Call("GET", "/v1/stats").body);
    EXPECT_EQ(stats.Uint("/numberOfDocuments"), ids.size());
    // A product is findable by a word of its title.
    const Product& sample = catalog->products[catalog->products.size() / 2];
    auto r = Call("GET", "/v1/products/" + sample.id);
    EXPECT_EQ(r.status, 200) << sample.id;
  }
};

TEST_F(RealCatalogs, BigBasketCsvImportsWithRepairedUtf8) {
  AISLE_REQUIRE_SHARED_DATA(path, "catalogs/bigbasket-6k.csv");
  ImportAndCheck(path, 6079);
  auto r = Call("GET", "/v1/search?q=garlic%20oil&facets=brand,categories.lvl0");
  ASSERT_EQ(r.status, 200);
  EXPECT_GT(JsonBody(r.body).Uint("/estimatedTotalHits"), 0u) << r.body;
}

TEST_F(RealCatalogs, BestBuyJsonImports) {
  AISLE_REQUIRE_SHARED_DATA(path, "catalogs/bestbuy-cellphones-3k.json");
  ImportAndCheck(path, 3291);
  auto r = Call("POST", "/v1/search",
                R"({"q":"samsung galaxy","filter":"brand = Samsung","facets":["categories.lvl1"],
                    "hitsPerPage":5})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_GT(JsonBody(r.body).Uint("/totalHits"), 10u) << r.body;
}

TEST_F(RealCatalogs, FlipkartCsvImports) {
  AISLE_REQUIRE_SHARED_DATA(path, "catalogs/flipkart-1k.csv");
  ImportAndCheck(path, 1002);
}

}  // namespace
}  // namespace aisle::server
