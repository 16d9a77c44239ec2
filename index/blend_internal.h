// Internal to index/: the business half of a blended score (ScoreBlend in
// product_index.h), read from the live columns while Xapian matches.
//
// A blended search runs
//   OP_AND_MAYBE(OP_SCALE_WEIGHT(text, relevance / best_bm25), BlendSource)
// so Xapian adds each matching document's business weight to its scaled
// BM25 and keeps its top-k pruning (BlendSource reports a true maximum).
// Without text, BlendSource alone (under the filter) is the query.
#ifndef AISLE_INDEX_BLEND_INTERNAL_H_
#define AISLE_INDEX_BLEND_INTERNAL_H_

#include <xapian.h>

#include <array>
#include <memory>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "index/blend_inputs_internal.h"
#include "index/catalog_columns_internal.h"
#include "index/product_index.h"

namespace aisle::index::internal {

// A ScoreBlend with its personalization keys resolved to column ordinals.
// Immutable once built; shared by every BlendScorer of one search.
struct ResolvedBlend {
  BlendWeights weights;
  PreparedBlend signals;  // Pivots and the four signal weights.
  absl::flat_hash_map<uint32_t, double> category_names;  // Category name ordinal -> weight.
  absl::flat_hash_map<uint32_t, double> brands;          // Brand ordinal -> weight.
  std::vector<Personalization::PriceBand> price_bands;
  // The most the business terms can add to a document's weight.
  double max_business = 0;
  // Sum of every weight: a blended weight divided by this is in [0, 1].
  double total_weight = 0;
};

// Resolves names against the columns (names the catalog never saw drop out).
std::shared_ptr<const ResolvedBlend> ResolveBlend(const ScoreBlend& blend,
                                                  const CatalogColumns& columns);

// Reads one document's business inputs and weighs them. One per thread:
// it caches column chunks; documents are best read in ascending order.
class BlendScorer {
 public:
  BlendScorer(const CatalogColumns* columns, std::shared_ptr<const ResolvedBlend> blend);

  // The business terms' weight of a live document.
  double Business(uint32_t docid);
  // Fills every business term of `details` (not relevance) from the raw
  // columns: exact, where Business() may use the prepared 16-bit sum.
  void Explain(uint32_t docid, ScoreDetails* details);

  const ResolvedBlend& blend() const { return *blend_; }

 private:
  struct Inputs {
    BlendInputs signals;
    double personalization = 0;
  };
  Inputs Read(uint32_t docid);
  double Personal(uint32_t docid, double price);

  const CatalogColumns* columns_;
  std::shared_ptr<const ResolvedBlend> blend_;
  bool personalized_;
  // The catalog's prepared signal scores are for this blend: one 2-byte
  // read per document instead of five columns.
  bool prepared_;
  ChunkedReader<uint16_t> signal_scores_;
  ChunkedReader<int64_t> stock_;
  ChunkedReader<double> demand_;
  ChunkedReader<double> popularity_;
  ChunkedReader<double> price_;
  ChunkedReader<double> cost_;
  ChunkedReader<uint32_t> brands_;
  std::array<ChunkedReader<uint32_t>, kCategoryLevels> levels_;
};

// Every live document, weighted by its business terms. Alone (no text) it
// skips documents below the matcher's minimum weight, so the matcher's
// match counts undercount: callers take totals from elsewhere.
class BlendSource : public Xapian::PostingSource {
 public:
  BlendSource(const CatalogColumns* columns, std::shared_ptr<const ResolvedBlend> blend);

  Xapian::doccount get_termfreq_min() const override { return 0; }  // Deletes race.
  Xapian::doccount get_termfreq_est() const override { return doccount_; }
  Xapian::doccount get_termfreq_max() const override { return doccount_; }
  Xapian::docid get_docid() const override { return current_; }
  double get_weight() const override;
  bool at_end() const override { return at_end_; }
  void next(double min_wt) override;
  void skip_to(Xapian::docid did, double min_wt) override;
  bool check(Xapian::docid did, double min_wt) override;
  BlendSource* clone() const override;
  std::string name() const override { return "aisle.BlendSource"; }
  void init(const Xapian::Database& db) override;
  std::string get_description() const override { return "aisle.BlendSource"; }

 private:
  const CatalogColumns* columns_;
  std::shared_ptr<const ResolvedBlend> blend_;
  mutable BlendScorer scorer_;
  ChunkedReader<uint8_t> live_;
  Xapian::docid current_ = 0;
  Xapian::docid last_ = 0;
  Xapian::doccount doccount_ = 0;
  bool at_end_ = false;
  mutable Xapian::docid weighed_ = 0;  // The document weight_ is for.
  mutable double weight_ = 0;
};

}  // namespace aisle::index::internal

#endif  // AISLE_INDEX_BLEND_INTERNAL_H_
