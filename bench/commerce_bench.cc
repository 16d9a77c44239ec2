// Commerce engine microbenchmarks: demand counter Record/Snapshot/TopProducts,
// user preference updates and affinity, and a full dynamic price.
//
//   build/release/bench/commerce_bench [--benchmark_filter=...]
//       [--benchmark_min_time=0.5]
//
// Events go to 100,000 products in 500 categories with timestamps spread
// over the last 10 minutes (a realistic slightly-out-of-order stream).
#include <benchmark/benchmark.h>

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "base/event.h"
#include "commerce/demand_counters.h"
#include "commerce/pricing.h"
#include "commerce/user_preferences.h"

namespace aisle::commerce {
namespace {

constexpr int64_t kNow = 1'700'000'000'000;
constexpr int kProducts = 100'000;
constexpr int kCategories = 500;
constexpr int kUsers = 50'000;
constexpr size_t kEvents = 1 << 20;

const std::vector<Event>& Events() {
  static const std::vector<Event> events = [] {
    std::mt19937_64 rng(42);
    std::vector<Event> out(kEvents);
    for (Event& e : out) {
      const int product = static_cast<int>(rng() % kProducts);
      e.type = static_cast<EventType>(rng() % 5);
      e.user_id = absl::StrCat("user-", rng() % kUsers);
      e.session_id = "session";
      e.product_id = absl::StrCat("product-", product);
      e.category = absl::StrCat("category-", product % kCategories);
      e.metadata.brand = absl::StrCat("brand-", product % 2000);
      e.metadata.price = 1.0 + static_cast<double>(rng() % 100000) / 100;
      e.timestamp_ms = kNow - static_cast<int64_t>(rng() % 600'000);
    }
    return out;
  }();
  return events;
}

struct Fixture {
  FakeClock clock{kNow};
  DemandCounters counters{clock};
  UserPreferences prefs{clock};
};

// Shared by the threads of a multi-threaded run, built on first use.
Fixture& Shared() {
  static Fixture fixture;
  return fixture;
}

void BM_DemandRecord(benchmark::State& state) {
  const std::vector<Event>& events = Events();
  DemandCounters& counters = Shared().counters;
  size_t i = static_cast<size_t>(state.thread_index()) * 7919;
  for (auto _ : state) {
    benchmark::DoNotOptimize(counters.Record(events[i++ & (kEvents - 1)]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DemandRecord)->Threads(1)->Threads(2)->UseRealTime();

void BM_DemandSnapshot(benchmark::State& state) {
  Fixture& f = Shared();
  for (size_t i = 0; i < 200'000; ++i) f.counters.Record(Events()[i]);
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.counters.Snapshot(Events()[i++ & (kEvents - 1)].product_id, kNow));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_DemandSnapshot);

void BM_DemandTopProducts(benchmark::State& state) {
  Fixture& f = Shared();
  for (const Event& e : Events()) f.counters.Record(e);
  const std::string category = state.range(0) ? "category-7" : "";
  for (auto _ : state) {
    benchmark::DoNotOptimize(f.counters.TopProducts(category, DemandWindow::k24h, 20, kNow));
  }
  state.counters["products"] = static_cast<double>(f.counters.product_count());
}
BENCHMARK(BM_DemandTopProducts)->Arg(0)->Arg(1)->Unit(benchmark::kMillisecond);

void BM_PreferencesUpdate(benchmark::State& state) {
  const std::vector<Event>& events = Events();
  UserPreferences& prefs = Shared().prefs;
  size_t i = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(prefs.Update(events[i++ & (kEvents - 1)]));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PreferencesUpdate);

void BM_PreferencesAffinity(benchmark::State& state) {
  Fixture& f = Shared();
  for (size_t i = 0; i < 200'000; ++i) (void)f.prefs.Update(Events()[i]);
  size_t i = 0;
  for (auto _ : state) {
    const Event& e = Events()[i++ & (kEvents - 1)];
    benchmark::DoNotOptimize(f.prefs.Affinity(e.user_id, e.category, e.metadata.brand, 42.0));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PreferencesAffinity);

// Personalizing a page: one AffinityFor, then 100 product scores.
void BM_PreferencesAffinityPage(benchmark::State& state) {
  Fixture& f = Shared();
  for (size_t i = 0; i < 200'000; ++i) (void)f.prefs.Update(Events()[i]);
  size_t i = 0;
  for (auto _ : state) {
    const AffinityProfile profile = f.prefs.AffinityFor(Events()[i++ & (kEvents - 1)].user_id);
    double sum = 0;
    for (size_t hit = 0; hit < 100; ++hit) {
      const Event& e = Events()[(i * 101 + hit) & (kEvents - 1)];
      sum += profile.Score(e.category, e.metadata.brand, e.metadata.price);
    }
    benchmark::DoNotOptimize(sum);
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_PreferencesAffinityPage);

void BM_PriceEngine(benchmark::State& state) {
  PricingOptions options;
  options.seasonal["Toys"] = {0.95, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1.05, 1.10};
  const PricingEngine engine = *PricingEngine::Create(options);
  PricingContext context;
  context.base_price = 100;
  context.categories = {"Toys", "Dolls"};
  context.stock = 40;
  context.demand.demand_score = 3;
  context.demand.category_average = 6;
  context.competitor_prices = {{95, 0}, {97, 0}, {105, 0}, {120, 0}};
  context.segment = UserSegment::kVip;
  context.now_ms = kNow;
  for (auto _ : state) benchmark::DoNotOptimize(engine.Price(context));
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_PriceEngine);

}  // namespace
}  // namespace aisle::commerce

BENCHMARK_MAIN();
