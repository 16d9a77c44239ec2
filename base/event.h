// Behaviour events (the seed's trackUserBehavior): what shoppers do, fed to
// demand counters, user preferences, trending and recommendations.
#ifndef AISLE_BASE_EVENT_H_
#define AISLE_BASE_EVENT_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aisle {

enum class EventType : uint8_t { kView, kClick, kCartAdd, kPurchase, kWishlistAdd, kSearch };

inline constexpr int kEventTypeCount = 6;

// "view", "click", "cart_add", "purchase", "wishlist_add", "search".
std::string_view EventTypeName(EventType type);
std::optional<EventType> ParseEventType(std::string_view name);

struct EventMetadata {
  std::string brand;
  std::optional<double> price;
  std::string query;
  bool operator==(const EventMetadata&) const = default;
};

struct Event {
  EventType type = EventType::kView;
  std::string user_id;     // Required (anonymous visitors carry a generated id).
  std::string session_id;  // Required.
  std::string product_id;  // Required except for kSearch.
  std::string category;
  int64_t timestamp_ms = 0;  // Unix milliseconds; 0 = "now" on arrival.
  EventMetadata metadata;
  bool operator==(const Event&) const = default;
};

}  // namespace aisle

#endif  // AISLE_BASE_EVENT_H_
