// Store: aisle's durable state (aisle.db, SQLite in WAL mode). Store::Open
// applies the schema migrations and hands out one domain-level interface per
// kind of data; no SQL leaves store/, so a PostgreSQL backend can be added
// beside the SQLite one without touching callers.
//
// Writes: one writer thread owns the write connection and group-commits every
// write queued while the previous commit was running (one fsync for many
// callers). A write method returns a future that completes after COMMIT has
// returned: with synchronous=FULL (the default) an acknowledged write
// survives kill -9, an OS crash and a power cut. Each write call is atomic:
// it commits entirely or not at all, independently of the calls grouped with
// it. Writes are applied in the order they were queued.
//
// Reads run on the calling thread with a read-only connection from a small
// pool: they never wait for the writer (WAL) and see every write whose future
// has completed. Reads and waiting on a future block on disk: the HTTP layer
// calls these from its blocking pool, never from an I/O thread.
//
// Ownership and thread-safety: the Store owns everything it hands out; the
// sub-store pointers are valid until the Store is destroyed. Every method of
// the Store and of its sub-stores may be called from any thread. Destroy the
// Store only after the calls in flight have returned (pending futures are
// completed by Close, and stay valid).
#ifndef AISLE_STORE_STORE_H_
#define AISLE_STORE_STORE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "base/clock.h"
#include "base/status.h"
#include "store/cart_store.h"
#include "store/competitor_price_store.h"
#include "store/event_store.h"
#include "store/inventory_store.h"
#include "store/kv_stores.h"
#include "store/order_store.h"
#include "store/signal_store.h"

namespace aisle::store {

// SQLite's `synchronous` for the write connection (WAL mode).
enum class SyncMode {
  // fsync the WAL at every COMMIT. An acknowledged write survives power loss
  // and OS crashes, which money, stock, orders and the "events are stored"
  // acknowledgement promise. Group commit shares one fsync among every job of
  // a transaction, which is what keeps this affordable.
  kFull,
  // No fsync at COMMIT, only at checkpoints. Acknowledged writes survive a
  // crash of the process (kill -9: they are in the OS page cache) but the
  // last ones may be lost on power loss or an OS crash. For tests, benchmarks
  // of the CPU path, and data that can be rebuilt.
  kNormal,
};

struct StoreOptions {
  // Path of the database file (e.g. "<data dir>/aisle.db"); missing parent
  // directories are created. Required.
  std::string path;
  SyncMode synchronous = SyncMode::kFull;
  // How long a connection waits for a lock held by another process (a backup
  // tool, the sqlite3 shell) before failing with Unavailable.
  int busy_timeout_ms = 5000;
  // Read-only connections kept open between reads. More concurrent readers
  // get extra connections, closed when they are done.
  int read_connections = 2;
  // Upper bound on write jobs (calls) in one transaction: bounds how long the
  // first job of a large group waits for its acknowledgement.
  size_t max_jobs_per_transaction = 1000;
  // Write calls waiting for the writer beyond which new ones fail at once
  // with Unavailable (backpressure instead of unbounded memory).
  size_t max_pending_jobs = 100000;
  // Events appended before the per-user event index is brought up to date,
  // in one sorted batch (a random-key index maintained row by row costs most
  // of the event throughput). RecentEventsForUser and DeleteUserEvents scan
  // the not-yet-indexed events: at most about this many.
  int64_t user_index_batch = 50000;
  // Source of "now" for timestamps left at 0. Not owned; must outlive the
  // Store. nullptr = the system clock.
  const Clock* clock = nullptr;
  // Makes the ids of new records (reservations). An id is the handle a client
  // presents, so it must be unguessable and unique; a duplicate fails the
  // write with AlreadyExists. Must be thread-safe and return non-empty UTF-8.
  // Empty = 128 bits from the OS's CSPRNG (getrandom), as 32 hex digits.
  // Tests inject a deterministic one.
  std::function<std::string()> id_generator;
};

struct StoreStats {
  // Write transactions committed (one per group of write jobs).
  uint64_t commits = 0;
  // Write jobs run, committed or failed: one per write call, plus the
  // store's own (per-user index batches, retention chunks).
  uint64_t write_jobs = 0;
  uint64_t failed_jobs = 0;  // Of write_jobs, those that reported an error.
  int schema_version = 0;
};

class Store {
 public:
  // Opens or creates the database, sets WAL mode and the pragmas, applies
  // pending migrations (each in its own transaction) and starts the writer.
  // InvalidArgument for bad options; FailedPrecondition when the file was
  // written by a newer schema; DataLoss when it is not a SQLite database;
  // Unavailable when it cannot be opened or is locked.
  static absl::StatusOr<std::unique_ptr<Store>> Open(const StoreOptions& options);

  virtual ~Store() = default;  // Close()s.

  virtual EventStore* events() = 0;
  virtual SignalStore* signals() = 0;
  virtual CompetitorPriceStore* competitor_prices() = 0;
  virtual SettingsStore* settings() = 0;
  virtual ProfileStore* profiles() = 0;
  virtual InventoryStore* inventory() = 0;
  virtual OrderStore* orders() = 0;
  virtual CartStore* carts() = 0;

  virtual StoreStats Stats() const = 0;

  // Runs and commits every queued write (their futures complete), then stops
  // the writer and closes the connections. Later calls fail with
  // FailedPrecondition. Idempotent.
  virtual void Close() = 0;
};

}  // namespace aisle::store

#endif  // AISLE_STORE_STORE_H_
