// Internal: decoding product objects with simdjson On Demand, and walking
// the documents of a JSON array or NDJSON body. Shared by ParseProducts,
// ParseProductPatch and the catalog importer (Best Buy uses its own field
// names through a different FieldLookup).
#ifndef AISLE_INGEST_JSON_INTERNAL_H_
#define AISLE_INGEST_JSON_INTERNAL_H_

#include <simdjson.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "base/product.h"
#include "base/status.h"

namespace aisle::ingest::internal {

enum class ProductField : uint8_t {
  kUnknown,
  kId,
  kTitle,
  kDescription,
  kBrand,
  kCategories,
  kAttributes,
  kPrice,
  kCost,
  kCurrency,
  kImageUrl,
  kRating,
  kPopularity,
  kCreatedAt,
  kTags,
  kHidden,
};

// Maps a JSON key to the Product field it fills.
using FieldLookup = ProductField (*)(std::string_view key);

// aisle's API names (camelCase: imageUrl, createdAt).
ProductField AisleField(std::string_view key);
// Best Buy's export: name -> title, image -> imageUrl; the rest by the same
// names as aisle's (description, brand, categories, price, popularity).
ProductField BestBuyField(std::string_view key);

// The outcome of decoding one JSON object.
struct DecodeResult {
  // A structural error: the document cannot be read further.
  simdjson::error_code fatal = simdjson::SUCCESS;
  // The first field error ("price: expected a number"); empty when none.
  std::string reason;
  // The JSON key at fault (patches report it as the error field).
  std::string field;
};

// Decodes the fields of `object` into `product`. Unknown keys are skipped;
// null values leave the field unset. After the first field error only "id"
// is still read, so a rejection can name the document.
DecodeResult DecodeProduct(simdjson::ondemand::object& object, FieldLookup lookup,
                           Product* product);

// Decodes a patch object (aisle names). Unknown keys and "id" are errors;
// null resets a field (title: null is an error). Stops at the first error.
DecodeResult DecodePatch(simdjson::ondemand::object& object, ProductPatch* patch);

// One document of a body, as handed to a DocumentSink.
struct DecodedDocument {
  size_t index = 0;    // 0-based among the documents of the body.
  size_t offset = 0;   // Byte offset where the document starts.
  size_t line = 0;     // 1-based line of `offset`.
  Product product;     // What could be decoded (may be partial when rejected).
  std::string reason;  // Empty when the document decoded; else why not.
};
using DocumentSink = std::function<void(DecodedDocument& document)>;

// Walks a JSON array of objects. A syntax error anywhere, invalid UTF-8, a
// non-array body, trailing content or more than `max_documents` documents is
// a whole-body InvalidArgument (field "body", byte position). An empty or
// all-whitespace body is zero documents.
absl::Status ReadJsonArray(std::string_view body, FieldLookup lookup, size_t max_documents,
                           const DocumentSink& sink);

// Walks NDJSON: one object per line; blank lines skipped. A bad line becomes
// a document with a reason; only more than `max_documents` documents fails
// the body.
absl::Status ReadNdjson(std::string_view body, FieldLookup lookup, size_t max_documents,
                        const DocumentSink& sink);

// Counts lines up to increasing byte offsets without rescanning.
class LineCounter {
 public:
  explicit LineCounter(std::string_view text) : text_(text) {}
  size_t LineAt(size_t offset);

 private:
  std::string_view text_;
  size_t offset_ = 0;
  size_t line_ = 1;
};

}  // namespace aisle::ingest::internal

#endif  // AISLE_INGEST_JSON_INTERNAL_H_
