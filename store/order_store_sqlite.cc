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
//
// This file: orders, transitions, reads and velocity counts. Payments,
// fulfillment tasks and the outbox are in order_fulfillment_sqlite.cc; the
// helpers both use are in order_store_rows_internal.h.
#include <algorithm>
#include <cmath>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "store/order_store.h"
#include "store/order_store_rows_internal.h"
#include "store/reader_pool_internal.h"
#include "store/sqlite_stores_internal.h"

namespace aisle::store {
namespace {

// Debian builds abseil with its own absl::string_view: URLs as const char*.
constexpr const char* kOrderStatusUrl = "aisle/order_status";

using internal::IsDigit;

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
    case FulfillmentStatus::kCancelled:
      return "cancelled";
  }
  return "unknown";
}

namespace internal {
namespace {

// --- Validation (caller's thread) ---------------------------------------------------

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
  for (const std::string& status : r.then_statuses) {
    AISLE_RETURN_IF_ERROR(CheckToken(status, "then_statuses"));
  }
  AISLE_RETURN_IF_ERROR(CheckUtf8(r.status_reason, "status_reason"));
  AISLE_RETURN_IF_ERROR(CheckUtf8(r.payment_token, "payment_token"));
  AISLE_RETURN_IF_ERROR(CheckNoCardNumber(r.payment_token, "payment_token"));
  AISLE_RETURN_IF_ERROR(CheckOutbox(r.outbox));
  AISLE_RETURN_IF_ERROR(CheckCloseCart(r));
  return CheckTime(r.now_ms, "now_ms");
}

absl::Status CheckTransitionRequest(const TransitionRequest& r) {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(r.order_id, "order_id"));
  AISLE_RETURN_IF_ERROR(CheckToken(r.expected_from, "expected_from"));
  AISLE_RETURN_IF_ERROR(CheckToken(r.to, "to"));
  for (const std::string& status : r.then_to) AISLE_RETURN_IF_ERROR(CheckToken(status, "then_to"));
  AISLE_RETURN_IF_ERROR(CheckUtf8(r.reason, "reason"));
  AISLE_RETURN_IF_ERROR(CheckTime(r.at_ms, "at_ms"));
  AISLE_RETURN_IF_ERROR(CheckOutbox(r.outbox));
  AISLE_RETURN_IF_ERROR(CheckReviewDecision(r.review));
  if (r.payment) {
    AISLE_RETURN_IF_ERROR(CheckPayment(*r.payment, /*order_id_required=*/false));
    if (!r.payment->order_id.empty() && r.payment->order_id != r.order_id) {
      return InvalidArgumentError("payment.order_id: must be empty or the transition's order",
                                  "order_id");
    }
  }
  AISLE_RETURN_IF_ERROR(CheckTransitionEffects(r));
  return CheckTaskSpecs(r.fulfillment_tasks);
}

// --- Rows --------------------------------------------------------------------------------

// Columns OrderFromRow reads, in order (a macro so SQL texts are literals).
#define AISLE_ORDER_COLUMNS                                                                       \
  "id, user_id, cart_id, status, status_reason, currency, subtotal_cents, total_cents, "          \
  "ship_name, ship_line1, ship_line2, ship_city, ship_region, ship_postal_code, ship_country, "   \
  "ship_latitude, ship_longitude, billing_country, created_at_ms, updated_at_ms, payment_token, " \
  "device_fingerprint, ip_address, session_id"

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
  o.payment_token = row.Text(20);
  o.device_fingerprint = row.Text(21);
  o.ip_address = row.Text(22);
  o.session_id = row.Text(23);
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

// --- Writes (writer thread) ------------------------------------------------------------

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

// Writes the order's header, items and history rows.
absl::Status InsertOrder(Transaction& tx, const Order& o) {
  {
    AISLE_ASSIGN_OR_RETURN(
        Query insert,
        tx.Prepare("INSERT INTO orders(" AISLE_ORDER_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                   "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, "
                   "?22, ?23, ?24)"));
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
    insert.Bind(21, o.payment_token);
    insert.Bind(22, o.device_fingerprint);
    insert.Bind(23, o.ip_address);
    insert.Bind(24, o.session_id);
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
  for (const StatusChange& change : o.history) {
    AISLE_RETURN_IF_ERROR(InsertHistory(tx, o.id, change));
  }
  return absl::OkStatus();
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

}  // namespace

absl::StatusOr<std::vector<Order>> LoadListedOrders(Connection& reader,
                                                    const std::vector<std::string>& ids) {
  return LoadOrders(reader, ids);
}

// --- Orders ------------------------------------------------------------------------------

std::future<absl::StatusOr<CreateOrderResult>> SqliteOrderStore::CreateOrder(
    CreateOrderRequest request) {
  if (absl::Status status = CheckCreateOrderRequest(request); !status.ok()) {
    return ReadyError<CreateOrderResult>(std::move(status));
  }
  request.now_ms = Now(request.now_ms);
  // After Now: the review hold is bounded relative to the creation time.
  if (absl::Status status = CheckScreening(request); !status.ok()) {
    return ReadyError<CreateOrderResult>(std::move(status));
  }
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
    if (request.close_cart) {
      AISLE_RETURN_IF_ERROR(CloseCart(tx, request.cart_id, *request.close_cart, request.now_ms));
    }
    Order o{.user_id = request.user_id,
            .cart_id = request.cart_id,
            .status = request.then_statuses.empty() ? request.status
                                                    : request.then_statuses.back(),
            .status_reason = request.status_reason,
            .currency = request.currency,
            .subtotal_cents = request.subtotal_cents,
            .total_cents = request.total_cents,
            .shipping = request.shipping,
            .billing_country = request.billing_country,
            .payment_token = request.payment_token,
            .device_fingerprint = request.device_fingerprint,
            .ip_address = request.ip_address,
            .session_id = request.session_id,
            .created_at_ms = request.now_ms,
            .updated_at_ms = request.now_ms,
            .items = request.items,
            .history = {StatusChange{.seq = 1,
                                     .to_status = request.status,
                                     .reason = request.status_reason,
                                     .at_ms = request.now_ms}}};
    for (const std::string& status : request.then_statuses) {
      o.history.push_back(StatusChange{.seq = static_cast<int>(o.history.size() + 1),
                                       .from_status = o.history.back().to_status,
                                       .to_status = status,
                                       .at_ms = request.now_ms});
    }
    if (!request.then_statuses.empty()) o.status_reason.clear();
    if (request.order_id.empty()) {
      AISLE_ASSIGN_OR_RETURN(o.id, NewId(new_id_));
    } else {
      o.id = request.order_id;
    }
    for (size_t i = 0; i < o.items.size(); ++i) o.items[i].line = static_cast<int>(i + 1);
    AISLE_RETURN_IF_ERROR(InsertOrder(tx, o));
    AISLE_RETURN_IF_ERROR(WriteScreening(tx, request, o.id, request.now_ms));
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
    for (const std::string& status : request.then_to) {
      const StatusChange& last =
          result.then_changes.empty() ? result.change : result.then_changes.back();
      result.then_changes.push_back(StatusChange{.seq = last.seq + 1,
                                                 .from_status = last.to_status,
                                                 .to_status = status,
                                                 .at_ms = request.at_ms});
    }
    const StatusChange& final_change =
        result.then_changes.empty() ? result.change : result.then_changes.back();
    {
      AISLE_ASSIGN_OR_RETURN(Query update,
                             tx.Prepare("UPDATE orders SET status = ?2, status_reason = ?3, "
                                        "updated_at_ms = ?4 WHERE id = ?1 AND status = ?5"));
      update.Bind(1, request.order_id);
      update.Bind(2, final_change.to_status);
      update.Bind(3, final_change.reason);
      update.Bind(4, request.at_ms);
      update.Bind(5, request.expected_from);
      AISLE_RETURN_IF_ERROR(update.Run());
      if (tx.Changes() != 1) return absl::InternalError("store: order changed mid-job");
    }
    if (request.review) {
      AISLE_ASSIGN_OR_RETURN(
          result.risk, ApplyReviewDecision(tx, request.order_id, *request.review, request.at_ms));
    }
    AISLE_RETURN_IF_ERROR(InsertHistory(tx, request.order_id, result.change));
    for (const StatusChange& change : result.then_changes) {
      AISLE_RETURN_IF_ERROR(InsertHistory(tx, request.order_id, change));
    }
    AISLE_RETURN_IF_ERROR(ApplyTransitionEffects(tx, request));
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

#undef AISLE_ORDER_COLUMNS

}  // namespace internal
}  // namespace aisle::store
