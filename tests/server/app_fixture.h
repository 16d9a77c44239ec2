// An in-process aisle: a real index in a temp dir, the real router and
// handlers, the real HTTP server on a loopback port, and a client.
#ifndef AISLE_TESTS_SERVER_APP_FIXTURE_H_
#define AISLE_TESTS_SERVER_APP_FIXTURE_H_

#include <gtest/gtest.h>
#include <simdjson.h>

#include <memory>
#include <string>

#include "index/product_index.h"
#include "ranking/searcher.h"
#include "server/behaviour_pipeline.h"
#include "server/cart_handlers.h"
#include "server/catalog_handlers.h"
#include "server/event_handlers.h"
#include "server/http_client.h"
#include "server/http_server.h"
#include "server/inventory_handlers.h"
#include "server/metrics.h"
#include "server/order_handlers.h"
#include "server/purchase_events.h"
#include "server/ops_handlers.h"
#include "server/personalization.h"
#include "server/pricing_handlers.h"
#include "server/pricing_settings.h"
#include "server/review_handlers.h"
#include "server/router.h"
#include "server/settings_handlers.h"
#include "server/signal_handlers.h"
#include "store/store.h"
#include "tests/testing/test_util.h"

namespace aisle::server {

class AppFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    index::IndexOptions options;
    options.path = dir_.Sub("index");
    auto index = index::ProductIndex::Open(options);
    ASSERT_TRUE(index.ok()) << index.status();
    index_ = std::move(*index);
    router_ = std::make_unique<Router>(&metrics_);
    CatalogHandlersOptions handler_options;
    handler_options.max_ingest_body_bytes = 4 << 20;
    store::StoreOptions store_options;
    store_options.path = dir_.Sub("aisle.db");
    auto store = store::Store::Open(store_options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    signals_ = std::make_unique<SignalHandlers>(index_.get(), store_->signals());
    signals_->Register(router_.get());
    demand_ = std::make_unique<commerce::DemandCounters>(clock_);
    preferences_ = std::make_unique<commerce::UserPreferences>(clock_);
    behaviour_ = std::make_unique<BehaviourPipeline>(&clock_, demand_.get(), preferences_.get(),
                                                     index_.get());
    personalization_ = std::make_unique<PreferencesPersonalization>(preferences_.get());
    searcher_ = std::make_unique<ranking::Searcher>(index_.get(), ranking::SearcherOptions(),
                                                    personalization_.get());
    settings_ = std::make_unique<SettingsHandlers>(searcher_.get(), store_->settings());
    settings_->Register(router_.get());
    events_ = std::make_unique<EventHandlers>(
        store_->events(), &clock_,
        [this](const std::vector<Event>& accepted) { behaviour_->Accept(accepted); });
    events_->Register(router_.get());
    auto engine = commerce::PricingEngine::Create();
    ASSERT_TRUE(engine.ok()) << engine.status();
    pricing_ = std::make_unique<commerce::PricingService>(
        clock_, *demand_, *preferences_,
        [this](const std::string& id) -> std::optional<int64_t> {
          auto live = index_->Signals(id);
          return live.ok() ? live->stock : std::nullopt;
        },
        StoreCompetitorLookup(store_->competitor_prices()),
        std::make_shared<const commerce::PricingEngine>(std::move(*engine)));
    quotes_ = std::make_unique<commerce::QuoteBook>(clock_);
    pricing_routes_ = std::make_unique<PricingHandlers>(index_.get(), pricing_.get(), quotes_.get(),
                                                        store_->competitor_prices());
    pricing_routes_->Register(router_.get());
    pricing_settings_ = std::make_unique<PricingSettingsHandlers>(
        pricing_.get(), store_->settings(), [this] { ++reprice_requests_; });
    pricing_settings_->Register(router_.get());
    catalog_ = std::make_unique<CatalogHandlers>(index_.get(), searcher_.get(), signals_.get(),
                                                 handler_options);
    catalog_->Register(router_.get());
    inventory_ = std::make_unique<commerce::InventoryService>(
        clock_, store_->inventory(), IndexAvailabilitySink(index_.get()));
    inventory_routes_ = std::make_unique<InventoryHandlers>(inventory_.get());
    inventory_routes_->Register(router_.get());
    carts_ = std::make_unique<commerce::CartService>(clock_, store_->carts(), inventory_.get(),
                                                     quotes_.get(), IndexPriceLookup(index_.get()));
    cart_routes_ = std::make_unique<CartHandlers>(carts_.get());
    cart_routes_->Register(router_.get());
    gateway_ = std::make_unique<commerce::SandboxGateway>();
    fraud_ = std::make_unique<commerce::FraudScreen>(clock_, store_->orders(), store_->events(),
                                                     gateway_.get());
    orders_ = std::make_unique<commerce::OrderService>(
        clock_, store_->orders(), inventory_.get(), carts_.get(), gateway_.get(),
        commerce::OrderServiceOptions(), [this](const store::Order& order) {
          std::vector<Event> purchases = PurchaseEventsOf(order, *index_);
          ASSERT_TRUE(store_->events()->AppendEvents(purchases).get().ok());
          behaviour_->Accept(purchases);
        },
        fraud_.get());
    order_routes_ = std::make_unique<OrderHandlers>(orders_.get());
    order_routes_->Register(router_.get());
    review_routes_ = std::make_unique<ReviewHandlers>(orders_.get());
    review_routes_->Register(router_.get());
    RegisterOpsHandlers(index_.get(), &metrics_, router_.get());
    HttpServerOptions http;
    http.port = 0;
    http.io_threads = 2;
    auto server = HttpServer::Start(http, router_.get());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    client_ = NewClient();
  }

  void TearDown() override {
    if (server_) server_->Stop();
    if (store_) store_->Close();
    if (index_) {
      EXPECT_TRUE(index_->Close().ok());
    }
  }

  std::unique_ptr<HttpClient> NewClient() const {
    HttpClientOptions options;
    options.port = server_->port();
    return HttpClient::Create(options);
  }

  ClientResponse Call(std::string_view method, std::string_view target, std::string_view body = {},
                      std::string_view type = "application/json") {
    auto response = client_->Send(method, target, body, type);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : ClientResponse{};
  }

  testing::TempDir dir_;
  std::unique_ptr<index::ProductIndex> index_;
  std::unique_ptr<ranking::Searcher> searcher_;
  Metrics metrics_;
  std::unique_ptr<Router> router_;
  FakeClock clock_{1'750'000'000'000};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<commerce::DemandCounters> demand_;
  std::unique_ptr<commerce::UserPreferences> preferences_;
  std::unique_ptr<BehaviourPipeline> behaviour_;
  std::unique_ptr<PreferencesPersonalization> personalization_;
  std::unique_ptr<SettingsHandlers> settings_;
  std::unique_ptr<EventHandlers> events_;
  std::unique_ptr<commerce::PricingService> pricing_;
  std::unique_ptr<commerce::QuoteBook> quotes_;
  std::unique_ptr<PricingHandlers> pricing_routes_;
  std::unique_ptr<PricingSettingsHandlers> pricing_settings_;
  std::atomic<int> reprice_requests_{0};
  std::unique_ptr<SignalHandlers> signals_;
  std::unique_ptr<CatalogHandlers> catalog_;
  std::unique_ptr<commerce::InventoryService> inventory_;
  std::unique_ptr<InventoryHandlers> inventory_routes_;
  std::unique_ptr<commerce::CartService> carts_;
  std::unique_ptr<CartHandlers> cart_routes_;
  std::unique_ptr<commerce::SandboxGateway> gateway_;
  std::unique_ptr<commerce::FraudScreen> fraud_;
  std::unique_ptr<commerce::OrderService> orders_;
  std::unique_ptr<OrderHandlers> order_routes_;
  std::unique_ptr<ReviewHandlers> review_routes_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
};

// A parsed JSON response body, kept alive with its parser.
class JsonBody {
 public:
  explicit JsonBody(const std::string& text) : padded_(text) {
    error_ = parser_.parse(padded_).get(root_);
  }
  bool ok() const { return error_ == simdjson::SUCCESS; }
  simdjson::dom::element root() const { return root_; }
  simdjson::dom::element operator[](const char* pointer) const {
    simdjson::dom::element e;
    if (root_.at_pointer(pointer).get(e)) return simdjson::dom::element();
    return e;
  }
  uint64_t Uint(const char* pointer) const {
    uint64_t v = UINT64_MAX;
    if (root_.at_pointer(pointer).get_uint64().get(v) != simdjson::SUCCESS) v = UINT64_MAX;
    return v;
  }
  std::string String(const char* pointer) const {
    std::string_view v;
    if (root_.at_pointer(pointer).get_string().get(v)) return "<missing>";
    return std::string(v);
  }
  size_t Size(const char* pointer) const {
    simdjson::dom::array a;
    if (root_.at_pointer(pointer).get_array().get(a)) return SIZE_MAX;
    return a.size();
  }

 private:
  simdjson::padded_string padded_;
  simdjson::dom::parser parser_;
  simdjson::dom::element root_;
  simdjson::error_code error_;
};

}  // namespace aisle::server

#endif  // AISLE_TESTS_SERVER_APP_FIXTURE_H_
