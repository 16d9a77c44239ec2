#include "proto/product_codec.h"

#include <gtest/gtest.h>

namespace aisle::proto {
namespace {

TEST(ProductCodec, RoundTripsEveryField) {
  Product p;
  p.id = "sku-1";
  p.title = "Caf\xC3\xA9 grinder";
  p.description = "Burr grinder";
  p.brand = "Acme";
  p.categories = {"Kitchen", "Coffee", "Grinders"};
  p.attributes = {{"color", "black"}, {"power", "150W"}};
  p.price = 49.99;
  p.cost = 20;
  p.currency = "USD";
  p.image_url = "https://example.com/g.jpg";
  p.rating = 4.5;
  p.popularity = 1234;
  p.created_at = 1700000000;
  p.tags = {"new", "sale"};
  p.hidden = true;
  auto back = ParseProduct(SerializeProduct(p));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(*back, p);
}

TEST(ProductCodec, RoundTripsHiddenWhenTrueAndFalse) {
  Product p;
  p.id = "h";
  p.title = "Hidden";
  p.hidden = true;
  pb::Product message;
  ToProto(p, &message);
  EXPECT_TRUE(message.hidden());
  auto back = ParseProduct(SerializeProduct(p));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_TRUE(back->hidden);
  p.hidden = false;
  back = ParseProduct(SerializeProduct(p));
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_FALSE(back->hidden);
}

TEST(ProductCodec, RejectsGarbageBytes) {
  EXPECT_EQ(ParseProduct("\xFF\xFF\xFF").status().code(), absl::StatusCode::kDataLoss);
}

TEST(ProductCodec, PatchKeepsPresenceOfOptionalFields) {
  pb::ProductPatch in;
  in.set_price(0);  // Present even though zero.
  in.mutable_tags();  // Present and empty: clears the tags.
  ProductPatch patch = FromProto(in);
  ASSERT_TRUE(patch.price.has_value());
  EXPECT_EQ(*patch.price, 0);
  ASSERT_TRUE(patch.tags.has_value());
  EXPECT_TRUE(patch.tags->empty());
  EXPECT_FALSE(patch.title.has_value());
  EXPECT_FALSE(patch.categories.has_value());
  EXPECT_FALSE(patch.hidden.has_value());
  in.set_hidden(false);  // Present even though false: unhides.
  patch = FromProto(in);
  ASSERT_TRUE(patch.hidden.has_value());
  EXPECT_FALSE(*patch.hidden);
}

}  // namespace
}  // namespace aisle::proto
