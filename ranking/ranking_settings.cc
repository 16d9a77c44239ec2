#include "ranking/ranking_settings.h"

#include <cmath>
#include <utility>

#include "absl/strings/str_cat.h"

namespace aisle::ranking {
namespace {

constexpr double kMaxWeight = 100;

absl::Status CheckWeight(const char* name, double weight) {
  if (!std::isfinite(weight) || weight < 0 || weight > kMaxWeight) {
    return InvalidArgumentError(
        absl::StrCat("weights.", name, " must be a number from 0 to ", kMaxWeight),
        absl::StrCat("weights.", name));
  }
  return absl::OkStatus();
}

absl::Status CheckPivot(const char* name, double pivot) {
  if (!std::isfinite(pivot) || pivot <= 0) {
    return InvalidArgumentError(absl::StrCat(name, " must be a number > 0"), name);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status ValidateRankingSettings(const RankingSettings& settings) {
  const index::BlendWeights& w = settings.weights;
  AISLE_RETURN_IF_ERROR(CheckWeight("relevance", w.relevance));
  AISLE_RETURN_IF_ERROR(CheckWeight("availability", w.availability));
  AISLE_RETURN_IF_ERROR(CheckWeight("demand", w.demand));
  AISLE_RETURN_IF_ERROR(CheckWeight("popularity", w.popularity));
  AISLE_RETURN_IF_ERROR(CheckWeight("margin", w.margin));
  AISLE_RETURN_IF_ERROR(CheckWeight("personalization", w.personalization));
  if (w.relevance + w.availability + w.demand + w.popularity + w.margin + w.personalization <= 0) {
    return InvalidArgumentError("at least one weight must be positive", "weights");
  }
  AISLE_RETURN_IF_ERROR(CheckPivot("demandPivot", settings.demand_pivot));
  return CheckPivot("popularityPivot", settings.popularity_pivot);
}

index::ScoreBlend ToBlend(const RankingSettings& settings, index::Personalization personalization) {
  index::ScoreBlend blend;
  blend.weights = settings.weights;
  blend.demand_pivot = settings.demand_pivot;
  blend.popularity_pivot = settings.popularity_pivot;
  blend.personalization = std::move(personalization);
  return blend;
}

}  // namespace aisle::ranking
