#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "index/document_builder_internal.h"
#include "proto/product_codec.h"

namespace aisle::index::internal {
namespace {

std::map<std::string, Xapian::termcount> Terms(const Xapian::Document& doc) {
  std::map<std::string, Xapian::termcount> terms;
  for (auto it = doc.termlist_begin(); it != doc.termlist_end(); ++it) terms[*it] = it.get_wdf();
  return terms;
}

std::set<std::string> QueryTerms(const Xapian::Query& query) {
  return {query.get_unique_terms_begin(), query.get_unique_terms_end()};
}

Product Sample() {
  Product p;
  p.id = "SKU-1";
  p.title = "Running Shoes";
  p.description = "Light shoes for trails";
  p.brand = "Acme Sports";
  p.categories = {"Sport", "Footwear", "Trail Shoes"};
  p.attributes = {{"Color", "Deep Red"}, {"size", "42"}};
  p.price = 89.5;
  p.rating = 4.5;
  p.popularity = 12;
  p.created_at = 1700000000;
  p.tags = {"Sale", "new"};
  p.image_url = "https://example.com/s.jpg";
  return p;
}

TEST(DocumentBuilder, AddsBooleanTermsForEveryFilterableField) {
  DocumentBuilder builder;
  const PreparedDoc doc = builder.Build(Sample());
  const auto terms = Terms(doc.document);
  EXPECT_EQ(doc.id_term, "QSKU-1");
  for (const char* term : {"QSKU-1",
                           "XBacme sports",
                           "XCsport",
                           "XCfootwear",
                           "XCtrail shoes",
                           "XL0:sport",
                           "XL1:sport > footwear",
                           "XL2:sport > footwear > trail shoes",
                           "XTsale",
                           "XTnew",
                           "XAcolor=deep red",
                           "XAsize=42",
                           "XEbrand",
                           "XEcategories",
                           "XEcategories.lvl0",
                           "XEcategories.lvl2",
                           "XEtags",
                           "XEdescription",
                           "XEimage",
                           "XEattributes.color",
                           "XEattributes.size"}) {
    ASSERT_TRUE(terms.count(term)) << term;
    EXPECT_EQ(terms.at(term), 0u) << term << " is boolean";
  }
  EXPECT_FALSE(terms.count("XEcategories.lvl3"));
}

TEST(DocumentBuilder, WeightsFieldsThroughWdf) {
  DocumentBuilder builder;
  const auto terms = Terms(builder.Build(Sample()).document);
  // Only stemmed "Z" terms are indexed (STEM_ALL_Z).
  EXPECT_FALSE(terms.count("running"));
  EXPECT_EQ(terms.at("Zrun"), kTitleWdf);
  EXPECT_EQ(terms.at("Zacm"), kBrandWdf);
  EXPECT_EQ(terms.at("Zfootwear"), kCategoryWdf);
  EXPECT_EQ(terms.at("Zdeep"), kAttributeWdf);
  EXPECT_EQ(terms.at("Zsale"), kTagWdf);
  EXPECT_EQ(terms.at("Zlight"), kDescriptionWdf);
  // "shoes" is in the title, a category and the description.
  EXPECT_EQ(terms.at("Zshoe"), kTitleWdf + kCategoryWdf + kDescriptionWdf);
  EXPECT_TRUE(terms.count("Z42")) << "a number stems to itself";
}

TEST(DocumentBuilder, StoresProductDataValuesAndFacetRow) {
  DocumentBuilder builder;
  const Product sample = Sample();
  const PreparedDoc doc = builder.Build(sample);
  auto back = proto::ParseProduct(doc.document.get_data());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*back, sample);
  EXPECT_EQ(Xapian::sortable_unserialise(doc.document.get_value(kPriceSlot)), 89.5);
  EXPECT_EQ(Xapian::sortable_unserialise(doc.document.get_value(kRatingSlot)), 4.5);
  EXPECT_EQ(Xapian::sortable_unserialise(doc.document.get_value(kPopularitySlot)), 12);
  EXPECT_EQ(Xapian::sortable_unserialise(doc.document.get_value(kCreatedAtSlot)), 1700000000);
  ColumnRow row;
  ASSERT_TRUE(DecodeFacetRow(doc.document.get_value(kFacetSlot), &row));
  EXPECT_EQ(row.brand, "Acme Sports");
  EXPECT_EQ(row.categories, sample.categories);
  ASSERT_EQ(row.attributes.size(), 2u);
  EXPECT_EQ(row.attributes[0], (std::pair<std::string, std::string>("Color", "Deep Red")));
  EXPECT_EQ(row.tags, sample.tags);
  EXPECT_EQ(doc.row.price, 89.5);
  EXPECT_EQ(doc.row.created_at, 1700000000);
}

TEST(DocumentBuilder, LeavesOutMarkersOfAbsentFields) {
  DocumentBuilder builder;
  Product p;
  p.id = "bare";
  p.title = "Bare";
  const auto terms = Terms(builder.Build(p).document);
  for (const auto& [term, wdf] : terms) {
    EXPECT_NE(term.rfind("XE", 0), 0u) << term;
  }
  EXPECT_TRUE(terms.count("Qbare"));
}

TEST(FacetRow, RoundTripsAndRejectsGarbage) {
  ColumnRow row;
  row.brand = std::string(300, 'b');
  row.categories = {"", "x"};
  row.attributes = {{"k", ""}};
  row.tags = {"t"};
  ColumnRow back;
  ASSERT_TRUE(DecodeFacetRow(EncodeFacetRow(row), &back));
  EXPECT_EQ(back.brand, row.brand);
  EXPECT_EQ(back.categories, row.categories);
  EXPECT_EQ(back.attributes, row.attributes);
  EXPECT_EQ(back.tags, row.tags);
  EXPECT_FALSE(DecodeFacetRow("", &back));
  EXPECT_FALSE(DecodeFacetRow("\x07garbage", &back));
  std::string truncated = EncodeFacetRow(row);
  truncated.pop_back();
  EXPECT_FALSE(DecodeFacetRow(truncated, &back));
  EXPECT_FALSE(DecodeFacetRow(EncodeFacetRow(row) + "x", &back));
}

TEST(Terms, LongValuesAreHashedDeterministicallyWithinXapiansLimit) {
  const std::string a = std::string(400, 'a') + "1";
  const std::string b = std::string(400, 'a') + "2";
  const std::string ta = MakeTerm("XB", a);
  EXPECT_LE(ta.size(), 245u);
  EXPECT_EQ(ta, MakeTerm("XB", a));
  EXPECT_NE(ta, MakeTerm("XB", b));
  EXPECT_EQ(ta.rfind("XBaaaa", 0), 0u);
  EXPECT_EQ(MakeTerm("XB", "short"), "XBshort");
  EXPECT_LE(IdTerm(std::string(256, 'i')).size(), 245u);
}

TEST(Terms, LowercaseMatchesXapianIncludingNonAscii) {
  EXPECT_EQ(Lower("AbC-9"), "abc-9");
  EXPECT_EQ(Lower("\xC3\x89TAGE"), "\xC3\xA9tage");  // ÉTAGE -> étage
  EXPECT_EQ(BrandTerm("ACME"), "XBacme");
  EXPECT_EQ(AttributeTerm("Color", "RED"), "XAcolor=red");
}

TEST(Terms, CanonicalCategoryPathTrimsAndLowercases) {
  EXPECT_EQ(CanonicalCategoryPath("Electronics > Phones"), "electronics > phones");
  EXPECT_EQ(CanonicalCategoryPath(" Electronics>Phones  >Smart "), "electronics > phones > smart");
  EXPECT_EQ(CanonicalCategoryPath("Single"), "single");
  EXPECT_EQ(CategoryPath({"A", "B", "C"}, 1), "A > B");
  EXPECT_EQ(CategoryPath({"A"}, 3), "A");
}

TEST(QueryTokenizer, StemsEveryWordAndIgnoresQuerySyntax) {
  QueryTokenizer tokenizer;
  auto query = tokenizer.Parse("Phones RUNNING 4K \"red\" -blue AND");
  ASSERT_TRUE(query.has_value());
  EXPECT_EQ(QueryTerms(*query),
            (std::set<std::string>{"Zphone", "Zrun", "Z4k", "Zred", "Zblue", "Zand"}));
  EXPECT_EQ(query->get_type(), Xapian::Query::OP_AND);
}

TEST(QueryTokenizer, ReturnsNulloptWithoutWords) {
  QueryTokenizer tokenizer;
  EXPECT_FALSE(tokenizer.Parse("").has_value());
  EXPECT_FALSE(tokenizer.Parse("  --  !! ").has_value());
}

}  // namespace
}  // namespace aisle::index::internal
