// Internal to store/: read-only connections handed out one call at a time.
// In WAL mode readers never block the writer nor each other; each statement
// sees the last transaction committed when it started.
//
// Thread-safety: Checkout/Close from any thread. A Lease is used by one
// thread and must be destroyed before the pool.
#ifndef AISLE_STORE_READER_POOL_INTERNAL_H_
#define AISLE_STORE_READER_POOL_INTERNAL_H_

#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "store/sqlite_internal.h"

namespace aisle::store::internal {

class ReaderPool {
 public:
  // Keeps up to `max_idle` connections open between calls; more concurrent
  // callers get extra connections, closed when returned to a full pool.
  ReaderPool(std::string path, int busy_timeout_ms, size_t max_idle);
  ReaderPool(const ReaderPool&) = delete;
  ReaderPool& operator=(const ReaderPool&) = delete;

  // A connection back to the pool when the lease dies.
  class Lease {
   public:
    Lease(ReaderPool* pool, std::unique_ptr<Connection> connection)
        : pool_(pool), connection_(std::move(connection)) {}
    Lease(Lease&&) = default;
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Connection* operator->() const { return connection_.get(); }
    Connection& operator*() const { return *connection_; }

   private:
    ReaderPool* pool_;
    std::unique_ptr<Connection> connection_;
  };

  // Opens `count` connections now, so a broken database fails at Open.
  absl::Status Warm(size_t count);
  // FailedPrecondition after Close().
  absl::StatusOr<Lease> Checkout();
  // Closes idle connections; leases still out close on return.
  void Close();

 private:
  absl::StatusOr<std::unique_ptr<Connection>> OpenOne() const;
  void Return(std::unique_ptr<Connection> connection);

  const std::string path_;
  const int busy_timeout_ms_;
  const size_t max_idle_;
  std::mutex mu_;
  std::vector<std::unique_ptr<Connection>> idle_;  // Guarded by mu_.
  bool closed_ = false;                            // Guarded by mu_.
};

// Makes the statements run on one read connection while it lives see the
// same committed state (a read transaction; WAL keeps it from blocking the
// writer).
class ReadSnapshot {
 public:
  static absl::StatusOr<ReadSnapshot> Begin(Connection& connection) {
    AISLE_RETURN_IF_ERROR(connection.Exec("BEGIN"));
    return ReadSnapshot(&connection);
  }
  ReadSnapshot(ReadSnapshot&& other) noexcept
      : connection_(std::exchange(other.connection_, nullptr)) {}
  ReadSnapshot& operator=(ReadSnapshot&&) = delete;
  // Declare it before the Queries it covers, so they are reset first.
  ~ReadSnapshot() {
    if (connection_ != nullptr) connection_->Exec("COMMIT").IgnoreError();
  }

 private:
  explicit ReadSnapshot(Connection* connection) : connection_(connection) {}
  Connection* connection_;
};

}  // namespace aisle::store::internal

#endif  // AISLE_STORE_READER_POOL_INTERNAL_H_
