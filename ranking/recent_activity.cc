#include "ranking/recent_activity.h"

#include <algorithm>
#include <deque>
#include <functional>
#include <mutex>

#include "absl/container/flat_hash_map.h"

namespace aisle::ranking {
namespace {

struct Trail {
  std::deque<RecentItem> items;      // Oldest first.
  std::deque<std::string> purchases;  // Oldest first, unique.
  int64_t last_seen_ms = 0;
};

struct Shard {
  mutable std::mutex mu;
  absl::flat_hash_map<std::string, Trail> trails;
};

// Keeps `items` sorted by timestamp (arrival order among ties) and at most
// `cap` long.
void Insert(std::deque<RecentItem>* items, RecentItem item, size_t cap) {
  auto at = std::upper_bound(
      items->begin(), items->end(), item.timestamp_ms,
      [](int64_t ts, const RecentItem& existing) { return ts < existing.timestamp_ms; });
  items->insert(at, std::move(item));
  while (items->size() > cap) items->pop_front();
}

std::vector<RecentItem> NewestFirst(const std::deque<RecentItem>& items, size_t limit) {
  std::vector<RecentItem> out;
  for (auto it = items.rbegin(); it != items.rend() && out.size() < limit; ++it) {
    out.push_back(*it);
  }
  return out;
}

// Debian's abseil has its own string_view: heterogeneous lookup takes that.
absl::string_view Key(std::string_view key) { return {key.data(), key.size()}; }

}  // namespace

struct RecentActivity::State {
  RecentActivityOptions options;
  std::vector<Shard> users;
  std::vector<Shard> sessions;

  explicit State(RecentActivityOptions o)
      : options(o), users(std::max(1, o.shards)), sessions(std::max(1, o.shards)) {}

  static Shard& ShardOf(std::vector<Shard>& shards, std::string_view key) {
    return shards[std::hash<std::string_view>{}(key) % shards.size()];
  }
  static const Shard& ShardOf(const std::vector<Shard>& shards, std::string_view key) {
    return shards[std::hash<std::string_view>{}(key) % shards.size()];
  }
};

RecentActivity::RecentActivity(RecentActivityOptions options)
    : state_(std::make_unique<State>(options)) {}
RecentActivity::~RecentActivity() = default;

void RecentActivity::Record(const Event& event) {
  if (event.type == EventType::kSearch || event.product_id.empty()) return;
  const RecentItem item{event.product_id, event.type, event.timestamp_ms};
  const RecentActivityOptions& options = state_->options;
  if (!event.user_id.empty()) {
    Shard& shard = State::ShardOf(state_->users, event.user_id);
    std::lock_guard lock(shard.mu);
    Trail& trail = shard.trails[event.user_id];
    Insert(&trail.items, item, options.per_user);
    trail.last_seen_ms = std::max(trail.last_seen_ms, event.timestamp_ms);
    if (event.type == EventType::kPurchase) {
      auto& bought = trail.purchases;
      if (auto it = std::find(bought.begin(), bought.end(), event.product_id); it != bought.end()) {
        bought.erase(it);
      }
      bought.push_back(event.product_id);
      while (bought.size() > options.purchases_per_user) bought.pop_front();
    }
  }
  if (!event.session_id.empty()) {
    Shard& shard = State::ShardOf(state_->sessions, event.session_id);
    std::lock_guard lock(shard.mu);
    Trail& trail = shard.trails[event.session_id];
    Insert(&trail.items, item, options.per_session);
    trail.last_seen_ms = std::max(trail.last_seen_ms, event.timestamp_ms);
  }
}

std::vector<RecentItem> RecentActivity::UserItems(std::string_view user_id, size_t limit) const {
  const Shard& shard = State::ShardOf(state_->users, user_id);
  std::lock_guard lock(shard.mu);
  auto it = shard.trails.find(Key(user_id));
  return it == shard.trails.end() ? std::vector<RecentItem>{} : NewestFirst(it->second.items, limit);
}

std::vector<RecentItem> RecentActivity::SessionItems(std::string_view session_id,
                                                     size_t limit) const {
  const Shard& shard = State::ShardOf(state_->sessions, session_id);
  std::lock_guard lock(shard.mu);
  auto it = shard.trails.find(Key(session_id));
  return it == shard.trails.end() ? std::vector<RecentItem>{} : NewestFirst(it->second.items, limit);
}

std::vector<std::string> RecentActivity::Purchased(std::string_view user_id) const {
  const Shard& shard = State::ShardOf(state_->users, user_id);
  std::lock_guard lock(shard.mu);
  auto it = shard.trails.find(Key(user_id));
  if (it == shard.trails.end()) return {};
  return {it->second.purchases.begin(), it->second.purchases.end()};
}

void RecentActivity::ForgetUser(std::string_view user_id) {
  Shard& shard = State::ShardOf(state_->users, user_id);
  std::lock_guard lock(shard.mu);
  if (auto it = shard.trails.find(Key(user_id)); it != shard.trails.end()) shard.trails.erase(it);
}

size_t RecentActivity::Sweep(int64_t now_ms) {
  size_t dropped = 0;
  auto sweep = [&](std::vector<Shard>& shards, int64_t ttl_ms) {
    for (Shard& shard : shards) {
      std::lock_guard lock(shard.mu);
      dropped += absl::erase_if(shard.trails, [&](const auto& entry) {
        return entry.second.last_seen_ms < now_ms - ttl_ms;
      });
    }
  };
  sweep(state_->sessions, state_->options.session_ttl_ms);
  sweep(state_->users, state_->options.user_ttl_ms);
  return dropped;
}

size_t RecentActivity::users() const {
  size_t n = 0;
  for (const Shard& shard : state_->users) {
    std::lock_guard lock(shard.mu);
    n += shard.trails.size();
  }
  return n;
}

size_t RecentActivity::sessions() const {
  size_t n = 0;
  for (const Shard& shard : state_->sessions) {
    std::lock_guard lock(shard.mu);
    n += shard.trails.size();
  }
  return n;
}

}  // namespace aisle::ranking
