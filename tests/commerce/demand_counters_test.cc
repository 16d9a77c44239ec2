#include "commerce/demand_counters.h"

#include <gtest/gtest.h>

#include <string>

#include "base/clock.h"
#include "base/event.h"
#include "commerce/bucket_series_internal.h"

namespace aisle::commerce {
namespace {

constexpr int64_t kMinute = 60'000;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;
constexpr int64_t kT0 = 1'699'999'200'000;  // 2023-11-14 22:00 UTC, on an hour boundary.

Event MakeEvent(EventType type, const std::string& product, const std::string& category,
                int64_t timestamp_ms) {
  return Event{.type = type,
               .user_id = "u1",
               .session_id = "s1",
               .product_id = product,
               .category = category,
               .timestamp_ms = timestamp_ms};
}

// Records `count` events of one type at `timestamp_ms`.
void RecordN(DemandCounters& counters, int count, EventType type, const std::string& product,
             const std::string& category, int64_t timestamp_ms) {
  for (int i = 0; i < count; ++i) {
    ASSERT_TRUE(counters.Record(MakeEvent(type, product, category, timestamp_ms)));
  }
}

TEST(BucketSeries, KeepsEntriesSortedAndPrunesAtTheFloor) {
  internal::CountSeries series;
  auto inc = [](int kind) { return [kind](internal::KindCounts& c) { ++c[kind]; }; };
  EXPECT_TRUE(series.Update(10, 0, inc(0)));
  EXPECT_TRUE(series.Update(12, 0, inc(1)));
  EXPECT_TRUE(series.Update(11, 0, inc(2)));  // Out of order: inserted in the middle.
  EXPECT_TRUE(series.Update(12, 0, inc(1)));
  ASSERT_EQ(series.entries().size(), 3u);
  EXPECT_EQ(series.entries()[0].bucket, 10);
  EXPECT_EQ(series.entries()[1].bucket, 11);
  EXPECT_EQ(series.entries()[2].bucket, 12);
  EXPECT_EQ(series.entries()[2].value[1], 2u);
  EXPECT_EQ(internal::SumCounts(series, 10, 12)[1], 2u);  // (10, 12]: bucket 10 excluded.
  EXPECT_EQ(internal::SumCounts(series, 9, 12)[0], 1u);
  EXPECT_FALSE(series.Update(10, 10, inc(0)));  // At the floor: not stored, and 10 pruned.
  EXPECT_EQ(series.entries().front().bucket, 11);
}

TEST(DemandCounters, CountsEachEventTypeInEveryWindow) {
  FakeClock clock(kT0);
  DemandCounters counters(clock);
  RecordN(counters, 3, EventType::kView, "p1", "phones", kT0);
  RecordN(counters, 2, EventType::kClick, "p1", "phones", kT0);
  RecordN(counters, 4, EventType::kCartAdd, "p1", "phones", kT0);
  RecordN(counters, 1, EventType::kPurchase, "p1", "phones", kT0);
  RecordN(counters, 5, EventType::kWishlistAdd, "p1", "phones", kT0);
  const DemandSnapshot snapshot = counters.Snapshot("p1", kT0);
  const DemandCounts expected{3, 2, 4, 1, 5};
  EXPECT_EQ(snapshot.in(DemandWindow::k1h), expected);
  EXPECT_EQ(snapshot.in(DemandWindow::k24h), expected);
  EXPECT_EQ(snapshot.in(DemandWindow::k7d), expected);
  EXPECT_EQ(snapshot.category, "phones");
  // Seed: views*0.1 + cartAdds*0.3 + purchases*0.5 + wishlist*0.1; clicks not in it.
  EXPECT_DOUBLE_EQ(snapshot.demand_score, 3 * 0.1 + 4 * 0.3 + 1 * 0.5 + 5 * 0.1);
  EXPECT_EQ(counters.Snapshot("p2", kT0).in(DemandWindow::k7d), DemandCounts{});
}

TEST(DemandCounters, IgnoresSearchesAndEventsWithoutProduct) {
  FakeClock clock(kT0);
  DemandCounters counters(clock);
  EXPECT_FALSE(counters.Record(MakeEvent(EventType::kSearch, "p1", "phones", kT0)));
  EXPECT_FALSE(counters.Record(MakeEvent(EventType::kView, "", "phones", kT0)));
  EXPECT_EQ(counters.product_count(), 0u);
}

TEST(DemandCounters, DemandScoreUsesTheSeedWeights) {
  const DemandCounts counts{10, 5, 2, 1, 3};
  EXPECT_DOUBLE_EQ(DemandScore(counts, DemandWeights{}), 1.0 + 0.6 + 0.5 + 0.3);
  DemandWeights with_clicks;
  with_clicks.click = 0.2;
  EXPECT_DOUBLE_EQ(DemandScore(counts, with_clicks), 2.4 + 1.0);
}

TEST(DemandCounters, OneHourWindowExpiresExactlyAtItsEdge) {
  FakeClock clock(kT0 + 2 * kMinute);
  DemandCounters counters(clock);
  RecordN(counters, 1, EventType::kView, "p1", "c", kT0 + 2 * kMinute);  // Bucket [T0, T0+5m).
  EXPECT_EQ(counters.Snapshot("p1", kT0 + kHour - 1).in(DemandWindow::k1h).views, 1u);
  EXPECT_EQ(counters.Snapshot("p1", kT0 + kHour).in(DemandWindow::k1h).views, 0u);
  EXPECT_EQ(counters.Snapshot("p1", kT0 + kHour).in(DemandWindow::k24h).views, 1u);
}

TEST(DemandCounters, DayWindowExpiresExactlyAtItsEdge) {
  FakeClock clock(kT0 + 7 * kMinute);
  DemandCounters counters(clock);
  RecordN(counters, 1, EventType::kCartAdd, "p1", "c", kT0 + 7 * kMinute);  // [T0+5m, T0+10m).
  EXPECT_EQ(counters.Snapshot("p1", kT0 + 5 * kMinute + kDay - 1).in(DemandWindow::k24h).cart_adds,
            1u);
  const DemandSnapshot after = counters.Snapshot("p1", kT0 + 5 * kMinute + kDay);
  EXPECT_EQ(after.in(DemandWindow::k24h).cart_adds, 0u);
  EXPECT_EQ(after.in(DemandWindow::k7d).cart_adds, 1u);
  EXPECT_DOUBLE_EQ(after.demand_score, 0.0);
}

TEST(DemandCounters, WeekWindowExpiresExactlyAtItsEdge) {
  FakeClock clock(kT0 + 30 * kMinute);
  DemandCounters counters(clock);
  RecordN(counters, 1, EventType::kPurchase, "p1", "c", kT0 + 30 * kMinute);  // Hour [T0, T0+1h).
  EXPECT_EQ(counters.Snapshot("p1", kT0 + 7 * kDay - 1).in(DemandWindow::k7d).purchases, 1u);
  EXPECT_EQ(counters.Snapshot("p1", kT0 + 7 * kDay).in(DemandWindow::k7d).purchases, 0u);
}

TEST(DemandCounters, RecordingLaterKeepsEventsStillInsideTheWindows) {
  FakeClock clock(kT0);
  DemandCounters counters(clock);
  RecordN(counters, 1, EventType::kView, "p1", "c", kT0);
  clock.Advance(23 * kHour);  // The next Record trims only what left the retention.
  RecordN(counters, 1, EventType::kView, "p1", "c", 0);
  EXPECT_EQ(counters.Snapshot("p1", clock.NowMillis()).in(DemandWindow::k24h).views, 2u);
  clock.Advance(2 * kHour);
  RecordN(counters, 1, EventType::kView, "p1", "c", 0);
  const DemandSnapshot snapshot = counters.Snapshot("p1", clock.NowMillis());
  EXPECT_EQ(snapshot.in(DemandWindow::k24h).views, 2u);
  EXPECT_EQ(snapshot.in(DemandWindow::k7d).views, 3u);
}

TEST(DemandCounters, CountsLateEventsAndIgnoresThoseOlderThanTheWeek) {
  FakeClock clock(kT0 + 2 * kHour);
  DemandCounters counters(clock);
  RecordN(counters, 1, EventType::kView, "p1", "c", kT0 + 10 * kMinute);
  RecordN(counters, 1, EventType::kView, "p1", "c", kT0 + 2 * kMinute);  // Out of order.
  RecordN(counters, 1, EventType::kView, "p1", "c", kT0 + 2 * kHour - kMinute);
  // Older than 24 h: only the hourly buckets of the 7 d window take it.
  RecordN(counters, 1, EventType::kWishlistAdd, "p1", "c", kT0 - 3 * kDay);
  EXPECT_FALSE(counters.Record(MakeEvent(EventType::kView, "p1", "c", kT0 - 7 * kDay)));
  EXPECT_FALSE(counters.Record(MakeEvent(EventType::kView, "p1", "c", kT0 - 30 * kDay)));
  const DemandSnapshot snapshot = counters.Snapshot("p1", clock.NowMillis());
  EXPECT_EQ(snapshot.in(DemandWindow::k1h), (DemandCounts{1, 0, 0, 0, 0}));
  EXPECT_EQ(snapshot.in(DemandWindow::k24h), (DemandCounts{3, 0, 0, 0, 0}));
  EXPECT_EQ(snapshot.in(DemandWindow::k7d), (DemandCounts{3, 0, 0, 0, 1}));
  // At T0 + 1h10m the T0 bucket has left the hour, the T0+10m bucket has not.
  EXPECT_EQ(counters.Snapshot("p1", kT0 + kHour + 9 * kMinute).in(DemandWindow::k1h).views, 1u);
}

TEST(DemandCounters, FutureAndZeroTimestampsCountAsNow) {
  FakeClock clock(kT0);
  DemandCounters counters(clock);
  RecordN(counters, 1, EventType::kView, "p1", "c", kT0 + 10 * kMinute);
  RecordN(counters, 1, EventType::kView, "p1", "c", 0);
  EXPECT_EQ(counters.Snapshot("p1", kT0).in(DemandWindow::k1h).views, 2u);
  // Both sit in the T0 bucket, so both leave the hour at T0 + 1h.
  EXPECT_EQ(counters.Snapshot("p1", kT0 + kHour).in(DemandWindow::k1h).views, 0u);
}

TEST(DemandCounters, CategoryAverageIsOverActiveProducts) {
  FakeClock clock(kT0);
  DemandCounters counters(clock);
  RecordN(counters, 10, EventType::kView, "p1", "phones", kT0);              // 1.0
  RecordN(counters, 1, EventType::kPurchase, "p2", "phones", kT0);           // 0.5
  RecordN(counters, 1, EventType::kCartAdd, "p2", "phones", kT0 + kMinute);  // +0.3 = 0.8
  RecordN(counters, 4, EventType::kWishlistAdd, "p3", "phones", kT0);        // 0.4
  RecordN(counters, 5, EventType::kView, "p4", "tvs", kT0);                  // 0.5
  RecordN(counters, 7, EventType::kClick, "p5", "tvs", kT0);  // 0 (clicks), but active.
  EXPECT_DOUBLE_EQ(counters.CategoryAverage("phones", kT0), (1.0 + 0.8 + 0.4) / 3);
  EXPECT_DOUBLE_EQ(counters.CategoryAverage("tvs", kT0), 0.5 / 2);
  EXPECT_DOUBLE_EQ(counters.CategoryAverage("books", kT0), 0.0);
  EXPECT_DOUBLE_EQ(counters.Snapshot("p1", kT0).category_average, (1.0 + 0.8 + 0.4) / 3);
  EXPECT_EQ(counters.CategoryCounts("phones", DemandWindow::k24h, kT0),
            (DemandCounts{10, 0, 1, 1, 4}));
}

TEST(DemandCounters, CategoryAverageDropsProductsIdleFor24Hours) {
  FakeClock clock(kT0);
  DemandCounters counters(clock);
  RecordN(counters, 10, EventType::kView, "p1", "phones", kT0);  // 1.0, bucket T0.
  RecordN(counters, 1, EventType::kView, "p2", "phones", kT0);
  clock.Set(kT0 + 23 * kHour);
  RecordN(counters, 1, EventType::kPurchase, "p2", "phones", 0);  // p2 stays active.
  EXPECT_DOUBLE_EQ(counters.CategoryAverage("phones", kT0 + kDay - 1), (1.0 + 0.1 + 0.5) / 2);
  EXPECT_DOUBLE_EQ(counters.CategoryAverage("phones", kT0 + kDay), 0.5 / 1);
  // Several events of one product in several buckets make it count once.
  RecordN(counters, 1, EventType::kPurchase, "p2", "phones", kT0 + 23 * kHour - 20 * kMinute);
  EXPECT_DOUBLE_EQ(counters.CategoryAverage("phones", kT0 + kDay), 1.0 / 1);
}

TEST(DemandCounters, EventWithoutCategoryUsesTheProductsCategory) {
  FakeClock clock(kT0);
  DemandCounters counters(clock);
  RecordN(counters, 1, EventType::kView, "p1", "phones", kT0);
  RecordN(counters, 1, EventType::kPurchase, "p1", "", kT0);
  EXPECT_EQ(counters.CategoryCounts("phones", DemandWindow::k1h, kT0).purchases, 1u);
  // A product never seen with a category counts for itself only.
  RecordN(counters, 1, EventType::kView, "p2", "", kT0);
  EXPECT_EQ(counters.Snapshot("p2", kT0).category, "");
  EXPECT_DOUBLE_EQ(counters.Snapshot("p2", kT0).category_average, 0.0);
}

TEST(DemandCounters, NewCategoryMovesTheProduct) {
  FakeClock clock(kT0);
  DemandCounters counters(clock);
  RecordN(counters, 10, EventType::kView, "p1", "old", kT0);
  RecordN(counters, 5, EventType::kView, "p2", "old", kT0);
  RecordN(counters, 1, EventType::kPurchase, "p1", "new", kT0 + kMinute);
  EXPECT_EQ(counters.Snapshot("p1", kT0 + kMinute).category, "new");
  // "old" keeps p1's earlier events but no longer counts p1 as one of its products.
  EXPECT_DOUBLE_EQ(counters.CategoryAverage("old", kT0 + kMinute), (1.0 + 0.5) / 1);
  EXPECT_DOUBLE_EQ(counters.CategoryAverage("new", kT0 + kMinute), 0.5 / 1);
}

TEST(DemandCounters, TopProductsRanksByWindowScoreWithinCategory) {
  FakeClock clock(kT0 + 3 * kHour);
  DemandCounters counters(clock);
  RecordN(counters, 2, EventType::kPurchase, "a", "phones", kT0 + 3 * kHour);  // 1.0
  RecordN(counters, 10, EventType::kView, "b", "phones", kT0 + 3 * kHour);     // 1.0 (tie: id)
  RecordN(counters, 1, EventType::kCartAdd, "c", "tvs", kT0 + 3 * kHour);      // 0.3
  RecordN(counters, 4, EventType::kPurchase, "d", "phones", kT0);              // 2.0, 3 h ago.
  RecordN(counters, 9, EventType::kClick, "e", "phones", kT0 + 3 * kHour);     // 0: left out.
  const int64_t now = clock.NowMillis();
  EXPECT_EQ(counters.TopProducts("", DemandWindow::k1h, 10, now),
            (std::vector<TrendingProduct>{{"a", 1.0}, {"b", 1.0}, {"c", 0.3}}));
  EXPECT_EQ(counters.TopProducts("phones", DemandWindow::k24h, 2, now),
            (std::vector<TrendingProduct>{{"d", 2.0}, {"a", 1.0}}));
  EXPECT_EQ(counters.TopProducts("tvs", DemandWindow::k7d, 5, now),
            (std::vector<TrendingProduct>{{"c", 0.3}}));
  EXPECT_TRUE(counters.TopProducts("", DemandWindow::k24h, 0, now).empty());
  EXPECT_TRUE(counters.TopProducts("books", DemandWindow::k24h, 5, now).empty());
}

TEST(DemandCounters, SweepDropsProductsWithNothingLeftInAnyWindow) {
  FakeClock clock(kT0);
  DemandCounters counters(clock);
  RecordN(counters, 1, EventType::kView, "p1", "c", kT0);
  clock.Set(kT0 + 5 * kDay);
  RecordN(counters, 1, EventType::kView, "p2", "c", 0);
  EXPECT_EQ(counters.Sweep(), 0u);
  EXPECT_EQ(counters.product_count(), 2u);
  clock.Set(kT0 + 7 * kDay);
  EXPECT_EQ(counters.Sweep(), 1u);
  EXPECT_EQ(counters.product_count(), 1u);
  EXPECT_EQ(counters.Snapshot("p2", clock.NowMillis()).in(DemandWindow::k7d).views, 1u);
}

TEST(DemandCounters, SerializeRestoreRoundTrips) {
  FakeClock clock(kT0 + 2 * kDay);
  DemandCounters counters(clock);
  RecordN(counters, 3, EventType::kView, "p1", "phones", kT0 + 2 * kDay);
  RecordN(counters, 2, EventType::kCartAdd, "p1", "phones", kT0 + kDay + 20 * kHour);
  RecordN(counters, 1, EventType::kPurchase, "p2", "phones", kT0 + kDay);
  RecordN(counters, 1, EventType::kWishlistAdd, "p3", "", kT0);
  const std::string bytes = counters.Serialize();
  DemandCounters restored(clock);
  ASSERT_TRUE(restored.Restore(bytes).ok());
  const int64_t now = clock.NowMillis();
  for (const char* id : {"p1", "p2", "p3"}) {
    const DemandSnapshot a = counters.Snapshot(id, now);
    const DemandSnapshot b = restored.Snapshot(id, now);
    EXPECT_EQ(a.windows, b.windows) << id;
    EXPECT_EQ(a.category, b.category) << id;
    EXPECT_DOUBLE_EQ(a.category_average, b.category_average) << id;
  }
  EXPECT_EQ(restored.CategoryCounts("phones", DemandWindow::k7d, now),
            counters.CategoryCounts("phones", DemandWindow::k7d, now));
  EXPECT_EQ(restored.TopProducts("", DemandWindow::k7d, 5, now),
            counters.TopProducts("", DemandWindow::k7d, 5, now));
  EXPECT_EQ(restored.Serialize().size(), bytes.size());
}

TEST(DemandCounters, RestoreDropsWhatExpiredSinceTheSnapshot) {
  FakeClock clock(kT0);
  DemandCounters counters(clock);
  RecordN(counters, 1, EventType::kView, "p1", "c", kT0);
  const std::string bytes = counters.Serialize();
  clock.Set(kT0 + 8 * kDay);
  DemandCounters restored(clock);
  ASSERT_TRUE(restored.Restore(bytes).ok());
  EXPECT_EQ(restored.product_count(), 0u);
}

TEST(DemandCounters, RestoreRejectsCorruptInputAndKeepsState) {
  FakeClock clock(kT0);
  DemandCounters counters(clock);
  RecordN(counters, 2, EventType::kView, "p1", "c", kT0);
  RecordN(counters, 1, EventType::kPurchase, "p2", "c", kT0);
  const std::string bytes = counters.Serialize();
  DemandCounters target(clock);
  RecordN(target, 1, EventType::kView, "keep", "c", kT0);
  for (size_t length = 0; length < bytes.size(); ++length) {
    EXPECT_EQ(target.Restore(bytes.substr(0, length)).code(), absl::StatusCode::kDataLoss)
        << "prefix " << length;
  }
  EXPECT_EQ(target.Restore(bytes + "x").code(), absl::StatusCode::kDataLoss);
  std::string bad_version = bytes;
  bad_version[2] = 2;
  EXPECT_EQ(target.Restore(bad_version).code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(target.Restore("garbage").code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(target.product_count(), 1u);
  EXPECT_EQ(target.Snapshot("keep", kT0).in(DemandWindow::k1h).views, 1u);
}

}  // namespace
}  // namespace aisle::commerce
