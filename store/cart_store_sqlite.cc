// SQLite implementation of CartStore: carts and their lines.
//
// As in inventory_store_sqlite.cc, each write's checks and writes run in ONE
// writer job, so a cart cannot change status between the check that it is
// active and the line write it guards. WriteLine runs the line's reservation
// change in that same job (inventory_tx_internal.h): a cart write costs one
// COMMIT, and a failure anywhere rolls the whole job back to its savepoint.
// Reads join each line with its reservation in one statement, so a cart
// read costs one snapshot.
#include <limits>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/utf8.h"
#include "store/inventory_tx_internal.h"
#include "store/reader_pool_internal.h"
#include "store/sqlite_stores_internal.h"

namespace aisle::store {

std::string_view CartStatusName(CartStatus status) {
  switch (status) {
    case CartStatus::kActive:
      return "active";
    case CartStatus::kMerged:
      return "merged";
    case CartStatus::kOrdered:
      return "ordered";
  }
  return "unknown";
}

namespace internal {
namespace {

absl::Status CartReasonError(absl::StatusCode code, const char* reason,
                             const std::string& details) {
  return absl::Status(code, absl::StrCat(reason, ": ", details));
}

absl::Status CartNotFound(std::string_view id) {
  return CartReasonError(absl::StatusCode::kNotFound, kCartNotFoundReason, std::string(id));
}

template <typename T>
std::future<absl::StatusOr<T>> ReadyCartError(absl::Status status) {
  return ReadyFuture<absl::StatusOr<T>>(std::move(status));
}

absl::Status CheckNowArgument(int64_t now_ms) {
  if (now_ms >= 0) return absl::OkStatus();
  return InvalidArgumentError("now_ms: must be >= 0", "now_ms");
}

// `with_reservation`: false when the store fills reservation_id in (kHold).
absl::Status CheckLine(const CartLine& line, bool with_reservation = true) {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(line.product_id, "product_id"));
  if (with_reservation) {
    AISLE_RETURN_IF_ERROR(CheckRequiredArgument(line.reservation_id, "reservation_id"));
  }
  if (line.quantity < 1 || line.quantity > kMaxUnits) {
    return InvalidArgumentError(absl::StrCat("quantity: must be in [1, ", kMaxUnits, "]"),
                                "quantity");
  }
  for (const auto& [value, field] : {std::pair{line.unit_price_minor, "unit_price"},
                                     std::pair{line.original_price_minor, "original_price"}}) {
    if (value < 0 || value > kMaxPriceMinor) {
      return InvalidArgumentError(
          absl::StrCat(field, ": must be in [0, ", kMaxPriceMinor, "] minor units"), field);
    }
  }
  if (!line.quote_id.empty()) {
    AISLE_RETURN_IF_ERROR(CheckRequiredArgument(line.quote_id, "quote_id"));
  }
  if (line.quote_expires_at_ms < 0) {
    return InvalidArgumentError("quote_expires_at_ms: must be >= 0", "quote_expires_at_ms");
  }
  return absl::OkStatus();
}

std::optional<CartStatus> ParseCartStatus(std::string_view name) {
  for (CartStatus s : {CartStatus::kActive, CartStatus::kMerged, CartStatus::kOrdered}) {
    if (CartStatusName(s) == name) return s;
  }
  return std::nullopt;
}

std::optional<ReservationStatus> ParseReservationStatus(std::string_view name) {
  for (ReservationStatus s : {ReservationStatus::kActive, ReservationStatus::kCommitted,
                              ReservationStatus::kExpired, ReservationStatus::kReleased}) {
    if (ReservationStatusName(s) == name) return s;
  }
  return std::nullopt;
}

// Columns CartFromRow reads, in order (a macro so SQL texts are literals).
#define AISLE_CART_COLUMNS "id, user_id, status, merged_into, created_at_ms, updated_at_ms"

absl::StatusOr<Cart> CartFromRow(const Query& row) {
  Cart cart;
  cart.id = row.Text(0);
  cart.user_id = row.Text(1);
  const std::string status = row.Text(2);
  const auto parsed = ParseCartStatus(status);
  if (!parsed) {
    return absl::DataLossError(
        absl::StrCat("store: cart ", cart.id, " has unknown status \"", status, "\""));
  }
  cart.status = *parsed;
  cart.merged_into = row.IsNull(3) ? "" : row.Text(3);
  cart.created_at_ms = row.Int64(4);
  cart.updated_at_ms = row.Int64(5);
  return cart;
}

// `Db` is a Transaction (writer) or a Connection (reader): both Prepare.
template <typename Db>
absl::StatusOr<std::optional<Cart>> LoadCart(Db& db, std::string_view id) {
  AISLE_ASSIGN_OR_RETURN(Query query,
                         db.Prepare("SELECT " AISLE_CART_COLUMNS " FROM carts WHERE id = ?1"));
  query.Bind(1, id);
  AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
  if (!row) return std::nullopt;
  return CartFromRow(query);
}

template <typename Db>
absl::StatusOr<std::optional<Cart>> LoadActiveCartOfUser(Db& db, std::string_view user_id) {
  // Served by the partial unique index carts_active_by_user.
  AISLE_ASSIGN_OR_RETURN(Query query,
                         db.Prepare("SELECT " AISLE_CART_COLUMNS " FROM carts "
                                    "WHERE user_id = ?1 AND user_id <> '' AND status = 'active'"));
  query.Bind(1, user_id);
  AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
  if (!row) return std::nullopt;
  return CartFromRow(query);
}

// The cart, which must exist and be active.
absl::StatusOr<Cart> LoadActiveCart(Transaction& tx, std::string_view id) {
  AISLE_ASSIGN_OR_RETURN(std::optional<Cart> cart, LoadCart(tx, id));
  if (!cart) return CartNotFound(id);
  if (cart->status != CartStatus::kActive) {
    return CartReasonError(
        absl::StatusCode::kFailedPrecondition, kCartNotActiveReason,
        absl::StrCat(cart->id, " is ", std::string(CartStatusName(cart->status))));
  }
  return *std::move(cart);
}

absl::Status TouchCart(Transaction& tx, std::string_view id, int64_t now_ms) {
  AISLE_ASSIGN_OR_RETURN(Query touch,
                         tx.Prepare("UPDATE carts SET updated_at_ms = ?2 WHERE id = ?1"));
  touch.Bind(1, id);
  touch.Bind(2, now_ms);
  return touch.Run();
}

absl::Status UpsertLineRow(Transaction& tx, std::string_view cart_id, const CartLine& line,
                          int64_t now_ms) {
  AISLE_ASSIGN_OR_RETURN(
      Query upsert,
      tx.Prepare("INSERT INTO cart_items(cart_id, product_id, quantity, reservation_id, "
                 "unit_price, original_price, quote_id, quote_expires_at_ms, added_at_ms, "
                 "updated_at_ms, position) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, "
                 "(SELECT coalesce(max(position), 0) + 1 FROM cart_items WHERE cart_id = ?1)) "
                 "ON CONFLICT(cart_id, product_id) DO UPDATE SET "
                 "quantity = excluded.quantity, reservation_id = excluded.reservation_id, "
                 "unit_price = excluded.unit_price, original_price = excluded.original_price, "
                 "quote_id = excluded.quote_id, "
                 "quote_expires_at_ms = excluded.quote_expires_at_ms, "
                 "updated_at_ms = excluded.updated_at_ms"));
  upsert.Bind(1, cart_id);
  upsert.Bind(2, line.product_id);
  upsert.Bind(3, line.quantity);
  upsert.Bind(4, line.reservation_id);
  upsert.Bind(5, line.unit_price_minor);
  upsert.Bind(6, line.original_price_minor);
  upsert.Bind(7, line.quote_id);
  upsert.Bind(8, line.quote_expires_at_ms);
  upsert.Bind(9, now_ms);
  return upsert.Run();
}

// The reservation a write with kHold takes when the line's is not live.
ReserveRequest NewHoldRequest(const LineWrite& write) {
  return ReserveRequest{.product_id = write.line.product_id,
                        .user_id = write.terms.user_id,
                        .cart_id = write.cart_id,
                        .quantity = write.line.quantity,
                        .now_ms = write.now_ms,
                        .ttl_ms = write.terms.ttl_ms,
                        .max_active_per_user = write.terms.max_active_per_user};
}

// Caller-thread validation of WriteLine (now_ms already resolved).
absl::Status CheckLineWrite(const LineWrite& write) {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(write.cart_id, "cart_id"));
  AISLE_RETURN_IF_ERROR(CheckNowArgument(write.now_ms));
  switch (write.hold) {
    case HoldChange::kNone:
      return CheckLine(write.line);
    case HoldChange::kHold:
      AISLE_RETURN_IF_ERROR(CheckLine(write.line, /*with_reservation=*/false));
      return CheckReserveRequest(NewHoldRequest(write));
    case HoldChange::kRelease:
      return CheckRequiredArgument(write.line.product_id, "product_id");
  }
  return InvalidArgumentError("hold: unknown HoldChange", "hold");
}

// The reservation of the cart's stored line for a product, as stored.
struct StoredHold {
  std::string reservation_id;
  ReservationStatus status = ReservationStatus::kReleased;
  int64_t expires_at_ms = 0;
};

// nullopt when the cart has no line for the product.
absl::StatusOr<std::optional<StoredHold>> LoadStoredHold(Transaction& tx, std::string_view cart_id,
                                                         std::string_view product_id) {
  AISLE_ASSIGN_OR_RETURN(
      Query query,
      tx.Prepare("SELECT c.reservation_id, r.status, r.expires_at_ms FROM cart_items c "
                 "LEFT JOIN reservations r ON r.id = c.reservation_id "
                 "WHERE c.cart_id = ?1 AND c.product_id = ?2"));
  query.Bind(1, cart_id);
  query.Bind(2, product_id);
  AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
  if (!row) return std::nullopt;
  StoredHold hold{.reservation_id = query.Text(0)};
  if (!query.IsNull(1)) {  // A missing reservation (the foreign key forbids it) holds nothing.
    const std::string status = query.Text(1);
    const auto parsed = ParseReservationStatus(status);
    if (!parsed) {
      return absl::DataLossError(absl::StrCat("store: reservation ", hold.reservation_id,
                                              " has unknown status \"", status, "\""));
    }
    hold.status = *parsed;
    hold.expires_at_ms = query.Int64(2);
  }
  return hold;
}

// kHold's reservation change: resizes the line's live reservation, or takes
// a new one (`*reserved`) when the line is new or its hold lapsed.
absl::StatusOr<Reservation> HoldInTx(Transaction& tx, const LineWrite& write,
                                     const std::function<std::string()>& new_id, bool* reserved) {
  AISLE_ASSIGN_OR_RETURN(const std::optional<StoredHold> stored,
                         LoadStoredHold(tx, write.cart_id, write.line.product_id));
  if (stored && stored->status == ReservationStatus::kCommitted) {
    // An order owns the line's units: holding them again would count them twice.
    return CartReasonError(absl::StatusCode::kFailedPrecondition, kReservationNotActiveReason,
                           absl::StrCat(stored->reservation_id, " is committed to an order"));
  }
  if (stored && stored->status == ReservationStatus::kActive &&
      write.now_ms < stored->expires_at_ms) {
    return UpdateQuantityInTx(tx, stored->reservation_id, write.line.quantity, write.now_ms);
  }
  // An expired one is left to the sweeper: lazy expiry already stopped counting it.
  *reserved = true;
  return ReserveInTx(tx, NewHoldRequest(write), new_id);
}

// kRelease: releases the line's reservation, then deletes the line.
absl::StatusOr<LineWriteResult> ReleaseLineInTx(Transaction& tx, const LineWrite& write) {
  LineWriteResult result;
  AISLE_ASSIGN_OR_RETURN(const std::optional<StoredHold> stored,
                         LoadStoredHold(tx, write.cart_id, write.line.product_id));
  if (!stored) return result;
  auto released = ReleaseInTx(tx, stored->reservation_id, write.now_ms);
  if (released.ok()) {
    result.reservation = *std::move(released);
  } else if (!absl::IsNotFound(released.status())) {
    return released.status();  // Committed: the order owns it, the line stays.
  }
  AISLE_ASSIGN_OR_RETURN(
      Query remove, tx.Prepare("DELETE FROM cart_items WHERE cart_id = ?1 AND product_id = ?2"));
  remove.Bind(1, write.cart_id);
  remove.Bind(2, write.line.product_id);
  AISLE_RETURN_IF_ERROR(remove.Run());
  result.removed = tx.Changes() > 0;
  return result;
}

}  // namespace

std::future<absl::StatusOr<CreatedCart>> SqliteCartStore::CreateCart(std::string user_id,
                                                                     int64_t now_ms) {
  if (const auto bad = FindInvalidUtf8(user_id)) {
    return ReadyCartError<CreatedCart>(
        InvalidArgumentError("user_id: invalid UTF-8", "user_id", *bad));
  }
  if (absl::Status s = CheckNowArgument(now_ms); !s.ok()) {
    return ReadyCartError<CreatedCart>(std::move(s));
  }
  const int64_t now = Now(now_ms);
  return backend_.writer->Submit(
      [this, user_id = std::move(user_id), now](Transaction& tx) -> absl::StatusOr<CreatedCart> {
        if (!user_id.empty()) {
          AISLE_ASSIGN_OR_RETURN(std::optional<Cart> existing, LoadActiveCartOfUser(tx, user_id));
          if (existing) return CreatedCart{.cart = *std::move(existing), .created = false};
        }
        Cart cart{.id = new_id_(),
                  .user_id = user_id,
                  .status = CartStatus::kActive,
                  .created_at_ms = now,
                  .updated_at_ms = now};
        if (cart.id.empty() || FindInvalidUtf8(cart.id)) {
          return absl::InternalError("store: id_generator returned an empty or non-UTF-8 id");
        }
        AISLE_ASSIGN_OR_RETURN(Query insert, tx.Prepare("INSERT INTO carts(" AISLE_CART_COLUMNS ") "
                                                        "VALUES (?1, ?2, 'active', NULL, ?3, ?3)"));
        insert.Bind(1, cart.id);
        insert.Bind(2, cart.user_id);
        insert.Bind(3, now);
        AISLE_RETURN_IF_ERROR(insert.Run());
        return CreatedCart{.cart = std::move(cart), .created = true};
      });
}

std::future<absl::StatusOr<LineWriteResult>> SqliteCartStore::WriteLine(LineWrite write) {
  write.now_ms = Now(write.now_ms);  // A negative one stays negative and is refused.
  if (absl::Status valid = CheckLineWrite(write); !valid.ok()) {
    return ReadyCartError<LineWriteResult>(std::move(valid));
  }
  return backend_.writer->Submit(
      [this, write = std::move(write)](Transaction& tx) -> absl::StatusOr<LineWriteResult> {
        AISLE_RETURN_IF_ERROR(LoadActiveCart(tx, write.cart_id).status());
        LineWriteResult result;
        if (write.hold == HoldChange::kRelease) {
          AISLE_ASSIGN_OR_RETURN(result, ReleaseLineInTx(tx, write));
        } else {
          CartLine line = write.line;
          if (write.hold == HoldChange::kHold) {
            AISLE_ASSIGN_OR_RETURN(Reservation held, HoldInTx(tx, write, new_id_, &result.reserved));
            line.reservation_id = held.id;
            result.reservation = std::move(held);
          }
          // A failure from here on rolls the reservation change back with the
          // job's savepoint.
          AISLE_RETURN_IF_ERROR(UpsertLineRow(tx, write.cart_id, line, write.now_ms));
        }
        if (write.hold != HoldChange::kRelease || result.removed) {
          AISLE_RETURN_IF_ERROR(TouchCart(tx, write.cart_id, write.now_ms));
        }
        return result;
      });
}

std::future<absl::StatusOr<Cart>> SqliteCartStore::SetCartUser(std::string cart_id,
                                                               std::string user_id,
                                                               int64_t now_ms) {
  absl::Status valid = CheckRequiredArgument(cart_id, "cart_id");
  if (valid.ok()) valid = CheckRequiredArgument(user_id, "user_id");
  if (valid.ok()) valid = CheckNowArgument(now_ms);
  if (!valid.ok()) return ReadyCartError<Cart>(std::move(valid));
  const int64_t now = Now(now_ms);
  return backend_.writer->Submit([cart_id = std::move(cart_id), user_id = std::move(user_id),
                                  now](Transaction& tx) -> absl::StatusOr<Cart> {
    AISLE_ASSIGN_OR_RETURN(Cart cart, LoadActiveCart(tx, cart_id));
    if (cart.user_id == user_id) return cart;
    if (!cart.user_id.empty()) {
      return CartReasonError(absl::StatusCode::kPermissionDenied, kCartUserMismatchReason,
                             absl::StrCat(cart.id, " belongs to another user"));
    }
    AISLE_ASSIGN_OR_RETURN(std::optional<Cart> existing, LoadActiveCartOfUser(tx, user_id));
    if (existing) {
      return CartReasonError(absl::StatusCode::kFailedPrecondition, kUserHasActiveCartReason,
                             absl::StrCat("user's active cart is ", existing->id));
    }
    AISLE_ASSIGN_OR_RETURN(
        Query update,
        tx.Prepare("UPDATE carts SET user_id = ?2, updated_at_ms = ?3 WHERE id = ?1"));
    update.Bind(1, cart.id);
    update.Bind(2, user_id);
    update.Bind(3, now);
    AISLE_RETURN_IF_ERROR(update.Run());
    cart.user_id = user_id;
    cart.updated_at_ms = now;
    return cart;
  });
}

std::future<absl::Status> SqliteCartStore::MarkMerged(std::string source_cart_id,
                                                      std::string target_cart_id,
                                                      std::vector<CartLine> target_lines,
                                                      int64_t now_ms) {
  absl::Status valid = CheckRequiredArgument(source_cart_id, "source_cart_id");
  if (valid.ok()) valid = CheckRequiredArgument(target_cart_id, "target_cart_id");
  if (valid.ok() && source_cart_id == target_cart_id) {
    valid =
        InvalidArgumentError("target_cart_id: must differ from source_cart_id", "target_cart_id");
  }
  for (size_t i = 0; valid.ok() && i < target_lines.size(); ++i) {
    valid = CheckLine(target_lines[i]);
  }
  if (valid.ok()) valid = CheckNowArgument(now_ms);
  if (!valid.ok()) return ReadyFuture(std::move(valid));
  const int64_t now = Now(now_ms);
  return backend_.writer->Submit([source = std::move(source_cart_id),
                                  target = std::move(target_cart_id),
                                  lines = std::move(target_lines),
                                  now](Transaction& tx) -> absl::Status {
    AISLE_RETURN_IF_ERROR(LoadActiveCart(tx, source).status());
    AISLE_RETURN_IF_ERROR(LoadActiveCart(tx, target).status());
    for (const CartLine& line : lines) {
      AISLE_RETURN_IF_ERROR(UpsertLineRow(tx, target, line, now));
    }
    AISLE_RETURN_IF_ERROR(TouchCart(tx, target, now));
    AISLE_ASSIGN_OR_RETURN(Query clear, tx.Prepare("DELETE FROM cart_items WHERE cart_id = ?1"));
    clear.Bind(1, source);
    AISLE_RETURN_IF_ERROR(clear.Run());
    AISLE_ASSIGN_OR_RETURN(Query merged,
                           tx.Prepare("UPDATE carts SET status = 'merged', merged_into = ?2, "
                                      "updated_at_ms = ?3 WHERE id = ?1"));
    merged.Bind(1, source);
    merged.Bind(2, target);
    merged.Bind(3, now);
    return merged.Run();
  });
}

absl::StatusOr<std::optional<CartContents>> SqliteCartStore::GetCart(std::string_view cart_id,
                                                                     int64_t now_ms) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(cart_id, "cart_id"));
  AISLE_RETURN_IF_ERROR(CheckNowArgument(now_ms));
  const int64_t now = Now(now_ms);
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  // One snapshot: the lines must belong to the cart state they are shown with.
  AISLE_ASSIGN_OR_RETURN(ReadSnapshot snapshot, ReadSnapshot::Begin(*reader));
  AISLE_ASSIGN_OR_RETURN(std::optional<Cart> cart, LoadCart(*reader, cart_id));
  if (!cart) return std::nullopt;
  CartContents contents{.cart = *std::move(cart)};
  AISLE_ASSIGN_OR_RETURN(
      Query rows,
      reader->Prepare("SELECT c.product_id, c.quantity, c.reservation_id, c.unit_price, "
                      "c.original_price, c.quote_id, c.quote_expires_at_ms, c.added_at_ms, "
                      "c.updated_at_ms, r.status, r.quantity, r.expires_at_ms "
                      "FROM cart_items c LEFT JOIN reservations r ON r.id = c.reservation_id "
                      "WHERE c.cart_id = ?1 ORDER BY c.position"));
  rows.Bind(1, cart_id);
  while (true) {
    AISLE_ASSIGN_OR_RETURN(const bool row, rows.Step());
    if (!row) break;
    CartLineState state;
    CartLine& line = state.line;
    line.product_id = rows.Text(0);
    line.quantity = rows.Int64(1);
    line.reservation_id = rows.Text(2);
    line.unit_price_minor = rows.Int64(3);
    line.original_price_minor = rows.Int64(4);
    line.quote_id = rows.Text(5);
    line.quote_expires_at_ms = rows.Int64(6);
    line.added_at_ms = rows.Int64(7);
    line.updated_at_ms = rows.Int64(8);
    if (rows.IsNull(9)) {
      // The foreign key keeps this from happening; holds nothing either way.
      state.reservation_status = ReservationStatus::kReleased;
    } else {
      const std::string status = rows.Text(9);
      const auto parsed = ParseReservationStatus(status);
      if (!parsed) {
        return absl::DataLossError(absl::StrCat("store: reservation ", line.reservation_id,
                                                " has unknown status \"", status, "\""));
      }
      state.reservation_status = *parsed;
      state.reservation_quantity = rows.Int64(10);
      state.reservation_expires_at_ms = rows.Int64(11);
      // Lazy expiry, as InventoryStore's reads.
      if (state.reservation_status == ReservationStatus::kActive &&
          now >= state.reservation_expires_at_ms) {
        state.reservation_status = ReservationStatus::kExpired;
      }
    }
    contents.lines.push_back(std::move(state));
  }
  return contents;
}

absl::StatusOr<std::optional<Cart>> SqliteCartStore::FindActiveCartOfUser(
    std::string_view user_id) const {
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(user_id, "user_id"));
  AISLE_ASSIGN_OR_RETURN(auto reader, backend_.readers->Checkout());
  return LoadActiveCartOfUser(*reader, user_id);
}

#undef AISLE_CART_COLUMNS

}  // namespace internal
}  // namespace aisle::store
