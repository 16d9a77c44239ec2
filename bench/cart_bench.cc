// Cart write latency through commerce::CartService against a real aisle.db
// (WAL, synchronous=FULL: every acknowledged write is fsync'ed), the target
// being cart operations p99 <= 2 ms (DESIGN.md).
//
// Each benchmark opens a fresh aisle.db in the temp directory with 1,000
// stocked products, then `threads` closed-loop shoppers (each with its own
// anonymous cart) repeat AddItem(1 unit) -> ChangeQuantity(3) -> RemoveItem
// on products of their own, timing every call. Reported per operation:
// p50/p99 in microseconds, and commits per operation (StoreStats).
//
// BM_CartTwoCommits replays the pre-WriteLine write path for comparison: the
// reservation change as its own InventoryService call (one commit, then a
// publish) followed by the line write as another (CartStore::WriteLine with
// kNone / kRelease), with the same cart read first. It is an emulation, not
// the old CartService (no pricing or view building, which cost microseconds).
//
//   build-helper3/bench/cart_bench --benchmark_counters_tabular=true
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "bench/load_util.h"
#include "commerce/cart_service.h"
#include "commerce/inventory_service.h"
#include "store/store.h"

namespace aisle::commerce {
namespace {

constexpr int kProducts = 1000;

std::string ProductId(int i) { return absl::StrCat("p", i); }

// A store with stocked products and the services over it, as main.cc wires
// them (the sink stands in for the index's availability column).
struct Rig {
  aisle::bench::ScratchDir dir{"aisle-cart-bench"};
  SystemClock clock;
  std::unique_ptr<store::Store> store;
  std::unique_ptr<InventoryService> inventory;
  std::unique_ptr<CartService> carts;
  std::atomic<int64_t> published{0};

  absl::Status Open() {
    store::StoreOptions options;
    options.path = dir.Sub("aisle.db");  // synchronous=FULL by default.
    AISLE_ASSIGN_OR_RETURN(store, store::Store::Open(options));
    inventory = std::make_unique<InventoryService>(
        clock, store->inventory(),
        [this](const auto& available) { published.fetch_add(available.size()); });
    carts = std::make_unique<CartService>(
        clock, store->carts(), inventory.get(), nullptr,
        [](const std::string&) -> absl::StatusOr<ProductPrice> {
          return ProductPrice{.price = 19.99, .original_price = 24.99, .title = "Product"};
        });
    AISLE_RETURN_IF_ERROR(inventory->UpsertWarehouses({{"w1", "North", 45, -93, "us"}}));
    // Submitted together: one group commit.
    std::vector<std::future<absl::Status>> pending;
    for (int i = 0; i < kProducts; ++i) {
      pending.push_back(store->inventory()->SetStock(ProductId(i), "w1", 1'000'000));
    }
    for (auto& done : pending) AISLE_RETURN_IF_ERROR(done.get());
    return absl::OkStatus();
  }
};

struct Latencies {
  std::vector<double> add, change, remove;  // Microseconds.
};

template <typename Fn>
absl::Status Timed(std::vector<double>& into, Fn fn) {
  const auto start = std::chrono::steady_clock::now();
  absl::Status status = fn();
  into.push_back(
      std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  return status;
}

// One shopper's add -> change -> remove cycle on `product`.
using Cycle = std::function<absl::Status(Rig&, const std::string& cart_id,
                                         const std::string& product, Latencies&)>;

absl::Status ServiceCycle(Rig& rig, const std::string& cart_id, const std::string& product,
                          Latencies& out) {
  CartService& carts = *rig.carts;
  AISLE_RETURN_IF_ERROR(Timed(out.add, [&] {
    return carts.AddItem({.cart_id = cart_id, .product_id = product, .quantity = 1}).status();
  }));
  AISLE_RETURN_IF_ERROR(
      Timed(out.change, [&] { return carts.ChangeQuantity(cart_id, product, 3).status(); }));
  return Timed(out.remove, [&] { return carts.RemoveItem(cart_id, product).status(); });
}

// The two-commit write path: reservation job, then line job.
absl::Status TwoCommitCycle(Rig& rig, const std::string& cart_id, const std::string& product,
                            Latencies& out) {
  store::CartStore& carts = *rig.store->carts();
  InventoryService& inventory = *rig.inventory;
  const int64_t now = rig.clock.NowMillis();
  store::CartLine line{.product_id = product,
                       .quantity = 1,
                       .unit_price_minor = 1999,
                       .original_price_minor = 2499};
  AISLE_RETURN_IF_ERROR(Timed(out.add, [&]() -> absl::Status {
    AISLE_RETURN_IF_ERROR(carts.GetCart(cart_id, now).status());
    AISLE_ASSIGN_OR_RETURN(const store::Reservation r,
                           inventory.Reserve({.product_id = product,
                                              .quantity = 1,
                                              .user_id = "cart:" + cart_id,
                                              .cart_id = cart_id}));
    line.reservation_id = r.id;
    return carts.WriteLine({.cart_id = cart_id, .line = line, .now_ms = now}).get().status();
  }));
  AISLE_RETURN_IF_ERROR(Timed(out.change, [&]() -> absl::Status {
    AISLE_RETURN_IF_ERROR(carts.GetCart(cart_id, now).status());
    AISLE_RETURN_IF_ERROR(inventory.UpdateQuantity(line.reservation_id, 3).status());
    line.quantity = 3;
    return carts.WriteLine({.cart_id = cart_id, .line = line, .now_ms = now}).get().status();
  }));
  return Timed(out.remove, [&]() -> absl::Status {
    AISLE_RETURN_IF_ERROR(carts.GetCart(cart_id, now).status());
    AISLE_RETURN_IF_ERROR(inventory.Release(line.reservation_id).status());
    return carts
        .WriteLine(
            {.cart_id = cart_id, .line = {.product_id = product}, .hold = store::HoldChange::kRelease})
        .get()
        .status();
  });
}

void RunCarts(benchmark::State& state, const Cycle& cycle) {
  const int threads = static_cast<int>(state.range(0));
  const int cycles = static_cast<int>(state.range(1));
  Rig rig;
  if (absl::Status opened = rig.Open(); !opened.ok()) {
    state.SkipWithError(std::string(opened.message()).c_str());
    return;
  }
  std::vector<std::string> cart_ids;
  for (int t = 0; t < threads; ++t) {
    auto cart = rig.carts->CreateCart("");
    if (!cart.ok()) {
      state.SkipWithError("create cart failed");
      return;
    }
    cart_ids.push_back(cart->cart.id);
  }
  std::vector<Latencies> latencies(threads);
  std::atomic<int> errors{0};
  store::StoreStats before;
  for (auto _ : state) {
    before = rig.store->Stats();
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t) {
      pool.emplace_back([&, t] {
        for (int c = 0; c < cycles; ++c) {
          const std::string product = ProductId((t * 7919 + c) % kProducts);
          if (!cycle(rig, cart_ids[t], product, latencies[t]).ok()) errors.fetch_add(1);
        }
      });
    }
    for (std::thread& t : pool) t.join();
  }
  const store::StoreStats after = rig.store->Stats();
  Latencies all;
  for (Latencies& l : latencies) {
    all.add.insert(all.add.end(), l.add.begin(), l.add.end());
    all.change.insert(all.change.end(), l.change.begin(), l.change.end());
    all.remove.insert(all.remove.end(), l.remove.begin(), l.remove.end());
  }
  const double ops = static_cast<double>(all.add.size() + all.change.size() + all.remove.size());
  state.SetItemsProcessed(static_cast<int64_t>(ops));
  state.counters["commits_per_op"] = ops == 0 ? 0 : (after.commits - before.commits) / ops;
  state.counters["jobs_per_op"] = ops == 0 ? 0 : (after.write_jobs - before.write_jobs) / ops;
  for (auto& [name, micros] : {std::pair{"add", &all.add}, std::pair{"change", &all.change},
                               std::pair{"remove", &all.remove}}) {
    state.counters[absl::StrCat(name, "_p50_us")] = aisle::bench::Quantile(*micros, 0.50);
    state.counters[absl::StrCat(name, "_p99_us")] = aisle::bench::Quantile(*micros, 0.99);
  }
  if (errors.load() > 0) state.SkipWithError("a cart operation failed");
}

void BM_CartService(benchmark::State& state) { RunCarts(state, ServiceCycle); }
void BM_CartTwoCommits(benchmark::State& state) { RunCarts(state, TwoCommitCycle); }

// {threads, add-change-remove cycles per thread}
void Shapes(benchmark::internal::Benchmark* b) {
  b->Args({1, 1000});
  b->Args({8, 250});
  b->ArgNames({"threads", "cycles"});
  b->Iterations(1)->UseRealTime()->Unit(benchmark::kMillisecond);
}

BENCHMARK(BM_CartService)->Apply(Shapes);
BENCHMARK(BM_CartTwoCommits)->Apply(Shapes);

}  // namespace
}  // namespace aisle::commerce

BENCHMARK_MAIN();
