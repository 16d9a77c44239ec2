// A deterministic demo catalog: a category tree, brands per department,
// attributes, realistic prices, ratings and text. The same (seed, index)
// always yields the same product, so a benchmark at 1M products and a demo at
// 100k products agree on their first 100k.
#ifndef AISLE_INGEST_DEMO_CATALOG_H_
#define AISLE_INGEST_DEMO_CATALOG_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "base/product.h"

namespace aisle::ingest {

struct DemoCatalogOptions {
  uint64_t seed = 42;
  int64_t created_at_base = 1'700'000'000;  // Unix seconds of product 0.
};

// Product number `i` (ids are "p" followed by i, zero-padded to 7 digits).
Product GenerateDemoProduct(size_t i, const DemoCatalogOptions& options = {});

// Products [first, first + count).
std::vector<Product> GenerateDemoCatalog(size_t first, size_t count,
                                         const DemoCatalogOptions& options = {});

}  // namespace aisle::ingest

#endif  // AISLE_INGEST_DEMO_CATALOG_H_
