// Recommendation routes over HTTP against the real pieces: a product index
// and a SQLite store in a temp dir, models trained from a hand-made
// interaction log, a content index over the catalog, a RecentActivity fed
// by hand, a real cart, the real router and HTTP server on loopback. Only
// the trending counts and the model lifecycle are fakes.
//
// The log teaches three things: shoppers who look at p1 go on to c2 and then
// k3 (a sequence), shoppers who buy p3 buy c3 with it (a basket), and k1, k2
// are looked at by many (popularity).
#include "server/recommendation_handlers.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "commerce/cart_service.h"
#include "commerce/inventory_service.h"
#include "commerce/quote_book.h"
#include "index/product_index.h"
#include "ranking/content_index.h"
#include "ranking/interactions.h"
#include "ranking/recent_activity.h"
#include "ranking/recommender.h"
#include "ranking/trained_models.h"
#include "server/cart_handlers.h"       // IndexPriceLookup.
#include "server/http_client.h"
#include "server/http_server.h"
#include "server/inventory_handlers.h"  // IndexAvailabilitySink.
#include "server/router.h"
#include "store/store.h"
#include "tests/server/app_fixture.h"  // JsonBody.
#include "tests/testing/test_util.h"

namespace aisle::server {
namespace {

constexpr int64_t kNow = 1'750'000'000'000;

// Whatever the test says is trending, per category ("" = everywhere).
class FakeTrending final : public ranking::TrendingSource {
 public:
  std::vector<ranking::TrendingCounts> Top(std::string_view category, size_t n) const override {
    auto it = counts_.find(std::string(category));
    if (it == counts_.end()) return {};
    std::vector<ranking::TrendingCounts> out = it->second;
    if (out.size() > n) out.resize(n);
    return out;
  }
  // Written before the server starts, read-only afterwards.
  std::map<std::string, std::vector<ranking::TrendingCounts>> counts_;
};

// In stock according to the index's live columns (what the server wires).
class IndexAvailability final : public ranking::Availability {
 public:
  explicit IndexAvailability(const index::ProductIndex* index) : index_(index) {}
  bool Recommendable(std::string_view id) const override {
    auto live = index_->Signals(id);
    return live.ok() && live->in_stock;
  }

 private:
  const index::ProductIndex* index_;
};

class FakeModelControl final : public ModelControl {
 public:
  ModelStatus Status() const override {
    ModelStatus s;
    s.training = requests_ > 0;
    s.trained = true;
    s.generation = 7;
    s.trained_at_ms = kNow;
    s.training_seconds = 0.25;
    s.users = 30;
    s.items = 12;
    s.interactions = 100;
    s.content_items = 13;
    s.next_training_ms = kNow + 3'600'000;
    return s;
  }
  bool RequestTraining() override { return requests_++ == 0; }

  std::atomic<int> requests_{0};
};

Product MakeProduct(std::string id, std::string category, std::string brand, double price) {
  Product p;
  p.title = absl::StrCat(category, " ", id);
  p.id = std::move(id);
  p.brand = std::move(brand);
  p.categories = {"Shop", std::move(category)};
  p.price = price;
  p.cost = price / 2;
  return p;
}

std::vector<Product> Catalog() {
  std::vector<Product> products;
  for (int i = 1; i <= 4; ++i) {
    products.push_back(MakeProduct(absl::StrCat("p", i), "Phones", i % 2 ? "Acme" : "Zed", 300 + i));
    products.push_back(MakeProduct(absl::StrCat("c", i), "Cases", i % 2 ? "Acme" : "Zed", 20 + i));
    products.push_back(MakeProduct(absl::StrCat("k", i), "Kitchen", "Chef", 50 + i));
  }
  return products;
}

Event MakeEvent(EventType type, std::string user, std::string product, int64_t at) {
  Event e;
  e.type = type;
  e.session_id = user + "-s";
  e.user_id = std::move(user);
  e.product_id = std::move(product);
  e.timestamp_ms = at;
  return e;
}

ranking::InteractionLog Log() {
  ranking::InteractionLog log;
  int64_t t = kNow - 86'400'000;
  for (int i = 0; i < 12; ++i) {  // The sequence p1 -> c2 -> k3.
    const std::string user = absl::StrCat("seq", i);
    for (const char* product : {"p1", "c2", "k3"}) {
      log.Add(MakeEvent(EventType::kView, user, product, t += 1000));
    }
  }
  for (int i = 0; i < 10; ++i) {  // The basket p3 + c3.
    const std::string user = absl::StrCat("basket", i);
    for (const char* product : {"p3", "c3"}) {
      log.Add(MakeEvent(EventType::kCartAdd, user, product, t += 1000));
    }
    for (const char* product : {"p3", "c3"}) {
      log.Add(MakeEvent(EventType::kPurchase, user, product, t += 1000));
    }
  }
  for (int i = 0; i < 15; ++i) {  // Popular kitchen browsing.
    const std::string user = absl::StrCat("cook", i);
    log.Add(MakeEvent(EventType::kView, user, "k1", t += 1000));
    log.Add(MakeEvent(EventType::kView, user, "k2", t += 1000));
  }
  return log;
}

class RecommendationRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    index::IndexOptions index_options;
    index_options.path = dir_.Sub("index");
    auto index = index::ProductIndex::Open(index_options);
    ASSERT_TRUE(index.ok()) << index.status();
    index_ = std::move(*index);
    ASSERT_TRUE(index_->Upsert(Catalog()).ok());

    store::StoreOptions store_options;
    store_options.path = dir_.Sub("aisle.db");
    auto store = store::Store::Open(store_options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    inventory_ = std::make_unique<commerce::InventoryService>(
        clock_, store_->inventory(), IndexAvailabilitySink(index_.get()));
    quotes_ = std::make_unique<commerce::QuoteBook>(clock_);
    carts_ = std::make_unique<commerce::CartService>(clock_, store_->carts(), inventory_.get(),
                                                     quotes_.get(), IndexPriceLookup(index_.get()));

    trending_.counts_["Kitchen"] = {{"k1", 10, 70}, {"k2", 8, 14}, {"k4", 1, 7}};
    trending_.counts_[""] = {{"p2", 20, 140}, {"k1", 10, 70}, {"k2", 8, 14}};
    ranking::RecommenderSettings settings;
    settings.diversity = 0;  // Keep the orders the assertions name.
    availability_ = std::make_unique<IndexAvailability>(index_.get());
    recommender_ =
        std::make_unique<ranking::Recommender>(settings, &trending_, availability_.get());
    ASSERT_NO_FATAL_FAILURE(TrainModels());

    router_ = std::make_unique<Router>();
    handlers_ = std::make_unique<RecommendationHandlers>(
        recommender_.get(), &activity_, index_.get(), store_->carts(), &model_control_);
    handlers_->Register(router_.get());
    HttpServerOptions http;
    http.port = 0;
    http.io_threads = 1;
    http.blocking_threads = 2;
    auto server = HttpServer::Start(http, router_.get());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    HttpClientOptions client;
    client.port = server_->port();
    client_ = HttpClient::Create(client);
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (store_) store_->Close();
    if (index_) {
      EXPECT_TRUE(index_->Close().ok());
    }
  }

  void TrainModels() {
    ranking::TrainingOptions options;
    options.als.factors = 8;
    ranking::ModelInfo info;
    info.generation = 7;
    auto models = ranking::TrainedModels::Train(Log(), options, info);
    ASSERT_TRUE(models.ok()) << models.status();
    recommender_->SetModels(*models);
    const std::vector<Product> catalog = Catalog();
    auto content = ranking::ContentIndex::Build(ranking::ContentIndexOptions(), catalog);
    ASSERT_TRUE(content.ok()) << content.status();
    recommender_->SetContent(std::shared_ptr<ranking::ContentIndex>(std::move(*content)));
  }

  ClientResponse Call(std::string_view method, std::string_view target) {
    auto response = client_->Send(method, target, "", "application/json");
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : ClientResponse{};
  }

  // The ids of a 200 list answer, in order.
  std::vector<std::string> Ids(std::string_view target) {
    auto r = Call("GET", target);
    EXPECT_EQ(r.status, 200) << target << " -> " << r.body;
    JsonBody body(r.body);
    std::vector<std::string> ids;
    simdjson::dom::array items;
    if (body.root().at_pointer("/items").get_array().get(items)) {
      ADD_FAILURE() << target << ": no items in " << r.body;
      return ids;
    }
    for (simdjson::dom::element item : items) {
      std::string_view id;
      EXPECT_FALSE(item["id"].get_string().get(id)) << r.body;
      ids.emplace_back(id);
    }
    return ids;
  }

  void View(std::string user, std::string session, std::string product, EventType type) {
    Event e = MakeEvent(type, std::move(user), std::move(product), clock_.NowMillis());
    e.session_id = std::move(session);
    activity_.Record(e);
  }

  void SetStock(const std::string& product, int64_t stock) {
    auto applied = index_->UpdateSignals({{.product_id = product, .stock = stock}});
    ASSERT_TRUE(applied.ok()) << applied.status();
    ASSERT_EQ(applied->applied, 1u);
  }

  testing::TempDir dir_;
  FakeClock clock_{kNow};
  std::unique_ptr<index::ProductIndex> index_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<commerce::InventoryService> inventory_;
  std::unique_ptr<commerce::QuoteBook> quotes_;
  std::unique_ptr<commerce::CartService> carts_;
  FakeTrending trending_;
  std::unique_ptr<IndexAvailability> availability_;
  ranking::RecentActivity activity_;
  FakeModelControl model_control_;
  std::unique_ptr<ranking::Recommender> recommender_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<RecommendationHandlers> handlers_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
};

bool Contains(const std::vector<std::string>& ids, std::string_view id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

TEST_F(RecommendationRoutes, SessionRecommendationsFollowTheLearnedSequence) {
  View("visitor", "sess", "p1", EventType::kView);
  EXPECT_EQ(Ids("/v1/recommendations?sessionId=sess&model=behavioural"),
            (std::vector<std::string>{"c2", "k3"}));
  // Blended, the learned next step leads everything the session has not
  // seen. (The Recommender may propose the session's own items again: only
  // the product on screen is excluded, so p1 itself can come first.)
  std::vector<std::string> blended = Ids("/v1/recommendations?sessionId=sess");
  std::erase(blended, "p1");
  ASSERT_FALSE(blended.empty());
  EXPECT_EQ(blended[0], "c2");
  blended = Ids("/v1/recommendations?sessionId=sess&productId=p1");
  ASSERT_FALSE(blended.empty());
  EXPECT_EQ(blended[0], "c2");
  EXPECT_FALSE(Contains(blended, "p1")) << "the product on screen";
}

TEST_F(RecommendationRoutes, ItemsCarryTheStoredProductWithItsLivePriceAndNoCost) {
  View("visitor", "sess", "p1", EventType::kView);
  ASSERT_TRUE(index_->UpdateSignals({{.product_id = "c2", .price = 19.5}}).ok());
  auto r = Call("GET", "/v1/recommendations?sessionId=sess&model=behavioural&limit=1");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody body(r.body);
  EXPECT_EQ(body.Size("/items"), 1u) << r.body;
  EXPECT_EQ(body.String("/items/0/id"), "c2");
  EXPECT_EQ(body.String("/items/0/product/id"), "c2");
  EXPECT_EQ(body.String("/items/0/product/title"), "Cases c2");
  double price = 0, score = 0;
  EXPECT_FALSE(body.root().at_pointer("/items/0/product/price").get_double().get(price));
  EXPECT_EQ(price, 19.5) << "the live price, not the catalog's 22";
  EXPECT_FALSE(body.root().at_pointer("/items/0/score").get_double().get(score));
  EXPECT_GT(score, 0);
  EXPECT_EQ(body.String("/items/0/product/cost"), "<missing>") << "storefront JSON has no cost";
  EXPECT_EQ(body.String("/items/0/scores"), "<missing>") << "scores only with explain=true";
  EXPECT_EQ(body.Uint("/model/generation"), 7u);
  EXPECT_NE(body.Uint("/processingTimeMs"), UINT64_MAX) << r.body;
}

TEST_F(RecommendationRoutes, ExplainTrueReturnsEveryModelsScore) {
  View("visitor", "sess", "p1", EventType::kView);
  auto r = Call("GET", "/v1/recommendations?sessionId=sess&productId=p1&explain=true");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody body(r.body);
  ASSERT_EQ(body.String("/items/0/id"), "c2") << r.body;
  for (const char* model : {"collaborative", "content", "behavioural", "trending", "popular"}) {
    double v = -1;
    EXPECT_FALSE(body.root()
                     .at_pointer(absl::StrCat("/items/0/scores/", model))
                     .get_double()
                     .get(v))
        << model << " missing in " << r.body;
    EXPECT_GE(v, 0) << model;
    EXPECT_LE(v, 1) << model;
  }
  double behavioural = 0;
  ASSERT_FALSE(body.root().at_pointer("/items/0/scores/behavioural").get_double().get(behavioural));
  EXPECT_EQ(behavioural, 1) << "the model's best candidate scales to 1";
}

TEST_F(RecommendationRoutes, ModelBehaviouralReturnsOnlyBehaviouralScores) {
  View("visitor", "sess", "p1", EventType::kView);
  auto r = Call("GET", "/v1/recommendations?sessionId=sess&model=behavioural&explain=true");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody body(r.body);
  ASSERT_EQ(body.Size("/items"), 2u) << r.body;
  for (const char* item : {"/items/0/scores", "/items/1/scores"}) {
    simdjson::dom::object scores;
    ASSERT_FALSE(body.root().at_pointer(item).get_object().get(scores)) << r.body;
    EXPECT_EQ(scores.size(), 1u) << r.body;
    double v = 0;
    EXPECT_FALSE(scores["behavioural"].get_double().get(v)) << r.body;
    EXPECT_GT(v, 0);
  }
}

TEST_F(RecommendationRoutes, AnOutOfStockProductNeverAppears) {
  View("visitor", "sess", "p1", EventType::kView);
  ASSERT_TRUE(Contains(Ids("/v1/recommendations?sessionId=sess"), "c2"));
  ASSERT_TRUE(Contains(Ids("/v1/trending?category=Kitchen"), "k2"));
  SetStock("c2", 0);
  SetStock("k2", 0);
  EXPECT_EQ(Ids("/v1/recommendations?sessionId=sess&model=behavioural"),
            (std::vector<std::string>{"k3"}));
  for (const char* target :
       {"/v1/recommendations?sessionId=sess", "/v1/recommendations?sessionId=sess&limit=100",
        "/v1/recommendations", "/v1/products/p1/similar?limit=100",
        "/v1/products/p1/bought-together", "/v1/trending?category=Kitchen", "/v1/trending"}) {
    const std::vector<std::string> ids = Ids(target);
    EXPECT_FALSE(Contains(ids, "c2")) << target;
    EXPECT_FALSE(Contains(ids, "k2")) << target;
  }
  SetStock("c2", 3);  // Back in stock: back on the page.
  EXPECT_TRUE(Contains(Ids("/v1/recommendations?sessionId=sess&model=behavioural"), "c2"));
}

TEST_F(RecommendationRoutes, AProductTheUserBoughtNeverAppears) {
  View("u1", "sess", "p1", EventType::kView);
  ASSERT_TRUE(Contains(Ids("/v1/recommendations?userId=u1&sessionId=sess"), "c2"));
  View("u1", "earlier", "c2", EventType::kPurchase);
  View("u1", "sess", "p1", EventType::kView);  // p1 is again the session's newest.
  for (const char* target :
       {"/v1/recommendations?userId=u1&sessionId=sess",
        "/v1/recommendations?userId=u1&sessionId=sess&model=behavioural&limit=100",
        "/v1/recommendations?userId=u1&limit=100", "/v1/products/p1/similar?userId=u1&limit=100",
        "/v1/products/p1/bought-together?userId=u1"}) {
    EXPECT_FALSE(Contains(Ids(target), "c2")) << target;
  }
  // Another shopper still sees it.
  EXPECT_TRUE(Contains(Ids("/v1/recommendations?sessionId=sess&model=behavioural"), "c2"));
}

TEST_F(RecommendationRoutes, AProductInTheUsersCartNeverAppears) {
  ASSERT_TRUE(inventory_->UpsertWarehouses({{.id = "w1", .name = "Main"}}).ok());
  ASSERT_TRUE(inventory_->SetStock("c2", {{"w1", 10}}).ok());
  auto cart = carts_->CreateCart("u2");
  ASSERT_TRUE(cart.ok()) << cart.status();
  ASSERT_TRUE(carts_->AddItem({.cart_id = cart->cart.id, .product_id = "c2", .quantity = 1}).ok());
  View("u2", "sess2", "p1", EventType::kView);
  EXPECT_EQ(Ids("/v1/recommendations?userId=u2&sessionId=sess2&model=behavioural"),
            (std::vector<std::string>{"k3"}));
  EXPECT_FALSE(Contains(Ids("/v1/recommendations?userId=u2&sessionId=sess2&limit=100"), "c2"));
  EXPECT_FALSE(Contains(Ids("/v1/products/p1/similar?userId=u2&limit=100"), "c2"));
  // Without the user, nothing to exclude.
  EXPECT_EQ(Ids("/v1/recommendations?sessionId=sess2&model=behavioural"),
            (std::vector<std::string>{"c2", "k3"}));
}

TEST_F(RecommendationRoutes, SimilarOfAnUnknownIdIs404AndOfANewCatalogProductIsEmpty) {
  auto r = Call("GET", "/v1/products/nope/similar");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "product_not_found") << r.body;
  // In the catalog, known to no model yet (added after the content index).
  ASSERT_TRUE(index_->Upsert({MakeProduct("fresh", "Phones", "Acme", 399)}).ok());
  r = Call("GET", "/v1/products/fresh/similar");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonBody(r.body).Size("/items"), 0u) << r.body;
  // Known: its neighbours, never itself; other phones are the most alike.
  const std::vector<std::string> similar = Ids("/v1/products/p2/similar?limit=3&explain=true");
  ASSERT_FALSE(similar.empty());
  EXPECT_FALSE(Contains(similar, "p2"));
  EXPECT_EQ(similar[0][0], 'p') << similar[0];
}

TEST_F(RecommendationRoutes, BoughtTogetherComesFromCoPurchases) {
  const std::vector<std::string> together = Ids("/v1/products/p3/bought-together");
  ASSERT_FALSE(together.empty());
  EXPECT_EQ(together[0], "c3");
  EXPECT_EQ(Ids("/v1/products/c3/bought-together?limit=1"), (std::vector<std::string>{"p3"}));
  // The user who already bought c3 is not offered it again.
  View("buyer", "b", "c3", EventType::kPurchase);
  EXPECT_FALSE(Contains(Ids("/v1/products/p3/bought-together?userId=buyer"), "c3"));
  // A product no model has seen has no companions (not an error).
  EXPECT_TRUE(Ids("/v1/products/nope/bought-together").empty());
}

TEST_F(RecommendationRoutes, TrendingByCategoryBoostsRisingProducts) {
  auto r = Call("GET", "/v1/trending?category=Kitchen&limit=2");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody body(r.body);
  ASSERT_EQ(body.Size("/items"), 2u) << r.body;
  // k2: 8 today against 2 a day this week, rising: 8 * 1.5 = 12 beats k1's
  // steady 10.
  EXPECT_EQ(body.String("/items/0/id"), "k2");
  EXPECT_EQ(body.String("/items/1/id"), "k1");
  bool rising = false;
  EXPECT_FALSE(body.root().at_pointer("/items/0/rising").get_bool().get(rising));
  EXPECT_TRUE(rising);
  EXPECT_FALSE(body.root().at_pointer("/items/1/rising").get_bool().get(rising));
  EXPECT_FALSE(rising);
  double score = 0;
  EXPECT_FALSE(body.root().at_pointer("/items/0/score").get_double().get(score));
  EXPECT_EQ(score, 12);
  EXPECT_EQ(body.String("/items/0/product/title"), "Kitchen k2");
  const std::vector<std::string> everywhere = Ids("/v1/trending");
  ASSERT_FALSE(everywhere.empty());
  EXPECT_EQ(everywhere[0], "p2");
  EXPECT_TRUE(Ids("/v1/trending?category=Garden").empty());
  // The page's category steers the trending model of /v1/recommendations.
  EXPECT_EQ(Ids("/v1/recommendations?category=Kitchen&model=trending"),
            (std::vector<std::string>{"k2", "k1", "k4"}));
}

TEST_F(RecommendationRoutes, ABrandNewVisitorGetsTrendingAndPopularProducts) {
  const std::vector<std::string> ids = Ids("/v1/recommendations");
  EXPECT_FALSE(ids.empty());
  EXPECT_TRUE(Contains(ids, "p2")) << "trending everywhere";
  // With the trending model's weight at 0 and no signal, popularity fills the page.
  ranking::RecommenderSettings settings = recommender_->settings();
  settings.weights.trending = 0;
  recommender_->SetSettings(settings);
  auto r = Call("GET", "/v1/recommendations?limit=2&explain=true");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody body(r.body);
  ASSERT_EQ(body.Size("/items"), 2u) << r.body;
  double popular = 0;
  EXPECT_FALSE(body.root().at_pointer("/items/0/scores/popular").get_double().get(popular));
  EXPECT_GT(popular, 0) << r.body;
}

TEST_F(RecommendationRoutes, BadParametersAreA400NamingTheParameter) {
  const std::pair<const char*, const char*> cases[] = {
      {"/v1/recommendations?limit=0", "limit"},
      {"/v1/recommendations?limit=101", "limit"},
      {"/v1/recommendations?limit=abc", "limit"},
      {"/v1/recommendations?limit=", "limit"},
      {"/v1/recommendations?limit=5.5", "limit"},
      {"/v1/recommendations?model=nope", "model"},
      {"/v1/recommendations?model=", "model"},
      {"/v1/recommendations?explain=maybe", "explain"},
      {"/v1/recommendations?userid=u1", "userid"},
      {"/v1/products/p1/similar?limit=0", "limit"},
      {"/v1/products/p1/similar?explain=1", "explain"},
      {"/v1/products/p1/similar?model=content", "model"},
      {"/v1/products/p1/bought-together?limit=101", "limit"},
      {"/v1/products/p1/bought-together?explain=true", "explain"},
      {"/v1/trending?limit=abc", "limit"},
      {"/v1/trending?userId=u1", "userId"},
      {"/v1/models?x=1", "x"},
  };
  for (const auto& [target, field] : cases) {
    auto r = Call("GET", target);
    EXPECT_EQ(r.status, 400) << target << " -> " << r.body;
    JsonBody error(r.body);
    ASSERT_TRUE(error.ok()) << target << " -> " << r.body;
    EXPECT_EQ(error.String("/error/field"), field) << target << " -> " << r.body;
    EXPECT_NE(error.String("/error/message"), "<missing>") << r.body;
  }
  EXPECT_EQ(JsonBody(Call("GET", "/v1/recommendations?limit=0").body).String("/error/code"),
            "invalid_limit");
  EXPECT_EQ(JsonBody(Call("GET", "/v1/recommendations?model=nope").body).String("/error/code"),
            "invalid_model");
  EXPECT_EQ(JsonBody(Call("GET", "/v1/recommendations?explain=maybe").body).String("/error/code"),
            "invalid_explain");
  EXPECT_EQ(Ids("/v1/recommendations?limit=100").size() <= 100, true);
  EXPECT_EQ(Call("DELETE", "/v1/recommendations").status, 405);
}

TEST_F(RecommendationRoutes, TrainingIsRequestedAndTheModelStatusRead) {
  auto r = Call("POST", "/v1/models/train");
  ASSERT_EQ(r.status, 202) << r.body;
  JsonBody first(r.body);
  bool v = false;
  EXPECT_FALSE(first.root().at_pointer("/training").get_bool().get(v));
  EXPECT_TRUE(v);
  EXPECT_FALSE(first.root().at_pointer("/started").get_bool().get(v));
  EXPECT_TRUE(v) << "the first request starts a training";
  EXPECT_EQ(first.Uint("/status/generation"), 7u) << r.body;
  r = Call("POST", "/v1/models/train");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_FALSE(JsonBody(r.body).root().at_pointer("/started").get_bool().get(v));
  EXPECT_FALSE(v) << "the second joins the running one";
  EXPECT_EQ(model_control_.requests_, 2);

  r = Call("GET", "/v1/models");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody status(r.body);
  EXPECT_EQ(status.Uint("/generation"), 7u);
  EXPECT_EQ(status.Uint("/trainedAt"), static_cast<uint64_t>(kNow));
  EXPECT_EQ(status.Uint("/nextTrainingAt"), static_cast<uint64_t>(kNow + 3'600'000));
  EXPECT_EQ(status.Uint("/users"), 30u);
  EXPECT_EQ(status.Uint("/items"), 12u);
  EXPECT_EQ(status.Uint("/interactions"), 100u);
  EXPECT_EQ(status.Uint("/contentItems"), 13u);
  simdjson::dom::element last_error;
  ASSERT_FALSE(status.root().at_pointer("/lastError").get(last_error)) << r.body;
  EXPECT_TRUE(last_error.is_null()) << r.body;
  EXPECT_FALSE(status.root().at_pointer("/trained").get_bool().get(v));
  EXPECT_TRUE(v);

  auto bad = client_->Send("POST", "/v1/models/train", R"({"now": true})", "application/json");
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad->status, 400) << bad->body;
  EXPECT_EQ(model_control_.requests_, 2) << "a refused request trains nothing";
}

}  // namespace
}  // namespace aisle::server
