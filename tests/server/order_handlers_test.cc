// Orders over HTTP against the real stack (index, SQLite store with fsync,
// inventory and cart services, the sandbox gateway): checkout and its
// idempotent retries (sequential and racing), a declined card, the operator
// transitions, fulfillment, every bad input a clear 4xx that creates
// nothing, and a flash sale: 200 shoppers racing for 50 units.
#include "server/order_handlers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/server/app_fixture.h"

namespace aisle::server {
namespace {

constexpr char kShipToNewYork[] =
    R"("shipping": {"country": "US", "city": "New York", "latitude": 40.71, "longitude": -74.0})";

class OrderRoutes : public AppFixture {
 protected:
  void SetUp() override {
    AppFixture::SetUp();
    auto r = Call("POST", "/v1/products", R"([
      {"id": "tv1", "title": "Quantum Television", "price": 899.99},
      {"id": "cable", "title": "HDMI Cable", "price": 9.95},
      {"id": "drop", "title": "Limited Sneaker Drop", "price": 180}])");
    ASSERT_EQ(r.status, 200) << r.body;
    r = Call("PUT", "/v1/warehouses", R"({"warehouses": [
      {"id": "msp", "name": "Minneapolis", "latitude": 44.85, "longitude": -93.24},
      {"id": "nyc", "name": "New York", "latitude": 40.75, "longitude": -73.99}]})");
    ASSERT_EQ(r.status, 200) << r.body;
    Stock("tv1", R"([{"warehouseId": "msp", "onHand": 5}, {"warehouseId": "nyc", "onHand": 1}])");
    Stock("cable", R"([{"warehouseId": "msp", "onHand": 100}])");
  }

  void Stock(const std::string& product, const std::string& warehouses) {
    auto r = Call("PUT", "/v1/inventory/" + product, absl::StrCat(R"({"warehouses": )", warehouses, "}"));
    ASSERT_EQ(r.status, 200) << r.body;
  }
  // A user's cart holding `quantity` of `product`; its id.
  std::string CartWith(const std::string& user, const std::string& product, int quantity,
                       HttpClient* client = nullptr) {
    HttpClient* c = client ? client : client_.get();
    auto r = c->Send("POST", "/v1/carts", absl::StrCat(R"({"userId": ")", user, R"("})"));
    EXPECT_TRUE(r.ok() && r->status == 201) << (r.ok() ? r->body : r.status().ToString());
    if (!r.ok()) return "";
    const std::string cart = JsonBody(r->body).String("/id");
    r = c->Send("POST", "/v1/carts/" + cart + "/items",
                absl::StrCat(R"({"productId": ")", product, R"(", "quantity": )", quantity, "}"));
    EXPECT_TRUE(r.ok() && r->status == 200) << (r.ok() ? r->body : r.status().ToString());
    return cart;
  }
  static std::string OrderBody(const std::string& user, const std::string& cart,
                               const std::string& token = "tok_visa") {
    return absl::StrCat(R"({"userId": ")", user, R"(", "cartId": ")", cart,
                        R"(", "paymentToken": ")", token, R"(", )", kShipToNewYork, "}");
  }
  ClientResponse Place(const std::string& body, const std::string& key = "",
                       HttpClient* client = nullptr) {
    std::vector<std::pair<std::string, std::string>> headers;
    if (!key.empty()) headers.emplace_back("Idempotency-Key", key);
    auto r = (client ? client : client_.get())
                 ->Send("POST", "/v1/orders", body, "application/json", headers);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : ClientResponse{};
  }
  uint64_t OnHand(const std::string& product, const char* pointer = "/onHand") {
    return JsonBody(Call("GET", "/v1/inventory/" + product).body).Uint(pointer);
  }
};

TEST_F(OrderRoutes, CheckoutPlacesTheOrderAndARetryAnswersWithTheSameOrder) {
  const std::string cart = CartWith("u1", "tv1", 2);
  auto r = Place(OrderBody("u1", cart), "key-1");
  ASSERT_EQ(r.status, 201) << r.body;
  JsonBody order(r.body);
  const std::string id = order.String("/id");
  EXPECT_EQ(r.Header("location"), "/v1/orders/" + id);
  EXPECT_EQ(order.String("/status"), "preparing");
  EXPECT_EQ(order.String("/currency"), "USD");
  EXPECT_EQ(order.Size("/history"), 5u);
  EXPECT_EQ(order.String("/history/4/to"), "preparing");
  EXPECT_EQ(order.String("/payments/0/kind"), "capture");
  EXPECT_EQ(order.String("/payments/0/cardLast4"), "4242");
  // New York ships first (closest to the address), Minneapolis the rest.
  ASSERT_EQ(order.Size("/fulfillmentTasks"), 2u);
  EXPECT_EQ(OnHand("tv1", "/warehouses/0/onHand"), 4u);  // msp
  EXPECT_EQ(OnHand("tv1", "/warehouses/1/onHand"), 0u);  // nyc

  // The order's units are purchases for demand and replenishment.
  auto purchases = store_->events()->CountEvents(
      {.product_id = "tv1", .user_id = "u1", .type = EventType::kPurchase});
  ASSERT_TRUE(purchases.ok()) << purchases.status();
  EXPECT_EQ(*purchases, 2);

  r = Place(OrderBody("u1", cart), "key-1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.Header("idempotent-replayed"), "true");
  EXPECT_EQ(JsonBody(r.body).String("/id"), id);
  EXPECT_EQ(gateway_->money_movements(), 1);
  EXPECT_EQ(OnHand("tv1"), 4u);
  EXPECT_EQ(*store_->events()->CountEvents({.product_id = "tv1", .type = EventType::kPurchase}), 2);

  EXPECT_EQ(JsonBody(Call("GET", "/v1/orders/" + id).body).String("/status"), "preparing");
  JsonBody mine(Call("GET", "/v1/users/u1/orders").body);
  EXPECT_EQ(mine.Size("/orders"), 1u);
  EXPECT_EQ(mine.String("/orders/0/id"), id);
  EXPECT_EQ(JsonBody(Call("GET", "/v1/carts/" + cart).body).String("/status"), "ordered");
  // The same key for another request is refused; the cart cannot be ordered twice.
  r = Place(OrderBody("u1", cart, "tok_mastercard"), "key-1");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "idempotency_key_reused");
  r = Place(OrderBody("u1", cart), "key-2");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "cart_not_active");
  EXPECT_EQ(gateway_->money_movements(), 1);
}

TEST_F(OrderRoutes, RacingRetriesWithOneKeyMakeOneOrderAndOneCharge) {
  const std::string cart = CartWith("u1", "cable", 3);
  constexpr int kClients = 12;
  std::vector<std::string> ids(kClients);
  std::vector<int> statuses(kClients);
  std::vector<std::thread> threads;
  for (int i = 0; i < kClients; ++i) {
    threads.emplace_back([&, i] {
      auto client = NewClient();
      auto r = Place(OrderBody("u1", cart), "same-key", client.get());
      statuses[i] = r.status;
      ids[i] = JsonBody(r.body).String("/id");
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), 1u);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 201), 1);
  EXPECT_EQ(std::count(statuses.begin(), statuses.end(), 200), kClients - 1);
  EXPECT_EQ(gateway_->money_movements(), 1);
  EXPECT_EQ(OnHand("cable"), 97u);
}

TEST_F(OrderRoutes, DeclinedCardIs402AndTheCartComesBackWithItsHolds) {
  const std::string cart = CartWith("u1", "tv1", 1);
  auto r = Place(OrderBody("u1", cart, "tok_insufficient_funds"), "k");
  ASSERT_EQ(r.status, 402) << r.body;
  JsonBody failed(r.body);
  EXPECT_EQ(failed.String("/error/code"), "payment_declined");
  EXPECT_EQ(failed.String("/order/status"), "cancelled");
  EXPECT_EQ(failed.String("/order/statusReason"), "payment_failed");
  EXPECT_EQ(failed.String("/order/payments/0/status"), "failed");
  JsonBody cart_now(Call("GET", "/v1/carts/" + cart).body);
  EXPECT_EQ(cart_now.String("/status"), "active");
  EXPECT_TRUE(cart_now["/items/0/held"].get_bool().value());
  EXPECT_EQ(OnHand("tv1", "/reserved"), 1u);
  EXPECT_EQ(gateway_->money_movements(), 0);
  // A retry answers the same; another card (a new key) goes through.
  EXPECT_EQ(Place(OrderBody("u1", cart, "tok_insufficient_funds"), "k").status, 402);
  r = Place(OrderBody("u1", cart, "tok_mastercard"), "k2");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(JsonBody(r.body).String("/payments/0/cardLast4"), "4444");
}

TEST_F(OrderRoutes, OperatorTransitionsFollowTheStateMachine) {
  auto r = Place(OrderBody("u1", CartWith("u1", "cable", 2)));
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = JsonBody(r.body).String("/id");
  r = Call("POST", "/v1/orders/" + id + "/deliver");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "illegal_transition");
  r = Call("POST", "/v1/orders/" + id + "/refund");
  EXPECT_EQ(r.status, 409) << r.body;
  ASSERT_EQ(Call("POST", "/v1/orders/" + id + "/ship").status, 200);
  r = Call("POST", "/v1/orders/" + id + "/cancel", R"({"reason": "too late"})");
  EXPECT_EQ(r.status, 409) << r.body;
  ASSERT_EQ(Call("POST", "/v1/orders/" + id + "/deliver").status, 200);
  r = Call("POST", "/v1/orders/" + id + "/refund", R"({"reason": "returned"})");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody refunded(r.body);
  EXPECT_EQ(refunded.String("/status"), "refunded");
  EXPECT_EQ(refunded.String("/statusReason"), "returned");
  EXPECT_EQ(refunded.String("/payments/1/kind"), "refund");
  EXPECT_EQ(gateway_->net_charged_cents(), 0);
  EXPECT_EQ(Call("POST", "/v1/orders/" + id + "/refund").status, 409);
  EXPECT_EQ(OnHand("cable"), 98u);  // Returned goods are restocked by an operator count.
}

TEST_F(OrderRoutes, CancellingAPreparingOrderRefundsAndReturnsTheStock) {
  auto r = Place(OrderBody("u1", CartWith("u1", "tv1", 3)));
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = JsonBody(r.body).String("/id");
  EXPECT_EQ(OnHand("tv1"), 3u);
  r = Call("POST", "/v1/orders/" + id + "/cancel", R"({"reason": "changed my mind"})");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody cancelled(r.body);
  EXPECT_EQ(cancelled.String("/status"), "cancelled");
  EXPECT_EQ(cancelled.String("/fulfillmentTasks/0/status"), "cancelled");
  EXPECT_EQ(OnHand("tv1"), 6u);
  EXPECT_EQ(OnHand("tv1", "/warehouses/1/onHand"), 1u);  // Back to New York.
  EXPECT_EQ(gateway_->net_charged_cents(), 0);
  EXPECT_EQ(JsonBody(Call("GET", "/v1/fulfillment/tasks?warehouseId=nyc").body).Size("/tasks"), 0u);
  EXPECT_EQ(
      JsonBody(Call("GET", "/v1/fulfillment/tasks?warehouseId=nyc&status=cancelled").body)
          .Size("/tasks"),
      1u);
}

TEST_F(OrderRoutes, CompletingEveryFulfillmentTaskShipsTheOrder) {
  auto r = Place(OrderBody("u1", CartWith("u1", "tv1", 2)));
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = JsonBody(r.body).String("/id");
  std::vector<std::string> tasks;
  for (const char* warehouse : {"msp", "nyc"}) {
    JsonBody listed(Call("GET", absl::StrCat("/v1/fulfillment/tasks?warehouseId=", warehouse)).body);
    ASSERT_EQ(listed.Size("/tasks"), 1u) << warehouse;
    EXPECT_EQ(listed.String("/tasks/0/orderId"), id);
    EXPECT_EQ(listed.Uint("/tasks/0/items/0/quantity"), 1u);
    tasks.push_back(listed.String("/tasks/0/id"));
  }
  r = Call("POST", "/v1/fulfillment/tasks/" + tasks[0] + "/complete");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_FALSE(JsonBody(r.body)["/orderFulfilled"].get_bool().value());
  EXPECT_EQ(JsonBody(Call("GET", "/v1/orders/" + id).body).String("/status"), "preparing");
  r = Call("POST", "/v1/fulfillment/tasks/" + tasks[1] + "/complete");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(JsonBody(r.body)["/orderFulfilled"].get_bool().value());
  EXPECT_EQ(JsonBody(Call("GET", "/v1/orders/" + id).body).String("/status"), "shipped");
  r = Call("POST", "/v1/fulfillment/tasks/" + tasks[1] + "/complete");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(JsonBody(r.body)["/alreadyCompleted"].get_bool().value());
  EXPECT_EQ(JsonBody(Call("GET", "/v1/orders/" + id).body).String("/status"), "shipped");
}

TEST_F(OrderRoutes, EveryBadInputIsAClear4xxAndCreatesNothing) {
  const std::string cart = CartWith("u1", "tv1", 1);
  const std::string ship = kShipToNewYork;
  struct Case {
    std::string body;
    int status;
    std::string code;
  };
  const std::vector<Case> cases = {
      {"{", 400, ""},
      {"[]", 400, ""},
      {"{\"userId\": \"u1\xff\"}", 400, ""},
      {absl::StrCat(R"({"cartId": ")", cart, R"(", "paymentToken": "tok_visa", )", ship, "}"), 400,
       ""},
      {absl::StrCat(R"({"userId": "u1", "paymentToken": "tok_visa", )", ship, "}"), 400, ""},
      {absl::StrCat(R"({"userId": "u1", "cartId": ")", cart, R"(", )", ship, "}"), 400, ""},
      {absl::StrCat(R"({"userId": "u1", "cartId": ")", cart, R"(", "paymentToken": "tok_visa"})"),
       400, ""},
      {absl::StrCat(R"({"userId": "u1", "cartId": ")", cart,
                    R"(", "paymentToken": "tok_visa", "shipping": {"latitude": 1, "longitude": 2}})"),
       400, ""},
      {absl::StrCat(R"({"userId": "u1", "cartId": ")", cart,
                    R"(", "paymentToken": "tok_visa", "shipping": {"country": "US"}})"),
       400, ""},
      {absl::StrCat(R"({"userId": "u1", "cartId": ")", cart,
                    R"(", "paymentToken": "tok_visa", "shipping": {"country": "US", "latitude": 91, "longitude": 0}})"),
       400, ""},
      {absl::StrCat(R"({"userId": 7, "cartId": ")", cart, R"(", "paymentToken": "tok_visa", )", ship,
                    "}"),
       400, ""},
      {absl::StrCat(R"({"userId": "u1", "cartId": ")", cart,
                    R"(", "paymentToken": "tok_visa", "coupon": "FREE", )", ship, "}"),
       400, ""},
      {OrderBody("u1", "no-such-cart"), 404, "cart_not_found"},
      {OrderBody("mallory", cart), 403, "cart_user_mismatch"},
  };
  for (const Case& c : cases) {
    auto r = Place(c.body);
    EXPECT_EQ(r.status, c.status) << c.body << " -> " << r.body;
    if (!c.code.empty()) {
      EXPECT_EQ(JsonBody(r.body).String("/error/code"), c.code) << c.body;
    }
  }
  // A card number is refused and never echoed.
  auto r = Place(OrderBody("u1", cart, "4242-4242-4242-4242"));
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.body.find("4242"), std::string::npos) << r.body;
  // Too big a body; an over-long key.
  EXPECT_EQ(Place(std::string(9000, ' ')).status, 413);
  EXPECT_EQ(Place(OrderBody("u1", cart), std::string(201, 'k')).status, 400);
  // An empty cart.
  auto empty = Call("POST", "/v1/carts", R"({"userId": "u2"})");
  r = Place(OrderBody("u2", JsonBody(empty.body).String("/id")));
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "cart_empty");
  // Unknown ids and bad queries.
  EXPECT_EQ(Call("GET", "/v1/orders/nope").status, 404);
  EXPECT_EQ(Call("POST", "/v1/orders/nope/ship").status, 404);
  EXPECT_EQ(Call("POST", "/v1/orders/nope/cancel", R"({"reason": 5})").status, 400);
  EXPECT_EQ(Call("POST", "/v1/fulfillment/tasks/nope/complete").status, 404);
  EXPECT_EQ(Call("GET", "/v1/users/u1/orders?limit=0").status, 400);
  EXPECT_EQ(Call("GET", "/v1/users/u1/orders?limit=x").status, 400);
  EXPECT_EQ(Call("GET", "/v1/fulfillment/tasks").status, 400);
  EXPECT_EQ(Call("GET", "/v1/fulfillment/tasks?warehouseId=msp&status=lost").status, 400);
  // Nothing was created or charged, and the cart still holds its line.
  EXPECT_EQ(JsonBody(Call("GET", "/v1/users/u1/orders").body).Size("/orders"), 0u);
  EXPECT_EQ(gateway_->money_movements(), 0);
  EXPECT_EQ(JsonBody(Call("GET", "/v1/carts/" + cart).body).String("/status"), "active");
  EXPECT_EQ(OnHand("tv1", "/reserved"), 1u);
}

// The issue's flash sale: 200 shoppers race for 50 units. Exactly 50 orders
// succeed, every loser gets a 409 insufficient_stock, and stock never reads
// negative while it runs.
TEST_F(OrderRoutes, FlashSaleSellsExactlyTheStockAndEveryLoserGets409) {
  Stock("drop", R"([{"warehouseId": "msp", "onHand": 30}, {"warehouseId": "nyc", "onHand": 20}])");
  constexpr int kShoppers = 200;
  std::atomic<int> placed{0}, refused{0}, other{0};
  std::atomic<bool> racing{true};
  std::atomic<int> negative_reads{0};
  std::mutex errors_mu;
  std::vector<std::string> errors;
  std::thread watcher([&] {
    auto client = NewClient();
    while (racing) {
      auto r = client->Send("GET", "/v1/inventory/drop");
      if (!r.ok()) continue;
      JsonBody stock(r->body);
      for (const char* field : {"/onHand", "/available", "/warehouses/0/onHand",
                                "/warehouses/1/onHand"}) {
        if (stock[field].get_int64().value_unsafe() < 0) ++negative_reads;
      }
    }
  });
  std::vector<std::thread> shoppers;
  for (int i = 0; i < kShoppers; ++i) {
    shoppers.emplace_back([&, i] {
      auto client = NewClient();
      const std::string user = absl::StrCat("shopper", i);
      auto r = client->Send("POST", "/v1/carts", absl::StrCat(R"({"userId": ")", user, R"("})"));
      if (!r.ok() || r->status != 201) return void(++other);
      const std::string cart = JsonBody(r->body).String("/id");
      r = client->Send("POST", "/v1/carts/" + cart + "/items",
                       R"({"productId": "drop", "quantity": 1})");
      if (r.ok() && r->status == 409 &&
          JsonBody(r->body).String("/error/code") == "insufficient_stock") {
        return void(++refused);
      }
      if (!r.ok() || r->status != 200) return void(++other);
      auto placed_order = Place(OrderBody(user, cart), absl::StrCat("order-", i), client.get());
      if (placed_order.status == 201) return void(++placed);
      std::lock_guard lock(errors_mu);
      errors.push_back(placed_order.body);
      ++other;
    });
  }
  for (auto& t : shoppers) t.join();
  racing = false;
  watcher.join();
  EXPECT_EQ(placed.load(), 50);
  EXPECT_EQ(refused.load(), kShoppers - 50);
  EXPECT_EQ(other.load(), 0) << (errors.empty() ? "" : errors.front());
  EXPECT_EQ(negative_reads.load(), 0);
  JsonBody stock(Call("GET", "/v1/inventory/drop").body);
  EXPECT_EQ(stock.Uint("/onHand"), 0u);
  EXPECT_EQ(stock.Uint("/reserved"), 0u);
  EXPECT_EQ(gateway_->money_movements(), 50);
  EXPECT_EQ(gateway_->net_charged_cents(), 50 * 18000);
}

}  // namespace
}  // namespace aisle::server
