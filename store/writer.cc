#include <algorithm>
#include <exception>

#include "absl/strings/str_cat.h"
#include "store/writer_internal.h"

namespace aisle::store::internal {

Writer::Writer(std::unique_ptr<Connection> connection, WriterOptions options)
    : connection_(std::move(connection)), options_(options) {
  thread_ = std::thread([this] { Run(); });
}

Writer::~Writer() { Close(); }

absl::Status Writer::Enqueue(Job job, bool continuation) {
  {
    std::lock_guard lock(mu_);
    if (stopped_ || (closing_ && !continuation)) {
      return absl::FailedPreconditionError("store: the store is closed");
    }
    if (!continuation && queue_.size() >= options_.max_pending_jobs) {
      return absl::UnavailableError(
          absl::StrCat("store: write queue full (", queue_.size(), " jobs pending); retry later"));
    }
    queue_.push_back(std::move(job));
  }
  cv_.notify_one();
  return absl::OkStatus();
}

void Writer::Close() {
  std::call_once(close_once_, [this] {
    {
      std::lock_guard lock(mu_);
      closing_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  });
}

WriterStats Writer::stats() const {
  WriterStats stats;
  stats.commits = commits_.load(std::memory_order_acquire);
  stats.jobs = jobs_.load(std::memory_order_acquire);
  stats.failed_jobs = failed_jobs_.load(std::memory_order_acquire);
  return stats;
}

void Writer::Run() {
  while (true) {
    std::vector<Job> group = Take();
    if (group.empty()) break;  // Closing and drained.
    RunGroup(group);
  }
  // Lets SQLite refresh its planner statistics where they look stale; cheap.
  connection_->Exec("PRAGMA optimize").IgnoreError();
  connection_.reset();
}

std::vector<Writer::Job> Writer::Take() {
  std::unique_lock lock(mu_);
  cv_.wait(lock, [this] { return !queue_.empty() || closing_; });
  std::vector<Job> group;
  const size_t n = std::min(queue_.size(), std::max<size_t>(1, options_.max_jobs_per_transaction));
  group.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    group.push_back(std::move(queue_.front()));
    queue_.pop_front();
  }
  // Continuations come only from finish callbacks, which run on this thread
  // before the next Take: an empty queue while closing is final.
  if (group.empty()) stopped_ = true;
  return group;
}

void Writer::RunGroup(std::vector<Job>& group) {
  std::vector<absl::Status> results(group.size());
  size_t next = 0;
  while (next < group.size()) next = RunTransaction(group, next, results);
  const auto failed = static_cast<uint64_t>(
      std::count_if(results.begin(), results.end(), [](const absl::Status& s) { return !s.ok(); }));
  jobs_.fetch_add(group.size(), std::memory_order_release);
  failed_jobs_.fetch_add(failed, std::memory_order_release);
  // Acknowledge only now: every successful job's COMMIT has returned.
  for (size_t i = 0; i < group.size(); ++i) group[i].finish(results[i]);
}

size_t Writer::RunTransaction(std::vector<Job>& group, size_t begin,
                              std::vector<absl::Status>& results) {
  const absl::Status begun = ExecCached("BEGIN IMMEDIATE");
  if (!begun.ok()) {
    for (size_t i = begin; i < group.size(); ++i) results[i] = begun;
    return group.size();
  }
  for (size_t i = begin; i < group.size(); ++i) {
    results[i] = RunJob(group[i]);
    if (connection_->InTransaction()) continue;
    // The transaction ended under the group: SQLite rolled it back (I/O
    // error, disk full, ...), which lost the earlier jobs' work too, or a job
    // ended it itself (a bug). Either way none of them is acknowledged; the
    // jobs after this one get a new transaction.
    const absl::Status lost = absl::UnavailableError(
        absl::StrCat("store: the write transaction ended early (",
                     results[i].ok() ? "ended inside a job" : std::string(results[i].message()),
                     "); retry the write"));
    for (size_t j = begin; j <= i; ++j) {
      if (results[j].ok()) results[j] = lost;
    }
    return i + 1;
  }
  const absl::Status committed = ExecCached("COMMIT");
  if (committed.ok()) {
    commits_.fetch_add(1, std::memory_order_release);
    return group.size();
  }
  if (connection_->InTransaction()) ExecCached("ROLLBACK").IgnoreError();
  for (size_t i = begin; i < group.size(); ++i) {
    if (results[i].ok()) results[i] = committed;
  }
  return group.size();
}

absl::Status Writer::RunJob(Job& job) {
  AISLE_RETURN_IF_ERROR(ExecCached("SAVEPOINT job"));
  absl::Status status;
  try {
    Transaction tx(connection_.get());
    status = job.run(tx);
  } catch (const std::exception& e) {
    status = absl::InternalError(absl::StrCat("store: write job threw: ", e.what()));
  } catch (...) {
    status = absl::InternalError("store: write job threw a non-standard exception");
  }
  if (!connection_->InTransaction()) return status;  // RunTransaction reports it.
  if (status.ok()) {
    status = ExecCached("RELEASE job");
    if (status.ok()) return status;
  }
  // Undo this job alone. If even that fails, abandon the transaction rather
  // than commit a half-applied job (RunTransaction sees it has ended).
  absl::Status undone = ExecCached("ROLLBACK TO job");
  if (undone.ok()) undone = ExecCached("RELEASE job");
  if (!undone.ok() && connection_->InTransaction()) ExecCached("ROLLBACK").IgnoreError();
  return status;
}

absl::Status Writer::ExecCached(std::string_view sql) {
  AISLE_ASSIGN_OR_RETURN(Query query, connection_->Prepare(sql));
  return query.Run();
}

}  // namespace aisle::store::internal
