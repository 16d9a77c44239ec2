#include <algorithm>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "index/catalog_columns_internal.h"

namespace aisle::index::internal {
namespace {

constexpr std::string_view kAttributesDot = "attributes.";
constexpr std::string_view kLevelFieldPrefix = "categories.lvl";

void SetOrClear(ChunkedArray<uint32_t>* column, uint32_t docid, uint32_t value) {
  if (value == 0) {
    column->Clear(docid);  // Never allocates a chunk for a missing value.
  } else {
    column->Set(docid, value);
  }
}

}  // namespace

uint32_t Dictionary::Intern(const std::string& key, std::string_view display) {
  auto it = ordinals_.find(key);
  if (it != ordinals_.end()) return it->second;
  std::unique_lock lock(mu_);
  displays_.emplace_back(display);
  const auto ordinal = static_cast<uint32_t>(displays_.size());
  ordinals_.emplace(key, ordinal);
  size_.store(ordinal, std::memory_order_release);
  return ordinal;
}

uint32_t Dictionary::Find(const std::string& key) const {
  std::shared_lock lock(mu_);
  auto it = ordinals_.find(key);
  return it == ordinals_.end() ? 0 : it->second;
}

std::string Dictionary::Display(uint32_t ordinal) const {
  std::shared_lock lock(mu_);
  if (ordinal == 0 || ordinal > displays_.size()) return std::string();
  return displays_[ordinal - 1];
}

void CatalogColumns::Apply(uint32_t docid, const ColumnRow& row) {
  const bool replaced = IsLive(docid);
  // A catalog write sets the base price and resets the live price to it; the
  // pricing engine recomputes a dynamic price from there.
  price_.Set(docid, row.price);
  base_price_.Set(docid, row.price);
  cost_.Set(docid, row.cost);
  if (!replaced) {
    // Allocate the signal columns' chunks here, on the writer thread, so
    // SetSignals never allocates; stock and demand survive a re-ingest.
    stock_.Set(docid, kStockUnknown);
    demand_.Set(docid, 0);
    signal_scores_.Set(docid, 0);
  }
  rating_.Set(docid, row.rating);
  popularity_.Set(docid, row.popularity);
  created_at_.Set(docid, row.created_at);
  SetOrClear(&brand_ordinals_, docid,
             row.brand.empty() ? 0 : brands_.Intern(Lower(row.brand), row.brand));
  ApplyCategories(docid, row.categories);
  ApplyAttributes(docid, row, replaced);
  ApplyTags(docid, row.tags);
  hidden_.Set(docid, row.hidden ? 1 : 0);
  live_.Set(docid, 1);
  if (docid > max_docid_.load(std::memory_order_relaxed)) {
    max_docid_.store(docid, std::memory_order_release);
  }
  RefreshSignalScore(docid);
}

void CatalogColumns::ApplyCategories(uint32_t docid, const std::vector<std::string>& categories) {
  for (int level = 0; level < kCategoryLevels; ++level) {
    uint32_t path_ordinal = 0;
    if (level < static_cast<int>(categories.size())) {
      const std::string path = CategoryPath(categories, level);
      path_ordinal = level_paths_[level].Intern(CanonicalCategoryPath(path), path);
      const std::string& name = categories[level];
      const uint32_t name_ordinal = name.empty() ? 0 : category_names_.Intern(Lower(name), name);
      SetOrClear(&level_to_name_[level], path_ordinal, name_ordinal);
    }
    SetOrClear(&level_ordinals_[level], docid, path_ordinal);
  }
}

AttributeColumn* CatalogColumns::InternAttribute(std::string_view name) {
  std::string key = Lower(name);
  // The writer is the only mutator, so its unlocked reads cannot race a write.
  auto it = attributes_by_key_.find(key);
  if (it != attributes_by_key_.end()) return it->second;
  auto column = std::make_unique<AttributeColumn>();
  column->display_name = std::string(name);
  AttributeColumn* raw = column.get();
  std::unique_lock lock(attributes_mu_);
  attributes_.push_back(std::move(column));
  attributes_by_key_.emplace(std::move(key), raw);
  return raw;
}

void CatalogColumns::ApplyAttributes(uint32_t docid, const ColumnRow& row, bool replaced) {
  std::vector<const AttributeColumn*> touched;
  for (const auto& [name, value] : row.attributes) {
    AttributeColumn* column = InternAttribute(name);
    const uint32_t ordinal = value.empty() ? 0 : column->values.Intern(Lower(value), value);
    SetOrClear(&column->ordinals, docid, ordinal);
    touched.push_back(column);
  }
  if (!replaced) return;  // A new docid has no old attributes to clear.
  for (const auto& column : attributes_) {
    if (std::find(touched.begin(), touched.end(), column.get()) == touched.end()) {
      column->ordinals.Clear(docid);
    }
  }
}

void CatalogColumns::ApplyTags(uint32_t docid, const std::vector<std::string>& tags) {
  std::vector<uint32_t> ordinals;
  ordinals.reserve(tags.size());
  for (const auto& tag : tags) {
    if (!tag.empty()) ordinals.push_back(tags_.Intern(Lower(tag), tag));
  }
  std::sort(ordinals.begin(), ordinals.end());
  ordinals.erase(std::unique(ordinals.begin(), ordinals.end()), ordinals.end());
  constexpr size_t kMaxCount = (1u << kTagCountBits) - 1;
  if (ordinals.size() > kMaxCount) ordinals.resize(kMaxCount);

  const uint64_t old_ref = tag_refs_.Get(docid);
  const uint64_t old_count = old_ref & kMaxCount;
  if (old_count == ordinals.size()) {
    // Unchanged list (a re-ingested product): keep it, do not grow the arena.
    const auto old_offset = static_cast<uint32_t>(old_ref >> kTagCountBits);
    bool same = true;
    for (size_t i = 0; same && i < ordinals.size(); ++i) {
      same = tag_arena_.Get(old_offset + static_cast<uint32_t>(i)) == ordinals[i];
    }
    if (same) return;
  }
  if (ordinals.empty() || tag_arena_next_ + ordinals.size() > UINT32_MAX) {
    tag_refs_.Clear(docid);
    return;
  }
  const uint64_t offset = tag_arena_next_;
  for (size_t i = 0; i < ordinals.size(); ++i) {
    tag_arena_.Set(static_cast<uint32_t>(offset + i), ordinals[i]);
  }
  tag_arena_next_ += ordinals.size();
  tag_refs_.Set(docid, (offset << kTagCountBits) | ordinals.size());
}

bool CatalogColumns::SetSignals(uint32_t docid, const SignalValues& values) {
  if (!IsLive(docid)) return false;
  std::lock_guard stripe(StripeOf(docid));
  if (values.base_price) {
    base_price_.SetExisting(docid, *values.base_price);
    if (!values.price) price_.SetExisting(docid, *values.base_price);
  }
  if (values.price) price_.SetExisting(docid, *values.price);
  if (values.stock) stock_.SetExisting(docid, *values.stock);
  if (values.popularity) popularity_.SetExisting(docid, *values.popularity);
  if (values.cost) cost_.SetExisting(docid, *values.cost);
  if (values.demand) demand_.SetExisting(docid, *values.demand);
  const PreparedBlend blend = PreparedNow();
  signal_scores_.SetExisting(
      docid, EncodeSignalScore(ComputeBlendInputs(ReadRawSignals(docid), blend.demand_pivot,
                                                  blend.popularity_pivot),
                               blend));
  return true;
}

RawSignals CatalogColumns::ReadRawSignals(uint32_t docid) const {
  return RawSignals{.stock = stock_.Get(docid),
                    .demand = demand_.Get(docid),
                    .popularity = popularity_.Get(docid),
                    .price = price_.Get(docid),
                    .cost = cost_.Get(docid)};
}

CatalogColumns::CatalogColumns() { StorePrepared(PreparedBlend()); }

void CatalogColumns::StorePrepared(const PreparedBlend& blend) {
  const std::array<double, 6> fields = {blend.demand_pivot, blend.popularity_pivot,
                                        blend.availability, blend.demand,
                                        blend.popularity,   blend.margin};
  for (size_t i = 0; i < fields.size(); ++i) prepared_[i].store(fields[i]);
}

PreparedBlend CatalogColumns::PreparedNow() const {
  auto at = [this](int i) { return prepared_[i].load(std::memory_order_relaxed); };
  return PreparedBlend{at(0), at(1), at(2), at(3), at(4), at(5)};
}

void CatalogColumns::RefreshSignalScore(uint32_t docid) {
  std::lock_guard stripe(StripeOf(docid));
  const PreparedBlend blend = PreparedNow();
  signal_scores_.SetExisting(
      docid, EncodeSignalScore(ComputeBlendInputs(ReadRawSignals(docid), blend.demand_pivot,
                                                  blend.popularity_pivot),
                               blend));
}

void CatalogColumns::Prepare(const PreparedBlend& blend) {
  std::lock_guard lock(prepare_mu_);
  if (PreparedNow() == blend && prepared_ready_.load()) return;
  prepared_ready_.store(false);
  StorePrepared(blend);
  // A signal write that takes a stripe after this loop passed it sees the
  // new blend (the stripe lock orders it after the stores above); one that
  // took it before is recomputed by the loop.
  const uint32_t last = max_docid_.load(std::memory_order_acquire);
  for (uint32_t docid = 1; docid != 0 && docid <= last; ++docid) {
    if (IsLive(docid)) RefreshSignalScore(docid);
  }
  prepared_ready_.store(true);
}

std::optional<PreparedBlend> CatalogColumns::Prepared() const {
  if (!prepared_ready_.load(std::memory_order_acquire)) return std::nullopt;
  return PreparedNow();
}

size_t CatalogColumns::RebuildFrom(const Xapian::Database& db) {
  constexpr std::array<Xapian::valueno, 5> kNumericSlots = {
      kPriceSlot, kRatingSlot, kPopularitySlot, kCreatedAtSlot, kCostSlot};
  std::array<Xapian::ValueIterator, 5> numbers;
  for (size_t i = 0; i < numbers.size(); ++i) numbers[i] = db.valuestream_begin(kNumericSlots[i]);
  const Xapian::ValueIterator end;
  const std::string hidden_term(kHiddenTerm);
  Xapian::PostingIterator hidden = db.postlist_begin(hidden_term);
  const Xapian::PostingIterator hidden_end = db.postlist_end(hidden_term);
  size_t loaded = 0;
  for (auto it = db.valuestream_begin(kFacetSlot); it != end; ++it) {
    const Xapian::docid docid = it.get_docid();
    ColumnRow row;
    if (!DecodeFacetRow(*it, &row)) row = ColumnRow();  // Unreadable: numbers only.
    std::array<double, 5> values{};
    for (size_t i = 0; i < numbers.size(); ++i) {
      if (numbers[i] == end) continue;
      numbers[i].skip_to(docid);
      if (numbers[i] != end && numbers[i].get_docid() == docid) {
        values[i] = Xapian::sortable_unserialise(*numbers[i]);
      }
    }
    row.price = values[0];
    row.rating = values[1];
    row.popularity = values[2];
    row.created_at = static_cast<int64_t>(values[3]);
    row.cost = values[4];
    if (hidden != hidden_end) hidden.skip_to(docid);
    row.hidden = hidden != hidden_end && *hidden == docid;
    Apply(docid, row);
    ++loaded;
  }
  return loaded;
}

const ChunkedArray<double>& CatalogColumns::double_column(NumericField field) const {
  switch (field) {
    case NumericField::kRating:
      return rating_;
    case NumericField::kPopularity:
      return popularity_;
    case NumericField::kBasePrice:
      return base_price_;
    case NumericField::kCost:
      return cost_;
    default:
      return price_;
  }
}

const AttributeColumn* CatalogColumns::FindAttribute(std::string_view name) const {
  if (name.substr(0, kAttributesDot.size()) == kAttributesDot) {
    name.remove_prefix(kAttributesDot.size());
  }
  const std::string key = Lower(name);
  std::shared_lock lock(attributes_mu_);
  auto it = attributes_by_key_.find(key);
  return it == attributes_by_key_.end() ? nullptr : it->second;
}

std::vector<std::string> CatalogColumns::AttributeNames() const {
  std::vector<std::string> names;
  {
    std::shared_lock lock(attributes_mu_);
    for (const auto& column : attributes_) names.push_back(column->display_name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

absl::StatusOr<FacetSource> CatalogColumns::ResolveFacet(const std::string& name) const {
  FacetSource source;
  if (name == "brand") {
    source.ordinals = &brand_ordinals_;
    source.dictionary = &brands_;
  } else if (name == "category") {
    source.kind = FacetSource::Kind::kCategoryAny;
    source.dictionary = &category_names_;
  } else if (name.size() == kLevelFieldPrefix.size() + 1 &&
             name.compare(0, kLevelFieldPrefix.size(), kLevelFieldPrefix) == 0 &&
             name.back() >= '0' && name.back() < '0' + kCategoryLevels) {
    const int level = name.back() - '0';
    source.ordinals = &level_ordinals_[level];
    source.dictionary = &level_paths_[level];
  } else if (name == "tags") {
    source.kind = FacetSource::Kind::kTags;
    source.dictionary = &tags_;
  } else if (name == "price" || name == "rating" || name == "popularity" || name == "createdAt") {
    source.kind = FacetSource::Kind::kNumeric;
    source.numeric = name == "price"        ? NumericField::kPrice
                     : name == "rating"     ? NumericField::kRating
                     : name == "popularity" ? NumericField::kPopularity
                                            : NumericField::kCreatedAt;
  } else if (const AttributeColumn* column = FindAttribute(name)) {
    source.ordinals = &column->ordinals;
    source.dictionary = &column->values;
  } else {
    return InvalidArgumentError(
        absl::StrCat("unknown facet '", name,
                     "'; facetable: brand, category, categories.lvl0..categories.lvl4, tags, "
                     "price, rating, popularity, createdAt and attribute names"),
        "facets");
  }
  return source;
}

size_t CatalogColumns::ColumnBytes() const {
  size_t bytes = live_.allocated_bytes() + hidden_.allocated_bytes() + price_.allocated_bytes() + rating_.allocated_bytes() +
                 popularity_.allocated_bytes() + created_at_.allocated_bytes() +
                 brand_ordinals_.allocated_bytes() + tag_refs_.allocated_bytes() +
                 tag_arena_.allocated_bytes();
  for (int level = 0; level < kCategoryLevels; ++level) {
    bytes += level_ordinals_[level].allocated_bytes() + level_to_name_[level].allocated_bytes();
  }
  std::shared_lock lock(attributes_mu_);
  for (const auto& column : attributes_) bytes += column->ordinals.allocated_bytes();
  return bytes;
}

NumericReader::NumericReader(const CatalogColumns& columns, NumericField field)
    : is_int_(IsInt(field)),
      doubles_(&columns.double_column(field)),
      ints_(&columns.int_column(field)) {}

}  // namespace aisle::index::internal
