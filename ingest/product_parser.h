// Parses catalog ingest bodies (JSON array, NDJSON, protobuf ProductBatch)
// into validated domain Products. A document that fails validation is
// reported with its position and reason and the valid rest is returned, so
// the caller applies what is good and reports what is not.
//
// Thread-safe: functions are pure; each call uses its own simdjson parser.
#ifndef AISLE_INGEST_PRODUCT_PARSER_H_
#define AISLE_INGEST_PRODUCT_PARSER_H_

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/product.h"
#include "base/status.h"

namespace aisle::ingest {

enum class Format { kJson, kNdjson, kProtobuf };

// Limits with their defaults. A value over a limit rejects the document.
struct ValidationLimits {
  size_t max_id_bytes = 256;
  size_t max_title_bytes = 1024;
  size_t max_description_bytes = 65536;
  size_t max_brand_bytes = 256;
  size_t max_category_levels = 8;
  size_t max_category_bytes = 256;
  size_t max_attributes = 128;
  size_t max_attribute_name_bytes = 128;
  size_t max_attribute_value_bytes = 1024;
  size_t max_tags = 64;
  size_t max_tag_bytes = 128;
  size_t max_url_bytes = 2048;
  size_t max_documents = 100000;  // Per request; more is a whole-request error.
  double max_price = 1e12;
};

struct Rejection {
  size_t index = 0;  // 0-based position of the document in the body.
  size_t line = 0;   // 1-based line in the body (JSON, NDJSON); 0 for protobuf.
  std::string id;    // The document's id, when it had a readable one.
  std::string reason;
};

struct ParsedProducts {
  std::vector<Product> products;
  std::vector<std::string> delete_ids;  // From a protobuf ProductBatch.
  std::vector<Rejection> rejected;
};

// Whole-body errors (not a JSON array, truncated protobuf, too many
// documents) return InvalidArgument with the position; per-document errors
// land in `rejected`. For a JSON array a syntax error anywhere fails the
// whole body (the parser cannot resynchronise); NDJSON rejects only the line.
absl::StatusOr<ParsedProducts> ParseProducts(std::string_view body, Format format,
                                             const ValidationLimits& limits = {});

// Validates one product in place (trims nothing; checks required fields,
// types already enforced by the parser, ranges, lengths, UTF-8).
// Returns the reason on failure.
absl::Status ValidateProduct(const Product& product, const ValidationLimits& limits = {});

// Parses a PATCH body (a JSON object with any subset of Product fields except
// id, or a protobuf ProductPatch). Unknown fields are an error (a typo should
// not silently do nothing).
absl::StatusOr<ProductPatch> ParseProductPatch(std::string_view body, Format format,
                                               const ValidationLimits& limits = {});

}  // namespace aisle::ingest

#endif  // AISLE_INGEST_PRODUCT_PARSER_H_
