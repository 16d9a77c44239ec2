// Smoke tests: several threads write while others read. Under
// -DAISLE_SANITIZE=ON they also check for memory errors; the final counts
// check that no update was lost. (Ids are built with absl::StrCat: GCC 12's
// -Wrestrict misfires on "literal" + std::string at -O3.)
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "base/event.h"
#include "commerce/cart_service.h"
#include "commerce/demand_counters.h"
#include "commerce/inventory_service.h"
#include "commerce/quote_book.h"
#include "commerce/user_preferences.h"
#include "store/store.h"
#include "tests/testing/test_util.h"

namespace aisle::commerce {
namespace {

constexpr int64_t kT0 = 1'699'999'200'000;
constexpr int kWriters = 4;
constexpr int kEventsPerWriter = 20000;
constexpr int kProducts = 50;

Event MakeEvent(int writer, int i) {
  return Event{.type = static_cast<EventType>(i % 5),
               .user_id = absl::StrCat("u", writer * 10 + i % 10),
               .session_id = "s",
               .product_id = absl::StrCat("p", i % kProducts),
               .category = absl::StrCat("c", i % 3),
               // Spread over 10 minutes, out of order.
               .timestamp_ms = kT0 - (i % 600) * 1000,
               .metadata = {.brand = absl::StrCat("b", i % 7), .price = 10.0 + i % 100}};
}

// Runs `readers` until every writer is done.
template <typename Write, typename Read>
void RunConcurrently(Write write, Read read) {
  std::atomic<int> writers_left{kWriters};
  std::vector<std::thread> threads;
  for (int w = 0; w < kWriters; ++w) {
    threads.emplace_back([&, w] {
      for (int i = 0; i < kEventsPerWriter; ++i) write(w, i);
      writers_left.fetch_sub(1);
    });
  }
  for (int r = 0; r < 2; ++r) {
    threads.emplace_back([&] {
      while (writers_left.load() > 0) read();
    });
  }
  for (std::thread& t : threads) t.join();
}

TEST(CommerceConcurrency, DemandCountersLoseNoEventUnderConcurrentReads) {
  FakeClock clock(kT0);
  DemandCountersOptions options;
  options.product_shards = 4;  // Few stripes: more contention.
  options.category_shards = 2;
  DemandCounters counters(clock, options);
  std::atomic<int> rejected{0};
  RunConcurrently(
      [&](int w, int i) {
        if (!counters.Record(MakeEvent(w, i))) rejected.fetch_add(1);
      },
      [&] {
        counters.Snapshot("p7", kT0);
        counters.CategoryAverage("c1", kT0);
        counters.TopProducts("", DemandWindow::k1h, 5, kT0);
        counters.Serialize();
      });
  EXPECT_EQ(rejected.load(), 0);
  uint64_t total = 0;
  for (int p = 0; p < kProducts; ++p) {
    const DemandCounts c = counters.Snapshot(absl::StrCat("p", p), kT0).in(DemandWindow::k24h);
    total += c.views + c.clicks + c.cart_adds + c.purchases + c.wishlist_adds;
  }
  EXPECT_EQ(total, static_cast<uint64_t>(kWriters) * kEventsPerWriter);
  uint64_t category_total = 0;
  for (int c = 0; c < 3; ++c) {
    const DemandCounts counts =
        counters.CategoryCounts(absl::StrCat("c", c), DemandWindow::k7d, kT0);
    category_total +=
        counts.views + counts.clicks + counts.cart_adds + counts.purchases + counts.wishlist_adds;
  }
  // Products move between categories (i % 50 vs i % 3), but every event is
  // counted in exactly one category.
  EXPECT_EQ(category_total, static_cast<uint64_t>(kWriters) * kEventsPerWriter);
}

TEST(CommerceConcurrency, UserPreferencesLoseNoEventUnderConcurrentReads) {
  FakeClock clock(kT0);
  UserPreferencesOptions options;
  options.shards = 3;
  UserPreferences prefs(clock, options);
  RunConcurrently([&](int w, int i) { ASSERT_TRUE(prefs.Update(MakeEvent(w, i)).ok()); },
                  [&] {
                    prefs.Get("u3");
                    prefs.Affinity("u12", "c1", "b2", 50);
                    prefs.Serialize("u21");
                    prefs.TakeDirty();
                  });
  uint64_t events = 0;
  for (int w = 0; w < kWriters; ++w) {
    for (int u = 0; u < 10; ++u) {
      const auto got = prefs.Get(absl::StrCat("u", w * 10 + u));
      ASSERT_TRUE(got.has_value());
      events += got->history.events;
    }
  }
  EXPECT_EQ(events, static_cast<uint64_t>(kWriters) * kEventsPerWriter);
}

TEST(CommerceConcurrency, QuoteBookIssuesUniqueIdsUnderConcurrentValidation) {
  FakeClock clock(kT0);
  QuoteBook book(clock);
  std::vector<std::vector<std::string>> ids(kWriters);
  RunConcurrently(
      [&](int w, int i) {
        if (i % 10 != 0) return;
        auto quote = book.Issue(absl::StrCat("p", i % 5), absl::StrCat("u", w), i, i);
        ASSERT_TRUE(quote.ok());
        ids[w].push_back(quote->id);
      },
      [&] {
        (void)book.Validate("q0000000000000001", "p0", "u0");
        book.PurgeExpired();
      });
  size_t issued = 0;
  for (const auto& list : ids) issued += list.size();
  EXPECT_EQ(issued, static_cast<size_t>(kWriters * kEventsPerWriter / 10));
  EXPECT_EQ(book.size(), issued);  // Unique ids: none overwrote another.
}

// Carts racing for scarce stock, each add / change / remove one commit of
// line and hold together: no unit is sold twice, and every held line holds
// exactly its quantity.
TEST(CommerceConcurrency, CartsNeverOversellUnderConcurrentWrites) {
  constexpr int kCarts = 8;
  constexpr int kOpsPerCart = 60;
  constexpr int kStock = 40;
  const std::vector<std::string> products = {"p0", "p1", "p2"};
  FakeClock clock(kT0);
  testing::TempDir dir;
  store::StoreOptions options;
  options.path = dir.Sub("aisle.db");
  options.synchronous = store::SyncMode::kNormal;
  options.clock = &clock;
  auto opened = store::Store::Open(options);
  ASSERT_TRUE(opened.ok()) << opened.status();
  std::unique_ptr<store::Store> store = std::move(*opened);
  std::atomic<int> publishes{0};
  InventoryService inventory(clock, store->inventory(),
                             [&](const auto&) { publishes.fetch_add(1); });
  CartService carts(clock, store->carts(), &inventory, nullptr,
                    [](const std::string&) -> absl::StatusOr<ProductPrice> {
                      return ProductPrice{.price = 1.25, .original_price = 1.25, .title = "t"};
                    });
  ASSERT_TRUE(inventory.UpsertWarehouses({{"w1", "North", 45, -93, "us"}}).ok());
  for (const std::string& p : products) ASSERT_TRUE(inventory.SetStock(p, {{"w1", kStock}}).ok());
  std::vector<std::string> ids;
  for (int c = 0; c < kCarts; ++c) ids.push_back(carts.CreateCart("")->cart.id);

  std::atomic<int> unexpected{0};
  std::atomic<int> writers_left{kCarts};
  std::vector<std::thread> threads;
  for (int c = 0; c < kCarts; ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; i < kOpsPerCart; ++i) {
        const std::string& product = products[(c + i) % products.size()];
        absl::Status status;
        switch (i % 6) {
          case 4:
            status = carts.ChangeQuantity(ids[c], product, 1 + i % 4).status();
            break;
          case 5:
            status = carts.RemoveItem(ids[c], product).status();
            break;
          default:
            status = carts.AddItem({.cart_id = ids[c], .product_id = product, .quantity = 2})
                         .status();
        }
        // Running out of stock, or touching a line not (yet) in the cart, is expected.
        if (!status.ok() && !store::InsufficientStockAvailable(status) &&
            !absl::IsNotFound(status)) {
          ADD_FAILURE() << status;
          unexpected.fetch_add(1);
        }
      }
      writers_left.fetch_sub(1);
    });
  }
  threads.emplace_back([&] {
    while (writers_left.load() > 0) {
      for (const std::string& id : ids) ASSERT_TRUE(carts.GetCart(id).ok());
    }
  });
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(unexpected.load(), 0);

  std::map<std::string, int64_t> held;
  for (const std::string& id : ids) {
    auto cart = carts.GetCart(id);
    ASSERT_TRUE(cart.ok()) << cart.status();
    for (const CartLineView& line : cart->lines) {
      ASSERT_TRUE(line.held()) << line.product_id;
      auto reservation = inventory.GetReservation(line.reservation_id);
      ASSERT_TRUE(reservation.ok() && reservation->has_value());
      EXPECT_EQ((*reservation)->quantity, line.quantity);
      held[line.product_id] += line.quantity;
    }
  }
  for (const std::string& p : products) {
    auto stock = inventory.Stock(p);
    ASSERT_TRUE(stock.ok()) << stock.status();
    EXPECT_EQ(stock->reserved, held[p]) << p;
    EXPECT_LE(held[p], kStock) << p;
    EXPECT_EQ(stock->available, kStock - held[p]) << p;
  }
  EXPECT_GT(publishes.load(), 0);
}

}  // namespace
}  // namespace aisle::commerce
