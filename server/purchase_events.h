// Orders placed through aisle are purchases: the behaviour events they stand
// for feed the same demand counters, preferences, ranking signals and
// replenishment history as the storefront's own events, so a storefront
// checking out through aisle must not send purchase events for those
// orders (they would count twice).
//
// Thread-safety: stateless; the index is only read.
#ifndef AISLE_SERVER_PURCHASE_EVENTS_H_
#define AISLE_SERVER_PURCHASE_EVENTS_H_

#include <vector>

#include "base/event.h"
#include "index/product_index.h"
#include "store/order_store.h"

namespace aisle::server {

// One kPurchase event per unit of each line (events have no quantity; the
// demand windows and the replenishment history count events), by the
// order's user, session "order:<id>", at the order's last change, with the
// product's leaf category and brand from the index (empty when it left the
// catalog) and the unit price paid in major units.
std::vector<Event> PurchaseEventsOf(const store::Order& order, const index::ProductIndex& index);

}  // namespace aisle::server

#endif  // AISLE_SERVER_PURCHASE_EVENTS_H_
