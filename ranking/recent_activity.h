// RecentActivity: what each shopper and each session touched last, in
// memory, so a recommendation request reads its inputs without a disk read:
// the session's last items (the behavioural model), the user's recent items
// (collaborative fold-in, content), and what they bought (never recommended
// again).
//
// Fed with every accepted behaviour event (and the stored ones at start-up);
// bounded: `per_user` items and `purchases_per_user` purchases per user,
// `per_session` items per session; Sweep drops sessions and users idle for
// longer than their time-to-live. Memory: about 60 bytes per remembered item.
//
// Thread-safety: every method may be called concurrently (lock-striped).
#ifndef AISLE_RANKING_RECENT_ACTIVITY_H_
#define AISLE_RANKING_RECENT_ACTIVITY_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/event.h"

namespace aisle::ranking {

struct RecentActivityOptions {
  size_t per_user = 30;
  size_t per_session = 10;  // The seed's sessionLength.
  size_t purchases_per_user = 100;
  int64_t session_ttl_ms = 24LL * 3600 * 1000;
  int64_t user_ttl_ms = 90LL * 24 * 3600 * 1000;
  int shards = 64;
};

struct RecentItem {
  std::string product_id;
  EventType type = EventType::kView;
  int64_t timestamp_ms = 0;
  bool operator==(const RecentItem&) const = default;
};

class RecentActivity {
 public:
  explicit RecentActivity(RecentActivityOptions options = {});
  ~RecentActivity();
  RecentActivity(const RecentActivity&) = delete;
  RecentActivity& operator=(const RecentActivity&) = delete;

  // Remembers a product event (searches and events without a product are
  // ignored). Events may arrive slightly out of order: each list stays
  // sorted by timestamp, ties in arrival order.
  void Record(const Event& event);

  // Newest first, at most `limit`.
  std::vector<RecentItem> UserItems(std::string_view user_id, size_t limit) const;
  std::vector<RecentItem> SessionItems(std::string_view session_id, size_t limit) const;
  // Products the user bought (the most recent purchases_per_user).
  std::vector<std::string> Purchased(std::string_view user_id) const;

  // Erasure of a user: their items and purchases (their sessions expire).
  void ForgetUser(std::string_view user_id);

  // Drops sessions and users idle beyond their TTL at `now_ms`; returns how
  // many entries were dropped.
  size_t Sweep(int64_t now_ms);

  size_t users() const;
  size_t sessions() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace aisle::ranking

#endif  // AISLE_RANKING_RECENT_ACTIVITY_H_
