#include "server/fraud_settings.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "server/errors.h"
#include "server/json_read.h"
#include "server/json_writer.h"
#include "server/settings_table.h"

namespace aisle::server {
namespace {

// Root object > ipCountries array > row object, plus one for slack.
constexpr size_t kMaxDepth = 4;
// The IP table's 1024 rows take about 50 KiB; the rest is small.
constexpr size_t kMaxBodyBytes = 256 << 10;

using settings_table::Count;
using settings_table::Real;
using settings_table::Section;

// What an unknown-field message calls these settings.
constexpr std::string_view kKind = "fraud";

// Every numeric setting by its JSON name (docs/FRAUD.md section 3), in
// document order. The one table both the reader and the writer use, so a
// name cannot be spelled differently on the way in and on the way out.
std::vector<Section> Sections(commerce::FraudSettings* s) {
  commerce::FraudWeights& w = s->weights;
  commerce::VelocityRules& v = s->velocity;
  commerce::PaymentRules& p = s->payment;
  commerce::GeographyRules& g = s->geography;
  commerce::BehaviourRules& b = s->behaviour;
  commerce::DeviceRules& d = s->device;
  commerce::FraudRiskLevels& l = s->levels;
  return {
      {"weights",
       {Real("velocity", &w.velocity), Real("payment", &w.payment),
        Real("geography", &w.geography), Real("behaviour", &w.behaviour),
        Real("device", &w.device)}},
      {"velocity",
       {Count("maxOrdersPerHour", &v.max_orders_per_hour),
        Real("ordersPerHourScore", &v.orders_per_hour_score),
        Real("maxOrderValuePerDay", &v.max_order_value_per_day),
        Real("orderValuePerDayScore", &v.order_value_per_day_score),
        Count("maxFailedPaymentsPerHour", &v.max_failed_payments_per_hour),
        Real("failedPaymentsPerHourScore", &v.failed_payments_per_hour_score)}},
      {"payment",
       {Real("cardBillingCountryMismatchScore", &p.card_billing_country_mismatch_score),
        Count("newCardMinPastOrders", &p.new_card_min_past_orders),
        Real("newCardScore", &p.new_card_score),
        Count("maxCardsPerAccount30d", &p.max_cards_per_account_30d),
        Real("manyCardsScore", &p.many_cards_score),
        Count("maxAccountsPerCard30d", &p.max_accounts_per_card_30d),
        Real("sharedCardScore", &p.shared_card_score),
        Count("maxDeclinesPerDay", &p.max_declines_per_day),
        Real("declinesScore", &p.declines_score)}},
      {"geography",
       {Real("shippingBillingCountryMismatchScore", &g.shipping_billing_country_mismatch_score),
        Real("ipBillingCountryMismatchScore", &g.ip_billing_country_mismatch_score),
        Real("maxDistanceFromUsualKm", &g.max_distance_from_usual_km),
        Real("farFromUsualScore", &g.far_from_usual_score)}},
      {"behaviour",
       {Count("minSessionAgeMs", &b.min_session_age_ms),
        Real("newSessionScore", &b.new_session_score),
        Count("minProductsViewed", &b.min_products_viewed),
        Real("noBrowsingScore", &b.no_browsing_score),
        Count("minFirstViewToOrderMs", &b.min_first_view_to_order_ms),
        Real("rushedCheckoutScore", &b.rushed_checkout_score),
        Count("unusualValueMinPastOrders", &b.unusual_value_min_past_orders),
        Real("maxValueToAverageRatio", &b.max_value_to_average_ratio),
        Real("unusualValueScore", &b.unusual_value_score),
        Real("firstOrderMaxValue", &b.first_order_max_value),
        Real("firstOrderHighValueScore", &b.first_order_high_value_score)}},
      {"device",
       {Count("newDeviceMinPastOrders", &d.new_device_min_past_orders),
        Real("newDeviceScore", &d.new_device_score),
        Count("maxAccountsPerDevice30d", &d.max_accounts_per_device_30d),
        Real("sharedDeviceScore", &d.shared_device_score)}},
      {"levels", {Real("medium", &l.medium), Real("high", &l.high), Real("block", &l.block)}},
  };
}

// {"cidr": "...", "country": "..."}; a missing member stays empty, which
// Validate() then reports on that member.
absl::Status ReadIpCountryRow(simdjson::ondemand::object object, const std::string& path,
                              commerce::IpCountryRange* row) {
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    std::string_view key;
    if (std::move(field_result).get(field) || field.unescaped_key().get(key)) {
      return InvalidArgumentError(absl::StrCat(path, ": malformed object"), path);
    }
    if (key == "cidr") {
      AISLE_ASSIGN_OR_RETURN(row->cidr, json::String(field.value(), path + ".cidr"));
    } else if (key == "country") {
      AISLE_ASSIGN_OR_RETURN(row->country, json::String(field.value(), path + ".country"));
    } else {
      return InvalidArgumentError(
          absl::StrCat("unknown field '", std::string(key), "' in ", path, ": use cidr, country"),
          path);
    }
  }
  return absl::OkStatus();
}

// Replaces the whole table. Stops at kMaxIpCountryRanges + 1 rows so a huge
// array is refused before it is all copied.
absl::Status ReadIpCountries(simdjson::ondemand::value value, commerce::IpCountryTable* table) {
  constexpr std::string_view kField = "ipCountries";
  simdjson::ondemand::array array;
  if (value.get_array().get(array)) {
    return json::TypeError(kField, "an array of {\"cidr\", \"country\"} objects");
  }
  table->clear();
  for (auto item : array) {
    if (table->size() >= commerce::kMaxIpCountryRanges) {
      return InvalidArgumentError(
          absl::StrCat("ipCountries: at most ", commerce::kMaxIpCountryRanges, " ranges"), kField);
    }
    const std::string path = absl::StrCat("ipCountries[", table->size(), "]");
    simdjson::ondemand::object object;
    if (item.get_object().get(object)) return json::TypeError(path, "an object {cidr, country}");
    commerce::IpCountryRange row;
    AISLE_RETURN_IF_ERROR(ReadIpCountryRow(object, path, &row));
    table->push_back(std::move(row));
  }
  return absl::OkStatus();
}

absl::Status ReadFraudField(std::string_view key, simdjson::ondemand::value value,
                            const std::vector<Section>& sections,
                            commerce::FraudSettings* settings) {
  if (const Section* section = settings_table::FindSection(sections, key)) {
    return settings_table::ReadSection(value, *section, kKind);
  }
  if (key == "ipCountries") return ReadIpCountries(value, &settings->ip_countries);
  return InvalidArgumentError(
      absl::StrCat("unknown fraud setting '", std::string(key),
                   "': use weights, velocity, payment, geography, behaviour, device, levels, "
                   "ipCountries"),
      key);
}

}  // namespace

std::string FraudSettingsJson(const commerce::FraudSettings& settings) {
  // Sections() hands out writable pointers (the reader needs them); write
  // from a copy rather than cast const away.
  commerce::FraudSettings copy = settings;
  JsonWriter out;
  out.BeginObject();
  for (const Section& section : Sections(&copy)) settings_table::WriteSection(section, &out);
  out.Key("ipCountries").BeginArray();
  for (const commerce::IpCountryRange& row : settings.ip_countries) {
    out.BeginObject().Key("cidr").String(row.cidr).Key("country").String(row.country).EndObject();
  }
  out.EndArray();
  out.EndObject();
  return out.Take();
}

absl::StatusOr<commerce::FraudSettings> ParseFraudSettings(std::string_view body,
                                                           const commerce::FraudSettings& base) {
  commerce::FraudSettings settings = base;
  const std::vector<Section> sections = Sections(&settings);
  AISLE_RETURN_IF_ERROR(json::ForEachField(
      body, kMaxDepth, [&](std::string_view key, simdjson::ondemand::value value) {
        return ReadFraudField(key, value, sections, &settings);
      }));
  AISLE_RETURN_IF_ERROR(settings.Validate());
  return settings;
}

absl::StatusOr<commerce::FraudSettings> LoadFraudSettings(const store::SettingsStore& settings) {
  AISLE_ASSIGN_OR_RETURN(auto stored, settings.Get(kFraudSettingsKey));
  if (!stored) return commerce::FraudSettings();
  // Stored text is a full document; the defaults only fill fields added
  // since it was written.
  auto parsed = ParseFraudSettings(*stored, commerce::FraudSettings());
  if (!parsed.ok()) {
    return absl::DataLossError(
        absl::StrCat("stored fraud settings are unreadable: ", parsed.status().message()));
  }
  return parsed;
}

FraudSettingsHandlers::FraudSettingsHandlers(store::SettingsStore* settings,
                                             commerce::FraudSettings initial, OnChange on_change)
    : settings_(settings), on_change_(std::move(on_change)), current_(std::move(initial)) {}

void FraudSettingsHandlers::Register(Router* router) {
  router->Add("GET", "/v1/settings/fraud", [this](Request& r) { return Get(r); });
  router->Add(
      "PUT", "/v1/settings/fraud", [this](Request& r) { return Put(r); },
      RouteTraits{kMaxBodyBytes, /*blocking=*/true});
}

commerce::FraudSettings FraudSettingsHandlers::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

Response FraudSettingsHandlers::Get(Request&) const {
  return Response{.body = FraudSettingsJson(current())};
}

Response FraudSettingsHandlers::Put(Request& request) {
  std::lock_guard<std::mutex> serialized(put_mu_);
  auto settings = ParseFraudSettings(request.body, current());
  if (!settings.ok()) return FromStatus(settings.status());
  const std::string text = FraudSettingsJson(*settings);
  // Durable first: a crash after the commit restarts with the new settings.
  if (absl::Status s = settings_->Put(std::string(kFraudSettingsKey), text).get(); !s.ok()) {
    return FromStatus(s);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    current_ = *settings;
  }
  if (on_change_) on_change_(*settings);
  return Response{.body = text};
}

}  // namespace aisle::server
