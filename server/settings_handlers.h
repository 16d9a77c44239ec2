// Settings routes: GET|PUT /v1/settings/ranking, the blended ranking
// formula's weights (ranking/ranking_settings.h has the defaults and what
// each weight does). PUT replaces the settings: fields left out take their
// defaults. It validates, commits to the store (durable), then applies them
// to the searcher; LoadRankingSettings applies the stored ones at start-up.
//
// Thread-safe: PUT runs on the blocking pool (the store commit fsyncs).
#ifndef AISLE_SERVER_SETTINGS_HANDLERS_H_
#define AISLE_SERVER_SETTINGS_HANDLERS_H_

#include <string>
#include <string_view>

#include "base/status.h"
#include "ranking/ranking_settings.h"
#include "ranking/searcher.h"
#include "server/http.h"
#include "server/router.h"
#include "store/kv_stores.h"

namespace aisle::server {

// The settings store key of the ranking settings.
inline constexpr std::string_view kRankingSettingsKey = "ranking";

// {"enabled": bool, "weights": {"relevance", "availability", "demand",
// "popularity", "margin", "personalization"}, "demandPivot", "popularityPivot"};
// absent fields keep their defaults. InvalidArgument (naming the field) for
// malformed JSON, unknown fields, wrong types and invalid values.
absl::StatusOr<ranking::RankingSettings> ParseRankingSettings(std::string_view body);
std::string WriteRankingSettings(const ranking::RankingSettings& settings);

class SettingsHandlers {
 public:
  // Not owned; both must outlive the handlers.
  SettingsHandlers(ranking::Searcher* searcher, store::SettingsStore* settings);

  void Register(Router* router);

  Response GetRanking(Request& request) const;
  Response PutRanking(Request& request) const;

 private:
  ranking::Searcher* searcher_;
  store::SettingsStore* settings_;
};

// Applies the stored ranking settings, if any. DataLoss when the stored
// text no longer parses or validates (the searcher keeps its settings).
absl::Status LoadRankingSettings(const store::SettingsStore& settings, ranking::Searcher* searcher);

}  // namespace aisle::server

#endif  // AISLE_SERVER_SETTINGS_HANDLERS_H_
