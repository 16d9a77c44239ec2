// Fraud screening over HTTP against the real stack (issue E): the stored
// assessment (GET /v1/orders/{id}/risk), an order held for review then
// approved or rejected through /v1/fraud/reviews, a blocked order (403,
// stock back), and every bad input a clear 4xx.
//
// Settings: the suite screens with payment-only weights (payment 1, the
// others 0; the seed's rules and levels), so that one signal decides:
// a GB-issued card with a US billing address scores 0.6 (review), and with
// three earlier declines 0.6 + 0.4 = 1.0 (block). Realistic mixes of
// signals under the default weights are in tests/commerce/order_screening_test.cc.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "commerce/fraud.h"
#include "tests/server/app_fixture.h"

namespace aisle::server {
namespace {

constexpr int64_t kHour = 3'600'000;

double Double(const JsonBody& body, const char* pointer) {
  double v = std::numeric_limits<double>::quiet_NaN();
  if (body.root().at_pointer(pointer).get_double().get(v) != simdjson::SUCCESS) {
    return std::numeric_limits<double>::quiet_NaN();
  }
  return v;
}

class FraudRoutes : public AppFixture {
 protected:
  void SetUp() override {
    AppFixture::SetUp();
    commerce::FraudSettings settings;
    settings.weights = {.velocity = 0, .payment = 1, .geography = 0, .behaviour = 0, .device = 0};
    ASSERT_TRUE(settings.Validate().ok()) << settings.Validate();
    fraud_->SetSettings(settings);
    auto r = Call("POST", "/v1/products", R"([
      {"id": "tv1", "title": "Quantum Television", "price": 899.99},
      {"id": "cable", "title": "HDMI Cable", "price": 9.95}])");
    ASSERT_EQ(r.status, 200) << r.body;
    r = Call("PUT", "/v1/warehouses", R"({"warehouses": [
      {"id": "msp", "name": "Minneapolis", "latitude": 44.85, "longitude": -93.24},
      {"id": "nyc", "name": "New York", "latitude": 40.75, "longitude": -73.99}]})");
    ASSERT_EQ(r.status, 200) << r.body;
    r = Call("PUT", "/v1/inventory/tv1",
             R"({"warehouses": [{"warehouseId": "msp", "onHand": 5}, {"warehouseId": "nyc", "onHand": 1}]})");
    ASSERT_EQ(r.status, 200) << r.body;
    r = Call("PUT", "/v1/inventory/cable", R"({"warehouses": [{"warehouseId": "msp", "onHand": 100}]})");
    ASSERT_EQ(r.status, 200) << r.body;
  }

  std::string CartWith(const std::string& user, const std::string& product, int quantity) {
    auto r = Call("POST", "/v1/carts", absl::StrCat(R"({"userId": ")", user, R"("})"));
    EXPECT_EQ(r.status, 201) << r.body;
    const std::string cart = JsonBody(r.body).String("/id");
    r = Call("POST", "/v1/carts/" + cart + "/items",
             absl::StrCat(R"({"productId": ")", product, R"(", "quantity": )", quantity, "}"));
    EXPECT_EQ(r.status, 200) << r.body;
    return cart;
  }

  // `extra`: more fields, e.g. R"("ipAddress": "81.2.69.10")".
  static std::string OrderBody(const std::string& user, const std::string& cart,
                               const std::string& token, const std::string& extra = "") {
    return absl::StrCat(R"({"userId": ")", user, R"(", "cartId": ")", cart,
                        R"(", "paymentToken": ")", token, R"(", "billingCountry": "US", )",
                        R"("shipping": {"country": "US", "latitude": 40.71, "longitude": -74.0})",
                        extra.empty() ? "" : ", ", extra, "}");
  }

  ClientResponse Place(const std::string& body, const std::string& key = "") {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
    auto r = client_->Send("POST", "/v1/orders", body, "application/json", headers);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : ClientResponse{};
  }

  // A GB-issued card with a US billing address: held for review. The id.
  std::string ReviewedOrder(const std::string& user, const std::string& product = "tv1",
                            int quantity = 1) {
    auto r = Place(OrderBody(user, CartWith(user, product, quantity), "tok_visa_gb"));
    EXPECT_EQ(r.status, 202) << r.body;
    JsonBody body(r.body);
    EXPECT_EQ(body.String("/error/code"), "order_under_review");
    EXPECT_EQ(body.String("/order/status"), "pending");
    return body.String("/order/id");
  }

  JsonBody Inventory(const std::string& product) {
    auto r = Call("GET", "/v1/inventory/" + product);
    EXPECT_EQ(r.status, 200) << r.body;
    return JsonBody(r.body);
  }
};

TEST_F(FraudRoutes, RiskReturnsScoreLevelActionAndTheFactors) {
  const std::string held = ReviewedOrder("u1");
  auto r = Call("GET", "/v1/orders/" + held + "/risk");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody risk(r.body);
  ASSERT_TRUE(risk.ok()) << r.body;
  EXPECT_EQ(risk.String("/orderId"), held);
  EXPECT_NEAR(Double(risk, "/score"), 0.6, 1e-9);
  EXPECT_EQ(risk.String("/level"), "medium");
  EXPECT_EQ(risk.String("/action"), "review");
  EXPECT_EQ(risk.Uint("/assessedAt"), static_cast<uint64_t>(clock_.NowMillis()));
  EXPECT_EQ(risk.String("/review/status"), "pending");
  EXPECT_EQ(risk.String("/review/note"), "");
  ASSERT_EQ(risk.Size("/details/analyzers"), 5u);
  EXPECT_EQ(risk.String("/details/analyzers/0/name"), "velocity");
  EXPECT_EQ(risk["/details/analyzers/0/triggered"].get_bool().value(), false);
  EXPECT_EQ(risk.String("/details/analyzers/1/name"), "payment");
  EXPECT_NEAR(Double(risk, "/details/analyzers/1/weight"), 1.0, 1e-9);
  EXPECT_NEAR(Double(risk, "/details/analyzers/1/score"), 0.6, 1e-9);
  EXPECT_EQ(risk["/details/analyzers/1/triggered"].get_bool().value(), true);
  ASSERT_EQ(risk.Size("/details/analyzers/1/factors"), 1u);
  EXPECT_EQ(risk.String("/details/analyzers/1/factors/0/code"), "card_billing_country_mismatch");
  EXPECT_EQ(risk.String("/details/analyzers/1/factors/0/description"),
            "card issued in GB, billing address in US");
  EXPECT_NEAR(Double(risk, "/details/analyzers/1/factors/0/contribution"), 0.6, 1e-9);

  // An approved order has an assessment too, without a review.
  r = Place(OrderBody("u2", CartWith("u2", "cable", 1), "tok_visa"));
  ASSERT_EQ(r.status, 201) << r.body;
  r = Call("GET", "/v1/orders/" + JsonBody(r.body).String("/id") + "/risk");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody approved(r.body);
  EXPECT_NEAR(Double(approved, "/score"), 0, 1e-9);
  EXPECT_EQ(approved.String("/level"), "low");
  EXPECT_EQ(approved.String("/action"), "approve");
  EXPECT_EQ(approved.String("/review/status"), "<missing>");
  EXPECT_EQ(approved.Size("/details/analyzers"), 5u);
}

TEST_F(FraudRoutes, ReviewedOrderIs202ListedThenApprovedAndPlaced) {
  const std::string cart = CartWith("u1", "tv1", 1);
  auto r = Place(OrderBody("u1", cart, "tok_visa_gb",
                           R"("ipAddress": "81.2.69.10", "deviceFingerprint": "fp-1", )"
                           R"("sessionId": "s-1")"));
  ASSERT_EQ(r.status, 202) << r.body;
  JsonBody held(r.body);
  EXPECT_EQ(held.String("/error/code"), "order_under_review");
  EXPECT_EQ(held.String("/order/status"), "pending");
  const std::string id = held.String("/order/id");
  EXPECT_EQ(r.Header("location"), "/v1/orders/" + id);
  EXPECT_EQ(Inventory("tv1").Uint("/reserved"), 1u);
  EXPECT_EQ(gateway_->money_movements(), 0);

  r = Call("GET", "/v1/fraud/reviews");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody reviews(r.body);
  ASSERT_EQ(reviews.Size("/reviews"), 1u);
  EXPECT_EQ(reviews.String("/reviews/0/order/id"), id);
  EXPECT_EQ(reviews.String("/reviews/0/order/status"), "pending");
  EXPECT_EQ(reviews.String("/reviews/0/risk/action"), "review");
  EXPECT_EQ(reviews.String("/reviews/0/risk/review/status"), "pending");
  EXPECT_EQ(reviews.String("/reviews/0/risk/details/analyzers/1/factors/0/code"),
            "card_billing_country_mismatch");

  // An hour later (past the shopper's 15 minutes) the stock is still held.
  clock_.Advance(kHour);
  ASSERT_TRUE(inventory_->SweepOnce().ok());
  EXPECT_EQ(Inventory("tv1").Uint("/reserved"), 1u);

  r = Call("POST", "/v1/fraud/reviews/" + id + "/approve", R"({"note": "verified by phone"})");
  ASSERT_EQ(r.status, 201) << r.body;
  JsonBody placed(r.body);
  EXPECT_EQ(placed.String("/id"), id);
  EXPECT_EQ(placed.String("/status"), "preparing");
  EXPECT_EQ(placed.String("/payments/0/kind"), "capture");
  EXPECT_EQ(placed.Size("/fulfillmentTasks"), 1u);
  EXPECT_EQ(gateway_->money_movements(), 1);
  JsonBody stock = Inventory("tv1");
  EXPECT_EQ(stock.Uint("/reserved"), 0u);
  EXPECT_EQ(stock.Uint("/onHand"), 5u);

  JsonBody risk(Call("GET", "/v1/orders/" + id + "/risk").body);
  EXPECT_EQ(risk.String("/review/status"), "approved");
  EXPECT_EQ(risk.String("/review/note"), "verified by phone");
  EXPECT_EQ(risk.Uint("/review/reviewedAt"), static_cast<uint64_t>(clock_.NowMillis()));
  EXPECT_EQ(JsonBody(Call("GET", "/v1/fraud/reviews").body).Size("/reviews"), 0u);

  r = Call("POST", "/v1/fraud/reviews/" + id + "/approve");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "order_not_under_review");
  EXPECT_EQ(gateway_->money_movements(), 1);
}

TEST_F(FraudRoutes, RejectedReviewIsCancelledReleasedAndCannotBeRejectedTwice) {
  const std::string id = ReviewedOrder("u1", "tv1", 2);
  EXPECT_EQ(Inventory("tv1").Uint("/available"), 4u);
  auto r = Call("POST", "/v1/fraud/reviews/" + id + "/reject", R"({"note": "stolen card"})");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody rejected(r.body);
  EXPECT_EQ(rejected.String("/status"), "cancelled");
  EXPECT_EQ(rejected.String("/statusReason"), "fraud_rejected");
  JsonBody stock = Inventory("tv1");
  EXPECT_EQ(stock.Uint("/available"), 6u);
  EXPECT_EQ(stock.Uint("/reserved"), 0u);
  EXPECT_EQ(gateway_->money_movements(), 0);
  EXPECT_EQ(JsonBody(Call("GET", "/v1/orders/" + id + "/risk").body).String("/review/status"),
            "rejected");

  r = Call("POST", "/v1/fraud/reviews/" + id + "/reject");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "order_not_under_review");
  r = Call("POST", "/v1/fraud/reviews/" + id + "/approve");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(gateway_->money_movements(), 0);
}

TEST_F(FraudRoutes, BlockedOrderIs403UnchargedAndTheStockIsBack) {
  const std::string cart = CartWith("u1", "tv1", 2);
  for (int i = 0; i < 3; ++i) {
    auto r = Place(OrderBody("u1", cart, "tok_declined"));
    ASSERT_EQ(r.status, 402) << r.body;
  }
  EXPECT_EQ(Inventory("tv1").Uint("/available"), 4u);  // The reopened cart's hold.
  auto r = Place(OrderBody("u1", cart, "tok_visa_gb"), "key-1");
  ASSERT_EQ(r.status, 403) << r.body;
  JsonBody blocked(r.body);
  EXPECT_EQ(blocked.String("/error/code"), "fraud_blocked");
  EXPECT_EQ(blocked.String("/order/status"), "cancelled");
  EXPECT_EQ(blocked.String("/order/statusReason"), "fraud_blocked");
  EXPECT_EQ(blocked.Size("/order/payments"), 0u);
  const std::string id = blocked.String("/order/id");
  JsonBody stock = Inventory("tv1");
  EXPECT_EQ(stock.Uint("/available"), 6u);
  EXPECT_EQ(stock.Uint("/reserved"), 0u);
  EXPECT_EQ(stock.Uint("/onHand"), 6u);
  EXPECT_EQ(gateway_->money_movements(), 0);
  EXPECT_EQ(gateway_->net_charged_cents(), 0);
  JsonBody risk(Call("GET", "/v1/orders/" + id + "/risk").body);
  EXPECT_EQ(risk.String("/action"), "block");
  EXPECT_NEAR(Double(risk, "/score"), 1.0, 1e-9);
  EXPECT_EQ(risk.String("/review/status"), "<missing>");
  EXPECT_EQ(JsonBody(Call("GET", "/v1/fraud/reviews").body).Size("/reviews"), 0u);

  // The replay answers the same; the cart stays closed.
  r = Place(OrderBody("u1", cart, "tok_visa_gb"), "key-1");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(r.Header("idempotent-replayed"), "true");
  EXPECT_EQ(JsonBody(r.body).String("/order/id"), id);
  EXPECT_EQ(JsonBody(Call("GET", "/v1/carts/" + cart).body).String("/status"), "ordered");
  EXPECT_EQ(gateway_->money_movements(), 0);
}

TEST_F(FraudRoutes, UnknownOrdersAndOrdersNotUnderReviewAre404And409) {
  auto r = Call("GET", "/v1/orders/no-such-order/risk");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "order_not_found");
  r = Call("POST", "/v1/fraud/reviews/no-such-order/approve");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "order_not_found");
  r = Call("POST", "/v1/fraud/reviews/no-such-order/reject");
  EXPECT_EQ(r.status, 404) << r.body;

  r = Place(OrderBody("u1", CartWith("u1", "cable", 1), "tok_visa"));
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string placed = JsonBody(r.body).String("/id");
  r = Call("POST", "/v1/fraud/reviews/" + placed + "/approve");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "order_not_under_review");
  r = Call("POST", "/v1/fraud/reviews/" + placed + "/reject");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "order_not_under_review");
  EXPECT_EQ(JsonBody(Call("GET", "/v1/orders/" + placed).body).String("/status"), "preparing");
  EXPECT_EQ(gateway_->money_movements(), 1);
}

TEST_F(FraudRoutes, BadReviewInputIs400AndDecidesNothing) {
  const std::string id = ReviewedOrder("u1");
  for (const char* body : {R"({"note": 5})", R"({"note": null})", R"({"note": ["x"]})",
                           R"({"reason": "x"})", "{", "[]"}) {
    auto r = Call("POST", "/v1/fraud/reviews/" + id + "/approve", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    r = Call("POST", "/v1/fraud/reviews/" + id + "/reject", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
  }
  EXPECT_EQ(JsonBody(Call("GET", "/v1/orders/" + id).body).String("/status"), "pending");
  EXPECT_EQ(JsonBody(Call("GET", "/v1/orders/" + id + "/risk").body).String("/review/status"),
            "pending");
  EXPECT_EQ(gateway_->money_movements(), 0);

  for (const char* limit : {"0", "-1", "201", "abc", "1.5", ""}) {
    auto r = Call("GET", absl::StrCat("/v1/fraud/reviews?limit=", limit));
    EXPECT_EQ(r.status, 400) << limit << " -> " << r.body;
  }
  auto r = Call("GET", "/v1/fraud/reviews?limit=1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonBody(r.body).Size("/reviews"), 1u);
  r = Call("GET", "/v1/fraud/reviews?limit=200");
  EXPECT_EQ(r.status, 200) << r.body;
}

TEST_F(FraudRoutes, ScreeningFieldsOfTheWrongTypeAre400AndCreateNothing) {
  const std::string cart = CartWith("u1", "cable", 1);
  for (const char* extra :
       {R"("ipAddress": 5)", R"("ipAddress": null)", R"("deviceFingerprint": ["fp"])",
        R"("deviceFingerprint": {"id": "fp"})", R"("sessionId": true)", R"("sessionId": 12)"}) {
    auto r = Place(OrderBody("u1", cart, "tok_visa", extra));
    EXPECT_EQ(r.status, 400) << extra << " -> " << r.body;
  }
  EXPECT_EQ(JsonBody(Call("GET", "/v1/users/u1/orders").body).Size("/orders"), 0u);
  EXPECT_EQ(JsonBody(Call("GET", "/v1/carts/" + cart).body).String("/status"), "active");
  EXPECT_EQ(gateway_->money_movements(), 0);
  // The same fields as strings are accepted.
  auto r = Place(OrderBody("u1", cart, "tok_visa",
                           R"("ipAddress": "198.51.100.7", "deviceFingerprint": "fp", )"
                           R"("sessionId": "s-1")"));
  EXPECT_EQ(r.status, 201) << r.body;
}

}  // namespace
}  // namespace aisle::server
