// Internal to index/: the catalog's in-memory columns, indexed by Xapian docid:
// numbers (price, rating, popularity, created_at), facet ordinals (brand,
// category path per level, each attribute), tag lists and a live bit.
// Filters, facets and sorts read them without touching document data.
//
// Thread-safety: the mutators (Apply, MarkDeleted, RebuildFrom) run on one
// thread at a time (the index writer). Everything else is safe from any thread
// concurrently with them (see columns_internal.h). The object owns every
// column and dictionary and never frees one before it is destroyed, so
// pointers handed out stay valid for the index's lifetime.
#ifndef AISLE_INDEX_CATALOG_COLUMNS_INTERNAL_H_
#define AISLE_INDEX_CATALOG_COLUMNS_INTERNAL_H_

#include <xapian.h>

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "base/status.h"
#include "index/blend_inputs_internal.h"
#include "index/columns_internal.h"
#include "index/document_builder_internal.h"

namespace aisle::index::internal {

// kPrice is the live price shoppers pay (filters, facets, sorts, hits);
// kBasePrice the catalog/base price; kStock the available units
// (kStockUnknown when no inventory was ever reported: in stock).
enum class NumericField { kPrice, kRating, kPopularity, kCreatedAt, kStock, kBasePrice, kCost };

inline constexpr int64_t kStockUnknown = INT64_MAX;

// Live signals of one document, written in place without touching Xapian.
struct SignalValues {
  std::optional<double> price;       // Live (dynamic) price.
  std::optional<double> base_price;  // Also resets the live price when `price` is absent.
  std::optional<int64_t> stock;
  std::optional<double> popularity;
  std::optional<double> cost;
  std::optional<double> demand;      // Normalised demand score, >= 0.
};

struct AttributeColumn {
  std::string display_name;  // First occurrence's casing.
  Dictionary values;
  ChunkedArray<uint32_t> ordinals;
};

// What a facet name resolves to.
struct FacetSource {
  enum class Kind { kSingle, kCategoryAny, kTags, kNumeric };
  Kind kind = Kind::kSingle;
  const ChunkedArray<uint32_t>* ordinals = nullptr;  // kSingle
  const Dictionary* dictionary = nullptr;            // kSingle, kCategoryAny, kTags
  NumericField numeric = NumericField::kPrice;       // kNumeric
};

class CatalogColumns {
 public:
  // Tag lists: ref = offset << kTagCountBits | count into the tag arena.
  static constexpr int kTagCountBits = 16;

  CatalogColumns();  // Prepared for PreparedBlend's defaults.
  CatalogColumns(const CatalogColumns&) = delete;
  CatalogColumns& operator=(const CatalogColumns&) = delete;

  // Writer: sets every column of `docid` and marks it live. When the docid is
  // live already (a replaced product), attributes it no longer has are cleared.
  void Apply(uint32_t docid, const ColumnRow& row);
  // Writer: the document is gone.
  void MarkDeleted(uint32_t docid) { live_.Clear(docid); }
  // Writer, at start-up: loads every document's row from its value slots.
  // May throw Xapian::Error. Returns the number of documents loaded.
  size_t RebuildFrom(const Xapian::Database& db);

  // Any thread: writes the given signals of a live document. False when the
  // document is not live. Visible to the next query that reads the column.
  bool SetSignals(uint32_t docid, const SignalValues& values);

  // Any thread: recomputes every document's signal score for a new prepared
  // blend (one call at a time; a no-op when it is current). Until it
  // returns, Prepared() is nullopt and blended queries read the raw columns.
  void Prepare(const PreparedBlend& blend);
  // The blend signal_scores() holds, or nullopt while it is recomputed.
  std::optional<PreparedBlend> Prepared() const;
  // EncodeSignalScore() of each live document for the prepared blend.
  const ChunkedArray<uint16_t>& signal_scores() const { return signal_scores_; }
  // The raw signals behind a document's signal score.
  RawSignals ReadRawSignals(uint32_t docid) const;

  bool IsLive(uint32_t docid) const { return live_.Get(docid) != 0; }
  // Hidden (unpublished) products: searches exclude them through their
  // kHiddenTerm; this column answers LiveSignals::hidden without a reader.
  bool IsHidden(uint32_t docid) const { return hidden_.Get(docid) != 0; }
  const ChunkedArray<int64_t>& int_column(NumericField field) const {
    return field == NumericField::kStock ? stock_ : created_at_;
  }
  const ChunkedArray<double>& demand() const { return demand_; }
  const ChunkedArray<uint8_t>& live() const { return live_; }
  const ChunkedArray<double>& double_column(NumericField field) const;
  const ChunkedArray<int64_t>& created_at() const { return created_at_; }

  const Dictionary& brands() const { return brands_; }
  const ChunkedArray<uint32_t>& brand_ordinals() const { return brand_ordinals_; }
  const Dictionary& level_paths(int level) const { return level_paths_[level]; }
  const ChunkedArray<uint32_t>& level_ordinals(int level) const { return level_ordinals_[level]; }
  // Category names (any level) and, per level, path ordinal -> name ordinal.
  const Dictionary& category_names() const { return category_names_; }
  const ChunkedArray<uint32_t>& level_to_name(int level) const { return level_to_name_[level]; }
  const Dictionary& tags() const { return tags_; }
  const ChunkedArray<uint64_t>& tag_refs() const { return tag_refs_; }
  const ChunkedArray<uint32_t>& tag_arena() const { return tag_arena_; }

  // By name in any case, with or without "attributes."; nullptr when unknown.
  const AttributeColumn* FindAttribute(std::string_view name) const;
  // Display names, sorted.
  std::vector<std::string> AttributeNames() const;

  // InvalidArgument (field "facets") for an unknown name.
  absl::StatusOr<FacetSource> ResolveFacet(const std::string& name) const;

  // Bytes held by column chunks (not dictionaries).
  size_t ColumnBytes() const;

 private:
  AttributeColumn* InternAttribute(std::string_view name);
  // Recomputes one document's signal score from its raw signals, under its
  // stripe lock: writes of the same document's signals from several
  // threads, and a Prepare(), then always leave the latest score.
  void RefreshSignalScore(uint32_t docid);
  PreparedBlend PreparedNow() const;
  void StorePrepared(const PreparedBlend& blend);
  std::mutex& StripeOf(uint32_t docid) { return stripes_[docid % stripes_.size()]; }
  void ApplyCategories(uint32_t docid, const std::vector<std::string>& categories);
  void ApplyAttributes(uint32_t docid, const ColumnRow& row, bool replaced);
  void ApplyTags(uint32_t docid, const std::vector<std::string>& tags);

  ChunkedArray<uint8_t> live_;
  ChunkedArray<uint8_t> hidden_;
  ChunkedArray<double> price_;
  ChunkedArray<double> rating_;
  ChunkedArray<double> popularity_;
  ChunkedArray<int64_t> created_at_;
  ChunkedArray<double> base_price_;
  ChunkedArray<double> cost_;
  ChunkedArray<int64_t> stock_;   // Kept across catalog re-ingest (inventory owns it).
  ChunkedArray<double> demand_;   // Kept across catalog re-ingest.
  ChunkedArray<uint16_t> signal_scores_;

  // The prepared blend: read under a stripe lock when recomputing (see
  // Prepare); atomics so that queries can read it without a lock.
  std::mutex prepare_mu_;  // Serializes Prepare.
  std::array<std::atomic<double>, 6> prepared_{};  // PreparedBlend's fields in order.
  std::atomic<bool> prepared_ready_{true};
  std::atomic<uint32_t> max_docid_{0};  // Highest docid ever applied.
  std::array<std::mutex, 256> stripes_;

  Dictionary brands_;
  ChunkedArray<uint32_t> brand_ordinals_;
  std::array<Dictionary, kCategoryLevels> level_paths_;
  std::array<ChunkedArray<uint32_t>, kCategoryLevels> level_ordinals_;
  Dictionary category_names_;
  std::array<ChunkedArray<uint32_t>, kCategoryLevels> level_to_name_;

  Dictionary tags_;
  ChunkedArray<uint64_t> tag_refs_;
  ChunkedArray<uint32_t> tag_arena_;  // Append-only; replaced lists leak until restart.
  uint64_t tag_arena_next_ = 0;       // Writer only.

  mutable std::shared_mutex attributes_mu_;
  std::vector<std::unique_ptr<AttributeColumn>> attributes_;             // Guarded (growth).
  std::unordered_map<std::string, AttributeColumn*> attributes_by_key_;  // Guarded.
};

// Reads one numeric column as double. One per thread (per query).
class NumericReader {
 public:
  NumericReader(const CatalogColumns& columns, NumericField field);
  double Get(uint32_t docid) {
    return is_int_ ? static_cast<double>(ints_.Get(docid)) : doubles_.Get(docid);
  }
  static bool IsInt(NumericField field) {
    return field == NumericField::kCreatedAt || field == NumericField::kStock;
  }

 private:
  bool is_int_;
  ChunkedReader<double> doubles_;
  ChunkedReader<int64_t> ints_;
};

}  // namespace aisle::index::internal

#endif  // AISLE_INDEX_CATALOG_COLUMNS_INTERNAL_H_
