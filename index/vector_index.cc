#include "index/vector_index.h"

#include <fcntl.h>
#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/IndexIVFFlat.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/IDSelector.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <immintrin.h>
#include <omp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <limits>
#include <new>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "index/vector_file_internal.h"

namespace aisle::index {
namespace {

using internal::Checksum;
using internal::FileReader;
using internal::FileWriter;
using Label = faiss::Index::idx_t;  // Position of a vector in insertion order.

// Flat storage grows by blocks so an Add never copies the whole matrix while
// holding the writer lock (1M x 50-d is 200 MB).
constexpr size_t kBlockRows = 4096;

constexpr char kMagic[8] = {'A', 'I', 'S', 'L', 'E', 'V', 'X', '1'};
constexpr int kMaxDimension = 1 << 16;
constexpr size_t kParallelBuildItems = 20'000;

// Sets the calling thread's OpenMP thread count for a scope. OpenMP keeps the
// count per thread, so this neither affects nor is affected by other threads.
class ScopedOmpThreads {
 public:
  explicit ScopedOmpThreads(int threads) : saved_(omp_get_max_threads()) {
    if (threads > 0) omp_set_num_threads(threads);
  }
  ~ScopedOmpThreads() { omp_set_num_threads(saved_); }
  ScopedOmpThreads(const ScopedOmpThreads&) = delete;
  ScopedOmpThreads& operator=(const ScopedOmpThreads&) = delete;

 private:
  int saved_;
};

// Runs `fn`, turning exceptions (FAISS throws faiss::FaissException, and
// std::bad_alloc can come from anywhere) into a status: no exception crosses
// this file's boundary.
template <typename Fn>
absl::Status Guarded(const char* context, Fn&& fn, absl::StatusCode faiss_code =
                                                       absl::StatusCode::kInternal) {
  try {
    fn();
    return absl::OkStatus();
  } catch (const faiss::FaissException& e) {
    return absl::Status(faiss_code, absl::StrCat("vector index ", context, ": ", e.what()));
  } catch (const std::bad_alloc&) {
    return absl::ResourceExhaustedError(absl::StrCat("vector index ", context, ": out of memory"));
  } catch (const std::exception& e) {
    return absl::Status(faiss_code, absl::StrCat("vector index ", context, ": ", e.what()));
  }
}

// Dot product with 8 independent partial sums: the compiler turns the lanes
// into one vector register (no -ffast-math needed, the order of additions is
// fixed), where a single running sum would stay scalar.
inline float Dot(const float* a, const float* b, int d) {
  float acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  int j = 0;
  for (; j + 8 <= d; j += 8) {
    for (int l = 0; l < 8; ++l) acc[l] += a[j + l] * b[j + l];
  }
  float tail = 0;
  for (; j < d; ++j) tail += a[j] * b[j];
  return ((acc[0] + acc[4]) + (acc[1] + acc[5])) + ((acc[2] + acc[6]) + (acc[3] + acc[7])) + tail;
}

// out[i] = <query, rows[i]> for `count` contiguous rows. This loop is the
// whole cost of a flat search. The AVX2 path (the build adds -march=x86-64-v3
// on AVX2 hosts) scores 4 rows at a time so 4 independent FMA chains hide
// FMA latency and share the query loads; the last partial group is copied
// into a zero-padded buffer so every row is summed in the same order.
void ScoreRows(const float* query, const float* rows, size_t count, int d, float* out) {
#if defined(__AVX2__) && defined(__FMA__)
  const int full = d & ~7;
  const int rest = d - full;
  const __m256i tail_mask =
      _mm256_cmpgt_epi32(_mm256_set1_epi32(rest), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
  const __m256 q_tail = _mm256_maskload_ps(query + full, tail_mask);
  auto four = [&](const float* r0, float* dst) {
    const float* r1 = r0 + d;
    const float* r2 = r1 + d;
    const float* r3 = r2 + d;
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(),
           a3 = _mm256_setzero_ps();
    for (int j = 0; j < full; j += 8) {
      const __m256 q = _mm256_loadu_ps(query + j);
      a0 = _mm256_fmadd_ps(q, _mm256_loadu_ps(r0 + j), a0);
      a1 = _mm256_fmadd_ps(q, _mm256_loadu_ps(r1 + j), a1);
      a2 = _mm256_fmadd_ps(q, _mm256_loadu_ps(r2 + j), a2);
      a3 = _mm256_fmadd_ps(q, _mm256_loadu_ps(r3 + j), a3);
    }
    if (rest > 0) {
      a0 = _mm256_fmadd_ps(q_tail, _mm256_maskload_ps(r0 + full, tail_mask), a0);
      a1 = _mm256_fmadd_ps(q_tail, _mm256_maskload_ps(r1 + full, tail_mask), a1);
      a2 = _mm256_fmadd_ps(q_tail, _mm256_maskload_ps(r2 + full, tail_mask), a2);
      a3 = _mm256_fmadd_ps(q_tail, _mm256_maskload_ps(r3 + full, tail_mask), a3);
    }
    // Per 128-bit half: [sum a0, sum a1, sum a2, sum a3] of that half.
    const __m256 h = _mm256_hadd_ps(_mm256_hadd_ps(a0, a1), _mm256_hadd_ps(a2, a3));
    _mm_storeu_ps(dst, _mm_add_ps(_mm256_castps256_ps128(h), _mm256_extractf128_ps(h, 1)));
  };
  size_t i = 0;
  for (; i + 4 <= count; i += 4) four(rows + i * d, out + i);
  if (i < count) {
    std::vector<float> padded(4 * static_cast<size_t>(d), 0.0f);
    std::copy(rows + i * d, rows + count * d, padded.begin());
    float last[4];
    four(padded.data(), last);
    std::copy(last, last + (count - i), out + i);
  }
#else
  for (size_t i = 0; i < count; ++i) out[i] = Dot(query, rows + i * d, d);
#endif
}

bool AllFinite(std::span<const float> values) {
  // Summing first keeps the common (all finite) case a vectorised loop.
  float sum = 0;
  for (float v : values) sum += v * 0.0f;
  return sum == 0.0f;
}

// Best first: higher score, then lower id.
bool Better(const VectorHit& a, const VectorHit& b) {
  return a.score > b.score || (a.score == b.score && a.id < b.id);
}

// Rows of floats in fixed-size blocks: stable addresses, appends never copy.
class RowStore {
 public:
  explicit RowStore(int dimension) : d_(dimension) {}

  void Append(const float* row) {
    if (rows_ % kBlockRows == 0) {
      blocks_.push_back(std::make_unique_for_overwrite<float[]>(kBlockRows * d_));
    }
    std::memcpy(blocks_.back().get() + (rows_ % kBlockRows) * d_, row, sizeof(float) * d_);
    ++rows_;
  }
  const float* Row(size_t r) const { return blocks_[r / kBlockRows].get() + (r % kBlockRows) * d_; }
  // Rows [b * kBlockRows, min(rows, (b + 1) * kBlockRows)) are contiguous.
  const float* Block(size_t b) const { return blocks_[b].get(); }
  size_t blocks() const { return blocks_.size(); }
  size_t rows() const { return rows_; }

 private:
  int d_;
  size_t rows_ = 0;
  std::vector<std::unique_ptr<float[]>> blocks_;
};

class VectorIndexImpl;

// FAISS 1.7.3's IndexHNSW::search ignores SearchParametersHNSW::efSearch
// (measured: search time does not move with it) and reads the index's own
// member, so that is the one to set (under the writer lock: it is read by
// every search).
void SetHnswEf(faiss::Index* index, int ef_search) {
  static_cast<faiss::IndexHNSW*>(index)->hnsw.efSearch = ef_search;
}

// What FAISS asks per candidate label during a search: not removed, and
// admitted by the caller's filter.
class Admission final : public faiss::IDSelector {
 public:
  Admission(const std::vector<int64_t>& ids, const std::vector<uint64_t>& dead,
            const VectorFilter* filter)
      : ids_(ids), dead_(dead), filter_(filter) {}
  bool is_member(Label label) const override {
    if (label < 0 || static_cast<size_t>(label) >= ids_.size()) return false;
    if ((dead_[label >> 6] >> (label & 63)) & 1) return false;
    return filter_ == nullptr || (*filter_)(ids_[label]);
  }

 private:
  const std::vector<int64_t>& ids_;
  const std::vector<uint64_t>& dead_;
  const VectorFilter* filter_;
};

class VectorIndexImpl final : public VectorIndex {
 public:
  // `options.kind` is resolved (never kAuto).
  explicit VectorIndexImpl(const VectorIndexOptions& options)
      : options_(options), rows_(options.dimension) {}

  static absl::StatusOr<std::unique_ptr<VectorIndexImpl>> Make(VectorIndexOptions options,
                                                               std::span<const int64_t> ids,
                                                               std::span<const float> vectors);
  static absl::StatusOr<std::unique_ptr<VectorIndex>> Read(const std::string& path);

  absl::Status Save(const std::string& path) const override;
  absl::StatusOr<std::vector<VectorHit>> Search(std::span<const float> query, size_t k,
                                                const VectorFilter* filter) const override;
  absl::Status Add(int64_t id, std::span<const float> vector) override;
  bool Remove(int64_t id) override;
  std::optional<std::vector<float>> Vector(int64_t id) const override;
  absl::Status SetSearchEffort(int ivf_probe, int hnsw_ef_search) override {
    if (ivf_probe <= 0) return InvalidArgumentError("ivf_probe must be > 0", "ivf_probe");
    if (hnsw_ef_search <= 0) {
      return InvalidArgumentError("hnsw_ef_search must be > 0", "hnsw_ef_search");
    }
    absl::MutexLock lock(&mu_);
    options_.ivf_probe = ivf_probe;
    options_.hnsw_ef_search = hnsw_ef_search;
    if (options_.kind == VectorIndexKind::kHnsw) SetHnswEf(faiss_.get(), hnsw_ef_search);
    return absl::OkStatus();
  }

  size_t size() const override {
    absl::ReaderMutexLock lock(&mu_);
    return labels_.size();
  }
  int dimension() const override { return options_.dimension; }
  VectorIndexKind kind() const override { return options_.kind; }

 private:
  bool Dead(Label label) const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return (dead_[label >> 6] >> (label & 63)) & 1;
  }
  void MarkDead(Label label) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    dead_[label >> 6] |= uint64_t{1} << (label & 63);
  }
  // Records a stored vector's label (its position: FAISS numbers vectors in
  // the order they are added, so label == ids_.size() before the add).
  void AppendLabel(int64_t id) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    const Label label = static_cast<Label>(ids_.size());
    ids_.push_back(id);
    if (dead_.size() * 64 < ids_.size()) dead_.push_back(0);
    auto [it, inserted] = labels_.try_emplace(id, label);
    if (!inserted) {
      MarkDead(it->second);
      it->second = label;
    }
  }
  size_t StoredCount() const ABSL_SHARED_LOCKS_REQUIRED(mu_) {
    return options_.kind == VectorIndexKind::kFlat ? rows_.rows() : faiss_->ntotal;
  }
  void SearchFlat(const float* query, size_t k, const VectorFilter* filter,
                  std::vector<VectorHit>* heap) const ABSL_SHARED_LOCKS_REQUIRED(mu_);

  mutable absl::Mutex mu_;
  // ivf_probe and hnsw_ef_search change under mu_ (SetSearchEffort); the
  // rest never changes after construction.
  VectorIndexOptions options_;
  // Label -> the caller's id, for every stored vector (removed ones too).
  std::vector<int64_t> ids_ ABSL_GUARDED_BY(mu_);
  // One bit per label: removed, or replaced by a later Add of the same id.
  std::vector<uint64_t> dead_ ABSL_GUARDED_BY(mu_);
  // Live id -> label.
  absl::flat_hash_map<int64_t, Label> labels_ ABSL_GUARDED_BY(mu_);
  RowStore rows_ ABSL_GUARDED_BY(mu_);               // kFlat.
  std::unique_ptr<faiss::Index> faiss_ ABSL_GUARDED_BY(mu_);  // kIvf, kHnsw.
};

absl::Status ValidateOptions(const VectorIndexOptions& o) {
  if (o.dimension <= 0 || o.dimension > kMaxDimension) {
    return InvalidArgumentError(absl::StrCat("dimension must be in [1, ", kMaxDimension, "]"),
                                "dimension");
  }
  if (o.kind != VectorIndexKind::kAuto && o.kind != VectorIndexKind::kFlat &&
      o.kind != VectorIndexKind::kIvf && o.kind != VectorIndexKind::kHnsw) {
    return InvalidArgumentError("unknown kind", "kind");
  }
  if (o.ivf_lists < 0) return InvalidArgumentError("ivf_lists must be >= 0", "ivf_lists");
  if (o.ivf_probe <= 0) return InvalidArgumentError("ivf_probe must be > 0", "ivf_probe");
  if (o.hnsw_m < 2) return InvalidArgumentError("hnsw_m must be >= 2", "hnsw_m");
  if (o.hnsw_ef_search <= 0) {
    return InvalidArgumentError("hnsw_ef_search must be > 0", "hnsw_ef_search");
  }
  if (o.hnsw_ef_construction <= 0) {
    return InvalidArgumentError("hnsw_ef_construction must be > 0", "hnsw_ef_construction");
  }
  if (o.build_threads < 0) {
    return InvalidArgumentError("build_threads must be >= 0", "build_threads");
  }
  return absl::OkStatus();
}

absl::StatusOr<std::unique_ptr<VectorIndexImpl>> VectorIndexImpl::Make(
    VectorIndexOptions options, std::span<const int64_t> ids, std::span<const float> vectors) {
  AISLE_RETURN_IF_ERROR(ValidateOptions(options));
  const size_t n = ids.size();
  const size_t d = options.dimension;
  if (vectors.size() != n * d) {
    return InvalidArgumentError(
        absl::StrCat("expected ids.size() x dimension = ", n * d, " floats, got ", vectors.size()),
        "vectors");
  }
  if (!AllFinite(vectors)) return InvalidArgumentError("vectors must be finite", "vectors");
  {
    absl::flat_hash_map<int64_t, size_t> seen;
    seen.reserve(n);
    for (size_t i = 0; i < n; ++i) {
      if (ids[i] < 0) {
        return InvalidArgumentError(absl::StrCat("ids[", i, "] is negative"), "ids");
      }
      if (!seen.try_emplace(ids[i], i).second) {
        return InvalidArgumentError(absl::StrCat("ids[", i, "] repeats id ", ids[i]), "ids");
      }
    }
  }
  if (n > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    // HNSW numbers its nodes with int32; keep one limit for every kind.
    return InvalidArgumentError("more than 2^31 - 1 vectors", "ids");
  }
  if (options.kind == VectorIndexKind::kAuto) {
    options.kind = n <= options.flat_max_items ? VectorIndexKind::kFlat : VectorIndexKind::kIvf;
  }
  if (options.kind == VectorIndexKind::kIvf) {
    if (options.ivf_lists == 0) {
      // FAISS's rule of thumb is 4-16 sqrt(n); the low end keeps lists long
      // enough that ivf_probe of them hold most of a cluster's neighbours.
      // At most n / 39: k-means wants 39 points per list (FAISS warns on
      // stderr below that).
      options.ivf_lists = static_cast<int>(std::clamp<double>(
          std::round(4 * std::sqrt(static_cast<double>(n))), 1.0, std::max<double>(1, n / 39)));
    }
    if (static_cast<size_t>(options.ivf_lists) > n) {
      return InvalidArgumentError(absl::StrCat("IVF needs at least ivf_lists (", options.ivf_lists,
                                               ") vectors to train on, got ", n),
                                  "vectors");
    }
  }

  auto index = std::make_unique<VectorIndexImpl>(options);
  absl::MutexLock lock(&index->mu_);
  // Below kParallelBuildItems OpenMP costs more than it saves: measured on a
  // loaded 2-core machine, a 4-item build took 0.8 s with 2 threads and
  // 1 ms with 1 (threads spin at barriers while descheduled).
  ScopedOmpThreads threads(options.build_threads > 0 ? options.build_threads
                           : n < kParallelBuildItems ? 1
                                                     : 0);
  const float* x = vectors.data();
  switch (options.kind) {
    case VectorIndexKind::kFlat:
      for (size_t i = 0; i < n; ++i) index->rows_.Append(x + i * d);
      break;
    case VectorIndexKind::kIvf:
      AISLE_RETURN_IF_ERROR(Guarded("build", [&] {
        auto quantizer = std::make_unique<faiss::IndexFlatIP>(d);
        auto ivf = std::make_unique<faiss::IndexIVFFlat>(quantizer.get(), d, options.ivf_lists,
                                                         faiss::METRIC_INNER_PRODUCT);
        ivf->own_fields = true;
        quantizer.release();
        // k-means on at most 64 points per list (FAISS samples 256 and
        // warns below 39) and 10 iterations instead of 25: about 10x less
        // training work at 1M items, where training is most of the build
        // (82 s on a busy 2-core machine as it is). Not compared against
        // FAISS's defaults for recall; bench/vector_bench.cc can.
        ivf->cp.max_points_per_centroid = 64;
        ivf->cp.niter = 10;
        ivf->nprobe = options.ivf_probe;
        // Vector(id) reconstructs through the direct map; the array form
        // needs labels in insertion order, which is how labels are made.
        ivf->make_direct_map(true);
        ivf->train(n, x);
        ivf->add(n, x);
        index->faiss_ = std::move(ivf);
      }));
      break;
    case VectorIndexKind::kHnsw:
      AISLE_RETURN_IF_ERROR(Guarded("build", [&] {
        auto hnsw = std::make_unique<faiss::IndexHNSWFlat>(d, options.hnsw_m,
                                                           faiss::METRIC_INNER_PRODUCT);
        hnsw->hnsw.efConstruction = options.hnsw_ef_construction;
        hnsw->hnsw.efSearch = options.hnsw_ef_search;
        if (n > 0) hnsw->add(n, x);
        index->faiss_ = std::move(hnsw);
      }));
      break;
    case VectorIndexKind::kAuto:
      break;
  }
  for (size_t i = 0; i < n; ++i) index->AppendLabel(ids[i]);
  return index;
}

void VectorIndexImpl::SearchFlat(const float* query, size_t k, const VectorFilter* filter,
                                 std::vector<VectorHit>* heap) const {
  // A min-heap of the best k under Better (worst on top). Scores are
  // computed a block at a time, then only those that beat the current k-th
  // best pay for the dead bit and the filter.
  const int d = options_.dimension;
  const size_t rows = rows_.rows();
  float scores[kBlockRows];
  auto worse_first = [](const VectorHit& a, const VectorHit& b) { return Better(a, b); };
  heap->reserve(k);
  float threshold = -std::numeric_limits<float>::infinity();
  for (size_t b = 0; b < rows_.blocks(); ++b) {
    const size_t first = b * kBlockRows;
    const size_t count = std::min(kBlockRows, rows - first);
    const float* block = rows_.Block(b);
    ScoreRows(query, block, count, d, scores);
    for (size_t i = 0; i < count; ++i) {
      if (scores[i] < threshold) continue;
      const Label label = static_cast<Label>(first + i);
      const VectorHit hit{ids_[label], scores[i]};
      if (heap->size() == k && !Better(hit, heap->front())) continue;
      if (Dead(label) || (filter != nullptr && !(*filter)(hit.id))) continue;
      if (heap->size() == k) {
        std::pop_heap(heap->begin(), heap->end(), worse_first);
        heap->back() = hit;
      } else {
        heap->push_back(hit);
      }
      std::push_heap(heap->begin(), heap->end(), worse_first);
      if (heap->size() == k) threshold = heap->front().score;
    }
  }
}

absl::StatusOr<std::vector<VectorHit>> VectorIndexImpl::Search(std::span<const float> query,
                                                               size_t k,
                                                               const VectorFilter* filter) const {
  if (query.size() != static_cast<size_t>(options_.dimension)) {
    return InvalidArgumentError(absl::StrCat("query has ", query.size(),
                                             " floats, the index has dimension ",
                                             options_.dimension),
                                "query");
  }
  if (!AllFinite(query)) return InvalidArgumentError("query must be finite", "query");
  std::vector<VectorHit> hits;
  absl::ReaderMutexLock lock(&mu_);
  // Never ask for more than exist (k may be "everything").
  k = std::min(k, StoredCount());
  if (k == 0) return hits;
  if (options_.kind == VectorIndexKind::kFlat) {
    SearchFlat(query.data(), k, filter, &hits);
  } else {
    std::vector<float> distances(k);
    std::vector<Label> labels(k);
    Admission admission(ids_, dead_, filter);
    ScopedOmpThreads threads(1);
    AISLE_RETURN_IF_ERROR(Guarded("search", [&] {
      if (options_.kind == VectorIndexKind::kIvf) {
        // The coarse step scores every centroid: with FAISS's SSE2 scan it
        // was most of an IVF search at 1M items (4000 lists), so do it with
        // our AVX2 loop and hand FAISS the lists to scan.
        const auto* ivf = static_cast<const faiss::IndexIVF*>(faiss_.get());
        const size_t nlist = ivf->nlist;
        const size_t nprobe = std::min<size_t>(options_.ivf_probe, nlist);
        std::vector<float> centroid_scores(nlist);
        ScoreRows(query.data(), static_cast<const faiss::IndexFlat*>(ivf->quantizer)->get_xb(),
                  nlist, options_.dimension, centroid_scores.data());
        std::vector<Label> lists(nlist);
        for (size_t i = 0; i < nlist; ++i) lists[i] = static_cast<Label>(i);
        std::partial_sort(lists.begin(), lists.begin() + nprobe, lists.end(),
                          [&](Label a, Label b) { return centroid_scores[a] > centroid_scores[b]; });
        std::vector<float> list_scores(nprobe);
        for (size_t i = 0; i < nprobe; ++i) list_scores[i] = centroid_scores[lists[i]];
        faiss::SearchParametersIVF params;
        params.sel = &admission;
        params.nprobe = nprobe;
        ivf->search_preassigned(1, query.data(), k, lists.data(), list_scores.data(),
                                distances.data(), labels.data(), /*store_pairs=*/false, &params);
      } else {
        faiss::SearchParametersHNSW params;  // Only sel is honoured (see SetHnswEf).
        params.sel = &admission;
        params.efSearch = std::max<int>(options_.hnsw_ef_search, static_cast<int>(std::min<size_t>(
                                                                     k, 1 << 30)));
        faiss_->search(1, query.data(), k, distances.data(), labels.data(), &params);
      }
    }));
    hits.reserve(k);
    for (size_t i = 0; i < k; ++i) {
      if (labels[i] < 0) continue;  // FAISS pads with -1 when it found fewer.
      hits.push_back({ids_[labels[i]], distances[i]});
    }
  }
  std::sort(hits.begin(), hits.end(), Better);
  return hits;
}

absl::Status VectorIndexImpl::Add(int64_t id, std::span<const float> vector) {
  if (id < 0) return InvalidArgumentError("id must be >= 0", "id");
  if (vector.size() != static_cast<size_t>(options_.dimension)) {
    return InvalidArgumentError(absl::StrCat("vector has ", vector.size(),
                                             " floats, the index has dimension ",
                                             options_.dimension),
                                "vector");
  }
  if (!AllFinite(vector)) return InvalidArgumentError("vector must be finite", "vector");
  absl::MutexLock lock(&mu_);
  if (ids_.size() >= static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    return absl::ResourceExhaustedError("vector index full (2^31 - 1 stored vectors); rebuild it");
  }
  if (options_.kind == VectorIndexKind::kFlat) {
    rows_.Append(vector.data());
  } else {
    ScopedOmpThreads threads(1);
    absl::Status status = Guarded("add", [&] { faiss_->add(1, vector.data()); });
    if (!status.ok()) {
      // Keep label == position if FAISS stored the vector before throwing.
      if (static_cast<size_t>(faiss_->ntotal) > ids_.size()) {
        ids_.push_back(id);
        if (dead_.size() * 64 < ids_.size()) dead_.push_back(0);
        MarkDead(static_cast<Label>(ids_.size() - 1));
      }
      return status;
    }
  }
  AppendLabel(id);
  return absl::OkStatus();
}

bool VectorIndexImpl::Remove(int64_t id) {
  absl::MutexLock lock(&mu_);
  auto it = labels_.find(id);
  if (it == labels_.end()) return false;
  MarkDead(it->second);
  labels_.erase(it);
  return true;
}

std::optional<std::vector<float>> VectorIndexImpl::Vector(int64_t id) const {
  absl::ReaderMutexLock lock(&mu_);
  auto it = labels_.find(id);
  if (it == labels_.end()) return std::nullopt;
  std::vector<float> out(options_.dimension);
  switch (options_.kind) {
    case VectorIndexKind::kFlat: {
      const float* row = rows_.Row(it->second);
      std::copy(row, row + options_.dimension, out.begin());
      return out;
    }
    case VectorIndexKind::kHnsw: {
      const auto* storage = static_cast<const faiss::IndexFlat*>(
          static_cast<const faiss::IndexHNSW*>(faiss_.get())->storage);
      const float* row = storage->get_xb() + it->second * options_.dimension;
      std::copy(row, row + options_.dimension, out.begin());
      return out;
    }
    case VectorIndexKind::kIvf:
      if (!Guarded("vector", [&] { faiss_->reconstruct(it->second, out.data()); }).ok()) {
        return std::nullopt;
      }
      return out;
    case VectorIndexKind::kAuto:
      break;
  }
  return std::nullopt;
}

// File layout (native little-endian; binaries are built where they run):
//   magic "AISLEVX1", int32 kind, the options (int32 dimension, ivf_lists,
//   ivf_probe, hnsw_m, hnsw_ef_search, hnsw_ef_construction, build_threads;
//   uint64 flat_max_items), uint64 labels, int64 ids[labels],
//   uint64 dead[ceil(labels / 64)], then kFlat: float rows[labels][dimension],
//   kIvf/kHnsw: faiss::write_index; last a uint64 checksum of all before it.
struct Header {
  int32_t kind;
  int32_t dimension;
  int32_t ivf_lists;
  int32_t ivf_probe;
  int32_t hnsw_m;
  int32_t hnsw_ef_search;
  int32_t hnsw_ef_construction;
  int32_t build_threads;
  uint64_t flat_max_items;
  uint64_t labels;
};

absl::Status ErrnoStatus(const std::string& what, const std::string& path) {
  const int e = errno;
  std::string message = absl::StrCat("vector index ", what, " ", path, ": ", std::strerror(e));
  if (e == ENOENT) return absl::NotFoundError(message);
  return absl::UnavailableError(message);
}

absl::Status VectorIndexImpl::Save(const std::string& path) const {
  static std::atomic<uint64_t> counter{0};
  const std::string tmp = absl::StrCat(path, ".tmp.", getpid(), ".", counter.fetch_add(1));
  FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return ErrnoStatus("create", tmp);
  absl::Status status = [&]() -> absl::Status {
    absl::ReaderMutexLock lock(&mu_);
    FileWriter writer(f);
    const Header header{
        .kind = static_cast<int32_t>(options_.kind),
        .dimension = options_.dimension,
        .ivf_lists = options_.ivf_lists,
        .ivf_probe = options_.ivf_probe,
        .hnsw_m = options_.hnsw_m,
        .hnsw_ef_search = options_.hnsw_ef_search,
        .hnsw_ef_construction = options_.hnsw_ef_construction,
        .build_threads = options_.build_threads,
        .flat_max_items = options_.flat_max_items,
        .labels = ids_.size(),
    };
    writer(kMagic, 1, sizeof(kMagic));
    writer.Put(header);
    writer(ids_.data(), sizeof(int64_t), ids_.size());
    writer(dead_.data(), sizeof(uint64_t), dead_.size());
    if (options_.kind == VectorIndexKind::kFlat) {
      for (size_t b = 0; b < rows_.blocks(); ++b) {
        const size_t count = std::min(kBlockRows, rows_.rows() - b * kBlockRows);
        writer(rows_.Block(b), sizeof(float), count * options_.dimension);
      }
    } else {
      AISLE_RETURN_IF_ERROR(Guarded("save", [&] { faiss::write_index(faiss_.get(), &writer); }));
    }
    const uint64_t checksum = writer.checksum();
    writer.Put(checksum);
    if (writer.failed() || std::fflush(f) != 0) return ErrnoStatus("write", tmp);
    return absl::OkStatus();
  }();
  if (status.ok() && ::fsync(fileno(f)) != 0) status = ErrnoStatus("fsync", tmp);
  if (std::fclose(f) != 0 && status.ok()) status = ErrnoStatus("close", tmp);
  if (status.ok() && std::rename(tmp.c_str(), path.c_str()) != 0) {
    status = ErrnoStatus("rename to", path);
  }
  if (!status.ok()) {
    std::remove(tmp.c_str());
    return status;
  }
  // Make the rename itself durable.
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  const std::string dir = parent.empty() ? std::string(".") : parent.string();
  const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return absl::OkStatus();
}

absl::Status Corrupt(const std::string& path, const std::string& why) {
  return absl::DataLossError(absl::StrCat("vector index ", path, ": ", why));
}

absl::StatusOr<std::unique_ptr<VectorIndex>> VectorIndexImpl::Read(const std::string& path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return ErrnoStatus("open", path);
  std::unique_ptr<FILE, int (*)(FILE*)> closer(f, &std::fclose);
  struct stat st;
  if (::fstat(fileno(f), &st) != 0) return ErrnoStatus("stat", path);
  const uint64_t size = st.st_size;
  if (size < sizeof(kMagic) + sizeof(Header) + sizeof(uint64_t)) {
    return Corrupt(path, "too short");
  }
  const uint64_t payload = size - sizeof(uint64_t);

  // Pass 1: verify the checksum before trusting any size in the file (a
  // corrupt count must not turn into a huge allocation).
  {
    Checksum checksum;
    std::vector<char> chunk(1 << 20);
    for (uint64_t done = 0; done < payload;) {
      const size_t want = std::min<uint64_t>(chunk.size(), payload - done);
      if (std::fread(chunk.data(), 1, want, f) != want) return Corrupt(path, "short read");
      checksum.Update(chunk.data(), want);
      done += want;
    }
    uint64_t stored;
    if (std::fread(&stored, sizeof(stored), 1, f) != 1) return Corrupt(path, "short read");
    if (stored != checksum.Finish()) return Corrupt(path, "checksum mismatch");
  }

  // Pass 2: parse.
  std::rewind(f);
  FileReader reader(f, payload);
  char magic[sizeof(kMagic)];
  Header h;
  if (reader(magic, 1, sizeof(magic)) != sizeof(magic) ||
      std::memcmp(magic, kMagic, sizeof(kMagic)) != 0) {
    return Corrupt(path, "not a vector index file (bad magic)");
  }
  if (!reader.Get(&h)) return Corrupt(path, "short header");
  VectorIndexOptions options{
      .dimension = h.dimension,
      .kind = static_cast<VectorIndexKind>(h.kind),
      .flat_max_items = h.flat_max_items,
      .ivf_lists = h.ivf_lists,
      .ivf_probe = h.ivf_probe,
      .hnsw_m = h.hnsw_m,
      .hnsw_ef_search = h.hnsw_ef_search,
      .hnsw_ef_construction = h.hnsw_ef_construction,
      .build_threads = h.build_threads,
  };
  if (h.kind != static_cast<int32_t>(VectorIndexKind::kFlat) &&
      h.kind != static_cast<int32_t>(VectorIndexKind::kIvf) &&
      h.kind != static_cast<int32_t>(VectorIndexKind::kHnsw)) {
    return Corrupt(path, "unknown kind");
  }
  if (!ValidateOptions(options).ok()) return Corrupt(path, "bad options");
  const uint64_t labels = h.labels;
  const uint64_t words = (labels + 63) / 64;
  if (labels > reader.remaining() / sizeof(int64_t)) return Corrupt(path, "bad count");

  auto index = std::make_unique<VectorIndexImpl>(options);
  absl::MutexLock lock(&index->mu_);
  index->ids_.resize(labels);
  index->dead_.resize(words);
  if (reader(index->ids_.data(), sizeof(int64_t), labels) != labels ||
      reader(index->dead_.data(), sizeof(uint64_t), words) != words) {
    return Corrupt(path, "short id table");
  }
  const size_t d = options.dimension;
  if (options.kind == VectorIndexKind::kFlat) {
    if (labels > reader.remaining() / (sizeof(float) * d)) return Corrupt(path, "short rows");
    std::vector<float> row(d);
    for (uint64_t i = 0; i < labels; ++i) {
      if (reader(row.data(), sizeof(float), d) != d) return Corrupt(path, "short rows");
      index->rows_.Append(row.data());
    }
  } else {
    faiss::Index* raw = nullptr;
    AISLE_RETURN_IF_ERROR(Guarded("load", [&] { raw = faiss::read_index(&reader); },
                                  absl::StatusCode::kDataLoss));
    index->faiss_.reset(raw);
    const faiss::Index* expected =
        options.kind == VectorIndexKind::kIvf
            ? static_cast<const faiss::Index*>(dynamic_cast<faiss::IndexIVFFlat*>(raw))
            : static_cast<const faiss::Index*>(dynamic_cast<faiss::IndexHNSWFlat*>(raw));
    if (expected == nullptr || raw->d != options.dimension ||
        raw->metric_type != faiss::METRIC_INNER_PRODUCT ||
        static_cast<uint64_t>(raw->ntotal) != labels) {
      return Corrupt(path, "FAISS index does not match the header");
    }
    if (options.kind == VectorIndexKind::kIvf &&
        dynamic_cast<const faiss::IndexFlat*>(
            static_cast<const faiss::IndexIVF*>(raw)->quantizer) == nullptr) {
      return Corrupt(path, "IVF quantizer is not flat");
    }
    if (options.kind == VectorIndexKind::kHnsw &&
        dynamic_cast<const faiss::IndexFlat*>(
            static_cast<const faiss::IndexHNSW*>(raw)->storage) == nullptr) {
      return Corrupt(path, "HNSW storage is not flat");
    }
    if (options.kind == VectorIndexKind::kHnsw) SetHnswEf(raw, options.hnsw_ef_search);
  }
  if (reader.remaining() != 0) return Corrupt(path, "trailing bytes");
  for (uint64_t label = 0; label < labels; ++label) {
    if (index->Dead(label)) continue;
    const int64_t id = index->ids_[label];
    if (id < 0 || !index->labels_.try_emplace(id, label).second) {
      return Corrupt(path, "bad id table");
    }
  }
  return index;
}

}  // namespace

absl::StatusOr<std::unique_ptr<VectorIndex>> VectorIndex::Build(const VectorIndexOptions& options,
                                                                std::span<const int64_t> ids,
                                                                std::span<const float> vectors) {
  AISLE_ASSIGN_OR_RETURN(auto index, VectorIndexImpl::Make(options, ids, vectors));
  return std::unique_ptr<VectorIndex>(std::move(index));
}

absl::StatusOr<std::unique_ptr<VectorIndex>> VectorIndex::Load(const std::string& path) {
  return VectorIndexImpl::Read(path);
}

}  // namespace aisle::index
