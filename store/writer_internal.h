// Internal to store/: the single writer thread, which owns the write
// connection and group-commits.
//
// Callers submit write jobs (a function over a Transaction) and get a future.
// The writer takes every queued job (up to max_jobs_per_transaction), runs
// them inside ONE `BEGIN IMMEDIATE ... COMMIT`, each job inside its own
// SAVEPOINT: a job that fails (returns an error, throws, or hits a SQL error)
// is rolled back to its savepoint and reports its own error while the others
// commit. Futures complete only after COMMIT returned, so with
// synchronous=FULL an acknowledged job is on disk. One fsync is shared by the
// whole group: that is what makes many small writes per second affordable.
//
// Because one thread applies every write, a job's reads and writes are
// serialized with all other jobs: a check-then-update inside one job (stock
// check and reservation, idempotency-key lookup and order insert) cannot be
// interleaved by another writer. Jobs must be short: while one runs, every
// other write waits. Long work (a retention delete) is split into
// continuation jobs, each committed separately.
//
// Thread-safety: Submit/Enqueue/Close/stats may be called from any thread.
// Job functions run on the writer thread; their `finish` callbacks too.
#ifndef AISLE_STORE_WRITER_INTERNAL_H_
#define AISLE_STORE_WRITER_INTERNAL_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string_view>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/functional/any_invocable.h"
#include "base/status.h"
#include "store/sqlite_internal.h"

namespace aisle::store::internal {

// What a job may do: run statements on the write connection inside the
// group's transaction (and its savepoint). A job must not COMMIT or
// ROLLBACK; if it does, the group's other jobs fail rather than commit
// half-done work.
class Transaction {
 public:
  explicit Transaction(Connection* connection) : connection_(connection) {}
  absl::StatusOr<Query> Prepare(std::string_view sql) { return connection_->Prepare(sql); }
  int64_t Changes() const { return connection_->Changes(); }
  int64_t LastInsertRowid() const { return connection_->LastInsertRowid(); }

 private:
  Connection* connection_;
};

struct WriterOptions {
  size_t max_jobs_per_transaction = 1000;
  size_t max_pending_jobs = 100000;
};

struct WriterStats {
  uint64_t commits = 0;      // Successful COMMITs.
  uint64_t jobs = 0;         // Jobs run (committed or failed).
  uint64_t failed_jobs = 0;  // Jobs that reported an error.
};

class Writer {
 public:
  struct Job {
    // Runs on the writer thread inside the job's savepoint.
    absl::AnyInvocable<absl::Status(Transaction&)> run;
    // Called once with the job's final outcome: its own error, or the
    // group's COMMIT status. Runs on the writer thread after the COMMIT; it
    // may Enqueue a continuation.
    absl::AnyInvocable<void(const absl::Status&)> finish;
  };

  // Takes the connection (WAL and pragmas already set) and starts the thread.
  Writer(std::unique_ptr<Connection> connection, WriterOptions options);
  ~Writer();  // Close()s.
  Writer(const Writer&) = delete;
  Writer& operator=(const Writer&) = delete;

  // FailedPrecondition after Close() began (except continuations, so a
  // closing writer finishes chains it already started); Unavailable when
  // max_pending_jobs are queued. On error `job.finish` is not called.
  absl::Status Enqueue(Job job, bool continuation = false);

  // `fn(Transaction&)` returns absl::Status or absl::StatusOr<T>; the future
  // yields that value once committed, or the error that prevented it.
  template <typename Fn>
  auto Submit(Fn fn) -> std::future<std::invoke_result_t<Fn&, Transaction&>>;

  // Runs and commits every queued job (and continuations), then stops the
  // thread and closes the connection. Idempotent; thread-safe.
  void Close();

  WriterStats stats() const;

 private:
  void Run();
  std::vector<Job> Take();
  void RunGroup(std::vector<Job>& group);
  // Runs group[begin, end) in one transaction, stopping early (and returning
  // where) when SQLite abandoned the transaction.
  size_t RunTransaction(std::vector<Job>& group, size_t begin, std::vector<absl::Status>& results);
  absl::Status RunJob(Job& job);
  absl::Status ExecCached(std::string_view sql);

  std::unique_ptr<Connection> connection_;  // Writer thread only.
  const WriterOptions options_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> queue_;  // Guarded by mu_.
  bool closing_ = false;   // Guarded by mu_.
  bool stopped_ = false;   // Guarded by mu_: the thread has exited.
  std::once_flag close_once_;
  std::thread thread_;

  std::atomic<uint64_t> commits_{0};
  std::atomic<uint64_t> jobs_{0};
  std::atomic<uint64_t> failed_jobs_{0};
};

// --- Template implementation --------------------------------------------------

inline const absl::Status& StatusOf(const absl::Status& status) { return status; }
template <typename T>
const absl::Status& StatusOf(const absl::StatusOr<T>& result) {
  return result.status();
}

template <typename Fn>
auto Writer::Submit(Fn fn) -> std::future<std::invoke_result_t<Fn&, Transaction&>> {
  using Result = std::invoke_result_t<Fn&, Transaction&>;
  struct State {
    std::promise<Result> promise;
    std::optional<Result> result;
  };
  auto state = std::make_shared<State>();
  std::future<Result> future = state->promise.get_future();
  Job job;
  job.run = [state, fn = std::move(fn)](Transaction& tx) mutable -> absl::Status {
    state->result.emplace(fn(tx));
    return StatusOf(*state->result);
  };
  job.finish = [state](const absl::Status& outcome) {
    if (outcome.ok() && state->result.has_value()) {
      state->promise.set_value(std::move(*state->result));
    } else {
      state->promise.set_value(Result(
          outcome.ok() ? absl::InternalError("store: write job produced no result") : outcome));
    }
  };
  absl::Status enqueued = Enqueue(std::move(job));
  if (!enqueued.ok()) state->promise.set_value(Result(std::move(enqueued)));
  return future;
}

}  // namespace aisle::store::internal

#endif  // AISLE_STORE_WRITER_INTERNAL_H_
