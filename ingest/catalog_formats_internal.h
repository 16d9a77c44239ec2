// Internal: row mappings of the CSV catalogs (see catalog_import.h for the
// mapping of each column).
#ifndef AISLE_INGEST_CATALOG_FORMATS_INTERNAL_H_
#define AISLE_INGEST_CATALOG_FORMATS_INTERNAL_H_

#include <functional>
#include <string>
#include <vector>

#include "base/product.h"
#include "base/status.h"
#include "ingest/product_parser.h"

namespace aisle::ingest::internal {

// Maps one data record to a product; an error (InvalidArgument naming the
// column) rejects the row. The product is validated afterwards by the caller.
using RowMapper =
    std::function<absl::Status(const std::vector<std::string>& fields, Product* product)>;

// Built from the header row; an error when a required column is missing.
absl::StatusOr<RowMapper> BigBasketRowMapper(const std::vector<std::string>& header,
                                             const ValidationLimits& limits);
absl::StatusOr<RowMapper> FlipkartRowMapper(const std::vector<std::string>& header,
                                            const ValidationLimits& limits);

}  // namespace aisle::ingest::internal

#endif  // AISLE_INGEST_CATALOG_FORMATS_INTERNAL_H_
