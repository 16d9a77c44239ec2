// The helpers SqliteOrderStore's two halves share: see
// order_store_rows_internal.h.
#include "store/order_store_rows_internal.h"

#include <algorithm>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/utf8.h"

namespace aisle::store::internal {
namespace {

absl::Status OrderNotFound(std::string_view id) {
  return ReasonError(absl::StatusCode::kNotFound, kOrderNotFoundReason, std::string(id));
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

}  // namespace

// --- Errors ------------------------------------------------------------------------

// "<reason>: <details>" with the given code (see order_store.h).
absl::Status ReasonError(absl::StatusCode code, const char* reason, const std::string& details) {
  return absl::Status(code, absl::StrCat(reason, ": ", details));
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

// UTF-8, possibly empty.
absl::Status CheckUtf8(std::string_view value, std::string_view field) {
  if (const auto bad = FindInvalidUtf8(value)) {
    return InvalidArgumentError(absl::StrCat(std::string(field), ": invalid UTF-8 at byte ", *bad),
                                field, *bad);
  }
  return absl::OkStatus();
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

// --- Writes (writer thread) ------------------------------------------------------------

// A fresh id from StoreOptions::id_generator, which must be usable as a key.
absl::StatusOr<std::string> NewId(const std::function<std::string()>& new_id) {
  std::string id = new_id();
  if (id.empty() || FindInvalidUtf8(id)) {
    return absl::InternalError("store: id_generator returned an empty or non-UTF-8 id");
  }
  return id;
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
                                        ") VALUES (?1, ?2, ?3, 'pending', ?4, NULL, NULL)"));
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

absl::StatusOr<OrderHead> LoadOrderHead(Transaction& tx, std::string_view order_id) {
  AISLE_ASSIGN_OR_RETURN(Query query,
                         tx.Prepare("SELECT status, user_id FROM orders WHERE id = ?1"));
  query.Bind(1, order_id);
  AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
  if (!row) return OrderNotFound(order_id);
  return OrderHead{query.Text(0), query.Text(1)};
}

}  // namespace aisle::store::internal
