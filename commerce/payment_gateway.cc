#include "commerce/payment_gateway.h"

#include "absl/strings/str_cat.h"

namespace aisle::commerce {
namespace {

struct TestCard {
  const char* token;
  bool approved;
  const char* last4;
  const char* decline_reason;
  const char* country;  // Where the card was issued.
};

constexpr TestCard kTestCards[] = {
    {"tok_visa", true, "4242", "", "US"},
    {"tok_mastercard", true, "4444", "", "US"},
    {"tok_visa_gb", true, "0005", "", "GB"},
    {"tok_declined", false, "0002", "card_declined", "US"},
    {"tok_insufficient_funds", false, "9995", "insufficient_funds", "US"},
};

}  // namespace

absl::StatusOr<PaymentOutcome> SandboxGateway::Charge(const ChargeRequest& request) {
  if (request.idempotency_key.empty()) {
    return InvalidArgumentError("a charge needs an idempotency key", "idempotency_key");
  }
  if (request.amount_cents <= 0) {
    return InvalidArgumentError("a charge must be > 0", "amount_cents");
  }
  if (request.token == "tok_timeout") {
    return absl::DeadlineExceededError("sandbox gateway: timed out (test token tok_timeout)");
  }
  std::lock_guard lock(mu_);
  if (auto it = by_key_.find(request.idempotency_key); it != by_key_.end()) return it->second;
  PaymentOutcome outcome;
  outcome.gateway_ref = absl::StrCat("sbx_ch_", ++next_ref_);
  outcome.decline_reason = "invalid_token";
  for (const TestCard& card : kTestCards) {
    if (request.token != card.token) continue;
    outcome.approved = card.approved;
    outcome.card_last4 = card.last4;
    outcome.decline_reason = card.decline_reason;
  }
  if (outcome.approved) {
    charges_[outcome.gateway_ref] = {request.amount_cents, 0};
    ++movements_;
  }
  by_key_[request.idempotency_key] = outcome;
  return outcome;
}

absl::StatusOr<PaymentOutcome> SandboxGateway::Refund(const std::string& idempotency_key,
                                                      const std::string& gateway_ref,
                                                      int64_t amount_cents) {
  if (idempotency_key.empty()) {
    return InvalidArgumentError("a refund needs an idempotency key", "idempotency_key");
  }
  if (amount_cents <= 0) return InvalidArgumentError("a refund must be > 0", "amount_cents");
  std::lock_guard lock(mu_);
  if (auto it = by_key_.find(idempotency_key); it != by_key_.end()) return it->second;
  auto charge = charges_.find(gateway_ref);
  if (charge == charges_.end()) {
    return absl::NotFoundError(absl::StrCat("sandbox gateway: no charge '", gateway_ref, "'"));
  }
  if (charge->second.refunded_cents + amount_cents > charge->second.amount_cents) {
    return absl::FailedPreconditionError("sandbox gateway: refund exceeds the charge");
  }
  charge->second.refunded_cents += amount_cents;
  ++movements_;
  PaymentOutcome outcome{.approved = true, .gateway_ref = absl::StrCat("sbx_re_", ++next_ref_)};
  by_key_[idempotency_key] = outcome;
  return outcome;
}

absl::StatusOr<CardDetails> SandboxGateway::DescribeCard(const std::string& token) {
  for (const TestCard& card : kTestCards) {
    if (token == card.token) return CardDetails{.last4 = card.last4, .country = card.country};
  }
  return absl::NotFoundError("sandbox gateway: unknown card token");
}

int64_t SandboxGateway::net_charged_cents() const {
  std::lock_guard lock(mu_);
  int64_t net = 0;
  for (const auto& [ref, charge] : charges_) net += charge.amount_cents - charge.refunded_cents;
  return net;
}

int SandboxGateway::money_movements() const {
  std::lock_guard lock(mu_);
  return movements_;
}

}  // namespace aisle::commerce
