#include "ranking/ranking_settings.h"

#include <gtest/gtest.h>

#include <cmath>

namespace aisle::ranking {
namespace {

TEST(RankingSettings, DefaultsAreValidAndKeepBusinessBelowRelevance) {
  const RankingSettings settings;
  EXPECT_TRUE(ValidateRankingSettings(settings).ok());
  EXPECT_TRUE(settings.enabled);
  const index::BlendWeights& w = settings.weights;
  EXPECT_DOUBLE_EQ(w.relevance, 1.0);
  EXPECT_DOUBLE_EQ(w.availability, 0.3);
  EXPECT_LT(w.availability + w.demand + w.popularity + w.margin + w.personalization, w.relevance);
}

TEST(RankingSettings, EachBadWeightIsRejectedByName) {
  const std::pair<double index::BlendWeights::*, const char*> fields[] = {
      {&index::BlendWeights::relevance, "weights.relevance"},
      {&index::BlendWeights::availability, "weights.availability"},
      {&index::BlendWeights::demand, "weights.demand"},
      {&index::BlendWeights::popularity, "weights.popularity"},
      {&index::BlendWeights::margin, "weights.margin"},
      {&index::BlendWeights::personalization, "weights.personalization"}};
  for (const auto& [member, name] : fields) {
    for (double bad : {-0.1, 100.5, std::nan(""), HUGE_VAL}) {
      RankingSettings settings;
      settings.weights.*member = bad;
      const absl::Status status = ValidateRankingSettings(settings);
      EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << name << " " << bad;
      EXPECT_EQ(ErrorField(status), name);
    }
    RankingSettings zero;
    zero.weights.*member = 0;
    EXPECT_TRUE(ValidateRankingSettings(zero).ok()) << name << " may be 0";
  }
}

TEST(RankingSettings, AllZeroWeightsAndBadPivotsAreRejected) {
  RankingSettings settings;
  settings.weights = {};
  EXPECT_EQ(ErrorField(ValidateRankingSettings(settings)), "weights");
  for (double bad : {0.0, -1.0, std::nan(""), HUGE_VAL}) {
    RankingSettings demand;
    demand.demand_pivot = bad;
    EXPECT_EQ(ErrorField(ValidateRankingSettings(demand)), "demandPivot");
    RankingSettings popularity;
    popularity.popularity_pivot = bad;
    EXPECT_EQ(ErrorField(ValidateRankingSettings(popularity)), "popularityPivot");
  }
}

TEST(RankingSettings, ToBlendCarriesWeightsPivotsAndPersonalization) {
  RankingSettings settings;
  settings.weights.margin = 0.5;
  settings.popularity_pivot = 42;
  index::Personalization personal;
  personal.brands = {{"Acme", 0.7}};
  const index::ScoreBlend blend = ToBlend(settings, personal);
  EXPECT_DOUBLE_EQ(blend.weights.margin, 0.5);
  EXPECT_DOUBLE_EQ(blend.popularity_pivot, 42);
  EXPECT_DOUBLE_EQ(blend.demand_pivot, 1);
  EXPECT_DOUBLE_EQ(blend.personalization.brands.at("Acme"), 0.7);
}

}  // namespace
}  // namespace aisle::ranking
