#include "commerce/fraud_screen.h"

#include <cmath>
#include <cstdio>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "commerce/order_service_internal.h"
#include "commerce/order_state.h"

namespace aisle::commerce {
namespace {

constexpr int64_t kHourMs = 3'600'000;
constexpr int64_t kDayMs = 24 * kHourMs;
constexpr int64_t kReuseWindowMs = 30 * kDayMs;
// Past orders read for the customer's history (value, usual location).
constexpr int64_t kHistoryOrders = 50;
// Recent events read to find the session's.
constexpr size_t kSessionEvents = 200;

double Major(int64_t cents) { return static_cast<double>(cents) / 100.0; }

std::optional<std::string> Known(const std::string& value) {
  if (value.empty()) return std::nullopt;
  return value;
}

// A number with at most 4 decimals and no exponent.
std::string Number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%.4f", std::isfinite(value) ? value : 0.0);
  return text;
}

}  // namespace

FraudScreen::FraudScreen(const Clock& clock, const store::OrderStore* orders,
                         const store::EventStore* events, PaymentGateway* gateway,
                         FraudSettings settings)
    : clock_(clock),
      orders_(orders),
      events_(events),
      gateway_(gateway),
      settings_(std::make_shared<const FraudSettings>(std::move(settings))) {}

void FraudScreen::SetSettings(FraudSettings settings) {
  auto next = std::make_shared<const FraudSettings>(std::move(settings));
  std::lock_guard lock(mu_);
  settings_ = std::move(next);
}

FraudSettings FraudScreen::settings() const { return *current(); }

std::shared_ptr<const FraudSettings> FraudScreen::current() const {
  std::lock_guard lock(mu_);
  return settings_;
}

absl::StatusOr<FraudAssessment> FraudScreen::Screen(const ScreeningRequest& request) const {
  const std::shared_ptr<const FraudSettings> settings = current();
  AISLE_ASSIGN_OR_RETURN(const FraudSignals signals, GatherWith(request, *settings));
  return AssessFraud(signals, *settings);
}

absl::StatusOr<FraudSignals> FraudScreen::Gather(const ScreeningRequest& request) const {
  return GatherWith(request, *current());
}

absl::StatusOr<FraudSignals> FraudScreen::GatherWith(const ScreeningRequest& request,
                                                     const FraudSettings& settings) const {
  const int64_t now = clock_.NowMillis();
  FraudSignals s;
  AISLE_RETURN_IF_ERROR(GatherVelocity(request, now, &s));
  AISLE_RETURN_IF_ERROR(GatherPayment(request, now, &s));
  s.geography.shipping_country = Known(request.shipping.country);
  s.geography.billing_country = Known(request.billing_country);
  s.geography.ip_country = IpCountry(request.ip_address, settings.ip_countries);
  if (request.shipping.latitude && request.shipping.longitude) {
    s.geography.shipping_location =
        LatLon{.latitude = *request.shipping.latitude, .longitude = *request.shipping.longitude};
  }
  s.behaviour.order_value = Major(request.total_cents);
  AISLE_RETURN_IF_ERROR(GatherHistory(request, &s));
  AISLE_RETURN_IF_ERROR(GatherSession(request, now, &s));
  AISLE_RETURN_IF_ERROR(GatherDevice(request, now, &s));
  return s;
}

absl::Status FraudScreen::GatherVelocity(const ScreeningRequest& r, int64_t now,
                                         FraudSignals* s) const {
  AISLE_ASSIGN_OR_RETURN(s->velocity.orders_last_hour, orders_->CountOrders(r.user_id, now - kHourMs));
  AISLE_ASSIGN_OR_RETURN(const auto totals, orders_->SumOrderTotals(r.user_id, now - kDayMs));
  const auto in_currency = totals.find(r.currency);
  const int64_t earlier = in_currency == totals.end() ? 0 : in_currency->second;
  s->velocity.order_value_last_24h = Major(earlier + r.total_cents);
  AISLE_ASSIGN_OR_RETURN(s->velocity.failed_payments_last_hour,
                         orders_->CountFailedPayments(r.user_id, now - kHourMs));
  return absl::OkStatus();
}

absl::Status FraudScreen::GatherPayment(const ScreeningRequest& r, int64_t now,
                                        FraudSignals* s) const {
  if (absl::StatusOr<CardDetails> card = gateway_->DescribeCard(r.payment_token); card.ok()) {
    s->payment.card_country = Known(card->country);
  }
  AISLE_ASSIGN_OR_RETURN(const store::CardUsageCounts usage,
                         orders_->CardUsage(r.user_id, r.payment_token, now - kReuseWindowMs));
  const bool is_new = usage.user_payments_with_card == 0;
  s->payment.card_new_to_account = is_new;
  // The counts cover stored payments only: this attempt is not one yet.
  s->payment.cards_on_account_30d = usage.distinct_cards_of_user + (is_new ? 1 : 0);
  s->payment.accounts_on_card_30d = usage.distinct_users_of_card + (is_new ? 1 : 0);
  AISLE_ASSIGN_OR_RETURN(s->payment.declines_last_24h,
                         orders_->CountFailedPayments(r.user_id, now - kDayMs));
  return absl::OkStatus();
}

absl::Status FraudScreen::GatherHistory(const ScreeningRequest& r, FraudSignals* s) const {
  AISLE_ASSIGN_OR_RETURN(
      const store::CustomerHistory history,
      orders_->CustomerHistoryOf(r.user_id, r.currency, OrderStatusName(OrderStatus::kPreparing),
                                 kHistoryOrders));
  s->behaviour.past_orders = history.placed_orders;
  if (history.orders_in_currency > 0) {
    s->behaviour.average_order_value =
        Major(history.total_cents_in_currency) / static_cast<double>(history.orders_in_currency);
  }
  if (history.mean_latitude && history.mean_longitude) {
    s->geography.usual_location =
        LatLon{.latitude = *history.mean_latitude, .longitude = *history.mean_longitude};
  }
  return absl::OkStatus();
}

absl::Status FraudScreen::GatherSession(const ScreeningRequest& r, int64_t now,
                                        FraudSignals* s) const {
  if (r.session_id.empty()) return absl::OkStatus();
  AISLE_ASSIGN_OR_RETURN(const std::vector<Event> recent,
                         events_->RecentEventsForUser(r.user_id, kSessionEvents));
  std::optional<int64_t> first_event, first_view;
  std::set<std::string> viewed;
  for (const Event& e : recent) {
    if (e.session_id != r.session_id) continue;
    if (!first_event || e.timestamp_ms < *first_event) first_event = e.timestamp_ms;
    if (e.type == EventType::kView && !e.product_id.empty()) {
      viewed.insert(e.product_id);
      if (!first_view || e.timestamp_ms < *first_view) first_view = e.timestamp_ms;
    }
  }
  // A session the storefront named is tracked: no views is a known 0.
  s->behaviour.products_viewed = static_cast<int64_t>(viewed.size());
  if (first_event) s->behaviour.session_age_ms = now - *first_event;
  if (first_view) s->behaviour.first_view_to_order_ms = now - *first_view;
  return absl::OkStatus();
}

absl::Status FraudScreen::GatherDevice(const ScreeningRequest& r, int64_t now,
                                       FraudSignals* s) const {
  if (r.device_fingerprint.empty()) return absl::OkStatus();
  s->device.fingerprint_present = true;
  AISLE_ASSIGN_OR_RETURN(
      const store::DeviceUsageCounts usage,
      orders_->DeviceUsage(r.user_id, r.device_fingerprint, now - kReuseWindowMs));
  const bool is_new = usage.user_orders_with_device == 0;
  s->device.fingerprint_new_to_customer = is_new;
  s->device.accounts_on_fingerprint_30d = usage.distinct_users_of_device + (is_new ? 1 : 0);
  return absl::OkStatus();
}

std::string AssessmentJson(const FraudAssessment& a) {
  std::string out = absl::StrCat("{\"score\":", Number(a.score), ",\"level\":\"",
                                 std::string(FraudLevelName(a.level)), "\",\"action\":\"",
                                 std::string(FraudActionName(a.action)), "\",\"analyzers\":[");
  for (size_t i = 0; i < a.analyzers.size(); ++i) {
    const FraudAnalyzerResult& r = a.analyzers[i];
    absl::StrAppend(&out, i ? "," : "", "{\"name\":\"", r.name, "\",\"weight\":", Number(r.weight),
                    ",\"score\":", Number(r.score),
                    ",\"triggered\":", r.triggered ? "true" : "false", ",\"factors\":[");
    for (size_t f = 0; f < r.factors.size(); ++f) {
      const FraudFactor& factor = r.factors[f];
      absl::StrAppend(&out, f ? "," : "", "{\"code\":");
      internal::AppendJsonString(factor.code, &out);
      out.append(",\"description\":");
      // A description quotes figures; one that could read as a card number
      // (a run of 12 digits) is left out rather than refused by the ledger.
      internal::AppendJsonString(store::ContainsCardNumber(factor.description)
                                     ? std::string("(figures withheld)")
                                     : factor.description,
                                 &out);
      absl::StrAppend(&out, ",\"contribution\":", Number(factor.contribution), "}");
    }
    out.append("]}");
  }
  out.append("]}");
  return out;
}

store::RiskRecord RiskRecordOf(const FraudAssessment& assessment) {
  store::RiskRecord record{.score = std::round(assessment.score * 1e4) / 1e4,
                           .level = std::string(FraudLevelName(assessment.level)),
                           .action = std::string(FraudActionName(assessment.action)),
                           .details = AssessmentJson(assessment)};
  if (assessment.action == FraudAction::kReview) record.review_status = store::kReviewPending;
  return record;
}

}  // namespace aisle::commerce
