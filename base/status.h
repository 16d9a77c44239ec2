// Errors are values at module boundaries: absl::Status / absl::StatusOr.
// Only server/ maps a status code to an HTTP status.
#ifndef AISLE_BASE_STATUS_H_
#define AISLE_BASE_STATUS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define AISLE_CONCAT_INNER_(a, b) a##b
#define AISLE_CONCAT_(a, b) AISLE_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define AISLE_RETURN_IF_ERROR(expr)                \
  do {                                             \
    ::absl::Status aisle_status_ = (expr);         \
    if (!aisle_status_.ok()) return aisle_status_; \
  } while (0)

// `lhs = value of expr` (an absl::StatusOr<T>), or returns its error.
#define AISLE_ASSIGN_OR_RETURN(lhs, expr) \
  AISLE_ASSIGN_OR_RETURN_IMPL_(AISLE_CONCAT_(aisle_statusor_, __LINE__), lhs, expr)
#define AISLE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return std::move(tmp).status();     \
  lhs = std::move(tmp).value()

namespace aisle {

// An InvalidArgument error that names the request field at fault and,
// optionally, the byte position inside it (a filter syntax error, a bad line
// of an NDJSON body). server/ puts both into the JSON error body.
absl::Status InvalidArgumentError(std::string_view message, std::string_view field,
                                  std::optional<size_t> position = std::nullopt);

// The field / position attached by InvalidArgumentError, if any.
std::optional<std::string> ErrorField(const absl::Status& status);
std::optional<size_t> ErrorPosition(const absl::Status& status);

}  // namespace aisle

#endif  // AISLE_BASE_STATUS_H_
