#include "server/purchase_events.h"

#include <string>

#include "absl/strings/str_cat.h"

namespace aisle::server {

std::vector<Event> PurchaseEventsOf(const store::Order& order, const index::ProductIndex& index) {
  std::vector<Event> events;
  for (const store::OrderItem& item : order.items) {
    Event event{.type = EventType::kPurchase,
                .user_id = order.user_id,
                .session_id = absl::StrCat("order:", order.id),
                .product_id = item.product_id,
                .timestamp_ms = order.updated_at_ms};
    event.metadata.price = static_cast<double>(item.unit_price_cents) / 100.0;
    if (absl::StatusOr<Product> product = index.Get(item.product_id); product.ok()) {
      if (!product->categories.empty()) event.category = product->categories.back();
      event.metadata.brand = product->brand;
    }
    for (int64_t unit = 0; unit < item.quantity; ++unit) events.push_back(event);
  }
  return events;
}

}  // namespace aisle::server
