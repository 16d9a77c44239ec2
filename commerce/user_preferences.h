// UserPreferences: the seed's updateUserPreferences. Each behaviour event adds
// its action weight (getActionWeight) to the user's affinity for the event's
// category, brand (metadata.brand) and price range (metadata.price); then the
// preferences are normalized (normalizePreferences). Also keeps the purchase
// history that decides the user's pricing segment (new / regular / vip).
//
// Normalization, as chosen here (docs/PRICING.md has the reasoning):
// - Raw weights decay exponentially with the time since the event (half-life
//   `half_life_days`, default 30), so tastes can change: a purchase 30 days
//   ago counts half as much as one today.
// - Get() returns each map normalized to shares that sum to 1. The raw decayed
//   weights are kept, not the shares: re-normalizing to 1 after every event
//   would give each new event a fixed share of the profile (a purchase, weight
//   5, would always take 5/6 of it), erasing history after a few clicks.
// - Each map keeps at most `max_entries` keys; the weakest is dropped first.
//
// Price ranges are log-spaced buckets (a 1-2-5 series): [0,1) [1,2) [2,5)
// [5,10) [10,20) ... [50000,100000) [100000,inf).
//
// Ownership: in memory. The caller persists profiles: TakeDirty() names the
// users changed since the last call, Serialize(user) gives each one's bytes.
// Profiles come back either through the optional `loader` (called on the
// first access to a user not in memory, so an event never starts a fresh
// profile over a stored one) or by Restore(user, bytes).
//
// Thread-safety: every method may be called concurrently (lock-striped by user).
#ifndef AISLE_COMMERCE_USER_PREFERENCES_H_
#define AISLE_COMMERCE_USER_PREFERENCES_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "base/clock.h"
#include "base/event.h"
#include "base/status.h"

namespace aisle::commerce {

// kUnknown: no user id (anonymous request) -> list price.
enum class UserSegment : uint8_t { kUnknown, kNew, kRegular, kVip };

// "unknown", "new", "regular", "vip".
std::string_view UserSegmentName(UserSegment segment);

inline constexpr int kPriceRangeCount = 17;

// The price range bucket of `price` (0..kPriceRangeCount-1), or -1 for a
// negative or non-finite price.
int PriceRangeBucket(double price);
// "0-1", "1-2", "2-5", ..., "50000-100000", "100000+"; "" when out of range.
std::string PriceRangeLabel(int bucket);
// The bucket's [low, high) bounds (high is infinity for the last); {0, 0}
// when out of range.
std::pair<double, double> PriceRangeBounds(int bucket);

// The seed's getActionWeight, per event type.
struct ActionWeights {
  double view = 1.0;
  double click = 1.5;
  double cart_add = 3.0;
  double purchase = 5.0;
  double wishlist_add = 2.0;
  double search = 0.5;
  double For(EventType type) const;
};

// vip: purchases >= vip_min_purchases OR spend >= vip_min_spend;
// regular: purchases >= regular_min_purchases; new: otherwise.
struct SegmentThresholds {
  uint64_t regular_min_purchases = 1;
  uint64_t vip_min_purchases = 10;
  double vip_min_spend = 1000.0;
};

// How Affinity() blends the three maps (need not sum to 1: divided by the sum).
struct AffinityWeights {
  double category = 0.4;
  double brand = 0.4;
  double price_range = 0.2;
};

// Fetches a user's stored profile (Serialize() bytes); nullopt when there is
// none. Called with the user's lock stripe held, so it should be quick (one
// keyed read) and must not call back into UserPreferences.
using ProfileLoader =
    std::function<absl::StatusOr<std::optional<std::string>>(const std::string& user_id)>;

struct UserPreferencesOptions {
  ActionWeights action_weights;
  // Half-life of a preference weight; <= 0 disables decay.
  double half_life_days = 30.0;
  // Keys kept per category / brand map.
  size_t max_entries = 50;
  AffinityWeights affinity_weights;
  // Affinity's confidence shrinkage: a map whose (decayed) total weight is T
  // counts T / (T + confidence_weight) of its full value. 3 = one cart add
  // gives half confidence. 0 disables it.
  double confidence_weight = 3.0;
  SegmentThresholds segments;
  int shards = 32;
  // Empty: memory only. A stored profile that fails to parse is treated as
  // absent (profiles are derived from events; the next Update starts afresh).
  ProfileLoader loader;
};

struct UserHistory {
  uint64_t events = 0;
  uint64_t purchases = 0;
  double spend = 0;  // Sum of metadata.price over purchases (one unit each).
  int64_t first_seen_ms = 0;
  int64_t last_seen_ms = 0;
  bool operator==(const UserHistory&) const = default;
};

UserSegment SegmentFor(const UserHistory& history, const SegmentThresholds& thresholds);

struct Preferences {
  // Shares: each non-empty map sums to 1.
  std::map<std::string, double> categories;
  std::map<std::string, double> brands;
  std::map<int, double> price_ranges;  // PriceRangeBucket -> share.
  UserHistory history;
  UserSegment segment = UserSegment::kNew;
};

// A read-only copy of one user's tastes, for scoring many products (a page
// of search hits) without taking a lock per product. Thread-compatible.
class AffinityProfile {
 public:
  // UserPreferences::Affinity's score; 0 for an empty profile.
  double Score(const std::string& category, const std::string& brand,
               std::optional<double> price) const;
  bool empty() const { return categories_.empty() && brands_.empty() && !has_price_ranges_; }

  // The terms Score() adds up: a category's, a brand's and each price
  // range's share of the score (0 for a range the user never touched).
  const absl::flat_hash_map<std::string, double>& category_terms() const { return categories_; }
  const absl::flat_hash_map<std::string, double>& brand_terms() const { return brands_; }
  const std::array<double, kPriceRangeCount>& price_range_terms() const { return price_ranges_; }

 private:
  friend class UserPreferences;
  // Each term already multiplied by relative weight, confidence and blend
  // weight, so Score is three lookups and a sum.
  absl::flat_hash_map<std::string, double> categories_;
  absl::flat_hash_map<std::string, double> brands_;
  std::array<double, kPriceRangeCount> price_ranges_{};
  bool has_price_ranges_ = false;
};

class UserPreferences {
 public:
  // `clock` must outlive this object (timestamp_ms == 0 means its now).
  explicit UserPreferences(const Clock& clock, UserPreferencesOptions options = {});
  ~UserPreferences();
  UserPreferences(const UserPreferences&) = delete;
  UserPreferences& operator=(const UserPreferences&) = delete;

  // Applies one event of event.user_id. InvalidArgument without a user id;
  // the loader's error when it fails (nothing changes then). An event older
  // than the user's latest one is added with its own decay, so arrival order
  // does not matter.
  absl::Status Update(const Event& event);

  // Normalized preferences; nullopt for a user with no event (or whose
  // profile the loader failed to fetch: reads degrade to "unknown user").
  std::optional<Preferences> Get(const std::string& user_id) const;

  // How well a product matches the user's tastes, in [0, 1]: per map, the
  // product's key weight relative to the user's top key (an adjacent price
  // range counts half), times the map's confidence, blended by
  // affinity_weights. Empty category / brand or no price contribute 0. 0 for
  // an unknown user.
  double Affinity(const std::string& user_id, const std::string& category, const std::string& brand,
                  std::optional<double> price) const;

  // The same scores for many products: one lock, then lock-free lookups.
  // Empty for an unknown user.
  AffinityProfile AffinityFor(const std::string& user_id) const;

  // kUnknown for an empty id; kNew for an id with no recorded history.
  UserSegment Segment(const std::string& user_id) const;

  // Forgets the user in memory (the caller deletes the stored copy); true
  // when the user was in memory.
  bool Erase(const std::string& user_id);

  // The user's state in a versioned binary format; nullopt for a user not in
  // memory (the loader is not consulted: a stored copy is already stored).
  std::optional<std::string> Serialize(const std::string& user_id) const;
  // Replaces the user's in-memory state with Serialize() bytes. DataLoss for
  // corrupt or foreign bytes (the user's state is then untouched).
  absl::Status Restore(const std::string& user_id, std::string_view bytes);

  // Ids of users changed by Update since the last call (erased users
  // excluded), in no particular order.
  std::vector<std::string> TakeDirty();

  size_t user_count() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace aisle::commerce

#endif  // AISLE_COMMERCE_USER_PREFERENCES_H_
