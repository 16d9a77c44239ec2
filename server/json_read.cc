#include "server/json_read.h"

#include "absl/strings/str_cat.h"

namespace aisle::server::json {

absl::Status BodyError(std::string_view message, std::string_view body, const char* location) {
  std::string text = absl::StrCat("malformed JSON body: ", std::string(message));
  std::optional<size_t> position;
  if (location != nullptr && location >= body.data() && location <= body.data() + body.size()) {
    position = static_cast<size_t>(location - body.data());
  }
  return InvalidArgumentError(text, "body", position);
}

absl::Status TypeError(std::string_view field, std::string_view expected) {
  return InvalidArgumentError(
      absl::StrCat(std::string(field), ": expected ", std::string(expected)), field);
}

absl::StatusOr<std::string> String(simdjson::ondemand::value value, std::string_view field) {
  std::string_view s;
  if (value.get_string().get(s)) return TypeError(field, "a string");
  return std::string(s);
}

absl::StatusOr<uint64_t> Uint(simdjson::ondemand::value value, std::string_view field) {
  uint64_t n;
  if (value.get_uint64().get(n)) return TypeError(field, "a non-negative integer");
  return n;
}

absl::Status Number(simdjson::ondemand::value value, std::string_view field, double* out) {
  if (value.get_double().get(*out)) return TypeError(field, "a number");
  return absl::OkStatus();
}

absl::StatusOr<bool> Bool(simdjson::ondemand::value value, std::string_view field) {
  bool b;
  if (value.get_bool().get(b)) return TypeError(field, "true or false");
  return b;
}

absl::StatusOr<std::vector<std::string>> StringArray(simdjson::ondemand::value value,
                                                     std::string_view field, size_t max_items) {
  simdjson::ondemand::array array;
  if (value.get_array().get(array)) return TypeError(field, "an array of strings");
  std::vector<std::string> out;
  for (auto item : array) {
    std::string_view s;
    if (item.get_string().get(s)) return TypeError(field, "an array of strings");
    if (out.size() == max_items) {
      return InvalidArgumentError(
          absl::StrCat(std::string(field), ": at most ", max_items, " items"), field);
    }
    out.emplace_back(s);
  }
  return out;
}

}  // namespace aisle::server::json
