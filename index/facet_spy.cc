#include <algorithm>

#include "index/facet_spy_internal.h"

namespace aisle::index::internal {

FacetSpy::FacetSpy(const CatalogColumns* columns,
                   std::vector<std::pair<std::string, FacetSource>> facets)
    : columns_(columns), facets_(std::move(facets)) {
  counters_.reserve(facets_.size());
  for (const auto& [name, source] : facets_) {
    Counter counter;
    counter.name = name;
    counter.source = source;
    switch (source.kind) {
      case FacetSource::Kind::kSingle:
        counter.ordinals = ChunkedReader<uint32_t>(source.ordinals);
        break;
      case FacetSource::Kind::kCategoryAny:
        for (int level = 0; level < kCategoryLevels; ++level) {
          counter.levels[level] = ChunkedReader<uint32_t>(&columns->level_ordinals(level));
          counter.level_names[level] = ChunkedReader<uint32_t>(&columns->level_to_name(level));
        }
        break;
      case FacetSource::Kind::kTags:
        counter.tag_refs = ChunkedReader<uint64_t>(&columns->tag_refs());
        counter.tag_arena = ChunkedReader<uint32_t>(&columns->tag_arena());
        break;
      case FacetSource::Kind::kNumeric:
        counter.numbers.emplace(*columns, source.numeric);
        break;
    }
    // Values added while the walk runs grow the vector in Count().
    if (source.dictionary != nullptr) counter.counts.resize(source.dictionary->size() + 1);
    counters_.push_back(std::move(counter));
  }
}

void FacetSpy::Count(std::vector<uint64_t>* counts, uint32_t ordinal) {
  if (ordinal == 0) return;
  if (ordinal >= counts->size()) counts->resize(ordinal + 1);
  ++(*counts)[ordinal];
}

void FacetSpy::CountCategories(Counter* counter, Xapian::docid did) {
  std::array<uint32_t, kCategoryLevels> seen{};
  for (int level = 0; level < kCategoryLevels; ++level) {
    const uint32_t path = counter->levels[level].Get(did);
    if (path == 0) break;
    const uint32_t name = counter->level_names[level].Get(path);
    // A name repeated at two levels of one path counts the product once.
    if (std::find(seen.begin(), seen.begin() + level, name) != seen.begin() + level) continue;
    seen[level] = name;
    Count(&counter->counts, name);
  }
}

void FacetSpy::CountTags(Counter* counter, Xapian::docid did) {
  const uint64_t ref = counter->tag_refs.Get(did);
  const uint32_t count = ref & ((1u << CatalogColumns::kTagCountBits) - 1);
  const auto offset = static_cast<uint32_t>(ref >> CatalogColumns::kTagCountBits);
  for (uint32_t i = 0; i < count; ++i) Count(&counter->counts, counter->tag_arena.Get(offset + i));
}

void FacetSpy::operator()(const Xapian::Document& doc, double) {
  const Xapian::docid did = doc.get_docid();  // Lazy document: nothing read.
  for (Counter& counter : counters_) {
    switch (counter.source.kind) {
      case FacetSource::Kind::kSingle:
        Count(&counter.counts, counter.ordinals.Get(did));
        break;
      case FacetSource::Kind::kCategoryAny:
        CountCategories(&counter, did);
        break;
      case FacetSource::Kind::kTags:
        CountTags(&counter, did);
        break;
      case FacetSource::Kind::kNumeric: {
        const double value = counter.numbers->Get(did);
        counter.min = std::min(counter.min, value);
        counter.max = std::max(counter.max, value);
        ++counter.seen;
        break;
      }
    }
  }
}

Xapian::MatchSpy* FacetSpy::clone() const { return new FacetSpy(columns_, facets_); }

void FacetSpy::Render(SearchResult* result) const {
  for (const Counter& counter : counters_) {
    if (counter.source.kind == FacetSource::Kind::kNumeric) {
      if (counter.seen > 0)
        result->facet_stats[counter.name] = FacetStats{counter.min, counter.max};
      continue;
    }
    std::vector<FacetValueCount> values;
    counter.source.dictionary->WithDisplays([&](const std::vector<std::string>& displays) {
      for (size_t ordinal = 1; ordinal < counter.counts.size(); ++ordinal) {
        if (counter.counts[ordinal] == 0 || ordinal > displays.size()) continue;
        values.push_back(FacetValueCount{displays[ordinal - 1], counter.counts[ordinal]});
      }
    });
    std::sort(values.begin(), values.end(), [](const auto& a, const auto& b) {
      return a.count != b.count ? a.count > b.count : a.value < b.value;
    });
    result->facet_distribution[counter.name] = std::move(values);
  }
}

}  // namespace aisle::index::internal
