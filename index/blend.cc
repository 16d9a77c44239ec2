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

BlendInputs ComputeBlendInputs(const RawSignals& raw, double demand_pivot,
                               double popularity_pivot) {
  BlendInputs in;
  // kStockUnknown (never reported) is > 0: untracked stock counts as in stock.
  in.availability = raw.stock > 0 ? 1.0 : 0.0;
  in.demand = Saturate(raw.demand, demand_pivot);
  in.popularity = Saturate(raw.popularity, popularity_pivot);
  if (raw.cost > 0 && raw.price > 0) in.margin = Clamp01((raw.price - raw.cost) / raw.price);
  return in;
}

uint16_t EncodeSignalScore(const BlendInputs& in, const PreparedBlend& blend) {
  const double total = blend.signal_weight();
  if (!(total > 0)) return 0;
  const double sum = blend.availability * in.availability + blend.demand * in.demand +
                     blend.popularity * in.popularity + blend.margin * in.margin;
  return static_cast<uint16_t>(std::lround(Clamp01(sum / total) * 65535.0));
}

double DecodeSignalScore(uint16_t code, const PreparedBlend& blend) {
  return code * (blend.signal_weight() * (1.0 / 65535.0));
}

std::shared_ptr<const ResolvedBlend> ResolveBlend(const ScoreBlend& blend,
                                                  const CatalogColumns& columns) {
  auto resolved = std::make_shared<ResolvedBlend>();
  resolved->weights = blend.weights;
  resolved->signals = PreparedBlend{
      .demand_pivot = blend.demand_pivot > 0 ? blend.demand_pivot : 1,
      .popularity_pivot = blend.popularity_pivot > 0 ? blend.popularity_pivot : 1,
      .availability = blend.weights.availability,
      .demand = blend.weights.demand,
      .popularity = blend.weights.popularity,
      .margin = blend.weights.margin};
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
      prepared_(columns->Prepared() == blend_->signals),
      signal_scores_(&columns->signal_scores()),
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
  const RawSignals raw{.stock = stock_.Get(docid),
                       .demand = demand_.Get(docid),
                       .popularity = popularity_.Get(docid),
                       .price = price_.Get(docid),
                       .cost = cost_.Get(docid)};
  Inputs in;
  in.signals = ComputeBlendInputs(raw, blend_->signals.demand_pivot,
                                  blend_->signals.popularity_pivot);
  if (personalized_) in.personalization = Personal(docid, raw.price);
  return in;
}

double BlendScorer::Business(uint32_t docid) {
  const BlendWeights& w = blend_->weights;
  if (prepared_) {
    double business = DecodeSignalScore(signal_scores_.Get(docid), blend_->signals);
    if (personalized_) business += w.personalization * Personal(docid, price_.Get(docid));
    return business;
  }
  const Inputs in = Read(docid);
  return w.availability * in.signals.availability + w.demand * in.signals.demand +
         w.popularity * in.signals.popularity + w.margin * in.signals.margin +
         w.personalization * in.personalization;
}

void BlendScorer::Explain(uint32_t docid, ScoreDetails* details) {
  const BlendWeights& w = blend_->weights;
  const Inputs in = Read(docid);
  details->availability = {in.signals.availability, w.availability};
  details->demand = {in.signals.demand, w.demand};
  details->popularity = {in.signals.popularity, w.popularity};
  details->margin = {in.signals.margin, w.margin};
  details->personalization = {in.personalization, w.personalization};
}

BlendSource::BlendSource(const CatalogColumns* columns, std::shared_ptr<const ResolvedBlend> blend)
    : columns_(columns), blend_(blend), scorer_(columns, std::move(blend)), live_(&columns->live()) {}

void BlendSource::init(const Xapian::Database& db) {
  current_ = 0;
  weighed_ = 0;
  at_end_ = false;
  last_ = db.get_lastdocid();
  doccount_ = db.get_doccount();
  set_maxweight(blend_->max_business);
}

double BlendSource::get_weight() const {
  if (weighed_ != current_) {
    weight_ = scorer_.Business(current_);
    weighed_ = current_;
  }
  return weight_;
}

void BlendSource::next(double min_wt) {
  // Driving the match alone (no text): documents that cannot reach the
  // weight the top hits already need are passed over here, reading 2 bytes
  // each, rather than handed to the matcher one by one.
  for (Xapian::docid did = current_ + 1; did != 0 && did <= last_; ++did) {
    if (live_.Get(did) == 0) continue;
    current_ = did;
    if (min_wt <= 0 || get_weight() >= min_wt) return;
  }
  current_ = last_;
  at_end_ = true;
}

void BlendSource::skip_to(Xapian::docid did, double) {
  // Only ever a branch of an AND / AND_MAYBE whose other side holds real
  // documents of this snapshot: every one of them has a business weight,
  // so there is no need to read the live column.
  if (at_end_ || did <= current_) return;
  if (did > last_) {
    current_ = last_;
    at_end_ = true;
    return;
  }
  current_ = did;
}

bool BlendSource::check(Xapian::docid did, double min_wt) {
  skip_to(did, min_wt);
  return true;
}

BlendSource* BlendSource::clone() const { return new BlendSource(columns_, blend_); }

}  // namespace aisle::index::internal
