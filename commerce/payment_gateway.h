// PaymentGateway: how an order is charged (issue D). The order flow talks to
// this interface only; main.cc wires the built-in SandboxGateway (or, later,
// a real processor's client).
//
// Money is int64 minor units (cents). Every call carries an idempotency key
// (the order id plus the operation): a retry with the same key returns the
// first call's result and never moves money twice, which is what lets the
// order flow retry after a timeout without double charging.
//
// Cards never reach aisle: the storefront tokenizes them with the gateway's
// client library and sends a token; the gateway answers with the card's
// last 4 digits, the only card data aisle keeps.
//
// Thread-safety: implementations must allow concurrent calls.
#ifndef AISLE_COMMERCE_PAYMENT_GATEWAY_H_
#define AISLE_COMMERCE_PAYMENT_GATEWAY_H_

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/status.h"

namespace aisle::commerce {

struct ChargeRequest {
  std::string idempotency_key;  // Required, e.g. "<order id>:capture".
  std::string token;            // The storefront's card token.
  int64_t amount_cents = 0;     // > 0.
  std::string currency;         // ISO 4217, e.g. "USD".
};

// The outcome of a call the gateway answered. A decline is a result, not an
// error; an unreachable or timed-out gateway is an error (Unavailable or
// DeadlineExceeded): the caller does not know whether money moved, and
// retries with the same idempotency key to find out.
struct PaymentOutcome {
  bool approved = false;
  std::string gateway_ref;     // The gateway's id of the charge (approved or not).
  std::string card_last4;      // 4 digits when the token named a card.
  std::string decline_reason;  // When declined: "card_declined", "insufficient_funds", ...
  bool operator==(const PaymentOutcome&) const = default;
};

// What the gateway knows about a token's card before anything is charged.
struct CardDetails {
  std::string last4;
  std::string country;  // ISO 3166-1 alpha-2 of the issuer, or empty when unknown.
};

class PaymentGateway {
 public:
  virtual ~PaymentGateway() = default;

  // The card behind `token` (fraud screening compares its country with the
  // billing address). NotFound for an unknown token; Unimplemented when the
  // gateway cannot say (screening then treats the country as unknown).
  virtual absl::StatusOr<CardDetails> DescribeCard(const std::string& token) {
    return absl::UnimplementedError("this gateway does not describe cards");
  }

  // Authorizes and captures `amount_cents` on the token's card.
  virtual absl::StatusOr<PaymentOutcome> Charge(const ChargeRequest& request) = 0;

  // Returns `amount_cents` of an approved charge (at most what is left of
  // it). NotFound for an unknown charge; FailedPrecondition beyond the
  // charge's amount.
  virtual absl::StatusOr<PaymentOutcome> Refund(const std::string& idempotency_key,
                                                const std::string& gateway_ref,
                                                int64_t amount_cents) = 0;
};

// The built-in gateway for development, tests and the demo storefront. Test
// tokens (any other token is declined as "invalid_token"):
//   tok_visa                 approved, last4 4242
//   tok_mastercard           approved, last4 4444
//   tok_visa_gb              approved, last4 0005, issued in GB
//   tok_declined             declined "card_declined", last4 0002
//   tok_insufficient_funds   declined "insufficient_funds", last4 9995
//   tok_timeout              DeadlineExceeded, nothing charged
// Charges live in memory (a restart forgets them; the order store keeps what
// was charged).
class SandboxGateway : public PaymentGateway {
 public:
  absl::StatusOr<PaymentOutcome> Charge(const ChargeRequest& request) override;
  absl::StatusOr<PaymentOutcome> Refund(const std::string& idempotency_key,
                                        const std::string& gateway_ref,
                                        int64_t amount_cents) override;
  // Test cards are issued in the US, except tok_visa_gb.
  absl::StatusOr<CardDetails> DescribeCard(const std::string& token) override;

  // Minor units charged and not refunded, over every approved charge.
  int64_t net_charged_cents() const;
  // Calls that moved money (approved charges and refunds), retries excluded.
  int money_movements() const;

 private:
  struct Charged {
    int64_t amount_cents = 0;
    int64_t refunded_cents = 0;
  };
  mutable std::mutex mu_;
  std::map<std::string, PaymentOutcome> by_key_;  // Guarded by mu_: idempotency.
  std::map<std::string, Charged> charges_;        // Guarded by mu_: by gateway_ref.
  int next_ref_ = 0;                              // Guarded by mu_.
  int movements_ = 0;                             // Guarded by mu_.
};

}  // namespace aisle::commerce

#endif  // AISLE_COMMERCE_PAYMENT_GATEWAY_H_
