// Internal to index/: FilterNode trees -> Xapian queries, and the Xapian hooks
// that read the in-memory columns (numeric posting source, sort key maker).
//
// String fields compile to boolean terms; numeric fields to a ColumnSource
// over the live column, so a price written to the column is filtered on by
// the next query without reindexing. Queries built here reference the
// CatalogColumns, which must outlive them.
#ifndef AISLE_INDEX_QUERY_COMPILER_INTERNAL_H_
#define AISLE_INDEX_QUERY_COMPILER_INTERNAL_H_

#include <xapian.h>

#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "index/catalog_columns_internal.h"
#include "index/filter.h"
#include "index/product_index.h"

namespace aisle::index::internal {

// Which numbers a numeric filter clause accepts.
struct NumericPredicate {
  enum class Kind { kRange, kNotEqual, kAnyOf };
  Kind kind = Kind::kRange;
  double low = 0;  // kRange bounds (infinite for an open side).
  double high = 0;
  bool low_inclusive = true;
  bool high_inclusive = true;
  double value = 0;            // kNotEqual
  std::vector<double> values;  // kAnyOf, sorted

  bool Matches(double v) const;
};

// The live documents whose numeric column satisfies a predicate, in docid
// order up to the searched database's last docid. Weight 0: a filter.
class ColumnSource : public Xapian::PostingSource {
 public:
  ColumnSource(const CatalogColumns* columns, NumericField field, NumericPredicate predicate);

  Xapian::doccount get_termfreq_min() const override { return 0; }
  Xapian::doccount get_termfreq_est() const override { return estimate_; }
  Xapian::doccount get_termfreq_max() const override { return doccount_; }
  Xapian::docid get_docid() const override { return current_; }
  bool at_end() const override { return at_end_; }
  void next(double min_wt) override;
  void skip_to(Xapian::docid did, double min_wt) override;
  bool check(Xapian::docid did, double min_wt) override;
  ColumnSource* clone() const override;
  std::string name() const override { return "aisle.ColumnSource"; }
  void init(const Xapian::Database& db) override;
  std::string get_description() const override;

 private:
  bool Accepts(Xapian::docid did);
  void EstimateFrequency();

  const CatalogColumns* columns_;
  NumericField field_;
  NumericPredicate predicate_;
  NumericReader values_;
  ChunkedReader<uint8_t> live_;
  Xapian::docid current_ = 0;
  Xapian::docid last_ = 0;
  Xapian::doccount doccount_ = 0;
  Xapian::doccount estimate_ = 0;
  bool at_end_ = false;
  bool checked_miss_ = false;  // current_ was check()ed and does not match.
};

// Sort keys from the numeric columns: 8 order-preserving bytes per field,
// inverted for a descending field, so plain byte order sorts the fields in
// turn.
class ColumnKeyMaker : public Xapian::KeyMaker {
 public:
  ColumnKeyMaker(const CatalogColumns* columns, std::vector<std::pair<NumericField, bool>> fields);
  std::string operator()(const Xapian::Document& doc) const override;

 private:
  const CatalogColumns* columns_;
  std::vector<std::pair<NumericField, bool>> fields_;  // (field, descending)
};

// Compiles a filter tree against the catalog's known fields. InvalidArgument
// (field "filter", position of the offending clause) for an unknown field, a
// non-number on a numeric field, an operator the field does not support, or a
// malformed node.
absl::StatusOr<Xapian::Query> CompileFilter(const FilterNode& node, const CatalogColumns& columns);

// A fresh match-everything query. Never copy Xapian::Query::MatchAll: it is a
// shared static whose reference count is not atomic, so copies made by
// concurrent searches corrupt it.
inline Xapian::Query MatchAllQuery() { return Xapian::Query(std::string()); }

// The numeric field a SortField reads; nullopt for relevance.
std::optional<NumericField> SortColumn(SortField field);

}  // namespace aisle::index::internal

#endif  // AISLE_INDEX_QUERY_COMPILER_INTERNAL_H_
