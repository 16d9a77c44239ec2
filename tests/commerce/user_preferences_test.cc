#include "commerce/user_preferences.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <string>

#include "base/clock.h"
#include "base/event.h"

namespace aisle::commerce {
namespace {

constexpr int64_t kDay = 86'400'000;
constexpr int64_t kT0 = 1'699'999'200'000;

Event MakeEvent(EventType type, const std::string& user, const std::string& category,
                const std::string& brand, std::optional<double> price, int64_t timestamp_ms = 0) {
  return Event{.type = type,
               .user_id = user,
               .session_id = "s",
               .product_id = "p",
               .category = category,
               .timestamp_ms = timestamp_ms,
               .metadata = {.brand = brand, .price = price}};
}

UserPreferencesOptions NoDecay() {
  UserPreferencesOptions options;
  options.half_life_days = 0;
  options.confidence_weight = 0;
  return options;
}

TEST(UserPreferences, DefaultActionWeights) {
  const ActionWeights w;
  EXPECT_EQ(w.For(EventType::kView), 1.0);
  EXPECT_EQ(w.For(EventType::kClick), 1.5);
  EXPECT_EQ(w.For(EventType::kWishlistAdd), 2.0);
  EXPECT_EQ(w.For(EventType::kCartAdd), 3.0);
  EXPECT_EQ(w.For(EventType::kPurchase), 5.0);
  EXPECT_EQ(w.For(EventType::kSearch), 0.5);
}

TEST(UserPreferences, PriceRangesAreLogSpaced) {
  EXPECT_EQ(PriceRangeBucket(0), 0);
  EXPECT_EQ(PriceRangeBucket(0.99), 0);
  EXPECT_EQ(PriceRangeBucket(1), 1);
  EXPECT_EQ(PriceRangeBucket(4.99), 2);
  EXPECT_EQ(PriceRangeBucket(5), 3);
  EXPECT_EQ(PriceRangeBucket(15), 4);
  EXPECT_EQ(PriceRangeBucket(150), 7);
  EXPECT_EQ(PriceRangeBucket(99999), 15);
  EXPECT_EQ(PriceRangeBucket(100000), 16);
  EXPECT_EQ(PriceRangeBucket(1e12), 16);
  EXPECT_EQ(PriceRangeBucket(-1), -1);
  EXPECT_EQ(PriceRangeBucket(std::nan("")), -1);
  EXPECT_EQ(PriceRangeBucket(std::numeric_limits<double>::infinity()), -1);
  EXPECT_EQ(PriceRangeLabel(0), "0-1");
  EXPECT_EQ(PriceRangeLabel(2), "2-5");
  EXPECT_EQ(PriceRangeLabel(7), "100-200");
  EXPECT_EQ(PriceRangeLabel(16), "100000+");
  EXPECT_EQ(PriceRangeLabel(17), "");
  EXPECT_EQ(PriceRangeLabel(-1), "");
}

// view(A, X, 15) + cart_add(A, Y, 15) + purchase(B, X, 150), no decay:
// categories A 1+3=4, B 5; brands X 1+5=6, Y 3; ranges [10,20) 4, [100,200) 5.
void RecordHandExample(UserPreferences& prefs) {
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kView, "u", "A", "X", 15)).ok());
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kCartAdd, "u", "A", "Y", 15)).ok());
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kPurchase, "u", "B", "X", 150)).ok());
}

TEST(UserPreferences, WeightsAndNormalizationOnAHandComputedCase) {
  FakeClock clock(kT0);
  UserPreferences prefs(clock, NoDecay());
  RecordHandExample(prefs);
  const auto got = prefs.Get("u");
  ASSERT_TRUE(got.has_value());
  EXPECT_DOUBLE_EQ(got->categories.at("A"), 4.0 / 9);
  EXPECT_DOUBLE_EQ(got->categories.at("B"), 5.0 / 9);
  EXPECT_DOUBLE_EQ(got->brands.at("X"), 6.0 / 9);
  EXPECT_DOUBLE_EQ(got->brands.at("Y"), 3.0 / 9);
  ASSERT_EQ(got->price_ranges.size(), 2u);
  EXPECT_DOUBLE_EQ(got->price_ranges.at(4), 4.0 / 9);
  EXPECT_DOUBLE_EQ(got->price_ranges.at(7), 5.0 / 9);
  EXPECT_EQ(got->history.events, 3u);
  EXPECT_EQ(got->history.purchases, 1u);
  EXPECT_DOUBLE_EQ(got->history.spend, 150);
  EXPECT_EQ(got->segment, UserSegment::kRegular);
}

TEST(UserPreferences, SearchAndEventsWithoutFieldsTouchOnlyWhatTheyName) {
  FakeClock clock(kT0);
  UserPreferences prefs(clock, NoDecay());
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kSearch, "u", "A", "", std::nullopt)).ok());
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kView, "u", "", "X", std::nullopt)).ok());
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kClick, "u", "B", "", std::nullopt)).ok());
  const auto got = prefs.Get("u");
  ASSERT_TRUE(got.has_value());
  EXPECT_DOUBLE_EQ(got->categories.at("A"), 0.5 / 2.0);  // 0.5 vs click 1.5.
  EXPECT_DOUBLE_EQ(got->categories.at("B"), 1.5 / 2.0);
  EXPECT_DOUBLE_EQ(got->brands.at("X"), 1.0);
  EXPECT_TRUE(got->price_ranges.empty());
  EXPECT_EQ(prefs.Update(MakeEvent(EventType::kView, "", "A", "X", 10)).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_FALSE(prefs.Get("nobody").has_value());
}

TEST(UserPreferences, OlderWeightsDecayWithTheHalfLife) {
  FakeClock clock(kT0);
  UserPreferencesOptions options;  // Half-life 30 days.
  UserPreferences prefs(clock, options);
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kView, "u", "A", "", std::nullopt, kT0)).ok());
  ASSERT_TRUE(
      prefs.Update(MakeEvent(EventType::kView, "u", "B", "", std::nullopt, kT0 + 30 * kDay)).ok());
  const auto got = prefs.Get("u");
  ASSERT_TRUE(got.has_value());
  EXPECT_NEAR(got->categories.at("A"), 0.5 / 1.5, 1e-12);
  EXPECT_NEAR(got->categories.at("B"), 1.0 / 1.5, 1e-12);
}

TEST(UserPreferences, LateEventsDecayByTheirOwnAge) {
  FakeClock clock(kT0);
  UserPreferences prefs(clock, UserPreferencesOptions{});
  ASSERT_TRUE(
      prefs.Update(MakeEvent(EventType::kView, "u", "B", "", std::nullopt, kT0 + 30 * kDay)).ok());
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kView, "u", "A", "", std::nullopt, kT0)).ok());
  const auto got = prefs.Get("u");
  ASSERT_TRUE(got.has_value());
  EXPECT_NEAR(got->categories.at("A"), 0.5 / 1.5, 1e-12);
  EXPECT_EQ(got->history.first_seen_ms, kT0);
  EXPECT_EQ(got->history.last_seen_ms, kT0 + 30 * kDay);
}

TEST(UserPreferences, KeepsAtMostMaxEntriesDroppingTheWeakest) {
  FakeClock clock(kT0);
  UserPreferencesOptions options = NoDecay();
  options.max_entries = 2;
  UserPreferences prefs(clock, options);
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kView, "u", "A", "", std::nullopt)).ok());     // 1
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kCartAdd, "u", "B", "", std::nullopt)).ok());  // 3
  ASSERT_TRUE(
      prefs.Update(MakeEvent(EventType::kView, "u", "C", "", std::nullopt)).ok());  // 1, new
  const auto got = prefs.Get("u");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->categories.size(), 2u);
  EXPECT_FALSE(got->categories.contains("A"));
  EXPECT_DOUBLE_EQ(got->categories.at("B"), 3.0 / 4);
  EXPECT_DOUBLE_EQ(got->categories.at("C"), 1.0 / 4);
}

TEST(UserPreferences, AffinityOnAHandComputedCase) {
  FakeClock clock(kT0);
  UserPreferences prefs(clock, NoDecay());
  RecordHandExample(prefs);
  // 0.4 * (A 4 / top 5) + 0.4 * (Y 3 / top 6) + 0.2 * ([10,20) 4 / top 5).
  EXPECT_DOUBLE_EQ(prefs.Affinity("u", "A", "Y", 15), 0.4 * 0.8 + 0.4 * 0.5 + 0.2 * 0.8);
  EXPECT_DOUBLE_EQ(prefs.Affinity("u", "B", "X", 150), 1.0);
  // [200,500) is empty but next to [100,200): half of 5 / 5.
  EXPECT_DOUBLE_EQ(prefs.Affinity("u", "B", "X", 250), 0.4 + 0.4 + 0.2 * 0.5);
  EXPECT_DOUBLE_EQ(prefs.Affinity("u", "Z", "", std::nullopt), 0.0);
  EXPECT_DOUBLE_EQ(prefs.Affinity("nobody", "A", "X", 15), 0.0);
}

TEST(UserPreferences, AffinityShrinksThinAndStaleProfiles) {
  FakeClock clock(kT0);
  UserPreferencesOptions options;  // confidence_weight 3, half-life 30 d.
  UserPreferences prefs(clock, options);
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kView, "u", "A", "", std::nullopt)).ok());
  // One view: total weight 1, confidence 1 / (1 + 3).
  EXPECT_DOUBLE_EQ(prefs.Affinity("u", "A", "", std::nullopt), 0.4 * 0.25);
  clock.Advance(30 * kDay);  // The total has halved: 0.5 / 3.5.
  EXPECT_NEAR(prefs.Affinity("u", "A", "", std::nullopt), 0.4 * (0.5 / 3.5), 1e-12);
}

TEST(UserPreferences, SegmentThresholds) {
  const SegmentThresholds t;
  EXPECT_EQ(SegmentFor(UserHistory{}, t), UserSegment::kNew);
  EXPECT_EQ(SegmentFor(UserHistory{.events = 9, .purchases = 1, .spend = 10}, t),
            UserSegment::kRegular);
  EXPECT_EQ(SegmentFor(UserHistory{.events = 9, .purchases = 9, .spend = 999.99}, t),
            UserSegment::kRegular);
  EXPECT_EQ(SegmentFor(UserHistory{.events = 9, .purchases = 10, .spend = 10}, t),
            UserSegment::kVip);
  EXPECT_EQ(SegmentFor(UserHistory{.events = 9, .purchases = 1, .spend = 1000}, t),
            UserSegment::kVip);
  const SegmentThresholds strict{
      .regular_min_purchases = 3, .vip_min_purchases = 50, .vip_min_spend = 1e9};
  EXPECT_EQ(SegmentFor(UserHistory{.events = 9, .purchases = 2, .spend = 1e6}, strict),
            UserSegment::kNew);
  EXPECT_EQ(UserSegmentName(UserSegment::kVip), "vip");
  EXPECT_EQ(UserSegmentName(UserSegment::kNew), "new");
}

TEST(UserPreferences, SegmentFromRecordedPurchases) {
  FakeClock clock(kT0);
  UserPreferences prefs(clock);
  EXPECT_EQ(prefs.Segment(""), UserSegment::kUnknown);
  EXPECT_EQ(prefs.Segment("u"), UserSegment::kNew);
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kCartAdd, "u", "A", "X", 600)).ok());
  EXPECT_EQ(prefs.Segment("u"), UserSegment::kNew);
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kPurchase, "u", "A", "X", 600)).ok());
  EXPECT_EQ(prefs.Segment("u"), UserSegment::kRegular);
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kPurchase, "u", "A", "X", std::nullopt)).ok());
  EXPECT_EQ(prefs.Get("u")->history.spend, 600);  // No price: counted, no spend.
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kPurchase, "u", "A", "X", 400)).ok());
  EXPECT_EQ(prefs.Segment("u"), UserSegment::kVip);  // Spend 1000.
}

TEST(UserPreferences, SerializeRestoreRoundTrips) {
  FakeClock clock(kT0);
  UserPreferences prefs(clock);
  RecordHandExample(prefs);
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kView, "u", "C", "Z", 0.5, kT0 + 3 * kDay)).ok());
  const std::optional<std::string> bytes = prefs.Serialize("u");
  ASSERT_TRUE(bytes.has_value());
  UserPreferences other(clock);
  ASSERT_TRUE(other.Restore("v", *bytes).ok());
  const auto a = prefs.Get("u");
  const auto b = other.Get("v");
  ASSERT_TRUE(a.has_value() && b.has_value());
  EXPECT_EQ(a->categories, b->categories);
  EXPECT_EQ(a->brands, b->brands);
  EXPECT_EQ(a->price_ranges, b->price_ranges);
  EXPECT_EQ(a->history, b->history);
  EXPECT_EQ(other.Serialize("v"), bytes);
  EXPECT_EQ(prefs.Affinity("u", "A", "Y", 15), other.Affinity("v", "A", "Y", 15));
  EXPECT_TRUE(other.TakeDirty().empty());  // Restored state is already persisted.
  EXPECT_FALSE(prefs.Serialize("nobody").has_value());
}

TEST(UserPreferences, RestoreRejectsCorruptBytesAndKeepsState) {
  FakeClock clock(kT0);
  UserPreferences prefs(clock, NoDecay());
  RecordHandExample(prefs);
  const std::string bytes = *prefs.Serialize("u");
  for (size_t length = 0; length < bytes.size(); ++length) {
    EXPECT_EQ(prefs.Restore("u", bytes.substr(0, length)).code(), absl::StatusCode::kDataLoss)
        << "prefix " << length;
  }
  EXPECT_EQ(prefs.Restore("u", bytes + "x").code(), absl::StatusCode::kDataLoss);
  std::string foreign = bytes;
  foreign[0] = 'X';
  EXPECT_EQ(prefs.Restore("u", foreign).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(prefs.Restore("", bytes).code(), absl::StatusCode::kInvalidArgument);
  EXPECT_DOUBLE_EQ(prefs.Get("u")->categories.at("A"), 4.0 / 9);
}

TEST(UserPreferences, EraseAndDirtyTracking) {
  FakeClock clock(kT0);
  UserPreferences prefs(clock);
  RecordHandExample(prefs);
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kView, "w", "A", "", std::nullopt)).ok());
  std::vector<std::string> dirty = prefs.TakeDirty();
  std::sort(dirty.begin(), dirty.end());
  EXPECT_EQ(dirty, (std::vector<std::string>{"u", "w"}));
  EXPECT_TRUE(prefs.TakeDirty().empty());
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kView, "w", "A", "", std::nullopt)).ok());
  EXPECT_TRUE(prefs.Erase("w"));
  EXPECT_FALSE(prefs.Erase("w"));
  EXPECT_TRUE(prefs.TakeDirty().empty());
  EXPECT_FALSE(prefs.Get("w").has_value());
  EXPECT_EQ(prefs.user_count(), 1u);
}

TEST(UserPreferences, LoaderBringsBackStoredProfilesBeforeTheFirstEvent) {
  FakeClock clock(kT0);
  std::string stored;
  {
    UserPreferences before_restart(clock, NoDecay());
    RecordHandExample(before_restart);
    stored = *before_restart.Serialize("u");
  }
  std::vector<std::string> loads;
  UserPreferencesOptions options = NoDecay();
  options.loader = [&](const std::string& user) -> absl::StatusOr<std::optional<std::string>> {
    loads.push_back(user);
    if (user == "u") return std::optional<std::string>(stored);
    return std::optional<std::string>();
  };
  UserPreferences prefs(clock, options);
  // A new event lands on top of the stored profile, not on an empty one.
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kView, "u", "B", "", std::nullopt)).ok());
  const auto got = prefs.Get("u");
  ASSERT_TRUE(got.has_value());
  EXPECT_DOUBLE_EQ(got->categories.at("A"), 4.0 / 10);
  EXPECT_DOUBLE_EQ(got->categories.at("B"), 6.0 / 10);
  EXPECT_EQ(got->history.events, 4u);
  EXPECT_EQ(loads, std::vector<std::string>{"u"});  // Loaded once, then in memory.
  // Reads of users with no stored profile do not fill memory.
  EXPECT_FALSE(prefs.Get("ghost").has_value());
  EXPECT_EQ(prefs.Segment("ghost"), UserSegment::kNew);
  EXPECT_EQ(prefs.user_count(), 1u);
  EXPECT_EQ(loads.size(), 3u);
}

TEST(UserPreferences, LoaderFailureRejectsTheEventAndReadsAsUnknown) {
  FakeClock clock(kT0);
  UserPreferencesOptions options;
  options.loader = [](const std::string&) -> absl::StatusOr<std::optional<std::string>> {
    return absl::UnavailableError("disk on fire");
  };
  UserPreferences prefs(clock, options);
  EXPECT_EQ(prefs.Update(MakeEvent(EventType::kView, "u", "A", "", std::nullopt)).code(),
            absl::StatusCode::kUnavailable);
  EXPECT_FALSE(prefs.Get("u").has_value());
  EXPECT_EQ(prefs.Affinity("u", "A", "", std::nullopt), 0.0);
  EXPECT_EQ(prefs.user_count(), 0u);
  EXPECT_TRUE(prefs.TakeDirty().empty());
}

TEST(UserPreferences, CorruptStoredProfileStartsAfresh) {
  FakeClock clock(kT0);
  UserPreferencesOptions options = NoDecay();
  options.loader = [](const std::string&) -> absl::StatusOr<std::optional<std::string>> {
    return std::optional<std::string>("not a profile");
  };
  UserPreferences prefs(clock, options);
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kView, "u", "A", "", std::nullopt)).ok());
  const auto got = prefs.Get("u");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->history.events, 1u);
  EXPECT_DOUBLE_EQ(got->categories.at("A"), 1.0);
}

TEST(UserPreferences, AffinityProfileScoresLikeAffinity) {
  FakeClock clock(kT0);
  UserPreferences prefs(clock);  // Default decay and confidence.
  RecordHandExample(prefs);
  clock.Advance(10 * kDay);
  const AffinityProfile profile = prefs.AffinityFor("u");
  EXPECT_FALSE(profile.empty());
  for (const char* category : {"A", "B", "Z", ""}) {
    for (const char* brand : {"X", "Y", ""}) {
      for (std::optional<double> price :
           {std::optional<double>(15), std::optional<double>(250), std::optional<double>()}) {
        EXPECT_DOUBLE_EQ(profile.Score(category, brand, price),
                         prefs.Affinity("u", category, brand, price));
      }
    }
  }
  EXPECT_GT(profile.Score("B", "X", 150), profile.Score("A", "Y", 15));
  EXPECT_TRUE(prefs.AffinityFor("nobody").empty());
  EXPECT_EQ(prefs.AffinityFor("nobody").Score("A", "X", 15), 0.0);
}

TEST(UserPreferences, WeightsOlderThanSixtyFourHalfLivesAreForgotten) {
  FakeClock clock(kT0);
  UserPreferencesOptions options;
  options.half_life_days = 1;
  UserPreferences prefs(clock, options);
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kPurchase, "u", "A", "X", 10, kT0)).ok());
  ASSERT_TRUE(prefs.Update(MakeEvent(EventType::kView, "u", "B", "X", 10, kT0 + 10 * kDay)).ok());
  auto got = prefs.Get("u");
  ASSERT_TRUE(got.has_value());
  const double a = 5.0 / 1024;  // Ten half-lives.
  EXPECT_NEAR(got->categories.at("A"), a / (a + 1), 1e-12);
  ASSERT_TRUE(
      prefs.Update(MakeEvent(EventType::kView, "u", "C", "", std::nullopt, kT0 + 80 * kDay)).ok());
  got = prefs.Get("u");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->categories, (std::map<std::string, double>{{"C", 1.0}}));
  EXPECT_TRUE(got->brands.empty());
  EXPECT_TRUE(got->price_ranges.empty());
  EXPECT_EQ(got->history.purchases, 1u);  // History is never forgotten.
}

}  // namespace
}  // namespace aisle::commerce
