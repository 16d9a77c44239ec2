// JSON error responses and the one mapping from absl::Status to HTTP.
//
// Body shape (DESIGN.md): {"error":{"code":"invalid_filter","message":"...",
// "field":"filter","position":7}}; "field" and "position" only when known.
//
// Thread-safety: stateless functions, safe from any thread.
#ifndef AISLE_SERVER_ERRORS_H_
#define AISLE_SERVER_ERRORS_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"
#include "server/http.h"

namespace aisle::server {

// A JSON error response. `field` is omitted when empty.
Response ErrorResponse(int http_status, std::string_view code, std::string_view message,
                       std::string_view field = {}, std::optional<size_t> position = std::nullopt);

// Attaches a specific machine-readable error code ("invalid_filter",
// "out_of_stock", ...) to `status` as a payload, so FromStatus reports it
// instead of the generic code derived from the status code. An OK status is
// returned unchanged.
absl::Status WithErrorCode(absl::Status status, std::string_view code);

// A store error whose message starts with a reason code in snake_case
// ("insufficient_stock: ...", see store/inventory_store.h) carries that code
// for the JSON error; other statuses are returned unchanged.
absl::Status WithStoreReason(absl::Status status);

// The code attached by WithErrorCode, if any.
std::optional<std::string> ErrorCode(const absl::Status& status);

// The HTTP status for an absl code: InvalidArgument/OutOfRange 400,
// Unauthenticated 401, PermissionDenied 403, NotFound 404,
// AlreadyExists/Aborted/FailedPrecondition 409, ResourceExhausted 429,
// Unavailable 503, DeadlineExceeded 504, anything else 500.
int HttpStatusFor(absl::StatusCode code);

// The generic code string for an absl code: "invalid_argument", "not_found",
// ... ("internal" for unknown codes).
std::string_view GenericErrorCode(absl::StatusCode code);

// The error response for a non-OK status: HTTP status from HttpStatusFor,
// code from ErrorCode() or GenericErrorCode(), message = status.message()
// only (never payloads or other internals), field/position from
// base/status.h ErrorField/ErrorPosition. An OK status (a caller bug) gives a
// 500 "internal" error.
Response FromStatus(const absl::Status& status);

}  // namespace aisle::server

#endif  // AISLE_SERVER_ERRORS_H_
