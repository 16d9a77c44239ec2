// ContentIndex: every product's content vector (ranking/content_model.h) in
// an inner-product VectorIndex, kept in step with the catalog: new and
// changed products are encoded and added at once, deleted ones removed, so
// catalog changes reach content-based recommendations without a retrain.
//
// The encoder's document frequencies are fitted at Build; products added
// later are encoded with them (a rebuild refits).
//
// Thread-safety: every method may be called concurrently.
#ifndef AISLE_RANKING_CONTENT_INDEX_H_
#define AISLE_RANKING_CONTENT_INDEX_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "base/product.h"
#include "base/status.h"
#include "index/vector_index.h"
#include "ranking/content_model.h"

namespace aisle::ranking {

struct ContentIndexOptions {
  ContentOptions content;
  // dimension is the encoder's; IVF scans 8 lists (see TrainingOptions).
  index::VectorIndexOptions vectors = {.ivf_probe = 8};
};

struct ScoredProduct {
  std::string product_id;
  float score = 0;
};

// Admit(product_id) false = skip.
using ProductFilter = std::function<bool(std::string_view product_id)>;

class ContentIndex {
 public:
  // Fits the encoder on `products` and indexes them all.
  static absl::StatusOr<std::unique_ptr<ContentIndex>> Build(const ContentIndexOptions& options,
                                                             std::span<const Product> products);

  // Encodes and adds (or replaces) products.
  absl::Status Upsert(std::span<const Product> products);
  void Remove(std::span<const std::string> product_ids);

  // The stored unit vector of a product.
  std::optional<std::vector<float>> VectorOf(std::string_view product_id) const;

  // The k products whose vectors have the highest inner product with
  // `query`, best first; `filter` may be null.
  absl::StatusOr<std::vector<ScoredProduct>> Search(std::span<const float> query, size_t k,
                                                    const ProductFilter* filter) const;

  int dimension() const { return encoder_.dimension(); }
  size_t size() const;

 private:
  ContentIndex(ContentEncoder encoder, std::unique_ptr<index::VectorIndex> vectors);
  int64_t LabelFor(std::string_view product_id);  // Requires mu_ held exclusively.

  const ContentEncoder encoder_;
  const std::unique_ptr<index::VectorIndex> vectors_;
  mutable std::shared_mutex mu_;  // Guards the label tables.
  absl::flat_hash_map<std::string, int64_t> labels_;
  std::vector<std::string> ids_;  // By label.
};

}  // namespace aisle::ranking

#endif  // AISLE_RANKING_CONTENT_INDEX_H_
