// Helpers for reading request bodies with simdjson On Demand: typed field
// reads that turn simdjson error codes into InvalidArgument statuses naming
// the field. Keeps simdjson boilerplate out of the handlers.
#ifndef AISLE_SERVER_JSON_READ_H_
#define AISLE_SERVER_JSON_READ_H_

#include <simdjson.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace aisle::server::json {

// Parses `body` as one JSON object and calls `visit(key, value)` for each
// field; a visit error stops the walk. Malformed JSON, invalid UTF-8, a
// non-object body or trailing content are InvalidArgument on field "body".
template <typename Visit>
absl::Status ForEachField(std::string_view body, size_t max_depth, Visit&& visit);

absl::StatusOr<std::string> String(simdjson::ondemand::value value, std::string_view field);
absl::StatusOr<uint64_t> Uint(simdjson::ondemand::value value, std::string_view field);
// A JSON number (integer or not) into *out.
absl::Status Number(simdjson::ondemand::value value, std::string_view field, double* out);
absl::StatusOr<bool> Bool(simdjson::ondemand::value value, std::string_view field);
absl::StatusOr<std::vector<std::string>> StringArray(simdjson::ondemand::value value,
                                                     std::string_view field,
                                                     size_t max_items = 1000);

absl::Status BodyError(std::string_view message, std::string_view body, const char* location);
absl::Status TypeError(std::string_view field, std::string_view expected);

// --- implementation ---

template <typename Visit>
absl::Status ForEachField(std::string_view body, size_t max_depth, Visit&& visit) {
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(body);
  simdjson::ondemand::document doc;
  if (auto error = parser.allocate(padded.size(), max_depth)) {
    return BodyError(simdjson::error_message(error), body, nullptr);
  }
  if (auto error = parser.iterate(padded).get(doc)) {
    return BodyError(simdjson::error_message(error), body, nullptr);
  }
  simdjson::ondemand::object object;
  if (auto error = doc.get_object().get(object)) {
    return BodyError(error == simdjson::INCORRECT_TYPE ? "the body must be a JSON object"
                                                       : simdjson::error_message(error),
                     body, nullptr);
  }
  for (auto field_result : object) {
    simdjson::ondemand::field field;
    std::string_view key;
    if (auto error = std::move(field_result).get(field)) {
      return BodyError(simdjson::error_message(error), body, nullptr);
    }
    if (auto error = field.unescaped_key().get(key)) {
      return BodyError(simdjson::error_message(error), body, nullptr);
    }
    AISLE_RETURN_IF_ERROR(visit(key, field.value()));
  }
  // simdjson 3.0.1 has no document::at_end(): a readable location after the
  // object means there is more content.
  if (const char* at; doc.current_location().get(at) == simdjson::SUCCESS) {
    return BodyError("trailing content after the JSON object", body, at);
  }
  return absl::OkStatus();
}

}  // namespace aisle::server::json

#endif  // AISLE_SERVER_JSON_READ_H_
