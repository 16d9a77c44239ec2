#include "base/status.h"

#include <gtest/gtest.h>

namespace aisle {
namespace {

absl::StatusOr<int> Half(int x) {
  if (x % 2) return absl::InvalidArgumentError("odd");
  return x / 2;
}

absl::StatusOr<int> Quarter(int x) {
  AISLE_ASSIGN_OR_RETURN(int half, Half(x));
  AISLE_ASSIGN_OR_RETURN(int quarter, Half(half));
  return quarter;
}

TEST(Status, AssignOrReturnPropagatesTheFirstError) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(Status, InvalidArgumentCarriesFieldAndPosition) {
  absl::Status s = InvalidArgumentError("bad token", "filter", 7);
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ErrorField(s), "filter");
  EXPECT_EQ(ErrorPosition(s), 7u);
  absl::Status plain = absl::InvalidArgumentError("x");
  EXPECT_FALSE(ErrorField(plain).has_value());
  EXPECT_FALSE(ErrorPosition(plain).has_value());
}

}  // namespace
}  // namespace aisle
