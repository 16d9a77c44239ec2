// Test helpers for index/: a deterministic, varied catalog, the reference
// (brute-force) semantics of filters and facets over it, and FilterNode
// builders.
#ifndef AISLE_TESTS_INDEX_CATALOG_FIXTURE_H_
#define AISLE_TESTS_INDEX_CATALOG_FIXTURE_H_

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "base/product.h"
#include "index/filter.h"
#include "index/product_index.h"
#include "tests/testing/test_util.h"

namespace aisle::index::test {

inline std::string AsciiLower(std::string s) {
  for (char& c : s) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

// `n` products, the same for the same seed: brands, categories (0..4 levels,
// one with a name repeated at two levels), attributes (color mostly, size
// sometimes, Material rarely), tags, numbers with many ties, and casing
// variants of the same value ("Acme"/"ACME", "Red"/"red").
inline std::vector<Product> GenerateCatalog(int n, uint32_t seed = 42, int first_id = 0) {
  static const std::vector<std::string> kBrands = {"Acme",    "ACME",  "Globex", "Initech",
                                                   "initech", "Hooli", "",       "Umbrella"};
  static const std::vector<std::vector<std::string>> kPaths = {
      {"Electronics", "Phones", "Smartphones"},
      {"Electronics", "Phones", "Cases"},
      {"Electronics", "Audio"},
      {"electronics", "audio", "Headphones", "Wireless"},
      {"Home", "Kitchen", "Knives"},
      {"Home", "Garden"},
      {"Sports"},
      {},
      {"Books", "Books", "Fiction"}};
  static const std::vector<std::string> kNouns = {"phone",   "case", "headphones", "knife",
                                                  "shovel",  "ball", "book",       "charger",
                                                  "speaker", "cable"};
  static const std::vector<std::string> kAdjectives = {"red",    "wireless", "steel",   "compact",
                                                       "deluxe", "smart",    "classic", "portable"};
  static const std::vector<std::string> kColors = {"Red", "red", "Blue", "black", "Green"};
  static const std::vector<std::string> kSizes = {"S", "M", "L", "XL"};
  static const std::vector<std::string> kMaterials = {"steel", "Plastic", "cotton"};
  static const std::vector<std::string> kTags = {"sale", "new", "Eco", "gift", "limited"};
  std::mt19937 rng(seed);
  auto pick = [&rng](const auto& list) -> const auto& { return list[rng() % list.size()]; };
  std::vector<Product> products;
  for (int i = 0; i < n; ++i) {
    Product p;
    p.id = "sku-" + std::to_string(first_id + i);
    p.title = pick(kAdjectives) + " " + pick(kNouns) + " model" + std::to_string(rng() % 40);
    p.description = pick(kAdjectives) + " " + pick(kNouns) + " for everyday use";
    p.brand = pick(kBrands);
    p.categories = pick(kPaths);
    if (rng() % 5 != 0) p.attributes["color"] = pick(kColors);
    if (rng() % 3 == 0) p.attributes["size"] = pick(kSizes);
    if (rng() % 7 == 0) p.attributes["Material"] = pick(kMaterials);
    p.price = static_cast<double>(rng() % 4000) / 20.0;  // 0..199.95, many ties.
    p.rating = static_cast<double>(rng() % 11) / 2.0;
    p.popularity = static_cast<double>(rng() % 50);
    p.created_at = 1600000000 + static_cast<int64_t>(rng() % 300) * 86400;
    for (const auto& tag : kTags) {
      if (rng() % 4 == 0) p.tags.push_back(tag);
    }
    if (rng() % 10 == 0) p.tags.push_back("SALE");  // Duplicate in another case.
    if (rng() % 2 == 0) p.image_url = "https://img.example/" + p.id + ".jpg";
    p.currency = "USD";
    products.push_back(std::move(p));
  }
  return products;
}

// ---- Reference semantics -------------------------------------------------

inline bool IsNumericField(const std::string& field) {
  return field == "price" || field == "rating" || field == "popularity" || field == "createdAt";
}

inline double NumericValue(const Product& p, const std::string& field) {
  if (field == "price") return p.price;
  if (field == "rating") return p.rating;
  if (field == "popularity") return p.popularity;
  return static_cast<double>(p.created_at);
}

// Lowercased values of a string field (the id as is); `present` for EXISTS.
inline std::vector<std::string> StringValues(const Product& p, const std::string& field,
                                             bool* present) {
  std::vector<std::string> out;
  if (field == "id") {
    out = {p.id};
  } else if (field == "brand") {
    if (!p.brand.empty()) out = {AsciiLower(p.brand)};
  } else if (field == "category") {
    for (const auto& c : p.categories) out.push_back(AsciiLower(c));
  } else if (field.rfind("categories.lvl", 0) == 0) {
    const size_t level = static_cast<size_t>(field.back() - '0');
    if (p.categories.size() > level) {
      std::string path;
      for (size_t i = 0; i <= level; ++i) path += (i ? " > " : "") + AsciiLower(p.categories[i]);
      out = {path};
    }
  } else if (field == "tags") {
    for (const auto& t : p.tags) out.push_back(AsciiLower(t));
  } else {
    std::string name = AsciiLower(field);
    if (name.rfind("attributes.", 0) == 0) name = name.substr(11);
    for (const auto& [k, v] : p.attributes) {
      if (AsciiLower(k) == name) out = {AsciiLower(v)};
    }
    *present = !out.empty();
    return out;
  }
  *present = field == "id" || !out.empty();
  return out;
}

inline bool CompareNumbers(CompareOp op, double a, double b) {
  switch (op) {
    case CompareOp::kEq:
      return a == b;
    case CompareOp::kNe:
      return a != b;
    case CompareOp::kLt:
      return a < b;
    case CompareOp::kLe:
      return a <= b;
    case CompareOp::kGt:
      return a > b;
    case CompareOp::kGe:
      return a >= b;
  }
  return false;
}

inline bool Matches(const FilterNode& node, const Product& p) {
  using Kind = FilterNode::Kind;
  switch (node.kind) {
    case Kind::kAnd:
      return std::all_of(node.children.begin(), node.children.end(),
                         [&](const FilterNode& c) { return Matches(c, p); });
    case Kind::kOr:
      return std::any_of(node.children.begin(), node.children.end(),
                         [&](const FilterNode& c) { return Matches(c, p); });
    case Kind::kNot:
      return !Matches(node.children[0], p);
    default:
      break;
  }
  if (IsNumericField(node.field)) {
    const double v = NumericValue(p, node.field);
    switch (node.kind) {
      case Kind::kCompare:
        return CompareNumbers(node.op, v, std::stod(node.values[0]));
      case Kind::kRange:
        return v >= std::stod(node.values[0]) && v <= std::stod(node.values[1]);
      case Kind::kIn:
        return std::any_of(node.values.begin(), node.values.end(),
                           [&](const std::string& s) { return v == std::stod(s); });
      default:
        return true;  // EXISTS: every product has every number.
    }
  }
  bool present = false;
  const std::vector<std::string> values = StringValues(p, node.field, &present);
  const auto has = [&](const std::string& literal) {
    const std::string want = node.field == "id" ? literal : AsciiLower(literal);
    return std::find(values.begin(), values.end(), want) != values.end();
  };
  switch (node.kind) {
    case Kind::kCompare:
      return node.op == CompareOp::kEq ? has(node.values[0]) : !has(node.values[0]);
    case Kind::kIn:
      return std::any_of(node.values.begin(), node.values.end(), has);
    default:
      return present;  // EXISTS
  }
}

// Reference facet counts: lowercased value -> number of products.
inline std::map<std::string, uint64_t> FacetCounts(const std::vector<Product>& products,
                                                   const std::string& facet) {
  std::map<std::string, uint64_t> counts;
  for (const auto& p : products) {
    bool present = false;
    std::vector<std::string> values = StringValues(p, facet, &present);
    std::sort(values.begin(), values.end());
    values.erase(std::unique(values.begin(), values.end()), values.end());
    for (const auto& v : values) {
      if (!v.empty()) ++counts[v];
    }
  }
  return counts;
}

// ---- FilterNode builders -------------------------------------------------

inline FilterNode Cmp(std::string field, CompareOp op, std::string value, size_t position = 0) {
  FilterNode n;
  n.kind = FilterNode::Kind::kCompare;
  n.field = std::move(field);
  n.op = op;
  n.values = {std::move(value)};
  n.position = position;
  return n;
}

inline FilterNode Eq(std::string field, std::string value) {
  return Cmp(std::move(field), CompareOp::kEq, std::move(value));
}

inline FilterNode Range(std::string field, std::string low, std::string high) {
  FilterNode n;
  n.kind = FilterNode::Kind::kRange;
  n.field = std::move(field);
  n.values = {std::move(low), std::move(high)};
  return n;
}

inline FilterNode In(std::string field, std::vector<std::string> values) {
  FilterNode n;
  n.kind = FilterNode::Kind::kIn;
  n.field = std::move(field);
  n.values = std::move(values);
  return n;
}

inline FilterNode Exists(std::string field) {
  FilterNode n;
  n.kind = FilterNode::Kind::kExists;
  n.field = std::move(field);
  return n;
}

inline FilterNode Not(FilterNode child) {
  FilterNode n;
  n.kind = FilterNode::Kind::kNot;
  n.children = {std::move(child)};
  return n;
}

inline FilterNode And(std::vector<FilterNode> children) {
  FilterNode n;
  n.kind = FilterNode::Kind::kAnd;
  n.children = std::move(children);
  return n;
}

inline FilterNode Or(std::vector<FilterNode> children) {
  FilterNode n;
  n.kind = FilterNode::Kind::kOr;
  n.children = std::move(children);
  return n;
}

// ---- Index helpers -------------------------------------------------------

inline std::unique_ptr<ProductIndex> OpenIndex(const std::string& path,
                                               size_t max_docs_per_commit = 50000) {
  IndexOptions options;
  options.path = path;
  options.max_docs_per_commit = max_docs_per_commit;
  options.build_threads = 2;
  auto index = ProductIndex::Open(options);
  EXPECT_TRUE(index.ok()) << index.status();
  return index.ok() ? std::move(*index) : nullptr;
}

inline std::vector<std::string> HitIds(const SearchResult& result) {
  std::vector<std::string> ids;
  for (const auto& hit : result.hits) ids.push_back(hit.product.id);
  return ids;
}

// Every match (up to 100k), with an exact total.
inline SearchResult SearchAll(const ProductIndex& index, SearchQuery query) {
  query.limit = 100000;
  query.exact_total = true;
  auto result = index.Search(query);
  EXPECT_TRUE(result.ok()) << result.status();
  return result.ok() ? std::move(*result) : SearchResult();
}

// A 500-product catalog indexed once for the read-only tests of a suite.
class CatalogIndexTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new testing::TempDir();
    catalog_ = new std::vector<Product>(GenerateCatalog(500));
    index_ = OpenIndex(dir_->Sub("index")).release();
    ASSERT_NE(index_, nullptr);
    ASSERT_TRUE(index_->Upsert(*catalog_).ok());
  }
  static void TearDownTestSuite() {
    delete index_;
    delete catalog_;
    delete dir_;
    index_ = nullptr;
  }

  static const ProductIndex& index() { return *index_; }
  static const std::vector<Product>& catalog() { return *catalog_; }

  // Ids of the catalog products (in insertion order) that satisfy `keep`.
  template <typename F>
  static std::vector<std::string> ReferenceIds(F&& keep) {
    std::vector<std::string> ids;
    for (const auto& p : catalog()) {
      if (keep(p)) ids.push_back(p.id);
    }
    return ids;
  }

 private:
  static inline testing::TempDir* dir_ = nullptr;
  static inline std::vector<Product>* catalog_ = nullptr;
  static inline ProductIndex* index_ = nullptr;
};

}  // namespace aisle::index::test

#endif  // AISLE_TESTS_INDEX_CATALOG_FIXTURE_H_
