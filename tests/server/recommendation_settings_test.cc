// Recommendation settings over HTTP: the defaults under the documented
// names, partial PUTs that change only what they name, are stored and reach
// the Recommender, bad input refused naming the field without changing
// anything, and the stored settings loaded by the next process. A real store
// in a temp dir, the real router and HTTP server on loopback.
#include "server/recommendation_settings.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <memory>
#include <string>
#include <utility>

#include "ranking/recommender.h"
#include "server/http_client.h"
#include "server/http_server.h"
#include "server/router.h"
#include "store/store.h"
#include "tests/server/app_fixture.h"  // JsonBody.
#include "tests/testing/test_util.h"

namespace aisle::server {
namespace {

constexpr char kRoute[] = "/v1/settings/recommendations";

class RecommendationSettingsRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions store_options;
    store_options.path = dir_.Sub("aisle.db");
    auto store = store::Store::Open(store_options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    ASSERT_NO_FATAL_FAILURE(Start());
  }

  void TearDown() override {
    Stop();
    if (store_) store_->Close();
  }

  // A process's start-up: the stored settings, a Recommender with them, new
  // handlers whose on_change applies to it, a new server.
  void Start() {
    auto loaded = LoadRecommendationSettings(*store_->settings());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    recommender_ = std::make_unique<ranking::Recommender>(*loaded, nullptr, nullptr);
    router_ = std::make_unique<Router>();
    handlers_ = std::make_unique<RecommendationSettingsHandlers>(
        store_->settings(), std::move(*loaded),
        [this](const ranking::RecommenderSettings& s) { recommender_->SetSettings(s); });
    handlers_->Register(router_.get());
    HttpServerOptions http;
    http.port = 0;
    http.io_threads = 1;
    http.blocking_threads = 1;
    auto server = HttpServer::Start(http, router_.get());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    HttpClientOptions client;
    client.port = server_->port();
    client_ = HttpClient::Create(client);
  }

  void Stop() {
    if (server_) server_->Stop();
    server_.reset();
    client_.reset();
  }

  ClientResponse Call(std::string_view method, std::string_view body = {}) {
    auto response = client_->Send(method, kRoute, body, "application/json");
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : ClientResponse{};
  }

  std::optional<std::string> Stored() {
    auto stored = store_->settings()->Get(kRecommendationSettingsKey);
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.ok() ? *stored : std::nullopt;
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<ranking::Recommender> recommender_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<RecommendationSettingsHandlers> handlers_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
};

double Number(const JsonBody& body, const char* pointer) {
  double v = -1;
  EXPECT_FALSE(body.root().at_pointer(pointer).get_double().get(v)) << pointer << " is missing";
  return v;
}

size_t Members(const JsonBody& body, const char* pointer) {
  simdjson::dom::object object;
  if (body.root().at_pointer(pointer).get_object().get(object)) return SIZE_MAX;
  return object.size();
}

TEST_F(RecommendationSettingsRoutes, GetReturnsTheSeedDefaultsUnderTheDocumentedNames) {
  auto r = Call("GET");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody body(r.body);
  ASSERT_TRUE(body.ok()) << r.body;
  EXPECT_EQ(Number(body, "/weights/collaborative"), 0.35);
  EXPECT_EQ(Number(body, "/weights/content"), 0.25);
  EXPECT_EQ(Number(body, "/weights/behavioural"), 0.2);
  EXPECT_EQ(Number(body, "/weights/trending"), 0.2);
  EXPECT_EQ(Number(body, "/diversity"), 0.15);
  EXPECT_EQ(body.Uint("/candidates"), 100u) << "a count is a JSON integer";
  EXPECT_EQ(body.Uint("/history"), 30u);
  EXPECT_EQ(Number(body, "/trending/boost"), 1.5);
  EXPECT_EQ(Number(body, "/trending/risingRatio"), 1.0);
  EXPECT_EQ(Members(body, ""), 5u);
  EXPECT_EQ(Members(body, "/weights"), 4u);
  EXPECT_EQ(Members(body, "/trending"), 2u);
  EXPECT_FALSE(Stored().has_value()) << "a GET stores nothing";
}

TEST_F(RecommendationSettingsRoutes, PartialPutChangesOnlyWhatItNamesIsStoredAndApplied) {
  auto first = Call("PUT", R"({"weights": {"content": 0.5}, "history": 12})");
  ASSERT_EQ(first.status, 200) << first.body;
  // The second PUT names neither: both must survive it.
  auto second = Call("PUT", R"({"trending": {"boost": 2}, "diversity": 0})");
  ASSERT_EQ(second.status, 200) << second.body;

  ranking::RecommenderSettings expected;
  expected.weights.content = 0.5;
  expected.history = 12;
  expected.trending.boost = 2;
  expected.diversity = 0;
  const std::string expected_json = RecommendationSettingsJson(expected);
  EXPECT_EQ(second.body, expected_json) << "the answer is the full settings";
  EXPECT_EQ(Call("GET").body, expected_json);
  JsonBody body(second.body);
  EXPECT_EQ(Number(body, "/weights/collaborative"), 0.35) << "not named: unchanged";
  EXPECT_EQ(Number(body, "/trending/risingRatio"), 1.0) << "not named: unchanged";
  EXPECT_EQ(Stored(), expected_json);
  EXPECT_EQ(handlers_->current(), expected);
  EXPECT_EQ(recommender_->settings(), expected) << "on_change applied them";

  // The next process: the stored settings are loaded.
  Stop();
  auto loaded = LoadRecommendationSettings(*store_->settings());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(*loaded, expected);
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Call("GET").body, expected_json);
  EXPECT_EQ(recommender_->settings(), expected);
}

TEST_F(RecommendationSettingsRoutes, BadSettingsAreRefusedNamingTheFieldAndChangeNothing) {
  ASSERT_EQ(Call("PUT", R"({"candidates": 250})").status, 200);
  const std::string before = Call("GET").body;
  const ranking::RecommenderSettings applied = recommender_->settings();
  const std::pair<std::string, std::string> cases[] = {
      // Malformed JSON, invalid UTF-8, not an object, trailing content.
      {"{", "body"},
      {"{\"weights\": {\"content\": \"\xff\"}}", "body"},
      {"[1]", "body"},
      {"{} x", "body"},
      // Unknown fields, at the top and in a section.
      {R"({"colour": 1})", "colour"},
      {R"({"weights": {"popular": 1}})", "weights"},
      {R"({"trending": {"rising": 2}})", "trending"},
      // Wrong types.
      {R"({"weights": {"content": "0.5"}})", "weights.content"},
      {R"({"weights": [1]})", "weights"},
      {R"({"weights": null})", "weights"},
      {R"({"diversity": true})", "diversity"},
      {R"({"candidates": 10.5})", "candidates"},
      {R"({"history": "30"})", "history"},
      {R"({"trending": 1.5})", "trending"},
      // Invalid values.
      {R"({"weights": {"collaborative": 0, "content": 0, "behavioural": 0, "trending": 0}})",
       "weights"},
      {R"({"weights": {"content": -1}})", "weights.content"},
      {R"({"weights": {"trending": 101}})", "weights.trending"},
      {R"({"diversity": -0.1})", "diversity"},
      {R"({"diversity": 1.5})", "diversity"},
      {R"({"candidates": 0})", "candidates"},
      {R"({"candidates": -5})", "candidates"},
      {R"({"candidates": 10001})", "candidates"},
      {R"({"history": 0})", "history"},
      {R"({"trending": {"boost": 0.5}})", "trending.boost"},
      {R"({"trending": {"risingRatio": -1}})", "trending.risingRatio"},
  };
  for (const auto& [body, field] : cases) {
    auto r = Call("PUT", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    JsonBody error(r.body);
    ASSERT_TRUE(error.ok()) << r.body;
    EXPECT_EQ(error.String("/error/field"), field) << body << " -> " << r.body;
    EXPECT_NE(error.String("/error/code"), "<missing>") << r.body;
  }
  auto huge = Call("PUT", R"({"diversity": 0.2, "x": ")" + std::string(32 << 10, 'a') + "\"}");
  EXPECT_EQ(huge.status, 413) << huge.body.substr(0, 200);

  EXPECT_EQ(Call("GET").body, before);
  EXPECT_EQ(Stored(), before);
  EXPECT_EQ(recommender_->settings(), applied) << "a refused PUT applies nothing";
  EXPECT_EQ(Call("POST", "{}").status, 405);
}

TEST_F(RecommendationSettingsRoutes, ErrorCodesNameTheField) {
  auto r = Call("PUT", R"({"diversity": -1})");
  ASSERT_EQ(r.status, 400);
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "invalid_diversity") << r.body;
  r = Call("PUT", R"({"weights": {"content": -1}})");
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "invalid_weights_content") << r.body;
  r = Call("PUT", "{");
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "invalid_body") << r.body;
}

TEST_F(RecommendationSettingsRoutes, PuttingBackWhatGetReturnedChangesNothing) {
  ASSERT_EQ(Call("PUT", R"({"weights": {"collaborative": 1.25, "content": 0.1,
                                        "behavioural": 0, "trending": 3},
                            "diversity": 0.333, "candidates": 42, "history": 7,
                            "trending": {"boost": 1.75, "risingRatio": 0.5}})")
                .status,
            200);
  const std::string got = Call("GET").body;
  auto put = Call("PUT", got);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.body, got);
}

TEST(RecommendationSettingsLoad, DefaultsWhenNothingStoredAndDataLossWhenUnreadable) {
  testing::TempDir dir;
  store::StoreOptions options;
  options.path = dir.Sub("aisle.db");
  auto store = store::Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  store::SettingsStore& settings = *(*store)->settings();
  auto defaults = LoadRecommendationSettings(settings);
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(*defaults, ranking::RecommenderSettings());
  for (const char* stored : {R"({"diversity": 7})", R"({"weights": 3})", "{"}) {
    ASSERT_TRUE(settings.Put(std::string(kRecommendationSettingsKey), stored).get().ok());
    EXPECT_EQ(LoadRecommendationSettings(settings).status().code(), absl::StatusCode::kDataLoss)
        << stored;
  }
  (*store)->Close();
}

TEST(RecommendationSettingsJson, WriteThenParseRoundTrips) {
  ranking::RecommenderSettings settings;
  settings.weights = {0.1, 0.2, 1.0 / 3, 4};
  settings.diversity = 0.05;
  settings.candidates = 17;
  settings.history = 999;
  settings.trending = {3.5, 0.25};
  const std::string json = RecommendationSettingsJson(settings);
  // Parsed onto a base that differs everywhere, so a name the reader skips
  // cannot pass by keeping the base.
  ranking::RecommenderSettings base;
  base.weights = {1, 1, 1, 1};
  base.diversity = 1;
  base.candidates = 1;
  base.history = 1;
  base.trending = {1, 0};
  auto parsed = ParseRecommendationSettings(json, base);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, settings);
}

}  // namespace
}  // namespace aisle::server
