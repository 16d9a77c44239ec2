// Reads catalog files of the real-world formats aisle is tested with into
// Products: BigBasket CSV, Flipkart CSV, Best Buy JSON, and aisle's own
// JSON / NDJSON. Used by `aisle import` (which then pushes the products to a
// running server) and by tests.
#ifndef AISLE_INGEST_CATALOG_IMPORT_H_
#define AISLE_INGEST_CATALOG_IMPORT_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/product.h"
#include "base/status.h"
#include "ingest/product_parser.h"

namespace aisle::ingest {

enum class CatalogFormat {
  kAuto,       // Decided from the file name and the first bytes.
  kBigBasket,  // CSV: index,product,category,sub_category,brand,sale_price,...
  kFlipkart,   // CSV: uniq_id,...,product_name,product_category_tree,...
  kBestBuy,    // JSON array of {name, description, brand, categories, price, ...}
  kAisleJson,  // JSON array of aisle products.
  kAisleNdjson,
};

struct ImportedCatalog {
  std::vector<Product> products;
  std::vector<Rejection> rejected;  // `line` is the file line the row starts on.
  // Rows whose invalid UTF-8 bytes were replaced by U+FFFD (deterministic
  // repair, see base/utf8.h): the file line of each.
  std::vector<size_t> repaired_lines;
};

// Reads and converts a whole file. IO errors and unrecognisable formats are
// errors; bad rows are reported in `rejected`.
absl::StatusOr<ImportedCatalog> ImportCatalogFile(const std::string& path,
                                                  CatalogFormat format = CatalogFormat::kAuto);

// The same from bytes already in memory; `name` helps kAuto decide.
absl::StatusOr<ImportedCatalog> ImportCatalog(std::string_view bytes, std::string_view name,
                                              CatalogFormat format = CatalogFormat::kAuto);

}  // namespace aisle::ingest

#endif  // AISLE_INGEST_CATALOG_IMPORT_H_
