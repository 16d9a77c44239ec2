// Behaviour events accepted per second by store/ (SQLite, WAL, group commit),
// the issue-B target being >= 100,000 events/s on a 2-core machine.
//
// Each benchmark opens a fresh aisle.db in the temp directory and runs
// `producers` threads that each append batches of `batch` events and wait for
// the acknowledgement (future) before sending the next, like the HTTP
// blocking pool does for POST /v1/events. items_per_second = events
// acknowledged (durable: synchronous=FULL unless the name says normal).
//
//   build-release/bench/store_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "bench/load_util.h"
#include "store/store.h"

namespace aisle::store {
namespace {

Event BenchEvent(int producer, int64_t n) {
  Event e;
  e.type = static_cast<EventType>(n % 5);  // Every type but kSearch.
  e.user_id = absl::StrCat("user-", (n * 7919 + producer) % 50000);
  e.session_id = absl::StrCat("session-", producer, "-", n / 20);
  e.product_id = absl::StrCat("sku-", (n * 104729) % 200000);
  e.category = "electronics/tv";
  e.timestamp_ms = 1'700'000'000'000 + n;
  e.metadata.brand = "Acme";
  if (e.type == EventType::kPurchase) e.metadata.price = 199.99;
  return e;
}

// Appends `total` events with `producers` closed-loop threads.
void AppendAll(Store& store, int producers, int batch, int64_t total, std::atomic<int>* errors) {
  std::vector<std::thread> threads;
  const int64_t calls_per_producer = total / (static_cast<int64_t>(producers) * batch);
  for (int p = 0; p < producers; ++p) {
    threads.emplace_back([&, p] {
      int64_t n = 0;
      for (int64_t c = 0; c < calls_per_producer; ++c) {
        std::vector<Event> events;
        events.reserve(batch);
        for (int i = 0; i < batch; ++i) events.push_back(BenchEvent(p, n++));
        if (!store.events()->AppendEvents(std::move(events)).get().ok()) ++*errors;
      }
    });
  }
  for (auto& t : threads) t.join();
}

void RunAppend(benchmark::State& state, SyncMode sync) {
  const int producers = static_cast<int>(state.range(0));
  const int batch = static_cast<int>(state.range(1));
  const int64_t total = state.range(2);
  aisle::bench::ScratchDir dir{"aisle-store-bench"};
  StoreOptions options;
  options.path = dir.Sub("aisle.db");
  options.synchronous = sync;
  auto store = Store::Open(options);
  if (!store.ok()) {
    state.SkipWithError(std::string(store.status().message()).c_str());
    return;
  }
  std::atomic<int> errors{0};
  int64_t events = 0;
  for (auto _ : state) {
    AppendAll(**store, producers, batch, total, &errors);
    events += total / (static_cast<int64_t>(producers) * batch) * producers * batch;
  }
  const StoreStats stats = (*store)->Stats();
  state.SetItemsProcessed(events);
  state.counters["commits"] = static_cast<double>(stats.commits);
  state.counters["calls_per_commit"] =
      stats.commits == 0 ? 0 : static_cast<double>(stats.write_jobs) / stats.commits;
  if (errors.load() > 0) state.SkipWithError("append failed");
}

void BM_AppendEventsFull(benchmark::State& state) { RunAppend(state, SyncMode::kFull); }
void BM_AppendEventsNormal(benchmark::State& state) { RunAppend(state, SyncMode::kNormal); }

// {producers, events per call, events per iteration}
void Shapes(benchmark::internal::Benchmark* b) {
  b->Args({1, 100, 200'000});
  b->Args({4, 1, 40'000});
  b->Args({16, 1, 100'000});
  b->Args({64, 1, 100'000});
  b->Args({4, 10, 200'000});
  b->Args({16, 10, 200'000});
  b->Args({4, 100, 400'000});
  b->Args({16, 100, 400'000});
  b->Args({4, 1000, 1'000'000});
  b->ArgNames({"producers", "batch", "events"});
  b->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_AppendEventsFull)->Apply(Shapes);
BENCHMARK(BM_AppendEventsNormal)
    ->Args({1, 1000, 1'000'000})
    ->Args({16, 10, 200'000})
    ->Args({4, 100, 400'000})
    ->ArgNames({"producers", "batch", "events"})
    ->Iterations(1)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace aisle::store

BENCHMARK_MAIN();
