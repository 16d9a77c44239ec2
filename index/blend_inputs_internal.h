// Internal to index/: a document's business inputs to a blended score
// (ScoreBlend in product_index.h), each in [0, 1], and the prepared form
// that blended queries read.
//
// For one prepared blend (pivots and the four signal weights; the ranking
// settings in force) the catalog keeps each document's weighted signal sum
// as 16 bits, recomputed whenever one of its signals changes. A blended
// query then reads 2 bytes per match from a dense array (2 MB per million
// products, which stays in cache) instead of five 8-byte columns: a match
// costs a cache miss otherwise, and broad queries have tens of thousands.
#ifndef AISLE_INDEX_BLEND_INPUTS_INTERNAL_H_
#define AISLE_INDEX_BLEND_INPUTS_INTERNAL_H_

#include <cstdint>

namespace aisle::index::internal {

struct BlendInputs {
  double availability = 0;  // 1 in stock or untracked, 0 out of stock.
  double demand = 0;        // demand / (demand + pivot)
  double popularity = 0;    // popularity / (popularity + pivot)
  double margin = 0;        // (price - cost) / price; 0 when either is unknown.
};

// The raw signals of one document.
struct RawSignals {
  int64_t stock = 0;
  double demand = 0;
  double popularity = 0;
  double price = 0;
  double cost = 0;
};

// What a prepared signal score depends on.
struct PreparedBlend {
  double demand_pivot = 1;
  double popularity_pivot = 10;
  double availability = 0.3;
  double demand = 0.1;
  double popularity = 0.1;
  double margin = 0.05;
  bool operator==(const PreparedBlend&) const = default;

  double signal_weight() const { return availability + demand + popularity + margin; }
};

BlendInputs ComputeBlendInputs(const RawSignals& raw, double demand_pivot,
                               double popularity_pivot);

// The weighted signal sum as a fraction of signal_weight(), in 1/65535 steps,
// and back.
uint16_t EncodeSignalScore(const BlendInputs& inputs, const PreparedBlend& blend);
double DecodeSignalScore(uint16_t code, const PreparedBlend& blend);

}  // namespace aisle::index::internal

#endif  // AISLE_INDEX_BLEND_INPUTS_INTERNAL_H_
