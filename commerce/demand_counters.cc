#include "commerce/demand_counters.h"

#include <algorithm>
#include <climits>
#include <mutex>
#include <queue>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/hash/hash.h"
#include "commerce/bucket_series_internal.h"
#include "base/serial.h"

namespace aisle::commerce {
namespace {

using internal::CountSeries;
using internal::KindCounts;
using internal::KindTotals;

constexpr int32_t kFinePerHour = static_cast<int32_t>(kCoarseBucketMs / kFineBucketMs);  // 12
constexpr int32_t kFineRetention = 24 * kFinePerHour;                                    // 288
constexpr int32_t kCoarseRetention = 7 * 24;                                             // 168
constexpr int32_t kNoBucket = INT32_MIN;

int32_t BucketOf(int64_t ms, int64_t bucket_ms) {
  int64_t q = ms / bucket_ms;
  if (ms % bucket_ms != 0 && ms < 0) --q;  // Floor division.
  return static_cast<int32_t>(std::clamp<int64_t>(q, INT32_MIN + 1, INT32_MAX));
}

// The buckets a read or write at `now_ms` sees: a window covers (floor, now].
struct Frame {
  int32_t fine;
  int32_t coarse;
  explicit Frame(int64_t now_ms)
      : fine(BucketOf(now_ms, kFineBucketMs)), coarse(BucketOf(now_ms, kCoarseBucketMs)) {}
  int32_t fine_floor() const { return fine - kFineRetention; }
  int32_t coarse_floor() const { return coarse - kCoarseRetention; }
};

DemandCounts ToCounts(const KindTotals& totals) {
  return DemandCounts{totals[0], totals[1], totals[2], totals[3], totals[4]};
}

struct ProductState {
  std::string category;
  CountSeries fine;                 // 5-minute buckets, 24 h retention.
  CountSeries coarse;               // Hourly buckets, 7 d retention.
  int32_t latest_fine = kNoBucket;  // Newest 5-minute bucket with an event.
};

struct CategoryState {
  CountSeries fine;
  CountSeries coarse;
  // Per 5-minute bucket, how many products of the category had their latest
  // event in it: summed over 24 h, the number of active products.
  internal::BucketSeries<int32_t> active;
};

struct alignas(64) ProductShard {
  mutable std::mutex mu;
  absl::flat_hash_map<std::string, ProductState> products;
};

struct alignas(64) CategoryShard {
  mutable std::mutex mu;
  absl::flat_hash_map<std::string, CategoryState> categories;
};

// Shard from the high bits of a remixed hash: the map inside the shard uses
// the low bits of the same hash, which must stay evenly spread.
size_t ShardIndex(const std::string& key, size_t shards) {
  const uint64_t h = absl::Hash<std::string>{}(key)*0x9E3779B97F4A7C15ull;
  return static_cast<size_t>((h >> 32) % shards);
}

auto Increment(int kind) {
  return [kind](KindCounts& counts) { ++counts[kind]; };
}

auto AddActive(int32_t delta) {
  return [delta](int32_t& active) { active += delta; };
}

}  // namespace

struct DemandCounters::State {
  const Clock& clock;
  DemandCountersOptions options;
  std::vector<ProductShard> product_shards;
  std::vector<CategoryShard> category_shards;

  State(const Clock& c, DemandCountersOptions o)
      : clock(c),
        options(o),
        product_shards(static_cast<size_t>(std::max(1, o.product_shards))),
        category_shards(static_cast<size_t>(std::max(1, o.category_shards))) {}

  ProductShard& ShardFor(const std::string& product_id) {
    return product_shards[ShardIndex(product_id, product_shards.size())];
  }
  const ProductShard& ShardFor(const std::string& product_id) const {
    return product_shards[ShardIndex(product_id, product_shards.size())];
  }
  CategoryShard& CategoryShardFor(const std::string& category) {
    return category_shards[ShardIndex(category, category_shards.size())];
  }
  const CategoryShard& CategoryShardFor(const std::string& category) const {
    return category_shards[ShardIndex(category, category_shards.size())];
  }

  // Runs `fn(CategoryState&)` under the category's stripe lock.
  template <typename Fn>
  void WithCategory(const std::string& category, Fn fn) {
    CategoryShard& shard = CategoryShardFor(category);
    std::lock_guard lock(shard.mu);
    fn(shard.categories[category]);
  }

  void MoveCategory(ProductState& product, const std::string& category, const Frame& frame);
  void Count(ProductState& product, int kind, int32_t fine, int32_t coarse, const Frame& frame);
  void WriteProducts(ByteWriter& out) const;
};

// Moves an active product's "latest bucket" mark from its old category to the
// new one, so both categories' active-product counts stay right.
void DemandCounters::State::MoveCategory(ProductState& product, const std::string& category,
                                         const Frame& frame) {
  const int32_t latest = product.latest_fine;
  if (latest > frame.fine_floor() && latest <= frame.fine) {
    if (!product.category.empty()) {
      WithCategory(product.category, [&](CategoryState& c) {
        c.active.Update(latest, frame.fine_floor(), AddActive(-1));
      });
    }
    WithCategory(category, [&](CategoryState& c) {
      c.active.Update(latest, frame.fine_floor(), AddActive(+1));
    });
  }
  product.category = category;
}

void DemandCounters::State::Count(ProductState& product, int kind, int32_t fine, int32_t coarse,
                                  const Frame& frame) {
  product.fine.Update(fine, frame.fine_floor(), Increment(kind));
  product.coarse.Update(coarse, frame.coarse_floor(), Increment(kind));
  const int32_t previous = product.latest_fine;
  const bool newer = fine > frame.fine_floor() && fine > previous;
  if (newer) product.latest_fine = fine;
  if (product.category.empty()) return;
  WithCategory(product.category, [&](CategoryState& c) {
    c.fine.Update(fine, frame.fine_floor(), Increment(kind));
    c.coarse.Update(coarse, frame.coarse_floor(), Increment(kind));
    if (newer) {
      // Update() ignores a previous bucket that already left the retention.
      if (previous != kNoBucket) c.active.Update(previous, frame.fine_floor(), AddActive(-1));
      c.active.Update(fine, frame.fine_floor(), AddActive(+1));
    }
  });
}

int64_t DemandWindowMs(DemandWindow window) {
  switch (window) {
    case DemandWindow::k1h:
      return kCoarseBucketMs;
    case DemandWindow::k24h:
      return 24 * kCoarseBucketMs;
    case DemandWindow::k7d:
      return 7 * 24 * kCoarseBucketMs;
  }
  return 0;
}

double DemandScore(const DemandCounts& c, const DemandWeights& w) {
  return static_cast<double>(c.views) * w.view + static_cast<double>(c.clicks) * w.click +
         static_cast<double>(c.cart_adds) * w.cart_add +
         static_cast<double>(c.purchases) * w.purchase +
         static_cast<double>(c.wishlist_adds) * w.wishlist_add;
}

DemandCounters::DemandCounters(const Clock& clock, DemandCountersOptions options)
    : state_(std::make_unique<State>(clock, options)) {}

DemandCounters::~DemandCounters() = default;

bool DemandCounters::Record(const Event& event) {
  if (event.type == EventType::kSearch || event.product_id.empty()) return false;
  const int kind = static_cast<int>(event.type);
  if (kind < 0 || kind >= internal::kDemandKindCount) return false;
  const int64_t now = state_->clock.NowMillis();
  const int64_t t = event.timestamp_ms == 0 ? now : std::min(event.timestamp_ms, now);
  const Frame frame(now);
  const int32_t fine = BucketOf(t, kFineBucketMs);
  const int32_t coarse = BucketOf(t, kCoarseBucketMs);
  if (coarse <= frame.coarse_floor()) return false;  // Older than every window.

  ProductShard& shard = state_->ShardFor(event.product_id);
  std::lock_guard lock(shard.mu);  // Held across the category update: lock order product, category.
  ProductState& product = shard.products[event.product_id];
  if (!event.category.empty() && event.category != product.category) {
    state_->MoveCategory(product, event.category, frame);
  }
  state_->Count(product, kind, fine, coarse, frame);
  return true;
}

DemandSnapshot DemandCounters::Snapshot(const std::string& product_id, int64_t now_ms) const {
  DemandSnapshot snapshot;
  const Frame frame(now_ms);
  {
    const ProductShard& shard = state_->ShardFor(product_id);
    std::lock_guard lock(shard.mu);
    auto it = shard.products.find(product_id);
    if (it == shard.products.end()) return snapshot;
    const ProductState& p = it->second;
    snapshot.category = p.category;
    snapshot.windows[0] = ToCounts(SumCounts(p.fine, frame.fine - kFinePerHour, frame.fine));
    snapshot.windows[1] = ToCounts(SumCounts(p.fine, frame.fine_floor(), frame.fine));
    snapshot.windows[2] = ToCounts(SumCounts(p.coarse, frame.coarse_floor(), frame.coarse));
  }
  snapshot.demand_score = DemandScore(snapshot.in(DemandWindow::k24h), state_->options.weights);
  if (!snapshot.category.empty()) {
    snapshot.category_average = CategoryAverage(snapshot.category, now_ms);
  }
  return snapshot;
}

namespace {

KindTotals WindowTotals(const CountSeries& fine, const CountSeries& coarse, DemandWindow window,
                        const Frame& frame) {
  switch (window) {
    case DemandWindow::k1h:
      return SumCounts(fine, frame.fine - kFinePerHour, frame.fine);
    case DemandWindow::k24h:
      return SumCounts(fine, frame.fine_floor(), frame.fine);
    case DemandWindow::k7d:
      return SumCounts(coarse, frame.coarse_floor(), frame.coarse);
  }
  return KindTotals{};
}

}  // namespace

DemandCounts DemandCounters::CategoryCounts(const std::string& category, DemandWindow window,
                                            int64_t now_ms) const {
  const CategoryShard& shard = state_->CategoryShardFor(category);
  std::lock_guard lock(shard.mu);
  auto it = shard.categories.find(category);
  if (it == shard.categories.end()) return DemandCounts{};
  return ToCounts(WindowTotals(it->second.fine, it->second.coarse, window, Frame(now_ms)));
}

double DemandCounters::CategoryAverage(const std::string& category, int64_t now_ms) const {
  const Frame frame(now_ms);
  const CategoryShard& shard = state_->CategoryShardFor(category);
  std::lock_guard lock(shard.mu);
  auto it = shard.categories.find(category);
  if (it == shard.categories.end()) return 0;
  int64_t active = 0;
  it->second.active.ForRange(frame.fine_floor(), frame.fine, [&active](int32_t n) { active += n; });
  if (active <= 0) return 0;
  const DemandCounts totals = ToCounts(SumCounts(it->second.fine, frame.fine_floor(), frame.fine));
  return DemandScore(totals, state_->options.weights) / static_cast<double>(active);
}

namespace {

// Orders trending candidates best first: higher score, then smaller id.
bool Better(double a_score, const std::string& a_id, double b_score, const std::string& b_id) {
  if (a_score != b_score) return a_score > b_score;
  return a_id < b_id;
}

bool Better(const TrendingProduct& a, const TrendingProduct& b) {
  return Better(a.score, a.product_id, b.score, b.product_id);
}

}  // namespace

std::vector<TrendingProduct> DemandCounters::TopProducts(const std::string& category,
                                                         DemandWindow window, size_t n,
                                                         int64_t now_ms) const {
  if (n == 0) return {};
  const Frame frame(now_ms);
  // A heap whose top is the worst of the best n seen so far.
  auto worse_last = [](const TrendingProduct& a, const TrendingProduct& b) { return Better(a, b); };
  std::priority_queue<TrendingProduct, std::vector<TrendingProduct>, decltype(worse_last)> heap(
      worse_last);
  for (const ProductShard& shard : state_->product_shards) {
    std::lock_guard lock(shard.mu);
    for (const auto& [id, p] : shard.products) {
      if (!category.empty() && p.category != category) continue;
      const double score = DemandScore(ToCounts(WindowTotals(p.fine, p.coarse, window, frame)),
                                       state_->options.weights);
      if (score <= 0) continue;
      if (heap.size() == n && !Better(score, id, heap.top().score, heap.top().product_id)) {
        continue;
      }
      heap.push(TrendingProduct{id, score});
      if (heap.size() > n) heap.pop();
    }
  }
  std::vector<TrendingProduct> top;
  top.reserve(heap.size());
  while (!heap.empty()) {
    top.push_back(heap.top());
    heap.pop();
  }
  std::reverse(top.begin(), top.end());
  return top;
}

size_t DemandCounters::Sweep() {
  const Frame frame(state_->clock.NowMillis());
  size_t dropped = 0;
  for (ProductShard& shard : state_->product_shards) {
    std::lock_guard lock(shard.mu);
    dropped += absl::erase_if(shard.products, [&frame](auto& entry) {
      ProductState& p = entry.second;
      p.fine.Prune(frame.fine_floor());
      p.coarse.Prune(frame.coarse_floor());
      return p.fine.empty() && p.coarse.empty();
    });
  }
  for (CategoryShard& shard : state_->category_shards) {
    std::lock_guard lock(shard.mu);
    absl::erase_if(shard.categories, [&frame](auto& entry) {
      CategoryState& c = entry.second;
      c.fine.Prune(frame.fine_floor());
      c.coarse.Prune(frame.coarse_floor());
      c.active.Prune(frame.fine_floor());
      c.active.DropZeros();
      return c.fine.empty() && c.coarse.empty() && c.active.empty();
    });
  }
  return dropped;
}

size_t DemandCounters::product_count() const {
  size_t count = 0;
  for (const ProductShard& shard : state_->product_shards) {
    std::lock_guard lock(shard.mu);
    count += shard.products.size();
  }
  return count;
}

// ---------------------------------------------------------------------------
// Snapshot format, version 1:
//   "DC" 0x01, varint fine bucket ms, varint coarse bucket ms,
//   then per product: 0x01, string id, string category, svarint latest_fine,
//   fine series, coarse series; then 0x00.
//   A series: varint entry count, then per entry svarint bucket (strictly
//   increasing) and five varint counts.

namespace {

constexpr uint8_t kSnapshotVersion = 1;

void WriteSeries(const CountSeries& series, ByteWriter& out) {
  out.PutVarint(series.entries().size());
  for (const auto& entry : series.entries()) {
    out.PutSignedVarint(entry.bucket);
    for (uint32_t count : entry.value) out.PutVarint(count);
  }
}

bool ReadSeries(ByteReader& in, CountSeries* series) {
  uint64_t size;
  if (!in.GetVarint(&size) || size > in.remaining()) return false;
  int64_t previous = INT64_MIN;
  for (uint64_t i = 0; i < size; ++i) {
    int64_t bucket;
    if (!in.GetSignedVarint(&bucket) || bucket <= previous || bucket <= INT32_MIN ||
        bucket > INT32_MAX) {
      return false;
    }
    previous = bucket;
    KindCounts counts{};
    for (uint32_t& count : counts) {
      uint64_t value;
      if (!in.GetVarint(&value) || value > UINT32_MAX) return false;
      count = static_cast<uint32_t>(value);
    }
    // INT32_MIN as the floor keeps every entry; retention is applied later.
    series->Update(static_cast<int32_t>(bucket), INT32_MIN, [&](KindCounts& c) { c = counts; });
  }
  return true;
}

}  // namespace

void DemandCounters::State::WriteProducts(ByteWriter& out) const {
  for (const ProductShard& shard : product_shards) {
    std::lock_guard lock(shard.mu);
    for (const auto& [id, p] : shard.products) {
      out.PutU8(1);
      out.PutString(id);
      out.PutString(p.category);
      out.PutSignedVarint(p.latest_fine);
      WriteSeries(p.fine, out);
      WriteSeries(p.coarse, out);
    }
  }
}

std::string DemandCounters::Serialize() const {
  ByteWriter out;
  out.PutU8('D');
  out.PutU8('C');
  out.PutU8(kSnapshotVersion);
  out.PutVarint(kFineBucketMs);
  out.PutVarint(kCoarseBucketMs);
  state_->WriteProducts(out);
  out.PutU8(0);
  return out.Take();
}

namespace {

bool ReadHeader(ByteReader& in) {
  uint8_t d, c, version;
  uint64_t fine_ms, coarse_ms;
  return in.GetU8(&d) && in.GetU8(&c) && in.GetU8(&version) && d == 'D' && c == 'C' &&
         version == kSnapshotVersion && in.GetVarint(&fine_ms) && in.GetVarint(&coarse_ms) &&
         fine_ms == static_cast<uint64_t>(kFineBucketMs) &&
         coarse_ms == static_cast<uint64_t>(kCoarseBucketMs);
}

bool ReadProduct(ByteReader& in, std::string* id, ProductState* p) {
  int64_t latest;
  if (!in.GetString(id) || id->empty() || !in.GetString(&p->category) ||
      !in.GetSignedVarint(&latest) || latest < INT32_MIN || latest > INT32_MAX) {
    return false;
  }
  p->latest_fine = static_cast<int32_t>(latest);
  return ReadSeries(in, &p->fine) && ReadSeries(in, &p->coarse);
}

// Adds every count of `from` into `to` (both within retention `floor`).
void MergeSeries(const CountSeries& from, int32_t floor, CountSeries& to) {
  for (const auto& entry : from.entries()) {
    to.Update(entry.bucket, floor, [&](KindCounts& c) {
      for (int k = 0; k < internal::kDemandKindCount; ++k) c[k] += entry.value[k];
    });
  }
}

}  // namespace

absl::Status DemandCounters::Restore(std::string_view snapshot) {
  const Frame frame(state_->clock.NowMillis());
  ByteReader in(snapshot);
  if (!ReadHeader(in)) return absl::DataLossError("demand snapshot: bad header or version");
  std::vector<absl::flat_hash_map<std::string, ProductState>> products(
      state_->product_shards.size());
  std::vector<absl::flat_hash_map<std::string, CategoryState>> categories(
      state_->category_shards.size());
  for (;;) {
    uint8_t marker;
    if (!in.GetU8(&marker) || marker > 1) return absl::DataLossError("demand snapshot: truncated");
    if (marker == 0) break;
    std::string id;
    ProductState p;
    if (!ReadProduct(in, &id, &p)) return absl::DataLossError("demand snapshot: corrupt product");
    p.fine.Prune(frame.fine_floor());
    p.coarse.Prune(frame.coarse_floor());
    if (p.fine.empty() && p.coarse.empty()) continue;
    if (!p.category.empty()) {
      CategoryState& c = categories[ShardIndex(p.category, categories.size())][p.category];
      MergeSeries(p.fine, frame.fine_floor(), c.fine);
      MergeSeries(p.coarse, frame.coarse_floor(), c.coarse);
      c.active.Update(p.latest_fine, frame.fine_floor(), AddActive(+1));
    }
    auto& shard = products[ShardIndex(id, products.size())];
    if (!shard.emplace(id, std::move(p)).second) {
      return absl::DataLossError("demand snapshot: duplicate product");
    }
  }
  if (!in.AtEnd()) return absl::DataLossError("demand snapshot: trailing bytes");
  for (size_t i = 0; i < products.size(); ++i) {
    std::lock_guard lock(state_->product_shards[i].mu);
    state_->product_shards[i].products.swap(products[i]);
  }
  for (size_t i = 0; i < categories.size(); ++i) {
    std::lock_guard lock(state_->category_shards[i].mu);
    state_->category_shards[i].categories.swap(categories[i]);
  }
  return absl::OkStatus();
}

}  // namespace aisle::commerce
