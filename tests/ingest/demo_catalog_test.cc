#include "ingest/demo_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>
#include <string>

#include "ingest/product_parser.h"

namespace aisle::ingest {
namespace {

using ::testing::SizeIs;

size_t Words(const std::string& text) {
  size_t words = 0;
  bool in_word = false;
  for (const char c : text) {
    const bool space = c == ' ';
    if (!space && !in_word) ++words;
    in_word = !space;
  }
  return words;
}

TEST(DemoCatalog, SameSeedAndIndexGiveTheSameProduct) {
  const std::vector<Product> a = GenerateDemoCatalog(0, 500);
  const std::vector<Product> b = GenerateDemoCatalog(0, 500);
  EXPECT_EQ(a, b);
  // Product i does not depend on the range it was generated in.
  EXPECT_EQ(GenerateDemoCatalog(250, 10)[3], a[253]);
  EXPECT_EQ(GenerateDemoProduct(499), a[499]);
}

TEST(DemoCatalog, DifferentSeedsGiveDifferentCatalogs) {
  DemoCatalogOptions other;
  other.seed = 7;
  const std::vector<Product> a = GenerateDemoCatalog(0, 100);
  const std::vector<Product> b = GenerateDemoCatalog(0, 100, other);
  size_t same_titles = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].id, b[i].id);
    same_titles += a[i].title == b[i].title;
  }
  EXPECT_LT(same_titles, 5u);
}

TEST(DemoCatalog, IdsAreZeroPaddedIndexes) {
  EXPECT_EQ(GenerateDemoProduct(0).id, "p0000000");
  EXPECT_EQ(GenerateDemoProduct(42).id, "p0000042");
  EXPECT_EQ(GenerateDemoProduct(1234567).id, "p1234567");
  EXPECT_EQ(GenerateDemoProduct(12345678).id, "p12345678");
  std::set<std::string> ids;
  for (const Product& p : GenerateDemoCatalog(0, 1000)) ids.insert(p.id);
  EXPECT_THAT(ids, SizeIs(1000));
}

TEST(DemoCatalog, ProductsPassValidationAndHaveRealisticFields) {
  DemoCatalogOptions options;
  options.created_at_base = 1'600'000'000;
  const std::vector<Product> products = GenerateDemoCatalog(0, 5000, options);
  std::set<std::string> departments, leaves, brands, titles;
  std::map<std::string, int> tags;
  for (const Product& p : products) {
    ASSERT_TRUE(ValidateProduct(p).ok()) << p.id << ": " << ValidateProduct(p);
    ASSERT_THAT(p.categories, SizeIs(3)) << p.id;
    departments.insert(p.categories[0]);
    leaves.insert(p.categories[2]);
    brands.insert(p.brand);
    titles.insert(p.title);
    EXPECT_EQ(p.title.rfind(p.brand + " ", 0), 0u) << p.title;
    const size_t words = Words(p.description);
    EXPECT_GE(words, 20u) << p.description;
    EXPECT_LE(words, 60u) << p.description;
    EXPECT_GT(p.price, 0);
    EXPECT_NEAR(std::fmod(p.price, 1.0), 0.99, 1e-6) << p.price;
    EXPECT_GE(p.cost, p.price * 0.4 - 0.01);
    EXPECT_LE(p.cost, p.price * 0.8 + 0.01);
    EXPECT_GE(p.rating, 1.0);
    EXPECT_LE(p.rating, 5.0);
    EXPECT_NEAR(p.rating * 10, std::round(p.rating * 10), 1e-9);
    EXPECT_GE(p.popularity, 0);
    EXPECT_GE(p.created_at, options.created_at_base);
    EXPECT_LT(p.created_at, options.created_at_base + 3 * 365 * 86400);
    EXPECT_EQ(p.currency, "USD");
    EXPECT_FALSE(p.attributes.empty()) << p.id;
    for (const std::string& tag : p.tags) ++tags[tag];
  }
  EXPECT_EQ(departments.size(), 10u);
  EXPECT_GT(leaves.size(), 280u);
  EXPECT_GT(brands.size(), 140u);
  EXPECT_GT(titles.size(), 4500u);
  for (const char* tag : {"new", "sale", "bestseller", "top-rated", "eco-friendly"}) {
    EXPECT_GT(tags[tag], 10) << tag;
  }
}

TEST(DemoCatalog, RatingsAreSkewedHighAndPopularityIsHeavyTailed) {
  const std::vector<Product> products = GenerateDemoCatalog(0, 10000);
  double rating_sum = 0;
  std::vector<double> popularity;
  for (const Product& p : products) {
    rating_sum += p.rating;
    popularity.push_back(p.popularity);
  }
  EXPECT_GT(rating_sum / products.size(), 3.8);
  std::sort(popularity.begin(), popularity.end());
  const double median = popularity[popularity.size() / 2];
  EXPECT_LT(median, 20);
  EXPECT_GT(popularity.back(), 100 * std::max(median, 1.0));
}

}  // namespace
}  // namespace aisle::ingest
