#include "server/pricing_settings.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "server/errors.h"
#include "server/json_read.h"
#include "server/json_writer.h"

namespace aisle::server {
namespace {

constexpr size_t kMaxDepth = 4;
constexpr size_t kMaxBodyBytes = 1 << 20;
constexpr size_t kMaxSeasonalRows = 10000;

// Reads {"name": number, ...} into the members `targets` names; any other
// key is an error on `field`.
template <typename Targets>
absl::Status ReadNumbers(simdjson::ondemand::value value, std::string_view field,
                         const Targets& targets) {
  simdjson::ondemand::object object;
  if (value.get_object().get(object)) return json::TypeError(field, "an object");
  for (auto entry : object) {
    std::string_view key;
    if (entry.unescaped_key().get(key)) return InvalidArgumentError("malformed key", field);
    double* target = nullptr;
    for (const auto& [name, pointer] : targets) {
      if (key == name) target = pointer;
    }
    if (target == nullptr) {
      return InvalidArgumentError(
          absl::StrCat("unknown key '", std::string(key), "' in ", std::string(field)), field);
    }
    AISLE_RETURN_IF_ERROR(
        json::Number(entry.value(), absl::StrCat(std::string(field), ".", std::string(key)), target));
  }
  return absl::OkStatus();
}

absl::Status ReadSeasonal(simdjson::ondemand::value value, commerce::SeasonalTable* table) {
  simdjson::ondemand::object object;
  if (value.get_object().get(object)) return json::TypeError("seasonal", "an object");
  for (auto entry : object) {
    std::string_view key;
    if (entry.unescaped_key().get(key)) return InvalidArgumentError("malformed key", "seasonal");
    if (table->size() >= kMaxSeasonalRows) {
      return InvalidArgumentError(absl::StrCat("at most ", kMaxSeasonalRows, " rows"), "seasonal");
    }
    const std::string category(key);
    simdjson::ondemand::array months;
    if (entry.value().get_array().get(months)) {
      return json::TypeError("seasonal", "arrays of 12 numbers");
    }
    std::array<double, 12> row{};
    size_t n = 0;
    for (auto month : months) {
      double v = 0;
      if (n >= 12 || month.get_double().get(v)) {
        return InvalidArgumentError(
            absl::StrCat("seasonal['", category, "']: 12 numbers, January first"), "seasonal");
      }
      row[n++] = v;
    }
    if (n != 12) {
      return InvalidArgumentError(
          absl::StrCat("seasonal['", category, "']: 12 numbers, January first"), "seasonal");
    }
    (*table)[category] = row;
  }
  return absl::OkStatus();
}

absl::Status ReadPricingField(std::string_view key, simdjson::ondemand::value value,
                              commerce::PricingOptions* o) {
  if (key == "weights") {
    commerce::PricingWeights& w = o->weights;
    const std::pair<const char*, double*> targets[] = {{"demand", &w.demand},
                                                       {"competition", &w.competition},
                                                       {"inventory", &w.inventory},
                                                       {"seasonality", &w.seasonality},
                                                       {"segment", &w.segment}};
    return ReadNumbers(value, "weights", targets);
  }
  if (key == "segments") {
    commerce::SegmentFactorOptions& s = o->segment;
    const std::pair<const char*, double*> targets[] = {{"unknown", &s.unknown},
                                                       {"new", &s.new_customer},
                                                       {"regular", &s.regular},
                                                       {"vip", &s.vip}};
    return ReadNumbers(value, "segments", targets);
  }
  if (key == "maxDiscountPercent") return json::Number(value, key, &o->max_discount_percent);
  if (key == "maxMarkupPercent") return json::Number(value, key, &o->max_markup_percent);
  if (key == "seasonal") return ReadSeasonal(value, &o->seasonal);
  if (key == "updateIntervalMs") {
    if (value.get_int64().get(o->update_interval_ms) || o->update_interval_ms < 60'000) {
      return json::TypeError(key, "an integer >= 60000 (milliseconds)");
    }
    return absl::OkStatus();
  }
  return InvalidArgumentError(
      absl::StrCat("unknown pricing setting '", std::string(key),
                   "': use weights, maxDiscountPercent, maxMarkupPercent, seasonal, segments, "
                   "updateIntervalMs"),
      key);
}

}  // namespace

absl::StatusOr<commerce::PricingOptions> ParsePricingSettings(std::string_view body) {
  commerce::PricingOptions options;
  AISLE_RETURN_IF_ERROR(json::ForEachField(
      body, kMaxDepth, [&](std::string_view key, simdjson::ondemand::value value) {
        return ReadPricingField(key, value, &options);
      }));
  AISLE_RETURN_IF_ERROR(options.Validate());
  return options;
}

std::string WritePricingSettings(const commerce::PricingOptions& o) {
  JsonWriter out;
  out.BeginObject().Key("weights").BeginObject();
  out.Key("demand").Double(o.weights.demand).Key("competition").Double(o.weights.competition);
  out.Key("inventory").Double(o.weights.inventory);
  out.Key("seasonality").Double(o.weights.seasonality).Key("segment").Double(o.weights.segment);
  out.EndObject();
  out.Key("maxDiscountPercent").Double(o.max_discount_percent);
  out.Key("maxMarkupPercent").Double(o.max_markup_percent);
  out.Key("seasonal").BeginObject();
  for (const auto& [category, months] : o.seasonal) {
    out.Key(category).BeginArray();
    for (double m : months) out.Double(m);
    out.EndArray();
  }
  out.EndObject();
  out.Key("segments").BeginObject().Key("unknown").Double(o.segment.unknown);
  out.Key("new").Double(o.segment.new_customer).Key("regular").Double(o.segment.regular);
  out.Key("vip").Double(o.segment.vip).EndObject();
  out.Key("updateIntervalMs").Int(o.update_interval_ms);
  out.EndObject();
  return out.Take();
}

PricingSettingsHandlers::PricingSettingsHandlers(commerce::PricingService* pricing,
                                                 store::SettingsStore* settings,
                                                 std::function<void()> reprice_now)
    : pricing_(pricing), settings_(settings), reprice_now_(std::move(reprice_now)) {}

void PricingSettingsHandlers::Register(Router* router) {
  router->Add("GET", "/v1/settings/pricing", [this](Request& r) { return Get(r); });
  router->Add(
      "PUT", "/v1/settings/pricing", [this](Request& r) { return Put(r); },
      RouteTraits{kMaxBodyBytes, /*blocking=*/true});
}

Response PricingSettingsHandlers::Get(Request&) const {
  return Response{.body = WritePricingSettings(pricing_->engine()->options())};
}

Response PricingSettingsHandlers::Put(Request& request) const {
  auto options = ParsePricingSettings(request.body);
  if (!options.ok()) return FromStatus(options.status());
  auto engine = commerce::PricingEngine::Create(*options);
  if (!engine.ok()) return FromStatus(engine.status());
  const std::string text = WritePricingSettings(*options);
  if (absl::Status s = settings_->Put(std::string(kPricingSettingsKey), text).get(); !s.ok()) {
    return FromStatus(s);
  }
  pricing_->SetEngine(std::make_shared<const commerce::PricingEngine>(std::move(*engine)));
  if (reprice_now_) reprice_now_();
  return Response{.body = text};
}

absl::StatusOr<commerce::PricingOptions> LoadPricingSettings(const store::SettingsStore& settings) {
  AISLE_ASSIGN_OR_RETURN(auto stored, settings.Get(kPricingSettingsKey));
  if (!stored) return commerce::PricingOptions();
  auto parsed = ParsePricingSettings(*stored);
  if (!parsed.ok()) {
    return absl::DataLossError(
        absl::StrCat("stored pricing settings are unreadable: ", parsed.status().message()));
  }
  return parsed;
}

}  // namespace aisle::server
