// Live signals over HTTP: price and stock change search results immediately,
// without a reindex, and every bad input is a clear 4xx.
#include "server/signal_handlers.h"

#include <gtest/gtest.h>

#include "proto/aisle.pb.h"
#include "tests/server/app_fixture.h"

namespace aisle::server {
namespace {

class SignalRoutes : public AppFixture {
 protected:
  void SetUp() override {
    AppFixture::SetUp();
    auto r = Call("POST", "/v1/products", R"([
      {"id": "a", "title": "Copper Kettle", "price": 30},
      {"id": "b", "title": "Steel Kettle", "price": 20},
      {"id": "c", "title": "Glass Kettle", "price": 25}])");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  uint64_t Commits() { return JsonBody(Call("GET", "/v1/stats").body).Uint("/commits"); }
  std::string FirstByPrice(const std::string& filter = "") {
    std::string body = R"({"q":"kettle","sort":["price:asc"])";
    if (!filter.empty()) body += R"(,"filter":")" + filter + "\"";
    body += "}";
    return JsonBody(Call("POST", "/v1/search", body).body).String("/hits/0/id");
  }
};

TEST_F(SignalRoutes, BulkPriceUpdateReordersTheNextSearchWithoutReindex) {
  const uint64_t commits = Commits();
  EXPECT_EQ(FirstByPrice(), "b");
  auto r = Call("POST", "/v1/products/signals", R"([{"productId":"a","price":9.5}])");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonBody(r.body).Uint("/applied"), 1u);
  EXPECT_EQ(FirstByPrice(), "a");
  auto hit = JsonBody(Call("GET", "/v1/search?q=copper").body);
  double price = 0;
  ASSERT_FALSE(hit["/hits/0/price"].get_double().get(price));
  EXPECT_EQ(price, 9.5);
  EXPECT_EQ(Commits(), commits);
}

TEST_F(SignalRoutes, PatchOfPriceOrStockIsALiveSignal) {
  const uint64_t commits = Commits();
  auto r = Call("PATCH", "/v1/products/c", R"({"price": 5, "stock": 0})");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody product(r.body);
  EXPECT_EQ(product.String("/title"), "Glass Kettle");
  EXPECT_EQ(product.Uint("/stock"), 0u);
  EXPECT_EQ(Commits(), commits) << "a price/stock PATCH must not reindex";
  EXPECT_EQ(FirstByPrice(), "c");
  EXPECT_EQ(FirstByPrice("inStock = true"), "b");
  JsonBody signals(Call("GET", "/v1/products/c/signals").body);
  EXPECT_EQ(signals.Uint("/stock"), 0u);
  // A patch with other fields is a document patch (and does reindex).
  ASSERT_EQ(Call("PATCH", "/v1/products/c", R"({"title": "Glass Kettle 2", "price": 6})").status,
            200);
  EXPECT_GT(Commits(), commits);
}

TEST_F(SignalRoutes, NdjsonAndProtobufBodiesAndUnknownIds) {
  auto r =
      Call("POST", "/v1/products/signals",
           "{\"id\":\"a\",\"stock\":3}\n{\"id\":\"zzz\",\"stock\":1}\n", "application/x-ndjson");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody result(r.body);
  EXPECT_EQ(result.Uint("/applied"), 1u);
  EXPECT_EQ(result.String("/unknownIds/0"), "zzz");
  pb::SignalBatch batch;
  auto* u = batch.add_updates();
  u->set_product_id("b");
  u->set_price(1);
  r = Call("POST", "/v1/products/signals", batch.SerializeAsString(), "application/x-protobuf");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(FirstByPrice(), "b");
  EXPECT_EQ(JsonBody(Call("GET", "/v1/products/a").body).Uint("/stock"), 3u);
}

TEST_F(SignalRoutes, BadSignalInputsAreRejectedAndNothingChanges) {
  const char* bodies[] = {
      R"({"productId":"a","price":1})",          // Not an array.
      R"([{"productId":"a","price":-1}])",       // Negative price.
      R"([{"productId":"a","stock":-2}])",       // Negative stock.
      R"([{"productId":"a","stock":1.5}])",      // Not an integer.
      R"([{"productId":"a","colour":"red"}])",   // Unknown field.
      R"([{"price":3}])",                        // No id.
      R"([{"productId":"a"}])",                  // Nothing to set.
      R"([{"productId":"a","price":"cheap"}])",  // Wrong type.
      R"([{"productId":"a","price":1}] extra)",  // Trailing content.
      "[{\"productId\":\"\xFF\",\"price\":1}]",  // Invalid UTF-8.
  };
  for (const char* body : bodies) {
    SCOPED_TRACE(body);
    auto r = Call("POST", "/v1/products/signals", body);
    EXPECT_EQ(r.status, 400) << r.body;
    EXPECT_NE(JsonBody(r.body).String("/error/message"), "<missing>");
  }
  EXPECT_EQ(Call("POST", "/v1/products/signals", "x", "text/plain").status, 400);
  EXPECT_EQ(Call("PATCH", "/v1/products/a", R"({"stock": -1})").status, 400);
  EXPECT_EQ(Call("PATCH", "/v1/products/nope", R"({"price": 1})").status, 404);
  EXPECT_EQ(Call("GET", "/v1/products/nope/signals").status, 404);
  EXPECT_EQ(FirstByPrice(), "b");
  JsonBody a(Call("GET", "/v1/products/a").body);
  double price = 0;
  ASSERT_FALSE(a["/price"].get_double().get(price));
  EXPECT_EQ(price, 30.0);
}

TEST_F(SignalRoutes, AcknowledgedSignalsAreInTheStore) {
  ASSERT_EQ(
      Call("POST", "/v1/products/signals", R"([{"productId":"a","price":7,"stock":2}])").status,
      200);
  auto stored = store_->signals()->GetSignal("a");
  ASSERT_TRUE(stored.ok());
  ASSERT_TRUE(stored->has_value());
  EXPECT_EQ((*stored)->base_price, 7.0);
  EXPECT_EQ((*stored)->stock, 2);
}

TEST_F(SignalRoutes, DeletedProductsForgetTheirStoredSignals) {
  ASSERT_EQ(
      Call("POST", "/v1/products/signals", R"([{"productId":"a","price":7,"stock":0}])").status,
      200);
  ASSERT_EQ(Call("DELETE", "/v1/products/a").status, 200);
  auto stored = store_->signals()->GetSignal("a");
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->has_value()) << "a re-created 'a' must not inherit price 7 and stock 0";
  // Re-created: the catalog price is live again and the product is in stock.
  ASSERT_EQ(
      Call("POST", "/v1/products", R"([{"id":"a","title":"Copper Kettle","price":30}])").status,
      200);
  EXPECT_EQ(FirstByPrice("inStock = false"), "<missing>");
}

}  // namespace
}  // namespace aisle::server
