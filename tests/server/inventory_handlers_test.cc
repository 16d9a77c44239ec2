// Inventory over HTTP: warehouses (the 1,565 real Best Buy stores when the
// shared data is present), stock per warehouse, availability reaching
// search at once, and every bad input a clear 4xx that changes nothing.
#include "server/inventory_handlers.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "server/json_writer.h"
#include "tests/server/app_fixture.h"

namespace aisle::server {
namespace {

class InventoryRoutes : public AppFixture {
 protected:
  void SetUp() override {
    AppFixture::SetUp();
    auto r = Call("POST", "/v1/products", R"([
      {"id": "tv1", "title": "Quantum Television", "price": 900},
      {"id": "tv2", "title": "Plasma Television", "price": 700}])");
    ASSERT_EQ(r.status, 200) << r.body;
    r = Call("PUT", "/v1/warehouses", R"({"warehouses": [
      {"id": "msp", "name": "Mall of America", "latitude": 44.85, "longitude": -93.24},
      {"id": "tmp", "name": "Tempe", "latitude": 33.43, "longitude": -111.9, "region": "AZ"}]})");
    ASSERT_EQ(r.status, 200) << r.body;
  }
  std::vector<std::string> InStock() {
    JsonBody body(
        Call("POST", "/v1/search", R"({"q":"television","filter":"inStock = true"})").body);
    std::vector<std::string> ids;
    for (size_t i = 0; i < body.Size("/hits"); ++i) {
      ids.push_back(body.String(absl::StrCat("/hits/", i, "/id").c_str()));
    }
    return ids;
  }
};

TEST_F(InventoryRoutes, StockPerWarehouseIsSummedAndReachesSearchAtOnce) {
  auto r = Call("PUT", "/v1/inventory/tv1",
                R"({"warehouses": [{"warehouseId": "msp", "onHand": 3},
                                   {"warehouseId": "tmp", "onHand": 4}]})");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody stock(r.body);
  EXPECT_EQ(stock.Uint("/onHand"), 7u);
  EXPECT_EQ(stock.Uint("/available"), 7u);
  EXPECT_EQ(stock.String("/warehouses/0/warehouseId"), "msp");
  EXPECT_EQ(JsonBody(Call("GET", "/v1/products/tv1/signals").body).Uint("/stock"), 7u);
  ASSERT_EQ(Call("PUT", "/v1/inventory/tv2", R"({"warehouses": [{"warehouseId": "msp",
                                                                  "onHand": 0}]})")
                .status,
            200);
  EXPECT_EQ(InStock(), (std::vector<std::string>{"tv1"}));
  // Sold out at one warehouse: the other still counts.
  ASSERT_EQ(
      Call("PUT", "/v1/inventory/tv1", R"({"warehouses": [{"warehouseId": "msp", "onHand": 0}]})")
          .status,
      200);
  EXPECT_EQ(JsonBody(Call("GET", "/v1/inventory/tv1").body).Uint("/available"), 4u);
  ASSERT_EQ(
      Call("PUT", "/v1/inventory/tv1", R"({"warehouses": [{"warehouseId": "tmp", "onHand": 0}]})")
          .status,
      200);
  EXPECT_TRUE(InStock().empty());
  // A reservation lowers what search sees as available.
  ASSERT_EQ(Call("PUT", "/v1/inventory/tv2", R"({"warehouses": [{"warehouseId": "tmp",
                                                                  "onHand": 2}]})")
                .status,
            200);
  ASSERT_TRUE(inventory_->Reserve({.product_id = "tv2", .quantity = 2, .user_id = "u"}).ok());
  EXPECT_TRUE(InStock().empty());
  JsonBody held(Call("GET", "/v1/inventory/tv2").body);
  EXPECT_EQ(held.Uint("/reserved"), 2u);
  EXPECT_EQ(held.Uint("/available"), 0u);
}

TEST_F(InventoryRoutes, UnknownProductsReadAsZeroAndWarehousesList) {
  JsonBody none(Call("GET", "/v1/inventory/never-stocked").body);
  EXPECT_EQ(none.Uint("/onHand"), 0u);
  EXPECT_EQ(none.Size("/warehouses"), 0u);
  JsonBody list(Call("GET", "/v1/warehouses").body);
  ASSERT_EQ(list.Size("/warehouses"), 2u);
  EXPECT_EQ(list.String("/warehouses/1/region"), "AZ");
}

TEST_F(InventoryRoutes, BadInventoryInputsAreRefusedAndChangeNothing) {
  ASSERT_EQ(
      Call("PUT", "/v1/inventory/tv1", R"({"warehouses": [{"warehouseId": "msp", "onHand": 5}]})")
          .status,
      200);
  const std::pair<std::string, std::string> stock_cases[] = {
      {"{", "invalid_body"},
      {"[]", "invalid_body"},
      {R"({"warehouses": []})", "invalid_warehouses"},
      {R"({"warehouses": {}})", "invalid_warehouses"},
      {R"({"stock": 3})", "invalid_stock"},
      {R"({"warehouses": [{"warehouseId": "msp"}]})", "invalid_warehouses"},
      {R"({"warehouses": [{"warehouseId": "msp", "onHand": -1}]})", "invalid_on_hand"},
      {R"({"warehouses": [{"warehouseId": "msp", "onHand": 1.5}]})", "invalid_on_hand"},
      {R"({"warehouses": [{"warehouseId": "msp", "onHand": "7"}]})", "invalid_on_hand"},
      {R"({"warehouses": [{"warehouseId": "msp", "onHand": 1, "bin": 4}]})", "invalid_warehouses"},
      {R"({"warehouses": [{"warehouseId": 9, "onHand": 1}]})", "invalid_warehouse_id"},
  };
  for (const auto& [body, code] : stock_cases) {
    auto r = Call("PUT", "/v1/inventory/tv1", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_EQ(JsonBody(r.body).String("/error/code"), code) << body << " -> " << r.body;
  }
  auto unknown = Call("PUT", "/v1/inventory/tv1",
                      R"({"warehouses": [{"warehouseId": "atlantis", "onHand": 1}]})");
  EXPECT_EQ(unknown.status, 404) << unknown.body;
  EXPECT_EQ(JsonBody(unknown.body).String("/error/code"), "warehouse_not_found");
  EXPECT_EQ(JsonBody(Call("GET", "/v1/inventory/tv1").body).Uint("/onHand"), 5u);

  const std::pair<std::string, std::string> warehouse_cases[] = {
      {R"({"warehouses": [{"id": "x", "latitude": 91, "longitude": 0}]})", "invalid_latitude"},
      {R"({"warehouses": [{"id": "x", "latitude": 1}]})", "invalid_warehouses"},
      {R"({"warehouses": [{"id": "", "latitude": 1, "longitude": 1}]})", "invalid_warehouses"},
      {R"({"warehouses": [{"id": "x", "latitude": "n", "longitude": 1}]})", "invalid_latitude"},
      {R"({"depots": []})", "invalid_depots"},
  };
  for (const auto& [body, code] : warehouse_cases) {
    auto r = Call("PUT", "/v1/warehouses", body);
    EXPECT_EQ(r.status, 400) << body << " -> " << r.body;
    EXPECT_EQ(JsonBody(r.body).String("/error/code"), code) << body << " -> " << r.body;
  }
  EXPECT_EQ(JsonBody(Call("GET", "/v1/warehouses").body).Size("/warehouses"), 2u);
  auto huge = Call("PUT", "/v1/inventory/tv1",
                   R"({"warehouses": [)" + std::string(2 << 20, ' ') + "]}");
  EXPECT_EQ(huge.status, 413);
}

TEST_F(InventoryRoutes, TheRealBestBuyStoresLoadAsWarehouses) {
  AISLE_REQUIRE_SHARED_DATA(path, "catalogs/bestbuy-stores.json");
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  simdjson::dom::parser parser;
  simdjson::dom::array stores;
  ASSERT_FALSE(parser.parse(text.str()).get_array().get(stores));
  std::string body = R"({"warehouses": [)";
  size_t count = 0;
  for (simdjson::dom::element store : stores) {
    int64_t id = 0;
    double lat = 0, lon = 0;
    std::string_view name;
    ASSERT_FALSE(store["id"].get_int64().get(id));
    ASSERT_FALSE(store["location"]["lat"].get_double().get(lat));
    ASSERT_FALSE(store["location"]["lon"].get_double().get(lon));
    ASSERT_FALSE(store["name"].get_string().get(name));
    JsonWriter w;
    w.BeginObject().Key("id").String(absl::StrCat("bby-", id)).Key("name").String(name);
    w.Key("latitude").Double(lat).Key("longitude").Double(lon).EndObject();
    absl::StrAppend(&body, count++ ? "," : "", w.Take());
  }
  body += "]}";
  EXPECT_EQ(count, 1565u);
  auto r = Call("PUT", "/v1/warehouses", body);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonBody(r.body).Uint("/upserted"), 1565u);
  EXPECT_EQ(JsonBody(Call("GET", "/v1/warehouses").body).Size("/warehouses"), 1567u);
  ASSERT_EQ(Call("PUT", "/v1/inventory/tv1",
                 R"({"warehouses": [{"warehouseId": "bby-1000", "onHand": 2}]})")
                .status,
            200);
}

}  // namespace
}  // namespace aisle::server
