#include "store/reader_pool_internal.h"

namespace aisle::store::internal {

ReaderPool::ReaderPool(std::string path, int busy_timeout_ms, size_t max_idle)
    : path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms), max_idle_(max_idle) {}

ReaderPool::Lease::~Lease() {
  if (connection_ != nullptr) pool_->Return(std::move(connection_));
}

absl::StatusOr<std::unique_ptr<Connection>> ReaderPool::OpenOne() const {
  AISLE_ASSIGN_OR_RETURN(auto connection,
                         Connection::Open(path_, Connection::Mode::kReadOnly, busy_timeout_ms_));
  // Belt and braces: a read connection never writes, even by mistake.
  AISLE_RETURN_IF_ERROR(connection->Exec("PRAGMA query_only = ON"));
  return connection;
}

absl::Status ReaderPool::Warm(size_t count) {
  for (size_t i = 0; i < count; ++i) {
    AISLE_ASSIGN_OR_RETURN(auto connection, OpenOne());
    // A read proves the file is a database we can use (open is lazy).
    AISLE_RETURN_IF_ERROR(connection->QueryText("SELECT count(*) FROM sqlite_schema").status());
    Return(std::move(connection));
  }
  return absl::OkStatus();
}

absl::StatusOr<ReaderPool::Lease> ReaderPool::Checkout() {
  {
    std::lock_guard lock(mu_);
    if (closed_) return absl::FailedPreconditionError("store: the store is closed");
    if (!idle_.empty()) {
      std::unique_ptr<Connection> connection = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(connection));
    }
  }
  AISLE_ASSIGN_OR_RETURN(auto connection, OpenOne());  // Outside the lock: opening does I/O.
  return Lease(this, std::move(connection));
}

void ReaderPool::Return(std::unique_ptr<Connection> connection) {
  std::unique_ptr<Connection> surplus;  // Closed outside the lock.
  std::lock_guard lock(mu_);
  if (closed_ || idle_.size() >= max_idle_) {
    surplus = std::move(connection);
  } else {
    idle_.push_back(std::move(connection));
  }
}

void ReaderPool::Close() {
  std::vector<std::unique_ptr<Connection>> idle;
  {
    std::lock_guard lock(mu_);
    closed_ = true;
    idle.swap(idle_);
  }
}

}  // namespace aisle::store::internal
