// Reads catalog files of the real-world formats aisle is tested with into
// Products: BigBasket CSV, Flipkart CSV, Best Buy JSON, and aisle's own
// JSON / NDJSON. Used by `aisle import` (which then pushes the products to a
// running server) and by tests.
//
// Every product is validated with ValidateProduct (default limits, no
// document limit). CSV is RFC 4180 (quoted fields with commas, "" and line
// breaks; LF or CRLF); columns are found by header name (case-insensitive),
// a row whose field count differs from the header's is rejected. Lines are
// counted by LF, as `sed -n` / editors do. CSV rows are kept in file order,
// duplicates included (the server keeps the last); aisle JSON / NDJSON go
// through ParseProducts (duplicates: last wins).
//
// Mappings:
// - BigBasket (index,product,category,sub_category,brand,sale_price,
//   market_price,type,rating,description): id "bb-"+index; title = product;
//   categories = {category, sub_category, type} (empty ones dropped);
//   brand; price = sale_price (required); attributes {"mrp": market_price as
//   written}; tag "sale" when sale_price < market_price; rating (empty = 0);
//   description; currency "INR". Fields are trimmed.
// - Flipkart (uniq_id,...,product_name,product_category_tree,retail_price,
//   discounted_price,image,...,product_rating,brand,product_specifications):
//   id = uniq_id; title = product_name; categories = the tree's levels (a
//   Python/JSON list; one "A >> B" string is split), cut before the first
//   product-specific level (one starting with the brand's words, or without
//   a brand the name's first word from level 3 on: Flipkart trees end in
//   "<brand> <product>" leaves); price = discounted_price, or retail_price
//   when empty; attributes {"mrp": retail_price} plus the specifications'
//   key/value pairs (keys normalised: "Ideal For" -> "ideal_for"; first key
//   wins; pairs over the attribute limits skipped, the row kept); tag "sale"
//   when discounted < retail; image_url = the first URL of `image`; rating =
//   product_rating when numeric ("No rating available" = 0); created_at =
//   crawl_timestamp; currency "INR".
// - Best Buy (JSON array of {name, description, brand, categories, price,
//   image, popularity}): id "bestbuy-"+the 0-based position in the file
//   (names are not unique: 50 repeat in the 3k sample, so a name hash would
//   merge products); title = name; image_url = image; currency "USD"; other
//   fields by name; unknown fields ignored.
//
// A UTF-8 byte-order mark at the start of a file is skipped. Invalid UTF-8
// is repaired with RepairUtf8 (each maximal invalid sequence
// becomes U+FFFD): per field for CSV (repaired_lines holds the line each
// repaired row starts on), per line before parsing for the JSON formats
// (repaired_lines holds the physical lines).
//
// Thread-safe: pure functions.
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
  // Decided from the file name (".ndjson" / ".jsonl" first, then
  // "bigbasket", "flipkart", "bestbuy" / "best-buy" / "best_buy" anywhere in
  // the base name, case-insensitive), else from the first bytes: '{' NDJSON; '[' a JSON
  // array, Best Buy when its first 4 KiB have "name" keys and no "title";
  // a CSV header starting "index,product," BigBasket, one with uniq_id and
  // product_name Flipkart.
  kAuto,
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

// Reads and converts a whole file. IO errors (NotFound when it cannot be
// opened), unrecognisable formats, a CSV without a header or without a
// required column (BigBasket: index, product, sale_price; Flipkart: uniq_id,
// product_name, discounted_price) and whole-body JSON errors are errors; bad
// rows are reported in `rejected` (index = 0-based data row).
absl::StatusOr<ImportedCatalog> ImportCatalogFile(const std::string& path,
                                                  CatalogFormat format = CatalogFormat::kAuto);

// The same from bytes already in memory; `name` helps kAuto decide.
absl::StatusOr<ImportedCatalog> ImportCatalog(std::string_view bytes, std::string_view name,
                                              CatalogFormat format = CatalogFormat::kAuto);

}  // namespace aisle::ingest

#endif  // AISLE_INGEST_CATALOG_IMPORT_H_
