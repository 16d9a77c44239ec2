// Recommendation routes: thin adapters from HTTP to ranking::Recommender
// (ranking/recommender.h) and the model lifecycle (server/model_control.h).
//
//   GET  /v1/recommendations?userId=&sessionId=&productId=&category=&limit=&model=&explain=
//        "recommended for you", the home page, the cart widget. Every
//        parameter is optional: a brand-new visitor gets what is trending
//        and, without any signal, what is popular.
//   GET  /v1/products/{id}/similar?limit=&userId=&explain=
//   GET  /v1/products/{id}/bought-together?limit=&userId=
//   GET  /v1/trending?category=&limit=
//   POST /v1/models/train   202 {"training": true, "started": bool, "status": {...}}
//   GET  /v1/models         the served model's status
//
// A list answers {"items": [{"id", "score", "product": {...}, "scores"?}],
// "model": {"generation": N}, "processingTimeMs": N}; `product` is the
// stored document as search hits show it (no cost) with the live price;
// `scores` (per model, with explain=true) is every model's scaled score, or
// only the requested model's with model=. Trending items carry "rising"
// instead of "scores". docs/API.md ("Recommendations") has examples.
//
// Never shown: the product on screen, what the user bought (RecentActivity),
// what is in the user's active cart, products the Recommender's
// Availability refuses, products gone from the index or out of stock when
// the page is written (dropped, never an error: the page is shorter).
//
// Errors: 400 invalid_limit (limit outside [1, 100] or not an integer),
// invalid_model, invalid_explain, and 400 naming any unknown parameter;
// 404 product_not_found (similar: neither a model nor the catalog knows the
// product); 503 models_unavailable for the model routes without a
// ModelControl.
//
// Threads: the lists are CPU work over in-memory models plus index reads,
// like search, and run on the I/O threads; but reading a user's cart is a
// SQLite read, which must stay off the I/O threads (store/cart_store.h), so
// with a cart store wired the routes that take userId run on the blocking
// pool. Trending and the model routes never block (training only signals
// the background job).
//
// Ownership: borrows everything (all must outlive the handlers).
// Thread-safety: every method may be called concurrently.
#ifndef AISLE_SERVER_RECOMMENDATION_HANDLERS_H_
#define AISLE_SERVER_RECOMMENDATION_HANDLERS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "base/status.h"
#include "index/product_index.h"
#include "ranking/recent_activity.h"
#include "ranking/recommender.h"
#include "server/http.h"
#include "server/model_control.h"
#include "server/router.h"
#include "store/cart_store.h"

namespace aisle::server {

class JsonWriter;

struct RecommendationHandlersOptions {
  size_t default_limit = 20;
  size_t max_limit = 100;
  // The session's last items the behavioural model reads (the seed's
  // sessionLength).
  size_t session_items = 10;
};

class RecommendationHandlers {
 public:
  // `activity`, `index` and `recommender` are required. `carts` may be null
  // (the user's cart is then not excluded); `models` may be null (the model
  // routes answer 503).
  RecommendationHandlers(const ranking::Recommender* recommender,
                         const ranking::RecentActivity* activity,
                         const index::ProductIndex* index, const store::CartStore* carts,
                         ModelControl* models, RecommendationHandlersOptions options = {});

  void Register(Router* router);

  Response Recommend(Request& request) const;
  Response Similar(Request& request) const;
  Response BoughtTogether(Request& request) const;
  Response Trending(Request& request) const;
  Response Train(Request& request) const;
  Response Models(Request& request) const;

 private:
  struct Params;
  struct Shown;

  // The query parameters, each checked; `allowed` lists the route's names.
  absl::StatusOr<Params> ParseParams(const Request& request,
                                     std::initializer_list<std::string_view> allowed) const;
  // What the user must not be shown: their purchases and their active cart.
  absl::StatusOr<absl::flat_hash_set<std::string>> Exclusions(std::string_view user_id) const;
  // The stored product with its live price; nullopt when it left the index
  // or is out of stock now.
  absl::StatusOr<std::optional<Shown>> Show(const std::string& product_id) const;
  // {"items": [...], "model": {...}, "processingTimeMs": N}.
  Response ListResponse(const std::vector<ranking::Recommendation>& recommendations,
                        const Params& params, uint64_t generation,
                        std::chrono::steady_clock::time_point start) const;
  uint64_t Generation() const;

  const ranking::Recommender* recommender_;
  const ranking::RecentActivity* activity_;
  const index::ProductIndex* index_;
  const store::CartStore* carts_;
  ModelControl* models_;
  const RecommendationHandlersOptions options_;
};

// ModelStatus as JSON (camelCase; times in Unix ms, null when unset).
void WriteModelStatus(const ModelStatus& status, JsonWriter* out);

}  // namespace aisle::server

#endif  // AISLE_SERVER_RECOMMENDATION_HANDLERS_H_
