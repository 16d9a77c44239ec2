#include "ranking/recommender.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/container/flat_hash_map.h"

namespace aisle::ranking {
namespace {

constexpr std::string_view kModelNames[] = {"collaborative", "content", "behavioural", "trending"};
// Diversification picks a page from this many times its size of the best
// candidates: enough to reach past a run of near-duplicates.
constexpr size_t kDiversityPool = 5;

// A model's proposal before scaling.
struct Candidate {
  std::string product_id;
  double score = 0;
};

using Blended = absl::flat_hash_map<std::string, ScoreBreakdown>;
using Field = double ScoreBreakdown::*;

// Scales a model's candidates so its best is 1 (scores <= 0 are dropped:
// a model that has nothing to say about an item gives it 0, not a penalty).
void AddScaled(const std::vector<Candidate>& candidates, Field field, Blended* out) {
  double best = 0;
  for (const Candidate& c : candidates) best = std::max(best, c.score);
  if (best <= 0) return;
  for (const Candidate& c : candidates) {
    if (c.score > 0) (*out)[c.product_id].*field = c.score / best;
  }
}

// Debian's abseil has its own string_view: heterogeneous lookup takes that.
absl::string_view Key(std::string_view key) { return {key.data(), key.size()}; }

bool Finite(double w) { return std::isfinite(w) && w >= 0 && w <= 100; }

// What every model of one request shares.
struct Pass {
  const TrainedModels* models = nullptr;  // May be null: not trained yet.
  const ContentIndex* content = nullptr;  // May be null: catalog not indexed yet.
  const RecommenderSettings* settings = nullptr;
  const RecommendRequest* request = nullptr;
  ProductFilter admit;
  size_t k = 0;

  // The behavioural model's history: the product on screen, then the
  // session (or, without one, the user's) items, newest first.
  std::vector<std::string_view> RecentProducts() const {
    std::vector<std::string_view> out;
    if (!request->product_id.empty()) out.push_back(request->product_id);
    const auto& items =
        request->session_items.empty() ? request->user_items : request->session_items;
    for (const RecentItem& item : items) {
      if (out.empty() || out.back() != item.product_id) out.push_back(item.product_id);
    }
    return out;
  }
};

std::vector<Candidate> FromVectorHits(const TrainedModels& models,
                                      const std::vector<index::VectorHit>& hits) {
  std::vector<Candidate> out;
  out.reserve(hits.size());
  for (const auto& hit : hits) out.push_back({models.items().Id(hit.id), hit.score});
  return out;
}

absl::StatusOr<std::vector<Candidate>> NearestByFactors(const Pass& pass,
                                                        std::span<const float> query) {
  const TrainedModels& models = *pass.models;
  index::VectorFilter admit = [&](int64_t item) {
    return pass.admit(models.items().Id(static_cast<uint32_t>(item)));
  };
  AISLE_ASSIGN_OR_RETURN(auto hits, models.NearestByFactors(query, pass.k, &admit));
  return FromVectorHits(models, hits);
}

absl::StatusOr<std::vector<Candidate>> Collaborative(const Pass& pass) {
  if (pass.models == nullptr) return std::vector<Candidate>{};
  const TrainedModels& models = *pass.models;
  std::vector<Interaction> known;
  const RecommendRequest& request = *pass.request;
  const size_t history = std::min(request.user_items.size(), pass.settings->history);
  for (size_t i = 0; i < history; ++i) {
    const RecentItem& item = request.user_items[i];
    if (auto ordinal = models.items().Find(item.product_id)) known.push_back({*ordinal, item.type});
  }
  for (const RecentItem& item : request.session_items) {
    if (auto ordinal = models.items().Find(item.product_id)) known.push_back({*ordinal, item.type});
  }
  if (auto ordinal = models.items().Find(request.product_id)) {
    known.push_back({*ordinal, EventType::kClick});
  }
  if (known.empty()) return std::vector<Candidate>{};
  const std::vector<float> user = models.FoldIn(FoldInInput(known, InteractionWeights{}));
  if (std::all_of(user.begin(), user.end(), [](float x) { return x == 0; })) {
    return std::vector<Candidate>{};
  }
  return NearestByFactors(pass, user);
}

// The content query: decayed sum of the recent products' unit vectors.
absl::StatusOr<std::vector<Candidate>> Content(const Pass& pass) {
  if (pass.content == nullptr) return std::vector<Candidate>{};
  // The same session window and decay as the behavioural model (the
  // seed's 10 and 0.9 until a model is trained).
  const SequenceOptions sequence =
      pass.models != nullptr ? pass.models->sequence().options() : SequenceOptions{};
  std::vector<float> query(pass.content->dimension(), 0.0f);
  float weight = 1;
  bool any = false;
  int used = 0;
  for (std::string_view id : pass.RecentProducts()) {
    if (used++ >= sequence.session_length) break;
    if (auto vector = pass.content->VectorOf(id)) {
      for (size_t d = 0; d < query.size(); ++d) query[d] += weight * (*vector)[d];
      any = true;
    }
    weight *= sequence.decay;
  }
  if (!any) return std::vector<Candidate>{};
  AISLE_ASSIGN_OR_RETURN(auto hits, pass.content->Search(query, pass.k, &pass.admit));
  std::vector<Candidate> out;
  out.reserve(hits.size());
  for (auto& hit : hits) out.push_back({std::move(hit.product_id), hit.score});
  return out;
}

std::vector<Candidate> Behavioural(const Pass& pass) {
  if (pass.models == nullptr) return {};
  const TrainedModels& models = *pass.models;
  std::vector<uint32_t> history;
  for (std::string_view id : pass.RecentProducts()) {
    if (auto ordinal = models.items().Find(id)) history.push_back(*ordinal);
  }
  absl::flat_hash_map<uint32_t, float> scores;
  models.sequence().Score(history, &scores);
  std::vector<std::pair<float, uint32_t>> ranked;
  ranked.reserve(scores.size());
  for (const auto& [item, score] : scores) ranked.push_back({score, item});
  std::sort(ranked.begin(), ranked.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<Candidate> out;
  for (const auto& [score, item] : ranked) {
    if (out.size() >= pass.k) break;
    const std::string& id = models.items().Id(item);
    if (pass.admit(id)) out.push_back({id, score});
  }
  return out;
}

std::vector<Candidate> TrendingCandidates(const Pass& pass, const TrendingSource* source) {
  if (source == nullptr) return {};
  std::vector<Candidate> out;
  for (auto& item :
       RankTrending(*source, pass.request->category, pass.k * 2, pass.settings->trending)) {
    if (out.size() >= pass.k) break;
    if (pass.admit(item.product_id)) out.push_back({std::move(item.product_id), item.score});
  }
  return out;
}

std::vector<Candidate> Popular(const Pass& pass) {
  if (pass.models == nullptr) return {};
  std::vector<Candidate> out;
  for (uint32_t item : pass.models->Popular()) {
    if (out.size() >= pass.k) break;
    const std::string& id = pass.models->items().Id(item);
    if (pass.admit(id)) out.push_back({id, pass.models->Popularity(item)});
  }
  return out;
}

std::vector<Recommendation> Rank(const Blended& blended, const RecommendationWeights& w) {
  std::vector<Recommendation> ranked;
  ranked.reserve(blended.size());
  for (const auto& [id, b] : blended) {
    const double score = w.collaborative * b.collaborative + w.content * b.content +
                         w.behavioural * b.behavioural + w.trending * b.trending + b.popular;
    if (score > 0) ranked.push_back({id, score, b});
  }
  std::sort(ranked.begin(), ranked.end(), [](const Recommendation& a, const Recommendation& b) {
    return a.score != b.score ? a.score > b.score : a.product_id < b.product_id;
  });
  return ranked;
}

float Dot(const float* a, const float* b, size_t n) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (size_t i = 0; i < n; ++i) sum += a[i] * b[i];
  return sum;
}

// Maximal marginal relevance over the best kDiversityPool * limit candidates.
std::vector<Recommendation> Diversify(std::vector<Recommendation> ranked, size_t limit,
                                      double diversity, const ContentIndex* content) {
  if (diversity <= 0 || content == nullptr || ranked.size() <= 1) {
    if (ranked.size() > limit) ranked.resize(limit);
    return ranked;
  }
  ranked.resize(std::min(ranked.size(), limit * kDiversityPool));
  // The pool's unit vectors in one block (a zero row when the content index
  // does not know the product: it then resembles nothing).
  const size_t dim = content->dimension();
  std::vector<float> vectors(ranked.size() * dim, 0.0f);
  for (size_t i = 0; i < ranked.size(); ++i) {
    if (auto v = content->VectorOf(ranked[i].product_id)) {
      std::copy(v->begin(), v->end(), vectors.begin() + i * dim);
    }
  }
  std::vector<double> max_similarity(ranked.size(), 0);
  std::vector<bool> taken(ranked.size(), false);
  std::vector<Recommendation> out;
  while (out.size() < limit && out.size() < ranked.size()) {
    size_t best = 0;
    double best_value = -1e300;
    for (size_t i = 0; i < ranked.size(); ++i) {
      const double value = ranked[i].score - diversity * max_similarity[i];
      if (!taken[i] && value > best_value) best = i, best_value = value;
    }
    taken[best] = true;
    out.push_back(ranked[best]);
    const float* picked = vectors.data() + best * dim;
    for (size_t i = 0; i < ranked.size(); ++i) {
      if (taken[i]) continue;
      const double similarity = Dot(vectors.data() + i * dim, picked, dim);
      max_similarity[i] = std::max(max_similarity[i], similarity);
    }
  }
  return out;
}

RecommendationWeights OnlyWeights(RecommendationModel model) {
  RecommendationWeights w{0, 0, 0, 0};
  switch (model) {
    case RecommendationModel::kCollaborative: w.collaborative = 1; break;
    case RecommendationModel::kContent: w.content = 1; break;
    case RecommendationModel::kBehavioural: w.behavioural = 1; break;
    case RecommendationModel::kTrending: w.trending = 1; break;
  }
  return w;
}

}  // namespace

std::string_view RecommendationModelName(RecommendationModel model) {
  return kModelNames[static_cast<int>(model)];
}

std::optional<RecommendationModel> ParseRecommendationModel(std::string_view name) {
  for (int i = 0; i < kRecommendationModelCount; ++i) {
    if (kModelNames[i] == name) return static_cast<RecommendationModel>(i);
  }
  return std::nullopt;
}

absl::Status ValidateRecommenderSettings(const RecommenderSettings& s) {
  const std::pair<const char*, double> weights[] = {
      {"weights.collaborative", s.weights.collaborative},
      {"weights.content", s.weights.content},
      {"weights.behavioural", s.weights.behavioural},
      {"weights.trending", s.weights.trending}};
  double sum = 0;
  for (const auto& [field, w] : weights) {
    if (!Finite(w)) return InvalidArgumentError(std::string(field) + " must be in [0, 100]", field);
    sum += w;
  }
  if (sum <= 0) return InvalidArgumentError("at least one weight must be > 0", "weights");
  if (!(s.diversity >= 0 && s.diversity <= 1)) {
    return InvalidArgumentError("diversity must be in [0, 1]", "diversity");
  }
  if (s.candidates < 1 || s.candidates > 10000) {
    return InvalidArgumentError("candidates must be in [1, 10000]", "candidates");
  }
  if (s.history < 1 || s.history > 1000) {
    return InvalidArgumentError("history must be in [1, 1000]", "history");
  }
  return ValidateTrendingOptions(s.trending);
}

struct Recommender::Snapshot {
  RecommenderSettings settings;
  std::shared_ptr<const TrainedModels> models;
  std::shared_ptr<ContentIndex> content;
};

Recommender::Recommender(RecommenderSettings settings, const TrendingSource* trending,
                         const Availability* availability)
    : trending_(trending), availability_(availability), settings_(std::move(settings)) {}

void Recommender::SetModels(std::shared_ptr<const TrainedModels> models) {
  std::lock_guard lock(mu_);
  models_.swap(models);
}  // The old generation is freed here, outside no lock of a request.

std::shared_ptr<const TrainedModels> Recommender::models() const {
  std::lock_guard lock(mu_);
  return models_;
}

void Recommender::SetContent(std::shared_ptr<ContentIndex> content) {
  std::lock_guard lock(mu_);
  content_.swap(content);
}

std::shared_ptr<ContentIndex> Recommender::content() const {
  std::lock_guard lock(mu_);
  return content_;
}

void Recommender::SetSettings(const RecommenderSettings& settings) {
  std::lock_guard lock(mu_);
  settings_ = settings;
}

RecommenderSettings Recommender::settings() const {
  std::lock_guard lock(mu_);
  return settings_;
}

Recommender::Snapshot Recommender::Current() const {
  std::lock_guard lock(mu_);
  return {settings_, models_, content_};
}

absl::StatusOr<std::vector<Recommendation>> Recommender::Recommend(
    const RecommendRequest& request) const {
  const Snapshot now = Current();
  Pass pass{.models = now.models.get(),
            .content = now.content.get(),
            .settings = &now.settings,
            .request = &request,
            .k = std::max(now.settings.candidates, request.limit * 3)};
  // The session's own items are what the shopper just saw: a "for you" page
  // that repeats them wastes its slots (a "recently viewed" widget shows them).
  absl::flat_hash_set<std::string_view> seen;
  for (const RecentItem& item : request.session_items) seen.insert(item.product_id);
  pass.admit = [&](std::string_view id) {
    return id != request.product_id && !request.exclude.contains(Key(id)) &&
           !seen.contains(id) && (availability_ == nullptr || availability_->Recommendable(id));
  };
  const RecommendationWeights weights =
      request.only ? OnlyWeights(*request.only) : now.settings.weights;
  Blended blended;
  if (weights.collaborative > 0) {
    AISLE_ASSIGN_OR_RETURN(auto candidates, Collaborative(pass));
    AddScaled(candidates, &ScoreBreakdown::collaborative, &blended);
  }
  if (weights.content > 0) {
    AISLE_ASSIGN_OR_RETURN(auto candidates, Content(pass));
    AddScaled(candidates, &ScoreBreakdown::content, &blended);
  }
  if (weights.behavioural > 0) AddScaled(Behavioural(pass), &ScoreBreakdown::behavioural, &blended);
  if (weights.trending > 0) AddScaled(TrendingCandidates(pass, trending_), &ScoreBreakdown::trending, &blended);
  if (blended.empty() && !request.only) AddScaled(Popular(pass), &ScoreBreakdown::popular, &blended);
  return Diversify(Rank(blended, weights), request.limit, now.settings.diversity,
                   now.content.get());
}

absl::StatusOr<std::vector<Recommendation>> Recommender::Similar(
    std::string_view product_id, size_t limit,
    const absl::flat_hash_set<std::string>& exclude) const {
  const Snapshot now = Current();
  RecommendRequest request{.product_id = std::string(product_id), .limit = limit};
  Pass pass{.models = now.models.get(),
            .content = now.content.get(),
            .settings = &now.settings,
            .request = &request,
            .k = std::max(now.settings.candidates, limit * 3)};
  pass.admit = [&](std::string_view id) {
    return id != product_id && !exclude.contains(Key(id)) &&
           (availability_ == nullptr || availability_->Recommendable(id));
  };
  Blended blended;
  std::optional<uint32_t> ordinal;
  if (now.models != nullptr) ordinal = now.models->items().Find(product_id);
  if (ordinal) {
    AISLE_ASSIGN_OR_RETURN(auto candidates,
                           NearestByFactors(pass, now.models->ItemFactors(*ordinal)));
    AddScaled(candidates, &ScoreBreakdown::collaborative, &blended);
  }
  const bool in_content = now.content != nullptr && now.content->VectorOf(product_id).has_value();
  if (in_content) {
    AISLE_ASSIGN_OR_RETURN(auto candidates, Content(pass));
    AddScaled(candidates, &ScoreBreakdown::content, &blended);
  }
  if (!ordinal && !in_content) {
    return absl::NotFoundError("no model knows product '" + std::string(product_id) + "'");
  }
  const RecommendationWeights weights{.collaborative = now.settings.weights.collaborative,
                                      .content = now.settings.weights.content,
                                      .behavioural = 0,
                                      .trending = 0};
  return Diversify(Rank(blended, weights), limit, now.settings.diversity, now.content.get());
}

std::vector<Recommendation> Recommender::BoughtTogether(
    std::string_view product_id, size_t limit,
    const absl::flat_hash_set<std::string>& exclude) const {
  const Snapshot now = Current();
  if (now.models == nullptr) return {};
  const auto ordinal = now.models->items().Find(product_id);
  if (!ordinal) return {};
  std::vector<Recommendation> out;
  absl::flat_hash_set<uint32_t> seen;
  auto take = [&](std::span<const Neighbor> neighbours, double scale) {
    for (const Neighbor& n : neighbours) {
      if (out.size() >= limit) return;
      const std::string& id = now.models->items().Id(n.item);
      if (!seen.insert(n.item).second || id == product_id || exclude.contains(id) ||
          (availability_ != nullptr && !availability_->Recommendable(id))) {
        continue;
      }
      Recommendation r{.product_id = id, .score = n.weight * scale};
      r.breakdown.behavioural = r.score;
      out.push_back(std::move(r));
    }
  };
  take(now.models->sequence().BoughtTogether(*ordinal), 1.0);
  // "Viewed next" fills a page the baskets cannot, below every basket match.
  double floor = out.empty() ? 1.0 : out.back().score;
  take(now.models->sequence().Next(*ordinal), floor * 0.5);
  return out;
}

std::vector<TrendingItem> Recommender::Trending(std::string_view category, size_t limit) const {
  if (trending_ == nullptr) return {};
  const RecommenderSettings settings = this->settings();
  std::vector<TrendingItem> out;
  for (auto& item : RankTrending(*trending_, category, limit * 2, settings.trending)) {
    if (out.size() >= limit) break;
    if (availability_ == nullptr || availability_->Recommendable(item.product_id)) {
      out.push_back(std::move(item));
    }
  }
  return out;
}

}  // namespace aisle::ranking
