// The behavioural model: what shoppers look at next. Item-to-item statistics
// learned from the order in which each shopper met products, and from what
// they put in a basket together.
//
// Next-item prediction (the seed's sequence_prediction): for the session's
// last `session_length` items h_0 (newest), h_1, ..., a candidate j scores
//   sum_k decay^k * next(h_k, j)
// where next(i, j) counts how often j followed i within `window` steps of a
// shopper's sequence (a gap of g steps weighs gap_decay^(g-1)), plus
// `backward` times how often j came before i, scaled so that each item's
// strongest neighbour is 1. Measured on Amazon Beauty (full ranking,
// leave-one-out): window 5, gap_decay 0.8, backward 0.5 give HR@10 0.077;
// counting only the very next item gives 0.062, backward 1.0 gives 0.064.
//
// Thread-safety: immutable after Train/Deserialize; every const method may
// run concurrently.
#ifndef AISLE_RANKING_SEQUENCE_MODEL_H_
#define AISLE_RANKING_SEQUENCE_MODEL_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "base/status.h"
#include "ranking/interactions.h"

namespace aisle::ranking {

struct SequenceOptions {
  // Training.
  int window = 5;           // Steps ahead that count as "followed by".
  float gap_decay = 0.8f;   // A pair g steps apart weighs gap_decay^(g-1).
  float backward = 0.5f;    // "Came before" relative to "came after".
  int max_neighbors = 50;   // Kept per item (50 loses nothing measurable on Beauty).
  // Baskets for "bought together": cart adds and purchases of one shopper
  // within this window of each other.
  int64_t basket_window_ms = 24LL * 3600 * 1000;
  // Serving (the seed's sessionLength 10, decayFactor 0.9).
  int session_length = 10;
  float decay = 0.9f;

  bool operator==(const SequenceOptions&) const = default;
};

// InvalidArgument naming the field for a window < 1, max_neighbors < 1,
// session_length < 1, a non-finite or negative weight, decays outside (0, 1].
absl::Status ValidateSequenceOptions(const SequenceOptions& options);

struct Neighbor {
  uint32_t item = 0;
  float weight = 0;  // In (0, 1].
};

// Per-item neighbour lists in CSR form, strongest first.
class NeighborTable {
 public:
  NeighborTable() = default;
  // Keeps each row's `max_neighbors` strongest entries, scaled by
  // `scale_row_max` ? the row's maximum : 1.
  static NeighborTable FromRows(std::vector<absl::flat_hash_map<uint32_t, float>> rows,
                                int max_neighbors, bool scale_row_max);

  std::span<const Neighbor> Row(uint32_t item) const;
  size_t items() const { return begin_.empty() ? 0 : begin_.size() - 1; }
  size_t entries() const { return neighbors_.size(); }

  void AppendTo(std::string* out) const;
  // Reads what AppendTo wrote from *in and advances it; DataLoss when corrupt.
  static absl::StatusOr<NeighborTable> ReadFrom(std::string_view* in);

 private:
  std::vector<uint64_t> begin_;  // items + 1.
  std::vector<Neighbor> neighbors_;
};

class SequenceModel {
 public:
  SequenceModel() = default;
  static SequenceModel Train(const InteractionLog& log, const SequenceOptions& options);

  // Adds the next-item scores for a history given newest first (only its
  // first session_length items count) into *scores.
  void Score(std::span<const uint32_t> newest_first,
             absl::flat_hash_map<uint32_t, float>* scores) const;

  std::span<const Neighbor> Next(uint32_t item) const { return next_.Row(item); }
  // Co-basket neighbours, by cosine of basket counts (not row-scaled).
  std::span<const Neighbor> BoughtTogether(uint32_t item) const { return baskets_.Row(item); }

  const SequenceOptions& options() const { return options_; }
  size_t items() const { return next_.items(); }

  std::string Serialize() const;
  static absl::StatusOr<SequenceModel> Deserialize(std::string_view bytes);

 private:
  SequenceOptions options_;
  NeighborTable next_;
  NeighborTable baskets_;
};

}  // namespace aisle::ranking

#endif  // AISLE_RANKING_SEQUENCE_MODEL_H_
