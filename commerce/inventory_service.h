// InventoryService: warehouses, stock and reservations (issue D) over the
// durable InventoryStore, keeping search in step: every change that moves a
// product's available units (stock set, reserve, change, release, expiry)
// reports the new figure to an AvailabilitySink, which main.cc wires to the
// index's live stock column, so ranking and `inStock` filters see it on the
// very next query. The seed's ReservationConfig (15-minute timeout, 10
// active per user, 2 extensions) are the options' defaults.
//
// A sweeper (Start/Stop, or SweepOnce from tests with a FakeClock) marks
// due reservations expired and republishes their products; until it runs,
// reads already ignore expired reservations (lazy expiry in the store).
//
// Ownership: borrows the clock and the store (both must outlive the
// service). Thread-safety: every method may be called from any thread; all
// of them block on the store (call them off the I/O threads). The sink is
// called on the calling (or sweeper) thread and must be thread-safe.
#ifndef AISLE_COMMERCE_INVENTORY_SERVICE_H_
#define AISLE_COMMERCE_INVENTORY_SERVICE_H_

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "store/inventory_store.h"

namespace aisle::commerce {

// (product id, available units) pairs to publish.
using AvailabilitySink =
    std::function<void(const std::vector<std::pair<std::string, int64_t>>& available)>;

struct InventoryServiceOptions {
  int64_t reservation_ttl_ms = store::kDefaultReservationTtlMs;         // 15 minutes.
  int max_active_per_user = store::kDefaultMaxActiveReservationsPerUser;  // 10
  int max_extensions = store::kDefaultMaxReservationExtensions;          // 2
  // How often the sweeper looks for due reservations (real time), and how
  // many it expires per store write.
  int64_t sweep_interval_ms = 1000;
  int64_t sweep_batch = 1000;
};

struct StockCount {
  std::string warehouse_id;
  int64_t on_hand = 0;
};

struct ReserveOptions {
  std::string product_id;
  int64_t quantity = 0;
  std::string user_id;
  std::string cart_id;
};

class InventoryService {
 public:
  // `sink` may be empty (nothing published).
  InventoryService(const Clock& clock, store::InventoryStore* inventory, AvailabilitySink sink,
                   InventoryServiceOptions options = {});
  ~InventoryService();  // Stops the sweeper.
  InventoryService(const InventoryService&) = delete;
  InventoryService& operator=(const InventoryService&) = delete;

  absl::Status UpsertWarehouses(std::vector<store::Warehouse> warehouses);
  absl::StatusOr<std::vector<store::Warehouse>> Warehouses() const;

  // Sets the product's on-hand count at each listed warehouse (each count
  // commits on its own; the first error is returned, earlier counts stay)
  // and returns the product's stock afterwards.
  absl::StatusOr<store::ProductStock> SetStock(const std::string& product_id,
                                               const std::vector<StockCount>& counts);
  absl::StatusOr<store::ProductStock> Stock(const std::string& product_id) const;

  // The store's Reserve / Extend / UpdateQuantity / Release with the
  // service's limits and the clock's now; errors as the store's.
  absl::StatusOr<store::Reservation> Reserve(const ReserveOptions& request);
  absl::StatusOr<store::Reservation> Extend(const std::string& reservation_id);
  absl::StatusOr<store::Reservation> UpdateQuantity(const std::string& reservation_id,
                                                    int64_t quantity);
  absl::StatusOr<store::Reservation> Release(const std::string& reservation_id);
  absl::StatusOr<std::optional<store::Reservation>> GetReservation(
      const std::string& reservation_id) const;

  // Expires every due reservation (in batches) and republishes their
  // products; returns how many expired.
  absl::StatusOr<int64_t> SweepOnce();

  // Publishes every stocked product's availability (at start-up, after the
  // index is open).
  absl::Status PublishAll();

  // Reads the products' availability now and hands it to the sink: for
  // reservation changes committed through another store's atomic write
  // (store::CartStore::WriteLine), which this service did not see.
  absl::Status Publish(const std::vector<std::string>& product_ids);

  // The reservation terms (ttl, per-user limit) such writes must use.
  const InventoryServiceOptions& options() const { return options_; }

  void Start();  // The sweeper thread; idempotent.
  void Stop();   // Idempotent; returns after the thread has finished.

 private:
  absl::StatusOr<store::Reservation> PublishedReservation(
      absl::StatusOr<store::Reservation> reservation);

  const Clock& clock_;
  store::InventoryStore* inventory_;
  AvailabilitySink sink_;
  const InventoryServiceOptions options_;

  std::mutex sweeper_mu_;
  std::condition_variable sweeper_wake_;
  bool stopping_ = false;  // Guarded by sweeper_mu_.
  std::thread sweeper_;
};

}  // namespace aisle::commerce

#endif  // AISLE_COMMERCE_INVENTORY_SERVICE_H_
