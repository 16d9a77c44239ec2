#include "base/status.h"

#include <charconv>

#include "absl/strings/cord.h"

namespace aisle {
namespace {

// Debian builds abseil with its own absl::string_view (not std::string_view),
// so strings cross into absl as const char* or std::string.
constexpr const char* kFieldUrl = "aisle/field";
constexpr const char* kPositionUrl = "aisle/position";

}  // namespace

absl::Status InvalidArgumentError(std::string_view message, std::string_view field,
                                  std::optional<size_t> position) {
  absl::Status status(absl::StatusCode::kInvalidArgument, std::string(message));
  if (!field.empty()) status.SetPayload(kFieldUrl, absl::Cord(std::string(field)));
  if (position) status.SetPayload(kPositionUrl, absl::Cord(std::to_string(*position)));
  return status;
}

std::optional<std::string> ErrorField(const absl::Status& status) {
  auto payload = status.GetPayload(kFieldUrl);
  if (!payload) return std::nullopt;
  return std::string(*payload);
}

std::optional<size_t> ErrorPosition(const absl::Status& status) {
  auto payload = status.GetPayload(kPositionUrl);
  if (!payload) return std::nullopt;
  const std::string text(*payload);
  size_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace aisle
