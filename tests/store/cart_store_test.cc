// CartStore over a real aisle.db: carts (anonymous and per user, at most one
// active per user), lines joined with their reservations (lazy expiry),
// lines written with their hold in one commit (all or nothing), login
// hand-over and merge, frozen carts, and everything surviving a reopen.
#include "store/cart_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/sqlite_internal.h"
#include "tests/store/store_test_util.h"
#include "tests/testing/status_expect.h"

namespace aisle::store {
namespace {

using ::aisle::testing::ExpectReason;

using ::testing::StartsWith;

constexpr int64_t kMinute = 60'000;

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

  // kNone: the line as given (its reservation taken beforehand).
  absl::Status Upsert(const std::string& cart_id, const CartLine& line) {
    return carts().WriteLine({.cart_id = cart_id, .line = line}).get().status();
  }
  absl::StatusOr<LineWriteResult> Remove(const std::string& cart_id, const std::string& product) {
    return carts()
        .WriteLine(
            {.cart_id = cart_id, .line = {.product_id = product}, .hold = HoldChange::kRelease})
        .get();
  }
  absl::StatusOr<LineWriteResult> Hold(const std::string& cart_id, const CartLine& line,
                                       const std::string& owner = "u1") {
    return carts()
        .WriteLine({.cart_id = cart_id,
                    .line = line,
                    .hold = HoldChange::kHold,
                    .terms = {.user_id = owner}})
        .get();
  }
  int64_t Available(const std::string& product) {
    auto stock = store_->inventory()->GetStock(product, 0);
    EXPECT_TRUE(stock.ok()) << stock.status();
    return stock.ok() ? stock->available : -1;
  }
  size_t ActiveReservationsOf(const std::string& user) {
    auto active = store_->inventory()->ListActiveReservations(user, 0);
    EXPECT_TRUE(active.ok()) << active.status();
    return active.ok() ? active->size() : 0;
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
  ASSERT_TRUE(Upsert(cart.id, Line("p1", 2, r1)).ok());
  const int64_t added = clock_.NowMillis();
  clock_.Advance(kMinute);
  const std::string r2 = MustReserve("p2", 1);
  ASSERT_TRUE(Upsert(cart.id, Line("p2", 1, r2, 5)).ok());

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
  ASSERT_TRUE(Upsert(cart.id, changed).ok());
  contents = MustGet(cart.id);
  ASSERT_EQ(contents.lines.size(), 2u);
  EXPECT_EQ(contents.lines[0].line.quantity, 5);
  EXPECT_EQ(contents.lines[0].line.quote_id, "q1");
  EXPECT_EQ(contents.lines[0].line.quote_expires_at_ms, changed.quote_expires_at_ms);
  EXPECT_EQ(contents.lines[0].line.unit_price_minor, 1899);
  EXPECT_EQ(contents.lines[0].line.added_at_ms, added);
  EXPECT_EQ(contents.lines[0].line.updated_at_ms, clock_.NowMillis());

  auto removed = Remove(cart.id, "p2");
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_TRUE(removed->removed);
  ASSERT_TRUE(removed->reservation.has_value());
  EXPECT_EQ(removed->reservation->id, r2);
  EXPECT_EQ(removed->reservation->status, ReservationStatus::kReleased);
  removed = Remove(cart.id, "p2");
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_FALSE(removed->removed);
  EXPECT_FALSE(removed->reservation.has_value());
  EXPECT_EQ(MustGet(cart.id).lines.size(), 1u);
}

TEST_F(CartStoreTest, BadLinesAndUnknownCartsAreRefused) {
  const Cart cart = MustCreate("");
  const std::string r1 = MustReserve("p1", 1);
  ExpectReason(Upsert("nope", Line("p1", 1, r1)), absl::StatusCode::kNotFound,
               kCartNotFoundReason);
  ExpectReason(Remove("nope", "p1").status(), absl::StatusCode::kNotFound, kCartNotFoundReason);
  ExpectReason(Hold("nope", Line("p1", 1, "")).status(), absl::StatusCode::kNotFound,
               kCartNotFoundReason);
  // The reservation must exist (a foreign key).
  EXPECT_EQ(Upsert(cart.id, Line("p1", 1, "no-such-reservation")).code(),
            absl::StatusCode::kFailedPrecondition);
  const CartLine bad[] = {Line("", 1, r1),
                          Line("p1", 0, r1),
                          Line("p1", 1, ""),
                          Line("p1", 1, r1, -1),
                          Line("p1", 1, r1, kMaxPriceMinor + 1),
                          Line("\xc3", 1, r1)};
  for (const CartLine& line : bad) {
    EXPECT_EQ(Upsert(cart.id, line).code(), absl::StatusCode::kInvalidArgument)
        << line.product_id << " " << line.quantity << " " << line.unit_price_minor;
    if (!line.reservation_id.empty()) {
      EXPECT_EQ(Hold(cart.id, line).status().code(), absl::StatusCode::kInvalidArgument)
          << line.product_id << " " << line.quantity << " " << line.unit_price_minor;
    }
  }
  // kHold validates the reservation's terms too.
  EXPECT_EQ(Hold(cart.id, Line("p1", 1, ""), "").status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(carts()
                .WriteLine({.cart_id = cart.id,
                            .line = Line("p1", 1, ""),
                            .hold = HoldChange::kHold,
                            .terms = {.user_id = "u1", .ttl_ms = 0}})
                .get()
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Remove(cart.id, "").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_TRUE(MustGet(cart.id).lines.empty());
  EXPECT_EQ(Available("p1"), 99);  // Only r1.
}

TEST_F(CartStoreTest, LinesShowTheirReservationExpiredOrReleased) {
  const Cart cart = MustCreate("");
  const std::string short_hold = MustReserve("p1", 1, kMinute);
  const std::string long_hold = MustReserve("p2", 1);
  ASSERT_TRUE(Upsert(cart.id, Line("p1", 1, short_hold)).ok());
  ASSERT_TRUE(Upsert(cart.id, Line("p2", 1, long_hold)).ok());
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
  ASSERT_TRUE(Upsert(second.id, Line("p1", 1, r1)).ok());
  ASSERT_TRUE(Upsert(second.id, Line("p2", 3, r2)).ok());
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
  ExpectReason(Upsert(second.id, Line("p3", 1, r1)), absl::StatusCode::kFailedPrecondition,
               kCartNotActiveReason);
  ExpectReason(Remove(second.id, "p1").status(), absl::StatusCode::kFailedPrecondition,
               kCartNotActiveReason);
  ExpectReason(Hold(second.id, Line("p3", 1, "")).status(), absl::StatusCode::kFailedPrecondition,
               kCartNotActiveReason);
  EXPECT_EQ(Available("p3"), 100);  // The refused hold took nothing.
  ExpectReason(carts().SetCartUser(second.id, "u3", 0).get().status(),
               absl::StatusCode::kFailedPrecondition, kCartNotActiveReason);
  ExpectReason(carts().MarkMerged(second.id, first.id, {}, 0).get(),
               absl::StatusCode::kFailedPrecondition, kCartNotActiveReason);
  EXPECT_EQ(carts().MarkMerged(first.id, first.id, {}, 0).get().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(CartStoreTest, AHoldIsTakenResizedAndReleasedWithItsLine) {
  const Cart cart = MustCreate("");
  auto held = Hold(cart.id, Line("p1", 2, ""), "cart:x");
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_TRUE(held->reserved);
  ASSERT_TRUE(held->reservation.has_value());
  const Reservation first = *held->reservation;
  EXPECT_EQ(first.status, ReservationStatus::kActive);
  EXPECT_EQ(first.quantity, 2);
  EXPECT_EQ(first.product_id, "p1");
  EXPECT_EQ(first.user_id, "cart:x");
  EXPECT_EQ(first.cart_id, cart.id);
  EXPECT_EQ(first.expires_at_ms, clock_.NowMillis() + kDefaultReservationTtlMs);
  CartContents contents = MustGet(cart.id);
  ASSERT_EQ(contents.lines.size(), 1u);
  EXPECT_EQ(contents.lines[0].line.reservation_id, first.id);
  EXPECT_EQ(contents.lines[0].reservation_quantity, 2);
  EXPECT_EQ(Available("p1"), 98);

  // Growing and shrinking resize the same reservation.
  clock_.Advance(kMinute);
  held = Hold(cart.id, Line("p1", 5, "ignored"), "cart:x");
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_FALSE(held->reserved);
  EXPECT_EQ(held->reservation->id, first.id);
  EXPECT_EQ(held->reservation->quantity, 5);
  EXPECT_EQ(Available("p1"), 95);
  held = Hold(cart.id, Line("p1", 1, ""), "cart:x");
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_EQ(Available("p1"), 99);
  contents = MustGet(cart.id);
  EXPECT_EQ(contents.lines[0].line.quantity, 1);
  EXPECT_EQ(contents.lines[0].line.reservation_id, first.id);
  EXPECT_EQ(contents.lines[0].line.added_at_ms, first.created_at_ms);
  EXPECT_EQ(contents.cart.updated_at_ms, clock_.NowMillis());

  // Release and removal together.
  auto removed = Remove(cart.id, "p1");
  ASSERT_TRUE(removed.ok()) << removed.status();
  EXPECT_TRUE(removed->removed);
  EXPECT_EQ(removed->reservation->status, ReservationStatus::kReleased);
  EXPECT_TRUE(MustGet(cart.id).lines.empty());
  EXPECT_EQ(Available("p1"), 100);
}

TEST_F(CartStoreTest, ARefusedHoldWritesNoLine) {
  const Cart cart = MustCreate("u1");
  // Insufficient stock: the inventory store's error, payload included.
  auto refused = Hold(cart.id, Line("p1", 101, ""));
  ExpectReason(refused.status(), absl::StatusCode::kFailedPrecondition, kInsufficientStockReason);
  EXPECT_EQ(InsufficientStockAvailable(refused.status()), 100);
  EXPECT_TRUE(MustGet(cart.id).lines.empty());

  // An increase that does not fit leaves the line and its hold as they were.
  ASSERT_TRUE(Hold(cart.id, Line("p1", 60, "")).ok());
  refused = Hold(cart.id, Line("p1", 120, ""));
  ExpectReason(refused.status(), absl::StatusCode::kFailedPrecondition, kInsufficientStockReason);
  EXPECT_EQ(InsufficientStockAvailable(refused.status()), 40);
  CartContents contents = MustGet(cart.id);
  ASSERT_EQ(contents.lines.size(), 1u);
  EXPECT_EQ(contents.lines[0].line.quantity, 60);
  EXPECT_EQ(contents.lines[0].reservation_quantity, 60);
  EXPECT_EQ(Available("p1"), 40);

  // The per-user limit, as Reserve's.
  refused = carts()
                .WriteLine({.cart_id = cart.id,
                            .line = Line("p2", 1, ""),
                            .hold = HoldChange::kHold,
                            .terms = {.user_id = "u1", .max_active_per_user = 1}})
                .get();
  ExpectReason(refused.status(), absl::StatusCode::kResourceExhausted, kReservationLimitReason);
  EXPECT_EQ(MustGet(cart.id).lines.size(), 1u);
  EXPECT_EQ(Available("p2"), 100);
  EXPECT_EQ(ActiveReservationsOf("u1"), 1u);
}

TEST_F(CartStoreTest, AFailedLineWriteUndoesItsHold) {
  const Cart cart = MustCreate("");
  ASSERT_TRUE(Hold(cart.id, Line("p1", 2, "")).ok());
  const std::string kept = MustGet(cart.id).lines[0].line.reservation_id;
  // Make every line write fail after the reservation part succeeded.
  auto db = internal::Connection::Open(dir_.Sub("aisle.db"), internal::Connection::Mode::kReadWrite,
                                       1000);
  ASSERT_TRUE(db.ok()) << db.status();
  for (const char* event : {"INSERT", "UPDATE", "DELETE"}) {
    ASSERT_TRUE((*db)
                    ->Exec(absl::StrCat("CREATE TRIGGER fail_", event, " BEFORE ", event,
                                        " ON cart_items BEGIN SELECT RAISE(ABORT, "
                                        "'disk on fire'); END"))
                    .ok());
  }
  // A new line: no reservation is left behind.
  EXPECT_FALSE(Hold(cart.id, Line("p2", 4, "")).ok());
  EXPECT_EQ(Available("p2"), 100);
  EXPECT_EQ(ActiveReservationsOf("u1"), 1u);
  // A grown line: its reservation keeps its quantity.
  EXPECT_FALSE(Hold(cart.id, Line("p1", 7, "")).ok());
  EXPECT_EQ(Available("p1"), 98);
  // A removal: the reservation stays active with its line.
  EXPECT_FALSE(Remove(cart.id, "p1").ok());
  EXPECT_EQ(store_->inventory()->GetReservation(kept, 0)->value().status,
            ReservationStatus::kActive);
  EXPECT_EQ(Available("p1"), 98);
  for (const char* event : {"INSERT", "UPDATE", "DELETE"}) {
    ASSERT_TRUE((*db)->Exec(absl::StrCat("DROP TRIGGER fail_", event)).ok());
  }
  const CartContents contents = MustGet(cart.id);
  ASSERT_EQ(contents.lines.size(), 1u);
  EXPECT_EQ(contents.lines[0].line.quantity, 2);
  EXPECT_TRUE(contents.lines[0].held());
}

TEST_F(CartStoreTest, ALapsedHoldIsReplacedACommittedOneRefused) {
  const Cart cart = MustCreate("");
  ASSERT_TRUE(carts()
                  .WriteLine({.cart_id = cart.id,
                              .line = Line("p1", 2, ""),
                              .hold = HoldChange::kHold,
                              .terms = {.user_id = "u1", .ttl_ms = kMinute}})
                  .get()
                  .ok());
  const std::string lapsed = MustGet(cart.id).lines[0].line.reservation_id;
  clock_.Advance(kMinute);  // Expired, not swept.
  auto held = Hold(cart.id, Line("p1", 3, ""));
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_TRUE(held->reserved);
  EXPECT_NE(held->reservation->id, lapsed);
  EXPECT_EQ(Available("p1"), 97);
  // A released hold is replaced too.
  ASSERT_TRUE(store_->inventory()->Release(held->reservation->id).get().ok());
  held = Hold(cart.id, Line("p1", 3, ""));
  ASSERT_TRUE(held.ok()) << held.status();
  EXPECT_TRUE(held->reserved);
  EXPECT_EQ(Available("p1"), 97);

  // Once an order owns the units, the line can neither be held again nor
  // dropped by the cart.
  const std::string owned = held->reservation->id;
  ASSERT_TRUE(store_->inventory()
                  ->Commit({.order_id = "o1",
                            .reservation_ids = {owned},
                            .allocations = {{"p1", "w1", 3}}})
                  .get()
                  .ok());
  ExpectReason(Hold(cart.id, Line("p1", 4, "")).status(), absl::StatusCode::kFailedPrecondition,
               kReservationNotActiveReason);
  ExpectReason(Remove(cart.id, "p1").status(), absl::StatusCode::kFailedPrecondition,
               kReservationNotActiveReason);
  const CartContents contents = MustGet(cart.id);
  ASSERT_EQ(contents.lines.size(), 1u);
  EXPECT_EQ(contents.lines[0].line.reservation_id, owned);
  EXPECT_EQ(contents.lines[0].line.quantity, 3);
  EXPECT_EQ(Available("p1"), 97);
}

TEST_F(CartStoreTest, ALineAndItsHoldAreOneCommit) {
  const Cart cart = MustCreate("");
  const StoreStats before = store_->Stats();
  ASSERT_TRUE(Hold(cart.id, Line("p1", 2, "")).ok());
  StoreStats after = store_->Stats();
  EXPECT_EQ(after.commits, before.commits + 1);
  EXPECT_EQ(after.write_jobs, before.write_jobs + 1);
  ASSERT_TRUE(Hold(cart.id, Line("p1", 3, "")).ok());
  ASSERT_TRUE(Remove(cart.id, "p1").ok());
  EXPECT_EQ(store_->Stats().commits, after.commits + 2);
}

TEST_F(CartStoreTest, CartsSurviveAReopen) {
  const Cart cart = MustCreate("u7");
  const std::string r1 = MustReserve("p3", 4);
  ASSERT_TRUE(Upsert(cart.id, Line("p3", 4, r1, 123456)).ok());
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
