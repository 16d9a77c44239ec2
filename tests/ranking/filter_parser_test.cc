#include "ranking/filter_parser.h"

#include <gtest/gtest.h>

#include <string>

namespace aisle::ranking {
namespace {

using index::CompareOp;
using index::FilterNode;
using Kind = FilterNode::Kind;

// Renders a tree in a compact prefix form so expectations read easily.
std::string Show(const FilterNode& n) {
  auto op = [](CompareOp o) {
    switch (o) {
      case CompareOp::kEq:
        return "=";
      case CompareOp::kNe:
        return "!=";
      case CompareOp::kLt:
        return "<";
      case CompareOp::kLe:
        return "<=";
      case CompareOp::kGt:
        return ">";
      case CompareOp::kGe:
        return ">=";
    }
    return "?";
  };
  auto join = [&](const char* name) {
    std::string s = std::string(name) + "(";
    for (size_t i = 0; i < n.children.size(); ++i) s += (i ? "," : "") + Show(n.children[i]);
    return s + ")";
  };
  switch (n.kind) {
    case Kind::kAnd:
      return join("AND");
    case Kind::kOr:
      return join("OR");
    case Kind::kNot:
      return join("NOT");
    case Kind::kCompare:
      return n.field + op(n.op) + n.values[0];
    case Kind::kRange:
      return n.field + "[" + n.values[0] + ".." + n.values[1] + "]";
    case Kind::kExists:
      return n.field + "?";
    case Kind::kIn: {
      std::string s = n.field + " IN{";
      for (size_t i = 0; i < n.values.size(); ++i) s += (i ? "|" : "") + n.values[i];
      return s + "}";
    }
  }
  return "?";
}

std::string Parsed(std::string_view source) {
  auto node = ParseFilter(source);
  if (!node.ok()) return "error: " + std::string(node.status().message());
  return Show(*node);
}

size_t ErrorAt(std::string_view source) {
  auto node = ParseFilter(source);
  EXPECT_FALSE(node.ok()) << source;
  if (node.ok()) return SIZE_MAX;
  EXPECT_EQ(ErrorField(node.status()), "filter");
  return ErrorPosition(node.status()).value_or(SIZE_MAX);
}

TEST(FilterParser, ParsesEveryComparisonOperator) {
  EXPECT_EQ(Parsed("brand = Apple"), "brand=Apple");
  EXPECT_EQ(Parsed("brand != Apple"), "brand!=Apple");
  EXPECT_EQ(Parsed("price > 10"), "price>10");
  EXPECT_EQ(Parsed("price >= 10.5"), "price>=10.5");
  EXPECT_EQ(Parsed("price<10"), "price<10");
  EXPECT_EQ(Parsed("price<=10"), "price<=10");
}

TEST(FilterParser, ParsesRangesInListsAndExists) {
  EXPECT_EQ(Parsed("price 100 TO 500"), "price[100..500]");
  EXPECT_EQ(Parsed("category IN [phones, tablets]"), "category IN{phones|tablets}");
  EXPECT_EQ(Parsed("category NOT IN [a]"), "NOT(category IN{a})");
  EXPECT_EQ(Parsed("color EXISTS"), "color?");
  EXPECT_EQ(Parsed("color NOT EXISTS"), "NOT(color?)");
}

TEST(FilterParser, AndBindsTighterThanOr) {
  EXPECT_EQ(Parsed("a = 1 OR b = 2 AND c = 3"), "OR(a=1,AND(b=2,c=3))");
  EXPECT_EQ(Parsed("(a = 1 OR b = 2) AND c = 3"), "AND(OR(a=1,b=2),c=3)");
  EXPECT_EQ(Parsed("a = 1 AND b = 2 AND c = 3"), "AND(a=1,b=2,c=3)");
  EXPECT_EQ(Parsed("NOT inStock = false"), "NOT(inStock=false)");
  EXPECT_EQ(Parsed("NOT (a = 1 OR b = 2)"), "NOT(OR(a=1,b=2))");
}

TEST(FilterParser, KeywordsAreCaseInsensitive) {
  EXPECT_EQ(Parsed("a = 1 and b in [x] or not c exists"), "OR(AND(a=1,b IN{x}),NOT(c?))");
}

TEST(FilterParser, QuotedValuesKeepSpacesAndEscapes) {
  EXPECT_EQ(Parsed("brand = 'AT&T GoPhone'"), "brand=AT&T GoPhone");
  EXPECT_EQ(Parsed("title = \"say \\\"hi\\\"\""), "title=say \"hi\"");
  EXPECT_EQ(Parsed("'categories.lvl0' = \"Home & Garden\""), "categories.lvl0=Home & Garden");
  EXPECT_EQ(Parsed("brand = 'caf\xC3\xA9'"), "brand=caf\xC3\xA9");
}

TEST(FilterParser, ReportsThePositionOfSyntaxErrors) {
  EXPECT_EQ(ErrorAt("brand ="), 7u);             // Missing value at the end.
  EXPECT_EQ(ErrorAt("brand = Apple AND"), 17u);  // Dangling AND.
  EXPECT_EQ(ErrorAt("(brand = Apple"), 14u);     // Missing ')'.
  EXPECT_EQ(ErrorAt("brand = Apple)"), 13u);     // Stray ')'.
  EXPECT_EQ(ErrorAt("price 10 500"), 9u);        // Range without TO.
  EXPECT_EQ(ErrorAt("brand IN phones"), 9u);     // IN without '['.
  EXPECT_EQ(ErrorAt("brand IN [a b]"), 12u);     // Missing comma.
  EXPECT_EQ(ErrorAt("brand = 'open"), 8u);       // Unterminated string.
  EXPECT_EQ(ErrorAt("brand ! Apple"), 6u);       // Lone '!'.
  EXPECT_EQ(ErrorAt("= Apple"), 0u);             // No attribute.
  EXPECT_EQ(ErrorAt(""), 0u);
  EXPECT_EQ(ErrorAt("   "), 0u);
}

TEST(FilterParser, ErrorMessageNamesPositionAndExpectation) {
  auto node = ParseFilter("price >");
  ASSERT_FALSE(node.ok());
  EXPECT_EQ(std::string(node.status().message()),
            "filter syntax error at position 7: expected a value after '>'");
}

TEST(FilterParser, RecordsClausePositionsForLaterFieldErrors) {
  auto node = ParseFilter("brand = A AND  colour = red");
  ASSERT_TRUE(node.ok());
  ASSERT_EQ(node->children.size(), 2u);
  EXPECT_EQ(node->children[0].position, 0u);
  EXPECT_EQ(node->children[1].position, 15u);
}

TEST(FilterParser, RejectsOverlongDeepAndHugeExpressions) {
  FilterParserOptions options;
  options.max_length = 10;
  EXPECT_FALSE(ParseFilter("brand = Apple", options).ok());
  std::string deep(100, '(');
  deep += "a = 1" + std::string(100, ')');
  EXPECT_FALSE(ParseFilter(deep).ok());
  std::string wide = "a IN [";
  for (int i = 0; i < 300; ++i) wide += (i ? "," : "") + std::to_string(i);
  wide += "]";
  EXPECT_FALSE(ParseFilter(wide).ok());
  // Within the limits the same shapes parse.
  EXPECT_TRUE(ParseFilter("((((a = 1))))").ok());
}

}  // namespace
}  // namespace aisle::ranking
