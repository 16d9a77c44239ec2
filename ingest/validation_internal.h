// Internal: validation shared by the parsers and the catalog importer.
#ifndef AISLE_INGEST_VALIDATION_INTERNAL_H_
#define AISLE_INGEST_VALIDATION_INTERNAL_H_

#include <string>
#include <vector>

#include "base/product.h"
#include "base/status.h"
#include "ingest/product_parser.h"

namespace aisle::ingest::internal {

// Checks the fields a patch sets with the rules of ValidateProduct.
absl::Status ValidatePatch(const ProductPatch& patch, const ValidationLimits& limits);

// Keeps only the last product of each id, preserving the order of the kept
// ones ("last wins" within one batch).
void KeepLastOfEachId(std::vector<Product>* products);

// "field: message" with the field attached (ErrorField).
absl::Status FieldError(std::string_view field, std::string_view message);

}  // namespace aisle::ingest::internal

#endif  // AISLE_INGEST_VALIDATION_INTERNAL_H_
