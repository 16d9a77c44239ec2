// The side effects an order's creation or status change commits with it
// (order_store.h: CreateOrderRequest::close_cart, TransitionRequest's stock
// and cart effects). They touch the cart and inventory tables from inside
// the order's writer job, which is the point: the order and the stock, or
// the order and its cart, can never disagree after a crash.
#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "store/cart_store.h"
#include "store/inventory_tx_internal.h"
#include "store/order_store_rows_internal.h"

namespace aisle::store::internal {
namespace {

bool ByProduct(const CartLineRef& a, const CartLineRef& b) { return a.product_id < b.product_id; }

absl::StatusOr<std::vector<CartLineRef>> CartLines(Transaction& tx, std::string_view cart_id) {
  AISLE_ASSIGN_OR_RETURN(Query query,
                         tx.Prepare("SELECT product_id, quantity, reservation_id FROM cart_items "
                                    "WHERE cart_id = ?1 ORDER BY product_id"));
  query.Bind(1, cart_id);
  std::vector<CartLineRef> lines;
  while (true) {
    AISLE_ASSIGN_OR_RETURN(const bool row, query.Step());
    if (!row) return lines;
    lines.push_back(CartLineRef{
        .product_id = query.Text(0), .quantity = query.Int64(1), .reservation_id = query.Text(2)});
  }
}

absl::Status CheckAllocations(const std::vector<Allocation>& allocations, std::string_view list) {
  for (size_t i = 0; i < allocations.size(); ++i) {
    const Allocation& a = allocations[i];
    AISLE_RETURN_IF_ERROR(CheckRequiredText(a.product_id, list, i, "product_id"));
    AISLE_RETURN_IF_ERROR(CheckRequiredText(a.warehouse_id, list, i, "warehouse_id"));
    if (a.quantity < 1 || a.quantity > kMaxUnits) {
      return BadItem(list, i, "quantity", absl::StrCat("must be in [1, ", kMaxUnits, "]"));
    }
  }
  return absl::OkStatus();
}

// The order's cart back to active, unless its user found another one; then
// the cart stays ordered and its holds are released (nobody can check it
// out any more).
absl::Status ReopenCart(Transaction& tx, std::string_view order_id, int64_t now_ms) {
  AISLE_ASSIGN_OR_RETURN(
      Query reopen,
      tx.Prepare("UPDATE carts SET status = 'active', updated_at_ms = ?2 "
                 "WHERE id = (SELECT cart_id FROM orders WHERE id = ?1) AND status = 'ordered' "
                 "AND NOT EXISTS (SELECT 1 FROM carts AS other WHERE other.user_id = carts.user_id "
                 "AND other.user_id <> '' AND other.status = 'active')"));
  reopen.Bind(1, order_id);
  reopen.Bind(2, now_ms);
  AISLE_RETURN_IF_ERROR(reopen.Run());
  if (tx.Changes() == 1) {
    // The shopper's ordinary hold again: a review may have stretched the
    // holds to days, which must not outlive the checkout that needed them.
    AISLE_ASSIGN_OR_RETURN(
        Query shorten,
        tx.Prepare("UPDATE reservations SET expires_at_ms = min(expires_at_ms, ?2 + ?3), "
                   "updated_at_ms = ?2 WHERE status = 'active' AND id IN (SELECT reservation_id "
                   "FROM cart_items WHERE cart_id = (SELECT cart_id FROM orders WHERE id = ?1))"));
    shorten.Bind(1, order_id);
    shorten.Bind(2, now_ms);
    shorten.Bind(3, kDefaultReservationTtlMs);
    return shorten.Run();
  }
  AISLE_ASSIGN_OR_RETURN(
      Query release,
      tx.Prepare("UPDATE reservations SET status = 'released', updated_at_ms = ?2 "
                 "WHERE status = 'active' AND id IN (SELECT reservation_id FROM cart_items WHERE "
                 "cart_id = (SELECT cart_id FROM orders WHERE id = ?1))"));
  release.Bind(1, order_id);
  release.Bind(2, now_ms);
  return release.Run();
}

absl::Status CancelFulfillment(Transaction& tx, std::string_view order_id, int64_t now_ms) {
  AISLE_ASSIGN_OR_RETURN(
      Query cancel, tx.Prepare("UPDATE fulfillment_tasks SET cancelled_at_ms = ?2 WHERE order_id = "
                               "?1 AND status = 'pending' AND cancelled_at_ms IS NULL"));
  cancel.Bind(1, order_id);
  cancel.Bind(2, now_ms);
  return cancel.Run();
}

}  // namespace

absl::Status CheckCloseCart(const CreateOrderRequest& request) {
  if (!request.close_cart) return absl::OkStatus();
  AISLE_RETURN_IF_ERROR(CheckRequiredArgument(request.cart_id, "cart_id"));
  const std::vector<CartLineRef>& lines = *request.close_cart;
  if (lines.empty()) return InvalidArgumentError("close_cart: no lines", "close_cart");
  for (size_t i = 0; i < lines.size(); ++i) {
    AISLE_RETURN_IF_ERROR(CheckRequiredText(lines[i].product_id, "close_cart", i, "product_id"));
    AISLE_RETURN_IF_ERROR(
        CheckRequiredText(lines[i].reservation_id, "close_cart", i, "reservation_id"));
  }
  return absl::OkStatus();
}

absl::Status CheckTransitionEffects(const TransitionRequest& request) {
  for (size_t i = 0; i < request.release_reservations.size(); ++i) {
    AISLE_RETURN_IF_ERROR(CheckRequiredText(request.release_reservations[i],
                                            "release_reservations", i, "reservation_id"));
  }
  if (request.commit_stock) {
    AISLE_RETURN_IF_ERROR(CheckCommitRequest(*request.commit_stock));
    if (request.commit_stock->order_id != request.order_id) {
      return InvalidArgumentError("commit_stock.order_id: must be the transition's order",
                                  "order_id");
    }
  }
  return CheckAllocations(request.restock, "restock");
}

absl::Status CloseCart(Transaction& tx, std::string_view cart_id,
                       const std::vector<CartLineRef>& lines, int64_t now_ms) {
  {
    AISLE_ASSIGN_OR_RETURN(Query cart, tx.Prepare("SELECT status FROM carts WHERE id = ?1"));
    cart.Bind(1, cart_id);
    AISLE_ASSIGN_OR_RETURN(const bool row, cart.Step());
    if (!row) return ReasonError(absl::StatusCode::kNotFound, kCartNotFoundReason, std::string(cart_id));
    if (cart.Text(0) != CartStatusName(CartStatus::kActive)) {
      return ReasonError(absl::StatusCode::kFailedPrecondition, kCartNotActiveReason,
                         absl::StrCat(std::string(cart_id), " is ", cart.Text(0)));
    }
  }
  AISLE_ASSIGN_OR_RETURN(const std::vector<CartLineRef> stored, CartLines(tx, cart_id));
  std::vector<CartLineRef> expected = lines;
  std::sort(expected.begin(), expected.end(), ByProduct);
  if (stored != expected) {
    return ReasonError(absl::StatusCode::kFailedPrecondition, kCartChangedReason,
                       absl::StrCat("cart ", std::string(cart_id), " changed while the order was placed"));
  }
  AISLE_ASSIGN_OR_RETURN(
      Query close, tx.Prepare("UPDATE carts SET status = 'ordered', updated_at_ms = ?2 WHERE id = ?1"));
  close.Bind(1, cart_id);
  close.Bind(2, now_ms);
  return close.Run();
}

absl::Status ApplyTransitionEffects(Transaction& tx, const TransitionRequest& request) {
  for (const std::string& id : request.release_reservations) {
    AISLE_RETURN_IF_ERROR(ReleaseInTx(tx, id, request.at_ms).status());
  }
  if (request.commit_stock) {
    CommitRequest commit = *request.commit_stock;
    if (commit.now_ms == 0) commit.now_ms = request.at_ms;
    AISLE_RETURN_IF_ERROR(CommitInTx(tx, commit));
  }
  if (!request.restock.empty()) {
    AISLE_RETURN_IF_ERROR(RestockInTx(tx, request.restock, request.at_ms));
  }
  if (request.cancel_fulfillment) {
    AISLE_RETURN_IF_ERROR(CancelFulfillment(tx, request.order_id, request.at_ms));
  }
  if (request.reopen_cart) AISLE_RETURN_IF_ERROR(ReopenCart(tx, request.order_id, request.at_ms));
  return absl::OkStatus();
}

}  // namespace aisle::store::internal
