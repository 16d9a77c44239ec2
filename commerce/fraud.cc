#include "commerce/fraud.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace aisle::commerce {
namespace {

// This abseil's string_view is its own type, not std::string_view.
absl::string_view Absl(std::string_view s) { return absl::string_view(s.data(), s.size()); }

// --- IPv4 parsing -------------------------------------------------------------

// A decimal octet 0..255 without leading zeros.
std::optional<uint32_t> ParseOctet(std::string_view s) {
  if (s.empty() || s.size() > 3 || (s.size() > 1 && s[0] == '0')) return std::nullopt;
  uint32_t value = 0;
  for (char c : s) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 10 + static_cast<uint32_t>(c - '0');
  }
  if (value > 255) return std::nullopt;
  return value;
}

std::optional<uint32_t> ParseIpv4(std::string_view s) {
  uint32_t address = 0;
  for (int i = 0; i < 4; ++i) {
    const size_t dot = i < 3 ? s.find('.') : s.size();
    if (dot == std::string_view::npos) return std::nullopt;
    const std::optional<uint32_t> octet = ParseOctet(s.substr(0, dot));
    if (!octet) return std::nullopt;
    address = (address << 8) | *octet;
    s.remove_prefix(i < 3 ? dot + 1 : dot);
  }
  if (!s.empty()) return std::nullopt;
  return address;
}

uint32_t PrefixMask(int prefix_length) {
  return prefix_length == 0 ? 0 : ~uint32_t{0} << (32 - prefix_length);
}

struct Cidr {
  uint32_t network = 0;
  int prefix_length = 0;
};

enum class CidrError : uint8_t { kNone, kMalformed, kHostBits };

// "a.b.c.d/n" with n in 0..32 and no host bits set.
std::pair<Cidr, CidrError> ParseCidr(std::string_view s) {
  const size_t slash = s.find('/');
  if (slash == std::string_view::npos) return {{}, CidrError::kMalformed};
  const std::optional<uint32_t> network = ParseIpv4(s.substr(0, slash));
  const std::string_view length = s.substr(slash + 1);
  if (!network || length.empty() || length.size() > 2 || (length.size() > 1 && length[0] == '0') ||
      !absl::ascii_isdigit(static_cast<unsigned char>(length[0])) ||
      !absl::ascii_isdigit(static_cast<unsigned char>(length.back()))) {
    return {{}, CidrError::kMalformed};
  }
  int prefix_length = 0;
  for (char c : length) prefix_length = prefix_length * 10 + (c - '0');
  if (prefix_length > 32) return {{}, CidrError::kMalformed};
  if ((*network & ~PrefixMask(prefix_length)) != 0) return {{}, CidrError::kHostBits};
  return {{*network, prefix_length}, CidrError::kNone};
}

bool IsCountryCode(std::string_view s) {
  return s.size() == 2 && absl::ascii_isupper(static_cast<unsigned char>(s[0])) &&
         absl::ascii_isupper(static_cast<unsigned char>(s[1]));
}

// --- Settings validation --------------------------------------------------------

absl::Status CheckScore(std::string_view field, double score) {
  if (!std::isfinite(score) || score < 0 || score > 1) {
    return InvalidArgumentError(absl::StrCat(Absl(field), " must be a score in [0, 1]"), field);
  }
  return absl::OkStatus();
}

absl::Status CheckThreshold(std::string_view field, double threshold) {
  if (!std::isfinite(threshold) || threshold < 0) {
    return InvalidArgumentError(absl::StrCat(Absl(field), " must be a number >= 0"), field);
  }
  return absl::OkStatus();
}

absl::Status CheckCount(std::string_view field, int64_t count) {
  if (count < 0) return InvalidArgumentError(absl::StrCat(Absl(field), " must be >= 0"), field);
  return absl::OkStatus();
}

absl::Status ValidateWeights(const FraudWeights& w) {
  const std::pair<const char*, double> weights[] = {{"weights.velocity", w.velocity},
                                                    {"weights.payment", w.payment},
                                                    {"weights.geography", w.geography},
                                                    {"weights.behaviour", w.behaviour},
                                                    {"weights.device", w.device}};
  double sum = 0;
  for (const auto& [field, value] : weights) {
    if (!std::isfinite(value) || value < 0) {
      return InvalidArgumentError(absl::StrCat(Absl(field), " must be a number >= 0"), field);
    }
    sum += value;
  }
  if (std::abs(sum - 1.0) > 1e-9) {
    return InvalidArgumentError(absl::StrCat("fraud weights must sum to 1, got ", sum), "weights");
  }
  return absl::OkStatus();
}

absl::Status ValidateVelocity(const VelocityRules& v) {
  AISLE_RETURN_IF_ERROR(CheckCount("velocity.maxOrdersPerHour", v.max_orders_per_hour));
  AISLE_RETURN_IF_ERROR(CheckScore("velocity.ordersPerHourScore", v.orders_per_hour_score));
  AISLE_RETURN_IF_ERROR(CheckThreshold("velocity.maxOrderValuePerDay", v.max_order_value_per_day));
  AISLE_RETURN_IF_ERROR(CheckScore("velocity.orderValuePerDayScore", v.order_value_per_day_score));
  AISLE_RETURN_IF_ERROR(
      CheckCount("velocity.maxFailedPaymentsPerHour", v.max_failed_payments_per_hour));
  return CheckScore("velocity.failedPaymentsPerHourScore", v.failed_payments_per_hour_score);
}

absl::Status ValidatePayment(const PaymentRules& p) {
  AISLE_RETURN_IF_ERROR(
      CheckScore("payment.cardBillingCountryMismatchScore", p.card_billing_country_mismatch_score));
  AISLE_RETURN_IF_ERROR(CheckCount("payment.newCardMinPastOrders", p.new_card_min_past_orders));
  AISLE_RETURN_IF_ERROR(CheckScore("payment.newCardScore", p.new_card_score));
  AISLE_RETURN_IF_ERROR(CheckCount("payment.maxCardsPerAccount30d", p.max_cards_per_account_30d));
  AISLE_RETURN_IF_ERROR(CheckScore("payment.manyCardsScore", p.many_cards_score));
  AISLE_RETURN_IF_ERROR(CheckCount("payment.maxAccountsPerCard30d", p.max_accounts_per_card_30d));
  AISLE_RETURN_IF_ERROR(CheckScore("payment.sharedCardScore", p.shared_card_score));
  AISLE_RETURN_IF_ERROR(CheckCount("payment.maxDeclinesPerDay", p.max_declines_per_day));
  return CheckScore("payment.declinesScore", p.declines_score);
}

absl::Status ValidateGeography(const GeographyRules& g) {
  AISLE_RETURN_IF_ERROR(CheckScore("geography.shippingBillingCountryMismatchScore",
                                   g.shipping_billing_country_mismatch_score));
  AISLE_RETURN_IF_ERROR(
      CheckScore("geography.ipBillingCountryMismatchScore", g.ip_billing_country_mismatch_score));
  AISLE_RETURN_IF_ERROR(
      CheckThreshold("geography.maxDistanceFromUsualKm", g.max_distance_from_usual_km));
  return CheckScore("geography.farFromUsualScore", g.far_from_usual_score);
}

absl::Status ValidateBehaviour(const BehaviourRules& b) {
  AISLE_RETURN_IF_ERROR(CheckCount("behaviour.minSessionAgeMs", b.min_session_age_ms));
  AISLE_RETURN_IF_ERROR(CheckScore("behaviour.newSessionScore", b.new_session_score));
  AISLE_RETURN_IF_ERROR(CheckCount("behaviour.minProductsViewed", b.min_products_viewed));
  AISLE_RETURN_IF_ERROR(CheckScore("behaviour.noBrowsingScore", b.no_browsing_score));
  AISLE_RETURN_IF_ERROR(
      CheckCount("behaviour.minFirstViewToOrderMs", b.min_first_view_to_order_ms));
  AISLE_RETURN_IF_ERROR(CheckScore("behaviour.rushedCheckoutScore", b.rushed_checkout_score));
  AISLE_RETURN_IF_ERROR(
      CheckCount("behaviour.unusualValueMinPastOrders", b.unusual_value_min_past_orders));
  AISLE_RETURN_IF_ERROR(
      CheckThreshold("behaviour.maxValueToAverageRatio", b.max_value_to_average_ratio));
  AISLE_RETURN_IF_ERROR(CheckScore("behaviour.unusualValueScore", b.unusual_value_score));
  AISLE_RETURN_IF_ERROR(CheckThreshold("behaviour.firstOrderMaxValue", b.first_order_max_value));
  return CheckScore("behaviour.firstOrderHighValueScore", b.first_order_high_value_score);
}

absl::Status ValidateDevice(const DeviceRules& d) {
  AISLE_RETURN_IF_ERROR(CheckCount("device.newDeviceMinPastOrders", d.new_device_min_past_orders));
  AISLE_RETURN_IF_ERROR(CheckScore("device.newDeviceScore", d.new_device_score));
  AISLE_RETURN_IF_ERROR(
      CheckCount("device.maxAccountsPerDevice30d", d.max_accounts_per_device_30d));
  return CheckScore("device.sharedDeviceScore", d.shared_device_score);
}

absl::Status ValidateLevels(const FraudRiskLevels& l) {
  if (!std::isfinite(l.medium) || l.medium <= 0) {
    return InvalidArgumentError("levels.medium must be a number > 0", "levels.medium");
  }
  if (!std::isfinite(l.high) || l.high < l.medium) {
    return InvalidArgumentError("levels.high must be a number >= levels.medium", "levels.high");
  }
  if (!std::isfinite(l.block) || l.block < l.high) {
    return InvalidArgumentError("levels.block must be a number >= levels.high", "levels.block");
  }
  return absl::OkStatus();
}

// --- Scoring ----------------------------------------------------------------------

// Rounds away floating noise so that sums such as 0.21 + 0.15 + 0.14 land on
// 0.5, not 0.49999999999999994, and compare with thresholds as a person
// reading the factors would expect.
double RoundScore(double score) {
  if (!std::isfinite(score)) return 0;
  return std::clamp(std::round(score * 1e9) / 1e9, 0.0, 1.0);
}

std::string Money(double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.2f", value);
  return buffer;
}

std::string Seconds(int64_t ms) { return absl::StrCat(static_cast<double>(ms) / 1000.0, " s"); }

// A country code, or empty when unknown.
std::string_view Known(const std::optional<std::string>& country) {
  return country ? std::string_view(*country) : std::string_view();
}

bool CountriesDiffer(std::string_view a, std::string_view b) {
  return !a.empty() && !b.empty() && !absl::EqualsIgnoreCase(Absl(a), Absl(b));
}

// Collects the factors of one analyzer. Its score is the sum of the fired
// rules' scores capped at 1; past the cap every contribution is scaled by
// the same ratio, so the factors still sum to the score and none depends on
// the order the rules are checked in.
class Analyzer {
 public:
  void Fire(std::string code, std::string description, double score) {
    factors_.push_back({std::move(code), std::move(description), score});
  }

  FraudAnalyzerResult Finish(std::string name, double weight) && {
    double sum = 0;
    for (const FraudFactor& f : factors_) sum += f.contribution;
    if (sum > 1) {
      for (FraudFactor& f : factors_) f.contribution /= sum;
    }
    for (FraudFactor& f : factors_) f.contribution = RoundScore(f.contribution);
    FraudAnalyzerResult result;
    result.name = std::move(name);
    result.weight = weight;
    result.score = RoundScore(std::min(sum, 1.0));
    result.triggered = !factors_.empty();
    result.factors = std::move(factors_);
    return result;
  }

 private:
  std::vector<FraudFactor> factors_;
};

// The seed's checkVelocityLimits: the limits are checked in its order
// (orders per hour, order value per day, failed payments per hour) and the
// FIRST one exceeded is the analyzer's score; it returns there, so the
// scores are neither summed nor maxed (6 orders and 4 failed payments score
// 0.8, not 0.9). Limits exceeded after the first are still reported, with
// contribution 0, so that a reviewer sees them.
FraudAnalyzerResult AssessVelocity(const VelocitySignals& s, const FraudSettings& settings) {
  const VelocityRules& r = settings.velocity;
  std::vector<FraudFactor> factors;
  // The seed's getOrderCount runs after the order exists, so it counts it.
  // orders_last_hour + 1 > limit, written so that it cannot overflow.
  if (s.orders_last_hour >= r.max_orders_per_hour) {
    const int64_t orders = s.orders_last_hour + 1;
    factors.push_back({"orders_per_hour_exceeded",
                       absl::StrCat(orders, " orders in the last hour including this one (limit ",
                                    r.max_orders_per_hour, ")"),
                       r.orders_per_hour_score});
  }
  if (s.order_value_last_24h > r.max_order_value_per_day) {
    factors.push_back({"order_value_per_day_exceeded",
                       absl::StrCat(Money(s.order_value_last_24h),
                                    " ordered in the last 24 h including this order (limit ",
                                    Money(r.max_order_value_per_day), ")"),
                       r.order_value_per_day_score});
  }
  if (s.failed_payments_last_hour > r.max_failed_payments_per_hour) {
    factors.push_back(
        {"failed_payments_per_hour_exceeded",
         absl::StrCat(s.failed_payments_last_hour, " failed payments in the last hour (limit ",
                      r.max_failed_payments_per_hour, ")"),
         r.failed_payments_per_hour_score});
  }
  FraudAnalyzerResult result;
  result.name = "velocity";
  result.weight = settings.weights.velocity;
  result.triggered = !factors.empty();
  if (!factors.empty()) result.score = RoundScore(factors.front().contribution);
  for (size_t i = 1; i < factors.size(); ++i) {
    factors[i].contribution = 0;
    absl::StrAppend(&factors[i].description, "; not scored: the seed scores the first limit only");
  }
  result.factors = std::move(factors);
  return result;
}

FraudAnalyzerResult AssessPayment(const FraudSignals& s, const FraudSettings& settings) {
  const PaymentRules& r = settings.payment;
  const PaymentSignals& p = s.payment;
  Analyzer analyzer;
  const std::string_view card = Known(p.card_country);
  const std::string_view billing = Known(s.geography.billing_country);
  if (CountriesDiffer(card, billing)) {
    analyzer.Fire(
        "card_billing_country_mismatch",
        absl::StrCat("card issued in ", Absl(card), ", billing address in ", Absl(billing)),
        r.card_billing_country_mismatch_score);
  }
  if (p.card_new_to_account == true && s.behaviour.past_orders >= r.new_card_min_past_orders) {
    analyzer.Fire("new_card",
                  absl::StrCat("card never used by this account before, which has ",
                               s.behaviour.past_orders, " past orders"),
                  r.new_card_score);
  }
  if (p.cards_on_account_30d && *p.cards_on_account_30d > r.max_cards_per_account_30d) {
    analyzer.Fire(
        "many_cards_on_account",
        absl::StrCat(*p.cards_on_account_30d, " cards used by this account in 30 days (limit ",
                     r.max_cards_per_account_30d, ")"),
        r.many_cards_score);
  }
  if (p.accounts_on_card_30d && *p.accounts_on_card_30d > r.max_accounts_per_card_30d) {
    analyzer.Fire("card_shared_across_accounts",
                  absl::StrCat("card used by ", *p.accounts_on_card_30d,
                               " accounts in 30 days (limit ", r.max_accounts_per_card_30d, ")"),
                  r.shared_card_score);
  }
  if (p.declines_last_24h > r.max_declines_per_day) {
    analyzer.Fire("repeated_declines",
                  absl::StrCat(p.declines_last_24h, " declined payments in the last 24 h (limit ",
                               r.max_declines_per_day, ")"),
                  r.declines_score);
  }
  return std::move(analyzer).Finish("payment", settings.weights.payment);
}

FraudAnalyzerResult AssessGeography(const FraudSignals& s, const FraudSettings& settings) {
  const GeographyRules& r = settings.geography;
  const GeographySignals& g = s.geography;
  Analyzer analyzer;
  const std::string_view shipping = Known(g.shipping_country);
  const std::string_view billing = Known(g.billing_country);
  const std::string_view ip = Known(g.ip_country);
  if (CountriesDiffer(shipping, billing)) {
    analyzer.Fire(
        "shipping_billing_country_mismatch",
        absl::StrCat("shipping to ", Absl(shipping), ", billing address in ", Absl(billing)),
        r.shipping_billing_country_mismatch_score);
  }
  if (CountriesDiffer(ip, billing)) {
    analyzer.Fire(
        "ip_billing_country_mismatch",
        absl::StrCat("request from an IP in ", Absl(ip), ", billing address in ", Absl(billing)),
        r.ip_billing_country_mismatch_score);
  }
  if (g.shipping_location && g.usual_location && IsValidLatLon(*g.shipping_location) &&
      IsValidLatLon(*g.usual_location)) {
    const double km = GreatCircleKm(*g.shipping_location, *g.usual_location);
    if (km > r.max_distance_from_usual_km) {
      analyzer.Fire("far_from_usual_location",
                    absl::StrCat("shipping ", std::llround(km),
                                 " km from the customer's usual location (limit ",
                                 r.max_distance_from_usual_km, " km)"),
                    r.far_from_usual_score);
    }
  }
  return std::move(analyzer).Finish("geography", settings.weights.geography);
}

FraudAnalyzerResult AssessBehaviour(const FraudSignals& s, const FraudSettings& settings) {
  const BehaviourRules& r = settings.behaviour;
  const BehaviourSignals& b = s.behaviour;
  Analyzer analyzer;
  if (b.session_age_ms && *b.session_age_ms >= 0 && *b.session_age_ms < r.min_session_age_ms) {
    analyzer.Fire("new_session",
                  absl::StrCat("session started ", Seconds(*b.session_age_ms),
                               " before the order (minimum ", Seconds(r.min_session_age_ms), ")"),
                  r.new_session_score);
  }
  if (b.products_viewed && *b.products_viewed >= 0 && *b.products_viewed < r.min_products_viewed) {
    analyzer.Fire("little_browsing",
                  absl::StrCat(*b.products_viewed, " products viewed before checkout (minimum ",
                               r.min_products_viewed, ")"),
                  r.no_browsing_score);
  }
  if (b.first_view_to_order_ms && *b.first_view_to_order_ms >= 0 &&
      *b.first_view_to_order_ms < r.min_first_view_to_order_ms) {
    analyzer.Fire("rushed_checkout",
                  absl::StrCat("ordered ", Seconds(*b.first_view_to_order_ms),
                               " after the first product view (minimum ",
                               Seconds(r.min_first_view_to_order_ms), ")"),
                  r.rushed_checkout_score);
  }
  if (b.past_orders >= r.unusual_value_min_past_orders && b.average_order_value &&
      std::isfinite(*b.average_order_value) && *b.average_order_value > 0 &&
      b.order_value > r.max_value_to_average_ratio * *b.average_order_value) {
    analyzer.Fire(
        "order_value_above_history",
        absl::StrCat("order of ", Money(b.order_value), " is ",
                     std::round(b.order_value / *b.average_order_value * 10) / 10,
                     " times the customer's average of ", Money(*b.average_order_value), " over ",
                     b.past_orders, " orders (limit ", r.max_value_to_average_ratio, " times)"),
        r.unusual_value_score);
  }
  if (b.past_orders == 0 && b.order_value > r.first_order_max_value) {
    analyzer.Fire("first_order_high_value",
                  absl::StrCat("first order of this customer is ", Money(b.order_value), " (limit ",
                               Money(r.first_order_max_value), ")"),
                  r.first_order_high_value_score);
  }
  return std::move(analyzer).Finish("behaviour", settings.weights.behaviour);
}

FraudAnalyzerResult AssessDevice(const FraudSignals& s, const FraudSettings& settings) {
  const DeviceRules& r = settings.device;
  const DeviceSignals& d = s.device;
  Analyzer analyzer;
  if (d.fingerprint_present) {
    if (d.fingerprint_new_to_customer == true &&
        s.behaviour.past_orders >= r.new_device_min_past_orders) {
      analyzer.Fire("new_device",
                    absl::StrCat("device never seen with this customer before, who has ",
                                 s.behaviour.past_orders, " past orders"),
                    r.new_device_score);
    }
    if (d.accounts_on_fingerprint_30d &&
        *d.accounts_on_fingerprint_30d > r.max_accounts_per_device_30d) {
      analyzer.Fire(
          "device_shared_across_accounts",
          absl::StrCat("device used by ", *d.accounts_on_fingerprint_30d,
                       " accounts in 30 days (limit ", r.max_accounts_per_device_30d, ")"),
          r.shared_device_score);
    }
  }
  return std::move(analyzer).Finish("device", settings.weights.device);
}

}  // namespace

absl::Status ValidateIpCountryTable(const IpCountryTable& table) {
  if (table.size() > kMaxIpCountryRanges) {
    return InvalidArgumentError(absl::StrCat("at most ", kMaxIpCountryRanges, " ranges"),
                                "ipCountries");
  }
  for (size_t i = 0; i < table.size(); ++i) {
    const IpCountryRange& row = table[i];
    const std::string field = absl::StrCat("ipCountries[", i, "]");
    const auto [cidr, error] = ParseCidr(row.cidr);
    if (error == CidrError::kMalformed) {
      return InvalidArgumentError(
          absl::StrCat(field, ".cidr: '", row.cidr, "' is not an IPv4 CIDR like 203.0.113.0/24"),
          absl::StrCat(field, ".cidr"));
    }
    if (error == CidrError::kHostBits) {
      return InvalidArgumentError(
          absl::StrCat(field, ".cidr: '", row.cidr, "' has bits set past its prefix length"),
          absl::StrCat(field, ".cidr"));
    }
    for (size_t j = 0; j < i; ++j) {
      if (table[j].cidr == row.cidr) {
        return InvalidArgumentError(
            absl::StrCat(field, ".cidr: '", row.cidr, "' repeats ipCountries[", j, "]"),
            absl::StrCat(field, ".cidr"));
      }
    }
    if (!IsCountryCode(row.country)) {
      return InvalidArgumentError(
          absl::StrCat(field, ".country: need an upper-case ISO 3166-1 alpha-2 code, got '",
                       row.country, "'"),
          absl::StrCat(field, ".country"));
    }
  }
  return absl::OkStatus();
}

std::optional<std::string> IpCountry(std::string_view ip, const IpCountryTable& table) {
  if (absl::StartsWithIgnoreCase(Absl(ip), "::ffff:")) ip.remove_prefix(7);
  const std::optional<uint32_t> address = ParseIpv4(ip);
  if (!address) return std::nullopt;
  const IpCountryRange* best = nullptr;
  int best_length = -1;
  for (const IpCountryRange& row : table) {
    const auto [cidr, error] = ParseCidr(row.cidr);
    if (error != CidrError::kNone || !IsCountryCode(row.country)) continue;
    if (cidr.prefix_length > best_length &&
        (*address & PrefixMask(cidr.prefix_length)) == cidr.network) {
      best = &row;
      best_length = cidr.prefix_length;
    }
  }
  if (best == nullptr) return std::nullopt;
  return best->country;
}

absl::Status FraudSettings::Validate() const {
  AISLE_RETURN_IF_ERROR(ValidateWeights(weights));
  AISLE_RETURN_IF_ERROR(ValidateVelocity(velocity));
  AISLE_RETURN_IF_ERROR(ValidatePayment(payment));
  AISLE_RETURN_IF_ERROR(ValidateGeography(geography));
  AISLE_RETURN_IF_ERROR(ValidateBehaviour(behaviour));
  AISLE_RETURN_IF_ERROR(ValidateDevice(device));
  AISLE_RETURN_IF_ERROR(ValidateLevels(levels));
  return ValidateIpCountryTable(ip_countries);
}

std::string_view FraudLevelName(FraudLevel level) {
  switch (level) {
    case FraudLevel::kLow:
      return "low";
    case FraudLevel::kMedium:
      return "medium";
    case FraudLevel::kHigh:
      return "high";
  }
  return "low";
}

std::string_view FraudActionName(FraudAction action) {
  switch (action) {
    case FraudAction::kApprove:
      return "approve";
    case FraudAction::kReview:
      return "review";
    case FraudAction::kBlock:
      return "block";
  }
  return "review";
}

FraudLevel FraudLevelFor(double score, const FraudRiskLevels& levels) {
  if (score >= levels.high) return FraudLevel::kHigh;
  if (score >= levels.medium) return FraudLevel::kMedium;
  return FraudLevel::kLow;
}

// The seed names getRecommendedActions but does not define it; its only
// action threshold is autoBlockThreshold. So: block at or above it, a
// person looks at everything from medium up, the rest goes through.
FraudAction FraudActionFor(double score, const FraudRiskLevels& levels) {
  if (score >= levels.block) return FraudAction::kBlock;
  if (score >= levels.medium) return FraudAction::kReview;
  return FraudAction::kApprove;
}

FraudAssessment AssessFraud(const FraudSignals& signals, const FraudSettings& settings) {
  FraudAssessment assessment;
  assessment.analyzers.reserve(5);
  assessment.analyzers.push_back(AssessVelocity(signals.velocity, settings));
  assessment.analyzers.push_back(AssessPayment(signals, settings));
  assessment.analyzers.push_back(AssessGeography(signals, settings));
  assessment.analyzers.push_back(AssessBehaviour(signals, settings));
  assessment.analyzers.push_back(AssessDevice(signals, settings));
  double total = 0;
  for (const FraudAnalyzerResult& a : assessment.analyzers) total += a.weight * a.score;
  assessment.score = RoundScore(total);
  assessment.level = FraudLevelFor(assessment.score, settings.levels);
  assessment.action = FraudActionFor(assessment.score, settings.levels);
  return assessment;
}

}  // namespace aisle::commerce
