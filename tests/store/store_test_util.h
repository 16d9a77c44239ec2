// Shared by the store tests: a Store on a real file in a TempDir with a fake
// clock, and event builders.
#ifndef AISLE_TESTS_STORE_STORE_TEST_UTIL_H_
#define AISLE_TESTS_STORE_STORE_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "base/clock.h"
#include "store/store.h"
#include "tests/testing/test_util.h"

namespace aisle::store::testing {

inline Event MakeEvent(EventType type, std::string user, std::string product, int64_t ts_ms) {
  Event e;
  e.type = type;
  e.user_id = std::move(user);
  e.session_id = "s-" + e.user_id;
  e.product_id = std::move(product);
  e.category = "tv";
  e.timestamp_ms = ts_ms;
  return e;
}

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }

  virtual StoreOptions Options() const {
    StoreOptions options;
    options.path = dir_.Sub("aisle.db");
    options.clock = &clock_;
    return options;
  }

  // Closes the current store (if any) and opens the same file again.
  void Reopen() {
    store_.reset();
    auto store = Store::Open(Options());
    ASSERT_TRUE(store.ok()) << store.status();
    store_ = std::move(*store);
  }

  aisle::testing::TempDir dir_;
  FakeClock clock_{1'700'000'000'000};
  std::unique_ptr<Store> store_;
};

}  // namespace aisle::store::testing

#endif  // AISLE_TESTS_STORE_STORE_TEST_UTIL_H_
