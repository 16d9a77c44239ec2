// What the checkout tests share (order_service_test, order_screening_test):
// a real SQLite store in a temp dir on a fake clock, the real inventory, quote
// book and cart services over a small in-memory catalog, warehouses in
// Seattle, Denver and New York, and readers of stock, carts and orders.
// Derived fixtures add their gateway and make service_.
#ifndef AISLE_TESTS_COMMERCE_CHECKOUT_FIXTURE_H_
#define AISLE_TESTS_COMMERCE_CHECKOUT_FIXTURE_H_

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "commerce/cart_service.h"
#include "commerce/inventory_service.h"
#include "commerce/order_service.h"
#include "commerce/quote_book.h"
#include "store/store.h"
#include "tests/testing/test_util.h"

namespace aisle::commerce {

class CheckoutFixture : public ::testing::Test {
 protected:
  // Opens the store (synchronous=NORMAL: durability is the store tests'
  // business), the services and the three warehouses; availability changes
  // go to `sink` (may be empty).
  void OpenCheckout(AvailabilitySink sink) {
    store::StoreOptions options;
    options.path = dir_.Sub("aisle.db");
    options.synchronous = store::SyncMode::kNormal;
    options.clock = &clock_;
    auto store = store::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
    if (!sink) sink = [](const auto&) {};
    inventory_ = std::make_unique<InventoryService>(clock_, store_->inventory(), std::move(sink));
    quotes_ = std::make_unique<QuoteBook>(clock_);
    carts_ = std::make_unique<CartService>(
        clock_, store_->carts(), inventory_.get(), quotes_.get(),
        [this](const std::string& id) -> absl::StatusOr<ProductPrice> {
          std::lock_guard lock(mu_);
          auto it = catalog_.find(id);
          if (it == catalog_.end()) return absl::NotFoundError("no such product");
          return it->second;
        });
    ASSERT_TRUE(inventory_
                    ->UpsertWarehouses({{"sea", "Seattle", 47.6062, -122.3321, "us-west"},
                                        {"den", "Denver", 39.7392, -104.9903, "us-mountain"},
                                        {"nyc", "New York", 40.7128, -74.0060, "us-east"}})
                    .ok());
  }

  void AddProduct(const std::string& id, double price, const std::string& title) {
    std::lock_guard lock(mu_);
    catalog_[id] = {.price = price, .original_price = price, .title = title};
  }

  void SetStock(const std::string& product, const std::vector<StockCount>& counts) {
    auto stock = inventory_->SetStock(product, counts);
    ASSERT_TRUE(stock.ok()) << stock.status();
  }

  int64_t OnHand(const std::string& product, const std::string& warehouse) {
    auto stock = inventory_->Stock(product);
    EXPECT_TRUE(stock.ok()) << stock.status();
    if (!stock.ok()) return -1;
    for (const store::WarehouseStock& w : stock->warehouses) {
      if (w.warehouse_id == warehouse) return w.on_hand;
    }
    return 0;
  }

  int64_t OnHandTotal(const std::string& product) {
    auto stock = inventory_->Stock(product);
    EXPECT_TRUE(stock.ok()) << stock.status();
    return stock.ok() ? stock->on_hand_total : -1;
  }

  int64_t Available(const std::string& product) {
    auto stock = inventory_->Stock(product);
    EXPECT_TRUE(stock.ok()) << stock.status();
    return stock.ok() ? stock->available : -1;
  }

  // A new cart of `user` (empty: anonymous) holding `lines`.
  CartView FilledCart(const std::string& user,
                      const std::vector<std::pair<std::string, int64_t>>& lines) {
    auto cart = carts_->CreateCart(user);
    EXPECT_TRUE(cart.ok()) << cart.status();
    if (!cart.ok()) return {};
    CartView view = *cart;
    for (const auto& [product, quantity] : lines) {
      auto added = carts_->AddItem(
          {.cart_id = view.cart.id, .product_id = product, .quantity = quantity});
      EXPECT_TRUE(added.ok()) << added.status();
      if (added.ok()) view = *added;
    }
    return view;
  }

  CartView CartOf(const std::string& cart_id) {
    auto cart = carts_->GetCart(cart_id);
    EXPECT_TRUE(cart.ok()) << cart.status();
    return cart.ok() ? *cart : CartView{};
  }

  static store::ShippingAddress Seattle() {
    return {.name = "Ada Lovelace",
            .line1 = "1 Pike St",
            .city = "Seattle",
            .region = "WA",
            .postal_code = "98101",
            .country = "US",
            .latitude = 47.61,
            .longitude = -122.33};
  }

  store::Order Order(const std::string& id) {
    auto order = service_->GetOrder(id);
    EXPECT_TRUE(order.ok()) << order.status();
    return order.ok() ? *order : store::Order{};
  }

  std::vector<store::Payment> Payments(const std::string& order_id) {
    auto payments = service_->Payments(order_id);
    EXPECT_TRUE(payments.ok()) << payments.status();
    return payments.ok() ? *payments : std::vector<store::Payment>{};
  }

  testing::TempDir dir_;
  FakeClock clock_{1'750'000'000'000};
  std::mutex mu_;
  std::map<std::string, ProductPrice> catalog_;  // Guarded by mu_.
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<InventoryService> inventory_;
  std::unique_ptr<QuoteBook> quotes_;
  std::unique_ptr<CartService> carts_;
  std::unique_ptr<OrderService> service_;  // Made by the derived fixture.
};

}  // namespace aisle::commerce

#endif  // AISLE_TESTS_COMMERCE_CHECKOUT_FIXTURE_H_
