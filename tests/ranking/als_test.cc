// Implicit ALS on hand-made data whose answer is known: two groups of users
// who each like only their own group's items.
#include "ranking/als.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

namespace aisle::ranking {
namespace {

constexpr uint32_t kGroupSize = 10;
// Users 0..9 (group A) like some of items 0..9, users 10..19 (group B) some
// of items 10..19. User 20 and item 20 have no interactions.
constexpr uint32_t kUsers = 2 * kGroupSize + 1;
constexpr uint32_t kItems = 2 * kGroupSize + 1;

uint32_t Group(uint32_t ordinal) { return ordinal / kGroupSize; }

std::vector<ImplicitMatrix::Triple> GroupTriples() {
  std::vector<ImplicitMatrix::Triple> triples;
  for (uint32_t g = 0; g < 2; ++g) {
    for (uint32_t a = 0; a < kGroupSize; ++a) {
      for (uint32_t b = 0; b < kGroupSize; ++b) {
        // About half of the group's items, scattered (no pattern for extra
        // factors to learn beyond "this group"), each user and item with
        // at least three.
        const uint32_t h = (g * 131 + a * 37 + b * 101 + a * b * 7) % 11;
        if (h >= 5) continue;
        triples.push_back({g * kGroupSize + a, g * kGroupSize + b, h == 0 ? 2.0f : 1.0f});
      }
    }
  }
  return triples;
}

ImplicitMatrix GroupMatrix() {
  auto matrix = ImplicitMatrix::FromTriples(kUsers, kItems, GroupTriples());
  EXPECT_TRUE(matrix.ok()) << matrix.status();
  return *std::move(matrix);
}

// Two factors: room for "which group" and nothing else, so the answer is
// exact (every own-group item first). With more factors the model also
// fits the noise of who clicked what within a group, and only the top of a
// ranking is sure to be the group's (the DefaultFactors tests).
AlsOptions TwoFactors() {
  AlsOptions options;
  options.factors = 2;
  return options;
}

AlsModel Train(const ImplicitMatrix& matrix, const AlsOptions& options) {
  auto model = TrainAls(matrix, options);
  EXPECT_TRUE(model.ok()) << model.status();
  return *std::move(model);
}

std::vector<float> Scores(const AlsModel& model, std::span<const float> user) {
  std::vector<float> scores(model.items);
  model.ScoreAll(user, scores);
  return scores;
}

double Cosine(std::span<const float> a, std::span<const float> b) {
  double ab = 0, aa = 0, bb = 0;
  for (size_t k = 0; k < a.size(); ++k) {
    ab += double(a[k]) * b[k];
    aa += double(a[k]) * a[k];
    bb += double(b[k]) * b[k];
  }
  return ab / std::sqrt(aa * bb);
}

// The `k` highest-scoring of the groups' items (not the cold one).
std::vector<uint32_t> Top(const std::vector<float>& scores, size_t k) {
  std::vector<uint32_t> order(2 * kGroupSize);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(),
                   [&](uint32_t a, uint32_t b) { return scores[a] > scores[b]; });
  order.resize(k);
  return order;
}

// The items by descending cosine with `item`, `item` itself left out.
std::vector<uint32_t> Neighbours(const AlsModel& model, uint32_t item, size_t k) {
  std::vector<float> cosine(2 * kGroupSize);
  for (uint32_t j = 0; j < 2 * kGroupSize; ++j) {
    cosine[j] = j == item ? -2.0f : float(Cosine(model.Item(item), model.Item(j)));
  }
  return Top(cosine, k);
}

// Lowest score of `group`'s items and highest score of the other group's.
std::pair<float, float> OwnLowOtherHigh(const std::vector<float>& scores, uint32_t group) {
  float own_low = std::numeric_limits<float>::infinity();
  float other_high = -std::numeric_limits<float>::infinity();
  for (uint32_t i = 0; i < 2 * kGroupSize; ++i) {
    if (Group(i) == group) {
      own_low = std::min(own_low, scores[i]);
    } else {
      other_high = std::max(other_high, scores[i]);
    }
  }
  return {own_low, other_high};
}

TEST(Als, RanksEveryOwnGroupItemFirstWhenGroupsAreDisjoint) {
  const ImplicitMatrix matrix = GroupMatrix();
  const AlsModel model = Train(matrix, TwoFactors());
  for (uint32_t u = 0; u < 2 * kGroupSize; ++u) {
    // Including the group's items the user never touched.
    const auto [own_low, other_high] = OwnLowOtherHigh(Scores(model, model.User(u)), Group(u));
    EXPECT_GT(own_low, other_high) << "user " << u;
  }
}

TEST(Als, RanksOwnGroupFirstWhenGroupsAreDisjointWithDefaultFactors) {
  // 50 factors for 20 users fit each user's own clicks too, so an unseen
  // own-group item may fall below some noise; the top five (a user has
  // three to seven items) are the group's.
  const ImplicitMatrix matrix = GroupMatrix();
  const AlsModel model = Train(matrix, AlsOptions());
  ASSERT_EQ(model.factors, 50);
  for (uint32_t u = 0; u < 2 * kGroupSize; ++u) {
    for (uint32_t item : Top(Scores(model, model.User(u)), 5)) {
      EXPECT_EQ(Group(item), Group(u)) << "user " << u << " item " << item;
    }
  }
}

TEST(Als, ItemNeighboursByCosineAreFromTheSameGroup) {
  const ImplicitMatrix matrix = GroupMatrix();
  const AlsModel model = Train(matrix, TwoFactors());
  for (uint32_t i = 0; i < 2 * kGroupSize; ++i) {
    double own_low = 2, other_high = -2;
    for (uint32_t j = 0; j < 2 * kGroupSize; ++j) {
      if (j == i) continue;
      const double cosine = Cosine(model.Item(i), model.Item(j));
      if (Group(j) == Group(i)) {
        own_low = std::min(own_low, cosine);
      } else {
        other_high = std::max(other_high, cosine);
      }
    }
    EXPECT_GT(own_low, other_high) << "item " << i;
  }
}

TEST(Als, ItemNeighboursByCosineAreFromTheSameGroupWithDefaultFactors) {
  // With 50 factors the items nearly everyone in their group took (item 1
  // here) also share a "popular" direction across groups, so only the
  // nearest neighbour is sure to be the group's; on average the group's
  // items are closer (most pairs of items are near orthogonal with 50
  // factors for 20 items, across groups even more so).
  const ImplicitMatrix matrix = GroupMatrix();
  const AlsModel model = Train(matrix, AlsOptions());
  double own = 0, other = 0;
  for (uint32_t i = 0; i < 2 * kGroupSize; ++i) {
    const uint32_t nearest = Neighbours(model, i, 1)[0];
    EXPECT_EQ(Group(nearest), Group(i)) << "item " << i << " neighbour " << nearest;
    for (uint32_t j = 0; j < 2 * kGroupSize; ++j) {
      if (j == i) continue;
      (Group(j) == Group(i) ? own : other) += Cosine(model.Item(i), model.Item(j));
    }
  }
  own /= 2 * kGroupSize * (kGroupSize - 1);
  other /= 2 * kGroupSize * kGroupSize;
  EXPECT_GT(own, other + 0.05) << own << " vs " << other;
}

TEST(Als, LossNeverIncreasesWhenIterating) {
  const ImplicitMatrix matrix = GroupMatrix();
  AlsOptions options = TwoFactors();
  // Training is deterministic, so k iterations are the first k of k + 1.
  double previous = std::numeric_limits<double>::infinity();
  double first = 0;
  for (int iterations = 0; iterations <= 10; ++iterations) {
    options.iterations = iterations;
    const double loss = ImplicitAlsLoss(matrix, Train(matrix, options));
    ASSERT_TRUE(std::isfinite(loss));
    EXPECT_LE(loss, previous * (1 + 1e-5)) << iterations << " iterations";
    if (iterations == 0) first = loss;
    previous = loss;
  }
  EXPECT_LT(previous, 0.5 * first);
}

TEST(Als, FoldInRanksOwnGroupFirstAndMatchesTheTrainedUser) {
  const ImplicitMatrix matrix = GroupMatrix();
  const AlsModel model = Train(matrix, TwoFactors());
  for (uint32_t u : {0u, 7u, 13u}) {
    std::vector<std::pair<uint32_t, float>> history;
    for (uint64_t k = matrix.row_begin[u]; k < matrix.row_begin[u + 1]; ++k) {
      history.emplace_back(matrix.cols[k], matrix.values[k]);
    }
    const std::vector<float> folded = model.FoldIn(history);
    ASSERT_EQ(folded.size(), size_t(model.factors));
    // The trained vector was solved against the previous iteration's items
    // with 3 CG steps; the fold-in exactly against the final ones.
    EXPECT_GT(Cosine(folded, model.User(u)), 0.99) << "user " << u;
    const auto [own_low, other_high] = OwnLowOtherHigh(Scores(model, folded), Group(u));
    EXPECT_GT(own_low, other_high) << "user " << u;
  }
}

TEST(Als, FoldInOfANewUsersFirstClicksFavoursTheirGroup) {
  const AlsModel model = Train(GroupMatrix(), TwoFactors());
  const std::pair<uint32_t, float> clicks[] = {{12, 1.0f}, {15, 1.0f}};
  const std::vector<float> scores = Scores(model, model.FoldIn(clicks));
  const auto [own_low, other_high] = OwnLowOtherHigh(scores, 1);
  EXPECT_GT(own_low, other_high);
}

TEST(Als, FoldInIgnoresUnknownItemsAndBadStrengthsAndSumsRepeats) {
  const AlsModel model = Train(GroupMatrix(), TwoFactors());
  const std::pair<uint32_t, float> clean[] = {{3, 2.0f}, {4, 1.0f}};
  const std::pair<uint32_t, float> noisy[] = {{3, 1.0f},
                                              {kItems, 5.0f},
                                              {4, 1.0f},
                                              {5, std::nanf("")},
                                              {6, -1.0f},
                                              {7, 0.0f},
                                              {3, 1.0f}};
  const std::vector<float> a = model.FoldIn(clean);
  const std::vector<float> b = model.FoldIn(noisy);
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k) EXPECT_NEAR(a[k], b[k], 1e-5) << k;

  const std::pair<uint32_t, float> unknown[] = {{kItems + 100, 1.0f}};
  for (float v : model.FoldIn(unknown)) EXPECT_EQ(v, 0.0f);
  for (float v : model.FoldIn({})) EXPECT_EQ(v, 0.0f);
}

TEST(Als, FactorsAreIdenticalWhenSeedIsTheSameWhateverTheThreads) {
  const ImplicitMatrix matrix = GroupMatrix();
  AlsOptions options = TwoFactors();
  const AlsModel a = Train(matrix, options);
  const AlsModel b = Train(matrix, options);
  options.threads = 3;
  const AlsModel c = Train(matrix, options);
  EXPECT_EQ(a.user_factors, b.user_factors);
  EXPECT_EQ(a.item_factors, b.item_factors);
  EXPECT_EQ(a.item_gramian, b.item_gramian);
  EXPECT_EQ(a.user_factors, c.user_factors);
  EXPECT_EQ(a.item_factors, c.item_factors);

  options.threads = 1;
  options.seed = 7;
  EXPECT_NE(Train(matrix, options).item_factors, a.item_factors);
}

TEST(Als, FactorsAreIdenticalWhenThreadsSplitAManyRowMatrix) {
  // Enough rows that several workers really share them.
  std::vector<ImplicitMatrix::Triple> triples;
  for (uint32_t u = 0; u < 3000; ++u) {
    for (uint32_t k = 0; k < 5; ++k) triples.push_back({u, (u * 7 + k * 13) % 500, 1.0f});
  }
  auto matrix = ImplicitMatrix::FromTriples(3000, 500, triples);
  ASSERT_TRUE(matrix.ok()) << matrix.status();
  AlsOptions options;
  options.iterations = 3;
  const AlsModel one = Train(*matrix, options);
  options.threads = 2;
  const AlsModel two = Train(*matrix, options);
  EXPECT_EQ(one.user_factors, two.user_factors);
  EXPECT_EQ(one.item_factors, two.item_factors);
}

TEST(Als, FromTriplesSumsDuplicatesAndDropsZeros) {
  auto matrix = ImplicitMatrix::FromTriples(
      3, 4, {{2, 1, 1.0f}, {0, 3, 0.5f}, {2, 1, 2.5f}, {0, 0, 1.0f}, {1, 2, 0.0f}});
  ASSERT_TRUE(matrix.ok()) << matrix.status();
  EXPECT_EQ(matrix->users, 3u);
  EXPECT_EQ(matrix->items, 4u);
  EXPECT_EQ(matrix->row_begin, (std::vector<uint64_t>{0, 2, 2, 3}));
  EXPECT_EQ(matrix->cols, (std::vector<uint32_t>{0, 3, 1}));
  EXPECT_EQ(matrix->values, (std::vector<float>{1.0f, 0.5f, 3.5f}));

  const ImplicitMatrix t = matrix->Transposed();
  EXPECT_EQ(t.users, 4u);
  EXPECT_EQ(t.items, 3u);
  EXPECT_EQ(t.row_begin, (std::vector<uint64_t>{0, 1, 2, 2, 3}));
  EXPECT_EQ(t.cols, (std::vector<uint32_t>{0, 2, 0}));
  EXPECT_EQ(t.values, (std::vector<float>{1.0f, 3.5f, 0.5f}));
}

TEST(Als, FromTriplesFailsWhenOrdinalOrStrengthIsBad) {
  const std::vector<std::vector<ImplicitMatrix::Triple>> bad = {
      {{3, 0, 1.0f}},                                      // user out of range
      {{0, 4, 1.0f}},                                      // item out of range
      {{0, 0, -1.0f}},                                     // negative
      {{0, 0, std::nanf("")}},                             // NaN
      {{0, 0, std::numeric_limits<float>::infinity()}},    // infinite
      {{0, 0, 3e38f}, {0, 0, 3e38f}},                      // sum overflows
  };
  for (size_t k = 0; k < bad.size(); ++k) {
    EXPECT_EQ(ImplicitMatrix::FromTriples(3, 4, bad[k]).status().code(),
              absl::StatusCode::kInvalidArgument)
        << "case " << k;
  }
}

TEST(Als, TrainsWhenMatrixIsEmpty) {
  auto none = ImplicitMatrix::FromTriples(0, 0, {});
  ASSERT_TRUE(none.ok());
  const AlsModel empty = Train(*none, AlsOptions());
  EXPECT_TRUE(empty.user_factors.empty());
  EXPECT_TRUE(empty.item_factors.empty());
  EXPECT_EQ(empty.item_gramian.size(), 50u * 50u);

  auto no_interactions = ImplicitMatrix::FromTriples(4, 3, {});
  ASSERT_TRUE(no_interactions.ok());
  const AlsModel model = Train(*no_interactions, AlsOptions());
  for (float v : model.user_factors) EXPECT_EQ(v, 0.0f);
  for (float v : model.item_factors) EXPECT_EQ(v, 0.0f);
  const std::pair<uint32_t, float> clicks[] = {{1, 1.0f}};
  for (float v : model.FoldIn(clicks)) EXPECT_EQ(v, 0.0f);
}

TEST(Als, UserAndItemWithoutInteractionsGetZeroVectors) {
  const AlsModel model = Train(GroupMatrix(), TwoFactors());
  for (float v : model.User(kUsers - 1)) EXPECT_EQ(v, 0.0f);
  for (float v : model.Item(kItems - 1)) EXPECT_EQ(v, 0.0f);
  for (float v : model.user_factors) EXPECT_TRUE(std::isfinite(v));
  for (float v : model.item_factors) EXPECT_TRUE(std::isfinite(v));
  // Everyone else has a vector.
  EXPECT_GT(std::abs(Cosine(model.User(0), model.User(1))), 0.5);
}

TEST(Als, StaysFiniteWhenRegularizationIsZero) {
  // One user, one item: YtY alone is singular for 8 factors.
  auto matrix = ImplicitMatrix::FromTriples(2, 3, {{0, 0, 1.0f}});
  ASSERT_TRUE(matrix.ok());
  AlsOptions options = TwoFactors();
  options.regularization = 0;
  const AlsModel model = Train(*matrix, options);
  for (float v : model.user_factors) EXPECT_TRUE(std::isfinite(v));
  for (float v : model.item_factors) EXPECT_TRUE(std::isfinite(v));
  const std::pair<uint32_t, float> clicks[] = {{0, 1.0f}, {1, 1.0f}};
  for (float v : model.FoldIn(clicks)) EXPECT_TRUE(std::isfinite(v));
}

TEST(Als, ReturnsCancelledWhenCancelIsSet) {
  const ImplicitMatrix matrix = GroupMatrix();
  std::atomic<bool> cancel{true};
  EXPECT_EQ(TrainAls(matrix, TwoFactors(), &cancel).status().code(),
            absl::StatusCode::kCancelled);
  cancel = false;
  EXPECT_TRUE(TrainAls(matrix, TwoFactors(), &cancel).ok());
}

TEST(Als, FailsWhenOptionsOrMatrixAreInvalid) {
  const ImplicitMatrix matrix = GroupMatrix();
  const auto with = [](auto change) {
    AlsOptions options;
    change(options);
    return options;
  };
  const AlsOptions bad[] = {
      with([](AlsOptions& o) { o.factors = 0; }),
      with([](AlsOptions& o) { o.regularization = -0.1f; }),
      with([](AlsOptions& o) { o.regularization = std::nanf(""); }),
      with([](AlsOptions& o) { o.alpha = -1; }),
      with([](AlsOptions& o) { o.iterations = -1; }),
      with([](AlsOptions& o) { o.cg_steps = 0; }),
      with([](AlsOptions& o) { o.threads = 0; }),
  };
  for (size_t k = 0; k < std::size(bad); ++k) {
    EXPECT_EQ(TrainAls(matrix, bad[k]).status().code(), absl::StatusCode::kInvalidArgument)
        << "case " << k;
  }
  ImplicitMatrix broken = matrix;
  broken.cols[0] = kItems;
  EXPECT_EQ(TrainAls(broken, AlsOptions()).status().code(), absl::StatusCode::kInvalidArgument);
  broken = matrix;
  broken.row_begin.pop_back();
  EXPECT_EQ(TrainAls(broken, AlsOptions()).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aisle::ranking
