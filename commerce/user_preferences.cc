#include "commerce/user_preferences.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <mutex>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/hash/hash.h"
#include "base/serial.h"

namespace aisle::commerce {
namespace {

constexpr std::array<double, kPriceRangeCount> kPriceRangeEdges = {
    0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000, 20000, 50000, 100000};

// Decayed weights below this are dropped: with a 30-day half-life a weight of
// 1 gets there after about 2.5 years.
constexpr double kNegligibleWeight = 1e-9;
constexpr double kMsPerDay = 86'400'000.0;
constexpr double kReanchorExponent = 64;

using WeightMap = std::map<std::string, double>;

struct Profile {
  // Weights are stored as of this time: a weight w recorded at t is stored
  // as w * 2^((t - anchor_ms) / half-life); its value at time T is the
  // stored one times 2^(-(T - anchor_ms) / half-life).
  int64_t anchor_ms = 0;
  WeightMap categories;
  WeightMap brands;
  std::array<double, kPriceRangeCount> price_ranges{};
  UserHistory history;
};

struct alignas(64) Shard {
  mutable std::mutex mu;
  absl::flat_hash_map<std::string, Profile> users;
  absl::flat_hash_set<std::string> dirty;
};

double Total(const WeightMap& map) {
  double total = 0;
  for (const auto& [key, weight] : map) total += weight;
  return total;
}

double Max(const WeightMap& map) {
  double max = 0;
  for (const auto& [key, weight] : map) max = std::max(max, weight);
  return max;
}

void Scale(WeightMap& map, double factor) {
  for (auto& [key, weight] : map) weight *= factor;
  std::erase_if(map, [](const auto& entry) { return entry.second < kNegligibleWeight; });
}

// Adds `weight` to `key`, then drops the weakest other key past `max_entries`.
void Bump(WeightMap& map, const std::string& key, double weight, size_t max_entries) {
  map[key] += weight;
  while (map.size() > std::max<size_t>(max_entries, 1)) {
    auto weakest = map.end();
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (it->first != key && (weakest == map.end() || it->second < weakest->second)) weakest = it;
    }
    map.erase(weakest);
  }
}

template <typename Map>
Map Shares(const Map& raw) {
  double total = 0;
  for (const auto& [key, weight] : raw) total += weight;
  Map shares;
  if (total <= 0) return shares;
  for (const auto& [key, weight] : raw) shares[key] = weight / total;
  return shares;
}

}  // namespace

std::string_view UserSegmentName(UserSegment segment) {
  switch (segment) {
    case UserSegment::kUnknown:
      return "unknown";
    case UserSegment::kNew:
      return "new";
    case UserSegment::kRegular:
      return "regular";
    case UserSegment::kVip:
      return "vip";
  }
  return "unknown";
}

int PriceRangeBucket(double price) {
  if (!std::isfinite(price) || price < 0) return -1;
  auto it = std::upper_bound(kPriceRangeEdges.begin(), kPriceRangeEdges.end(), price);
  return static_cast<int>(it - kPriceRangeEdges.begin()) - 1;
}

std::string PriceRangeLabel(int bucket) {
  if (bucket < 0 || bucket >= kPriceRangeCount) return "";
  auto edge = [](int i) { return std::to_string(static_cast<int64_t>(kPriceRangeEdges[i])); };
  if (bucket == kPriceRangeCount - 1) return edge(bucket) + "+";
  return edge(bucket) + "-" + edge(bucket + 1);
}

std::pair<double, double> PriceRangeBounds(int bucket) {
  if (bucket < 0 || bucket >= kPriceRangeCount) return {0, 0};
  const double high = bucket + 1 < kPriceRangeCount ? kPriceRangeEdges[bucket + 1] : HUGE_VAL;
  return {kPriceRangeEdges[bucket], high};
}

double ActionWeights::For(EventType type) const {
  switch (type) {
    case EventType::kView:
      return view;
    case EventType::kClick:
      return click;
    case EventType::kCartAdd:
      return cart_add;
    case EventType::kPurchase:
      return purchase;
    case EventType::kWishlistAdd:
      return wishlist_add;
    case EventType::kSearch:
      return search;
  }
  return 0;
}

UserSegment SegmentFor(const UserHistory& history, const SegmentThresholds& thresholds) {
  if (history.purchases >= thresholds.vip_min_purchases ||
      history.spend >= thresholds.vip_min_spend) {
    return UserSegment::kVip;
  }
  if (history.purchases >= thresholds.regular_min_purchases) return UserSegment::kRegular;
  return UserSegment::kNew;
}

// ---------------------------------------------------------------------------
// Profile format, version 1:
//   "UP" 0x01, svarint anchor_ms, varint events, varint purchases, double spend,
//   svarint first_seen_ms, svarint last_seen_ms,
//   categories and brands: varint count, then (string key, double weight)
//   each; price ranges: varint count, then (varint bucket, double weight) each.
//   Weights are the raw decayed weights as of anchor_ms.

namespace {

constexpr uint8_t kProfileVersion = 1;

void WriteMap(const WeightMap& map, ByteWriter& out) {
  out.PutVarint(map.size());
  for (const auto& [key, weight] : map) {
    out.PutString(key);
    out.PutDouble(weight);
  }
}

bool ValidWeight(double w) { return std::isfinite(w) && w >= 0; }

bool ReadMap(ByteReader& in, WeightMap* map) {
  uint64_t size;
  if (!in.GetVarint(&size) || size > in.remaining()) return false;
  for (uint64_t i = 0; i < size; ++i) {
    std::string key;
    double weight;
    if (!in.GetString(&key) || key.empty() || !in.GetDouble(&weight) || !ValidWeight(weight) ||
        !map->emplace(std::move(key), weight).second) {
      return false;
    }
  }
  return true;
}

bool ReadProfile(ByteReader& in, Profile* p) {
  uint8_t u, pp, version;
  if (!in.GetU8(&u) || !in.GetU8(&pp) || !in.GetU8(&version) || u != 'U' || pp != 'P' ||
      version != kProfileVersion) {
    return false;
  }
  UserHistory& h = p->history;
  if (!in.GetSignedVarint(&p->anchor_ms) || !in.GetVarint(&h.events) ||
      !in.GetVarint(&h.purchases) || !in.GetDouble(&h.spend) || !ValidWeight(h.spend) ||
      !in.GetSignedVarint(&h.first_seen_ms) || !in.GetSignedVarint(&h.last_seen_ms) ||
      !ReadMap(in, &p->categories) || !ReadMap(in, &p->brands)) {
    return false;
  }
  uint64_t ranges;
  if (!in.GetVarint(&ranges) || ranges > kPriceRangeCount) return false;
  for (uint64_t i = 0; i < ranges; ++i) {
    uint64_t bucket;
    double weight;
    if (!in.GetVarint(&bucket) || bucket >= kPriceRangeCount || !in.GetDouble(&weight) ||
        !ValidWeight(weight)) {
      return false;
    }
    p->price_ranges[bucket] = weight;
  }
  return in.AtEnd();
}

std::string WriteProfile(const Profile& p) {
  ByteWriter out;
  out.PutU8('U');
  out.PutU8('P');
  out.PutU8(kProfileVersion);
  out.PutSignedVarint(p.anchor_ms);
  out.PutVarint(p.history.events);
  out.PutVarint(p.history.purchases);
  out.PutDouble(p.history.spend);
  out.PutSignedVarint(p.history.first_seen_ms);
  out.PutSignedVarint(p.history.last_seen_ms);
  WriteMap(p.categories, out);
  WriteMap(p.brands, out);
  int nonzero = 0;
  for (double w : p.price_ranges) nonzero += w > 0 ? 1 : 0;
  out.PutVarint(nonzero);
  for (int b = 0; b < kPriceRangeCount; ++b) {
    if (p.price_ranges[b] <= 0) continue;
    out.PutVarint(b);
    out.PutDouble(p.price_ranges[b]);
  }
  return out.Take();
}

}  // namespace

struct UserPreferences::State {
  const Clock& clock;
  UserPreferencesOptions options;
  std::vector<Shard> shards;

  State(const Clock& c, UserPreferencesOptions o)
      : clock(c), options(std::move(o)), shards(static_cast<size_t>(std::max(1, options.shards))) {}

  Shard& ShardFor(const std::string& user_id) {
    const uint64_t h = absl::Hash<std::string>{}(user_id)*0x9E3779B97F4A7C15ull;
    return shards[(h >> 32) % shards.size()];
  }

  // log2 of how much larger than at the anchor a weight recorded `elapsed_ms`
  // after it is stored (negative for events before the anchor).
  double Exponent(int64_t elapsed_ms) const {
    if (options.half_life_days <= 0) return 0;
    return static_cast<double>(elapsed_ms) / (options.half_life_days * kMsPerDay);
  }

  // Re-expresses the weights as of `t` (the decayed weights at t) and drops
  // the negligible ones.
  void Reanchor(Profile& p, int64_t t) const {
    const double factor = std::exp2(-Exponent(t - p.anchor_ms));
    Scale(p.categories, factor);
    Scale(p.brands, factor);
    for (double& w : p.price_ranges) w = w * factor < kNegligibleWeight ? 0 : w * factor;
    p.anchor_ms = t;
  }

  // The user's profile, fetched through the loader on a miss (with the
  // stripe lock held). nullptr when the user has none and `create` is false.
  absl::StatusOr<Profile*> Lookup(Shard& shard, const std::string& user_id, bool create) const;
  // Lookup for reads: a loader failure reads as an unknown user.
  const Profile* Read(Shard& shard, const std::string& user_id) const {
    absl::StatusOr<Profile*> found = Lookup(shard, user_id, /*create=*/false);
    return found.ok() ? *found : nullptr;
  }

  void Apply(const Event& event, int64_t t, Profile& p) const;
  double Fade(const Profile& p) const;
};

absl::StatusOr<Profile*> UserPreferences::State::Lookup(Shard& shard, const std::string& user_id,
                                                        bool create) const {
  auto it = shard.users.find(user_id);
  if (it != shard.users.end()) return &it->second;
  Profile loaded;
  bool found = false;
  if (options.loader) {
    absl::StatusOr<std::optional<std::string>> blob = options.loader(user_id);
    if (!blob.ok()) return blob.status();
    if (blob->has_value()) {
      ByteReader in(**blob);
      found = ReadProfile(in, &loaded);
      if (!found) loaded = Profile{};  // Corrupt: start afresh.
    }
  }
  if (!found && !create) return nullptr;
  return &shard.users.emplace(user_id, std::move(loaded)).first->second;
}

// updateUserPreferences for one event, on the raw (anchored) weights.
void UserPreferences::State::Apply(const Event& event, int64_t t, Profile& p) const {
  UserHistory& h = p.history;
  if (h.events == 0) {
    p.anchor_ms = t;
    h.first_seen_ms = h.last_seen_ms = t;
  }
  ++h.events;
  h.first_seen_ms = std::min(h.first_seen_ms, t);
  h.last_seen_ms = std::max(h.last_seen_ms, t);
  const std::optional<double>& price = event.metadata.price;
  const bool has_price = price.has_value() && std::isfinite(*price) && *price >= 0;
  if (event.type == EventType::kPurchase) {
    ++h.purchases;
    if (has_price) h.spend += *price;
  }
  double weight = options.action_weights.For(event.type);
  if (!(weight > 0)) return;
  // Decay without touching old weights: a new weight is stored grown by
  // 2^((t - anchor) / half-life), which keeps every ratio exact. The anchor
  // moves forward only when the growth gets large (64 half-lives).
  double exponent = Exponent(t - p.anchor_ms);
  if (exponent > kReanchorExponent) {
    Reanchor(p, t);
    exponent = 0;
  }
  weight *= std::exp2(exponent);
  if (weight < kNegligibleWeight) return;  // A very late event.
  if (!event.category.empty()) Bump(p.categories, event.category, weight, options.max_entries);
  if (!event.metadata.brand.empty()) {
    Bump(p.brands, event.metadata.brand, weight, options.max_entries);
  }
  if (has_price) p.price_ranges[PriceRangeBucket(*price)] += weight;
}

UserPreferences::UserPreferences(const Clock& clock, UserPreferencesOptions options)
    : state_(std::make_unique<State>(clock, std::move(options))) {}

UserPreferences::~UserPreferences() = default;

absl::Status UserPreferences::Update(const Event& event) {
  if (event.user_id.empty()) return InvalidArgumentError("event has no user id", "userId");
  const int64_t t = event.timestamp_ms == 0 ? state_->clock.NowMillis() : event.timestamp_ms;
  Shard& shard = state_->ShardFor(event.user_id);
  std::lock_guard lock(shard.mu);
  AISLE_ASSIGN_OR_RETURN(Profile * profile, state_->Lookup(shard, event.user_id, /*create=*/true));
  state_->Apply(event, t, *profile);
  shard.dirty.insert(event.user_id);
  return absl::OkStatus();
}

std::optional<Preferences> UserPreferences::Get(const std::string& user_id) const {
  Shard& shard = state_->ShardFor(user_id);
  std::lock_guard lock(shard.mu);
  const Profile* found = state_->Read(shard, user_id);
  if (found == nullptr) return std::nullopt;
  const Profile& p = *found;
  Preferences prefs;
  prefs.categories = Shares(p.categories);
  prefs.brands = Shares(p.brands);
  std::map<int, double> ranges;
  for (int b = 0; b < kPriceRangeCount; ++b) {
    if (p.price_ranges[b] > 0) ranges[b] = p.price_ranges[b];
  }
  prefs.price_ranges = Shares(ranges);
  prefs.history = p.history;
  prefs.segment = SegmentFor(p.history, state_->options.segments);
  return prefs;
}

double AffinityProfile::Score(const std::string& category, const std::string& brand,
                              std::optional<double> price) const {
  double score = 0;
  if (auto it = categories_.find(category); it != categories_.end()) score += it->second;
  if (auto it = brands_.find(brand); it != brands_.end()) score += it->second;
  const int bucket = price.has_value() ? PriceRangeBucket(*price) : -1;
  if (bucket >= 0) score += price_ranges_[bucket];
  return std::clamp(score, 0.0, 1.0);
}

namespace {

// confidence(total) * blend: the factor applied to a map's relative weights.
double MapFactor(double total, double confidence_weight, double blend) {
  if (!(total > 0)) return 0;
  const double confidence = confidence_weight > 0 ? total / (total + confidence_weight) : 1.0;
  return confidence * blend;
}

double Sum(const std::array<double, kPriceRangeCount>& ranges) {
  double total = 0;
  for (double v : ranges) total += v;
  return total;
}

// A price range's weight; an adjacent range counts half.
double RangeWeight(const std::array<double, kPriceRangeCount>& r, int b) {
  double weight = r[b];
  if (b > 0) weight = std::max(weight, 0.5 * r[b - 1]);
  if (b + 1 < kPriceRangeCount) weight = std::max(weight, 0.5 * r[b + 1]);
  return weight;
}

void FillTerms(const WeightMap& raw, double fade, double confidence_weight, double blend,
               absl::flat_hash_map<std::string, double>& terms) {
  const double max = Max(raw);
  const double factor = MapFactor(Total(raw) * fade, confidence_weight, blend);
  if (!(max > 0) || !(factor > 0)) return;
  terms.reserve(raw.size());
  for (const auto& [key, weight] : raw) terms.emplace(key, weight / max * factor);
}

}  // namespace

// How much of its full value a profile still carries at the clock's now: the
// decay since the anchor (taken at the latest event if the clock lags).
double UserPreferences::State::Fade(const Profile& p) const {
  const int64_t at = std::max(clock.NowMillis(), p.history.last_seen_ms);
  return std::exp2(-Exponent(at - p.anchor_ms));
}

double UserPreferences::Affinity(const std::string& user_id, const std::string& category,
                                 const std::string& brand, std::optional<double> price) const {
  const UserPreferencesOptions& o = state_->options;
  const AffinityWeights& w = o.affinity_weights;
  const double weight_sum = w.category + w.brand + w.price_range;
  if (!(weight_sum > 0)) return 0;
  Shard& shard = state_->ShardFor(user_id);
  std::lock_guard lock(shard.mu);
  const Profile* found = state_->Read(shard, user_id);
  if (found == nullptr) return 0;
  const Profile& p = *found;
  const double fade = state_->Fade(p);
  auto map_term = [&](const WeightMap& map, const std::string& key, double blend) {
    auto it = key.empty() ? map.end() : map.find(key);
    if (it == map.end()) return 0.0;
    return it->second / Max(map) * MapFactor(Total(map) * fade, o.confidence_weight, blend);
  };
  double score = map_term(p.categories, category, w.category / weight_sum) +
                 map_term(p.brands, brand, w.brand / weight_sum);
  const int bucket = price.has_value() ? PriceRangeBucket(*price) : -1;
  const auto& r = p.price_ranges;
  const double max = *std::max_element(r.begin(), r.end());
  if (bucket >= 0 && max > 0) {
    score += RangeWeight(r, bucket) / max *
             MapFactor(Sum(r) * fade, o.confidence_weight, w.price_range / weight_sum);
  }
  return std::clamp(score, 0.0, 1.0);
}

AffinityProfile UserPreferences::AffinityFor(const std::string& user_id) const {
  AffinityProfile profile;
  const UserPreferencesOptions& o = state_->options;
  const AffinityWeights& w = o.affinity_weights;
  const double weight_sum = w.category + w.brand + w.price_range;
  if (!(weight_sum > 0)) return profile;
  Shard& shard = state_->ShardFor(user_id);
  std::lock_guard lock(shard.mu);
  const Profile* found = state_->Read(shard, user_id);
  if (found == nullptr) return profile;
  const Profile& p = *found;
  // Confidence uses the weights decayed to now: a long-idle profile fades.
  const double fade = state_->Fade(p);
  FillTerms(p.categories, fade, o.confidence_weight, w.category / weight_sum, profile.categories_);
  FillTerms(p.brands, fade, o.confidence_weight, w.brand / weight_sum, profile.brands_);
  const auto& r = p.price_ranges;
  const double max = *std::max_element(r.begin(), r.end());
  const double factor = MapFactor(Sum(r) * fade, o.confidence_weight, w.price_range / weight_sum);
  if (max > 0 && factor > 0) {
    profile.has_price_ranges_ = true;
    for (int b = 0; b < kPriceRangeCount; ++b) {
      profile.price_ranges_[b] = RangeWeight(r, b) / max * factor;
    }
  }
  return profile;
}

UserSegment UserPreferences::Segment(const std::string& user_id) const {
  if (user_id.empty()) return UserSegment::kUnknown;
  Shard& shard = state_->ShardFor(user_id);
  std::lock_guard lock(shard.mu);
  const Profile* found = state_->Read(shard, user_id);
  if (found == nullptr) return UserSegment::kNew;
  return SegmentFor(found->history, state_->options.segments);
}

bool UserPreferences::Erase(const std::string& user_id) {
  Shard& shard = state_->ShardFor(user_id);
  std::lock_guard lock(shard.mu);
  shard.dirty.erase(user_id);
  return shard.users.erase(user_id) > 0;
}

std::vector<std::string> UserPreferences::TakeDirty() {
  std::vector<std::string> ids;
  for (Shard& shard : state_->shards) {
    std::lock_guard lock(shard.mu);
    ids.insert(ids.end(), shard.dirty.begin(), shard.dirty.end());
    shard.dirty.clear();
  }
  return ids;
}

size_t UserPreferences::user_count() const {
  size_t count = 0;
  for (const Shard& shard : state_->shards) {
    std::lock_guard lock(shard.mu);
    count += shard.users.size();
  }
  return count;
}

std::optional<std::string> UserPreferences::Serialize(const std::string& user_id) const {
  const Shard& shard = state_->ShardFor(user_id);
  std::lock_guard lock(shard.mu);
  auto it = shard.users.find(user_id);  // Memory only: the loader's copy is already stored.
  if (it == shard.users.end()) return std::nullopt;
  return WriteProfile(it->second);
}

absl::Status UserPreferences::Restore(const std::string& user_id, std::string_view bytes) {
  if (user_id.empty()) return InvalidArgumentError("user id is empty", "userId");
  Profile profile;
  ByteReader in(bytes);
  if (!ReadProfile(in, &profile))
    return absl::DataLossError("user profile: corrupt or foreign bytes");
  Shard& shard = state_->ShardFor(user_id);
  std::lock_guard lock(shard.mu);
  shard.users[user_id] = std::move(profile);
  return absl::OkStatus();
}

}  // namespace aisle::commerce
