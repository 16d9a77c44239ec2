// Internal to index/: exact facet counting during the match walk. The spy
// reads only the in-memory columns by docid (the matcher hands it a lazy
// document, so no document data or values are read per match).
#ifndef AISLE_INDEX_FACET_SPY_INTERNAL_H_
#define AISLE_INDEX_FACET_SPY_INTERNAL_H_

#include <xapian.h>

#include <array>
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "index/catalog_columns_internal.h"
#include "index/product_index.h"

namespace aisle::index::internal {

// One per search, used by one thread. `columns` must outlive it.
class FacetSpy : public Xapian::MatchSpy {
 public:
  FacetSpy(const CatalogColumns* columns, std::vector<std::pair<std::string, FacetSource>> facets);

  void operator()(const Xapian::Document& doc, double wt) override;
  Xapian::MatchSpy* clone() const override;
  std::string name() const override { return "aisle.FacetSpy"; }

  // Adds every requested facet to result->facet_distribution (string facets,
  // ordered by count descending, then value) or result->facet_stats (numeric
  // facets that saw at least one document).
  void Render(SearchResult* result) const;

 private:
  struct Counter {
    std::string name;
    FacetSource source;
    std::vector<uint64_t> counts;  // By ordinal; [0] unused.
    ChunkedReader<uint32_t> ordinals;
    std::array<ChunkedReader<uint32_t>, kCategoryLevels> levels;
    std::array<ChunkedReader<uint32_t>, kCategoryLevels> level_names;
    ChunkedReader<uint64_t> tag_refs;
    ChunkedReader<uint32_t> tag_arena;
    std::optional<NumericReader> numbers;
    double min = std::numeric_limits<double>::infinity();
    double max = -std::numeric_limits<double>::infinity();
    uint64_t seen = 0;
  };

  static void Count(std::vector<uint64_t>* counts, uint32_t ordinal);
  static void CountCategories(Counter* counter, Xapian::docid did);
  static void CountTags(Counter* counter, Xapian::docid did);

  const CatalogColumns* columns_;
  std::vector<std::pair<std::string, FacetSource>> facets_;  // For clone().
  std::vector<Counter> counters_;
};

}  // namespace aisle::index::internal

#endif  // AISLE_INDEX_FACET_SPY_INTERNAL_H_
