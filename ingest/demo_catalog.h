// A deterministic demo catalog: a category tree, brands per department,
// attributes, realistic prices, ratings and text. The same (seed, index)
// always yields the same product, so a benchmark at 1M products and a demo at
// 100k products agree on their first 100k.
//
// Each product draws from its own splitmix64 stream seeded by (seed, index):
// no global or shared random state. The catalog has 10 departments x 6
// subcategories x 5 leaves (categories = {department, subcategory, leaf},
// e.g. Electronics > Phones > Smartphones), 15 invented brands per
// department (skewed: the first brands are drawn most), titles of brand +
// adjective + size/capacity + noun (+ model) + " - " colour ("Voltix Pro
// 256GB Smartphone X5 - Midnight Black"), 20-60-word descriptions, attributes
// by department (color, material, storage / size / capacity / weight / ...,
// and two department-specific ones), lognormal prices around a per-leaf
// median ending in .99 (USD), cost 40-80% of price, ratings 1.0-5.0 skewed
// high, Zipf-like integer popularity, tags among new / sale / bestseller /
// top-rated / eco-friendly / limited-edition.
//
// Thread-safe: pure functions.
#ifndef AISLE_INGEST_DEMO_CATALOG_H_
#define AISLE_INGEST_DEMO_CATALOG_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/product.h"

namespace aisle::ingest {

struct DemoCatalogOptions {
  uint64_t seed = 42;
  // created_at is spread uniformly over the 3 years starting here (Unix
  // seconds); products created in the window's last 90 days are tagged "new".
  int64_t created_at_base = 1'700'000'000;
};

// Product number `i` (ids are "p" followed by i, zero-padded to 7 digits).
Product GenerateDemoProduct(size_t i, const DemoCatalogOptions& options = {});

// Products [first, first + count).
std::vector<Product> GenerateDemoCatalog(size_t first, size_t count,
                                         const DemoCatalogOptions& options = {});

}  // namespace aisle::ingest

#endif  // AISLE_INGEST_DEMO_CATALOG_H_
