// TrainedModels: one trained generation of the models learned from
// behaviour (collaborative filtering and the behavioural sequence model),
// with the item vocabulary they share. Immutable once built: the server
// trains a new generation in the background and swaps the pointer, so
// requests never see a half-trained model.
//
// Persisted under one directory per generation (Save/Load), so a restart
// serves the last model at once; the item factors are also the FAISS index
// they are searched in.
//
// Thread-safety: immutable; every const method may run concurrently.
#ifndef AISLE_RANKING_TRAINED_MODELS_H_
#define AISLE_RANKING_TRAINED_MODELS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "index/vector_index.h"
#include "ranking/als.h"
#include "ranking/interactions.h"
#include "ranking/sequence_model.h"

namespace aisle::ranking {

inline constexpr int kRecommendationIvfProbe = 8;

struct TrainingOptions {
  InteractionWeights weights;
  AlsOptions als;
  SequenceOptions sequence;
  // dimension is the factors'. IVF (catalogs over 100k items) scans 8
  // lists, not the index's general 16: at 1M items recall@20 0.947 instead
  // of 0.968 for half the time (bench/vector_bench), and a recommendation
  // page is a blend of four models, not an exact nearest-neighbour answer.
  index::VectorIndexOptions vectors = {.ivf_probe = kRecommendationIvfProbe};
};

struct ModelInfo {
  uint64_t generation = 0;
  int64_t trained_at_ms = 0;
  uint64_t users = 0;
  uint64_t items = 0;
  uint64_t interactions = 0;
  double training_seconds = 0;
};

class TrainedModels {
 public:
  // Trains every model on `log`. Cancelled when *cancel turns true.
  static absl::StatusOr<std::shared_ptr<const TrainedModels>> Train(
      const InteractionLog& log, const TrainingOptions& options, ModelInfo info,
      const std::atomic<bool>* cancel = nullptr);

  // Writes into `dir` (created; must not exist yet, so a generation is never
  // overwritten in place).
  absl::Status Save(const std::string& dir) const;
  // NotFound when `dir` has no saved models, DataLoss when corrupt.
  static absl::StatusOr<std::shared_ptr<const TrainedModels>> Load(const std::string& dir);

  const ModelInfo& info() const { return info_; }
  const ItemVocabulary& items() const { return items_; }
  const SequenceModel& sequence() const { return sequence_; }

  // Collaborative filtering: a user vector folded in from (item, strength)
  // pairs, and the items nearest to a vector by inner product.
  std::vector<float> FoldIn(std::span<const std::pair<uint32_t, float>> items) const {
    return als_.FoldIn(items);
  }
  std::span<const float> ItemFactors(uint32_t item) const { return als_.Item(item); }
  absl::StatusOr<std::vector<index::VectorHit>> NearestByFactors(
      std::span<const float> query, size_t k, const index::VectorFilter* filter) const {
    return factor_index_->Search(query, k, filter);
  }
  int factors() const { return als_.factors; }

  // Interactions per item in the training data (the cold-start fallback).
  float Popularity(uint32_t item) const { return item < popularity_.size() ? popularity_[item] : 0; }
  // Items by popularity, most first (at most 1000).
  const std::vector<uint32_t>& Popular() const { return popular_; }

 private:
  TrainedModels() = default;
  void RankPopular();

  ModelInfo info_;
  ItemVocabulary items_;
  AlsModel als_;  // Without user factors: users are folded in at request time.
  std::unique_ptr<index::VectorIndex> factor_index_;
  SequenceModel sequence_;
  std::vector<float> popularity_;
  std::vector<uint32_t> popular_;
};

// The strengths a user's interactions give the collaborative model, summed
// per item, for FoldIn and for training alike.
std::vector<std::pair<uint32_t, float>> FoldInInput(std::span<const Interaction> interactions,
                                                    const InteractionWeights& weights);

}  // namespace aisle::ranking

#endif  // AISLE_RANKING_TRAINED_MODELS_H_
