// Content-based item vectors: cosine similarity over category, brand, price
// range, attributes, tags and title terms. Each product becomes an
// L2-normalised float vector, so cosine is an inner product and the vectors
// can be served by an inner-product nearest-neighbour index.
//
// How a vector is made:
// - Every fact about the item is a feature: each prefix of the category path
//   ("Beauty", "Beauty > Makeup", ...), the brand, a few price bands, each
//   attribute key=value, each tag, each title term. Text is ASCII
//   lower-cased with whitespace trimmed and collapsed (other UTF-8 bytes are
//   kept as they are), so "Acme" and " ACME " are the same brand.
// - A feature's weight is its kind's weight (ContentOptions) times its IDF,
//   log((N + 1) / (df + 1)) + 1 over the N items given to Fit: a rare shared
//   fact (a niche brand, "spf=50") says more than a common one ("Beauty").
//   A feature never seen at Fit has df 0: the highest IDF.
// - Signed feature hashing: each feature adds +-weight to one of `dimension`
//   buckets; the sign comes from the hash too, so colliding features cancel
//   in expectation instead of making unrelated items look alike.
// - The vector is L2-normalised.
// The hash is FNV-1a 64 plus a fixed mixer, written here: std::hash and
// absl::Hash may change between builds, and a restarted server must encode
// new products exactly as the vectors already in the index.
#ifndef AISLE_RANKING_CONTENT_MODEL_H_
#define AISLE_RANKING_CONTENT_MODEL_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/product.h"
#include "base/status.h"

namespace aisle::ranking {

// What the content model reads of a product. The server fills it from
// aisle::Product (ContentItemOf); the offline evaluation from Amazon Beauty's
// attribute ids.
struct ContentItem {
  std::string brand;
  std::vector<std::string> categories;            // The path, root first.
  std::optional<double> price;                    // Absent, <= 0 or not finite: no price feature.
  std::map<std::string, std::string> attributes;  // key -> value
  std::vector<std::string> tags;
  std::string title;
};

// Brand, categories, attributes, tags and title as they are; the price only
// when > 0 (a Product's price of 0 means "not set" more often than "free").
// The description is left out: long, and mostly words that the title,
// categories and attributes already say.
ContentItem ContentItemOf(const aisle::Product& product);

// Defaults, and why:
// - dimension 256: 1 KiB per item as float32 (1 GiB per million products in
//   a flat index). An item has ~10-40 features; the noise that hashing adds
//   to a cosine has a standard deviation of about 1/sqrt(dimension) (0.06
//   here), well below the cosine of items sharing a category and brand
//   (above 0.5 in the unit test's catalog). On Amazon Beauty (brand and
//   category ids only) 256 buckets keep 90% of exact sparse cosine's HR@10,
//   1024 keep 98%, 64 keep 70%
//   (ranking/content_model.cc has the figures): raise it when memory allows.
// - Kind weights (before IDF): a shared category or brand says most about
//   "a similar product" (1.0); price band, attributes and the title together
//   refine it (0.7); tags are free-form and noisier (0.5).
// - Category path level d (root d = 0) weighs
//   category_weight * category_depth_growth^d: a shared leaf ("Lipstick")
//   says more than a shared root ("Beauty"). IDF usually says so already
//   (deeper levels are rarer); the growth keeps it so when a level is as
//   common as its parent (a category with one child).
// - Title terms share title_weight: the weights of the (deduplicated,
//   stop-word-free) terms, 1 + ln(count) each, are scaled to norm
//   title_weight, so a long title does not outweigh brand and category.
//   Only the first 128 terms of a title count.
// - Price: bands are geometric, each price_band_ratio (1.5) times the
//   previous, so 10 and 12 are close while 10 and 100 are not. To have no
//   hard band edges (30 and 32 should not be orthogonal because an edge lies
//   between them), a price x = log(price) / log(ratio) spreads over the band
//   centres j within price_kernel_bands of x with triangular weights
//   1 - |x - j| / price_kernel_bands (then scaled to norm price_weight).
//   With 1.5 bands the price part's cosine (before IDF) is about 0.98 at a
//   price ratio of 1.07, 0.9 at 1.2, 0.55 at 1.5, under 0.1 at 2.25 and 0
//   from 3.4 on, wherever the band edges fall.
struct ContentOptions {
  int dimension = 256;
  double category_weight = 1.0;
  double category_depth_growth = 1.5;
  double brand_weight = 1.0;
  double price_weight = 0.7;
  double attribute_weight = 0.7;
  double tag_weight = 0.5;
  double title_weight = 0.7;
  double price_band_ratio = 1.5;
  double price_kernel_bands = 1.5;

  bool operator==(const ContentOptions&) const = default;
};

// dimension in [1, 65536]; weights finite and in [0, 100], at least one > 0;
// category_depth_growth in (0, 10]; price_band_ratio in (1, 100];
// price_kernel_bands in [1, 16] (so every price reaches a band centre).
// InvalidArgument names the field.
absl::Status ValidateContentOptions(const ContentOptions& options);

// A fitted encoder: the options and the document frequency of every feature
// seen at Fit. Immutable; Encode is safe from many threads.
class ContentEncoder {
 public:
  // Learns the document frequencies over `items` (the catalog). An empty
  // catalog is allowed: every feature then has the same IDF.
  // InvalidArgument when ValidateContentOptions fails.
  static absl::StatusOr<ContentEncoder> Fit(std::span<const ContentItem> items,
                                            const ContentOptions& options);

  // A unit-length vector of dimension() floats; all zero only when the item
  // has no feature with a positive kind weight.
  std::vector<float> Encode(const ContentItem& item) const;
  // Encode into `out` (out.size() == dimension(), else all of `out` is
  // zeroed and nothing else happens). Does not allocate.
  void EncodeInto(const ContentItem& item, std::span<float> out) const;

  int dimension() const { return options_.dimension; }
  const ContentOptions& options() const { return options_; }
  uint64_t fitted_items() const { return items_; }
  size_t vocabulary_size() const { return hashes_.size(); }  // Distinct features seen at Fit.

  // The fitted state (options and document frequencies, keyed by a 64-bit
  // feature hash) in a versioned, checksummed little-endian format: 12 bytes
  // per distinct feature. Deserialize(Serialize()) encodes identically.
  std::string Serialize() const;
  // DataLoss on anything Serialize did not write (empty, truncated, foreign,
  // corrupted, another version); never crashes.
  static absl::StatusOr<ContentEncoder> Deserialize(std::string_view bytes);

 private:
  ContentEncoder() = default;
  double Idf(uint64_t feature) const;

  ContentOptions options_;
  uint64_t items_ = 0;
  std::vector<uint64_t> hashes_;  // Sorted, unique.
  std::vector<uint32_t> df_;      // df_[i]: items with feature hashes_[i]; >= 1.
};

}  // namespace aisle::ranking

#endif  // AISLE_RANKING_CONTENT_MODEL_H_
