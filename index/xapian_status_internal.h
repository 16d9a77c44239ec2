// Internal to index/: Xapian exceptions -> absl::Status (errors are values at
// the module boundary).
#ifndef AISLE_INDEX_XAPIAN_STATUS_INTERNAL_H_
#define AISLE_INDEX_XAPIAN_STATUS_INTERNAL_H_

#include <xapian.h>

#include <string>

#include "base/status.h"

namespace aisle::index::internal {

// `context` says what was being done ("commit", "search", ...).
inline absl::Status XapianErrorToStatus(const Xapian::Error& e, const std::string& context) {
  const std::string message = "index " + context + ": " + e.get_description();
  // Xapian::Error has no virtual functions, so dispatch on its type name.
  const std::string type = e.get_type();
  if (type == "DatabaseLockError") {
    return absl::FailedPreconditionError(message + " (is another process using the index?)");
  }
  if (type == "DatabaseCorruptError") return absl::DataLossError(message);
  if (type == "DatabaseModifiedError" || type == "DatabaseOpeningError" ||
      type == "DatabaseNotFoundError" || type == "DatabaseVersionError") {
    return absl::UnavailableError(message);
  }
  if (type == "InvalidArgumentError") return absl::InvalidArgumentError(message);
  return absl::InternalError(message);
}

}  // namespace aisle::index::internal

#endif  // AISLE_INDEX_XAPIAN_STATUS_INTERNAL_H_
