// The cart service over a real SQLite store, the real inventory service and
// quote book, and a fake clock: adding reserves, quantity changes resize the
// reservation (and what search sees), removing releases, quotes lock the
// price and the live price follows the catalog, merges at login add up, and
// expired lines are reported and reserved again.
#include "commerce/cart_service.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/store.h"
#include "tests/testing/test_util.h"
#include "tests/testing/status_expect.h"

namespace aisle::commerce {
namespace {

using ::aisle::testing::ExpectReason;

using ::testing::StartsWith;

constexpr int64_t kMinute = 60'000;

// Delegates to the real cart store; fails line and merge writes on demand
// (as a write whose job rolled back: nothing of it committed; the store's
// own tests cover that rollback).
class FlakyCartStore final : public store::CartStore {
 public:
  explicit FlakyCartStore(store::CartStore* real) : real_(real) {}
  bool fail_writes = false;
  int line_writes = 0;  // WriteLine calls.

  std::future<absl::StatusOr<store::CreatedCart>> CreateCart(std::string user_id,
                                                             int64_t now_ms) override {
    return real_->CreateCart(std::move(user_id), now_ms);
  }
  std::future<absl::StatusOr<store::LineWriteResult>> WriteLine(store::LineWrite write) override {
    ++line_writes;
    if (fail_writes) return Ready(absl::StatusOr<store::LineWriteResult>(Unavailable()));
    return real_->WriteLine(std::move(write));
  }
  std::future<absl::StatusOr<store::Cart>> SetCartUser(std::string cart_id, std::string user_id,
                                                       int64_t now_ms) override {
    return real_->SetCartUser(std::move(cart_id), std::move(user_id), now_ms);
  }
  std::future<absl::Status> MarkMerged(std::string source, std::string target,
                                       std::vector<store::CartLine> lines,
                                       int64_t now_ms) override {
    if (fail_writes) return Ready(Unavailable());
    return real_->MarkMerged(std::move(source), std::move(target), std::move(lines), now_ms);
  }
  absl::StatusOr<std::optional<store::CartContents>> GetCart(std::string_view cart_id,
                                                             int64_t now_ms) const override {
    return real_->GetCart(cart_id, now_ms);
  }
  absl::StatusOr<std::optional<store::Cart>> FindActiveCartOfUser(
      std::string_view user_id) const override {
    return real_->FindActiveCartOfUser(user_id);
  }

 private:
  static absl::Status Unavailable() { return absl::UnavailableError("disk on fire"); }
  template <typename T>
  static std::future<T> Ready(T value) {
    std::promise<T> promise;
    promise.set_value(std::move(value));
    return promise.get_future();
  }
  store::CartStore* real_;
};

class CartServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions options;
    options.path = dir_.Sub("aisle.db");
    options.synchronous = store::SyncMode::kNormal;
    options.clock = &clock_;
    auto store = store::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    flaky_ = std::make_unique<FlakyCartStore>(store_->carts());
    inventory_ = std::make_unique<InventoryService>(clock_, store_->inventory(),
                                                    [this](const auto& available) {
                                                      std::lock_guard lock(mu_);
                                                      for (const auto& [id, units] : available)
                                                        published_[id] = units;
                                                    });
    quotes_ = std::make_unique<QuoteBook>(clock_, QuoteBookOptions{.ttl_ms = 5 * kMinute});
    carts_ = std::make_unique<CartService>(
        clock_, flaky_.get(), inventory_.get(), quotes_.get(),
        [this](const std::string& id) -> absl::StatusOr<ProductPrice> {
          std::lock_guard lock(mu_);
          auto it = catalog_.find(id);
          if (it == catalog_.end()) return absl::NotFoundError("no such product");
          return it->second;
        });
    ASSERT_TRUE(inventory_->UpsertWarehouses({{"w1", "North", 45, -93, "us"}}).ok());
    SetProduct("p1", 19.99, 24.99, 10);
    SetProduct("p2", 5.00, 5.00, 10);
  }

  void SetProduct(const std::string& id, double price, double original, int64_t stock) {
    {
      std::lock_guard lock(mu_);
      catalog_[id] = {.price = price, .original_price = original, .title = "Product " + id};
    }
    ASSERT_TRUE(inventory_->SetStock(id, {{"w1", stock}}).ok());
  }
  void SetPrice(const std::string& id, double price) {
    std::lock_guard lock(mu_);
    catalog_[id].price = price;
  }
  int64_t Published(const std::string& id) {
    std::lock_guard lock(mu_);
    auto it = published_.find(id);
    return it == published_.end() ? -1 : it->second;
  }
  int64_t Available(const std::string& id) { return inventory_->Stock(id)->available; }

  CartView MustCreate(const std::string& user = "") {
    auto cart = carts_->CreateCart(user);
    EXPECT_TRUE(cart.ok()) << cart.status();
    return cart.ok() ? *cart : CartView{};
  }
  CartView MustAdd(const std::string& cart_id, const std::string& product, int64_t quantity,
                   const std::string& quote_id = "", const std::string& user = "") {
    auto cart = carts_->AddItem({.cart_id = cart_id,
                                 .product_id = product,
                                 .quantity = quantity,
                                 .quote_id = quote_id,
                                 .user_id = user});
    EXPECT_TRUE(cart.ok()) << cart.status();
    return cart.ok() ? *cart : CartView{};
  }
  CartView MustGet(const std::string& cart_id) {
    auto cart = carts_->GetCart(cart_id);
    EXPECT_TRUE(cart.ok()) << cart.status();
    return cart.ok() ? *cart : CartView{};
  }
  store::ReservationStatus ReservationStatusOf(const std::string& id) {
    auto r = inventory_->GetReservation(id);
    EXPECT_TRUE(r.ok() && r->has_value()) << id;
    return r.ok() && r->has_value() ? (*r)->status : store::ReservationStatus::kReleased;
  }

  testing::TempDir dir_;
  FakeClock clock_{1'750'000'000'000};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<FlakyCartStore> flaky_;
  std::unique_ptr<InventoryService> inventory_;
  std::unique_ptr<QuoteBook> quotes_;
  std::unique_ptr<CartService> carts_;
  std::mutex mu_;
  std::map<std::string, ProductPrice> catalog_;
  std::map<std::string, int64_t> published_;
};

TEST_F(CartServiceTest, MinorUnitsRoundToTheNearestCent) {
  EXPECT_EQ(*ToMinorUnits(19.99), 1999);
  EXPECT_EQ(*ToMinorUnits(0.125), 13);  // Halves round away from zero (llround).
  EXPECT_EQ(*ToMinorUnits(0.1 + 0.2), 30);
  EXPECT_EQ(*ToMinorUnits(0), 0);
  EXPECT_EQ(*ToMinorUnits(1e10), 1'000'000'000'000);
  EXPECT_FALSE(ToMinorUnits(-0.01).ok());
  EXPECT_FALSE(ToMinorUnits(1e10 + 1).ok());
  EXPECT_FALSE(ToMinorUnits(std::nan("")).ok());
}

TEST_F(CartServiceTest, AddingReservesAndAddingAgainGrowsTheLine) {
  const CartView empty = MustCreate();
  EXPECT_EQ(empty.cart.status, store::CartStatus::kActive);
  EXPECT_TRUE(empty.lines.empty());
  CartView cart = MustAdd(empty.cart.id, "p1", 2);
  ASSERT_EQ(cart.lines.size(), 1u);
  const CartLineView line = cart.lines[0];
  EXPECT_EQ(line.title, "Product p1");
  EXPECT_EQ(line.quantity, 2);
  EXPECT_EQ(line.unit_price_minor, 1999);
  EXPECT_EQ(line.original_price_minor, 2499);
  EXPECT_EQ(line.line_total_minor, 3998);
  EXPECT_EQ(line.price_source, PriceSource::kLive);
  EXPECT_TRUE(line.held());
  EXPECT_EQ(line.reservation_expires_at_ms, clock_.NowMillis() + 15 * kMinute);
  EXPECT_EQ(Published("p1"), 8);
  // An anonymous cart's reservations are its own.
  auto reservation = inventory_->GetReservation(line.reservation_id);
  ASSERT_TRUE(reservation.ok() && reservation->has_value());
  EXPECT_EQ((*reservation)->user_id, "cart:" + empty.cart.id);
  EXPECT_EQ((*reservation)->cart_id, empty.cart.id);

  cart = MustAdd(empty.cart.id, "p1", 3);
  ASSERT_EQ(cart.lines.size(), 1u);
  EXPECT_EQ(cart.lines[0].quantity, 5);
  EXPECT_EQ(cart.lines[0].reservation_id, line.reservation_id);  // Grown, not a second one.
  EXPECT_EQ(Published("p1"), 5);
  cart = MustAdd(empty.cart.id, "p2", 1);
  EXPECT_EQ(cart.item_count, 6);
  EXPECT_EQ(cart.subtotal_minor, 5 * 1999 + 500);
  // What the service answered is what a read sees.
  const CartView read = MustGet(empty.cart.id);
  ASSERT_EQ(read.lines.size(), 2u);
  EXPECT_EQ(read.lines[0].product_id, "p1");
  EXPECT_EQ(read.lines[0].quantity, 5);
  EXPECT_EQ(read.subtotal_minor, cart.subtotal_minor);
  EXPECT_EQ(read.cart.updated_at_ms, cart.cart.updated_at_ms);
}

TEST_F(CartServiceTest, ChangingTheQuantityResizesTheReservation) {
  const std::string id = MustCreate().cart.id;
  MustAdd(id, "p1", 4);
  auto changed = carts_->ChangeQuantity(id, "p1", 1);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(changed->lines[0].quantity, 1);
  EXPECT_EQ(Published("p1"), 9);
  EXPECT_EQ(Available("p1"), 9);

  // An increase the stock cannot cover leaves the line as it was.
  auto too_many = carts_->ChangeQuantity(id, "p1", 11);
  ExpectReason(too_many.status(), absl::StatusCode::kFailedPrecondition,
               store::kInsufficientStockReason);
  EXPECT_EQ(store::InsufficientStockAvailable(too_many.status()), 9);
  EXPECT_EQ(MustGet(id).lines[0].quantity, 1);
  EXPECT_EQ(Available("p1"), 9);

  changed = carts_->ChangeQuantity(id, "p1", 10);
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_EQ(Published("p1"), 0);
  EXPECT_EQ(MustGet(id).lines[0].quantity, 10);

  ExpectReason(carts_->ChangeQuantity(id, "p2", 1).status(), absl::StatusCode::kNotFound,
               kCartItemNotFoundReason);
  EXPECT_EQ(carts_->ChangeQuantity(id, "p1", 0).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CartServiceTest, RemovingReleases) {
  const std::string id = MustCreate().cart.id;
  const std::string reservation = MustAdd(id, "p1", 3).lines[0].reservation_id;
  MustAdd(id, "p2", 1);
  auto removed = carts_->RemoveItem(id, "p1");
  ASSERT_TRUE(removed.ok()) << removed.status();
  ASSERT_EQ(removed->lines.size(), 1u);
  EXPECT_EQ(removed->lines[0].product_id, "p2");
  EXPECT_EQ(Published("p1"), 10);
  EXPECT_EQ(ReservationStatusOf(reservation), store::ReservationStatus::kReleased);
  EXPECT_EQ(MustGet(id).lines.size(), 1u);
  ExpectReason(carts_->RemoveItem(id, "p1").status(), absl::StatusCode::kNotFound,
               kCartItemNotFoundReason);
}

TEST_F(CartServiceTest, AReservationFailureWritesNothing) {
  const std::string id = MustCreate().cart.id;
  auto refused = carts_->AddItem({.cart_id = id, .product_id = "p1", .quantity = 11});
  ExpectReason(refused.status(), absl::StatusCode::kFailedPrecondition,
               store::kInsufficientStockReason);
  EXPECT_EQ(store::InsufficientStockAvailable(refused.status()), 10);
  EXPECT_TRUE(MustGet(id).lines.empty());
  EXPECT_EQ(Available("p1"), 10);

  // The seed's limit: 10 active reservations per shopper.
  const std::string mine = MustCreate("u1").cart.id;
  for (int i = 0; i < 11; ++i) SetProduct(absl::StrCat("x", i), 1, 1, 5);
  for (int i = 0; i < 10; ++i) MustAdd(mine, absl::StrCat("x", i), 1);
  auto limited = carts_->AddItem({.cart_id = mine, .product_id = "x10", .quantity = 1});
  ExpectReason(limited.status(), absl::StatusCode::kResourceExhausted,
               store::kReservationLimitReason);
  EXPECT_EQ(MustGet(mine).lines.size(), 10u);
  EXPECT_EQ(Available("x10"), 5);
}

TEST_F(CartServiceTest, AFailedWriteHoldsNothing) {
  const std::string id = MustCreate().cart.id;
  MustAdd(id, "p1", 2);
  flaky_->fail_writes = true;
  // A new line: no reservation.
  EXPECT_EQ(carts_->AddItem({.cart_id = id, .product_id = "p2", .quantity = 4}).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(Available("p2"), 10);
  // A grown line: its reservation is unchanged.
  EXPECT_EQ(carts_->AddItem({.cart_id = id, .product_id = "p1", .quantity = 3}).status().code(),
            absl::StatusCode::kUnavailable);
  EXPECT_EQ(carts_->ChangeQuantity(id, "p1", 7).status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(carts_->RemoveItem(id, "p1").status().code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(Available("p1"), 8);
  flaky_->fail_writes = false;
  const CartView cart = MustGet(id);
  ASSERT_EQ(cart.lines.size(), 1u);
  EXPECT_EQ(cart.lines[0].quantity, 2);
  EXPECT_TRUE(cart.lines[0].held());
}

TEST_F(CartServiceTest, EveryCartWriteIsOneCommit) {
  const std::string id = MustCreate().cart.id;
  auto commits = [&] { return store_->Stats().commits; };
  auto jobs = [&] { return store_->Stats().write_jobs; };
  uint64_t before = commits();
  const uint64_t jobs_before = jobs();
  MustAdd(id, "p1", 2);  // A new line and its reservation.
  EXPECT_EQ(commits(), before + 1);
  EXPECT_EQ(jobs(), jobs_before + 1);
  EXPECT_EQ(Published("p1"), 8);
  before = commits();
  MustAdd(id, "p1", 1);  // Grows both.
  EXPECT_EQ(commits(), before + 1);
  before = commits();
  ASSERT_TRUE(carts_->ChangeQuantity(id, "p1", 5).ok());
  EXPECT_EQ(commits(), before + 1);
  EXPECT_EQ(Published("p1"), 5);
  before = commits();
  ASSERT_TRUE(carts_->RemoveItem(id, "p1").ok());
  EXPECT_EQ(commits(), before + 1);
  EXPECT_EQ(Published("p1"), 10);
  // A refused reservation is one job too, rolled back to its savepoint (its
  // group still COMMITs, with nothing of it).
  const uint64_t failed = store_->Stats().failed_jobs;
  EXPECT_FALSE(carts_->AddItem({.cart_id = id, .product_id = "p1", .quantity = 11}).ok());
  EXPECT_EQ(store_->Stats().failed_jobs, failed + 1);
  EXPECT_EQ(Available("p1"), 10);
  EXPECT_EQ(flaky_->line_writes, 5);
}

TEST_F(CartServiceTest, AFailedMergeWriteGivesTheStockBack) {
  const std::string mine = MustCreate("u1").cart.id;
  MustAdd(mine, "p1", 2);
  const std::string anonymous = MustCreate().cart.id;
  MustAdd(anonymous, "p1", 3);
  EXPECT_EQ(Available("p1"), 5);
  flaky_->fail_writes = true;
  EXPECT_EQ(carts_->MergeCarts(anonymous, "u1").status().code(), absl::StatusCode::kUnavailable);
  flaky_->fail_writes = false;
  // The user's reservation shrank back; the anonymous one stays released
  // (its line now reads as not held: re-adding reserves it again).
  EXPECT_EQ(MustGet(mine).lines[0].quantity, 2);
  EXPECT_EQ(Available("p1"), 8);
  EXPECT_EQ(MustGet(anonymous).cart.status, store::CartStatus::kActive);
}

TEST_F(CartServiceTest, AQuoteLocksThePriceWhileTheLivePriceMoves) {
  const std::string id = MustCreate("u1").cart.id;
  const Quote quote = *quotes_->Issue("p1", "u1", 17.50, 24.99);
  CartView cart = MustAdd(id, "p1", 1, quote.id);
  EXPECT_EQ(cart.lines[0].unit_price_minor, 1750);
  EXPECT_EQ(cart.lines[0].price_source, PriceSource::kQuote);
  EXPECT_EQ(cart.lines[0].quote_id, quote.id);
  MustAdd(id, "p2", 2);  // No quote: the live price.

  SetPrice("p1", 21.00);
  SetPrice("p2", 6.25);
  cart = MustGet(id);
  EXPECT_EQ(cart.lines[0].unit_price_minor, 1750);  // Locked.
  EXPECT_EQ(cart.lines[1].unit_price_minor, 625);   // Follows the catalog.
  EXPECT_EQ(cart.lines[1].line_total_minor, 1250);
  EXPECT_EQ(cart.subtotal_minor, 1750 + 1250);
  // Adding more keeps the lock while it lasts.
  EXPECT_EQ(MustAdd(id, "p1", 1).lines[0].unit_price_minor, 1750);

  // Once the quote expires, the line pays the current price.
  clock_.Advance(5 * kMinute);
  cart = MustGet(id);
  EXPECT_EQ(cart.lines[0].price_source, PriceSource::kLive);
  EXPECT_EQ(cart.lines[0].unit_price_minor, 2100);
  EXPECT_EQ(cart.lines[0].line_total_minor, 4200);
  EXPECT_TRUE(cart.lines[0].held());  // The reservation (15 min) outlives the quote.
}

TEST_F(CartServiceTest, AQuoteThatDoesNotValidateGivesTheCurrentPrice) {
  const std::string id = MustCreate("u1").cart.id;
  const Quote expired = *quotes_->Issue("p1", "u1", 1.00, 1.00);
  const Quote someone_elses = *quotes_->Issue("p2", "u2", 1.00, 1.00);
  clock_.Advance(5 * kMinute);
  CartView cart = MustAdd(id, "p1", 1, expired.id);
  EXPECT_EQ(cart.lines[0].unit_price_minor, 1999);
  EXPECT_EQ(cart.lines[0].price_source, PriceSource::kLive);
  cart = MustAdd(id, "p2", 1, someone_elses.id);
  EXPECT_EQ(cart.lines[1].unit_price_minor, 500);
  cart = MustAdd(id, "p2", 1, "q-never-issued");
  EXPECT_EQ(cart.lines[1].unit_price_minor, 500);
  EXPECT_EQ(cart.lines[1].price_source, PriceSource::kLive);
  // A quote for the wrong product does not apply either.
  const Quote for_p2 = *quotes_->Issue("p2", "u1", 0.10, 5.00);
  EXPECT_EQ(MustAdd(id, "p1", 1, for_p2.id).lines[0].unit_price_minor, 1999);
  // An anonymous shopper's quote validates against the anonymous cart.
  const std::string anonymous = MustCreate().cart.id;
  const Quote anonymous_quote = *quotes_->Issue("p1", "", 15.00, 19.99);
  EXPECT_EQ(MustAdd(anonymous, "p1", 1, anonymous_quote.id).lines[0].unit_price_minor, 1500);
}

TEST_F(CartServiceTest, MergeAtLoginAddsQuantitiesAndReleasesTheAnonymousHold) {
  const std::string mine = MustCreate("u1").cart.id;
  const std::string kept_reservation = MustAdd(mine, "p1", 2).lines[0].reservation_id;
  const std::string anonymous = MustCreate().cart.id;
  const std::string anonymous_p1 = MustAdd(anonymous, "p1", 3).lines[0].reservation_id;
  const std::string moved_p2 = MustAdd(anonymous, "p2", 1).lines[1].reservation_id;
  EXPECT_EQ(Available("p1"), 5);

  auto merged = carts_->MergeCarts(anonymous, "u1");
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->cart.id, mine);
  ASSERT_EQ(merged->lines.size(), 2u);
  EXPECT_EQ(merged->lines[0].product_id, "p1");
  EXPECT_EQ(merged->lines[0].quantity, 5);
  EXPECT_EQ(merged->lines[0].reservation_id, kept_reservation);
  EXPECT_EQ(merged->lines[1].product_id, "p2");
  EXPECT_EQ(merged->lines[1].reservation_id, moved_p2);
  EXPECT_EQ(merged->item_count, 6);
  EXPECT_EQ(ReservationStatusOf(anonymous_p1), store::ReservationStatus::kReleased);
  EXPECT_EQ(inventory_->GetReservation(kept_reservation)->value().quantity, 5);
  EXPECT_EQ(Available("p1"), 5);  // Nothing gained or lost.
  EXPECT_EQ(Published("p1"), 5);
  EXPECT_EQ(Available("p2"), 9);

  const CartView read = MustGet(mine);
  ASSERT_EQ(read.lines.size(), 2u);
  EXPECT_EQ(read.lines[0].quantity, 5);
  EXPECT_EQ(read.subtotal_minor, merged->subtotal_minor);
  const CartView source = MustGet(anonymous);
  EXPECT_EQ(source.cart.status, store::CartStatus::kMerged);
  EXPECT_EQ(source.cart.merged_into, mine);
  EXPECT_TRUE(source.lines.empty());

  // A retried login answers the same; the merged cart is frozen.
  auto again = carts_->MergeCarts(anonymous, "u1");
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->cart.id, mine);
  EXPECT_EQ(again->item_count, 6);
  ExpectReason(carts_->AddItem({.cart_id = anonymous, .product_id = "p1", .quantity = 1}).status(),
               absl::StatusCode::kFailedPrecondition, store::kCartNotActiveReason);
  ExpectReason(carts_->MergeCarts(anonymous, "u2").status(), absl::StatusCode::kFailedPrecondition,
               store::kCartNotActiveReason);
}

TEST_F(CartServiceTest, MergeWhenStockIsTightKeepsEveryUnitHeld) {
  SetProduct("p3", 3.00, 3.00, 4);
  const std::string mine = MustCreate("u1").cart.id;
  MustAdd(mine, "p3", 2);
  const std::string anonymous = MustCreate().cart.id;
  MustAdd(anonymous, "p3", 2);
  EXPECT_EQ(Available("p3"), 0);
  auto merged = carts_->MergeCarts(anonymous, "u1");
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->lines[0].quantity, 4);
  EXPECT_TRUE(merged->lines[0].held());
  EXPECT_EQ(Available("p3"), 0);
}

TEST_F(CartServiceTest, ALoginWithoutACartTakesTheAnonymousOne) {
  const std::string anonymous = MustCreate().cart.id;
  MustAdd(anonymous, "p1", 1);
  auto merged = carts_->MergeCarts(anonymous, "u9");
  ASSERT_TRUE(merged.ok()) << merged.status();
  EXPECT_EQ(merged->cart.id, anonymous);
  EXPECT_EQ(merged->cart.user_id, "u9");
  EXPECT_EQ(merged->lines.size(), 1u);
  bool created = true;
  EXPECT_EQ(carts_->CreateCart("u9", &created)->cart.id, anonymous);
  EXPECT_FALSE(created);
  // Someone else's cart cannot be merged into yours.
  ExpectReason(carts_->MergeCarts(anonymous, "u10").status(), absl::StatusCode::kPermissionDenied,
               store::kCartUserMismatchReason);
}

TEST_F(CartServiceTest, AnExpiredLineIsReportedAndReservedAgain) {
  const std::string id = MustCreate().cart.id;
  const std::string first = MustAdd(id, "p1", 2).lines[0].reservation_id;
  MustAdd(id, "p2", 1);
  clock_.Advance(16 * kMinute);
  CartView cart = MustGet(id);
  ASSERT_EQ(cart.lines.size(), 2u);  // Not silently dropped.
  EXPECT_FALSE(cart.lines[0].held());
  EXPECT_EQ(cart.lines[0].reservation_status, store::ReservationStatus::kExpired);
  EXPECT_EQ(cart.unheld_lines, 2u);
  EXPECT_EQ(cart.item_count, 3);
  EXPECT_EQ(Available("p1"), 10);

  cart = MustAdd(id, "p1", 1);
  EXPECT_EQ(cart.lines[0].quantity, 3);
  EXPECT_TRUE(cart.lines[0].held());
  EXPECT_NE(cart.lines[0].reservation_id, first);
  EXPECT_EQ(Available("p1"), 7);
  EXPECT_EQ(cart.unheld_lines, 1u);
  auto changed = carts_->ChangeQuantity(id, "p2", 1);  // Same quantity, but not held: reserve.
  ASSERT_TRUE(changed.ok()) << changed.status();
  EXPECT_TRUE(changed->lines[1].held());
  EXPECT_EQ(Available("p2"), 9);
  // Removing a line whose hold lapsed is fine too.
  clock_.Advance(16 * kMinute);
  ASSERT_TRUE(carts_->RemoveItem(id, "p1").ok());
}

TEST_F(CartServiceTest, ALineAnOrderCommittedIsNeverHeldTwice) {
  const std::string id = MustCreate().cart.id;
  const std::string reservation = MustAdd(id, "p1", 2).lines[0].reservation_id;
  ASSERT_TRUE(store_->inventory()
                  ->Commit({.order_id = "o1",
                            .reservation_ids = {reservation},
                            .allocations = {{"p1", "w1", 2}}})
                  .get()
                  .ok());
  EXPECT_FALSE(MustGet(id).lines[0].held());
  ExpectReason(carts_->AddItem({.cart_id = id, .product_id = "p1", .quantity = 1}).status(),
               absl::StatusCode::kFailedPrecondition, store::kReservationNotActiveReason);
  ExpectReason(carts_->ChangeQuantity(id, "p1", 1).status(), absl::StatusCode::kFailedPrecondition,
               store::kReservationNotActiveReason);
  ExpectReason(carts_->RemoveItem(id, "p1").status(), absl::StatusCode::kFailedPrecondition,
               store::kReservationNotActiveReason);
  EXPECT_EQ(Available("p1"), 8);
}

TEST_F(CartServiceTest, BadRequestsAreRefused) {
  const std::string id = MustCreate("u1").cart.id;
  ExpectReason(carts_->AddItem({.cart_id = id, .product_id = "nope", .quantity = 1}).status(),
               absl::StatusCode::kNotFound, kProductNotFoundReason);
  ExpectReason(carts_->AddItem({.cart_id = "nope", .product_id = "p1", .quantity = 1}).status(),
               absl::StatusCode::kNotFound, store::kCartNotFoundReason);
  ExpectReason(carts_->GetCart("nope").status(), absl::StatusCode::kNotFound,
               store::kCartNotFoundReason);
  for (int64_t quantity : {0, -1, 1001}) {
    EXPECT_EQ(
        carts_->AddItem({.cart_id = id, .product_id = "p1", .quantity = quantity}).status().code(),
        absl::StatusCode::kInvalidArgument);
  }
  EXPECT_EQ(carts_->AddItem({.cart_id = id, .product_id = "\xff", .quantity = 1}).status().code(),
            absl::StatusCode::kInvalidArgument);
  ExpectReason(
      carts_->AddItem({.cart_id = id, .product_id = "p1", .quantity = 1, .user_id = "u2"}).status(),
      absl::StatusCode::kPermissionDenied, store::kCartUserMismatchReason);
  SetProduct("big", 1, 1, 5000);
  MustAdd(id, "big", 600);
  ExpectReason(carts_->AddItem({.cart_id = id, .product_id = "big", .quantity = 401}).status(),
               absl::StatusCode::kFailedPrecondition, kQuantityLimitReason);
  EXPECT_EQ(MustGet(id).lines[0].quantity, 600);
}

}  // namespace
}  // namespace aisle::commerce
