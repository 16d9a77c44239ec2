// Blended search over HTTP: out-of-stock products sink but stay findable,
// hits explain their score term by term, and a user's behaviour events
// personalize that user's results only.
#include "server/search_codec.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/server/app_fixture.h"

namespace aisle::server {
namespace {

class BlendedSearch : public AppFixture {
 protected:
  void SetUp() override {
    AppFixture::SetUp();
    // Equal relevance for "lamp": one title word each.
    auto r = Call("POST", "/v1/products", R"([
      {"id": "l1", "title": "Desk Lamp One", "brand": "Lumo", "categories": ["Home", "Lighting"],
       "price": 40},
      {"id": "l2", "title": "Desk Lamp Two", "brand": "Brightly", "categories": ["Home", "Lighting"],
       "price": 45},
      {"id": "l3", "title": "Desk Lamp Three", "brand": "Lumo", "categories": ["Home", "Lighting"],
       "price": 300}])");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  std::vector<std::string> Ids(const std::string& body) {
    auto r = Call("POST", "/v1/search", body);
    EXPECT_EQ(r.status, 200) << r.body;
    JsonBody json(r.body);
    std::vector<std::string> ids;
    for (size_t i = 0; i < json.Size("/hits"); ++i) {
      ids.push_back(json.String(absl::StrCat("/hits/", i, "/id").c_str()));
    }
    return ids;
  }
  double Number(const JsonBody& body, const std::string& pointer) {
    double v = -1;
    EXPECT_FALSE(body[pointer.c_str()].get_double().get(v)) << pointer;
    return v;
  }
};

TEST_F(BlendedSearch, OutOfStockSinksButStaysFindableUntilFiltered) {
  EXPECT_EQ(Ids(R"({"q":"lamp"})"), (std::vector<std::string>{"l1", "l2", "l3"}));
  ASSERT_EQ(Call("PATCH", "/v1/products/l1", R"({"stock": 0})").status, 200);
  EXPECT_EQ(Ids(R"({"q":"lamp"})"), (std::vector<std::string>{"l2", "l3", "l1"}));
  EXPECT_EQ(Ids(R"({"q":"lamp","filter":"inStock = true"})"),
            (std::vector<std::string>{"l2", "l3"}));
  EXPECT_EQ(Ids(R"({"q":"desk lamp one"})").front(), "l1") << "an exact name still comes first";
}

TEST_F(BlendedSearch, ScoreDetailsListEveryTermAndAddUpToTheScore) {
  ASSERT_EQ(Call("PATCH", "/v1/products/l3", R"({"stock": 0})").status, 200);
  auto r = Call("POST", "/v1/search",
                R"({"q":"lamp","showRankingScore":true,"showRankingScoreDetails":true})");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody body(r.body);
  ASSERT_EQ(body.Size("/hits"), 3u);
  for (int i = 0; i < 3; ++i) {
    const std::string hit = absl::StrCat("/hits/", i);
    double sum = 0, weights = 0;
    int order = 0;
    for (const char* term :
         {"relevance", "availability", "demand", "popularity", "margin", "personalization"}) {
      const std::string at = absl::StrCat(hit, "/_rankingScoreDetails/", term);
      EXPECT_EQ(body.Uint((at + "/order").c_str()), static_cast<uint64_t>(order++)) << at;
      const double value = Number(body, at + "/value");
      EXPECT_GE(value, 0);
      EXPECT_LE(value, 1);
      EXPECT_NEAR(Number(body, at + "/score"), value * Number(body, at + "/weight"), 1e-9);
      sum += Number(body, at + "/score");
      weights += Number(body, at + "/weight");
    }
    EXPECT_NEAR(sum / weights, Number(body, hit + "/_rankingScore"), 1e-9) << hit;
    EXPECT_GT(Number(body, hit + "/_rankingScoreDetails/relevance/bm25"), 0);
  }
  EXPECT_EQ(body.String("/hits/2/id"), "l3");
  EXPECT_EQ(Number(body, "/hits/2/_rankingScoreDetails/availability/value"), 0);
  // GET takes the same switches, and a bad boolean is a 400.
  JsonBody get(Call("GET", "/v1/search?q=lamp&showRankingScoreDetails=true").body);
  EXPECT_EQ(get.Uint("/hits/0/_rankingScoreDetails/availability/order"), 1u);
  auto bad = Call("GET", "/v1/search?q=lamp&showRankingScoreDetails=yes");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(JsonBody(bad.body).String("/error/code"), "invalid_show_ranking_score_details");
  auto wrong_type = Call("POST", "/v1/search", R"({"q":"lamp","userId":7})");
  EXPECT_EQ(JsonBody(wrong_type.body).String("/error/code"), "invalid_user_id");
  // Without a blend, details hold relevance alone.
  ASSERT_EQ(Call("PUT", "/v1/settings/ranking", R"({"enabled": false})").status, 200);
  JsonBody plain(
      Call("POST", "/v1/search", R"({"q":"lamp","showRankingScoreDetails":true})").body);
  EXPECT_EQ(plain.Uint("/hits/0/_rankingScoreDetails/relevance/order"), 0u);
  EXPECT_EQ(plain.Uint("/hits/0/_rankingScoreDetails/availability/order"), UINT64_MAX)
      << "absent";
}

TEST_F(BlendedSearch, EventsPersonalizeOnlyTheirUsersResults) {
  std::string events = "[";
  for (int i = 0; i < 6; ++i) {
    absl::StrAppend(&events, i ? "," : "",
                    R"({"type":"cart_add","userId":"ann","sessionId":"s","productId":"l2",)",
                    R"("category":"Lighting","metadata":{"brand":"Brightly","price":45}})");
  }
  events += "]";
  auto r = Call("POST", "/v1/events", events);
  ASSERT_EQ(r.status, 200) << r.body;
  // The events raised l2's demand for everyone, so compare with a user who
  // has none: Lumo's l1 beats l2 for "bob" only if demand is off.
  ASSERT_EQ(Call("PUT", "/v1/settings/ranking", R"({"weights": {"demand": 0}})").status, 200);
  EXPECT_EQ(Ids(R"({"q":"lamp"})").front(), "l1");
  EXPECT_EQ(Ids(R"({"q":"lamp","userId":"bob"})").front(), "l1");
  EXPECT_EQ(Ids(R"({"q":"lamp","userId":"ann"})").front(), "l2");
  JsonBody explained(Call("POST", "/v1/search",
                          R"({"q":"lamp","userId":"ann","showRankingScoreDetails":true})")
                         .body);
  EXPECT_GT(Number(explained, "/hits/0/_rankingScoreDetails/personalization/value"), 0.5)
      << "brand, category and price range all match";
  EXPECT_LT(Number(explained, "/hits/2/_rankingScoreDetails/personalization/value"),
            Number(explained, "/hits/1/_rankingScoreDetails/personalization/value"))
      << "l3 (300) is out of ann's price range; l1 shares her category";
  EXPECT_EQ(explained.String("/hits/2/id"), "l3");
}

}  // namespace
}  // namespace aisle::server
