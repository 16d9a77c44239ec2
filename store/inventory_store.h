// InventoryStore: the durable inventory layer. Warehouses, stock on hand per
// (product, warehouse), and product-level reservations that hold stock for a
// cart (the seed's reserveInventory) until they are committed by an order,
// released, or expire. Only SQL-level state and its invariants live here;
// allocation across warehouses, carts and orders are commerce/'s business.
//
// Invariant kept by construction: for every product, the units held by
// active unexpired reservations never exceed its stock on hand at the moment
// they were reserved, and an order consumes stock only through Commit, which
// converts reservations into warehouse decrements one for one. Every check
// and the write it guards run in ONE write job, and the store's single
// writer serializes jobs, so no interleaving of concurrent calls can
// oversell (see store/writer_internal.h).
//
// Time: every `now_ms` is Unix milliseconds; 0 means the store clock's now
// (StoreOptions::clock). A reservation is "unexpired" while
// now < expires_at_ms. Expiry is lazy on read: an active reservation whose
// time has passed stops counting as reserved (and is reported as kExpired by
// the reads) before the sweeper (ExpireDue) marks it expired on disk.
//
// Errors: the message of a domain error starts with a stable reason code
// (the k*Reason constants below) followed by ": " and details, e.g.
// "insufficient_stock: requested 3, available 2". server/ maps the reason to
// its JSON error code.
//
// Thread-safety: as EventStore. Every method may be called from any thread;
// writes return a future completed after the write committed (durable with
// the default synchronous=FULL); reads run on the calling thread and touch
// the disk, so call them off the I/O threads.
#ifndef AISLE_STORE_INVENTORY_STORE_H_
#define AISLE_STORE_INVENTORY_STORE_H_

#include <cstdint>
#include <functional>
#include <future>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace aisle::store {

// The seed's ReservationConfig.
inline constexpr int64_t kDefaultReservationTtlMs = 900'000;  // 15 minutes.
inline constexpr int kDefaultMaxActiveReservationsPerUser = 10;
inline constexpr int kDefaultMaxReservationExtensions = 2;

// Upper bounds that reject unit mistakes (seconds for milliseconds, a price
// for a quantity) and keep every sum far from int64 overflow.
inline constexpr int64_t kMaxReservationTtlMs = 30LL * 24 * 3600 * 1000;  // 30 days.
inline constexpr int64_t kMaxUnits = 1'000'000'000;  // Per stock row, reservation, allocation.

// Reason codes that start the message of domain errors.
// FailedPrecondition: not enough available stock; see
// InsufficientStockAvailable for the number.
inline constexpr char kInsufficientStockReason[] = "insufficient_stock";
// ResourceExhausted: the user already holds max_active_per_user reservations.
inline constexpr char kReservationLimitReason[] = "reservation_limit_exceeded";
// FailedPrecondition: the reservation was extended max_extensions times.
inline constexpr char kExtensionLimitReason[] = "extension_limit_exceeded";
// FailedPrecondition: the reservation's time has passed (swept or not).
inline constexpr char kReservationExpiredReason[] = "reservation_expired";
// FailedPrecondition: the reservation is committed or released.
inline constexpr char kReservationNotActiveReason[] = "reservation_not_active";
// NotFound.
inline constexpr char kReservationNotFoundReason[] = "reservation_not_found";
inline constexpr char kWarehouseNotFoundReason[] = "warehouse_not_found";
// FailedPrecondition (Commit): an allocation exceeds a warehouse's on hand.
inline constexpr char kInsufficientWarehouseStockReason[] = "insufficient_warehouse_stock";
// FailedPrecondition (Commit): allocations do not match the reservations.
inline constexpr char kAllocationMismatchReason[] = "allocation_mismatch";

// For an insufficient_stock error (Reserve, UpdateQuantity): the units that
// were available when the request was refused, carried in a status payload
// (and repeated in the message). nullopt for any other status.
std::optional<int64_t> InsufficientStockAvailable(const absl::Status& status);

struct Warehouse {
  std::string id;        // Non-empty UTF-8.
  std::string name;      // UTF-8, may be empty.
  double latitude = 0;   // Degrees, [-90, 90].
  double longitude = 0;  // Degrees, [-180, 180].
  std::string region;    // UTF-8, may be empty.
  bool operator==(const Warehouse&) const = default;
};

struct WarehouseStock {
  std::string warehouse_id;
  int64_t on_hand = 0;
  bool operator==(const WarehouseStock&) const = default;
};

struct ProductStock {
  std::string product_id;
  std::vector<WarehouseStock> warehouses;  // Ordered by warehouse_id.
  int64_t on_hand_total = 0;               // Sum over warehouses.
  // Units held by active reservations unexpired at the read's now.
  int64_t reserved = 0;
  // on_hand_total - reserved, never below 0 (stock can be set below what is
  // reserved; those reservations then fail at Commit).
  int64_t available = 0;
};

// Stored as exactly "active", "committed", "expired", "released".
enum class ReservationStatus { kActive, kCommitted, kExpired, kReleased };
std::string_view ReservationStatusName(ReservationStatus status);

struct Reservation {
  std::string id;  // From StoreOptions::id_generator: unguessable.
  std::string product_id;
  std::string user_id;
  std::string cart_id;
  int64_t quantity = 0;
  int64_t created_at_ms = 0;
  int64_t expires_at_ms = 0;
  int extensions = 0;  // Successful Extend calls.
  ReservationStatus status = ReservationStatus::kActive;
  std::string order_id;  // The committing order; empty unless kCommitted.
  bool operator==(const Reservation&) const = default;
};

struct ReserveRequest {
  std::string product_id;                     // Non-empty UTF-8.
  std::string user_id;                        // Non-empty UTF-8; the per-user limit counts by it.
  std::string cart_id;                        // UTF-8, may be empty.
  int64_t quantity = 0;                       // In [1, kMaxUnits].
  int64_t now_ms = 0;                         // 0 = the store clock's now.
  int64_t ttl_ms = kDefaultReservationTtlMs;  // In [1, kMaxReservationTtlMs].
  int max_active_per_user = kDefaultMaxActiveReservationsPerUser;  // >= 1.
};

struct ExtendRequest {
  std::string reservation_id;
  int64_t now_ms = 0;                                     // 0 = the store clock's now.
  int64_t ttl_ms = kDefaultReservationTtlMs;              // In [1, kMaxReservationTtlMs].
  int max_extensions = kDefaultMaxReservationExtensions;  // >= 0.
};

// Units of a product taken from one warehouse's on hand.
struct Allocation {
  std::string product_id;
  std::string warehouse_id;
  int64_t quantity = 0;  // In [1, kMaxUnits].
  bool operator==(const Allocation&) const = default;
};

struct CommitRequest {
  std::string order_id;                      // Non-empty UTF-8.
  std::vector<std::string> reservation_ids;  // Non-empty, no duplicates.
  // Per product, the allocated units must add up to exactly the units of the
  // order's reservations of that product: a reservation is turned into stock
  // decrements one for one, so other shoppers' reservations stay covered.
  std::vector<Allocation> allocations;
  int64_t now_ms = 0;  // 0 = the store clock's now.
};

struct ExpiredReservations {
  int64_t expired = 0;                   // Reservations marked expired; == limit: call again.
  std::vector<std::string> product_ids;  // Distinct, sorted: their availability changed.
};

class InventoryStore {
 public:
  virtual ~InventoryStore() = default;

  // --- Warehouses and stock -------------------------------------------------

  // Creates or replaces the warehouses (by id), atomically. InvalidArgument
  // ("warehouses[i].<field>: ...") for an empty or non-UTF-8 id, non-UTF-8
  // name or region, or a coordinate out of range or not finite; then nothing
  // is written. An empty batch succeeds at once.
  virtual std::future<absl::Status> UpsertWarehouses(std::vector<Warehouse> warehouses) = 0;

  // Every warehouse, ordered by id.
  virtual absl::StatusOr<std::vector<Warehouse>> ListWarehouses() const = 0;

  // Sets the product's units on hand at the warehouse (operator counts,
  // replenishment). NotFound (warehouse_not_found) for an unknown warehouse;
  // InvalidArgument for empty ids or on_hand outside [0, kMaxUnits]. Setting
  // it below what is reserved is allowed: available reads as 0 and the
  // uncovered reservations fail at Commit.
  virtual std::future<absl::Status> SetStock(std::string product_id, std::string warehouse_id,
                                             int64_t on_hand) = 0;

  // The product's stock per warehouse and its availability at `now_ms`,
  // from one snapshot. A product never stocked reads as all zeros.
  virtual absl::StatusOr<ProductStock> GetStock(std::string_view product_id,
                                                int64_t now_ms) const = 0;

  // Calls `callback(product_id, available)` for every product with a stock
  // row, ordered by product_id, from one snapshot at `now_ms`: rebuilds the
  // search index's availability at start-up. The callback's error stops the
  // walk and is returned.
  virtual absl::Status ForEachAvailability(
      int64_t now_ms,
      const std::function<absl::Status(const std::string& product_id, int64_t available)>&
          callback) const = 0;

  // --- Reservations ---------------------------------------------------------

  // The seed's reserveInventory as one atomic check-and-insert: fails with
  // FailedPrecondition insufficient_stock when fewer than `quantity` units
  // are available (InsufficientStockAvailable gives how many were), then
  // with ResourceExhausted reservation_limit_exceeded when the user already
  // holds max_active_per_user active unexpired reservations; otherwise
  // creates an active reservation expiring at now + ttl.
  virtual std::future<absl::StatusOr<Reservation>> Reserve(ReserveRequest request) = 0;

  // Pushes an active unexpired reservation's expiry to now + ttl (never
  // earlier than it already was). NotFound for an unknown id;
  // FailedPrecondition reservation_expired when its time has passed,
  // reservation_not_active when committed or released, and
  // extension_limit_exceeded once it was extended max_extensions times.
  virtual std::future<absl::StatusOr<Reservation>> Extend(ExtendRequest request) = 0;

  // Changes an active unexpired reservation's quantity (a cart line's
  // quantity changed); the expiry is unchanged. An increase atomically
  // re-checks availability (insufficient_stock as Reserve, counting what
  // this reservation already holds as its own). Errors as Extend;
  // InvalidArgument for new_quantity outside [1, kMaxUnits] (use Release to
  // drop a line).
  virtual std::future<absl::StatusOr<Reservation>> UpdateQuantity(std::string reservation_id,
                                                                  int64_t new_quantity,
                                                                  int64_t now_ms) = 0;

  // Releases the stock a reservation holds (the line left the cart) and
  // returns its final state. Idempotent: a released or expired reservation
  // is returned unchanged (an active one is released even if its time has
  // passed and it was not swept yet). FailedPrecondition reservation_not_active for a
  // committed one (an order owns it; cancelling the order is commerce's
  // job); NotFound for an unknown id.
  virtual std::future<absl::StatusOr<Reservation>> Release(std::string reservation_id) = 0;

  // An order consumes stock, atomically (all or nothing): every reservation
  // must exist (NotFound) and be active and unexpired (FailedPrecondition
  // reservation_expired / reservation_not_active naming it); the allocations
  // must match them (allocation_mismatch); each allocation decrements its
  // (product, warehouse) on hand, and one that would go below 0 fails the
  // whole commit (insufficient_warehouse_stock naming it). On success the
  // reservations become committed with `order_id`. A retry of a commit that
  // already succeeded (every reservation committed by the same order_id)
  // succeeds without changing anything, so a lost acknowledgement can be
  // retried safely.
  virtual std::future<absl::Status> Commit(CommitRequest request) = 0;

  // The sweeper: marks up to `limit` (>= 1) active reservations with
  // expires_at_ms <= now_ms as expired, oldest expiry first, and returns the
  // products whose reservations it expired (for the search index's
  // availability column). Their availability is unchanged by the sweep
  // itself: lazy expiry already stopped counting them.
  virtual std::future<absl::StatusOr<ExpiredReservations>> ExpireDue(int64_t now_ms,
                                                                     int64_t limit) = 0;

  // The reservation as of `now_ms` (an active one whose time has passed reads
  // as kExpired); nullopt for an unknown id.
  virtual absl::StatusOr<std::optional<Reservation>> GetReservation(std::string_view reservation_id,
                                                                    int64_t now_ms) const = 0;

  // The user's active unexpired reservations at `now_ms`, oldest first.
  virtual absl::StatusOr<std::vector<Reservation>> ListActiveReservations(std::string_view user_id,
                                                                          int64_t now_ms) const = 0;
};

}  // namespace aisle::store

#endif  // AISLE_STORE_INVENTORY_STORE_H_
