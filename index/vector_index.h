// VectorIndex: top-k inner-product search over item vectors (collaborative-
// filtering factors, content embeddings) with business filters, for
// recommendations and "similar items". Vectors live in memory; Save/Load
// persist them to one file.
//
// Thread-safety: every method may be called from any thread concurrently.
// Search, Vector, size and Save share a reader lock; Add and Remove take the
// writer lock, wait for the searches in flight (each well under 1 ms) and
// hold back new ones meanwhile (writers are not starved by a steady stream
// of searches). A Remove or Add is visible to every Search that starts after
// it returns.
//
// Threads: FAISS parallelises with OpenMP. Search, Add and Remove run on the
// calling thread only: they set the calling thread's OpenMP thread count to 1
// for the call and restore it afterwards, so request threads never fan out or
// leave spinning OpenMP workers behind (STACK.md: 15-25% more QPS). Build
// uses VectorIndexOptions::build_threads. Nothing else is needed from the
// server.
#ifndef AISLE_INDEX_VECTOR_INDEX_H_
#define AISLE_INDEX_VECTOR_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "base/status.h"

namespace aisle::index {

enum class VectorIndexKind {
  // Chosen by item count at Build: kFlat up to flat_max_items, else kIvf.
  kAuto,
  // Exact: every stored vector is scored by an AVX2 loop of our own (the
  // Debian FAISS IndexFlatIP is built for SSE2: 6x slower, 2.9 ms vs 0.49 ms
  // at 100k x 50-d).
  kFlat,
  // FAISS IndexIVFFlat: k-means lists, ivf_probe of them scanned per query.
  // Approximate; trains at Build (needs at least ivf_lists vectors).
  kIvf,
  // FAISS IndexHNSWFlat graph. Approximate. Never chosen automatically: on
  // the benchmark it built 10x slower than IVF (90 s at 100k on 2 cores),
  // searched slower, and its inner-product recall stopped at 0.91 whatever
  // hnsw_ef_search.
  kHnsw,
};

// Figures from bench/vector_bench.cc: 50-d vectors in 1000 overlapping
// gaussian clusters (not normalised), top-20 with a filter rejecting 10%,
// one search thread, per-query CPU time median / p99, 2-core AVX2 machine
// (shared, so wall-clock p99 was scheduler noise):
//   items  flat (exact)     IVF 4*sqrt(n) lists, probe 16          build
//   12k    0.05 / 0.25 ms   0.04 ms, recall@20 0.65 (lists too short) 0.5 s
//   100k   0.49 / 0.80 ms   0.06 / 0.14 ms, recall 0.95                9 s
//   1M     12 / 19 ms       0.91 / 1.8 ms, recall 0.97                 82 s
// With ivf_lists = 2000 at 1M: probe 8 0.46 ms recall 0.967, probe 16
// 0.79-0.95 ms recall 0.984, and it builds in 33-64 s.
struct VectorIndexOptions {
  // Required, in [1, 65536]. Every vector and query has this many floats.
  int dimension = 0;
  VectorIndexKind kind = VectorIndexKind::kAuto;
  // kAuto builds kFlat up to this many items, kIvf above. Up to 100k a flat
  // search is exact and about 0.5 ms; below 100k IVF lists get too short to
  // keep recall (0.65 at 12k), above it flat grows linearly (12 ms at 1M).
  size_t flat_max_items = 100'000;
  // IVF lists. 0 = 4 * sqrt(items) (FAISS's rule of thumb is 4-16 sqrt(n)),
  // at most items / 39 (k-means wants 39 training points per list).
  int ivf_lists = 0;
  // IVF lists scanned per query: recall against cost (see the table; probe
  // 8 at 100k: 0.04 ms, recall 0.92; probe 32: 0.12 ms, recall 0.97).
  int ivf_probe = 16;
  // HNSW graph degree, candidate list size at search (FAISS raises it to k
  // when k is larger) and at construction.
  int hnsw_m = 32;
  int hnsw_ef_search = 64;
  int hnsw_ef_construction = 40;
  // OpenMP threads for Build's training and graph construction. 0 = the
  // OpenMP default (all cores) from 20k items, 1 below (threads cost more
  // than they save there, badly so on a busy machine). Use 1 to rebuild in
  // the background of a serving process without taking cores from requests.
  int build_threads = 0;
};

struct VectorHit {
  int64_t id = 0;
  float score = 0;  // Inner product of the query and the item's vector.
  bool operator==(const VectorHit&) const = default;
};

// Admit(id) false = skip the item (out of stock, hidden, already bought...).
// Called on the searching thread, during the search, with the caller's ids:
// for some ids only (flat asks only about items that would make the top k),
// possibly more than once, in no particular order. Must be cheap and must not
// call back into the VectorIndex.
using VectorFilter = std::function<bool(int64_t id)>;

class VectorIndex {
 public:
  // `ids`: the caller's item ordinals (>= 0, unique). `vectors`: ids.size()
  // x dimension floats, row major, finite. InvalidArgument (naming the
  // field) on bad options or input.
  static absl::StatusOr<std::unique_ptr<VectorIndex>> Build(const VectorIndexOptions& options,
                                                            std::span<const int64_t> ids,
                                                            std::span<const float> vectors);

  // Reads a file written by Save, with the options it was built with.
  // NotFound for a missing file, DataLoss for a corrupt or truncated one.
  static absl::StatusOr<std::unique_ptr<VectorIndex>> Load(const std::string& path);

  virtual ~VectorIndex() = default;

  // Writes the index (removed and replaced vectors included, marked dead)
  // to a temporary file beside `path`, fsyncs it and renames it over `path`:
  // readers see the old file or the new one. A checksum covers the file.
  // Holds the reader lock, so Add/Remove wait for the write.
  virtual absl::Status Save(const std::string& path) const = 0;

  // The k admitted, not removed items with the highest inner product, best
  // first (ties: lower id first). Fewer than k when fewer items qualify;
  // IVF and HNSW may also return fewer when the filter rejects most items.
  // InvalidArgument when query.size() != dimension() or it is not finite.
  virtual absl::StatusOr<std::vector<VectorHit>> Search(
      std::span<const float> query, size_t k, const VectorFilter* filter = nullptr) const = 0;

  // Inserts an item without a rebuild, replacing the vector of an existing
  // id. IVF assigns it to the nearest existing list (no retraining).
  virtual absl::Status Add(int64_t id, std::span<const float> vector) = 0;

  // Soft delete; unknown ids are ignored. The vector's slot stays in
  // storage (skipped by searches, and so does a replaced one) until the next
  // Build. Returns whether the id existed.
  virtual bool Remove(int64_t id) = 0;

  // Changes ivf_probe and hnsw_ef_search (recall against latency) without a
  // rebuild; Save keeps them. InvalidArgument when one is <= 0.
  virtual absl::Status SetSearchEffort(int ivf_probe, int hnsw_ef_search) = 0;

  // The stored vector of a live item, for "similar items".
  virtual std::optional<std::vector<float>> Vector(int64_t id) const = 0;

  // Live (not removed) items.
  virtual size_t size() const = 0;
  virtual int dimension() const = 0;
  // The kind built (never kAuto).
  virtual VectorIndexKind kind() const = 0;
};

}  // namespace aisle::index

#endif  // AISLE_INDEX_VECTOR_INDEX_H_
