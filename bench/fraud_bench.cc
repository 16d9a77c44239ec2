// Fraud screening cost (issue E: "screening adds <= 1 ms p99 to order
// placement") against a real aisle.db (WAL, synchronous=FULL as in
// production).
//
// Each benchmark opens a fresh store and builds a realistic history first:
// 300 other shoppers with two orders each (their own cards, some sharing
// devices), and the benched shopper's 50 placed orders over 50 days with
// four cards and two devices, plus 200 behaviour events in 20 sessions, the
// last of which is the live one (the checkout's session). A fake clock moves
// the history into the past; the benched calls run at a fixed "now" plus
// 30 minutes per checkout (so the velocity counts stay realistic).
//
// BM_Screen: FraudScreen::Screen alone for that shopper (the store reads and
// the gateway's DescribeCard), timed per call; after_write:1 commits an
// unrelated stock change (untimed) before each call, which makes SQLite drop
// the reading connections' page caches (WAL) as production traffic does.
// BM_ScreenSteps: the store reads Screen makes, timed one by one (p50).
// BM_PlaceOrder: checkouts of a two-line cart, alternating between an
// OrderService without screening (fraud = nullptr) and one with the
// FraudScreen, on the same store, so disk and cache conditions are shared;
// only PlaceOrder is timed (the cart is filled untimed). Before each
// unscreened checkout, Screen is also called and timed on its own
// (screen_*): that is what screening adds, measured directly, as the
// difference of two fsync-bound percentiles (added_*) is mostly noise.
// Both services charge a gateway that approves every token at once.
//
// Counters: p50/p99 in microseconds.
//
//   build-helper8/bench/fraud_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "bench/load_util.h"
#include "commerce/cart_service.h"
#include "commerce/fraud.h"
#include "commerce/fraud_screen.h"
#include "commerce/inventory_service.h"
#include "commerce/order_service.h"
#include "commerce/payment_gateway.h"
#include "store/store.h"

namespace aisle::commerce {
namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int kProducts = 200;
constexpr int kOtherShoppers = 300;
constexpr int kShopperOrders = 50;
constexpr int kShopperEvents = 200;
constexpr char kShopper[] = "shopper";
constexpr char kLiveSession[] = "s-live";

// Approves every token at once (a card per token; tokens "tok_gb_*" are
// issued in GB, the rest in the US).
class InstantGateway final : public PaymentGateway {
 public:
  absl::StatusOr<CardDetails> DescribeCard(const std::string& token) override {
    return CardDetails{.last4 = "4242",
                       .country = token.rfind("tok_gb_", 0) == 0 ? "GB" : "US"};
  }
  absl::StatusOr<PaymentOutcome> Charge(const ChargeRequest&) override {
    return PaymentOutcome{.approved = true,
                          .gateway_ref = absl::StrCat("ch_", next_.fetch_add(1)),
                          .card_last4 = "4242"};
  }
  absl::StatusOr<PaymentOutcome> Refund(const std::string&, const std::string&,
                                        int64_t) override {
    return PaymentOutcome{.approved = true, .gateway_ref = absl::StrCat("re_", next_.fetch_add(1))};
  }

 private:
  std::atomic<int64_t> next_{0};
};

std::string ProductId(int i) { return absl::StrCat("p", i); }

store::ShippingAddress Minneapolis() {
  return {.name = "Shopper",
          .line1 = "1 Main St",
          .city = "Minneapolis",
          .region = "MN",
          .postal_code = "55401",
          .country = "US",
          .latitude = 44.98,
          .longitude = -93.27};
}

struct Rig {
  aisle::bench::ScratchDir dir{"aisle-fraud-bench"};
  FakeClock clock{1'750'000'000'000};
  std::unique_ptr<store::Store> store;
  std::unique_ptr<InventoryService> inventory;
  std::unique_ptr<CartService> carts;
  InstantGateway gateway;
  std::unique_ptr<FraudScreen> fraud;
  std::unique_ptr<OrderService> plain;     // fraud = nullptr.
  std::unique_ptr<OrderService> screened;  // With `fraud`.
  int64_t now = 0;                         // The benched "now".

  absl::Status Open() {
    store::StoreOptions options;
    options.path = dir.Sub("aisle.db");  // synchronous=FULL by default.
    options.clock = &clock;
    AISLE_ASSIGN_OR_RETURN(store, store::Store::Open(options));
    inventory = std::make_unique<InventoryService>(clock, store->inventory(), [](const auto&) {});
    carts = std::make_unique<CartService>(
        clock, store->carts(), inventory.get(), nullptr,
        [](const std::string&) -> absl::StatusOr<ProductPrice> {
          return ProductPrice{.price = 24.99, .original_price = 24.99, .title = "Product"};
        });
    FraudSettings settings;
    settings.ip_countries = {{"81.2.69.0/24", "GB"}, {"5.8.16.0/21", "RU"},
                             {"198.51.100.0/24", "US"}};
    AISLE_RETURN_IF_ERROR(settings.Validate());
    fraud = std::make_unique<FraudScreen>(clock, store->orders(), store->events(), &gateway,
                                          settings);
    plain = std::make_unique<OrderService>(clock, store->orders(), inventory.get(), carts.get(),
                                           &gateway);
    screened = std::make_unique<OrderService>(clock, store->orders(), inventory.get(),
                                              carts.get(), &gateway, OrderServiceOptions(),
                                              PlacedListener(), fraud.get());
    AISLE_RETURN_IF_ERROR(inventory->UpsertWarehouses(
        {{"msp", "Minneapolis", 44.85, -93.24, "us"}, {"nyc", "New York", 40.75, -73.99, "us"}}));
    std::vector<std::future<absl::Status>> pending;
    for (int i = 0; i < kProducts; ++i) {
      pending.push_back(store->inventory()->SetStock(ProductId(i), "msp", 1'000'000));
    }
    for (auto& done : pending) AISLE_RETURN_IF_ERROR(done.get());
    return BuildHistory();
  }

  // One placed order of `user` through the unscreened service.
  absl::Status PastOrder(const std::string& user, int product, const std::string& token,
                         const std::string& device) {
    AISLE_ASSIGN_OR_RETURN(CartView cart, carts->CreateCart(user));
    AISLE_RETURN_IF_ERROR(
        carts->AddItem({.cart_id = cart.cart.id, .product_id = ProductId(product), .quantity = 1})
            .status());
    AISLE_ASSIGN_OR_RETURN(CheckoutResult placed,
                           plain->PlaceOrder({.user_id = user,
                                              .cart_id = cart.cart.id,
                                              .payment_token = token,
                                              .shipping = Minneapolis(),
                                              .billing_country = "US",
                                              .ip_address = "198.51.100.7",
                                              .device_fingerprint = device,
                                              .session_id = "s-old"}));
    return placed.failure;
  }

  absl::Status BuildHistory() {
    const int64_t start = clock.NowMillis();
    // Other shoppers, 60 to 30 days ago... and recent ones, so the 30-day
    // reuse windows have rows to skip.
    for (int u = 0; u < kOtherShoppers; ++u) {
      clock.Set(start + static_cast<int64_t>(u) * 4 * kHour);
      const std::string user = absl::StrCat("other-", u);
      for (int o = 0; o < 2; ++o) {
        AISLE_RETURN_IF_ERROR(PastOrder(user, (u * 7 + o) % kProducts, absl::StrCat("tok_u", u),
                                        absl::StrCat("dev-", u % 150)));
      }
    }
    // The shopper: 50 orders, one a day, four cards, two devices.
    const int64_t shopper_start = clock.NowMillis() + kDay;
    for (int o = 0; o < kShopperOrders; ++o) {
      clock.Set(shopper_start + static_cast<int64_t>(o) * kDay);
      AISLE_RETURN_IF_ERROR(PastOrder(kShopper, (o * 13) % kProducts,
                                      absl::StrCat("tok_s", o % 4), o % 5 == 0 ? "dev-tablet" : "dev-laptop"));
    }
    now = shopper_start + kShopperOrders * kDay;
    // 200 events in 20 sessions over the last 20 days; the last session is
    // live and started 5 minutes before now.
    std::vector<Event> events;
    for (int e = 0; e < kShopperEvents; ++e) {
      const int session = e / 10;
      const bool live = session == kShopperEvents / 10 - 1;
      const int64_t session_start = live ? now - 5 * kMinute : now - (20 - session) * kDay;
      events.push_back(Event{.type = e % 10 == 9 ? EventType::kCartAdd : EventType::kView,
                             .user_id = kShopper,
                             .session_id = live ? std::string(kLiveSession)
                                                : absl::StrCat("s-", session),
                             .product_id = ProductId((e * 17) % kProducts),
                             .timestamp_ms = session_start + (e % 10) * 20'000});
    }
    AISLE_RETURN_IF_ERROR(store->events()->AppendEvents(std::move(events)).get());
    clock.Set(now);
    return absl::OkStatus();
  }

  ScreeningRequest Screening() const {
    return ScreeningRequest{.user_id = kShopper,
                            .currency = "USD",
                            .total_cents = 4998,
                            .payment_token = "tok_s1",
                            .shipping = Minneapolis(),
                            .billing_country = "US",
                            .ip_address = "198.51.100.7",
                            .device_fingerprint = "dev-laptop",
                            .session_id = kLiveSession};
  }
};

double MicrosSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
      .count();
}

// A write between calls (untimed): any commit makes SQLite drop the reading
// connections' page caches (WAL), as the checkout's own commits and every
// other shopper's do in production.
absl::Status UnrelatedWrite(Rig& rig, int i) {
  return rig.store->inventory()->SetStock(ProductId(i % kProducts), "nyc", i % 7).get();
}

void BM_Screen(benchmark::State& state) {
  const int calls = static_cast<int>(state.range(0));
  const bool after_write = state.range(1) != 0;
  Rig rig;
  if (absl::Status opened = rig.Open(); !opened.ok()) {
    state.SkipWithError(std::string(opened.message()).c_str());
    return;
  }
  const ScreeningRequest request = rig.Screening();
  std::vector<double> micros;
  micros.reserve(calls);
  int errors = 0;
  std::string action;
  for (auto _ : state) {
    for (int i = 0; i < calls; ++i) {
      if (after_write && !UnrelatedWrite(rig, i).ok()) ++errors;
      const auto start = std::chrono::steady_clock::now();
      absl::StatusOr<FraudAssessment> assessment = rig.fraud->Screen(request);
      micros.push_back(MicrosSince(start));
      if (!assessment.ok()) {
        ++errors;
      } else {
        action = std::string(FraudActionName(assessment->action));
      }
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(micros.size()));
  state.counters["p50_us"] = aisle::bench::Quantile(micros, 0.50);
  state.counters["p99_us"] = aisle::bench::Quantile(micros, 0.99);
  state.counters["max_us"] = aisle::bench::Quantile(micros, 1.0);
  state.SetLabel(absl::StrCat("action=", action));
  if (errors > 0) state.SkipWithError("a screening failed");
}

void BM_PlaceOrder(benchmark::State& state) {
  const int checkouts = static_cast<int>(state.range(0));  // Per arm.
  Rig rig;
  if (absl::Status opened = rig.Open(); !opened.ok()) {
    state.SkipWithError(std::string(opened.message()).c_str());
    return;
  }
  std::vector<double> plain, screened, screen_only;
  int errors = 0, approved = 0;
  for (auto _ : state) {
    for (int i = 0; i < 2 * checkouts; ++i) {
      const bool with_screen = i % 2 == 1;
      rig.clock.Advance(30 * kMinute);
      absl::StatusOr<CartView> cart = rig.carts->CreateCart(kShopper);
      if (!cart.ok()) {
        ++errors;
        continue;
      }
      bool filled = true;
      for (int line = 0; line < 2; ++line) {
        filled = filled && rig.carts
                               ->AddItem({.cart_id = cart->cart.id,
                                          .product_id = ProductId((i * 31 + line) % kProducts),
                                          .quantity = 1})
                               .ok();
      }
      if (!filled) {
        ++errors;
        continue;
      }
      const PlaceOrderRequest request{.user_id = kShopper,
                                      .cart_id = cart->cart.id,
                                      .payment_token = absl::StrCat("tok_s", i % 4),
                                      .shipping = Minneapolis(),
                                      .billing_country = "US",
                                      .ip_address = "198.51.100.7",
                                      .device_fingerprint = "dev-laptop",
                                      .session_id = kLiveSession};
      if (!with_screen) {
        // The screening alone, in the same conditions (untimed for the arm).
        const auto screen_start = std::chrono::steady_clock::now();
        if (!rig.fraud->Screen(rig.Screening()).ok()) ++errors;
        screen_only.push_back(MicrosSince(screen_start));
      }
      OrderService& service = with_screen ? *rig.screened : *rig.plain;
      const auto start = std::chrono::steady_clock::now();
      absl::StatusOr<CheckoutResult> placed = service.PlaceOrder(request);
      (with_screen ? screened : plain).push_back(MicrosSince(start));
      if (!placed.ok() || !placed->failure.ok()) {
        ++errors;
      } else if (with_screen) {
        ++approved;
      }
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(plain.size() + screened.size()));
  const double plain_p50 = aisle::bench::Quantile(plain, 0.50);
  const double plain_p99 = aisle::bench::Quantile(plain, 0.99);
  const double screened_p50 = aisle::bench::Quantile(screened, 0.50);
  const double screened_p99 = aisle::bench::Quantile(screened, 0.99);
  state.counters["plain_p50_us"] = plain_p50;
  state.counters["plain_p99_us"] = plain_p99;
  state.counters["screened_p50_us"] = screened_p50;
  state.counters["screened_p99_us"] = screened_p99;
  state.counters["added_p50_us"] = screened_p50 - plain_p50;
  state.counters["added_p99_us"] = screened_p99 - plain_p99;
  state.counters["screened_placed"] = approved;
  state.counters["screen_p50_us"] = aisle::bench::Quantile(screen_only, 0.50);
  state.counters["screen_p99_us"] = aisle::bench::Quantile(screen_only, 0.99);
  if (errors > 0) state.SkipWithError(absl::StrCat(errors, " checkouts failed").c_str());
}

// The store reads Screen makes, one by one (what the time goes to).
void BM_ScreenSteps(benchmark::State& state) {
  const int calls = static_cast<int>(state.range(0));
  const bool after_write = state.range(1) != 0;
  Rig rig;
  if (absl::Status opened = rig.Open(); !opened.ok()) {
    state.SkipWithError(std::string(opened.message()).c_str());
    return;
  }
  const store::OrderStore& orders = *rig.store->orders();
  const int64_t now = rig.clock.NowMillis();
  struct Step {
    const char* name;
    std::function<bool()> run;
    std::vector<double> micros;
  };
  std::vector<Step> steps;
  steps.push_back({"count_orders", [&] { return orders.CountOrders(kShopper, now - kHour).ok(); }});
  steps.push_back({"sum_totals", [&] { return orders.SumOrderTotals(kShopper, now - kDay).ok(); }});
  steps.push_back(
      {"failed_payments", [&] { return orders.CountFailedPayments(kShopper, now - kDay).ok(); }});
  steps.push_back(
      {"card_usage", [&] { return orders.CardUsage(kShopper, "tok_s1", now - 30 * kDay).ok(); }});
  steps.push_back({"history", [&] { return orders.ListOrdersOfUser(kShopper, 50).ok(); }});
  steps.push_back(
      {"events", [&] { return rig.store->events()->RecentEventsForUser(kShopper, 200).ok(); }});
  steps.push_back({"device_usage",
                   [&] { return orders.DeviceUsage(kShopper, "dev-laptop", now - 30 * kDay).ok(); }});
  int errors = 0;
  for (auto _ : state) {
    for (int i = 0; i < calls; ++i) {
      for (Step& step : steps) {
        if (after_write && !UnrelatedWrite(rig, i).ok()) ++errors;
        const auto start = std::chrono::steady_clock::now();
        if (!step.run()) ++errors;
        step.micros.push_back(MicrosSince(start));
      }
    }
  }
  for (Step& step : steps) state.counters[absl::StrCat(step.name, "_p50_us")] = aisle::bench::Quantile(step.micros, 0.5);
  if (errors > 0) state.SkipWithError("a read failed");
}

BENCHMARK(BM_Screen)
    ->Args({2000, 0})
    ->Args({500, 1})
    ->ArgNames({"calls", "after_write"})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_ScreenSteps)
    ->Args({300, 0})
    ->Args({300, 1})
    ->ArgNames({"calls", "after_write"})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_PlaceOrder)
    ->Arg(300)
    ->ArgName("checkouts_per_arm")
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace aisle::commerce

BENCHMARK_MAIN();
