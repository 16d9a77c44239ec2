#include "index/product_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <map>
#include <set>

#include "tests/index/catalog_fixture.h"

namespace aisle::index::test {
namespace {

Product MakeProduct(std::string id, std::string title, std::string description = "") {
  Product p;
  p.id = std::move(id);
  p.title = std::move(title);
  p.description = std::move(description);
  return p;
}

SearchResult Find(const ProductIndex& index, const std::string& text,
                  std::optional<FilterNode> filter = std::nullopt) {
  SearchQuery query;
  query.text = text;
  query.filter = std::move(filter);
  return SearchAll(index, query);
}

class ProductIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    index_ = OpenIndex(path());
    ASSERT_NE(index_, nullptr);
  }
  std::string path() const { return dir_.Sub("index"); }
  void Reopen() {
    ASSERT_TRUE(index_->Close().ok());
    index_.reset();
    index_ = OpenIndex(path());
    ASSERT_NE(index_, nullptr);
  }

  testing::TempDir dir_;
  std::unique_ptr<ProductIndex> index_;
};

TEST_F(ProductIndexTest, UpsertThenGetReturnsTheStoredProduct) {
  const std::vector<Product> products = GenerateCatalog(3);
  ASSERT_TRUE(index_->Upsert(products).ok());
  for (const auto& p : products) {
    auto got = index_->Get(p.id);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(*got, p);
  }
  EXPECT_EQ(index_->Stats().documents, 3u);
}

TEST_F(ProductIndexTest, GetUnknownIdIsNotFound) {
  EXPECT_EQ(index_->Get("nope").status().code(), absl::StatusCode::kNotFound);
  ASSERT_TRUE(index_->Upsert({MakeProduct("a", "Alpha")}).ok());
  EXPECT_EQ(index_->Get("A").status().code(), absl::StatusCode::kNotFound) << "ids are exact";
}

TEST_F(ProductIndexTest, UpsertReplacesByIdKeepingOneCopy) {
  Product p = MakeProduct("x1", "Old lamp");
  p.brand = "Oldco";
  p.price = 10;
  ASSERT_TRUE(index_->Upsert({p, MakeProduct("x2", "Other lamp")}).ok());
  p.title = "New chair";
  p.brand = "Newco";
  p.price = 99;
  ASSERT_TRUE(index_->Upsert({p}).ok());
  EXPECT_EQ(index_->Stats().documents, 2u);
  EXPECT_EQ(index_->Get("x1")->title, "New chair");
  EXPECT_EQ(HitIds(Find(*index_, "chair")), std::vector<std::string>{"x1"});
  EXPECT_EQ(HitIds(Find(*index_, "lamp")), std::vector<std::string>{"x2"});
  EXPECT_EQ(Find(*index_, "", Eq("brand", "oldco")).total_hits, 0u);
  EXPECT_EQ(Find(*index_, "", Cmp("price", CompareOp::kEq, "10")).total_hits, 0u);
  EXPECT_EQ(HitIds(Find(*index_, "", Cmp("price", CompareOp::kEq, "99"))),
            std::vector<std::string>{"x1"});
  SearchQuery facets;
  facets.facets = {"brand"};
  auto result = index_->Search(facets);
  ASSERT_TRUE(result.ok());
  ASSERT_EQ(result->facet_distribution.at("brand").size(), 1u);
  EXPECT_EQ(result->facet_distribution.at("brand")[0].value, "Newco");
}

TEST_F(ProductIndexTest, EmptyRequestsSucceedAndChangeNothing) {
  EXPECT_TRUE(index_->Upsert({}).ok());
  EXPECT_EQ(*index_->Delete({}), 0u);
  EXPECT_EQ(index_->Stats().documents, 0u);
}

TEST_F(ProductIndexTest, DuplicateIdsInOneRequestKeepTheLast) {
  ASSERT_TRUE(index_->Upsert({MakeProduct("d", "first"), MakeProduct("d", "second")}).ok());
  EXPECT_EQ(index_->Stats().documents, 1u);
  EXPECT_EQ(index_->Get("d")->title, "second");
}

TEST_F(ProductIndexTest, DeleteRemovesAndCountsOnlyExistingIds) {
  std::vector<Product> products = GenerateCatalog(10);
  for (auto& p : products) p.brand = "Same";
  ASSERT_TRUE(index_->Upsert(products).ok());
  auto deleted = index_->Delete({"sku-1", "sku-2", "missing", "sku-1"});
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 2u);
  EXPECT_EQ(index_->Stats().documents, 8u);
  EXPECT_EQ(index_->Get("sku-1").status().code(), absl::StatusCode::kNotFound);
  const auto all = Find(*index_, "");
  EXPECT_EQ(all.total_hits, 8u);
  for (const auto& id : HitIds(all)) EXPECT_TRUE(id != "sku-1" && id != "sku-2");
  EXPECT_EQ(Find(*index_, "", Cmp("price", CompareOp::kGe, "0")).total_hits, 8u);
  SearchQuery facets;
  facets.facets = {"brand"};
  EXPECT_EQ(index_->Search(facets)->facet_distribution.at("brand")[0].count, 8u);
  EXPECT_EQ(*index_->Delete({}), 0u);
}

TEST_F(ProductIndexTest, DeletedIdCanBeUpsertedAgain) {
  ASSERT_TRUE(index_->Upsert({MakeProduct("r", "Returning robot")}).ok());
  ASSERT_EQ(*index_->Delete({"r"}), 1u);
  Product back = MakeProduct("r", "Returning robot");
  back.price = 5;
  ASSERT_TRUE(index_->Upsert({back}).ok());
  EXPECT_EQ(HitIds(Find(*index_, "robot", Cmp("price", CompareOp::kEq, "5"))),
            std::vector<std::string>{"r"});
}

TEST_F(ProductIndexTest, PatchChangesFieldsColumnsAndTerms) {
  Product p = MakeProduct("p", "Blue kettle");
  p.brand = "Acme";
  p.price = 30;
  p.attributes = {{"color", "blue"}};
  p.tags = {"sale"};
  ASSERT_TRUE(index_->Upsert({p}).ok());
  ProductPatch patch;
  patch.price = 12.5;
  patch.title = "Steel kettle";
  patch.attributes = std::map<std::string, std::string>{};
  patch.tags = std::vector<std::string>{"new"};
  auto patched = index_->Patch("p", patch);
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ(patched->price, 12.5);
  EXPECT_EQ(patched->brand, "Acme") << "unset fields keep their value";
  EXPECT_EQ(*index_->Get("p"), *patched);
  EXPECT_EQ(Find(*index_, "steel").total_hits, 1u);
  EXPECT_EQ(Find(*index_, "blue").total_hits, 0u);
  EXPECT_EQ(Find(*index_, "", Cmp("price", CompareOp::kLt, "20")).total_hits, 1u);
  EXPECT_EQ(Find(*index_, "", Exists("color")).total_hits, 0u);
  EXPECT_EQ(Find(*index_, "", Eq("tags", "sale")).total_hits, 0u);
  SearchQuery facets;
  facets.facets = {"color", "tags", "price"};
  auto result = index_->Search(facets);
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result->facet_distribution.at("color").empty());
  ASSERT_EQ(result->facet_distribution.at("tags").size(), 1u);
  EXPECT_EQ(result->facet_distribution.at("tags")[0].value, "new");
  EXPECT_EQ(result->facet_stats.at("price").max, 12.5);
}

TEST_F(ProductIndexTest, PatchUnknownIdIsNotFoundAndEmptyPatchChangesNothing) {
  ProductPatch patch;
  patch.price = 1;
  EXPECT_EQ(index_->Patch("ghost", patch).status().code(), absl::StatusCode::kNotFound);
  const Product p = GenerateCatalog(1)[0];
  ASSERT_TRUE(index_->Upsert({p}).ok());
  auto same = index_->Patch(p.id, ProductPatch());
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(*same, p);
}

TEST_F(ProductIndexTest, ReopenKeepsDocumentsColumnsFacetsAndFilters) {
  const std::vector<Product> products = GenerateCatalog(300, 7);
  ASSERT_TRUE(index_->Upsert(products).ok());
  ASSERT_EQ(*index_->Delete({"sku-5"}), 1u);
  ProductPatch patch;
  patch.price = 1234;
  ASSERT_TRUE(index_->Patch("sku-6", patch).ok());

  SearchQuery query;
  query.text = "phone";
  query.filter = Or({Cmp("price", CompareOp::kGt, "100"), Eq("color", "red")});
  query.facets = {"brand", "category", "categories.lvl1", "color", "tags", "price"};
  query.sort = {SortSpec{SortField::kPopularity, true}};
  query.limit = 1000;
  auto before = index_->Search(query);
  ASSERT_TRUE(before.ok());
  const auto names_before = index_->AttributeNames();
  ASSERT_GT(before->total_hits, 5u);

  Reopen();
  EXPECT_EQ(index_->Stats().documents, 299u);
  EXPECT_EQ(index_->Get("sku-6")->price, 1234);
  EXPECT_EQ(index_->Get("sku-5").status().code(), absl::StatusCode::kNotFound);
  auto after = index_->Search(query);
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(HitIds(*after), HitIds(*before));
  EXPECT_EQ(after->total_hits, before->total_hits);
  EXPECT_EQ(after->facet_stats.at("price").max, before->facet_stats.at("price").max);
  for (const auto& [facet, values] : before->facet_distribution) {
    const auto& again = after->facet_distribution.at(facet);
    ASSERT_EQ(again.size(), values.size()) << facet;
    for (size_t i = 0; i < values.size(); ++i) {
      EXPECT_EQ(again[i].count, values[i].count) << facet;
      EXPECT_EQ(AsciiLower(again[i].value), AsciiLower(values[i].value)) << facet;
    }
  }
  EXPECT_EQ(index_->AttributeNames(), names_before);
  EXPECT_EQ(HitIds(Find(*index_, "", Cmp("price", CompareOp::kEq, "1234"))),
            std::vector<std::string>{"sku-6"});
  // And it keeps accepting writes.
  ASSERT_TRUE(index_->Upsert({MakeProduct("later", "Later lamp")}).ok());
  EXPECT_EQ(index_->Stats().documents, 300u);
}

// ---- Hidden (unpublished) products --------------------------------------

// A catalog where every third product is hidden, and its visible part.
struct HiddenCatalog {
  std::vector<Product> all;
  std::vector<Product> visible;
};

HiddenCatalog MakeHiddenCatalog(int n) {
  HiddenCatalog catalog;
  catalog.all = GenerateCatalog(n, 11);
  for (size_t i = 0; i < catalog.all.size(); ++i) {
    catalog.all[i].hidden = i % 3 == 0;
    if (!catalog.all[i].hidden) catalog.visible.push_back(catalog.all[i]);
  }
  return catalog;
}

// Lowercased facet value -> count, as the index reports it.
std::map<std::string, uint64_t> IndexFacetCounts(const SearchResult& result,
                                                 const std::string& facet) {
  std::map<std::string, uint64_t> counts;
  for (const auto& v : result.facet_distribution.at(facet)) counts[AsciiLower(v.value)] += v.count;
  return counts;
}

// Checks that searches see exactly the visible products: hits, exact and
// estimated totals, filters, facets, sorts and blends.
// `visible_only` indexes catalog.visible alone (the reference for text).
void ExpectOnlyVisibleProductsAreSearched(const ProductIndex& index, const HiddenCatalog& catalog,
                                          const ProductIndex& visible_only) {
  std::set<std::string> hidden_ids;
  for (const auto& p : catalog.all) {
    if (p.hidden) hidden_ids.insert(p.id);
  }
  ASSERT_FALSE(hidden_ids.empty());
  auto expect_no_hidden_hit = [&](const SearchResult& result, const std::string& what) {
    for (const auto& hit : result.hits) {
      EXPECT_EQ(hidden_ids.count(hit.product.id), 0u) << what << ": " << hit.product.id;
      EXPECT_FALSE(hit.product.hidden) << what;
      EXPECT_FALSE(hit.live.hidden) << what;
    }
  };
  // Empty query: browse with an exact total, and with the estimate.
  SearchResult browse = SearchAll(index, SearchQuery());
  EXPECT_EQ(browse.total_hits, catalog.visible.size());
  EXPECT_EQ(browse.hits.size(), catalog.visible.size());
  expect_no_hidden_hit(browse, "browse");
  SearchQuery page;
  page.limit = 5;
  auto estimated = index.Search(page);
  ASSERT_TRUE(estimated.ok()) << estimated.status();
  EXPECT_EQ(estimated->total_hits, catalog.visible.size());
  expect_no_hidden_hit(*estimated, "browse page");
  // Text: the same matches as an index of the visible products alone.
  SearchQuery phone;
  phone.text = "phone";
  const SearchResult text = SearchAll(index, phone);
  const SearchResult reference = SearchAll(visible_only, phone);
  EXPECT_GT(text.total_hits, 0u);
  EXPECT_EQ(text.total_hits, reference.total_hits);
  std::vector<std::string> text_ids = HitIds(text);
  std::vector<std::string> reference_ids = HitIds(reference);
  std::sort(text_ids.begin(), text_ids.end());
  std::sort(reference_ids.begin(), reference_ids.end());
  EXPECT_EQ(text_ids, reference_ids);
  expect_no_hidden_hit(text, "text");
  // Filter: exactly the visible matches of the reference semantics.
  const FilterNode filter = Or({Cmp("price", CompareOp::kGt, "100"), Eq("color", "red")});
  SearchQuery filtered;
  filtered.filter = filter;
  const SearchResult by_filter = SearchAll(index, filtered);
  std::vector<std::string> expected;
  for (const auto& p : catalog.visible) {
    if (Matches(filter, p)) expected.push_back(p.id);
  }
  std::vector<std::string> got = HitIds(by_filter);
  std::sort(got.begin(), got.end());
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(got, expected);
  EXPECT_EQ(by_filter.total_hits, expected.size());
  // Facets count only visible products.
  SearchQuery facets;
  facets.facets = {"brand", "color", "tags", "price"};
  facets.limit = 0;
  auto faceted = index.Search(facets);
  ASSERT_TRUE(faceted.ok()) << faceted.status();
  EXPECT_EQ(faceted->total_hits, catalog.visible.size());
  for (const std::string facet : {"brand", "color", "tags"}) {
    EXPECT_EQ(IndexFacetCounts(*faceted, facet), FacetCounts(catalog.visible, facet)) << facet;
  }
  double max_visible_price = 0;
  for (const auto& p : catalog.visible) max_visible_price = std::max(max_visible_price, p.price);
  EXPECT_EQ(faceted->facet_stats.at("price").max, max_visible_price);
  // Sorted and blended (with and without text).
  SearchQuery sorted;
  sorted.sort = {SortSpec{SortField::kPrice, false}};
  expect_no_hidden_hit(SearchAll(index, sorted), "sorted");
  ScoreBlend blend;
  blend.weights = {.relevance = 1, .availability = 0.3, .popularity = 0.1};
  blend.popularity_pivot = 10;
  SearchQuery blended;
  blended.blend = blend;
  const SearchResult blended_browse = SearchAll(index, blended);
  EXPECT_EQ(blended_browse.hits.size(), catalog.visible.size());
  expect_no_hidden_hit(blended_browse, "blended browse");
  blended.text = "phone";
  const SearchResult blended_text = SearchAll(index, blended);
  EXPECT_EQ(blended_text.hits.size(), text.hits.size());
  expect_no_hidden_hit(blended_text, "blended text");
}

TEST_F(ProductIndexTest, SearchNeverReturnsOrCountsHiddenProducts) {
  const HiddenCatalog catalog = MakeHiddenCatalog(300);
  ASSERT_TRUE(index_->Upsert(catalog.all).ok());
  const auto reference = OpenIndex(dir_.Sub("visible"));
  ASSERT_TRUE(reference->Upsert(catalog.visible).ok());
  ExpectOnlyVisibleProductsAreSearched(*index_, catalog, *reference);
}

TEST_F(ProductIndexTest, GetAndSignalsReturnHiddenProductsWithTheFlag) {
  Product p = MakeProduct("h", "Hidden kettle");
  p.hidden = true;
  ASSERT_TRUE(index_->Upsert({p, MakeProduct("v", "Visible kettle")}).ok());
  auto got = index_->Get("h");
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_TRUE(got->hidden);
  EXPECT_EQ(*got, p);
  auto signals = index_->Signals("h");
  ASSERT_TRUE(signals.ok()) << signals.status();
  EXPECT_TRUE(signals->hidden);
  EXPECT_FALSE(index_->Signals("v")->hidden);
  EXPECT_EQ(HitIds(Find(*index_, "kettle")), std::vector<std::string>{"v"});
}

TEST_F(ProductIndexTest, PatchHiddenFalseMakesAProductSearchableAndTrueHidesItAgain) {
  Product p = MakeProduct("p", "Copper kettle");
  p.hidden = true;
  ASSERT_TRUE(index_->Upsert({p}).ok());
  EXPECT_EQ(Find(*index_, "copper").total_hits, 0u);
  EXPECT_EQ(Find(*index_, "").total_hits, 0u);
  ProductPatch show;
  show.hidden = false;
  auto shown = index_->Patch("p", show);
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_FALSE(shown->hidden);
  EXPECT_EQ(HitIds(Find(*index_, "copper")), std::vector<std::string>{"p"});
  EXPECT_EQ(Find(*index_, "").total_hits, 1u);
  EXPECT_FALSE(index_->Signals("p")->hidden);
  ProductPatch hide;
  hide.hidden = true;
  ASSERT_TRUE(index_->Patch("p", hide).ok());
  EXPECT_EQ(Find(*index_, "copper").total_hits, 0u);
  EXPECT_EQ(Find(*index_, "").total_hits, 0u);
  EXPECT_TRUE(index_->Signals("p")->hidden);
  EXPECT_TRUE(index_->Get("p")->hidden);
  // An upsert without the flag publishes it again.
  ASSERT_TRUE(index_->Upsert({MakeProduct("p", "Copper kettle")}).ok());
  EXPECT_EQ(Find(*index_, "copper").total_hits, 1u);
  EXPECT_FALSE(index_->Signals("p")->hidden);
}

TEST_F(ProductIndexTest, HiddenSurvivesReopenWhenTheColumnsAreRebuilt) {
  const HiddenCatalog catalog = MakeHiddenCatalog(150);
  ASSERT_TRUE(index_->Upsert(catalog.all).ok());
  Reopen();
  for (const auto& p : catalog.all) {
    auto got = index_->Get(p.id);
    ASSERT_TRUE(got.ok()) << got.status();
    EXPECT_EQ(got->hidden, p.hidden) << p.id;
    auto signals = index_->Signals(p.id);
    ASSERT_TRUE(signals.ok()) << signals.status();
    EXPECT_EQ(signals->hidden, p.hidden) << p.id;
  }
  const auto reference = OpenIndex(dir_.Sub("visible"));
  ASSERT_TRUE(reference->Upsert(catalog.visible).ok());
  ExpectOnlyVisibleProductsAreSearched(*index_, catalog, *reference);
}

TEST_F(ProductIndexTest, ScanVisitsHiddenProductsAndFlagsThem) {
  Product p = MakeProduct("h", "Hidden lamp");
  p.hidden = true;
  ASSERT_TRUE(index_->Upsert({p, MakeProduct("v", "Visible lamp")}).ok());
  ScanCursor cursor;
  auto page = index_->Scan(&cursor, 10);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->size(), 2u);
  for (const Hit& hit : *page) {
    EXPECT_EQ(hit.product.hidden, hit.product.id == "h");
    EXPECT_EQ(hit.live.hidden, hit.product.id == "h");
  }
}

TEST_F(ProductIndexTest, TitleMatchOutranksDescriptionMatch) {
  // The description-only product goes in first, so docid order alone would
  // put it first.
  ASSERT_TRUE(index_
                  ->Upsert({MakeProduct("desc", "Garden hose", "A zebra pattern garden hose"),
                            MakeProduct("title", "Zebra lamp", "A lamp for the garden"),
                            MakeProduct("neither", "Garden chair", "Nothing else")})
                  .ok());
  const auto result = Find(*index_, "zebra");
  ASSERT_EQ(HitIds(result), (std::vector<std::string>{"title", "desc"}));
  EXPECT_GT(result.hits[0].score, result.hits[1].score);
  EXPECT_GT(result.hits[1].score, 0);
}

TEST_F(ProductIndexTest, BrandAndCategoryMatchesOutrankDescriptionMatches) {
  Product by_brand = MakeProduct("brand", "Thing one");
  by_brand.brand = "Nimbus";
  Product by_category = MakeProduct("category", "Thing two");
  by_category.categories = {"Nimbus"};
  ASSERT_TRUE(
      index_->Upsert({MakeProduct("desc", "Thing three", "nimbus"), by_category, by_brand}).ok());
  EXPECT_EQ(HitIds(Find(*index_, "nimbus")),
            (std::vector<std::string>{"brand", "category", "desc"}));
}

TEST_F(ProductIndexTest, StemmingMatchesInflections) {
  ASSERT_TRUE(index_
                  ->Upsert({MakeProduct("phone", "Phone stand"), MakeProduct("run", "Run tracker"),
                            MakeProduct("other", "Table")})
                  .ok());
  EXPECT_EQ(HitIds(Find(*index_, "phones")), std::vector<std::string>{"phone"});
  EXPECT_EQ(HitIds(Find(*index_, "Phones")), std::vector<std::string>{"phone"});
  EXPECT_EQ(HitIds(Find(*index_, "running")), std::vector<std::string>{"run"});
  EXPECT_EQ(HitIds(Find(*index_, "RUNS")), std::vector<std::string>{"run"});
}

TEST_F(ProductIndexTest, EveryWordMustMatchAndSyntaxIsPlainText) {
  ASSERT_TRUE(index_
                  ->Upsert({MakeProduct("sp", "Salt and pepper grinder"),
                            MakeProduct("s", "Salt block"), MakeProduct("p", "Pepper spray")})
                  .ok());
  EXPECT_EQ(HitIds(Find(*index_, "salt pepper")), std::vector<std::string>{"sp"});
  EXPECT_EQ(HitIds(Find(*index_, "salt AND pepper")), std::vector<std::string>{"sp"});
  EXPECT_EQ(HitIds(Find(*index_, "\"salt\" -pepper")), std::vector<std::string>{"sp"});
  EXPECT_EQ(HitIds(Find(*index_, "salt OR spray")), std::vector<std::string>{});
  EXPECT_EQ(HitIds(Find(*index_, "pepper*")).size(), 2u);
  EXPECT_EQ(Find(*index_, "...").total_hits, 3u) << "no words: everything";
}

TEST_F(ProductIndexTest, LongIdsAndValuesWork) {
  Product p = MakeProduct(std::string(256, 'i'), "Long one");
  p.brand = std::string(300, 'B') + "x";
  p.attributes = {{"note", std::string(500, 'n')}};
  Product q = MakeProduct(std::string(255, 'i') + "j", "Long two");
  q.brand = std::string(300, 'B') + "y";
  ASSERT_TRUE(index_->Upsert({p, q}).ok());
  EXPECT_EQ(index_->Get(p.id)->title, "Long one");
  EXPECT_EQ(index_->Get(q.id)->title, "Long two");
  EXPECT_EQ(HitIds(Find(*index_, "", Eq("brand", std::string(300, 'b') + "X"))),
            std::vector<std::string>{p.id});
  EXPECT_EQ(HitIds(Find(*index_, "", Eq("note", std::string(500, 'N')))),
            std::vector<std::string>{p.id});
  EXPECT_EQ(*index_->Delete({p.id}), 1u);
  EXPECT_EQ(index_->Get(q.id)->title, "Long two");
}

TEST_F(ProductIndexTest, BigUpsertIsPipelinedAndComplete) {
  const std::vector<Product> products = GenerateCatalog(2500, 3);
  ASSERT_TRUE(index_->Upsert(products).ok());
  EXPECT_EQ(index_->Stats().documents, 2500u);
  EXPECT_EQ(index_->Get("sku-2499")->title, products.back().title);
  EXPECT_EQ(Find(*index_, "").total_hits, 2500u);
}

TEST(ProductIndexCommits, SmallMaxDocsPerCommitSplitsCommits) {
  testing::TempDir dir;
  auto index = OpenIndex(dir.Sub("index"), /*max_docs_per_commit=*/100);
  ASSERT_NE(index, nullptr);
  const uint64_t before = index->Stats().commits;
  ASSERT_TRUE(index->Upsert(GenerateCatalog(2500)).ok());
  EXPECT_GE(index->Stats().commits - before, 3u) << "chunks of 1000 > 100: one commit each";
  EXPECT_EQ(index->Stats().documents, 2500u);
}

TEST_F(ProductIndexTest, StatsCountCommitsAndGenerations) {
  const IndexStats start = index_->Stats();
  ASSERT_TRUE(index_->Upsert({MakeProduct("a", "A")}).ok());
  ASSERT_TRUE(index_->Upsert({MakeProduct("b", "B")}).ok());
  const IndexStats end = index_->Stats();
  EXPECT_EQ(end.commits - start.commits, 2u);
  EXPECT_EQ(end.generation - start.generation, 2u);
  EXPECT_EQ(end.documents, 2u);
}

TEST_F(ProductIndexTest, AttributeNamesListsDisplayNamesOnce) {
  Product a = MakeProduct("a", "A");
  a.attributes = {{"Color", "red"}, {"size", "M"}};
  Product b = MakeProduct("b", "B");
  b.attributes = {{"color", "blue"}};
  ASSERT_TRUE(index_->Upsert({a, b}).ok());
  EXPECT_EQ(index_->AttributeNames(), (std::vector<std::string>{"Color", "size"}));
  EXPECT_EQ(Find(*index_, "", Eq("attributes.COLOR", "Blue")).total_hits, 1u);
}

TEST_F(ProductIndexTest, ClosedIndexRejectsWritesButStillReads) {
  ASSERT_TRUE(index_->Upsert({MakeProduct("a", "Apple")}).ok());
  ASSERT_TRUE(index_->Close().ok());
  EXPECT_TRUE(index_->Close().ok()) << "idempotent";
  EXPECT_EQ(index_->Upsert({MakeProduct("b", "Banana")}).code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(index_->Upsert(GenerateCatalog(1500)).code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(index_->Delete({"a"}).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(index_->Patch("a", ProductPatch()).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(index_->Get("a")->title, "Apple");
  EXPECT_EQ(Find(*index_, "apple").total_hits, 1u);
}

TEST_F(ProductIndexTest, SecondWriterOnTheSamePathIsRefused) {
  IndexOptions options;
  options.path = path();
  auto second = ProductIndex::Open(options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), absl::StatusCode::kFailedPrecondition) << second.status();
}

TEST(ProductIndexOpen, RejectsAnEmptyPathAndAFile) {
  IndexOptions options;
  auto index = ProductIndex::Open(options);
  EXPECT_EQ(index.status().code(), absl::StatusCode::kInvalidArgument);
  testing::TempDir dir;
  options.path = dir.Sub("file");
  std::ofstream(options.path) << "not a database";
  index = ProductIndex::Open(options);
  EXPECT_FALSE(index.ok());
}

TEST_F(ProductIndexTest, ScanVisitsEveryProductOnceInPagesWithLivePrices) {
  std::vector<Product> products = GenerateCatalog(25);
  ASSERT_TRUE(index_->Upsert(products).ok());
  ASSERT_TRUE(index_->Delete({products[3].id}).ok());
  auto updated = index_->UpdateSignals({{.product_id = products[5].id, .price = 1.25}});
  ASSERT_TRUE(updated.ok() && updated->applied == 1);

  ScanCursor cursor;
  std::map<std::string, Hit> seen;
  int pages = 0;
  while (!cursor.done) {
    auto page = index_->Scan(&cursor, 7);
    ASSERT_TRUE(page.ok()) << page.status();
    ASSERT_LE(page->size(), 7u);
    for (Hit& hit : *page) {
      EXPECT_TRUE(seen.emplace(hit.product.id, hit).second) << hit.product.id << " twice";
    }
    ASSERT_LT(++pages, 10) << "the scan must end";
  }
  EXPECT_EQ(seen.size(), 24u);
  EXPECT_EQ(seen.count(products[3].id), 0u) << "deleted";
  EXPECT_DOUBLE_EQ(seen.at(products[5].id).product.price, 1.25);
  EXPECT_DOUBLE_EQ(seen.at(products[5].id).live.base_price, products[5].price);
  EXPECT_EQ(seen.at(products[7].id).product.title, products[7].title);
  // A finished cursor stays finished; a zero limit returns nothing.
  auto after = index_->Scan(&cursor, 7);
  ASSERT_TRUE(after.ok());
  EXPECT_TRUE(after->empty());
  ScanCursor fresh;
  auto none = index_->Scan(&fresh, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  EXPECT_FALSE(fresh.done);
}

TEST(ProductIndexOpen, CreatesMissingParentDirectories) {
  testing::TempDir dir;
  auto index = OpenIndex(dir.Sub("a/b/c"));
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->Stats().documents, 0u);
  auto result = index->Search(SearchQuery());
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->total_hits, 0u);
}

}  // namespace
}  // namespace aisle::index::test
