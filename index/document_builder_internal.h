// Internal to index/: how a Product becomes a Xapian document (terms, values,
// data) and how query text becomes terms the same way. The term prefixes and
// value slots are the on-disk format: changing one needs a reindex.
#ifndef AISLE_INDEX_DOCUMENT_BUILDER_INTERNAL_H_
#define AISLE_INDEX_DOCUMENT_BUILDER_INTERNAL_H_

#include <xapian.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/product.h"

namespace aisle::index::internal {

// Boolean term prefixes (wdf 0). Text terms have no prefix; their stems "Z".
inline constexpr std::string_view kIdPrefix = "Q";
inline constexpr std::string_view kBrandPrefix = "XB";
inline constexpr std::string_view kCategoryPrefix = "XC";  // any level
inline constexpr std::string_view kLevelPrefix = "XL";     // "XL<N>:" + path
inline constexpr std::string_view kTagPrefix = "XT";
inline constexpr std::string_view kAttributePrefix = "XA";  // name "=" value
inline constexpr std::string_view kExistsPrefix = "XE";     // field present
// The one term of every hidden (unpublished) product. Every search runs as
// (query AND_NOT kHiddenTerm); see ProductIndexImpl::RunSearch.
inline constexpr std::string_view kHiddenTerm = "XH";

// Field weights, applied as wdf increments: a title match outranks a
// description match while each word keeps a single posting list.
inline constexpr Xapian::termcount kTitleWdf = 6;
inline constexpr Xapian::termcount kBrandWdf = 4;
inline constexpr Xapian::termcount kCategoryWdf = 3;
inline constexpr Xapian::termcount kAttributeWdf = 2;
inline constexpr Xapian::termcount kTagWdf = 2;
inline constexpr Xapian::termcount kDescriptionWdf = 1;

// Category levels that get their own facet columns ("categories.lvl0".."lvl4").
inline constexpr int kCategoryLevels = 5;

// Value slots. The numeric ones hold sortable_serialise()d numbers; the facet
// slot holds EncodeFacetRow() so Open() rebuilds the columns from value
// streams without parsing every document.
enum ValueSlot : Xapian::valueno {
  kPriceSlot = 0,
  kRatingSlot = 1,
  kPopularitySlot = 2,
  kCreatedAtSlot = 3,
  kFacetSlot = 4,
  kCostSlot = 5,
};

// Lowercases UTF-8 the way Xapian's TermGenerator does (ASCII fast path).
std::string Lower(std::string_view text);

// prefix + value, made to fit Xapian's term length limit: values too long
// keep a prefix of their bytes plus a stable 64-bit hash of the whole value.
std::string MakeTerm(std::string_view prefix, std::string_view value);

std::string IdTerm(std::string_view id);                                   // case-sensitive
std::string BrandTerm(std::string_view brand);                             // lowercases
std::string CategoryTerm(std::string_view category);                       // lowercases
std::string TagTerm(std::string_view tag);                                 // lowercases
std::string AttributeTerm(std::string_view name, std::string_view value);  // lowercases
// `canonical_path` from CanonicalCategoryPath().
std::string LevelTerm(int level, std::string_view canonical_path);
// Field names: "brand", "categories", "categories.lvl<N>", "tags",
// "description", "image", "attributes.<lowercased name>".
std::string ExistsTerm(std::string_view field);

// "a > b > c": lowercased, split on '>', parts trimmed, joined with " > ".
// Used on both sides so "A>B" in a filter matches the path {"A", "B"}.
std::string CanonicalCategoryPath(std::string_view path);
// The path of `categories` up to `level` (inclusive), original casing,
// joined with " > " (the display form).
std::string CategoryPath(const std::vector<std::string>& categories, int level);

// What the in-memory columns need from one product.
struct ColumnRow {
  double price = 0;
  double rating = 0;
  double popularity = 0;
  int64_t created_at = 0;
  double cost = 0;
  std::string brand;
  std::vector<std::string> categories;
  std::vector<std::pair<std::string, std::string>> attributes;
  std::vector<std::string> tags;
  // From the kHiddenTerm (not part of EncodeFacetRow, whose format is on disk).
  bool hidden = false;
};

// The string fields of a row as compact bytes (never empty); numbers live in
// their own slots.
std::string EncodeFacetRow(const ColumnRow& row);
bool DecodeFacetRow(std::string_view bytes, ColumnRow* row);

// A product ready for the writer: the document is complete.
struct PreparedDoc {
  std::string id_term;
  Xapian::Document document;
  ColumnRow row;
};

// Turns products into documents. Not thread-safe (Xapian objects have
// non-atomic reference counts): one builder per thread.
class DocumentBuilder {
 public:
  DocumentBuilder();
  PreparedDoc Build(Product product);

 private:
  Xapian::TermGenerator generator_;
};

// Turns search text into the query the documents answer: the same word
// splitting and lowercasing as the TermGenerator, every word required, each
// on its stem ("Z" term) when the word starts with a letter (the
// TermGenerator only stems those). No query syntax. Not thread-safe.
class QueryTokenizer {
 public:
  QueryTokenizer();
  // nullopt when the text has no words.
  std::optional<Xapian::Query> Parse(std::string_view text);

 private:
  Xapian::Stem stemmer_;
  Xapian::TermGenerator generator_;
};

}  // namespace aisle::index::internal

#endif  // AISLE_INDEX_DOCUMENT_BUILDER_INTERNAL_H_
