// Dynamic pricing over HTTP: the seed's five factors, bounded, with a quote.
#include "server/pricing_handlers.h"

#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/server/app_fixture.h"

namespace aisle::server {
namespace {

class PricingRoutes : public AppFixture {
 protected:
  void SetUp() override {
    AppFixture::SetUp();
    ASSERT_EQ(Call("POST", "/v1/products",
                   R"([{"id":"k1","title":"Kettle","categories":["Kitchen"],"price":100}])")
                  .status,
              200);
  }
  double Number(const JsonBody& body, const char* pointer) {
    double v = -1;
    EXPECT_FALSE(body[pointer].get_double().get(v)) << pointer;
    return v;
  }
};

TEST_F(PricingRoutes, PriceCarriesFactorsBoundsAndAQuote) {
  auto r = Call("GET", "/v1/products/k1/price?userId=u1");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody body(r.body);
  EXPECT_EQ(Number(body, "/originalPrice"), 100.0);
  const double price = Number(body, "/price");
  EXPECT_GE(price, 70.0);
  EXPECT_LE(price, 150.0);
  // No demand yet: the seed's demand multiplier sits at its 0.8 floor.
  EXPECT_DOUBLE_EQ(Number(body, "/factors/demand"), 0.8);
  EXPECT_DOUBLE_EQ(Number(body, "/factors/competition"), 1.0);
  EXPECT_NE(body.String("/quote/id"), "<missing>");
  EXPECT_EQ(body.Uint("/quote/expiresAt"),
            static_cast<uint64_t>(clock_.NowMillis() + 15 * 60 * 1000));
}

TEST_F(PricingRoutes, CheaperCompetitorLowersThePriceAndDemandRaisesIt) {
  const double before = Number(JsonBody(Call("GET", "/v1/products/k1/price").body), "/price");
  auto r = Call("POST", "/v1/competitor-prices",
                absl::StrCat(R"([{"productId":"k1","competitor":"shopx","price":70,"observedAt":)",
                             clock_.NowMillis(), "}]"));
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody cheaper(Call("GET", "/v1/products/k1/price").body);
  EXPECT_DOUBLE_EQ(Number(cheaper, "/factors/competition"), 0.85);  // Clamped.
  EXPECT_LT(Number(cheaper, "/price"), before);

  std::string events = "[";
  for (int i = 0; i < 20; ++i) {
    absl::StrAppend(&events, i ? "," : "",
                    R"({"type":"purchase","userId":"u","sessionId":"s","productId":"k1",)",
                    R"("category":"Kitchen"})");
  }
  ASSERT_EQ(Call("POST", "/v1/events", events + "]").status, 200);
  JsonBody busy(Call("GET", "/v1/products/k1/price").body);
  EXPECT_GT(Number(busy, "/factors/demand"), 0.8);
  EXPECT_GT(Number(busy, "/price"), Number(cheaper, "/price"));
}

TEST_F(PricingRoutes, BadInputsAndUnknownProducts) {
  EXPECT_EQ(Call("GET", "/v1/products/nope/price").status, 404);
  const char* bodies[] = {
      R"({"productId":"k1","competitor":"x","price":1})",
      R"([{"productId":"k1","price":1}])",
      R"([{"productId":"k1","competitor":"x","price":-5}])",
      R"([{"productId":"k1","competitor":"x","price":"low"}])",
      R"([{"productId":"k1","competitor":"x","price":5,"colour":1}])",
  };
  for (const char* body : bodies) {
    SCOPED_TRACE(body);
    EXPECT_EQ(Call("POST", "/v1/competitor-prices", body).status, 400);
  }
}

}  // namespace
}  // namespace aisle::server
