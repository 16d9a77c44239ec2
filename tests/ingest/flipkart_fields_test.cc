#include "ingest/flipkart_fields.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aisle::ingest::internal {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;

TEST(ParseQuotedList, ReadsPythonAndJsonListsWithEscapes) {
  EXPECT_THAT(ParseQuotedList(R"(['a', "men's", 'it\'s', 'x\\y'])"),
              ElementsAre("a", "men's", "it's", "x\\y"));
  EXPECT_THAT(ParseQuotedList(R"(["http://a/1.jpg", "http://a/2.jpg"])"),
              ElementsAre("http://a/1.jpg", "http://a/2.jpg"));
  EXPECT_THAT(ParseQuotedList(R"(['caf\xe9', "\u00e9t\u00e9"])"),
              ElementsAre("caf\xC3\xA9", "\xC3\xA9t\xC3\xA9"));
  EXPECT_THAT(ParseQuotedList("[]"), IsEmpty());
  EXPECT_THAT(ParseQuotedList(""), IsEmpty());
  EXPECT_THAT(ParseQuotedList("['ok', 'unterminated"), ElementsAre("ok"));
}

TEST(ParseCategoryTree, ReadsListsAndSplitsKaggleArrows) {
  EXPECT_THAT(ParseCategoryTree("['footwear', 'womens  footwear', ' ballerinas ']"),
              ElementsAre("footwear", "womens footwear", "ballerinas"));
  EXPECT_THAT(ParseCategoryTree(R"(["Clothing >> Women's Clothing >> Lingerie"])"),
              ElementsAre("Clothing", "Women's Clothing", "Lingerie"));
  EXPECT_THAT(ParseCategoryTree("['a', '  ', 'b']"), ElementsAre("a", "b"));
}

TEST(DropProductSpecificLevels, CutsAtTheBrandLevel) {
  std::vector<std::string> levels = {
      "clothing",       "kids clothing",        "boys wear",
      "polos  tshirts", "dongli polos tshirts", "dongli printed boys round neck"};
  DropProductSpecificLevels("dongli printed boy's round neck t-shirt", "Dongli", &levels);
  EXPECT_THAT(levels, ElementsAre("clothing", "kids clothing", "boys wear", "polos  tshirts"));
}

TEST(DropProductSpecificLevels, WithoutBrandUsesTheNamesFirstWordFromTheThirdLevel) {
  std::vector<std::string> watches = {"watches", "wrist watches", "franck bella wrist watches"};
  DropProductSpecificLevels("franck bella fb127a analog watch", "", &watches);
  EXPECT_THAT(watches, ElementsAre("watches", "wrist watches"));
  // "kids on board" must not cut at "kids clothing" (second level).
  std::vector<std::string> kids = {"clothing", "kids clothing", "girls wear"};
  DropProductSpecificLevels("kids on board girl's dress", "", &kids);
  EXPECT_THAT(kids, ElementsAre("clothing", "kids clothing", "girls wear"));
  // A multi-word brand must match all its words.
  std::vector<std::string> furniture = {"furniture", "living room", "display units"};
  DropProductSpecificLevels("living world display unit", "living world by home stop", &furniture);
  EXPECT_THAT(furniture, ElementsAre("furniture", "living room", "display units"));
  // A one-level tree naming the product disappears.
  std::vector<std::string> only = {"libas printed womens aline kurta"};
  DropProductSpecificLevels("libas printed women's a-line kurta", "libas", &only);
  EXPECT_THAT(only, IsEmpty());
}

TEST(ParseSpecifications, ReadsPythonDictsSkippingKeylessEntries) {
  EXPECT_THAT(ParseSpecifications(R"([{'key': 'Ideal For', 'value': 'Women'}, {'value': 'One Pair'},
                              {'key': 'Ideal For', 'value': "Women's"}, {'key': 'Empty'}])"),
              ElementsAre(Pair("Ideal For", "Women"), Pair("Ideal For", "Women's")));
  EXPECT_THAT(ParseSpecifications("{'key': 'Quantity', 'value': '180 ml'}"),
              ElementsAre(Pair("Quantity", "180 ml")));
  EXPECT_THAT(ParseSpecifications("[]"), IsEmpty());
  EXPECT_THAT(ParseSpecifications("nonsense {'key': 5, 'value': 'x'}"), IsEmpty());
}

TEST(ParseSpecifications, ReadsTheKaggleRubyHashForm) {
  EXPECT_THAT(ParseSpecifications(
                  R"({"product_specification"=>[{"key"=>"Color", "value"=>"Red"}, )"
                  R"({"key"=>"Type", "value"=>"Ballerina, \"flat\""}, {"value"=>"no key"}]})"),
              ElementsAre(Pair("Color", "Red"), Pair("Type", "Ballerina, \"flat\"")));
}

TEST(NormalizeAttributeName, LowerSnakeCase) {
  EXPECT_EQ(NormalizeAttributeName("Number of Contents in Sales Package"),
            "number_of_contents_in_sales_package");
  EXPECT_EQ(NormalizeAttributeName("  Heel Height (inch) "), "heel_height_inch");
  EXPECT_EQ(NormalizeAttributeName("Colour\xC3\xA9"), "colour\xC3\xA9");
  EXPECT_EQ(NormalizeAttributeName(" - "), "");
}

}  // namespace
}  // namespace aisle::ingest::internal
