// The catalog's vocabulary type. Plain structs: the wire formats (JSON,
// protobuf) are converted at the edges (ingest/, proto/, server/).
#ifndef AISLE_BASE_PRODUCT_H_
#define AISLE_BASE_PRODUCT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace aisle {

struct Product {
  std::string id;     // Required, unique, 1..256 bytes, no control characters.
  std::string title;  // Required, non-empty.
  std::string description;
  std::string brand;
  // The category path, root first: {"Electronics", "Phones", "Smartphones"}.
  std::vector<std::string> categories;
  std::map<std::string, std::string> attributes;  // e.g. {"color": "red"}.
  double price = 0;                               // Base price in major units of `currency`; >= 0.
  double cost = 0;                                // Unit cost (for margin); >= 0.
  std::string currency;  // ISO 4217 code, e.g. "USD"; empty means the store default.
  std::string image_url;
  double rating = 0;       // 0..5.
  double popularity = 0;   // >= 0; higher is more popular.
  int64_t created_at = 0;  // Unix seconds.
  std::vector<std::string> tags;
  // Unpublished: kept in the catalog (GET by id returns it) but never shown
  // to shoppers (search and recommendations skip it).
  bool hidden = false;

  bool operator==(const Product&) const = default;
};

// A partial update: only the fields that are set change. Setting a container
// replaces it whole (JSON merge-patch semantics for top-level fields).
struct ProductPatch {
  std::optional<std::string> title;
  std::optional<std::string> description;
  std::optional<std::string> brand;
  std::optional<std::vector<std::string>> categories;
  std::optional<std::map<std::string, std::string>> attributes;
  std::optional<double> price;
  std::optional<double> cost;
  std::optional<std::string> currency;
  std::optional<std::string> image_url;
  std::optional<double> rating;
  std::optional<double> popularity;
  std::optional<int64_t> created_at;
  std::optional<std::vector<std::string>> tags;
  std::optional<bool> hidden;

  bool empty() const;
};

// Applies the set fields of `patch` to `product`.
void ApplyPatch(const ProductPatch& patch, Product* product);

}  // namespace aisle

#endif  // AISLE_BASE_PRODUCT_H_
