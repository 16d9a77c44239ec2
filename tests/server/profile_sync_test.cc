// User preference profiles stored per user in a real SQLite store, and the
// start-up replay that must not count stored events twice.
#include "server/profile_sync.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <future>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/event.h"
#include "commerce/demand_counters.h"
#include "commerce/user_preferences.h"
#include "index/product_index.h"
#include "server/behaviour_pipeline.h"
#include "store/store.h"
#include "tests/testing/test_util.h"

namespace aisle::server {
namespace {

Event MakeEvent(EventType type, const std::string& user, const std::string& category,
                const std::string& brand, double price) {
  return Event{.type = type,
               .user_id = user,
               .session_id = "s",
               .product_id = "p-" + category,
               .category = category,
               .metadata = {.brand = brand, .price = price}};
}

// The real store, counting Puts and failing those of chosen users.
class RecordingProfileStore final : public store::ProfileStore {
 public:
  explicit RecordingProfileStore(store::ProfileStore* real) : real_(real) {}

  absl::StatusOr<std::optional<std::string>> Get(std::string_view user_id) const override {
    ++gets;
    return real_->Get(user_id);
  }
  std::future<absl::Status> Put(std::string user_id, std::string blob) override {
    puts.push_back(user_id);
    if (failing.count(user_id) > 0) {
      std::promise<absl::Status> failed;
      failed.set_value(absl::UnavailableError("disk full"));
      return failed.get_future();
    }
    return real_->Put(std::move(user_id), std::move(blob));
  }
  std::future<absl::StatusOr<bool>> Delete(std::string user_id) override {
    return real_->Delete(std::move(user_id));
  }

  mutable std::atomic<int> gets = 0;
  std::vector<std::string> puts;
  std::set<std::string> failing;

 private:
  store::ProfileStore* real_;
};

void ExpectSameShares(const std::map<std::string, double>& a,
                      const std::map<std::string, double>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [key, share] : a) {
    ASSERT_EQ(b.count(key), 1u) << key;
    EXPECT_NEAR(b.at(key), share, 1e-12) << key;
  }
}

class ProfileSyncTest : public ::testing::Test {
 protected:
  void SetUp() override { OpenStore(); }
  void TearDown() override {
    if (store_) store_->Close();
  }

  void OpenStore() {
    auto store = store::Store::Open(store::StoreOptions{
        .path = dir_.Sub("aisle.db"), .synchronous = store::SyncMode::kNormal, .clock = &clock_});
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    recording_ = std::make_unique<RecordingProfileStore>(store_->profiles());
  }

  void CloseStore() {
    recording_.reset();
    store_->Close();
    store_.reset();
  }

  std::unique_ptr<commerce::UserPreferences> LoadingPreferences() {
    commerce::UserPreferencesOptions options;
    options.loader = ProfileSync::Loader(store_->profiles());
    return std::make_unique<commerce::UserPreferences>(clock_, options);
  }

  std::optional<std::string> Stored(const std::string& user) {
    auto stored = store_->profiles()->Get(user);
    EXPECT_TRUE(stored.ok()) << stored.status();
    return stored.ok() ? *stored : std::nullopt;
  }

  testing::TempDir dir_;
  FakeClock clock_{1'750'000'000'000};
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<RecordingProfileStore> recording_;
  commerce::UserPreferences preferences_{clock_};
};

TEST_F(ProfileSyncTest, FlushedProfilesComeBackThroughTheLoaderAfterReopen) {
  ASSERT_TRUE(preferences_.Update(MakeEvent(EventType::kPurchase, "u1", "Toys", "Acme", 25)).ok());
  ASSERT_TRUE(preferences_.Update(MakeEvent(EventType::kView, "u1", "Books", "Zeta", 8)).ok());
  ASSERT_TRUE(preferences_.Update(MakeEvent(EventType::kCartAdd, "u2", "Garden", "Hoe", 300)).ok());
  ProfileSync sync(&preferences_, recording_.get());
  ASSERT_TRUE(sync.Flush().ok());
  EXPECT_EQ(recording_->puts.size(), 2u);

  CloseStore();
  OpenStore();
  clock_.Advance(86'400'000);  // A day later: decay must match too.
  auto reloaded = LoadingPreferences();
  for (const char* user : {"u1", "u2"}) {
    SCOPED_TRACE(user);
    const std::optional<commerce::Preferences> before = preferences_.Get(user);
    const std::optional<commerce::Preferences> after = reloaded->Get(user);
    ASSERT_TRUE(before.has_value());
    ASSERT_TRUE(after.has_value());
    ExpectSameShares(after->categories, before->categories);
    ExpectSameShares(after->brands, before->brands);
    EXPECT_EQ(after->price_ranges.size(), before->price_ranges.size());
    EXPECT_EQ(after->history, before->history);
    EXPECT_EQ(after->segment, before->segment);
  }
  EXPECT_EQ(reloaded->Segment("u1"), commerce::UserSegment::kRegular);
  EXPECT_FALSE(reloaded->Get("stranger").has_value());
}

TEST_F(ProfileSyncTest, AUserChangedAfterAFlushIsFlushedAgain) {
  ProfileSync sync(&preferences_, recording_.get());
  ASSERT_TRUE(preferences_.Update(MakeEvent(EventType::kView, "u1", "Toys", "Acme", 25)).ok());
  ASSERT_TRUE(preferences_.Update(MakeEvent(EventType::kView, "u2", "Toys", "Acme", 25)).ok());
  ASSERT_TRUE(sync.Flush().ok());
  ASSERT_TRUE(preferences_.Update(MakeEvent(EventType::kPurchase, "u1", "Garden", "Hoe", 30)).ok());
  ASSERT_TRUE(sync.Flush().ok());
  // u2 did not change: written once.
  EXPECT_EQ(recording_->puts.size(), 3u);
  EXPECT_EQ(std::count(recording_->puts.begin(), recording_->puts.end(), "u1"), 2);
  EXPECT_EQ(std::count(recording_->puts.begin(), recording_->puts.end(), "u2"), 1);

  auto reloaded = LoadingPreferences();
  const std::optional<commerce::Preferences> u1 = reloaded->Get("u1");
  ASSERT_TRUE(u1.has_value());
  EXPECT_EQ(u1->categories.count("Garden"), 1u);
  EXPECT_EQ(u1->history.purchases, 1u);
}

TEST_F(ProfileSyncTest, AProfileThatFailedToStoreIsRetriedByTheNextFlush) {
  ProfileSync sync(&preferences_, recording_.get());
  ASSERT_TRUE(preferences_.Update(MakeEvent(EventType::kView, "u1", "Toys", "Acme", 25)).ok());
  ASSERT_TRUE(preferences_.Update(MakeEvent(EventType::kView, "u2", "Toys", "Acme", 25)).ok());
  recording_->failing = {"u1"};
  const absl::Status failed = sync.Flush();
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(failed.message().find("1 of 2"), std::string_view::npos) << failed;
  EXPECT_EQ(sync.pending_retries(), 1u);
  EXPECT_FALSE(Stored("u1").has_value());
  EXPECT_TRUE(Stored("u2").has_value());

  recording_->failing.clear();
  ASSERT_TRUE(sync.Flush().ok());  // u1 did not change again, yet is stored.
  EXPECT_EQ(sync.pending_retries(), 0u);
  EXPECT_TRUE(Stored("u1").has_value());
}

TEST_F(ProfileSyncTest, ErasedUsersAreNotWritten) {
  ProfileSync sync(&preferences_, recording_.get());
  ASSERT_TRUE(preferences_.Update(MakeEvent(EventType::kView, "u1", "Toys", "Acme", 25)).ok());
  ASSERT_TRUE(preferences_.Update(MakeEvent(EventType::kView, "u2", "Toys", "Acme", 25)).ok());
  EXPECT_TRUE(preferences_.Erase("u1"));
  ASSERT_TRUE(sync.Flush().ok());
  EXPECT_EQ(recording_->puts, std::vector<std::string>{"u2"});
  EXPECT_FALSE(Stored("u1").has_value());

  // A retry pending for a user erased meanwhile is dropped, not written.
  ASSERT_TRUE(preferences_.Update(MakeEvent(EventType::kView, "u3", "Toys", "Acme", 25)).ok());
  recording_->failing = {"u3"};
  EXPECT_FALSE(sync.Flush().ok());
  recording_->failing.clear();
  EXPECT_TRUE(preferences_.Erase("u3"));
  ASSERT_TRUE(sync.Flush().ok());
  EXPECT_EQ(sync.pending_retries(), 0u);
  EXPECT_FALSE(Stored("u3").has_value());
}

TEST_F(ProfileSyncTest, EraseForgetsTheUserInMemoryAndInTheStore) {
  auto loading = LoadingPreferences();
  ProfileSync sync(loading.get(), recording_.get());
  ASSERT_TRUE(loading->Update(MakeEvent(EventType::kView, "u1", "Toys", "Acme", 25)).ok());
  ASSERT_TRUE(sync.Flush().ok());
  ASSERT_TRUE(Stored("u1").has_value());

  ASSERT_TRUE(sync.Erase("u1").ok());
  EXPECT_FALSE(Stored("u1").has_value());
  EXPECT_FALSE(loading->Get("u1").has_value());  // Not loaded back either.
  ASSERT_TRUE(sync.Flush().ok());
  EXPECT_FALSE(Stored("u1").has_value());
}

TEST_F(ProfileSyncTest, FlushOfNothingSucceedsWithoutWrites) {
  ProfileSync sync(&preferences_, recording_.get());
  EXPECT_TRUE(sync.Flush().ok());
  ASSERT_TRUE(preferences_.Update(MakeEvent(EventType::kView, "u1", "Toys", "Acme", 25)).ok());
  ASSERT_TRUE(sync.Flush().ok());
  EXPECT_TRUE(sync.Flush().ok());
  EXPECT_EQ(recording_->puts.size(), 1u);
}

TEST_F(ProfileSyncTest, LoaderReadsNothingForAnEmptyIdOrAKnownMiss) {
  const commerce::ProfileLoader loader = ProfileSync::Loader(recording_.get());
  auto none = loader("");
  ASSERT_TRUE(none.ok()) << none.status();
  EXPECT_FALSE(none->has_value());
  EXPECT_EQ(recording_->gets, 0);
  for (int i = 0; i < 3; ++i) {
    auto missing = loader("nobody");
    ASSERT_TRUE(missing.ok()) << missing.status();
    EXPECT_FALSE(missing->has_value());
  }
  EXPECT_EQ(recording_->gets, 1);

  // A visitor's first event creates the profile in memory; once flushed,
  // a fresh process (a new loader) finds it.
  commerce::UserPreferencesOptions options;
  options.loader = loader;
  commerce::UserPreferences preferences(clock_, options);
  EXPECT_FALSE(preferences.Get("nobody").has_value());
  ASSERT_TRUE(preferences.Update(MakeEvent(EventType::kView, "nobody", "Toys", "Acme", 25)).ok());
  ProfileSync sync(&preferences, recording_.get());
  ASSERT_TRUE(sync.Flush().ok());
  auto found = ProfileSync::Loader(recording_.get())("nobody");
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_TRUE(found->has_value());
}

TEST_F(ProfileSyncTest, LoaderForgetsMissesWhenFull) {
  const commerce::ProfileLoader loader = ProfileSync::Loader(recording_.get(), 2);
  for (const char* user : {"a", "b", "a", "b"}) ASSERT_TRUE(loader(user).ok());
  EXPECT_EQ(recording_->gets, 2);
  ASSERT_TRUE(loader("c").ok());  // Full: forgets a and b.
  ASSERT_TRUE(loader("a").ok());
  EXPECT_EQ(recording_->gets, 4);
}

TEST_F(ProfileSyncTest, BackgroundThreadFlushesPeriodicallyAndOnStop) {
  ProfileSync sync(&preferences_, store_->profiles(), {.flush_period_ms = 5});
  sync.Start();
  ASSERT_TRUE(preferences_.Update(MakeEvent(EventType::kView, "u1", "Toys", "Acme", 25)).ok());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!Stored("u1").has_value() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  EXPECT_TRUE(Stored("u1").has_value());
  sync.Stop();
  sync.Stop();  // Idempotent.
}

TEST_F(ProfileSyncTest, StopFlushesOnceMoreWithoutWaitingForThePeriod) {
  ProfileSync sync(&preferences_, store_->profiles(), {.flush_period_ms = 3'600'000});
  sync.Start();
  ASSERT_TRUE(preferences_.Update(MakeEvent(EventType::kView, "u1", "Toys", "Acme", 25)).ok());
  const auto start = std::chrono::steady_clock::now();
  sync.Stop();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_TRUE(Stored("u1").has_value());
}

// With stored profiles loaded, the start-up replay feeds the demand counters
// only: the profile already holds those events.
TEST_F(ProfileSyncTest, ReplayCanLeavePreferencesToTheStoredProfiles) {
  auto index = index::ProductIndex::Open(index::IndexOptions{.path = dir_.Sub("index")});
  ASSERT_TRUE(index.ok()) << index.status();
  std::vector<Event> events = {MakeEvent(EventType::kPurchase, "u1", "Toys", "Acme", 25),
                               MakeEvent(EventType::kView, "u1", "Toys", "Acme", 25)};
  ASSERT_TRUE(store_->events()->AppendEvents(events).get().ok());
  // The running server applied them and flushed the profile.
  ProfileSync sync(&preferences_, store_->profiles());
  for (const Event& e : events) ASSERT_TRUE(preferences_.Update(e).ok());
  ASSERT_TRUE(sync.Flush().ok());

  // Restart: stored profiles through the loader, replay without preferences.
  auto loading = LoadingPreferences();
  commerce::DemandCounters demand(clock_);
  BehaviourPipeline behaviour(&clock_, &demand, loading.get(), index->get());
  ASSERT_TRUE(
      behaviour
          .Replay(*store_->events(), 30LL * 86'400'000, ReplayOptions{.update_preferences = false})
          .ok());
  EXPECT_EQ(
      demand.Snapshot("p-Toys", clock_.NowMillis()).in(commerce::DemandWindow::k24h).purchases, 1u);
  EXPECT_EQ(loading->Get("u1")->history, preferences_.Get("u1")->history);
  EXPECT_EQ(loading->Get("u1")->history.events, 2u);  // Not 4.

  // The default still rebuilds preferences from the events.
  commerce::UserPreferences rebuilt(clock_);
  commerce::DemandCounters demand2(clock_);
  BehaviourPipeline from_events(&clock_, &demand2, &rebuilt, index->get());
  ASSERT_TRUE(from_events.Replay(*store_->events(), 30LL * 86'400'000).ok());
  EXPECT_EQ(rebuilt.Get("u1")->history.events, 2u);
  EXPECT_TRUE((*index)->Close().ok());
}

}  // namespace
}  // namespace aisle::server
