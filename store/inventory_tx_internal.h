// Internal to store/: the inventory operations as functions over a writer
// Transaction, so that another store's job can run them inside its own
// transaction. That is how a cart line and the reservation that holds it,
// or an order's status change and the stock it consumes or returns, commit
// together: one job, one COMMIT, all or nothing (writer_internal.h).
//
// Each function does exactly what the InventoryStore method of the same name
// does inside its job (see inventory_store.h for errors); the caller has
// validated the request (the Check* functions) and resolved now_ms (never 0
// here). They run on the writer thread only.
#ifndef AISLE_STORE_INVENTORY_TX_INTERNAL_H_
#define AISLE_STORE_INVENTORY_TX_INTERNAL_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "store/inventory_store.h"
#include "store/writer_internal.h"

namespace aisle::store::internal {

// Caller-thread validation of the requests below (InvalidArgument naming the
// field).
absl::Status CheckReserveRequest(const ReserveRequest& request);
absl::Status CheckCommitRequest(const CommitRequest& request);

// InventoryStore::Reserve. `new_id` makes the reservation's id.
absl::StatusOr<Reservation> ReserveInTx(Transaction& tx, const ReserveRequest& request,
                                        const std::function<std::string()>& new_id);
// InventoryStore::UpdateQuantity.
absl::StatusOr<Reservation> UpdateQuantityInTx(Transaction& tx, std::string_view id,
                                               int64_t new_quantity, int64_t now_ms);
// InventoryStore::Release.
absl::StatusOr<Reservation> ReleaseInTx(Transaction& tx, std::string_view id, int64_t now_ms);
// InventoryStore::Commit.
absl::Status CommitInTx(Transaction& tx, const CommitRequest& request);
// Returns units to warehouses' on hand (a cancelled order's allocations):
// the inverse of Commit's decrements, capped at kMaxUnits per stock row.
absl::Status RestockInTx(Transaction& tx, const std::vector<Allocation>& returned, int64_t now_ms);
// No InventoryStore method: keeps holds alive while an order awaits a fraud
// review (order_store.h: CreateOrderRequest::hold_reservations_until_ms).
// Each of `ids` that is active and unexpired at now_ms gets expires_at_ms =
// max(its own, until_ms), never shorter and without counting an extension;
// committed, released or expired ones are left as they are (reviving an
// expired hold could promise units someone else has reserved since).
// NotFound reservation_not_found for an unknown id. The caller checked
// now_ms < until_ms <= now_ms + kMaxReservationTtlMs.
absl::Status HoldUntilInTx(Transaction& tx, const std::vector<std::string>& ids, int64_t until_ms,
                           int64_t now_ms);

}  // namespace aisle::store::internal

#endif  // AISLE_STORE_INVENTORY_TX_INTERNAL_H_
