#include "commerce/payment_gateway.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace aisle::commerce {
namespace {

ChargeRequest Request(std::string key, std::string token, int64_t cents = 1999) {
  return {.idempotency_key = std::move(key),
          .token = std::move(token),
          .amount_cents = cents,
          .currency = "USD"};
}

TEST(SandboxGateway, TestTokensApproveDeclineAndTimeOut) {
  SandboxGateway gateway;
  auto visa = gateway.Charge(Request("o1", "tok_visa"));
  ASSERT_TRUE(visa.ok()) << visa.status();
  EXPECT_TRUE(visa->approved);
  EXPECT_EQ(visa->card_last4, "4242");
  EXPECT_FALSE(visa->gateway_ref.empty());
  auto declined = gateway.Charge(Request("o2", "tok_declined"));
  ASSERT_TRUE(declined.ok());
  EXPECT_FALSE(declined->approved);
  EXPECT_EQ(declined->decline_reason, "card_declined");
  auto broke = gateway.Charge(Request("o3", "tok_insufficient_funds"));
  EXPECT_EQ(broke->decline_reason, "insufficient_funds");
  EXPECT_EQ(gateway.Charge(Request("o4", "tok_timeout")).status().code(),
            absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(gateway.Charge(Request("o5", "4242424242424242"))->decline_reason, "invalid_token");
  EXPECT_EQ(gateway.net_charged_cents(), 1999) << "only the approved charge moved money";
}

TEST(SandboxGateway, RetriesWithTheSameKeyNeverChargeTwiceEvenWhenTheyRace) {
  SandboxGateway gateway;
  std::vector<std::thread> threads;
  std::vector<PaymentOutcome> outcomes(16);
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&, i] { outcomes[i] = *gateway.Charge(Request("order-7", "tok_visa")); });
  }
  for (auto& t : threads) t.join();
  for (const auto& outcome : outcomes) EXPECT_EQ(outcome, outcomes.front());
  EXPECT_EQ(gateway.money_movements(), 1);
  EXPECT_EQ(gateway.net_charged_cents(), 1999);
}

TEST(SandboxGateway, RefundsAreIdempotentAndBounded) {
  SandboxGateway gateway;
  const PaymentOutcome charge = *gateway.Charge(Request("o1", "tok_visa", 5000));
  ASSERT_TRUE(gateway.Refund("o1:refund:1", charge.gateway_ref, 2000).ok());
  ASSERT_TRUE(gateway.Refund("o1:refund:1", charge.gateway_ref, 2000).ok()) << "a retry";
  EXPECT_EQ(gateway.net_charged_cents(), 3000);
  EXPECT_EQ(gateway.Refund("o1:refund:2", charge.gateway_ref, 3001).status().code(),
            absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(gateway.Refund("o1:refund:3", "sbx_ch_999", 1).status().code(),
            absl::StatusCode::kNotFound);
  EXPECT_EQ(gateway.Charge(Request("", "tok_visa")).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(gateway.Charge(Request("o9", "tok_visa", 0)).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aisle::commerce
