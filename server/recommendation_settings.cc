#include "server/recommendation_settings.h"

#include <optional>
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

// Root object > section object, plus one for slack.
constexpr size_t kMaxDepth = 3;
// The whole document is ~200 bytes.
constexpr size_t kMaxBodyBytes = 16 << 10;

using settings_table::Count;
using settings_table::NumberField;
using settings_table::Real;
using settings_table::Section;

// What an unknown-field message calls these settings.
constexpr std::string_view kKind = "recommendation";

// The JSON names of every setting, in document order: the one table both
// the reader and the writer use, so a name cannot be spelled differently on
// the way in and on the way out.
std::vector<NumberField> TopLevel(ranking::RecommenderSettings* s) {
  return {Real("diversity", &s->diversity), Count("candidates", &s->candidates),
          Count("history", &s->history)};
}

std::vector<Section> Sections(ranking::RecommenderSettings* s) {
  ranking::RecommendationWeights& w = s->weights;
  return {
      {"weights",
       {Real("collaborative", &w.collaborative), Real("content", &w.content),
        Real("behavioural", &w.behavioural), Real("trending", &w.trending)}},
      {"trending",
       {Real("boost", &s->trending.boost), Real("risingRatio", &s->trending.rising_ratio)}},
  };
}

absl::Status ReadSettingsField(std::string_view key, simdjson::ondemand::value value,
                               const std::vector<NumberField>& top,
                               const std::vector<Section>& sections) {
  if (const NumberField* f = settings_table::FindField(top, key)) {
    return settings_table::ReadNumber(value, f->name, *f);
  }
  if (const Section* section = settings_table::FindSection(sections, key)) {
    return settings_table::ReadSection(value, *section, kKind);
  }
  return InvalidArgumentError(
      absl::StrCat("unknown recommendation setting '", std::string(key),
                   "': use weights, diversity, candidates, history, trending"),
      key);
}

// ranking/ validates the trending options on their own and names their
// fields without the section ("boost"); the request spells them
// "trending.boost", and that is the name the client must see.
absl::Status Validate(const ranking::RecommenderSettings& settings) {
  absl::Status status = ranking::ValidateRecommenderSettings(settings);
  const std::optional<std::string> field = ErrorField(status);
  if (field && (*field == "boost" || *field == "risingRatio")) {
    return InvalidArgumentError(absl::StrCat("trending.", std::string(status.message())),
                                absl::StrCat("trending.", *field));
  }
  return status;
}

}  // namespace

std::string RecommendationSettingsJson(const ranking::RecommenderSettings& settings) {
  // The tables hand out writable pointers (the reader needs them); write
  // from a copy rather than cast const away.
  ranking::RecommenderSettings copy = settings;
  const std::vector<Section> sections = Sections(&copy);
  JsonWriter out;
  out.BeginObject();
  settings_table::WriteSection(sections[0], &out);  // weights
  for (const NumberField& f : TopLevel(&copy)) settings_table::WriteNumber(f, &out);
  settings_table::WriteSection(sections[1], &out);  // trending
  out.EndObject();
  return out.Take();
}

absl::StatusOr<ranking::RecommenderSettings> ParseRecommendationSettings(
    std::string_view body, const ranking::RecommenderSettings& base) {
  ranking::RecommenderSettings settings = base;
  const std::vector<NumberField> top = TopLevel(&settings);
  const std::vector<Section> sections = Sections(&settings);
  AISLE_RETURN_IF_ERROR(json::ForEachField(
      body, kMaxDepth, [&](std::string_view key, simdjson::ondemand::value value) {
        return ReadSettingsField(key, value, top, sections);
      }));
  AISLE_RETURN_IF_ERROR(Validate(settings));
  return settings;
}

absl::StatusOr<ranking::RecommenderSettings> LoadRecommendationSettings(
    const store::SettingsStore& settings) {
  AISLE_ASSIGN_OR_RETURN(auto stored, settings.Get(kRecommendationSettingsKey));
  if (!stored) return ranking::RecommenderSettings();
  // Stored text is a full document; the defaults only fill fields added
  // since it was written.
  auto parsed = ParseRecommendationSettings(*stored, ranking::RecommenderSettings());
  if (!parsed.ok()) {
    return absl::DataLossError(absl::StrCat("stored recommendation settings are unreadable: ",
                                            std::string(parsed.status().message())));
  }
  return parsed;
}

RecommendationSettingsHandlers::RecommendationSettingsHandlers(
    store::SettingsStore* settings, ranking::RecommenderSettings initial, OnChange on_change)
    : settings_(settings), on_change_(std::move(on_change)), current_(std::move(initial)) {}

void RecommendationSettingsHandlers::Register(Router* router) {
  router->Add("GET", "/v1/settings/recommendations", [this](Request& r) { return Get(r); });
  router->Add(
      "PUT", "/v1/settings/recommendations", [this](Request& r) { return Put(r); },
      RouteTraits{kMaxBodyBytes, /*blocking=*/true});
}

ranking::RecommenderSettings RecommendationSettingsHandlers::current() const {
  std::lock_guard<std::mutex> lock(mu_);
  return current_;
}

Response RecommendationSettingsHandlers::Get(Request&) const {
  return Response{.body = RecommendationSettingsJson(current())};
}

Response RecommendationSettingsHandlers::Put(Request& request) {
  std::lock_guard<std::mutex> serialized(put_mu_);
  auto settings = ParseRecommendationSettings(request.body, current());
  if (!settings.ok()) return FromStatus(settings.status());
  const std::string text = RecommendationSettingsJson(*settings);
  // Durable first: a crash after the commit restarts with the new settings.
  if (absl::Status s = settings_->Put(std::string(kRecommendationSettingsKey), text).get();
      !s.ok()) {
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
