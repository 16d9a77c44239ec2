// CartService: shopping carts (issue D) over the durable CartStore, holding
// stock through InventoryService (so every change reaches search's live
// availability) and honouring the price quotes of QuoteBook (issue B).
//
// - AddItem reserves the units (or, when the product is already in the cart,
//   grows the line's reservation); ChangeQuantity resizes the reservation;
//   RemoveItem releases it. A reservation failure writes nothing and returns
//   the inventory store's error as is (insufficient_stock with
//   store::InsufficientStockAvailable, reservation_limit_exceeded).
// - One commit per write: AddItem, ChangeQuantity and RemoveItem change the
//   line and its reservation in ONE store write (store::CartStore::WriteLine:
//   one writer job, one fsync'ed COMMIT), so both commit or neither does: a
//   failed call holds no stock and leaves the line as it was. The product's
//   new availability is then published through InventoryService::Publish
//   (a failure to publish is logged; the write stands). A cart write costs
//   one SQLite commit plus reads.
// - Prices: a line's unit price is the price of the quote the shopper saw,
//   while that quote is valid for this product and user (Validate), else
//   the product's current (live) price. "Current" is evaluated when the cart
//   is read: a line without a quote, or whose quote has expired, follows
//   the live price, so the totals are what checkout charges now. A quote
//   that does not validate (unknown, expired, another user's) is not an
//   error: the line takes the live price and says so (PriceSource::kLive).
// - Expiry: a line whose reservation expired (15 minutes by default) stays
//   in the cart and reads as not held (CartLineView::held() false, status
//   kExpired); AddItem or ChangeQuantity on it reserves again.
// - Identity: reservations of a user's cart count against that user's limit
//   (10 active by default); those of an anonymous cart against
//   "cart:<cart id>".
// - MergeCarts at login: the anonymous cart's lines move into the user's
//   active cart; a product in both gets the sum of the quantities (the
//   anonymous reservation is released and the user's grown), and the
//   anonymous cart is marked merged. Rare (at login), the merge still moves
//   reservations through InventoryService one at a time before its one cart
//   write, and undoes them when that write fails. A user without an active cart simply
//   takes over the anonymous cart. Retrying a merge that succeeded returns
//   the user's cart.
//
// Money: integer minor units (cents), converted once from the catalog's
// major-unit doubles with std::llround(price * 100) (see store/cart_store.h).
//
// Ownership: borrows everything (all must outlive the service).
// Thread-safety: every method may be called from any thread; calls on the
// same cart are serialized by the service (striped locks), calls on other
// carts run in parallel. All of them block on SQLite: call them off the I/O
// threads. `price_lookup` is called on the calling thread and must be
// thread-safe.
#ifndef AISLE_COMMERCE_CART_SERVICE_H_
#define AISLE_COMMERCE_CART_SERVICE_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "commerce/inventory_service.h"
#include "commerce/quote_book.h"
#include "store/cart_store.h"

namespace aisle::commerce {

// Reason codes of the service's own errors (the message starts with
// "<reason>: "), next to the stores' (cart_not_found, cart_not_active,
// cart_user_mismatch, insufficient_stock, reservation_limit_exceeded).
inline constexpr char kProductNotFoundReason[] = "product_not_found";      // NotFound.
inline constexpr char kCartItemNotFoundReason[] = "cart_item_not_found";   // NotFound.
inline constexpr char kCartFullReason[] = "cart_full";                     // FailedPrecondition.
inline constexpr char kQuantityLimitReason[] = "quantity_limit_exceeded";  // FailedPrecondition.
inline constexpr char kPriceUnavailableReason[] = "price_unavailable";     // FailedPrecondition.

// What the catalog says about a product now.
struct ProductPrice {
  double price = 0;           // The live price, major units.
  double original_price = 0;  // Before discounts (the base price), major units.
  std::string title;
  std::string currency;  // ISO 4217; empty = the store default.
};

// NotFound for a product not in the catalog. main.cc wires it to the index
// (live price column and stored document), so commerce/ does not depend on
// index/.
using PriceLookup = std::function<absl::StatusOr<ProductPrice>(const std::string& product_id)>;

struct CartServiceOptions {
  int64_t max_line_quantity = 1000;  // Units of one product per cart, [1, 1000].
  size_t max_lines = 100;            // Products per cart, [1, 1000] (a merge may exceed it).
};

// Price in minor units: std::llround(price * 100). InvalidArgument for a
// negative or non-finite price or one above store::kMaxPriceMinor.
absl::StatusOr<int64_t> ToMinorUnits(double price);

enum class PriceSource { kQuote, kLive };

struct CartLineView {
  std::string product_id;
  std::string title;       // Empty when the product left the catalog.
  bool in_catalog = true;  // False: the product left the catalog (stored price shown).
  std::string currency;
  int64_t quantity = 0;
  int64_t unit_price_minor = 0;
  int64_t original_price_minor = 0;
  int64_t line_total_minor = 0;  // unit_price_minor * quantity.
  PriceSource price_source = PriceSource::kLive;
  std::string quote_id;             // With kQuote.
  int64_t quote_expires_at_ms = 0;  // With kQuote.
  std::string reservation_id;
  // As of the read: kActive while the units are held.
  store::ReservationStatus reservation_status = store::ReservationStatus::kActive;
  int64_t reservation_expires_at_ms = 0;
  int64_t added_at_ms = 0;
  bool held() const { return reservation_status == store::ReservationStatus::kActive; }
};

struct CartView {
  store::Cart cart;
  std::vector<CartLineView> lines;  // In the order they were first added.
  int64_t item_count = 0;           // Sum of the lines' quantities.
  int64_t subtotal_minor = 0;       // Sum of the line totals.
  size_t unheld_lines = 0;          // Lines whose reservation expired (re-add to hold).
};

struct AddItemRequest {
  std::string cart_id;
  std::string product_id;
  int64_t quantity = 0;  // In [1, max_line_quantity]; added to the line's.
  std::string quote_id;  // Optional: the quote the shopper saw.
  // Optional: the shopper, for the quote's check; defaults to the cart's
  // user. Must match the cart's user when both are set (cart_user_mismatch).
  std::string user_id;
};

class CartService {
 public:
  CartService(const Clock& clock, store::CartStore* carts, InventoryService* inventory,
              const QuoteBook* quotes, PriceLookup price_lookup, CartServiceOptions options = {});
  CartService(const CartService&) = delete;
  CartService& operator=(const CartService&) = delete;

  // A new cart for `user_id` (empty: anonymous), or the user's active cart
  // when they have one (`*created` false).
  absl::StatusOr<CartView> CreateCart(const std::string& user_id, bool* created = nullptr);

  // NotFound cart_not_found. Merged and ordered carts read too.
  absl::StatusOr<CartView> GetCart(const std::string& cart_id) const;

  // The cart afterwards. Errors: InvalidArgument (quantity, ids),
  // cart_not_found, cart_not_active, cart_user_mismatch, product_not_found,
  // cart_full, quantity_limit_exceeded (the line would exceed
  // max_line_quantity), insufficient_stock, reservation_limit_exceeded.
  absl::StatusOr<CartView> AddItem(const AddItemRequest& request);

  // Sets the line's quantity (in [1, max_line_quantity]; RemoveItem drops
  // it). An increase that the stock cannot cover fails and leaves the line
  // as it was. cart_item_not_found for a product not in the cart.
  absl::StatusOr<CartView> ChangeQuantity(const std::string& cart_id, const std::string& product_id,
                                          int64_t quantity);

  // Releases the line's reservation and drops the line.
  absl::StatusOr<CartView> RemoveItem(const std::string& cart_id, const std::string& product_id);

  // At login: see the file comment. Returns the user's cart. The anonymous
  // cart must be anonymous or already the user's (cart_user_mismatch
  // otherwise). A line whose quantity cannot be held in full (stock taken
  // meanwhile) keeps as many units as could be held.
  absl::StatusOr<CartView> MergeCarts(const std::string& anonymous_cart_id,
                                      const std::string& user_id);

 private:
  struct Pricing;
  struct Hold;

  std::mutex& LockFor(const std::string& cart_id) const;
  // The cart's contents; cart_not_found / cart_not_active.
  absl::StatusOr<store::CartContents> LoadActive(const std::string& cart_id, int64_t now) const;
  // product_not_found for NotFound.
  absl::StatusOr<ProductPrice> LookUp(const std::string& product_id) const;
  // The line's stored pricing after a write: a validated new quote, else the
  // line's still-valid quote, else the live price.
  // `product`: nullptr when the product left the catalog.
  absl::StatusOr<Pricing> PriceLine(const std::string& product_id, const std::string& quote_id,
                                    const std::string& quote_user, const ProductPrice* product,
                                    const store::CartLine* line, int64_t now) const;
  // The terms of the cart's new reservations (see Identity above).
  store::HoldTerms TermsFor(const store::Cart& cart) const;
  // Hands the product's availability to search; logs a failure.
  void PublishAvailability(const std::string& product_id);
  // MergeCarts only: holds `quantity` units for the line through the
  // inventory service: grows or shrinks its live reservation, or takes a new
  // one.
  absl::StatusOr<Hold> HoldUnits(const store::Cart& cart, const std::string& product_id,
                                 const store::CartLineState* current, int64_t quantity);
  // MergeCarts only: undoes HoldUnits after the merge write failed (best
  // effort, logged).
  void Undo(const Hold& hold);
  // Writes the line with `line.quantity` units held, in one store write
  // (replacing contents.lines[index], or a new one when index < 0), and
  // returns the updated cart.
  absl::StatusOr<CartView> WriteLine(store::CartContents& contents, store::CartLine line, int index,
                                     int64_t now);
  absl::StatusOr<CartView> View(const store::CartContents& contents, int64_t now) const;
  absl::StatusOr<CartView> MergeLocked(const std::string& source_id, const std::string& user_id,
                                       bool* retry);

  const Clock& clock_;
  store::CartStore* carts_;
  InventoryService* inventory_;
  const QuoteBook* quotes_;
  PriceLookup price_lookup_;
  const CartServiceOptions options_;
  mutable std::array<std::mutex, 64> stripes_;
};

}  // namespace aisle::commerce

#endif  // AISLE_COMMERCE_CART_SERVICE_H_
