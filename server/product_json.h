// Product <-> JSON for the HTTP API (camelCase field names, as in
// proto/aisle.proto's JSON mapping).
#ifndef AISLE_SERVER_PRODUCT_JSON_H_
#define AISLE_SERVER_PRODUCT_JSON_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/product.h"
#include "server/json_writer.h"

namespace aisle::server {

// Which top-level fields to write. Empty `only` = all public fields.
struct ProductFieldSelection {
  std::vector<std::string> only;  // attributesToRetrieve; "*" means all.
  bool include_private = false;   // cost: never in storefront search hits.
  bool Wants(std::string_view field) const;
};

// Writes the product as one JSON object.
void WriteProduct(const Product& product, const ProductFieldSelection& selection, JsonWriter* out);

// Writes only the fields, into an object the caller has begun (so it can add
// its own, such as a hit's _rankingScore).
void WriteProductFields(const Product& product, const ProductFieldSelection& selection,
                        JsonWriter* out);

}  // namespace aisle::server

#endif  // AISLE_SERVER_PRODUCT_JSON_H_
