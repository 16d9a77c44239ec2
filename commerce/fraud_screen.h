// FraudScreen: an order's fraud signals gathered from the stores and the
// payment gateway, scored by the seed's analyzers (commerce/fraud.h) with
// the current settings. Checkout screens every order before anything is
// charged (commerce/order_service.h).
//
// Where each signal comes from:
//   velocity   the user's orders in the last hour and their totals in the
//              last 24 h (this currency, this order included), failed
//              payments in the last hour (store::OrderStore);
//   payment    the card's issuing country (PaymentGateway::DescribeCard), its
//              reuse over 30 days (CardUsage: the token is the card's
//              identity), declines in the last 24 h;
//   geography  shipping and billing countries, the IP's country (the
//              settings' IP-range table), the distance from the mean of the
//              customer's past shipping coordinates;
//   behaviour  the storefront session's events (age, products viewed, time
//              from the first view), the order's value against the
//              customer's past placed orders;
//   device     the fingerprint's use by this and other accounts over 30 days.
// Money is converted to major units assuming 2 decimals (cents), as the
// seed's 5000 limit is in dollars.
//
// Ownership: borrows the clock, stores and gateway (all must outlive it).
// Thread-safety: every method may be called from any thread; Screen reads
// SQLite (call it off the I/O threads).
#ifndef AISLE_COMMERCE_FRAUD_SCREEN_H_
#define AISLE_COMMERCE_FRAUD_SCREEN_H_

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "commerce/fraud.h"
#include "commerce/payment_gateway.h"
#include "store/event_store.h"
#include "store/order_store.h"

namespace aisle::commerce {

// What checkout knows about the order being screened.
struct ScreeningRequest {
  std::string user_id;
  std::string currency;
  int64_t total_cents = 0;
  std::string payment_token;
  store::ShippingAddress shipping;
  std::string billing_country;     // Empty: unknown.
  std::string ip_address;          // As the storefront sent it; empty: unknown.
  std::string device_fingerprint;  // Empty: none sent.
  std::string session_id;          // The storefront's session; empty: unknown.
};

class FraudScreen {
 public:
  // `settings` must be valid (FraudSettings::Validate).
  FraudScreen(const Clock& clock, const store::OrderStore* orders, const store::EventStore* events,
              PaymentGateway* gateway, FraudSettings settings = {});

  // Replaces the settings (GET|PUT /v1/settings/fraud); screenings already
  // running finish with the old ones.
  void SetSettings(FraudSettings settings);
  FraudSettings settings() const;

  absl::StatusOr<FraudSignals> Gather(const ScreeningRequest& request) const;
  // Gather + AssessFraud with the current settings.
  absl::StatusOr<FraudAssessment> Screen(const ScreeningRequest& request) const;

 private:
  std::shared_ptr<const FraudSettings> current() const;
  absl::StatusOr<FraudSignals> GatherWith(const ScreeningRequest& request,
                                          const FraudSettings& settings) const;
  absl::Status GatherVelocity(const ScreeningRequest& r, int64_t now, FraudSignals* s) const;
  absl::Status GatherPayment(const ScreeningRequest& r, int64_t now, FraudSignals* s) const;
  absl::Status GatherHistory(const ScreeningRequest& r, FraudSignals* s) const;
  absl::Status GatherSession(const ScreeningRequest& r, int64_t now, FraudSignals* s) const;
  absl::Status GatherDevice(const ScreeningRequest& r, int64_t now, FraudSignals* s) const;

  const Clock& clock_;
  const store::OrderStore* orders_;
  const store::EventStore* events_;
  PaymentGateway* gateway_;
  mutable std::mutex mu_;
  std::shared_ptr<const FraudSettings> settings_;  // Guarded by mu_.
};

// The assessment as stored with the order (store::RiskRecord::details) and
// returned by GET /v1/orders/{id}/risk: {"score", "level", "action",
// "analyzers": [{"name", "weight", "score", "triggered", "factors": [{"code",
// "description", "contribution"}]}]}. Numbers are rounded to 4 decimals (the
// store refuses long digit runs in ledger text).
std::string AssessmentJson(const FraudAssessment& assessment);

// The record stored with the order; a review action starts a pending review.
store::RiskRecord RiskRecordOf(const FraudAssessment& assessment);

}  // namespace aisle::commerce

#endif  // AISLE_COMMERCE_FRAUD_SCREEN_H_
