#include "base/product.h"

#include <gtest/gtest.h>

namespace aisle {
namespace {

TEST(ProductPatch, AppliesOnlyTheFieldsThatAreSet) {
  Product p;
  p.id = "p1";
  p.title = "Old";
  p.brand = "Acme";
  p.price = 10;
  p.tags = {"a"};
  ProductPatch patch;
  EXPECT_TRUE(patch.empty());
  patch.title = "New";
  patch.price = 12.5;
  patch.tags = std::vector<std::string>{};
  EXPECT_FALSE(patch.empty());
  ApplyPatch(patch, &p);
  EXPECT_EQ(p.id, "p1");
  EXPECT_EQ(p.title, "New");
  EXPECT_EQ(p.brand, "Acme");
  EXPECT_DOUBLE_EQ(p.price, 12.5);
  EXPECT_TRUE(p.tags.empty());
}

TEST(ProductPatch, HidesAndUnhidesWhenHiddenIsSet) {
  Product p;
  p.id = "p1";
  EXPECT_FALSE(p.hidden);
  ProductPatch patch;
  patch.hidden = true;
  EXPECT_FALSE(patch.empty());
  ApplyPatch(patch, &p);
  EXPECT_TRUE(p.hidden);
  Product copy = p;
  copy.hidden = false;
  EXPECT_NE(copy, p);  // operator== compares the flag too.
  ApplyPatch(ProductPatch{}, &p);
  EXPECT_TRUE(p.hidden);  // Unset in the patch: unchanged.
  patch.hidden = false;
  ApplyPatch(patch, &p);
  EXPECT_FALSE(p.hidden);
  EXPECT_EQ(copy, p);
}

}  // namespace
}  // namespace aisle
