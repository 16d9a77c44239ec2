#include "store/event_store.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/sqlite_internal.h"
#include "tests/store/store_test_util.h"

namespace aisle::store {
namespace {

using ::aisle::store::testing::MakeEvent;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

class EventStoreTest : public testing::StoreTest {
 protected:
  EventStore& events() { return *store_->events(); }

  void Append(std::vector<Event> batch) {
    const absl::Status status = events().AppendEvents(std::move(batch)).get();
    ASSERT_TRUE(status.ok()) << status;
  }

  std::vector<Event> All(int64_t since_ms = 0) {
    std::vector<Event> out;
    const absl::Status status = events().ForEachEventSince(since_ms, [&](const Event& e) {
      out.push_back(e);
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return out;
  }

  int64_t Count(const EventCountQuery& query) {
    auto count = events().CountEvents(query);
    EXPECT_TRUE(count.ok()) << count.status();
    return count.ok() ? *count : -1;
  }

  std::vector<DailyPurchases> Purchases(const PurchaseHistoryQuery& query) {
    std::vector<DailyPurchases> out;
    const absl::Status status = events().ForEachDailyPurchases(query, [&](const DailyPurchases& d) {
      out.push_back(d);
      return absl::OkStatus();
    });
    EXPECT_TRUE(status.ok()) << status;
    return out;
  }
};

TEST_F(EventStoreTest, EveryFieldRoundTripsThroughReopen) {
  Event purchase = MakeEvent(EventType::kPurchase, "u1", "p1", 1000);
  purchase.metadata.brand = "Acme";
  purchase.metadata.price = 19.99;
  Event search = MakeEvent(EventType::kSearch, "u1", "", 1001);
  search.category.clear();
  search.metadata.query = "téléviseur 4k";
  Append({purchase, search});
  Reopen();
  EXPECT_THAT(All(), ElementsAre(purchase, search));
}

// 70 = two 32-row INSERT statements and 6 single-row ones.
TEST_F(EventStoreTest, LargeBatchKeepsEveryEventAndItsFields) {
  std::vector<Event> batch;
  for (int i = 0; i < 70; ++i) {
    Event e = MakeEvent(i % 3 ? EventType::kCartAdd : EventType::kSearch, absl::StrCat("u", i),
                        i % 3 ? absl::StrCat("p", i) : "", 5000 + i);
    e.metadata.brand = absl::StrCat("brand", i % 4);
    if (i % 2) e.metadata.price = i * 1.5;
    e.metadata.query = i % 3 ? "" : absl::StrCat("q", i);
    batch.push_back(std::move(e));
  }
  Append(batch);
  EXPECT_EQ(All(), batch);
}

TEST_F(EventStoreTest, ForEachEventSinceStreamsInTimestampOrderFromSince) {
  Append({MakeEvent(EventType::kView, "u1", "p3", 3000),
          MakeEvent(EventType::kView, "u1", "p1", 1000)});
  Append({MakeEvent(EventType::kClick, "u2", "p2", 2000),
          MakeEvent(EventType::kClick, "u2", "p2b", 2000)});
  std::vector<std::string> products;
  for (const Event& e : All(2000)) products.push_back(e.product_id);
  // Since is inclusive; equal timestamps keep arrival order.
  EXPECT_THAT(products, ElementsAre("p2", "p2b", "p3"));
}

TEST_F(EventStoreTest, ForEachEventSinceStopsAtTheCallbacksError) {
  Append({MakeEvent(EventType::kView, "u", "a", 1), MakeEvent(EventType::kView, "u", "b", 2)});
  int calls = 0;
  const absl::Status status = events().ForEachEventSince(0, [&](const Event&) {
    ++calls;
    return absl::CancelledError("enough");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls, 1);
}

TEST_F(EventStoreTest, RecentEventsForUserAreNewestFirstAndLimited) {
  Append({MakeEvent(EventType::kView, "u1", "old", 1000),
          MakeEvent(EventType::kView, "u2", "other", 5000),
          MakeEvent(EventType::kView, "u1", "new", 3000),
          MakeEvent(EventType::kView, "u1", "mid", 2000)});
  auto recent = events().RecentEventsForUser("u1", 2);
  ASSERT_TRUE(recent.ok()) << recent.status();
  ASSERT_EQ(recent->size(), 2u);
  EXPECT_EQ((*recent)[0].product_id, "new");
  EXPECT_EQ((*recent)[1].product_id, "mid");
  EXPECT_TRUE(events().RecentEventsForUser("u1", 0)->empty());
  EXPECT_TRUE(events().RecentEventsForUser("nobody", 10)->empty());
  EXPECT_EQ(events().RecentEventsForUser("u1", std::numeric_limits<size_t>::max())->size(), 3u);
}

TEST_F(EventStoreTest, CountEventsFiltersByProductTypeUserAndWindow) {
  Append({MakeEvent(EventType::kView, "u1", "p1", 1000),
          MakeEvent(EventType::kView, "u2", "p1", 2000),
          MakeEvent(EventType::kPurchase, "u1", "p1", 3000),
          MakeEvent(EventType::kView, "u1", "p2", 4000)});
  EXPECT_EQ(Count({}), 4);
  EXPECT_EQ(Count({.product_id = "p1"}), 3);
  EXPECT_EQ(Count({.product_id = "p1", .type = EventType::kView}), 2);
  EXPECT_EQ(Count({.user_id = "u1", .type = EventType::kView}), 2);
  EXPECT_EQ(Count({.product_id = "p1", .since_ms = 2000, .until_ms = 3000}), 1);
  EXPECT_EQ(Count({.product_id = "nope"}), 0);
  EXPECT_EQ(events().CountEvents({.type = static_cast<EventType>(99)}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

constexpr int64_t kDay = 86'400'000;

TEST_F(EventStoreTest, DailyPurchasesCountPurchasesPerProductAndDayOfTheWindow) {
  const int64_t since = 10 * kDay + 5;  // Days start at since, not at midnight.
  Append({
      MakeEvent(EventType::kPurchase, "u1", "p2", since),                 // p2 day 0
      MakeEvent(EventType::kPurchase, "u2", "p2", since + kDay - 1),      // p2 day 0
      MakeEvent(EventType::kPurchase, "u1", "p2", since + kDay),          // p2 day 1
      MakeEvent(EventType::kPurchase, "u3", "p1", since + 2 * kDay + 7),  // p1 day 2
      MakeEvent(EventType::kPurchase, "u3", "p1", since - 1),             // before the window
      MakeEvent(EventType::kPurchase, "u3", "p1", since + 3 * kDay),      // at until: out
      MakeEvent(EventType::kView, "u1", "p1", since + kDay),              // not a purchase
      MakeEvent(EventType::kCartAdd, "u1", "p2", since + kDay),           // not a purchase
  });
  const PurchaseHistoryQuery all{.since_ms = since, .until_ms = since + 3 * kDay};
  // Ordered by product, then day; days without purchases are absent.
  EXPECT_THAT(Purchases(all), ElementsAre(DailyPurchases{"p1", 2, 1}, DailyPurchases{"p2", 0, 2},
                                          DailyPurchases{"p2", 1, 1}));
  PurchaseHistoryQuery one = all;
  one.product_id = "p2";
  EXPECT_THAT(Purchases(one), ElementsAre(DailyPurchases{"p2", 0, 2}, DailyPurchases{"p2", 1, 1}));
  one.product_id = "nope";
  EXPECT_TRUE(Purchases(one).empty());
  // The default until is open-ended.
  EXPECT_EQ(Purchases({.since_ms = since}).back(), (DailyPurchases{"p2", 1, 1}));
  EXPECT_EQ(Purchases({.since_ms = since}).size(), 4u);  // p1's day 3 joins.
}

TEST_F(EventStoreTest, DailyPurchasesStopAtTheCallbacksErrorAndRejectANegativeSince) {
  Append({MakeEvent(EventType::kPurchase, "u1", "p1", 1000),
          MakeEvent(EventType::kPurchase, "u1", "p2", 1000)});
  int calls = 0;
  const absl::Status stopped =
      events().ForEachDailyPurchases({}, [&](const DailyPurchases&) {
        ++calls;
        return absl::CancelledError("enough");
      });
  EXPECT_EQ(stopped.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(events()
                .ForEachDailyPurchases({.since_ms = -1},
                                       [](const DailyPurchases&) { return absl::OkStatus(); })
                .code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(EventStoreTest, ZeroTimestampTakesTheStoreClock) {
  Append({MakeEvent(EventType::kView, "u1", "p1", 0)});
  ASSERT_EQ(All().size(), 1u);
  EXPECT_EQ(All()[0].timestamp_ms, clock_.NowMillis());
}

TEST_F(EventStoreTest, DeleteEventsBeforeDeletesInChunksAndReturnsTheCount) {
  constexpr int kEvents = 25000;
  std::vector<Event> batch;
  for (int i = 0; i < kEvents; ++i) {
    batch.push_back(MakeEvent(EventType::kView, absl::StrCat("u", i % 7), "p", 1 + i));
  }
  Append(std::move(batch));
  const uint64_t commits_before = store_->Stats().commits;
  auto deleted = events().DeleteEventsBefore(22001).get();  // Timestamps 1..22000.
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(*deleted, 22000);
  // 10,000 + 10,000 + 2,000: one transaction per chunk.
  EXPECT_EQ(store_->Stats().commits - commits_before, 3u);
  EXPECT_EQ(Count({}), kEvents - 22000);
  EXPECT_EQ(All().front().timestamp_ms, 22001);
  EXPECT_EQ(*events().DeleteEventsBefore(0).get(), 0);
}

TEST_F(EventStoreTest, DeleteUserEventsRemovesOnlyThatUser) {
  Append({MakeEvent(EventType::kView, "u1", "p1", 1), MakeEvent(EventType::kView, "u2", "p1", 2),
          MakeEvent(EventType::kView, "u1", "p2", 3)});
  auto deleted = events().DeleteUserEvents("u1").get();
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(*deleted, 2);
  EXPECT_EQ(Count({}), 1);
  EXPECT_EQ(Count({.user_id = "u2"}), 1);
  EXPECT_EQ(events().DeleteUserEvents("").get().status().code(),
            absl::StatusCode::kInvalidArgument);
}

struct BadEventCase {
  std::string name;
  std::function<void(Event&)> spoil;
  std::string field;
};

TEST_F(EventStoreTest, BadEventsAreRejectedAndNothingOfTheBatchIsStored) {
  const std::vector<BadEventCase> cases = {
      {"unknown enum value", [](Event& e) { e.type = static_cast<EventType>(17); }, "type"},
      {"empty user", [](Event& e) { e.user_id.clear(); }, "user_id"},
      {"empty session", [](Event& e) { e.session_id.clear(); }, "session_id"},
      {"view without product", [](Event& e) { e.product_id.clear(); }, "product_id"},
      {"negative time", [](Event& e) { e.timestamp_ms = -5; }, "timestamp_ms"},
      {"NaN price", [](Event& e) { e.metadata.price = std::nan(""); }, "metadata.price"},
      {"infinite price",
       [](Event& e) { e.metadata.price = std::numeric_limits<double>::infinity(); },
       "metadata.price"},
      {"negative price", [](Event& e) { e.metadata.price = -1; }, "metadata.price"},
      {"bad UTF-8 user", [](Event& e) { e.user_id = "u\xff"; }, "user_id"},
      {"bad UTF-8 query", [](Event& e) { e.metadata.query = "\xc3"; }, "metadata.query"},
  };
  for (const BadEventCase& c : cases) {
    Event bad = MakeEvent(EventType::kView, "u9", "p9", 1000);
    c.spoil(bad);
    const absl::Status status =
        events().AppendEvents({MakeEvent(EventType::kView, "u1", "p1", 1000), bad}).get();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << c.name;
    EXPECT_EQ(ErrorField(status), c.field) << c.name;
    EXPECT_THAT(std::string(status.message()), HasSubstr("events[1]")) << c.name;
  }
  EXPECT_EQ(Count({}), 0);
  EXPECT_EQ(store_->Stats().write_jobs, 0u);  // Rejected before reaching the writer.
}

TEST_F(EventStoreTest, SearchEventNeedsNoProduct) {
  Append({MakeEvent(EventType::kSearch, "u1", "", 1)});
  EXPECT_EQ(Count({.type = EventType::kSearch}), 1);
}

TEST_F(EventStoreTest, EmptyBatchSucceedsWithoutAWrite) {
  EXPECT_TRUE(events().AppendEvents({}).get().ok());
  EXPECT_EQ(store_->Stats().write_jobs, 0u);
}

TEST_F(EventStoreTest, ConcurrentAppendsAreAllStoredWithFewerCommitsThanCalls) {
  constexpr int kThreads = 8;
  constexpr int kCalls = 150;
  constexpr int kBatch = 4;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int c = 0; c < kCalls; ++c) {
        std::vector<Event> batch;
        for (int i = 0; i < kBatch; ++i) {
          batch.push_back(MakeEvent(EventType::kView, absl::StrCat("u", t),
                                    absl::StrCat("p", c * kBatch + i), 1 + c));
        }
        if (!events().AppendEvents(std::move(batch)).get().ok()) ++failures;
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(Count({}), kThreads * kCalls * kBatch);
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(Count({.user_id = absl::StrCat("u", t)}), kCalls * kBatch);
  }
  const StoreStats stats = store_->Stats();
  EXPECT_EQ(stats.write_jobs, static_cast<uint64_t>(kThreads * kCalls));
  // Group commit: calls queued while a COMMIT (an fsync) runs share the next,
  // so with 8 submitters a transaction holds several calls on average.
  EXPECT_LE(stats.commits * 2, stats.write_jobs);
}

TEST_F(EventStoreTest, CloseDrainsPendingAppends) {
  std::vector<std::future<absl::Status>> pending;
  for (int i = 0; i < 300; ++i) {
    pending.push_back(events().AppendEvents({MakeEvent(EventType::kView, "u", "p", 1 + i)}));
  }
  store_->Close();
  for (auto& f : pending) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready);
    EXPECT_TRUE(f.get().ok());
  }
  Reopen();
  EXPECT_EQ(Count({}), 300);
}

TEST_F(EventStoreTest, ClosedStoreFailsWithFailedPrecondition) {
  store_->Close();
  EXPECT_EQ(events().AppendEvents({MakeEvent(EventType::kView, "u", "p", 1)}).get().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(events().RecentEventsForUser("u", 1).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(events().DeleteEventsBefore(10).get().status().code(),
            absl::StatusCode::kFailedPrecondition);
}

// The per-user index is filled in batches (here every 5 events); reads must
// combine the indexed part with the tail above it.
class EventUserIndexTest : public EventStoreTest {
 protected:
  StoreOptions Options() const override {
    StoreOptions options = EventStoreTest::Options();
    options.user_index_batch = 5;
    return options;
  }

  // Appends one event per call, as `user`, with scrambled timestamps.
  void AppendOneByOne(int count, const std::function<std::string(int)>& user) {
    for (int i = 0; i < count; ++i) {
      Append({MakeEvent(EventType::kView, user(i), absl::StrCat("p", i), 1000 + (i * 37) % 23)});
    }
    // Writes apply in queue order: once this one is acknowledged, any
    // indexing job queued by the appends above has committed too.
    ASSERT_TRUE(store_->settings()->Put("barrier", "{}").get().ok());
  }

  int64_t Sql(const std::string& sql) {
    auto db = internal::Connection::Open(dir_.Sub("aisle.db"),
                                         internal::Connection::Mode::kReadOnly, 1000);
    EXPECT_TRUE(db.ok()) << db.status();
    auto text = (*db)->QueryText(sql);
    EXPECT_TRUE(text.ok()) << text.status();
    return text.ok() ? std::stoll(*text) : -1;
  }

  int64_t IndexedThrough() {
    return Sql("SELECT value FROM store_state WHERE key = 'events_by_user_through'");
  }

  // What RecentEventsForUser must return, computed from the whole log.
  std::vector<std::string> ExpectedRecent(const std::string& user, size_t limit) {
    std::vector<Event> all = All();  // Timestamp order, ties by arrival.
    std::vector<std::string> products;
    for (auto it = all.rbegin(); it != all.rend() && products.size() < limit; ++it) {
      if (it->user_id == user) products.push_back(it->product_id);
    }
    return products;
  }

  std::vector<std::string> Recent(const std::string& user, size_t limit) {
    auto recent = events().RecentEventsForUser(user, limit);
    EXPECT_TRUE(recent.ok()) << recent.status();
    std::vector<std::string> products;
    if (recent.ok()) {
      for (const Event& e : *recent) products.push_back(e.product_id);
    }
    return products;
  }
};

TEST_F(EventUserIndexTest, RecentEventsCombineIndexedEventsAndTheTail) {
  AppendOneByOne(23, [](int i) { return i % 2 ? "a" : "b"; });
  EXPECT_EQ(IndexedThrough(), 20);  // Batches at 5, 10, 15, 20; 21..23 are the tail.
  EXPECT_EQ(Sql("SELECT count(*) FROM events_by_user"), 20);
  for (const std::string user : {"a", "b"}) {
    for (size_t limit : {1, 3, 7, 100}) {
      EXPECT_EQ(Recent(user, limit), ExpectedRecent(user, limit)) << user << " " << limit;
    }
  }
  EXPECT_EQ(Recent("a", 100).size(), 11u);
  Reopen();  // The mark is durable; the tail is still found.
  EXPECT_EQ(Recent("b", 100), ExpectedRecent("b", 100));
}

TEST_F(EventUserIndexTest, DeleteUserEventsCoversIndexedEventsAndTheTail) {
  AppendOneByOne(23, [](int i) { return i % 2 ? "a" : "b"; });
  auto deleted = events().DeleteUserEvents("a").get();
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(*deleted, 11);
  EXPECT_EQ(Count({.user_id = "a"}), 0);
  EXPECT_EQ(Sql("SELECT count(*) FROM events_by_user WHERE user_id = 'a'"), 0);
  EXPECT_TRUE(Recent("a", 100).empty());
  EXPECT_EQ(Recent("b", 100), ExpectedRecent("b", 100));
  EXPECT_EQ(Recent("b", 100).size(), 12u);
}

TEST_F(EventUserIndexTest, RetentionRemovesIndexEntriesWithTheirEvents) {
  AppendOneByOne(23, [](int i) { return i % 3 ? "a" : "b"; });
  auto deleted = events().DeleteEventsBefore(1010).get();
  ASSERT_TRUE(deleted.ok()) << deleted.status();
  EXPECT_EQ(*deleted, 10);  // Timestamps 1000..1009, one event each.
  EXPECT_EQ(Sql("SELECT count(*) FROM events_by_user u LEFT JOIN events e "
                "ON e.id = u.event_id WHERE e.id IS NULL"),
            0);
  EXPECT_EQ(Recent("a", 100), ExpectedRecent("a", 100));
  EXPECT_EQ(Recent("b", 100), ExpectedRecent("b", 100));
}

TEST_F(EventUserIndexTest, IdsAreNeverReusedSoNewEventsAfterAnErasureAreFound) {
  AppendOneByOne(5, [](int) { return "x"; });
  ASSERT_EQ(IndexedThrough(), 5);
  ASSERT_EQ(*events().DeleteUserEvents("x").get(), 5);
  Append({MakeEvent(EventType::kClick, "x", "again", 5000)});
  EXPECT_EQ(Recent("x", 10), std::vector<std::string>{"again"});
}

}  // namespace
}  // namespace aisle::store
