// Implicit ALS with conjugate-gradient half-steps; see als.h for the model.
//
// One half-iteration solves, for every user u with the item factors Y fixed,
//   (YtY + reg I + Yt (Cu - I) Y) x_u = Yt Cu p(u)
// (then the same for items with the user factors fixed). YtY + reg I is
// shared by all rows, so a product with the row's matrix costs one
// factors x factors product plus two dot/axpy pairs per interaction of the
// row, and is never formed. CG from the previous x_u needs 3 such products
// for a good step; the exact solve would cost factors^3 / 3 per row.
//
// Everything in the hot loops is a dot product or an axpy over a contiguous
// factors-long float row; `#pragma omp simd` (-fopenmp-simd, see
// CMakeLists.txt) lets the compiler vectorise the dot products' reductions,
// which it may not reorder otherwise.
//
// Quality on Amazon Beauty (22,363 users, 12,101 items, 198k interactions),
// leave-one-out: trained on each user's items but the last two (154k, one
// per (user, item), r = 1); the user vector folded in from all but the last
// item; every item outside that history ranked; the last item's rank gives
// HR@10 / NDCG@10 / HR@20 (regularization 0.01, 15 iterations, 3 CG steps
// unless said):
//   factors 50, alpha 1                        0.0404  0.0209  0.0600
//   factors 50, alpha 5                        0.0460  0.0236  0.0694
//   factors 50, alpha 10                       0.0471  0.0240  0.0735
//   factors 50, alpha 20 (the defaults)        0.0482  0.0245  0.0740
//   factors 50, alpha 40                       0.0472  0.0238  0.0743
//   factors 50, alpha 80                       0.0467  0.0231  0.0724
//   factors 50, alpha 10, regularization 0.1..10: within 0.0002 of 0.01
//     (50: 0.0463); 5 iterations 0.0432, 30: 0.0471; 10 CG steps 0.0474
//   factors 32, alpha 10                       0.0441  0.0223  0.0684
//   factors 100, alpha 20                      0.0542  0.0275  0.0830
//   factors 200, alpha 20                      0.0593  0.0313  0.0916
// The trained vector (which has not seen the second-to-last item) instead
// of the fold-in: 0.0419 0.0211 0.0651 at the defaults. Published, same
// protocol: PopRec HR@10 0.0152, GRU4Rec 0.0283, SASRec 0.0605 (NDCG@10
// 0.0318). More factors keep helping, at a cost growing with their square.
#include "ranking/als.h"

#include <algorithm>
#include <cassert>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <thread>

#include "absl/strings/str_cat.h"

namespace aisle::ranking {
namespace {

// ---- Kernels over factors-long rows --------------------------------------

// Training spends nearly all its time in these four loops. Sanitizer checks
// on each element stop their vectorisation and made training ~15x slower in
// the Debug+ASan build that CI runs. They only touch [0, n) of rows whose
// bounds the callers establish (CheckMatrix validates every item ordinal),
// so they go unchecked; everything around them stays instrumented.
#if defined(__GNUC__)
#define AISLE_ALS_KERNEL __attribute__((no_sanitize("address", "undefined")))
#else
#define AISLE_ALS_KERNEL
#endif

AISLE_ALS_KERNEL inline float Dot(const float* __restrict a, const float* __restrict b, int n) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int k = 0; k < n; ++k) sum += a[k] * b[k];
  return sum;
}

// y += a * x
AISLE_ALS_KERNEL inline void Axpy(float a, const float* __restrict x, float* __restrict y, int n) {
#pragma omp simd
  for (int k = 0; k < n; ++k) y[k] += a * x[k];
}

// out = -(g x) for a symmetric n x n g: summed by columns (= rows), so each
// step is an axpy rather than a reduction.
AISLE_ALS_KERNEL inline void NegSymMatVec(const float* __restrict g, const float* __restrict x,
                         float* __restrict out, int n) {
  for (int k = 0; k < n; ++k) out[k] = 0;
  for (int j = 0; j < n; ++j) Axpy(-x[j], g + size_t(j) * n, out, n);
}

// out = g x, as above.
AISLE_ALS_KERNEL inline void SymMatVec(const float* __restrict g, const float* __restrict x,
                      float* __restrict out, int n) {
  for (int k = 0; k < n; ++k) out[k] = 0;
  for (int j = 0; j < n; ++j) Axpy(x[j], g + size_t(j) * n, out, n);
}

// ---- Threads --------------------------------------------------------------

// Calls fn(begin, end, worker) for consecutive blocks of [0, rows), blocks
// handed out dynamically (rows differ a lot in cost: popular items have
// thousands of users). `worker` is in [0, workers) for per-thread scratch.
template <typename Fn>
void ForBlocks(size_t rows, size_t block, int workers, Fn&& fn) {
  const size_t blocks = (rows + block - 1) / block;
  if (workers <= 1 || blocks <= 1) {
    for (size_t b = 0; b < blocks; ++b) fn(b * block, std::min(rows, (b + 1) * block), 0);
    return;
  }
  workers = int(std::min<size_t>(size_t(workers), blocks));
  std::atomic<size_t> next{0};
  auto run = [&](int worker) {
    for (size_t b = next.fetch_add(1); b < blocks; b = next.fetch_add(1)) {
      fn(b * block, std::min(rows, (b + 1) * block), worker);
    }
  };
  std::vector<std::thread> threads;
  threads.reserve(workers - 1);
  for (int w = 1; w < workers; ++w) threads.emplace_back(run, w);
  run(0);
  for (std::thread& t : threads) t.join();
}

// ---- Gramian ----------------------------------------------------------------

// Yt Y of `rows` x f row-major `y`, in double. Summed in fixed chunks whose
// float partial sums are added in chunk order, so the result is the same
// for any number of workers (training stays deterministic).
std::vector<double> Gramian(const float* y, size_t rows, int f, int workers) {
  constexpr size_t kChunk = 1024;
  const size_t ff = size_t(f) * f;
  const size_t chunks = (rows + kChunk - 1) / kChunk;
  std::vector<float> partial(chunks * ff, 0.0f);
  ForBlocks(rows, kChunk, workers, [&](size_t begin, size_t end, int) {
    float* g = partial.data() + (begin / kChunk) * ff;
    for (size_t i = begin; i < end; ++i) {
      const float* row = y + i * f;
      // Upper triangle only; mirrored below.
      for (int j = 0; j < f; ++j) {
        if (row[j] != 0) Axpy(row[j], row + j, g + size_t(j) * f + j, f - j);
      }
    }
  });
  std::vector<double> gram(ff, 0.0);
  for (size_t c = 0; c < chunks; ++c) {
    const float* g = partial.data() + c * ff;
    for (size_t k = 0; k < ff; ++k) gram[k] += g[k];
  }
  for (int j = 0; j < f; ++j) {
    for (int k = 0; k < j; ++k) gram[size_t(j) * f + k] = gram[size_t(k) * f + j];
  }
  return gram;
}

// ---- One half-iteration -------------------------------------------------

struct Scratch {
  std::vector<float> r, p, ap;
};

// Updates every row x of `x` (matrix.users x f) against the fixed `y`
// (matrix.items x f) with `cg_steps` CG steps from its current value.
void SolveRows(const ImplicitMatrix& matrix, const float* y, const AlsOptions& options,
               int workers, float* x) {
  const int f = options.factors;
  const float alpha = options.alpha;
  // A = YtY + reg I, shared by every row.
  std::vector<double> gram = Gramian(y, matrix.items, f, workers);
  std::vector<float> a(gram.size());
  for (size_t k = 0; k < gram.size(); ++k) a[k] = float(gram[k]);
  for (int j = 0; j < f; ++j) a[size_t(j) * f + j] += options.regularization;

  std::vector<Scratch> scratch(std::max(workers, 1));
  for (Scratch& s : scratch) {
    s.r.resize(f);
    s.p.resize(f);
    s.ap.resize(f);
  }
  const uint32_t* cols = matrix.cols.data();
  const float* values = matrix.values.data();
  ForBlocks(matrix.users, 128, workers, [&](size_t begin, size_t end, int worker) {
    float* r = scratch[worker].r.data();
    float* p = scratch[worker].p.data();
    float* ap = scratch[worker].ap.data();
    for (size_t u = begin; u < end; ++u) {
      float* xu = x + u * f;
      const uint64_t row_begin = matrix.row_begin[u], row_end = matrix.row_begin[u + 1];
      if (row_begin == row_end) {
        // No evidence: the minimiser of x (YtY + reg I) x is 0.
        std::memset(xu, 0, sizeof(float) * f);
        continue;
      }
      // r = b - A_u x = -(YtY + reg I) x + sum_i (c_i - (c_i - 1) y_i.x) y_i
      NegSymMatVec(a.data(), xu, r, f);
      for (uint64_t k = row_begin; k < row_end; ++k) {
        const float* yi = y + size_t(cols[k]) * f;
        const float c = 1.0f + alpha * values[k];
        Axpy(c - (c - 1.0f) * Dot(yi, xu, f), yi, r, f);
      }
      std::memcpy(p, r, sizeof(float) * f);
      float rs_old = Dot(r, r, f);
      if (!(rs_old >= 1e-20f)) continue;  // already solved (or NaN: leave)
      for (int step = 0; step < options.cg_steps; ++step) {
        // ap = A_u p = (YtY + reg I) p + sum_i (c_i - 1) (y_i.p) y_i
        SymMatVec(a.data(), p, ap, f);
        for (uint64_t k = row_begin; k < row_end; ++k) {
          const float* yi = y + size_t(cols[k]) * f;
          Axpy(alpha * values[k] * Dot(yi, p, f), yi, ap, f);
        }
        const float p_ap = Dot(p, ap, f);
        if (!(p_ap > 0)) break;  // round-off at convergence
        const float step_size = rs_old / p_ap;
        Axpy(step_size, p, xu, f);
        Axpy(-step_size, ap, r, f);
        const float rs_new = Dot(r, r, f);
        if (rs_new < 1e-20f) break;
        const float beta = rs_new / rs_old;
#pragma omp simd
        for (int j = 0; j < f; ++j) p[j] = r[j] + beta * p[j];
        rs_old = rs_new;
      }
    }
  });
}

// ---- Validation ---------------------------------------------------------

absl::Status CheckOptions(const AlsOptions& o) {
  if (o.factors < 1 || o.factors > 1024) {
    return absl::InvalidArgumentError("als: factors must be from 1 to 1024");
  }
  if (!std::isfinite(o.regularization) || o.regularization < 0) {
    return absl::InvalidArgumentError("als: regularization must be finite and >= 0");
  }
  if (!std::isfinite(o.alpha) || o.alpha < 0) {
    return absl::InvalidArgumentError("als: alpha must be finite and >= 0");
  }
  if (o.iterations < 0) return absl::InvalidArgumentError("als: iterations must be >= 0");
  if (o.cg_steps < 1) return absl::InvalidArgumentError("als: cg_steps must be >= 1");
  if (o.threads < 1 || o.threads > 256) {
    return absl::InvalidArgumentError("als: threads must be from 1 to 256");
  }
  return absl::OkStatus();
}

// The public fields can be filled by hand; the solver indexes with them.
absl::Status CheckMatrix(const ImplicitMatrix& m) {
  if (m.row_begin.size() != size_t{m.users} + 1 || m.row_begin.front() != 0 ||
      m.row_begin.back() != m.cols.size() || m.values.size() != m.cols.size()) {
    return absl::InvalidArgumentError("als: matrix offsets do not match its entries");
  }
  for (uint32_t u = 0; u < m.users; ++u) {
    if (m.row_begin[u] > m.row_begin[u + 1]) {
      return absl::InvalidArgumentError(absl::StrCat("als: matrix row ", u, " ends before it begins"));
    }
  }
  for (size_t k = 0; k < m.cols.size(); ++k) {
    if (m.cols[k] >= m.items) {
      return absl::InvalidArgumentError(absl::StrCat("als: matrix item ", m.cols[k], " >= items"));
    }
    if (!std::isfinite(m.values[k]) || m.values[k] < 0) {
      return absl::InvalidArgumentError("als: matrix strengths must be finite and >= 0");
    }
  }
  return absl::OkStatus();
}

// SplitMix64: a fixed, portable generator (std:: distributions are not the
// same on every standard library, and the factors must be reproducible).
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  float NextFloat() { return float(Next() >> 40) * (1.0f / 16777216.0f); }

 private:
  uint64_t state_;
};

// ---- Dense solve for FoldIn -----------------------------------------------

// Lower-triangular L with L Lt = a (n x n, row major), in place. False if a
// pivot is not positive (a not positive definite, to working precision).
bool CholeskyInPlace(std::vector<double>& a, int n) {
  for (int j = 0; j < n; ++j) {
    double* row_j = a.data() + size_t(j) * n;
    double d = row_j[j];
    for (int k = 0; k < j; ++k) d -= row_j[k] * row_j[k];
    if (!(d > 0)) return false;
    d = std::sqrt(d);
    row_j[j] = d;
    for (int i = j + 1; i < n; ++i) {
      double* row_i = a.data() + size_t(i) * n;
      double s = row_i[j];
      for (int k = 0; k < j; ++k) s -= row_i[k] * row_j[k];
      row_i[j] = s / d;
    }
  }
  return true;
}

// Solves a x = b for symmetric positive (semi)definite a. If the
// factorisation fails (regularization 0 and too few items), adds a growing
// multiple of the identity until it succeeds: the least-norm-leaning answer
// rather than none. x = 0 if even that fails (a not finite).
std::vector<double> SolveSpd(const std::vector<double>& a, const std::vector<double>& b, int n) {
  double trace = 0;
  for (int j = 0; j < n; ++j) trace += a[size_t(j) * n + j];
  const double scale = std::max(trace / n, 1e-12);
  std::vector<double> l;
  bool ok = false;
  for (double jitter = 0; jitter <= scale; jitter = jitter == 0 ? scale * 1e-10 : jitter * 100) {
    l = a;
    for (int j = 0; j < n; ++j) l[size_t(j) * n + j] += jitter;
    if (CholeskyInPlace(l, n)) {
      ok = true;
      break;
    }
  }
  std::vector<double> x(n, 0.0);
  if (!ok) return x;
  // L z = b, then Lt x = z.
  for (int i = 0; i < n; ++i) {
    double s = b[i];
    for (int k = 0; k < i; ++k) s -= l[size_t(i) * n + k] * x[k];
    x[i] = s / l[size_t(i) * n + i];
  }
  for (int i = n - 1; i >= 0; --i) {
    double s = x[i];
    for (int k = i + 1; k < n; ++k) s -= l[size_t(k) * n + i] * x[k];
    x[i] = s / l[size_t(i) * n + i];
  }
  return x;
}

}  // namespace

// ---- ImplicitMatrix -------------------------------------------------------

absl::StatusOr<ImplicitMatrix> ImplicitMatrix::FromTriples(uint32_t users, uint32_t items,
                                                           std::vector<Triple> triples) {
  for (size_t k = 0; k < triples.size(); ++k) {
    const Triple& t = triples[k];
    if (t.user >= users || t.item >= items) {
      return absl::InvalidArgumentError(absl::StrCat("als: triple ", k, " (user ", t.user,
                                                     ", item ", t.item, ") out of range (",
                                                     users, " users, ", items, " items)"));
    }
    if (!std::isfinite(t.strength) || t.strength < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("als: triple ", k, " strength must be finite and >= 0"));
    }
  }
  std::erase_if(triples, [](const Triple& t) { return t.strength == 0; });
  std::sort(triples.begin(), triples.end(), [](const Triple& a, const Triple& b) {
    return a.user != b.user ? a.user < b.user : a.item < b.item;
  });

  ImplicitMatrix m;
  m.users = users;
  m.items = items;
  m.row_begin.assign(size_t{users} + 1, 0);
  for (size_t k = 0; k < triples.size();) {
    const Triple& first = triples[k];
    double sum = 0;
    for (; k < triples.size() && triples[k].user == first.user && triples[k].item == first.item;
         ++k) {
      sum += triples[k].strength;
    }
    if (sum > FLT_MAX) {
      return absl::InvalidArgumentError(absl::StrCat("als: summed strength of user ", first.user,
                                                     ", item ", first.item, " overflows"));
    }
    m.cols.push_back(first.item);
    m.values.push_back(float(sum));
    ++m.row_begin[size_t{first.user} + 1];
  }
  for (uint32_t u = 0; u < users; ++u) m.row_begin[u + 1] += m.row_begin[u];
  return m;
}

ImplicitMatrix ImplicitMatrix::Transposed() const {
  ImplicitMatrix t;
  t.users = items;
  t.items = users;
  t.row_begin.assign(size_t{items} + 1, 0);
  for (uint32_t item : cols) ++t.row_begin[size_t{item} + 1];
  for (uint32_t i = 0; i < items; ++i) t.row_begin[i + 1] += t.row_begin[i];
  t.cols.resize(cols.size());
  t.values.resize(values.size());
  std::vector<uint64_t> next(t.row_begin.begin(), t.row_begin.end() - 1);
  // Users in ascending order, so each new row comes out sorted.
  for (uint32_t u = 0; u < users; ++u) {
    for (uint64_t k = row_begin[u]; k < row_begin[u + 1]; ++k) {
      const uint64_t at = next[cols[k]]++;
      t.cols[at] = u;
      t.values[at] = values[k];
    }
  }
  return t;
}

// ---- AlsModel -------------------------------------------------------------

std::vector<float> AlsModel::FoldIn(std::span<const std::pair<uint32_t, float>> history) const {
  const int f = factors;
  std::vector<std::pair<uint32_t, float>> kept;
  kept.reserve(history.size());
  for (const auto& [item, strength] : history) {
    if (item < items && std::isfinite(strength) && strength > 0) kept.emplace_back(item, strength);
  }
  std::vector<float> out(f, 0.0f);
  if (kept.empty() || f <= 0) return out;
  std::sort(kept.begin(), kept.end());

  const size_t ff = size_t(f) * f;
  std::vector<double> a(ff), b(f, 0.0);
  for (size_t k = 0; k < ff; ++k) a[k] = item_gramian.size() == ff ? item_gramian[k] : 0.0;
  for (int j = 0; j < f; ++j) a[size_t(j) * f + j] += regularization;
  for (size_t k = 0; k < kept.size();) {
    const uint32_t item = kept[k].first;
    double r = 0;
    for (; k < kept.size() && kept[k].first == item; ++k) r += kept[k].second;
    const float* y = item_factors.data() + size_t(item) * f;
    const double c = 1.0 + double(alpha) * r;
    for (int j = 0; j < f; ++j) {
      const double w = (c - 1.0) * y[j];
      double* row = a.data() + size_t(j) * f;
      for (int i = 0; i < f; ++i) row[i] += w * y[i];
      b[j] += c * y[j];
    }
  }
  const std::vector<double> x = SolveSpd(a, b, f);
  for (int j = 0; j < f; ++j) out[j] = float(x[j]);
  return out;
}

void AlsModel::ScoreAll(std::span<const float> user, std::span<float> out) const {
  assert(user.size() == size_t(factors));
  assert(out.size() == items);
  const float* y = item_factors.data();
  for (uint32_t i = 0; i < items; ++i) out[i] = Dot(user.data(), y + size_t(i) * factors, factors);
}

// ---- Training -------------------------------------------------------------

absl::StatusOr<AlsModel> TrainAls(const ImplicitMatrix& matrix, const AlsOptions& options,
                                  const std::atomic<bool>* cancel) {
  AISLE_RETURN_IF_ERROR(CheckOptions(options));
  AISLE_RETURN_IF_ERROR(CheckMatrix(matrix));
  auto cancelled = [cancel] { return cancel != nullptr && cancel->load(std::memory_order_relaxed); };
  const int f = options.factors;

  AlsModel model;
  model.factors = f;
  model.users = matrix.users;
  model.items = matrix.items;
  model.regularization = options.regularization;
  model.alpha = options.alpha;
  // Small positive random starts, as `implicit` does (U[0, 0.01)): small
  // enough that the first half-step is driven by the data, not the start.
  model.user_factors.resize(size_t{matrix.users} * f);
  model.item_factors.resize(size_t{matrix.items} * f);
  SplitMix64 rng(options.seed);
  for (float& v : model.user_factors) v = rng.NextFloat() * 0.01f;
  for (float& v : model.item_factors) v = rng.NextFloat() * 0.01f;

  const ImplicitMatrix transposed = matrix.Transposed();
  for (int iteration = 0; iteration < options.iterations; ++iteration) {
    if (cancelled()) return absl::CancelledError("als: training cancelled");
    SolveRows(matrix, model.item_factors.data(), options, options.threads,
              model.user_factors.data());
    if (cancelled()) return absl::CancelledError("als: training cancelled");
    SolveRows(transposed, model.user_factors.data(), options, options.threads,
              model.item_factors.data());
  }
  const std::vector<double> gram =
      Gramian(model.item_factors.data(), matrix.items, f, options.threads);
  model.item_gramian.assign(gram.begin(), gram.end());
  return model;
}

double ImplicitAlsLoss(const ImplicitMatrix& matrix, const AlsModel& model) {
  const int f = model.factors;
  assert(matrix.users == model.users && matrix.items == model.items);
  // sum over all (u, i) of (x_u.y_i)^2 = sum_u x_u YtY x_u; the observed
  // pairs then replace their (x.y)^2 by c (1 - x.y)^2.
  const std::vector<double> gram = Gramian(model.item_factors.data(), model.items, f, 1);
  double loss = 0;
  for (uint32_t u = 0; u < matrix.users; ++u) {
    const float* x = model.user_factors.data() + size_t(u) * f;
    for (int j = 0; j < f; ++j) {
      double s = 0;
      for (int k = 0; k < f; ++k) s += gram[size_t(j) * f + k] * x[k];
      loss += s * x[j];
    }
    for (uint64_t k = matrix.row_begin[u]; k < matrix.row_begin[u + 1]; ++k) {
      const float* y = model.item_factors.data() + size_t(matrix.cols[k]) * f;
      double s = 0;
      for (int j = 0; j < f; ++j) s += double(x[j]) * y[j];
      const double c = 1.0 + double(model.alpha) * matrix.values[k];
      loss += c * (1 - s) * (1 - s) - s * s;
    }
  }
  double norms = 0;
  for (float v : model.user_factors) norms += double(v) * v;
  for (float v : model.item_factors) norms += double(v) * v;
  return loss + model.regularization * norms;
}

}  // namespace aisle::ranking
