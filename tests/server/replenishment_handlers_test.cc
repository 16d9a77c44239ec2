// Replenishment over HTTP: a real index and store in a temp dir, purchase
// events at known days of a fake clock, the real router and HTTP server on
// loopback. Every figure is computed by hand in the comments (z(0.95) =
// 1.6448536, sqrt(14) = 3.7416574; 14-day lead time, 25 % carrying cost,
// 50 per order, 90 days of history).
#include "server/replenishment_handlers.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/http_client.h"
#include "server/http_server.h"
#include "server/router.h"
#include "store/store.h"
#include "tests/server/app_fixture.h"  // JsonBody.
#include "tests/testing/test_util.h"

namespace aisle::server {
namespace {

constexpr int64_t kNow = 1'750'000'000'000;
constexpr int64_t kDay = commerce::kMillisPerDay;
constexpr int64_t kHour = 3'600'000;

Product MakeProduct(std::string id, double price, double cost) {
  Product p;
  p.id = std::move(id);
  p.title = "Product " + p.id;
  p.price = price;
  p.cost = cost;
  return p;
}

class ReplenishmentRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    index::IndexOptions index_options;
    index_options.path = dir_.Sub("index");
    auto index = index::ProductIndex::Open(index_options);
    ASSERT_TRUE(index.ok()) << index.status();
    index_ = std::move(*index);
    store::StoreOptions store_options;
    store_options.path = dir_.Sub("aisle.db");
    store_options.clock = &clock_;
    auto store = store::Store::Open(store_options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    routes_ = std::make_unique<ReplenishmentHandlers>(clock_, store_->inventory(),
                                                      store_->events(),
                                                      CatalogUnitCostLookup(index_.get()));
    routes_->Register(&router_);
    HttpServerOptions http;
    http.port = 0;
    http.io_threads = 1;
    http.blocking_threads = 2;
    auto server = HttpServer::Start(http, &router_);
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    HttpClientOptions client;
    client.port = server_->port();
    client_ = HttpClient::Create(client);

    // cost 0 is the catalog's "no cost".
    ASSERT_TRUE(index_
                    ->Upsert({MakeProduct("kettle", 35, 20), MakeProduct("toaster", 60, 0),
                              MakeProduct("mug", 9, 5), MakeProduct("vase", 30, 12),
                              MakeProduct("ghost", 10, 4)})
                    .ok());
    ASSERT_TRUE(store_->inventory()
                    ->UpsertWarehouses({{.id = "w1", .latitude = 44.85, .longitude = -93.24},
                                        {.id = "w2", .latitude = 33.43, .longitude = -111.9}})
                    .get()
                    .ok());
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (store_) store_->Close();
    if (index_) {
      EXPECT_TRUE(index_->Close().ok());
    }
  }

  void Stock(const std::string& product, const std::string& warehouse, int64_t on_hand) {
    const absl::Status s = store_->inventory()->SetStock(product, warehouse, on_hand).get();
    ASSERT_TRUE(s.ok()) << s;
  }

  // `units` events (purchases unless told) on each day from `first_back` to
  // `last_back` days before now, an hour into the day (the window's day
  // 90 - days_back), in one batch.
  void Buy(const std::string& product, int first_back, int last_back, int units,
           EventType type = EventType::kPurchase) {
    std::vector<Event> events;
    for (int d = first_back; d <= last_back; ++d) {
      for (int i = 0; i < units; ++i) {
        Event e;
        e.type = type;
        e.user_id = absl::StrCat("u", i);
        e.session_id = absl::StrCat("s", i);
        e.product_id = product;
        e.timestamp_ms = kNow - d * kDay + kHour;
        events.push_back(std::move(e));
      }
    }
    const absl::Status s = store_->events()->AppendEvents(std::move(events)).get();
    ASSERT_TRUE(s.ok()) << s;
  }

  // The catalog of the list tests:
  //   kettle   9 units on each of the last 10 days; on hand 25, 3 reserved
  //   toaster  2 units on each of the last 30 days, no cost; on hand 4
  //   mug      1 unit on each of the last 90 days; on hand 100
  //   vase     no purchases; on hand 5
  //   ghost    1 unit a day, never stocked
  void StockTheShop() {
    Buy("kettle", 1, 10, 9);
    Buy("toaster", 1, 30, 2);
    Buy("mug", 1, 90, 1);
    Buy("ghost", 1, 90, 1);
    Stock("kettle", "w1", 20);
    Stock("kettle", "w2", 5);
    auto held = store_->inventory()
                    ->Reserve({.product_id = "kettle", .user_id = "u", .quantity = 3})
                    .get();
    ASSERT_TRUE(held.ok()) << held.status();
    Stock("toaster", "w1", 4);
    Stock("mug", "w2", 100);
    Stock("vase", "w1", 5);
  }

  ClientResponse Get(const std::string& target) {
    auto response = client_->Send("GET", target, "", "application/json");
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : ClientResponse{};
  }

  static double Number(const JsonBody& body, const char* pointer) {
    double v = -1e300;
    EXPECT_EQ(body.root().at_pointer(pointer).get_double().get(v), simdjson::SUCCESS) << pointer;
    return v;
  }
  static bool Bool(const JsonBody& body, const char* pointer) {
    bool v = false;
    EXPECT_EQ(body.root().at_pointer(pointer).get_bool().get(v), simdjson::SUCCESS) << pointer;
    return v;
  }
  static bool IsNull(const JsonBody& body, const char* pointer) {
    simdjson::dom::element e;
    return body.root().at_pointer(pointer).get(e) == simdjson::SUCCESS && e.is_null();
  }
  static std::vector<std::string> Ids(const JsonBody& body) {
    std::vector<std::string> ids;
    for (size_t i = 0; i < body.Size("/products"); ++i) {
      ids.push_back(body.String(absl::StrCat("/products/", i, "/productId").c_str()));
    }
    return ids;
  }

  aisle::testing::TempDir dir_;
  FakeClock clock_{kNow};
  std::unique_ptr<index::ProductIndex> index_;
  std::unique_ptr<store::Store> store_;
  Router router_;
  std::unique_ptr<ReplenishmentHandlers> routes_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
};

TEST_F(ReplenishmentRoutes, ReorderPointAndEoqFromTheRecordedPurchases) {
  // 9 units on each of the last 10 days, none on the 80 before:
  //   mean 90 / 90 = 1; squared deviations 10 * 8^2 + 80 * 1^2 = 720;
  //   sample stddev sqrt(720 / 89) = 2.8442728
  //   lead-time demand 1 * 14 = 14
  //   safety stock 1.6448536 * 3.7416574 * 2.8442728 = 17.505016
  //   reorder point ceil(14 + 17.505016) = 32
  //   EOQ: D = 365, S = 50, H = 20 * 0.25 = 5: sqrt(2 * 365 * 50 / 5) =
  //   sqrt(7300) = 85.44 -> 86.
  Buy("kettle", 1, 10, 9);
  // Outside the window or not purchases: ignored.
  Buy("kettle", 91, 91, 50);
  Buy("kettle", 2, 2, 40, EventType::kView);
  Buy("kettle", 3, 3, 40, EventType::kCartAdd);
  Stock("kettle", "w1", 20);
  Stock("kettle", "w2", 5);
  auto held =
      store_->inventory()->Reserve({.product_id = "kettle", .user_id = "u", .quantity = 3}).get();
  ASSERT_TRUE(held.ok()) << held.status();

  auto r = Get("/v1/inventory/kettle/replenishment");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody body(r.body);
  EXPECT_EQ(body.String("/productId"), "kettle");
  EXPECT_EQ(body.Uint("/onHand"), 25u);
  EXPECT_EQ(body.Uint("/reserved"), 3u);
  EXPECT_EQ(body.Uint("/available"), 22u);
  EXPECT_EQ(body.Uint("/historyDays"), 90u);
  EXPECT_DOUBLE_EQ(Number(body, "/averageDailyDemand"), 1.0);
  EXPECT_NEAR(Number(body, "/demandStddev"), 2.8442728, 1e-6);
  EXPECT_DOUBLE_EQ(Number(body, "/annualDemand"), 365.0);
  EXPECT_EQ(Number(body, "/leadTimeDays"), 14);
  EXPECT_EQ(Number(body, "/serviceLevel"), 0.95);
  EXPECT_NEAR(Number(body, "/z"), 1.6448536, 1e-6);
  EXPECT_DOUBLE_EQ(Number(body, "/leadTimeDemand"), 14.0);
  EXPECT_NEAR(Number(body, "/safetyStock"), 17.505016, 1e-5);
  EXPECT_EQ(body.Uint("/reorderPoint"), 32u);
  EXPECT_EQ(Number(body, "/unitCost"), 20);
  EXPECT_EQ(Number(body, "/orderingCost"), 50);
  EXPECT_EQ(Number(body, "/carryingCostPercent"), 0.25);
  EXPECT_EQ(body.Uint("/economicOrderQuantity"), 86u);
  // Available 22 (25 on hand - 3 reserved) < 32: order the EOQ.
  EXPECT_EQ(Bool(body, "/belowReorderPoint"), true);
  EXPECT_EQ(body.Uint("/suggestedOrderQuantity"), 86u);
  EXPECT_DOUBLE_EQ(Number(body, "/daysOfCover"), 22.0);  // 22 / 1 a day.

  // Restocked to 32 = the reorder point (30 + 5 - 3): covered, nothing to order.
  Stock("kettle", "w1", 30);
  JsonBody covered(Get("/v1/inventory/kettle/replenishment").body);
  EXPECT_EQ(covered.Uint("/available"), 32u);
  EXPECT_FALSE(Bool(covered, "/belowReorderPoint"));
  EXPECT_EQ(covered.Uint("/suggestedOrderQuantity"), 0u);
  EXPECT_EQ(covered.Uint("/economicOrderQuantity"), 86u);

  // The window slides with the clock: 81 days later the busy days 1..9 are
  // 82..90 days old, still inside, and day 10 (91 days old) is out:
  // mean 81 / 90 = 0.9, lead-time demand 12.6.
  clock_.Advance(81 * kDay);
  JsonBody later(Get("/v1/inventory/kettle/replenishment").body);
  EXPECT_DOUBLE_EQ(Number(later, "/averageDailyDemand"), 0.9);
  EXPECT_NEAR(Number(later, "/leadTimeDemand"), 12.6, 1e-12);
}

TEST_F(ReplenishmentRoutes, UnknownCostLeavesTheEoqOpenButNotTheReorderPoint) {
  // 2 units on each of the last 30 days: mean 60 / 90 = 0.6667; squared
  // deviations 30 * (4/3)^2 + 60 * (2/3)^2 = 80; stddev sqrt(80 / 89) =
  // 0.9480909; lead-time demand 9.3333; safety stock 1.6448536 * 3.7416574 *
  // 0.9480909 = 5.8350054; reorder point ceil(15.168339) = 16.
  Buy("toaster", 1, 30, 2);
  Stock("toaster", "w1", 4);
  JsonBody body(Get("/v1/inventory/toaster/replenishment").body);
  EXPECT_NEAR(Number(body, "/demandStddev"), 0.9480909, 1e-6);
  EXPECT_NEAR(Number(body, "/safetyStock"), 5.8350054, 1e-6);
  EXPECT_EQ(body.Uint("/reorderPoint"), 16u);
  EXPECT_TRUE(IsNull(body, "/unitCost"));
  EXPECT_TRUE(IsNull(body, "/economicOrderQuantity"));
  EXPECT_EQ(Bool(body, "/belowReorderPoint"), true);
  EXPECT_TRUE(IsNull(body, "/suggestedOrderQuantity"));  // Below, but how much is unknown.
  EXPECT_DOUBLE_EQ(Number(body, "/daysOfCover"), 6.0);   // 4 / (2/3).
}

TEST_F(ReplenishmentRoutes, CatalogOrStockedProductsAnswerOthersAre404) {
  // In the catalog, never stocked, selling 1 a day: reorder point 14, 0
  // available. EOQ: D = 365, H = 4 * 0.25 = 1: sqrt(36500) = 191.05 -> 192.
  Buy("ghost", 1, 90, 1);
  auto r = Get("/v1/inventory/ghost/replenishment");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody ghost(r.body);
  EXPECT_EQ(ghost.Uint("/onHand"), 0u);
  EXPECT_EQ(ghost.Uint("/available"), 0u);
  EXPECT_EQ(Number(ghost, "/demandStddev"), 0);
  EXPECT_EQ(ghost.Uint("/reorderPoint"), 14u);
  EXPECT_EQ(ghost.Uint("/suggestedOrderQuantity"), 192u);
  EXPECT_DOUBLE_EQ(Number(ghost, "/daysOfCover"), 0.0);

  // Stocked but not in the catalog: replenished all the same, without a cost.
  Stock("orphan", "w1", 3);
  r = Get("/v1/inventory/orphan/replenishment");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody orphan(r.body);
  EXPECT_EQ(orphan.Uint("/available"), 3u);
  EXPECT_EQ(orphan.Uint("/reorderPoint"), 0u);  // No demand: never below.
  EXPECT_EQ(Bool(orphan, "/belowReorderPoint"), false);
  EXPECT_TRUE(IsNull(orphan, "/unitCost"));
  EXPECT_TRUE(IsNull(orphan, "/daysOfCover"));

  // Neither: 404, even with purchases recorded.
  Buy("nowhere", 1, 1, 5);
  r = Get("/v1/inventory/nowhere/replenishment");
  EXPECT_EQ(r.status, 404) << r.body;
  EXPECT_EQ(JsonBody(r.body).String("/error/code"), "product_not_found");
}

TEST_F(ReplenishmentRoutes, ListHoldsTheStockedProductsBelowTheirReorderPointMostUrgentFirst) {
  StockTheShop();
  // Below: toaster (4 < 16; 4 / 0.6667 = 6 days of cover) and kettle
  // (22 < 32; 22 days). Not below: mug (100 >= 14), vase (no demand).
  // ghost sells but was never stocked: not listed.
  auto r = Get("/v1/inventory/replenishment");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody below(r.body);
  EXPECT_EQ(Ids(below), (std::vector<std::string>{"toaster", "kettle"}));
  EXPECT_EQ(below.Uint("/total"), 2u);
  // The same fields as the single-product route.
  EXPECT_EQ(below.Uint("/products/1/onHand"), 25u);
  EXPECT_EQ(below.Uint("/products/1/reserved"), 3u);
  EXPECT_EQ(below.Uint("/products/1/reorderPoint"), 32u);
  EXPECT_EQ(below.Uint("/products/1/suggestedOrderQuantity"), 86u);
  EXPECT_TRUE(IsNull(below, "/products/0/suggestedOrderQuantity"));
  EXPECT_EQ(Get("/v1/inventory/replenishment?belowReorderPoint=true").body, r.body);

  JsonBody first(Get("/v1/inventory/replenishment?limit=1").body);
  EXPECT_EQ(Ids(first), (std::vector<std::string>{"toaster"}));
  EXPECT_EQ(first.Uint("/total"), 2u);

  // Every stocked product; no demand sorts last. mug: EOQ sqrt(2 * 365 * 50
  // / 1.25) = sqrt(29200) = 170.88 -> 171, not ordered.
  JsonBody all(Get("/v1/inventory/replenishment?belowReorderPoint=false&limit=10").body);
  EXPECT_EQ(Ids(all), (std::vector<std::string>{"toaster", "kettle", "mug", "vase"}));
  EXPECT_EQ(all.Uint("/total"), 4u);
  EXPECT_EQ(all.Uint("/products/2/reorderPoint"), 14u);
  EXPECT_EQ(all.Uint("/products/2/economicOrderQuantity"), 171u);
  EXPECT_EQ(all.Uint("/products/2/suggestedOrderQuantity"), 0u);
  EXPECT_TRUE(IsNull(all, "/products/3/daysOfCover"));

  // Restocking the toaster to its reorder point takes it off the list.
  Stock("toaster", "w2", 12);  // 4 + 12 = 16.
  EXPECT_EQ(Ids(JsonBody(Get("/v1/inventory/replenishment").body)),
            (std::vector<std::string>{"kettle"}));
}

TEST_F(ReplenishmentRoutes, ManyCandidatesKeepTheMostUrgentWithinTheLimit) {
  // 25 products selling 1 a day (reorder point 14), product i with i units:
  // days of cover i, so the first three are p00, p01, p02.
  for (int i = 0; i < 25; ++i) {
    const std::string id = absl::StrCat("p", i < 10 ? "0" : "", i);
    Buy(id, 1, 90, 1);
    Stock(id, "w1", i);
  }
  JsonBody top(Get("/v1/inventory/replenishment?limit=3").body);
  EXPECT_EQ(Ids(top), (std::vector<std::string>{"p00", "p01", "p02"}));
  EXPECT_EQ(top.Uint("/total"), 14u);  // Available 0..13 < 14.
}

TEST_F(ReplenishmentRoutes, BadQueriesAre400WithTheField) {
  for (const char* target :
       {"/v1/inventory/replenishment?limit=0", "/v1/inventory/replenishment?limit=1001",
        "/v1/inventory/replenishment?limit=abc", "/v1/inventory/replenishment?limit=-1",
        "/v1/inventory/replenishment?limit="}) {
    auto r = Get(target);
    EXPECT_EQ(r.status, 400) << target;
    JsonBody error(r.body);
    EXPECT_EQ(error.String("/error/code"), "invalid_limit") << target;
    EXPECT_EQ(error.String("/error/field"), "limit") << target;
  }
  auto r = Get("/v1/inventory/replenishment?belowReorderPoint=yes");
  EXPECT_EQ(r.status, 400);
  JsonBody bad(r.body);
  EXPECT_EQ(bad.String("/error/code"), "invalid_below_reorder_point");
  EXPECT_EQ(bad.String("/error/field"), "belowReorderPoint");
  r = Get("/v1/inventory/replenishment?below=true");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(JsonBody(r.body).String("/error/field"), "below");
  EXPECT_EQ(Get("/v1/inventory/replenishment?limit=1000").status, 200);
}

}  // namespace
}  // namespace aisle::server
