// Cart routes (issue D). Thin: parse, call commerce::CartService, write JSON.
//
//   POST   /v1/carts                          {"userId"?}  -> 201 new cart (200: the
//                                             user's existing active cart)
//   GET    /v1/carts/{id}
//   POST   /v1/carts/{id}/items               {"productId", "quantity", "quoteId"?, "userId"?}
//   PATCH  /v1/carts/{id}/items/{productId}   {"quantity"}
//   DELETE /v1/carts/{id}/items/{productId}
//   POST   /v1/carts/{id}/merge               {"userId"}  (login: the anonymous cart
//                                             {id} merges into the user's cart)
//
// Every route answers with the whole cart:
//   {"id", "userId" (null when anonymous), "status": "active"|"merged"|"ordered",
//    "mergedInto"?, "createdAt", "updatedAt",
//    "items": [{"productId", "title", "quantity", "unitPrice", "originalPrice",
//               "lineTotal", "priceSource": "quote"|"live", "quote"?: {"id", "expiresAt"},
//               "held", "reservation": {"status", "expiresAt"}, "inCatalog", "addedAt"}],
//    "totals": {"itemCount", "subtotal", "unheldItems"}}
// Prices are decimal numbers in major units, computed from exact integer
// cents. "held" is false once the line's reservation expired: the line stays,
// and adding to it or changing its quantity reserves again.
//
// Errors: 400 for bad input (malformed JSON, unknown fields, wrong types,
// quantity not an integer in [1, 1000]); 413 for a body over 4 KiB; 404
// cart_not_found, product_not_found, cart_item_not_found; 403
// cart_user_mismatch; 409 insufficient_stock (with "available": the units
// that could still be added), reservation_limit_exceeded (409, not 429: it
// is this shopper's state, not a rate limit; retrying will not help until a
// line is removed or expires), cart_not_active, cart_full,
// quantity_limit_exceeded.
//
// Every change is committed (synchronous=FULL) before the response. Routes
// run on the blocking pool (they wait on SQLite). Thread-safe.
#ifndef AISLE_SERVER_CART_HANDLERS_H_
#define AISLE_SERVER_CART_HANDLERS_H_

#include "commerce/cart_service.h"
#include "index/product_index.h"
#include "server/http.h"
#include "server/router.h"

namespace aisle::server {

class CartHandlers {
 public:
  // Not owned; must outlive the handlers.
  explicit CartHandlers(commerce::CartService* carts) : carts_(carts) {}

  void Register(Router* router);

  Response CreateCart(Request& request) const;
  Response GetCart(Request& request) const;
  Response AddItem(Request& request) const;
  Response ChangeItem(Request& request) const;
  Response RemoveItem(Request& request) const;
  Response Merge(Request& request) const;

 private:
  commerce::CartService* carts_;
};

// The cart's price lookup over the index: the live price (what search
// shows), the base price as the original, and the stored title. NotFound for
// a product not in the catalog.
commerce::PriceLookup IndexPriceLookup(const index::ProductIndex* index);

}  // namespace aisle::server

#endif  // AISLE_SERVER_CART_HANDLERS_H_
