// SQLite implementation of OrderStore, continued: what fraud screening
// (issue E) stores and reads. The client fields and the assessment are
// written by CreateOrder's job and a review decision by TransitionOrder's
// (order_store_sqlite.cc calls in here), so an order, its assessment and
// the stock it holds for a review commit together; the reuse counts for the
// payment and device rules read the indexes of migration 10 (schema.cc).
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/inventory_tx_internal.h"
#include "store/order_store.h"
#include "store/order_store_rows_internal.h"
#include "store/reader_pool_internal.h"
#include "store/sqlite_stores_internal.h"

namespace aisle::store::internal {
namespace {

// --- Validation (caller's thread) ---------------------------------------------------

absl::Status CheckMaxBytes(std::string_view value, size_t max_bytes, std::string_view field) {
  if (value.size() <= max_bytes) return absl::OkStatus();
  return InvalidArgumentError(absl::StrCat(std::string(field), ": at most ", max_bytes, " bytes"),
                              field);
}

// What the storefront sends: UTF-8 and bounded. No card-number check: a hex
// fingerprint or session id often holds 12 decimal digits in a row.
absl::Status CheckClientField(std::string_view value, std::string_view field) {
  AISLE_RETURN_IF_ERROR(CheckUtf8(value, field));
  return CheckMaxBytes(value, kMaxClientFieldBytes, field);
}

// A new order's assessment: undecided (a decision is a transition's).
absl::Status CheckNewRisk(const RiskRecord& r) {
  if (!(std::isfinite(r.score) && r.score >= 0 && r.score <= 1)) {
    return InvalidArgumentError("risk.score: must be a number in [0, 1]", "risk.score");
  }
  AISLE_RETURN_IF_ERROR(CheckToken(r.level, "risk.level"));
  AISLE_RETURN_IF_ERROR(CheckToken(r.action, "risk.action"));
  AISLE_RETURN_IF_ERROR(CheckNoCardNumber(r.details, "risk.details"));
  AISLE_RETURN_IF_ERROR(CheckMaxBytes(r.details, kMaxRiskDetailsBytes, "risk.details"));
  AISLE_RETURN_IF_ERROR(CheckTime(r.assessed_at_ms, "risk.assessed_at_ms"));
  if (r.review_status && *r.review_status != kReviewPending) {
    return InvalidArgumentError(
        "risk.review_status: must be unset or \"pending\" (a decision is a transition's review)",
        "risk.review_status");
  }
  if (r.reviewed_at_ms) {
    return InvalidArgumentError("risk.reviewed_at_ms: must be unset on a new order",
                                "risk.reviewed_at_ms");
  }
  if (!r.review_note.empty()) {
    return InvalidArgumentError("risk.review_note: must be empty on a new order",
                                "risk.review_note");
  }
  return absl::OkStatus();
}

absl::Status CheckHold(const CreateOrderRequest& r) {
  if (r.hold_reservations_until_ms == 0) return absl::OkStatus();
  constexpr std::string_view kField = "hold_reservations_until_ms";
  if (!r.close_cart) {
    return InvalidArgumentError("hold_reservations_until_ms: requires close_cart", kField);
  }
  // now_ms is resolved and bounded by CheckTime, so the sum cannot overflow.
  if (r.hold_reservations_until_ms <= r.now_ms ||
      r.hold_reservations_until_ms > r.now_ms + kMaxReservationTtlMs) {
    return InvalidArgumentError(
        absl::StrCat("hold_reservations_until_ms: must be after now_ms and at most ",
                     kMaxReservationTtlMs, " ms after it"),
        kField);
  }
  return absl::OkStatus();
}

// --- Rows --------------------------------------------------------------------------------

#define AISLE_RISK_COLUMNS                                                                   \
  "order_id, score, level, action, details, assessed_at_ms, review_status, reviewed_at_ms, " \
  "review_note"

RiskRecord RiskFromRow(const Query& row) {
  RiskRecord r;
  r.score = row.Double(1);
  r.level = row.Text(2);
  r.action = row.Text(3);
  r.details = row.Text(4);
  r.assessed_at_ms = row.Int64(5);
  if (!row.IsNull(6)) r.review_status = row.Text(6);
  r.reviewed_at_ms = row.OptionalInt64(7);
  r.review_note = row.Text(8);
  return r;
}

template <typename Db>
absl::StatusOr<std::optional<RiskRecord>> LoadRisk(Db& db, std::string_view order_id) {
  AISLE_ASSIGN_OR_RETURN(
      Query query, db.Prepare("SELECT " AISLE_RISK_COLUMNS " FROM order_risk WHERE order_id = ?1"));
  query.Bind(1, order_id);
  AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
  if (!row) return std::nullopt;
  return RiskFromRow(query);
}

absl::Status InsertRisk(Transaction& tx, std::string_view order_id, const RiskRecord& r) {
  AISLE_ASSIGN_OR_RETURN(Query insert, tx.Prepare("INSERT INTO order_risk(" AISLE_RISK_COLUMNS
                                                  ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"));
  insert.Bind(1, order_id);
  insert.Bind(2, r.score);
  insert.Bind(3, r.level);
  insert.Bind(4, r.action);
  insert.Bind(5, r.details);
  insert.Bind(6, r.assessed_at_ms);
  insert.Bind(7, r.review_status);
  insert.Bind(8, r.reviewed_at_ms);
  insert.Bind(9, r.review_note);
  return insert.Run();
}

// The row of `query` (two integer columns).
absl::StatusOr<std::pair<int64_t, int64_t>> TwoInts(Query& query) {
  AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
  if (!row) return absl::InternalError("store: aggregate returned no row");
  return std::make_pair(query.Int64(0), query.Int64(1));
}

}  // namespace

absl::Status CheckScreening(const CreateOrderRequest& request) {
  AISLE_RETURN_IF_ERROR(CheckClientField(request.device_fingerprint, "device_fingerprint"));
  AISLE_RETURN_IF_ERROR(CheckClientField(request.ip_address, "ip_address"));
  AISLE_RETURN_IF_ERROR(CheckClientField(request.session_id, "session_id"));
  if (request.risk) AISLE_RETURN_IF_ERROR(CheckNewRisk(*request.risk));
  return CheckHold(request);
}

absl::Status CheckReviewDecision(const std::optional<ReviewDecision>& review) {
  if (!review) return absl::OkStatus();
  if (review->status != kReviewApproved && review->status != kReviewRejected) {
    return InvalidArgumentError("review.status: must be \"approved\" or \"rejected\"",
                                "review.status");
  }
  AISLE_RETURN_IF_ERROR(CheckNoCardNumber(review->note, "review.note"));
  return CheckMaxBytes(review->note, kMaxReviewNoteBytes, "review.note");
}

absl::Status WriteScreening(Transaction& tx, const CreateOrderRequest& request,
                            std::string_view order_id, int64_t now_ms) {
  if (request.hold_reservations_until_ms > 0) {
    std::vector<std::string> ids;
    ids.reserve(request.close_cart->size());
    for (const CartLineRef& line : *request.close_cart) ids.push_back(line.reservation_id);
    AISLE_RETURN_IF_ERROR(HoldUntilInTx(tx, ids, request.hold_reservations_until_ms, now_ms));
  }
  if (!request.risk) return absl::OkStatus();
  RiskRecord risk = *request.risk;
  if (risk.assessed_at_ms == 0) risk.assessed_at_ms = now_ms;
  return InsertRisk(tx, order_id, risk);
}

absl::StatusOr<RiskRecord> ApplyReviewDecision(Transaction& tx, std::string_view order_id,
                                               const ReviewDecision& review, int64_t at_ms) {
  AISLE_ASSIGN_OR_RETURN(std::optional<RiskRecord> risk, LoadRisk(tx, order_id));
  if (!risk) {
    return ReasonError(absl::StatusCode::kNotFound, kRiskNotFoundReason,
                       absl::StrCat("order ", std::string(order_id), " has no risk assessment"));
  }
  if (risk->review_status != kReviewPending) {
    return ReasonError(absl::StatusCode::kFailedPrecondition, kReviewNotPendingReason,
                       absl::StrCat("order ", std::string(order_id), "'s review is ",
                                    risk->review_status.value_or("not needed")));
  }
  AISLE_ASSIGN_OR_RETURN(Query update,
                         tx.Prepare("UPDATE order_risk SET review_status = ?2, reviewed_at_ms = "
                                    "?3, review_note = ?4 WHERE order_id = ?1 AND "
                                    "review_status = 'pending'"));
  update.Bind(1, order_id);
  update.Bind(2, review.status);
  update.Bind(3, at_ms);
  update.Bind(4, review.note);
  AISLE_RETURN_IF_ERROR(update.Run());
  if (tx.Changes() != 1) return absl::InternalError("store: risk row changed mid-job");
  risk->review_status = review.status;
  risk->reviewed_at_ms = at_ms;
  risk->review_note = review.note;
  return *std::move(risk);
}

// --- Reads --------------------------------------------------------------------------------

absl::StatusOr<std::optional<RiskRecord>> SqliteOrderStore::GetRisk(
    std::string_view order_id) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(order_id, "order_id"));
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  return LoadRisk(*reader, order_id);
}

absl::StatusOr<std::vector<PendingReview>> SqliteOrderStore::ListPendingReviews(
    int64_t limit) const {
  AISLE_RETURN_IF_ERROR(CheckLimit(limit));
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  // One snapshot: an order listed pending is loaded as it was then.
  AISLE_ASSIGN_OR_RETURN(ReadSnapshot snapshot, ReadSnapshot::Begin(*reader));
  std::vector<std::string> ids;
  std::vector<RiskRecord> risks;
  {
    // `review_status = 'pending'` selects the partial index order_risk_pending.
    AISLE_ASSIGN_OR_RETURN(Query query,
                           reader->Prepare("SELECT " AISLE_RISK_COLUMNS " FROM order_risk "
                                           "WHERE review_status = 'pending' "
                                           "ORDER BY assessed_at_ms, order_id LIMIT ?1"));
    query.Bind(1, limit);
    while (true) {
      AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
      if (!row) break;
      ids.push_back(query.Text(0));
      risks.push_back(RiskFromRow(query));
    }
  }
  AISLE_ASSIGN_OR_RETURN(std::vector<Order> orders, LoadListedOrders(*reader, ids));
  std::vector<PendingReview> reviews;
  reviews.reserve(orders.size());
  for (size_t i = 0; i < orders.size(); ++i) {
    reviews.push_back(PendingReview{.order = std::move(orders[i]), .risk = std::move(risks[i])});
  }
  return reviews;
}

// The `<> ''` terms repeat the partial indexes' WHERE clauses: SQLite uses a
// partial index only when the query's WHERE implies it, which a bound
// parameter never does.
absl::StatusOr<CardUsageCounts> SqliteOrderStore::CardUsage(std::string_view user_id,
                                                            std::string_view token,
                                                            int64_t since_ms) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(user_id, "user_id"));
  AISLE_RETURN_IF_ERROR(CheckUtf8(token, "token"));
  AISLE_RETURN_IF_ERROR(CheckTime(since_ms, "since_ms"));
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(ReadSnapshot snapshot, ReadSnapshot::Begin(*reader));
  CardUsageCounts counts;
  AISLE_ASSIGN_OR_RETURN(counts.distinct_cards_of_user,
                         QueryInt(*reader,
                                  "SELECT count(DISTINCT token) FROM payments WHERE user_id = ?1 "
                                  "AND at_ms >= ?2 AND token <> ''",
                                  user_id, since_ms));
  if (token.empty()) return counts;
  AISLE_ASSIGN_OR_RETURN(
      Query query, reader->Prepare("SELECT count(DISTINCT user_id), coalesce(sum(user_id = ?1), 0) "
                                   "FROM payments WHERE token = ?2 AND at_ms >= ?3 "
                                   "AND token <> ''"));
  query.Bind(1, user_id);
  query.Bind(2, token);
  query.Bind(3, since_ms);
  AISLE_ASSIGN_OR_RETURN(const auto card, TwoInts(query));
  counts.distinct_users_of_card = card.first;
  counts.user_payments_with_card = card.second;
  return counts;
}

absl::StatusOr<DeviceUsageCounts> SqliteOrderStore::DeviceUsage(std::string_view user_id,
                                                                std::string_view fingerprint,
                                                                int64_t since_ms) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(user_id, "user_id"));
  AISLE_RETURN_IF_ERROR(CheckUtf8(fingerprint, "fingerprint"));
  AISLE_RETURN_IF_ERROR(CheckTime(since_ms, "since_ms"));
  DeviceUsageCounts counts;
  if (fingerprint.empty()) return counts;
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(
      Query query, reader->Prepare("SELECT coalesce(sum(user_id = ?1), 0), count(DISTINCT user_id) "
                                   "FROM orders WHERE device_fingerprint = ?2 "
                                   "AND created_at_ms >= ?3 AND device_fingerprint <> ''"));
  query.Bind(1, user_id);
  query.Bind(2, fingerprint);
  query.Bind(3, since_ms);
  AISLE_ASSIGN_OR_RETURN(const auto device, TwoInts(query));
  counts.user_orders_with_device = device.first;
  counts.distinct_users_of_device = device.second;
  return counts;
}

absl::StatusOr<CustomerHistory> SqliteOrderStore::CustomerHistoryOf(
    std::string_view user_id, std::string_view currency, std::string_view placed_status,
    int64_t limit) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(user_id, "user_id"));
  AISLE_RETURN_IF_ERROR(CheckUtf8(currency, "currency"));
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(placed_status, "placed_status"));
  AISLE_RETURN_IF_ERROR(CheckLimit(limit));
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  // orders_by_user finds the newest orders; the history's primary key
  // answers "did it reach the status?" per order.
  AISLE_ASSIGN_OR_RETURN(
      Query query,
      reader->Prepare("SELECT count(*), coalesce(sum(currency = ?2), 0), "
                      "coalesce(sum(CASE WHEN currency = ?2 THEN total_cents END), 0), "
                      "avg(ship_latitude), avg(ship_longitude) FROM ("
                      "SELECT o.currency, o.total_cents, o.ship_latitude, o.ship_longitude "
                      "FROM orders AS o WHERE o.user_id = ?1 AND EXISTS (SELECT 1 FROM "
                      "order_status_history AS h WHERE h.order_id = o.id AND h.to_status = ?3) "
                      "ORDER BY o.created_at_ms DESC LIMIT ?4)"));
  query.Bind(1, user_id);
  query.Bind(2, currency);
  query.Bind(3, placed_status);
  query.Bind(4, limit);
  AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
  if (!row) return absl::InternalError("store: aggregate returned no row");
  CustomerHistory history{.placed_orders = query.Int64(0),
                          .orders_in_currency = query.Int64(1),
                          .total_cents_in_currency = query.Int64(2),
                          .mean_latitude = query.OptionalDouble(3),
                          .mean_longitude = query.OptionalDouble(4)};
  return history;
}

#undef AISLE_RISK_COLUMNS

}  // namespace aisle::store::internal
