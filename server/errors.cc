#include "server/errors.h"

#include <cctype>

#include "absl/strings/cord.h"
#include "server/json_writer.h"

namespace aisle::server {
namespace {

// Payload type URL for WithErrorCode (a const char*: Debian's abseil has its
// own string_view type).
constexpr const char* kErrorCodeUrl = "aisle/error_code";

}  // namespace

Response ErrorResponse(int http_status, std::string_view code, std::string_view message,
                       std::string_view field, std::optional<size_t> position) {
  JsonWriter writer(64 + code.size() + message.size() + field.size());
  writer.BeginObject().Key("error").BeginObject();
  writer.Key("code").String(code);
  writer.Key("message").String(message);
  if (!field.empty()) writer.Key("field").String(field);
  if (position) writer.Key("position").Uint(*position);
  writer.EndObject().EndObject();
  Response response;
  response.status = http_status;
  response.content_type = "application/json";
  response.body = writer.Take();
  return response;
}

absl::Status WithErrorCode(absl::Status status, std::string_view code) {
  status.SetPayload(kErrorCodeUrl, absl::Cord(std::string(code)));
  return status;
}

std::optional<std::string> ErrorCode(const absl::Status& status) {
  auto payload = status.GetPayload(kErrorCodeUrl);
  if (!payload) return std::nullopt;
  return std::string(*payload);
}

int HttpStatusFor(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return 200;
    case absl::StatusCode::kInvalidArgument:
    case absl::StatusCode::kOutOfRange:
      return 400;
    case absl::StatusCode::kUnauthenticated:
      return 401;
    case absl::StatusCode::kPermissionDenied:
      return 403;
    case absl::StatusCode::kNotFound:
      return 404;
    case absl::StatusCode::kAlreadyExists:
    case absl::StatusCode::kAborted:
    case absl::StatusCode::kFailedPrecondition:
      return 409;
    case absl::StatusCode::kResourceExhausted:
      return 429;
    case absl::StatusCode::kUnavailable:
      return 503;
    case absl::StatusCode::kDeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

std::string_view GenericErrorCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "ok";
    case absl::StatusCode::kCancelled:
      return "cancelled";
    case absl::StatusCode::kInvalidArgument:
      return "invalid_argument";
    case absl::StatusCode::kDeadlineExceeded:
      return "deadline_exceeded";
    case absl::StatusCode::kNotFound:
      return "not_found";
    case absl::StatusCode::kAlreadyExists:
      return "already_exists";
    case absl::StatusCode::kPermissionDenied:
      return "permission_denied";
    case absl::StatusCode::kResourceExhausted:
      return "resource_exhausted";
    case absl::StatusCode::kFailedPrecondition:
      return "failed_precondition";
    case absl::StatusCode::kAborted:
      return "aborted";
    case absl::StatusCode::kOutOfRange:
      return "out_of_range";
    case absl::StatusCode::kUnimplemented:
      return "unimplemented";
    case absl::StatusCode::kUnavailable:
      return "unavailable";
    case absl::StatusCode::kDataLoss:
      return "data_loss";
    case absl::StatusCode::kUnauthenticated:
      return "unauthenticated";
    default:
      return "internal";
  }
}

absl::Status WithStoreReason(absl::Status status) {
  const std::string message(status.message());
  const size_t colon = message.find(':');
  if (status.ok() || colon == std::string::npos || colon == 0) return status;
  for (size_t i = 0; i < colon; ++i) {
    if (!(message[i] >= 'a' && message[i] <= 'z') && message[i] != '_') return status;
  }
  return WithErrorCode(std::move(status), message.substr(0, colon));
}

namespace {

// "hitsPerPage" -> "invalid_hits_per_page": an invalid argument that names its
// field gets a code a client can switch on (DESIGN.md: "invalid_filter").
std::string InvalidFieldCode(std::string_view field) {
  std::string code = "invalid_";
  for (char c : field) {
    if (std::isupper(static_cast<unsigned char>(c))) {
      code += '_';
      code += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (std::isalnum(static_cast<unsigned char>(c))) {
      code += c;
    } else {
      code += '_';
    }
  }
  return code;
}

}  // namespace

Response FromStatus(const absl::Status& status) {
  if (status.ok()) {
    return ErrorResponse(500, "internal", "an error was expected but none was reported");
  }
  const std::optional<std::string> field = ErrorField(status);
  std::string code;
  if (std::optional<std::string> specific = ErrorCode(status)) {
    code = *specific;
  } else if (field && status.code() == absl::StatusCode::kInvalidArgument) {
    code = InvalidFieldCode(*field);
  } else {
    code = std::string(GenericErrorCode(status.code()));
  }
  const std::string message(status.message());
  return ErrorResponse(HttpStatusFor(status.code()), code, message, field ? *field : "",
                       ErrorPosition(status));
}

}  // namespace aisle::server
