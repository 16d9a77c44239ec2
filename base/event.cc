#include "base/event.h"

#include <array>

namespace aisle {
namespace {

constexpr std::array<std::string_view, kEventTypeCount> kNames = {
    "view", "click", "cart_add", "purchase", "wishlist_add", "search"};

}  // namespace

std::string_view EventTypeName(EventType type) { return kNames[static_cast<size_t>(type)]; }

std::optional<EventType> ParseEventType(std::string_view name) {
  for (size_t i = 0; i < kNames.size(); ++i) {
    if (kNames[i] == name) return static_cast<EventType>(i);
  }
  return std::nullopt;
}

}  // namespace aisle
