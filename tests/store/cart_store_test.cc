// CartStore over a real aisle.db: carts (anonymous and per user, at most one
// active per user), lines joined with their reservations (lazy expiry),
// login hand-over and merge, frozen carts, and everything surviving a
// reopen.
#include "store/cart_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/store/store_test_util.h"

namespace aisle::store {
namespace {

using ::testing::StartsWith;

constexpr int64_t kMinute = 60'000;

void ExpectReason(const absl::Status& status, absl::StatusCode code, const char* reason) {
  EXPECT_EQ(status.code(), code) << status;
  EXPECT_THAT(std::string(status.message()), StartsWith(absl::StrCat(reason, ": "))) << status;
}

class CartStoreTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    ASSERT_TRUE(store_->inventory()->UpsertWarehouses({{"w1", "North", 45, -93, "us"}}).get().ok());
    for (const char* product : {"p1", "p2", "p3"}) {
      ASSERT_TRUE(store_->inventory()->SetStock(product, "w1", 100).get().ok());
    }
  }

  CartStore& carts() { return *store_->carts(); }

  Cart MustCreate(const std::string& user) {
    auto created = carts().CreateCart(user, 0).get();
    EXPECT_TRUE(created.ok()) << created.status();
    return created.ok() ? created->cart : Cart{};
  }

  std::string MustReserve(const std::string& product, int64_t quantity,
                          int64_t ttl_ms = kDefaultReservationTtlMs) {
    auto r =
        store_->inventory()
            ->Reserve(
                {.product_id = product, .user_id = "u1", .quantity = quantity, .ttl_ms = ttl_ms})
            .get();
    EXPECT_TRUE(r.ok()) << r.status();
    return r.ok() ? r->id : "";
  }

  CartLine Line(const std::string& product, int64_t quantity, const std::string& reservation,
                int64_t price_minor = 1999) {
    return CartLine{.product_id = product,
                    .quantity = quantity,
                    .reservation_id = reservation,
                    .unit_price_minor = price_minor,
                    .original_price_minor = price_minor + 500};
  }

  CartContents MustGet(const std::string& cart_id) {
    auto contents = carts().GetCart(cart_id, 0);
    EXPECT_TRUE(contents.ok()) << contents.status();
    EXPECT_TRUE(contents.ok() && contents->has_value()) << cart_id;
    return contents.ok() && contents->has_value() ? **contents : CartContents{};
  }
};

TEST_F(CartStoreTest, CartsAreAnonymousOrOnePerUser) {
  const Cart anonymous = MustCreate("");
  EXPECT_FALSE(anonymous.id.empty());
  EXPECT_EQ(anonymous.user_id, "");
  EXPECT_EQ(anonymous.status, CartStatus::kActive);
  EXPECT_EQ(anonymous.created_at_ms, clock_.NowMillis());
  EXPECT_NE(MustCreate("").id, anonymous.id);  // Anonymous carts never collide.

  const Cart mine = MustCreate("u1");
  auto again = carts().CreateCart("u1", 0).get();
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->cart, mine);
  auto found = carts().FindActiveCartOfUser("u1");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ(**found, mine);
  EXPECT_FALSE(carts().FindActiveCartOfUser("u2")->has_value());

  EXPECT_EQ(carts().CreateCart(std::string("\xff"), 0).get().status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(carts().GetCart("nope", 0)->has_value());
  EXPECT_EQ(carts().GetCart("", 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST_F(CartStoreTest, LinesAreUpsertedWithTheirReservationsAndRemoved) {
  const Cart cart = MustCreate("");
  const std::string r1 = MustReserve("p1", 2);
  ASSERT_TRUE(carts().UpsertLine(cart.id, Line("p1", 2, r1), 0).get().ok());
  const int64_t added = clock_.NowMillis();
  clock_.Advance(kMinute);
  const std::string r2 = MustReserve("p2", 1);
  ASSERT_TRUE(carts().UpsertLine(cart.id, Line("p2", 1, r2, 5), 0).get().ok());

  CartContents contents = MustGet(cart.id);
  EXPECT_EQ(contents.cart.updated_at_ms, clock_.NowMillis());
  ASSERT_EQ(contents.lines.size(), 2u);
  const CartLineState& first = contents.lines[0];
  EXPECT_EQ(first.line.product_id, "p1");  // Oldest first.
  EXPECT_EQ(first.line.quantity, 2);
  EXPECT_EQ(first.line.reservation_id, r1);
  EXPECT_EQ(first.line.unit_price_minor, 1999);
  EXPECT_EQ(first.line.original_price_minor, 2499);
  EXPECT_EQ(first.line.added_at_ms, added);
  EXPECT_TRUE(first.held());
  EXPECT_EQ(first.reservation_quantity, 2);
  EXPECT_EQ(first.reservation_expires_at_ms, added + kDefaultReservationTtlMs);

  // Replacing a line keeps when it was added.
  clock_.Advance(kMinute);
  CartLine changed = Line("p1", 5, r1, 1899);
  changed.quote_id = "q1";
  changed.quote_expires_at_ms = clock_.NowMillis() + kMinute;
  ASSERT_TRUE(carts().UpsertLine(cart.id, changed, 0).get().ok());
  contents = MustGet(cart.id);
  ASSERT_EQ(contents.lines.size(), 2u);
  EXPECT_EQ(contents.lines[0].line.quantity, 5);
  EXPECT_EQ(contents.lines[0].line.quote_id, "q1");
  EXPECT_EQ(contents.lines[0].line.quote_expires_at_ms, changed.quote_expires_at_ms);
  EXPECT_EQ(contents.lines[0].line.unit_price_minor, 1899);
  EXPECT_EQ(contents.lines[0].line.added_at_ms, added);
  EXPECT_EQ(contents.lines[0].line.updated_at_ms, clock_.NowMillis());

  auto removed = carts().RemoveLine(cart.id, "p2", 0).get();
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_TRUE(*removed);
  EXPECT_FALSE(*carts().RemoveLine(cart.id, "p2", 0).get());
  EXPECT_EQ(MustGet(cart.id).lines.size(), 1u);
}

TEST_F(CartStoreTest, BadLinesAndUnknownCartsAreRefused) {
  const Cart cart = MustCreate("");
  const std::string r1 = MustReserve("p1", 1);
  ExpectReason(carts().UpsertLine("nope", Line("p1", 1, r1), 0).get(), absl::StatusCode::kNotFound,
               kCartNotFoundReason);
  ExpectReason(carts().RemoveLine("nope", "p1", 0).get().status(), absl::StatusCode::kNotFound,
               kCartNotFoundReason);
  // The reservation must exist (a foreign key).
  EXPECT_EQ(carts().UpsertLine(cart.id, Line("p1", 1, "no-such-reservation"), 0).get().code(),
            absl::StatusCode::kFailedPrecondition);
  const CartLine bad[] = {Line("", 1, r1),
                          Line("p1", 0, r1),
                          Line("p1", 1, ""),
                          Line("p1", 1, r1, -1),
                          Line("p1", 1, r1, kMaxPriceMinor + 1),
                          Line("\xc3", 1, r1)};
  for (const CartLine& line : bad) {
    EXPECT_EQ(carts().UpsertLine(cart.id, line, 0).get().code(), absl::StatusCode::kInvalidArgument)
        << line.product_id << " " << line.quantity << " " << line.unit_price_minor;
  }
  EXPECT_TRUE(MustGet(cart.id).lines.empty());
}

TEST_F(CartStoreTest, LinesShowTheirReservationExpiredOrReleased) {
  const Cart cart = MustCreate("");
  const std::string short_hold = MustReserve("p1", 1, kMinute);
  const std::string long_hold = MustReserve("p2", 1);
  ASSERT_TRUE(carts().UpsertLine(cart.id, Line("p1", 1, short_hold), 0).get().ok());
  ASSERT_TRUE(carts().UpsertLine(cart.id, Line("p2", 1, long_hold), 0).get().ok());
  clock_.Advance(kMinute);  // now == expiry: no longer held (lazy, not swept).
  CartContents contents = MustGet(cart.id);
  EXPECT_EQ(contents.lines[0].reservation_status, ReservationStatus::kExpired);
  EXPECT_FALSE(contents.lines[0].held());
  EXPECT_TRUE(contents.lines[1].held());
  ASSERT_TRUE(store_->inventory()->Release(long_hold).get().ok());
  contents = MustGet(cart.id);
  EXPECT_EQ(contents.lines[1].reservation_status, ReservationStatus::kReleased);
}

TEST_F(CartStoreTest, LoginHandsTheAnonymousCartOverOrMergesIt) {
  const Cart first = MustCreate("");
  auto claimed = carts().SetCartUser(first.id, "u1", 0).get();
  ASSERT_TRUE(claimed.ok()) << claimed.status();
  EXPECT_EQ(claimed->user_id, "u1");
  EXPECT_EQ(carts().FindActiveCartOfUser("u1")->value().id, first.id);
  // Again: unchanged. By someone else: refused.
  EXPECT_TRUE(carts().SetCartUser(first.id, "u1", 0).get().ok());
  ExpectReason(carts().SetCartUser(first.id, "u2", 0).get().status(),
               absl::StatusCode::kPermissionDenied, kCartUserMismatchReason);

  // A second anonymous cart cannot become u1's: merge it instead.
  const Cart second = MustCreate("");
  const std::string r1 = MustReserve("p1", 1);
  const std::string r2 = MustReserve("p2", 3);
  ASSERT_TRUE(carts().UpsertLine(second.id, Line("p1", 1, r1), 0).get().ok());
  ASSERT_TRUE(carts().UpsertLine(second.id, Line("p2", 3, r2), 0).get().ok());
  ExpectReason(carts().SetCartUser(second.id, "u1", 0).get().status(),
               absl::StatusCode::kFailedPrecondition, kUserHasActiveCartReason);
  ASSERT_TRUE(carts()
                  .MarkMerged(second.id, first.id, {Line("p1", 1, r1), Line("p2", 3, r2)}, 0)
                  .get()
                  .ok());
  const CartContents source = MustGet(second.id);
  EXPECT_EQ(source.cart.status, CartStatus::kMerged);
  EXPECT_EQ(source.cart.merged_into, first.id);
  EXPECT_TRUE(source.lines.empty());
  EXPECT_EQ(MustGet(first.id).lines.size(), 2u);

  // A merged cart is frozen; merging needs two distinct active carts.
  ExpectReason(carts().UpsertLine(second.id, Line("p3", 1, r1), 0).get(),
               absl::StatusCode::kFailedPrecondition, kCartNotActiveReason);
  ExpectReason(carts().RemoveLine(second.id, "p1", 0).get().status(),
               absl::StatusCode::kFailedPrecondition, kCartNotActiveReason);
  ExpectReason(carts().SetCartUser(second.id, "u3", 0).get().status(),
               absl::StatusCode::kFailedPrecondition, kCartNotActiveReason);
  ExpectReason(carts().MarkMerged(second.id, first.id, {}, 0).get(),
               absl::StatusCode::kFailedPrecondition, kCartNotActiveReason);
  EXPECT_EQ(carts().MarkMerged(first.id, first.id, {}, 0).get().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CartStoreTest, CartsSurviveAReopen) {
  const Cart cart = MustCreate("u7");
  const std::string r1 = MustReserve("p3", 4);
  ASSERT_TRUE(carts().UpsertLine(cart.id, Line("p3", 4, r1, 123456), 0).get().ok());
  Reopen();
  const CartContents contents = MustGet(cart.id);
  EXPECT_EQ(contents.cart, cart);
  ASSERT_EQ(contents.lines.size(), 1u);
  EXPECT_EQ(contents.lines[0].line.unit_price_minor, 123456);
  EXPECT_EQ(contents.lines[0].reservation_quantity, 4);
  EXPECT_FALSE(carts().CreateCart("u7", 0).get()->created);
}

}  // namespace
}  // namespace aisle::store
