#include "commerce/allocation.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <simdjson.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>
#include <ostream>
#include <string>
#include <vector>

#include "tests/testing/test_util.h"

namespace aisle::commerce {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Destination at (0, 0); warehouses on the equator `degrees` east of it are
// degrees * 111.19508 km away (R * pi / 180 per degree, see geo_test.cc).
constexpr LatLon kOrigin{0, 0};
const double kKmPerDegree = kEarthMeanRadiusKm * std::numbers::pi / 180;

WarehouseAvailability East(const std::string& id, double degrees, int64_t available) {
  return {id, {0, degrees}, available};
}

AllocationPlan Allocate(const std::vector<OrderLine>& lines, const InventorySnapshot& inventory,
                        LatLon destination = kOrigin) {
  auto plan = AllocateInventory(lines, inventory, destination);
  EXPECT_TRUE(plan.ok()) << plan.status();
  return plan.ok() ? *std::move(plan) : AllocationPlan{};
}

// {line, product, warehouse, quantity}; the distance is checked separately.
struct Taken {
  size_t line;
  std::string product_id;
  std::string warehouse_id;
  int64_t quantity;
  bool operator==(const Taken&) const = default;
};

std::vector<Taken> TakenOf(const AllocationPlan& plan) {
  std::vector<Taken> out;
  for (const Allocation& a : plan.allocations) {
    out.push_back({a.line, a.product_id, a.warehouse_id, a.quantity});
  }
  return out;
}

void PrintTo(const Taken& t, std::ostream* os) {
  *os << "{line " << t.line << ", " << t.product_id << " from " << t.warehouse_id << " x"
      << t.quantity << "}";
}

TEST(AllocateInventory, ClosestWarehouseServesASingleLine) {
  const InventorySnapshot inventory = {
      {"tv", {East("far", 3, 10), East("near", 1, 10), East("mid", 2, 10)}}};
  const AllocationPlan plan = Allocate({{"tv", 4, 499.0}}, inventory);
  ASSERT_TRUE(plan.complete());
  EXPECT_THAT(TakenOf(plan), ElementsAre(Taken{0, "tv", "near", 4}));
  EXPECT_NEAR(plan.allocations[0].distance_km, 111.19508, 1e-5);
}

TEST(AllocateInventory, SplitsALineAcrossWarehousesClosestFirst) {
  // 7 units: near has 3, mid 3, far 10 -> 3 + 3 + 1.
  const InventorySnapshot inventory = {
      {"tv", {East("far", 3, 10), East("mid", 2, 3), East("near", 1, 3)}}};
  const AllocationPlan plan = Allocate({{"tv", 7, 499.0}}, inventory);
  ASSERT_TRUE(plan.complete());
  EXPECT_THAT(TakenOf(plan), ElementsAre(Taken{0, "tv", "near", 3}, Taken{0, "tv", "mid", 3},
                                         Taken{0, "tv", "far", 1}));
  EXPECT_NEAR(plan.allocations[0].distance_km, 1 * kKmPerDegree, 1e-9);
  EXPECT_NEAR(plan.allocations[1].distance_km, 2 * kKmPerDegree, 1e-9);  // 222.39 km.
  EXPECT_NEAR(plan.allocations[2].distance_km, 3 * kKmPerDegree, 1e-9);  // 333.59 km.
}

TEST(AllocateInventory, DistanceIsToTheDestinationNotToTheOrigin) {
  // Shipping to (0, 3): "far" (0, 3) is 0 km away, "mid" 1 degree, "near" 2.
  const InventorySnapshot inventory = {
      {"tv", {East("far", 3, 2), East("mid", 2, 2), East("near", 1, 2)}}};
  const AllocationPlan plan = Allocate({{"tv", 3, 499.0}}, inventory, {0, 3});
  EXPECT_THAT(TakenOf(plan), ElementsAre(Taken{0, "tv", "far", 2}, Taken{0, "tv", "mid", 1}));
  EXPECT_EQ(plan.allocations[0].distance_km, 0);
}

TEST(AllocateInventory, HighValueLinesFirst) {
  // Different products do not compete, but the plan lists the pricier line
  // first: the seed's priority order is visible to fulfillment.
  const InventorySnapshot inventory = {{"cable", {East("w1", 1, 50)}},
                                       {"laptop", {East("w1", 1, 5)}},
                                       {"mouse", {East("w2", 2, 5)}}};
  const AllocationPlan plan =
      Allocate({{"cable", 3, 9.99}, {"laptop", 1, 1299.0}, {"mouse", 2, 25.0}}, inventory);
  EXPECT_THAT(TakenOf(plan), ElementsAre(Taken{1, "laptop", "w1", 1}, Taken{2, "mouse", "w2", 2},
                                         Taken{0, "cable", "w1", 3}));
}

TEST(AllocateInventory, TwoLinesOfOneProductShareItsStockPricierFirst) {
  // "near" holds 2, "far" 5. The 20.00 line (index 1) goes first and takes
  // near's 2; near is then empty, so the 10.00 line gets 2 from far; far
  // keeps 3. Neither line sees the units the other took.
  const InventorySnapshot inventory = {{"tv", {East("near", 1, 2), East("far", 2, 5)}}};
  const AllocationPlan plan = Allocate({{"tv", 2, 10.0}, {"tv", 2, 20.0}}, inventory);
  ASSERT_TRUE(plan.complete());
  EXPECT_THAT(TakenOf(plan), ElementsAre(Taken{1, "tv", "near", 2}, Taken{0, "tv", "far", 2}));
}

TEST(AllocateInventory, LinesOfOneProductExactlyExhaustItsStock) {
  // 3 + 4 = 7 = 2 (near) + 5 (far): the first line takes near's 2 and 1 of far.
  const InventorySnapshot inventory = {{"tv", {East("near", 1, 2), East("far", 2, 5)}}};
  const AllocationPlan plan = Allocate({{"tv", 3, 10.0}, {"tv", 4, 10.0}}, inventory);
  ASSERT_TRUE(plan.complete());
  EXPECT_THAT(TakenOf(plan), ElementsAre(Taken{0, "tv", "near", 2}, Taken{0, "tv", "far", 1},
                                         Taken{1, "tv", "far", 4}));
}

TEST(AllocateInventory, ShortOrderAllocatesNothingAndReportsEveryShortProduct) {
  const InventorySnapshot inventory = {
      {"a", {East("w1", 1, 2), East("w2", 2, 1)}},   // 3 of 5.
      {"b", {East("w1", 1, 10)}},                    // Enough.
      {"d", {East("w1", 1, 0), East("w2", 2, -4)}},  // Nothing; -4 counts as 0.
  };
  // c has no entry at all. The short lines come after a line that could be
  // served: the seed would already have reserved it, here nothing is taken.
  const AllocationPlan plan =
      Allocate({{"b", 2, 100.0}, {"a", 5, 50.0}, {"c", 1, 10.0}, {"d", 2, 5.0}}, inventory);
  EXPECT_FALSE(plan.complete());
  EXPECT_THAT(plan.allocations, IsEmpty());
  EXPECT_THAT(plan.shortfalls, ElementsAre(Shortfall{"a", 5, 3, 2}, Shortfall{"c", 1, 0, 1},
                                           Shortfall{"d", 2, 0, 2}));

  const absl::Status status = InsufficientInventoryError(plan);
  EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(std::string(status.message()),
            "insufficient_inventory: a short by 2 (requested 5, available 3); c short by 1 "
            "(requested 1, available 0); d short by 2 (requested 2, available 0)");
}

TEST(AllocateInventory, ShortfallSumsTheLinesOfAProduct) {
  // Each line alone fits (3 <= 5) but together they need 6 of 5.
  const InventorySnapshot inventory = {{"tv", {East("near", 1, 2), East("far", 2, 3)}}};
  const AllocationPlan plan = Allocate({{"tv", 3, 10.0}, {"tv", 3, 20.0}}, inventory);
  EXPECT_THAT(plan.allocations, IsEmpty());
  EXPECT_THAT(plan.shortfalls, ElementsAre(Shortfall{"tv", 6, 5, 1}));
}

TEST(AllocateInventory, CompletePlanIsOkStatus) {
  const AllocationPlan plan = Allocate({{"tv", 1, 1.0}}, {{"tv", {East("w", 1, 1)}}});
  EXPECT_TRUE(plan.complete());
  EXPECT_TRUE(InsufficientInventoryError(plan).ok());
}

TEST(AllocateInventory, EmptyOrderIsAnEmptyCompletePlan) {
  const AllocationPlan plan = Allocate({}, {});
  EXPECT_TRUE(plan.complete());
  EXPECT_THAT(plan.allocations, IsEmpty());
}

TEST(AllocateInventory, TiesAreBrokenDeterministically) {
  // "east" (0, 1) and "west" (0, -1) are both exactly 1 degree away: the
  // lower warehouse id wins, whatever the input order.
  const InventorySnapshot a = {{"tv", {East("west", -1, 1), East("east", 1, 1)}}};
  const InventorySnapshot b = {{"tv", {East("east", 1, 1), East("west", -1, 1)}}};
  EXPECT_EQ(GreatCircleKm(kOrigin, {0, 1}), GreatCircleKm(kOrigin, {0, -1}));
  for (const InventorySnapshot* inventory : {&a, &b}) {
    EXPECT_THAT(TakenOf(Allocate({{"tv", 1, 5.0}}, *inventory)),
                ElementsAre(Taken{0, "tv", "east", 1}));
  }

  // Equal prices: product id first, then input order.
  const InventorySnapshot shared = {{"p", {East("w", 1, 10)}}, {"q", {East("w", 1, 10)}}};
  EXPECT_THAT(TakenOf(Allocate({{"q", 1, 5.0}, {"p", 2, 5.0}, {"p", 3, 5.0}}, shared)),
              ElementsAre(Taken{1, "p", "w", 2}, Taken{2, "p", "w", 3}, Taken{0, "q", "w", 1}));
}

TEST(AllocateInventory, SameInputSamePlan) {
  const InventorySnapshot inventory = {
      {"a", {East("w3", 3, 4), East("w1", 1, 1), East("w2", 2, 2)}},
      {"b", {East("w2", 2, 3), East("w1", 1, 3)}}};
  const std::vector<OrderLine> lines = {{"a", 5, 30.0}, {"b", 4, 30.0}, {"a", 1, 40.0}};
  const AllocationPlan first = Allocate(lines, inventory);
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Allocate(lines, inventory).allocations, first.allocations);
  }
  // Hand-checked: line 2 (40.00) takes w1's 1 a; line 0 (a, 30.00) then 2
  // from w2 and 3 from w3; line 1 (b, 30.00) 3 from w1 and 1 from w2.
  EXPECT_THAT(TakenOf(first),
              ElementsAre(Taken{2, "a", "w1", 1}, Taken{0, "a", "w2", 2}, Taken{0, "a", "w3", 3},
                          Taken{1, "b", "w1", 3}, Taken{1, "b", "w2", 1}));
}

TEST(AllocateInventory, RejectsMalformedInput) {
  const InventorySnapshot inventory = {{"tv", {East("w", 1, 5)}}};
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  struct Case {
    std::vector<OrderLine> lines;
    InventorySnapshot inventory;
    LatLon destination;
    std::string field;
  };
  const Case cases[] = {
      {{{"tv", 0, 1.0}}, inventory, kOrigin, "lines[0].quantity"},
      {{{"tv", 1, 1.0}, {"tv", -1, 1.0}}, inventory, kOrigin, "lines[1].quantity"},
      {{{"tv", kMaxAllocationUnits + 1, 1.0}}, inventory, kOrigin, "lines[0].quantity"},
      {{{"", 1, 1.0}}, inventory, kOrigin, "lines[0].product_id"},
      {{{"tv", 1, nan}}, inventory, kOrigin, "lines[0].unit_price"},
      {{{"tv", 1, inf}}, inventory, kOrigin, "lines[0].unit_price"},
      {{{"tv", 1, -0.01}}, inventory, kOrigin, "lines[0].unit_price"},
      {{{"tv", 1, 1.0}}, inventory, {91, 0}, "destination"},
      {{{"tv", 1, 1.0}}, inventory, {0, nan}, "destination"},
      {{{"tv", 1, 1.0}},
       {{"tv", {East("w", 1, 1), East("w", 2, 1)}}},
       kOrigin,
       "inventory[tv][1].warehouse_id"},
      {{{"tv", 1, 1.0}}, {{"tv", {East("", 1, 1)}}}, kOrigin, "inventory[tv][0].warehouse_id"},
      {{{"tv", 1, 1.0}}, {{"tv", {{"w", {0, 200}, 1}}}}, kOrigin, "inventory[tv][0].location"},
      {{{"tv", 1, 1.0}},
       {{"tv", {East("w", 1, kMaxAllocationUnits + 1)}}},
       kOrigin,
       "inventory[tv][0].available"},
  };
  for (const Case& c : cases) {
    const auto plan = AllocateInventory(c.lines, c.inventory, c.destination);
    ASSERT_FALSE(plan.ok()) << c.field;
    EXPECT_EQ(plan.status().code(), absl::StatusCode::kInvalidArgument) << c.field;
    EXPECT_EQ(ErrorField(plan.status()), c.field);
  }
}

TEST(AllocateInventory, IgnoresInventoryOfProductsNotOrdered) {
  // A broken entry for another product is none of this order's business.
  const InventorySnapshot inventory = {{"tv", {East("w", 1, 5)}},
                                       {"radio", {East("", 1, 1), East("", 1, 1)}}};
  EXPECT_TRUE(AllocateInventory({{"tv", 1, 1.0}}, inventory, kOrigin).ok());
}

// The 1,565 real Best Buy store locations as warehouses.
std::vector<WarehouseAvailability> LoadStores(const std::string& path, int64_t available) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  std::vector<WarehouseAvailability> stores;
  if (auto error = parser.load(path).get(root); error) {
    ADD_FAILURE() << path << ": " << simdjson::error_message(error);
    return stores;
  }
  for (simdjson::dom::element store : root.get_array()) {
    int64_t id = 0;
    double lat = 0;
    double lon = 0;
    if (store["id"].get(id) || store["location"]["lat"].get(lat) ||
        store["location"]["lon"].get(lon)) {
      ADD_FAILURE() << "unexpected store record";
      continue;
    }
    stores.push_back({std::to_string(id), {lat, lon}, available});
  }
  return stores;
}

// Every allocated store must be at least as close as every store with stock
// that was not used (checked by brute force, independently of the sort).
void ExpectNearestServed(const AllocationPlan& plan,
                         const std::vector<WarehouseAvailability>& stores, LatLon destination) {
  double farthest_used = 0;
  std::vector<std::string> used;
  for (const Allocation& a : plan.allocations) {
    farthest_used = std::max(farthest_used, a.distance_km);
    used.push_back(a.warehouse_id);
  }
  for (const WarehouseAvailability& s : stores) {
    if (s.available <= 0 || std::find(used.begin(), used.end(), s.warehouse_id) != used.end()) {
      continue;
    }
    EXPECT_GE(GreatCircleKm(s.location, destination), farthest_used) << s.warehouse_id;
  }
}

TEST(AllocateInventory, RealStoresServeFromTheNearestStoreWithStock) {
  AISLE_REQUIRE_SHARED_DATA(path, "catalogs/bestbuy-stores.json");
  std::vector<WarehouseAvailability> stores = LoadStores(path, 1);
  ASSERT_EQ(stores.size(), 1565u);

  // Times Square, New York: the Times Square store (id 1908) is 0.35 km away,
  // Midtown Manhattan (1028) 0.62 km, Upper West Side (1448) 1.35 km.
  const LatLon times_square{40.7580, -73.9855};
  AllocationPlan plan = Allocate({{"tv", 3, 499.0}}, {{"tv", stores}}, times_square);
  EXPECT_THAT(TakenOf(plan), ElementsAre(Taken{0, "tv", "1908", 1}, Taken{0, "tv", "1028", 1},
                                         Taken{0, "tv", "1448", 1}));
  EXPECT_NEAR(plan.allocations[0].distance_km, 0.35, 0.01);
  ExpectNearestServed(plan, stores, times_square);

  // Shipping to the Mall of America store (1000) itself: 0 km.
  const LatLon mall_of_america{44.85466, -93.24565};
  plan = Allocate({{"tv", 1, 499.0}}, {{"tv", stores}}, mall_of_america);
  EXPECT_THAT(TakenOf(plan), ElementsAre(Taken{0, "tv", "1000", 1}));
  EXPECT_EQ(plan.allocations[0].distance_km, 0);

  // Without stock there, the next nearest are six airport stores sharing one
  // coordinate 2.49 km away: real ties, served in warehouse id order.
  for (WarehouseAvailability& s : stores) {
    if (s.warehouse_id == "1000") s.available = 0;
  }
  plan = Allocate({{"tv", 7, 499.0}}, {{"tv", stores}}, mall_of_america);
  ASSERT_EQ(plan.allocations.size(), 7u);
  const char* airport[] = {"8005", "8006", "8064", "8106", "8108", "8127"};
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(plan.allocations[i].warehouse_id, airport[i]);
    EXPECT_NEAR(plan.allocations[i].distance_km, 2.493, 0.001);
  }
  EXPECT_GT(plan.allocations[6].distance_km, plan.allocations[5].distance_km);
  ExpectNearestServed(plan, stores, mall_of_america);

  // More than the chain holds: nothing allocated, the exact shortfall.
  plan = Allocate({{"tv", 2000, 499.0}}, {{"tv", stores}}, mall_of_america);
  EXPECT_THAT(plan.allocations, IsEmpty());
  EXPECT_THAT(plan.shortfalls, ElementsAre(Shortfall{"tv", 2000, 1564, 436}));
}

}  // namespace
}  // namespace aisle::commerce
