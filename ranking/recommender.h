// Recommender: the seed's generateRecommendations. Four models each propose
// candidates with a score scaled to [0, 1] (the model's best candidate = 1):
//   collaborative  matrix factorisation: the user folded in from their
//                  recent items (and the product on screen), nearest items
//                  by inner product in FAISS
//   content        cosine of content vectors to the product on screen and
//                  the user's recent items (newest weigh most)
//   behavioural    next-item prediction from the session's last items
//   trending       the last 24 h's demand, rising products boosted
// blended as sum(weight * score) (the seed's 0.35 / 0.25 / 0.20 / 0.20),
// then business filters (only products the Availability says are
// recommendable, never the request's exclusions: bought, in the cart, the
// product on screen, the session's own items), then diversification (maximal marginal relevance over
// content vectors: each pick is penalised by its similarity to the picks
// above it, so a page is not ten shades of one product), then the top N.
// With no signal at all (a new visitor, no trend yet) the most popular
// items of the training data fill the page.
//
// Ownership: the Recommender shares the current TrainedModels and
// ContentIndex (replaced atomically by Set*, in-flight requests keep the
// old ones); it does not own the TrendingSource or Availability.
// Thread-safety: every method may be called concurrently.
#ifndef AISLE_RANKING_RECOMMENDER_H_
#define AISLE_RANKING_RECOMMENDER_H_

#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "base/status.h"
#include "ranking/content_index.h"
#include "ranking/recent_activity.h"
#include "ranking/trained_models.h"
#include "ranking/trending.h"

namespace aisle::ranking {

enum class RecommendationModel { kCollaborative, kContent, kBehavioural, kTrending };
inline constexpr int kRecommendationModelCount = 4;

// "collaborative", "content", "behavioural", "trending".
std::string_view RecommendationModelName(RecommendationModel model);
std::optional<RecommendationModel> ParseRecommendationModel(std::string_view name);

struct RecommendationWeights {
  double collaborative = 0.35;
  double content = 0.25;
  double behavioural = 0.20;
  double trending = 0.20;
  bool operator==(const RecommendationWeights&) const = default;
};

struct RecommenderSettings {
  RecommendationWeights weights;
  TrendingOptions trending;
  // Maximal marginal relevance: a candidate's blended score minus
  // diversity * its highest content cosine to the items already picked.
  // 0 = no diversification.
  double diversity = 0.15;
  // Candidates each model proposes, at least; more when the page is larger.
  size_t candidates = 100;
  // The user's recent items that count (collaborative fold-in, content).
  size_t history = 30;
  bool operator==(const RecommenderSettings&) const = default;
};

// Weights finite, in [0, 100], at least one > 0; diversity in [0, 1];
// candidates in [1, 10000]; history in [1, 1000]. InvalidArgument names the
// field ("weights.content").
absl::Status ValidateRecommenderSettings(const RecommenderSettings& settings);

// Whether a product may be shown: it exists, is in stock, is not hidden.
// Implementations must be thread-safe and cheap (called per candidate).
class Availability {
 public:
  virtual ~Availability() = default;
  virtual bool Recommendable(std::string_view product_id) const = 0;
};

struct RecommendRequest {
  std::vector<RecentItem> user_items;  // The user's recent items, newest first.
  std::vector<RecentItem> session_items;  // This session's, newest first.
  std::string product_id;  // The product on screen, if any.
  std::string category;    // The page's category (trending within it), if any.
  absl::flat_hash_set<std::string> exclude;  // Bought, in the cart, ...
  size_t limit = 20;
  // Set: this model alone (weight 1, no fallback).
  std::optional<RecommendationModel> only;
};

// Each model's scaled score in [0, 1] (0 = not proposed by it).
struct ScoreBreakdown {
  double collaborative = 0;
  double content = 0;
  double behavioural = 0;
  double trending = 0;
  double popular = 0;  // The cold-start fallback.
};

struct Recommendation {
  std::string product_id;
  double score = 0;  // Blended, before diversification.
  ScoreBreakdown breakdown;
};

class Recommender {
 public:
  // `trending` and `availability` are not owned and must outlive this.
  Recommender(RecommenderSettings settings, const TrendingSource* trending,
              const Availability* availability);

  void SetModels(std::shared_ptr<const TrainedModels> models);
  std::shared_ptr<const TrainedModels> models() const;
  void SetContent(std::shared_ptr<ContentIndex> content);
  std::shared_ptr<ContentIndex> content() const;
  void SetSettings(const RecommenderSettings& settings);  // Validated by the caller.
  RecommenderSettings settings() const;

  absl::StatusOr<std::vector<Recommendation>> Recommend(const RecommendRequest& request) const;

  // "Similar items": content and collaborative neighbours of one product,
  // blended by their weights. NotFound when neither model knows it.
  absl::StatusOr<std::vector<Recommendation>> Similar(
      std::string_view product_id, size_t limit,
      const absl::flat_hash_set<std::string>& exclude) const;

  // "Frequently bought together": co-basket neighbours (cosine of basket
  // counts), then "viewed next" neighbours to fill the page.
  std::vector<Recommendation> BoughtTogether(std::string_view product_id, size_t limit,
                                             const absl::flat_hash_set<std::string>& exclude) const;

  std::vector<TrendingItem> Trending(std::string_view category, size_t limit) const;

 private:
  struct Snapshot;
  Snapshot Current() const;

  const TrendingSource* const trending_;
  const Availability* const availability_;
  mutable std::mutex mu_;  // Guards the three below (copied out per request).
  RecommenderSettings settings_;
  std::shared_ptr<const TrainedModels> models_;
  std::shared_ptr<ContentIndex> content_;
};

}  // namespace aisle::ranking

#endif  // AISLE_RANKING_RECOMMENDER_H_
