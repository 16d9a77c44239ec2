// Internal to store/: the helpers the two halves of SqliteOrderStore share
// (order_store_sqlite.cc: orders, transitions, reads and velocity counts;
// order_fulfillment_sqlite.cc: payments, fulfillment tasks and the outbox):
// error and validation helpers, row columns and the writes both halves make
// (payments, fulfillment tasks). Helpers only one half uses stay in its file.
#ifndef AISLE_STORE_ORDER_STORE_ROWS_INTERNAL_H_
#define AISLE_STORE_ORDER_STORE_ROWS_INTERNAL_H_

#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "store/order_store.h"
#include "store/sqlite_stores_internal.h"

namespace aisle::store::internal {

// --- Errors ------------------------------------------------------------------------

// "<reason>: <details>" with the given code (see order_store.h).
absl::Status ReasonError(absl::StatusCode code, const char* reason, const std::string& details);

template <typename T>
std::future<absl::StatusOr<T>> ReadyError(absl::Status status) {
  return ReadyFuture<absl::StatusOr<T>>(std::move(status));
}

// --- Validation (caller's thread) ---------------------------------------------------

inline bool IsDigit(char c) { return c >= '0' && c <= '9'; }

absl::Status CheckInRange(int64_t value, int64_t low, int64_t high, std::string_view field);

// A time given to a method: >= 0 (0 = the clock).
absl::Status CheckTime(int64_t ms, std::string_view field);

absl::Status CheckLimit(int64_t limit);

// A status name, an outbox kind, a risk level or action: 1-64 chars of
// [a-z0-9_.-].
absl::Status CheckToken(std::string_view value, std::string_view field);

// UTF-8, possibly empty.
absl::Status CheckUtf8(std::string_view value, std::string_view field);

absl::Status CheckMoney(int64_t cents, int64_t low, std::string_view field);

// No card number, and never the offending text in the error.
absl::Status CheckNoCardNumber(std::string_view value, std::string_view field);

// `order_id_required`: RecordPayment; a transition's payment may leave it
// empty (it is the transition's order).
absl::Status CheckPayment(const Payment& p, bool order_id_required);

absl::Status CheckTaskSpecs(const std::vector<FulfillmentTaskSpec>& tasks);

// --- Rows --------------------------------------------------------------------------------

template <typename Db>
absl::StatusOr<int64_t> QueryInt(Db& db, std::string_view sql, std::string_view text,
                                 std::optional<int64_t> number) {
  AISLE_ASSIGN_OR_RETURN(Query query, db.Prepare(sql));
  query.Bind(1, text);
  if (number) query.Bind(2, *number);
  AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
  if (!row) return absl::InternalError("store: aggregate returned no row");
  return query.Int64(0);
}

#define AISLE_PAYMENT_COLUMNS                                                           \
  "id, order_id, user_id, kind, amount_cents, status, gateway_ref, card_last4, token, " \
  "failure_reason, at_ms"

#define AISLE_TASK_COLUMNS \
  "id, order_id, warehouse_id, status, created_at_ms, completed_at_ms, cancelled_at_ms"

// --- Writes (writer thread) ------------------------------------------------------------

// A fresh id from StoreOptions::id_generator, which must be usable as a key.
absl::StatusOr<std::string> NewId(const std::function<std::string()>& new_id);

// Records `p` (validated; order_id and user_id set, at_ms resolved) after
// the capture-once and refund checks; fills in its id.
absl::Status InsertPayment(Transaction& tx, Payment& p, const std::function<std::string()>& new_id);

// Creates the order's tasks (specs validated); the order exists.
absl::StatusOr<std::vector<FulfillmentTask>> InsertTasks(
    Transaction& tx, std::string_view order_id, const std::vector<FulfillmentTaskSpec>& specs,
    int64_t now_ms, const std::function<std::string()>& new_id);

// The order's status and user, or order_not_found.
struct OrderHead {
  std::string status;
  std::string user_id;
};
absl::StatusOr<OrderHead> LoadOrderHead(Transaction& tx, std::string_view order_id);

// --- Checkout side effects (order_effects_sqlite.cc) ---------------------------------

// Caller-thread validation of CreateOrderRequest::close_cart and of a
// transition's stock and cart effects.
absl::Status CheckCloseCart(const CreateOrderRequest& request);
absl::Status CheckTransitionEffects(const TransitionRequest& request);

// Marks the cart ordered after checking it is active and holds exactly
// `lines` (order_store.h: CreateOrderRequest::close_cart).
absl::Status CloseCart(Transaction& tx, std::string_view cart_id,
                       const std::vector<CartLineRef>& lines, int64_t now_ms);

// A transition's release_reservations, commit_stock, restock,
// cancel_fulfillment and reopen_cart, in that order, at request.at_ms.
absl::Status ApplyTransitionEffects(Transaction& tx, const TransitionRequest& request);

// --- Fraud screening (order_risk_sqlite.cc) ------------------------------------------

// Caller-thread validation of CreateOrderRequest's client fields, risk and
// hold_reservations_until_ms (now_ms resolved), and of a transition's review.
absl::Status CheckScreening(const CreateOrderRequest& request);
absl::Status CheckReviewDecision(const std::optional<ReviewDecision>& review);

// CreateOrder's screening writes for the new order `order_id`, at now_ms:
// the risk row (assessed_at_ms 0 becomes now_ms) and the review hold.
absl::Status WriteScreening(Transaction& tx, const CreateOrderRequest& request,
                            std::string_view order_id, int64_t now_ms);

// Records `review` on the order's pending risk row at at_ms; the row as
// stored. risk_not_found / review_not_pending.
absl::StatusOr<RiskRecord> ApplyReviewDecision(Transaction& tx, std::string_view order_id,
                                               const ReviewDecision& review, int64_t at_ms);

// The orders `ids`, just listed in the reader's current snapshot (so they
// exist), with items and history (order_store_sqlite.cc).
absl::StatusOr<std::vector<Order>> LoadListedOrders(Connection& reader,
                                                    const std::vector<std::string>& ids);

}  // namespace aisle::store::internal

#endif  // AISLE_STORE_ORDER_STORE_ROWS_INTERNAL_H_
