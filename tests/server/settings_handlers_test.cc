// Ranking settings over HTTP: documented defaults, replace-on-PUT, every bad
// input a clear 4xx that changes nothing, and durability across a restart.
#include "server/settings_handlers.h"

#include <gtest/gtest.h>

#include "tests/server/app_fixture.h"

namespace aisle::server {
namespace {

class SettingsRoutes : public AppFixture {
 protected:
  void SetUp() override {
    AppFixture::SetUp();
    auto r = Call("POST", "/v1/products", R"([
      {"id": "a", "title": "Oak Chair", "price": 80},
      {"id": "b", "title": "Pine Chair", "price": 60}])");
    ASSERT_EQ(r.status, 200) << r.body;
    ASSERT_EQ(Call("PATCH", "/v1/products/a", R"({"stock": 0})").status, 200);
  }
  double Number(const JsonBody& body, const char* pointer) {
    double v = -1;
    EXPECT_FALSE(body[pointer].get_double().get(v)) << pointer;
    return v;
  }
  std::string First() {
    return JsonBody(Call("POST", "/v1/search", R"({"q":"chair"})").body).String("/hits/0/id");
  }
};

TEST_F(SettingsRoutes, GetReturnsTheDocumentedDefaults) {
  auto r = Call("GET", "/v1/settings/ranking");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody body(r.body);
  EXPECT_TRUE(body["/enabled"].get_bool().value());
  EXPECT_EQ(Number(body, "/weights/relevance"), 1.0);
  EXPECT_EQ(Number(body, "/weights/availability"), 0.3);
  EXPECT_EQ(Number(body, "/weights/demand"), 0.1);
  EXPECT_EQ(Number(body, "/weights/popularity"), 0.1);
  EXPECT_EQ(Number(body, "/weights/margin"), 0.05);
  EXPECT_EQ(Number(body, "/weights/personalization"), 0.2);
  EXPECT_EQ(Number(body, "/demandPivot"), 1.0);
  EXPECT_EQ(Number(body, "/popularityPivot"), 10.0);
}

TEST_F(SettingsRoutes, PutReplacesTheSettingsAndTheNextSearchUsesThem) {
  EXPECT_EQ(First(), "b") << "a is out of stock: it sinks by default";
  auto r = Call("PUT", "/v1/settings/ranking", R"({"weights": {"availability": 0}})");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody body(r.body);
  EXPECT_EQ(Number(body, "/weights/availability"), 0.0);
  EXPECT_EQ(Number(body, "/weights/demand"), 0.1) << "absent fields take their defaults";
  EXPECT_EQ(First(), "a") << "availability no longer counts: docid order";
  EXPECT_EQ(Call("GET", "/v1/settings/ranking").body, r.body);
  // Disabled: BM25 alone. An empty PUT restores every default.
  ASSERT_EQ(Call("PUT", "/v1/settings/ranking", R"({"enabled": false})").status, 200);
  EXPECT_EQ(First(), "a");
  ASSERT_EQ(Call("PUT", "/v1/settings/ranking", "{}").status, 200);
  EXPECT_EQ(First(), "b");
  EXPECT_EQ(searcher_->ranking_settings(), ranking::RankingSettings());
}

TEST_F(SettingsRoutes, BadSettingsAreRefusedWithAClearErrorAndChangeNothing) {
  ASSERT_EQ(Call("PUT", "/v1/settings/ranking", R"({"weights": {"margin": 0.5}})").status, 200);
  const std::string before = Call("GET", "/v1/settings/ranking").body;
  const std::pair<std::string, std::string> cases[] = {
      {"{", "invalid_body"},
      {"[1]", "invalid_body"},
      {"{\"enabled\": true} x", "invalid_body"},
      {"{\"enabled\": \"\xff\"}", "invalid_body"},
      {R"({"enabled": "yes"})", "invalid_enabled"},
      {R"({"colour": 1})", "invalid_colour"},
      {R"({"weights": [1]})", "invalid_weights"},
      {R"({"weights": {"charm": 1}})", "invalid_weights"},
      {R"({"weights": {"demand": "high"}})", "invalid_weights_demand"},
      {R"({"weights": {"demand": -0.5}})", "invalid_weights_demand"},
      {R"({"weights": {"relevance": 1e300}})", "invalid_weights_relevance"},
      {R"({"weights": {"relevance": 0, "availability": 0, "demand": 0, "popularity": 0,
           "margin": 0, "personalization": 0}})",
       "invalid_weights"},
      {R"({"demandPivot": 0})", "invalid_demand_pivot"},
      {R"({"popularityPivot": -3})", "invalid_popularity_pivot"},
      {R"({"popularityPivot": null})", "invalid_popularity_pivot"},
  };
  for (const auto& [body, code] : cases) {
    auto r = Call("PUT", "/v1/settings/ranking", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_EQ(JsonBody(r.body).String("/error/code"), code) << body << " -> " << r.body;
  }
  auto huge = Call("PUT", "/v1/settings/ranking",
                   R"({"weights": {"margin": 0.5}, "x": ")" + std::string(20000, 'a') + "\"}");
  EXPECT_EQ(huge.status, 413) << huge.body;
  EXPECT_EQ(Call("GET", "/v1/settings/ranking").body, before);
  auto stored = store_->settings()->Get(kRankingSettingsKey);
  ASSERT_TRUE(stored.ok() && stored->has_value());
  EXPECT_EQ(**stored, before);
  EXPECT_EQ(Call("POST", "/v1/settings/ranking", "{}").status, 405);
}

TEST_F(SettingsRoutes, StoredSettingsAreLoadedByTheNextProcess) {
  ASSERT_EQ(Call("PUT", "/v1/settings/ranking",
                 R"({"weights": {"popularity": 0.7}, "popularityPivot": 50})")
                .status,
            200);
  // A fresh searcher on the same store, as after a restart.
  ranking::Searcher restarted(index_.get());
  ASSERT_TRUE(LoadRankingSettings(*store_->settings(), &restarted).ok());
  EXPECT_EQ(restarted.ranking_settings().weights.popularity, 0.7);
  EXPECT_EQ(restarted.ranking_settings().popularity_pivot, 50);
  // Nothing stored: the defaults stay. Unreadable: DataLoss, defaults stay.
  ASSERT_TRUE(store_->settings()->Put(std::string(kRankingSettingsKey), "{\"weights\": 3}").get().ok());
  ranking::Searcher corrupt(index_.get());
  EXPECT_EQ(LoadRankingSettings(*store_->settings(), &corrupt).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(corrupt.ranking_settings(), ranking::RankingSettings());
}

TEST(RankingSettingsJson, WriteThenParseRoundTrips) {
  ranking::RankingSettings settings;
  settings.enabled = false;
  settings.weights.margin = 0.125;
  settings.demand_pivot = 2.5;
  auto parsed = ParseRankingSettings(WriteRankingSettings(settings));
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, settings);
}

}  // namespace
}  // namespace aisle::server
