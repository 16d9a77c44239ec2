#include "commerce/fraud.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "base/status.h"

namespace aisle::commerce {
namespace {

// A returning customer whose order raises no rule: every signal known and
// unremarkable, so each test changes only what it is about.
FraudSignals Clean() {
  FraudSignals s;
  s.velocity.orders_last_hour = 0;
  s.velocity.order_value_last_24h = 120;
  s.velocity.failed_payments_last_hour = 0;
  s.payment.card_country = "US";
  s.payment.card_new_to_account = false;
  s.payment.cards_on_account_30d = 1;
  s.payment.accounts_on_card_30d = 1;
  s.payment.declines_last_24h = 0;
  s.geography.shipping_country = "US";
  s.geography.billing_country = "US";
  s.geography.ip_country = "US";
  s.geography.shipping_location = LatLon{40.71, -74.01};  // New York.
  s.geography.usual_location = LatLon{40.73, -73.99};
  s.behaviour.session_age_ms = 600'000;
  s.behaviour.products_viewed = 4;
  s.behaviour.first_view_to_order_ms = 300'000;
  s.behaviour.order_value = 120;
  s.behaviour.average_order_value = 100;
  s.behaviour.past_orders = 5;
  s.device.fingerprint_present = true;
  s.device.fingerprint_new_to_customer = false;
  s.device.accounts_on_fingerprint_30d = 1;
  return s;
}

// Every signal unknown or absent.
FraudSignals Unknown() {
  FraudSignals s;
  s.velocity.order_value_last_24h = std::numeric_limits<double>::quiet_NaN();
  s.behaviour.order_value = std::numeric_limits<double>::quiet_NaN();
  s.behaviour.past_orders = 3;  // Not a first-time buyer: that is a fact, not unknown.
  return s;
}

const FraudAnalyzerResult& Analyzer(const FraudAssessment& a, std::string_view name) {
  for (const FraudAnalyzerResult& r : a.analyzers) {
    if (r.name == name) return r;
  }
  ADD_FAILURE() << "no analyzer " << name;
  static const FraudAnalyzerResult kNone;
  return kNone;
}

bool HasFactor(const FraudAnalyzerResult& r, std::string_view code) {
  for (const FraudFactor& f : r.factors) {
    if (f.code == code) return true;
  }
  return false;
}

const FraudFactor& Factor(const FraudAnalyzerResult& r, std::string_view code) {
  for (const FraudFactor& f : r.factors) {
    if (f.code == code) return f;
  }
  ADD_FAILURE() << r.name << " has no factor " << code;
  static const FraudFactor kNone;
  return kNone;
}

FraudAnalyzerResult AnalyzerOf(const FraudSignals& s, std::string_view name,
                               const FraudSettings& settings = {}) {
  return Analyzer(AssessFraud(s, settings), name);
}

// --- Settings -------------------------------------------------------------------

TEST(FraudSettings, DefaultsAreTheSeedsAndValid) {
  const FraudSettings s;
  EXPECT_EQ(s.weights.velocity, 0.30);
  EXPECT_EQ(s.weights.payment, 0.25);
  EXPECT_EQ(s.weights.geography, 0.20);
  EXPECT_EQ(s.weights.behaviour, 0.15);
  EXPECT_EQ(s.weights.device, 0.10);
  EXPECT_EQ(s.velocity.max_orders_per_hour, 5);
  EXPECT_EQ(s.velocity.orders_per_hour_score, 0.8);
  EXPECT_EQ(s.velocity.max_order_value_per_day, 5000);
  EXPECT_EQ(s.velocity.order_value_per_day_score, 0.7);
  EXPECT_EQ(s.velocity.max_failed_payments_per_hour, 3);
  EXPECT_EQ(s.velocity.failed_payments_per_hour_score, 0.9);
  EXPECT_EQ(s.levels.medium, 0.5);
  EXPECT_EQ(s.levels.high, 0.8);
  EXPECT_EQ(s.levels.block, 0.9);
  EXPECT_TRUE(s.Validate().ok()) << s.Validate();
}

void ExpectInvalid(const FraudSettings& s, std::string_view field) {
  const absl::Status status = s.Validate();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << field;
  EXPECT_EQ(ErrorField(status), std::string(field)) << status;
}

TEST(FraudSettings, ValidateRejectsBadWeightsNamingTheField) {
  FraudSettings s;
  s.weights.payment = -0.05;
  s.weights.velocity = 0.60;  // Sums to 1, but one is negative.
  ExpectInvalid(s, "weights.payment");

  s = FraudSettings();
  s.weights.device = std::nan("");
  ExpectInvalid(s, "weights.device");

  s = FraudSettings();
  s.weights.device = 0.11;  // Sum 1.01.
  ExpectInvalid(s, "weights");

  s = FraudSettings();
  s.weights.device = 0.10 + 2e-9;  // Beyond the 1e-9 tolerance.
  ExpectInvalid(s, "weights");

  s = FraudSettings();
  s.weights = {1, 0, 0, 0, 0};  // Zero weights are allowed.
  EXPECT_TRUE(s.Validate().ok());
}

TEST(FraudSettings, ValidateRejectsNegativeThresholdsAndScoresOutOfRange) {
  FraudSettings s;
  s.velocity.max_orders_per_hour = -1;
  ExpectInvalid(s, "velocity.maxOrdersPerHour");

  s = FraudSettings();
  s.velocity.max_order_value_per_day = -0.01;
  ExpectInvalid(s, "velocity.maxOrderValuePerDay");

  s = FraudSettings();
  s.velocity.failed_payments_per_hour_score = 1.1;
  ExpectInvalid(s, "velocity.failedPaymentsPerHourScore");

  s = FraudSettings();
  s.payment.max_accounts_per_card_30d = -2;
  ExpectInvalid(s, "payment.maxAccountsPerCard30d");

  s = FraudSettings();
  s.geography.max_distance_from_usual_km = std::numeric_limits<double>::infinity();
  ExpectInvalid(s, "geography.maxDistanceFromUsualKm");

  s = FraudSettings();
  s.behaviour.min_session_age_ms = -1;
  ExpectInvalid(s, "behaviour.minSessionAgeMs");

  s = FraudSettings();
  s.behaviour.first_order_high_value_score = -0.1;
  ExpectInvalid(s, "behaviour.firstOrderHighValueScore");

  s = FraudSettings();
  s.device.max_accounts_per_device_30d = -1;
  ExpectInvalid(s, "device.maxAccountsPerDevice30d");
}

TEST(FraudSettings, ValidateRejectsLevelsOutOfOrder) {
  FraudSettings s;
  s.levels.medium = 0;
  ExpectInvalid(s, "levels.medium");

  s = FraudSettings();
  s.levels.high = 0.4;  // Below medium.
  ExpectInvalid(s, "levels.high");

  s = FraudSettings();
  s.levels.block = 0.75;  // Below high.
  ExpectInvalid(s, "levels.block");

  s = FraudSettings();
  s.levels.block = 1.5;  // Never blocks automatically: allowed.
  EXPECT_TRUE(s.Validate().ok());
}

TEST(FraudSettings, ValidateChecksTheIpTable) {
  FraudSettings s;
  s.ip_countries = {{"10.0.0.0/8", "US"}, {"10.0.0.0/33", "DE"}};
  ExpectInvalid(s, "ipCountries[1].cidr");
  s.ip_countries = {{"10.0.0.1/8", "US"}};  // Host bits set: probably a typo.
  ExpectInvalid(s, "ipCountries[0].cidr");
  s.ip_countries = {{"10.0.0.0/8", "US"}, {"10.0.0.0/8", "DE"}};
  ExpectInvalid(s, "ipCountries[1].cidr");
  s.ip_countries = {{"10.0.0.0/8", "us"}};
  ExpectInvalid(s, "ipCountries[0].country");
  s.ip_countries = {{"0.0.0.0/0", "US"}, {"10.1.0.0/16", "DE"}, {"192.0.2.7/32", "FR"}};
  EXPECT_TRUE(s.Validate().ok()) << s.Validate();
}

// --- IpCountry ----------------------------------------------------------------------

TEST(IpCountry, ReturnsTheCountryOfAMatchingRange) {
  const IpCountryTable table = {{"203.0.113.0/24", "AU"}, {"198.51.100.0/24", "DE"}};
  EXPECT_EQ(IpCountry("203.0.113.0", table), "AU");
  EXPECT_EQ(IpCountry("203.0.113.255", table), "AU");
  EXPECT_EQ(IpCountry("198.51.100.7", table), "DE");
  EXPECT_EQ(IpCountry("::ffff:198.51.100.7", table), "DE");
}

TEST(IpCountry, ReturnsNulloptWhenNoRangeMatches) {
  const IpCountryTable table = {{"203.0.113.0/24", "AU"}};
  EXPECT_EQ(IpCountry("203.0.114.0", table), std::nullopt);
  EXPECT_EQ(IpCountry("203.0.112.255", table), std::nullopt);
  EXPECT_EQ(IpCountry("203.0.113.1", {}), std::nullopt);
}

TEST(IpCountry, LongestPrefixWinsWhateverTheRowOrder) {
  const IpCountryTable table = {
      {"10.0.0.0/8", "US"}, {"10.1.2.0/24", "FR"}, {"10.1.0.0/16", "DE"}, {"0.0.0.0/0", "ZZ"}};
  EXPECT_EQ(IpCountry("10.1.2.3", table), "FR");
  EXPECT_EQ(IpCountry("10.1.3.3", table), "DE");
  EXPECT_EQ(IpCountry("10.2.0.1", table), "US");
  EXPECT_EQ(IpCountry("11.0.0.1", table), "ZZ");
  const IpCountryTable single = {{"192.0.2.7/32", "FR"}, {"192.0.2.0/31", "DE"}};
  EXPECT_EQ(IpCountry("192.0.2.7", single), "FR");
  EXPECT_EQ(IpCountry("192.0.2.6", single), std::nullopt);
  EXPECT_EQ(IpCountry("192.0.2.1", single), "DE");
}

TEST(IpCountry, MalformedAddressesAndRowsNeverMatch) {
  const IpCountryTable table = {{"0.0.0.0/0", "US"}};
  for (const char* ip : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "01.2.3.4", "1.2.3.4 ",
                         " 1.2.3.4", "1..2.3", "a.b.c.d", "2001:db8::1", "1.2.3.4/32"}) {
    EXPECT_EQ(IpCountry(ip, table), std::nullopt) << "'" << ip << "'";
  }
  EXPECT_EQ(IpCountry("0.0.0.0", table), "US");
  EXPECT_EQ(IpCountry("255.255.255.255", table), "US");
  const IpCountryTable bad_rows = {{"10.0.0.0", "US"}, {"10.0.0.1/8", "DE"}, {"10.0.0.0/8", "x"}};
  EXPECT_EQ(IpCountry("10.0.0.1", bad_rows), std::nullopt);
}

// --- Velocity (the seed's checkVelocityLimits) -----------------------------------------

TEST(FraudVelocity, FifthOrderInAnHourPassesAndSixthTriggers) {
  FraudSignals s = Clean();
  s.velocity.orders_last_hour = 4;  // This is the 5th.
  EXPECT_FALSE(AnalyzerOf(s, "velocity").triggered);
  EXPECT_EQ(AnalyzerOf(s, "velocity").score, 0);

  s.velocity.orders_last_hour = 5;  // This is the 6th.
  const FraudAnalyzerResult r = AnalyzerOf(s, "velocity");
  EXPECT_TRUE(r.triggered);
  EXPECT_EQ(r.score, 0.8);
  ASSERT_EQ(r.factors.size(), 1u);
  EXPECT_EQ(r.factors[0].code, "orders_per_hour_exceeded");
  EXPECT_EQ(r.factors[0].description, "6 orders in the last hour including this one (limit 5)");
  EXPECT_EQ(r.factors[0].contribution, 0.8);
}

TEST(FraudVelocity, OrderValueOverFiveThousandInADayTriggers) {
  FraudSignals s = Clean();
  s.velocity.order_value_last_24h = 5000;
  EXPECT_FALSE(AnalyzerOf(s, "velocity").triggered);

  s.velocity.order_value_last_24h = 5000.01;
  const FraudAnalyzerResult r = AnalyzerOf(s, "velocity");
  EXPECT_TRUE(r.triggered);
  EXPECT_EQ(r.score, 0.7);
  ASSERT_EQ(r.factors.size(), 1u);
  EXPECT_EQ(r.factors[0].code, "order_value_per_day_exceeded");
  EXPECT_EQ(r.factors[0].description,
            "5000.01 ordered in the last 24 h including this order (limit 5000.00)");
}

TEST(FraudVelocity, FourFailedPaymentsInAnHourTriggerAndThreeDoNot) {
  FraudSignals s = Clean();
  s.velocity.failed_payments_last_hour = 3;
  EXPECT_FALSE(AnalyzerOf(s, "velocity").triggered);

  s.velocity.failed_payments_last_hour = 4;
  const FraudAnalyzerResult r = AnalyzerOf(s, "velocity");
  EXPECT_TRUE(r.triggered);
  EXPECT_EQ(r.score, 0.9);
  EXPECT_EQ(Factor(r, "failed_payments_per_hour_exceeded").description,
            "4 failed payments in the last hour (limit 3)");
}

// checkVelocityLimits returns at the first limit exceeded, in its order:
// orders, value, failed payments. Not the max (0.9), not a sum.
TEST(FraudVelocity, FirstExceededLimitInTheSeedsOrderSetsTheScore) {
  FraudSignals s = Clean();
  s.velocity.orders_last_hour = 9;
  s.velocity.order_value_last_24h = 9000;
  s.velocity.failed_payments_last_hour = 10;
  const FraudAnalyzerResult r = AnalyzerOf(s, "velocity");
  EXPECT_EQ(r.score, 0.8);
  ASSERT_EQ(r.factors.size(), 3u);
  EXPECT_EQ(r.factors[0].code, "orders_per_hour_exceeded");
  EXPECT_EQ(r.factors[0].contribution, 0.8);
  // The others are reported for the reviewer but add nothing.
  EXPECT_EQ(r.factors[1].code, "order_value_per_day_exceeded");
  EXPECT_EQ(r.factors[1].contribution, 0);
  EXPECT_EQ(r.factors[2].code, "failed_payments_per_hour_exceeded");
  EXPECT_EQ(r.factors[2].contribution, 0);

  s.velocity.orders_last_hour = 0;  // Value is now first.
  EXPECT_EQ(AnalyzerOf(s, "velocity").score, 0.7);
}

TEST(FraudVelocity, LimitsAndScoresComeFromSettings) {
  FraudSettings settings;
  settings.velocity.max_orders_per_hour = 2;
  settings.velocity.orders_per_hour_score = 0.5;
  FraudSignals s = Clean();
  s.velocity.orders_last_hour = 1;  // 2nd order.
  EXPECT_FALSE(AnalyzerOf(s, "velocity", settings).triggered);
  s.velocity.orders_last_hour = 2;  // 3rd order.
  EXPECT_EQ(AnalyzerOf(s, "velocity", settings).score, 0.5);
}

// --- Payment -------------------------------------------------------------------------

TEST(FraudPayment, CardCountryDifferentFromBillingScoresPointSix) {
  FraudSignals s = Clean();
  s.payment.card_country = "us";  // Case does not matter.
  EXPECT_FALSE(AnalyzerOf(s, "payment").triggered);
  s.payment.card_country = "NG";
  const FraudAnalyzerResult r = AnalyzerOf(s, "payment");
  EXPECT_EQ(r.score, 0.6);
  EXPECT_EQ(Factor(r, "card_billing_country_mismatch").description,
            "card issued in NG, billing address in US");
}

TEST(FraudPayment, NewCardCountsOnlyOnAnAccountWithHistory) {
  FraudSignals s = Clean();
  s.payment.card_new_to_account = true;
  EXPECT_EQ(AnalyzerOf(s, "payment").score, 0.2);
  EXPECT_TRUE(HasFactor(AnalyzerOf(s, "payment"), "new_card"));
  s.behaviour.past_orders = 0;  // Every first order has a new card.
  EXPECT_FALSE(AnalyzerOf(s, "payment").triggered);
}

TEST(FraudPayment, CardAndAccountCountsTriggerAboveTheirLimits) {
  FraudSignals s = Clean();
  s.payment.cards_on_account_30d = 3;
  s.payment.accounts_on_card_30d = 2;
  s.payment.declines_last_24h = 2;
  EXPECT_FALSE(AnalyzerOf(s, "payment").triggered);

  s.payment.cards_on_account_30d = 4;
  EXPECT_EQ(AnalyzerOf(s, "payment").score, 0.5);
  s.payment.cards_on_account_30d = 3;
  s.payment.accounts_on_card_30d = 3;
  EXPECT_EQ(AnalyzerOf(s, "payment").score, 0.6);
  s.payment.accounts_on_card_30d = 2;
  s.payment.declines_last_24h = 3;
  const FraudAnalyzerResult r = AnalyzerOf(s, "payment");
  EXPECT_EQ(r.score, 0.4);
  EXPECT_EQ(Factor(r, "repeated_declines").description,
            "3 declined payments in the last 24 h (limit 2)");
}

// Rules add up; past 1 the score is capped and each contribution scaled by
// the same ratio, so the factors still sum to the score.
TEST(FraudPayment, ScoreIsTheCappedSumAndFactorsSumToIt) {
  FraudSignals s = Clean();
  s.payment.card_country = "NG";         // 0.6
  s.payment.card_new_to_account = true;  // 0.2
  EXPECT_DOUBLE_EQ(AnalyzerOf(s, "payment").score, 0.8);
  s.payment.accounts_on_card_30d = 5;  // 0.6
  s.payment.cards_on_account_30d = 9;  // 0.5
  s.payment.declines_last_24h = 7;     // 0.4 -> sum 2.3
  const FraudAnalyzerResult r = AnalyzerOf(s, "payment");
  EXPECT_EQ(r.score, 1.0);
  ASSERT_EQ(r.factors.size(), 5u);
  double sum = 0;
  for (const FraudFactor& f : r.factors) sum += f.contribution;
  EXPECT_NEAR(sum, 1.0, 1e-8);
  EXPECT_NEAR(Factor(r, "card_billing_country_mismatch").contribution, 0.6 / 2.3, 1e-9);
}

// --- Geography ---------------------------------------------------------------------------

TEST(FraudGeography, CountryMismatchesScoreTheirSettings) {
  FraudSignals s = Clean();
  s.geography.shipping_country = "CA";
  EXPECT_EQ(AnalyzerOf(s, "geography").score, 0.3);
  s.geography.shipping_country = "US";
  s.geography.ip_country = "RU";
  const FraudAnalyzerResult r = AnalyzerOf(s, "geography");
  EXPECT_EQ(r.score, 0.4);
  EXPECT_EQ(Factor(r, "ip_billing_country_mismatch").description,
            "request from an IP in RU, billing address in US");
  s.geography.shipping_country = "CA";
  EXPECT_DOUBLE_EQ(AnalyzerOf(s, "geography").score, 0.7);
}

TEST(FraudGeography, ShippingFarFromTheUsualLocationTriggersPastTheLimit) {
  FraudSignals s = Clean();
  s.geography.usual_location = LatLon{0, 0};
  // 1 degree of a great circle is 111.195 km: 4.49 degrees ~ 499.3 km.
  s.geography.shipping_location = LatLon{0, 4.49};
  EXPECT_FALSE(AnalyzerOf(s, "geography").triggered);
  s.geography.shipping_location = LatLon{0, 4.51};  // ~ 501.5 km.
  const FraudAnalyzerResult r = AnalyzerOf(s, "geography");
  EXPECT_EQ(r.score, 0.3);
  EXPECT_EQ(Factor(r, "far_from_usual_location").description,
            "shipping 501 km from the customer's usual location (limit 500 km)");
}

// --- Behaviour ----------------------------------------------------------------------------

TEST(FraudBehaviour, FastSessionsTriggerBelowTheirMinimums) {
  FraudSignals s = Clean();
  s.behaviour.session_age_ms = 60'000;
  s.behaviour.products_viewed = 1;
  s.behaviour.first_view_to_order_ms = 30'000;
  EXPECT_FALSE(AnalyzerOf(s, "behaviour").triggered);

  s.behaviour.session_age_ms = 59'999;
  EXPECT_EQ(AnalyzerOf(s, "behaviour").score, 0.3);
  EXPECT_TRUE(HasFactor(AnalyzerOf(s, "behaviour"), "new_session"));
  s.behaviour.session_age_ms = 60'000;
  s.behaviour.products_viewed = 0;
  EXPECT_TRUE(HasFactor(AnalyzerOf(s, "behaviour"), "little_browsing"));
  s.behaviour.products_viewed = 1;
  s.behaviour.first_view_to_order_ms = 29'999;
  const FraudAnalyzerResult r = AnalyzerOf(s, "behaviour");
  EXPECT_EQ(r.score, 0.3);
  EXPECT_EQ(Factor(r, "rushed_checkout").description,
            "ordered 29.999 s after the first product view (minimum 30 s)");
}

TEST(FraudBehaviour, OrderFarAboveTheCustomersAverageTriggers) {
  FraudSignals s = Clean();
  s.behaviour.average_order_value = 100;
  s.behaviour.order_value = 500;  // Exactly 5 times.
  EXPECT_FALSE(AnalyzerOf(s, "behaviour").triggered);
  s.behaviour.order_value = 500.01;
  EXPECT_EQ(AnalyzerOf(s, "behaviour").score, 0.4);
  s.behaviour.past_orders = 2;  // Too little history to call it unusual.
  EXPECT_FALSE(AnalyzerOf(s, "behaviour").triggered);
}

TEST(FraudBehaviour, FirstTimeBuyerWithAHighValueOrderTriggers) {
  FraudSignals s = Clean();
  s.behaviour.past_orders = 0;
  s.behaviour.average_order_value = std::nullopt;
  s.behaviour.order_value = 1000;
  EXPECT_FALSE(AnalyzerOf(s, "behaviour").triggered);
  s.behaviour.order_value = 1000.01;
  const FraudAnalyzerResult r = AnalyzerOf(s, "behaviour");
  EXPECT_EQ(r.score, 0.4);
  EXPECT_EQ(Factor(r, "first_order_high_value").description,
            "first order of this customer is 1000.01 (limit 1000.00)");
}

// --- Device -------------------------------------------------------------------------------

TEST(FraudDevice, SharedFingerprintTriggersAboveThreeAccounts) {
  FraudSignals s = Clean();
  s.device.accounts_on_fingerprint_30d = 3;
  EXPECT_FALSE(AnalyzerOf(s, "device").triggered);
  s.device.accounts_on_fingerprint_30d = 4;
  s.device.fingerprint_new_to_customer = true;
  const FraudAnalyzerResult r = AnalyzerOf(s, "device");
  EXPECT_DOUBLE_EQ(r.score, 1.0);  // 0.7 + 0.3.
  EXPECT_EQ(Factor(r, "device_shared_across_accounts").description,
            "device used by 4 accounts in 30 days (limit 3)");
  EXPECT_TRUE(HasFactor(r, "new_device"));
}

TEST(FraudDevice, NewFingerprintCountsOnlyForACustomerWithHistory) {
  FraudSignals s = Clean();
  s.device.fingerprint_new_to_customer = true;
  EXPECT_EQ(AnalyzerOf(s, "device").score, 0.3);
  s.behaviour.past_orders = 0;
  EXPECT_FALSE(AnalyzerOf(s, "device").triggered);
}

TEST(FraudDevice, MissingFingerprintScoresNothingAndHidesStaleCounts) {
  FraudSignals s = Clean();
  s.device.fingerprint_present = false;
  s.device.fingerprint_new_to_customer = true;
  s.device.accounts_on_fingerprint_30d = 50;
  EXPECT_FALSE(AnalyzerOf(s, "device").triggered);
}

// --- Unknown signals ------------------------------------------------------------------------

TEST(FraudAssessment, UnknownSignalsNeverTrigger) {
  const FraudAssessment a = AssessFraud(Unknown(), FraudSettings());
  ASSERT_EQ(a.analyzers.size(), 5u);
  for (const FraudAnalyzerResult& r : a.analyzers) {
    EXPECT_FALSE(r.triggered) << r.name << ": " << r.factors.front().code;
    EXPECT_EQ(r.score, 0) << r.name;
  }
  EXPECT_EQ(a.score, 0);
  EXPECT_EQ(a.action, FraudAction::kApprove);
}

// One known signal next to an unknown one: the comparison needs both sides.
TEST(FraudAssessment, AComparisonWithOneSideUnknownNeverTriggers) {
  FraudSignals s = Clean();
  s.geography.billing_country = std::nullopt;  // Card NG, IP RU, shipping CA: nothing to compare.
  s.payment.card_country = "NG";
  s.geography.ip_country = "RU";
  s.geography.shipping_country = "CA";
  EXPECT_FALSE(AnalyzerOf(s, "payment").triggered);
  EXPECT_FALSE(AnalyzerOf(s, "geography").triggered);

  s = Clean();
  s.geography.billing_country = "";  // Empty is unknown too.
  s.payment.card_country = "NG";
  EXPECT_FALSE(AnalyzerOf(s, "payment").triggered);

  s = Clean();
  s.geography.usual_location = std::nullopt;
  s.geography.shipping_location = LatLon{-33.9, 151.2};
  EXPECT_FALSE(AnalyzerOf(s, "geography").triggered);
  s.geography.usual_location = LatLon{std::nan(""), 0};  // Invalid = unknown.
  EXPECT_FALSE(AnalyzerOf(s, "geography").triggered);

  s = Clean();
  s.behaviour.average_order_value = std::nullopt;
  s.behaviour.order_value = 1e6;
  EXPECT_FALSE(AnalyzerOf(s, "behaviour").triggered);
}

TEST(FraudAssessment, CleanOrderIsApprovedWithNoFactors) {
  const FraudAssessment a = AssessFraud(Clean(), FraudSettings());
  ASSERT_EQ(a.analyzers.size(), 5u);
  EXPECT_EQ(a.analyzers[0].name, "velocity");
  EXPECT_EQ(a.analyzers[1].name, "payment");
  EXPECT_EQ(a.analyzers[2].name, "geography");
  EXPECT_EQ(a.analyzers[3].name, "behaviour");
  EXPECT_EQ(a.analyzers[4].name, "device");
  for (const FraudAnalyzerResult& r : a.analyzers) EXPECT_TRUE(r.factors.empty()) << r.name;
  EXPECT_EQ(a.score, 0);
  EXPECT_EQ(a.level, FraudLevel::kLow);
  EXPECT_EQ(a.action, FraudAction::kApprove);
}

// Every rule at once: each analyzer stays within [0, 1] and so does the total.
TEST(FraudAssessment, ScoresStayWithinZeroAndOneWhenEverythingFires) {
  FraudSignals s = Clean();
  s.velocity = {50, 1e9, 50};
  s.payment = {"NG", true, 20, 20, 20};
  s.geography.shipping_country = "CA";
  s.geography.ip_country = "RU";
  s.geography.shipping_location = LatLon{-33.9, 151.2};
  s.behaviour.session_age_ms = 0;
  s.behaviour.products_viewed = 0;
  s.behaviour.first_view_to_order_ms = 0;
  s.behaviour.order_value = 1e6;
  s.device.fingerprint_new_to_customer = true;
  s.device.accounts_on_fingerprint_30d = 40;
  const FraudAssessment a = AssessFraud(s, FraudSettings());
  for (const FraudAnalyzerResult& r : a.analyzers) {
    EXPECT_TRUE(r.triggered) << r.name;
    EXPECT_GT(r.score, 0) << r.name;
    EXPECT_LE(r.score, 1) << r.name;
  }
  // Velocity 0.8 (first limit), the others capped at 1.
  EXPECT_DOUBLE_EQ(a.score, 0.3 * 0.8 + 0.25 + 0.20 + 0.15 + 0.10);
  EXPECT_EQ(a.level, FraudLevel::kHigh);
  EXPECT_EQ(a.action, FraudAction::kBlock);
}

// The seed's riskScore, by hand:
//   velocity  6th order          0.8 * 0.30 = 0.24
//   payment   card NG / bill US  0.6 * 0.25 = 0.15
//   geography IP RU / bill US    0.4 * 0.20 = 0.08
//   behaviour session 10 s old   0.3 * 0.15 = 0.045
//   device    5 accounts         0.7 * 0.10 = 0.07
//   total                                     0.585 -> medium, review
TEST(FraudAssessment, TotalIsTheWeightedSumOfTheAnalyzers) {
  FraudSignals s = Clean();
  s.velocity.orders_last_hour = 5;
  s.payment.card_country = "NG";
  s.geography.ip_country = "RU";
  s.behaviour.session_age_ms = 10'000;
  s.device.accounts_on_fingerprint_30d = 5;
  const FraudAssessment a = AssessFraud(s, FraudSettings());
  EXPECT_EQ(Analyzer(a, "velocity").score, 0.8);
  EXPECT_EQ(Analyzer(a, "payment").score, 0.6);
  EXPECT_EQ(Analyzer(a, "geography").score, 0.4);
  EXPECT_EQ(Analyzer(a, "behaviour").score, 0.3);
  EXPECT_EQ(Analyzer(a, "device").score, 0.7);
  EXPECT_EQ(a.score, 0.585);
  EXPECT_EQ(a.level, FraudLevel::kMedium);
  EXPECT_EQ(a.action, FraudAction::kReview);

  FraudSettings heavy_device;  // The weights are settings too.
  heavy_device.weights = {0.2, 0.2, 0.2, 0.2, 0.2};
  EXPECT_EQ(AssessFraud(s, heavy_device).score, 0.56);
}

// 0.8*0.30 + 0.4*0.25 + 0.6*0.15 + 0.7*0.10 is 0.49999999999999994 in
// doubles, with or without fused multiply-adds; the total is rounded so that
// it lands on the threshold a person computes from the factors.
TEST(FraudAssessment, TotalOnTheMediumThresholdIsMediumDespiteFloatingNoise) {
  FraudSignals s = Clean();
  s.velocity.orders_last_hour = 5;             // 0.8
  s.payment.declines_last_24h = 3;             // 0.4
  s.behaviour.session_age_ms = 1'000;          // 0.3
  s.behaviour.first_view_to_order_ms = 1'000;  // + 0.3
  s.device.accounts_on_fingerprint_30d = 4;    // 0.7
  const FraudAssessment a = AssessFraud(s, FraudSettings());
  double raw = 0;
  for (const FraudAnalyzerResult& r : a.analyzers) raw += r.weight * r.score;
  EXPECT_LT(raw, 0.5);  // The noise this test is about.
  EXPECT_EQ(a.score, 0.5);
  EXPECT_EQ(a.level, FraudLevel::kMedium);
  EXPECT_EQ(a.action, FraudAction::kReview);
}

// --- Levels and actions -------------------------------------------------------------------

TEST(FraudLevel, BoundariesAreInclusive) {
  const FraudRiskLevels levels;
  EXPECT_EQ(FraudLevelFor(0, levels), FraudLevel::kLow);
  EXPECT_EQ(FraudLevelFor(0.4999, levels), FraudLevel::kLow);
  EXPECT_EQ(FraudLevelFor(0.5, levels), FraudLevel::kMedium);
  EXPECT_EQ(FraudLevelFor(0.7999, levels), FraudLevel::kMedium);
  EXPECT_EQ(FraudLevelFor(0.8, levels), FraudLevel::kHigh);
  EXPECT_EQ(FraudLevelFor(0.8999, levels), FraudLevel::kHigh);
  EXPECT_EQ(FraudLevelFor(0.9, levels), FraudLevel::kHigh);
  EXPECT_EQ(FraudLevelFor(1, levels), FraudLevel::kHigh);
}

TEST(FraudAction, ApproveBelowMediumReviewUpToBlockBlockFromIt) {
  const FraudRiskLevels levels;
  EXPECT_EQ(FraudActionFor(0.4999, levels), FraudAction::kApprove);
  EXPECT_EQ(FraudActionFor(0.5, levels), FraudAction::kReview);
  EXPECT_EQ(FraudActionFor(0.7999, levels), FraudAction::kReview);
  EXPECT_EQ(FraudActionFor(0.8, levels), FraudAction::kReview);  // High, but not blocked.
  EXPECT_EQ(FraudActionFor(0.8999, levels), FraudAction::kReview);
  EXPECT_EQ(FraudActionFor(0.9, levels), FraudAction::kBlock);
  EXPECT_EQ(FraudActionFor(1, levels), FraudAction::kBlock);
}

TEST(FraudLevel, ThresholdsComeFromSettings) {
  const FraudRiskLevels levels{0.3, 0.6, 0.7};
  EXPECT_EQ(FraudLevelFor(0.29, levels), FraudLevel::kLow);
  EXPECT_EQ(FraudLevelFor(0.3, levels), FraudLevel::kMedium);
  EXPECT_EQ(FraudLevelFor(0.6, levels), FraudLevel::kHigh);
  EXPECT_EQ(FraudActionFor(0.69, levels), FraudAction::kReview);
  EXPECT_EQ(FraudActionFor(0.7, levels), FraudAction::kBlock);
  EXPECT_EQ(FraudActionFor(1, FraudRiskLevels{0.5, 0.8, 1.5}), FraudAction::kReview);
}

TEST(FraudLevel, NamesAreTheWireNames) {
  EXPECT_EQ(FraudLevelName(FraudLevel::kLow), "low");
  EXPECT_EQ(FraudLevelName(FraudLevel::kMedium), "medium");
  EXPECT_EQ(FraudLevelName(FraudLevel::kHigh), "high");
  EXPECT_EQ(FraudActionName(FraudAction::kApprove), "approve");
  EXPECT_EQ(FraudActionName(FraudAction::kReview), "review");
  EXPECT_EQ(FraudActionName(FraudAction::kBlock), "block");
}

}  // namespace
}  // namespace aisle::commerce
