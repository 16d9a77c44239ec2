// SQLite implementation of OrderStore, continued: payments, fulfillment
// tasks and the outbox. Orders, transitions, reads and velocity counts are in
// order_store_sqlite.cc, which describes how each check-then-write runs as
// ONE writer job; the helpers both files use are in
// order_store_rows_internal.h.
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/order_store.h"
#include "store/order_store_rows_internal.h"
#include "store/reader_pool_internal.h"
#include "store/sqlite_stores_internal.h"

namespace aisle::store::internal {
namespace {

// --- Rows --------------------------------------------------------------------------------

std::optional<PaymentKind> ParsePaymentKind(std::string_view name) {
  for (PaymentKind k :
       {PaymentKind::kAuthorize, PaymentKind::kCapture, PaymentKind::kRefund, PaymentKind::kVoid}) {
    if (PaymentKindName(k) == name) return k;
  }
  return std::nullopt;
}

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
  t.cancelled_at_ms = row.OptionalInt64(6);
  if (t.cancelled_at_ms) t.status = FulfillmentStatus::kCancelled;
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

}  // namespace

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
                      "?1 AND status = ?2 AND (cancelled_at_ms IS NOT NULL) = ?4 "
                      "ORDER BY created_at_ms, id LIMIT ?3"));
  query.Bind(1, warehouse_id);
  // A cancelled task is a 'pending' row with cancelled_at_ms (order_store.h).
  const bool cancelled = status == FulfillmentStatus::kCancelled;
  query.Bind(2, FulfillmentStatusName(cancelled ? FulfillmentStatus::kPending : status));
  query.Bind(4, int64_t{cancelled});
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
    if (task->status == FulfillmentStatus::kCancelled) {
      return ReasonError(absl::StatusCode::kFailedPrecondition, kFulfillmentTaskCancelledReason,
                         absl::StrCat(task_id, " belongs to a cancelled order"));
    }
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
                 "status = 'pending' AND cancelled_at_ms IS NULL",
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

}  // namespace aisle::store::internal
