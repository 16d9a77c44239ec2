// Fraud settings over HTTP: the seed's defaults under the documented names,
// partial PUTs that change only what they name, are stored and reach the
// checkout's callback, bad input refused without changing anything, and the
// stored settings loaded by the next process. A real store in a temp dir, the
// real router and HTTP server on loopback.
#include "server/fraud_settings.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/http_client.h"
#include "server/http_server.h"
#include "server/router.h"
#include "store/store.h"
#include "tests/server/app_fixture.h"  // JsonBody.
#include "tests/testing/test_util.h"

namespace aisle::server {
namespace {

constexpr char kRoute[] = "/v1/settings/fraud";

class FraudSettingsRoutes : public ::testing::Test {
 protected:
  void SetUp() override {
    store::StoreOptions store_options;
    store_options.path = dir_.Sub("aisle.db");
    auto store = store::Store::Open(store_options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    ASSERT_NO_FATAL_FAILURE(Start());
  }

  void TearDown() override {
    Stop();
    if (store_) store_->Close();
  }

  // A process's start-up: the stored settings, new handlers, a new server.
  void Start() {
    auto loaded = LoadFraudSettings(*store_->settings());
    ASSERT_TRUE(loaded.ok()) << loaded.status();
    router_ = std::make_unique<Router>();
    handlers_ = std::make_unique<FraudSettingsHandlers>(
        store_->settings(), std::move(*loaded), [this](const commerce::FraudSettings& s) {
          std::lock_guard<std::mutex> lock(mu_);
          changes_.push_back(FraudSettingsJson(s));
        });
    handlers_->Register(router_.get());
    HttpServerOptions http;
    http.port = 0;
    http.io_threads = 1;
    http.blocking_threads = 1;
    auto server = HttpServer::Start(http, router_.get());
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(*server);
    HttpClientOptions client;
    client.port = server_->port();
    client_ = HttpClient::Create(client);
  }

  void Stop() {
    if (server_) server_->Stop();
    server_.reset();
    client_.reset();
  }

  ClientResponse Call(std::string_view method, std::string_view body = {}) {
    auto response = client_->Send(method, kRoute, body, "application/json");
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? *response : ClientResponse{};
  }

  std::optional<std::string> Stored() {
    auto stored = store_->settings()->Get(kFraudSettingsKey);
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.ok() ? *stored : std::nullopt;
  }

  std::vector<std::string> Changes() {
    std::lock_guard<std::mutex> lock(mu_);
    return changes_;
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<Router> router_;
  std::unique_ptr<FraudSettingsHandlers> handlers_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
  std::mutex mu_;
  std::vector<std::string> changes_;  // FraudSettingsJson of each on_change call.
};

// Through at_pointer, not JsonBody's operator[]: the default element that
// operator[] returns for a missing member crashes when read.
double Number(const JsonBody& body, const char* pointer) {
  double v = -1;
  EXPECT_FALSE(body.root().at_pointer(pointer).get_double().get(v)) << pointer << " is missing";
  return v;
}

// Members of the object at `pointer`, or SIZE_MAX when it is not an object.
size_t Members(const JsonBody& body, const char* pointer) {
  simdjson::dom::object object;
  if (body.root().at_pointer(pointer).get_object().get(object)) return SIZE_MAX;
  return object.size();
}

TEST_F(FraudSettingsRoutes, GetReturnsTheSeedDefaultsUnderTheDocumentedNames) {
  auto r = Call("GET");
  ASSERT_EQ(r.status, 200) << r.body;
  JsonBody body(r.body);
  ASSERT_TRUE(body.ok()) << r.body;
  // docs/FRAUD.md section 3, every row. Counts must be JSON integers.
  const std::pair<const char*, double> reals[] = {
      {"/weights/velocity", 0.30},
      {"/weights/payment", 0.25},
      {"/weights/geography", 0.20},
      {"/weights/behaviour", 0.15},
      {"/weights/device", 0.10},
      {"/velocity/ordersPerHourScore", 0.8},
      {"/velocity/maxOrderValuePerDay", 5000},
      {"/velocity/orderValuePerDayScore", 0.7},
      {"/velocity/failedPaymentsPerHourScore", 0.9},
      {"/payment/cardBillingCountryMismatchScore", 0.6},
      {"/payment/newCardScore", 0.2},
      {"/payment/manyCardsScore", 0.5},
      {"/payment/sharedCardScore", 0.6},
      {"/payment/declinesScore", 0.4},
      {"/geography/shippingBillingCountryMismatchScore", 0.3},
      {"/geography/ipBillingCountryMismatchScore", 0.4},
      {"/geography/maxDistanceFromUsualKm", 500},
      {"/geography/farFromUsualScore", 0.3},
      {"/behaviour/newSessionScore", 0.3},
      {"/behaviour/noBrowsingScore", 0.3},
      {"/behaviour/rushedCheckoutScore", 0.3},
      {"/behaviour/maxValueToAverageRatio", 5},
      {"/behaviour/unusualValueScore", 0.4},
      {"/behaviour/firstOrderMaxValue", 1000},
      {"/behaviour/firstOrderHighValueScore", 0.4},
      {"/device/newDeviceScore", 0.3},
      {"/device/sharedDeviceScore", 0.7},
      {"/levels/medium", 0.5},
      {"/levels/high", 0.8},
      {"/levels/block", 0.9},
  };
  for (const auto& [pointer, expected] : reals) EXPECT_EQ(Number(body, pointer), expected) << pointer;
  const std::pair<const char*, int64_t> counts[] = {
      {"/velocity/maxOrdersPerHour", 5},
      {"/velocity/maxFailedPaymentsPerHour", 3},
      {"/payment/newCardMinPastOrders", 1},
      {"/payment/maxCardsPerAccount30d", 3},
      {"/payment/maxAccountsPerCard30d", 2},
      {"/payment/maxDeclinesPerDay", 2},
      {"/behaviour/minSessionAgeMs", 60000},
      {"/behaviour/minProductsViewed", 1},
      {"/behaviour/minFirstViewToOrderMs", 30000},
      {"/behaviour/unusualValueMinPastOrders", 3},
      {"/device/newDeviceMinPastOrders", 1},
      {"/device/maxAccountsPerDevice30d", 3},
  };
  for (const auto& [pointer, expected] : counts) {
    int64_t v = -1;
    EXPECT_FALSE(body.root().at_pointer(pointer).get_int64().get(v))
        << pointer << " is missing or not an integer";
    EXPECT_EQ(v, expected) << pointer;
  }
  // Nothing beyond the documented fields.
  EXPECT_EQ(Members(body, ""), 8u);
  EXPECT_EQ(Members(body, "/weights"), 5u);
  EXPECT_EQ(Members(body, "/velocity"), 6u);
  EXPECT_EQ(Members(body, "/payment"), 9u);
  EXPECT_EQ(Members(body, "/geography"), 4u);
  EXPECT_EQ(Members(body, "/behaviour"), 11u);
  EXPECT_EQ(Members(body, "/device"), 4u);
  EXPECT_EQ(Members(body, "/levels"), 3u);
  EXPECT_EQ(body.Size("/ipCountries"), 0u);
  EXPECT_FALSE(Stored().has_value()) << "a GET stores nothing";
}

TEST_F(FraudSettingsRoutes, PartialPutChangesOnlyWhatItNamesIsStoredAndNotifies) {
  auto first = Call("PUT", R"({"velocity": {"maxOrdersPerHour": 10},
                               "ipCountries": [{"cidr": "203.0.113.0/24", "country": "AU"}]})");
  ASSERT_EQ(first.status, 200) << first.body;
  // The second PUT names neither: both must survive it (merged onto the
  // current settings, not onto the defaults).
  auto second = Call("PUT", R"({"levels": {"block": 1.5},
                                "weights": {"velocity": 0.4, "device": 0}})");
  ASSERT_EQ(second.status, 200) << second.body;

  commerce::FraudSettings expected;
  expected.velocity.max_orders_per_hour = 10;
  expected.ip_countries = {{"203.0.113.0/24", "AU"}};
  expected.levels.block = 1.5;
  expected.weights.velocity = 0.4;
  expected.weights.device = 0;
  const std::string expected_json = FraudSettingsJson(expected);
  EXPECT_EQ(second.body, expected_json) << "the answer is the full settings";
  EXPECT_EQ(Call("GET").body, expected_json);
  JsonBody body(second.body);
  EXPECT_EQ(body.Uint("/velocity/maxOrdersPerHour"), 10u);
  EXPECT_EQ(Number(body, "/velocity/maxOrderValuePerDay"), 5000) << "not named: unchanged";
  EXPECT_EQ(body.String("/ipCountries/0/country"), "AU");
  EXPECT_EQ(Number(body, "/levels/high"), 0.8) << "not named: unchanged";
  EXPECT_EQ(Number(body, "/weights/payment"), 0.25) << "not named: unchanged";

  EXPECT_EQ(Stored(), expected_json);
  EXPECT_EQ(handlers_->current().levels.block, 1.5);
  const std::vector<std::string> changes = Changes();
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0], first.body);
  EXPECT_EQ(changes[1], expected_json);

  // The next process: new handlers over the same store.
  Stop();
  ASSERT_NO_FATAL_FAILURE(Start());
  EXPECT_EQ(Call("GET").body, expected_json);
  EXPECT_EQ(handlers_->current().ip_countries, expected.ip_countries);
}

TEST_F(FraudSettingsRoutes, AnEmptyTableClearsTheIpCountries) {
  ASSERT_EQ(Call("PUT", R"({"ipCountries": [{"cidr": "10.0.0.0/8", "country": "US"},
                                           {"cidr": "10.1.0.0/16", "country": "CA"}]})")
                .status,
            200);
  EXPECT_EQ(handlers_->current().ip_countries.size(), 2u);
  auto r = Call("PUT", R"({"ipCountries": []})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(JsonBody(r.body).Size("/ipCountries"), 0u);
  EXPECT_TRUE(handlers_->current().ip_countries.empty());
}

// 1025 distinct, valid /24 ranges: one more than the table holds.
std::string OversizedIpTable() {
  std::string body = R"({"ipCountries": [)";
  for (size_t i = 0; i <= commerce::kMaxIpCountryRanges; ++i) {
    if (i > 0) body += ",";
    absl::StrAppend(&body, R"({"cidr": "10.)", i / 256, ".", i % 256, R"(.0/24", "country": "US"})");
  }
  return body + "]}";
}

TEST_F(FraudSettingsRoutes, BadSettingsAreRefusedNamingTheFieldAndChangeNothing) {
  // Start from non-defaults, so that "unchanged" cannot mean "reset".
  ASSERT_EQ(Call("PUT", R"({"velocity": {"maxOrdersPerHour": 7},
                            "ipCountries": [{"cidr": "198.51.100.0/24", "country": "GB"}]})")
                .status,
            200);
  const std::string before = Call("GET").body;
  const size_t changes_before = Changes().size();
  const std::pair<std::string, std::string> cases[] = {
      // Malformed JSON, invalid UTF-8, not an object, trailing content.
      {"{", "body"},
      {"{\"levels\": {\"medium\": \"\xff\"}}", "body"},
      {"[1]", "body"},
      {"{} x", "body"},
      // Unknown fields, at the top, in a section and in a table row.
      {R"({"colour": 1})", "colour"},
      {R"({"velocity": {"maxOrdersPerHr": 5}})", "velocity"},
      {R"({"ipCountries": [{"cidr": "10.0.0.0/8", "country": "US", "asn": 1}]})",
       "ipCountries[0]"},
      // Wrong types.
      {R"({"velocity": {"maxOrdersPerHour": "5"}})", "velocity.maxOrdersPerHour"},
      {R"({"velocity": {"maxOrdersPerHour": 5.5}})", "velocity.maxOrdersPerHour"},
      {R"({"levels": {"high": true}})", "levels.high"},
      {R"({"levels": null})", "levels"},
      {R"({"weights": [1]})", "weights"},
      {R"({"ipCountries": {"cidr": "10.0.0.0/8", "country": "US"}})", "ipCountries"},
      {R"({"ipCountries": ["10.0.0.0/8"]})", "ipCountries[0]"},
      {R"({"ipCountries": [{"cidr": 10, "country": "US"}]})", "ipCountries[0].cidr"},
      // Invalid values (Validate()).
      {R"({"weights": {"velocity": 0.5}})", "weights"},  // Sums to 1.2.
      {R"({"weights": {"velocity": -0.1, "device": 0.5}})", "weights.velocity"},
      {R"({"levels": {"medium": 0.85}})", "levels.high"},  // medium > high.
      {R"({"levels": {"block": 0.7}})", "levels.block"},   // block < high.
      {R"({"levels": {"medium": 0}})", "levels.medium"},
      {R"({"payment": {"declinesScore": 1.5}})", "payment.declinesScore"},
      {R"({"behaviour": {"minSessionAgeMs": -1}})", "behaviour.minSessionAgeMs"},
      {R"({"geography": {"maxDistanceFromUsualKm": -5}})", "geography.maxDistanceFromUsualKm"},
      {R"({"ipCountries": [{"cidr": "203.0.113.1/24", "country": "AU"}]})", "ipCountries[0].cidr"},
      {R"({"ipCountries": [{"cidr": "300.0.0.0/8", "country": "AU"}]})", "ipCountries[0].cidr"},
      {R"({"ipCountries": [{"cidr": "10.0.0.0/8", "country": "us"}]})", "ipCountries[0].country"},
      {R"({"ipCountries": [{"country": "US"}]})", "ipCountries[0].cidr"},
      {R"({"ipCountries": [{"cidr": "10.0.0.0/8", "country": "US"},
                           {"cidr": "10.0.0.0/8", "country": "CA"}]})",
       "ipCountries[1].cidr"},
      {OversizedIpTable(), "ipCountries"},
  };
  for (const auto& [body, field] : cases) {
    auto r = Call("PUT", body);
    EXPECT_EQ(r.status, 400) << body.substr(0, 200) << " -> " << r.body;
    JsonBody error(r.body);
    EXPECT_EQ(error.String("/error/field"), field) << body.substr(0, 200) << " -> " << r.body;
    EXPECT_NE(error.String("/error/code"), "<missing>") << r.body;
  }
  auto huge = Call("PUT", R"({"levels": {"medium": 0.6}, "x": ")" + std::string(300 << 10, 'a') +
                              "\"}");
  EXPECT_EQ(huge.status, 413) << huge.body.substr(0, 200);

  EXPECT_EQ(Call("GET").body, before);
  EXPECT_EQ(Stored(), before);
  EXPECT_EQ(Changes().size(), changes_before) << "no callback for a refused PUT";
  EXPECT_EQ(Call("POST", "{}").status, 405);
}

TEST_F(FraudSettingsRoutes, PuttingBackWhatGetReturnedChangesNothing) {
  ASSERT_EQ(Call("PUT", R"({"weights": {"velocity": 0.1, "payment": 0.2, "geography": 0.3,
                                        "behaviour": 0.15, "device": 0.25},
                            "behaviour": {"maxValueToAverageRatio": 2.75},
                            "geography": {"maxDistanceFromUsualKm": 123.456},
                            "ipCountries": [{"cidr": "0.0.0.0/0", "country": "ZZ"},
                                            {"cidr": "192.0.2.128/25", "country": "NZ"}]})")
                .status,
            200);
  const std::string got = Call("GET").body;
  auto put = Call("PUT", got);
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.body, got);
  EXPECT_EQ(Call("GET").body, got);
}

TEST(FraudSettingsLoad, DefaultsWhenNothingStoredAndDataLossWhenUnreadable) {
  testing::TempDir dir;
  store::StoreOptions options;
  options.path = dir.Sub("aisle.db");
  auto store = store::Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status();
  store::SettingsStore& settings = *(*store)->settings();
  auto defaults = LoadFraudSettings(settings);
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_EQ(FraudSettingsJson(*defaults), FraudSettingsJson(commerce::FraudSettings()));
  // Written by an older process whose rules allowed what these no longer do,
  // or simply corrupt: start-up must fail, not screen with guessed settings.
  for (const char* stored : {R"({"weights": {"velocity": 0.9}})", "{\"weights\": 3}", "{"}) {
    ASSERT_TRUE(settings.Put(std::string(kFraudSettingsKey), stored).get().ok());
    EXPECT_EQ(LoadFraudSettings(settings).status().code(), absl::StatusCode::kDataLoss) << stored;
  }
  (*store)->Close();
}

TEST(FraudSettingsJson, WriteThenParseRoundTrips) {
  commerce::FraudSettings settings;
  settings.weights = {0.1, 0.2, 0.3, 0.15, 0.25};
  settings.velocity.max_order_value_per_day = 1234.5;
  settings.behaviour.min_session_age_ms = 1;
  settings.device.shared_device_score = 1.0 / 3;
  settings.levels = {0.25, 0.75, 2};
  settings.ip_countries = {{"192.0.2.0/24", "DE"}, {"198.51.100.0/25", "FR"}};
  const std::string json = FraudSettingsJson(settings);
  // Parsed onto a base that differs from `settings` in the fields checked
  // below, so that a name the reader skips cannot pass by keeping the base.
  commerce::FraudSettings base;
  base.weights = {0.2, 0.2, 0.2, 0.2, 0.2};
  base.velocity.max_order_value_per_day = 1;
  base.ip_countries = {{"10.0.0.0/8", "US"}};
  auto parsed = ParseFraudSettings(json, base);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(FraudSettingsJson(*parsed), json);
  EXPECT_EQ(parsed->device.shared_device_score, 1.0 / 3);
  EXPECT_EQ(parsed->ip_countries, settings.ip_countries);
}

}  // namespace
}  // namespace aisle::server
