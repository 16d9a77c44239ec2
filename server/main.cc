// aisle: search, recommendations and checkout for online stores.
// main() parses the command line and wires the modules together; it is the
// only place that knows every module.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>

#include "base/clock.h"
#include "commerce/cart_service.h"
#include "commerce/order_service.h"
#include "commerce/payment_gateway.h"
#include "commerce/demand_counters.h"
#include "commerce/inventory_service.h"
#include "commerce/pricing_service.h"
#include "commerce/quote_book.h"
#include "commerce/user_preferences.h"
#include "index/product_index.h"
#include "ingest/demo_catalog.h"
#include "ranking/searcher.h"
#include "server/behaviour_pipeline.h"
#include "server/cart_handlers.h"
#include "server/order_handlers.h"
#include "server/purchase_events.h"
#include "server/replenishment_handlers.h"
#include "server/outbox_dispatcher.h"
#include "server/catalog_handlers.h"
#include "server/commands.h"
#include "server/event_handlers.h"
#include "server/flags.h"
#include "server/inventory_handlers.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/ops_handlers.h"
#include "server/personalization.h"
#include "server/pricing_handlers.h"
#include "server/pricing_settings.h"
#include "server/profile_sync.h"
#include "server/reprice_job.h"
#include "server/router.h"
#include "server/settings_handlers.h"
#include "server/signal_handlers.h"
#include "store/store.h"

namespace aisle::server {
namespace {

constexpr const char* kUsage =
    "usage: aisle serve [--data DIR] [--address 127.0.0.1] [--port 7700] [--threads N]\n"
    "                   [--blocking-threads 8] [--webhook-url http://host:port/path]\n"
    "                   [--demo N]   (load N generated demo products into an empty index)\n"
    "       aisle gen --count N [--seed S] [--first I] > products.ndjson\n"
    "       aisle import FILE [--url http://127.0.0.1:7700] [--batch 1000]\n";

absl::Status LoadDemoCatalog(index::ProductIndex* index, size_t count) {
  const auto start = std::chrono::steady_clock::now();
  constexpr size_t kBatch = 20000;
  for (size_t first = 0; first < count; first += kBatch) {
    AISLE_RETURN_IF_ERROR(
        index->Upsert(ingest::GenerateDemoCatalog(first, std::min(kBatch, count - first))));
    std::fprintf(stderr, "\rloading demo catalog: %zu / %zu", std::min(count, first + kBatch),
                 count);
  }
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::fprintf(stderr, "\nloaded %zu demo products in %.1f s (%.0f/s)\n", count, secs,
               count / std::max(secs, 1e-9));
  return absl::OkStatus();
}

// Rebuilds the in-memory behaviour state: the demand counters from the
// stored events; user profiles are stored (ProfileSync) and load on first
// use, so the replay feeds them only on the first start that stores them.
absl::Status RestoreBehaviour(store::Store* store, BehaviourPipeline* behaviour,
                              ProfileSync* profiles) {
  constexpr int64_t kReplayWindowMs = 30LL * 24 * 3600 * 1000;
  constexpr char kProfilesStoredKey[] = "profiles.stored";
  AISLE_ASSIGN_OR_RETURN(auto stored, store->settings()->Get(kProfilesStoredKey));
  const bool rebuild_profiles = !stored.has_value();
  AISLE_RETURN_IF_ERROR(behaviour->Replay(*store->events(), kReplayWindowMs,
                                          {.update_preferences = rebuild_profiles}));
  if (!rebuild_profiles) return absl::OkStatus();
  AISLE_RETURN_IF_ERROR(profiles->Flush());
  return store->settings()->Put(kProfilesStoredKey, "true").get();
}

int Serve(int argc, char** argv) {
  auto flags = Flags::Parse(argc, argv,
                            {"data", "address", "port", "threads", "blocking-threads", "demo",
                             "webhook-url"});
  if (!flags.ok()) {
    std::cerr << "aisle serve: " << flags.status().message() << "\n" << kUsage;
    return 2;
  }
  auto port = flags->Int("port", 7700);
  auto threads = flags->Int("threads", 0);
  auto blocking_threads = flags->Int("blocking-threads", HttpServerOptions().blocking_threads);
  auto demo = flags->Int("demo", 0);
  if (!port.ok() || !threads.ok() || !blocking_threads.ok() || !demo.ok() || *port < 0 ||
      *port > 65535 || *threads < 0 || *blocking_threads < 1 || *demo < 0) {
    std::cerr << "aisle serve: --port, --threads, --blocking-threads (>= 1) and --demo take "
                 "non-negative integers\n";
    return 2;
  }
  const std::filesystem::path data = flags->String("data", "./data");
  std::error_code ec;
  std::filesystem::create_directories(data, ec);

  // Block the shutdown signals in every thread; main waits for them below.
  sigset_t shutdown_signals;
  sigemptyset(&shutdown_signals);
  sigaddset(&shutdown_signals, SIGINT);
  sigaddset(&shutdown_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &shutdown_signals, nullptr);

  index::IndexOptions index_options;
  index_options.path = (data / "index").string();
  auto index = index::ProductIndex::Open(index_options);
  if (!index.ok()) {
    std::cerr << "aisle serve: cannot open the index: " << index.status().message() << "\n";
    return 1;
  }
  store::StoreOptions store_options;
  store_options.path = (data / "aisle.db").string();
  auto store = store::Store::Open(store_options);
  if (!store.ok()) {
    std::cerr << "aisle serve: cannot open the store: " << store.status().message() << "\n";
    return 1;
  }
  // The index rebuilds its columns from documents; live signals (prices,
  // stock) come back from their durable copy.
  if (absl::Status s = RestoreSignals(*(*store)->signals(), index->get()); !s.ok()) {
    std::cerr << "aisle serve: restoring live signals: " << s.message() << "\n";
    return 1;
  }
  if (*demo > 0 && (*index)->Stats().documents == 0) {
    if (absl::Status s = LoadDemoCatalog(index->get(), *demo); !s.ok()) {
      std::cerr << "aisle serve: demo catalog: " << s.message() << "\n";
      return 1;
    }
  }

  SystemClock clock;
  // Order notifications (the outbox) go to the storefront's webhook when one
  // is configured; without it they wait in the outbox.
  std::unique_ptr<OutboxDispatcher> outbox;
  if (const std::string url = flags->String("webhook-url", ""); !url.empty()) {
    OutboxDispatcherOptions outbox_options;
    outbox_options.webhook_url = url;
    auto dispatcher = OutboxDispatcher::Create(std::move(outbox_options), (*store)->orders(), clock);
    if (!dispatcher.ok()) {
      std::cerr << "aisle serve: --webhook-url: " << dispatcher.status().message() << "\n";
      return 2;
    }
    outbox = std::move(*dispatcher);
    outbox->Start();
  }
  commerce::DemandCounters demand(clock);
  commerce::UserPreferencesOptions preference_options;
  preference_options.loader = ProfileSync::Loader((*store)->profiles());
  commerce::UserPreferences preferences(clock, preference_options);
  ProfileSync profile_sync(&preferences, (*store)->profiles());
  BehaviourPipeline behaviour(&clock, &demand, &preferences, index->get());
  if (absl::Status s = RestoreBehaviour(store->get(), &behaviour, &profile_sync); !s.ok()) {
    std::cerr << "aisle serve: restoring behaviour state: " << s.message() << "\n";
    return 1;
  }
  profile_sync.Start();

  PreferencesPersonalization personalization(&preferences);
  ranking::Searcher searcher(index->get(), ranking::SearcherOptions(), &personalization);
  if (absl::Status s = LoadRankingSettings(*(*store)->settings(), &searcher); !s.ok()) {
    std::cerr << "aisle serve: ranking settings: " << s.message() << "\n";
    return 1;
  }
  Metrics metrics;
  Router router(&metrics);
  SettingsHandlers settings(&searcher, (*store)->settings());
  settings.Register(&router);
  SignalHandlers signals(index->get(), (*store)->signals());
  signals.Register(&router);
  EventHandlers events(
      (*store)->events(), &clock,
      [&behaviour](const std::vector<Event>& accepted) { behaviour.Accept(accepted); });
  events.Register(&router);

  auto pricing_options = LoadPricingSettings(*(*store)->settings());
  if (!pricing_options.ok()) {
    std::cerr << "aisle serve: pricing settings: " << pricing_options.status().message() << "\n";
    return 1;
  }
  auto engine = commerce::PricingEngine::Create(*pricing_options);
  if (!engine.ok()) {
    std::cerr << "aisle serve: pricing: " << engine.status().message() << "\n";
    return 1;
  }
  commerce::PricingService pricing(
      clock, demand, preferences,
      [&index](const std::string& id) -> std::optional<int64_t> {
        auto live = (*index)->Signals(id);
        return live.ok() ? live->stock : std::nullopt;
      },
      StoreCompetitorLookup((*store)->competitor_prices()),
      std::make_shared<const commerce::PricingEngine>(std::move(*engine)));
  // Dynamic prices are derived, not stored: the first run, due at once,
  // restores them; then one every update interval.
  RepriceJobOptions reprice_options;
  reprice_options.interval_ms = pricing.engine()->options().update_interval_ms;
  RepriceJob reprice(clock, index->get(), &pricing, reprice_options);
  reprice.Start();
  PricingSettingsHandlers pricing_settings(&pricing, (*store)->settings(),
                                           [&reprice] { reprice.RequestNow(); });
  pricing_settings.Register(&router);
  // Quote ids must not be guessable: a seeded generator, not a counter.
  std::mutex quote_rng_mu;
  std::mt19937_64 quote_rng{std::random_device{}()};
  commerce::QuoteBookOptions quote_options;
  quote_options.random = [&] {
    std::lock_guard lock(quote_rng_mu);
    return quote_rng();
  };
  commerce::QuoteBook quotes(clock, quote_options);
  PricingHandlers pricing_routes(index->get(), &pricing, &quotes, (*store)->competitor_prices());
  pricing_routes.Register(&router);
  CatalogHandlers catalog(index->get(), &searcher, &signals);
  catalog.Register(&router);
  // Warehouse stock and reservations; availability flows into the index.
  commerce::InventoryService inventory(clock, (*store)->inventory(),
                                       IndexAvailabilitySink(index->get()));
  if (absl::Status s = inventory.PublishAll(); !s.ok()) {
    std::cerr << "aisle serve: publishing inventory: " << s.message() << "\n";
    return 1;
  }
  inventory.Start();
  InventoryHandlers inventory_routes(&inventory);
  inventory_routes.Register(&router);
  // Reorder points and order quantities from recorded purchases (read-only).
  ReplenishmentHandlers replenishment_routes(clock, (*store)->inventory(), (*store)->events(),
                                             CatalogUnitCostLookup(index->get()));
  replenishment_routes.Register(&router);
  // Carts hold stock through the inventory service and price lines from the
  // shopper's quote or the index's live price.
  commerce::CartService carts(clock, (*store)->carts(), &inventory, &quotes,
                              IndexPriceLookup(index->get()));
  CartHandlers cart_routes(&carts);
  cart_routes.Register(&router);
  // Checkout charges through the built-in sandbox gateway (test card tokens,
  // commerce/payment_gateway.h) until a processor's client is wired here.
  commerce::SandboxGateway gateway;
  // Placed orders are purchases: recorded as events (demand, preferences,
  // replenishment) as if the storefront had sent them.
  auto record_purchases = [&](const store::Order& order) {
    std::vector<Event> purchases = PurchaseEventsOf(order, **index);
    if (purchases.empty()) return;
    if (absl::Status s = (*store)->events()->AppendEvents(purchases).get(); !s.ok()) {
      std::cerr << "aisle: purchases of order " << order.id << " not recorded: " << s << "\n";
      return;
    }
    behaviour.Accept(purchases);
  };
  commerce::OrderService orders(clock, (*store)->orders(), &inventory, &carts, &gateway,
                                commerce::OrderServiceOptions(), record_purchases);
  orders.Start();  // Resumes checkouts a crash interrupted.
  OrderHandlers order_routes(&orders);
  order_routes.Register(&router);
  RegisterOpsHandlers(index->get(), &metrics, &router);

  HttpServerOptions http_options;
  http_options.address = flags->String("address", "127.0.0.1");
  http_options.port = static_cast<uint16_t>(*port);
  http_options.io_threads = static_cast<int>(*threads);
  http_options.blocking_threads = static_cast<int>(*blocking_threads);
  auto server = HttpServer::Start(http_options, &router);
  if (!server.ok()) {
    std::cerr << "aisle serve: " << server.status().message() << "\n";
    return 1;
  }
  std::cout << "aisle listening on http://" << http_options.address << ":" << (*server)->port()
            << " with " << (*index)->Stats().documents << " products (data in " << data.string()
            << ")" << std::endl;

  int signal_number = 0;
  sigwait(&shutdown_signals, &signal_number);
  std::cout << "aisle: signal " << signal_number << ", draining requests" << std::endl;
  (*server)->Stop();
  reprice.Stop();       // Before the index closes.
  orders.Stop();
  if (outbox) outbox->Stop();  // Before the store closes.
  inventory.Stop();
  profile_sync.Stop();  // Flushes once more, before the store closes.
  (*store)->Close();
  if (absl::Status s = (*index)->Close(); !s.ok()) {
    std::cerr << "aisle: closing the index: " << s.message() << "\n";
    return 1;
  }
  std::cout << "aisle: stopped cleanly" << std::endl;
  return 0;
}

}  // namespace
}  // namespace aisle::server

int main(int argc, char** argv) {
  const std::string command = argc > 1 ? argv[1] : "";
  if (command == "serve") return aisle::server::Serve(argc - 2, argv + 2);
  if (command == "gen") return aisle::server::RunGen(argc - 2, argv + 2);
  if (command == "import") return aisle::server::RunImport(argc - 2, argv + 2);
  std::cerr << aisle::server::kUsage;
  return command.empty() || command == "help" || command == "--help" ? 0 : 2;
}
