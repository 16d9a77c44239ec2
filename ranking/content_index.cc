#include "ranking/content_index.h"

#include <mutex>

namespace aisle::ranking {

ContentIndex::ContentIndex(ContentEncoder encoder, std::unique_ptr<index::VectorIndex> vectors)
    : encoder_(std::move(encoder)), vectors_(std::move(vectors)) {}

absl::StatusOr<std::unique_ptr<ContentIndex>> ContentIndex::Build(
    const ContentIndexOptions& options, std::span<const Product> products) {
  std::vector<ContentItem> items;
  items.reserve(products.size());
  for (const Product& product : products) items.push_back(ContentItemOf(product));
  AISLE_ASSIGN_OR_RETURN(ContentEncoder encoder, ContentEncoder::Fit(items, options.content));

  const size_t dim = encoder.dimension();
  std::vector<int64_t> labels;
  std::vector<float> vectors;
  std::vector<std::string> ids;
  absl::flat_hash_map<std::string, int64_t> by_id;
  labels.reserve(products.size());
  vectors.reserve(products.size() * dim);
  for (size_t i = 0; i < products.size(); ++i) {
    auto [it, inserted] = by_id.try_emplace(products[i].id, static_cast<int64_t>(ids.size()));
    if (!inserted) continue;  // First occurrence wins, as a catalog holds one per id.
    ids.push_back(products[i].id);
    labels.push_back(it->second);
    vectors.resize(vectors.size() + dim);
    encoder.EncodeInto(items[i], std::span<float>(vectors).last(dim));
  }
  index::VectorIndexOptions vector_options = options.vectors;
  vector_options.dimension = static_cast<int>(dim);
  AISLE_ASSIGN_OR_RETURN(auto index, index::VectorIndex::Build(vector_options, labels, vectors));
  std::unique_ptr<ContentIndex> content(new ContentIndex(std::move(encoder), std::move(index)));
  content->labels_ = std::move(by_id);
  content->ids_ = std::move(ids);
  return content;
}

int64_t ContentIndex::LabelFor(std::string_view product_id) {
  auto [it, inserted] = labels_.try_emplace(std::string(product_id), static_cast<int64_t>(ids_.size()));
  if (inserted) ids_.emplace_back(product_id);
  return it->second;
}

absl::Status ContentIndex::Upsert(std::span<const Product> products) {
  std::vector<float> vector(encoder_.dimension());
  for (const Product& product : products) {
    encoder_.EncodeInto(ContentItemOf(product), vector);
    int64_t label;
    {
      std::unique_lock lock(mu_);
      label = LabelFor(product.id);
    }
    AISLE_RETURN_IF_ERROR(vectors_->Add(label, vector));
  }
  return absl::OkStatus();
}

void ContentIndex::Remove(std::span<const std::string> product_ids) {
  for (const std::string& id : product_ids) {
    std::optional<int64_t> label;
    {
      std::shared_lock lock(mu_);
      if (auto it = labels_.find(id); it != labels_.end()) label = it->second;
    }
    // The label stays reserved for the id, so a re-added product reuses it.
    if (label) vectors_->Remove(*label);
  }
}

std::optional<std::vector<float>> ContentIndex::VectorOf(std::string_view product_id) const {
  int64_t label;
  {
    std::shared_lock lock(mu_);
    auto it = labels_.find(absl::string_view(product_id.data(), product_id.size()));
    if (it == labels_.end()) return std::nullopt;
    label = it->second;
  }
  return vectors_->Vector(label);
}

absl::StatusOr<std::vector<ScoredProduct>> ContentIndex::Search(std::span<const float> query,
                                                                size_t k,
                                                                const ProductFilter* filter) const {
  // Labels only grow and ids_ is only appended to under the exclusive lock;
  // the filter and the result mapping read it under the shared one.
  std::shared_lock lock(mu_);
  index::VectorFilter admit;
  if (filter != nullptr) {
    admit = [&](int64_t label) { return (*filter)(ids_[label]); };
  }
  AISLE_ASSIGN_OR_RETURN(auto hits, vectors_->Search(query, k, filter ? &admit : nullptr));
  std::vector<ScoredProduct> out;
  out.reserve(hits.size());
  for (const index::VectorHit& hit : hits) out.push_back({ids_[hit.id], hit.score});
  return out;
}

size_t ContentIndex::size() const { return vectors_->size(); }

}  // namespace aisle::ranking
