// Small key-value stores: operator settings (JSON text owned by the caller,
// e.g. the ranking weights) and user preference profiles (an opaque blob
// whose format commerce/ owns).
//
// Thread-safety: as EventStore (writes return futures completed after
// commit; reads run on the calling thread and touch the disk).
#ifndef AISLE_STORE_KV_STORES_H_
#define AISLE_STORE_KV_STORES_H_

#include <future>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace aisle::store {

class SettingsStore {
 public:
  virtual ~SettingsStore() = default;

  // nullopt when the key was never Put.
  virtual absl::StatusOr<std::optional<std::string>> Get(std::string_view key) const = 0;

  // Replaces the value. The text is stored as given (the store does not parse
  // JSON) but must be valid UTF-8; the key must be non-empty valid UTF-8.
  virtual std::future<absl::Status> Put(std::string key, std::string json_text) = 0;
};

class ProfileStore {
 public:
  virtual ~ProfileStore() = default;

  // nullopt when the user has no profile.
  virtual absl::StatusOr<std::optional<std::string>> Get(std::string_view user_id) const = 0;

  // Replaces the user's profile with `blob` (any bytes, may be empty).
  // InvalidArgument for an empty or non-UTF-8 user_id.
  virtual std::future<absl::Status> Put(std::string user_id, std::string blob) = 0;

  // Returns whether a profile existed.
  virtual std::future<absl::StatusOr<bool>> Delete(std::string user_id) = 0;
};

}  // namespace aisle::store

#endif  // AISLE_STORE_KV_STORES_H_
