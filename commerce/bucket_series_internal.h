// A sparse time series of per-bucket values, the storage behind the demand
// counters' sliding windows. Only buckets that saw events are stored, sorted by
// bucket index, so a long-tail product with three events costs three entries
// while a hot one costs at most one entry per bucket of retention (288 five-
// minute buckets for 24 h, 168 hourly buckets for 7 d).
//
// Not thread-safe: the owner (DemandCounters) guards each series with the lock
// of its shard.
#ifndef AISLE_COMMERCE_BUCKET_SERIES_INTERNAL_H_
#define AISLE_COMMERCE_BUCKET_SERIES_INTERNAL_H_

#include <algorithm>
#include <array>
#include <cstdint>
#include <utility>
#include <vector>

namespace aisle::commerce::internal {

// View, click, cart add, purchase, wishlist add: EventType's first five values.
inline constexpr int kDemandKindCount = 5;
using KindCounts = std::array<uint32_t, kDemandKindCount>;
using KindTotals = std::array<uint64_t, kDemandKindCount>;

template <typename Value>
class BucketSeries {
 public:
  struct Entry {
    int32_t bucket;
    Value value;
  };

  // Applies `mutate(Value&)` to the entry of `bucket` (creating a
  // value-initialized one when missing), after dropping every entry at or
  // below `floor` (the newest bucket that already left the retention). A
  // bucket at or below `floor` is not stored: returns false.
  template <typename Mutate>
  bool Update(int32_t bucket, int32_t floor, Mutate mutate) {
    Prune(floor);
    if (bucket <= floor) return false;
    if (entries_.empty() || entries_.back().bucket < bucket) {
      entries_.push_back(Entry{bucket, Value{}});
      mutate(entries_.back().value);
      return true;
    }
    if (entries_.back().bucket == bucket) {  // The common case: the current bucket.
      mutate(entries_.back().value);
      return true;
    }
    auto it = std::lower_bound(entries_.begin(), entries_.end(), bucket,
                               [](const Entry& e, int32_t b) { return e.bucket < b; });
    if (it == entries_.end() || it->bucket != bucket)
      it = entries_.insert(it, Entry{bucket, Value{}});
    mutate(it->value);
    return true;
  }

  void Prune(int32_t floor) {
    if (entries_.empty() || entries_.front().bucket > floor) return;
    auto it = std::upper_bound(entries_.begin(), entries_.end(), floor,
                               [](int32_t b, const Entry& e) { return b < e.bucket; });
    entries_.erase(entries_.begin(), it);
  }

  // Calls `visit(const Value&)` for each entry with after < bucket <= upto.
  template <typename Visit>
  void ForRange(int32_t after, int32_t upto, Visit visit) const {
    // Walk back from the newest entry: windows end at "now", near the back.
    for (auto it = entries_.rbegin(); it != entries_.rend() && it->bucket > after; ++it) {
      if (it->bucket <= upto) visit(it->value);
    }
  }

  // Removes entries whose value equals Value{} (used for signed counters that
  // returned to zero).
  void DropZeros() {
    std::erase_if(entries_, [](const Entry& e) { return e.value == Value{}; });
  }

  bool empty() const { return entries_.empty(); }
  int32_t newest() const { return entries_.back().bucket; }  // Requires !empty().
  const std::vector<Entry>& entries() const { return entries_; }

 private:
  std::vector<Entry> entries_;
};

using CountSeries = BucketSeries<KindCounts>;

// Sums a count series over after < bucket <= upto.
inline KindTotals SumCounts(const CountSeries& series, int32_t after, int32_t upto) {
  KindTotals sum{};
  series.ForRange(after, upto, [&sum](const KindCounts& counts) {
    for (int k = 0; k < kDemandKindCount; ++k) sum[k] += counts[k];
  });
  return sum;
}

}  // namespace aisle::commerce::internal

#endif  // AISLE_COMMERCE_BUCKET_SERIES_INTERNAL_H_
