// Live signal routes: bulk price/stock/popularity/cost updates that never
// touch the text index (POST /v1/products/signals) and a product's live view
// (GET /v1/products/{id}/signals). Each update is applied to the index's
// columns (visible to the next query) and committed to the store (durable)
// before the response.
//
// Thread-safe; runs on the blocking pool (the store commit fsyncs).
#ifndef AISLE_SERVER_SIGNAL_HANDLERS_H_
#define AISLE_SERVER_SIGNAL_HANDLERS_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "index/product_index.h"
#include "server/http.h"
#include "server/router.h"
#include "store/signal_store.h"

namespace aisle::server {

class SignalHandlers {
 public:
  // Not owned; both must outlive the handlers.
  SignalHandlers(index::ProductIndex* index, store::SignalStore* signals);

  void Register(Router* router);

  Response UpdateSignals(Request& request) const;
  Response GetSignals(Request& request) const;

  // A PATCH body that only sets live signals (price, stock, popularity,
  // cost) becomes one update for `id`; nullopt when it sets anything else (a
  // document patch). InvalidArgument for a malformed body or bad values.
  static absl::StatusOr<std::optional<index::SignalUpdate>> SignalOnlyPatch(std::string_view id,
                                                                            std::string_view body);

  // Applies updates to the index, then durably to the store. Returns the
  // index's result (unknown ids are neither applied nor stored).
  absl::StatusOr<index::SignalUpdateResult> Apply(
      const std::vector<index::SignalUpdate>& updates) const;

  // Drops the stored signals of deleted products, so a product later
  // re-created under the same id does not inherit its old price or stock.
  absl::Status Forget(const std::vector<std::string>& product_ids) const;

 private:
  index::ProductIndex* index_;
  store::SignalStore* signals_;
};

// Restores the durable signals into the index's columns (at start-up).
absl::Status RestoreSignals(const store::SignalStore& signals, index::ProductIndex* index);

}  // namespace aisle::server

#endif  // AISLE_SERVER_SIGNAL_HANDLERS_H_
