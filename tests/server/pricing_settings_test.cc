// Pricing settings over HTTP: a seasonal table and new weights change the
// next price, invalid settings are refused and change nothing, and stored
// settings come back for the next process.
#include "server/pricing_settings.h"

#include <gtest/gtest.h>

#include "tests/server/app_fixture.h"

namespace aisle::server {
namespace {

class PricingSettingsRoutes : public AppFixture {
 protected:
  void SetUp() override {
    AppFixture::SetUp();
    ASSERT_EQ(Call("POST", "/v1/products",
                   R"([{"id":"k1","title":"Kettle","categories":["Home","Kitchen"],"price":100}])")
                  .status,
              200);
  }
  double Number(const JsonBody& body, const char* pointer) {
    double v = -1;
    EXPECT_FALSE(body[pointer].get_double().get(v)) << pointer;
    return v;
  }
};

TEST_F(PricingSettingsRoutes, GetReturnsTheSeedsDefaults) {
  JsonBody body(Call("GET", "/v1/settings/pricing").body);
  EXPECT_EQ(Number(body, "/weights/demand"), 0.30);
  EXPECT_EQ(Number(body, "/weights/competition"), 0.25);
  EXPECT_EQ(Number(body, "/weights/inventory"), 0.20);
  EXPECT_EQ(Number(body, "/weights/seasonality"), 0.15);
  EXPECT_EQ(Number(body, "/weights/segment"), 0.10);
  EXPECT_EQ(Number(body, "/maxDiscountPercent"), 30);
  EXPECT_EQ(Number(body, "/maxMarkupPercent"), 50);
  EXPECT_EQ(body.Uint("/updateIntervalMs"), 3'600'000u);
}

TEST_F(PricingSettingsRoutes, ASeasonalRowChangesTheNextPriceAndAsksForARepricing) {
  // The fixture's clock is in June 2025: the sixth month's multiplier applies.
  const double before = Number(JsonBody(Call("GET", "/v1/products/k1/price").body), "/price");
  auto r = Call("PUT", "/v1/settings/pricing",
                R"({"seasonal": {"Kitchen": [1, 1, 1, 1, 1, 1.4, 1, 1, 1, 1, 1, 1]}})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(reprice_requests_, 1);
  JsonBody price(Call("GET", "/v1/products/k1/price").body);
  EXPECT_DOUBLE_EQ(Number(price, "/factors/seasonal"), 1.4);
  EXPECT_NEAR(Number(price, "/price"), before + 100 * 0.15 * 0.4, 0.011);
  EXPECT_EQ(Number(JsonBody(r.body), "/seasonal/Kitchen/5"), 1.4);
  EXPECT_EQ(Call("GET", "/v1/settings/pricing").body, r.body);
}

TEST_F(PricingSettingsRoutes, BadSettingsAreRefusedAndChangeNothing) {
  const std::string before = Call("GET", "/v1/settings/pricing").body;
  const std::pair<std::string, std::string> cases[] = {
      {"{", "invalid_body"},
      {R"({"weights": {"demand": 0.5}})", "invalid_weights"},  // No longer sums to 1.
      {R"({"weights": {"luck": 0.1}})", "invalid_weights"},
      {R"({"weights": {"demand": "x"}})", "invalid_weights_demand"},
      {R"({"maxDiscountPercent": 120})", "invalid_max_discount_percent"},
      {R"({"maxMarkupPercent": -1})", "invalid_max_markup_percent"},
      {R"({"seasonal": {"Kitchen": [1, 1]}})", "invalid_seasonal"},
      {R"({"seasonal": {"Kitchen": [1,1,1,1,1,1,1,1,1,1,1,1,1]}})", "invalid_seasonal"},
      {R"({"seasonal": {"Kitchen": [1,1,1,1,1,0,1,1,1,1,1,1]}})", "invalid_seasonal"},
      {R"({"seasonal": {"Kitchen": "summer"}})", "invalid_seasonal"},
      {R"({"segments": {"vip": 0}})", "invalid_segment"},
      {R"({"updateIntervalMs": 5})", "invalid_update_interval_ms"},
      {R"({"currency": "EUR"})", "invalid_currency"},
  };
  for (const auto& [body, code] : cases) {
    auto r = Call("PUT", "/v1/settings/pricing", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_EQ(JsonBody(r.body).String("/error/code"), code) << body << " -> " << r.body;
  }
  EXPECT_EQ(Call("GET", "/v1/settings/pricing").body, before);
  EXPECT_EQ(reprice_requests_, 0);
  auto stored = store_->settings()->Get(kPricingSettingsKey);
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->has_value());
}

TEST_F(PricingSettingsRoutes, StoredSettingsAreLoadedByTheNextProcess) {
  auto defaults = LoadPricingSettings(*store_->settings());
  ASSERT_TRUE(defaults.ok());
  EXPECT_EQ(WritePricingSettings(*defaults), WritePricingSettings(commerce::PricingOptions()));
  ASSERT_EQ(Call("PUT", "/v1/settings/pricing",
                 R"({"weights": {"demand": 0.5, "competition": 0.2, "inventory": 0.1,
                                 "seasonality": 0.1, "segment": 0.1},
                     "maxMarkupPercent": 20, "updateIntervalMs": 600000})")
                .status,
            200);
  auto loaded = LoadPricingSettings(*store_->settings());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_EQ(loaded->weights.demand, 0.5);
  EXPECT_EQ(loaded->max_markup_percent, 20);
  EXPECT_EQ(loaded->update_interval_ms, 600000);
  ASSERT_TRUE(store_->settings()->Put(std::string(kPricingSettingsKey), "{\"weights\": 1}").get().ok());
  EXPECT_EQ(LoadPricingSettings(*store_->settings()).status().code(), absl::StatusCode::kDataLoss);
}

}  // namespace
}  // namespace aisle::server
