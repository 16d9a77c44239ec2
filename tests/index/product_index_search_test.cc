// Facets, sorting and paging against the brute-force reference.
#include <gtest/gtest.h>

#include <algorithm>
#include <limits>
#include <map>

#include "index/product_index.h"
#include "tests/index/catalog_fixture.h"

namespace aisle::index::test {
namespace {

using SearchTest = CatalogIndexTest;

// The display form of a facet value is the first product's (insertion order).
std::string FirstDisplay(const std::vector<Product>& products, const std::string& facet,
                         const std::string& lower) {
  for (const auto& p : products) {
    if (facet == "brand" && AsciiLower(p.brand) == lower) return p.brand;
    if (facet == "tags") {
      for (const auto& t : p.tags) {
        if (AsciiLower(t) == lower) return t;
      }
    }
  }
  return "";
}

void ExpectFacetsMatchReference(const SearchResult& result, const std::vector<Product>& matched,
                                const std::vector<std::string>& facets) {
  for (const std::string& facet : facets) {
    SCOPED_TRACE(facet);
    ASSERT_TRUE(result.facet_distribution.count(facet));
    const auto& got = result.facet_distribution.at(facet);
    std::map<std::string, uint64_t> got_counts;
    for (const auto& value : got) got_counts[AsciiLower(value.value)] += value.count;
    EXPECT_EQ(got_counts, FacetCounts(matched, facet));
    EXPECT_EQ(got_counts.size(), got.size()) << "one entry per case-insensitive value";
    for (size_t i = 1; i < got.size(); ++i) {
      EXPECT_TRUE(got[i - 1].count > got[i].count ||
                  (got[i - 1].count == got[i].count && got[i - 1].value < got[i].value))
          << got[i - 1].value << " before " << got[i].value;
    }
  }
}

TEST_F(SearchTest, FacetCountsMatchTheReference) {
  const std::vector<std::string> facets = {"brand",           "category",        "categories.lvl0",
                                           "categories.lvl1", "categories.lvl2", "color",
                                           "attributes.size", "Material",        "tags"};
  struct Variant {
    std::string text;
    std::optional<FilterNode> filter;
  };
  const std::vector<Variant> variants = {
      {"", std::nullopt},
      {"phone", std::nullopt},
      {"", Cmp("price", CompareOp::kLt, "100")},
      {"red", Or({Eq("brand", "acme"), Eq("tags", "sale")})},
      {"nomatchword", std::nullopt},
  };
  for (const auto& variant : variants) {
    SCOPED_TRACE("text '" + variant.text + "'");
    SearchQuery query;
    query.text = variant.text;
    query.filter = variant.filter;
    query.facets = facets;
    query.limit = 0;
    auto result = index().Search(query);
    ASSERT_TRUE(result.ok()) << result.status();
    // The matched set, from a plain search (its correctness is tested elsewhere).
    SearchQuery all = query;
    all.facets.clear();
    const std::vector<std::string> ids = HitIds(SearchAll(index(), all));
    std::vector<Product> matched;
    for (const auto& p : catalog()) {
      if (std::find(ids.begin(), ids.end(), p.id) != ids.end()) matched.push_back(p);
    }
    EXPECT_EQ(result->total_hits, matched.size());
    EXPECT_TRUE(result->total_exact) << "facets force an exact walk";
    EXPECT_TRUE(result->hits.empty());
    ExpectFacetsMatchReference(*result, matched, facets);
  }
}

TEST_F(SearchTest, FacetValuesKeepTheFirstOccurrencesCasing) {
  SearchQuery query;
  query.facets = {"brand", "tags"};
  auto result = index().Search(query);
  ASSERT_TRUE(result.ok());
  for (const char* facet : {"brand", "tags"}) {
    for (const auto& value : result->facet_distribution.at(facet)) {
      EXPECT_EQ(value.value, FirstDisplay(catalog(), facet, AsciiLower(value.value))) << facet;
    }
  }
}

TEST_F(SearchTest, CategoryPathFacetsShowTheJoinedPath) {
  SearchQuery query;
  query.facets = {"categories.lvl1"};
  query.filter = Eq("categories.lvl0", "home");
  auto result = index().Search(query);
  ASSERT_TRUE(result.ok());
  std::set<std::string> values;
  for (const auto& v : result->facet_distribution.at("categories.lvl1")) values.insert(v.value);
  EXPECT_EQ(values, (std::set<std::string>{"Home > Kitchen", "Home > Garden"}));
}

TEST_F(SearchTest, NumericFacetsYieldMinAndMax) {
  SearchQuery query;
  query.text = "phone";
  query.facets = {"price", "rating", "popularity"};
  auto result = index().Search(query);
  ASSERT_TRUE(result.ok());
  SearchQuery plain;
  plain.text = "phone";
  const auto hits = SearchAll(index(), plain).hits;
  ASSERT_FALSE(hits.empty());
  for (const char* field : {"price", "rating", "popularity"}) {
    double lo = 1e300, hi = -1e300;
    for (const auto& h : hits) {
      lo = std::min(lo, NumericValue(h.product, field));
      hi = std::max(hi, NumericValue(h.product, field));
    }
    ASSERT_TRUE(result->facet_stats.count(field)) << field;
    EXPECT_EQ(result->facet_stats.at(field).min, lo) << field;
    EXPECT_EQ(result->facet_stats.at(field).max, hi) << field;
    EXPECT_FALSE(result->facet_distribution.count(field));
  }
  query.text = "nomatchword";
  result = index().Search(query);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->facet_stats.empty()) << "no stats without values";
}

TEST_F(SearchTest, UnknownFacetIsInvalidArgument) {
  SearchQuery query;
  query.facets = {"brand", "colour"};
  auto result = index().Search(query);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(result.status()), "facets");
  EXPECT_NE(std::string(result.status().message()).find("'colour'"), std::string::npos);
}

TEST_F(SearchTest, EverySortOrdersHitsWithTiesInInsertionOrder) {
  const std::vector<std::pair<SortField, std::string>> fields = {
      {SortField::kPrice, "price"},
      {SortField::kRating, "rating"},
      {SortField::kPopularity, "popularity"},
      {SortField::kCreatedAt, "createdAt"}};
  for (const auto& [field, name] : fields) {
    for (bool descending : {false, true}) {
      SCOPED_TRACE(name + (descending ? " desc" : " asc"));
      SearchQuery query;
      query.sort = {SortSpec{field, descending}};
      query.filter = Exists("color");
      std::vector<Product> expected;
      for (const auto& p : catalog()) {
        if (Matches(*query.filter, p)) expected.push_back(p);
      }
      std::stable_sort(expected.begin(), expected.end(), [&](const Product& a, const Product& b) {
        const double x = NumericValue(a, name), y = NumericValue(b, name);
        return descending ? x > y : x < y;
      });
      std::vector<std::string> expected_ids;
      for (const auto& p : expected) expected_ids.push_back(p.id);
      EXPECT_EQ(HitIds(SearchAll(index(), query)), expected_ids);
    }
  }
}

TEST_F(SearchTest, SecondarySortKeyBreaksTies) {
  SearchQuery query;
  query.sort = {SortSpec{SortField::kRating, true}, SortSpec{SortField::kPrice, false}};
  const auto hits = SearchAll(index(), query).hits;
  ASSERT_EQ(hits.size(), catalog().size());
  for (size_t i = 1; i < hits.size(); ++i) {
    const Product& a = hits[i - 1].product;
    const Product& b = hits[i].product;
    ASSERT_TRUE(a.rating > b.rating || (a.rating == b.rating && a.price <= b.price)) << i;
  }
}

TEST_F(SearchTest, SortWithTextTiesBreakByRelevance) {
  SearchQuery query;
  query.text = "phone";
  query.sort = {SortSpec{SortField::kRating, true}};
  const auto hits = SearchAll(index(), query).hits;
  ASSERT_GT(hits.size(), 10u);
  for (size_t i = 1; i < hits.size(); ++i) {
    const auto& a = hits[i - 1];
    const auto& b = hits[i];
    ASSERT_TRUE(a.product.rating > b.product.rating ||
                (a.product.rating == b.product.rating && a.score >= b.score))
        << i;
    EXPECT_GT(b.score, 0);
  }
}

TEST_F(SearchTest, RelevanceWithoutTextIsInsertionOrderWithZeroScores) {
  SearchQuery query;
  const auto result = SearchAll(index(), query);
  ASSERT_EQ(result.hits.size(), catalog().size());
  for (size_t i = 0; i < catalog().size(); ++i) {
    ASSERT_EQ(result.hits[i].product, catalog()[i]);
    ASSERT_EQ(result.hits[i].score, 0);
  }
}

TEST_F(SearchTest, PagesConcatenateToTheFullList) {
  for (const bool with_text : {false, true}) {
    SearchQuery query;
    if (with_text) query.text = "red";
    query.sort = {SortSpec{SortField::kPrice, false}};
    if (with_text) query.sort.clear();
    const std::vector<std::string> full = HitIds(SearchAll(index(), query));
    ASSERT_GT(full.size(), 30u);
    for (size_t page_size : {1u, 7u, 50u}) {
      std::vector<std::string> pages;
      for (size_t offset = 0; offset < full.size() + page_size; offset += page_size) {
        SearchQuery page = query;
        page.offset = offset;
        page.limit = page_size;
        auto result = index().Search(page);
        ASSERT_TRUE(result.ok());
        EXPECT_LE(result->hits.size(), page_size);
        for (const auto& id : HitIds(*result)) pages.push_back(id);
      }
      EXPECT_EQ(pages, full) << "page size " << page_size << (with_text ? " text" : "");
    }
  }
}

TEST_F(SearchTest, ExactTotalCountsEveryMatch) {
  SearchQuery query;
  query.text = "red";
  query.limit = 3;
  query.exact_total = true;
  auto result = index().Search(query);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->total_exact);
  EXPECT_EQ(result->total_hits, SearchAll(index(), query).hits.size());
  EXPECT_EQ(result->hits.size(), 3u);

  query.exact_total = false;
  result = index().Search(query);
  ASSERT_TRUE(result.ok());
  EXPECT_GE(result->total_hits, 3u);
  EXPECT_EQ(result->hits.size(), 3u);
}

TEST_F(SearchTest, OffsetPastTheEndIsEmpty) {
  SearchQuery query;
  query.offset = 100000;
  query.exact_total = true;
  auto result = index().Search(query);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->hits.empty());
  EXPECT_EQ(result->total_hits, catalog().size());
  query.offset = std::numeric_limits<size_t>::max();
  query.limit = std::numeric_limits<size_t>::max();
  query.text = "red";
  result = index().Search(query);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->hits.empty());
  EXPECT_GT(result->total_hits, 0u);
  query.offset = 0;
  result = index().Search(query);
  ASSERT_TRUE(result.ok());
  EXPECT_EQ(result->hits.size(), result->total_hits) << "a huge limit returns every match";
}

}  // namespace
}  // namespace aisle::index::test
