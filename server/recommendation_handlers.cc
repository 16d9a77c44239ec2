#include "server/recommendation_handlers.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/errors.h"
#include "server/json_writer.h"
#include "server/order_json.h"
#include "server/product_json.h"

namespace aisle::server {
namespace {

// POST /v1/models/train takes no body.
constexpr size_t kSmallBody = 4096;

absl::Status UnknownParameter(std::string_view name,
                              std::initializer_list<std::string_view> allowed) {
  std::string names;
  for (std::string_view a : allowed) absl::StrAppend(&names, names.empty() ? "" : ", ", std::string(a));
  return InvalidArgumentError(
      absl::StrCat("unknown parameter '", std::string(name), "': ",
                   names.empty() ? std::string("this route takes none") : "use " + names),
      name);
}

absl::StatusOr<bool> BoolParam(std::string_view name, std::string_view value) {
  if (value == "true") return true;
  if (value == "false") return false;
  return InvalidArgumentError(absl::StrCat(std::string(name), ": expected true or false"), name);
}

absl::StatusOr<ranking::RecommendationModel> ModelParam(std::string_view value) {
  if (auto model = ranking::ParseRecommendationModel(value)) return *model;
  return InvalidArgumentError(
      "model: one of collaborative, content, behavioural, trending", "model");
}

void WriteScores(const ranking::ScoreBreakdown& b,
                 const std::optional<ranking::RecommendationModel>& only, JsonWriter* out) {
  using M = ranking::RecommendationModel;
  out->Key("scores").BeginObject();
  // With one model asked for, the others did not run: a 0 for them would
  // read as "ran and did not propose it".
  const std::pair<M, double> models[] = {{M::kCollaborative, b.collaborative},
                                         {M::kContent, b.content},
                                         {M::kBehavioural, b.behavioural},
                                         {M::kTrending, b.trending}};
  for (const auto& [model, score] : models) {
    if (!only || *only == model) out->Key(ranking::RecommendationModelName(model)).Double(score);
  }
  if (!only) out->Key("popular").Double(b.popular);
  out->EndObject();
}

// A time in Unix ms, null for 0 ("never").
void WriteTime(int64_t ms, JsonWriter* out) { ms > 0 ? out->Int(ms) : out->Null(); }

}  // namespace

struct RecommendationHandlers::Params {
  std::string user_id;
  std::string session_id;
  std::string product_id;
  std::string category;
  size_t limit = 0;
  std::optional<ranking::RecommendationModel> model;
  bool explain = false;
};

struct RecommendationHandlers::Shown {
  Product product;  // With the live price.
};

void WriteModelStatus(const ModelStatus& s, JsonWriter* out) {
  out->BeginObject();
  out->Key("training").Bool(s.training).Key("trained").Bool(s.trained);
  out->Key("generation").Uint(s.generation);
  out->Key("trainedAt");
  WriteTime(s.trained_at_ms, out);
  out->Key("trainingSeconds").Double(s.training_seconds);
  out->Key("users").Uint(s.users).Key("items").Uint(s.items);
  out->Key("interactions").Uint(s.interactions).Key("contentItems").Uint(s.content_items);
  out->Key("nextTrainingAt");
  WriteTime(s.next_training_ms, out);
  out->Key("lastError");
  s.last_error.empty() ? out->Null() : out->String(s.last_error);
  out->EndObject();
}

RecommendationHandlers::RecommendationHandlers(const ranking::Recommender* recommender,
                                               const ranking::RecentActivity* activity,
                                               const index::ProductIndex* index,
                                               const store::CartStore* carts,
                                               ModelControl* models,
                                               RecommendationHandlersOptions options)
    : recommender_(recommender),
      activity_(activity),
      index_(index),
      carts_(carts),
      models_(models),
      options_(std::move(options)) {}

void RecommendationHandlers::Register(Router* router) {
  auto bind = [this](Response (RecommendationHandlers::*method)(Request&) const) {
    return [this, method](Request& request) { return (this->*method)(request); };
  };
  // See the header: a cart read is a SQLite read, kept off the I/O threads.
  const RouteTraits per_user{kSmallBody, /*blocking=*/carts_ != nullptr};
  const RouteTraits cheap{kSmallBody, /*blocking=*/false};
  router->Add("GET", "/v1/recommendations", bind(&RecommendationHandlers::Recommend), per_user);
  router->Add("GET", "/v1/products/{id}/similar", bind(&RecommendationHandlers::Similar),
              per_user);
  router->Add("GET", "/v1/products/{id}/bought-together",
              bind(&RecommendationHandlers::BoughtTogether), per_user);
  router->Add("GET", "/v1/trending", bind(&RecommendationHandlers::Trending), cheap);
  router->Add("POST", "/v1/models/train", bind(&RecommendationHandlers::Train), cheap);
  router->Add("GET", "/v1/models", bind(&RecommendationHandlers::Models), cheap);
}

absl::StatusOr<RecommendationHandlers::Params> RecommendationHandlers::ParseParams(
    const Request& request, std::initializer_list<std::string_view> allowed) const {
  Params params;
  for (const auto& [name, value] : request.query) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return UnknownParameter(name, allowed);
    }
    if (name == "userId") {
      params.user_id = value;
    } else if (name == "sessionId") {
      params.session_id = value;
    } else if (name == "productId") {
      params.product_id = value;
    } else if (name == "category") {
      params.category = value;
    } else if (name == "model") {
      AISLE_ASSIGN_OR_RETURN(params.model, ModelParam(value));
    } else if (name == "explain") {
      AISLE_ASSIGN_OR_RETURN(params.explain, BoolParam(name, value));
    }
  }
  AISLE_ASSIGN_OR_RETURN(const int64_t limit,
                         LimitParam(request, static_cast<int64_t>(options_.default_limit),
                                    static_cast<int64_t>(options_.max_limit)));
  params.limit = static_cast<size_t>(limit);
  return params;
}

absl::StatusOr<absl::flat_hash_set<std::string>> RecommendationHandlers::Exclusions(
    std::string_view user_id) const {
  absl::flat_hash_set<std::string> exclude;
  if (user_id.empty()) return exclude;
  for (std::string& id : activity_->Purchased(user_id)) exclude.insert(std::move(id));
  if (carts_ == nullptr) return exclude;
  AISLE_ASSIGN_OR_RETURN(const std::optional<store::Cart> cart,
                         carts_->FindActiveCartOfUser(user_id));
  if (!cart) return exclude;
  AISLE_ASSIGN_OR_RETURN(const std::optional<store::CartContents> contents,
                         carts_->GetCart(cart->id, /*now_ms=*/0));
  // Gone between the two reads (ordered or merged meanwhile): its products
  // are then purchases or in the cart it was merged into; neither is worth
  // a second round trip for one page.
  if (!contents) return exclude;
  for (const store::CartLineState& line : contents->lines) exclude.insert(line.line.product_id);
  return exclude;
}

absl::StatusOr<std::optional<RecommendationHandlers::Shown>> RecommendationHandlers::Show(
    const std::string& product_id) const {
  absl::StatusOr<Product> product = index_->Get(product_id);
  // The models learned from events and may know products deleted since.
  if (absl::IsNotFound(product.status())) return std::nullopt;
  if (!product.ok()) return product.status();
  absl::StatusOr<index::LiveSignals> live = index_->Signals(product_id);
  if (absl::IsNotFound(live.status())) return std::nullopt;  // Deleted between the reads.
  if (!live.ok()) return live.status();
  // The Recommender's Availability checked stock while ranking; the stock
  // may have run out since, and a page must not advertise what cannot be
  // bought.
  if (!live->in_stock) return std::nullopt;
  Shown shown{std::move(*product)};
  shown.product.price = live->price;
  return shown;
}

uint64_t RecommendationHandlers::Generation() const {
  const std::shared_ptr<const ranking::TrainedModels> models = recommender_->models();
  return models == nullptr ? 0 : models->info().generation;
}

Response RecommendationHandlers::ListResponse(
    const std::vector<ranking::Recommendation>& recommendations, const Params& params,
    uint64_t generation, std::chrono::steady_clock::time_point start) const {
  const ProductFieldSelection storefront;  // Public fields: never the cost.
  JsonWriter out(512 + 1024 * recommendations.size());
  out.BeginObject().Key("items").BeginArray();
  for (const ranking::Recommendation& r : recommendations) {
    absl::StatusOr<std::optional<Shown>> shown = Show(r.product_id);
    if (!shown.ok()) return FromStatus(shown.status());
    if (!*shown) continue;
    out.BeginObject().Key("id").String(r.product_id).Key("score").Double(r.score);
    out.Key("product");
    WriteProduct((*shown)->product, storefront, &out);
    if (params.explain) WriteScores(r.breakdown, params.model, &out);
    out.EndObject();
  }
  out.EndArray();
  out.Key("model").BeginObject().Key("generation").Uint(generation).EndObject();
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  out.Key("processingTimeMs").Int(static_cast<int64_t>(std::lround(ms)));
  out.EndObject();
  return Response{.body = out.Take()};
}

Response RecommendationHandlers::Recommend(Request& request) const {
  const auto start = std::chrono::steady_clock::now();
  auto params = ParseParams(request, {"userId", "sessionId", "productId", "category", "limit",
                                      "model", "explain"});
  if (!params.ok()) return FromStatus(params.status());
  ranking::RecommendRequest recommend{.product_id = params->product_id,
                                      .category = params->category,
                                      .limit = params->limit,
                                      .only = params->model};
  if (!params->user_id.empty()) {
    recommend.user_items =
        activity_->UserItems(params->user_id, recommender_->settings().history);
  }
  if (!params->session_id.empty()) {
    recommend.session_items = activity_->SessionItems(params->session_id, options_.session_items);
  }
  auto exclude = Exclusions(params->user_id);
  if (!exclude.ok()) return FromStatus(WithStoreReason(exclude.status()));
  recommend.exclude = *std::move(exclude);
  // Read before ranking: a generation swapped in meanwhile is at most one
  // newer than the one the page names.
  const uint64_t generation = Generation();
  auto recommendations = recommender_->Recommend(recommend);
  if (!recommendations.ok()) return FromStatus(recommendations.status());
  return ListResponse(*recommendations, *params, generation, start);
}

Response RecommendationHandlers::Similar(Request& request) const {
  const auto start = std::chrono::steady_clock::now();
  auto params = ParseParams(request, {"limit", "userId", "explain"});
  if (!params.ok()) return FromStatus(params.status());
  const std::string product_id(request.PathParam("id"));
  auto exclude = Exclusions(params->user_id);
  if (!exclude.ok()) return FromStatus(WithStoreReason(exclude.status()));
  const uint64_t generation = Generation();
  auto similar = recommender_->Similar(product_id, params->limit, *exclude);
  if (absl::IsNotFound(similar.status())) {
    // A product just added to the catalog is known to no model until the
    // content index or the next training sees it: nothing similar yet.
    absl::StatusOr<Product> product = index_->Get(product_id);
    if (absl::IsNotFound(product.status())) {
      return FromStatus(WithErrorCode(
          absl::NotFoundError(absl::StrCat("product '", product_id, "' not found")),
          "product_not_found"));
    }
    if (!product.ok()) return FromStatus(product.status());
    similar = std::vector<ranking::Recommendation>();
  }
  if (!similar.ok()) return FromStatus(similar.status());
  return ListResponse(*similar, *params, generation, start);
}

Response RecommendationHandlers::BoughtTogether(Request& request) const {
  const auto start = std::chrono::steady_clock::now();
  auto params = ParseParams(request, {"limit", "userId"});
  if (!params.ok()) return FromStatus(params.status());
  auto exclude = Exclusions(params->user_id);
  if (!exclude.ok()) return FromStatus(WithStoreReason(exclude.status()));
  const uint64_t generation = Generation();
  const std::vector<ranking::Recommendation> together =
      recommender_->BoughtTogether(request.PathParam("id"), params->limit, *exclude);
  return ListResponse(together, *params, generation, start);
}

Response RecommendationHandlers::Trending(Request& request) const {
  const auto start = std::chrono::steady_clock::now();
  auto params = ParseParams(request, {"category", "limit"});
  if (!params.ok()) return FromStatus(params.status());
  const std::vector<ranking::TrendingItem> trending =
      recommender_->Trending(params->category, params->limit);
  const ProductFieldSelection storefront;
  JsonWriter out(512 + 1024 * trending.size());
  out.BeginObject().Key("items").BeginArray();
  for (const ranking::TrendingItem& item : trending) {
    absl::StatusOr<std::optional<Shown>> shown = Show(item.product_id);
    if (!shown.ok()) return FromStatus(shown.status());
    if (!*shown) continue;
    out.BeginObject().Key("id").String(item.product_id).Key("score").Double(item.score);
    out.Key("rising").Bool(item.rising).Key("product");
    WriteProduct((*shown)->product, storefront, &out);
    out.EndObject();
  }
  out.EndArray();
  const double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  out.Key("processingTimeMs").Int(static_cast<int64_t>(std::lround(ms)));
  out.EndObject();
  return Response{.body = out.Take()};
}

Response RecommendationHandlers::Train(Request& request) const {
  if (!request.query.empty()) {
    return FromStatus(UnknownParameter(request.query.front().first, {}));
  }
  if (!Blank(request.body)) {
    return FromStatus(InvalidArgumentError("the body must be empty", "body"));
  }
  if (models_ == nullptr) {
    return FromStatus(WithErrorCode(absl::UnavailableError("model training is not configured"),
                                    "models_unavailable"));
  }
  const bool started = models_->RequestTraining();
  JsonWriter out;
  out.BeginObject().Key("training").Bool(true).Key("started").Bool(started).Key("status");
  WriteModelStatus(models_->Status(), &out);
  out.EndObject();
  return Response{.status = 202, .body = out.Take()};
}

Response RecommendationHandlers::Models(Request& request) const {
  if (!request.query.empty()) {
    return FromStatus(UnknownParameter(request.query.front().first, {}));
  }
  if (models_ == nullptr) {
    return FromStatus(WithErrorCode(absl::UnavailableError("model training is not configured"),
                                    "models_unavailable"));
  }
  JsonWriter out;
  WriteModelStatus(models_->Status(), &out);
  return Response{.body = out.Take()};
}

}  // namespace aisle::server
