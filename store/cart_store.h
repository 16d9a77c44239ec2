// CartStore: the durable shopping carts (issue D). A cart belongs to a user
// or is anonymous (empty user id), and holds at most one line per product;
// each line points at the inventory reservation that holds its units
// (store/inventory_store.h). Only SQL-level state and its invariants live
// here: reserving, pricing and merging are commerce::CartService's business.
//
// Money: unit and original prices are stored as INTEGER minor units (cents:
// std::llround(price * 100)), so line totals and subtotals are exact sums of
// integers, never accumulated floating-point error, and the order ledgers of
// issue D can copy them as is. The catalog's prices are doubles in major
// units; the conversion happens once, when a line is written.
//
// Invariants kept here:
// - at most one active cart per (non-empty) user: CreateCart returns the
//   user's active cart when there is one, and SetCartUser refuses to give a
//   user a second one (a partial UNIQUE index backs both);
// - only active carts change: a merged or ordered cart is frozen
//   (FailedPrecondition cart_not_active);
// - a line's reservation exists (a foreign key);
// - a line and the reservation that holds its units change together:
//   WriteLine runs the reservation change (inventory_tx_internal.h) and the
//   line write in ONE writer job, so they commit together (one COMMIT, one
//   fsync) or not at all.
//
// Errors: as InventoryStore, domain errors start with a stable reason code
// (the k*Reason constants below, "cart_not_found: <id>").
//
// Thread-safety: as InventoryStore. Writes return a future completed after
// the write committed (durable with synchronous=FULL); reads run on the
// calling thread. Every write is atomic on its own; a caller that does
// read-modify-write over several calls (the cart service) serializes its
// calls per cart itself.
#ifndef AISLE_STORE_CART_STORE_H_
#define AISLE_STORE_CART_STORE_H_

#include <cstdint>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/inventory_store.h"

namespace aisle::store {

// Reason codes that start the message of domain errors.
inline constexpr char kCartNotFoundReason[] = "cart_not_found";  // NotFound.
// FailedPrecondition: the cart was merged into another or became an order.
inline constexpr char kCartNotActiveReason[] = "cart_not_active";
// FailedPrecondition (SetCartUser): the user already has an active cart.
inline constexpr char kUserHasActiveCartReason[] = "user_has_active_cart";
// PermissionDenied (SetCartUser): the cart belongs to another user.
inline constexpr char kCartUserMismatchReason[] = "cart_user_mismatch";

// Upper bound of a stored minor-unit price (10^12 cents = 10^10 in major
// units): with the cart service's bounds (<= 1000 units per line, <= 1000
// lines) every line total and subtotal stays below 10^18, within int64.
inline constexpr int64_t kMaxPriceMinor = 1'000'000'000'000;

// Stored as exactly "active", "merged", "ordered".
enum class CartStatus { kActive, kMerged, kOrdered };
std::string_view CartStatusName(CartStatus status);

struct Cart {
  std::string id;       // From StoreOptions::id_generator: unguessable (the cart's handle).
  std::string user_id;  // Empty: anonymous.
  CartStatus status = CartStatus::kActive;
  std::string merged_into;  // The cart that took its lines; empty unless kMerged.
  int64_t created_at_ms = 0;
  int64_t updated_at_ms = 0;
  bool operator==(const Cart&) const = default;
};

// One product in a cart, as stored.
struct CartLine {
  std::string product_id;            // Non-empty UTF-8.
  int64_t quantity = 0;              // In [1, kMaxUnits].
  std::string reservation_id;        // The reservation holding the units; must exist.
  int64_t unit_price_minor = 0;      // In [0, kMaxPriceMinor]: quoted, or live when written.
  int64_t original_price_minor = 0;  // In [0, kMaxPriceMinor]: before discounts.
  std::string quote_id;              // The price quote honoured; empty = the live price.
  int64_t quote_expires_at_ms = 0;   // 0 without a quote.
  int64_t added_at_ms = 0;           // Set by the store when the line is first written.
  int64_t updated_at_ms = 0;         // Set by the store at every write.
  bool operator==(const CartLine&) const = default;
};

// A line with the state of its reservation, read in the same snapshot.
struct CartLineState {
  CartLine line;
  // As of the read's now: an active reservation whose time has passed reads
  // as kExpired (lazy expiry, as InventoryStore's reads).
  ReservationStatus reservation_status = ReservationStatus::kActive;
  int64_t reservation_quantity = 0;
  int64_t reservation_expires_at_ms = 0;
  // True while the reservation holds the line's units: active, unexpired.
  bool held() const { return reservation_status == ReservationStatus::kActive; }
};

struct CartContents {
  Cart cart;
  std::vector<CartLineState> lines;  // In the order they were first added.
};

struct CreatedCart {
  Cart cart;
  bool created = false;  // False: the user's existing active cart.
};

// What WriteLine does to the reservation holding the line's units.
enum class HoldChange {
  // Reservations are left alone: the line is written with the
  // reservation_id it names (which must exist).
  kNone,
  // Hold line.quantity units: the stored line's reservation is resized when
  // it is still live (active, unexpired); otherwise (a new line, or its
  // reservation expired or was released) a new one is taken on `terms`. The
  // choice is made inside the write, against the state it commits over, so
  // a hold that lapsed since the caller's read is replaced, not failed.
  kHold,
  // The line is deleted and its reservation released (a no-op for one that
  // already holds nothing). Without a line for the product, nothing changes.
  kRelease,
};

// The terms of a reservation WriteLine takes. The rest of the
// ReserveRequest comes from the write itself: the line's product and
// quantity, the cart's id, now_ms.
struct HoldTerms {
  std::string user_id;  // Non-empty UTF-8: whose per-user limit it counts against.
  int64_t ttl_ms = kDefaultReservationTtlMs;                       // In [1, kMaxReservationTtlMs].
  int max_active_per_user = kDefaultMaxActiveReservationsPerUser;  // >= 1.
};

struct LineWrite {
  std::string cart_id;
  // kNone: the line as stored. kHold: likewise, but reservation_id is
  // ignored (the store fills it in). kRelease: only product_id is read.
  CartLine line;
  HoldChange hold = HoldChange::kNone;
  HoldTerms terms;     // kHold only.
  int64_t now_ms = 0;  // 0 = the store clock's now.
};

struct LineWriteResult {
  // kHold: the live reservation now holding the line's units (line.quantity
  // of them). kRelease: the released reservation's final state (nullopt
  // when the cart had no such line). kNone: nullopt.
  std::optional<Reservation> reservation;
  bool reserved = false;  // kHold took a new reservation (the line's was not live).
  bool removed = false;   // kRelease deleted a line.
};

class CartStore {
 public:
  virtual ~CartStore() = default;

  // Creates an active cart for `user_id` (empty: anonymous) with a new id,
  // or, for a user who already has an active cart, returns that one
  // (created = false), atomically. InvalidArgument for a non-UTF-8 user id.
  virtual std::future<absl::StatusOr<CreatedCart>> CreateCart(std::string user_id,
                                                              int64_t now_ms) = 0;

  // A cart line and its hold in ONE atomic write (one writer job, one
  // COMMIT): with kNone or kHold, inserts the cart's line for
  // `line.product_id` after its other lines or replaces it in place
  // (added_at_ms is kept); with kRelease, deletes it. Then touches the cart.
  // The reservation change (see HoldChange) and the line write commit
  // together or not at all: a refused reservation leaves the line as it was,
  // and a failed line write leaves the reservations as they were.
  //
  // Errors: InvalidArgument for a bad field (of the line, or with kHold of
  // the terms); NotFound cart_not_found; FailedPrecondition cart_not_active;
  // with kNone, FailedPrecondition (a constraint) for an unknown reservation
  // id; with kHold, the inventory store's Reserve / UpdateQuantity errors
  // exactly as it returns them (insufficient_stock with its
  // InsufficientStockAvailable payload, reservation_limit_exceeded, ...), and
  // FailedPrecondition reservation_not_active when the line's reservation is
  // committed to an order (the order owns those units; nothing is written);
  // with kRelease, reservation_not_active likewise (the line stays).
  virtual std::future<absl::StatusOr<LineWriteResult>> WriteLine(LineWrite write) = 0;

  // Gives an anonymous active cart to `user_id` (non-empty) at login, when the
  // user has no active cart yet. FailedPrecondition user_has_active_cart when
  // they have one (merge into it instead), cart_not_active; PermissionDenied
  // cart_user_mismatch when the cart belongs to another user; NotFound. A
  // cart that already belongs to the user is returned unchanged.
  virtual std::future<absl::StatusOr<Cart>> SetCartUser(std::string cart_id, std::string user_id,
                                                        int64_t now_ms) = 0;

  // The merge's one write, atomically: upserts `target_lines` into the
  // target cart in order (as WriteLine with kNone), deletes every line of the source and
  // marks it merged into the target. Both carts must exist and be active and
  // differ. The caller has already moved the reservations.
  virtual std::future<absl::Status> MarkMerged(std::string source_cart_id,
                                               std::string target_cart_id,
                                               std::vector<CartLine> target_lines,
                                               int64_t now_ms) = 0;

  // The cart and its lines with their reservations, from one snapshot, as of
  // `now_ms` (0 = the store clock); nullopt for an unknown id.
  virtual absl::StatusOr<std::optional<CartContents>> GetCart(std::string_view cart_id,
                                                              int64_t now_ms) const = 0;

  // The user's active cart (at most one), without its lines.
  virtual absl::StatusOr<std::optional<Cart>> FindActiveCartOfUser(
      std::string_view user_id) const = 0;
};

}  // namespace aisle::store

#endif  // AISLE_STORE_CART_STORE_H_
