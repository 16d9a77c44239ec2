// `aisle serve`: opens the data directory, wires every module together and
// serves HTTP until SIGINT or SIGTERM. This is the only place that knows
// every module. The wiring is grouped by what the parts do (learning from
// behaviour, search, pricing, checkout, routes); each group is a struct whose
// members are declared, so constructed and destroyed, in dependency order.
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

#include "absl/strings/str_cat.h"
#include "base/clock.h"
#include "commerce/cart_service.h"
#include "commerce/demand_counters.h"
#include "commerce/fraud_screen.h"
#include "commerce/inventory_service.h"
#include "commerce/order_service.h"
#include "commerce/payment_gateway.h"
#include "commerce/pricing_service.h"
#include "commerce/quote_book.h"
#include "commerce/user_preferences.h"
#include "index/product_index.h"
#include "ingest/demo_catalog.h"
#include "ranking/searcher.h"
#include "server/behaviour_pipeline.h"
#include "server/cart_handlers.h"
#include "server/catalog_handlers.h"
#include "server/commands.h"
#include "server/event_handlers.h"
#include "server/flags.h"
#include "server/fraud_settings.h"
#include "server/http_server.h"
#include "server/inventory_handlers.h"
#include "server/metrics.h"
#include "server/ops_handlers.h"
#include "server/order_handlers.h"
#include "server/outbox_dispatcher.h"
#include "server/personalization.h"
#include "server/pricing_handlers.h"
#include "server/pricing_settings.h"
#include "server/profile_sync.h"
#include "server/purchase_events.h"
#include "server/recommendation_handlers.h"
#include "server/recommendation_models.h"
#include "server/recommendation_settings.h"
#include "server/replenishment_handlers.h"
#include "server/reprice_job.h"
#include "server/review_handlers.h"
#include "server/router.h"
#include "server/settings_handlers.h"
#include "server/signal_handlers.h"
#include "store/store.h"

namespace aisle::server {
namespace {

// `status` with `context` before its message (same code).
absl::Status WithContext(const absl::Status& status, std::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(std::string(context), status.message()));
}
template <typename T>
absl::StatusOr<T> WithContext(absl::StatusOr<T> value, std::string_view context) {
  if (value.ok()) return value;
  return WithContext(value.status(), context);
}

struct ServeOptions {
  std::filesystem::path data = "./data";
  std::string address = "127.0.0.1";
  uint16_t port = 7700;
  int threads = 0;  // 0: one per core.
  int blocking_threads = HttpServerOptions().blocking_threads;
  int64_t demo = 0;
  std::string webhook_url;
};

absl::StatusOr<ServeOptions> ParseServeOptions(int argc, char** argv) {
  AISLE_ASSIGN_OR_RETURN(Flags flags,
                         Flags::Parse(argc, argv,
                                      {"data", "address", "port", "threads", "blocking-threads",
                                       "demo", "webhook-url"}));
  ServeOptions options;
  auto port = flags.Int("port", options.port);
  auto threads = flags.Int("threads", options.threads);
  auto blocking_threads = flags.Int("blocking-threads", options.blocking_threads);
  auto demo = flags.Int("demo", options.demo);
  if (!port.ok() || !threads.ok() || !blocking_threads.ok() || !demo.ok() || *port < 0 ||
      *port > 65535 || *threads < 0 || *blocking_threads < 1 || *demo < 0) {
    return absl::InvalidArgumentError(
        "--port, --threads, --blocking-threads (>= 1) and --demo take non-negative integers");
  }
  options.data = flags.String("data", options.data.string());
  options.address = flags.String("address", options.address);
  options.port = static_cast<uint16_t>(*port);
  options.threads = static_cast<int>(*threads);
  options.blocking_threads = static_cast<int>(*blocking_threads);
  options.demo = *demo;
  options.webhook_url = flags.String("webhook-url", "");
  return options;
}

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

// The data directory: the index (with its live signals restored from their
// durable copy) and the store.
struct Data {
  std::unique_ptr<index::ProductIndex> index;
  std::unique_ptr<store::Store> store;
};

absl::StatusOr<Data> OpenData(const ServeOptions& options) {
  std::error_code ec;
  std::filesystem::create_directories(options.data, ec);
  Data data;
  index::IndexOptions index_options;
  index_options.path = (options.data / "index").string();
  AISLE_ASSIGN_OR_RETURN(data.index, WithContext(index::ProductIndex::Open(index_options),
                                                 "cannot open the index: "));
  store::StoreOptions store_options;
  store_options.path = (options.data / "aisle.db").string();
  AISLE_ASSIGN_OR_RETURN(data.store, WithContext(store::Store::Open(store_options),
                                                 "cannot open the store: "));
  // The index rebuilds its columns from documents; live signals (prices,
  // stock) come back from their durable copy.
  AISLE_RETURN_IF_ERROR(WithContext(RestoreSignals(*data.store->signals(), data.index.get()),
                                    "restoring live signals: "));
  if (options.demo > 0 && data.index->Stats().documents == 0) {
    AISLE_RETURN_IF_ERROR(WithContext(
        LoadDemoCatalog(data.index.get(), static_cast<size_t>(options.demo)), "demo catalog: "));
  }
  return data;
}

// What learns from behaviour events: demand windows and user preferences
// (profiles stored by ProfileSync, loaded on first use), fed by the pipeline.
struct Learning {
  Learning(const Clock& clock, Data& data)
      : demand(clock),
        preferences(clock, PreferenceOptions(data)),
        profile_sync(&preferences, data.store->profiles()),
        pipeline(&clock, &demand, &preferences, data.index.get()) {}

  static commerce::UserPreferencesOptions PreferenceOptions(Data& data) {
    commerce::UserPreferencesOptions options;
    options.loader = ProfileSync::Loader(data.store->profiles());
    return options;
  }

  // Rebuilds the demand counters from the stored events; profiles are fed
  // by the replay only on the first start that stores them.
  absl::Status Restore(store::Store& store) {
    constexpr int64_t kReplayWindowMs = 30LL * 24 * 3600 * 1000;
    constexpr char kProfilesStoredKey[] = "profiles.stored";
    AISLE_ASSIGN_OR_RETURN(auto stored, store.settings()->Get(kProfilesStoredKey));
    const bool rebuild_profiles = !stored.has_value();
    AISLE_RETURN_IF_ERROR(pipeline.Replay(*store.events(), kReplayWindowMs,
                                          {.update_preferences = rebuild_profiles}));
    if (!rebuild_profiles) return absl::OkStatus();
    AISLE_RETURN_IF_ERROR(profile_sync.Flush());
    return store.settings()->Put(kProfilesStoredKey, "true").get();
  }

  commerce::DemandCounters demand;
  commerce::UserPreferences preferences;
  ProfileSync profile_sync;
  BehaviourPipeline pipeline;
};

// Prices: the engine from the stored settings, the hourly repricing into the
// index's live price column, and the quotes shoppers are shown.
struct Pricing {
  Pricing(const Clock& clock, Data& data, Learning& learning,
          std::shared_ptr<const commerce::PricingEngine> engine)
      : service(
            clock, learning.demand, learning.preferences,
            [index = data.index.get()](const std::string& id) -> std::optional<int64_t> {
              auto live = index->Signals(id);
              return live.ok() ? live->stock : std::nullopt;
            },
            StoreCompetitorLookup(data.store->competitor_prices()), std::move(engine)),
        reprice(clock, data.index.get(), &service, RepriceOptions(service)),
        quotes(clock, QuoteOptions()) {}

  static absl::StatusOr<std::shared_ptr<const commerce::PricingEngine>> StoredEngine(Data& data) {
    AISLE_ASSIGN_OR_RETURN(const commerce::PricingOptions options,
                           LoadPricingSettings(*data.store->settings()));
    AISLE_ASSIGN_OR_RETURN(commerce::PricingEngine engine, commerce::PricingEngine::Create(options));
    return std::make_shared<const commerce::PricingEngine>(std::move(engine));
  }
  // Dynamic prices are derived, not stored: the first run, due at once,
  // restores them; then one every update interval.
  static RepriceJobOptions RepriceOptions(const commerce::PricingService& service) {
    RepriceJobOptions options;
    options.interval_ms = service.engine()->options().update_interval_ms;
    return options;
  }
  // Quote ids must not be guessable: a seeded generator, not a counter.
  commerce::QuoteBookOptions QuoteOptions() {
    commerce::QuoteBookOptions options;
    options.random = [this] {
      std::lock_guard lock(rng_mu);
      return rng();
    };
    return options;
  }

  std::mutex rng_mu;
  std::mt19937_64 rng{std::random_device{}()};  // Guarded by rng_mu.
  commerce::PricingService service;
  RepriceJob reprice;
  commerce::QuoteBook quotes;
};

// Checkout: warehouse stock and reservations (availability flows into the
// index), carts, payments, orders and their notifications.
struct Checkout {
  Checkout(const Clock& clock, Data& data, Learning& learning, Pricing& pricing,
           commerce::FraudSettings fraud_settings)
      : inventory(clock, data.store->inventory(), IndexAvailabilitySink(data.index.get())),
        carts(clock, data.store->carts(), &inventory, &pricing.quotes,
              IndexPriceLookup(data.index.get())),
        fraud(clock, data.store->orders(), data.store->events(), &gateway,
              std::move(fraud_settings)),
        orders(clock, data.store->orders(), &inventory, &carts, &gateway,
               commerce::OrderServiceOptions(), PurchaseRecorder(data, learning), &fraud) {}

  // Placed orders are purchases: recorded as events (demand, preferences,
  // replenishment) as if the storefront had sent them.
  static commerce::PlacedListener PurchaseRecorder(Data& data, Learning& learning) {
    return [&data, &learning](const store::Order& order) {
      std::vector<Event> purchases = PurchaseEventsOf(order, *data.index);
      if (purchases.empty()) return;
      if (absl::Status s = data.store->events()->AppendEvents(purchases).get(); !s.ok()) {
        std::cerr << "aisle: purchases of order " << order.id << " not recorded: " << s << "\n";
        return;
      }
      learning.pipeline.Accept(purchases);
    };
  }

  commerce::InventoryService inventory;
  commerce::CartService carts;
  // The built-in sandbox (test card tokens, commerce/payment_gateway.h)
  // until a processor's client is wired here.
  commerce::SandboxGateway gateway;
  // Every order is screened before it is charged (issue E).
  commerce::FraudScreen fraud;
  commerce::OrderService orders;
  // Order notifications go to the storefront's webhook when one is
  // configured; without it they wait in the outbox.
  std::unique_ptr<OutboxDispatcher> outbox;
};

// Recommendations: the model lifecycle (persisted generations under
// <data>/vectors, background training), fed every behaviour event by the
// pipeline, live and replayed; Start()ed once the catalog and events are
// restored.
absl::StatusOr<std::unique_ptr<RecommendationModels>> OpenRecommendations(
    const ServeOptions& options, const Clock& clock, Data& data, Learning& learning) {
  RecommendationModelsOptions models_options;
  models_options.dir = (options.data / "vectors").string();
  AISLE_ASSIGN_OR_RETURN(models_options.settings,
                         LoadRecommendationSettings(*data.store->settings()));
  AISLE_ASSIGN_OR_RETURN(auto models,
                         RecommendationModels::Open(std::move(models_options), &clock,
                                                    data.index.get(), data.store->events(),
                                                    &learning.demand));
  learning.pipeline.SetListener(
      [recommendations = models.get()](const Event& event) { recommendations->Record(event); });
  return models;
}

// Every route, registered on construction.
struct Routes {
  Routes(const Clock& clock, Data& data, Learning& learning, ranking::Searcher& searcher,
         Pricing& pricing, Checkout& checkout, RecommendationModels& recommendations,
         Metrics* metrics)
      : router(metrics),
        settings(&searcher, data.store->settings()),
        signals(data.index.get(), data.store->signals()),
        events(data.store->events(), &clock,
               [&learning](const std::vector<Event>& accepted) {
                 learning.pipeline.Accept(accepted);
               }),
        pricing_settings(&pricing.service, data.store->settings(),
                         [&pricing] { pricing.reprice.RequestNow(); }),
        pricing_routes(data.index.get(), &pricing.service, &pricing.quotes,
                       data.store->competitor_prices()),
        fraud_settings(data.store->settings(), checkout.fraud.settings(),
                       [&checkout](const commerce::FraudSettings& settings) {
                         checkout.fraud.SetSettings(settings);
                       }),
        catalog(data.index.get(), &searcher, &signals, CatalogOptions(recommendations)),
        inventory(&checkout.inventory),
        replenishment(clock, data.store->inventory(), data.store->events(),
                      CatalogUnitCostLookup(data.index.get())),
        carts(&checkout.carts),
        orders(&checkout.orders),
        reviews(&checkout.orders),
        recommendation_settings(data.store->settings(),
                                recommendations.recommender()->settings(),
                                [&recommendations](const ranking::RecommenderSettings& settings) {
                                  recommendations.recommender()->SetSettings(settings);
                                }),
        recommendation_routes(recommendations.recommender(), recommendations.activity(),
                              data.index.get(), data.store->carts(), &recommendations) {
    settings.Register(&router);
    signals.Register(&router);
    events.Register(&router);
    pricing_settings.Register(&router);
    pricing_routes.Register(&router);
    fraud_settings.Register(&router);
    catalog.Register(&router);
    inventory.Register(&router);
    replenishment.Register(&router);
    carts.Register(&router);
    orders.Register(&router);
    reviews.Register(&router);
    recommendation_settings.Register(&router);
    recommendation_routes.Register(&router);
    RegisterOpsHandlers(data.index.get(), metrics, &router);
  }

  // Catalog writes reach the recommendations' content index at once.
  static CatalogHandlersOptions CatalogOptions(RecommendationModels& recommendations) {
    CatalogHandlersOptions options;
    options.on_upserted = [&recommendations](const std::vector<Product>& products) {
      recommendations.OnProductsChanged(products);
    };
    options.on_deleted = [&recommendations](const std::vector<std::string>& ids) {
      recommendations.OnProductsDeleted(ids);
    };
    return options;
  }

  Router router;
  SettingsHandlers settings;
  SignalHandlers signals;
  EventHandlers events;
  PricingSettingsHandlers pricing_settings;
  PricingHandlers pricing_routes;
  FraudSettingsHandlers fraud_settings;
  CatalogHandlers catalog;
  InventoryHandlers inventory;
  ReplenishmentHandlers replenishment;
  CartHandlers carts;
  OrderHandlers orders;
  ReviewHandlers reviews;
  RecommendationSettingsHandlers recommendation_settings;
  RecommendationHandlers recommendation_routes;
};

int Fail(std::string_view what, const absl::Status& status, int code = 1) {
  std::cerr << "aisle serve: " << what << status.message() << "\n";
  return code;
}

// Blocks the shutdown signals in every thread (threads inherit the mask);
// the caller waits for them with sigwait.
sigset_t BlockShutdownSignals() {
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  return signals;
}

}  // namespace

int Serve(int argc, char** argv) {
  absl::StatusOr<ServeOptions> options = ParseServeOptions(argc, argv);
  if (!options.ok()) {
    std::cerr << "aisle serve: " << options.status().message() << "\n" << kUsage;
    return 2;
  }
  const sigset_t shutdown_signals = BlockShutdownSignals();
  absl::StatusOr<Data> data = OpenData(*options);
  if (!data.ok()) return Fail("", data.status());

  SystemClock clock;
  Learning learning(clock, *data);
  // Before Restore: the replay also fills the recommendations' recent activity.
  auto recommendations = OpenRecommendations(*options, clock, *data, learning);
  if (!recommendations.ok()) return Fail("recommendations: ", recommendations.status());
  if (absl::Status s = learning.Restore(*data->store); !s.ok()) {
    return Fail("restoring behaviour state: ", s);
  }
  learning.profile_sync.Start();
  (*recommendations)->Start();
  PreferencesPersonalization personalization(&learning.preferences);
  ranking::Searcher searcher(data->index.get(), ranking::SearcherOptions(), &personalization);
  if (absl::Status s = LoadRankingSettings(*data->store->settings(), &searcher); !s.ok()) {
    return Fail("ranking settings: ", s);
  }
  auto engine = Pricing::StoredEngine(*data);
  if (!engine.ok()) return Fail("pricing settings: ", engine.status());
  Pricing pricing(clock, *data, learning, *std::move(engine));
  pricing.reprice.Start();
  auto fraud_settings = LoadFraudSettings(*data->store->settings());
  if (!fraud_settings.ok()) return Fail("fraud settings: ", fraud_settings.status());
  Checkout checkout(clock, *data, learning, pricing, *std::move(fraud_settings));
  if (absl::Status s = checkout.inventory.PublishAll(); !s.ok()) {
    return Fail("publishing inventory: ", s);
  }
  checkout.inventory.Start();
  checkout.orders.Start();  // Resumes checkouts a crash interrupted.
  if (!options->webhook_url.empty()) {
    OutboxDispatcherOptions outbox_options;
    outbox_options.webhook_url = options->webhook_url;
    auto dispatcher = OutboxDispatcher::Create(std::move(outbox_options), data->store->orders(),
                                               clock);
    if (!dispatcher.ok()) return Fail("--webhook-url: ", dispatcher.status(), 2);
    checkout.outbox = *std::move(dispatcher);
    checkout.outbox->Start();
  }
  Metrics metrics;
  Routes routes(clock, *data, learning, searcher, pricing, checkout, **recommendations, &metrics);

  HttpServerOptions http_options;
  http_options.address = options->address;
  http_options.port = options->port;
  http_options.io_threads = options->threads;
  http_options.blocking_threads = options->blocking_threads;
  auto server = HttpServer::Start(http_options, &routes.router);
  if (!server.ok()) return Fail("", server.status());
  std::cout << "aisle listening on http://" << http_options.address << ":" << (*server)->port()
            << " with " << data->index->Stats().documents << " products (data in "
            << options->data.string() << ")" << std::endl;

  int signal_number = 0;
  sigwait(&shutdown_signals, &signal_number);
  std::cout << "aisle: signal " << signal_number << ", draining requests" << std::endl;
  (*server)->Stop();
  (*recommendations)->Stop();  // Cancels a training; before the index and store close.
  pricing.reprice.Stop();  // Before the index closes.
  checkout.orders.Stop();
  if (checkout.outbox) checkout.outbox->Stop();  // Before the store closes.
  checkout.inventory.Stop();
  learning.profile_sync.Stop();  // Flushes once more, before the store closes.
  data->store->Close();
  if (absl::Status s = data->index->Close(); !s.ok()) {
    std::cerr << "aisle: closing the index: " << s.message() << "\n";
    return 1;
  }
  std::cout << "aisle: stopped cleanly" << std::endl;
  return 0;
}

}  // namespace aisle::server
