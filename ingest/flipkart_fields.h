// Internal: the structured text columns of the Flipkart catalog. The public
// sample writes them as Python literals (['a', "b's"], [{'key': 'K',
// 'value': 'V'}]); the original Kaggle export as JSON / Ruby hashes
// (["A >> B"], {"product_specification"=>[{"key"=>"K", "value"=>"V"}]}).
// Both are read; anything unreadable is skipped rather than failing the row.
#ifndef AISLE_INGEST_FLIPKART_FIELDS_H_
#define AISLE_INGEST_FLIPKART_FIELDS_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace aisle::ingest::internal {

// The quoted strings of a list literal, in order: ['a', "b's", 'c\'d'].
// Escapes \\ \' \" \n \t \r \xHH \uHHHH are decoded (to UTF-8).
std::vector<std::string> ParseQuotedList(std::string_view text);

// product_category_tree: the list's strings; a single string holding " >> "
// is split on it. Levels are trimmed and inner runs of spaces collapsed;
// empty levels dropped.
std::vector<std::string> ParseCategoryTree(std::string_view text);

// Flipkart trees end in product-specific levels ("aw bellies",
// "dongli polos tshirts", "dongli printed boys round neck tshirt"): cuts the
// tree at the first level whose words start with the brand's words, or,
// without a brand, at the first level from the third on whose first word is
// the product name's first word. Words compare lower-cased, ASCII letters and
// digits only.
void DropProductSpecificLevels(std::string_view product_name, std::string_view brand,
                               std::vector<std::string>* levels);

// product_specifications: (key, value) pairs of every dict that has both a
// "key" and a "value" string, in order.
std::vector<std::pair<std::string, std::string>> ParseSpecifications(std::string_view text);

// "Number of Contents in Sales Package" -> "number_of_contents_in_sales_package":
// ASCII lower-cased, runs of anything but ASCII letters, digits and non-ASCII
// bytes become one '_', no '_' at either end.
std::string NormalizeAttributeName(std::string_view key);

}  // namespace aisle::ingest::internal

#endif  // AISLE_INGEST_FLIPKART_FIELDS_H_
