// ProductIndex: the catalog's text index (Xapian Glass on disk) plus in-memory
// columns (price, rating, facet ordinals, ...) that filters, facets and sorts
// read without touching document data.
//
// Thread-safety: every method may be called from any thread concurrently.
// Writes go to one writer thread that owns the Xapian::WritableDatabase and
// group-commits concurrent requests; a write method returns only after its
// changes are committed to disk (fsync'ed) and visible to the next Search.
// Searches run on the calling thread with a reader checked out of a pool; a
// reader reopens when the commit generation has moved.
#ifndef AISLE_INDEX_PRODUCT_INDEX_H_
#define AISLE_INDEX_PRODUCT_INDEX_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/product.h"
#include "base/status.h"
#include "index/filter.h"

namespace aisle::index {

struct IndexOptions {
  // Directory of the Glass database; created when missing.
  std::string path;
  // Readers kept open for searches. More concurrent searches than this wait
  // for none: extra readers are opened on demand and pooled afterwards.
  int initial_readers = 2;
  // Upper bound on documents the writer applies before one commit, so one huge
  // request does not hold back other writers' acknowledgements for too long.
  // Measured with Xapian 1.4 Glass (products of ~50 words): 5,000 ingests
  // about twice as fast as 50,000 and holds far less memory, because Glass's
  // in-memory change buffers get slower as they grow.
  size_t max_docs_per_commit = 5000;
  // Threads that turn products into Xapian documents ahead of the writer.
  // 0 = hardware concurrency.
  int build_threads = 0;
};

enum class SortField { kRelevance, kPrice, kRating, kCreatedAt, kPopularity };

struct SortSpec {
  SortField field = SortField::kRelevance;
  bool descending = true;
};

// Blends text relevance with business signals from the live columns. A
// hit's score is the weighted sum of six inputs, each in [0, 1]:
//   relevance        BM25 of the text / the best BM25 this query could
//                    reach (0 without text)
//   availability     1 in stock or stock not tracked, 0 out of stock
//   demand           d / (d + demand_pivot), d the live demand column
//                    (1 = the category's average demand)
//   popularity       p / (p + popularity_pivot)
//   margin           (price - cost) / price, clamped; 0 when cost or the
//                    live price is 0 (unknown)
//   personalization  the user's affinity (see Personalization)
// The weights and pivots are data: ranking/ owns their defaults and
// validation (finite, >= 0; pivots > 0).
struct BlendWeights {
  double relevance = 0;
  double availability = 0;
  double demand = 0;
  double popularity = 0;
  double margin = 0;
  double personalization = 0;
  bool operator==(const BlendWeights&) const = default;
};

// One user's tastes as boosts in [0, 1]. A product's affinity is the best
// category weight along its category path, plus its brand's weight, plus
// the weight of the price band holding its live price, clamped to [0, 1].
// Keys match case-insensitively.
struct Personalization {
  struct PriceBand {
    double low = 0;   // Inclusive.
    double high = 0;  // Exclusive.
    double weight = 0;
  };
  std::map<std::string, double> categories;
  std::map<std::string, double> brands;
  std::vector<PriceBand> price_bands;
  bool empty() const { return categories.empty() && brands.empty() && price_bands.empty(); }
};

struct ScoreBlend {
  BlendWeights weights;
  double demand_pivot = 1;
  double popularity_pivot = 1;
  Personalization personalization;
};

// One term of a blended score: its input in [0, 1] and its weight; the
// term adds value * weight.
struct ScoreTerm {
  double value = 0;
  double weight = 0;
  double contribution() const { return value * weight; }
};

struct ScoreDetails {
  ScoreTerm relevance;
  double bm25 = 0;  // The raw text weight behind relevance.value.
  ScoreTerm availability;
  ScoreTerm demand;
  ScoreTerm popularity;
  ScoreTerm margin;
  ScoreTerm personalization;
};

struct SearchQuery {
  std::string text;                   // Free text; empty matches every product.
  std::optional<FilterNode> filter;   // Optional filter tree.
  // Facet names: "brand", "category" (any level), "categories.lvl0".."lvl4",
  // "tags", an attribute name ("color" or "attributes.color"), or a numeric
  // field ("price", "rating", "popularity"), which yields facet stats.
  std::vector<std::string> facets;
  std::vector<SortSpec> sort;         // Empty: relevance. Ties break by relevance.
  size_t offset = 0;
  size_t limit = 20;
  // True: total_hits is the exact number of matches (costs a full match walk).
  // Facets always imply an exact walk.
  bool exact_total = false;
  // Set: the blended score orders hits (and breaks ties of a sort);
  // unset: BM25 alone.
  std::optional<ScoreBlend> blend;
  // Fill Hit::details (with a blend).
  bool explain = false;
};

// A document's live signals as the query saw them.
struct LiveSignals {
  double price = 0;       // What the shopper pays now (also in Hit::product.price).
  double base_price = 0;  // Catalog / base price.
  std::optional<int64_t> stock;  // Absent when no inventory was ever reported.
  bool in_stock = true;
  double demand = 0;
  bool hidden = false;  // Product::hidden: never searched, never recommended.
};

struct Hit {
  Product product;   // Stored document, with `price` replaced by the live price.
  // In [0, 1]: with a blend, the blended score over the sum of the weights;
  // without, BM25 over the best BM25 the query could reach (0 without text).
  double score = 0;
  LiveSignals live;
  std::optional<ScoreDetails> details;  // With SearchQuery::explain and a blend.
};

// Live signals change in place, without touching the text index, and are
// visible to the next query. A catalog write of a product (Upsert, Patch)
// resets its live price to the document's price; stock and demand survive it.
struct SignalUpdate {
  std::string product_id;
  std::optional<double> price;       // Live (dynamic) price.
  std::optional<double> base_price;  // Sets the live price too, unless `price` is given.
  std::optional<int64_t> stock;      // Available units; <= 0 is out of stock.
  std::optional<double> popularity;
  std::optional<double> cost;
  std::optional<double> demand;      // Normalised demand score (ranking input).
};

struct SignalUpdateResult {
  size_t applied = 0;
  std::vector<std::string> unknown_ids;  // Not in the index: nothing applied.
};

struct FacetValueCount {
  std::string value;
  uint64_t count = 0;
};

struct FacetStats {
  double min = 0;
  double max = 0;
};

struct SearchResult {
  std::vector<Hit> hits;
  uint64_t total_hits = 0;
  bool total_exact = false;
  // Per requested facet: values ordered by count descending, then value.
  std::map<std::string, std::vector<FacetValueCount>> facet_distribution;
  std::map<std::string, FacetStats> facet_stats;  // Numeric facets with >= 1 value.
};

// A position in a scan over every product (see ProductIndex::Scan). Start
// with a default-constructed cursor.
struct ScanCursor {
  uint32_t next_docid = 1;
  bool done = false;
};

struct IndexStats {
  uint64_t documents = 0;
  uint64_t commits = 0;
  uint64_t generation = 0;  // Bumped by every commit.
};

class ProductIndex {
 public:
  static absl::StatusOr<std::unique_ptr<ProductIndex>> Open(const IndexOptions& options);

  virtual ~ProductIndex() = default;

  // Inserts or replaces products by id. Products must already be validated
  // (ingest/ does that). Returns after commit.
  virtual absl::Status Upsert(std::vector<Product> products) = 0;

  // Deletes by id; returns how many existed. Unknown ids are not an error.
  virtual absl::StatusOr<size_t> Delete(const std::vector<std::string>& ids) = 0;

  // Applies a partial update atomically with respect to other writes and
  // returns the product as stored. NotFound for an unknown id.
  virtual absl::StatusOr<Product> Patch(std::string_view id, const ProductPatch& patch) = 0;

  // NotFound for an unknown id.
  virtual absl::StatusOr<Product> Get(std::string_view id) const = 0;

  // Writes live signals in place (lock-free for readers). Callers own their
  // durability (store/). Thread-safe; cheap: no commit.
  virtual absl::StatusOr<SignalUpdateResult> UpdateSignals(
      const std::vector<SignalUpdate>& updates) = 0;

  // Precomputes every product's weighted signal sum for this blend (its
  // pivots and availability/demand/popularity/margin weights; relevance and
  // personalization may vary per query), kept up to date by every later
  // signal write, so blended queries with the same signal weights read 2
  // bytes per match instead of five columns. Other blends still work,
  // slower. Blocks while recomputing (tens of ms per million products); a
  // no-op when current. Thread-safe.
  virtual void PrepareBlend(const ScoreBlend& blend) = 0;

  // The live signals of one product. NotFound for an unknown id.
  virtual absl::StatusOr<LiveSignals> Signals(std::string_view id) const = 0;

  // InvalidArgument (message names the field and position) for a filter, facet
  // or sort on an unknown or unsuitable field.
  virtual absl::StatusOr<SearchResult> Search(const SearchQuery& query) const = 0;

  // Up to `limit` products from the cursor on, in storage order, as Hits
  // (live price in product.price, base price in live.base_price, score 0);
  // advances the cursor and sets cursor->done after the last product.
  // Products live for the whole scan are returned exactly once; products
  // added or deleted meanwhile may or may not be.
  virtual absl::StatusOr<std::vector<Hit>> Scan(ScanCursor* cursor, size_t limit) const = 0;

  virtual IndexStats Stats() const = 0;

  // Attribute names seen in the catalog (filterable and facetable).
  virtual std::vector<std::string> AttributeNames() const = 0;

  // Commits pending work and stops the writer. Later writes fail with
  // FailedPrecondition. Called by the destructor when not called before.
  virtual absl::Status Close() = 0;
};

}  // namespace aisle::index

#endif  // AISLE_INDEX_PRODUCT_INDEX_H_
