#include "ranking/content_model.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace aisle::ranking {
namespace {

double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0;
  for (size_t i = 0; i < a.size(); ++i) dot += double{a[i]} * b[i];
  return dot;
}

double Norm(const std::vector<float>& v) { return std::sqrt(Cosine(v, v)); }

ContentItem Item(std::string brand, std::vector<std::string> categories,
                 std::optional<double> price = std::nullopt,
                 std::map<std::string, std::string> attributes = {}, std::string title = "") {
  ContentItem item;
  item.brand = std::move(brand);
  item.categories = std::move(categories);
  item.price = price;
  item.attributes = std::move(attributes);
  item.title = std::move(title);
  return item;
}

ContentItem PriceOnly(double price) {
  ContentItem item;
  item.price = price;
  return item;
}

// A small beauty / electronics catalog: most items are under "Beauty", so
// the root is a common feature and brands and leaves are rarer.
std::vector<ContentItem> Catalog() {
  return {
      Item("Acme", {"Beauty", "Makeup", "Lipstick"}, 12, {{"finish", "matte"}},
           "Acme Matte Lipstick Red"),
      Item("Acme", {"Beauty", "Makeup", "Lipstick"}, 14, {{"finish", "matte"}},
           "Acme Lipstick Nude"),
      Item("Glow", {"Beauty", "Makeup", "Lipstick"}, 9, {{"finish", "glossy"}}, "Glow Gloss Stick"),
      Item("Glow", {"Beauty", "Makeup", "Mascara"}, 11, {{"finish", "matte"}},
           "Glow Volume Mascara"),
      Item("Derma", {"Beauty", "Skin Care", "Sunscreen"}, 20, {{"spf", "50"}, {"finish", "matte"}},
           "Derma Sun Fluid SPF 50"),
      Item("Derma", {"Beauty", "Skin Care", "Moisturiser"}, 25, {{"finish", "matte"}},
           "Derma Day Cream"),
      Item("Verde", {"Beauty", "Hair", "Shampoo"}, 8, {{"finish", "matte"}},
           "Verde Herbal Shampoo"),
      Item("Verde", {"Beauty", "Hair", "Conditioner"}, 8, {}, "Verde Herbal Conditioner"),
      Item("Volt", {"Electronics", "Phones", "Smartphones"}, 600, {{"color", "black"}},
           "Volt X1 Phone"),
      Item("Volt", {"Electronics", "Audio", "Headphones"}, 120, {{"color", "black"}}, "Volt Buds"),
  };
}

ContentOptions Wide() {
  // Practically no hash collisions: for tests that check exact structure.
  ContentOptions options;
  options.dimension = 1 << 16;
  return options;
}

ContentEncoder FitOrDie(const std::vector<ContentItem>& items, const ContentOptions& options = {}) {
  absl::StatusOr<ContentEncoder> encoder = ContentEncoder::Fit(items, options);
  EXPECT_TRUE(encoder.ok()) << encoder.status();
  return *std::move(encoder);
}

TEST(ContentModel, SameBrandAndCategoryIsMoreSimilarThanOtherCategory) {
  const std::vector<ContentItem> catalog = Catalog();
  const ContentEncoder encoder = FitOrDie(catalog);
  const auto lipstick = encoder.Encode(catalog[0]);
  const auto same_brand_lipstick = encoder.Encode(catalog[1]);
  const auto other_brand_lipstick = encoder.Encode(catalog[2]);
  const auto phone = encoder.Encode(catalog[8]);
  const auto shampoo = encoder.Encode(catalog[6]);
  EXPECT_GT(Cosine(lipstick, same_brand_lipstick), Cosine(lipstick, other_brand_lipstick));
  EXPECT_GT(Cosine(lipstick, other_brand_lipstick), Cosine(lipstick, shampoo));
  EXPECT_GT(Cosine(lipstick, same_brand_lipstick), 0.5);
  EXPECT_LT(std::abs(Cosine(lipstick, phone)), 0.2);
}

TEST(ContentModel, DeeperSharedCategoryPathBeatsSharedRootOnly) {
  const ContentEncoder encoder = FitOrDie(Catalog(), Wide());
  const auto a = encoder.Encode(Item("", {"Beauty", "Makeup", "Lipstick"}));
  const auto same_leaf = encoder.Encode(Item("", {"Beauty", "Makeup", "Lipstick"}));
  const auto same_parent = encoder.Encode(Item("", {"Beauty", "Makeup", "Mascara"}));
  const auto same_root = encoder.Encode(Item("", {"Beauty", "Hair", "Shampoo"}));
  const auto other_root = encoder.Encode(Item("", {"Electronics", "Audio", "Headphones"}));
  EXPECT_NEAR(Cosine(a, same_leaf), 1.0, 1e-6);
  EXPECT_GT(Cosine(a, same_parent), Cosine(a, same_root));
  EXPECT_GT(Cosine(a, same_root), Cosine(a, other_root));
  EXPECT_NEAR(Cosine(a, other_root), 0.0, 1e-6);
  // A leaf name reused under another parent is another category: the path
  // prefix is the feature, not the level's name.
  const auto other_makeup = encoder.Encode(Item("", {"Electronics", "Makeup"}));
  EXPECT_NEAR(Cosine(a, other_makeup), 0.0, 1e-6);
}

TEST(ContentModel, PriceBandsAreSoft) {
  const ContentEncoder encoder = FitOrDie(Catalog(), Wide());
  auto price_cos = [&](double a, double b) {
    return Cosine(encoder.Encode(PriceOnly(a)), encoder.Encode(PriceOnly(b)));
  };
  EXPECT_GT(price_cos(10, 12), 0.8);
  EXPECT_NEAR(price_cos(10, 100), 0.0, 1e-6);
  // Closer prices are more similar.
  EXPECT_GT(price_cos(10, 11), price_cos(10, 13));
  EXPECT_GT(price_cos(10, 13), price_cos(10, 20));
  EXPECT_GT(price_cos(10, 20), price_cos(10, 40));
  // No hard edges: neighbours across any band boundary (1.5^k and
  // 1.5^(k + 0.5) are where a nearest-band scheme would cut) stay close.
  for (double x : {8.0, 8.5, 9.0, 9.5}) {
    const double edge = std::pow(1.5, x);
    EXPECT_GT(price_cos(edge * 0.97, edge * 1.03), 0.9) << edge;
  }
  EXPECT_GT(price_cos(30, 32), 0.9);
}

TEST(ContentModel, RareSharedAttributeOutweighsCommonOne) {
  std::vector<ContentItem> catalog = Catalog();  // finish=matte is common, spf=50 rare.
  const ContentEncoder encoder = FitOrDie(catalog, Wide());
  const auto query = encoder.Encode(Item("", {}, {}, {{"finish", "matte"}, {"spf", "50"}}));
  const auto shares_common = encoder.Encode(Item("", {}, {}, {{"finish", "matte"}, {"spf", "15"}}));
  const auto shares_rare = encoder.Encode(Item("", {}, {}, {{"finish", "glossy"}, {"spf", "50"}}));
  EXPECT_GT(Cosine(query, shares_rare), Cosine(query, shares_common) + 0.1);
}

TEST(ContentModel, VectorsAreUnitLengthAndDeterministic) {
  const std::vector<ContentItem> catalog = Catalog();
  const ContentEncoder first = FitOrDie(catalog);
  const ContentEncoder second = FitOrDie(catalog);
  EXPECT_EQ(first.Serialize(), second.Serialize());
  for (const ContentItem& item : catalog) {
    const auto v = first.Encode(item);
    ASSERT_EQ(v.size(), 256u);
    EXPECT_NEAR(Norm(v), 1.0, 1e-5);
    EXPECT_EQ(v, second.Encode(item));
    EXPECT_EQ(v, first.Encode(item));
  }
}

TEST(ContentModel, HashIsStableAcrossBuilds) {
  // Pinned: a change here changes every persisted vector (re-index needed).
  const ContentEncoder encoder = FitOrDie({});
  const auto v = encoder.Encode(Item("Acme", {}));
  int nonzero = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == 0) continue;
    ++nonzero;
    EXPECT_EQ(i, size_t{142});
    EXPECT_EQ(v[i], 1.0f);
  }
  EXPECT_EQ(nonzero, 1);
}

TEST(ContentModel, SerializedEncoderEncodesIdentically) {
  const std::vector<ContentItem> catalog = Catalog();
  ContentOptions options;
  options.dimension = 64;
  options.title_weight = 0.3;
  const ContentEncoder encoder = FitOrDie(catalog, options);
  const std::string bytes = encoder.Serialize();
  absl::StatusOr<ContentEncoder> restored = ContentEncoder::Deserialize(bytes);
  ASSERT_TRUE(restored.ok()) << restored.status();
  EXPECT_EQ(restored->options(), options);
  EXPECT_EQ(restored->fitted_items(), catalog.size());
  EXPECT_EQ(restored->vocabulary_size(), encoder.vocabulary_size());
  EXPECT_EQ(restored->Serialize(), bytes);
  for (const ContentItem& item : catalog) EXPECT_EQ(restored->Encode(item), encoder.Encode(item));
  const ContentItem unseen = Item("Nova", {"Garden"}, 3.5, {{"size", "xl"}}, "Nova Trowel");
  EXPECT_EQ(restored->Encode(unseen), encoder.Encode(unseen));
}

TEST(ContentModel, DeserializeRejectsGarbageTruncatedAndCorruptInput) {
  const std::string bytes = FitOrDie(Catalog()).Serialize();
  EXPECT_EQ(ContentEncoder::Deserialize("").status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ContentEncoder::Deserialize("not an encoder at all, just some text").status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(ContentEncoder::Deserialize(std::string(4096, '\0')).status().code(),
            absl::StatusCode::kDataLoss);
  for (size_t n = 0; n < bytes.size(); ++n) {
    EXPECT_EQ(ContentEncoder::Deserialize(bytes.substr(0, n)).status().code(),
              absl::StatusCode::kDataLoss)
        << "truncated to " << n;
  }
  EXPECT_EQ(ContentEncoder::Deserialize(bytes + "x").status().code(), absl::StatusCode::kDataLoss);
  for (size_t i = 0; i < bytes.size(); ++i) {
    std::string corrupt = bytes;
    corrupt[i] = static_cast<char>(corrupt[i] ^ 0x10);
    EXPECT_EQ(ContentEncoder::Deserialize(corrupt).status().code(), absl::StatusCode::kDataLoss)
        << "byte " << i;
  }
}

TEST(ContentModel, EmptyItemEncodesToZeros) {
  const ContentEncoder encoder = FitOrDie(Catalog());
  const auto v = encoder.Encode(ContentItem{});
  ASSERT_EQ(v.size(), 256u);
  EXPECT_EQ(Norm(v), 0.0);
  // Whitespace-only text and a non-positive price are no features either.
  ContentItem blank;
  blank.brand = "   ";
  blank.title = " - , ";
  blank.price = 0;
  blank.tags = {""};
  EXPECT_EQ(Norm(encoder.Encode(blank)), 0.0);
}

TEST(ContentModel, UnseenFeaturesGetTheHighestIdf) {
  const ContentEncoder encoder = FitOrDie(Catalog(), Wide());
  // Each pair: the cosine of a two-feature item with each of its parts
  // measures the parts' weights (both kinds weigh 1.0 before IDF).
  const auto both = encoder.Encode(Item("NeverSeen", {"Beauty"}));
  const auto brand_part = encoder.Encode(Item("NeverSeen", {}));
  const auto root_part = encoder.Encode(Item("", {"Beauty"}));
  EXPECT_GT(Cosine(both, brand_part), Cosine(both, root_part));
  // Unseen weighs at least as much as the rarest seen brand (Glow: 2 items).
  const auto seen = encoder.Encode(Item("Glow", {"Beauty"}));
  EXPECT_GE(Cosine(both, brand_part), Cosine(seen, encoder.Encode(Item("Glow", {}))));
}

TEST(ContentModel, TitleOnlyItemEncodesAndIgnoresCaseAndStopWords) {
  const ContentEncoder encoder = FitOrDie(Catalog(), Wide());
  ContentItem a;
  a.title = "The Red Lipstick, for Lips";
  ContentItem b;
  b.title = "RED lipstick lips";
  ContentItem c;
  c.title = "Red Nail Polish";
  const auto va = encoder.Encode(a);
  EXPECT_NEAR(Norm(va), 1.0, 1e-5);
  EXPECT_NEAR(Cosine(va, encoder.Encode(b)), 1.0, 1e-5);
  const double partial = Cosine(va, encoder.Encode(c));
  EXPECT_GT(partial, 0.1);
  EXPECT_LT(partial, 0.9);
  // Non-ASCII bytes are kept (not folded): "Crème" is not "Creme".
  ContentItem creme;
  creme.title = "Crème";
  ContentItem ascii_creme;
  ascii_creme.title = "Creme";
  EXPECT_NEAR(Cosine(encoder.Encode(creme), encoder.Encode(ascii_creme)), 0.0, 1e-6);
}

TEST(ContentModel, TextIsNormalisedCaseAndWhitespaceInsensitively) {
  const ContentEncoder encoder = FitOrDie(Catalog());
  EXPECT_EQ(
      encoder.Encode(Item("Acme  Labs", {"Beauty", "Skin Care"}, {}, {{"Finish", "Matte"}})),
      encoder.Encode(Item(" acme labs ", {"BEAUTY", "skin   care"}, {}, {{"finish", "matte "}})));
  // The kind is part of a feature: a brand is not a tag of the same text.
  ContentItem tagged;
  tagged.tags = {"acme"};
  const ContentEncoder wide = FitOrDie(Catalog(), Wide());
  EXPECT_NEAR(Cosine(wide.Encode(tagged), wide.Encode(Item("acme", {}))), 0.0, 1e-6);
}

TEST(ContentModel, InvalidOptionsAndWrongOutputSizeAreRejected) {
  ContentOptions options;
  options.dimension = 0;
  EXPECT_EQ(ContentEncoder::Fit({}, options).status().code(), absl::StatusCode::kInvalidArgument);
  options = {};
  options.price_band_ratio = 1.0;
  EXPECT_EQ(ErrorField(ValidateContentOptions(options)), "price_band_ratio");
  options = {};
  options.brand_weight = std::nan("");
  EXPECT_EQ(ErrorField(ValidateContentOptions(options)), "brand_weight");
  EXPECT_TRUE(ValidateContentOptions(ContentOptions{}).ok());

  const ContentEncoder encoder = FitOrDie(Catalog());
  std::vector<float> wrong(10, 7.0f);
  encoder.EncodeInto(Catalog()[0], wrong);
  EXPECT_EQ(wrong, std::vector<float>(10, 0.0f));
  std::vector<float> right(256, 7.0f);
  encoder.EncodeInto(Catalog()[0], right);
  EXPECT_EQ(right, encoder.Encode(Catalog()[0]));
}

TEST(ContentModel, ContentItemOfCopiesTheContentFields) {
  Product product;
  product.id = "p1";
  product.title = "Acme Lipstick";
  product.brand = "Acme";
  product.categories = {"Beauty", "Makeup"};
  product.attributes = {{"finish", "matte"}};
  product.tags = {"vegan"};
  product.price = 12.5;
  ContentItem item = ContentItemOf(product);
  EXPECT_EQ(item.title, "Acme Lipstick");
  EXPECT_EQ(item.brand, "Acme");
  EXPECT_EQ(item.categories, product.categories);
  EXPECT_EQ(item.attributes, product.attributes);
  EXPECT_EQ(item.tags, product.tags);
  EXPECT_EQ(item.price, 12.5);
  product.price = 0;
  EXPECT_FALSE(ContentItemOf(product).price.has_value());
}

}  // namespace
}  // namespace aisle::ranking
