#include "base/event.h"

#include <gtest/gtest.h>

namespace aisle {
namespace {

TEST(EventType, NamesRoundTripAndUnknownNamesAreRejected) {
  for (int i = 0; i < kEventTypeCount; ++i) {
    const auto type = static_cast<EventType>(i);
    EXPECT_EQ(ParseEventType(EventTypeName(type)), type);
  }
  EXPECT_EQ(EventTypeName(EventType::kCartAdd), "cart_add");
  EXPECT_FALSE(ParseEventType("CART_ADD").has_value());
  EXPECT_FALSE(ParseEventType("").has_value());
  EXPECT_FALSE(ParseEventType("refund").has_value());
}

}  // namespace
}  // namespace aisle
