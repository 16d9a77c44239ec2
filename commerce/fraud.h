// Fraud screening (issue E): the seed's analyzeOrderForFraud as a pure
// scoring engine.
//
//   total = velocity*0.30 + payment*0.25 + geography*0.20
//         + behaviour*0.15 + device*0.10                (weights configurable)
//   level  = high >= 0.8 > medium >= 0.5 > low
//   action = block >= 0.9 > review >= 0.5 > approve
//
// Each analyzer scores its own signals in [0, 1] and names the rules that
// fired (factors), so a reviewer can read why an order was held. Velocity is
// the seed's checkVelocityLimits exactly; the four analyzers the seed leaves
// open are defined here and in docs/FRAUD.md (rules, scores, defaults, why).
//
// No I/O: the checkout gathers FraudSignals (velocity counts from
// store/order_store.h, the IP country through IpCountry, session facts from
// the behaviour events) and calls AssessFraud. Everything here is a pure
// function of its arguments, so it is thread-safe and deterministic.
//
// Unknown is not suspicious: a signal the checkout could not obtain is
// std::nullopt (or the documented neutral value) and never makes a rule fire
// by itself.
#ifndef AISLE_COMMERCE_FRAUD_H_
#define AISLE_COMMERCE_FRAUD_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/geo.h"
#include "base/status.h"

namespace aisle::commerce {

// --- IP country table -------------------------------------------------------

// One IPv4 range, e.g. {"203.0.113.0/24", "AU"}. The CIDR's host bits must be
// zero; the country is an ISO 3166-1 alpha-2 code in upper case.
struct IpCountryRange {
  std::string cidr;
  std::string country;
  bool operator==(const IpCountryRange&) const = default;
};

// A small, operator-maintained table (at most kMaxIpCountryRanges rows).
// Lookups scan it, which costs microseconds for the sizes intended here; a
// full GeoIP database would need a real index.
using IpCountryTable = std::vector<IpCountryRange>;
inline constexpr size_t kMaxIpCountryRanges = 1024;

// InvalidArgument with field "ipCountries[i].cidr" / "ipCountries[i].country"
// for a malformed CIDR, host bits set, a duplicate CIDR or a bad country.
absl::Status ValidateIpCountryTable(const IpCountryTable& table);

// The country of the longest range containing `ip` (a dotted-quad IPv4
// address, or one mapped into IPv6 as "::ffff:a.b.c.d"); among equal
// prefixes the first row wins. nullopt when no range matches, when `ip` is
// malformed (leading zeros count as malformed: "010.0.0.1" is octal to some
// parsers and decimal to others) or IPv6. Rows that fail validation are
// skipped, so an unvalidated table never matches by accident.
std::optional<std::string> IpCountry(std::string_view ip, const IpCountryTable& table);

// --- Signals ------------------------------------------------------------------

// Counted from the stored orders and payments (store/order_store.h's
// CountOrders, SumOrderTotals, CountFailedPayments), as of the checkout.
struct VelocitySignals {
  // Orders the user created in the last hour BEFORE this one (any status).
  // The rule counts this order too, as the seed's getOrderCount does.
  int64_t orders_last_hour = 0;
  // Total value of the user's orders created in the last 24 h INCLUDING this
  // order, in major units of this order's currency (dollars, not cents),
  // because the seed compares it with 5000. Orders in other currencies are
  // not included.
  double order_value_last_24h = 0;
  // Payment attempts of the user that failed in the last hour (declines,
  // gateway errors), not counting this order's, which has not run yet.
  int64_t failed_payments_last_hour = 0;
};

struct PaymentSignals {
  // Issuing country of the card (ISO 3166-1 alpha-2), nullopt when the
  // gateway does not report it. Compared with GeographySignals::billing_country.
  std::optional<std::string> card_country;
  // True when this card (token fingerprint) was never used by the account
  // before; nullopt when the gateway gives no stable card identity.
  std::optional<bool> card_new_to_account;
  // Distinct cards the account used in the last 30 days, this one included;
  // nullopt when unknown.
  std::optional<int64_t> cards_on_account_30d;
  // Distinct accounts that used this card in the last 30 days, this one
  // included; nullopt when the card has no stable identity.
  std::optional<int64_t> accounts_on_card_30d;
  // Declined payments of the account in the last 24 h (0 when none).
  int64_t declines_last_24h = 0;
};

struct GeographySignals {
  // ISO 3166-1 alpha-2 codes, compared case-insensitively; nullopt (or an
  // empty string) = unknown.
  std::optional<std::string> shipping_country;
  std::optional<std::string> billing_country;  // Also used by the payment analyzer.
  // The country of the request's IP, from IpCountry(); nullopt when the
  // storefront passed no IP or no range matched.
  std::optional<std::string> ip_country;
  // Coordinates of this order's shipping address, and the customer's usual
  // shipping location (the mean of past orders' shipping coordinates);
  // nullopt (or an invalid LatLon, base/geo.h) = unknown.
  std::optional<LatLon> shipping_location;
  std::optional<LatLon> usual_location;
};

struct BehaviourSignals {
  // Milliseconds since the session's first event; nullopt without a session.
  std::optional<int64_t> session_age_ms;
  // Distinct products viewed in this session before checkout; nullopt
  // without a session (events not tracked), which is not the same as 0.
  std::optional<int64_t> products_viewed;
  // Milliseconds from the session's first product view to this order;
  // nullopt when there was no view or no session.
  std::optional<int64_t> first_view_to_order_ms;
  // This order's total, major units of its currency.
  double order_value = 0;
  // Mean total of the customer's past orders in this currency; nullopt when
  // there are none.
  std::optional<double> average_order_value;
  // Orders the customer placed before this one, ever (0 = first-time buyer).
  // Also used by the payment, geography and device analyzers: a new card or
  // device is only notable on an account with a history.
  int64_t past_orders = 0;
};

struct DeviceSignals {
  // False when the storefront sent no fingerprint. Absence scores nothing:
  // API clients and privacy-minded browsers send none legitimately.
  bool fingerprint_present = false;
  // True when the customer's past orders never carried this fingerprint;
  // nullopt when unknown (or no fingerprint).
  std::optional<bool> fingerprint_new_to_customer;
  // Distinct accounts seen with this fingerprint in the last 30 days, this
  // one included; nullopt when unknown (or no fingerprint).
  std::optional<int64_t> accounts_on_fingerprint_30d;
};

// Everything AssessFraud reads. Each signal appears once; analyzers may read
// other analyzers' signals (e.g. behaviour.past_orders).
struct FraudSignals {
  VelocitySignals velocity;
  PaymentSignals payment;
  GeographySignals geography;
  BehaviourSignals behaviour;
  DeviceSignals device;
};

// --- Settings -----------------------------------------------------------------
//
// Scores are in [0, 1]; thresholds are finite and >= 0. Validate() names the
// offending field by its JSON path in GET|PUT /v1/settings/fraud (camelCase,
// e.g. "velocity.maxOrdersPerHour"), which docs/FRAUD.md lists in full.

// The seed's analyzeOrderForFraud weights. Each >= 0; they must sum to 1
// within 1e-9, so that the total stays in [0, 1] and the level thresholds
// keep their meaning.
struct FraudWeights {
  double velocity = 0.30;
  double payment = 0.25;
  double geography = 0.20;
  double behaviour = 0.15;
  double device = 0.10;
};

// The seed's FraudDetectionRules.velocityChecks and checkVelocityLimits'
// scores. A limit is exceeded when the count is strictly greater.
struct VelocityRules {
  int64_t max_orders_per_hour = 5;  // This order included: the 6th fires.
  double orders_per_hour_score = 0.8;
  double max_order_value_per_day = 5000;  // Major units, this order included.
  double order_value_per_day_score = 0.7;
  int64_t max_failed_payments_per_hour = 3;
  double failed_payments_per_hour_score = 0.9;
};

struct PaymentRules {
  double card_billing_country_mismatch_score = 0.6;
  // A card new to an account with at least this many past orders.
  int64_t new_card_min_past_orders = 1;
  double new_card_score = 0.2;
  int64_t max_cards_per_account_30d = 3;  // More fires.
  double many_cards_score = 0.5;
  int64_t max_accounts_per_card_30d = 2;  // More fires.
  double shared_card_score = 0.6;
  int64_t max_declines_per_day = 2;  // More fires.
  double declines_score = 0.4;
};

struct GeographyRules {
  double shipping_billing_country_mismatch_score = 0.3;
  double ip_billing_country_mismatch_score = 0.4;
  double max_distance_from_usual_km = 500;  // Farther fires.
  double far_from_usual_score = 0.3;
};

struct BehaviourRules {
  int64_t min_session_age_ms = 60'000;  // Younger fires.
  double new_session_score = 0.3;
  int64_t min_products_viewed = 1;  // Fewer fires.
  double no_browsing_score = 0.3;
  int64_t min_first_view_to_order_ms = 30'000;  // Faster fires.
  double rushed_checkout_score = 0.3;
  // order_value > ratio * average, for customers with >= min past orders.
  int64_t unusual_value_min_past_orders = 3;
  double max_value_to_average_ratio = 5;
  double unusual_value_score = 0.4;
  // A first-time buyer's order above this (major units).
  double first_order_max_value = 1000;
  double first_order_high_value_score = 0.4;
};

struct DeviceRules {
  // A fingerprint new to a customer with at least this many past orders.
  int64_t new_device_min_past_orders = 1;
  double new_device_score = 0.3;
  int64_t max_accounts_per_device_30d = 3;  // More fires.
  double shared_device_score = 0.7;
};

// The seed's riskScoring. A score at a threshold is at that level:
// low < medium <= score < high <= score; block when score >= block.
// Need 0 < medium <= high <= block; block > 1 disables automatic blocking.
struct FraudRiskLevels {
  double medium = 0.5;
  double high = 0.8;
  double block = 0.9;
};

struct FraudSettings {
  FraudWeights weights;
  VelocityRules velocity;
  PaymentRules payment;
  GeographyRules geography;
  BehaviourRules behaviour;
  DeviceRules device;
  FraudRiskLevels levels;
  IpCountryTable ip_countries;  // For the checkout's IpCountry() call.

  // InvalidArgument naming the offending field (see above).
  absl::Status Validate() const;
};

// --- Assessment ---------------------------------------------------------------

enum class FraudLevel : uint8_t { kLow, kMedium, kHigh };
enum class FraudAction : uint8_t { kApprove, kReview, kBlock };

// "low" | "medium" | "high"; "approve" | "review" | "block".
std::string_view FraudLevelName(FraudLevel level);
std::string_view FraudActionName(FraudAction action);

// The level and action of a total score (thresholds inclusive).
FraudLevel FraudLevelFor(double score, const FraudRiskLevels& levels);
FraudAction FraudActionFor(double score, const FraudRiskLevels& levels);

// One rule that fired.
struct FraudFactor {
  std::string code;         // Stable snake_case, e.g. "orders_per_hour_exceeded".
  std::string description;  // With the numbers, e.g. "6 orders in the last hour (limit 5)".
  // What the rule added to its analyzer's score: the analyzer's factors sum
  // to its score (0 for a velocity limit the seed does not score, see
  // docs/FRAUD.md).
  double contribution = 0;
};

struct FraudAnalyzerResult {
  std::string name;  // "velocity", "payment", "geography", "behaviour", "device".
  double weight = 0;
  double score = 0;        // In [0, 1].
  bool triggered = false;  // At least one rule fired (factors is not empty).
  std::vector<FraudFactor> factors;
};

struct FraudAssessment {
  // The five analyzers in the seed's order: velocity, payment, geography,
  // behaviour, device.
  std::vector<FraudAnalyzerResult> analyzers;
  // Sum of weight * score, in [0, 1], rounded to 9 decimals so that floating
  // noise (0.49999999999999994) never moves an order across a threshold.
  double score = 0;
  FraudLevel level = FraudLevel::kLow;
  FraudAction action = FraudAction::kApprove;
};

// Scores `signals`. `settings` must pass Validate(); with settings that do
// not, the result is still finite and in [0, 1] but otherwise unspecified.
FraudAssessment AssessFraud(const FraudSignals& signals, const FraudSettings& settings);

}  // namespace aisle::commerce

#endif  // AISLE_COMMERCE_FRAUD_H_
