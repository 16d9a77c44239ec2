#include "server/profile_sync.h"

#include <algorithm>
#include <chrono>
#include <future>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"

namespace aisle::server {

ProfileSync::ProfileSync(commerce::UserPreferences* preferences, store::ProfileStore* profiles,
                         ProfileSyncOptions options)
    : preferences_(preferences), profiles_(profiles), options_(std::move(options)) {}

ProfileSync::~ProfileSync() { Stop(); }

commerce::ProfileLoader ProfileSync::Loader(const store::ProfileStore* profiles,
                                            size_t max_remembered_misses) {
  struct Misses {
    std::mutex mu;
    absl::flat_hash_set<std::string> ids;  // Guarded by mu.
  };
  auto misses = std::make_shared<Misses>();
  return [profiles, misses, max_remembered_misses](
             const std::string& user_id) -> absl::StatusOr<std::optional<std::string>> {
    if (user_id.empty()) return std::nullopt;
    {
      std::lock_guard lock(misses->mu);
      if (misses->ids.contains(user_id)) return std::nullopt;
    }
    AISLE_ASSIGN_OR_RETURN(std::optional<std::string> stored, profiles->Get(user_id));
    if (!stored && max_remembered_misses > 0) {
      std::lock_guard lock(misses->mu);
      if (misses->ids.size() >= max_remembered_misses) misses->ids.clear();
      misses->ids.insert(user_id);
    }
    return stored;
  };
}

absl::Status ProfileSync::Flush() {
  std::lock_guard lock(flush_mu_);
  for (std::string& id : preferences_->TakeDirty()) retry_.insert(std::move(id));
  // Queue every Put before waiting on any: the store commits them together.
  std::vector<std::pair<std::string, std::future<absl::Status>>> puts;
  puts.reserve(retry_.size());
  for (const std::string& id : retry_) {
    std::optional<std::string> bytes = preferences_->Serialize(id);
    if (!bytes) continue;  // Erased since it changed: nothing to store.
    puts.emplace_back(id, profiles_->Put(id, std::move(*bytes)));
  }
  retry_.clear();
  absl::Status first_error;
  for (auto& [id, put] : puts) {
    absl::Status status = put.get();
    if (status.ok()) continue;
    retry_.insert(id);
    if (first_error.ok()) first_error = std::move(status);
  }
  if (first_error.ok()) return absl::OkStatus();
  return absl::Status(first_error.code(),
                      absl::StrCat(retry_.size(), " of ", puts.size(),
                                   " user profiles not stored: ", first_error.message()));
}

absl::Status ProfileSync::Erase(const std::string& user_id) {
  std::lock_guard lock(flush_mu_);
  retry_.erase(user_id);
  // Store first: erasing memory first would let a read in between load the
  // stored copy back through the loader.
  absl::StatusOr<bool> deleted = profiles_->Delete(user_id).get();
  preferences_->Erase(user_id);
  return deleted.status();
}

size_t ProfileSync::pending_retries() const {
  std::lock_guard lock(flush_mu_);
  return retry_.size();
}

void ProfileSync::Start() {
  std::lock_guard lock(thread_mu_);
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void ProfileSync::Stop() {
  std::lock_guard lock(thread_mu_);
  if (!thread_.joinable()) return;
  {
    std::lock_guard wake(wake_mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();  // The loop flushes once more on its way out.
  std::lock_guard wake(wake_mu_);
  stopping_ = false;
}

void ProfileSync::Loop() {
  const auto period = std::chrono::milliseconds(std::max<int64_t>(1, options_.flush_period_ms));
  std::unique_lock lock(wake_mu_);
  bool last = false;
  while (!last) {
    last = wake_.wait_for(lock, period, [this] { return stopping_; });
    lock.unlock();
    if (absl::Status s = Flush(); !s.ok()) {
      std::cerr << "aisle: storing user profiles: " << s.message() << "\n";
    }
    lock.lock();
  }
}

}  // namespace aisle::server
