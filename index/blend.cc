#include <algorithm>
#include <cmath>
#include <utility>

#include "index/blend_internal.h"
#include "index/document_builder_internal.h"

namespace aisle::index::internal {
namespace {

// x / (x + pivot): 0 at 0, 1/2 at the pivot, approaching 1; 0 for
// non-positive or non-finite x.
double Saturate(double x, double pivot) {
  if (!(x > 0) || !std::isfinite(x)) return 0;
  return x / (x + pivot);
}

double Clamp01(double x) { return std::isfinite(x) ? std::clamp(x, 0.0, 1.0) : 0.0; }

}  // namespace

std::shared_ptr<const ResolvedBlend> ResolveBlend(const ScoreBlend& blend,
                                                  const CatalogColumns& columns) {
  auto resolved = std::make_shared<ResolvedBlend>();
  resolved->weights = blend.weights;
  resolved->demand_pivot = blend.demand_pivot > 0 ? blend.demand_pivot : 1;
  resolved->popularity_pivot = blend.popularity_pivot > 0 ? blend.popularity_pivot : 1;
  const Personalization& personal = blend.personalization;
  for (const auto& [name, weight] : personal.categories) {
    if (const uint32_t ordinal = columns.category_names().Find(Lower(name)); ordinal != 0) {
      double& slot = resolved->category_names[ordinal];
      slot = std::max(slot, Clamp01(weight));  // Names differing only in case.
    }
  }
  for (const auto& [name, weight] : personal.brands) {
    if (const uint32_t ordinal = columns.brands().Find(Lower(name)); ordinal != 0) {
      double& slot = resolved->brands[ordinal];
      slot = std::max(slot, Clamp01(weight));
    }
  }
  for (const Personalization::PriceBand& band : personal.price_bands) {
    if (band.high > band.low && band.weight > 0) resolved->price_bands.push_back(band);
  }
  const BlendWeights& w = resolved->weights;
  resolved->max_business =
      w.availability + w.demand + w.popularity + w.margin + w.personalization;
  resolved->total_weight = w.relevance + resolved->max_business;
  return resolved;
}

BlendScorer::BlendScorer(const CatalogColumns* columns, std::shared_ptr<const ResolvedBlend> blend)
    : columns_(columns),
      blend_(std::move(blend)),
      personalized_(blend_->weights.personalization > 0 &&
                    (!blend_->category_names.empty() || !blend_->brands.empty() ||
                     !blend_->price_bands.empty())),
      stock_(&columns->int_column(NumericField::kStock)),
      demand_(&columns->demand()),
      popularity_(&columns->double_column(NumericField::kPopularity)),
      price_(&columns->double_column(NumericField::kPrice)),
      cost_(&columns->double_column(NumericField::kCost)),
      brands_(&columns->brand_ordinals()) {
  for (int level = 0; level < kCategoryLevels; ++level) {
    levels_[level] = ChunkedReader<uint32_t>(&columns->level_ordinals(level));
  }
}

double BlendScorer::Personal(uint32_t docid, double price) {
  const ResolvedBlend& b = *blend_;
  double category = 0;
  if (!b.category_names.empty()) {
    for (int level = 0; level < kCategoryLevels; ++level) {
      const uint32_t path = levels_[level].Get(docid);
      if (path == 0) break;
      const uint32_t name = columns_->level_to_name(level).Get(path);
      if (auto it = b.category_names.find(name); it != b.category_names.end()) {
        category = std::max(category, it->second);
      }
    }
  }
  double brand = 0;
  if (!b.brands.empty()) {
    if (auto it = b.brands.find(brands_.Get(docid)); it != b.brands.end()) brand = it->second;
  }
  double band_weight = 0;
  for (const Personalization::PriceBand& band : b.price_bands) {
    if (price >= band.low && price < band.high) band_weight = std::max(band_weight, band.weight);
  }
  return Clamp01(category + brand + band_weight);
}

BlendScorer::Inputs BlendScorer::Read(uint32_t docid) {
  const ResolvedBlend& b = *blend_;
  Inputs in;
  // kStockUnknown (never reported) is > 0: untracked stock counts as in stock.
  in.availability = stock_.Get(docid) > 0 ? 1.0 : 0.0;
  if (b.weights.demand > 0) in.demand = Saturate(demand_.Get(docid), b.demand_pivot);
  if (b.weights.popularity > 0) {
    in.popularity = Saturate(popularity_.Get(docid), b.popularity_pivot);
  }
  if (b.weights.margin > 0 || personalized_) {
    const double price = price_.Get(docid);
    if (b.weights.margin > 0) {
      const double cost = cost_.Get(docid);
      if (cost > 0 && price > 0) in.margin = Clamp01((price - cost) / price);
    }
    if (personalized_) in.personalization = Personal(docid, price);
  }
  return in;
}

double BlendScorer::Business(uint32_t docid) {
  const BlendWeights& w = blend_->weights;
  const Inputs in = Read(docid);
  return w.availability * in.availability + w.demand * in.demand + w.popularity * in.popularity +
         w.margin * in.margin + w.personalization * in.personalization;
}

void BlendScorer::Explain(uint32_t docid, ScoreDetails* details) {
  const BlendWeights& w = blend_->weights;
  const Inputs in = Read(docid);
  details->availability = {in.availability, w.availability};
  details->demand = {in.demand, w.demand};
  details->popularity = {in.popularity, w.popularity};
  details->margin = {in.margin, w.margin};
  details->personalization = {in.personalization, w.personalization};
}

BlendSource::BlendSource(const CatalogColumns* columns, std::shared_ptr<const ResolvedBlend> blend)
    : columns_(columns), blend_(blend), scorer_(columns, std::move(blend)), live_(&columns->live()) {}

void BlendSource::init(const Xapian::Database& db) {
  current_ = 0;
  at_end_ = false;
  last_ = db.get_lastdocid();
  doccount_ = db.get_doccount();
  set_maxweight(blend_->max_business);
}

double BlendSource::get_weight() const { return scorer_.Business(current_); }

void BlendSource::next(double) {
  for (Xapian::docid did = current_ + 1; did != 0 && did <= last_; ++did) {
    if (live_.Get(did) != 0) {
      current_ = did;
      return;
    }
  }
  current_ = last_;
  at_end_ = true;
}

void BlendSource::skip_to(Xapian::docid did, double min_wt) {
  if (at_end_ || did <= current_) return;
  current_ = did - 1;
  next(min_wt);
}

bool BlendSource::check(Xapian::docid did, double min_wt) {
  // Every live document matches: the target is as good as a skip_to.
  skip_to(did, min_wt);
  return true;
}

BlendSource* BlendSource::clone() const { return new BlendSource(columns_, blend_); }

}  // namespace aisle::index::internal
