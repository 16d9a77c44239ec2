// InventoryStore over a real aisle.db: warehouses, stock, reservations
// (limits, extensions, lazy and swept expiry), Commit's all-or-nothing, and
// concurrent reservations that try to oversell.
#include "store/inventory_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/sqlite_internal.h"
#include "tests/store/store_test_util.h"
#include "tests/testing/status_expect.h"

namespace aisle::store {
namespace {

using ::aisle::testing::ExpectReason;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

constexpr int64_t kMinute = 60'000;

// Expects `status` to be a domain error with `code` whose message starts with
// `reason` (the contract server/ relies on).

class InventoryStoreTest : public testing::StoreTest {
 protected:
  // Deterministic ids ("r1", "r2", ...) that keep counting across Reopen.
  StoreOptions Options() const override {
    StoreOptions options = StoreTest::Options();
    options.id_generator = [counter = ids_] { return absl::StrCat("r", ++*counter); };
    return options;
  }

  InventoryStore& inventory() { return *store_->inventory(); }

  // Two warehouses, "sea" and "aus", holding `product` 3 and 5 units.
  void StockTwoWarehouses(const std::string& product) {
    AddWarehouses();
    SetStock(product, "aus", 5);
    SetStock(product, "sea", 3);
  }

  void AddWarehouses() {
    const absl::Status status =
        inventory()
            .UpsertWarehouses({{"sea", "Seattle", 47.6062, -122.3321, "us-west"},
                               {"aus", "Austin", 30.2672, -97.7431, "us-south"}})
            .get();
    ASSERT_TRUE(status.ok()) << status;
  }

  void SetStock(const std::string& product, const std::string& warehouse, int64_t on_hand) {
    const absl::Status status = inventory().SetStock(product, warehouse, on_hand).get();
    ASSERT_TRUE(status.ok()) << status;
  }

  ProductStock Stock(const std::string& product) {
    auto stock = inventory().GetStock(product, 0);
    EXPECT_TRUE(stock.ok()) << stock.status();
    return stock.ok() ? *stock : ProductStock{};
  }

  absl::StatusOr<Reservation> Reserve(const std::string& product, const std::string& user,
                                      int64_t quantity, int64_t ttl_ms = kDefaultReservationTtlMs) {
    return inventory()
        .Reserve({.product_id = product,
                  .user_id = user,
                  .cart_id = "cart-" + user,
                  .quantity = quantity,
                  .ttl_ms = ttl_ms})
        .get();
  }

  // A reservation that must succeed.
  Reservation MustReserve(const std::string& product, const std::string& user, int64_t quantity,
                          int64_t ttl_ms = kDefaultReservationTtlMs) {
    auto r = Reserve(product, user, quantity, ttl_ms);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : Reservation{};
  }

  std::optional<Reservation> Get(const std::string& id) {
    auto r = inventory().GetReservation(id, 0);
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? *r : std::nullopt;
  }

  ReservationStatus StatusOf(const std::string& id) {
    const auto r = Get(id);
    EXPECT_TRUE(r.has_value()) << id;
    return r ? r->status : ReservationStatus::kActive;
  }

  std::shared_ptr<std::atomic<int>> ids_ = std::make_shared<std::atomic<int>>(0);
};

// --- Warehouses and stock ---------------------------------------------------------

TEST_F(InventoryStoreTest, WarehousesAreUpsertedAndListedById) {
  AddWarehouses();
  ASSERT_TRUE(inventory().UpsertWarehouses({{"sea", "Seattle 2", 47.0, -122.0, ""}}).get().ok());
  ASSERT_TRUE(inventory().UpsertWarehouses({}).get().ok());
  const std::vector<Warehouse> expected = {{"aus", "Austin", 30.2672, -97.7431, "us-south"},
                                           {"sea", "Seattle 2", 47.0, -122.0, ""}};
  EXPECT_EQ(*inventory().ListWarehouses(), expected);
  Reopen();
  EXPECT_EQ(*inventory().ListWarehouses(), expected);
}

TEST_F(InventoryStoreTest, BadWarehousesAreRejectedAndNothingIsWritten) {
  const std::vector<std::pair<Warehouse, std::string>> cases = {
      {{"", "n", 0, 0, ""}, "id"},
      {{"w\xff", "n", 0, 0, ""}, "id"},
      {{"w", "n\xc3", 0, 0, ""}, "name"},
      {{"w", "n", 0, 0, "r\xff"}, "region"},
      {{"w", "n", 90.5, 0, ""}, "latitude"},
      {{"w", "n", -91, 0, ""}, "latitude"},
      {{"w", "n", std::nan(""), 0, ""}, "latitude"},
      {{"w", "n", 0, 180.01, ""}, "longitude"},
      {{"w", "n", 0, -181, ""}, "longitude"},
      {{"w", "n", 0, INFINITY, ""}, "longitude"},
  };
  for (const auto& [warehouse, field] : cases) {
    const absl::Status status =
        inventory().UpsertWarehouses({{"ok", "", 90, -180, ""}, warehouse}).get();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_EQ(ErrorField(status), field);
    EXPECT_THAT(std::string(status.message()), HasSubstr("warehouses[1]"));
  }
  EXPECT_THAT(*inventory().ListWarehouses(), IsEmpty());
}

TEST_F(InventoryStoreTest, StockIsPerWarehouseAndSummed) {
  StockTwoWarehouses("p1");
  ProductStock stock = Stock("p1");
  EXPECT_EQ(stock.product_id, "p1");
  EXPECT_THAT(stock.warehouses, ElementsAre(WarehouseStock{"aus", 5}, WarehouseStock{"sea", 3}));
  EXPECT_EQ(stock.on_hand_total, 8);
  EXPECT_EQ(stock.reserved, 0);
  EXPECT_EQ(stock.available, 8);

  SetStock("p1", "sea", 0);  // Replaces, and a zero row stays listed.
  stock = Stock("p1");
  EXPECT_THAT(stock.warehouses, ElementsAre(WarehouseStock{"aus", 5}, WarehouseStock{"sea", 0}));
  EXPECT_EQ(stock.available, 5);

  const ProductStock never = Stock("never-stocked");
  EXPECT_EQ(never.product_id, "never-stocked");
  EXPECT_THAT(never.warehouses, IsEmpty());
  EXPECT_EQ(never.on_hand_total, 0);
  EXPECT_EQ(never.available, 0);
}

TEST_F(InventoryStoreTest, SetStockErrors) {
  AddWarehouses();
  ExpectReason(inventory().SetStock("p1", "nowhere", 3).get(), absl::StatusCode::kNotFound,
               kWarehouseNotFoundReason);
  EXPECT_EQ(inventory().SetStock("p1", "sea", -1).get().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(inventory().SetStock("p1", "sea", kMaxUnits + 1).get().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(inventory().SetStock("", "sea", 1).get().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(inventory().SetStock("p1", "", 1).get().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(inventory().GetStock("", 0).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Stock("p1").on_hand_total, 0);
}

TEST_F(InventoryStoreTest, StockBelowReservedReadsAsZeroAvailable) {
  StockTwoWarehouses("p1");
  MustReserve("p1", "u1", 6);
  SetStock("p1", "aus", 1);  // 4 on hand, 6 reserved.
  const ProductStock stock = Stock("p1");
  EXPECT_EQ(stock.on_hand_total, 4);
  EXPECT_EQ(stock.reserved, 6);
  EXPECT_EQ(stock.available, 0);
  const auto refused = Reserve("p1", "u2", 1);
  ExpectReason(refused.status(), absl::StatusCode::kFailedPrecondition, kInsufficientStockReason);
  EXPECT_EQ(InsufficientStockAvailable(refused.status()), 0);
}

// --- Reserve ----------------------------------------------------------------------

TEST_F(InventoryStoreTest, ForEachAvailabilityListsEveryStockedProductNetOfReservations) {
  StockTwoWarehouses("p1");  // 8 units.
  SetStock("p2", "sea", 3);
  SetStock("p3", "aus", 0);
  MustReserve("p1", "u1", 3);
  MustReserve("p2", "u2", 2);
  MustReserve("p2", "u3", 1, /*ttl_ms=*/1);  // Expires at once: no longer counts.
  std::vector<std::pair<std::string, int64_t>> seen;
  const int64_t later = clock_.NowMillis() + 10;
  ASSERT_TRUE(inventory()
                  .ForEachAvailability(later,
                                       [&](const std::string& id, int64_t available) {
                                         seen.emplace_back(id, available);
                                         return absl::OkStatus();
                                       })
                  .ok());
  EXPECT_EQ(seen, (std::vector<std::pair<std::string, int64_t>>{{"p1", 5}, {"p2", 1}, {"p3", 0}}));
  // The callback's error stops the walk.
  int calls = 0;
  const absl::Status stopped = inventory().ForEachAvailability(later, [&](const std::string&,
                                                                          int64_t) {
    ++calls;
    return absl::CancelledError("enough");
  });
  EXPECT_EQ(stopped.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls, 1);
}

TEST_F(InventoryStoreTest, ReserveCreatesAnActiveReservationThatHoldsStock) {
  StockTwoWarehouses("p1");
  const int64_t now = clock_.NowMillis();
  const Reservation r = MustReserve("p1", "u1", 3);
  const Reservation expected{.id = "r1",
                             .product_id = "p1",
                             .user_id = "u1",
                             .cart_id = "cart-u1",
                             .quantity = 3,
                             .created_at_ms = now,
                             .expires_at_ms = now + 900'000,
                             .extensions = 0,
                             .status = ReservationStatus::kActive};
  EXPECT_EQ(r, expected);
  EXPECT_EQ(Get("r1"), expected);
  EXPECT_EQ(*inventory().GetReservation("unknown", 0), std::nullopt);
  EXPECT_THAT(*inventory().ListActiveReservations("u1", 0), ElementsAre(expected));
  EXPECT_THAT(*inventory().ListActiveReservations("u2", 0), IsEmpty());
  const ProductStock stock = Stock("p1");
  EXPECT_EQ(stock.on_hand_total, 8);
  EXPECT_EQ(stock.reserved, 3);
  EXPECT_EQ(stock.available, 5);
}

TEST_F(InventoryStoreTest, ReserveTakesAnExplicitNowAndTtl) {
  StockTwoWarehouses("p1");
  const auto r = inventory()
                     .Reserve({.product_id = "p1",
                               .user_id = "u1",
                               .quantity = 1,
                               .now_ms = 5'000,
                               .ttl_ms = 1'000})
                     .get();
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->created_at_ms, 5'000);
  EXPECT_EQ(r->expires_at_ms, 6'000);
  EXPECT_EQ(r->cart_id, "");
  EXPECT_EQ(inventory().GetStock("p1", 5'999)->reserved, 1);
  EXPECT_EQ(inventory().GetStock("p1", 6'000)->reserved, 0);
}

TEST_F(InventoryStoreTest, InsufficientStockCarriesTheAvailableCount) {
  StockTwoWarehouses("p1");
  MustReserve("p1", "u1", 6);
  const auto refused = Reserve("p1", "u2", 3);
  ExpectReason(refused.status(), absl::StatusCode::kFailedPrecondition, kInsufficientStockReason);
  EXPECT_EQ(InsufficientStockAvailable(refused.status()), 2);
  EXPECT_THAT(std::string(refused.status().message()), HasSubstr("available 2"));
  MustReserve("p1", "u2", 2);  // Exactly what is left.
  EXPECT_EQ(Stock("p1").available, 0);

  const auto nothing = Reserve("never-stocked", "u1", 1);
  ExpectReason(nothing.status(), absl::StatusCode::kFailedPrecondition, kInsufficientStockReason);
  EXPECT_EQ(InsufficientStockAvailable(nothing.status()), 0);
  EXPECT_EQ(InsufficientStockAvailable(absl::FailedPreconditionError("other")), std::nullopt);
}

TEST_F(InventoryStoreTest, BadReserveRequestsAreRejected) {
  StockTwoWarehouses("p1");
  const ReserveRequest good{.product_id = "p1", .user_id = "u1", .quantity = 1};
  const std::vector<std::pair<ReserveRequest, std::string>> cases = {
      {{.product_id = "", .user_id = "u1", .quantity = 1}, "product_id"},
      {{.product_id = "p\xff", .user_id = "u1", .quantity = 1}, "product_id"},
      {{.product_id = "p1", .user_id = "", .quantity = 1}, "user_id"},
      {{.product_id = "p1", .user_id = "u1", .cart_id = "c\xff", .quantity = 1}, "cart_id"},
      {{.product_id = "p1", .user_id = "u1", .quantity = 0}, "quantity"},
      {{.product_id = "p1", .user_id = "u1", .quantity = -2}, "quantity"},
      {{.product_id = "p1", .user_id = "u1", .quantity = kMaxUnits + 1}, "quantity"},
      {{.product_id = "p1", .user_id = "u1", .quantity = 1, .now_ms = -1}, "now_ms"},
      {{.product_id = "p1", .user_id = "u1", .quantity = 1, .ttl_ms = 0}, "ttl_ms"},
      {{.product_id = "p1", .user_id = "u1", .quantity = 1, .ttl_ms = kMaxReservationTtlMs + 1},
       "ttl_ms"},
      {{.product_id = "p1", .user_id = "u1", .quantity = 1, .max_active_per_user = 0},
       "max_active_per_user"},
  };
  for (const auto& [request, field] : cases) {
    const absl::Status status = inventory().Reserve(request).get().status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_EQ(ErrorField(status), field);
  }
  EXPECT_EQ(Stock("p1").reserved, 0);
  EXPECT_TRUE(inventory().Reserve(good).get().ok());
}

TEST_F(InventoryStoreTest, PerUserLimitAllowsTenActiveReservations) {
  AddWarehouses();
  SetStock("p1", "sea", 100);
  for (int i = 1; i <= 9; ++i) MustReserve("p1", "u1", 1);
  EXPECT_EQ(inventory().ListActiveReservations("u1", 0)->size(), 9u);
  MustReserve("p1", "u1", 1);  // The 10th.
  EXPECT_EQ(inventory().ListActiveReservations("u1", 0)->size(), 10u);
  const auto eleventh = Reserve("p1", "u1", 1);
  ExpectReason(eleventh.status(), absl::StatusCode::kResourceExhausted, kReservationLimitReason);
  EXPECT_EQ(Stock("p1").reserved, 10);
  MustReserve("p1", "u2", 1);  // Other users are not affected.
}

TEST_F(InventoryStoreTest, PerUserLimitCountsOnlyActiveUnexpiredReservations) {
  AddWarehouses();
  SetStock("p1", "sea", 100);
  const Reservation short_lived = MustReserve("p1", "u1", 1, kMinute);
  for (int i = 0; i < 9; ++i) MustReserve("p1", "u1", 1);
  ExpectReason(Reserve("p1", "u1", 1).status(), absl::StatusCode::kResourceExhausted,
               kReservationLimitReason);
  clock_.Advance(kMinute);  // short_lived expires (lazily: not swept).
  const Reservation tenth = MustReserve("p1", "u1", 1);
  ExpectReason(Reserve("p1", "u1", 1).status(), absl::StatusCode::kResourceExhausted,
               kReservationLimitReason);
  ASSERT_TRUE(inventory().Release(tenth.id).get().ok());
  MustReserve("p1", "u1", 1);
  // A custom limit.
  EXPECT_TRUE(
      inventory()
          .Reserve({.product_id = "p1", .user_id = "u3", .quantity = 1, .max_active_per_user = 1})
          .get()
          .ok());
  ExpectReason(
      inventory()
          .Reserve({.product_id = "p1", .user_id = "u3", .quantity = 1, .max_active_per_user = 1})
          .get()
          .status(),
      absl::StatusCode::kResourceExhausted, kReservationLimitReason);
  EXPECT_EQ(StatusOf(short_lived.id), ReservationStatus::kExpired);
}

TEST_F(InventoryStoreTest, StockIsCheckedBeforeTheUserLimit) {
  AddWarehouses();
  SetStock("p1", "sea", 10);
  for (int i = 0; i < 10; ++i) MustReserve("p1", "u1", 1);
  // Both fail; the seed reports the stock first.
  ExpectReason(Reserve("p1", "u1", 1).status(), absl::StatusCode::kFailedPrecondition,
               kInsufficientStockReason);
}

TEST_F(InventoryStoreTest, DuplicateGeneratedIdFailsWithoutHoldingStock) {
  AddWarehouses();
  SetStock("p1", "sea", 10);
  MustReserve("p1", "u1", 1);
  ids_->store(0);  // The generator repeats "r1".
  EXPECT_EQ(Reserve("p1", "u2", 4).status().code(), absl::StatusCode::kAlreadyExists);
  EXPECT_EQ(Stock("p1").reserved, 1);
}

TEST(InventoryStoreIdsTest, DefaultIdsAreRandom128BitHex) {
  aisle::testing::TempDir dir;
  auto store = Store::Open({.path = dir.Sub("aisle.db"), .synchronous = SyncMode::kNormal});
  ASSERT_TRUE(store.ok()) << store.status();
  InventoryStore& inventory = *(*store)->inventory();
  ASSERT_TRUE(inventory.UpsertWarehouses({{.id = "w"}}).get().ok());
  ASSERT_TRUE(inventory.SetStock("p", "w", 100).get().ok());
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    auto r = inventory.Reserve({.product_id = "p", .user_id = absl::StrCat("u", i), .quantity = 1})
                 .get();
    ASSERT_TRUE(r.ok()) << r.status();
    EXPECT_EQ(r->id.size(), 32u);
    EXPECT_EQ(r->id.find_first_not_of("0123456789abcdef"), std::string::npos) << r->id;
    ids.insert(r->id);
  }
  EXPECT_EQ(ids.size(), 20u);
}

// --- Expiry -----------------------------------------------------------------------

TEST_F(InventoryStoreTest, ExpiryIsLazyOnRead) {
  StockTwoWarehouses("p1");
  const Reservation r = MustReserve("p1", "u1", 5, kMinute);
  clock_.Advance(kMinute - 1);
  EXPECT_EQ(Stock("p1").reserved, 5);
  EXPECT_EQ(StatusOf(r.id), ReservationStatus::kActive);
  clock_.Advance(1);  // expires_at_ms reached: no longer held, not yet swept.
  const ProductStock stock = Stock("p1");
  EXPECT_EQ(stock.reserved, 0);
  EXPECT_EQ(stock.available, 8);
  EXPECT_EQ(StatusOf(r.id), ReservationStatus::kExpired);
  EXPECT_THAT(*inventory().ListActiveReservations("u1", 0), IsEmpty());
  // Its units can be reserved again before any sweep.
  MustReserve("p1", "u2", 8);
  // The sweep then finds it still active on disk.
  const auto swept = inventory().ExpireDue(0, 100).get();
  ASSERT_TRUE(swept.ok()) << swept.status();
  EXPECT_EQ(swept->expired, 1);
  EXPECT_THAT(swept->product_ids, ElementsAre("p1"));
}

TEST_F(InventoryStoreTest, SweeperExpiresDueReservationsInBatches) {
  AddWarehouses();
  for (const char* p : {"p1", "p2", "p3"}) SetStock(p, "sea", 10);
  const Reservation a = MustReserve("p2", "u1", 1, 1 * kMinute);
  const Reservation b = MustReserve("p1", "u2", 2, 2 * kMinute);
  const Reservation c = MustReserve("p2", "u3", 3, 3 * kMinute);
  const Reservation d = MustReserve("p3", "u4", 4, 10 * kMinute);
  const Reservation released = MustReserve("p3", "u5", 1, 1 * kMinute);
  ASSERT_TRUE(inventory().Release(released.id).get().ok());

  auto none = inventory().ExpireDue(0, 10).get();
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_EQ(none->expired, 0);
  EXPECT_THAT(none->product_ids, IsEmpty());

  clock_.Advance(3 * kMinute);  // a, b and c are due (c exactly at its expiry).
  auto first = inventory().ExpireDue(0, 2).get();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->expired, 2);  // Oldest expiry first: a, b.
  EXPECT_THAT(first->product_ids, ElementsAre("p1", "p2"));
  auto second = inventory().ExpireDue(0, 2).get();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->expired, 1);
  EXPECT_THAT(second->product_ids, ElementsAre("p2"));
  EXPECT_EQ(inventory().ExpireDue(0, 2).get()->expired, 0);

  for (const Reservation& r : {a, b, c}) EXPECT_EQ(StatusOf(r.id), ReservationStatus::kExpired);
  EXPECT_EQ(StatusOf(d.id), ReservationStatus::kActive);
  EXPECT_EQ(StatusOf(released.id), ReservationStatus::kReleased);
  EXPECT_EQ(Stock("p2").reserved, 0);
  EXPECT_EQ(Stock("p3").reserved, 4);

  // A swept reservation cannot be extended, resized or committed; releasing
  // it is a no-op.
  ExpectReason(inventory().Extend({.reservation_id = a.id}).get().status(),
               absl::StatusCode::kFailedPrecondition, kReservationExpiredReason);
  ExpectReason(inventory().UpdateQuantity(a.id, 2, 0).get().status(),
               absl::StatusCode::kFailedPrecondition, kReservationExpiredReason);
  auto release = inventory().Release(a.id).get();
  ASSERT_TRUE(release.ok()) << release.status();
  EXPECT_EQ(release->status, ReservationStatus::kExpired);

  EXPECT_EQ(inventory().ExpireDue(0, 0).get().status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(inventory().ExpireDue(-1, 10).get().status().code(),
            absl::StatusCode::kInvalidArgument);
}

// --- Extend ------------------------------------------------------------------------

TEST_F(InventoryStoreTest, ExtendAllowsTwoExtensions) {
  StockTwoWarehouses("p1");
  const Reservation r = MustReserve("p1", "u1", 1);
  clock_.Advance(10 * kMinute);
  auto first = inventory().Extend({.reservation_id = r.id}).get();
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->expires_at_ms, clock_.NowMillis() + kDefaultReservationTtlMs);
  EXPECT_EQ(first->extensions, 1);
  clock_.Advance(10 * kMinute);
  auto second = inventory().Extend({.reservation_id = r.id}).get();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->expires_at_ms, clock_.NowMillis() + kDefaultReservationTtlMs);
  EXPECT_EQ(second->extensions, 2);
  EXPECT_EQ(Get(r.id), *second);

  const auto third = inventory().Extend({.reservation_id = r.id}).get();
  ExpectReason(third.status(), absl::StatusCode::kFailedPrecondition, kExtensionLimitReason);
  EXPECT_EQ(Get(r.id), *second);  // Unchanged.

  // A custom limit and ttl; an extension never shortens the hold.
  const Reservation other = MustReserve("p1", "u2", 1);
  auto shorter = inventory().Extend({.reservation_id = other.id, .ttl_ms = 1}).get();
  ASSERT_TRUE(shorter.ok()) << shorter.status();
  EXPECT_EQ(shorter->expires_at_ms, other.expires_at_ms);
  ExpectReason(inventory().Extend({.reservation_id = other.id, .max_extensions = 1}).get().status(),
               absl::StatusCode::kFailedPrecondition, kExtensionLimitReason);
}

TEST_F(InventoryStoreTest, ExtendErrors) {
  StockTwoWarehouses("p1");
  const Reservation expiring = MustReserve("p1", "u1", 1, kMinute);
  const Reservation released = MustReserve("p1", "u2", 1);
  ASSERT_TRUE(inventory().Release(released.id).get().ok());
  clock_.Advance(kMinute);
  ExpectReason(inventory().Extend({.reservation_id = expiring.id}).get().status(),
               absl::StatusCode::kFailedPrecondition, kReservationExpiredReason);
  ExpectReason(inventory().Extend({.reservation_id = released.id}).get().status(),
               absl::StatusCode::kFailedPrecondition, kReservationNotActiveReason);
  ExpectReason(inventory().Extend({.reservation_id = "nope"}).get().status(),
               absl::StatusCode::kNotFound, kReservationNotFoundReason);
  EXPECT_EQ(inventory().Extend({.reservation_id = ""}).get().status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(inventory().Extend({.reservation_id = "x", .ttl_ms = 0}).get().status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(inventory().Extend({.reservation_id = "x", .max_extensions = -1}).get().status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(StatusOf(expiring.id), ReservationStatus::kExpired);
}

// --- UpdateQuantity and Release ------------------------------------------------------------

TEST_F(InventoryStoreTest, UpdateQuantityRechecksAvailabilityForAnIncrease) {
  StockTwoWarehouses("p1");  // 8 units.
  const Reservation a = MustReserve("p1", "u1", 2);
  MustReserve("p1", "u2", 5);  // 1 left.
  auto grown = inventory().UpdateQuantity(a.id, 3, 0).get();
  ASSERT_TRUE(grown.ok()) << grown.status();
  EXPECT_EQ(grown->quantity, 3);
  EXPECT_EQ(grown->expires_at_ms, a.expires_at_ms);
  EXPECT_EQ(Stock("p1").available, 0);

  const auto refused = inventory().UpdateQuantity(a.id, 5, 0).get();
  ExpectReason(refused.status(), absl::StatusCode::kFailedPrecondition, kInsufficientStockReason);
  EXPECT_EQ(InsufficientStockAvailable(refused.status()), 0);
  EXPECT_EQ(Get(a.id)->quantity, 3);

  auto shrunk = inventory().UpdateQuantity(a.id, 1, 0).get();
  ASSERT_TRUE(shrunk.ok()) << shrunk.status();
  EXPECT_EQ(Stock("p1").reserved, 6);
  EXPECT_EQ(Stock("p1").available, 2);
  ASSERT_TRUE(inventory().UpdateQuantity(a.id, 1, 0).get().ok());  // Unchanged is fine.
}

TEST_F(InventoryStoreTest, UpdateQuantityErrors) {
  StockTwoWarehouses("p1");
  const Reservation r = MustReserve("p1", "u1", 2, kMinute);
  EXPECT_EQ(inventory().UpdateQuantity(r.id, 0, 0).get().status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(inventory().UpdateQuantity("", 1, 0).get().status().code(),
            absl::StatusCode::kInvalidArgument);
  ExpectReason(inventory().UpdateQuantity("nope", 1, 0).get().status(), absl::StatusCode::kNotFound,
               kReservationNotFoundReason);
  clock_.Advance(kMinute);
  ExpectReason(inventory().UpdateQuantity(r.id, 1, 0).get().status(),
               absl::StatusCode::kFailedPrecondition, kReservationExpiredReason);
}

TEST_F(InventoryStoreTest, ReleaseFreesStockAndIsIdempotent) {
  StockTwoWarehouses("p1");
  const Reservation r = MustReserve("p1", "u1", 8);
  EXPECT_EQ(Stock("p1").available, 0);
  auto released = inventory().Release(r.id).get();
  ASSERT_TRUE(released.ok()) << released.status();
  EXPECT_EQ(released->status, ReservationStatus::kReleased);
  EXPECT_EQ(Stock("p1").available, 8);
  auto again = inventory().Release(r.id).get();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, *released);
  ExpectReason(inventory().Release("nope").get().status(), absl::StatusCode::kNotFound,
               kReservationNotFoundReason);
  EXPECT_EQ(inventory().Release("").get().status().code(), absl::StatusCode::kInvalidArgument);
  ExpectReason(inventory().UpdateQuantity(r.id, 1, 0).get().status(),
               absl::StatusCode::kFailedPrecondition, kReservationNotActiveReason);
}

// --- Commit -------------------------------------------------------------------------

TEST_F(InventoryStoreTest, CommitConsumesStockPerWarehouse) {
  StockTwoWarehouses("p1");  // aus 5, sea 3.
  SetStock("p2", "sea", 2);
  const Reservation r1 = MustReserve("p1", "u1", 4);
  const Reservation r2 = MustReserve("p2", "u1", 2);
  const CommitRequest commit{.order_id = "o1",
                             .reservation_ids = {r1.id, r2.id},
                             .allocations = {{"p1", "sea", 3}, {"p1", "aus", 1}, {"p2", "sea", 2}}};
  const absl::Status status = inventory().Commit(commit).get();
  ASSERT_TRUE(status.ok()) << status;

  ProductStock p1 = Stock("p1");
  EXPECT_THAT(p1.warehouses, ElementsAre(WarehouseStock{"aus", 4}, WarehouseStock{"sea", 0}));
  EXPECT_EQ(p1.reserved, 0);
  EXPECT_EQ(p1.available, 4);
  EXPECT_EQ(Stock("p2").on_hand_total, 0);
  for (const Reservation& r : {r1, r2}) {
    const auto committed = Get(r.id);
    EXPECT_EQ(committed->status, ReservationStatus::kCommitted);
    EXPECT_EQ(committed->order_id, "o1");
  }
  EXPECT_THAT(*inventory().ListActiveReservations("u1", 0), IsEmpty());
  // A committed reservation is never expired or released.
  clock_.Advance(kDefaultReservationTtlMs);
  EXPECT_EQ(StatusOf(r1.id), ReservationStatus::kCommitted);
  EXPECT_EQ(inventory().ExpireDue(0, 10).get()->expired, 0);
  ExpectReason(inventory().Release(r1.id).get().status(), absl::StatusCode::kFailedPrecondition,
               kReservationNotActiveReason);

  // A retry of the same commit (lost acknowledgement) changes nothing.
  ASSERT_TRUE(inventory().Commit(commit).get().ok());
  p1 = Stock("p1");
  EXPECT_EQ(p1.on_hand_total, 4);
  // Another order cannot take them.
  CommitRequest other = commit;
  other.order_id = "o2";
  ExpectReason(inventory().Commit(other).get(), absl::StatusCode::kFailedPrecondition,
               kReservationNotActiveReason);
  EXPECT_EQ(Stock("p1").on_hand_total, 4);
}

TEST_F(InventoryStoreTest, CommitWithOneExpiredReservationChangesNothing) {
  StockTwoWarehouses("p1");
  const Reservation fresh = MustReserve("p1", "u1", 2);
  const Reservation stale = MustReserve("p1", "u1", 1, kMinute);
  clock_.Advance(kMinute);
  const absl::Status status = inventory()
                                  .Commit({.order_id = "o1",
                                           .reservation_ids = {fresh.id, stale.id},
                                           .allocations = {{"p1", "sea", 3}}})
                                  .get();
  ExpectReason(status, absl::StatusCode::kFailedPrecondition, kReservationExpiredReason);
  EXPECT_THAT(std::string(status.message()), HasSubstr(stale.id));
  EXPECT_EQ(Get(fresh.id)->status, ReservationStatus::kActive);
  EXPECT_EQ(Get(fresh.id)->order_id, "");
  const ProductStock stock = Stock("p1");
  EXPECT_THAT(stock.warehouses, ElementsAre(WarehouseStock{"aus", 5}, WarehouseStock{"sea", 3}));
  EXPECT_EQ(stock.reserved, 2);
}

TEST_F(InventoryStoreTest, CommitWithAWarehouseShortfallChangesNothing) {
  StockTwoWarehouses("p1");  // aus 5, sea 3.
  SetStock("p2", "sea", 1);
  const Reservation r1 = MustReserve("p1", "u1", 4);
  const Reservation r2 = MustReserve("p2", "u1", 1);
  // sea cannot give 4: the decrement already applied for p2 is rolled back.
  absl::Status status = inventory()
                            .Commit({.order_id = "o1",
                                     .reservation_ids = {r1.id, r2.id},
                                     .allocations = {{"p2", "sea", 1}, {"p1", "sea", 4}}})
                            .get();
  ExpectReason(status, absl::StatusCode::kFailedPrecondition, kInsufficientWarehouseStockReason);
  EXPECT_THAT(std::string(status.message()), HasSubstr("on hand 3, allocating 4"));
  // A warehouse with no stock row for the product.
  SetStock("p3", "sea", 1);
  const Reservation r3 = MustReserve("p3", "u2", 1);
  status =
      inventory()
          .Commit({.order_id = "o2", .reservation_ids = {r3.id}, .allocations = {{"p3", "aus", 1}}})
          .get();
  ExpectReason(status, absl::StatusCode::kFailedPrecondition, kInsufficientWarehouseStockReason);

  for (const Reservation& r : {r1, r2, r3}) EXPECT_EQ(StatusOf(r.id), ReservationStatus::kActive);
  EXPECT_THAT(Stock("p1").warehouses,
              ElementsAre(WarehouseStock{"aus", 5}, WarehouseStock{"sea", 3}));
  EXPECT_EQ(Stock("p2").on_hand_total, 1);
  EXPECT_EQ(Stock("p3").on_hand_total, 1);
}

TEST_F(InventoryStoreTest, CommitAllocationsMustMatchTheReservations) {
  StockTwoWarehouses("p1");
  SetStock("p2", "sea", 5);
  const Reservation r = MustReserve("p1", "u1", 4);
  const std::vector<std::vector<Allocation>> mismatches = {
      {},                                    // Nothing allocated.
      {{"p1", "aus", 3}},                    // Short.
      {{"p1", "aus", 4}, {"p1", "sea", 1}},  // Over: would eat others' reservations.
      {{"p1", "aus", 4}, {"p2", "sea", 1}},  // A product not reserved.
  };
  for (const auto& allocations : mismatches) {
    ExpectReason(
        inventory()
            .Commit({.order_id = "o1", .reservation_ids = {r.id}, .allocations = allocations})
            .get(),
        absl::StatusCode::kFailedPrecondition, kAllocationMismatchReason);
  }
  EXPECT_EQ(StatusOf(r.id), ReservationStatus::kActive);
  EXPECT_EQ(Stock("p1").on_hand_total, 8);
  EXPECT_EQ(Stock("p2").on_hand_total, 5);
}

TEST_F(InventoryStoreTest, BadCommitRequestsAreRejected) {
  StockTwoWarehouses("p1");
  const Reservation r = MustReserve("p1", "u1", 1);
  const std::vector<std::pair<CommitRequest, std::string>> cases = {
      {{.order_id = "", .reservation_ids = {r.id}, .allocations = {{"p1", "sea", 1}}}, "order_id"},
      {{.order_id = "o", .reservation_ids = {}, .allocations = {{"p1", "sea", 1}}},
       "reservation_ids"},
      {{.order_id = "o", .reservation_ids = {r.id, r.id}, .allocations = {{"p1", "sea", 1}}},
       "reservation_id"},
      {{.order_id = "o", .reservation_ids = {r.id}, .allocations = {{"p1", "", 1}}},
       "warehouse_id"},
      {{.order_id = "o", .reservation_ids = {r.id}, .allocations = {{"p1", "sea", 0}}}, "quantity"},
  };
  for (const auto& [request, field] : cases) {
    const absl::Status status = inventory().Commit(request).get();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << field;
    EXPECT_EQ(ErrorField(status), field);
  }
  ExpectReason(inventory()
                   .Commit({.order_id = "o",
                            .reservation_ids = {r.id, "nope"},
                            .allocations = {{"p1", "sea", 1}}})
                   .get(),
               absl::StatusCode::kNotFound, kReservationNotFoundReason);
  EXPECT_EQ(StatusOf(r.id), ReservationStatus::kActive);
}

// --- Durability and schema ----------------------------------------------------------

TEST_F(InventoryStoreTest, EverythingSurvivesReopen) {
  StockTwoWarehouses("p1");
  const Reservation active = MustReserve("p1", "u1", 1);
  const Reservation released = MustReserve("p1", "u1", 1);
  const Reservation committed = MustReserve("p1", "u2", 2);
  const Reservation extended = MustReserve("p1", "u3", 1);
  ASSERT_TRUE(inventory().Release(released.id).get().ok());
  ASSERT_TRUE(inventory()
                  .Commit({.order_id = "o1",
                           .reservation_ids = {committed.id},
                           .allocations = {{"p1", "aus", 2}}})
                  .get()
                  .ok());
  ASSERT_TRUE(inventory().Extend({.reservation_id = extended.id}).get().ok());
  const auto before = std::vector<std::optional<Reservation>>{Get(active.id), Get(released.id),
                                                              Get(committed.id), Get(extended.id)};
  const ProductStock stock_before = Stock("p1");

  // Every acknowledged write is already visible to an independent
  // connection, before the store is closed.
  {
    auto probe = internal::Connection::Open(dir_.Sub("aisle.db"),
                                            internal::Connection::Mode::kReadOnly, 1000);
    ASSERT_TRUE(probe.ok()) << probe.status();
    EXPECT_EQ(*(*probe)->QueryText("SELECT count(*) FROM reservations"), "4");
    EXPECT_EQ(*(*probe)->QueryText("SELECT sum(on_hand) FROM stock WHERE product_id = 'p1'"), "6");
  }

  Reopen();
  EXPECT_EQ(*inventory().ListWarehouses(),
            (std::vector<Warehouse>{{"aus", "Austin", 30.2672, -97.7431, "us-south"},
                                    {"sea", "Seattle", 47.6062, -122.3321, "us-west"}}));
  const ProductStock stock_after = Stock("p1");
  EXPECT_EQ(stock_after.warehouses, stock_before.warehouses);
  EXPECT_EQ(stock_after.reserved, stock_before.reserved);
  EXPECT_EQ(stock_after.available, stock_before.available);
  EXPECT_EQ(stock_after.on_hand_total, 6);
  EXPECT_EQ(stock_after.reserved, 2);
  const auto after = std::vector<std::optional<Reservation>>{Get(active.id), Get(released.id),
                                                             Get(committed.id), Get(extended.id)};
  EXPECT_EQ(after, before);
  EXPECT_EQ(after[2]->status, ReservationStatus::kCommitted);
  EXPECT_EQ(after[3]->extensions, 1);
  MustReserve("p1", "u4", 4);  // Ids keep flowing after a reopen.
}

TEST_F(InventoryStoreTest, SchemaRejectsRowsOutsideTheInvariants) {
  AddWarehouses();
  store_->Close();
  auto db = internal::Connection::Open(dir_.Sub("aisle.db"), internal::Connection::Mode::kReadWrite,
                                       1000);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE((*db)->Exec("PRAGMA foreign_keys = ON").ok());
  const char* bad[] = {
      "INSERT INTO stock VALUES ('p', 'sea', -1, 0)",
      "INSERT INTO stock VALUES ('p', 'nowhere', 1, 0)",
      "INSERT INTO warehouses VALUES ('w', '', 91, 0, '', 0)",
      "INSERT INTO reservations VALUES ('r', 'p', 'u', '', 1, 'bogus', 0, 1, 0, NULL, 0)",
      "INSERT INTO reservations VALUES ('r', 'p', 'u', '', 0, 'active', 0, 1, 0, NULL, 0)",
      "INSERT INTO reservations VALUES ('r', 'p', 'u', '', 1, 'committed', 0, 1, 0, NULL, 0)",
      "INSERT INTO reservations VALUES ('r', 'p', 'u', '', 1, 'active', 0, 1, 0, 'o1', 0)",
  };
  for (const char* sql : bad) EXPECT_FALSE((*db)->Exec(sql).ok()) << sql;
  EXPECT_TRUE(
      (*db)
          ->Exec("INSERT INTO reservations VALUES ('r', 'p', 'u', '', 1, 'committed', 0, 1, 0, "
                 "'o1', 0)")
          .ok());
}

// --- Concurrency --------------------------------------------------------------------

TEST_F(InventoryStoreTest, ConcurrentReservationsNeverOversell) {
  constexpr int kUnits = 50;
  constexpr int kThreads = 32;
  AddWarehouses();
  SetStock("hot", "sea", 30);
  SetStock("hot", "aus", 20);

  std::atomic<int> succeeded{0};
  std::atomic<int> wrong_refusals{0};
  std::atomic<bool> done{false};
  std::atomic<int> bad_reads{0};
  std::atomic<int> reads{0};
  // Watches availability while the race runs: never negative, never more
  // held than exists.
  std::thread observer([&] {
    while (!done.load()) {
      auto stock = inventory().GetStock("hot", 0);
      if (!stock.ok() || stock->available < 0 || stock->reserved > kUnits ||
          stock->reserved + stock->available != kUnits) {
        bad_reads.fetch_add(1);
      }
      reads.fetch_add(1);
    }
  });
  std::vector<std::thread> shoppers;
  for (int t = 0; t < kThreads; ++t) {
    shoppers.emplace_back([&, t] {
      for (int n = 0;; ++n) {
        // A different user every time: only the stock can refuse.
        auto r = Reserve("hot", absl::StrCat("t", t, "-u", n), 1);
        if (r.ok()) {
          succeeded.fetch_add(1);
          continue;
        }
        if (r.status().code() != absl::StatusCode::kFailedPrecondition ||
            InsufficientStockAvailable(r.status()) != 0) {
          wrong_refusals.fetch_add(1);
        }
        return;
      }
    });
  }
  for (std::thread& shopper : shoppers) shopper.join();
  done.store(true);
  observer.join();

  EXPECT_EQ(succeeded.load(), kUnits);
  EXPECT_EQ(wrong_refusals.load(), 0);
  EXPECT_EQ(bad_reads.load(), 0) << "of " << reads.load() << " reads";
  const ProductStock stock = Stock("hot");
  EXPECT_EQ(stock.on_hand_total, kUnits);
  EXPECT_EQ(stock.reserved, kUnits);
  EXPECT_EQ(stock.available, 0);
  EXPECT_EQ(ids_->load(), kUnits);  // No id was drawn for a refused reservation.
}

TEST_F(InventoryStoreTest, ConcurrentReservationsOfOneUserStopAtTheLimit) {
  constexpr int kThreads = 16;
  AddWarehouses();
  SetStock("p1", "sea", 1000);
  std::atomic<int> succeeded{0};
  std::atomic<int> limited{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int n = 0; n < 3; ++n) {
        auto r = Reserve("p1", "greedy", 1);
        if (r.ok()) {
          succeeded.fetch_add(1);
        } else if (r.status().code() == absl::StatusCode::kResourceExhausted) {
          limited.fetch_add(1);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(succeeded.load(), kDefaultMaxActiveReservationsPerUser);
  EXPECT_EQ(limited.load(), kThreads * 3 - kDefaultMaxActiveReservationsPerUser);
  EXPECT_EQ(inventory().ListActiveReservations("greedy", 0)->size(),
            static_cast<size_t>(kDefaultMaxActiveReservationsPerUser));
}

}  // namespace
}  // namespace aisle::store
