// Carts over HTTP against the real stack (index, SQLite store with fsync,
// inventory service, quote book): every route, the price a shopper was
// quoted against the live price, the merge at login, every bad input a
// clear 4xx that changes nothing, and 40 shoppers racing for 25 units.
#include "server/cart_handlers.h"

#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/server/app_fixture.h"

namespace aisle::server {
namespace {

class CartRoutes : public AppFixture {
 protected:
  void SetUp() override {
    AppFixture::SetUp();
    auto r = Call("POST", "/v1/products", R"([
      {"id": "tv1", "title": "Quantum Television", "price": 899.99},
      {"id": "tv2", "title": "Plasma Television", "price": 700},
      {"id": "cable", "title": "HDMI Cable", "price": 9.95}])");
    ASSERT_EQ(r.status, 200) << r.body;
    r = Call("PUT", "/v1/warehouses", R"({"warehouses": [
      {"id": "msp", "name": "Mall of America", "latitude": 44.85, "longitude": -93.24}]})");
    ASSERT_EQ(r.status, 200) << r.body;
    Stock("tv1", 5);
    Stock("tv2", 5);
    Stock("cable", 100);
  }

  void Stock(const std::string& product, int units) {
    auto r =
        Call("PUT", "/v1/inventory/" + product,
             absl::StrCat(R"({"warehouses": [{"warehouseId": "msp", "onHand": )", units, "}]}"));
    ASSERT_EQ(r.status, 200) << r.body;
  }
  // A new cart's id (anonymous when `user` is empty).
  std::string NewCart(const std::string& user = "") {
    auto r = Call("POST", "/v1/carts",
                  user.empty() ? "" : absl::StrCat(R"({"userId": ")", user, R"("})"));
    EXPECT_EQ(r.status, 201) << r.body;
    return JsonBody(r.body).String("/id");
  }
  ClientResponse Add(const std::string& cart, const std::string& body) {
    return Call("POST", "/v1/carts/" + cart + "/items", body);
  }
  JsonBody Inventory(const std::string& product) {
    return JsonBody(Call("GET", "/v1/inventory/" + product).body);
  }
  static double Number(const JsonBody& body, const char* pointer) {
    double value = -1;
    if (body[pointer].get_double().get(value)) return -1;
    return value;
  }
};

TEST_F(CartRoutes, AddChangeAndRemoveMoveTheReservation) {
  auto r = Call("POST", "/v1/carts", "");
  ASSERT_EQ(r.status, 201) << r.body;
  JsonBody created(r.body);
  const std::string id = created.String("/id");
  EXPECT_FALSE(id.empty());
  EXPECT_TRUE(created["/userId"].is_null());
  EXPECT_EQ(created.String("/status"), "active");
  EXPECT_EQ(created.Size("/items"), 0u);

  r = Add(id, R"({"productId": "tv1", "quantity": 2})");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody added(r.body);
  ASSERT_EQ(added.Size("/items"), 1u);
  EXPECT_EQ(added.String("/items/0/productId"), "tv1");
  EXPECT_EQ(added.String("/items/0/title"), "Quantum Television");
  EXPECT_EQ(added.Uint("/items/0/quantity"), 2u);
  EXPECT_DOUBLE_EQ(Number(added, "/items/0/unitPrice"), 899.99);
  EXPECT_DOUBLE_EQ(Number(added, "/items/0/lineTotal"), 1799.98);
  EXPECT_EQ(added.String("/items/0/priceSource"), "live");
  EXPECT_TRUE(added["/items/0/held"].get_bool().value());
  EXPECT_EQ(added.String("/items/0/reservation/status"), "active");
  EXPECT_EQ(added.Uint("/items/0/reservation/expiresAt"),
            static_cast<uint64_t>(clock_.NowMillis() + 15 * 60'000));
  EXPECT_EQ(added.Uint("/totals/itemCount"), 2u);
  EXPECT_DOUBLE_EQ(Number(added, "/totals/subtotal"), 1799.98);
  EXPECT_EQ(Inventory("tv1").Uint("/reserved"), 2u);
  EXPECT_EQ(JsonBody(Call("GET", "/v1/products/tv1/signals").body).Uint("/stock"), 3u);

  ASSERT_EQ(Add(id, R"({"productId": "cable", "quantity": 3})").status, 200);
  r = Call("PATCH", "/v1/carts/" + id + "/items/tv1", R"({"quantity": 4})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonBody(r.body).Uint("/items/0/quantity"), 4u);
  EXPECT_EQ(Inventory("tv1").Uint("/reserved"), 4u);
  EXPECT_DOUBLE_EQ(Number(JsonBody(r.body), "/totals/subtotal"), 4 * 899.99 + 3 * 9.95);

  r = Call("DELETE", "/v1/carts/" + id + "/items/tv1");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonBody(r.body).Size("/items"), 1u);
  EXPECT_EQ(Inventory("tv1").Uint("/reserved"), 0u);
  EXPECT_EQ(Inventory("tv1").Uint("/available"), 5u);

  JsonBody read(Call("GET", "/v1/carts/" + id).body);
  EXPECT_EQ(read.String("/id"), id);
  ASSERT_EQ(read.Size("/items"), 1u);
  EXPECT_EQ(read.String("/items/0/productId"), "cable");
  EXPECT_EQ(read.Uint("/totals/itemCount"), 3u);
  EXPECT_DOUBLE_EQ(Number(read, "/totals/subtotal"), 29.85);
}

TEST_F(CartRoutes, TheQuotedPriceHoldsWhileTheLivePriceMoves) {
  JsonBody price(Call("GET", "/v1/products/tv2/price?userId=u1").body);
  const std::string quote = price.String("/quote/id");
  const double quoted = Number(price, "/price");
  ASSERT_GT(quoted, 0);
  auto r = Call("POST", "/v1/carts", R"({"userId": "u1"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id = JsonBody(r.body).String("/id");
  EXPECT_EQ(JsonBody(r.body).String("/userId"), "u1");
  // The user's cart again: 200, same cart.
  r = Call("POST", "/v1/carts", R"({"userId": "u1"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonBody(r.body).String("/id"), id);

  r = Add(id, absl::StrCat(R"({"productId": "tv2", "quantity": 1, "quoteId": ")", quote, R"("})"));
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody added(r.body);
  EXPECT_EQ(added.String("/items/0/priceSource"), "quote");
  EXPECT_EQ(added.String("/items/0/quote/id"), quote);
  EXPECT_DOUBLE_EQ(Number(added, "/items/0/unitPrice"), std::llround(quoted * 100) / 100.0);
  ASSERT_EQ(Add(id, R"({"productId": "tv1", "quantity": 1})").status, 200);

  ASSERT_EQ(Call("POST", "/v1/products/signals",
                 R"([{"productId":"tv2","price":650},{"productId":"tv1","price":849.5}])")
                .status,
            200);
  JsonBody read(Call("GET", "/v1/carts/" + id).body);
  EXPECT_DOUBLE_EQ(Number(read, "/items/0/unitPrice"), std::llround(quoted * 100) / 100.0);
  EXPECT_DOUBLE_EQ(Number(read, "/items/1/unitPrice"), 849.5);
  EXPECT_EQ(read.String("/items/1/priceSource"), "live");

  // Once the quote expires the line pays the current price.
  clock_.Advance(15 * 60'000);
  JsonBody later(Call("GET", "/v1/carts/" + id).body);
  EXPECT_EQ(later.String("/items/0/priceSource"), "live");
  EXPECT_DOUBLE_EQ(Number(later, "/items/0/unitPrice"), 650);
  // ... and its reservation (15 minutes too) has lapsed: reported, not dropped.
  EXPECT_FALSE(later["/items/0/held"].get_bool().value());
  EXPECT_EQ(later.String("/items/0/reservation/status"), "expired");
  EXPECT_EQ(later.Uint("/totals/unheldItems"), 2u);
  EXPECT_EQ(Inventory("tv2").Uint("/available"), 5u);
  // Changing the quantity holds the units again.
  r = Call("PATCH", "/v1/carts/" + id + "/items/tv2", R"({"quantity": 2})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(JsonBody(r.body)["/items/0/held"].get_bool().value());
  EXPECT_EQ(Inventory("tv2").Uint("/reserved"), 2u);
}

TEST_F(CartRoutes, TheAnonymousCartMergesIntoTheUsersAtLogin) {
  const std::string mine = NewCart("u1");
  ASSERT_EQ(Add(mine, R"({"productId": "tv1", "quantity": 1})").status, 200);
  const std::string anonymous = NewCart();
  ASSERT_EQ(Add(anonymous, R"({"productId": "tv1", "quantity": 2})").status, 200);
  ASSERT_EQ(Add(anonymous, R"({"productId": "cable", "quantity": 1})").status, 200);

  auto r = Call("POST", "/v1/carts/" + anonymous + "/merge", R"({"userId": "u1"})");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody merged(r.body);
  EXPECT_EQ(merged.String("/id"), mine);
  ASSERT_EQ(merged.Size("/items"), 2u);
  EXPECT_EQ(merged.String("/items/0/productId"), "tv1");
  EXPECT_EQ(merged.Uint("/items/0/quantity"), 3u);
  EXPECT_EQ(merged.Uint("/totals/itemCount"), 4u);
  EXPECT_EQ(Inventory("tv1").Uint("/reserved"), 3u);

  JsonBody source(Call("GET", "/v1/carts/" + anonymous).body);
  EXPECT_EQ(source.String("/status"), "merged");
  EXPECT_EQ(source.String("/mergedInto"), mine);
  EXPECT_EQ(source.Size("/items"), 0u);
  // A retried login is harmless; the merged cart takes no more items.
  r = Call("POST", "/v1/carts/" + anonymous + "/merge", R"({"userId": "u1"})");
  EXPECT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonBody(r.body).Uint("/items/0/quantity"), 3u);
  r = Add(anonymous, R"({"productId": "tv2", "quantity": 1})");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "cart_not_active");

  // A shopper without a cart takes the anonymous one over.
  const std::string other = NewCart();
  r = Call("POST", "/v1/carts/" + other + "/merge", R"({"userId": "u2"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonBody(r.body).String("/id"), other);
  EXPECT_EQ(JsonBody(r.body).String("/userId"), "u2");
  r = Call("POST", "/v1/carts/" + other + "/merge", R"({"userId": "u3"})");
  EXPECT_EQ(r.status, 403) << r.body;
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "cart_user_mismatch");
}

TEST_F(CartRoutes, DomainErrorsHaveClearCodes) {
  const std::string id = NewCart("u1");
  const std::pair<ClientResponse, std::pair<int, std::string>> cases[] = {
      {Call("GET", "/v1/carts/nope"), {404, "cart_not_found"}},
      {Add("nope", R"({"productId": "tv1", "quantity": 1})"), {404, "cart_not_found"}},
      {Add(id, R"({"productId": "ghost", "quantity": 1})"), {404, "product_not_found"}},
      {Call("PATCH", "/v1/carts/" + id + "/items/tv2", R"({"quantity": 1})"),
       {404, "cart_item_not_found"}},
      {Call("DELETE", "/v1/carts/" + id + "/items/tv2"), {404, "cart_item_not_found"}},
      {Add(id, R"({"productId": "tv1", "quantity": 1, "userId": "u2"})"),
       {403, "cart_user_mismatch"}},
      {Call("POST", "/v1/carts/nope/merge", R"({"userId": "u1"})"), {404, "cart_not_found"}},
  };
  for (const auto& [response, expected] : cases) {
    EXPECT_EQ(response.status, expected.first) << response.body;
    EXPECT_EQ(JsonBody(response.body).String("/error/code"), expected.second) << response.body;
  }

  // Not enough stock: 409 with what is left.
  ASSERT_EQ(Add(id, R"({"productId": "tv1", "quantity": 3})").status, 200);
  auto r = Add(id, R"({"productId": "tv1", "quantity": 3})");
  EXPECT_EQ(r.status, 409) << r.body;
  JsonBody short_stock(r.body);
  EXPECT_EQ(short_stock.String("/error/code"), "insufficient_stock");
  EXPECT_EQ(short_stock.Uint("/error/available"), 2u);
  r = Call("PATCH", "/v1/carts/" + id + "/items/tv1", R"({"quantity": 6})");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(JsonBody(r.body).Uint("/error/available"), 2u);
  EXPECT_EQ(JsonBody(Call("GET", "/v1/carts/" + id).body).Uint("/items/0/quantity"), 3u);
  EXPECT_EQ(Inventory("tv1").Uint("/reserved"), 3u);

  // The seed's 10 active reservations per shopper: 409 as well.
  std::string products = "[";
  for (int i = 0; i < 10; ++i) {
    absl::StrAppend(&products, i > 0 ? "," : "", R"({"id": "x)", i, R"(", "title": "Extra )", i,
                    R"(", "price": 1})");
  }
  ASSERT_EQ(Call("POST", "/v1/products", products + "]").status, 200);
  for (int i = 0; i < 9; ++i) {
    Stock(absl::StrCat("x", i), 1);
    ASSERT_EQ(Add(id, absl::StrCat(R"({"productId": "x)", i, R"(", "quantity": 1})")).status, 200);
  }
  Stock("x9", 1);
  r = Add(id, R"({"productId": "x9", "quantity": 1})");
  EXPECT_EQ(r.status, 409) << r.body;
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "reservation_limit_exceeded");
  EXPECT_EQ(JsonBody(Call("GET", "/v1/carts/" + id).body).Size("/items"), 10u);
}

TEST_F(CartRoutes, BadInputIsRefusedAndChangesNothing) {
  const std::string id = NewCart();
  ASSERT_EQ(Add(id, R"({"productId": "tv1", "quantity": 1})").status, 200);
  const std::pair<std::string, std::string> add_cases[] = {
      {"{", "invalid_body"},
      {"", "invalid_body"},
      {"[]", "invalid_body"},
      {R"({"productId": "tv1", "quantity": 1} x)", "invalid_body"},
      {"{\"productId\": \"tv\xff\", \"quantity\": 1}", "invalid_body"},
      {R"({"productId": "tv1"})", "invalid_quantity"},
      {R"({"quantity": 1})", "invalid_product_id"},
      {R"({"productId": "", "quantity": 1})", "invalid_product_id"},
      {R"({"productId": 7, "quantity": 1})", "invalid_product_id"},
      {R"({"productId": "tv1", "quantity": 0})", "invalid_quantity"},
      {R"({"productId": "tv1", "quantity": -2})", "invalid_quantity"},
      {R"({"productId": "tv1", "quantity": 1001})", "invalid_quantity"},
      {R"({"productId": "tv1", "quantity": 1.5})", "invalid_quantity"},
      {R"({"productId": "tv1", "quantity": "2"})", "invalid_quantity"},
      {R"({"productId": "tv1", "quantity": 99999999999999999999})", "invalid_quantity"},
      {R"({"productId": "tv1", "quantity": 1, "quoteId": 5})", "invalid_quote_id"},
      {R"({"productId": "tv1", "quantity": 1, "userId": null})", "invalid_user_id"},
      {R"({"productId": "tv1", "quantity": 1, "price": 0.01})", "invalid_price"},
  };
  for (const auto& [body, code] : add_cases) {
    auto r = Add(id, body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_EQ(JsonBody(r.body).String("/error/code"), code) << body << " -> " << r.body;
  }
  const std::pair<std::string, std::string> patch_cases[] = {
      {"{}", "invalid_quantity"},
      {R"({"quantity": 0})", "invalid_quantity"},
      {R"({"quantity": true})", "invalid_quantity"},
      {R"({"quantity": 2, "note": "x"})", "invalid_note"},
  };
  for (const auto& [body, code] : patch_cases) {
    auto r = Call("PATCH", "/v1/carts/" + id + "/items/tv1", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_EQ(JsonBody(r.body).String("/error/code"), code) << body << " -> " << r.body;
  }
  const std::pair<std::string, std::string> create_cases[] = {
      {R"({"userId": 5})", "invalid_user_id"},
      {R"({"owner": "u1"})", "invalid_owner"},
      {"{", "invalid_body"},
  };
  for (const auto& [body, code] : create_cases) {
    auto r = Call("POST", "/v1/carts", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_EQ(JsonBody(r.body).String("/error/code"), code) << body << " -> " << r.body;
  }
  for (const std::string body : {"{}", R"({"userId": ""})", R"({"userId": ["u1"]})"}) {
    auto r = Call("POST", "/v1/carts/" + id + "/merge", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_EQ(JsonBody(r.body).String("/error/code"), "invalid_user_id") << r.body;
  }
  // A product id that is not UTF-8 in the path.
  auto r = Call("PATCH", "/v1/carts/" + id + "/items/tv%FF", R"({"quantity": 1})");
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(Add(id, R"({"productId": "tv1", "quantity": 1})" + std::string(8 << 10, ' ')).status,
            413);

  JsonBody read(Call("GET", "/v1/carts/" + id).body);
  ASSERT_EQ(read.Size("/items"), 1u);
  EXPECT_EQ(read.Uint("/items/0/quantity"), 1u);
  EXPECT_EQ(Inventory("tv1").Uint("/reserved"), 1u);
}

TEST_F(CartRoutes, FortyShoppersRaceForTwentyFiveUnits) {
  ASSERT_EQ(
      Call("POST", "/v1/products", R"([{"id": "hot", "title": "Hot Item", "price": 5}])").status,
      200);
  Stock("hot", 25);
  constexpr int kShoppers = 40;
  std::atomic<int> won{0}, sold_out{0}, other{0};
  std::vector<std::thread> shoppers;
  for (int i = 0; i < kShoppers; ++i) {
    shoppers.emplace_back([&] {
      auto client = NewClient();
      auto cart = client->Send("POST", "/v1/carts", "", "application/json");
      if (!cart.ok() || cart->status != 201) {
        ++other;
        return;
      }
      const std::string id = JsonBody(cart->body).String("/id");
      auto r = client->Send("POST", "/v1/carts/" + id + "/items",
                            R"({"productId": "hot", "quantity": 1})", "application/json");
      if (!r.ok()) {
        ++other;
      } else if (r->status == 200) {
        ++won;
      } else if (r->status == 409 &&
                 JsonBody(r->body).String("/error/code") == "insufficient_stock") {
        ++sold_out;
      } else {
        ++other;
      }
    });
  }
  for (std::thread& t : shoppers) t.join();
  EXPECT_EQ(won.load(), 25);
  EXPECT_EQ(sold_out.load(), kShoppers - 25);
  EXPECT_EQ(other.load(), 0);
  JsonBody stock = Inventory("hot");
  EXPECT_EQ(stock.Uint("/reserved"), 25u);
  EXPECT_EQ(stock.Uint("/available"), 0u);
  EXPECT_EQ(JsonBody(Call("GET", "/v1/products/hot/signals").body).Uint("/stock"), 0u);
}

}  // namespace
}  // namespace aisle::server
