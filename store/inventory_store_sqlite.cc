// SQLite implementation of InventoryStore: warehouses, stock and reservations.
//
// Every operation that checks before it writes does both inside ONE writer
// job. The writer runs jobs one at a time, so what a job has read cannot
// change before its writes commit: the check-then-write needs no row locks
// (PostgreSQL will need SELECT ... FOR UPDATE or conditional updates). A job
// that returns an error is rolled back to its savepoint, so "all or nothing"
// is a plain early return.
#include <algorithm>
#include <charconv>
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
#include "store/reader_pool_internal.h"
#include "store/inventory_tx_internal.h"
#include "store/sqlite_stores_internal.h"

namespace aisle::store {
namespace {

// Debian builds abseil with its own absl::string_view: URLs as const char*.
constexpr const char* kAvailableUrl = "aisle/available";

}  // namespace

std::optional<int64_t> InsufficientStockAvailable(const absl::Status& status) {
  auto payload = status.GetPayload(kAvailableUrl);
  if (!payload) return std::nullopt;
  const std::string text(*payload);
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string_view ReservationStatusName(ReservationStatus status) {
  switch (status) {
    case ReservationStatus::kActive:
      return "active";
    case ReservationStatus::kCommitted:
      return "committed";
    case ReservationStatus::kExpired:
      return "expired";
    case ReservationStatus::kReleased:
      return "released";
  }
  return "unknown";
}

namespace internal {
namespace {

// --- Errors ----------------------------------------------------------------------

// "<reason>: <details>" with the given code (see inventory_store.h).
absl::Status ReasonError(absl::StatusCode code, const char* reason, const std::string& details) {
  return absl::Status(code, absl::StrCat(reason, ": ", details));
}

absl::Status InsufficientStock(const std::string& requested, int64_t available) {
  absl::Status status =
      ReasonError(absl::StatusCode::kFailedPrecondition, kInsufficientStockReason,
                  absl::StrCat("requested ", requested, ", available ", available));
  status.SetPayload(kAvailableUrl, absl::Cord(std::to_string(available)));
  return status;
}

absl::Status ReservationNotFound(std::string_view id) {
  return ReasonError(absl::StatusCode::kNotFound, kReservationNotFoundReason, std::string(id));
}

// --- Validation (caller's thread) --------------------------------------------------

absl::Status CheckInRange(int64_t value, int64_t low, int64_t high, std::string_view field) {
  if (value >= low && value <= high) return absl::OkStatus();
  return InvalidArgumentError(
      absl::StrCat(std::string(field), ": must be in [", low, ", ", high, "]"), field);
}

// `now_ms` as given to a method: >= 0 (0 = the clock).
absl::Status CheckNow(int64_t now_ms) {
  return CheckInRange(now_ms, 0, std::numeric_limits<int64_t>::max() - kMaxReservationTtlMs,
                      "now_ms");
}

absl::Status CheckCoordinate(double value, double bound, size_t i, std::string_view field) {
  if (std::isfinite(value) && value >= -bound && value <= bound) return absl::OkStatus();
  return BadItem("warehouses", i, field,
                 absl::StrCat("must be a number in [-", bound, ", ", bound, "]"));
}

absl::Status CheckWarehouse(const Warehouse& w, size_t i) {
  AISLE_RETURN_IF_ERROR(CheckRequiredText(w.id, "warehouses", i, "id"));
  AISLE_RETURN_IF_ERROR(CheckText(w.name, "warehouses", i, "name"));
  AISLE_RETURN_IF_ERROR(CheckText(w.region, "warehouses", i, "region"));
  AISLE_RETURN_IF_ERROR(CheckCoordinate(w.latitude, 90, i, "latitude"));
  return CheckCoordinate(w.longitude, 180, i, "longitude");
}

absl::Status CheckExtendRequest(const ExtendRequest& r) {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(r.reservation_id, "reservation_id"));
  AISLE_RETURN_IF_ERROR(CheckNow(r.now_ms));
  AISLE_RETURN_IF_ERROR(CheckInRange(r.ttl_ms, 1, kMaxReservationTtlMs, "ttl_ms"));
  return CheckInRange(r.max_extensions, 0, std::numeric_limits<int>::max(), "max_extensions");
}

// --- Rows ------------------------------------------------------------------------------

std::optional<ReservationStatus> ParseStatus(std::string_view name) {
  for (ReservationStatus s : {ReservationStatus::kActive, ReservationStatus::kCommitted,
                              ReservationStatus::kExpired, ReservationStatus::kReleased}) {
    if (ReservationStatusName(s) == name) return s;
  }
  return std::nullopt;
}

// Columns ReservationFromRow reads, in order (a macro so SQL texts are literals).
#define AISLE_RESERVATION_COLUMNS                                                      \
  "id, product_id, user_id, cart_id, quantity, status, created_at_ms, expires_at_ms, " \
  "extensions, order_id"

absl::StatusOr<Reservation> ReservationFromRow(const Query& row) {
  Reservation r;
  r.id = row.Text(0);
  r.product_id = row.Text(1);
  r.user_id = row.Text(2);
  r.cart_id = row.Text(3);
  r.quantity = row.Int64(4);
  const std::string status = row.Text(5);
  const auto parsed = ParseStatus(status);
  if (!parsed) {
    return absl::DataLossError(
        absl::StrCat("store: reservation ", r.id, " has unknown status \"", status, "\""));
  }
  r.status = *parsed;
  r.created_at_ms = row.Int64(6);
  r.expires_at_ms = row.Int64(7);
  r.extensions = static_cast<int>(row.Int64(8));
  r.order_id = row.IsNull(9) ? "" : row.Text(9);
  return r;
}

bool Unexpired(const Reservation& r, int64_t now_ms) { return now_ms < r.expires_at_ms; }

// What reads report: an active reservation whose time has passed is expired
// even before the sweeper wrote so (lazy expiry).
Reservation AsOf(Reservation r, int64_t now_ms) {
  if (r.status == ReservationStatus::kActive && !Unexpired(r, now_ms)) {
    r.status = ReservationStatus::kExpired;
  }
  return r;
}

// `Db` is a Transaction (writer) or a Connection (reader): both Prepare.
template <typename Db>
absl::StatusOr<std::optional<Reservation>> LoadReservation(Db& db, std::string_view id) {
  AISLE_ASSIGN_OR_RETURN(Query query, db.Prepare("SELECT " AISLE_RESERVATION_COLUMNS
                                                 " FROM reservations WHERE id = ?1"));
  query.Bind(1, id);
  AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
  if (!row) return std::nullopt;
  return ReservationFromRow(query);
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

// Units held by the product's active reservations unexpired at `now_ms`.
// Served from reservations_by_product alone (quantity is in the index).
template <typename Db>
absl::StatusOr<int64_t> ReservedUnits(Db& db, std::string_view product_id, int64_t now_ms) {
  return QueryInt(db,
                  "SELECT coalesce(sum(quantity), 0) FROM reservations "
                  "WHERE product_id = ?1 AND status = 'active' AND expires_at_ms > ?2",
                  product_id, now_ms);
}

template <typename Db>
absl::StatusOr<int64_t> OnHandTotal(Db& db, std::string_view product_id) {
  return QueryInt(db, "SELECT coalesce(sum(on_hand), 0) FROM stock WHERE product_id = ?1",
                  product_id, std::nullopt);
}

// on_hand_total - reserved, floored at 0 (stock may be set below reserved).
absl::StatusOr<int64_t> AvailableUnits(Transaction& tx, std::string_view product_id,
                                       int64_t now_ms) {
  AISLE_ASSIGN_OR_RETURN(const int64_t on_hand, OnHandTotal(tx, product_id));
  AISLE_ASSIGN_OR_RETURN(const int64_t reserved, ReservedUnits(tx, product_id, now_ms));
  return std::max<int64_t>(0, on_hand - reserved);
}

absl::StatusOr<int64_t> ActiveReservationsOfUser(Transaction& tx, std::string_view user_id,
                                                 int64_t now_ms) {
  return QueryInt(tx,
                  "SELECT count(*) FROM reservations "
                  "WHERE user_id = ?1 AND status = 'active' AND expires_at_ms > ?2",
                  user_id, now_ms);
}

// OK when `r` may still change: active and unexpired.
absl::Status CheckLive(const Reservation& r, int64_t now_ms) {
  if (r.status == ReservationStatus::kCommitted || r.status == ReservationStatus::kReleased) {
    return ReasonError(absl::StatusCode::kFailedPrecondition, kReservationNotActiveReason,
                       absl::StrCat(r.id, " is ", std::string(ReservationStatusName(r.status))));
  }
  if (r.status == ReservationStatus::kExpired || !Unexpired(r, now_ms)) {
    return ReasonError(absl::StatusCode::kFailedPrecondition, kReservationExpiredReason,
                       absl::StrCat(r.id, " expired at ", r.expires_at_ms));
  }
  return absl::OkStatus();
}

// The reservation, which must exist and be live at `now_ms`.
absl::StatusOr<Reservation> LoadLive(Transaction& tx, std::string_view id, int64_t now_ms) {
  AISLE_ASSIGN_OR_RETURN(std::optional<Reservation> r, LoadReservation(tx, id));
  if (!r) return ReservationNotFound(id);
  AISLE_RETURN_IF_ERROR(CheckLive(*r, now_ms));
  return *std::move(r);
}

absl::Status InsertReservation(Transaction& tx, const Reservation& r, int64_t now_ms) {
  AISLE_ASSIGN_OR_RETURN(
      Query insert,
      tx.Prepare("INSERT INTO reservations(" AISLE_RESERVATION_COLUMNS ", updated_at_ms) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, NULL, ?10)"));
  insert.Bind(1, r.id);
  insert.Bind(2, r.product_id);
  insert.Bind(3, r.user_id);
  insert.Bind(4, r.cart_id);
  insert.Bind(5, r.quantity);
  insert.Bind(6, ReservationStatusName(r.status));
  insert.Bind(7, r.created_at_ms);
  insert.Bind(8, r.expires_at_ms);
  insert.Bind(9, r.extensions);
  insert.Bind(10, now_ms);
  return insert.Run();
}

// Writes every mutable field of `r` (one statement for all changes keeps
// each operation's SQL trivially reviewable).
absl::Status UpdateReservation(Transaction& tx, const Reservation& r, int64_t now_ms) {
  AISLE_ASSIGN_OR_RETURN(
      Query update,
      tx.Prepare("UPDATE reservations SET quantity = ?2, status = ?3, expires_at_ms = ?4, "
                 "extensions = ?5, order_id = ?6, updated_at_ms = ?7 WHERE id = ?1"));
  update.Bind(1, r.id);
  update.Bind(2, r.quantity);
  update.Bind(3, ReservationStatusName(r.status));
  update.Bind(4, r.expires_at_ms);
  update.Bind(5, r.extensions);
  if (r.order_id.empty()) {
    update.BindNull(6);
  } else {
    update.Bind(6, r.order_id);
  }
  update.Bind(7, now_ms);
  AISLE_RETURN_IF_ERROR(update.Run());
  if (tx.Changes() != 1) return absl::InternalError("store: reservation vanished mid-job");
  return absl::OkStatus();
}

// Allocations must turn the reservations into stock decrements one for one:
// per product, allocated units == reserved units.
absl::Status CheckAllocationsMatch(const std::vector<Reservation>& reservations,
                                   const std::vector<Allocation>& allocations) {
  std::map<std::string, std::pair<int64_t, int64_t>> units;  // product -> (reserved, allocated)
  for (const Reservation& r : reservations) units[r.product_id].first += r.quantity;
  for (const Allocation& a : allocations) units[a.product_id].second += a.quantity;
  for (const auto& [product, counts] : units) {
    if (counts.first != counts.second) {
      return ReasonError(absl::StatusCode::kFailedPrecondition, kAllocationMismatchReason,
                         absl::StrCat("product ", product, ": reserved ", counts.first,
                                      ", allocated ", counts.second));
    }
  }
  return absl::OkStatus();
}

// Takes `a.quantity` units from the warehouse's on hand, or fails without
// changing it.
absl::Status ApplyAllocation(Transaction& tx, const Allocation& a, int64_t now_ms) {
  AISLE_ASSIGN_OR_RETURN(
      Query take, tx.Prepare("UPDATE stock SET on_hand = on_hand - ?3, updated_at_ms = ?4 "
                             "WHERE product_id = ?1 AND warehouse_id = ?2 AND on_hand >= ?3"));
  take.Bind(1, a.product_id);
  take.Bind(2, a.warehouse_id);
  take.Bind(3, a.quantity);
  take.Bind(4, now_ms);
  AISLE_RETURN_IF_ERROR(take.Run());
  if (tx.Changes() == 1) return absl::OkStatus();
  AISLE_ASSIGN_OR_RETURN(
      Query current,
      tx.Prepare("SELECT on_hand FROM stock WHERE product_id = ?1 AND warehouse_id = ?2"));
  current.Bind(1, a.product_id);
  current.Bind(2, a.warehouse_id);
  AISLE_ASSIGN_OR_RETURN(const bool row, current.Step());
  return ReasonError(
      absl::StatusCode::kFailedPrecondition, kInsufficientWarehouseStockReason,
      absl::StrCat("product ", a.product_id, " at warehouse ", a.warehouse_id, ": on hand ",
                   row ? current.Int64(0) : 0, ", allocating ", a.quantity));
}

// Columns WarehouseFromRow reads, in order.
#define AISLE_WAREHOUSE_COLUMNS "id, name, latitude, longitude, region"

Warehouse WarehouseFromRow(const Query& row) {
  return Warehouse{.id = row.Text(0),
                   .name = row.Text(1),
                   .latitude = row.Double(2),
                   .longitude = row.Double(3),
                   .region = row.Text(4)};
}

template <typename T>
std::future<absl::StatusOr<T>> ReadyError(absl::Status status) {
  return ReadyFuture<absl::StatusOr<T>>(std::move(status));
}

}  // namespace

// --- Operations other stores run inside their own jobs (inventory_tx_internal.h) ---

absl::Status CheckReserveRequest(const ReserveRequest& r) {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(r.product_id, "product_id"));
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(r.user_id, "user_id"));
  if (const auto bad = FindInvalidUtf8(r.cart_id)) {
    return InvalidArgumentError("cart_id: invalid UTF-8", "cart_id", *bad);
  }
  AISLE_RETURN_IF_ERROR(CheckInRange(r.quantity, 1, kMaxUnits, "quantity"));
  AISLE_RETURN_IF_ERROR(CheckNow(r.now_ms));
  AISLE_RETURN_IF_ERROR(CheckInRange(r.ttl_ms, 1, kMaxReservationTtlMs, "ttl_ms"));
  return CheckInRange(r.max_active_per_user, 1, std::numeric_limits<int>::max(),
                      "max_active_per_user");
}

absl::Status CheckCommitRequest(const CommitRequest& r) {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(r.order_id, "order_id"));
  AISLE_RETURN_IF_ERROR(CheckNow(r.now_ms));
  if (r.reservation_ids.empty()) {
    return InvalidArgumentError("reservation_ids: required", "reservation_ids");
  }
  std::set<std::string_view> seen;
  for (size_t i = 0; i < r.reservation_ids.size(); ++i) {
    AISLE_RETURN_IF_ERROR(
        CheckRequiredText(r.reservation_ids[i], "reservation_ids", i, "reservation_id"));
    if (!seen.insert(r.reservation_ids[i]).second) {
      return BadItem("reservation_ids", i, "reservation_id", "duplicate");
    }
  }
  for (size_t i = 0; i < r.allocations.size(); ++i) {
    const Allocation& a = r.allocations[i];
    AISLE_RETURN_IF_ERROR(CheckRequiredText(a.product_id, "allocations", i, "product_id"));
    AISLE_RETURN_IF_ERROR(CheckRequiredText(a.warehouse_id, "allocations", i, "warehouse_id"));
    if (a.quantity < 1 || a.quantity > kMaxUnits) {
      return BadItem("allocations", i, "quantity", absl::StrCat("must be in [1, ", kMaxUnits, "]"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<Reservation> ReserveInTx(Transaction& tx, const ReserveRequest& request,
                                        const std::function<std::string()>& new_id) {
  // The seed's order: stock first, then the user's limit.
  AISLE_ASSIGN_OR_RETURN(const int64_t available,
                         AvailableUnits(tx, request.product_id, request.now_ms));
  if (available < request.quantity) {
    return InsufficientStock(absl::StrCat(request.quantity), available);
  }
  AISLE_ASSIGN_OR_RETURN(const int64_t held,
                         ActiveReservationsOfUser(tx, request.user_id, request.now_ms));
  if (held >= request.max_active_per_user) {
    return ReasonError(absl::StatusCode::kResourceExhausted, kReservationLimitReason,
                       absl::StrCat("user holds ", held, " active reservations (max ",
                                    request.max_active_per_user, ")"));
  }
  Reservation r{.id = new_id(),
                .product_id = request.product_id,
                .user_id = request.user_id,
                .cart_id = request.cart_id,
                .quantity = request.quantity,
                .created_at_ms = request.now_ms,
                .expires_at_ms = request.now_ms + request.ttl_ms,
                .extensions = 0,
                .status = ReservationStatus::kActive};
  if (r.id.empty() || FindInvalidUtf8(r.id)) {
    return absl::InternalError("store: id_generator returned an empty or non-UTF-8 id");
  }
  AISLE_RETURN_IF_ERROR(InsertReservation(tx, r, request.now_ms));
  return r;
}

absl::StatusOr<Reservation> UpdateQuantityInTx(Transaction& tx, std::string_view id,
                                               int64_t new_quantity, int64_t now_ms) {
  AISLE_ASSIGN_OR_RETURN(Reservation r, LoadLive(tx, id, now_ms));
  if (new_quantity > r.quantity) {
    // `available` already excludes what r holds, so only the increase must fit.
    const int64_t more = new_quantity - r.quantity;
    AISLE_ASSIGN_OR_RETURN(const int64_t available, AvailableUnits(tx, r.product_id, now_ms));
    if (available < more) return InsufficientStock(absl::StrCat(more, " more"), available);
  }
  r.quantity = new_quantity;
  AISLE_RETURN_IF_ERROR(UpdateReservation(tx, r, now_ms));
  return r;
}

absl::StatusOr<Reservation> ReleaseInTx(Transaction& tx, std::string_view id, int64_t now_ms) {
  AISLE_ASSIGN_OR_RETURN(std::optional<Reservation> r, LoadReservation(tx, id));
  if (!r) return ReservationNotFound(id);
  switch (r->status) {
    case ReservationStatus::kCommitted:
      // An order owns the units now; cancelling it is commerce's job.
      return ReasonError(absl::StatusCode::kFailedPrecondition, kReservationNotActiveReason,
                         absl::StrCat(std::string(id), " is committed"));
    case ReservationStatus::kReleased:
    case ReservationStatus::kExpired:
      return *std::move(r);  // Already holds nothing.
    case ReservationStatus::kActive:
      break;
  }
  r->status = ReservationStatus::kReleased;
  AISLE_RETURN_IF_ERROR(UpdateReservation(tx, *r, now_ms));
  return *std::move(r);
}

absl::Status CommitInTx(Transaction& tx, const CommitRequest& request) {
  std::vector<Reservation> reservations;
  size_t already_committed = 0;  // By this very order: a retry.
  for (const std::string& id : request.reservation_ids) {
    AISLE_ASSIGN_OR_RETURN(std::optional<Reservation> r, LoadReservation(tx, id));
    if (!r) return ReservationNotFound(id);
    if (r->status == ReservationStatus::kCommitted && r->order_id == request.order_id) {
      ++already_committed;
    }
    reservations.push_back(*std::move(r));
  }
  if (already_committed == reservations.size()) return absl::OkStatus();
  for (const Reservation& r : reservations) {
    AISLE_RETURN_IF_ERROR(CheckLive(r, request.now_ms));
  }
  AISLE_RETURN_IF_ERROR(CheckAllocationsMatch(reservations, request.allocations));
  for (Reservation& r : reservations) {
    r.status = ReservationStatus::kCommitted;
    r.order_id = request.order_id;
    AISLE_RETURN_IF_ERROR(UpdateReservation(tx, r, request.now_ms));
  }
  // Any failure here returns an error: the job's savepoint rolls back the
  // status changes and the decrements already applied.
  for (const Allocation& a : request.allocations) {
    AISLE_RETURN_IF_ERROR(ApplyAllocation(tx, a, request.now_ms));
  }
  return absl::OkStatus();
}

absl::Status RestockInTx(Transaction& tx, const std::vector<Allocation>& returned, int64_t now_ms) {
  AISLE_ASSIGN_OR_RETURN(
      Query give, tx.Prepare("INSERT INTO stock(product_id, warehouse_id, on_hand, updated_at_ms) "
                             "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(product_id, warehouse_id) "
                             "DO UPDATE SET on_hand = min(on_hand + excluded.on_hand, ?5), "
                             "updated_at_ms = excluded.updated_at_ms"));
  for (const Allocation& a : returned) {
    give.Bind(1, a.product_id);
    give.Bind(2, a.warehouse_id);
    give.Bind(3, a.quantity);
    give.Bind(4, now_ms);
    give.Bind(5, kMaxUnits);
    AISLE_RETURN_IF_ERROR(give.Run());
    give.Reset();
  }
  return absl::OkStatus();
}

absl::Status HoldUntilInTx(Transaction& tx, const std::vector<std::string>& ids, int64_t until_ms,
                           int64_t now_ms) {
  for (const std::string& id : ids) {
    AISLE_ASSIGN_OR_RETURN(std::optional<Reservation> r, LoadReservation(tx, id));
    if (!r) return ReservationNotFound(id);
    if (r->status != ReservationStatus::kActive || !Unexpired(*r, now_ms)) continue;
    if (r->expires_at_ms >= until_ms) continue;  // Never shortened.
    r->expires_at_ms = until_ms;
    AISLE_RETURN_IF_ERROR(UpdateReservation(tx, *r, now_ms));
  }
  return absl::OkStatus();
}

// --- Warehouses and stock ------------------------------------------------------------

std::future<absl::Status> SqliteInventoryStore::UpsertWarehouses(
    std::vector<Warehouse> warehouses) {
  if (warehouses.empty()) return ReadyFuture(absl::OkStatus());
  for (size_t i = 0; i < warehouses.size(); ++i) {
    if (absl::Status status = CheckWarehouse(warehouses[i], i); !status.ok()) {
      return ReadyFuture(std::move(status));
    }
  }
  const int64_t now = backend_.clock->NowMillis();
  return backend_.writer->Submit(
      [warehouses = std::move(warehouses), now](Transaction& tx) -> absl::Status {
        AISLE_ASSIGN_OR_RETURN(
            Query upsert,
            tx.Prepare("INSERT INTO warehouses(" AISLE_WAREHOUSE_COLUMNS ", updated_at_ms) "
                       "VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT(id) DO UPDATE SET "
                       "name = excluded.name, latitude = excluded.latitude, "
                       "longitude = excluded.longitude, region = excluded.region, "
                       "updated_at_ms = excluded.updated_at_ms"));
        for (const Warehouse& w : warehouses) {
          upsert.Bind(1, w.id);
          upsert.Bind(2, w.name);
          upsert.Bind(3, w.latitude);
          upsert.Bind(4, w.longitude);
          upsert.Bind(5, w.region);
          upsert.Bind(6, now);
          AISLE_RETURN_IF_ERROR(upsert.Run());
          upsert.Reset();
        }
        return absl::OkStatus();
      });
}

absl::StatusOr<std::vector<Warehouse>> SqliteInventoryStore::ListWarehouses() const {
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(Query query, reader->Prepare("SELECT " AISLE_WAREHOUSE_COLUMNS
                                                      " FROM warehouses ORDER BY id"));
  std::vector<Warehouse> warehouses;
  while (true) {
    AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (!row) return warehouses;
    warehouses.push_back(WarehouseFromRow(query));
  }
}

std::future<absl::Status> SqliteInventoryStore::SetStock(std::string product_id,
                                                         std::string warehouse_id,
                                                         int64_t on_hand) {
  absl::Status valid = CheckRequiredArgument(product_id, "product_id");
  if (valid.ok()) valid = CheckRequiredArgument(warehouse_id, "warehouse_id");
  if (valid.ok()) valid = CheckInRange(on_hand, 0, kMaxUnits, "on_hand");
  if (!valid.ok()) return ReadyFuture(std::move(valid));
  const int64_t now = backend_.clock->NowMillis();
  return backend_.writer->Submit([product_id = std::move(product_id),
                                  warehouse_id = std::move(warehouse_id), on_hand,
                                  now](Transaction& tx) -> absl::Status {
    // Checked here for a NotFound naming the warehouse; the foreign key would
    // only say "constraint failed".
    AISLE_ASSIGN_OR_RETURN(
        const int64_t known,
        QueryInt(tx, "SELECT count(*) FROM warehouses WHERE id = ?1", warehouse_id, std::nullopt));
    if (known == 0) {
      return ReasonError(absl::StatusCode::kNotFound, kWarehouseNotFoundReason, warehouse_id);
    }
    AISLE_ASSIGN_OR_RETURN(
        Query put, tx.Prepare("INSERT INTO stock(product_id, warehouse_id, on_hand, updated_at_ms) "
                              "VALUES (?1, ?2, ?3, ?4) ON CONFLICT(product_id, warehouse_id) "
                              "DO UPDATE SET on_hand = excluded.on_hand, "
                              "updated_at_ms = excluded.updated_at_ms"));
    put.Bind(1, product_id);
    put.Bind(2, warehouse_id);
    put.Bind(3, on_hand);
    put.Bind(4, now);
    return put.Run();
  });
}

absl::StatusOr<ProductStock> SqliteInventoryStore::GetStock(std::string_view product_id,
                                                            int64_t now_ms) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(product_id, "product_id"));
  AISLE_RETURN_IF_ERROR(CheckNow(now_ms));
  const int64_t now = Now(now_ms);
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  // One snapshot: on hand and reserved must describe the same moment, or a
  // Commit landing between the two reads would count its units twice.
  AISLE_ASSIGN_OR_RETURN(ReadSnapshot snapshot, ReadSnapshot::Begin(*reader));
  ProductStock stock;
  stock.product_id = std::string(product_id);
  {
    AISLE_ASSIGN_OR_RETURN(Query rows,
                           reader->Prepare("SELECT warehouse_id, on_hand FROM stock "
                                           "WHERE product_id = ?1 ORDER BY warehouse_id"));
    rows.Bind(1, product_id);
    while (true) {
      AISLE_ASSIGN_OR_RETURN(const bool row, rows.Step());
      if (!row) break;
      stock.warehouses.push_back({.warehouse_id = rows.Text(0), .on_hand = rows.Int64(1)});
      stock.on_hand_total += rows.Int64(1);
    }
  }
  AISLE_ASSIGN_OR_RETURN(stock.reserved, ReservedUnits(*reader, product_id, now));
  stock.available = std::max<int64_t>(0, stock.on_hand_total - stock.reserved);
  return stock;
}

absl::Status SqliteInventoryStore::ForEachAvailability(
    int64_t now_ms,
    const std::function<absl::Status(const std::string&, int64_t)>& callback) const {
  AISLE_RETURN_IF_ERROR(CheckNow(now_ms));
  const int64_t now = Now(now_ms);
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(ReadSnapshot snapshot, ReadSnapshot::Begin(*reader));
  AISLE_ASSIGN_OR_RETURN(
      Query rows,
      reader->Prepare("SELECT s.product_id, max(0, s.total - coalesce(r.reserved, 0)) FROM "
                      "(SELECT product_id, sum(on_hand) AS total FROM stock GROUP BY product_id) s "
                      "LEFT JOIN (SELECT product_id, sum(quantity) AS reserved FROM reservations "
                      "WHERE status = 'active' AND expires_at_ms > ?1 GROUP BY product_id) r "
                      "ON r.product_id = s.product_id ORDER BY s.product_id"));
  rows.Bind(1, now);
  while (true) {
    AISLE_ASSIGN_OR_RETURN(const bool row, rows.Step());
    if (!row) return absl::OkStatus();
    AISLE_RETURN_IF_ERROR(callback(rows.Text(0), rows.Int64(1)));
  }
}

// --- Reservations ---------------------------------------------------------------------

std::future<absl::StatusOr<Reservation>> SqliteInventoryStore::Reserve(ReserveRequest request) {
  if (absl::Status status = CheckReserveRequest(request); !status.ok()) {
    return ReadyError<Reservation>(std::move(status));
  }
  request.now_ms = Now(request.now_ms);
  return backend_.writer->Submit(
      [this, request = std::move(request)](Transaction& tx) -> absl::StatusOr<Reservation> {
        return ReserveInTx(tx, request, new_id_);
      });
}

std::future<absl::StatusOr<Reservation>> SqliteInventoryStore::Extend(ExtendRequest request) {
  if (absl::Status status = CheckExtendRequest(request); !status.ok()) {
    return ReadyError<Reservation>(std::move(status));
  }
  request.now_ms = Now(request.now_ms);
  return backend_.writer->Submit(
      [request = std::move(request)](Transaction& tx) -> absl::StatusOr<Reservation> {
        AISLE_ASSIGN_OR_RETURN(Reservation r, LoadLive(tx, request.reservation_id, request.now_ms));
        if (r.extensions >= request.max_extensions) {
          return ReasonError(absl::StatusCode::kFailedPrecondition, kExtensionLimitReason,
                             absl::StrCat(r.id, " was extended ", r.extensions, " times (max ",
                                          request.max_extensions, ")"));
        }
        // A short ttl must not cut a hold the shopper was already promised.
        r.expires_at_ms = std::max(r.expires_at_ms, request.now_ms + request.ttl_ms);
        ++r.extensions;
        AISLE_RETURN_IF_ERROR(UpdateReservation(tx, r, request.now_ms));
        return r;
      });
}

std::future<absl::StatusOr<Reservation>> SqliteInventoryStore::UpdateQuantity(
    std::string reservation_id, int64_t new_quantity, int64_t now_ms) {
  absl::Status valid = CheckRequiredArgument(reservation_id, "reservation_id");
  if (valid.ok()) valid = CheckInRange(new_quantity, 1, kMaxUnits, "quantity");
  if (valid.ok()) valid = CheckNow(now_ms);
  if (!valid.ok()) return ReadyError<Reservation>(std::move(valid));
  const int64_t now = Now(now_ms);
  return backend_.writer->Submit(
      [id = std::move(reservation_id), new_quantity, now](Transaction& tx) {
        return UpdateQuantityInTx(tx, id, new_quantity, now);
      });
}

std::future<absl::StatusOr<Reservation>> SqliteInventoryStore::Release(std::string reservation_id) {
  if (absl::Status status = CheckRequiredArgument(reservation_id, "reservation_id"); !status.ok()) {
    return ReadyError<Reservation>(std::move(status));
  }
  const int64_t now = backend_.clock->NowMillis();
  return backend_.writer->Submit(
      [id = std::move(reservation_id), now](Transaction& tx) { return ReleaseInTx(tx, id, now); });
}

std::future<absl::Status> SqliteInventoryStore::Commit(CommitRequest request) {
  if (absl::Status status = CheckCommitRequest(request); !status.ok()) {
    return ReadyFuture(std::move(status));
  }
  request.now_ms = Now(request.now_ms);
  return backend_.writer->Submit(
      [request = std::move(request)](Transaction& tx) { return CommitInTx(tx, request); });
}

std::future<absl::StatusOr<ExpiredReservations>> SqliteInventoryStore::ExpireDue(int64_t now_ms,
                                                                                 int64_t limit) {
  absl::Status valid = CheckNow(now_ms);
  if (valid.ok()) valid = CheckInRange(limit, 1, std::numeric_limits<int64_t>::max(), "limit");
  if (!valid.ok()) return ReadyError<ExpiredReservations>(std::move(valid));
  const int64_t now = Now(now_ms);
  return backend_.writer->Submit([now,
                                  limit](Transaction& tx) -> absl::StatusOr<ExpiredReservations> {
    AISLE_ASSIGN_OR_RETURN(
        Query expire, tx.Prepare("UPDATE reservations SET status = 'expired', updated_at_ms = ?1 "
                                 "WHERE id IN (SELECT id FROM reservations WHERE status = 'active' "
                                 "AND expires_at_ms <= ?1 ORDER BY expires_at_ms LIMIT ?2) "
                                 "RETURNING product_id"));
    expire.Bind(1, now);
    expire.Bind(2, limit);
    ExpiredReservations result;
    std::set<std::string> products;
    while (true) {
      AISLE_ASSIGN_OR_RETURN(const bool row, expire.Step());
      if (!row) break;
      ++result.expired;
      products.insert(expire.Text(0));
    }
    result.product_ids.assign(products.begin(), products.end());
    return result;
  });
}

absl::StatusOr<std::optional<Reservation>> SqliteInventoryStore::GetReservation(
    std::string_view reservation_id, int64_t now_ms) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(reservation_id, "reservation_id"));
  AISLE_RETURN_IF_ERROR(CheckNow(now_ms));
  const int64_t now = Now(now_ms);
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(std::optional<Reservation> r, LoadReservation(*reader, reservation_id));
  if (!r) return std::nullopt;
  return AsOf(*std::move(r), now);
}

absl::StatusOr<std::vector<Reservation>> SqliteInventoryStore::ListActiveReservations(
    std::string_view user_id, int64_t now_ms) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(user_id, "user_id"));
  AISLE_RETURN_IF_ERROR(CheckNow(now_ms));
  const int64_t now = Now(now_ms);
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  AISLE_ASSIGN_OR_RETURN(Query query,
                         reader->Prepare("SELECT " AISLE_RESERVATION_COLUMNS " FROM reservations "
                                         "WHERE user_id = ?1 AND status = 'active' "
                                         "AND expires_at_ms > ?2 ORDER BY created_at_ms, id"));
  query.Bind(1, user_id);
  query.Bind(2, now);
  std::vector<Reservation> reservations;
  while (true) {
    AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (!row) return reservations;
    AISLE_ASSIGN_OR_RETURN(Reservation r, ReservationFromRow(query));
    reservations.push_back(std::move(r));
  }
}

#undef AISLE_RESERVATION_COLUMNS
#undef AISLE_WAREHOUSE_COLUMNS

}  // namespace internal
}  // namespace aisle::store
