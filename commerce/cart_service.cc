#include "commerce/cart_service.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <iostream>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "base/utf8.h"

namespace aisle::commerce {
namespace {

absl::Status Reason(absl::StatusCode code, const char* reason, const std::string& details) {
  return absl::Status(code, absl::StrCat(reason, ": ", details));
}

// True when `status` is a domain error with `reason` (store and service
// errors start with "<reason>: ").
bool HasReason(const absl::Status& status, const char* reason) {
  const std::string message(status.message());
  const std::string prefix = absl::StrCat(reason, ": ");
  return message.compare(0, prefix.size(), prefix) == 0;
}

absl::Status CheckId(const std::string& value, const char* field) {
  if (value.empty()) return InvalidArgumentError(absl::StrCat(field, ": required"), field);
  if (const auto bad = FindInvalidUtf8(value)) {
    return InvalidArgumentError(absl::StrCat(field, ": invalid UTF-8 at byte ", *bad), field);
  }
  return absl::OkStatus();
}

absl::Status CheckQuantity(int64_t quantity, int64_t max) {
  if (quantity >= 1 && quantity <= max) return absl::OkStatus();
  return InvalidArgumentError(absl::StrCat("quantity: must be an integer in [1, ", max, "]"),
                              "quantity");
}

// Reservations of an anonymous cart count against the cart itself.
std::string ReservationOwner(const store::Cart& cart) {
  return cart.user_id.empty() ? absl::StrCat("cart:", cart.id) : cart.user_id;
}

int FindLine(const store::CartContents& contents, const std::string& product_id) {
  for (size_t i = 0; i < contents.lines.size(); ++i) {
    if (contents.lines[i].line.product_id == product_id) return static_cast<int>(i);
  }
  return -1;
}

absl::StatusOr<int64_t> PriceMinor(double price, const std::string& product_id) {
  auto minor = ToMinorUnits(price);
  if (!minor.ok()) {
    return Reason(
        absl::StatusCode::kFailedPrecondition, kPriceUnavailableReason,
        absl::StrCat("product ", product_id, ": ", std::string(minor.status().message())));
  }
  return *minor;
}

}  // namespace

absl::StatusOr<int64_t> ToMinorUnits(double price) {
  if (!std::isfinite(price) || price < 0 ||
      price * 100 > static_cast<double>(store::kMaxPriceMinor)) {
    return InvalidArgumentError(
        absl::StrCat("price ", price, " is not in [0, ", store::kMaxPriceMinor / 100, "]"),
        "price");
  }
  return static_cast<int64_t>(std::llround(price * 100));
}

// A line's stored pricing.
struct CartService::Pricing {
  int64_t unit_minor = 0;
  int64_t original_minor = 0;
  std::string quote_id;
  int64_t quote_expires_at_ms = 0;
};

// What HoldUnits changed, for Undo (MergeCarts only).
struct CartService::Hold {
  store::Reservation reservation;
  bool created = false;           // A new reservation (Undo releases it).
  int64_t previous_quantity = 0;  // Otherwise: its quantity before (Undo restores it).
};

CartService::CartService(const Clock& clock, store::CartStore* carts, InventoryService* inventory,
                         const QuoteBook* quotes, PriceLookup price_lookup,
                         CartServiceOptions options)
    : clock_(clock),
      carts_(carts),
      inventory_(inventory),
      quotes_(quotes),
      price_lookup_(std::move(price_lookup)),
      options_(options) {}

std::mutex& CartService::LockFor(const std::string& cart_id) const {
  return stripes_[std::hash<std::string>{}(cart_id) % stripes_.size()];
}

absl::StatusOr<store::CartContents> CartService::LoadActive(const std::string& cart_id,
                                                            int64_t now) const {
  AISLE_ASSIGN_OR_RETURN(std::optional<store::CartContents> contents,
                         carts_->GetCart(cart_id, now));
  if (!contents) return Reason(absl::StatusCode::kNotFound, store::kCartNotFoundReason, cart_id);
  if (contents->cart.status != store::CartStatus::kActive) {
    return Reason(
        absl::StatusCode::kFailedPrecondition, store::kCartNotActiveReason,
        absl::StrCat(cart_id, " is ", std::string(store::CartStatusName(contents->cart.status))));
  }
  return *std::move(contents);
}

absl::StatusOr<ProductPrice> CartService::LookUp(const std::string& product_id) const {
  auto product = price_lookup_(product_id);
  if (absl::IsNotFound(product.status())) {
    return Reason(absl::StatusCode::kNotFound, kProductNotFoundReason, product_id);
  }
  return product;
}

absl::StatusOr<CartService::Pricing> CartService::PriceLine(
    const std::string& product_id, const std::string& quote_id, const std::string& quote_user,
    const ProductPrice* product, const store::CartLine* line, int64_t now) const {
  if (!quote_id.empty() && quotes_ != nullptr) {
    // A quote that does not validate is no error: the live price applies.
    auto quote = quotes_->Validate(quote_id, product_id, quote_user);
    if (quote.ok()) {
      AISLE_ASSIGN_OR_RETURN(const int64_t unit, PriceMinor(quote->price, product_id));
      AISLE_ASSIGN_OR_RETURN(const int64_t original, PriceMinor(quote->original_price, product_id));
      return Pricing{unit, original, quote->id, quote->expires_at_ms};
    }
  }
  if (line != nullptr && !line->quote_id.empty() && now < line->quote_expires_at_ms) {
    return Pricing{line->unit_price_minor, line->original_price_minor, line->quote_id,
                   line->quote_expires_at_ms};
  }
  if (product == nullptr) {
    // The product left the catalog: the line keeps its last price.
    if (line == nullptr) {
      return Reason(absl::StatusCode::kNotFound, kProductNotFoundReason, product_id);
    }
    return Pricing{line->unit_price_minor, line->original_price_minor, "", 0};
  }
  AISLE_ASSIGN_OR_RETURN(const int64_t unit, PriceMinor(product->price, product_id));
  AISLE_ASSIGN_OR_RETURN(const int64_t original, PriceMinor(product->original_price, product_id));
  return Pricing{unit, original, "", 0};
}

absl::StatusOr<CartService::Hold> CartService::HoldUnits(const store::Cart& cart,
                                                         const std::string& product_id,
                                                         const store::CartLineState* current,
                                                         int64_t quantity) {
  // An order owns a committed line's units: the cart must not hold them
  // a second time.
  auto committed = [](const std::string& id) {
    return Reason(absl::StatusCode::kFailedPrecondition, store::kReservationNotActiveReason,
                  absl::StrCat(id, " is committed to an order"));
  };
  if (current != nullptr && current->reservation_status == store::ReservationStatus::kCommitted) {
    return committed(current->line.reservation_id);
  }
  if (current != nullptr && current->held()) {
    const int64_t previous = current->reservation_quantity;
    auto updated = inventory_->UpdateQuantity(current->line.reservation_id, quantity);
    if (updated.ok()) {
      return Hold{
          .reservation = *std::move(updated), .created = false, .previous_quantity = previous};
    }
    // It expired or was released since the cart was read: reserve anew.
    if (HasReason(updated.status(), store::kReservationNotActiveReason)) {
      AISLE_ASSIGN_OR_RETURN(const std::optional<store::Reservation> now,
                             inventory_->GetReservation(current->line.reservation_id));
      if (now && now->status == store::ReservationStatus::kCommitted) return committed(now->id);
    } else if (!HasReason(updated.status(), store::kReservationExpiredReason)) {
      return updated.status();
    }
  }
  AISLE_ASSIGN_OR_RETURN(store::Reservation reservation,
                         inventory_->Reserve({.product_id = product_id,
                                              .quantity = quantity,
                                              .user_id = ReservationOwner(cart),
                                              .cart_id = cart.id}));
  return Hold{.reservation = std::move(reservation), .created = true, .previous_quantity = 0};
}

void CartService::Undo(const Hold& hold) {
  const absl::Status undone =
      hold.created
          ? inventory_->Release(hold.reservation.id).status()
          : inventory_->UpdateQuantity(hold.reservation.id, hold.previous_quantity).status();
  if (!undone.ok()) {
    // The hold lapses at its expiry at the latest.
    std::cerr << "cart: undoing reservation " << hold.reservation.id << ": " << undone.message()
              << "\n";
  }
}

store::HoldTerms CartService::TermsFor(const store::Cart& cart) const {
  return store::HoldTerms{.user_id = ReservationOwner(cart),
                          .ttl_ms = inventory_->options().reservation_ttl_ms,
                          .max_active_per_user = inventory_->options().max_active_per_user};
}

void CartService::PublishAvailability(const std::string& product_id) {
  // The write is committed either way; the product's next change or sweep
  // corrects a figure that failed to publish.
  if (absl::Status s = inventory_->Publish({product_id}); !s.ok()) {
    std::cerr << "cart: publishing availability of '" << product_id << "': " << s.message()
              << "\n";
  }
}

absl::StatusOr<CartView> CartService::WriteLine(store::CartContents& contents, store::CartLine line,
                                                int index, int64_t now) {
  store::CartLineState* current = index >= 0 ? &contents.lines[index] : nullptr;
  if (current == nullptr) line.added_at_ms = now;  // The store keeps an existing line's.
  line.updated_at_ms = now;
  AISLE_ASSIGN_OR_RETURN(store::LineWriteResult written,
                         carts_
                             ->WriteLine({.cart_id = contents.cart.id,
                                          .line = line,
                                          .hold = store::HoldChange::kHold,
                                          .terms = TermsFor(contents.cart),
                                          .now_ms = now})
                             .get());
  PublishAvailability(line.product_id);
  if (!written.reservation) return absl::InternalError("cart: the store returned no reservation");
  const store::Reservation& hold = *written.reservation;
  line.reservation_id = hold.id;
  store::CartLineState state{.line = std::move(line),
                             .reservation_status = store::ReservationStatus::kActive,
                             .reservation_quantity = hold.quantity,
                             .reservation_expires_at_ms = hold.expires_at_ms};
  if (current != nullptr) {
    *current = std::move(state);
  } else {
    contents.lines.push_back(std::move(state));
  }
  contents.cart.updated_at_ms = now;
  return View(contents, now);
}

absl::StatusOr<CartView> CartService::View(const store::CartContents& contents, int64_t now) const {
  CartView view{.cart = contents.cart};
  view.lines.reserve(contents.lines.size());
  for (const store::CartLineState& state : contents.lines) {
    const store::CartLine& line = state.line;
    CartLineView out{.product_id = line.product_id,
                     .quantity = line.quantity,
                     .unit_price_minor = line.unit_price_minor,
                     .original_price_minor = line.original_price_minor,
                     .reservation_id = line.reservation_id,
                     .reservation_status = state.reservation_status,
                     .reservation_expires_at_ms = state.reservation_expires_at_ms,
                     .added_at_ms = line.added_at_ms};
    auto product = price_lookup_(line.product_id);
    if (product.ok()) {
      out.title = product->title;
      out.currency = product->currency;
    } else if (absl::IsNotFound(product.status())) {
      out.in_catalog = false;
    } else {
      return product.status();
    }
    if (!line.quote_id.empty() && now < line.quote_expires_at_ms) {
      out.price_source = PriceSource::kQuote;
      out.quote_id = line.quote_id;
      out.quote_expires_at_ms = line.quote_expires_at_ms;
    } else if (out.in_catalog) {
      AISLE_ASSIGN_OR_RETURN(out.unit_price_minor, PriceMinor(product->price, line.product_id));
      AISLE_ASSIGN_OR_RETURN(out.original_price_minor,
                             PriceMinor(product->original_price, line.product_id));
    }
    out.line_total_minor = out.unit_price_minor * out.quantity;
    view.item_count += out.quantity;
    view.subtotal_minor += out.line_total_minor;
    if (!out.held()) ++view.unheld_lines;
    view.lines.push_back(std::move(out));
  }
  return view;
}

absl::StatusOr<CartView> CartService::CreateCart(const std::string& user_id, bool* created) {
  const int64_t now = clock_.NowMillis();
  AISLE_ASSIGN_OR_RETURN(store::CreatedCart result, carts_->CreateCart(user_id, now).get());
  if (created != nullptr) *created = result.created;
  if (result.created) return View(store::CartContents{.cart = std::move(result.cart)}, now);
  return GetCart(result.cart.id);
}

absl::StatusOr<CartView> CartService::GetCart(const std::string& cart_id) const {
  AISLE_RETURN_IF_ERROR(CheckId(cart_id, "cart_id"));
  const int64_t now = clock_.NowMillis();
  AISLE_ASSIGN_OR_RETURN(std::optional<store::CartContents> contents,
                         carts_->GetCart(cart_id, now));
  if (!contents) return Reason(absl::StatusCode::kNotFound, store::kCartNotFoundReason, cart_id);
  return View(*contents, now);
}

absl::StatusOr<CartView> CartService::AddItem(const AddItemRequest& request) {
  AISLE_RETURN_IF_ERROR(CheckId(request.cart_id, "cart_id"));
  AISLE_RETURN_IF_ERROR(CheckId(request.product_id, "product_id"));
  AISLE_RETURN_IF_ERROR(CheckQuantity(request.quantity, options_.max_line_quantity));
  if (!request.quote_id.empty()) AISLE_RETURN_IF_ERROR(CheckId(request.quote_id, "quote_id"));
  if (!request.user_id.empty()) AISLE_RETURN_IF_ERROR(CheckId(request.user_id, "user_id"));
  std::lock_guard lock(LockFor(request.cart_id));
  const int64_t now = clock_.NowMillis();
  AISLE_ASSIGN_OR_RETURN(store::CartContents contents, LoadActive(request.cart_id, now));
  const store::Cart& cart = contents.cart;
  if (!request.user_id.empty() && !cart.user_id.empty() && request.user_id != cart.user_id) {
    return Reason(absl::StatusCode::kPermissionDenied, store::kCartUserMismatchReason,
                  absl::StrCat(cart.id, " belongs to another user"));
  }
  AISLE_ASSIGN_OR_RETURN(const ProductPrice product, LookUp(request.product_id));
  const int index = FindLine(contents, request.product_id);
  const store::CartLine* existing = index >= 0 ? &contents.lines[index].line : nullptr;
  const int64_t quantity = request.quantity + (existing != nullptr ? existing->quantity : 0);
  if (quantity > options_.max_line_quantity) {
    return Reason(
        absl::StatusCode::kFailedPrecondition, kQuantityLimitReason,
        absl::StrCat("at most ", options_.max_line_quantity, " units of ", request.product_id,
                     " per cart (", existing->quantity, " already in the cart)"));
  }
  if (existing == nullptr && contents.lines.size() >= options_.max_lines) {
    return Reason(absl::StatusCode::kFailedPrecondition, kCartFullReason,
                  absl::StrCat("at most ", options_.max_lines, " products per cart"));
  }
  const std::string& quote_user = !request.user_id.empty() ? request.user_id : cart.user_id;
  AISLE_ASSIGN_OR_RETURN(const Pricing pricing, PriceLine(request.product_id, request.quote_id,
                                                          quote_user, &product, existing, now));
  store::CartLine line = existing != nullptr ? *existing : store::CartLine{};
  line.product_id = request.product_id;
  line.quantity = quantity;
  line.unit_price_minor = pricing.unit_minor;
  line.original_price_minor = pricing.original_minor;
  line.quote_id = pricing.quote_id;
  line.quote_expires_at_ms = pricing.quote_expires_at_ms;
  return WriteLine(contents, std::move(line), index, now);
}

absl::StatusOr<CartView> CartService::ChangeQuantity(const std::string& cart_id,
                                                     const std::string& product_id,
                                                     int64_t quantity) {
  AISLE_RETURN_IF_ERROR(CheckId(cart_id, "cart_id"));
  AISLE_RETURN_IF_ERROR(CheckId(product_id, "product_id"));
  AISLE_RETURN_IF_ERROR(CheckQuantity(quantity, options_.max_line_quantity));
  std::lock_guard lock(LockFor(cart_id));
  const int64_t now = clock_.NowMillis();
  AISLE_ASSIGN_OR_RETURN(store::CartContents contents, LoadActive(cart_id, now));
  const int index = FindLine(contents, product_id);
  if (index < 0) {
    return Reason(absl::StatusCode::kNotFound, kCartItemNotFoundReason,
                  absl::StrCat(product_id, " is not in cart ", cart_id));
  }
  const store::CartLineState& current = contents.lines[index];
  if (current.held() && current.line.quantity == quantity &&
      current.reservation_quantity == quantity) {
    return View(contents, now);  // Nothing to change.
  }
  // The product may have left the catalog: the line can still shrink.
  auto product = price_lookup_(product_id);
  if (!product.ok() && !absl::IsNotFound(product.status())) return product.status();
  AISLE_ASSIGN_OR_RETURN(const Pricing pricing,
                         PriceLine(product_id, "", contents.cart.user_id,
                                   product.ok() ? &*product : nullptr, &current.line, now));
  store::CartLine line = current.line;
  line.quantity = quantity;
  line.unit_price_minor = pricing.unit_minor;
  line.original_price_minor = pricing.original_minor;
  line.quote_id = pricing.quote_id;
  line.quote_expires_at_ms = pricing.quote_expires_at_ms;
  return WriteLine(contents, std::move(line), index, now);
}

absl::StatusOr<CartView> CartService::RemoveItem(const std::string& cart_id,
                                                 const std::string& product_id) {
  AISLE_RETURN_IF_ERROR(CheckId(cart_id, "cart_id"));
  AISLE_RETURN_IF_ERROR(CheckId(product_id, "product_id"));
  std::lock_guard lock(LockFor(cart_id));
  const int64_t now = clock_.NowMillis();
  AISLE_ASSIGN_OR_RETURN(store::CartContents contents, LoadActive(cart_id, now));
  const int index = FindLine(contents, product_id);
  if (index < 0) {
    return Reason(absl::StatusCode::kNotFound, kCartItemNotFoundReason,
                  absl::StrCat(product_id, " is not in cart ", cart_id));
  }
  const bool was_held = contents.lines[index].held();
  AISLE_RETURN_IF_ERROR(carts_
                            ->WriteLine({.cart_id = cart_id,
                                         .line = {.product_id = product_id},
                                         .hold = store::HoldChange::kRelease,
                                         .now_ms = now})
                            .get()
                            .status());
  // Releasing a hold that had already lapsed moves no units.
  if (was_held) PublishAvailability(product_id);
  contents.lines.erase(contents.lines.begin() + index);
  contents.cart.updated_at_ms = now;
  return View(contents, now);
}

absl::StatusOr<CartView> CartService::MergeCarts(const std::string& anonymous_cart_id,
                                                 const std::string& user_id) {
  AISLE_RETURN_IF_ERROR(CheckId(anonymous_cart_id, "cart_id"));
  AISLE_RETURN_IF_ERROR(CheckId(user_id, "user_id"));
  // The user's cart is looked up before its lock is taken; if it changed
  // meanwhile (created, merged, ordered by a concurrent call), start over.
  for (int attempt = 0; attempt < 3; ++attempt) {
    bool retry = false;
    auto merged = MergeLocked(anonymous_cart_id, user_id, &retry);
    if (!retry) return merged;
  }
  return absl::AbortedError("merge: the user's cart kept changing; retry");
}

absl::StatusOr<CartView> CartService::MergeLocked(const std::string& source_id,
                                                  const std::string& user_id, bool* retry) {
  AISLE_ASSIGN_OR_RETURN(const std::optional<store::Cart> target_cart,
                         carts_->FindActiveCartOfUser(user_id));
  std::mutex& source_mu = LockFor(source_id);
  std::mutex* target_mu = target_cart ? &LockFor(target_cart->id) : nullptr;
  if (target_mu == &source_mu) target_mu = nullptr;
  std::unique_lock source_lock(source_mu, std::defer_lock);
  std::unique_lock<std::mutex> target_lock;
  if (target_mu != nullptr) {
    target_lock = std::unique_lock(*target_mu, std::defer_lock);
    std::lock(source_lock, target_lock);
  } else {
    source_lock.lock();
  }
  const int64_t now = clock_.NowMillis();
  AISLE_ASSIGN_OR_RETURN(std::optional<store::CartContents> source,
                         carts_->GetCart(source_id, now));
  if (!source) return Reason(absl::StatusCode::kNotFound, store::kCartNotFoundReason, source_id);
  if (source->cart.status == store::CartStatus::kMerged && target_cart &&
      source->cart.merged_into == target_cart->id) {
    return GetCart(target_cart->id);  // A retry of a merge that succeeded.
  }
  if (source->cart.status != store::CartStatus::kActive) {
    return Reason(
        absl::StatusCode::kFailedPrecondition, store::kCartNotActiveReason,
        absl::StrCat(source_id, " is ", std::string(store::CartStatusName(source->cart.status))));
  }
  if (!source->cart.user_id.empty() && source->cart.user_id != user_id) {
    return Reason(absl::StatusCode::kPermissionDenied, store::kCartUserMismatchReason,
                  absl::StrCat(source_id, " belongs to another user"));
  }
  if (!target_cart) {
    // No cart yet: the anonymous cart becomes the user's, lines and all.
    auto claimed = carts_->SetCartUser(source_id, user_id, now).get();
    if (HasReason(claimed.status(), store::kUserHasActiveCartReason)) *retry = true;
    AISLE_RETURN_IF_ERROR(claimed.status());
    source->cart = *std::move(claimed);
    return View(*source, now);
  }
  if (target_cart->id == source_id) return View(*source, now);
  auto target = LoadActive(target_cart->id, now);
  if (!target.ok()) {
    *retry = true;
    return target.status();
  }

  std::vector<store::CartLine> written;  // Lines to write into the target.
  std::vector<Hold> holds;               // Reservation changes to undo on failure.
  for (store::CartLineState& moving : source->lines) {
    const int index = FindLine(*target, moving.line.product_id);
    if (index < 0) {
      // Moves with its reservation (still counted against the anonymous
      // cart's own limit until it is next re-reserved).
      moving.line.added_at_ms = now;  // As the store writes it.
      moving.line.updated_at_ms = now;
      written.push_back(moving.line);
      target->lines.push_back(moving);
      continue;
    }
    store::CartLineState& kept = target->lines[index];
    const std::string& product_id = kept.line.product_id;
    // Free the anonymous units first so that the user's line can take them
    // even when the stock is tight.
    if (moving.held()) {
      if (auto released = inventory_->Release(moving.line.reservation_id); !released.ok()) {
        std::cerr << "cart: merge: releasing " << moving.line.reservation_id << ": "
                  << released.status().message() << "\n";
      }
    }
    int64_t quantity =
        std::min(kept.line.quantity + moving.line.quantity, options_.max_line_quantity);
    auto hold = HoldUnits(target->cart, product_id, &kept, quantity);
    if (const auto available = store::InsufficientStockAvailable(hold.status())) {
      // Someone took units meanwhile: keep what can be held.
      const int64_t held = kept.held() ? kept.reservation_quantity : 0;
      if (*available > 0) {
        quantity = std::min(quantity, held + *available);
        hold = HoldUnits(target->cart, product_id, &kept, quantity);
      } else if (held > 0) {
        quantity = held;  // The user's line stays as it was.
        hold = absl::FailedPreconditionError("no units left to add");
      }
    }
    if (hold.ok()) {
      kept.line.reservation_id = hold->reservation.id;
      kept.reservation_status = store::ReservationStatus::kActive;
      kept.reservation_quantity = hold->reservation.quantity;
      kept.reservation_expires_at_ms = hold->reservation.expires_at_ms;
      holds.push_back(*std::move(hold));
    } else {
      // The user's line keeps its old hold (or none): the quantity shows
      // what the shopper wanted, and re-adding reserves it.
      if (kept.held()) quantity = kept.reservation_quantity;
    }
    kept.line.quantity = quantity;
    // The anonymous line's quote survives when the user's has lapsed.
    const bool kept_quote = !kept.line.quote_id.empty() && now < kept.line.quote_expires_at_ms;
    const bool moving_quote =
        !moving.line.quote_id.empty() && now < moving.line.quote_expires_at_ms;
    if (!kept_quote && moving_quote) {
      kept.line.unit_price_minor = moving.line.unit_price_minor;
      kept.line.original_price_minor = moving.line.original_price_minor;
      kept.line.quote_id = moving.line.quote_id;
      kept.line.quote_expires_at_ms = moving.line.quote_expires_at_ms;
    }
    kept.line.updated_at_ms = now;
    written.push_back(kept.line);
  }
  if (absl::Status merged = carts_->MarkMerged(source_id, target->cart.id, written, now).get();
      !merged.ok()) {
    for (const Hold& hold : holds) Undo(hold);
    return merged;
  }
  target->cart.updated_at_ms = now;
  return View(*target, now);
}

}  // namespace aisle::commerce
