#include "commerce/order_state.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

namespace aisle::commerce {
namespace {

using S = OrderStatus;

// The legal moves, written out independently of the implementation's table.
const std::set<std::pair<S, S>>& Legal() {
  static const std::set<std::pair<S, S>> legal = {
      {S::kPending, S::kPaymentProcessing},         {S::kPending, S::kCancelled},
      {S::kPaymentProcessing, S::kPaymentConfirmed}, {S::kPaymentProcessing, S::kCancelled},
      {S::kPaymentConfirmed, S::kInventoryAllocated}, {S::kPaymentConfirmed, S::kCancelled},
      {S::kInventoryAllocated, S::kPreparing},       {S::kInventoryAllocated, S::kCancelled},
      {S::kPreparing, S::kShipped},                  {S::kPreparing, S::kCancelled},
      {S::kShipped, S::kDelivered},                  {S::kShipped, S::kRefunded},
      {S::kDelivered, S::kRefunded}};
  return legal;
}

TEST(OrderState, EveryPairIsLegalExactlyWhenListed) {
  int legal = 0;
  for (S from : AllOrderStatuses()) {
    for (S to : AllOrderStatuses()) {
      const bool expected = Legal().count({from, to}) == 1;
      EXPECT_EQ(IsLegalTransition(from, to), expected)
          << OrderStatusName(from) << " -> " << OrderStatusName(to);
      const absl::Status status = CheckTransition(from, to);
      EXPECT_EQ(status.ok(), expected);
      if (!expected) {
        EXPECT_EQ(status.code(), absl::StatusCode::kFailedPrecondition);
        EXPECT_NE(std::string(status.message()).find(OrderStatusName(to)), std::string::npos);
      }
      legal += expected;
    }
  }
  EXPECT_EQ(legal, 13);
}

TEST(OrderState, TheSeedsHappyPathIsAChainOfLegalSteps) {
  const S path[] = {S::kPending,   S::kPaymentProcessing, S::kPaymentConfirmed,
                    S::kInventoryAllocated, S::kPreparing, S::kShipped,
                    S::kDelivered, S::kRefunded};
  for (size_t i = 0; i + 1 < std::size(path); ++i) {
    EXPECT_TRUE(IsLegalTransition(path[i], path[i + 1])) << i;
  }
}

TEST(OrderState, FinalStatusesHaveNoWayOutAndNoStatusLoopsToItself) {
  for (S status : AllOrderStatuses()) {
    EXPECT_FALSE(IsLegalTransition(status, status)) << OrderStatusName(status);
    if (!IsFinal(status)) continue;
    for (S to : AllOrderStatuses()) EXPECT_FALSE(IsLegalTransition(status, to));
  }
  EXPECT_TRUE(IsFinal(S::kCancelled));
  EXPECT_TRUE(IsFinal(S::kRefunded));
  EXPECT_FALSE(IsFinal(S::kDelivered));
}

TEST(OrderState, PaidAndAllocatedFlagsFollowTheFlow) {
  EXPECT_FALSE(IsPaid(S::kPending));
  EXPECT_FALSE(IsPaid(S::kPaymentProcessing));
  EXPECT_TRUE(IsPaid(S::kPaymentConfirmed));
  EXPECT_TRUE(IsPaid(S::kDelivered));
  EXPECT_FALSE(IsPaid(S::kRefunded));
  EXPECT_FALSE(IsPaid(S::kCancelled));
  EXPECT_FALSE(HoldsAllocatedStock(S::kPaymentConfirmed));
  EXPECT_TRUE(HoldsAllocatedStock(S::kInventoryAllocated));
  EXPECT_TRUE(HoldsAllocatedStock(S::kPreparing));
  EXPECT_FALSE(HoldsAllocatedStock(S::kShipped)) << "shipped stock has left";
}

TEST(OrderState, NamesRoundTripAndUnknownNamesAreRejected) {
  for (S status : AllOrderStatuses()) {
    EXPECT_EQ(ParseOrderStatus(OrderStatusName(status)), status);
  }
  EXPECT_EQ(OrderStatusName(S::kPaymentProcessing), "payment_processing");
  EXPECT_FALSE(ParseOrderStatus("Pending").has_value());
  EXPECT_FALSE(ParseOrderStatus("").has_value());
  EXPECT_FALSE(ParseOrderStatus("lost").has_value());
}

}  // namespace
}  // namespace aisle::commerce
