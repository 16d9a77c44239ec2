// Collaborative filtering by matrix factorisation on implicit feedback:
// implicit ALS (Hu, Koren, Volinsky 2008, "Collaborative Filtering for
// Implicit Feedback Datasets"), each least-squares step solved approximately
// by a few conjugate-gradient steps warm-started from the previous factors
// (Takacs, Pilaszy, Tikk 2011), as the `implicit` Python library's
// AlternatingLeastSquares does.
//
// The model: user u and item i get vectors x_u, y_i (`factors` long) that
// minimise
//   sum over all (u, i) of c_ui (p_ui - x_u . y_i)^2
//     + regularization * (sum_u |x_u|^2 + sum_i |y_i|^2)
// where p_ui = 1 if u interacted with i (strength r_ui > 0), else 0, and the
// confidence c_ui = 1 + alpha * r_ui (1 for the unobserved pairs, which still
// count: "not clicked" is weak evidence of "not wanted"). A user's score for
// an item is x_u . y_i.
//
// FoldIn gives a vector to a user who was not trained (or whose history
// changed since): the exact least-squares solve for x_u against the trained
// item factors, so a new user's first clicks count at once.
#ifndef AISLE_RANKING_ALS_H_
#define AISLE_RANKING_ALS_H_

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "base/status.h"

namespace aisle::ranking {

// Users x items implicit feedback in CSR form. Users and items are dense
// ordinals; mapping ids to ordinals is the caller's.
struct ImplicitMatrix {
  struct Triple {
    uint32_t user = 0;
    uint32_t item = 0;
    float strength = 0;  // e.g. an event's weight; summed per (user, item)
  };

  uint32_t users = 0;
  uint32_t items = 0;
  std::vector<uint64_t> row_begin;  // users + 1 offsets into cols / values
  std::vector<uint32_t> cols;       // item ordinals, sorted and unique in a row
  std::vector<float> values;        // strengths r > 0

  // Sums the strengths of duplicate (user, item) pairs; pairs whose sum is 0
  // are left out (p_ui = 0). InvalidArgument on an ordinal out of range, a
  // negative or non-finite strength, or a sum that overflows a float.
  static absl::StatusOr<ImplicitMatrix> FromTriples(uint32_t users, uint32_t items,
                                                    std::vector<Triple> triples);

  // Items x users, the same entries.
  ImplicitMatrix Transposed() const;

  size_t nnz() const { return cols.size(); }
};

// Defaults, and why:
// - factors 50, regularization 0.01: the design's figures (and `implicit`'s
//   regularization default).
// - alpha 20: c = 1 + alpha * r, r in the caller's units (1 per click on
//   Amazon Beauty). Leave-one-out on Beauty: 10 to 40 within 0.001 of each
//   other in HR@10, 20 the best at 50, 100 and 200 factors; 1 and 5 clearly
//   worse, 80 a little (figures in als.cc). Hu et al. used 40 on TV
//   watching hours. Strengths much larger than 1 per event (summed
//   weights of purchases...) raise the confidence in proportion: scale
//   alpha down with them.
// - iterations 15, cg_steps 3: `implicit`'s defaults; 3 warm-started CG steps
//   per half-iteration reach the exact solve's quality at a fraction of the
//   cost (Takacs et al. 2011).
// - seed 42: training is deterministic (also for any `threads`).
struct AlsOptions {
  int factors = 50;
  float regularization = 0.01f;
  float alpha = 20.0f;
  int iterations = 15;
  int cg_steps = 3;
  uint64_t seed = 42;
  // std::thread workers sharing each half-iteration's rows. Rows are solved
  // independently, so the result does not depend on this.
  int threads = 1;
};

struct AlsModel {
  int factors = 0;
  uint32_t users = 0;
  uint32_t items = 0;
  // The training's, so that FoldIn solves the same objective.
  float regularization = 0;
  float alpha = 0;
  std::vector<float> user_factors;  // users x factors, row major
  std::vector<float> item_factors;  // items x factors, row major
  std::vector<float> item_gramian;  // Yt Y, factors x factors

  std::span<const float> User(uint32_t user) const {
    return {user_factors.data() + size_t{user} * factors, size_t(factors)};
  }
  std::span<const float> Item(uint32_t item) const {
    return {item_factors.data() + size_t{item} * factors, size_t(factors)};
  }

  // A user vector from (item, strength) pairs alone: the exact minimiser
  //   x = (YtY + Yt (Cu - I) Y + regularization I)^-1 Yt Cu p(u)
  // by a Cholesky solve of a factors x factors system (microseconds at 50
  // factors and a few dozen items). Items out of range and strengths that
  // are not finite and > 0 are ignored; repeated items are summed, as
  // FromTriples does. No usable item: the zero vector (every score 0).
  std::vector<float> FoldIn(std::span<const std::pair<uint32_t, float>> items) const;

  // out[i] = user . y_i for every item. user.size() == factors,
  // out.size() == items (checked with assert).
  void ScoreAll(std::span<const float> user, std::span<float> out) const;
};

// Trains on `matrix` (users x items). Users and items without any
// interaction get zero vectors (the objective's minimiser for them: no
// evidence, so no preference), never NaN; with iterations == 0 every vector
// keeps its small random start.
// InvalidArgument on options out of range (factors 1..1024, regularization
// and alpha finite and >= 0, iterations >= 0, cg_steps >= 1, threads 1..256)
// or an inconsistent matrix. Cancelled when *cancel is true at the start of
// an iteration or between its two halves (training runs in a server's
// background; at Beauty's size a half-iteration takes tens of milliseconds).
absl::StatusOr<AlsModel> TrainAls(const ImplicitMatrix& matrix, const AlsOptions& options,
                                  const std::atomic<bool>* cancel = nullptr);

// The objective above for `model` on `matrix` (the training loss), summed in
// double. Each half-iteration can only lower it, so it serves to check that
// training converges. matrix and model must have the same shape.
double ImplicitAlsLoss(const ImplicitMatrix& matrix, const AlsModel& model);

}  // namespace aisle::ranking

#endif  // AISLE_RANKING_ALS_H_
