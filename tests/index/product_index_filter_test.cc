// Filters against the brute-force reference over a generated catalog.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "index/product_index.h"
#include "tests/index/catalog_fixture.h"

namespace aisle::index::test {
namespace {

using FilterTest = CatalogIndexTest;

struct Case {
  std::string name;
  FilterNode filter;
  std::string text;
};

// Numbers are drawn from the catalog so that = and IN select something.
std::vector<Case> Cases(const std::vector<Product>& catalog) {
  using Op = CompareOp;
  const std::string price0 = std::to_string(catalog[0].price);
  const std::string price1 = std::to_string(catalog[1].price);
  return {
      // Strings: = != IN EXISTS, case-insensitive values and attribute names.
      {"brand =", Eq("brand", "acme"), ""},
      {"brand = mixed case", Eq("brand", "InItEcH"), ""},
      {"brand !=", Cmp("brand", Op::kNe, "Acme"), ""},
      {"brand IN", In("brand", {"Globex", "hooli", "nobody"}), ""},
      {"brand EXISTS", Exists("brand"), ""},
      {"NOT brand EXISTS", Not(Exists("brand")), ""},
      {"brand = unknown value", Eq("brand", "Nobody"), ""},
      {"category any level", Eq("category", "phones"), ""},
      {"category root", Eq("category", "ELECTRONICS"), ""},
      {"category repeated name", Eq("category", "books"), ""},
      {"category EXISTS", Exists("category"), ""},
      {"category IN", In("category", {"Audio", "Garden"}), ""},
      {"lvl0", Eq("categories.lvl0", "Home"), ""},
      {"lvl1", Eq("categories.lvl1", "Electronics > Phones"), ""},
      {"lvl2", Eq("categories.lvl2", "electronics > audio > headphones"), ""},
      {"lvl3 EXISTS", Exists("categories.lvl3"), ""},
      {"lvl1 !=", Cmp("categories.lvl1", Op::kNe, "Home > Kitchen"), ""},
      {"tags =", Eq("tags", "sale"), ""},
      {"tags = case", Eq("tags", "eco"), ""},
      {"tags !=", Cmp("tags", Op::kNe, "new"), ""},
      {"tags IN", In("tags", {"gift", "limited"}), ""},
      {"tags EXISTS", Exists("tags"), ""},
      {"attribute bare", Eq("color", "red"), ""},
      {"attribute prefixed", Eq("attributes.color", "BLUE"), ""},
      {"attribute name case", Eq("material", "steel"), ""},
      {"attribute !=", Cmp("size", Op::kNe, "M"), ""},
      {"attribute IN", In("size", {"S", "XL"}), ""},
      {"attribute EXISTS", Exists("attributes.material"), ""},
      {"attribute NOT EXISTS", Not(Exists("color")), ""},
      {"id =", Eq("id", "sku-17"), ""},
      {"id IN", In("id", {"sku-1", "sku-499", "SKU-2", "missing"}), ""},
      {"id !=", Cmp("id", Op::kNe, "sku-3"), ""},
      {"number literal on a string field", Eq("size", "42"), ""},
      // Numbers: = != < <= > >= TO IN EXISTS.
      {"price =", Cmp("price", Op::kEq, price0), ""},
      {"price !=", Cmp("price", Op::kNe, price0), ""},
      {"price <", Cmp("price", Op::kLt, "20"), ""},
      {"price <=", Cmp("price", Op::kLe, "20.5"), ""},
      {"price >", Cmp("price", Op::kGt, "180"), ""},
      {"price >=", Cmp("price", Op::kGe, "180.05"), ""},
      {"price TO", Range("price", "10", "30"), ""},
      {"price TO empty", Range("price", "30", "10"), ""},
      {"price IN", In("price", {price0, price1, "0.01"}), ""},
      {"price EXISTS", Exists("price"), ""},
      {"rating >=", Cmp("rating", Op::kGe, "4.5"), ""},
      {"rating = 0", Cmp("rating", Op::kEq, "0"), ""},
      {"popularity <", Cmp("popularity", Op::kLt, "5"), ""},
      {"popularity TO", Range("popularity", "10", "12"), ""},
      {"createdAt >", Cmp("createdAt", Op::kGt, "1610000000"), ""},
      {"createdAt TO", Range("createdAt", "1600000000", "1605000000"), ""},
      {"NOT price <", Not(Cmp("price", Op::kLt, "100")), ""},
      {"negative literal", Cmp("price", Op::kGt, "-1"), ""},
      // Combinations and nesting.
      {"AND", And({Eq("brand", "acme"), Cmp("price", Op::kLt, "100")}), ""},
      {"OR", Or({Eq("tags", "new"), Cmp("rating", Op::kEq, "5")}), ""},
      {"AND of three",
       And({Exists("color"), Range("price", "20", "150"), Cmp("tags", Op::kNe, "sale")}), ""},
      {"nested",
       Or({And({Eq("category", "audio"), Not(Eq("color", "black"))}),
           And({In("brand", {"Globex", "Hooli"}), Cmp("popularity", Op::kGe, "25")}),
           Not(Or({Exists("categories.lvl0"), Cmp("price", Op::kLt, "150")}))}),
       ""},
      {"NOT AND", Not(And({Eq("brand", "acme"), Exists("tags")})), ""},
      {"NOT NOT", Not(Not(Eq("size", "L"))), ""},
      {"OR of numbers only", Or({Cmp("price", Op::kLt, "5"), Cmp("price", Op::kGt, "195")}), ""},
      // With text.
      {"text + brand", Eq("brand", "acme"), "phone"},
      {"text + price", Cmp("price", Op::kLe, "100"), "red"},
      {"text + NOT", Not(Eq("color", "red")), "red"},
  };
}

// Whole words of every text field; "phone" also matches "phones" (the only
// inflection the generated catalog needs).
bool TextMatches(const Product& p, const std::string& text) {
  if (text.empty()) return true;
  std::string all = p.title + " " + p.description + " " + p.brand;
  for (const auto& c : p.categories) all += " " + c;
  for (const auto& [k, v] : p.attributes) all += " " + v;
  for (const auto& t : p.tags) all += " " + t;
  std::istringstream words(AsciiLower(all));
  std::string word;
  while (words >> word) {
    if (word == text || word == text + "s") return true;
  }
  return false;
}

TEST_F(FilterTest, EveryOperatorMatchesTheBruteForceReference) {
  for (const Case& c : Cases(catalog())) {
    SCOPED_TRACE(c.name);
    SearchQuery query;
    query.text = c.text;
    query.filter = c.filter;
    const SearchResult result = SearchAll(index(), query);
    const std::vector<std::string> expected = ReferenceIds(
        [&](const Product& p) { return TextMatches(p, c.text) && Matches(c.filter, p); });
    std::vector<std::string> got = HitIds(result);
    const std::set<std::string> got_set(got.begin(), got.end());
    EXPECT_EQ(got_set, std::set<std::string>(expected.begin(), expected.end()));
    EXPECT_EQ(got.size(), got_set.size()) << "no duplicates";
    EXPECT_EQ(result.total_hits, expected.size());
    EXPECT_TRUE(result.total_exact);
  }
}

TEST_F(FilterTest, TheCasesAreNotTrivial) {
  // A reference that selects nothing or everything would prove little; five
  // cases do so on purpose (unknown value, a number on a string field, an
  // empty range, price EXISTS, price > -1).
  std::string trivial;
  for (const Case& c : Cases(catalog())) {
    const auto n = ReferenceIds([&](const Product& p) { return Matches(c.filter, p); }).size();
    if (n == 0 || n == catalog().size()) trivial += c.name + "; ";
  }
  EXPECT_EQ(trivial,
            "brand = unknown value; number literal on a string field; price TO empty; "
            "price EXISTS; negative literal; ");
}

TEST_F(FilterTest, CategoryPathLiteralsAreNormalized) {
  SearchQuery spaced;
  spaced.filter = Eq("categories.lvl1", "Electronics > Phones");
  SearchQuery tight;
  tight.filter = Eq("categories.lvl1", " electronics>PHONES ");
  const auto a = SearchAll(index(), spaced);
  const auto b = SearchAll(index(), tight);
  EXPECT_GT(a.total_hits, 0u);
  EXPECT_EQ(HitIds(a), HitIds(b));
}

TEST_F(FilterTest, UnknownAttributeIsInvalidArgumentWithPosition) {
  SearchQuery query;
  query.filter = And({Eq("brand", "acme"), Cmp("colour", CompareOp::kEq, "red", 17)});
  auto result = index().Search(query);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(std::string(result.status().message()).find("unknown filter attribute 'colour'"),
            std::string::npos)
      << result.status();
  EXPECT_EQ(ErrorField(result.status()), "filter");
  EXPECT_EQ(ErrorPosition(result.status()), 17u);
}

TEST_F(FilterTest, TitleAndDescriptionAreNotFilterable) {
  for (const char* field : {"title", "description", "categories.lvl5", "attributes."}) {
    SearchQuery query;
    query.filter = Cmp(field, CompareOp::kEq, "x", 3);
    auto result = index().Search(query);
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_EQ(ErrorPosition(result.status()), 3u) << field;
  }
}

TEST_F(FilterTest, NonNumberOnANumericFieldIsInvalidArgumentWithPosition) {
  for (const char* literal : {"cheap", "", "12abc", "nan", "1e"}) {
    SearchQuery query;
    query.filter = Or({Eq("brand", "acme"), Cmp("price", CompareOp::kGt, literal, 22)});
    auto result = index().Search(query);
    ASSERT_FALSE(result.ok()) << literal;
    EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_EQ(ErrorField(result.status()), "filter");
    EXPECT_EQ(ErrorPosition(result.status()), 22u);
  }
  FilterNode range = Range("rating", "1", "high");
  range.position = 5;
  SearchQuery query;
  query.filter = range;
  EXPECT_EQ(ErrorPosition(index().Search(query).status()), 5u);
  FilterNode in = In("popularity", {"1", "many"});
  in.position = 8;
  query.filter = in;
  EXPECT_EQ(ErrorPosition(index().Search(query).status()), 8u);
}

TEST_F(FilterTest, OrderingOperatorsAndRangesNeedANumericField) {
  SearchQuery query;
  query.filter = Cmp("brand", CompareOp::kLt, "m", 2);
  auto result = index().Search(query);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorPosition(result.status()), 2u);
  FilterNode range = Range("color", "a", "b");
  range.position = 6;
  query.filter = range;
  result = index().Search(query);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorPosition(result.status()), 6u);
}

TEST_F(FilterTest, EmptyInMatchesNothing) {
  SearchQuery query;
  query.filter = In("brand", {});
  EXPECT_EQ(SearchAll(index(), query).total_hits, 0u);
  query.filter = Not(In("brand", {}));
  EXPECT_EQ(SearchAll(index(), query).total_hits, catalog().size());
}

}  // namespace
}  // namespace aisle::index::test
