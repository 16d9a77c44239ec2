#include "server/settings_handlers.h"

#include "absl/strings/str_cat.h"
#include "server/errors.h"
#include "server/json_read.h"
#include "server/json_writer.h"

namespace aisle::server {
namespace {

constexpr size_t kMaxDepth = 4;
constexpr size_t kMaxBodyBytes = 16 << 10;

absl::Status ReadWeights(simdjson::ondemand::value value, index::BlendWeights* w) {
  simdjson::ondemand::object object;
  if (value.get_object().get(object)) return json::TypeError("weights", "an object");
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    std::string_view key;
    if (std::move(field_result).get(field) || field.unescaped_key().get(key)) {
      return InvalidArgumentError("weights: malformed object", "weights");
    }
    const std::string name = absl::StrCat("weights.", std::string(key));
    double* target = key == "relevance"         ? &w->relevance
                     : key == "availability"    ? &w->availability
                     : key == "demand"          ? &w->demand
                     : key == "popularity"      ? &w->popularity
                     : key == "margin"          ? &w->margin
                     : key == "personalization" ? &w->personalization
                                                : nullptr;
    if (target == nullptr) {
      return InvalidArgumentError(
          absl::StrCat("unknown weight '", std::string(key),
                       "': use relevance, availability, demand, popularity, margin, "
                       "personalization"),
          "weights");
    }
    AISLE_RETURN_IF_ERROR(json::Number(field.value(), name, target));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<ranking::RankingSettings> ParseRankingSettings(std::string_view body) {
  ranking::RankingSettings settings;
  AISLE_RETURN_IF_ERROR(json::ForEachField(
      body, kMaxDepth, [&](std::string_view key, simdjson::ondemand::value value) -> absl::Status {
        if (key == "enabled") {
          AISLE_ASSIGN_OR_RETURN(settings.enabled, json::Bool(value, "enabled"));
          return absl::OkStatus();
        }
        if (key == "weights") return ReadWeights(value, &settings.weights);
        if (key == "demandPivot") return json::Number(value, key, &settings.demand_pivot);
        if (key == "popularityPivot") return json::Number(value, key, &settings.popularity_pivot);
        return InvalidArgumentError(
            absl::StrCat("unknown ranking setting '", std::string(key),
                         "': use enabled, weights, demandPivot, popularityPivot"),
            key);
      }));
  AISLE_RETURN_IF_ERROR(ranking::ValidateRankingSettings(settings));
  return settings;
}

std::string WriteRankingSettings(const ranking::RankingSettings& settings) {
  const index::BlendWeights& w = settings.weights;
  JsonWriter out;
  out.BeginObject().Key("enabled").Bool(settings.enabled);
  out.Key("weights").BeginObject();
  out.Key("relevance").Double(w.relevance).Key("availability").Double(w.availability);
  out.Key("demand").Double(w.demand).Key("popularity").Double(w.popularity);
  out.Key("margin").Double(w.margin).Key("personalization").Double(w.personalization);
  out.EndObject();
  out.Key("demandPivot").Double(settings.demand_pivot);
  out.Key("popularityPivot").Double(settings.popularity_pivot);
  out.EndObject();
  return out.Take();
}

SettingsHandlers::SettingsHandlers(ranking::Searcher* searcher, store::SettingsStore* settings)
    : searcher_(searcher), settings_(settings) {}

void SettingsHandlers::Register(Router* router) {
  router->Add("GET", "/v1/settings/ranking", [this](Request& r) { return GetRanking(r); });
  router->Add(
      "PUT", "/v1/settings/ranking", [this](Request& r) { return PutRanking(r); },
      RouteTraits{kMaxBodyBytes, /*blocking=*/true});
}

Response SettingsHandlers::GetRanking(Request&) const {
  return Response{.body = WriteRankingSettings(searcher_->ranking_settings())};
}

Response SettingsHandlers::PutRanking(Request& request) const {
  auto settings = ParseRankingSettings(request.body);
  if (!settings.ok()) return FromStatus(settings.status());
  const std::string text = WriteRankingSettings(*settings);
  // Durable first: a crash after the commit restarts with the new settings.
  if (absl::Status s = settings_->Put(std::string(kRankingSettingsKey), text).get(); !s.ok()) {
    return FromStatus(s);
  }
  if (absl::Status s = searcher_->SetRankingSettings(*settings); !s.ok()) return FromStatus(s);
  return Response{.body = text};
}

absl::Status LoadRankingSettings(const store::SettingsStore& settings,
                                 ranking::Searcher* searcher) {
  AISLE_ASSIGN_OR_RETURN(auto stored, settings.Get(kRankingSettingsKey));
  if (!stored) return absl::OkStatus();
  auto parsed = ParseRankingSettings(*stored);
  if (!parsed.ok()) {
    return absl::DataLossError(
        absl::StrCat("stored ranking settings are unreadable: ", parsed.status().message()));
  }
  return searcher->SetRankingSettings(*parsed);
}

}  // namespace aisle::server
