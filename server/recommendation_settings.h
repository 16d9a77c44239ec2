// Recommendation settings route: GET|PUT /v1/settings/recommendations, the
// blend weights, diversification, candidate and history sizes and the
// trending boost of ranking::Recommender (ranking/recommender.h):
//
//   {"weights": {"collaborative": 0.35, "content": 0.25, "behavioural": 0.2,
//                "trending": 0.2},
//    "diversity": 0.15, "candidates": 100, "history": 30,
//    "trending": {"boost": 1.5, "risingRatio": 1.0}}
//
// PUT is a partial update, as GET|PUT /v1/settings/fraud: fields left out
// keep their current values (a merchandiser raising one weight must not
// reset the others by omission). The merged settings must pass
// ranking::ValidateRecommenderSettings; they are committed to the store
// (durable), then become current and are handed to `on_change` (the wiring
// calls Recommender::SetSettings). LoadRecommendationSettings reads the
// stored ones at start-up.
//
// Thread-safe: GET reads a snapshot under a mutex; PUTs are serialized (the
// merge reads the current settings) and run on the blocking pool (the commit
// fsyncs).
#ifndef AISLE_SERVER_RECOMMENDATION_SETTINGS_H_
#define AISLE_SERVER_RECOMMENDATION_SETTINGS_H_

#include <functional>
#include <mutex>
#include <string>
#include <string_view>

#include "base/status.h"
#include "ranking/recommender.h"
#include "server/http.h"
#include "server/router.h"
#include "store/kv_stores.h"

namespace aisle::server {

// The settings store key of the recommendation settings.
inline constexpr std::string_view kRecommendationSettingsKey = "recommendations";

// The full settings as JSON (every field present; the shape above).
std::string RecommendationSettingsJson(const ranking::RecommenderSettings& settings);

// `base` with the fields `body` names replaced (any subset of the JSON
// above). InvalidArgument naming the field for malformed JSON or invalid
// UTF-8 ("body"), unknown fields (the object holding them, e.g. "weights",
// or the top-level name), wrong types ("candidates" wants an integer) and
// merged settings that fail ValidateRecommenderSettings ("weights.content",
// "weights" when all are 0, "diversity", ...).
absl::StatusOr<ranking::RecommenderSettings> ParseRecommendationSettings(
    std::string_view body, const ranking::RecommenderSettings& base);

// The stored settings (the defaults when none were stored). DataLoss when
// the stored text no longer parses or validates, so start-up fails rather
// than recommending with settings nobody chose.
absl::StatusOr<ranking::RecommenderSettings> LoadRecommendationSettings(
    const store::SettingsStore& settings);

class RecommendationSettingsHandlers {
 public:
  // Called after a PUT is stored, with the new settings, on the PUT's
  // thread; calls are serialized, in the order the settings were stored.
  // Must not call back into Put.
  using OnChange = std::function<void(const ranking::RecommenderSettings&)>;

  // `settings` is not owned and must outlive the handlers. `initial` must be
  // valid (LoadRecommendationSettings' result). `on_change` may be empty.
  RecommendationSettingsHandlers(store::SettingsStore* settings,
                                 ranking::RecommenderSettings initial, OnChange on_change);

  void Register(Router* router);
  Response Get(Request& request) const;
  Response Put(Request& request);

  // A copy of the current settings.
  ranking::RecommenderSettings current() const;

 private:
  store::SettingsStore* settings_;
  OnChange on_change_;
  std::mutex put_mu_;  // Serializes Put: merge, commit, swap, notify.
  mutable std::mutex mu_;
  ranking::RecommenderSettings current_;  // Guarded by mu_.
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_RECOMMENDATION_SETTINGS_H_
