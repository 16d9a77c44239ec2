#include "ranking/recent_activity.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace aisle::ranking {
namespace {

Event At(EventType type, const std::string& user, const std::string& session,
         const std::string& product, int64_t t) {
  return {.type = type, .user_id = user, .session_id = session, .product_id = product,
          .timestamp_ms = t};
}

std::vector<std::string> Ids(const std::vector<RecentItem>& items) {
  std::vector<std::string> ids;
  for (const auto& i : items) ids.push_back(i.product_id);
  return ids;
}

TEST(RecentActivity, ListsNewestFirstPerUserAndPerSession) {
  RecentActivity activity;
  activity.Record(At(EventType::kView, "u", "s1", "a", 100));
  activity.Record(At(EventType::kView, "u", "s2", "b", 200));
  activity.Record(At(EventType::kCartAdd, "u", "s2", "c", 300));
  EXPECT_EQ(Ids(activity.UserItems("u", 10)), (std::vector<std::string>{"c", "b", "a"}));
  EXPECT_EQ(Ids(activity.SessionItems("s2", 10)), (std::vector<std::string>{"c", "b"}));
  EXPECT_EQ(Ids(activity.UserItems("u", 2)), (std::vector<std::string>{"c", "b"}));
  EXPECT_EQ(activity.UserItems("u", 1)[0].type, EventType::kCartAdd);
  EXPECT_TRUE(activity.UserItems("nobody", 10).empty());
}

TEST(RecentActivity, LateEventsAreSortedIntoPlace) {
  RecentActivity activity;
  activity.Record(At(EventType::kView, "u", "s", "late", 300));
  activity.Record(At(EventType::kView, "u", "s", "early", 100));
  activity.Record(At(EventType::kView, "u", "s", "middle", 200));
  EXPECT_EQ(Ids(activity.SessionItems("s", 10)),
            (std::vector<std::string>{"late", "middle", "early"}));
}

TEST(RecentActivity, KeepsOnlyTheConfiguredNumberOfItems) {
  RecentActivity activity({.per_user = 3, .per_session = 2});
  for (int i = 0; i < 10; ++i) {
    activity.Record(At(EventType::kView, "u", "s", "p" + std::to_string(i), i));
  }
  EXPECT_EQ(Ids(activity.UserItems("u", 10)), (std::vector<std::string>{"p9", "p8", "p7"}));
  EXPECT_EQ(Ids(activity.SessionItems("s", 10)), (std::vector<std::string>{"p9", "p8"}));
}

TEST(RecentActivity, RemembersPurchasesBeyondTheRecentItems) {
  RecentActivity activity({.per_user = 2, .purchases_per_user = 2});
  activity.Record(At(EventType::kPurchase, "u", "s", "bought1", 1));
  activity.Record(At(EventType::kPurchase, "u", "s", "bought2", 2));
  activity.Record(At(EventType::kPurchase, "u", "s", "bought1", 3));  // Again: not twice.
  for (int i = 0; i < 5; ++i) activity.Record(At(EventType::kView, "u", "s", "v", 10 + i));
  EXPECT_EQ(activity.Purchased("u"), (std::vector<std::string>{"bought2", "bought1"}));
  activity.Record(At(EventType::kPurchase, "u", "s", "bought3", 20));
  EXPECT_EQ(activity.Purchased("u"), (std::vector<std::string>{"bought1", "bought3"}));
}

TEST(RecentActivity, IgnoresSearchesAndEventsWithoutProduct) {
  RecentActivity activity;
  activity.Record(At(EventType::kSearch, "u", "s", "", 1));
  activity.Record(At(EventType::kView, "u", "s", "", 2));
  EXPECT_EQ(activity.users(), 0u);
  EXPECT_EQ(activity.sessions(), 0u);
}

TEST(RecentActivity, SweepDropsIdleSessionsAndUsersAndForgetErases) {
  constexpr int64_t kDay = 24LL * 3600 * 1000;
  RecentActivity activity;
  activity.Record(At(EventType::kView, "old", "old-s", "a", 0));
  activity.Record(At(EventType::kPurchase, "new", "new-s", "b", 95 * kDay));
  EXPECT_EQ(activity.Sweep(95 * kDay + 1), 2u);  // old-s (> 24 h) and old (> 90 d).
  EXPECT_EQ(activity.users(), 1u);
  EXPECT_EQ(activity.sessions(), 1u);
  activity.ForgetUser("new");
  EXPECT_TRUE(activity.UserItems("new", 10).empty());
  EXPECT_TRUE(activity.Purchased("new").empty());
}

TEST(RecentActivity, ConcurrentWritersAndReadersKeepEveryList) {
  RecentActivity activity({.per_user = 1000, .per_session = 1000});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        activity.Record(At(EventType::kView, "u" + std::to_string(t), "shared", "p", i));
        activity.UserItems("u0", 5);
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(activity.UserItems("u" + std::to_string(t), 1000).size(), 500u);
  EXPECT_EQ(activity.SessionItems("shared", 5000).size(), 1000u);
}

}  // namespace
}  // namespace aisle::ranking
