// Parses catalog ingest bodies (JSON array, NDJSON, protobuf ProductBatch)
// into validated domain Products. A document that fails validation is
// reported with its position and reason and the valid rest is returned, so
// the caller applies what is good and reports what is not.
//
// JSON documents use the API's camelCase names: id (a string, or an integer
// that becomes its decimal text), title, description, brand, categories (an
// array of strings root first, or one string "A > B > C" split on " > "),
// attributes (an object; number and boolean values become their JSON text,
// null values are dropped), price, cost, rating, popularity (numbers),
// currency, imageUrl, createdAt (integer Unix seconds, or an ISO-8601 date or
// date-time string; no offset means UTC), tags (an array of strings), hidden
// (true or false: unpublished, kept in the catalog but never searched or
// recommended).
// A null value is the same as an absent field. Unknown fields are ignored
// (catalog exports carry extra fields); a known field of the wrong type
// rejects the document with a reason naming it ("price: expected a number").
// simdjson On Demand does not look inside the values of ignored fields, so a
// malformed scalar there (`"x": tru`) goes unnoticed; structural errors
// (brackets, commas) anywhere are always found.
//
// Ids appear in URL paths, so they are 1..max_id_bytes of [A-Za-z0-9._:-]
// and not "." or "..".
//
// Duplicated ids within one body: the last accepted document wins; the
// earlier ones are dropped silently (not rejected).
//
// Thread-safe: functions are pure; each call uses its own simdjson parser.
// The returned products own their strings (nothing points into `body`).
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
  // 0-based position of the document in the body. For protobuf, a bad
  // delete id i of a ProductBatch has index products_size() + i and a reason
  // starting "delete_ids[i]:".
  size_t index = 0;
  size_t line = 0;  // 1-based line in the body (JSON, NDJSON); 0 for protobuf.
  std::string id;   // The document's id, when it had a readable one.
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
// Whole-body errors carry field "body" and, for JSON and NDJSON, the byte
// position (see ErrorField / ErrorPosition in base/status.h); invalid UTF-8
// inside a JSON array body is such an error, at the first bad byte.
// An empty (or all-whitespace) body, "[]" and an empty ProductBatch yield
// zero products. NDJSON: one object per line (LF or CRLF); blank lines are
// skipped and do not count as documents.
absl::StatusOr<ParsedProducts> ParseProducts(std::string_view body, Format format,
                                             const ValidationLimits& limits = {});

// Validates one product in place (trims nothing; checks required fields,
// types already enforced by the parser, ranges, lengths, UTF-8).
// Returns the reason on failure: InvalidArgument whose message starts with
// the field ("price: must be >= 0", "title: invalid UTF-8 at byte 7") and
// whose ErrorField is that field. Rules beyond ValidationLimits: title not
// empty after trimming whitespace; price and cost finite, 0..max_price;
// rating 0..5; popularity finite and >= 0; currency empty or three letters
// A-Z; category levels, attribute names and tags not empty; every string
// valid UTF-8.
absl::Status ValidateProduct(const Product& product, const ValidationLimits& limits = {});

// The id rule alone (for ids taken from a URL path or a delete list).
absl::Status ValidateProductId(std::string_view id, const ValidationLimits& limits = {});

// Parses a PATCH body (a JSON object with any subset of Product fields except
// id, or a protobuf ProductPatch). Unknown fields are an error (a typo should
// not silently do nothing). "id" is an error too (the id comes from the URL;
// a protobuf ProductPatch must leave its id empty), and so is a protobuf
// `stock` (a live signal, not a catalog field). In JSON, null resets a field
// to its empty value (title: null is an error). The set fields are validated
// with the rules of ValidateProduct. `{}` is a valid, empty patch
// (ProductPatch::empty()); the caller decides what an empty patch means.
// Errors are InvalidArgument naming the field (ErrorField).
absl::StatusOr<ProductPatch> ParseProductPatch(std::string_view body, Format format,
                                               const ValidationLimits& limits = {});

}  // namespace aisle::ingest

#endif  // AISLE_INGEST_PRODUCT_PARSER_H_
