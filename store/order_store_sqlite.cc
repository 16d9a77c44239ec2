// SQLite implementation of OrderStore: orders, items, status history,
// idempotency keys, payments, fulfillment tasks and the outbox.
//
// As in inventory_store_sqlite.cc, every check-then-write (idempotency key
// lookup and order insert, status compare-and-set, capture-once) runs inside
// ONE writer job: the writer runs jobs one at a time, so what a job read
// cannot change before its writes commit, and a job that returns an error is
// rolled back to its savepoint ("all or nothing" is a plain early return).
// PostgreSQL will need a unique key plus ON CONFLICT for the idempotency
// keys and conditional UPDATEs for the compare-and-set.
#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "base/utf8.h"
#include "store/order_store.h"
#include "store/reader_pool_internal.h"
#include "store/sqlite_stores_internal.h"

namespace aisle::store {
namespace {

// Debian builds abseil with its own absl::string_view: URLs as const char*.
constexpr const char* kOrderStatusUrl = "aisle/order_status";

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<std::string> CurrentOrderStatus(const absl::Status& status) {
  auto payload = status.GetPayload(kOrderStatusUrl);
  if (!payload) return std::nullopt;
  return std::string(*payload);
}

bool ContainsCardNumber(std::string_view text) {
  constexpr int kMinPanDigits = 12;
  int run = 0;  // Digits in the current run.
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (IsDigit(c)) {
      if (++run >= kMinPanDigits) return true;
    } else if ((c == ' ' || c == '-') && run > 0 && i + 1 < text.size() && IsDigit(text[i + 1])) {
      // A single separator between digits: "4111 1111 ..." is one run.
    } else {
      run = 0;
    }
  }
  return false;
}

std::string_view PaymentKindName(PaymentKind kind) {
  switch (kind) {
    case PaymentKind::kAuthorize:
      return "authorize";
    case PaymentKind::kCapture:
      return "capture";
    case PaymentKind::kRefund:
      return "refund";
    case PaymentKind::kVoid:
      return "void";
  }
  return "unknown";
}

std::string_view PaymentStatusName(PaymentStatus status) {
  switch (status) {
    case PaymentStatus::kSucceeded:
      return "succeeded";
    case PaymentStatus::kFailed:
      return "failed";
  }
  return "unknown";
}

std::string_view FulfillmentStatusName(FulfillmentStatus status) {
  switch (status) {
    case FulfillmentStatus::kPending:
      return "pending";
    case FulfillmentStatus::kCompleted:
      return "completed";
  }
  return "unknown";
}

namespace internal {
namespace {

// --- Errors ------------------------------------------------------------------------

// "<reason>: <details>" with the given code (see order_store.h).
absl::Status ReasonError(absl::StatusCode code, const char* reason, const std::string& details) {
  return absl::Status(code, absl::StrCat(reason, ": ", details));
}

absl::Status OrderNotFound(std::string_view id) {
  return ReasonError(absl::StatusCode::kNotFound, kOrderNotFoundReason, std::string(id));
}

template <typename T>
std::future<absl::StatusOr<T>> ReadyError(absl::Status status) {
  return ReadyFuture<absl::StatusOr<T>>(std::move(status));
}

// --- Validation (caller's thread) ---------------------------------------------------

absl::Status CheckInRange(int64_t value, int64_t low, int64_t high, std::string_view field) {
  if (value >= low && value <= high) return absl::OkStatus();
  return InvalidArgumentError(
      absl::StrCat(std::string(field), ": must be in [", low, ", ", high, "]"), field);
}

// A time given to a method: >= 0 (0 = the clock).
absl::Status CheckTime(int64_t ms, std::string_view field) {
  return CheckInRange(ms, 0, std::numeric_limits<int64_t>::max() / 2, field);
}

absl::Status CheckLimit(int64_t limit) { return CheckInRange(limit, 1, kMaxListLimit, "limit"); }

// UTF-8, possibly empty.
absl::Status CheckUtf8(std::string_view value, std::string_view field) {
  if (const auto bad = FindInvalidUtf8(value)) {
    return InvalidArgumentError(absl::StrCat(std::string(field), ": invalid UTF-8 at byte ", *bad),
                                field, *bad);
  }
  return absl::OkStatus();
}

// A status name or an outbox kind: 1-64 chars of [a-z0-9_.-].
absl::Status CheckToken(std::string_view value, std::string_view field) {
  constexpr size_t kMaxTokenBytes = 64;
  const bool ok = !value.empty() && value.size() <= kMaxTokenBytes &&
                  std::all_of(value.begin(), value.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || IsDigit(c) || c == '_' || c == '.' || c == '-';
                  });
  if (ok) return absl::OkStatus();
  return InvalidArgumentError(
      absl::StrCat(std::string(field), ": must be 1-64 characters of [a-z0-9_.-]"), field);
}

bool AllUpper(std::string_view value, size_t length) {
  return value.size() == length &&
         std::all_of(value.begin(), value.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

absl::Status CheckCountry(std::string_view value, bool required, std::string_view field) {
  if ((!required && value.empty()) || AllUpper(value, 2)) return absl::OkStatus();
  return InvalidArgumentError(
      absl::StrCat(std::string(field), ": must be an ISO 3166-1 alpha-2 code (\"US\")",
                   required ? "" : " or empty"),
      field);
}

absl::Status CheckCurrency(std::string_view value) {
  if (AllUpper(value, 3)) return absl::OkStatus();
  return InvalidArgumentError("currency: must be an ISO 4217 code (\"USD\")", "currency");
}

absl::Status CheckMoney(int64_t cents, int64_t low, std::string_view field) {
  return CheckInRange(cents, low, kMaxMoneyCents, field);
}

// No card number, and never the offending text in the error.
absl::Status CheckNoCardNumber(std::string_view value, std::string_view field) {
  AISLE_RETURN_IF_ERROR(CheckUtf8(value, field));
  if (!ContainsCardNumber(value)) return absl::OkStatus();
  return InvalidArgumentError(
      absl::StrCat(std::string(field),
                   ": looks like a card number (12 or more digits); only a gateway token "
                   "and the last 4 digits may be stored"),
      field);
}

absl::Status CheckAddress(const ShippingAddress& a) {
  AISLE_RETURN_IF_ERROR(CheckUtf8(a.name, "shipping.name"));
  AISLE_RETURN_IF_ERROR(CheckUtf8(a.line1, "shipping.line1"));
  AISLE_RETURN_IF_ERROR(CheckUtf8(a.line2, "shipping.line2"));
  AISLE_RETURN_IF_ERROR(CheckUtf8(a.city, "shipping.city"));
  AISLE_RETURN_IF_ERROR(CheckUtf8(a.region, "shipping.region"));
  AISLE_RETURN_IF_ERROR(CheckUtf8(a.postal_code, "shipping.postal_code"));
  AISLE_RETURN_IF_ERROR(CheckCountry(a.country, /*required=*/true, "shipping.country"));
  if (a.latitude.has_value() != a.longitude.has_value()) {
    return InvalidArgumentError("shipping.latitude: latitude and longitude go together",
                                "shipping.latitude");
  }
  if (a.latitude && !(std::isfinite(*a.latitude) && std::abs(*a.latitude) <= 90)) {
    return InvalidArgumentError("shipping.latitude: must be a number in [-90, 90]",
                                "shipping.latitude");
  }
  if (a.longitude && !(std::isfinite(*a.longitude) && std::abs(*a.longitude) <= 180)) {
    return InvalidArgumentError("shipping.longitude: must be a number in [-180, 180]",
                                "shipping.longitude");
  }
  return absl::OkStatus();
}

absl::Status CheckOutbox(const std::optional<OutboxMessage>& m) {
  if (!m) return absl::OkStatus();
  AISLE_RETURN_IF_ERROR(CheckToken(m->kind, "outbox.kind"));
  return CheckUtf8(m->payload, "outbox.payload");
}

absl::Status CheckCreateOrderRequest(const CreateOrderRequest& r) {
  if (!r.idempotency_key.empty()) {
    AISLE_RETURN_IF_ERROR(CheckUtf8(r.idempotency_key, "idempotency_key"));
    if (r.idempotency_key.size() > kMaxIdempotencyKeyBytes) {
      return InvalidArgumentError(
          absl::StrCat("idempotency_key: at most ", kMaxIdempotencyKeyBytes, " bytes"),
          "idempotency_key");
    }
    AISLE_RETURN_IF_ERROR(CheckRequiredArgument(r.request_fingerprint, "request_fingerprint"));
  } else {
    AISLE_RETURN_IF_ERROR(CheckUtf8(r.request_fingerprint, "request_fingerprint"));
  }
  AISLE_RETURN_IF_ERROR(CheckUtf8(r.order_id, "order_id"));
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(r.user_id, "user_id"));
  AISLE_RETURN_IF_ERROR(CheckUtf8(r.cart_id, "cart_id"));
  AISLE_RETURN_IF_ERROR(CheckCurrency(r.currency));
  AISLE_RETURN_IF_ERROR(CheckMoney(r.subtotal_cents, 0, "subtotal_cents"));
  AISLE_RETURN_IF_ERROR(CheckMoney(r.total_cents, 0, "total_cents"));
  AISLE_RETURN_IF_ERROR(CheckAddress(r.shipping));
  AISLE_RETURN_IF_ERROR(CheckCountry(r.billing_country, /*required=*/false, "billing_country"));
  if (r.items.empty()) return InvalidArgumentError("items: required", "items");
  // Each line is at most kMaxItemQuantity * kMaxMoneyCents (~1e24): checked
  // multiplication, and the running sum stops at the first excess.
  int64_t sum = 0;
  for (size_t i = 0; i < r.items.size(); ++i) {
    const OrderItem& item = r.items[i];
    AISLE_RETURN_IF_ERROR(CheckRequiredText(item.product_id, "items", i, "product_id"));
    AISLE_RETURN_IF_ERROR(CheckText(item.title, "items", i, "title"));
    if (item.quantity < 1 || item.quantity > kMaxItemQuantity) {
      return BadItem("items", i, "quantity",
                     absl::StrCat("must be in [1, ", kMaxItemQuantity, "]"));
    }
    if (item.unit_price_cents < 0 || item.unit_price_cents > kMaxMoneyCents) {
      return BadItem("items", i, "unit_price_cents",
                     absl::StrCat("must be in [0, ", kMaxMoneyCents, "]"));
    }
    int64_t line_total = 0;
    if (__builtin_mul_overflow(item.quantity, item.unit_price_cents, &line_total) ||
        line_total > kMaxMoneyCents || (sum += line_total) > kMaxMoneyCents) {
      return InvalidArgumentError(
          absl::StrCat("items: the order's subtotal exceeds ", kMaxMoneyCents, " minor units"),
          "items");
    }
  }
  if (sum != r.subtotal_cents) {
    return InvalidArgumentError(
        absl::StrCat("subtotal_cents: ", r.subtotal_cents,
                     " is not the items' sum of quantity * unit_price_cents (", sum, ")"),
        "subtotal_cents");
  }
  AISLE_RETURN_IF_ERROR(CheckToken(r.status, "status"));
  AISLE_RETURN_IF_ERROR(CheckUtf8(r.status_reason, "status_reason"));
  AISLE_RETURN_IF_ERROR(CheckOutbox(r.outbox));
  return CheckTime(r.now_ms, "now_ms");
}

// `order_id_required`: RecordPayment; a transition's payment may leave it
// empty (it is the transition's order).
absl::Status CheckPayment(const Payment& p, bool order_id_required) {
  AISLE_RETURN_IF_ERROR(CheckUtf8(p.id, "id"));
  if (order_id_required) {
    AISLE_RETURN_IF_ERROR(CheckRequiredArgument(p.order_id, "order_id"));
  } else {
    AISLE_RETURN_IF_ERROR(CheckUtf8(p.order_id, "order_id"));
  }
  if (p.kind != PaymentKind::kAuthorize && p.kind != PaymentKind::kCapture &&
      p.kind != PaymentKind::kRefund && p.kind != PaymentKind::kVoid) {
    return InvalidArgumentError("kind: unknown payment kind", "kind");
  }
  if (p.status != PaymentStatus::kSucceeded && p.status != PaymentStatus::kFailed) {
    return InvalidArgumentError("status: unknown payment status", "status");
  }
  AISLE_RETURN_IF_ERROR(
      CheckMoney(p.amount_cents, p.kind == PaymentKind::kVoid ? 0 : 1, "amount_cents"));
  AISLE_RETURN_IF_ERROR(CheckUtf8(p.gateway_ref, "gateway_ref"));
  if (!p.card_last4.empty() && !(p.card_last4.size() == 4 &&
                                 std::all_of(p.card_last4.begin(), p.card_last4.end(), IsDigit))) {
    // Never echo it: it may be a whole card number.
    return InvalidArgumentError("card_last4: must be exactly 4 digits, or empty", "card_last4");
  }
  AISLE_RETURN_IF_ERROR(CheckNoCardNumber(p.token, "token"));
  AISLE_RETURN_IF_ERROR(CheckNoCardNumber(p.failure_reason, "failure_reason"));
  return CheckTime(p.at_ms, "at_ms");
}

absl::Status CheckTaskSpecs(const std::vector<FulfillmentTaskSpec>& tasks) {
  std::set<std::string_view> warehouses;
  for (size_t i = 0; i < tasks.size(); ++i) {
    const FulfillmentTaskSpec& t = tasks[i];
    AISLE_RETURN_IF_ERROR(
        CheckRequiredText(t.warehouse_id, "fulfillment_tasks", i, "warehouse_id"));
    if (!warehouses.insert(t.warehouse_id).second) {
      return BadItem("fulfillment_tasks", i, "warehouse_id",
                     "duplicate (one task per warehouse allocation)");
    }
    if (t.items.empty()) return BadItem("fulfillment_tasks", i, "items", "required");
    for (size_t j = 0; j < t.items.size(); ++j) {
      const std::string list = absl::StrCat("fulfillment_tasks[", i, "].items");
      AISLE_RETURN_IF_ERROR(CheckRequiredText(t.items[j].product_id, list, j, "product_id"));
      if (t.items[j].quantity < 1 || t.items[j].quantity > kMaxItemQuantity) {
        return BadItem(list, j, "quantity", absl::StrCat("must be in [1, ", kMaxItemQuantity, "]"));
      }
    }
  }
  return absl::OkStatus();
}

absl::Status CheckTransitionRequest(const TransitionRequest& r) {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(r.order_id, "order_id"));
  AISLE_RETURN_IF_ERROR(CheckToken(r.expected_from, "expected_from"));
  AISLE_RETURN_IF_ERROR(CheckToken(r.to, "to"));
  AISLE_RETURN_IF_ERROR(CheckUtf8(r.reason, "reason"));
  AISLE_RETURN_IF_ERROR(CheckTime(r.at_ms, "at_ms"));
  AISLE_RETURN_IF_ERROR(CheckOutbox(r.outbox));
  if (r.payment) {
    AISLE_RETURN_IF_ERROR(CheckPayment(*r.payment, /*order_id_required=*/false));
    if (!r.payment->order_id.empty() && r.payment->order_id != r.order_id) {
      return InvalidArgumentError("payment.order_id: must be empty or the transition's order",
                                  "order_id");
    }
  }
  return CheckTaskSpecs(r.fulfillment_tasks);
}

// --- Rows --------------------------------------------------------------------------------

// Columns OrderFromRow reads, in order (a macro so SQL texts are literals).
#define AISLE_ORDER_COLUMNS                                                                     \
  "id, user_id, cart_id, status, status_reason, currency, subtotal_cents, total_cents, "        \
  "ship_name, ship_line1, ship_line2, ship_city, ship_region, ship_postal_code, ship_country, " \
  "ship_latitude, ship_longitude, billing_country, created_at_ms, updated_at_ms"

Order OrderFromRow(const Query& row) {
  Order o;
  o.id = row.Text(0);
  o.user_id = row.Text(1);
  o.cart_id = row.Text(2);
  o.status = row.Text(3);
  o.status_reason = row.Text(4);
  o.currency = row.Text(5);
  o.subtotal_cents = row.Int64(6);
  o.total_cents = row.Int64(7);
  o.shipping.name = row.Text(8);
  o.shipping.line1 = row.Text(9);
  o.shipping.line2 = row.Text(10);
  o.shipping.city = row.Text(11);
  o.shipping.region = row.Text(12);
  o.shipping.postal_code = row.Text(13);
  o.shipping.country = row.Text(14);
  o.shipping.latitude = row.OptionalDouble(15);
  o.shipping.longitude = row.OptionalDouble(16);
  o.billing_country = row.Text(17);
  o.created_at_ms = row.Int64(18);
  o.updated_at_ms = row.Int64(19);
  return o;
}

// `Db` is a Transaction (writer) or a Connection (reader): both Prepare.
// The order with items and history; nullopt for an unknown id.
template <typename Db>
absl::StatusOr<std::optional<Order>> LoadOrder(Db& db, std::string_view id) {
  std::optional<Order> order;
  {
    AISLE_ASSIGN_OR_RETURN(Query header,
                           db.Prepare("SELECT " AISLE_ORDER_COLUMNS " FROM orders WHERE id = ?1"));
    header.Bind(1, id);
    AISLE_ASSIGN_OR_RETURN(const bool row, header.Step());
    if (!row) return std::nullopt;
    order = OrderFromRow(header);
  }
  {
    AISLE_ASSIGN_OR_RETURN(Query items,
                           db.Prepare("SELECT line, product_id, quantity, unit_price_cents, title "
                                      "FROM order_items WHERE order_id = ?1 ORDER BY line"));
    items.Bind(1, id);
    while (true) {
      AISLE_ASSIGN_OR_RETURN(const bool row, items.Step());
      if (!row) break;
      order->items.push_back(OrderItem{.line = static_cast<int>(items.Int64(0)),
                                       .product_id = items.Text(1),
                                       .quantity = items.Int64(2),
                                       .unit_price_cents = items.Int64(3),
                                       .title = items.Text(4)});
    }
  }
  AISLE_ASSIGN_OR_RETURN(Query history,
                         db.Prepare("SELECT seq, from_status, to_status, reason, at_ms "
                                    "FROM order_status_history WHERE order_id = ?1 ORDER BY seq"));
  history.Bind(1, id);
  while (true) {
    AISLE_ASSIGN_OR_RETURN(const bool row, history.Step());
    if (!row) break;
    order->history.push_back(StatusChange{.seq = static_cast<int>(history.Int64(0)),
                                          .from_status = history.Text(1),  // NULL reads as "".
                                          .to_status = history.Text(2),
                                          .reason = history.Text(3),
                                          .at_ms = history.Int64(4)});
  }
  return order;
}

// Loads each id of `ids` (which must exist: they were just listed in the
// same snapshot).
template <typename Db>
absl::StatusOr<std::vector<Order>> LoadOrders(Db& db, const std::vector<std::string>& ids) {
  std::vector<Order> orders;
  orders.reserve(ids.size());
  for (const std::string& id : ids) {
    AISLE_ASSIGN_OR_RETURN(std::optional<Order> order, LoadOrder(db, id));
    if (!order) return absl::InternalError(absl::StrCat("store: order ", id, " vanished"));
    orders.push_back(*std::move(order));
  }
  return orders;
}

// The first column of every row of `query`, as text.
absl::StatusOr<std::vector<std::string>> TextColumn(Query& query) {
  std::vector<std::string> values;
  while (true) {
    AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (!row) return values;
    values.push_back(query.Text(0));
  }
}

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

std::optional<PaymentKind> ParsePaymentKind(std::string_view name) {
  for (PaymentKind k :
       {PaymentKind::kAuthorize, PaymentKind::kCapture, PaymentKind::kRefund, PaymentKind::kVoid}) {
    if (PaymentKindName(k) == name) return k;
  }
  return std::nullopt;
}

#define AISLE_PAYMENT_COLUMNS                                                           \
  "id, order_id, user_id, kind, amount_cents, status, gateway_ref, card_last4, token, " \
  "failure_reason, at_ms"

absl::StatusOr<Payment> PaymentFromRow(const Query& row) {
  Payment p;
  p.id = row.Text(0);
  p.order_id = row.Text(1);
  p.user_id = row.Text(2);
  const std::string kind = row.Text(3);
  const std::optional<PaymentKind> parsed = ParsePaymentKind(kind);
  if (!parsed) {
    return absl::DataLossError(
        absl::StrCat("store: payment ", p.id, " has unknown kind \"", kind, "\""));
  }
  p.kind = *parsed;
  p.amount_cents = row.Int64(4);
  const std::string status = row.Text(5);
  if (status == PaymentStatusName(PaymentStatus::kSucceeded)) {
    p.status = PaymentStatus::kSucceeded;
  } else if (status == PaymentStatusName(PaymentStatus::kFailed)) {
    p.status = PaymentStatus::kFailed;
  } else {
    return absl::DataLossError(
        absl::StrCat("store: payment ", p.id, " has unknown status \"", status, "\""));
  }
  p.gateway_ref = row.Text(6);
  p.card_last4 = row.Text(7);
  p.token = row.Text(8);
  p.failure_reason = row.Text(9);
  p.at_ms = row.Int64(10);
  return p;
}

#define AISLE_TASK_COLUMNS "id, order_id, warehouse_id, status, created_at_ms, completed_at_ms"

absl::StatusOr<FulfillmentTask> TaskFromRow(const Query& row) {
  FulfillmentTask t;
  t.id = row.Text(0);
  t.order_id = row.Text(1);
  t.warehouse_id = row.Text(2);
  const std::string status = row.Text(3);
  if (status == FulfillmentStatusName(FulfillmentStatus::kPending)) {
    t.status = FulfillmentStatus::kPending;
  } else if (status == FulfillmentStatusName(FulfillmentStatus::kCompleted)) {
    t.status = FulfillmentStatus::kCompleted;
  } else {
    return absl::DataLossError(
        absl::StrCat("store: fulfillment task ", t.id, " has unknown status \"", status, "\""));
  }
  t.created_at_ms = row.Int64(4);
  t.completed_at_ms = row.OptionalInt64(5);
  return t;
}

// Fills in each task's items.
template <typename Db>
absl::Status LoadTaskItems(Db& db, std::vector<FulfillmentTask>& tasks) {
  for (FulfillmentTask& t : tasks) {
    AISLE_ASSIGN_OR_RETURN(Query items,
                           db.Prepare("SELECT product_id, quantity FROM fulfillment_task_items "
                                      "WHERE task_id = ?1 ORDER BY line"));
    items.Bind(1, t.id);
    while (true) {
      AISLE_ASSIGN_OR_RETURN(const bool row, items.Step());
      if (!row) break;
      t.items.push_back({.product_id = items.Text(0), .quantity = items.Int64(1)});
    }
  }
  return absl::OkStatus();
}

// The tasks `query` (selecting AISLE_TASK_COLUMNS) returns, with items.
template <typename Db>
absl::StatusOr<std::vector<FulfillmentTask>> ReadTasks(Db& db, Query& query) {
  std::vector<FulfillmentTask> tasks;
  while (true) {
    AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (!row) break;
    AISLE_ASSIGN_OR_RETURN(FulfillmentTask t, TaskFromRow(query));
    tasks.push_back(std::move(t));
  }
  AISLE_RETURN_IF_ERROR(LoadTaskItems(db, tasks));
  return tasks;
}

template <typename Db>
absl::StatusOr<std::optional<FulfillmentTask>> LoadTask(Db& db, std::string_view id) {
  AISLE_ASSIGN_OR_RETURN(Query query, db.Prepare("SELECT " AISLE_TASK_COLUMNS
                                                 " FROM fulfillment_tasks WHERE id = ?1"));
  query.Bind(1, id);
  AISLE_ASSIGN_OR_RETURN(std::vector<FulfillmentTask> tasks, ReadTasks(db, query));
  if (tasks.empty()) return std::nullopt;
  return std::move(tasks.front());
}

#define AISLE_OUTBOX_COLUMNS                                                 \
  "seq, order_id, kind, payload, created_at_ms, delivered_at_ms, attempts, " \
  "next_attempt_at_ms, last_error"

OutboxEntry OutboxFromRow(const Query& row) {
  return OutboxEntry{.seq = row.Int64(0),
                     .order_id = row.Text(1),
                     .kind = row.Text(2),
                     .payload = row.Text(3),
                     .created_at_ms = row.Int64(4),
                     .delivered_at_ms = row.OptionalInt64(5),
                     .attempts = static_cast<int>(row.Int64(6)),
                     .next_attempt_at_ms = row.Int64(7),
                     .last_error = row.Text(8)};
}

absl::StatusOr<std::vector<OutboxEntry>> ReadOutbox(Query& query) {
  std::vector<OutboxEntry> entries;
  while (true) {
    AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (!row) return entries;
    entries.push_back(OutboxFromRow(query));
  }
}

template <typename Db>
absl::StatusOr<std::optional<OutboxEntry>> LoadOutboxEntry(Db& db, int64_t seq) {
  AISLE_ASSIGN_OR_RETURN(Query query,
                         db.Prepare("SELECT " AISLE_OUTBOX_COLUMNS " FROM outbox WHERE seq = ?1"));
  query.Bind(1, seq);
  AISLE_ASSIGN_OR_RETURN(std::vector<OutboxEntry> entries, ReadOutbox(query));
  if (entries.empty()) return std::nullopt;
  return std::move(entries.front());
}

// --- Writes (writer thread) ------------------------------------------------------------

// A fresh id from StoreOptions::id_generator, which must be usable as a key.
absl::StatusOr<std::string> NewId(const std::function<std::string()>& new_id) {
  std::string id = new_id();
  if (id.empty() || FindInvalidUtf8(id)) {
    return absl::InternalError("store: id_generator returned an empty or non-UTF-8 id");
  }
  return id;
}

absl::Status InsertHistory(Transaction& tx, std::string_view order_id, const StatusChange& c) {
  AISLE_ASSIGN_OR_RETURN(
      Query insert,
      tx.Prepare("INSERT INTO order_status_history(order_id, seq, from_status, to_status, reason, "
                 "at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  insert.Bind(1, order_id);
  insert.Bind(2, c.seq);
  if (c.from_status.empty()) {
    insert.BindNull(3);
  } else {
    insert.Bind(3, c.from_status);
  }
  insert.Bind(4, c.to_status);
  insert.Bind(5, c.reason);
  insert.Bind(6, c.at_ms);
  return insert.Run();
}

// Writes the order's header, items and first history row.
absl::Status InsertOrder(Transaction& tx, const Order& o) {
  {
    AISLE_ASSIGN_OR_RETURN(
        Query insert,
        tx.Prepare("INSERT INTO orders(" AISLE_ORDER_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                   "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)"));
    insert.Bind(1, o.id);
    insert.Bind(2, o.user_id);
    insert.Bind(3, o.cart_id);
    insert.Bind(4, o.status);
    insert.Bind(5, o.status_reason);
    insert.Bind(6, o.currency);
    insert.Bind(7, o.subtotal_cents);
    insert.Bind(8, o.total_cents);
    insert.Bind(9, o.shipping.name);
    insert.Bind(10, o.shipping.line1);
    insert.Bind(11, o.shipping.line2);
    insert.Bind(12, o.shipping.city);
    insert.Bind(13, o.shipping.region);
    insert.Bind(14, o.shipping.postal_code);
    insert.Bind(15, o.shipping.country);
    insert.Bind(16, o.shipping.latitude);
    insert.Bind(17, o.shipping.longitude);
    insert.Bind(18, o.billing_country);
    insert.Bind(19, o.created_at_ms);
    insert.Bind(20, o.updated_at_ms);
    AISLE_RETURN_IF_ERROR(insert.Run());
  }
  AISLE_ASSIGN_OR_RETURN(Query item,
                         tx.Prepare("INSERT INTO order_items(order_id, line, product_id, quantity, "
                                    "unit_price_cents, title) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
  for (const OrderItem& i : o.items) {
    item.Bind(1, o.id);
    item.Bind(2, i.line);
    item.Bind(3, i.product_id);
    item.Bind(4, i.quantity);
    item.Bind(5, i.unit_price_cents);
    item.Bind(6, i.title);
    AISLE_RETURN_IF_ERROR(item.Run());
    item.Reset();
  }
  return InsertHistory(tx, o.id, o.history.front());
}

// Appends a message to the order's outbox queue, due at once; its seq.
absl::StatusOr<int64_t> InsertOutbox(Transaction& tx, std::string_view order_id,
                                     const OutboxMessage& m, int64_t now_ms) {
  AISLE_ASSIGN_OR_RETURN(
      Query insert,
      tx.Prepare("INSERT INTO outbox(order_id, kind, payload, created_at_ms, delivered_at_ms, "
                 "attempts, next_attempt_at_ms, last_error) VALUES (?1, ?2, ?3, ?4, NULL, 0, ?4, "
                 "'')"));
  insert.Bind(1, order_id);
  insert.Bind(2, m.kind);
  insert.Bind(3, m.payload);
  insert.Bind(4, now_ms);
  AISLE_RETURN_IF_ERROR(insert.Run());
  return tx.LastInsertRowid();
}

// Sum of the order's succeeded payments of `kind`.
absl::StatusOr<int64_t> SucceededAmount(Transaction& tx, std::string_view order_id,
                                        PaymentKind kind) {
  AISLE_ASSIGN_OR_RETURN(Query sum,
                         tx.Prepare("SELECT coalesce(sum(amount_cents), 0) FROM payments "
                                    "WHERE order_id = ?1 AND kind = ?2 AND status = 'succeeded'"));
  sum.Bind(1, order_id);
  sum.Bind(2, PaymentKindName(kind));
  AISLE_ASSIGN_OR_RETURN(const bool row, sum.Step());
  if (!row) return absl::InternalError("store: aggregate returned no row");
  return sum.Int64(0);
}

// Records `p` (validated; order_id and user_id set, at_ms resolved) after
// the capture-once and refund checks; fills in its id.
absl::Status InsertPayment(Transaction& tx, Payment& p,
                           const std::function<std::string()>& new_id) {
  if (p.status == PaymentStatus::kSucceeded && p.kind == PaymentKind::kCapture) {
    AISLE_ASSIGN_OR_RETURN(const int64_t captured,
                           SucceededAmount(tx, p.order_id, PaymentKind::kCapture));
    if (captured > 0) {
      return ReasonError(
          absl::StatusCode::kFailedPrecondition, kAlreadyCapturedReason,
          absl::StrCat("order ", p.order_id, " already has a capture of ", captured));
    }
  }
  if (p.status == PaymentStatus::kSucceeded && p.kind == PaymentKind::kRefund) {
    AISLE_ASSIGN_OR_RETURN(const int64_t captured,
                           SucceededAmount(tx, p.order_id, PaymentKind::kCapture));
    AISLE_ASSIGN_OR_RETURN(const int64_t refunded,
                           SucceededAmount(tx, p.order_id, PaymentKind::kRefund));
    if (refunded + p.amount_cents > captured) {
      return ReasonError(absl::StatusCode::kFailedPrecondition, kRefundExceedsCaptureReason,
                         absl::StrCat("order ", p.order_id, ": captured ", captured, ", refunded ",
                                      refunded, ", refunding ", p.amount_cents));
    }
  }
  if (p.id.empty()) {
    AISLE_ASSIGN_OR_RETURN(p.id, NewId(new_id));
  }
  AISLE_ASSIGN_OR_RETURN(Query insert,
                         tx.Prepare("INSERT INTO payments(" AISLE_PAYMENT_COLUMNS
                                    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
  insert.Bind(1, p.id);
  insert.Bind(2, p.order_id);
  insert.Bind(3, p.user_id);
  insert.Bind(4, PaymentKindName(p.kind));
  insert.Bind(5, p.amount_cents);
  insert.Bind(6, PaymentStatusName(p.status));
  insert.Bind(7, p.gateway_ref);
  insert.Bind(8, p.card_last4);
  insert.Bind(9, p.token);
  insert.Bind(10, p.failure_reason);
  insert.Bind(11, p.at_ms);
  return insert.Run();
}

// Creates the order's tasks (specs validated); the order exists.
absl::StatusOr<std::vector<FulfillmentTask>> InsertTasks(
    Transaction& tx, std::string_view order_id, const std::vector<FulfillmentTaskSpec>& specs,
    int64_t now_ms, const std::function<std::string()>& new_id) {
  std::vector<FulfillmentTask> created;
  for (const FulfillmentTaskSpec& spec : specs) {
    // Checked here for errors naming the warehouse; the foreign key and the
    // UNIQUE(order_id, warehouse_id) constraint would only say "constraint
    // failed".
    AISLE_ASSIGN_OR_RETURN(const int64_t known,
                           QueryInt(tx, "SELECT count(*) FROM warehouses WHERE id = ?1",
                                    spec.warehouse_id, std::nullopt));
    if (known == 0) {
      return ReasonError(absl::StatusCode::kNotFound, kWarehouseNotFoundReason, spec.warehouse_id);
    }
    {
      AISLE_ASSIGN_OR_RETURN(Query existing,
                             tx.Prepare("SELECT id FROM fulfillment_tasks "
                                        "WHERE order_id = ?1 AND warehouse_id = ?2"));
      existing.Bind(1, order_id);
      existing.Bind(2, spec.warehouse_id);
      AISLE_ASSIGN_OR_RETURN(const bool row, existing.Step());
      if (row) {
        return ReasonError(absl::StatusCode::kFailedPrecondition, kFulfillmentTaskExistsReason,
                           absl::StrCat("order ", std::string(order_id), " already has task ",
                                        existing.Text(0), " at warehouse ", spec.warehouse_id));
      }
    }
    FulfillmentTask task{.order_id = std::string(order_id),
                         .warehouse_id = spec.warehouse_id,
                         .status = FulfillmentStatus::kPending,
                         .items = spec.items,
                         .created_at_ms = now_ms};
    AISLE_ASSIGN_OR_RETURN(task.id, NewId(new_id));
    {
      AISLE_ASSIGN_OR_RETURN(Query insert,
                             tx.Prepare("INSERT INTO fulfillment_tasks(" AISLE_TASK_COLUMNS
                                        ") VALUES (?1, ?2, ?3, 'pending', ?4, NULL)"));
      insert.Bind(1, task.id);
      insert.Bind(2, task.order_id);
      insert.Bind(3, task.warehouse_id);
      insert.Bind(4, now_ms);
      AISLE_RETURN_IF_ERROR(insert.Run());
    }
    AISLE_ASSIGN_OR_RETURN(
        Query item, tx.Prepare("INSERT INTO fulfillment_task_items(task_id, line, product_id, "
                               "quantity) VALUES (?1, ?2, ?3, ?4)"));
    for (size_t i = 0; i < task.items.size(); ++i) {
      item.Bind(1, task.id);
      item.Bind(2, static_cast<int64_t>(i + 1));
      item.Bind(3, task.items[i].product_id);
      item.Bind(4, task.items[i].quantity);
      AISLE_RETURN_IF_ERROR(item.Run());
      item.Reset();
    }
    created.push_back(std::move(task));
  }
  return created;
}

// The order's status and user, or order_not_found.
struct OrderHead {
  std::string status;
  std::string user_id;
};
absl::StatusOr<OrderHead> LoadOrderHead(Transaction& tx, std::string_view order_id) {
  AISLE_ASSIGN_OR_RETURN(Query query,
                         tx.Prepare("SELECT status, user_id FROM orders WHERE id = ?1"));
  query.Bind(1, order_id);
  AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
  if (!row) return OrderNotFound(order_id);
  return OrderHead{query.Text(0), query.Text(1)};
}

}  // namespace

// --- Orders ------------------------------------------------------------------------------

std::future<absl::StatusOr<CreateOrderResult>> SqliteOrderStore::CreateOrder(
    CreateOrderRequest request) {
  if (absl::Status status = CheckCreateOrderRequest(request); !status.ok()) {
    return ReadyError<CreateOrderResult>(std::move(status));
  }
  request.now_ms = Now(request.now_ms);
  return backend_.writer->Submit([this, request = std::move(request)](
                                     Transaction& tx) -> absl::StatusOr<CreateOrderResult> {
    if (!request.idempotency_key.empty()) {
      std::string order_id;
      std::string fingerprint;
      {
        AISLE_ASSIGN_OR_RETURN(
            Query key, tx.Prepare("SELECT order_id, request_fingerprint FROM idempotency_keys "
                                  "WHERE key = ?1"));
        key.Bind(1, request.idempotency_key);
        AISLE_ASSIGN_OR_RETURN(const bool row, key.Step());
        if (row) {
          order_id = key.Text(0);
          fingerprint = key.Text(1);
        }
      }
      if (!order_id.empty()) {
        AISLE_ASSIGN_OR_RETURN(std::optional<Order> existing, LoadOrder(tx, order_id));
        if (!existing) {
          return absl::DataLossError(
              absl::StrCat("store: idempotency key refers to missing order ", order_id));
        }
        // Another user's key is refused like another request's: never show
        // one shopper another's order.
        if (fingerprint != request.request_fingerprint || existing->user_id != request.user_id) {
          return ReasonError(absl::StatusCode::kFailedPrecondition, kIdempotencyKeyReusedReason,
                             "the key was already used for a different request");
        }
        return CreateOrderResult{.order = *std::move(existing), .created = false};
      }
    }
    Order o{.user_id = request.user_id,
            .cart_id = request.cart_id,
            .status = request.status,
            .status_reason = request.status_reason,
            .currency = request.currency,
            .subtotal_cents = request.subtotal_cents,
            .total_cents = request.total_cents,
            .shipping = request.shipping,
            .billing_country = request.billing_country,
            .created_at_ms = request.now_ms,
            .updated_at_ms = request.now_ms,
            .items = request.items,
            .history = {StatusChange{.seq = 1,
                                     .to_status = request.status,
                                     .reason = request.status_reason,
                                     .at_ms = request.now_ms}}};
    if (request.order_id.empty()) {
      AISLE_ASSIGN_OR_RETURN(o.id, NewId(new_id_));
    } else {
      o.id = request.order_id;
    }
    for (size_t i = 0; i < o.items.size(); ++i) o.items[i].line = static_cast<int>(i + 1);
    AISLE_RETURN_IF_ERROR(InsertOrder(tx, o));
    if (!request.idempotency_key.empty()) {
      AISLE_ASSIGN_OR_RETURN(
          Query key, tx.Prepare("INSERT INTO idempotency_keys(key, order_id, request_fingerprint, "
                                "created_at_ms) VALUES (?1, ?2, ?3, ?4)"));
      key.Bind(1, request.idempotency_key);
      key.Bind(2, o.id);
      key.Bind(3, request.request_fingerprint);
      key.Bind(4, request.now_ms);
      AISLE_RETURN_IF_ERROR(key.Run());
    }
    if (request.outbox) {
      AISLE_RETURN_IF_ERROR(InsertOutbox(tx, o.id, *request.outbox, request.now_ms).status());
    }
    return CreateOrderResult{.order = std::move(o), .created = true};
  });
}

std::future<absl::StatusOr<TransitionResult>> SqliteOrderStore::TransitionOrder(
    TransitionRequest request) {
  if (absl::Status status = CheckTransitionRequest(request); !status.ok()) {
    return ReadyError<TransitionResult>(std::move(status));
  }
  request.at_ms = Now(request.at_ms);
  return backend_.writer->Submit([this, request = std::move(request)](
                                     Transaction& tx) -> absl::StatusOr<TransitionResult> {
    AISLE_ASSIGN_OR_RETURN(const OrderHead head, LoadOrderHead(tx, request.order_id));
    if (head.status != request.expected_from) {
      absl::Status changed =
          ReasonError(absl::StatusCode::kFailedPrecondition, kStatusChangedReason,
                      absl::StrCat("order ", request.order_id, " is ", head.status, ", expected ",
                                   request.expected_from));
      changed.SetPayload(kOrderStatusUrl, absl::Cord(head.status));
      return changed;
    }
    AISLE_ASSIGN_OR_RETURN(
        const int64_t last_seq,
        QueryInt(tx, "SELECT coalesce(max(seq), 0) FROM order_status_history WHERE order_id = ?1",
                 request.order_id, std::nullopt));
    TransitionResult result;
    result.change = StatusChange{.seq = static_cast<int>(last_seq + 1),
                                 .from_status = head.status,
                                 .to_status = request.to,
                                 .reason = request.reason,
                                 .at_ms = request.at_ms};
    {
      AISLE_ASSIGN_OR_RETURN(Query update,
                             tx.Prepare("UPDATE orders SET status = ?2, status_reason = ?3, "
                                        "updated_at_ms = ?4 WHERE id = ?1 AND status = ?5"));
      update.Bind(1, request.order_id);
      update.Bind(2, request.to);
      update.Bind(3, request.reason);
      update.Bind(4, request.at_ms);
      update.Bind(5, request.expected_from);
      AISLE_RETURN_IF_ERROR(update.Run());
      if (tx.Changes() != 1) return absl::InternalError("store: order changed mid-job");
    }
    AISLE_RETURN_IF_ERROR(InsertHistory(tx, request.order_id, result.change));
    if (request.payment) {
      Payment p = *request.payment;
      p.order_id = request.order_id;
      p.user_id = head.user_id;
      if (p.at_ms == 0) p.at_ms = request.at_ms;
      AISLE_RETURN_IF_ERROR(InsertPayment(tx, p, new_id_));
      result.payment = std::move(p);
    }
    if (!request.fulfillment_tasks.empty()) {
      AISLE_ASSIGN_OR_RETURN(
          result.fulfillment_tasks,
          InsertTasks(tx, request.order_id, request.fulfillment_tasks, request.at_ms, new_id_));
    }
    if (request.outbox) {
      AISLE_ASSIGN_OR_RETURN(result.outbox_seq,
                             InsertOutbox(tx, request.order_id, *request.outbox, request.at_ms));
    }
    return result;
  });
}

absl::StatusOr<std::optional<Order>> SqliteOrderStore::GetOrder(std::string_view order_id) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(order_id, "order_id"));
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  // One snapshot: header, items and history must describe the same moment.
  AISLE_ASSIGN_OR_RETURN(ReadSnapshot snapshot, ReadSnapshot::Begin(*reader));
  return LoadOrder(*reader, order_id);
}

absl::StatusOr<std::optional<Order>> SqliteOrderStore::GetOrderByIdempotencyKey(
    std::string_view idempotency_key) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(idempotency_key, "idempotency_key"));
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(ReadSnapshot snapshot, ReadSnapshot::Begin(*reader));
  std::string order_id;
  {
    AISLE_ASSIGN_OR_RETURN(Query key,
                           reader->Prepare("SELECT order_id FROM idempotency_keys WHERE key = ?1"));
    key.Bind(1, idempotency_key);
    AISLE_ASSIGN_OR_RETURN(const bool row, key.Step());
    if (!row) return std::nullopt;
    order_id = key.Text(0);
  }
  return LoadOrder(*reader, order_id);
}

absl::StatusOr<std::vector<Order>> SqliteOrderStore::ListOrdersOfUser(std::string_view user_id,
                                                                      int64_t limit) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(user_id, "user_id"));
  AISLE_RETURN_IF_ERROR(CheckLimit(limit));
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(ReadSnapshot snapshot, ReadSnapshot::Begin(*reader));
  std::vector<std::string> ids;
  {
    AISLE_ASSIGN_OR_RETURN(Query query,
                           reader->Prepare("SELECT id FROM orders WHERE user_id = ?1 "
                                           "ORDER BY created_at_ms DESC, id DESC LIMIT ?2"));
    query.Bind(1, user_id);
    query.Bind(2, limit);
    AISLE_ASSIGN_OR_RETURN(ids, TextColumn(query));
  }
  return LoadOrders(*reader, ids);
}

absl::StatusOr<std::vector<Order>> SqliteOrderStore::ListOrdersInStatus(std::string_view status,
                                                                        int64_t updated_before_ms,
                                                                        int64_t limit) const {
  AISLE_RETURN_IF_ERROR(CheckToken(status, "status"));
  AISLE_RETURN_IF_ERROR(CheckTime(updated_before_ms, "updated_before_ms"));
  AISLE_RETURN_IF_ERROR(CheckLimit(limit));
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(ReadSnapshot snapshot, ReadSnapshot::Begin(*reader));
  std::vector<std::string> ids;
  {
    AISLE_ASSIGN_OR_RETURN(
        Query query, reader->Prepare("SELECT id FROM orders WHERE status = ?1 AND "
                                     "updated_at_ms <= ?2 ORDER BY updated_at_ms, id LIMIT ?3"));
    query.Bind(1, status);
    query.Bind(2, updated_before_ms);
    query.Bind(3, limit);
    AISLE_ASSIGN_OR_RETURN(ids, TextColumn(query));
  }
  return LoadOrders(*reader, ids);
}

// --- Velocity --------------------------------------------------------------------------

absl::StatusOr<int64_t> SqliteOrderStore::CountOrders(std::string_view user_id,
                                                      int64_t since_ms) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(user_id, "user_id"));
  AISLE_RETURN_IF_ERROR(CheckTime(since_ms, "since_ms"));
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  return QueryInt(*reader, "SELECT count(*) FROM orders WHERE user_id = ?1 AND created_at_ms >= ?2",
                  user_id, since_ms);
}

absl::StatusOr<std::map<std::string, int64_t>> SqliteOrderStore::SumOrderTotals(
    std::string_view user_id, int64_t since_ms) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(user_id, "user_id"));
  AISLE_RETURN_IF_ERROR(CheckTime(since_ms, "since_ms"));
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(
      Query query, reader->Prepare("SELECT currency, sum(total_cents) FROM orders "
                                   "WHERE user_id = ?1 AND created_at_ms >= ?2 GROUP BY currency"));
  query.Bind(1, user_id);
  query.Bind(2, since_ms);
  std::map<std::string, int64_t> totals;
  while (true) {
    AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (!row) return totals;
    totals[query.Text(0)] = query.Int64(1);
  }
}

absl::StatusOr<int64_t> SqliteOrderStore::CountFailedPayments(std::string_view user_id,
                                                              int64_t since_ms) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(user_id, "user_id"));
  AISLE_RETURN_IF_ERROR(CheckTime(since_ms, "since_ms"));
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  // `status = 'failed'` lets SQLite use the partial index failed_payments_by_user.
  return QueryInt(*reader,
                  "SELECT count(*) FROM payments WHERE user_id = ?1 AND status = 'failed' "
                  "AND at_ms >= ?2",
                  user_id, since_ms);
}

// --- Payments --------------------------------------------------------------------------

std::future<absl::StatusOr<Payment>> SqliteOrderStore::RecordPayment(Payment payment) {
  if (absl::Status status = CheckPayment(payment, /*order_id_required=*/true); !status.ok()) {
    return ReadyError<Payment>(std::move(status));
  }
  payment.at_ms = Now(payment.at_ms);
  return backend_.writer->Submit(
      [this, payment = std::move(payment)](Transaction& tx) mutable -> absl::StatusOr<Payment> {
        AISLE_ASSIGN_OR_RETURN(const OrderHead head, LoadOrderHead(tx, payment.order_id));
        payment.user_id = head.user_id;
        AISLE_RETURN_IF_ERROR(InsertPayment(tx, payment, new_id_));
        return payment;
      });
}

absl::StatusOr<std::vector<Payment>> SqliteOrderStore::ListPayments(
    std::string_view order_id) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(order_id, "order_id"));
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  // rowid: the order of insertion among payments with the same at_ms.
  AISLE_ASSIGN_OR_RETURN(Query query,
                         reader->Prepare("SELECT " AISLE_PAYMENT_COLUMNS " FROM payments "
                                         "WHERE order_id = ?1 ORDER BY at_ms, rowid"));
  query.Bind(1, order_id);
  std::vector<Payment> payments;
  while (true) {
    AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (!row) return payments;
    AISLE_ASSIGN_OR_RETURN(Payment p, PaymentFromRow(query));
    payments.push_back(std::move(p));
  }
}

// --- Fulfillment --------------------------------------------------------------------------

std::future<absl::StatusOr<std::vector<FulfillmentTask>>> SqliteOrderStore::CreateFulfillmentTasks(
    std::string order_id, std::vector<FulfillmentTaskSpec> tasks, int64_t now_ms) {
  absl::Status valid = CheckRequiredArgument(order_id, "order_id");
  if (valid.ok() && tasks.empty()) {
    valid = InvalidArgumentError("fulfillment_tasks: required", "fulfillment_tasks");
  }
  if (valid.ok()) valid = CheckTaskSpecs(tasks);
  if (valid.ok()) valid = CheckTime(now_ms, "now_ms");
  if (!valid.ok()) return ReadyError<std::vector<FulfillmentTask>>(std::move(valid));
  const int64_t now = Now(now_ms);
  return backend_.writer->Submit(
      [this, order_id = std::move(order_id), tasks = std::move(tasks),
       now](Transaction& tx) -> absl::StatusOr<std::vector<FulfillmentTask>> {
        AISLE_RETURN_IF_ERROR(LoadOrderHead(tx, order_id).status());
        return InsertTasks(tx, order_id, tasks, now, new_id_);
      });
}

absl::StatusOr<std::vector<FulfillmentTask>> SqliteOrderStore::ListFulfillmentTasks(
    std::string_view warehouse_id, FulfillmentStatus status, int64_t limit) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(warehouse_id, "warehouse_id"));
  AISLE_RETURN_IF_ERROR(CheckLimit(limit));
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(ReadSnapshot snapshot, ReadSnapshot::Begin(*reader));
  AISLE_ASSIGN_OR_RETURN(
      Query query,
      reader->Prepare("SELECT " AISLE_TASK_COLUMNS " FROM fulfillment_tasks WHERE warehouse_id = "
                      "?1 AND status = ?2 ORDER BY created_at_ms, id LIMIT ?3"));
  query.Bind(1, warehouse_id);
  query.Bind(2, FulfillmentStatusName(status));
  query.Bind(3, limit);
  return ReadTasks(*reader, query);
}

absl::StatusOr<std::vector<FulfillmentTask>> SqliteOrderStore::ListOrderFulfillmentTasks(
    std::string_view order_id) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(order_id, "order_id"));
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(ReadSnapshot snapshot, ReadSnapshot::Begin(*reader));
  AISLE_ASSIGN_OR_RETURN(Query query,
                         reader->Prepare("SELECT " AISLE_TASK_COLUMNS " FROM fulfillment_tasks "
                                         "WHERE order_id = ?1 ORDER BY warehouse_id"));
  query.Bind(1, order_id);
  return ReadTasks(*reader, query);
}

std::future<absl::StatusOr<FulfillmentCompletion>> SqliteOrderStore::CompleteFulfillmentTask(
    std::string task_id, int64_t now_ms) {
  absl::Status valid = CheckRequiredArgument(task_id, "task_id");
  if (valid.ok()) valid = CheckTime(now_ms, "now_ms");
  if (!valid.ok()) return ReadyError<FulfillmentCompletion>(std::move(valid));
  const int64_t now = Now(now_ms);
  return backend_.writer->Submit([task_id = std::move(task_id),
                                  now](Transaction& tx) -> absl::StatusOr<FulfillmentCompletion> {
    AISLE_ASSIGN_OR_RETURN(std::optional<FulfillmentTask> task, LoadTask(tx, task_id));
    if (!task) {
      return ReasonError(absl::StatusCode::kNotFound, kFulfillmentTaskNotFoundReason, task_id);
    }
    FulfillmentCompletion completion;
    if (task->status == FulfillmentStatus::kCompleted) {
      completion.already_completed = true;
    } else {
      AISLE_ASSIGN_OR_RETURN(
          Query update, tx.Prepare("UPDATE fulfillment_tasks SET status = 'completed', "
                                   "completed_at_ms = ?2 WHERE id = ?1 AND status = 'pending'"));
      update.Bind(1, task_id);
      update.Bind(2, now);
      AISLE_RETURN_IF_ERROR(update.Run());
      if (tx.Changes() != 1) return absl::InternalError("store: task changed mid-job");
      task->status = FulfillmentStatus::kCompleted;
      task->completed_at_ms = now;
    }
    AISLE_ASSIGN_OR_RETURN(
        const int64_t pending,
        QueryInt(tx,
                 "SELECT count(*) FROM fulfillment_tasks WHERE order_id = ?1 AND "
                 "status = 'pending'",
                 task->order_id, std::nullopt));
    completion.order_fulfilled = pending == 0;
    completion.task = *std::move(task);
    return completion;
  });
}

// --- Outbox ------------------------------------------------------------------------------

absl::StatusOr<std::vector<OutboxEntry>> SqliteOrderStore::PendingOutbox(int64_t now_ms,
                                                                         int64_t limit) const {
  AISLE_RETURN_IF_ERROR(CheckTime(now_ms, "now_ms"));
  AISLE_RETURN_IF_ERROR(CheckLimit(limit));
  const int64_t now = Now(now_ms);
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  // Per order, only the head of its undelivered queue (whether due or not)
  // may be offered: that keeps delivery in order per order. The NOT EXISTS
  // probe is served by outbox_pending_by_order.
  AISLE_ASSIGN_OR_RETURN(
      Query query,
      reader->Prepare("SELECT " AISLE_OUTBOX_COLUMNS " FROM outbox AS o "
                      "WHERE o.delivered_at_ms IS NULL AND o.next_attempt_at_ms <= ?1 "
                      "AND NOT EXISTS (SELECT 1 FROM outbox AS e WHERE e.order_id = o.order_id "
                      "AND e.delivered_at_ms IS NULL AND e.seq < o.seq) "
                      "ORDER BY o.seq LIMIT ?2"));
  query.Bind(1, now);
  query.Bind(2, limit);
  return ReadOutbox(query);
}

std::future<absl::Status> SqliteOrderStore::MarkDelivered(int64_t seq, int64_t now_ms) {
  absl::Status valid = CheckInRange(seq, 1, std::numeric_limits<int64_t>::max(), "seq");
  if (valid.ok()) valid = CheckTime(now_ms, "now_ms");
  if (!valid.ok()) return ReadyFuture(std::move(valid));
  const int64_t now = Now(now_ms);
  return backend_.writer->Submit([seq, now](Transaction& tx) -> absl::Status {
    AISLE_ASSIGN_OR_RETURN(
        Query update, tx.Prepare("UPDATE outbox SET delivered_at_ms = ?2, attempts = attempts + 1 "
                                 "WHERE seq = ?1 AND delivered_at_ms IS NULL"));
    update.Bind(1, seq);
    update.Bind(2, now);
    AISLE_RETURN_IF_ERROR(update.Run());
    if (tx.Changes() == 1) return absl::OkStatus();
    AISLE_ASSIGN_OR_RETURN(const std::optional<OutboxEntry> entry, LoadOutboxEntry(tx, seq));
    if (!entry) {
      return ReasonError(absl::StatusCode::kNotFound, kOutboxMessageNotFoundReason,
                         absl::StrCat(seq));
    }
    return absl::OkStatus();  // Delivered before: a retry.
  });
}

std::future<absl::StatusOr<OutboxEntry>> SqliteOrderStore::MarkAttemptFailed(
    int64_t seq, int64_t next_attempt_at_ms, std::string error) {
  absl::Status valid = CheckInRange(seq, 1, std::numeric_limits<int64_t>::max(), "seq");
  if (valid.ok()) valid = CheckTime(next_attempt_at_ms, "next_attempt_at_ms");
  if (valid.ok()) valid = CheckNoCardNumber(error, "error");
  if (!valid.ok()) return ReadyError<OutboxEntry>(std::move(valid));
  return backend_.writer->Submit([seq, next_attempt_at_ms, error = std::move(error)](
                                     Transaction& tx) -> absl::StatusOr<OutboxEntry> {
    AISLE_ASSIGN_OR_RETURN(std::optional<OutboxEntry> entry, LoadOutboxEntry(tx, seq));
    if (!entry) {
      return ReasonError(absl::StatusCode::kNotFound, kOutboxMessageNotFoundReason,
                         absl::StrCat(seq));
    }
    if (entry->delivered_at_ms) {
      return ReasonError(absl::StatusCode::kFailedPrecondition, kOutboxMessageDeliveredReason,
                         absl::StrCat(seq, " was delivered at ", *entry->delivered_at_ms));
    }
    AISLE_ASSIGN_OR_RETURN(Query update,
                           tx.Prepare("UPDATE outbox SET attempts = attempts + 1, "
                                      "next_attempt_at_ms = ?2, last_error = ?3 WHERE seq = ?1"));
    update.Bind(1, seq);
    update.Bind(2, next_attempt_at_ms);
    update.Bind(3, error);
    AISLE_RETURN_IF_ERROR(update.Run());
    ++entry->attempts;
    entry->next_attempt_at_ms = next_attempt_at_ms;
    entry->last_error = error;
    return *std::move(entry);
  });
}

absl::StatusOr<std::vector<OutboxEntry>> SqliteOrderStore::ListOrderOutbox(
    std::string_view order_id) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(order_id, "order_id"));
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(Query query, reader->Prepare("SELECT " AISLE_OUTBOX_COLUMNS
                                                      " FROM outbox WHERE order_id = ?1 "
                                                      "ORDER BY seq"));
  query.Bind(1, order_id);
  return ReadOutbox(query);
}

#undef AISLE_OUTBOX_COLUMNS
#undef AISLE_TASK_COLUMNS
#undef AISLE_PAYMENT_COLUMNS
#undef AISLE_ORDER_COLUMNS

}  // namespace internal
}  // namespace aisle::store
